"""Planning sparse sums for ``kernels.sparse_sums``: entries in CSR order and the NAF width that minimises the work.

A sparse sum is a list of entries (output o, table row b, coefficient value v): out[o] += value[v]·P_b. The kernel
wants them grouped by output (CSR: ``ptr``, ``base``, ``val``), the distinct coefficient values as signed width-w
NAF digits, and per table row how many odd multiples to build (``NafPlan.offsets``).

Public API::

    Entries().add(out, base, val); Entries.arrays() / .csr(n_out)
    csr(out, base, val, n_out) -> (ptr, base, val)            entries grouped by output (stable)
    magnitudes(values) -> (uint64[n, 4] |v|, int8[n] sign)     each value taken in (−r/2, r/2]
    signed_naf(values, w) -> (int8[n, 256] digits, int64[n] top)
    choose_naf(mags, signs, base, val, n_table_rows, point_bytes=64) -> NafPlan

References
----------
Möller, "Algorithms for multi-exponentiation", SAC 2001 (width-w NAF, interleaving).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from prover.kernels.sparse_sums import wnaf
from zksvs.field import FR_MODULUS
from zksvs.limbs import ints_to_limbs

_R = FR_MODULUS
NAF_BITS = 256
#: Odd-multiple tables per group; beyond this a smaller NAF width is used (peak memory at 2^16 and above).
MAX_TABLE_BYTES = 192 << 20


@dataclass(frozen=True)
class NafPlan:
    """Signed width-w NAF digits of the distinct coefficients and, for a set of entries, the rows needing tables."""

    w: int
    digits: np.ndarray  # int8[n_values, 256]
    top: np.ndarray  # int64[n_values]
    need: np.ndarray  # bool[n_table_rows]: some entry on the row has a digit other than ±1

    @property
    def n_odd(self) -> int:
        return 1 << (self.w - 2)

    @property
    def offsets(self) -> np.ndarray:
        """int64[n_table_rows + 1]: where each row's odd multiples start (n_odd slots if needed, else 1)."""
        offs = np.zeros(len(self.need) + 1, dtype=np.int64)
        np.cumsum(np.where(self.need, self.n_odd, 1), out=offs[1:])
        return offs


def magnitudes(values: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """|v| and sign of each value taken in (−r/2, r/2]: ``uint64[n, 4]`` magnitudes, ``int8[n]`` signs (±1)."""
    signs = np.array([-1 if v > _R // 2 else 1 for v in values], dtype=np.int8)
    mags = ints_to_limbs([_R - v if v > _R // 2 else v for v in values]).reshape(-1, 4)
    return mags, signs


def choose_naf(
    mags: np.ndarray,
    signs: np.ndarray,
    base: np.ndarray,
    val: np.ndarray,
    n_table_rows: int,
    point_bytes: int = 64,
) -> NafPlan:
    """The width w ∈ [2, 7] that minimises the mixed adds of these entries plus the tables their rows need.

    Cost model, in mixed adds: Σ_entries (non-zero digits of its coefficient) + 1.5·2^(w−2) per row that needs a
    table (a full add per multiple, and its share of the batch normalisation). ±1 coefficients need no table.
    w stops at 7: on a 2^14 circom Poseidon chain w = 8 saves under 2% of the adds (model: 6.99M vs 7.11M) for
    twice the table memory (32 → 64 points a row, ~200 MB of G1 tables); a w whose table exceeds
    ``MAX_TABLE_BYTES`` is skipped (peak memory at 2^16 and above).
    """
    best = None
    for w in range(2, 8):
        digits, top = wnaf(mags, w, NAF_BITS)
        nonzero = (digits != 0).sum(axis=1)
        wide = (np.abs(digits) > 1).any(axis=1)
        need = np.zeros(n_table_rows, dtype=np.bool_)
        need[base[wide[val]]] = True
        n_need = int(need.sum())
        if w > 2 and (n_table_rows + n_need * ((1 << (w - 2)) - 1)) * point_bytes > MAX_TABLE_BYTES:
            continue
        cost = float(nonzero[val].sum()) + 1.5 * (1 << (w - 2)) * n_need
        if best is None or cost < best[0]:
            best = (cost, NafPlan(w, np.ascontiguousarray(digits * signs[:, None]), top, need))
    assert best is not None
    return best[1]


@dataclass
class Entries:
    """Entries (output, table row, value index) collected in pieces, concatenated on demand."""

    out: list[np.ndarray] = field(default_factory=list)
    base: list[np.ndarray] = field(default_factory=list)
    val: list[np.ndarray] = field(default_factory=list)

    def add(self, out: np.ndarray, base: np.ndarray, val: np.ndarray) -> None:
        """Append entries (three equal-length int arrays)."""
        self.out.append(np.asarray(out, dtype=np.int64))
        self.base.append(np.asarray(base, dtype=np.int64))
        self.val.append(np.asarray(val, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All entries as (out, base, val) int64 arrays."""
        return np.concatenate(self.out), np.concatenate(self.base), np.concatenate(self.val)

    def csr(self, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``csr`` of all entries."""
        return csr(*self.arrays(), n_out)


def csr(out: np.ndarray, base: np.ndarray, val: np.ndarray, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries sorted by output (stable), with ``ptr[o] : ptr[o + 1]`` the entries of output o."""
    order = np.argsort(out, kind="stable")
    ptr = np.zeros(n_out + 1, dtype=np.int64)
    np.cumsum(np.bincount(out, minlength=n_out), out=ptr[1:])
    return ptr, np.ascontiguousarray(base[order]), np.ascontiguousarray(val[order])


def signed_naf(values: list[int], w: int) -> tuple[np.ndarray, np.ndarray]:
    """Width-w NAF of each value taken in (−r/2, r/2]: int8[n, 256] digits and the top non-zero position."""
    mags, signs = magnitudes(values)
    digits, top = wnaf(mags, w, NAF_BITS)
    return np.ascontiguousarray(digits * signs[:, None]), top


__all__ = ["MAX_TABLE_BYTES", "NAF_BITS", "Entries", "NafPlan", "choose_naf", "csr", "magnitudes", "signed_naf"]

"""Groth16 phase 2 from a prepared powers-of-tau file: the key ``snarkjs groth16 setup`` writes (``_0000.zkey``).

snarkjs 0.7.6 ``zkey_new.js`` builds every key point as a short sparse sum of the ptau's Lagrange points: with
d = 2^log_n the QAP domain (log_n = ⌈log2(n_constraints + n_public + 1)⌉) and L_c = L_c(τ)·G the level-log_n
points of the Lagrange sections,

=====================  ============================================================  ==========================
zkey section           point for wire s                                              ptau section read
=====================  ============================================================  ==========================
A (5)                  Σ_c A[c][s]·L_c(τ)·G1      (+ L_{n+s} for s ≤ n_public)        lTauG1 (12)
B1 (6), B2 (7)         Σ_c B[c][s]·L_c(τ)·G1, ·G2                                    lTauG1 (12), lTauG2 (13)
IC (3) s ≤ n_public,   Σ_c A[c][s]·β·L_c + B[c][s]·α·L_c + C[c][s]·L_c               lBetaTauG1 (15),
C (8) s > n_public     (+ β·L_{n+s} for s ≤ n_public)                                lAlphaTauG1 (14), lTauG1
H (9)                  odd points L_{2d, 2j+1}(τ)·G1 of the 2d domain, j < d          lTauG1 (12), level log_n + 1
=====================  ============================================================  ==========================

(n = n_constraints; rows n … n + n_public are the input rows A[n + s][s] = 1.) γ and δ are 1: γ₂ = δ₂ = G2, δ₁ = G1,
α₁ = alphaTauG1[0], β₁ = betaTauG1[0], β₂ = betaG2, so the key equals snarkjs's fresh ``_0000.zkey`` point for
point. The section-10 circuit hash (``cs_hash``) is computed as ``zkey_new.js`` does, so ``snarkjs zkey verify`` of
the written file against the same ``.r1cs`` and ``.ptau`` passes.

Algorithm (why it is fast): each output point is a sparse sum Σ coef·P over a few Lagrange points, with
coefficients that are mostly ±1 or one of a few hundred distinct constants. Per Lagrange point a table of odd
multiples P, 3P, …, (2^(w−1) − 1)·P (affine, one shared inversion per thread) is built once and shared by every
entry of that row; each distinct coefficient is written once in width-w NAF (signed, sign chosen so |coef| ≤ r/2,
so −1 costs one subtraction); each output runs one doubling chain of the longest NAF among its entries with one
mixed add per non-zero digit (Straus interleaving). In G1 each coefficient is split by GLV, k = k1 + k2·λ with
|k1|, |k2| < 2^128, the k2 part read from the table of φ(P) = (β·x, y), so the doubling chains are ~127 long.
Outputs run under ``prange``. Cost ≈ Σ_entries bits/(w + 1) mixed adds + Σ_outputs max-bits doublings, against
snarkjs's per-wire multi-exponentiations. Measured here (2 cores, load ~2): circom Poseidon chain of 16,320
constraints from pot14, 7.5 s against snarkjs's 58 s; 65,520 constraints from pot16, 21 s (peak RSS 0.8 GB).

Public API::

    setup_from_ptau(r1cs, ptau) -> PtauProvingKey      (a ProvingKey with ``cs_hash``)
    circuit_hash(proving_key, ptau) -> bytes           the 64-byte csHash of a fresh key (zkey_new.js)

References
----------
snarkjs 0.7.6 ``src/zkey_new.js`` (processConstraints, composeAndWritePoints, writeHs, hashHPoints),
``src/zkey_verify_frominit.js`` (what ``zkey verify`` compares); Groth16, eprint 2016/260; Möller, "Algorithms for
multi-exponentiation", SAC 2001 (interleaved width-w NAF).
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange
from py_ecc import bn128 as _bn

from accel.field import fq_from_mont_arr, fq_mul_arr, fq_neg_arr, fq_one
from prover.kernels.g1 import (
    g1_add,
    g1_affine_to_jac_arr,
    g1_dbl,
    g1_infinity,
    g1_jac_to_affine_arr,
    g1_load_affine,
    g1_madd,
    g1_madd_arr,
    g1_store_jac,
    g1_sub_affine,
)
from prover.kernels.g2 import (
    g2_add,
    g2_dbl,
    g2_infinity,
    g2_jac_to_affine_arr,
    g2_load_affine,
    g2_madd,
    g2_store_jac,
    g2_sub_affine,
)
from prover.setup import G1_GENERATOR, G2_GENERATOR
from zksvs.errors import CircuitTooLarge, SetupError
from zksvs.field import FQ_MODULUS, FR_MODULUS, FR_TWO_ADICITY
from zksvs.formats.binfile import MEMORY, unique_rows
from zksvs.formats.ptau_file import Ptau, read_ptau
from zksvs.groth16 import ProvingKey, VerifyingKey, g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import R1CS

__all__ = ["PtauProvingKey", "circuit_hash", "setup_from_ptau"]

_R = FR_MODULUS
_Q = int(FQ_MODULUS)
_NAF_BITS = 256
#: snarkjs hashes the H points in chunks of 2^14 and (a quirk of ``hashHPoints``) rounds the count up to whole chunks.
_HASH_CHUNK = 1 << 14


@dataclass(frozen=True)
class PtauProvingKey(ProvingKey):
    """A ``ProvingKey`` from ``setup_from_ptau``, with the circuit hash ``snarkjs zkey verify`` checks.

    Attributes
    ----------
    cs_hash : bytes
        64 bytes, BLAKE2b-512 over the fresh key as ``zkey_new.js`` hashes it. ``write_zkey`` stores it in section
        10 with zero contributions.
    """

    cs_hash: bytes = b""


# --- kernels ------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _wnaf(mags, w, n_bits):
    """Width-w NAF of each magnitude (``uint64[n, 4]``, normal form, < 2^255): int8[n, n_bits] digits (odd, |d| <
    2^(w−1), at most one non-zero in any w consecutive positions) and the top non-zero position (−1 for 0)."""
    n = mags.shape[0]
    digits = np.zeros((n, n_bits), dtype=np.int8)
    top = np.full(n, -1, dtype=np.int64)
    mask = np.uint64((1 << w) - 1)
    half = 1 << (w - 1)
    full = 1 << w
    one = np.uint64(1)
    s63 = np.uint64(63)
    for i in range(n):
        k0, k1, k2, k3 = mags[i, 0], mags[i, 1], mags[i, 2], mags[i, 3]
        pos = 0
        while (k0 | k1 | k2 | k3) != 0:
            if k0 & one:
                d = np.int64(k0 & mask)
                if d >= half:
                    d -= full
                if d > 0:
                    k0 = k0 - np.uint64(d)  # the low w bits of k0 are d: no borrow
                else:
                    nk0 = k0 + np.uint64(-d)
                    if nk0 < k0:
                        k1 += one
                        if k1 == 0:
                            k2 += one
                            if k2 == 0:
                                k3 += one
                    k0 = nk0
                digits[i, pos] = d
                top[i] = pos
            k0 = (k0 >> one) | (k1 << s63)
            k1 = (k1 >> one) | (k2 << s63)
            k2 = (k2 >> one) | (k3 << s63)
            k3 = k3 >> one
            pos += 1
    return digits, top


_MAX_TABLE_BYTES = 192 << 20  # odd-multiple tables per group; beyond this a smaller NAF width is used
_TABLE_BLOCK_ROWS = 1024  # rows normalised together: bounds the Jacobian scratch (≤ 3 MiB in G1 at 32 slots a row)


@njit(cache=True, parallel=True)
def _g1_odd_multiples(points, offs, n_threads):
    """(2j + 1)·P_i for j < offs[i+1] − offs[i], stored at offs[i] + j: affine ``uint64[m, 2, 4]`` → affine
    ``uint64[offs[m], 2, 4]``. A row with one slot gets P_i itself (its entries only use digits ±1)."""
    m = points.shape[0]
    out = np.zeros((offs[m], 2, 4), dtype=np.uint64)
    chunk = (m + n_threads - 1) // n_threads if m else 0
    for t in prange(n_threads):
        for blo in range(t * chunk, min(m, (t + 1) * chunk), _TABLE_BLOCK_ROWS):
            bhi = min(min(m, (t + 1) * chunk), blo + _TABLE_BLOCK_ROWS)
            jac = np.empty((offs[bhi] - offs[blo], 3, 4), dtype=np.uint64)
            for i in range(blo, bhi):
                x, y = g1_load_affine(points, i)
                b = offs[i] - offs[blo]
                k = offs[i + 1] - offs[i]
                if (x[0] | x[1] | x[2] | x[3] | y[0] | y[1] | y[2] | y[3]) == 0:
                    for j in range(k):
                        g1_store_jac(jac, b + j, g1_infinity())
                    continue
                p = (x, y, fq_one())
                g1_store_jac(jac, b, p)
                if k > 1:
                    p2 = g1_dbl(p)
                    acc = p
                    for j in range(1, k):
                        acc = g1_add(acc, p2)
                        g1_store_jac(jac, b + j, acc)
            out[offs[blo] : offs[bhi]] = g1_jac_to_affine_arr(jac)
    return out


@njit(cache=True, parallel=True)
def _g2_odd_multiples(points, offs, n_threads):
    """As ``_g1_odd_multiples`` in G2: ``uint64[m, 2, 2, 4]`` → ``uint64[offs[m], 2, 2, 4]``."""
    m = points.shape[0]
    out = np.zeros((offs[m], 2, 2, 4), dtype=np.uint64)
    chunk = (m + n_threads - 1) // n_threads if m else 0
    one = fq_one()
    u0 = np.uint64(0)
    for t in prange(n_threads):
        for blo in range(t * chunk, min(m, (t + 1) * chunk), _TABLE_BLOCK_ROWS):
            bhi = min(min(m, (t + 1) * chunk), blo + _TABLE_BLOCK_ROWS)
            jac = np.empty((offs[bhi] - offs[blo], 3, 2, 4), dtype=np.uint64)
            for i in range(blo, bhi):
                x, y = g2_load_affine(points, i)
                b = offs[i] - offs[blo]
                k = offs[i + 1] - offs[i]
                zero = True
                for c in range(8):
                    if x[c] != 0 or y[c] != 0:
                        zero = False
                if zero:
                    for j in range(k):
                        g2_store_jac(jac, b + j, g2_infinity())
                    continue
                p = (x, y, (one[0], one[1], one[2], one[3], u0, u0, u0, u0))
                g2_store_jac(jac, b, p)
                if k > 1:
                    p2 = g2_dbl(p)
                    acc = p
                    for j in range(1, k):
                        acc = g2_add(acc, p2)
                        g2_store_jac(jac, b + j, acc)
            out[offs[blo] : offs[bhi]] = g2_jac_to_affine_arr(jac)
    return out


@njit(cache=True, parallel=True)
def _g1_sparse_sums(table, offs, ptr, base, val, digits, top):
    """out[o] = Σ_{e ∈ [ptr[o], ptr[o+1])} value(val[e])·P_{base[e]} (Jacobian ``uint64[n_out, 3, 4]``).

    ``table[offs[b] + j]`` = (2j + 1)·P_b (affine); ``digits[v]`` is value v's signed NAF, ``top[v]`` its length − 1.
    """
    n_out = ptr.shape[0] - 1
    out = np.empty((n_out, 3, 4), dtype=np.uint64)
    for o in prange(n_out):
        lo = ptr[o]
        hi = ptr[o + 1]
        acc = g1_infinity()
        max_bit = -1
        for e in range(lo, hi):
            t = top[val[e]]
            if t > max_bit:
                max_bit = t
        for bit in range(max_bit, -1, -1):
            if bit < max_bit:
                acc = g1_dbl(acc)
            for e in range(lo, hi):
                d = digits[val[e], bit]
                if d != 0:
                    if d > 0:
                        x, y = g1_load_affine(table, offs[base[e]] + (d - 1) // 2)
                        acc = g1_madd(acc, x, y)
                    else:
                        x, y = g1_load_affine(table, offs[base[e]] + (-d - 1) // 2)
                        acc = g1_sub_affine(acc, x, y)
        g1_store_jac(out, o, acc)
    return out


@njit(cache=True, parallel=True)
def _g2_sparse_sums(table, offs, ptr, base, val, digits, top):
    """As ``_g1_sparse_sums`` in G2 (Jacobian ``uint64[n_out, 3, 2, 4]``)."""
    n_out = ptr.shape[0] - 1
    out = np.empty((n_out, 3, 2, 4), dtype=np.uint64)
    for o in prange(n_out):
        lo = ptr[o]
        hi = ptr[o + 1]
        acc = g2_infinity()
        max_bit = -1
        for e in range(lo, hi):
            t = top[val[e]]
            if t > max_bit:
                max_bit = t
        for bit in range(max_bit, -1, -1):
            if bit < max_bit:
                acc = g2_dbl(acc)
            for e in range(lo, hi):
                d = digits[val[e], bit]
                if d != 0:
                    if d > 0:
                        x, y = g2_load_affine(table, offs[base[e]] + (d - 1) // 2)
                        acc = g2_madd(acc, x, y)
                    else:
                        x, y = g2_load_affine(table, offs[base[e]] + (-d - 1) // 2)
                        acc = g2_sub_affine(acc, x, y)
        g2_store_jac(out, o, acc)
    return out


# --- the setup ----------------------------------------------------------------------------------------------------


def _log_domain(r1cs: R1CS, ptau: Ptau) -> int:
    rows = r1cs.n_constraints + r1cs.n_public + 1
    log_n = max(1, (rows - 1).bit_length())
    if log_n > ptau.power:
        raise CircuitTooLarge(r1cs.n_constraints, ptau.power, log_n)
    if log_n > FR_TWO_ADICITY:
        raise CircuitTooLarge(r1cs.n_constraints, FR_TWO_ADICITY, log_n)
    return log_n


@dataclass(frozen=True)
class _Naf:
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


def _magnitudes(values: list[int]) -> tuple[np.ndarray, np.ndarray]:
    signs = np.array([-1 if v > _R // 2 else 1 for v in values], dtype=np.int8)
    mags = ints_to_limbs([_R - v if v > _R // 2 else v for v in values]).reshape(-1, 4)
    return mags, signs


def _choose_naf(
    mags: np.ndarray,
    signs: np.ndarray,
    base: np.ndarray,
    val: np.ndarray,
    n_table_rows: int,
    point_bytes: int = 64,
) -> _Naf:
    """The width w ∈ [2, 7] that minimises the mixed adds of these entries plus the tables their rows need.

    Cost model, in mixed adds: Σ_entries (non-zero digits of its coefficient) + 1.5·2^(w−2) per row that needs a
    table (a full add per multiple, and its share of the batch normalisation). ±1 coefficients need no table.
    w stops at 7: on a 2^14 circom Poseidon chain w = 8 saves under 2% of the adds (model: 6.99M vs 7.11M) for
    twice the table memory (32 → 64 points a row, ~200 MB of G1 tables); a w whose table exceeds
    ``_MAX_TABLE_BYTES`` is skipped (peak memory at 2^16 and above).
    """
    best = None
    for w in range(2, 8):
        digits, top = _wnaf(mags, w, _NAF_BITS)
        nonzero = (digits != 0).sum(axis=1)
        wide = (np.abs(digits) > 1).any(axis=1)
        need = np.zeros(n_table_rows, dtype=np.bool_)
        need[base[wide[val]]] = True
        n_need = int(need.sum())
        if w > 2 and (n_table_rows + n_need * ((1 << (w - 2)) - 1)) * point_bytes > _MAX_TABLE_BYTES:
            continue
        cost = float(nonzero[val].sum()) + 1.5 * (1 << (w - 2)) * n_need
        if best is None or cost < best[0]:
            best = (cost, _Naf(w, np.ascontiguousarray(digits * signs[:, None]), top, need))
    assert best is not None
    return best[1]


@dataclass
class _Entries:
    out: list[np.ndarray]
    base: list[np.ndarray]
    val: list[np.ndarray]

    def add(self, out: np.ndarray, base: np.ndarray, val: np.ndarray) -> None:
        self.out.append(np.asarray(out, dtype=np.int64))
        self.base.append(np.asarray(base, dtype=np.int64))
        self.val.append(np.asarray(val, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.concatenate(self.out), np.concatenate(self.base), np.concatenate(self.val)

    def csr(self, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _csr(*self.arrays(), n_out)


def _csr(out: np.ndarray, base: np.ndarray, val: np.ndarray, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries sorted by output (stable), with ``ptr[o] : ptr[o + 1]`` the entries of output o."""
    order = np.argsort(out, kind="stable")
    ptr = np.zeros(n_out + 1, dtype=np.int64)
    np.cumsum(np.bincount(out, minlength=n_out), out=ptr[1:])
    return ptr, np.ascontiguousarray(base[order]), np.ascontiguousarray(val[order])


# --- GLV on G1 (Gallant, Lambert, Vanstone, CRYPTO 2001): φ(x, y) = (β·x, y) = λ·(x, y) -----------------------------


def _cube_root_of_unity(modulus: int) -> int:
    g = 2
    while pow(g, (modulus - 1) // 3, modulus) == 1:
        g += 1
    return pow(g, (modulus - 1) // 3, modulus)


def _glv_constants() -> tuple[int, int, tuple[int, int], tuple[int, int]]:
    """β ∈ Fq and λ ∈ Fr with (β·x, y) = λ·(x, y) on G1 (checked on the generator with py_ecc), and a short basis
    (a1, b1), (a2, b2) of {(a, b): a + b·λ ≡ 0 mod r} from the extended Euclidean algorithm (GLV §4)."""
    lam0, beta0 = _cube_root_of_unity(_R), _cube_root_of_unity(_Q)
    gx, gy = G1_GENERATOR
    for lam in (lam0, lam0 * lam0 % _R):
        p = _bn.multiply((_bn.FQ(gx), _bn.FQ(gy)), lam)
        for beta in (beta0, beta0 * beta0 % _Q):
            if int(p[0].n) == beta * gx % _Q and int(p[1].n) == gy:
                break
        else:
            continue
        break
    else:  # pragma: no cover - the curve has the endomorphism
        raise AssertionError("no (β, λ) pair for the BN254 G1 endomorphism")
    r0, r1, t0, t1 = _R, lam, 0, 1
    bound = math.isqrt(_R)
    while r1 >= bound:
        q = r0 // r1
        r0, r1, t0, t1 = r1, r0 - q * r1, t1, t0 - q * t1
    q = r0 // r1
    r2, t2 = r0 - q * r1, t0 - q * t1
    v1 = (r1, -t1)
    v2 = min((r0, -t0), (r2, -t2), key=lambda v: v[0] ** 2 + v[1] ** 2)
    return beta, lam, v1, v2


_GLV_BETA, _GLV_LAMBDA, _GLV_V1, _GLV_V2 = _glv_constants()


def _round_div(x: int, d: int) -> int:
    if d < 0:
        x, d = -x, -d
    return (2 * x + d) // (2 * d)


def _glv_split(k: int) -> tuple[int, int]:
    """k ≡ k1 + k2·λ (mod r) with |k1|, |k2| ≲ 2^128 (signed Python ints)."""
    (a1, b1), (a2, b2) = _GLV_V1, _GLV_V2
    det = a1 * b2 - a2 * b1
    c1, c2 = _round_div(b2 * k, det), _round_div(-b1 * k, det)
    k1, k2 = k - c1 * a1 - c2 * a2, -c1 * b1 - c2 * b2
    assert (k1 + k2 * _GLV_LAMBDA - k) % _R == 0
    return k1, k2


def _glv_expand(
    out: np.ndarray, base: np.ndarray, val: np.ndarray, values: list[int], n_table_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Entry (o, b, v) → (o, b, k1) and, when k2 ≠ 0, (o, b + n_table_rows, k2): table row b + n_table_rows holds
    φ(P_b). Values k1 of value i sit at index i, k2 at len(values) + i, both as elements of Fr (k mod r)."""
    split = [_glv_split(v) for v in values]
    glv_values = [k1 % _R for k1, _ in split] + [k2 % _R for _, k2 in split]
    sel = np.array([k2 != 0 for _, k2 in split], dtype=np.bool_)[val]
    return (
        np.concatenate([out, out[sel]]),
        np.concatenate([base, base[sel] + n_table_rows]),
        np.concatenate([val, val[sel] + len(values)]),
        glv_values,
    )


def _phi(points: np.ndarray) -> np.ndarray:
    """φ(x, y) = (β·x, y) on affine ``uint64[m, 2, 4]`` Montgomery limbs (∞ = zeros stays zeros)."""
    out = np.array(points, dtype=np.uint64)
    beta = np.tile(ints_to_limbs([_GLV_BETA * (1 << 256) % _Q]).reshape(1, 4), (len(out), 1))
    out[:, 0] = fq_mul_arr(np.ascontiguousarray(out[:, 0]), beta)
    return out


def _signed_naf(values: list[int], w: int) -> tuple[np.ndarray, np.ndarray]:
    """Width-w NAF of each value taken in (−r/2, r/2]: int8[n, 256] digits and the top non-zero position."""
    mags, signs = _magnitudes(values)
    digits, top = _wnaf(mags, w, _NAF_BITS)
    return np.ascontiguousarray(digits * signs[:, None]), top


def setup_from_ptau(r1cs: R1CS, ptau: str | Path | Ptau, *, n_threads: int | None = None) -> PtauProvingKey:
    """Groth16 phase 2 from a prepared ``.ptau``: exactly the key ``snarkjs groth16 setup`` writes (δ = γ = 1).

    Parameters
    ----------
    r1cs : R1CS
        The circuit (circom wire order: wire 0 = 1, then ``n_public`` public wires, then private ones).
    ptau : path or Ptau
        A powers-of-tau file prepared for phase 2 (``snarkjs powersoftau prepare phase2``), or one read by
        ``zksvs.formats.ptau_file.read_ptau``.
    n_threads : int, optional
        Threads for the kernels (default ``numba.get_num_threads()``).

    Returns
    -------
    PtauProvingKey
        A ``ProvingKey`` in the ``.zkey`` layout (affine, Fq Montgomery, little-endian limbs, zeros = ∞) with
        ``domain_size`` = 2^⌈log2(n_constraints + n_public + 1)⌉, plus ``cs_hash`` (64 bytes).

    Raises
    ------
    CircuitTooLarge
        n_constraints + n_public + 1 > 2^power of the ptau (snarkjs: "circuit too big for this power of tau").
    SetupError
        The ptau is not prepared for phase 2 (no Lagrange sections).
    FormatError
        From reading the ptau (truncated, wrong type, non-canonical coordinates).
    """
    if not isinstance(ptau, Ptau):
        ptau = read_ptau(ptau)
    if not ptau.prepared:
        raise SetupError(
            f"{ptau.path}: powers of tau not prepared for phase 2 (run snarkjs powersoftau prepare phase2)"
        )
    t = numba.get_num_threads() if n_threads is None else n_threads
    log_n = _log_domain(r1cs, ptau)
    d = 1 << log_n
    n_c, n_pub, n_wires = r1cs.n_constraints, r1cs.n_public, r1cs.n_wires
    n_rows = n_c + n_pub + 1
    m = r1cs.to_matrices(include_c=True)

    # distinct coefficients (plus the 1 of the input rows) → signed NAF digits
    mats = (m.A, m.B, m.C)
    coeffs = [np.asarray(x.coeffs, dtype=np.uint64).reshape(-1, 4) for x in mats]
    one = np.zeros((1, 4), dtype=np.uint64)
    one[0, 0] = 1
    values, inverse = unique_rows(np.concatenate([*coeffs, one]))
    splits = np.cumsum([len(c) for c in coeffs])
    val_a, val_b, val_c, val_one = np.split(inverse, splits)
    rows_a, rows_b, rows_c = (np.asarray(x.rows, dtype=np.int64) for x in mats)
    wires_a, wires_b, wires_c = (np.asarray(x.wires, dtype=np.int64) for x in mats)
    s = np.arange(n_pub + 1, dtype=np.int64)
    ones = np.full(n_pub + 1, val_one[0], dtype=np.int64)

    # G1: table rows [0, n_rows) = L(τ), [n_rows, 2·n_rows) = β·L(τ), [2·n_rows, 3·n_rows) = α·L(τ);
    # outputs [0, n_wires) = A, [n_wires, 2·n_wires) = B1, [2·n_wires, 3·n_wires) = IC ‖ C.
    g1 = _Entries([], [], [])
    g1.add(wires_a, rows_a, val_a)
    g1.add(s, n_c + s, ones)
    g1.add(n_wires + wires_b, rows_b, val_b)
    g1.add(2 * n_wires + wires_a, n_rows + rows_a, val_a)
    g1.add(2 * n_wires + s, n_rows + n_c + s, ones)
    g1.add(2 * n_wires + wires_b, 2 * n_rows + rows_b, val_b)
    g1.add(2 * n_wires + wires_c, rows_c, val_c)
    # GLV halves every doubling chain (≈ 127 instead of 253): rows [3·n_rows, 6·n_rows) hold φ of the first three.
    out1, base1, val1, glv_values = _glv_expand(*g1.arrays(), values, 3 * n_rows)
    ptr, base, val = _csr(out1, base1, val1, 3 * n_wires)
    glv_mags, glv_signs = _magnitudes(glv_values)
    naf = _choose_naf(glv_mags, glv_signs, base, val, 6 * n_rows)
    lag = np.concatenate(
        [
            ptau.lagrange_tau_g1(log_n)[:n_rows],
            ptau.lagrange_beta_tau_g1(log_n)[:n_rows],
            ptau.lagrange_alpha_tau_g1(log_n)[:n_rows],
        ]
    )
    # a row and its φ row get the same slots, so the φ half of the table is φ of the first half (one mul a point)
    half = 3 * n_rows
    both = naf.need[:half] | naf.need[half:]
    naf.need[:half] = both
    naf.need[half:] = both
    offs = naf.offsets
    table = _g1_odd_multiples(np.ascontiguousarray(lag), offs[: half + 1], t)
    table = np.concatenate([table, _phi(table)])
    del lag
    g1_points = g1_jac_to_affine_arr(_g1_sparse_sums(table, offs, ptr, base, val, naf.digits, naf.top))
    del table
    a_query = g1_points[:n_wires]
    b_g1_query = g1_points[n_wires : 2 * n_wires]
    ic_c = g1_points[2 * n_wires :]

    g2 = _Entries([], [], [])
    g2.add(wires_b, rows_b, val_b)
    ptr2, base2, val2 = g2.csr(n_wires)
    mags, signs = _magnitudes(values)
    naf2 = _choose_naf(mags, signs, base2, val2, n_rows, point_bytes=128)
    offs2 = naf2.offsets
    table2 = _g2_odd_multiples(np.ascontiguousarray(ptau.lagrange_tau_g2(log_n)[:n_rows]), offs2, t)
    b_g2_query = g2_jac_to_affine_arr(_g2_sparse_sums(table2, offs2, ptr2, base2, val2, naf2.digits, naf2.top))
    del table2

    if log_n < FR_TWO_ADICITY:
        h_query = np.ascontiguousarray(ptau.lagrange_tau_g1(log_n + 1)[1::2])
    else:  # zkey_new.js: at the curve's 2-adicity the second half of the top level
        h_query = np.ascontiguousarray(ptau.lagrange_tau_g1(log_n + 1)[d:])

    alpha_g1 = g1_from_limbs(ptau.alpha_tau_g1[:1])[0]
    beta_g1 = g1_from_limbs(ptau.beta_tau_g1[:1])[0]
    beta_g2 = g2_from_limbs(ptau.beta_g2.reshape(1, 2, 2, 4))[0]
    ic = tuple(g1_from_limbs(ic_c[: n_pub + 1]))
    vk = VerifyingKey(alpha_g1=alpha_g1, beta_g2=beta_g2, gamma_g2=G2_GENERATOR, delta_g2=G2_GENERATOR, ic=ic)
    pk = PtauProvingKey(
        n_wires=n_wires,
        n_public=n_pub,
        domain_size=d,
        alpha_g1=alpha_g1,
        beta_g1=beta_g1,
        delta_g1=G1_GENERATOR,
        beta_g2=beta_g2,
        delta_g2=G2_GENERATOR,
        a_query=a_query,
        b_g1_query=b_g1_query,
        b_g2_query=b_g2_query,
        c_query=np.ascontiguousarray(ic_c[n_pub + 1 :]),
        h_query=h_query,
        vk=vk,
    )
    return PtauProvingKey(**{**pk.__dict__, "cs_hash": circuit_hash(pk, ptau)})


# --- the circuit hash -----------------------------------------------------------------------------------------------


def _u_g1(points: np.ndarray) -> bytes:
    """snarkjs ``batchLEMtoU`` for G1: each coordinate in normal form, 32 bytes big-endian; ∞ → 64 zero bytes."""
    pts = np.ascontiguousarray(points, dtype=np.uint64).reshape(-1, 4)
    normal = fq_from_mont_arr(pts) if len(pts) else pts
    return np.ascontiguousarray(normal.astype("<u8").view(np.uint8).reshape(-1, 32)[:, ::-1]).tobytes()


def _u_g2(points: np.ndarray) -> bytes:
    """G2: each Fq2 coordinate c0 ‖ c1 (LE) byte-reversed as a whole, i.e. c1 then c0, each 32 bytes big-endian."""
    pts = np.ascontiguousarray(points, dtype=np.uint64).reshape(-1, 4)
    normal = fq_from_mont_arr(pts) if len(pts) else pts
    return np.ascontiguousarray(normal.astype("<u8").view(np.uint8).reshape(-1, 64)[:, ::-1]).tobytes()


# snarkjs's wasm Fq arithmetic on raw 256-bit words (wasmcurves ``build_f1m.js``): one conditional subtraction of q
# after add/mul, one addition of q after a borrowing sub. On non-reduced input (the bytes past tauG1) the words
# wrap modulo 2^256, which is not congruent mod q, so the garbage point is reproduced word for word.
_W = 1 << 256
_Q_NEG_INV = (-pow(_Q, -1, _W)) % _W
_R_INV = pow(_W, -1, _Q)


def _w_add(x: int, y: int) -> int:
    t = x + y
    if t >= _W:
        return (t - _W - _Q) % _W
    return t - _Q if t >= _Q else t


def _w_sub(x: int, y: int) -> int:
    return x - y if x >= y else (x - y + _W + _Q) % _W


def _w_mul(x: int, y: int) -> int:
    m = (x * y * _Q_NEG_INV) % _W
    t = (x * y + m * _Q) >> 256
    return t - _Q if t >= _Q else t


def _wasm_sub_affine(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int] | None:
    """``g1m_subAffine`` then ``batchToAffine`` on raw Montgomery words: normal-form affine (x, y), or None (∞)."""
    (x1, y1), (x2, y2) = p1, p2
    y2 = _w_sub(0, y2)
    h = _w_sub(x2, x1)
    r = _w_sub(y2, y1)
    i = _w_add(_w_mul(h, h), _w_mul(h, h))
    i = _w_add(i, i)
    j = _w_mul(h, i)
    r = _w_add(r, r)
    v = _w_mul(x1, i)
    x3 = _w_sub(_w_sub(_w_mul(r, r), j), _w_add(v, v))
    y1j = _w_mul(y1, j)
    y3 = _w_sub(_w_mul(_w_sub(v, x3), r), _w_add(y1j, y1j))
    z3 = _w_add(h, h)
    # batchToAffine multiplies each coordinate by a reduced inverse, so from here the field values are exact
    xv, yv, zv = (c * _R_INV % _Q for c in (x3, y3, z3))
    if zv == 0:
        return None
    zi = pow(zv, -1, _Q)
    return xv * zi * zi % _Q, yv * zi * zi * zi % _Q


def _bytes_after_tau_g1(path: str) -> bytes:
    """The 64 bytes that follow section tauG1's data in the file (what snarkjs reads as tauG1[2^(p+1) − 1])."""
    with open(path, "rb") as f:
        head = f.read(12)
        n_sections = struct.unpack("<I", head[8:12])[0]
        pos = 12
        for _ in range(n_sections):
            f.seek(pos)
            sid, size = struct.unpack("<IQ", f.read(12))
            if sid == 2:
                f.seek(pos + 12 + size)
                return f.read(64).ljust(64, b"\0")
            pos += 12 + size
    raise SetupError(f"{path}: no section tauG1")


def _h_hash_points(ptau: Ptau, d: int) -> bytes:
    """τ^i·(τ^d − 1)·G1 = tauG1[d + i] − tauG1[i] in snarkjs's uncompressed form, as ``hashHPoints`` hashes them.

    snarkjs writes the count d − 1 but hashes whole chunks of 2^14 points, so above 2^14 it hashes d points; when
    d = 2^power the last one reads the 64 bytes after section tauG1 (the next section's header and the start of
    tauG2[0]) and subtracts tauG1[d − 1] from them with its wasm field arithmetic, reproduced here.
    """
    count = d - 1 if d - 1 <= _HASH_CHUNK else -(-(d - 1) // _HASH_CHUNK) * _HASH_CHUNK
    tau_g1 = ptau.tau_g1
    n_inside = min(count, tau_g1.shape[0] - d)
    hi = np.ascontiguousarray(tau_g1[d : d + n_inside])
    lo = np.array(tau_g1[:n_inside], dtype=np.uint64)
    lo[:, 1] = fq_neg_arr(np.ascontiguousarray(lo[:, 1]))
    out = _u_g1(g1_jac_to_affine_arr(g1_madd_arr(g1_affine_to_jac_arr(hi), lo)))
    if n_inside < count:
        assert count - n_inside == 1
        if ptau.path == MEMORY:
            raise SetupError(
                f"a domain of 2^{d.bit_length() - 1} = the ptau power makes snarkjs hash the bytes after section "
                "tauG1: give the ptau as a path so that they can be read"
            )
        raw = _bytes_after_tau_g1(ptau.path)
        garbage = (int.from_bytes(raw[:32], "little"), int.from_bytes(raw[32:], "little"))
        last = tuple(int.from_bytes(np.ascontiguousarray(tau_g1[d - 1, k]).tobytes(), "little") for k in (0, 1))
        p = _wasm_sub_affine(garbage, last)
        out += bytes(64) if p is None else p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big")
    return out


def circuit_hash(proving_key: ProvingKey, ptau: str | Path | Ptau) -> bytes:
    """The csHash of a fresh phase-2 key (section 10 of snarkjs's ``_0000.zkey``; ``zkey verify`` compares it).

    BLAKE2b-512 (``@noble/hashes`` ``blake2b`` with dkLen 64 is plain BLAKE2b-512, as ``hashlib.blake2b``) over, in
    order: α₁, β₁, β₂, γ₂, δ₁, δ₂; then for IC, H, C, A, B1, B2 a big-endian u32 count and the points. Points are
    in snarkjs's uncompressed form (normal-form coordinates, big-endian; G2 coordinates c1 before c0; ∞ = zeros).
    The H part is not the key's H section but tauG1[d + i] − tauG1[i] for i < d − 1 (``hashHPoints``), with the
    count d − 1 written but, above 2^14, rounded up to whole chunks of 2^14 points (``_h_hash_points``).

    Raises
    ------
    SetupError
        Domain = 2^power > 2^14 and the ptau was given as bytes, not a path (snarkjs then hashes file bytes that
        follow section tauG1).
    """
    if not isinstance(ptau, Ptau):
        ptau = read_ptau(ptau)
    pk = proving_key
    h = hashlib.blake2b(digest_size=64)
    h.update(_u_g1(g1_to_limbs([pk.alpha_g1, pk.beta_g1])))
    h.update(_u_g2(g2_to_limbs([pk.beta_g2, pk.vk.gamma_g2])))
    h.update(_u_g1(g1_to_limbs([pk.delta_g1])))
    h.update(_u_g2(g2_to_limbs([pk.delta_g2])))
    h.update(struct.pack(">I", len(pk.vk.ic)))
    h.update(_u_g1(g1_to_limbs(list(pk.vk.ic))))
    h.update(struct.pack(">I", pk.domain_size - 1))
    h.update(_h_hash_points(ptau, pk.domain_size))
    for arr, is_g2 in ((pk.c_query, False), (pk.a_query, False), (pk.b_g1_query, False), (pk.b_g2_query, True)):
        h.update(struct.pack(">I", arr.shape[0]))
        h.update(_u_g2(arr) if is_g2 else _u_g1(arr))
    return h.digest()

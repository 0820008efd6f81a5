"""k·P_i for one fixed scalar k and many points P_i (variable base, fixed scalar), written once for G1 and G2.

The job of a phase-2 contribution: every point of a key's C (L) and H sections times δ'^-1 (``prover.contribute``).
k is written once in width-w NAF (signed odd digits |d| < 2^(w−1), at most one non-zero in any w positions); each
point then gets a table of its odd multiples P, 3P, …, (2^(w−1) − 1)·P (one doubling, 2^(w−2) − 1 additions, Jacobian)
and one chain of ``top`` doublings with an addition per non-zero digit. For a 254-bit k and w = 5 that is ~254
doublings and ~50 additions a point, against ~127 additions for plain double-and-add. Points are split into one
contiguous block per thread (``prange``); each thread has its own table.

The kernel is generic over the group through ``prover.kernels.curve`` (one set of Jacobian formulas, compiled per
group from the argument types, see ``fe``), so the algorithm exists once and both instances are cached. The NAF of k
is ``kernels.sparse_sums.wnaf``'s (one NAF for the prover).

Forms: Jacobian arrays, G1 ``uint64[n, 3, 4]``, G2 ``uint64[n, 3, 2, 4]`` (Fq Montgomery form, little-endian
limbs; ∞ is Z = 0); the scalar's digits ``int8[n_bits]`` (least significant first).

Public API::

    naf_digits(k: int, w: int) -> (int8[n_bits], top)       width-w NAF of a non-negative Python int
    scale_jac(jac, digits, top, w, n_threads) -> jac          the kernel (G1 or G2 by the array's shape)
    batch_scale(affine, k, *, n_threads=None) -> affine       k·P_i on affine arrays (∞ = zeros), k taken mod r

References
----------
Hankerson, Menezes, Vanstone, "Guide to Elliptic Curve Cryptography", Algorithm 3.36 (window NAF); snarkjs 0.7.6
``src/mpc_applykey.js`` (the operation: ``G.batchApplyKey`` with first = δ'^-1, inc = 1).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from prover.kernels.curve import (
    affine_to_jac_arr,
    jac_add,
    jac_dbl,
    jac_infinity,
    jac_neg,
    jac_to_affine_arr,
    load_jac,
    store_jac,
)
from prover.kernels.fe import jac_array
from prover.kernels.sparse_sums import wnaf
from zksvs.field import FR_MODULUS
from zksvs.limbs import ints_to_limbs

__all__ = ["batch_scale", "naf_digits", "scale_jac"]

#: NAF width: 2^(w−2) = 8 table points; w = 5 minimises table + chain additions for 254-bit scalars (≈ 7 + 42)
NAF_WIDTH = 5


# --- the kernel -------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _scale_block(jac, lo, hi, digits, top, n_odd, table, out):
    for i in range(lo, hi):
        p = load_jac(jac, i)
        store_jac(table, 0, p)
        p2 = jac_dbl(p)
        for j in range(1, n_odd):
            store_jac(table, j, jac_add(load_jac(table, j - 1), p2))
        acc = jac_infinity(p[0])
        for pos in range(top, -1, -1):
            acc = jac_dbl(acc)
            d = digits[pos]
            if d > 0:
                acc = jac_add(acc, load_jac(table, d >> 1))
            elif d < 0:
                acc = jac_add(acc, jac_neg(load_jac(table, (-d) >> 1)))
        store_jac(out, i, acc)


@njit(cache=True, parallel=True)
def scale_jac(jac, digits, top, w, n_threads):
    """k·P_i for every point of a Jacobian array (G1 ``uint64[n, 3, 4]`` or G2 ``uint64[n, 3, 2, 4]``).

    ``digits`` (``int8[m]``) and ``top`` are k's width-``w`` NAF from ``naf_digits``; ``top = −1`` (k = 0) gives ∞.
    Returns a new Jacobian array of the same shape.
    """
    n = jac.shape[0]
    out = jac_array(jac, n)
    n_odd = 1 << (w - 2)
    block = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * block
        hi = min(n, lo + block)
        if lo < hi:
            _scale_block(jac, lo, hi, digits, top, n_odd, jac_array(jac, n_odd), out)
    return out


# --- Python entry points ----------------------------------------------------------------------------------------------


def naf_digits(k: int, w: int) -> tuple[np.ndarray, int]:
    """Width-``w`` NAF of ``k ≥ 0``: ``int8[max(bit_length + 1, 1)]`` digits, least significant first, and the index
    of the top non-zero digit (−1 for k = 0). Σ digits[i]·2^i = k."""
    if not isinstance(k, int) or k < 0:
        raise ValueError(f"Argument 'k' must be a non-negative int, not {k!r}")
    if not 2 <= w <= 7:
        raise ValueError(f"Argument 'w' must be in [2, 7], not {w}")
    if k >= 1 << 255:
        raise ValueError(f"Argument 'k' must be below 2^255 (reduce it mod r first), not {k!r}")
    digits, top = wnaf(ints_to_limbs([k]), w, max(k.bit_length() + 1, 1))
    return np.ascontiguousarray(digits[0]), int(top[0])


def batch_scale(points: np.ndarray, k: int, *, n_threads: int | None = None) -> np.ndarray:
    """k·P_i for affine points (G1 ``uint64[n, 2, 4]`` or G2 ``uint64[n, 2, 2, 4]``, Montgomery limbs, ∞ = zeros).

    Parameters
    ----------
    points : uint64 array
        The points must lie in the order-r subgroup (k is reduced mod r); any array layout, read-only is fine.
    k : int
        Any Python int.
    n_threads : int, optional
        Default ``numba.get_num_threads()``.

    Returns
    -------
    uint64 array
        Affine, same shape as ``points`` (∞ → zeros).

    Raises
    ------
    ValueError
        ``points`` is not a G1 or G2 affine limb array.
    """
    pts = np.ascontiguousarray(points, dtype=np.uint64)
    if pts.shape[1:] not in ((2, 4), (2, 2, 4)):
        raise ValueError(f"Argument 'points' must have shape (n, 2, 4) or (n, 2, 2, 4), not {points.shape}")
    t = numba.get_num_threads() if n_threads is None else n_threads
    if len(pts) == 0:
        return pts.copy()
    digits, top = naf_digits(k % FR_MODULUS, NAF_WIDTH)
    return jac_to_affine_arr(scale_jac(affine_to_jac_arr(pts), digits, top, NAF_WIDTH, max(1, min(t, len(pts)))))

"""k·P_i for one fixed scalar k and many points P_i (variable base, fixed scalar), written once for G1 and G2.

The job of a phase-2 contribution: every point of a key's C (L) and H sections times δ'^-1 (``prover.contribute``).
k is written once in width-w NAF (signed odd digits |d| < 2^(w−1), at most one non-zero in any w positions); each
point then gets a table of its odd multiples P, 3P, …, (2^(w−1) − 1)·P (one doubling, 2^(w−2) − 1 additions, Jacobian)
and one chain of ``top`` doublings with an addition per non-zero digit. For a 254-bit k and w = 5 that is ~254
doublings and ~50 additions a point, against ~127 additions for plain double-and-add. Points are split into one
contiguous block per thread (``prange``); each thread has its own table.

The kernel is generic over the group: the point helpers below are numba ``overload``s that pick the G1 (Fq, 4-limb
elements) or the G2 (Fq2, 8-limb elements) formulas of ``prover.kernels.g1`` / ``g2`` from the argument types at
compile time, so the algorithm exists once and both instances are cached.

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
from numba import njit, prange, types
from numba.extending import overload

from prover.kernels import g1 as _g1
from prover.kernels import g2 as _g2
from zksvs.field import FR_MODULUS

__all__ = ["batch_scale", "naf_digits", "scale_jac"]

#: NAF width: 2^(w−2) = 8 table points; w = 5 minimises table + chain additions for 254-bit scalars (≈ 7 + 42)
NAF_WIDTH = 5


# --- group-generic point helpers (resolved at compile time) -----------------------------------------------------------


def _is_g1_point(p) -> bool:
    return isinstance(p, types.UniTuple) and p.dtype.count == 4


def pt_dbl(p):
    """2P (G1 or G2 Jacobian point tuple)."""


def pt_add(p, q):
    """P + Q (handles ∞ and P = ±Q)."""


def pt_neg(p):
    """−P."""


def pt_inf(p):
    """∞ of P's group."""


def jac_load(arr, i):
    """``arr[i]`` of a Jacobian array."""


def jac_store(arr, i, p):
    """``arr[i] = P`` on a Jacobian array."""


def jac_empty(like, n):
    """A Jacobian array of ``n`` points of ``like``'s group."""


@overload(pt_dbl)
def _ov_dbl(p):
    return (lambda p: _g1.g1_dbl(p)) if _is_g1_point(p) else (lambda p: _g2.g2_dbl(p))


@overload(pt_add)
def _ov_add(p, q):
    return (lambda p, q: _g1.g1_add(p, q)) if _is_g1_point(p) else (lambda p, q: _g2.g2_add(p, q))


@overload(pt_neg)
def _ov_neg(p):
    return (lambda p: _g1.g1_neg(p)) if _is_g1_point(p) else (lambda p: _g2.g2_neg(p))


@overload(pt_inf)
def _ov_inf(p):
    return (lambda p: _g1.g1_infinity()) if _is_g1_point(p) else (lambda p: _g2.g2_infinity())


@overload(jac_load)
def _ov_load(arr, i):
    return (lambda arr, i: _g1.g1_load_jac(arr, i)) if arr.ndim == 3 else (lambda arr, i: _g2.g2_load_jac(arr, i))


@overload(jac_store)
def _ov_store(arr, i, p):
    if arr.ndim == 3:
        return lambda arr, i, p: _g1.g1_store_jac(arr, i, p)
    return lambda arr, i, p: _g2.g2_store_jac(arr, i, p)


@overload(jac_empty)
def _ov_empty(like, n):
    if like.ndim == 3:
        return lambda like, n: np.empty((n, 3, 4), dtype=np.uint64)
    return lambda like, n: np.empty((n, 3, 2, 4), dtype=np.uint64)


# --- the kernel -------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _scale_block(jac, lo, hi, digits, top, n_odd, table, out):
    for i in range(lo, hi):
        p = jac_load(jac, i)
        jac_store(table, 0, p)
        p2 = pt_dbl(p)
        for j in range(1, n_odd):
            jac_store(table, j, pt_add(jac_load(table, j - 1), p2))
        acc = pt_inf(p)
        for pos in range(top, -1, -1):
            acc = pt_dbl(acc)
            d = digits[pos]
            if d > 0:
                acc = pt_add(acc, jac_load(table, d >> 1))
            elif d < 0:
                acc = pt_add(acc, pt_neg(jac_load(table, (-d) >> 1)))
        jac_store(out, i, acc)


@njit(cache=True, parallel=True)
def scale_jac(jac, digits, top, w, n_threads):
    """k·P_i for every point of a Jacobian array (G1 ``uint64[n, 3, 4]`` or G2 ``uint64[n, 3, 2, 4]``).

    ``digits`` (``int8[m]``) and ``top`` are k's width-``w`` NAF from ``naf_digits``; ``top = −1`` (k = 0) gives ∞.
    Returns a new Jacobian array of the same shape.
    """
    n = jac.shape[0]
    out = jac_empty(jac, n)
    n_odd = 1 << (w - 2)
    block = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * block
        hi = min(n, lo + block)
        if lo < hi:
            _scale_block(jac, lo, hi, digits, top, n_odd, jac_empty(jac, n_odd), out)
    return out


# --- Python entry points ----------------------------------------------------------------------------------------------


def naf_digits(k: int, w: int) -> tuple[np.ndarray, int]:
    """Width-``w`` NAF of ``k ≥ 0``: ``int8[max(bit_length + 1, 1)]`` digits, least significant first, and the index
    of the top non-zero digit (−1 for k = 0). Σ digits[i]·2^i = k."""
    if not isinstance(k, int) or k < 0:
        raise ValueError(f"Argument 'k' must be a non-negative int, not {k!r}")
    if not 2 <= w <= 7:
        raise ValueError(f"Argument 'w' must be in [2, 7], not {w}")
    digits = np.zeros(max(k.bit_length() + 1, 1), dtype=np.int8)
    top, pos = -1, 0
    while k:
        if k & 1:
            d = k & ((1 << w) - 1)
            if d >= 1 << (w - 1):
                d -= 1 << w
            k -= d
            digits[pos] = d
            top = pos
        k >>= 1
        pos += 1
    return digits, top


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
    if pts.shape[1:] == (2, 4):
        to_jac, to_aff = _g1.g1_affine_to_jac_arr, _g1.g1_jac_to_affine_arr
    elif pts.shape[1:] == (2, 2, 4):
        to_jac, to_aff = _g2.g2_affine_to_jac_arr, _g2.g2_jac_to_affine_arr
    else:
        raise ValueError(f"Argument 'points' must have shape (n, 2, 4) or (n, 2, 2, 4), not {points.shape}")
    t = numba.get_num_threads() if n_threads is None else n_threads
    if len(pts) == 0:
        return pts.copy()
    digits, top = naf_digits(k % FR_MODULUS, NAF_WIDTH)
    return to_aff(scale_jac(to_jac(pts), digits, top, NAF_WIDTH, max(1, min(t, len(pts)))))

"""The GLV map on point arrays and the scalar split in numba (constants and the Python-int reference: ``prover.glv``).

Kernels::

    phi_arr(points, beta uint64[4]) -> points     (x, y) ↦ (β·x, y) on affine G1 or G2 points (∞ = zeros stays);
                                                  β in Montgomery form (``prover.glv.beta_limbs``)
    glv_split_one(k0, k1, k2, k3, consts) -> (m1 0..3, neg1, m2 0..3, neg2)
                                                  k ≡ k1 + k2·λ as magnitudes (< 2^128) and signs
    glv_expand(bases, scalars, big, beta, consts, n_threads) -> (points, mags)
                                                  for each index i = big[j]: entry j = (P_i, |k1|) and entry
                                                  n_big + j = (φ(P_i), |k2|), a point negated where its part is
                                                  negative, so Σ_j mags[j]·points[j] = Σ_i k_i·P_i

The split computes c1 = ⌊k·g1/2^256⌋, c2 = ⌊k·g2/2^256⌋ from the top halves of 256 × 256-bit products and
k1 = k − c1·a1 − c2·a2, k2 = c1·(−b1) − c2·b2 modulo 2^256 (the true values are below 2^128 in magnitude, so the
wrapped words read as two's complement give them); ``prover.glv.split_constants`` derives the constants and the
bound.

References
----------
Gallant, Lambert, Vanstone, CRYPTO 2001 (§4); gnark-crypto ``ecc/utils.go`` ``SplitScalar`` (the same rounding by a
precomputed 2^m/r multiple).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from accel.field import adc64, mac64, sbb64
from prover.kernels.curve import is_affine_inf, load_affine, store_affine
from prover.kernels.fe import aff_array, fe_mul_fq, fe_neg

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_TOP = np.uint64(63)


@njit(cache=True)
def phi_arr(points, beta):
    """φ of each affine point: x multiplied by the Fq element ``beta`` (both Fq2 components on G2); ∞ stays ∞."""
    n = points.shape[0]
    out = aff_array(points, n)
    b = (beta[0], beta[1], beta[2], beta[3])
    for i in range(n):
        x, y = load_affine(points, i)
        if not is_affine_inf(x, y):
            store_affine(out, i, fe_mul_fq(x, b), y)
    return out


@njit(cache=True)
def _mul_wide(a0, a1, a2, a3, b0, b1, b2, b3):
    # the 512-bit product a·b as 8 limbs (schoolbook, row by row)
    r0, c = mac64(a0, b0, _U0, _U0)
    r1, c = mac64(a0, b1, c, _U0)
    r2, c = mac64(a0, b2, c, _U0)
    r3, r4 = mac64(a0, b3, c, _U0)
    r1, c = mac64(a1, b0, r1, _U0)
    r2, c = mac64(a1, b1, r2, c)
    r3, c = mac64(a1, b2, r3, c)
    r4, r5 = mac64(a1, b3, r4, c)
    r2, c = mac64(a2, b0, r2, _U0)
    r3, c = mac64(a2, b1, r3, c)
    r4, c = mac64(a2, b2, r4, c)
    r5, r6 = mac64(a2, b3, r5, c)
    r3, c = mac64(a3, b0, r3, _U0)
    r4, c = mac64(a3, b1, r4, c)
    r5, c = mac64(a3, b2, r5, c)
    r6, r7 = mac64(a3, b3, r6, c)
    return r0, r1, r2, r3, r4, r5, r6, r7


@njit(cache=True)
def _sub256(a0, a1, a2, a3, b0, b1, b2, b3):
    d0, br = sbb64(a0, b0, _U0)
    d1, br = sbb64(a1, b1, br)
    d2, br = sbb64(a2, b2, br)
    d3, br = sbb64(a3, b3, br)
    return d0, d1, d2, d3


@njit(cache=True)
def _abs256(a0, a1, a2, a3):
    # (|a|, a < 0) for a 256-bit two's-complement value
    if (a3 >> _TOP) == _U0:
        return a0, a1, a2, a3, False
    n0, c = adc64(~a0, _U1, _U0)
    n1, c = adc64(~a1, _U0, c)
    n2, c = adc64(~a2, _U0, c)
    n3, c = adc64(~a3, _U0, c)
    return n0, n1, n2, n3, True


@njit(cache=True)
def glv_split_one(k0, k1, k2, k3, consts):
    """(|k1| limbs, k1 < 0, |k2| limbs, k2 < 0) with k ≡ k1 + k2·λ (mod r); ``consts`` = ``split_constants()``."""
    g = consts
    c1 = _mul_wide(k0, k1, k2, k3, g[0, 0], g[0, 1], g[0, 2], g[0, 3])
    c2 = _mul_wide(k0, k1, k2, k3, g[1, 0], g[1, 1], g[1, 2], g[1, 3])
    # c1, c2 = top halves; then the low 256 bits of c·a products (mod 2^256 is all we need)
    p1 = _mul_wide(c1[4], c1[5], c1[6], c1[7], g[2, 0], g[2, 1], g[2, 2], g[2, 3])
    p2 = _mul_wide(c2[4], c2[5], c2[6], c2[7], g[3, 0], g[3, 1], g[3, 2], g[3, 3])
    q1 = _mul_wide(c1[4], c1[5], c1[6], c1[7], g[4, 0], g[4, 1], g[4, 2], g[4, 3])
    q2 = _mul_wide(c2[4], c2[5], c2[6], c2[7], g[5, 0], g[5, 1], g[5, 2], g[5, 3])
    x0, x1, x2, x3 = _sub256(k0, k1, k2, k3, p1[0], p1[1], p1[2], p1[3])
    x0, x1, x2, x3 = _sub256(x0, x1, x2, x3, p2[0], p2[1], p2[2], p2[3])
    y0, y1, y2, y3 = _sub256(q1[0], q1[1], q1[2], q1[3], q2[0], q2[1], q2[2], q2[3])
    m0, m1, m2, m3, n1 = _abs256(x0, x1, x2, x3)
    e0, e1, e2, e3, n2 = _abs256(y0, y1, y2, y3)
    return m0, m1, m2, m3, n1, e0, e1, e2, e3, n2


@njit(cache=True)
def _expand_range(bases, scalars, big, b, consts, points, mags, lo, hi):
    n_big = big.shape[0]
    for j in range(lo, hi):
        i = big[j]
        m0, m1, m2, m3, n1, e0, e1, e2, e3, n2 = glv_split_one(
            scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3], consts
        )
        x, y = load_affine(bases, i)
        store_affine(points, j, x, fe_neg(y) if n1 else y)
        store_affine(points, n_big + j, fe_mul_fq(x, b), fe_neg(y) if n2 else y)
        mags[j, 0], mags[j, 1], mags[j, 2], mags[j, 3] = m0, m1, m2, m3
        mags[n_big + j, 0], mags[n_big + j, 1], mags[n_big + j, 2], mags[n_big + j, 3] = e0, e1, e2, e3


@njit(cache=True, parallel=True)
def _expand_parallel(bases, scalars, big, b, consts, points, mags, n_threads):
    n_big = big.shape[0]
    for t in prange(n_threads):
        _expand_range(
            bases, scalars, big, b, consts, points, mags, t * n_big // n_threads, (t + 1) * n_big // n_threads
        )


@njit(cache=True)
def glv_expand(bases, scalars, big, beta, consts, n_threads):
    """2·len(big) signed-free entries for Pippenger: see the module docstring. Returns (points, mags)."""
    n_big = big.shape[0]
    points = aff_array(bases, 2 * n_big)
    mags = np.empty((2 * n_big, 4), dtype=np.uint64)
    b = (beta[0], beta[1], beta[2], beta[3])
    if n_threads <= 1:
        _expand_range(bases, scalars, big, b, consts, points, mags, 0, n_big)
    else:
        _expand_parallel(bases, scalars, big, b, consts, points, mags, n_threads)
    return points, mags

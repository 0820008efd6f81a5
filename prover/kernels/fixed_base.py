"""Fixed-base batch scalar multiplication k_i·P for one base P and many k_i (trusted setup), once for G1 and G2.

Forms
-----
- base: one Jacobian point as an array of length 1, G1 ``uint64[1, 3, 4]`` / G2 ``uint64[1, 3, 2, 4]``, Montgomery
  form (the array's shape selects the group, see ``fe``).
- scalars: ``uint64[n, 4]``, little-endian limbs, normal form (any value < 2^256).
- result: affine points in the proving-key layout, G1 ``uint64[n, 2, 4]`` / G2 ``uint64[n, 2, 2, 4]``, Montgomery,
  zeros for ∞ (k ≡ 0 or P = ∞).

Kernels::

    fixed_base(base_jac, scalars, window_bits, n_threads) -> affine uint64[n, 2, 4] (G1) / uint64[n, 2, 2, 4] (G2)
    choose_fixed_window_bits(n, max_bits) -> int

Algorithm
---------
A table T[j][d] = d·2^(w·j)·P (d < 2^w, j < W = ⌈bits/w⌉) is built once (W·2^w adds, then one batch normalisation
to affine). Each k_i = Σ_j d_j·2^(w·j) is then W table look-ups and at most W additions, with no doublings:
``prange`` over ``n_threads`` chunks of scalars; within a chunk the accumulators stay affine and advance one window
at a time, all additions of a window sharing one inversion (~6 muls each instead of a mixed add's 11, and no final
normalisation). Cost model: n·W additions + 1.5·W·2^w adds for the table; w ≤ 12 keeps the table ≤ 6 MiB (G1).

References
----------
Brickell, Gordon, McCurley, Wilson, "Fast exponentiation with precomputation", EUROCRYPT 1992 (fixed-base windows);
arkworks ``ec/src/scalar_mul/fixed_base.rs`` (the same table for the Groth16 setup).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from prover.kernels.curve import (
    jac_add,
    jac_dbl,
    jac_infinity,
    jac_to_affine_arr,
    load_affine,
    load_jac,
    store_affine,
    store_jac,
)
from prover.kernels.fe import (
    aff_array,
    fe_add,
    fe_array,
    fe_dbl,
    fe_get,
    fe_inv,
    fe_is_zero,
    fe_mul,
    fe_one,
    fe_put,
    fe_sqr,
    fe_sub,
    jac_array,
    zero_of,
)
from prover.kernels.msm import _window

_MAX_WINDOW_BITS = 12


def choose_fixed_window_bits(n: int, max_bits: int) -> int:
    """Window w minimising n·W + 1.5·W·2^w (W = ⌈max_bits/w⌉), capped at 12 bits (table size)."""
    best_w, best = 1, math.inf
    for w in range(1, _MAX_WINDOW_BITS + 1):
        n_windows = -(-max(1, max_bits) // w)
        cost = n * n_windows + 1.5 * n_windows * (1 << w)
        if cost < best:
            best_w, best = w, cost
    return best_w


@njit(cache=True)
def _max_bits(scalars):
    acc3 = np.uint64(0)
    acc2 = np.uint64(0)
    acc1 = np.uint64(0)
    acc0 = np.uint64(0)
    for i in range(scalars.shape[0]):
        acc0 |= scalars[i, 0]
        acc1 |= scalars[i, 1]
        acc2 |= scalars[i, 2]
        acc3 |= scalars[i, 3]
    if acc3:
        top, base = acc3, 192
    elif acc2:
        top, base = acc2, 128
    elif acc1:
        top, base = acc1, 64
    else:
        top, base = acc0, 0
    n = 0
    while top:
        top >>= np.uint64(1)
        n += 1
    return base + n


# --- the kernels (G1 and G2) ---------------------------------------------------------------------------------------


@njit(cache=True)
def fixed_base_table(base_jac, w, n_windows):
    """Affine table of n_windows·2^w points: entry j·2^w + d = d·2^(w·j)·P (d = 0: ∞ = zeros).

    ``base_jac`` is the one point P as a Jacobian array of length 1 (``uint64[1, 3, 4]`` / ``uint64[1, 3, 2, 4]``).
    """
    size = 1 << w
    jac = jac_array(base_jac, n_windows * size)
    b = load_jac(base_jac, 0)
    for j in range(n_windows):
        acc = jac_infinity(b[0])
        for d in range(size):
            store_jac(jac, j * size + d, acc)
            acc = jac_add(acc, b)
        for _ in range(w):
            b = jac_dbl(b)
    return jac_to_affine_arr(jac)


@njit(cache=True)
def _fixed_chunk(table, scalars, lo, hi, w, n_windows, out):
    """out[lo:hi] = k_i·P, affine accumulators advanced window by window with one shared inversion per window.

    Per window, every accumulator that is not ∞ and gets a nonzero digit is queued; λ = (y_T − y)/(x_T − x) for
    all of them takes one batch inversion (Montgomery's trick): ~6 muls per addition instead of a mixed add's 11,
    and the result is affine with no final normalisation. acc = T (doubling) and acc = −T (→ ∞) are handled.
    """
    m = hi - lo
    occ = np.zeros(m, dtype=np.bool_)
    kinds = np.empty(m, dtype=np.int8)
    dens = fe_array(out, m)
    prefix = fe_array(out, m)
    for i in range(lo, hi):
        store_affine(out, i, zero_of(out), zero_of(out))
    for j in range(n_windows):
        base = j << w
        acc = fe_one(zero_of(out))
        for k in range(m):
            kinds[k] = -1
            d = _window(scalars[lo + k], j * w, w)
            if d == 0:
                continue
            x2, y2 = load_affine(table, base + d)
            if not occ[k]:
                store_affine(out, lo + k, x2, y2)
                occ[k] = True
                continue
            x1, y1 = load_affine(out, lo + k)
            if fe_is_zero(fe_sub(x2, x1)):
                if fe_is_zero(fe_sub(y2, y1)):
                    kinds[k] = 1
                    den = fe_dbl(y1)
                else:
                    kinds[k] = 2
                    den = fe_one(zero_of(out))
            else:
                kinds[k] = 0
                den = fe_sub(x2, x1)
            fe_put(prefix[k], acc)
            fe_put(dens[k], den)
            acc = fe_mul(acc, den)
        inv = fe_inv(acc)
        for k in range(m - 1, -1, -1):
            kind = kinds[k]
            if kind < 0:
                continue
            dinv = fe_mul(inv, fe_get(prefix[k]))
            inv = fe_mul(inv, fe_get(dens[k]))
            if kind == 2:
                occ[k] = False
                store_affine(out, lo + k, zero_of(out), zero_of(out))
                continue
            x1, y1 = load_affine(out, lo + k)
            if kind == 1:
                xx = fe_sqr(x1)
                lam = fe_mul(fe_add(fe_dbl(xx), xx), dinv)
                x3 = fe_sub(fe_sqr(lam), fe_dbl(x1))
            else:
                x2, y2 = load_affine(table, base + _window(scalars[lo + k], j * w, w))
                lam = fe_mul(fe_sub(y2, y1), dinv)
                x3 = fe_sub(fe_sub(fe_sqr(lam), x1), x2)
            y3 = fe_sub(fe_mul(lam, fe_sub(x1, x3)), y1)
            store_affine(out, lo + k, x3, y3)


@njit(cache=True, parallel=True)
def _fixed_parallel(table, scalars, w, n_windows, n_threads, out):
    n = scalars.shape[0]
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * chunk
        hi = min(n, lo + chunk)
        if hi > lo:
            _fixed_chunk(table, scalars, lo, hi, w, n_windows, out)


@njit(cache=True)
def fixed_base(base_jac, scalars, w, n_threads):
    """k_i·P for P = ``base_jac[0]`` (Jacobian, length 1), ``scalars`` ``uint64[n, 4]`` normal → affine points."""
    n = scalars.shape[0]
    n_windows = max(1, (_max_bits(scalars) + w - 1) // w)
    table = fixed_base_table(base_jac, w, n_windows)
    out = aff_array(table, n)
    _fixed_parallel(table, scalars, w, n_windows, n_threads, out)
    return out

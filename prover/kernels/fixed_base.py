"""Fixed-base batch scalar multiplication k_i·P for one base P and many k_i (trusted setup), as numba kernels.

Forms
-----
- base: one Jacobian point, G1 ``uint64[3, 4]`` / G2 ``uint64[3, 2, 4]``, Montgomery form.
- scalars: ``uint64[n, 4]``, little-endian limbs, normal form (any value < 2^256).
- result: affine points in the proving-key layout, G1 ``uint64[n, 2, 4]`` / G2 ``uint64[n, 2, 2, 4]``, Montgomery,
  zeros for ∞ (k ≡ 0 or P = ∞).

Kernels::

    g1_fixed_base(base_jac, scalars, window_bits, n_threads) -> uint64[n, 2, 4]
    g2_fixed_base(base_jac, scalars, window_bits, n_threads) -> uint64[n, 2, 2, 4]
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

from prover.kernels import g1 as _k1
from prover.kernels import g2 as _k2
from prover.kernels.g1 import (
    g1_add,
    g1_dbl,
    g1_infinity,
    g1_jac_to_affine_arr,
    g1_load_affine,
    g1_store_affine,
    g1_store_jac,
)
from prover.kernels.g2 import (
    g2_add,
    g2_dbl,
    g2_infinity,
    g2_jac_to_affine_arr,
    g2_load_affine,
    g2_store_affine,
    g2_store_jac,
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


# --- G1 ---------------------------------------------------------------------------------------------------------------


@njit(cache=True)
def g1_fixed_base_table(base_jac, w, n_windows):
    """Affine table ``uint64[n_windows·2^w, 2, 4]``: entry j·2^w + d = d·2^(w·j)·P (d = 0: ∞ = zeros)."""
    size = 1 << w
    jac = _k1._jac_array(n_windows * size)
    b = (_k1._fe_get(base_jac[0]), _k1._fe_get(base_jac[1]), _k1._fe_get(base_jac[2]))
    for j in range(n_windows):
        acc = g1_infinity()
        for d in range(size):
            g1_store_jac(jac, j * size + d, acc)
            acc = g1_add(acc, b)
        for _ in range(w):
            b = g1_dbl(b)
    return g1_jac_to_affine_arr(jac)


@njit(cache=True)
def _g1_fixed_chunk(table, scalars, lo, hi, w, n_windows, out):
    """out[lo:hi] = k_i·P, affine accumulators advanced window by window with one shared inversion per window.

    Per window, every accumulator that is not ∞ and gets a nonzero digit is queued; λ = (y_T − y)/(x_T − x) for
    all of them takes one batch inversion (Montgomery's trick): ~6 muls per addition instead of a mixed add's 11,
    and the result is affine with no final normalisation. acc = T (doubling) and acc = −T (→ ∞) are handled.
    """
    m = hi - lo
    occ = np.zeros(m, dtype=np.bool_)
    kinds = np.empty(m, dtype=np.int8)
    dens = _k1._fe_array(m)
    prefix = _k1._fe_array(m)
    for i in range(lo, hi):
        g1_store_affine(out, i, _k1._zero(), _k1._zero())
    for j in range(n_windows):
        base = j << w
        acc = _k1._one()
        for k in range(m):
            kinds[k] = -1
            d = _window(scalars[lo + k], j * w, w)
            if d == 0:
                continue
            x2, y2 = g1_load_affine(table, base + d)
            if not occ[k]:
                g1_store_affine(out, lo + k, x2, y2)
                occ[k] = True
                continue
            x1, y1 = g1_load_affine(out, lo + k)
            if _k1._is_zero(_k1._sub(x2, x1)):
                if _k1._is_zero(_k1._sub(y2, y1)):
                    kinds[k] = 1
                    den = _k1._dbl(y1)
                else:
                    kinds[k] = 2
                    den = _k1._one()
            else:
                kinds[k] = 0
                den = _k1._sub(x2, x1)
            _k1._fe_put(prefix[k], acc)
            _k1._fe_put(dens[k], den)
            acc = _k1._mul(acc, den)
        inv = _k1._inv(acc)
        for k in range(m - 1, -1, -1):
            kind = kinds[k]
            if kind < 0:
                continue
            dinv = _k1._mul(inv, _k1._fe_get(prefix[k]))
            inv = _k1._mul(inv, _k1._fe_get(dens[k]))
            if kind == 2:
                occ[k] = False
                g1_store_affine(out, lo + k, _k1._zero(), _k1._zero())
                continue
            x1, y1 = g1_load_affine(out, lo + k)
            if kind == 1:
                xx = _k1._sqr(x1)
                lam = _k1._mul(_k1._add(_k1._dbl(xx), xx), dinv)
                x3 = _k1._sub(_k1._sqr(lam), _k1._dbl(x1))
            else:
                x2, y2 = g1_load_affine(table, base + _window(scalars[lo + k], j * w, w))
                lam = _k1._mul(_k1._sub(y2, y1), dinv)
                x3 = _k1._sub(_k1._sub(_k1._sqr(lam), x1), x2)
            y3 = _k1._sub(_k1._mul(lam, _k1._sub(x1, x3)), y1)
            g1_store_affine(out, lo + k, x3, y3)


@njit(cache=True, parallel=True)
def _g1_fixed_parallel(table, scalars, w, n_windows, n_threads, out):
    n = scalars.shape[0]
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * chunk
        hi = min(n, lo + chunk)
        if hi > lo:
            _g1_fixed_chunk(table, scalars, lo, hi, w, n_windows, out)


@njit(cache=True)
def g1_fixed_base(base_jac, scalars, w, n_threads):
    """k_i·P: ``base_jac`` ``uint64[3, 4]``, ``scalars`` ``uint64[n, 4]`` normal → affine ``uint64[n, 2, 4]``."""
    n = scalars.shape[0]
    n_windows = max(1, (_max_bits(scalars) + w - 1) // w)
    table = g1_fixed_base_table(base_jac, w, n_windows)
    out = _k1._aff_array(n)
    _g1_fixed_parallel(table, scalars, w, n_windows, n_threads, out)
    return out


# --- G2 (generated from the G1 section: g1 → g2, _k1 → _k2; keep the two in step) -------------------------------


@njit(cache=True)
def g2_fixed_base_table(base_jac, w, n_windows):
    """Affine table ``uint64[n_windows·2^w, 2, 2, 4]``: entry j·2^w + d = d·2^(w·j)·P (d = 0: ∞ = zeros)."""
    size = 1 << w
    jac = _k2._jac_array(n_windows * size)
    b = (_k2._fe_get(base_jac[0]), _k2._fe_get(base_jac[1]), _k2._fe_get(base_jac[2]))
    for j in range(n_windows):
        acc = g2_infinity()
        for d in range(size):
            g2_store_jac(jac, j * size + d, acc)
            acc = g2_add(acc, b)
        for _ in range(w):
            b = g2_dbl(b)
    return g2_jac_to_affine_arr(jac)


@njit(cache=True)
def _g2_fixed_chunk(table, scalars, lo, hi, w, n_windows, out):
    """out[lo:hi] = k_i·P, affine accumulators advanced window by window with one shared inversion per window.

    Per window, every accumulator that is not ∞ and gets a nonzero digit is queued; λ = (y_T − y)/(x_T − x) for
    all of them takes one batch inversion (Montgomery's trick): ~6 muls per addition instead of a mixed add's 11,
    and the result is affine with no final normalisation. acc = T (doubling) and acc = −T (→ ∞) are handled.
    """
    m = hi - lo
    occ = np.zeros(m, dtype=np.bool_)
    kinds = np.empty(m, dtype=np.int8)
    dens = _k2._fe_array(m)
    prefix = _k2._fe_array(m)
    for i in range(lo, hi):
        g2_store_affine(out, i, _k2._zero(), _k2._zero())
    for j in range(n_windows):
        base = j << w
        acc = _k2._one()
        for k in range(m):
            kinds[k] = -1
            d = _window(scalars[lo + k], j * w, w)
            if d == 0:
                continue
            x2, y2 = g2_load_affine(table, base + d)
            if not occ[k]:
                g2_store_affine(out, lo + k, x2, y2)
                occ[k] = True
                continue
            x1, y1 = g2_load_affine(out, lo + k)
            if _k2._is_zero(_k2._sub(x2, x1)):
                if _k2._is_zero(_k2._sub(y2, y1)):
                    kinds[k] = 1
                    den = _k2._dbl(y1)
                else:
                    kinds[k] = 2
                    den = _k2._one()
            else:
                kinds[k] = 0
                den = _k2._sub(x2, x1)
            _k2._fe_put(prefix[k], acc)
            _k2._fe_put(dens[k], den)
            acc = _k2._mul(acc, den)
        inv = _k2._inv(acc)
        for k in range(m - 1, -1, -1):
            kind = kinds[k]
            if kind < 0:
                continue
            dinv = _k2._mul(inv, _k2._fe_get(prefix[k]))
            inv = _k2._mul(inv, _k2._fe_get(dens[k]))
            if kind == 2:
                occ[k] = False
                g2_store_affine(out, lo + k, _k2._zero(), _k2._zero())
                continue
            x1, y1 = g2_load_affine(out, lo + k)
            if kind == 1:
                xx = _k2._sqr(x1)
                lam = _k2._mul(_k2._add(_k2._dbl(xx), xx), dinv)
                x3 = _k2._sub(_k2._sqr(lam), _k2._dbl(x1))
            else:
                x2, y2 = g2_load_affine(table, base + _window(scalars[lo + k], j * w, w))
                lam = _k2._mul(_k2._sub(y2, y1), dinv)
                x3 = _k2._sub(_k2._sub(_k2._sqr(lam), x1), x2)
            y3 = _k2._sub(_k2._mul(lam, _k2._sub(x1, x3)), y1)
            g2_store_affine(out, lo + k, x3, y3)


@njit(cache=True, parallel=True)
def _g2_fixed_parallel(table, scalars, w, n_windows, n_threads, out):
    n = scalars.shape[0]
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * chunk
        hi = min(n, lo + chunk)
        if hi > lo:
            _g2_fixed_chunk(table, scalars, lo, hi, w, n_windows, out)


@njit(cache=True)
def g2_fixed_base(base_jac, scalars, w, n_threads):
    """k_i·P: ``base_jac`` ``uint64[3, 2, 4]``, ``scalars`` ``uint64[n, 4]`` normal → affine ``uint64[n, 2, 2, 4]``."""
    n = scalars.shape[0]
    n_windows = max(1, (_max_bits(scalars) + w - 1) // w)
    table = g2_fixed_base_table(base_jac, w, n_windows)
    out = _k2._aff_array(n)
    _g2_fixed_parallel(table, scalars, w, n_windows, n_threads, out)
    return out

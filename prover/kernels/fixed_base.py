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
to affine). Each k_i = Σ_j d_j·2^(w·j) is then W table look-ups and at most W mixed adds, with no doublings:
``prange`` over ``n_threads`` chunks of scalars, each chunk normalised to affine with one shared inversion.
Cost model: n·W mixed adds + 1.5·W·2^w adds for the table; w ≤ 12 keeps the table ≤ 6 MiB (G1).

References
----------
Brickell, Gordon, McCurley, Wilson, "Fast exponentiation with precomputation", EUROCRYPT 1992 (fixed-base windows);
arkworks ``ec/src/scalar_mul/fixed_base.rs`` (the same table for the Groth16 setup).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from prover.kernels.g1 import (
    g1_add,
    g1_dbl,
    g1_infinity,
    g1_jac_to_affine_arr,
    g1_load_affine,
    g1_load_jac,
    g1_madd,
    g1_store_jac,
)
from prover.kernels.g2 import (
    g2_add,
    g2_dbl,
    g2_infinity,
    g2_jac_to_affine_arr,
    g2_load_affine,
    g2_load_jac,
    g2_madd,
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
    """Affine table ``uint64[n_windows, 2^w, 2, 4]``: entry [j, d] = d·2^(w·j)·P (entry [j, 0] = ∞ = zeros)."""
    size = 1 << w
    jac = np.empty((n_windows * size, 3, 4), dtype=np.uint64)
    b = g1_load_jac(base_jac.reshape(1, 3, 4), 0)
    for j in range(n_windows):
        acc = g1_infinity()
        for d in range(size):
            g1_store_jac(jac, j * size + d, acc)
            acc = g1_add(acc, b)
        for _ in range(w):
            b = g1_dbl(b)
    return g1_jac_to_affine_arr(jac).reshape(n_windows, size, 2, 4)


@njit(cache=True, parallel=True)
def g1_fixed_base(base_jac, scalars, w, n_threads):
    """k_i·P: ``base_jac`` ``uint64[3, 4]``, ``scalars`` ``uint64[n, 4]`` normal → affine ``uint64[n, 2, 4]``."""
    n = scalars.shape[0]
    n_windows = max(1, (_max_bits(scalars) + w - 1) // w)
    table = g1_fixed_base_table(base_jac, w, n_windows)
    out = np.empty((n, 2, 4), dtype=np.uint64)
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * chunk
        hi = min(n, lo + chunk)
        if hi <= lo:
            continue
        jac = np.empty((hi - lo, 3, 4), dtype=np.uint64)
        for i in range(lo, hi):
            row = scalars[i]
            acc = g1_infinity()
            for j in range(n_windows):
                d = _window(row, j * w, w)
                if d != 0:
                    x, y = g1_load_affine(table[j], d)
                    acc = g1_madd(acc, x, y)
            g1_store_jac(jac, i - lo, acc)
        out[lo:hi] = g1_jac_to_affine_arr(jac)
    return out


# --- G2 (the G1 kernels with g2_ functions and the Fq2 axis) ----------------------------------------------------------


@njit(cache=True)
def g2_fixed_base_table(base_jac, w, n_windows):
    """Affine table ``uint64[n_windows, 2^w, 2, 2, 4]``: entry [j, d] = d·2^(w·j)·P (entry [j, 0] = ∞ = zeros)."""
    size = 1 << w
    jac = np.empty((n_windows * size, 3, 2, 4), dtype=np.uint64)
    b = g2_load_jac(base_jac.reshape(1, 3, 2, 4), 0)
    for j in range(n_windows):
        acc = g2_infinity()
        for d in range(size):
            g2_store_jac(jac, j * size + d, acc)
            acc = g2_add(acc, b)
        for _ in range(w):
            b = g2_dbl(b)
    return g2_jac_to_affine_arr(jac).reshape(n_windows, size, 2, 2, 4)


@njit(cache=True, parallel=True)
def g2_fixed_base(base_jac, scalars, w, n_threads):
    """k_i·P: ``base_jac`` ``uint64[3, 2, 4]``, ``scalars`` ``uint64[n, 4]`` normal → affine ``uint64[n, 2, 2, 4]``."""
    n = scalars.shape[0]
    n_windows = max(1, (_max_bits(scalars) + w - 1) // w)
    table = g2_fixed_base_table(base_jac, w, n_windows)
    out = np.empty((n, 2, 2, 4), dtype=np.uint64)
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * chunk
        hi = min(n, lo + chunk)
        if hi <= lo:
            continue
        jac = np.empty((hi - lo, 3, 2, 4), dtype=np.uint64)
        for i in range(lo, hi):
            row = scalars[i]
            acc = g2_infinity()
            for j in range(n_windows):
                d = _window(row, j * w, w)
                if d != 0:
                    x, y = g2_load_affine(table[j], d)
                    acc = g2_madd(acc, x, y)
            g2_store_jac(jac, i - lo, acc)
        out[lo:hi] = g2_jac_to_affine_arr(jac)
    return out

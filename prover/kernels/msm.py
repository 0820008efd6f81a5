"""Pippenger multi-scalar multiplication Σ k_i·P_i on G1 and G2, as numba kernels (``@njit(cache=True)``).

Forms
-----
- bases: affine points in the proving-key layout, G1 ``uint64[n, 2, 4]``, G2 ``uint64[n, 2, 2, 4]``, Fq in
  Montgomery form, little-endian limbs, all zeros = ∞.
- scalars: ``uint64[n, 4]``, little-endian limbs, **normal form** (not Montgomery); any value < 2^256 is accepted by
  the kernels (the Python layer ``prover.msm`` requires canonical < r).
- result: one Jacobian point, G1 ``uint64[3, 4]`` / G2 ``uint64[3, 2, 4]`` (Z = 0 for ∞).

Kernels::

    g1_msm(bases, scalars, window_bits, n_threads) -> uint64[3, 4]
    g2_msm(bases, scalars, window_bits, n_threads) -> uint64[3, 2, 4]
    choose_window_bits(n_big, max_bits, n_threads) -> int   (Python; the cost model below)

Algorithm
---------
1. Classify (serial, one pass): k = 0 or P = ∞ → skipped; k = 1 or k = r − 1 (−1) → the "unit" pass; the rest go to
   Pippenger, and their largest bit length sets the number of windows (witness scalars are mostly 0/1/small, so
   u64 scalars need ~5 windows instead of ~20).
2. Unit pass: ``prange`` over ``n_threads`` chunks, each thread sums its chunk's ±P into its own accumulator (one
   mixed add each); the partial sums are added serially.
3. Signed digits: each scalar is cut into ``W = ceil((bits + 1)/c)`` digits in [−2^(c−1), 2^(c−1)] (carry into the
   next window), so a window needs only 2^(c−1) buckets and a negative digit subtracts (negating y is free).
4. Windows: ``prange`` over ``n_threads``; thread t owns windows t, t + T, … and its own bucket array (no sharing,
   no atomics: stumpy's per-thread output pattern). Per window: every nonzero digit adds ±P to bucket |d| − 1 with a
   mixed add (7M + 4S); then the running-sum reduction Σ_b (b + 1)·B_b = Σ_b (B_{nb−1} + … + B_b) in 2·2^(c−1)
   full adds.
5. Serial: Horner over the window sums (c doublings between windows), plus the unit sum.

Cost model for the window size (``choose_window_bits``): per thread ⌈W/T⌉·(n_big + 3·2^(c−1)) mixed-add
equivalents (a full add costs ~1.5 mixed adds, two per bucket); the minimum is taken over c ∈ [2, 20].

References
----------
Pippenger 1976 / Bernstein et al. "Faster batch forgery identification" (bucket method); arkworks
``ec/src/scalar_mul/variable_base/mod.rs`` (signed digits, bucket running sums); stumpy ``stump.py`` (per-thread
outputs under ``prange``, then a serial reduction).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from prover.kernels.field import FR_MODULUS
from prover.kernels.g1 import (
    g1_add,
    g1_dbl,
    g1_infinity,
    g1_is_inf,
    g1_load_affine,
    g1_load_jac,
    g1_madd,
    g1_store_jac,
    g1_sub_affine,
)
from prover.kernels.g2 import (
    g2_add,
    g2_dbl,
    g2_infinity,
    g2_is_inf,
    g2_load_affine,
    g2_load_jac,
    g2_madd,
    g2_store_jac,
    g2_sub_affine,
)

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_RM1_0, _RM1_1, _RM1_2, _RM1_3 = (np.uint64(((FR_MODULUS - 1) >> (64 * i)) & (2**64 - 1)) for i in range(4))

#: Kind codes from ``_classify``.
KIND_SKIP, KIND_ONE, KIND_MINUS_ONE, KIND_BIG = 0, 1, 2, 3


def choose_window_bits(n_big: int, max_bits: int, n_threads: int) -> int:
    """Window size c minimising ⌈W/T⌉·(n_big + 3·2^(c−1)), W = ⌈(max_bits + 1)/c⌉ (see module Notes)."""
    if n_big <= 0 or max_bits <= 0:
        return 1
    best_c, best = 2, math.inf
    for c in range(2, 21):
        w = -(-(max_bits + 1) // c)
        cost = -(-w // max(1, n_threads)) * (n_big + 3 * (1 << (c - 1)))
        if cost < best:
            best_c, best = c, cost
    return best_c


@njit(cache=True)
def _bit_length(s0, s1, s2, s3):
    if s3 != _U0:
        top, base = s3, 192
    elif s2 != _U0:
        top, base = s2, 128
    elif s1 != _U0:
        top, base = s1, 64
    else:
        top, base = s0, 0
    n = 0
    while top != _U0:
        top >>= _U1
        n += 1
    return base + n


@njit(cache=True)
def classify_scalars(scalars, base_is_inf):
    """Kinds (int8[n]: skip / ±1 / big), the indices of the big ones (int64[n_big]) and their largest bit length."""
    n = scalars.shape[0]
    kinds = np.zeros(n, dtype=np.int8)
    big = np.empty(n, dtype=np.int64)
    n_big = 0
    max_bits = 0
    for i in range(n):
        s0, s1, s2, s3 = scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3]
        if base_is_inf[i] or (s0 | s1 | s2 | s3) == _U0:
            continue
        if s0 == _U1 and (s1 | s2 | s3) == _U0:
            kinds[i] = KIND_ONE
        elif s0 == _RM1_0 and s1 == _RM1_1 and s2 == _RM1_2 and s3 == _RM1_3:
            kinds[i] = KIND_MINUS_ONE
        else:
            kinds[i] = KIND_BIG
            big[n_big] = i
            n_big += 1
            b = _bit_length(s0, s1, s2, s3)
            if b > max_bits:
                max_bits = b
    return kinds, big[:n_big].copy(), max_bits


@njit(cache=True)
def _window(row, pos, c):
    """Bits [pos, pos + c) of the 256-bit little-endian ``row`` (uint64[4]) as int64."""
    limb = pos >> 6
    if limb >= 4:
        return 0
    off = pos & 63
    v = row[limb] >> np.uint64(off)
    if off + c > 64 and limb + 1 < 4:
        v |= row[limb + 1] << np.uint64(64 - off)
    return np.int64(v & np.uint64((1 << c) - 1))


@njit(cache=True, parallel=True)
def signed_digits(scalars, big, c, n_windows, n_threads):
    """Signed base-2^c digits of ``scalars[big]``: int32[n_big, n_windows], each in [−2^(c−1), 2^(c−1)]."""
    n_big = big.shape[0]
    digits = np.empty((n_big, n_windows), dtype=np.int32)
    half = 1 << (c - 1)
    full = 1 << c
    chunk = (n_big + n_threads - 1) // n_threads
    for t in prange(n_threads):
        for j in range(t * chunk, min(n_big, (t + 1) * chunk)):
            row = scalars[big[j]]
            carry = 0
            for w in range(n_windows):
                v = _window(row, w * c, c) + carry
                if v > half:
                    v -= full
                    carry = 1
                else:
                    carry = 0
                digits[j, w] = v
    return digits


@njit(cache=True)
def _bases_inf_g1(bases):
    n = bases.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        acc = _U0
        for k in range(2):
            for limb in range(4):
                acc |= bases[i, k, limb]
        out[i] = acc == _U0
    return out


@njit(cache=True)
def _bases_inf_g2(bases):
    n = bases.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        acc = _U0
        for k in range(2):
            for e in range(2):
                for limb in range(4):
                    acc |= bases[i, k, e, limb]
        out[i] = acc == _U0
    return out


# --- G1 ---------------------------------------------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def g1_msm(bases, scalars, c, n_threads):
    """Σ k_i·P_i: bases affine ``uint64[n, 2, 4]`` (Montgomery, zeros = ∞), scalars ``uint64[n, 4]`` normal form.

    ``c``: window bits, 1 ≤ c ≤ 24 (``choose_window_bits``); ``n_threads``: number of per-thread chunks
    (``numba.get_num_threads()``). Returns Jacobian ``uint64[3, 4]``.
    """
    n = bases.shape[0]
    kinds, big, max_bits = classify_scalars(scalars, _bases_inf_g1(bases))
    n_big = big.shape[0]
    # unit pass: ±1 scalars are summed directly, one mixed add each
    units = np.zeros((n_threads, 3, 4), dtype=np.uint64)
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        acc = g1_infinity()
        for i in range(t * chunk, min(n, (t + 1) * chunk)):
            k = kinds[i]
            if k == KIND_ONE:
                x, y = g1_load_affine(bases, i)
                acc = g1_madd(acc, x, y)
            elif k == KIND_MINUS_ONE:
                x, y = g1_load_affine(bases, i)
                acc = g1_sub_affine(acc, x, y)
        g1_store_jac(units, t, acc)
    total = g1_infinity()
    for t in range(n_threads):
        total = g1_add(total, g1_load_jac(units, t))
    out = np.empty((3, 4), dtype=np.uint64)
    if n_big == 0:
        g1_store_jac(out.reshape(1, 3, 4), 0, total)
        return out
    n_windows = (max_bits + 1 + c - 1) // c
    digits = signed_digits(scalars, big, c, n_windows, n_threads)
    n_buckets = 1 << (c - 1)
    buckets = np.empty((n_threads, n_buckets, 3, 4), dtype=np.uint64)
    window_sums = np.empty((n_windows, 3, 4), dtype=np.uint64)
    for t in prange(n_threads):
        bk = buckets[t]
        for w in range(t, n_windows, n_threads):
            bk[:, 2, :] = 0
            for j in range(n_big):
                d = digits[j, w]
                if d == 0:
                    continue
                x, y = g1_load_affine(bases, big[j])
                if d > 0:
                    g1_store_jac(bk, d - 1, g1_madd(g1_load_jac(bk, d - 1), x, y))
                else:
                    g1_store_jac(bk, -d - 1, g1_sub_affine(g1_load_jac(bk, -d - 1), x, y))
            running = g1_infinity()
            acc = g1_infinity()
            for b in range(n_buckets - 1, -1, -1):
                running = g1_add(running, g1_load_jac(bk, b))
                acc = g1_add(acc, running)
            g1_store_jac(window_sums, w, acc)
    res = g1_load_jac(window_sums, n_windows - 1)
    for w in range(n_windows - 2, -1, -1):
        for _ in range(c):
            res = g1_dbl(res)
        res = g1_add(res, g1_load_jac(window_sums, w))
    res = g1_add(res, total)
    if g1_is_inf(res):
        res = g1_infinity()
    g1_store_jac(out.reshape(1, 3, 4), 0, res)
    return out


# --- G2 (the G1 kernel with g2_ functions and the Fq2 axis) -----------------------------------------------------------


@njit(cache=True, parallel=True)
def g2_msm(bases, scalars, c, n_threads):
    """Σ k_i·P_i: bases affine ``uint64[n, 2, 2, 4]`` (Montgomery, zeros = ∞), scalars ``uint64[n, 4]`` normal form.

    Same algorithm and arguments as ``g1_msm``. Returns Jacobian ``uint64[3, 2, 4]``.
    """
    n = bases.shape[0]
    kinds, big, max_bits = classify_scalars(scalars, _bases_inf_g2(bases))
    n_big = big.shape[0]
    units = np.zeros((n_threads, 3, 2, 4), dtype=np.uint64)
    chunk = (n + n_threads - 1) // n_threads
    for t in prange(n_threads):
        acc = g2_infinity()
        for i in range(t * chunk, min(n, (t + 1) * chunk)):
            k = kinds[i]
            if k == KIND_ONE:
                x, y = g2_load_affine(bases, i)
                acc = g2_madd(acc, x, y)
            elif k == KIND_MINUS_ONE:
                x, y = g2_load_affine(bases, i)
                acc = g2_sub_affine(acc, x, y)
        g2_store_jac(units, t, acc)
    total = g2_infinity()
    for t in range(n_threads):
        total = g2_add(total, g2_load_jac(units, t))
    out = np.empty((3, 2, 4), dtype=np.uint64)
    if n_big == 0:
        g2_store_jac(out.reshape(1, 3, 2, 4), 0, total)
        return out
    n_windows = (max_bits + 1 + c - 1) // c
    digits = signed_digits(scalars, big, c, n_windows, n_threads)
    n_buckets = 1 << (c - 1)
    buckets = np.empty((n_threads, n_buckets, 3, 2, 4), dtype=np.uint64)
    window_sums = np.empty((n_windows, 3, 2, 4), dtype=np.uint64)
    for t in prange(n_threads):
        bk = buckets[t]
        for w in range(t, n_windows, n_threads):
            bk[:, 2, :, :] = 0
            for j in range(n_big):
                d = digits[j, w]
                if d == 0:
                    continue
                x, y = g2_load_affine(bases, big[j])
                if d > 0:
                    g2_store_jac(bk, d - 1, g2_madd(g2_load_jac(bk, d - 1), x, y))
                else:
                    g2_store_jac(bk, -d - 1, g2_sub_affine(g2_load_jac(bk, -d - 1), x, y))
            running = g2_infinity()
            acc = g2_infinity()
            for b in range(n_buckets - 1, -1, -1):
                running = g2_add(running, g2_load_jac(bk, b))
                acc = g2_add(acc, running)
            g2_store_jac(window_sums, w, acc)
    res = g2_load_jac(window_sums, n_windows - 1)
    for w in range(n_windows - 2, -1, -1):
        for _ in range(c):
            res = g2_dbl(res)
        res = g2_add(res, g2_load_jac(window_sums, w))
    res = g2_add(res, total)
    if g2_is_inf(res):
        res = g2_infinity()
    g2_store_jac(out.reshape(1, 3, 2, 4), 0, res)
    return out

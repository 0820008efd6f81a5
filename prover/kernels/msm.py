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
3. Signed digits (``prange`` over chunks): each scalar is cut into ``W = ⌈(bits + 1)/c⌉`` digits in
   [−2^(c−1), 2^(c−1)] (carry into the next window), so a window needs only 2^(c−1) buckets and a negative digit
   subtracts (negating y is free).
4. Windows: ``prange`` over ``n_threads``; thread t owns windows t, t + T, … and allocates its own buckets (no
   sharing, no atomics: stumpy's per-thread output pattern), one window sum per window.
   - With ≥ 2048 buckets (c ≥ 12), **batch-affine** buckets: additions bucket += ±P are queued (one per bucket per
     batch) and applied a batch at a time with one shared inversion, λ = (y2 − y1)/(x2 − x1): ~6 muls per addition
     instead of the mixed add's 11 (7M + 4S). A point whose bucket is already queued goes to a Jacobian overflow
     bucket by mixed add, so equal digits in a row never stall. Doubling and P + (−P) are handled in the batch.
   - Fewer buckets: Jacobian buckets, mixed adds.
   Then the running-sum reduction Σ_b (b + 1)·B_b = Σ_b (B_{nb−1} + … + B_b) in ~2·2^(c−1) adds.
5. Serial: Horner over the window sums (c doublings between windows), plus the unit sums.

The ``prange`` bodies only call serial kernels (``_g1_units``, ``_g1_window_affine``, …), which keeps the parallel
function small: numba compiles and caches each serial kernel once.

Cost model for the window size (``choose_window_bits``), in Fq multiplications per thread:
⌈W/T⌉·(n_big·a + 2^(c−1)·b), with a = 6 + 380/batch + 11·batch/2^c (inversion share, overflow share) and b = 27 on
the batch-affine path, a = 11 and b = 32 on the Jacobian path; the minimum over c ∈ [2, 20] is taken.

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

from accel.field import FR_MODULUS
from prover.kernels import g1 as _k1
from prover.kernels import g2 as _k2
from prover.kernels.g1 import (
    g1_add,
    g1_dbl,
    g1_infinity,
    g1_is_inf,
    g1_load_affine,
    g1_load_jac,
    g1_madd,
    g1_store_affine,
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
    g2_store_affine,
    g2_store_jac,
    g2_sub_affine,
)

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_RM1_0, _RM1_1, _RM1_2, _RM1_3 = (np.uint64(((FR_MODULUS - 1) >> (64 * i)) & (2**64 - 1)) for i in range(4))

#: Kind codes from ``_classify``.
KIND_SKIP, KIND_ONE, KIND_MINUS_ONE, KIND_BIG = 0, 1, 2, 3


_AFFINE_MIN_BUCKETS = 2048
_INV_MULS = 380  # one Fermat inversion: ~254 squarings + ~127 multiplications


@njit(cache=True)
def batch_size_for(n_buckets):
    """Batch size of the batch-affine bucket pass, or 0 for the Jacobian pass (too few buckets to fill a batch)."""
    if n_buckets < _AFFINE_MIN_BUCKETS:
        return 0
    return min(1024, n_buckets // 8)


def choose_window_bits(n_big: int, max_bits: int, n_threads: int) -> int:
    """Window size c minimising the per-thread cost in Fq multiplications (see module Notes)."""
    if n_big <= 0 or max_bits <= 0:
        return 1
    best_c, best = 2, math.inf
    for c in range(2, 21):
        n_buckets = 1 << (c - 1)
        n_windows = (max_bits + c) // c
        batch = batch_size_for(n_buckets)
        if batch:
            per_point = 6 + _INV_MULS / batch + 11 * batch / (2 * n_buckets)
            per_bucket = 27
        else:
            per_point, per_bucket = 11, 32
        cost = -(-n_windows // max(1, n_threads)) * (n_big * per_point + n_buckets * per_bucket)
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
    """Signed base-2^c digits of ``scalars[big]``: int32[n_windows, n_big] (window-major, read one window at a time),
    each in [−2^(c−1), 2^(c−1)]."""
    n_big = big.shape[0]
    digits = np.empty((n_windows, n_big), dtype=np.int32)
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
                digits[w, j] = v
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


@njit(cache=True)
def _g1_flush(bases, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt):
    """Applies ``cnt`` queued affine additions aff[b] += ±P_i with one shared inversion (Montgomery's trick).

    Each queued bucket appears once per batch (``busy``). Kinds: 0 add (λ = (y2 − y1)/(x2 − x1)), 1 double
    (λ = 3x²/2y), 2 cancel (P + (−P): the bucket becomes empty).
    """
    if cnt == 0:
        return
    acc = _k1._one()
    for k in range(cnt):
        b = batch_b[k]
        x2, y2 = g1_load_affine(bases, batch_i[k])
        if batch_neg[k]:
            y2 = _k1._neg(y2)
        x1, y1 = g1_load_affine(aff, b)
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
    for k in range(cnt - 1, -1, -1):
        b = batch_b[k]
        dinv = _k1._mul(inv, _k1._fe_get(prefix[k]))
        inv = _k1._mul(inv, _k1._fe_get(dens[k]))
        busy[b] = False
        kind = kinds[k]
        if kind == 2:
            occ[b] = False
            continue
        x1, y1 = g1_load_affine(aff, b)
        if kind == 1:
            xx = _k1._sqr(x1)
            lam = _k1._mul(_k1._add(_k1._dbl(xx), xx), dinv)
            x3 = _k1._sub(_k1._sqr(lam), _k1._dbl(x1))
        else:
            x2, y2 = g1_load_affine(bases, batch_i[k])
            if batch_neg[k]:
                y2 = _k1._neg(y2)
            lam = _k1._mul(_k1._sub(y2, y1), dinv)
            x3 = _k1._sub(_k1._sub(_k1._sqr(lam), x1), x2)
        y3 = _k1._sub(_k1._mul(lam, _k1._sub(x1, x3)), y1)
        g1_store_affine(aff, b, x3, y3)


@njit(cache=True)
def _g1_window_affine(bases, big, digits, w, n_buckets, batch_size):
    """Window sum Σ_b (b + 1)·B_b with batch-affine buckets (≈ 6 muls per addition instead of 11).

    A point whose bucket is already queued in the current batch goes to a Jacobian overflow bucket instead (mixed
    add), so degenerate inputs (many equal digits) cost at most the plain Jacobian path.
    """
    aff = _k1._aff_array(n_buckets)
    occ = np.zeros(n_buckets, dtype=np.bool_)
    busy = np.zeros(n_buckets, dtype=np.bool_)
    over = _k1._jac_array(n_buckets)
    for b in range(n_buckets):
        g1_store_jac(over, b, g1_infinity())
    batch_b = np.empty(batch_size, dtype=np.int64)
    batch_i = np.empty(batch_size, dtype=np.int64)
    batch_neg = np.empty(batch_size, dtype=np.bool_)
    kinds = np.empty(batch_size, dtype=np.int8)
    dens = _k1._fe_array(batch_size)
    prefix = _k1._fe_array(batch_size)
    cnt = 0
    for j in range(big.shape[0]):
        d = digits[w, j]
        if d == 0:
            continue
        neg = d < 0
        b = -d - 1 if neg else d - 1
        i = big[j]
        if not occ[b]:
            x, y = g1_load_affine(bases, i)
            g1_store_affine(aff, b, x, _k1._neg(y) if neg else y)
            occ[b] = True
        elif busy[b]:
            x, y = g1_load_affine(bases, i)
            if neg:
                g1_store_jac(over, b, g1_sub_affine(g1_load_jac(over, b), x, y))
            else:
                g1_store_jac(over, b, g1_madd(g1_load_jac(over, b), x, y))
        else:
            busy[b] = True
            batch_b[cnt] = b
            batch_i[cnt] = i
            batch_neg[cnt] = neg
            cnt += 1
            if cnt == batch_size:
                _g1_flush(bases, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt)
                cnt = 0
    _g1_flush(bases, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt)
    running = g1_infinity()
    acc = g1_infinity()
    for b in range(n_buckets - 1, -1, -1):
        if occ[b]:
            x, y = g1_load_affine(aff, b)
            running = g1_madd(running, x, y)
        running = g1_add(running, g1_load_jac(over, b))
        acc = g1_add(acc, running)
    return acc


@njit(cache=True)
def _g1_window_jacobian(bases, big, digits, w, n_buckets):
    """Window sum with Jacobian buckets and mixed adds (small windows, where batches would be too small)."""
    bk = _k1._jac_array(n_buckets)
    for b in range(n_buckets):
        g1_store_jac(bk, b, g1_infinity())
    for j in range(big.shape[0]):
        d = digits[w, j]
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
    return acc


@njit(cache=True)
def _g1_units(bases, kinds, lo, hi):
    """Σ ±P_i over i in [lo, hi) with kind ±1, one mixed add each."""
    acc = g1_infinity()
    for i in range(lo, hi):
        k = kinds[i]
        if k == KIND_ONE:
            x, y = g1_load_affine(bases, i)
            acc = g1_madd(acc, x, y)
        elif k == KIND_MINUS_ONE:
            x, y = g1_load_affine(bases, i)
            acc = g1_sub_affine(acc, x, y)
    return acc


@njit(cache=True, parallel=True)
def _g1_parallel(bases, kinds, big, digits, c, n_windows, n_threads, units, window_sums):
    """The two ``prange`` regions: per-thread unit sums, then per-thread windows (t, t + T, …)."""
    n = bases.shape[0]
    chunk = (n + n_threads - 1) // n_threads
    n_buckets = 1 << (c - 1)
    batch = batch_size_for(n_buckets)
    for t in prange(n_threads):
        g1_store_jac(units, t, _g1_units(bases, kinds, t * chunk, min(n, (t + 1) * chunk)))
    for t in prange(n_threads):
        for w in range(t, n_windows, n_threads):
            if batch > 0:
                g1_store_jac(window_sums, w, _g1_window_affine(bases, big, digits, w, n_buckets, batch))
            else:
                g1_store_jac(window_sums, w, _g1_window_jacobian(bases, big, digits, w, n_buckets))


@njit(cache=True)
def g1_msm(bases, scalars, c, n_threads):
    """Σ k_i·P_i: bases affine ``uint64[n, 2, 4]`` (Montgomery, zeros = ∞), scalars ``uint64[n, 4]`` normal form.

    ``c``: window bits, 1 ≤ c ≤ 24 (``choose_window_bits``); ``n_threads``: number of per-thread chunks
    (``numba.get_num_threads()``). Returns Jacobian ``uint64[3, 4]``.
    """
    kinds, big, max_bits = classify_scalars(scalars, _bases_inf_g1(bases))
    n_windows = (max_bits + c) // c if big.shape[0] > 0 else 0
    digits = signed_digits(scalars, big, c, n_windows, n_threads)
    units = _k1._jac_array(n_threads)
    window_sums = _k1._jac_array(n_windows)
    _g1_parallel(bases, kinds, big, digits, c, n_windows, n_threads, units, window_sums)
    res = g1_infinity()
    if n_windows > 0:
        res = g1_load_jac(window_sums, n_windows - 1)
        for w in range(n_windows - 2, -1, -1):
            for _ in range(c):
                res = g1_dbl(res)
            res = g1_add(res, g1_load_jac(window_sums, w))
    for t in range(n_threads):
        res = g1_add(res, g1_load_jac(units, t))
    if g1_is_inf(res):
        res = g1_infinity()
    out = _k1._jac_array(1)
    g1_store_jac(out, 0, res)
    return out[0]


# --- G2 (generated from the G1 section: g1 → g2, _k1 → _k2; keep the two in step) -------------------------------


@njit(cache=True)
def _g2_flush(bases, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt):
    """Applies ``cnt`` queued affine additions aff[b] += ±P_i with one shared inversion (Montgomery's trick).

    Each queued bucket appears once per batch (``busy``). Kinds: 0 add (λ = (y2 − y1)/(x2 − x1)), 1 double
    (λ = 3x²/2y), 2 cancel (P + (−P): the bucket becomes empty).
    """
    if cnt == 0:
        return
    acc = _k2._one()
    for k in range(cnt):
        b = batch_b[k]
        x2, y2 = g2_load_affine(bases, batch_i[k])
        if batch_neg[k]:
            y2 = _k2._neg(y2)
        x1, y1 = g2_load_affine(aff, b)
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
    for k in range(cnt - 1, -1, -1):
        b = batch_b[k]
        dinv = _k2._mul(inv, _k2._fe_get(prefix[k]))
        inv = _k2._mul(inv, _k2._fe_get(dens[k]))
        busy[b] = False
        kind = kinds[k]
        if kind == 2:
            occ[b] = False
            continue
        x1, y1 = g2_load_affine(aff, b)
        if kind == 1:
            xx = _k2._sqr(x1)
            lam = _k2._mul(_k2._add(_k2._dbl(xx), xx), dinv)
            x3 = _k2._sub(_k2._sqr(lam), _k2._dbl(x1))
        else:
            x2, y2 = g2_load_affine(bases, batch_i[k])
            if batch_neg[k]:
                y2 = _k2._neg(y2)
            lam = _k2._mul(_k2._sub(y2, y1), dinv)
            x3 = _k2._sub(_k2._sub(_k2._sqr(lam), x1), x2)
        y3 = _k2._sub(_k2._mul(lam, _k2._sub(x1, x3)), y1)
        g2_store_affine(aff, b, x3, y3)


@njit(cache=True)
def _g2_window_affine(bases, big, digits, w, n_buckets, batch_size):
    """Window sum Σ_b (b + 1)·B_b with batch-affine buckets (≈ 6 muls per addition instead of 11).

    A point whose bucket is already queued in the current batch goes to a Jacobian overflow bucket instead (mixed
    add), so degenerate inputs (many equal digits) cost at most the plain Jacobian path.
    """
    aff = _k2._aff_array(n_buckets)
    occ = np.zeros(n_buckets, dtype=np.bool_)
    busy = np.zeros(n_buckets, dtype=np.bool_)
    over = _k2._jac_array(n_buckets)
    for b in range(n_buckets):
        g2_store_jac(over, b, g2_infinity())
    batch_b = np.empty(batch_size, dtype=np.int64)
    batch_i = np.empty(batch_size, dtype=np.int64)
    batch_neg = np.empty(batch_size, dtype=np.bool_)
    kinds = np.empty(batch_size, dtype=np.int8)
    dens = _k2._fe_array(batch_size)
    prefix = _k2._fe_array(batch_size)
    cnt = 0
    for j in range(big.shape[0]):
        d = digits[w, j]
        if d == 0:
            continue
        neg = d < 0
        b = -d - 1 if neg else d - 1
        i = big[j]
        if not occ[b]:
            x, y = g2_load_affine(bases, i)
            g2_store_affine(aff, b, x, _k2._neg(y) if neg else y)
            occ[b] = True
        elif busy[b]:
            x, y = g2_load_affine(bases, i)
            if neg:
                g2_store_jac(over, b, g2_sub_affine(g2_load_jac(over, b), x, y))
            else:
                g2_store_jac(over, b, g2_madd(g2_load_jac(over, b), x, y))
        else:
            busy[b] = True
            batch_b[cnt] = b
            batch_i[cnt] = i
            batch_neg[cnt] = neg
            cnt += 1
            if cnt == batch_size:
                _g2_flush(bases, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt)
                cnt = 0
    _g2_flush(bases, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt)
    running = g2_infinity()
    acc = g2_infinity()
    for b in range(n_buckets - 1, -1, -1):
        if occ[b]:
            x, y = g2_load_affine(aff, b)
            running = g2_madd(running, x, y)
        running = g2_add(running, g2_load_jac(over, b))
        acc = g2_add(acc, running)
    return acc


@njit(cache=True)
def _g2_window_jacobian(bases, big, digits, w, n_buckets):
    """Window sum with Jacobian buckets and mixed adds (small windows, where batches would be too small)."""
    bk = _k2._jac_array(n_buckets)
    for b in range(n_buckets):
        g2_store_jac(bk, b, g2_infinity())
    for j in range(big.shape[0]):
        d = digits[w, j]
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
    return acc


@njit(cache=True)
def _g2_units(bases, kinds, lo, hi):
    """Σ ±P_i over i in [lo, hi) with kind ±1, one mixed add each."""
    acc = g2_infinity()
    for i in range(lo, hi):
        k = kinds[i]
        if k == KIND_ONE:
            x, y = g2_load_affine(bases, i)
            acc = g2_madd(acc, x, y)
        elif k == KIND_MINUS_ONE:
            x, y = g2_load_affine(bases, i)
            acc = g2_sub_affine(acc, x, y)
    return acc


@njit(cache=True, parallel=True)
def _g2_parallel(bases, kinds, big, digits, c, n_windows, n_threads, units, window_sums):
    """The two ``prange`` regions: per-thread unit sums, then per-thread windows (t, t + T, …)."""
    n = bases.shape[0]
    chunk = (n + n_threads - 1) // n_threads
    n_buckets = 1 << (c - 1)
    batch = batch_size_for(n_buckets)
    for t in prange(n_threads):
        g2_store_jac(units, t, _g2_units(bases, kinds, t * chunk, min(n, (t + 1) * chunk)))
    for t in prange(n_threads):
        for w in range(t, n_windows, n_threads):
            if batch > 0:
                g2_store_jac(window_sums, w, _g2_window_affine(bases, big, digits, w, n_buckets, batch))
            else:
                g2_store_jac(window_sums, w, _g2_window_jacobian(bases, big, digits, w, n_buckets))


@njit(cache=True)
def g2_msm(bases, scalars, c, n_threads):
    """Σ k_i·P_i: bases affine ``uint64[n, 2, 2, 4]`` (Montgomery, zeros = ∞), scalars ``uint64[n, 4]`` normal form.

    ``c``: window bits, 1 ≤ c ≤ 24 (``choose_window_bits``); ``n_threads``: number of per-thread chunks
    (``numba.get_num_threads()``). Returns Jacobian ``uint64[3, 2, 4]``.
    """
    kinds, big, max_bits = classify_scalars(scalars, _bases_inf_g2(bases))
    n_windows = (max_bits + c) // c if big.shape[0] > 0 else 0
    digits = signed_digits(scalars, big, c, n_windows, n_threads)
    units = _k2._jac_array(n_threads)
    window_sums = _k2._jac_array(n_windows)
    _g2_parallel(bases, kinds, big, digits, c, n_windows, n_threads, units, window_sums)
    res = g2_infinity()
    if n_windows > 0:
        res = g2_load_jac(window_sums, n_windows - 1)
        for w in range(n_windows - 2, -1, -1):
            for _ in range(c):
                res = g2_dbl(res)
            res = g2_add(res, g2_load_jac(window_sums, w))
    for t in range(n_threads):
        res = g2_add(res, g2_load_jac(units, t))
    if g2_is_inf(res):
        res = g2_infinity()
    out = _k2._jac_array(1)
    g2_store_jac(out, 0, res)
    return out[0]

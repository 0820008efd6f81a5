"""Pippenger multi-scalar multiplication Σ k_i·P_i, written once for G1 and G2 (numba compiles it per group).

Forms
-----
- bases: affine points in the proving-key layout, G1 ``uint64[n, 2, 4]``, G2 ``uint64[n, 2, 2, 4]``, Fq in
  Montgomery form, little-endian limbs, all zeros = ∞ (the array's shape selects the group, see ``fe``).
- scalars: ``uint64[n, 4]``, little-endian limbs, **normal form** (not Montgomery), each < r (the Python layer
  ``prover.msm`` checks).
- result: one affine point, G1 ``uint64[2, 4]`` / G2 ``uint64[2, 2, 4]`` (zeros for ∞).

Kernel::

    msm_affine(bases, scalars, window_bits, n_threads, exact_threads, beta, glv_consts) -> affine point
        window_bits = 0 chooses c by the cost model below; n_threads ≥ 1 (small jobs use 1 unless exact_threads);
        beta = GLV's β for the group (``prover.glv.beta_limbs``), glv_consts = ``prover.glv.split_constants()``

Algorithm
---------
1. Classify (serial, one pass): k = 0 or P = ∞ → skipped; k = 1 or k = r − 1 (−1) → the unit pass; the rest are
   "big" and their largest bit length sets the number of windows (witness scalars are mostly 0/1/small: u64
   scalars need ~5 windows instead of ~20).
2. Entries: with big scalars wider than 128 bits, **GLV** (``kernels.glv``): each k_i·P_i becomes |k1|·(±P_i) +
   |k2|·(±φ(P_i)) with |k1|, |k2| < 2^128, so twice the entries over half the windows; otherwise the big (P_i, k_i)
   are gathered as they are. Either way entries are contiguous, so the bucket passes read them in order.
3. Units: the ±1 points (y negated for −1) are gathered and summed by **batch-affine pairing**: each round adds
   pairs (2j, 2j + 1) with one shared inversion (λ = (y2 − y1)/(x2 − x1), ~6 muls per addition instead of a
   mixed add's 11), halving the list until a few points remain. Boolean witnesses make this the bulk of the work.
4. Signed digits: each magnitude is cut into ``W = ⌈(bits + 1)/c⌉`` digits in [−2^(c−1), 2^(c−1)] (carry into the
   next window), so a window needs only 2^(c−1) buckets and a negative digit subtracts (negating y is free).
5. Windows: ``prange`` over threads; thread t owns windows t, t + T, … and its own buckets (no sharing, no atomics:
   stumpy's per-thread output pattern).
   - With ≥ 2048 buckets (c ≥ 12), **batch-affine** buckets: additions bucket += ±P are queued (one per bucket per
     batch) and applied a batch at a time with one shared inversion. A point whose bucket is already queued goes
     to a Jacobian overflow bucket by mixed add, so equal digits in a row never stall. Doubling and P + (−P) are
     handled in the batch.
   - Fewer buckets: Jacobian buckets, mixed adds.
   Then the running-sum reduction Σ_b (b + 1)·B_b = Σ_b (B_{nb−1} + … + B_b) in ~2·2^(c−1) adds.
6. Serial: Horner over the window sums (c doublings between windows), plus the unit sums; one inversion to affine.

Cost model for the window size (``choose_window_bits``), in Fq multiplications per thread:
⌈W/T⌉·(m·a + 2^(c−1)·b) for m entries, with a = 6 + 380/batch + 11·batch/2^c (inversion share, overflow share)
and b = 27 on the batch-affine path, a = 11 and b = 32 on the Jacobian path; the minimum over c ∈ [2, 20].

References
----------
Pippenger 1976 / Bernstein et al. "Faster batch forgery identification" (bucket method); arkworks
``ec/src/scalar_mul/variable_base/mod.rs`` (signed digits, bucket running sums); Gallant, Lambert, Vanstone,
CRYPTO 2001 (GLV); stumpy ``stump.py`` (per-thread outputs under ``prange``, then a serial reduction).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from accel.field import FR_MODULUS
from prover.kernels.curve import (
    jac_add,
    jac_dbl,
    jac_infinity,
    jac_is_inf,
    jac_madd,
    jac_sub_affine,
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
    fe_neg,
    fe_one,
    fe_put,
    fe_sqr,
    fe_sub,
    jac_array,
    zero_of,
)
from prover.kernels.glv import glv_expand

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_RM1_0, _RM1_1, _RM1_2, _RM1_3 = (np.uint64(((FR_MODULUS - 1) >> (64 * i)) & (2**64 - 1)) for i in range(4))

#: Kind codes from ``classify_scalars``.
KIND_SKIP, KIND_ONE, KIND_MINUS_ONE, KIND_BIG = 0, 1, 2, 3

_AFFINE_MIN_BUCKETS = 2048
_INV_MULS = 380  # one Fermat inversion: ~254 squarings + ~127 multiplications
#: Below this many point additions (units + bucket adds) an MSM runs on one thread: waking a second one costs more
#: than it saves (tens of ms on a busy machine).
PARALLEL_MIN_ADDS = 1 << 14
#: Big scalars wider than this go through GLV (halves: < 2^128).
GLV_MIN_BITS = 128
#: Unit pairing stops at this many points per thread and finishes with mixed adds (an inversion costs ~380 muls).
_PAIRING_MIN = 32


@njit(cache=True)
def batch_size_for(n_buckets):
    """Batch size of the batch-affine bucket pass, or 0 for the Jacobian pass (too few buckets to fill a batch)."""
    if n_buckets < _AFFINE_MIN_BUCKETS:
        return 0
    return min(1024, n_buckets // 8)


@njit(cache=True)
def choose_window_bits(m, max_bits, n_threads):
    """Window size c minimising the per-thread cost in Fq multiplications (module docstring) for m entries."""
    if m <= 0 or max_bits <= 0:
        return 1
    best_c, best = 2, np.inf
    for c in range(2, 21):
        n_buckets = 1 << (c - 1)
        n_windows = (max_bits + c) // c
        batch = batch_size_for(n_buckets)
        if batch > 0:
            per_point = 6.0 + _INV_MULS / batch + 11.0 * batch / (2 * n_buckets)
            per_bucket = 27.0
        else:
            per_point, per_bucket = 11.0, 32.0
        cost = ((n_windows + n_threads - 1) // n_threads) * (m * per_point + n_buckets * per_bucket)
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
def bases_inf(bases):
    """bool[n]: which affine points of a G1 or G2 array are ∞ (all zeros)."""
    n = bases.shape[0]
    flat = bases.reshape(n, -1)
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        acc = _U0
        for k in range(flat.shape[1]):
            acc |= flat[i, k]
        out[i] = acc == _U0
    return out


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


@njit(cache=True)
def _digits_range(mags, c, n_windows, digits, lo, hi):
    half = 1 << (c - 1)
    full = 1 << c
    for j in range(lo, hi):
        row = mags[j]
        carry = 0
        for w in range(n_windows):
            v = _window(row, w * c, c) + carry
            if v > half:
                v -= full
                carry = 1
            else:
                carry = 0
            digits[w, j] = v


@njit(cache=True, parallel=True)
def _digits_parallel(mags, c, n_windows, digits, n_threads):
    m = mags.shape[0]
    for t in prange(n_threads):
        _digits_range(mags, c, n_windows, digits, t * m // n_threads, (t + 1) * m // n_threads)


@njit(cache=True)
def signed_digits(mags, c, n_windows, n_threads):
    """Signed base-2^c digits of each magnitude: int32[n_windows, m] (window-major), each in [−2^(c−1), 2^(c−1)]."""
    digits = np.empty((n_windows, mags.shape[0]), dtype=np.int32)
    if n_threads <= 1:
        _digits_range(mags, c, n_windows, digits, 0, mags.shape[0])
    else:
        _digits_parallel(mags, c, n_windows, digits, n_threads)
    return digits


# --- batch-affine additions -----------------------------------------------------------------------------------------


@njit(cache=True)
def _pair_den(x1, y1, x2, y2):
    # (kind, denominator) of an affine addition: 0 add (x2 − x1), 1 double (2y), 2 cancel (P + (−P) = ∞; den 1)
    if fe_is_zero(fe_sub(x2, x1)):
        if fe_is_zero(fe_sub(y2, y1)):
            return 1, fe_dbl(y1)
        return 2, fe_one(x1)
    return 0, fe_sub(x2, x1)


@njit(cache=True)
def _pair_sum(kind, x1, y1, x2, y2, dinv):
    # (x3, y3) of an addition whose denominator's inverse is dinv (kind 0 or 1)
    if kind == 1:
        xx = fe_sqr(x1)
        lam = fe_mul(fe_add(fe_dbl(xx), xx), dinv)
        x3 = fe_sub(fe_sqr(lam), fe_dbl(x1))
    else:
        lam = fe_mul(fe_sub(y2, y1), dinv)
        x3 = fe_sub(fe_sub(fe_sqr(lam), x1), x2)
    return x3, fe_sub(fe_mul(lam, fe_sub(x1, x3)), y1)


@njit(cache=True)
def _pairing_sum(pts, lo, hi):
    """Σ pts[lo:hi] (affine, none ∞) as a Jacobian point; overwrites pts[lo:hi]. Rounds of pairwise affine additions
    (2k, 2k + 1) → k with one shared inversion per round, then mixed adds for the last few points."""
    m = hi - lo
    dens = fe_array(pts, max(1, m // 2))
    prefix = fe_array(pts, max(1, m // 2))
    kinds = np.empty(max(1, m // 2), dtype=np.int8)
    live = np.ones(max(1, m), dtype=np.bool_)  # False: the slot holds ∞ (a pair that cancelled)
    while m > _PAIRING_MIN:
        half = m // 2
        acc = fe_one(zero_of(pts))
        for k in range(half):  # denominators and their prefix products
            kinds[k] = -1
            if live[2 * k] and live[2 * k + 1]:
                x1, y1 = load_affine(pts, lo + 2 * k)
                x2, y2 = load_affine(pts, lo + 2 * k + 1)
                kind, den = _pair_den(x1, y1, x2, y2)
                kinds[k] = kind
                fe_put(prefix[k], acc)
                fe_put(dens[k], den)
                acc = fe_mul(acc, den)
        inv = fe_inv(acc)
        for k in range(half - 1, -1, -1):  # each inverse, stored over its denominator
            if kinds[k] >= 0:
                dinv = fe_mul(inv, fe_get(prefix[k]))
                inv = fe_mul(inv, fe_get(dens[k]))
                fe_put(dens[k], dinv)
        for k in range(half):  # sums, compacted into slot k (slots 2k, 2k + 1 are read before slot k is written)
            kind = kinds[k]
            if kind < 0:
                if live[2 * k] or live[2 * k + 1]:
                    x, y = load_affine(pts, lo + 2 * k + (0 if live[2 * k] else 1))
                    store_affine(pts, lo + k, x, y)
                    live[k] = True
                else:
                    live[k] = False
            elif kind == 2:
                live[k] = False
            else:
                x1, y1 = load_affine(pts, lo + 2 * k)
                x2, y2 = load_affine(pts, lo + 2 * k + 1)
                x3, y3 = _pair_sum(kind, x1, y1, x2, y2, fe_get(dens[k]))
                store_affine(pts, lo + k, x3, y3)
                live[k] = True
        if m % 2 == 1:
            x, y = load_affine(pts, lo + m - 1)
            store_affine(pts, lo + half, x, y)
            live[half] = live[m - 1]
            m = half + 1
        else:
            m = half
    acc = jac_infinity(zero_of(pts))
    for k in range(m):
        if live[k]:
            x, y = load_affine(pts, lo + k)
            acc = jac_madd(acc, x, y)
    return acc


@njit(cache=True)
def _flush(pts, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt):
    """Applies ``cnt`` queued affine additions aff[b] += ±pts[i] with one shared inversion (Montgomery's trick).

    Each queued bucket appears once per batch (``busy``). Kinds: 0 add, 1 double, 2 cancel (the bucket empties).
    """
    if cnt == 0:
        return
    acc = fe_one(zero_of(pts))
    for k in range(cnt):
        b = batch_b[k]
        x2, y2 = load_affine(pts, batch_i[k])
        if batch_neg[k]:
            y2 = fe_neg(y2)
        x1, y1 = load_affine(aff, b)
        kind, den = _pair_den(x1, y1, x2, y2)
        kinds[k] = kind
        fe_put(prefix[k], acc)
        fe_put(dens[k], den)
        acc = fe_mul(acc, den)
    inv = fe_inv(acc)
    for k in range(cnt - 1, -1, -1):
        b = batch_b[k]
        dinv = fe_mul(inv, fe_get(prefix[k]))
        inv = fe_mul(inv, fe_get(dens[k]))
        busy[b] = False
        kind = kinds[k]
        if kind == 2:
            occ[b] = False
            continue
        x1, y1 = load_affine(aff, b)
        x2, y2 = load_affine(pts, batch_i[k])
        if batch_neg[k]:
            y2 = fe_neg(y2)
        x3, y3 = _pair_sum(kind, x1, y1, x2, y2, dinv)
        store_affine(aff, b, x3, y3)


# --- the window passes ------------------------------------------------------------------------------------------------


@njit(cache=True)
def _window_affine(pts, digits, w, n_buckets, batch_size):
    """Window sum Σ_b (b + 1)·B_b with batch-affine buckets (≈ 6 muls per addition instead of 11).

    A point whose bucket is already queued in the current batch goes to a Jacobian overflow bucket instead (mixed
    add), so degenerate inputs (many equal digits) cost at most the plain Jacobian path.
    """
    aff = aff_array(pts, n_buckets)
    occ = np.zeros(n_buckets, dtype=np.bool_)
    busy = np.zeros(n_buckets, dtype=np.bool_)
    over = jac_array(pts, n_buckets)
    inf = jac_infinity(zero_of(pts))
    for b in range(n_buckets):
        store_jac(over, b, inf)
    batch_b = np.empty(batch_size, dtype=np.int64)
    batch_i = np.empty(batch_size, dtype=np.int64)
    batch_neg = np.empty(batch_size, dtype=np.bool_)
    kinds = np.empty(batch_size, dtype=np.int8)
    dens = fe_array(pts, batch_size)
    prefix = fe_array(pts, batch_size)
    cnt = 0
    for j in range(digits.shape[1]):
        d = digits[w, j]
        if d == 0:
            continue
        neg = d < 0
        b = -d - 1 if neg else d - 1
        if not occ[b]:
            x, y = load_affine(pts, j)
            store_affine(aff, b, x, fe_neg(y) if neg else y)
            occ[b] = True
        elif busy[b]:
            x, y = load_affine(pts, j)
            if neg:
                store_jac(over, b, jac_sub_affine(load_jac(over, b), x, y))
            else:
                store_jac(over, b, jac_madd(load_jac(over, b), x, y))
        else:
            busy[b] = True
            batch_b[cnt] = b
            batch_i[cnt] = j
            batch_neg[cnt] = neg
            cnt += 1
            if cnt == batch_size:
                _flush(pts, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt)
                cnt = 0
    _flush(pts, aff, occ, busy, batch_b, batch_i, batch_neg, kinds, dens, prefix, cnt)
    running = inf
    acc = inf
    for b in range(n_buckets - 1, -1, -1):
        if occ[b]:
            x, y = load_affine(aff, b)
            running = jac_madd(running, x, y)
        running = jac_add(running, load_jac(over, b))
        acc = jac_add(acc, running)
    return acc


@njit(cache=True)
def _window_jacobian(pts, digits, w, n_buckets):
    """Window sum with Jacobian buckets and mixed adds (small windows, where batches would be too small)."""
    bk = jac_array(pts, n_buckets)
    inf = jac_infinity(zero_of(pts))
    for b in range(n_buckets):
        store_jac(bk, b, inf)
    for j in range(digits.shape[1]):
        d = digits[w, j]
        if d == 0:
            continue
        x, y = load_affine(pts, j)
        if d > 0:
            store_jac(bk, d - 1, jac_madd(load_jac(bk, d - 1), x, y))
        else:
            store_jac(bk, -d - 1, jac_sub_affine(load_jac(bk, -d - 1), x, y))
    running = inf
    acc = inf
    for b in range(n_buckets - 1, -1, -1):
        running = jac_add(running, load_jac(bk, b))
        acc = jac_add(acc, running)
    return acc


@njit(cache=True)
def _window_sum(pts, digits, w, c):
    n_buckets = 1 << (c - 1)
    batch = batch_size_for(n_buckets)
    if batch > 0:
        return _window_affine(pts, digits, w, n_buckets, batch)
    return _window_jacobian(pts, digits, w, n_buckets)


@njit(cache=True, parallel=True)
def _parallel(units, unit_sums, pts, digits, c, n_windows, n_threads, window_sums):
    """The two ``prange`` regions: per-thread unit pairing sums, then per-thread windows (t, t + T, …)."""
    n_units = units.shape[0]
    for t in prange(n_threads):
        store_jac(unit_sums, t, _pairing_sum(units, t * n_units // n_threads, (t + 1) * n_units // n_threads))
    for t in prange(n_threads):
        for w in range(t, n_windows, n_threads):
            store_jac(window_sums, w, _window_sum(pts, digits, w, c))


@njit(cache=True)
def _gather_units(bases, kinds, n_units):
    out = aff_array(bases, n_units)
    k = 0
    for i in range(bases.shape[0]):
        if kinds[i] == KIND_ONE or kinds[i] == KIND_MINUS_ONE:
            x, y = load_affine(bases, i)
            store_affine(out, k, x, fe_neg(y) if kinds[i] == KIND_MINUS_ONE else y)
            k += 1
    return out


@njit(cache=True)
def _gather_big(bases, scalars, big):
    pts = aff_array(bases, big.shape[0])
    mags = np.empty((big.shape[0], 4), dtype=np.uint64)
    for j in range(big.shape[0]):
        x, y = load_affine(bases, big[j])
        store_affine(pts, j, x, y)
        for k in range(4):
            mags[j, k] = scalars[big[j], k]
    return pts, mags


@njit(cache=True)
def msm_affine(bases, scalars, window_bits, n_threads, exact_threads, beta, glv_consts):
    """Σ k_i·P_i as an affine point (zeros for ∞); see the module docstring for the arguments and the algorithm."""
    kinds, big, max_bits = classify_scalars(scalars, bases_inf(bases))
    n_units = 0
    for i in range(kinds.shape[0]):
        if kinds[i] == KIND_ONE or kinds[i] == KIND_MINUS_ONE:
            n_units += 1
    t = max(1, n_threads)
    if max_bits > GLV_MIN_BITS:
        pts, mags = glv_expand(bases, scalars, big, beta, glv_consts, t if big.shape[0] >= PARALLEL_MIN_ADDS else 1)
        max_bits = 0
        for j in range(mags.shape[0]):
            b = _bit_length(mags[j, 0], mags[j, 1], mags[j, 2], mags[j, 3])
            if b > max_bits:
                max_bits = b
    else:
        pts, mags = _gather_big(bases, scalars, big)
    m = pts.shape[0]
    c = window_bits if window_bits > 0 else choose_window_bits(m, max_bits, t)
    n_windows = (max_bits + c) // c if m > 0 else 0
    if not exact_threads and t > 1 and n_units + m * n_windows < PARALLEL_MIN_ADDS:
        t = 1
        c = window_bits if window_bits > 0 else choose_window_bits(m, max_bits, 1)
        n_windows = (max_bits + c) // c if m > 0 else 0
    digits = signed_digits(mags, c, n_windows, t)
    units = _gather_units(bases, kinds, n_units)
    unit_sums = jac_array(bases, t)
    window_sums = jac_array(bases, n_windows)
    if t > 1:
        _parallel(units, unit_sums, pts, digits, c, n_windows, t, window_sums)
    else:
        store_jac(unit_sums, 0, _pairing_sum(units, 0, n_units))
        for w in range(n_windows):
            store_jac(window_sums, w, _window_sum(pts, digits, w, c))
    res = jac_infinity(zero_of(bases))
    if n_windows > 0:
        res = load_jac(window_sums, n_windows - 1)
        for w in range(n_windows - 2, -1, -1):
            for _ in range(c):
                res = jac_dbl(res)
            res = jac_add(res, load_jac(window_sums, w))
    for k in range(t):
        res = jac_add(res, load_jac(unit_sums, k))
    if jac_is_inf(res):
        res = jac_infinity(zero_of(bases))
    out = jac_array(bases, 1)
    store_jac(out, 0, res)
    return jac_to_affine_arr(out)[0]

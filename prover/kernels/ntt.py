"""Radix-2 NTT over Fr on ``uint64[m, n, 4]`` Montgomery limbs, in place, as numba kernels (``@njit(cache=True)``).

Forms
-----
Every array here holds Fr elements as 4 little-endian 64-bit limbs in Montgomery form (a·2^256 mod r), canonical,
C-contiguous. A batch ``x`` is ``uint64[m, n, 4]``: m independent vectors of length n = 2^log_n (the QAP transforms
A, B and C together, m = 3). Twiddle tables are ``uint64[n, 4]`` in the *per-stage* layout: ``tw[h + j] = ω_{2h}^j``
for each stage half-size h = 1, 2, 4, …, n/2 and 0 ≤ j < h (entry 0 unused), so each stage reads its twiddles
contiguously (arkworks ``radix2`` does the same).

Kernels
-------
``ntt_batch_inplace(x, tw, log_n, n_chunks)``
    Decimation in time: bit-reversal permutation, then log_n butterfly stages. With the table of ω this is the
    forward transform X_k = Σ_j x_j ω^{jk}; with the table of ω^{-1} it is the unscaled inverse (scale by n^{-1}
    afterwards, or fold n^{-1} into the next scaling, as the QAP does).
``scale_batch_inplace(x, table, n_chunks)``
    x[a, i] ← x[a, i]·table[i]: coset shifts (powers of g) and n^{-1}, with one multiplication per element.
``powers(base, start, count) -> uint64[count, 4]``
    start·base^i for i < count (serial; used to build twiddle and coset tables once per size).
``stage_twiddles(pw, log_n) -> uint64[n, 4]``
    The per-stage layout from the plain powers pw[i] = ω^i, i < n/2.

Parallelism: each vector is cut into 2^k blocks, k = ceil(log2(n_chunks)); the first log_n − k stages stay inside a
block, so all (vector, block) jobs run in one ``prange`` region (6 jobs for A, B, C on 2 threads: an even split,
where 3 whole transforms on 2 threads would leave one idle a third of the time). The last k stages, the bit reversal
and the scalings are split into ``n_chunks`` ranges of the flattened (vector, butterfly) index. So a transform costs
k + 2 parallel regions, not log_n + 1: each region is a thread wake-up and a barrier, which on a loaded 2-core
machine costs more than the butterflies at n ≤ 2^14. ``n_chunks = 1`` runs serially, outside any parallel region.

References
----------
Cooley, Tukey, "An algorithm for the machine calculation of complex Fourier series", Math. Comp. 1965;
arkworks ``poly/src/domain/radix2/fft.rs`` (per-stage twiddles); snarkjs 0.7.6 ``src/groth16_prove.js``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from accel.field import fr_add, fr_mul, fr_sub


@njit(cache=True)
def _bit_reverse(i, log_n):
    r = 0
    for _ in range(log_n):
        r = (r << 1) | (i & 1)
        i >>= 1
    return r


@njit(cache=True)
def _bit_reverse_range(x, log_n, start, end):
    # swap pairs (i, rev(i)) for flattened (vector, index) positions t in [start, end); each pair has one owner (i < j)
    n = x.shape[1]
    for t in range(start, end):
        a = t >> log_n
        i = t & (n - 1)
        j = _bit_reverse(i, log_n)
        if i < j:
            for k in range(4):
                tmp = x[a, i, k]
                x[a, i, k] = x[a, j, k]
                x[a, j, k] = tmp


@njit(cache=True)
def _stage_range(x, tw, log_n, log_h, start, end):
    # One DIT stage with half-size h = 2^log_h for flattened butterflies t in [start, end) (t = vector·n/2 + b):
    # pairs (i0, i0 + h) inside blocks of 2h, twiddle ω_{2h}^j = tw[h + j].
    h = 1 << log_h
    half = 1 << (log_n - 1)
    for t in range(start, end):
        a = t >> (log_n - 1)
        b = t & (half - 1)
        j = b & (h - 1)
        i0 = ((b >> log_h) << (log_h + 1)) + j
        i1 = i0 + h
        u0, u1, u2, u3 = x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3]
        if j == 0:
            v0, v1, v2, v3 = x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3]
        else:
            v0, v1, v2, v3 = fr_mul(
                x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3],
                tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3],
            )  # fmt: skip
        x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
        x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3] = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)


@njit(cache=True)
def _local_job(x, tw, a, base, log_b):
    # all stages h < 2^log_b of the block x[a, base : base + 2^log_b] (they never leave it)
    half_b = (1 << log_b) >> 1  # butterflies per stage (0 for single-element blocks; never a negative shift)
    for log_h in range(log_b):
        h = 1 << log_h
        for b in range(half_b):
            j = b & (h - 1)
            i0 = base + ((b >> log_h) << (log_h + 1)) + j
            i1 = i0 + h
            u0, u1, u2, u3 = x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3]
            if j == 0:
                v0, v1, v2, v3 = x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3]
            else:
                v0, v1, v2, v3 = fr_mul(
                    x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3],
                    tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3],
                )  # fmt: skip
            x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
            x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3] = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)


@njit(cache=True)
def _scale_range(x, table, start, end):
    n = x.shape[1]
    for t in range(start, end):
        a = t // n
        i = t - a * n
        x[a, i, 0], x[a, i, 1], x[a, i, 2], x[a, i, 3] = fr_mul(
            x[a, i, 0], x[a, i, 1], x[a, i, 2], x[a, i, 3],
            table[i, 0], table[i, 1], table[i, 2], table[i, 3],
        )  # fmt: skip


# Parallel drivers: n_chunks contiguous ranges (or jobs) under prange. The serial path (n_chunks = 1) calls the range
# kernels directly, outside any parallel region: a region with one chunk still wakes the pool, and with OpenMP's
# spin-waiting that cost ~15 ms of CPU per 2^12 transform on a loaded machine, 10× the butterflies.


@njit(cache=True, parallel=True)
def _bit_reverse_parallel(x, log_n, n_chunks):
    total = x.shape[0] * x.shape[1]
    for c in prange(n_chunks):
        _bit_reverse_range(x, log_n, c * total // n_chunks, (c + 1) * total // n_chunks)


@njit(cache=True, parallel=True)
def _stage_parallel(x, tw, log_n, log_h, n_chunks):
    total = x.shape[0] * (x.shape[1] >> 1)
    for c in prange(n_chunks):
        _stage_range(x, tw, log_n, log_h, c * total // n_chunks, (c + 1) * total // n_chunks)


@njit(cache=True, parallel=True)
def _local_stages_parallel(x, tw, log_n, log_blocks):
    # The first log_n − log_blocks stages never cross blocks of n / 2^log_blocks elements, so each (vector, block)
    # is an independent job: one parallel region for all of them instead of one per stage. Under load each region
    # costs a thread wake-up and a barrier (~25 ms per region measured with 10 runnable threads on 2 cores), more
    # than the arithmetic at n ≤ 2^14; each job's data also stays in cache.
    n_blocks = 1 << log_blocks
    log_b = log_n - log_blocks
    for job in prange(x.shape[0] * n_blocks):
        _local_job(x, tw, job >> log_blocks, (job & (n_blocks - 1)) << log_b, log_b)


@njit(cache=True, parallel=True)
def _scale_parallel(x, table, n_chunks):
    total = x.shape[0] * x.shape[1]
    for c in prange(n_chunks):
        _scale_range(x, table, c * total // n_chunks, (c + 1) * total // n_chunks)


@njit(cache=True)
def ntt_batch_inplace(x, tw, log_n, n_chunks):
    """Transform each row of ``x`` (``uint64[m, n, 4]``, Montgomery) in place with the per-stage table ``tw``.

    Parameters
    ----------
    x : uint64[m, n, 4]
        m vectors of n = 2^log_n Fr elements, Montgomery form, natural order in and out.
    tw : uint64[n, 4]
        Per-stage twiddles of ω (forward) or ω^{-1} (inverse, unscaled), Montgomery form.
    log_n : int
        log2 of n.
    n_chunks : int
        Ranges each stage is split into under ``prange``; 1 runs serially with no parallel region at all.
    """
    if log_n == 0:
        return
    m = x.shape[0]
    if n_chunks <= 1:
        _bit_reverse_range(x, log_n, 0, m << log_n)
        for a in range(m):
            _local_job(x, tw, a, 0, log_n)
        return
    _bit_reverse_parallel(x, log_n, n_chunks)
    # split each vector into 2^k blocks so that there are at least n_chunks jobs (k = 1 for 2 threads): the first
    # log_n − k stages run block-locally in one region, the last k stages one region each
    log_blocks = 0
    while (1 << log_blocks) < n_chunks and log_blocks < log_n:
        log_blocks += 1
    _local_stages_parallel(x, tw, log_n, log_blocks)
    for log_h in range(log_n - log_blocks, log_n):
        _stage_parallel(x, tw, log_n, log_h, n_chunks)


@njit(cache=True)
def scale_batch_inplace(x, table, n_chunks):
    """x[a, i] ← x[a, i]·table[i] for ``x`` ``uint64[m, n, 4]`` and ``table`` ``uint64[n, 4]`` (Montgomery)."""
    if n_chunks <= 1:
        _scale_range(x, table, 0, x.shape[0] * x.shape[1])
    else:
        _scale_parallel(x, table, n_chunks)


@njit(cache=True)
def powers(base, start, count):
    """``uint64[count, 4]`` with entry i = start·base^i (``base``, ``start``: ``uint64[4]`` Montgomery)."""
    out = np.empty((count, 4), dtype=np.uint64)
    c0, c1, c2, c3 = start[0], start[1], start[2], start[3]
    for i in range(count):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = c0, c1, c2, c3
        c0, c1, c2, c3 = fr_mul(c0, c1, c2, c3, base[0], base[1], base[2], base[3])
    return out


@njit(cache=True)
def stage_twiddles(pw, log_n):
    """Per-stage table ``uint64[n, 4]`` (``tw[h + j] = ω_{2h}^j``) from ``pw[i] = ω^i``, i < n/2."""
    n = 1 << log_n
    tw = np.zeros((n, 4), dtype=np.uint64)
    for log_h in range(log_n):
        h = 1 << log_h
        stride = n >> (log_h + 1)
        for j in range(h):
            for k in range(4):
                tw[h + j, k] = pw[j * stride, k]
    return tw

"""Radix-2 NTTs over Fr on ``uint64[m, n, 4]`` Montgomery limbs, in place, with no bit-reversal pass where it can go.

Forms
-----
Every array here holds Fr elements as 4 little-endian 64-bit limbs in Montgomery form (a·2^256 mod r), canonical,
C-contiguous. A batch ``x`` is ``uint64[m, n, 4]``: m independent vectors of length n = 2^log_n (the QAP transforms
A, B and C together, m = 3). Twiddle tables are ``uint64[n, 4]`` in the *per-stage* layout: ``tw[h + j] = ω_{2h}^j``
for each stage half-size h = 1, 2, 4, …, n/2 and 0 ≤ j < h (entry 0 unused), so each stage reads its twiddles
contiguously (arkworks ``radix2`` does the same).

Two butterflies, one table
--------------------------
- **DIT** (Cooley–Tukey) stages h = 1, 2, …, n/2: (u, v) ↦ (u + w·v, u − w·v). Bit-reversed input → natural output.
- **DIF** (Gentleman–Sande) stages h = n/2, …, 2, 1: (u, v) ↦ (u + v, (u − v)·w). Natural input → bit-reversed
  output.
With the table of ω both compute X_k = Σ_j x_j ω^{jk} (up to the order); with the table of ω^{-1} the unscaled
inverse. So "inverse, scale, forward" — the QAP's move from evaluations on ⟨ω⟩ to evaluations on a coset — is DIF
with ω^{-1}, a scaling by a table stored in bit-reversed order, then DIT with ω: **no bit-reversal pass at all**.

Parallelism: each vector is cut into 2^k blocks (2^k ≥ the thread count). DIF's first k stages and DIT's last k
stages cross blocks and run one parallel region each over (vector, butterfly) ranges; everything in between —
DIF's remaining stages, the scaling, DIT's first stages — stays inside one block and runs as one job per (vector,
block) in a single parallel region, so each block is read from memory once for all of it (a 2^15-element block of
one vector is 1 MiB). On 2 threads that is 3 parallel regions per coset move instead of one per stage.

Kernels
-------
``dit_batch_inplace(x, tw, log_n, n_chunks)`` / ``dif_batch_inplace(x, tw, log_n, n_chunks)``
    All stages of each row of ``x`` (bit-reversed ↔ natural order as above); 1 chunk = serial, no parallel region.
``coset_move_batch_inplace(x, tw_inv, scale_br, tw, log_n, log_blocks)``
    DIF(ω^-1), ×scale_br, DIT(ω) on each row: evaluations on ⟨ω⟩ → evaluations on g·⟨ω⟩ when
    scale_br[j] = n^{-1}·g^{rev(j)} (``coset_scale_br``).
``bit_reverse_batch_inplace(x, log_n, n_chunks)``, ``scale_batch_inplace(x, table, n_chunks)``
    The permutation (for the plain transforms of ``EvaluationDomain``) and x[a, i] ← x[a, i]·table[i].
``powers(base, start, count)``, ``stage_twiddles(pw, log_n)``, ``bit_reversed(table, log_n)``
    Table building (serial; once per size).

The stage kernels here are also the QAP's (``kernels.qap``), which fuses the C = A∘B product into DIF's first stage
and the A·B − C join into DIT's last.

References
----------
Cooley, Tukey, Math. Comp. 1965 (DIT); Gentleman, Sande, "Fast Fourier transforms: for fun and profit", AFIPS 1966
(DIF); arkworks ``poly/src/domain/radix2/fft.rs`` (per-stage twiddles, DIF followed by DIT for coset moves);
snarkjs 0.7.6 ``src/groth16_prove.js``.
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
def _pair(b, log_h):
    # butterfly b of a stage with half-size h = 2^log_h: (i0, i0 + h) inside blocks of 2h, twiddle index j
    j = b & ((1 << log_h) - 1)
    return ((b >> log_h) << (log_h + 1)) + j, j


@njit(cache=True)
def dit_butterfly(x, a, i0, i1, w0, w1, w2, w3, j):
    """x[a, i0], x[a, i1] ← u + w·v, u − w·v (j = 0: w = 1, no multiplication)."""
    u0, u1, u2, u3 = x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3]
    if j == 0:
        v0, v1, v2, v3 = x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3]
    else:
        v0, v1, v2, v3 = fr_mul(x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3], w0, w1, w2, w3)
    x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
    x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3] = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)


@njit(cache=True)
def dif_butterfly(x, a, i0, i1, w0, w1, w2, w3, j):
    """x[a, i0], x[a, i1] ← u + v, (u − v)·w (j = 0: w = 1)."""
    u0, u1, u2, u3 = x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3]
    v0, v1, v2, v3 = x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3]
    x[a, i0, 0], x[a, i0, 1], x[a, i0, 2], x[a, i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
    d0, d1, d2, d3 = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)
    if j != 0:
        d0, d1, d2, d3 = fr_mul(d0, d1, d2, d3, w0, w1, w2, w3)
    x[a, i1, 0], x[a, i1, 1], x[a, i1, 2], x[a, i1, 3] = d0, d1, d2, d3


@njit(cache=True)
def dit_stage_range(x, tw, log_n, log_h, start, end):
    """One DIT stage (half-size 2^log_h) for the flattened butterflies t in [start, end), t = vector·n/2 + b."""
    h = 1 << log_h
    half = 1 << (log_n - 1)
    for t in range(start, end):
        a = t >> (log_n - 1)
        i0, j = _pair(t & (half - 1), log_h)
        dit_butterfly(x, a, i0, i0 + h, tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3], j)


@njit(cache=True)
def dif_stage_range(x, tw, log_n, log_h, start, end):
    """One DIF stage (half-size 2^log_h) for the flattened butterflies t in [start, end)."""
    h = 1 << log_h
    half = 1 << (log_n - 1)
    for t in range(start, end):
        a = t >> (log_n - 1)
        i0, j = _pair(t & (half - 1), log_h)
        dif_butterfly(x, a, i0, i0 + h, tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3], j)


@njit(cache=True)
def dit_local(x, tw, a, base, log_b):
    """DIT stages h = 1 … 2^(log_b − 1) of the block x[a, base : base + 2^log_b] (they never leave it)."""
    half_b = (1 << log_b) >> 1
    for log_h in range(log_b):
        h = 1 << log_h
        for b in range(half_b):
            i0, j = _pair(b, log_h)
            dit_butterfly(x, a, base + i0, base + i0 + h, tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3], j)


@njit(cache=True)
def dif_local(x, tw, a, base, log_b):
    """DIF stages h = 2^(log_b − 1) … 1 of the block x[a, base : base + 2^log_b]."""
    half_b = (1 << log_b) >> 1
    for log_h in range(log_b - 1, -1, -1):
        h = 1 << log_h
        for b in range(half_b):
            i0, j = _pair(b, log_h)
            dif_butterfly(x, a, base + i0, base + i0 + h, tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3], j)


@njit(cache=True)
def scale_block(x, table, a, base, size):
    """x[a, base + i] ← x[a, base + i]·table[base + i] for i < size."""
    for i in range(base, base + size):
        x[a, i, 0], x[a, i, 1], x[a, i, 2], x[a, i, 3] = fr_mul(
            x[a, i, 0], x[a, i, 1], x[a, i, 2], x[a, i, 3], table[i, 0], table[i, 1], table[i, 2], table[i, 3]
        )


@njit(cache=True)
def move_block(x, tw_inv, scale_br, tw, a, base, log_b):
    """The block-local middle of a coset move: DIF(ω^-1) stages below the block size, ×scale_br, DIT(ω) stages."""
    dif_local(x, tw_inv, a, base, log_b)
    scale_block(x, scale_br, a, base, 1 << log_b)
    dit_local(x, tw, a, base, log_b)


# --- parallel drivers: n_chunks contiguous ranges (or jobs) under prange --------------------------------------------
# The serial path (n_chunks = 1) calls the range kernels directly, outside any parallel region: a region with one
# chunk still wakes the pool, and with OpenMP's spin-waiting that costs ~15 ms of CPU per 2^12 transform on a loaded
# machine, 10× the butterflies.


@njit(cache=True, parallel=True)
def _bit_reverse_parallel(x, log_n, n_chunks):
    total = x.shape[0] * x.shape[1]
    for c in prange(n_chunks):
        _bit_reverse_range(x, log_n, c * total // n_chunks, (c + 1) * total // n_chunks)


@njit(cache=True, parallel=True)
def _dit_stage_parallel(x, tw, log_n, log_h, n_chunks):
    total = x.shape[0] * (x.shape[1] >> 1)
    for c in prange(n_chunks):
        dit_stage_range(x, tw, log_n, log_h, c * total // n_chunks, (c + 1) * total // n_chunks)


@njit(cache=True, parallel=True)
def _dif_stage_parallel(x, tw, log_n, log_h, n_chunks):
    total = x.shape[0] * (x.shape[1] >> 1)
    for c in prange(n_chunks):
        dif_stage_range(x, tw, log_n, log_h, c * total // n_chunks, (c + 1) * total // n_chunks)


@njit(cache=True, parallel=True)
def _local_parallel(x, tw, log_n, log_blocks, dif):
    n_blocks = 1 << log_blocks
    log_b = log_n - log_blocks
    for job in prange(x.shape[0] * n_blocks):
        a, base = job >> log_blocks, (job & (n_blocks - 1)) << log_b
        if dif:
            dif_local(x, tw, a, base, log_b)
        else:
            dit_local(x, tw, a, base, log_b)


@njit(cache=True, parallel=True)
def _move_parallel(x, tw_inv, scale_br, tw, log_n, log_blocks):
    n_blocks = 1 << log_blocks
    log_b = log_n - log_blocks
    for job in prange(x.shape[0] * n_blocks):
        move_block(x, tw_inv, scale_br, tw, job >> log_blocks, (job & (n_blocks - 1)) << log_b, log_b)


@njit(cache=True, parallel=True)
def _scale_parallel(x, table, n_chunks):
    n = x.shape[1]
    total = x.shape[0] * n
    for c in prange(n_chunks):
        for t in range(c * total // n_chunks, (c + 1) * total // n_chunks):
            scale_block(x, table, t // n, t % n, 1)


@njit(cache=True)
def log_blocks_for(n_chunks, log_n):
    """k with 2^k ≥ n_chunks (and k ≤ log_n): how many stages cross blocks when n_chunks threads share a transform."""
    k = 0
    while (1 << k) < n_chunks and k < log_n:
        k += 1
    return k


@njit(cache=True)
def dit_batch_inplace(x, tw, log_n, n_chunks):
    """All DIT stages on each row of ``x``: bit-reversed order in, natural order out (see module docstring)."""
    if log_n == 0:
        return
    if n_chunks <= 1:
        for a in range(x.shape[0]):
            dit_local(x, tw, a, 0, log_n)
        return
    k = log_blocks_for(n_chunks, log_n)
    _local_parallel(x, tw, log_n, k, False)
    for log_h in range(log_n - k, log_n):
        _dit_stage_parallel(x, tw, log_n, log_h, n_chunks)


@njit(cache=True)
def dif_batch_inplace(x, tw, log_n, n_chunks):
    """All DIF stages on each row of ``x``: natural order in, bit-reversed order out."""
    if log_n == 0:
        return
    if n_chunks <= 1:
        for a in range(x.shape[0]):
            dif_local(x, tw, a, 0, log_n)
        return
    k = log_blocks_for(n_chunks, log_n)
    for log_h in range(log_n - 1, log_n - k - 1, -1):
        _dif_stage_parallel(x, tw, log_n, log_h, n_chunks)
    _local_parallel(x, tw, log_n, k, True)


@njit(cache=True)
def coset_move_batch_inplace(x, tw_inv, scale_br, tw, log_n, n_chunks):
    """Each row: evaluations on ⟨ω⟩ → evaluations on g·⟨ω⟩ (DIF(ω^-1), ×scale_br, DIT(ω)); natural order in and out."""
    if log_n == 0:
        for a in range(x.shape[0]):
            scale_block(x, scale_br, a, 0, 1)
        return
    if n_chunks <= 1:
        for a in range(x.shape[0]):
            move_block(x, tw_inv, scale_br, tw, a, 0, log_n)
        return
    k = log_blocks_for(n_chunks, log_n)
    for log_h in range(log_n - 1, log_n - k - 1, -1):
        _dif_stage_parallel(x, tw_inv, log_n, log_h, n_chunks)
    _move_parallel(x, tw_inv, scale_br, tw, log_n, k)
    for log_h in range(log_n - k, log_n):
        _dit_stage_parallel(x, tw, log_n, log_h, n_chunks)


@njit(cache=True)
def bit_reverse_batch_inplace(x, log_n, n_chunks):
    """Permute each row of ``x`` into bit-reversed order (an involution)."""
    if n_chunks <= 1:
        _bit_reverse_range(x, log_n, 0, x.shape[0] << log_n)
    else:
        _bit_reverse_parallel(x, log_n, n_chunks)


@njit(cache=True)
def scale_batch_inplace(x, table, n_chunks):
    """x[a, i] ← x[a, i]·table[i] for ``x`` ``uint64[m, n, 4]`` and ``table`` ``uint64[n, 4]`` (Montgomery)."""
    if n_chunks <= 1:
        for a in range(x.shape[0]):
            scale_block(x, table, a, 0, x.shape[1])
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


@njit(cache=True)
def bit_reversed(table, log_n):
    """``out[j] = table[rev(j)]`` (``uint64[n, 4]``)."""
    n = 1 << log_n
    out = np.empty((n, 4), dtype=np.uint64)
    for j in range(n):
        r = _bit_reverse(j, log_n)
        for k in range(4):
            out[j, k] = table[r, k]
    return out

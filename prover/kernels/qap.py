"""The witness map as one numba entry point: sparse A·w and B·w, three coset moves, the join — in 3 parallel regions.

Forms
-----
- Matrix entries in coordinate form: ``rows``, ``wires`` (int64[nnz]) and ``vals_r2`` (``uint64[nnz, 4]``): each
  coefficient c as c·2^512 mod r ("Montgomery twice", as snarkjs stores it in a .zkey's section 4), so the Montgomery
  product with a **normal-form** witness value w is c·w in Montgomery form: no conversion of the witness, none of
  the coefficients when they come from a .zkey.
- Witness ``w``: ``uint64[n_wires, 4]`` normal form. Result ``h``: ``uint64[n, 4]`` normal form (MSM scalars).

Kernel::

    witness_map(rows_a, wires_a, vals_a, rows_b, wires_b, vals_b, w, n_constraints, n_public,
                tw_inv, scale_br, tw, log_n, n_threads) -> h

Steps (snarkjs 0.7.6 ``groth16_prove.js``: ``buildABC1``, ``ifft``/``fft`` with ``inc``, ``joinABC``)
-------------------------------------------------------------------------------------------------------
1. A·w and B·w per row, skipping zero witness values (witnesses are mostly 0/1); with 2 threads A and B run on one
   thread each. The input rows A[n_constraints + s] = w_s (s ≤ n_public) are set directly.
2. Each of A, B, C is moved from evaluations on ⟨ω⟩ to evaluations on the coset g·⟨ω⟩ (``kernels.ntt``: DIF with
   ω^-1, ×n^-1·g^rev(j), DIT with ω; no bit reversal). C = A∘B is formed inside DIF's first stage from the A and B
   values it already loads, and A·B − C is formed inside DIT's last stage: C never exists on ⟨ω⟩ as a separate pass
   and A, B, C on the coset are never written back. On 2 threads: the first DIF stage, the block-local middle, the
   last DIT stage — 3 parallel regions. With 1 thread everything runs serially (no parallel region).

References
----------
snarkjs 0.7.6 ``src/groth16_prove.js``; ``kernels.ntt`` (the stage kernels and why DIF then DIT).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from accel.field import fr_add, fr_from_mont, fr_mul, fr_sub, fr_to_mont
from prover.kernels.ntt import (
    _dif_stage_parallel,
    _dit_stage_parallel,
    _move_parallel,
    log_blocks_for,
    move_block,
)

_U0 = np.uint64(0)


@njit(cache=True)
def sparse_rows_r2(rows, wires, vals_r2, w, out):
    """out[rows[k]] += vals_r2[k]·w[wires[k]] (Montgomery product: c·w·2^256), skipping w = 0; serial."""
    for k in range(rows.shape[0]):
        s = wires[k]
        if (w[s, 0] | w[s, 1] | w[s, 2] | w[s, 3]) == _U0:
            continue
        i = rows[k]
        p0, p1, p2, p3 = fr_mul(
            vals_r2[k, 0], vals_r2[k, 1], vals_r2[k, 2], vals_r2[k, 3], w[s, 0], w[s, 1], w[s, 2], w[s, 3]
        )
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_add(out[i, 0], out[i, 1], out[i, 2], out[i, 3], p0, p1, p2, p3)


@njit(cache=True, parallel=True)
def _ab_parallel(rows_a, wires_a, vals_a, rows_b, wires_b, vals_b, w, abc):
    for t in prange(2):
        if t == 0:
            sparse_rows_r2(rows_a, wires_a, vals_a, w, abc[0])
        else:
            sparse_rows_r2(rows_b, wires_b, vals_b, w, abc[1])


@njit(cache=True)
def _first_dif_with_c(abc, tw_inv, log_n, start, end):
    # DIF's first stage (h = n/2) on A, B and C for butterflies [start, end), C = A∘B taken from A and B as loaded
    h = 1 << (log_n - 1)
    for i0 in range(start, end):
        i1 = i0 + h
        a00, a01, a02, a03 = abc[0, i0, 0], abc[0, i0, 1], abc[0, i0, 2], abc[0, i0, 3]
        a10, a11, a12, a13 = abc[0, i1, 0], abc[0, i1, 1], abc[0, i1, 2], abc[0, i1, 3]
        b00, b01, b02, b03 = abc[1, i0, 0], abc[1, i0, 1], abc[1, i0, 2], abc[1, i0, 3]
        b10, b11, b12, b13 = abc[1, i1, 0], abc[1, i1, 1], abc[1, i1, 2], abc[1, i1, 3]
        abc[2, i0, 0], abc[2, i0, 1], abc[2, i0, 2], abc[2, i0, 3] = fr_mul(a00, a01, a02, a03, b00, b01, b02, b03)
        abc[2, i1, 0], abc[2, i1, 1], abc[2, i1, 2], abc[2, i1, 3] = fr_mul(a10, a11, a12, a13, b10, b11, b12, b13)
        w0, w1, w2, w3 = tw_inv[h + i0, 0], tw_inv[h + i0, 1], tw_inv[h + i0, 2], tw_inv[h + i0, 3]
        for a in range(3):
            u0, u1, u2, u3 = abc[a, i0, 0], abc[a, i0, 1], abc[a, i0, 2], abc[a, i0, 3]
            v0, v1, v2, v3 = abc[a, i1, 0], abc[a, i1, 1], abc[a, i1, 2], abc[a, i1, 3]
            abc[a, i0, 0], abc[a, i0, 1], abc[a, i0, 2], abc[a, i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
            d0, d1, d2, d3 = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)
            if i0 != 0:
                d0, d1, d2, d3 = fr_mul(d0, d1, d2, d3, w0, w1, w2, w3)
            abc[a, i1, 0], abc[a, i1, 1], abc[a, i1, 2], abc[a, i1, 3] = d0, d1, d2, d3


@njit(cache=True)
def _dit_pair(abc, a, i0, i1, w0, w1, w2, w3, j):
    # one DIT butterfly of vector a, returned instead of stored: (u + w·v, u − w·v)
    u0, u1, u2, u3 = abc[a, i0, 0], abc[a, i0, 1], abc[a, i0, 2], abc[a, i0, 3]
    v0, v1, v2, v3 = abc[a, i1, 0], abc[a, i1, 1], abc[a, i1, 2], abc[a, i1, 3]
    if j != 0:
        v0, v1, v2, v3 = fr_mul(v0, v1, v2, v3, w0, w1, w2, w3)
    return fr_add(u0, u1, u2, u3, v0, v1, v2, v3), fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)


@njit(cache=True)
def _join_store(a, b, c, out, i):
    # out[i] = a·b − c, Montgomery in → normal form out (the MSM takes plain scalars)
    t0, t1, t2, t3 = fr_mul(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
    t0, t1, t2, t3 = fr_sub(t0, t1, t2, t3, c[0], c[1], c[2], c[3])
    out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_from_mont(t0, t1, t2, t3)


@njit(cache=True)
def _last_dit_join(abc, tw, log_n, out, start, end):
    # DIT's last stage (h = n/2) on A, B, C for butterflies [start, end), then A·B − C → normal form into out
    h = 1 << (log_n - 1)
    for i0 in range(start, end):
        i1 = i0 + h
        w0, w1, w2, w3 = tw[h + i0, 0], tw[h + i0, 1], tw[h + i0, 2], tw[h + i0, 3]
        a_lo, a_hi = _dit_pair(abc, 0, i0, i1, w0, w1, w2, w3, i0)
        b_lo, b_hi = _dit_pair(abc, 1, i0, i1, w0, w1, w2, w3, i0)
        c_lo, c_hi = _dit_pair(abc, 2, i0, i1, w0, w1, w2, w3, i0)
        _join_store(a_lo, b_lo, c_lo, out, i0)
        _join_store(a_hi, b_hi, c_hi, out, i1)


@njit(cache=True, parallel=True)
def _first_dif_parallel(abc, tw_inv, log_n, n_chunks):
    half = 1 << (log_n - 1)
    for c in prange(n_chunks):
        _first_dif_with_c(abc, tw_inv, log_n, c * half // n_chunks, (c + 1) * half // n_chunks)


@njit(cache=True, parallel=True)
def _last_dit_parallel(abc, tw, log_n, out, n_chunks):
    half = 1 << (log_n - 1)
    for c in prange(n_chunks):
        _last_dit_join(abc, tw, log_n, out, c * half // n_chunks, (c + 1) * half // n_chunks)


@njit(cache=True)
def witness_map(rows_a, wires_a, vals_a, rows_b, wires_b, vals_b, w, n_constraints, n_public, tw_inv, scale_br, tw,
                log_n, n_threads):  # fmt: skip
    """The H-MSM scalars (A·B − C on the coset), normal form ``uint64[2^log_n, 4]``; see the module docstring.

    ``tw_inv``, ``tw``: per-stage twiddles of ω^-1 and ω; ``scale_br``: n^-1·g^rev(j) (``kernels.ntt``);
    ``n_threads``: 1 runs serially with no parallel region. Indices must be in range (the caller checks).
    """
    n = 1 << log_n
    abc = np.zeros((3, n, 4), dtype=np.uint64)
    if n_threads > 1:
        _ab_parallel(rows_a, wires_a, vals_a, rows_b, wires_b, vals_b, w, abc)
    else:
        sparse_rows_r2(rows_a, wires_a, vals_a, w, abc[0])
        sparse_rows_r2(rows_b, wires_b, vals_b, w, abc[1])
    for s in range(n_public + 1):
        r = n_constraints + s
        abc[0, r, 0], abc[0, r, 1], abc[0, r, 2], abc[0, r, 3] = fr_to_mont(w[s, 0], w[s, 1], w[s, 2], w[s, 3])
    out = np.empty((n, 4), dtype=np.uint64)
    if n_threads <= 1:
        for i in range(n):
            abc[2, i, 0], abc[2, i, 1], abc[2, i, 2], abc[2, i, 3] = fr_mul(
                abc[0, i, 0], abc[0, i, 1], abc[0, i, 2], abc[0, i, 3],
                abc[1, i, 0], abc[1, i, 1], abc[1, i, 2], abc[1, i, 3],
            )  # fmt: skip
        for a in range(3):
            move_block(abc, tw_inv, scale_br, tw, a, 0, log_n)
        for i in range(n):
            _join_store(
                (abc[0, i, 0], abc[0, i, 1], abc[0, i, 2], abc[0, i, 3]),
                (abc[1, i, 0], abc[1, i, 1], abc[1, i, 2], abc[1, i, 3]),
                (abc[2, i, 0], abc[2, i, 1], abc[2, i, 2], abc[2, i, 3]),
                out,
                i,
            )
        return out
    k = log_blocks_for(n_threads, log_n)
    _first_dif_parallel(abc, tw_inv, log_n, n_threads)
    for log_h in range(log_n - 2, log_n - k - 1, -1):
        _dif_stage_parallel(abc, tw_inv, log_n, log_h, n_threads)
    _move_parallel(abc, tw_inv, scale_br, tw, log_n, k)
    for log_h in range(log_n - k, log_n - 1):
        _dit_stage_parallel(abc, tw, log_n, log_h, n_threads)
    _last_dit_parallel(abc, tw, log_n, out, n_threads)
    return out


@njit(cache=True)
def first_unequal_row(rows_a, wires_a, vals_a, rows_b, wires_b, vals_b, rows_c, wires_c, vals_c, w, n_rows):
    """The smallest row k < n_rows with (A·w)_k·(B·w)_k ≠ (C·w)_k (values in R² form, w normal), or −1."""
    ab = np.zeros((2, max(n_rows, 1), 4), dtype=np.uint64)
    c = np.zeros((max(n_rows, 1), 4), dtype=np.uint64)
    sparse_rows_r2(rows_a, wires_a, vals_a, w, ab[0])
    sparse_rows_r2(rows_b, wires_b, vals_b, w, ab[1])
    sparse_rows_r2(rows_c, wires_c, vals_c, w, c)
    for k in range(n_rows):
        p0, p1, p2, p3 = fr_mul(ab[0, k, 0], ab[0, k, 1], ab[0, k, 2], ab[0, k, 3],
                                ab[1, k, 0], ab[1, k, 1], ab[1, k, 2], ab[1, k, 3])  # fmt: skip
        if p0 != c[k, 0] or p1 != c[k, 1] or p2 != c[k, 2] or p3 != c[k, 3]:
            return k
    return -1


@njit(cache=True)
def to_r2(vals):
    """Normal-form coefficients → c·2^512 mod r (``uint64[nnz, 4]``), the form ``witness_map`` takes."""
    out = np.empty_like(vals)
    for k in range(vals.shape[0]):
        t0, t1, t2, t3 = fr_to_mont(vals[k, 0], vals[k, 1], vals[k, 2], vals[k, 3])
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = fr_to_mont(t0, t1, t2, t3)
    return out

"""Many short sums Σ coef·P over a few fixed points, sharing per-point odd-multiple tables (the phase-2 setup's core).

Each output is a sparse sum of a few points with coefficients that are mostly ±1 or one of a few hundred distinct
constants. Per point a table of odd multiples P, 3P, …, (2^(w−1) − 1)·P is built once (affine, one shared inversion
per block of rows) and shared by every entry that uses the point; each distinct coefficient is written once in
width-w NAF; each output runs one doubling chain of its longest NAF with one mixed add per non-zero digit (Straus
interleaving). Written once for G1 and G2 (``fe``: the array shape selects the group).

Kernels::

    wnaf(mags uint64[n, 4], w, n_bits) -> (int8[n, n_bits] digits, int64[n] top)
        width-w NAF of each magnitude (< 2^255): odd digits, |d| < 2^(w−1), at most one non-zero in any w
        consecutive positions; top = the highest non-zero position (−1 for 0)
    odd_multiples(points, offs int64[m + 1], n_threads) -> affine table
        (2j + 1)·P_i for j < offs[i+1] − offs[i], stored at offs[i] + j (a row with one slot holds P_i itself)
    sparse_sums(table, offs, ptr, base, val, digits, top) -> Jacobian uint64[n_out, 3, ...]
        out[o] = Σ_{e ∈ [ptr[o], ptr[o+1])} value(val[e])·P_{base[e]}, with ``digits[v]`` value v's signed NAF

References
----------
Möller, "Algorithms for multi-exponentiation", SAC 2001 (interleaved width-w NAF); snarkjs 0.7.6 ``zkey_new.js``
(the sums it computes per wire with multi-exponentiations).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.kernels.curve import (
    jac_add,
    jac_dbl,
    jac_infinity,
    jac_madd,
    jac_sub_affine,
    jac_to_affine_arr,
    load_affine,
    store_jac,
)
from prover.kernels.fe import aff_array, fe_is_zero, fe_one, jac_array, zero_of

#: Rows normalised together: bounds the Jacobian scratch (≤ 3 MiB in G1 at 32 slots a row).
TABLE_BLOCK_ROWS = 1024


@njit(cache=True)
def wnaf(mags, w, n_bits):
    """Width-w NAF digits of each magnitude and the top non-zero position (see module docstring)."""
    n = mags.shape[0]
    digits = np.zeros((n, n_bits), dtype=np.int8)
    top = np.full(n, -1, dtype=np.int64)
    mask = np.uint64((1 << w) - 1)
    half = 1 << (w - 1)
    full = 1 << w
    one = np.uint64(1)
    s63 = np.uint64(63)
    for i in range(n):
        k0, k1, k2, k3 = mags[i, 0], mags[i, 1], mags[i, 2], mags[i, 3]
        pos = 0
        while (k0 | k1 | k2 | k3) != 0:
            if k0 & one:
                d = np.int64(k0 & mask)
                if d >= half:
                    d -= full
                if d > 0:
                    k0 = k0 - np.uint64(d)  # the low w bits of k0 are d: no borrow
                else:
                    nk0 = k0 + np.uint64(-d)
                    if nk0 < k0:
                        k1 += one
                        if k1 == 0:
                            k2 += one
                            if k2 == 0:
                                k3 += one
                    k0 = nk0
                digits[i, pos] = d
                top[i] = pos
            k0 = (k0 >> one) | (k1 << s63)
            k1 = (k1 >> one) | (k2 << s63)
            k2 = (k2 >> one) | (k3 << s63)
            k3 = k3 >> one
            pos += 1
    return digits, top


@njit(cache=True, parallel=True)
def odd_multiples(points, offs, n_threads):
    """(2j + 1)·P_i at offs[i] + j for j < offs[i+1] − offs[i]: affine points → affine table (``offs[m]`` points)."""
    m = points.shape[0]
    out = aff_array(points, offs[m])
    chunk = (m + n_threads - 1) // n_threads if m else 0
    for t in prange(n_threads):
        for blo in range(t * chunk, min(m, (t + 1) * chunk), TABLE_BLOCK_ROWS):
            bhi = min(min(m, (t + 1) * chunk), blo + TABLE_BLOCK_ROWS)
            jac = jac_array(points, offs[bhi] - offs[blo])
            for i in range(blo, bhi):
                x, y = load_affine(points, i)
                b = offs[i] - offs[blo]
                k = offs[i + 1] - offs[i]
                if fe_is_zero(x) and fe_is_zero(y):
                    for j in range(k):
                        store_jac(jac, b + j, jac_infinity(x))
                    continue
                p = (x, y, fe_one(x))
                store_jac(jac, b, p)
                if k > 1:
                    p2 = jac_dbl(p)
                    acc = p
                    for j in range(1, k):
                        acc = jac_add(acc, p2)
                        store_jac(jac, b + j, acc)
            out[offs[blo] : offs[bhi]] = jac_to_affine_arr(jac)
    return out


@njit(cache=True, parallel=True)
def sparse_sums(table, offs, ptr, base, val, digits, top):
    """out[o] = Σ_{e ∈ [ptr[o], ptr[o+1])} value(val[e])·P_{base[e]} as Jacobian points.

    ``table[offs[b] + j]`` = (2j + 1)·P_b (affine); ``digits[v]`` is value v's signed NAF, ``top[v]`` its length − 1.
    """
    n_out = ptr.shape[0] - 1
    out = jac_array(table, n_out)
    for o in prange(n_out):
        lo = ptr[o]
        hi = ptr[o + 1]
        acc = jac_infinity(zero_of(table))
        max_bit = -1
        for e in range(lo, hi):
            t = top[val[e]]
            if t > max_bit:
                max_bit = t
        for bit in range(max_bit, -1, -1):
            if bit < max_bit:
                acc = jac_dbl(acc)
            for e in range(lo, hi):
                d = digits[val[e], bit]
                if d != 0:
                    if d > 0:
                        x, y = load_affine(table, offs[base[e]] + (d - 1) // 2)
                        acc = jac_madd(acc, x, y)
                    else:
                        x, y = load_affine(table, offs[base[e]] + (-d - 1) // 2)
                        acc = jac_sub_affine(acc, x, y)
        store_jac(out, o, acc)
    return out

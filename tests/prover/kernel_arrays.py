"""Array wrappers over the element kernels that only the tests need (the product calls the element functions).

Field arrays take ``f`` = 0 for Fr, 1 for Fq and map an element function of ``accel.field`` over ``uint64[n, 4]``
Montgomery limbs; curve arrays map ``prover.kernels.curve`` over Jacobian arrays of either group. Every kernel is
``@njit(cache=True)`` like the product's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accel.field import (
    fq2_inv,
    fq2_mul,
    fq_add,
    fq_inv,
    fq_mul,
    fq_neg,
    fq_one,
    fq_pow,
    fq_sqr,
    fq_sub,
    fr_add,
    fr_inv,
    fr_mul,
    fr_neg,
    fr_one,
    fr_pow,
    fr_sqr,
    fr_sub,
    limbs_is_zero,
)
from prover.kernels.curve import jac_add, jac_dbl, jac_neg, load_jac, store_jac
from prover.kernels.fe import jac_array

FR, FQ = 0, 1


@njit(cache=True)
def _bin(f, op, a0, a1, a2, a3, b0, b1, b2, b3):
    # op: 0 mul, 1 add, 2 sub, 3 pow (b is the exponent)
    if f == FR:
        if op == 0:
            return fr_mul(a0, a1, a2, a3, b0, b1, b2, b3)
        if op == 1:
            return fr_add(a0, a1, a2, a3, b0, b1, b2, b3)
        if op == 2:
            return fr_sub(a0, a1, a2, a3, b0, b1, b2, b3)
        return fr_pow(a0, a1, a2, a3, b0, b1, b2, b3)
    if op == 0:
        return fq_mul(a0, a1, a2, a3, b0, b1, b2, b3)
    if op == 1:
        return fq_add(a0, a1, a2, a3, b0, b1, b2, b3)
    if op == 2:
        return fq_sub(a0, a1, a2, a3, b0, b1, b2, b3)
    return fq_pow(a0, a1, a2, a3, b0, b1, b2, b3)


@njit(cache=True)
def _un(f, op, a0, a1, a2, a3):
    # op: 0 sqr, 1 neg, 2 inv
    if f == FR:
        if op == 0:
            return fr_sqr(a0, a1, a2, a3)
        if op == 1:
            return fr_neg(a0, a1, a2, a3)
        return fr_inv(a0, a1, a2, a3)
    if op == 0:
        return fq_sqr(a0, a1, a2, a3)
    if op == 1:
        return fq_neg(a0, a1, a2, a3)
    return fq_inv(a0, a1, a2, a3)


@njit(cache=True)
def binary_arr(f, op, a, b, broadcast_b):
    """out[i] = op(a[i], b[i]) (or b[0] for every i when ``broadcast_b``)."""
    out = np.empty((a.shape[0], 4), dtype=np.uint64)
    for i in range(a.shape[0]):
        j = 0 if broadcast_b else i
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _bin(
            f, op, a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[j, 0], b[j, 1], b[j, 2], b[j, 3]
        )
    return out


@njit(cache=True)
def unary_arr(f, op, a):
    """out[i] = op(a[i])."""
    out = np.empty((a.shape[0], 4), dtype=np.uint64)
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _un(f, op, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def batch_inv_arr(f, a):
    """All inverses with one Fermat inversion (Montgomery's trick); 0 ↦ 0."""
    n = a.shape[0]
    out = np.zeros((n, 4), dtype=np.uint64)
    prefix = np.empty((n, 4), dtype=np.uint64)
    p = fr_one() if f == FR else fq_one()
    for i in range(n):
        prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3] = p
        if not limbs_is_zero(a[i, 0], a[i, 1], a[i, 2], a[i, 3]):
            p = _bin(f, 0, p[0], p[1], p[2], p[3], a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    v = _un(f, 2, p[0], p[1], p[2], p[3])
    for i in range(n - 1, -1, -1):
        if limbs_is_zero(a[i, 0], a[i, 1], a[i, 2], a[i, 3]):
            continue
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _bin(
            f, 0, v[0], v[1], v[2], v[3], prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3]
        )
        v = _bin(f, 0, v[0], v[1], v[2], v[3], a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq2_mul_arr(a, b):
    """Elementwise Fq2 product, ``uint64[n, 2, 4]``."""
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        r = fq2_mul(
            a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3], a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3],
            b[i, 0, 0], b[i, 0, 1], b[i, 0, 2], b[i, 0, 3], b[i, 1, 0], b[i, 1, 1], b[i, 1, 2], b[i, 1, 3],
        )  # fmt: skip
        out[i, 0, 0], out[i, 0, 1], out[i, 0, 2], out[i, 0, 3] = r[0], r[1], r[2], r[3]
        out[i, 1, 0], out[i, 1, 1], out[i, 1, 2], out[i, 1, 3] = r[4], r[5], r[6], r[7]
    return out


@njit(cache=True)
def fq2_inv_arr(a):
    """Elementwise Fq2 inverse, ``uint64[n, 2, 4]``; 0 ↦ 0."""
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        r = fq2_inv(a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3], a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3])
        out[i, 0, 0], out[i, 0, 1], out[i, 0, 2], out[i, 0, 3] = r[0], r[1], r[2], r[3]
        out[i, 1, 0], out[i, 1, 1], out[i, 1, 2], out[i, 1, 3] = r[4], r[5], r[6], r[7]
    return out


@njit(cache=True)
def add_arr(p, q):
    """Elementwise P + Q on Jacobian arrays (G1 or G2)."""
    out = jac_array(p, p.shape[0])
    for i in range(p.shape[0]):
        store_jac(out, i, jac_add(load_jac(p, i), load_jac(q, i)))
    return out


@njit(cache=True)
def dbl_arr(p):
    """Elementwise 2P on a Jacobian array."""
    out = jac_array(p, p.shape[0])
    for i in range(p.shape[0]):
        store_jac(out, i, jac_dbl(load_jac(p, i)))
    return out


@njit(cache=True)
def neg_arr(p):
    """Elementwise −P on a Jacobian array."""
    out = jac_array(p, p.shape[0])
    for i in range(p.shape[0]):
        store_jac(out, i, jac_neg(load_jac(p, i)))
    return out

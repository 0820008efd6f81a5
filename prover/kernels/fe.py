"""Curve field elements as one numba type family: Fq and Fq2 behind the same names, chosen by the argument's type.

The curve code (``curve``, ``msm``, ``fixed_base``, ``prover.phase2.sparse_sums``) is written once against these
names and numba compiles it once for G1 and once for G2 (as py_ecc writes ``add`` once for FQ and FQ2, and arkworks
``msm`` once per group). Dispatch is by type at compile time (``numba.extending.overload``), so the machine code is
the same as hand-written per-group code: no run-time switch, no function pointers.

Forms
-----
- Element: Fq is a 4-tuple of uint64 (little-endian limbs, Montgomery form); Fq2 = Fq[u]/(u² + 1) is an 8-tuple
  (c0's limbs, then c1's). ``accel.field`` does the arithmetic.
- Array layout, chosen by the number of dimensions of the point array: G1 affine ``uint64[n, 2, 4]`` and Jacobian
  ``uint64[n, 3, 4]`` (``ndim == 3``); G2 affine ``uint64[n, 2, 2, 4]`` and Jacobian ``uint64[n, 3, 2, 4]``
  (``ndim == 4``). One element inside an array is a ``uint64[4]`` (G1) or ``uint64[2, 4]`` (G2) view.

Names (numba-callable only; ``e`` an element, ``v`` an element view, ``arr`` any point array of the group)::

    fe_mul(a, b)  fe_sqr(a)  fe_add(a, b)  fe_sub(a, b)  fe_dbl(a)  fe_neg(a)  fe_inv(a)  fe_is_zero(a)
    fe_mul_fq(a, k)            a·k for k an Fq 4-tuple (Fq2: both components; the GLV map φ multiplies x by β ∈ Fq)
    fe_one(e) / fe_zero(e)     1 and 0 of e's field (e only selects the type)
    fe_get(v) -> e             fe_put(v, e)
    zero_of(arr) -> e          the 0 of the group's field of a point array (for infinity and accumulators)
    fe_array(arr, n)           zeros uint64[n, 4] / uint64[n, 2, 4]: n elements of arr's field
    jac_array(arr, n)          uninitialised uint64[n, 3, 4] / uint64[n, 3, 2, 4]
    aff_array(arr, n)          zeros uint64[n, 2, 4] / uint64[n, 2, 2, 4] (all ∞)

References
----------
numba ``extending.overload`` (type-directed implementations); py_ecc ``optimized_curve`` (one ``add`` for FQ and FQ2).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from accel.field import (
    fq2_add,
    fq2_dbl,
    fq2_inv,
    fq2_mul,
    fq2_mul_fq,
    fq2_neg,
    fq2_sqr,
    fq2_sub,
    fq_add,
    fq_dbl,
    fq_inv,
    fq_mul,
    fq_neg,
    fq_one,
    fq_sqr,
    fq_sub,
)

_U0 = np.uint64(0)


def _limbs(t) -> int:
    """4 for an Fq tuple type, 8 for Fq2, 0 otherwise."""
    if isinstance(t, types.UniTuple) and t.dtype == types.uint64 and t.count in (4, 8):
        return t.count
    return 0


def _group(arr) -> int:
    """1 for a G1 point array (ndim 3), 2 for G2 (ndim 4), 0 otherwise."""
    if isinstance(arr, types.Array) and arr.ndim in (3, 4):
        return arr.ndim - 2
    return 0


# Python stubs: these names only exist for numba (the overloads below); calling them from Python is an error.


def fe_mul(a, b):
    raise NotImplementedError("numba only")


def fe_sqr(a):
    raise NotImplementedError("numba only")


def fe_add(a, b):
    raise NotImplementedError("numba only")


def fe_sub(a, b):
    raise NotImplementedError("numba only")


def fe_dbl(a):
    raise NotImplementedError("numba only")


def fe_neg(a):
    raise NotImplementedError("numba only")


def fe_inv(a):
    raise NotImplementedError("numba only")


def fe_is_zero(a):
    raise NotImplementedError("numba only")


def fe_mul_fq(a, k):
    raise NotImplementedError("numba only")


def fe_one(e):
    raise NotImplementedError("numba only")


def fe_zero(e):
    raise NotImplementedError("numba only")


def fe_get(v):
    raise NotImplementedError("numba only")


def fe_put(v, e):
    raise NotImplementedError("numba only")


def zero_of(arr):
    raise NotImplementedError("numba only")


def fe_array(arr, n):
    raise NotImplementedError("numba only")


def jac_array(arr, n):
    raise NotImplementedError("numba only")


def aff_array(arr, n):
    raise NotImplementedError("numba only")


# --- arithmetic ---------------------------------------------------------------------------------------------------


@overload(fe_mul)
def _ov_mul(a, b):
    if _limbs(a) == 4:
        return lambda a, b: fq_mul(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
    if _limbs(a) == 8:
        return lambda a, b: fq2_mul(
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
        )
    return None


@overload(fe_sqr)
def _ov_sqr(a):
    if _limbs(a) == 4:
        return lambda a: fq_sqr(a[0], a[1], a[2], a[3])
    if _limbs(a) == 8:
        return lambda a: fq2_sqr(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
    return None


@overload(fe_add)
def _ov_add(a, b):
    if _limbs(a) == 4:
        return lambda a, b: fq_add(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
    if _limbs(a) == 8:
        return lambda a, b: fq2_add(
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
        )
    return None


@overload(fe_sub)
def _ov_sub(a, b):
    if _limbs(a) == 4:
        return lambda a, b: fq_sub(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
    if _limbs(a) == 8:
        return lambda a, b: fq2_sub(
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
        )
    return None


@overload(fe_dbl)
def _ov_dbl(a):
    if _limbs(a) == 4:
        return lambda a: fq_dbl(a[0], a[1], a[2], a[3])
    if _limbs(a) == 8:
        return lambda a: fq2_dbl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
    return None


@overload(fe_neg)
def _ov_neg(a):
    if _limbs(a) == 4:
        return lambda a: fq_neg(a[0], a[1], a[2], a[3])
    if _limbs(a) == 8:
        return lambda a: fq2_neg(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
    return None


@overload(fe_inv)
def _ov_inv(a):
    if _limbs(a) == 4:
        return lambda a: fq_inv(a[0], a[1], a[2], a[3])
    if _limbs(a) == 8:
        return lambda a: fq2_inv(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
    return None


@overload(fe_is_zero)
def _ov_is_zero(a):
    if _limbs(a) == 4:
        return lambda a: (a[0] | a[1] | a[2] | a[3]) == _U0
    if _limbs(a) == 8:
        return lambda a: (a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7]) == _U0
    return None


@overload(fe_mul_fq)
def _ov_mul_fq(a, k):
    if _limbs(a) == 4:
        return lambda a, k: fq_mul(a[0], a[1], a[2], a[3], k[0], k[1], k[2], k[3])
    if _limbs(a) == 8:
        return lambda a, k: fq2_mul_fq(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], k[0], k[1], k[2], k[3])
    return None


@overload(fe_one)
def _ov_one(e):
    if _limbs(e) == 4:
        return lambda e: fq_one()
    if _limbs(e) == 8:

        def one8(e):
            o = fq_one()
            return o[0], o[1], o[2], o[3], _U0, _U0, _U0, _U0

        return one8
    return None


@overload(fe_zero)
def _ov_zero(e):
    if _limbs(e) == 4:
        return lambda e: (_U0, _U0, _U0, _U0)
    if _limbs(e) == 8:
        return lambda e: (_U0, _U0, _U0, _U0, _U0, _U0, _U0, _U0)
    return None


# --- array layout -------------------------------------------------------------------------------------------------


@overload(fe_get)
def _ov_get(v):
    if isinstance(v, types.Array) and v.ndim == 1:
        return lambda v: (v[0], v[1], v[2], v[3])
    if isinstance(v, types.Array) and v.ndim == 2:
        return lambda v: (v[0, 0], v[0, 1], v[0, 2], v[0, 3], v[1, 0], v[1, 1], v[1, 2], v[1, 3])
    return None


@overload(fe_put)
def _ov_put(v, e):
    if isinstance(v, types.Array) and v.ndim == 1 and _limbs(e) == 4:

        def put4(v, e):
            v[0], v[1], v[2], v[3] = e[0], e[1], e[2], e[3]

        return put4
    if isinstance(v, types.Array) and v.ndim == 2 and _limbs(e) == 8:

        def put8(v, e):
            v[0, 0], v[0, 1], v[0, 2], v[0, 3] = e[0], e[1], e[2], e[3]
            v[1, 0], v[1, 1], v[1, 2], v[1, 3] = e[4], e[5], e[6], e[7]

        return put8
    return None


@overload(zero_of)
def _ov_zero_of(arr):
    if _group(arr) == 1:
        return lambda arr: (_U0, _U0, _U0, _U0)
    if _group(arr) == 2:
        return lambda arr: (_U0, _U0, _U0, _U0, _U0, _U0, _U0, _U0)
    return None


@overload(fe_array)
def _ov_fe_array(arr, n):
    if _group(arr) == 1:
        return lambda arr, n: np.zeros((n, 4), dtype=np.uint64)
    if _group(arr) == 2:
        return lambda arr, n: np.zeros((n, 2, 4), dtype=np.uint64)
    return None


@overload(jac_array)
def _ov_jac_array(arr, n):
    if _group(arr) == 1:
        return lambda arr, n: np.empty((n, 3, 4), dtype=np.uint64)
    if _group(arr) == 2:
        return lambda arr, n: np.empty((n, 3, 2, 4), dtype=np.uint64)
    return None


@overload(aff_array)
def _ov_aff_array(arr, n):
    if _group(arr) == 1:
        return lambda arr, n: np.zeros((n, 2, 4), dtype=np.uint64)
    if _group(arr) == 2:
        return lambda arr, n: np.zeros((n, 2, 2, 4), dtype=np.uint64)
    return None

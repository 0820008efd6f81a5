"""BN254 G1 (y² = x³ + 3 over Fq) in Jacobian coordinates, as numba kernels (``@njit(cache=True)``).

Forms
-----
- Field element: a 4-tuple of uint64 limbs, little-endian, Montgomery form (a·2^256 mod q).
- Jacobian point (X, Y, Z) ↔ affine (X/Z², Y/Z³): a 3-tuple of field 4-tuples in kernels; ``uint64[n, 3, 4]``
  (point, X/Y/Z, limb) in arrays. **Infinity is any point with Z = 0**; kernels produce (1, 1, 0).
- Affine point: ``uint64[n, 2, 4]`` (x, y), the proving-key layout; infinity is all zeros (x = y = 0, which is not on
  the curve, so it is unambiguous).

Element-level functions (numba-callable; tuples in, tuples out)::

    g1_infinity() -> P                       g1_is_inf(P) -> bool
    g1_dbl(P) -> P                           dbl-2009-l (2M + 5S)
    g1_add(P, Q) -> P                        add-2007-bl (11M + 5S); handles ∞ and P == Q (→ dbl) and P == −Q (→ ∞)
    g1_madd(P, x, y) -> P                    P + (x, y) affine, madd-2007-bl (7M + 4S); (0, 0) is ∞; handles P == ±Q
    g1_neg(P) -> P                           g1_sub_affine(P, x, y) -> P  (P − (x, y))
    g1_mul(P, k0, k1, k2, k3) -> P           k·P, k as normal-form limbs (any 256-bit value), double-and-add
    g1_load_affine(arr, i) -> (x, y)         g1_load_jac(arr, i) -> P      g1_store_jac(arr, i, P)

Array kernels::

    g1_jac_to_affine_arr(jac uint64[n, 3, 4]) -> uint64[n, 2, 4]   one shared inversion (Montgomery's trick); ∞ → 0
    g1_affine_to_jac_arr(aff uint64[n, 2, 4]) -> uint64[n, 3, 4]   zeros → (1, 1, 0)
    g1_add_arr(P, Q) / g1_dbl_arr(P) / g1_madd_arr(P, aff) / g1_neg_arr(P)   elementwise on Jacobian arrays
    g1_mul_arr(aff uint64[n, 2, 4], scalars uint64[n, 4] normal form) -> Jacobian uint64[n, 3, 4]

References
----------
Explicit-Formulas Database, "Jacobian coordinates with a4 = 0" (https://hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-0.html):
dbl-2009-l, add-2007-bl, madd-2007-bl.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accel.field import (
    fq_add,
    fq_dbl,
    fq_inv,
    fq_is_zero,
    fq_mul,
    fq_neg,
    fq_one,
    fq_sqr,
    fq_sub,
)

_U0 = np.uint64(0)
_U1 = np.uint64(1)

# --- field helpers on 4-tuples (the formula code below is written once against these names; g2.py mirrors it) -------


@njit(cache=True)
def _mul(a, b):
    return fq_mul(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(cache=True)
def _sqr(a):
    return fq_sqr(a[0], a[1], a[2], a[3])


@njit(cache=True)
def _add(a, b):
    return fq_add(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(cache=True)
def _sub(a, b):
    return fq_sub(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(cache=True)
def _dbl(a):
    return fq_dbl(a[0], a[1], a[2], a[3])


@njit(cache=True)
def _neg(a):
    return fq_neg(a[0], a[1], a[2], a[3])


@njit(cache=True)
def _is_zero(a):
    return fq_is_zero(a[0], a[1], a[2], a[3])


@njit(cache=True)
def _one():
    return fq_one()


@njit(cache=True)
def _zero():
    return _U0, _U0, _U0, _U0


@njit(cache=True)
def _inv(a):
    return fq_inv(a[0], a[1], a[2], a[3])


# --- array layout: one field element is a uint64[4] view -------------------------------------------------------------


@njit(cache=True)
def _fe_get(v):
    return v[0], v[1], v[2], v[3]


@njit(cache=True)
def _fe_put(v, e):
    v[0], v[1], v[2], v[3] = e[0], e[1], e[2], e[3]


@njit(cache=True)
def _fe_array(n):
    return np.zeros((n, 4), dtype=np.uint64)


@njit(cache=True)
def _jac_array(n):
    return np.empty((n, 3, 4), dtype=np.uint64)


@njit(cache=True)
def _aff_array(n):
    return np.zeros((n, 2, 4), dtype=np.uint64)


# --- points -----------------------------------------------------------------------------------------------------------


@njit(cache=True)
def g1_infinity():
    """The point at infinity, (1, 1, 0)."""
    return _one(), _one(), _zero()


@njit(cache=True)
def g1_is_inf(p):
    """True when Z = 0."""
    return _is_zero(p[2])


@njit(cache=True)
def g1_neg(p):
    """−P = (X, −Y, Z)."""
    return p[0], _neg(p[1]), p[2]


@njit(cache=True)
def g1_dbl(p):
    """2P, dbl-2009-l (a = 0). ∞ ↦ ∞ (Z3 = 2·Y·Z = 0)."""
    x1, y1, z1 = p
    a = _sqr(x1)
    b = _sqr(y1)
    c = _sqr(b)
    t = _sub(_sub(_sqr(_add(x1, b)), a), c)
    d = _dbl(t)
    e = _add(_dbl(a), a)
    f = _sqr(e)
    x3 = _sub(f, _dbl(d))
    c8 = _dbl(_dbl(_dbl(c)))
    y3 = _sub(_mul(e, _sub(d, x3)), c8)
    z3 = _dbl(_mul(y1, z1))
    return x3, y3, z3


@njit(cache=True)
def g1_add(p, q):
    """P + Q, add-2007-bl; ∞ operands, P == Q (doubles) and P == −Q (gives ∞) handled."""
    if _is_zero(p[2]):
        return q
    if _is_zero(q[2]):
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1 = _sqr(z1)
    z2z2 = _sqr(z2)
    u1 = _mul(x1, z2z2)
    u2 = _mul(x2, z1z1)
    s1 = _mul(_mul(y1, z2), z2z2)
    s2 = _mul(_mul(y2, z1), z1z1)
    h = _sub(u2, u1)
    rr = _sub(s2, s1)
    if _is_zero(h):
        if _is_zero(rr):
            return g1_dbl(p)
        return g1_infinity()
    i = _sqr(_dbl(h))
    j = _mul(h, i)
    rr = _dbl(rr)
    v = _mul(u1, i)
    x3 = _sub(_sub(_sqr(rr), j), _dbl(v))
    y3 = _sub(_mul(rr, _sub(v, x3)), _dbl(_mul(s1, j)))
    z3 = _mul(_sub(_sub(_sqr(_add(z1, z2)), z1z1), z2z2), h)
    return x3, y3, z3


@njit(cache=True)
def g1_madd(p, x2, y2):
    """P + (x2, y2) with the second point affine (Z2 = 1), madd-2007-bl; (0, 0) is ∞; P == ±Q handled."""
    if _is_zero(x2) and _is_zero(y2):
        return p
    if _is_zero(p[2]):
        return x2, y2, _one()
    x1, y1, z1 = p
    z1z1 = _sqr(z1)
    u2 = _mul(x2, z1z1)
    s2 = _mul(_mul(y2, z1), z1z1)
    h = _sub(u2, x1)
    rr = _sub(s2, y1)
    if _is_zero(h):
        if _is_zero(rr):
            return g1_dbl(p)
        return g1_infinity()
    hh = _sqr(h)
    i = _dbl(_dbl(hh))
    j = _mul(h, i)
    rr = _dbl(rr)
    v = _mul(x1, i)
    x3 = _sub(_sub(_sqr(rr), j), _dbl(v))
    y3 = _sub(_mul(rr, _sub(v, x3)), _dbl(_mul(y1, j)))
    z3 = _sub(_sub(_sqr(_add(z1, h)), z1z1), hh)
    return x3, y3, z3


@njit(cache=True)
def g1_sub_affine(p, x2, y2):
    """P − (x2, y2), affine second operand ((0, 0) is ∞)."""
    if _is_zero(x2) and _is_zero(y2):
        return p
    return g1_madd(p, x2, _neg(y2))


@njit(cache=True)
def g1_mul(p, k0, k1, k2, k3):
    """k·P by double-and-add from the top bit; P Jacobian, k normal-form limbs."""
    acc = g1_infinity()
    ks = (k0, k1, k2, k3)
    for w in range(3, -1, -1):
        kw = ks[w]
        for bit in range(63, -1, -1):
            acc = g1_dbl(acc)
            if (kw >> np.uint64(bit)) & _U1:
                acc = g1_add(acc, p)
    return acc


@njit(cache=True)
def g1_load_affine(arr, i):
    """(x, y) of ``arr[i]`` for an affine array (``uint64[n, 2, 4]``)."""
    return _fe_get(arr[i, 0]), _fe_get(arr[i, 1])


@njit(cache=True)
def g1_load_jac(arr, i):
    """(X, Y, Z) of ``arr[i]`` for a Jacobian array (``uint64[n, 3, 4]``)."""
    return _fe_get(arr[i, 0]), _fe_get(arr[i, 1]), _fe_get(arr[i, 2])


@njit(cache=True)
def g1_store_jac(arr, i, p):
    """``arr[i] = P`` for a Jacobian array (``uint64[n, 3, 4]``)."""
    _fe_put(arr[i, 0], p[0])
    _fe_put(arr[i, 1], p[1])
    _fe_put(arr[i, 2], p[2])


@njit(cache=True)
def g1_store_affine(arr, i, x, y):
    """``arr[i] = (x, y)`` for an affine array (``uint64[n, 2, 4]``)."""
    _fe_put(arr[i, 0], x)
    _fe_put(arr[i, 1], y)


# --- arrays -----------------------------------------------------------------------------------------------------------


@njit(cache=True)
def g1_jac_to_affine_arr(jac):
    """Jacobian ``uint64[n, 3, 4]`` → affine ``uint64[n, 2, 4]`` with one shared Fq inversion; ∞ (Z = 0) → zeros.

    Cost: 3 muls per point for the batch inversion + 4 for x = X/Z², y = Y/Z³, plus one Fermat inversion.
    """
    n = jac.shape[0]
    out = _aff_array(n)
    prefix = _fe_array(n)
    acc = _one()
    for i in range(n):
        _fe_put(prefix[i], acc)
        z = g1_load_jac(jac, i)[2]
        if not _is_zero(z):
            acc = _mul(acc, z)
    inv = _inv(acc)
    for i in range(n - 1, -1, -1):
        x, y, z = g1_load_jac(jac, i)
        if _is_zero(z):
            continue
        zi = _mul(inv, _fe_get(prefix[i]))
        inv = _mul(inv, z)
        zi2 = _sqr(zi)
        g1_store_affine(out, i, _mul(x, zi2), _mul(y, _mul(zi2, zi)))
    return out


@njit(cache=True)
def g1_affine_to_jac_arr(aff):
    """Affine ``uint64[n, 2, 4]`` → Jacobian ``uint64[n, 3, 4]`` (Z = 1; zeros → (1, 1, 0))."""
    n = aff.shape[0]
    out = _jac_array(n)
    for i in range(n):
        x, y = g1_load_affine(aff, i)
        if _is_zero(x) and _is_zero(y):
            g1_store_jac(out, i, g1_infinity())
        else:
            g1_store_jac(out, i, (x, y, _one()))
    return out


@njit(cache=True)
def g1_add_arr(p, q):
    """Elementwise P + Q on Jacobian ``uint64[n, 3, 4]`` arrays."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        g1_store_jac(out, i, g1_add(g1_load_jac(p, i), g1_load_jac(q, i)))
    return out


@njit(cache=True)
def g1_dbl_arr(p):
    """Elementwise 2P on a Jacobian ``uint64[n, 3, 4]`` array."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        g1_store_jac(out, i, g1_dbl(g1_load_jac(p, i)))
    return out


@njit(cache=True)
def g1_madd_arr(p, aff):
    """Elementwise P + Q, P Jacobian ``uint64[n, 3, 4]``, Q affine ``uint64[n, 2, 4]`` (zeros = ∞)."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        x, y = g1_load_affine(aff, i)
        g1_store_jac(out, i, g1_madd(g1_load_jac(p, i), x, y))
    return out


@njit(cache=True)
def g1_neg_arr(p):
    """Elementwise −P on a Jacobian ``uint64[n, 3, 4]`` array."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        g1_store_jac(out, i, g1_neg(g1_load_jac(p, i)))
    return out


@njit(cache=True)
def g1_mul_arr(aff, scalars):
    """k_i·P_i: affine ``uint64[n, 2, 4]`` (zeros = ∞), scalars ``uint64[n, 4]`` normal form → ``uint64[n, 3, 4]``."""
    n = aff.shape[0]
    out = _jac_array(n)
    for i in range(n):
        x, y = g1_load_affine(aff, i)
        p = g1_infinity() if _is_zero(x) and _is_zero(y) else (x, y, _one())
        g1_store_jac(out, i, g1_mul(p, scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3]))
    return out

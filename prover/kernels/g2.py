"""BN254 G2 (the sextic twist y² = x³ + 3/(9 + u) over Fq2) in Jacobian coordinates, as numba kernels.

Mirrors ``g1.py`` line for line (same formulas, same names with ``g2_``); only the field helpers and the array layout
differ. Every kernel is ``@njit(cache=True)``.

Forms
-----
- Fq2 element c0 + c1·u (u² = −1): an 8-tuple of uint64 (c0's 4 limbs, then c1's), little-endian, each Fq component
  in Montgomery form.
- Jacobian point (X, Y, Z): a 3-tuple of Fq2 8-tuples in kernels; ``uint64[n, 3, 2, 4]`` (point, X/Y/Z, c0/c1, limb)
  in arrays. **Infinity is any point with Z = 0**; kernels produce (1, 1, 0).
- Affine point: ``uint64[n, 2, 2, 4]`` (x, y; c0, c1; limb), the proving-key layout; infinity is all zeros.

Element-level functions (numba-callable; tuples in, tuples out)::

    g2_infinity() -> P            g2_is_inf(P) -> bool            g2_neg(P) -> P
    g2_dbl(P) -> P                dbl-2009-l
    g2_add(P, Q) -> P             add-2007-bl; ∞, P == Q and P == −Q handled
    g2_madd(P, x, y) -> P         P + affine (x, y), madd-2007-bl; (0, 0) is ∞
    g2_sub_affine(P, x, y) -> P   g2_mul(P, k0, k1, k2, k3) -> P (k normal-form limbs)
    g2_load_affine(arr, i)        g2_load_jac(arr, i)        g2_store_jac(arr, i, P)     g2_store_affine(arr, i, x, y)

Array kernels: ``g2_jac_to_affine_arr``, ``g2_affine_to_jac_arr``, ``g2_add_arr``, ``g2_dbl_arr``, ``g2_madd_arr``,
``g2_neg_arr``, ``g2_mul_arr`` (shapes as in g1.py with the extra Fq2 axis).

The twist's b = 3/(9 + u) never appears: the a = 0 Jacobian formulas do not use b.

References
----------
Explicit-Formulas Database, "Jacobian coordinates with a4 = 0": dbl-2009-l, add-2007-bl, madd-2007-bl;
EIP-197 (the twist and its generator).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accel.field import (
    fq2_add,
    fq2_dbl,
    fq2_inv,
    fq2_is_zero,
    fq2_mul,
    fq2_neg,
    fq2_sqr,
    fq2_sub,
    fq_one,
)

_U0 = np.uint64(0)
_U1 = np.uint64(1)

# --- field helpers on Fq2 8-tuples (same names as g1.py's, so the formula code is identical) -------------------------


@njit(cache=True)
def _mul(a, b):
    return fq2_mul(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])


@njit(cache=True)
def _sqr(a):
    return fq2_sqr(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])


@njit(cache=True)
def _add(a, b):
    return fq2_add(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])


@njit(cache=True)
def _sub(a, b):
    return fq2_sub(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])


@njit(cache=True)
def _dbl(a):
    return fq2_dbl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])


@njit(cache=True)
def _neg(a):
    return fq2_neg(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])


@njit(cache=True)
def _is_zero(a):
    return fq2_is_zero(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])


@njit(cache=True)
def _one():
    o0, o1, o2, o3 = fq_one()
    return o0, o1, o2, o3, _U0, _U0, _U0, _U0


@njit(cache=True)
def _zero():
    return _U0, _U0, _U0, _U0, _U0, _U0, _U0, _U0


@njit(cache=True)
def _inv(a):
    return fq2_inv(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])


# --- array layout: one field element is a uint64[2, 4] view (c0, c1) --------------------------------------------------


@njit(cache=True)
def _fe_get(v):
    return v[0, 0], v[0, 1], v[0, 2], v[0, 3], v[1, 0], v[1, 1], v[1, 2], v[1, 3]


@njit(cache=True)
def _fe_put(v, e):
    v[0, 0], v[0, 1], v[0, 2], v[0, 3] = e[0], e[1], e[2], e[3]
    v[1, 0], v[1, 1], v[1, 2], v[1, 3] = e[4], e[5], e[6], e[7]


@njit(cache=True)
def _fe_array(n):
    return np.zeros((n, 2, 4), dtype=np.uint64)


@njit(cache=True)
def _jac_array(n):
    return np.empty((n, 3, 2, 4), dtype=np.uint64)


@njit(cache=True)
def _aff_array(n):
    return np.zeros((n, 2, 2, 4), dtype=np.uint64)


# --- points -----------------------------------------------------------------------------------------------------------


@njit(cache=True)
def g2_infinity():
    """The point at infinity, (1, 1, 0)."""
    return _one(), _one(), _zero()


@njit(cache=True)
def g2_is_inf(p):
    """True when Z = 0."""
    return _is_zero(p[2])


@njit(cache=True)
def g2_neg(p):
    """−P = (X, −Y, Z)."""
    return p[0], _neg(p[1]), p[2]


@njit(cache=True)
def g2_dbl(p):
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
def g2_add(p, q):
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
            return g2_dbl(p)
        return g2_infinity()
    i = _sqr(_dbl(h))
    j = _mul(h, i)
    rr = _dbl(rr)
    v = _mul(u1, i)
    x3 = _sub(_sub(_sqr(rr), j), _dbl(v))
    y3 = _sub(_mul(rr, _sub(v, x3)), _dbl(_mul(s1, j)))
    z3 = _mul(_sub(_sub(_sqr(_add(z1, z2)), z1z1), z2z2), h)
    return x3, y3, z3


@njit(cache=True)
def g2_madd(p, x2, y2):
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
            return g2_dbl(p)
        return g2_infinity()
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
def g2_sub_affine(p, x2, y2):
    """P − (x2, y2), affine second operand ((0, 0) is ∞)."""
    if _is_zero(x2) and _is_zero(y2):
        return p
    return g2_madd(p, x2, _neg(y2))


@njit(cache=True)
def g2_mul(p, k0, k1, k2, k3):
    """k·P by double-and-add from the top bit; P Jacobian, k normal-form limbs."""
    acc = g2_infinity()
    ks = (k0, k1, k2, k3)
    for w in range(3, -1, -1):
        kw = ks[w]
        for bit in range(63, -1, -1):
            acc = g2_dbl(acc)
            if (kw >> np.uint64(bit)) & _U1:
                acc = g2_add(acc, p)
    return acc


@njit(cache=True)
def g2_load_affine(arr, i):
    """(x, y) of ``arr[i]`` for an affine array (``uint64[n, 2, 2, 4]``)."""
    return _fe_get(arr[i, 0]), _fe_get(arr[i, 1])


@njit(cache=True)
def g2_load_jac(arr, i):
    """(X, Y, Z) of ``arr[i]`` for a Jacobian array (``uint64[n, 3, 2, 4]``)."""
    return _fe_get(arr[i, 0]), _fe_get(arr[i, 1]), _fe_get(arr[i, 2])


@njit(cache=True)
def g2_store_jac(arr, i, p):
    """``arr[i] = P`` for a Jacobian array (``uint64[n, 3, 2, 4]``)."""
    _fe_put(arr[i, 0], p[0])
    _fe_put(arr[i, 1], p[1])
    _fe_put(arr[i, 2], p[2])


@njit(cache=True)
def g2_store_affine(arr, i, x, y):
    """``arr[i] = (x, y)`` for an affine array (``uint64[n, 2, 2, 4]``)."""
    _fe_put(arr[i, 0], x)
    _fe_put(arr[i, 1], y)


# --- arrays -----------------------------------------------------------------------------------------------------------


@njit(cache=True)
def g2_jac_to_affine_arr(jac):
    """Jacobian ``uint64[n, 3, 2, 4]`` → affine ``uint64[n, 2, 2, 4]`` with one shared Fq2 inversion;
    ∞ (Z = 0) → zeros.

    Cost: 3 Fq2 muls per point for the batch inversion + 4 for x = X/Z², y = Y/Z³, plus one Fq2 inversion.
    """
    n = jac.shape[0]
    out = _aff_array(n)
    prefix = _fe_array(n)
    acc = _one()
    for i in range(n):
        _fe_put(prefix[i], acc)
        z = g2_load_jac(jac, i)[2]
        if not _is_zero(z):
            acc = _mul(acc, z)
    inv = _inv(acc)
    for i in range(n - 1, -1, -1):
        x, y, z = g2_load_jac(jac, i)
        if _is_zero(z):
            continue
        zi = _mul(inv, _fe_get(prefix[i]))
        inv = _mul(inv, z)
        zi2 = _sqr(zi)
        g2_store_affine(out, i, _mul(x, zi2), _mul(y, _mul(zi2, zi)))
    return out


@njit(cache=True)
def g2_affine_to_jac_arr(aff):
    """Affine ``uint64[n, 2, 2, 4]`` → Jacobian ``uint64[n, 3, 2, 4]`` (Z = 1; zeros → (1, 1, 0))."""
    n = aff.shape[0]
    out = _jac_array(n)
    for i in range(n):
        x, y = g2_load_affine(aff, i)
        if _is_zero(x) and _is_zero(y):
            g2_store_jac(out, i, g2_infinity())
        else:
            g2_store_jac(out, i, (x, y, _one()))
    return out


@njit(cache=True)
def g2_add_arr(p, q):
    """Elementwise P + Q on Jacobian ``uint64[n, 3, 2, 4]`` arrays."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        g2_store_jac(out, i, g2_add(g2_load_jac(p, i), g2_load_jac(q, i)))
    return out


@njit(cache=True)
def g2_dbl_arr(p):
    """Elementwise 2P on a Jacobian ``uint64[n, 3, 2, 4]`` array."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        g2_store_jac(out, i, g2_dbl(g2_load_jac(p, i)))
    return out


@njit(cache=True)
def g2_madd_arr(p, aff):
    """Elementwise P + Q, P Jacobian ``uint64[n, 3, 2, 4]``, Q affine ``uint64[n, 2, 2, 4]`` (zeros = ∞)."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        x, y = g2_load_affine(aff, i)
        g2_store_jac(out, i, g2_madd(g2_load_jac(p, i), x, y))
    return out


@njit(cache=True)
def g2_neg_arr(p):
    """Elementwise −P on a Jacobian ``uint64[n, 3, 2, 4]`` array."""
    n = p.shape[0]
    out = _jac_array(n)
    for i in range(n):
        g2_store_jac(out, i, g2_neg(g2_load_jac(p, i)))
    return out


@njit(cache=True)
def g2_mul_arr(aff, scalars):
    """k_i·P_i: affine ``uint64[n, 2, 2, 4]`` (zeros = ∞), scalars ``uint64[n, 4]`` normal → ``uint64[n, 3, 2, 4]``."""
    n = aff.shape[0]
    out = _jac_array(n)
    for i in range(n):
        x, y = g2_load_affine(aff, i)
        p = g2_infinity() if _is_zero(x) and _is_zero(y) else (x, y, _one())
        g2_store_jac(out, i, g2_mul(p, scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3]))
    return out

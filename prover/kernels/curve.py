"""BN254 G1 and G2 in Jacobian coordinates, written once (numba compiles each kernel per group; see ``fe``).

G1 is y² = x³ + 3 over Fq; G2 the sextic twist y² = x³ + 3/(9 + u) over Fq2. Both have a = 0 and the formulas below
never use b, so the same code serves both: the field is chosen by the element type (4-tuple Fq, 8-tuple Fq2) and the
array layout by the point array's number of dimensions (``fe``).

Forms
-----
- Jacobian point (X, Y, Z) ↔ affine (X/Z², Y/Z³): a 3-tuple of field elements in kernels; ``uint64[n, 3, 4]`` (G1) /
  ``uint64[n, 3, 2, 4]`` (G2) in arrays. **Infinity is any point with Z = 0**; kernels produce (1, 1, 0).
- Affine point: ``uint64[n, 2, 4]`` / ``uint64[n, 2, 2, 4]`` (x, y), the proving-key layout; infinity is all zeros
  (x = y = 0 is on neither curve, so it is unambiguous).

Element-level functions (numba-callable; tuples in, tuples out)::

    jac_infinity(e) -> P               (1, 1, 0) in the field of the element e
    jac_is_inf(P) -> bool              jac_neg(P) -> P
    jac_dbl(P) -> P                    dbl-2009-l (G1: 2M + 5S)
    jac_add(P, Q) -> P                 add-2007-bl (11M + 5S); ∞ operands, P == Q (→ dbl) and P == −Q (→ ∞) handled
    jac_madd(P, x, y) -> P             P + (x, y) affine, madd-2007-bl (7M + 4S); (0, 0) is ∞; P == ±Q handled
    jac_sub_affine(P, x, y) -> P       P − (x, y)
    jac_mul(P, k0, k1, k2, k3) -> P    k·P, k as normal-form limbs (any 256-bit value), double-and-add
    load_affine(arr, i) -> (x, y)      load_jac(arr, i) -> P      store_jac(arr, i, P)      store_affine(arr, i, x, y)

Array kernels (G1 or G2 by the array's shape)::

    jac_to_affine_arr(jac) -> aff      one shared inversion (Montgomery's trick); ∞ → zeros
    affine_to_jac_arr(aff) -> jac      zeros → (1, 1, 0)
    madd_arr(P jac, Q aff) -> jac      elementwise P + Q
    mul_arr(aff, scalars uint64[n, 4] normal form) -> jac     k_i·P_i

References
----------
Explicit-Formulas Database, "Jacobian coordinates with a4 = 0" (https://hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-0.html):
dbl-2009-l, add-2007-bl, madd-2007-bl; EIP-197 (the twist and its generator).
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
    fe_zero,
    jac_array,
    zero_of,
)

_U1 = np.uint64(1)


@njit(cache=True)
def jac_infinity(e):
    """The point at infinity (1, 1, 0) of the group whose field element type is e's."""
    return fe_one(e), fe_one(e), fe_zero(e)


@njit(cache=True)
def jac_is_inf(p):
    """True when Z = 0."""
    return fe_is_zero(p[2])


@njit(cache=True)
def jac_neg(p):
    """−P = (X, −Y, Z)."""
    return p[0], fe_neg(p[1]), p[2]


@njit(cache=True)
def jac_dbl(p):
    """2P, dbl-2009-l (a = 0). ∞ ↦ ∞ (Z3 = 2·Y·Z = 0)."""
    x1, y1, z1 = p
    a = fe_sqr(x1)
    b = fe_sqr(y1)
    c = fe_sqr(b)
    t = fe_sub(fe_sub(fe_sqr(fe_add(x1, b)), a), c)
    d = fe_dbl(t)
    e = fe_add(fe_dbl(a), a)
    f = fe_sqr(e)
    x3 = fe_sub(f, fe_dbl(d))
    c8 = fe_dbl(fe_dbl(fe_dbl(c)))
    y3 = fe_sub(fe_mul(e, fe_sub(d, x3)), c8)
    z3 = fe_dbl(fe_mul(y1, z1))
    return x3, y3, z3


@njit(cache=True)
def jac_add(p, q):
    """P + Q, add-2007-bl; ∞ operands, P == Q (doubles) and P == −Q (gives ∞) handled."""
    if fe_is_zero(p[2]):
        return q
    if fe_is_zero(q[2]):
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1 = fe_sqr(z1)
    z2z2 = fe_sqr(z2)
    u1 = fe_mul(x1, z2z2)
    u2 = fe_mul(x2, z1z1)
    s1 = fe_mul(fe_mul(y1, z2), z2z2)
    s2 = fe_mul(fe_mul(y2, z1), z1z1)
    h = fe_sub(u2, u1)
    rr = fe_sub(s2, s1)
    if fe_is_zero(h):
        if fe_is_zero(rr):
            return jac_dbl(p)
        return jac_infinity(x1)
    i = fe_sqr(fe_dbl(h))
    j = fe_mul(h, i)
    rr = fe_dbl(rr)
    v = fe_mul(u1, i)
    x3 = fe_sub(fe_sub(fe_sqr(rr), j), fe_dbl(v))
    y3 = fe_sub(fe_mul(rr, fe_sub(v, x3)), fe_dbl(fe_mul(s1, j)))
    z3 = fe_mul(fe_sub(fe_sub(fe_sqr(fe_add(z1, z2)), z1z1), z2z2), h)
    return x3, y3, z3


@njit(cache=True)
def jac_madd(p, x2, y2):
    """P + (x2, y2) with the second point affine (Z2 = 1), madd-2007-bl; (0, 0) is ∞; P == ±Q handled."""
    if fe_is_zero(x2) and fe_is_zero(y2):
        return p
    if fe_is_zero(p[2]):
        return x2, y2, fe_one(x2)
    x1, y1, z1 = p
    z1z1 = fe_sqr(z1)
    u2 = fe_mul(x2, z1z1)
    s2 = fe_mul(fe_mul(y2, z1), z1z1)
    h = fe_sub(u2, x1)
    rr = fe_sub(s2, y1)
    if fe_is_zero(h):
        if fe_is_zero(rr):
            return jac_dbl(p)
        return jac_infinity(x1)
    hh = fe_sqr(h)
    i = fe_dbl(fe_dbl(hh))
    j = fe_mul(h, i)
    rr = fe_dbl(rr)
    v = fe_mul(x1, i)
    x3 = fe_sub(fe_sub(fe_sqr(rr), j), fe_dbl(v))
    y3 = fe_sub(fe_mul(rr, fe_sub(v, x3)), fe_dbl(fe_mul(y1, j)))
    z3 = fe_sub(fe_sub(fe_sqr(fe_add(z1, h)), z1z1), hh)
    return x3, y3, z3


@njit(cache=True)
def jac_sub_affine(p, x2, y2):
    """P − (x2, y2), affine second operand ((0, 0) is ∞)."""
    if fe_is_zero(x2) and fe_is_zero(y2):
        return p
    return jac_madd(p, x2, fe_neg(y2))


@njit(cache=True)
def jac_mul(p, k0, k1, k2, k3):
    """k·P by double-and-add from the top bit; P Jacobian, k normal-form limbs."""
    acc = jac_infinity(p[0])
    ks = (k0, k1, k2, k3)
    for w in range(3, -1, -1):
        kw = ks[w]
        for bit in range(63, -1, -1):
            acc = jac_dbl(acc)
            if (kw >> np.uint64(bit)) & _U1:
                acc = jac_add(acc, p)
    return acc


@njit(cache=True)
def load_affine(arr, i):
    """(x, y) of ``arr[i]`` for an affine point array."""
    return fe_get(arr[i, 0]), fe_get(arr[i, 1])


@njit(cache=True)
def load_jac(arr, i):
    """(X, Y, Z) of ``arr[i]`` for a Jacobian point array."""
    return fe_get(arr[i, 0]), fe_get(arr[i, 1]), fe_get(arr[i, 2])


@njit(cache=True)
def store_jac(arr, i, p):
    """``arr[i] = P`` for a Jacobian point array."""
    fe_put(arr[i, 0], p[0])
    fe_put(arr[i, 1], p[1])
    fe_put(arr[i, 2], p[2])


@njit(cache=True)
def store_affine(arr, i, x, y):
    """``arr[i] = (x, y)`` for an affine point array."""
    fe_put(arr[i, 0], x)
    fe_put(arr[i, 1], y)


@njit(cache=True)
def is_affine_inf(x, y):
    """True for the affine encoding of ∞, (0, 0)."""
    return fe_is_zero(x) and fe_is_zero(y)


# --- arrays -----------------------------------------------------------------------------------------------------------


@njit(cache=True)
def jac_to_affine_arr(jac):
    """Jacobian points → affine with one shared field inversion; ∞ (Z = 0) → zeros.

    Cost: 3 muls per point for the batch inversion + 4 for x = X/Z², y = Y/Z³, plus one Fermat inversion.
    """
    n = jac.shape[0]
    out = aff_array(jac, n)
    prefix = fe_array(jac, n)
    acc = fe_one(zero_of(jac))
    for i in range(n):
        fe_put(prefix[i], acc)
        z = fe_get(jac[i, 2])
        if not fe_is_zero(z):
            acc = fe_mul(acc, z)
    inv = fe_inv(acc)
    for i in range(n - 1, -1, -1):
        x, y, z = load_jac(jac, i)
        if fe_is_zero(z):
            continue
        zi = fe_mul(inv, fe_get(prefix[i]))
        inv = fe_mul(inv, z)
        zi2 = fe_sqr(zi)
        store_affine(out, i, fe_mul(x, zi2), fe_mul(y, fe_mul(zi2, zi)))
    return out


@njit(cache=True)
def affine_to_jac_arr(aff):
    """Affine points → Jacobian (Z = 1; zeros → (1, 1, 0))."""
    n = aff.shape[0]
    out = jac_array(aff, n)
    for i in range(n):
        x, y = load_affine(aff, i)
        if is_affine_inf(x, y):
            store_jac(out, i, jac_infinity(x))
        else:
            store_jac(out, i, (x, y, fe_one(x)))
    return out


@njit(cache=True)
def madd_arr(p, aff):
    """Elementwise P + Q, P Jacobian, Q affine (zeros = ∞), same group."""
    n = p.shape[0]
    out = jac_array(p, n)
    for i in range(n):
        x, y = load_affine(aff, i)
        store_jac(out, i, jac_madd(load_jac(p, i), x, y))
    return out


@njit(cache=True)
def mul_arr(aff, scalars):
    """k_i·P_i: affine points (zeros = ∞), scalars ``uint64[n, 4]`` normal form → Jacobian points."""
    n = aff.shape[0]
    out = jac_array(aff, n)
    for i in range(n):
        x, y = load_affine(aff, i)
        p = jac_infinity(x) if is_affine_inf(x, y) else (x, y, fe_one(x))
        store_jac(out, i, jac_mul(p, scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3]))
    return out

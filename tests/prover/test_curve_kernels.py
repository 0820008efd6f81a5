"""G1 / G2 Jacobian kernels (prover/kernels/curve.py, written once for both groups) against py_ecc.

Oracle: py_ecc 8 ``optimized_bn128`` (add, double, multiply, neg, normalize), code this project did not write.
Inputs: seeded random multiples of the generators, the point at infinity, P + P, P + (−P), Jacobian inputs with a
random Z ≠ 1 (the same affine point in another representation), and scalars 0, 1, 2, r − 1, r, 2^256 − 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from py_ecc import optimized_bn128 as ob

from prover.kernels import curve
from tests.prover import kernel_arrays
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.groth16 import g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs
from zksvs.limbs import ints_to_limbs, to_montgomery

Q = FQ_MODULUS


def _fq2_mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)


class _G1:
    name = "g1"
    gen = ob.G1
    to_limbs = staticmethod(g1_to_limbs)
    from_limbs = staticmethod(g1_from_limbs)

    @staticmethod
    def affine(p):
        if ob.is_inf(p):
            return None
        x, y = ob.normalize(p)
        return (int(x.n), int(y.n))

    @staticmethod
    def jac_limbs(points, rng):
        """Affine ints → Jacobian Montgomery limbs with a random Z (∞ → (1, 1, 0))."""
        flat = []
        for p in points:
            if p is None:
                flat += [1, 1, 0]
                continue
            z = rng.randrange(1, Q)
            flat += [p[0] * z * z % Q, p[1] * z * z * z % Q, z]
        return ints_to_limbs(to_montgomery(flat, Q)).reshape(len(points), 3, 4)


class _G2:
    name = "g2"
    gen = ob.G2
    to_limbs = staticmethod(g2_to_limbs)
    from_limbs = staticmethod(g2_from_limbs)

    @staticmethod
    def affine(p):
        if ob.is_inf(p):
            return None
        x, y = ob.normalize(p)
        return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))

    @staticmethod
    def jac_limbs(points, rng):
        flat = []
        for p in points:
            if p is None:
                flat += [1, 0, 1, 0, 0, 0]
                continue
            z = (rng.randrange(Q), rng.randrange(1, Q))
            z2 = _fq2_mul(z, z)
            z3 = _fq2_mul(z2, z)
            flat += [*_fq2_mul(p[0], z2), *_fq2_mul(p[1], z3), *z]
        return ints_to_limbs(to_montgomery(flat, Q)).reshape(len(points), 3, 2, 4)


@pytest.fixture(params=[_G1, _G2], ids=lambda g: g.name)
def grp(request):
    return request.param


def _fn(g, op):
    # one kernel serves both groups (the array shape selects G1 or G2); test-only wrappers live in kernel_arrays
    return getattr(curve, op) if hasattr(curve, op) else getattr(kernel_arrays, op)


def _random_points(g, rng, n):
    return [ob.multiply(g.gen, rng.randrange(1, FR_MODULUS)) for _ in range(n)]


def _jac_to_affine(g, jac):
    return g.from_limbs(_fn(g, "jac_to_affine_arr")(jac))


def _cases(g, rng):
    """Pairs (P, Q) of py_ecc points covering the special cases."""
    ps = _random_points(g, rng, 6)
    inf = ob.Z1 if g.name == "g1" else ob.Z2
    pairs = [(ps[0], ps[1]), (ps[2], ps[3]), (ps[4], ps[4]), (ps[5], ob.neg(ps[5])), (inf, ps[0]), (ps[1], inf)]
    pairs += [(inf, inf), (ps[0], ob.double(ps[0]))]
    return pairs


def test_madd_matches_py_ecc(grp, rng):
    pairs = _cases(grp, rng)
    p_jac = grp.jac_limbs([grp.affine(p) for p, _ in pairs], rng)
    q_aff = grp.to_limbs([grp.affine(q) for _, q in pairs])
    got = _jac_to_affine(grp, _fn(grp, "madd_arr")(p_jac, q_aff))
    assert got == [grp.affine(ob.add(p, q)) for p, q in pairs]


def test_add_matches_py_ecc(grp, rng):
    pairs = _cases(grp, rng)
    p_jac = grp.jac_limbs([grp.affine(p) for p, _ in pairs], rng)
    q_jac = grp.jac_limbs([grp.affine(q) for _, q in pairs], rng)
    got = _jac_to_affine(grp, _fn(grp, "add_arr")(p_jac, q_jac))
    assert got == [grp.affine(ob.add(p, q)) for p, q in pairs]


def test_dbl_and_neg_match_py_ecc(grp, rng):
    pts = [p for p, _ in _cases(grp, rng)]
    jac = grp.jac_limbs([grp.affine(p) for p in pts], rng)
    assert _jac_to_affine(grp, _fn(grp, "dbl_arr")(jac)) == [grp.affine(ob.double(p)) for p in pts]
    assert _jac_to_affine(grp, _fn(grp, "neg_arr")(jac)) == [grp.affine(ob.neg(p)) for p in pts]


def test_affine_round_trip_with_infinity(grp, rng):
    pts = [grp.affine(p) for p in _random_points(grp, rng, 3)]
    pts = [None, *pts[:2], None, pts[2]]
    aff = grp.to_limbs(pts)
    jac = _fn(grp, "affine_to_jac_arr")(aff)
    assert np.array_equal(_fn(grp, "jac_to_affine_arr")(jac), aff)
    assert _jac_to_affine(grp, grp.jac_limbs(pts, rng)) == pts


def test_mul_matches_py_ecc(grp, rng):
    base = _random_points(grp, rng, 1)[0]
    scalars = [0, 1, 2, 3, FR_MODULUS - 1, FR_MODULUS, 2**64 - 1, 2**256 - 1, rng.randrange(FR_MODULUS)]
    aff = grp.to_limbs([grp.affine(base)] * len(scalars) + [None])
    got = _jac_to_affine(grp, _fn(grp, "mul_arr")(aff, ints_to_limbs([*scalars, 5])))
    assert got == [grp.affine(ob.multiply(base, k % FR_MODULUS)) for k in scalars] + [None]

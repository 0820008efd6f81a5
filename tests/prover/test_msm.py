"""MSM, fixed-base multiplication and point helpers (prover/msm.py over prover/kernels) against py_ecc.

Oracle: py_ecc 8 ``optimized_bn128`` ``multiply``/``add``/``neg`` (code this project did not write). The expected
MSM is Σ k_i·P_i computed with py_ecc; with repeated bases it is grouped per distinct base (Σ_i k_i mod r)·P, which
is the same sum with one py_ecc multiply per base. Sizes stay ≤ 64 points so the oracle stays fast.
Scalar distributions: random < r, bits (0/1), u64, and the edges 0, 1, 2, r − 1, (r − 1)/2.
"""

from __future__ import annotations

import random
from functools import cache

import numpy as np
import pytest
from py_ecc import optimized_bn128 as ob

from prover import msm
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.groth16 import g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs
from zksvs.limbs import ints_to_limbs

R = FR_MODULUS


def _aff1(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (int(x.n), int(y.n))


def _aff2(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


GROUPS = {
    "g1": dict(gen=ob.G1, zero=ob.Z1, aff=_aff1, to_limbs=g1_to_limbs, from_limbs=g1_from_limbs,
               msm=msm.msm_g1, fixed=msm.fixed_base_g1, add=msm.g1_add, neg=msm.g1_neg, mul=msm.g1_mul),
    "g2": dict(gen=ob.G2, zero=ob.Z2, aff=_aff2, to_limbs=g2_to_limbs, from_limbs=g2_from_limbs,
               msm=msm.msm_g2, fixed=msm.fixed_base_g2, add=msm.g2_add, neg=msm.g2_neg, mul=msm.g2_mul),
}  # fmt: skip


@cache
def _points(name: str, n: int = 12) -> tuple:
    """n seeded random multiples of the generator (py_ecc projective)."""
    rng = random.Random(f"points-{name}")
    g = GROUPS[name]
    return tuple(ob.multiply(g["gen"], rng.randrange(1, R)) for _ in range(n))


@pytest.fixture(params=sorted(GROUPS), ids=lambda s: s)
def grp(request):
    return request.param, GROUPS[request.param]


def _expected(g, base_idx, scalars, pts):
    """Σ k_i·P_{base_idx[i]} with py_ecc, grouped per distinct base; base index −1 is ∞."""
    coef: dict[int, int] = {}
    for b, k in zip(base_idx, scalars):
        if b >= 0:
            coef[b] = (coef.get(b, 0) + k) % R
    acc = g["zero"]
    for b, k in coef.items():
        acc = ob.add(acc, ob.multiply(pts[b], k))
    return g["aff"](acc)


def _bases(g, base_idx, pts):
    return g["to_limbs"]([None if b < 0 else g["aff"](pts[b]) for b in base_idx])


def _scalars(dist: str, n: int, rng: random.Random) -> list[int]:
    if dist == "random":
        return [rng.randrange(R) for _ in range(n)]
    if dist == "bits":
        return [rng.randrange(2) for _ in range(n)]
    if dist == "u64":
        return [rng.randrange(2**64) for _ in range(n)]
    edges = [0, 1, 2, R - 1, (R - 1) // 2, R - 2, 2**64 - 1, 2**128]
    return [edges[i % len(edges)] for i in range(n)]


@pytest.mark.parametrize("dist", ["random", "bits", "u64", "edges"])
def test_msm_matches_py_ecc(grp, dist, rng):
    name, g = grp
    pts = _points(name)
    n = 48
    base_idx = [rng.randrange(-1, len(pts)) for _ in range(n)]  # repeated bases and some ∞
    ks = _scalars(dist, n, rng)
    got = g["msm"](_bases(g, base_idx, pts), ints_to_limbs(ks))
    assert got == _expected(g, base_idx, ks, pts)


def test_msm_small_ungrouped(grp, rng):
    """The plain definition, one py_ecc multiply per term: 6 distinct bases, scalars 0, 1, r − 1, random."""
    name, g = grp
    pts = _points(name)[:6]
    ks = [0, 1, R - 1, rng.randrange(R), rng.randrange(R), 3]
    want = g["zero"]
    for k, p in zip(ks, pts):
        want = ob.add(want, ob.multiply(p, k))
    assert g["msm"](g["to_limbs"]([g["aff"](p) for p in pts]), ints_to_limbs(ks)) == g["aff"](want)


@cache
def _window_case(name: str):
    """One seeded 40-term instance and its py_ecc sum, shared by the window/thread parametrizations."""
    g = GROUPS[name]
    pts = _points(name)
    base_idx = [i % len(pts) for i in range(40)]
    ks = _scalars("random", 40, random.Random(7))
    return _bases(g, base_idx, pts), ints_to_limbs(ks), _expected(g, base_idx, ks, pts)


@pytest.mark.parametrize(("window_bits", "n_threads"), [(1, 1), (2, 2), (5, 3), (13, 2), (None, 1), (None, 4)])
def test_msm_window_and_threads(grp, window_bits, n_threads):
    name, g = grp
    bases, scalars, want = _window_case(name)
    assert g["msm"](bases, scalars, window_bits=window_bits, n_threads=n_threads) == want


def test_msm_degenerate_inputs(grp):
    name, g = grp
    pts = _points(name)
    p = g["aff"](pts[0])
    bases = g["to_limbs"]([p, p, None])
    assert g["msm"](bases, ints_to_limbs([0, 0, 0])) is None  # all-zero scalars
    assert g["msm"](bases[:0], ints_to_limbs([]).reshape(0, 4)) is None  # empty
    assert g["msm"](bases, ints_to_limbs([1, R - 1, 5])) is None  # P − P, ∞ base
    assert g["msm"](bases, ints_to_limbs([2, 3, 7])) == g["aff"](ob.multiply(pts[0], 5))  # repeated base
    assert g["msm"](bases[:1], ints_to_limbs([R - 1])) == g["aff"](ob.neg(pts[0]))
    assert g["msm"](bases[:2], ints_to_limbs([1, 1])) == g["aff"](ob.double(pts[0]))  # unit pass doubles


@pytest.mark.parametrize("window_bits", [12, 13])
def test_msm_batch_affine_special_cases(grp, window_bits, rng):
    """Windows with ≥ 2048 buckets take the batch-affine path: equal points in one bucket (doubling), P and −P in
    one bucket (cancel), a third equal point while its bucket is queued (Jacobian overflow), ∞ bases, ±1 scalars."""
    name, g = grp
    pts = list(_points(name)[:4])
    neg0 = ob.neg(pts[0])
    allp = [*pts, neg0]  # index 4 is −P0
    k, k2 = rng.randrange(R), rng.randrange(R)
    # 0 then 4 (= −P0) with one scalar: cancel; the next 0s: set, double, overflow; then 4 into the overflow
    base_idx = [0, 4, 0, 0, 0, 4, 1, 1, -1, 2, 3, 2, 1, 0]
    ks = [k, k, k, k, k, k, k2, k2, k, 1, R - 1, k2, (R - k2) % R, 2]
    got = g["msm"](_bases(g, base_idx, allp), ints_to_limbs(ks), window_bits=window_bits, n_threads=2)
    assert got == _expected(g, base_idx, ks, allp)
    many = [0] * 30 + [1] * 30  # 60 terms, two bases, one scalar: every bucket sees long runs of equal points
    ks = [k] * 60
    got = g["msm"](_bases(g, many, allp), ints_to_limbs(ks), window_bits=window_bits, n_threads=1)
    assert got == _expected(g, many, ks, allp)


def test_msm_rejects_bad_inputs(grp):
    name, g = grp
    bases = g["to_limbs"]([g["aff"](_points(name)[0])] * 2)
    good = ints_to_limbs([1, 2])
    with pytest.raises(ValueError, match="same length"):
        g["msm"](bases, ints_to_limbs([1]))
    with pytest.raises(ValueError, match="dtype uint64"):
        g["msm"](bases, good.astype(np.int64))
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        g["msm"](bases, good[:, :3])
    with pytest.raises(ValueError, match="must have shape"):
        g["msm"](bases[:, 0], good)
    with pytest.raises(ValueError, match="numpy array"):
        g["msm"](bases, [[1, 0, 0, 0], [2, 0, 0, 0]])
    with pytest.raises(NonCanonicalFieldElement, match="row 1"):
        g["msm"](bases, ints_to_limbs([1, R]))
    with pytest.raises(ValueError, match="window_bits"):
        g["msm"](bases, good, window_bits=0)
    with pytest.raises(ValueError, match="n_threads"):
        g["msm"](bases, good, n_threads=0)


def test_fixed_base_matches_py_ecc(grp, rng):
    name, g = grp
    p = _points(name)[1]
    ks = [0, 1, 2, R - 1, (R - 1) // 2, 2**64 - 1] + [rng.randrange(R) for _ in range(4)]
    want = [g["aff"](ob.multiply(p, k)) for k in ks]
    for w in (None, 1, 4, 9):
        got = g["from_limbs"](g["fixed"](g["aff"](p), ints_to_limbs(ks), window_bits=w, n_threads=3))
        assert got == want, w
    assert not g["fixed"](None, ints_to_limbs(ks)).any()
    small = [0, 1, 3, 255]  # few bits: fewer windows than the full 254
    assert g["from_limbs"](g["fixed"](g["aff"](p), ints_to_limbs(small))) == [
        g["aff"](ob.multiply(p, k)) for k in small
    ]
    with pytest.raises(NonCanonicalFieldElement, match="canonical"):
        g["fixed"](g["aff"](p), ints_to_limbs([R + 1]))


def test_point_helpers(grp, rng):
    name, g = grp
    a, b = _points(name)[2:4]
    pa, pb = g["aff"](a), g["aff"](b)
    assert g["add"](pa, pb) == g["aff"](ob.add(a, b))
    assert g["add"](pa, pa) == g["aff"](ob.double(a))
    assert g["add"](pa, g["neg"](pa)) is None
    assert g["add"](None, pb) == pb and g["add"](pa, None) == pa
    assert g["neg"](None) is None and g["neg"](pa) == g["aff"](ob.neg(a))
    k = rng.randrange(R)
    assert g["mul"](pa, k) == g["aff"](ob.multiply(a, k))
    assert g["mul"](pa, -1) == g["neg"](pa)
    assert g["mul"](pa, 0) is None and g["mul"](None, 5) is None
    with pytest.raises(ValueError, match="must be an int"):
        g["mul"](pa, 1.5)


def test_fixed_base_kernel_wraps_past_r(grp):
    """The kernel takes any 256-bit scalar: k = r and 2r reach P + (−P) in the last window (the batch's cancel case)."""
    from prover.kernels import curve, fixed_base

    name, g = grp
    p = _points(name)[1]
    jac = curve.affine_to_jac_arr(g["to_limbs"]([g["aff"](p)]))
    ks = [R, 2 * R, R + 5, 2**256 - 1]
    for w in (3, 8):
        out = fixed_base.fixed_base(jac, ints_to_limbs(ks), w, 2)
        assert g["from_limbs"](out) == [g["aff"](ob.multiply(p, k % R)) for k in ks]


def test_msm_unit_pairing_rounds(grp, rng):
    """Hundreds of ±1 scalars go through rounds of batch-affine pairing: pairs that double (P + P), cancel (P − P:
    the slot becomes ∞ and later pairs meet it), odd counts at every round, and ∞ bases among them."""
    name, g = grp
    pts = _points(name)[:5]
    n = 301
    base_idx = [rng.choice([0, 0, 1, 2, 3, 4, -1]) for _ in range(n)]
    ks = [rng.choice([1, 1, R - 1]) for _ in range(n)]
    base_idx[:4], ks[:4] = [0, 0, 1, 1], [1, 1, 1, R - 1]  # a double and a cancel in the first round
    for t in (1, 2):
        got = g["msm"](_bases(g, base_idx, pts), ints_to_limbs(ks), n_threads=t)
        assert got == _expected(g, base_idx, ks, pts), t
    ks_cancel = [1, R - 1] * 40  # everything cancels: the sum is ∞
    assert g["msm"](_bases(g, [0] * 80, pts), ints_to_limbs(ks_cancel)) is None


def test_msm_glv_path_matches_py_ecc(grp, rng):
    """Full-width scalars take GLV (k = k1 + k2·λ, φ(P) = (β·x, y)): the split's edge values and negative halves."""
    from prover.glv import glv

    name, g = grp
    pts = _points(name)
    lam = glv().lam
    ks = [lam, R - lam, (R - 1) // 2, 2**128, 2**128 - 1, R - 2**128] + [rng.randrange(R) for _ in range(60)]
    base_idx = [i % len(pts) for i in range(len(ks))]
    for w in (None, 4, 13):
        got = g["msm"](_bases(g, base_idx, pts), ints_to_limbs(ks), window_bits=w)
        assert got == _expected(g, base_idx, ks, pts), w


def test_glv_split_kernel_matches_the_lattice(rng):
    """kernels.glv.glv_split_one against Python ints: k ≡ k1 + k2·λ (mod r), 0 ≤ k1 and |k2| below 2^128."""
    from prover.glv import glv, glv_split, split_constants
    from prover.kernels.glv import glv_split_one

    g, consts = glv(), split_constants()
    ks = [0, 1, 2, R - 1, R - 2, g.lam, R // 2, 2**128, 2**253] + [rng.randrange(R) for _ in range(2000)]
    for k in ks:
        limbs = ints_to_limbs([k])[0]
        m0, m1, m2, m3, n1, e0, e1, e2, e3, n2 = glv_split_one(*limbs, consts)
        k1 = int(m0) | int(m1) << 64 | int(m2) << 128 | int(m3) << 192
        k2 = int(e0) | int(e1) << 64 | int(e2) << 128 | int(e3) << 192
        k1, k2 = (-k1 if n1 else k1), (-k2 if n2 else k2)
        assert (k1 + k2 * g.lam - k) % R == 0
        assert 0 <= k1 < 2**128 and abs(k2) < 2**128
        p1, p2 = glv_split(k)
        assert (p1 + p2 * g.lam - k) % R == 0


def test_glv_endomorphism_on_both_groups():
    """φ₁(x, y) = (β·x, y) = λ·P on G1 and φ₂(x, y) = (β²·x, y) = λ·P on G2 (py_ecc scalar multiplications)."""
    from prover.glv import glv

    g = glv()
    p1 = ob.normalize(ob.multiply(ob.G1, 12345))
    l1 = ob.normalize(ob.multiply(ob.G1, 12345 * g.lam))
    assert (int(l1[0].n), int(l1[1].n)) == (g.beta_g1 * int(p1[0].n) % ob.field_modulus, int(p1[1].n))
    p2 = ob.normalize(ob.multiply(ob.G2, 777))
    l2 = ob.normalize(ob.multiply(ob.G2, 777 * g.lam))
    assert l2[0] == p2[0] * ob.FQ2([g.beta_g2, 0]) and l2[1] == p2[1]


def test_phi_kernel_is_multiplication_by_lambda(grp):
    """kernels.glv.phi_arr on a G1 / G2 array (∞ included) against λ·P computed by py_ecc."""
    from prover.glv import beta_limbs, glv
    from prover.kernels.glv import phi_arr

    name, g = grp
    pts = list(_points(name)[:4])
    aff = g["to_limbs"]([g["aff"](p) for p in pts] + [None])
    got = g["from_limbs"](phi_arr(aff, beta_limbs(1 if name == "g1" else 2)))
    assert got == [g["aff"](ob.multiply(p, glv().lam)) for p in pts] + [None]

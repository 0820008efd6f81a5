"""Native Baby Jubjub (``zksvs.babyjub``) against circomlibjs 0.1.7 ``babyJub``, run by node, and derived facts.

Oracles: circomlibjs's constants, ``addPoint``, ``mulPointEscalar``, ``inCurve``, ``inSubgroup`` (one node call per
test); ``galois.is_prime`` for the primality of the subgroup order. The points tested are multiples of GENERATOR
(which has order 8·l, so they cover every coset of the subgroup) and points off the curve.
"""

from __future__ import annotations

import random

import galois
import pytest

from tests.oracles.eddsa import circomlibjs, point
from zksvs import babyjub as bj
from zksvs.field import FR_MODULUS

R = FR_MODULUS
L = bj.SUBORDER


@pytest.mark.node
def test_constants_match_circomlibjs(node_tools):
    (c,) = circomlibjs([{"op": "constants"}])
    assert int(c["p"]) == bj.P == R
    assert (int(c["a"]), int(c["d"])) == (bj.A, bj.D)
    assert int(c["order"]) == bj.ORDER and int(c["subOrder"]) == bj.SUBORDER
    assert point(c["generator"]) == bj.GENERATOR and point(c["base8"]) == bj.BASE8


def test_derived_facts():
    assert galois.is_prime(L) and L.bit_length() == 251
    assert bj.ORDER == 8 * L
    assert bj.is_on_curve(bj.GENERATOR) and bj.is_on_curve(bj.BASE8)
    assert bj.scalar_mul(bj.GENERATOR, 8) == bj.BASE8
    assert bj.scalar_mul(bj.BASE8, L) == bj.IDENTITY == bj.base8_mul(L)
    # GENERATOR has order exactly 8·l: l·G ≠ O and 4l·G ≠ O (it is the point of order 2), 8l·G = O
    t8 = bj.scalar_mul(bj.GENERATOR, L)
    assert t8 != bj.IDENTITY and bj.scalar_mul(t8, 4) == bj.ORDER_TWO and bj.scalar_mul(t8, 8) == bj.IDENTITY
    # the Montgomery form's coefficients from a and d
    assert (bj.MONT_A, bj.MONT_B) == (168698, 1)
    assert (bj.MONT_A * (bj.A - bj.D) - 2 * (bj.A + bj.D)) % R == 0


def _points(rng: random.Random, n: int) -> list[tuple[int, int]]:
    ks = [0, 1, 2, 7, 8, L - 1, L, L + 1, 4 * L, 8 * L - 1] + [rng.randrange(8 * L) for _ in range(n)]
    return [bj.scalar_mul(bj.GENERATOR, k) for k in ks]


@pytest.mark.node
def test_add_and_scalar_mul_match_circomlibjs(node_tools):
    rng = random.Random(0xBB1)
    pts = _points(rng, 6)
    pairs = [(p, q) for p in pts[:6] for q in pts[6:]] + [(p, p) for p in pts]
    scalars = [0, 1, 2, 3, 8, 15, 16, L - 1, L, L + 1, R - 1, 2**256 - 1] + [rng.randrange(2**254) for _ in range(4)]
    muls = [(p, k) for p in pts[::3] for k in scalars]
    reqs = [{"op": "add", "p": p, "q": q} for p, q in pairs]
    reqs += [{"op": "mul", "p": p, "k": k} for p, k in muls]
    reqs += [{"op": "mul", "p": bj.BASE8, "k": k} for k in scalars]
    out = iter(circomlibjs(reqs))
    for p, q in pairs:
        assert bj.add(p, q) == point(next(out)), (p, q)
    for p, k in muls:
        assert bj.scalar_mul(p, k) == point(next(out)), (p, k)
    for k in scalars:
        assert bj.base8_mul(k) == point(next(out)), k


@pytest.mark.node
def test_curve_and_subgroup_membership_match_circomlibjs(node_tools):
    rng = random.Random(0xBB2)
    pts = _points(rng, 4)
    off = [(x, (y + 1) % R) for x, y in pts[:6]] + [(0, 0), (1, 1), (R - 1, 2)]
    cases = pts + off
    out = circomlibjs([{"op": op, "p": p} for p in cases for op in ("in_curve", "in_subgroup")])
    for i, p in enumerate(cases):
        assert bj.is_on_curve(p) is out[2 * i], p
        assert bj.in_subgroup(p) is out[2 * i + 1], p


def test_small_order_points_are_the_multiples_of_l_times_generator():
    t8 = bj.scalar_mul(bj.GENERATOR, L)
    small = {bj.scalar_mul(t8, k) for k in range(8)}
    assert len(small) == 8 and bj.IDENTITY in small and bj.ORDER_TWO in small
    assert all(bj.is_small_order(p) and bj.mul_cofactor(p) == bj.IDENTITY for p in small)
    assert not bj.is_small_order(bj.BASE8) and not bj.is_small_order(bj.add(bj.BASE8, t8))
    assert bj.mul_cofactor(bj.add(bj.BASE8, t8)) == bj.scalar_mul(bj.BASE8, 8)


def test_montgomery_map_round_trip():
    rng = random.Random(0xBB3)
    for p in _points(rng, 8):
        if p[0] == 0:
            with pytest.raises(ValueError, match="x ≠ 0"):
                bj.to_montgomery(p)
            continue
        u, v = bj.to_montgomery(p)
        assert (bj.MONT_B * v * v - u**3 - bj.MONT_A * u * u - u) % R == 0
        assert bj.from_montgomery((u, v)) == p
    with pytest.raises(ValueError, match="v ≠ 0"):
        bj.from_montgomery((0, 0))


def test_negate_double_and_base8_mul_agree():
    rng = random.Random(0xBB4)
    for p in _points(rng, 4):
        assert bj.add(p, bj.negate(p)) == bj.IDENTITY
        assert bj.double(p) == bj.scalar_mul(p, 2)
    for k in (0, 5, L - 1, L + 5, 2**300):
        assert bj.base8_mul(k) == bj.scalar_mul(bj.BASE8, k)
    s, h = rng.randrange(L), rng.randrange(R)
    q = bj.base8_mul(rng.randrange(L))
    r = bj.add(bj.base8_mul(s), bj.negate(bj.scalar_mul(q, h)))
    assert bj.base8_mul_equals(s, r, h, q)
    assert not bj.base8_mul_equals(s + 1, r, h, q)


def test_scalar_mul_rejects_negative_scalars():
    with pytest.raises(ValueError, match="non-negative, not -1"):
        bj.scalar_mul(bj.BASE8, -1)
    with pytest.raises(ValueError, match="non-negative, not -2"):
        bj.base8_mul(-2)

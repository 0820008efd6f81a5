"""Baby Jubjub gadgets: results equal circomlibjs's point arithmetic; costs; every rejection; no exceptional case.

Oracles: circomlibjs 0.1.7 ``babyJub.addPoint`` / ``mulPointEscalar`` run by node once per module (the ``expected``
fixture) for the additions, doublings and scalar multiplications checked here; ``zksvs.babyjub`` (itself tested
against circomlibjs in tests/core/test_babyjub.py) only for building inputs (points of every coset, small-order
points). Small widths are exhaustive; the 251/254-bit multiplications use boundary and adversarial scalars (multiples
of l, partial sums that would meet the doubling chain in an unprotected ladder) plus seeded random ones.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.babyjub import (
    EdwardsPoint,
    SubgroupPoint,
    alloc_point,
    assert_edwards_sum,
    assert_on_curve,
    base8_scalar_mul,
    base8_scalar_mul_cost,
    edwards_add,
    edwards_double,
    mul8,
    subgroup_scalar_mul,
    subgroup_scalar_mul_cost,
)
from circuits.gadgets.boolean import alloc_bool
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget
from tests.oracles.eddsa import circomlibjs, point
from zksvs import babyjub as bj
from zksvs.field import FR_MODULUS

R = FR_MODULUS
L = bj.SUBORDER
T8 = bj.scalar_mul(bj.GENERATOR, L)  # a point of order 8
SMALL = [bj.scalar_mul(T8, k) for k in range(8)]  # the 8 points of order dividing 8


def _points() -> list[tuple[int, int]]:
    rng = random.Random(0xB0B)
    pts = [bj.IDENTITY, bj.ORDER_TWO, T8, bj.BASE8, bj.GENERATOR]
    return pts + [bj.scalar_mul(bj.GENERATOR, rng.randrange(8 * L)) for _ in range(5)]


POINTS = _points()
A_KEYS = [bj.add(bj.BASE8, T8), bj.GENERATOR, POINTS[5], POINTS[6]]  # keys with and without torsion

# scalars for the 254-bit variable-base multiplication: boundaries, multiples of l, adversarial partial sums
_MUL_ANY_K = [0, 1, 2, 3, L - 1, L, L + 1, 2 * L, 7 * L, R - 1, 2**253, 2**254 - 1, 2**253 - L, 2**252 + 1]
_RNG = random.Random(0xA11)
_MUL_ANY_K += [_RNG.randrange(2**254) for _ in range(3)]
_MUL_B8_K = [0, 1, 7, 8, 9, L - 1, L - 2, 2**251 - 1, 2**250, sum(8**j for j in range(83))]
_MUL_B8_K += [_RNG.randrange(2**251) for _ in range(3)]


@pytest.fixture(scope="module")
def expected(node_tools) -> dict:
    """circomlibjs's results for every operation these tests check, keyed by the request."""
    reqs = [("add", p, q) for p in POINTS for q in POINTS[:6]]
    reqs += [("mul", a, 8 * k) for a in A_KEYS[:2] for k in _MUL_ANY_K]
    reqs += [("mul", a, 8 * k) for a in A_KEYS[2:3] for k in range(16)]
    reqs += [("mul", bj.BASE8, k) for k in _MUL_B8_K + list(range(64))]
    out = circomlibjs([{"op": op, "p": p, ("q" if op == "add" else "k"): x} for op, p, x in reqs])
    return {req: point(o) for req, o in zip(reqs, out, strict=True)}


# --- on the curve, add, double -------------------------------------------------------------------------------------


def _on_curve(cb, p, mode):
    assert_on_curve(cb, alloc_point(cb, "p", p, mode))


def test_assert_on_curve():
    outs = check_gadget(
        _on_curve,
        valid=POINTS,
        invalid=[Case((x, (y + 1) % R), rejects_at="on_curve/curve") for x, y in POINTS[:4]]
        + [Case((0, 0), rejects_at="on_curve/curve")],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {3}


def _add(cb, inp, mode):
    p, q, want = inp
    out = edwards_add(cb, alloc_point(cb, "p", p, mode), alloc_point(cb, "q", q, mode))
    cb.assert_equal(out.x, want[0], "want_x")
    cb.assert_equal(out.y, want[1], "want_y")


@pytest.mark.node
def test_edwards_add_matches_circomlibjs(expected):
    valid = [(p, q, expected["add", p, q]) for p in POINTS for q in POINTS[:6]]
    good = expected["add", POINTS[5], POINTS[3]]
    outs = check_gadget(
        _add,
        valid=valid,
        invalid=[
            Case((POINTS[5], POINTS[6], POINTS[7]), rejects_at="want"),
            Case((POINTS[5], POINTS[3], good), overrides={"add/tau": 3}),
            Case((POINTS[5], POINTS[3], good), overrides={"add/x": 3}, rejects_at="add/x"),
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {6 + 2}


def test_edwards_add_with_a_constant_point_costs_3():
    cb = ConstraintBuilder()
    out = edwards_add(cb, alloc_point(cb, "p", POINTS[5], Mode.PRIVATE), EdwardsPoint.constant(bj.BASE8))
    assert cb.n_constraints == 3 and out.value == bj.add(POINTS[5], bj.BASE8)
    cb.check()


def _double(cb, inp, mode):
    p, want = inp
    out = edwards_double(cb, alloc_point(cb, "p", p, mode))
    cb.assert_equal(out.x, want[0], "want_x")
    cb.assert_equal(out.y, want[1], "want_y")


@pytest.mark.node
def test_edwards_double_matches_circomlibjs(expected):
    outs = check_gadget(
        _double,
        valid=[(p, expected["add", p, p]) for p in POINTS[:6]],
        invalid=[
            Case((POINTS[5], bj.add(POINTS[5], POINTS[5])), overrides={"double/y": 1}, rejects_at="double/y"),
            Case((POINTS[5], POINTS[5]), rejects_at="want"),
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {5 + 2}


def _sum(cb, inp, mode):
    p, q, out = inp
    assert_edwards_sum(
        cb, alloc_point(cb, "p", p, mode), alloc_point(cb, "q", q, mode), alloc_point(cb, "out", out, mode)
    )


@pytest.mark.node
def test_assert_edwards_sum(expected):
    p, q = POINTS[6], POINTS[5]
    check_gadget(
        _sum,
        valid=[(p, q, expected["add", p, q]), (p, bj.IDENTITY, p), (p, bj.negate(p), bj.IDENTITY)],
        invalid=[
            Case((p, q, bj.negate(expected["add", p, q])), rejects_at="sum/x"),
            Case((p, q, p), rejects_at="sum/"),
            Case((p, bj.IDENTITY, bj.add(p, bj.ORDER_TWO)), rejects_at="sum/"),
        ],
        modes=WIRE_MODES,
    )


# --- mul8 ----------------------------------------------------------------------------------------------------------


def _mul8(cb, inp, mode):
    a, want = inp
    q = mul8(cb, alloc_point(cb, "a", a, mode))
    cb.assert_equal(q.u, want[0], "want_u")
    cb.assert_equal(q.v, want[1], "want_v")


def test_mul8_gives_the_montgomery_image_of_8a_and_rejects_small_order():
    valid = [(a, bj.to_montgomery(bj.mul_cofactor(a))) for a in A_KEYS + POINTS[5:]]
    invalid = [Case((t, (1, 1)), rejects_at="mul8/") for t in SMALL]
    invalid += [Case(((x, (y + 1) % R), (1, 1)), rejects_at="mul8/on_curve") for x, y in A_KEYS[:2]]
    outs = check_gadget(_mul8, valid=valid, invalid=invalid, modes=WIRE_MODES)
    assert {o.n_constraints for o in outs if o.label is None} == {18 + 2}
    # which check catches which small-order point: identity and order 2 at x ≠ 0, order 4 and 8 at a doubling
    labels = {o.case.inputs[0]: o.label for o in outs if o.label is not None and o.mode is Mode.PRIVATE}
    assert labels[bj.IDENTITY].startswith("mul8/") and labels[bj.ORDER_TWO] == "mul8/x_nonzero"
    order4 = [t for t in SMALL if bj.double(t) == bj.ORDER_TWO]
    assert all(labels[t] == "mul8/dbl[1]/lambda" for t in order4)
    assert labels[T8] == "mul8/dbl[2]/lambda"


# --- k·Q for Q = 8·A -----------------------------------------------------------------------------------------------


def _mul_any(cb, inp, mode):
    a, k, n, want = inp
    q = mul8(cb, alloc_point(cb, "a", a, mode))
    bits = [alloc_bool(cb, f"k[{i}]", (k >> i) & 1, mode) for i in range(n)]
    out = subgroup_scalar_mul(cb, q, bits)
    cb.assert_equal(out.x, want[0], "want_x")
    cb.assert_equal(out.y, want[1], "want_y")


@pytest.mark.node
def test_subgroup_scalar_mul_254_bits_matches_circomlibjs(expected):
    valid = [(a, k, 254, expected["mul", a, 8 * k]) for a in A_KEYS[:2] for k in _MUL_ANY_K]
    a, k = A_KEYS[0], _MUL_ANY_K[-1]
    good = expected["mul", a, 8 * k]
    invalid = [
        Case((a, k, 254, expected["mul", a, 8 * _MUL_ANY_K[-2]]), rejects_at="want"),
        Case((a, k, 254, good), overrides={"mul_any/add[100]/lambda": 5}, rejects_at="mul_any/add[100]/lambda"),
        Case((a, k, 254, good), overrides={"mul_any/dbl[7]/u": 5}, rejects_at="mul_any/dbl[7]/u"),
        Case((a, k, 254, good), overrides={"mul_any/neg[3]": 5}, rejects_at="mul_any/neg[3]"),
        Case((a, k, 254, good), overrides={"mul_any/edwards/x": 5}, rejects_at="mul_any/edwards/x"),
    ]
    outs = check_gadget(_mul_any, valid=valid, invalid=invalid, modes=(Mode.PRIVATE,))
    n_alloc = 18 + 254
    assert {o.n_constraints - n_alloc for o in outs if o.label is None} == {subgroup_scalar_mul_cost(254) + 2}
    assert subgroup_scalar_mul_cost(254) == 2035


@pytest.mark.node
def test_subgroup_scalar_mul_small_widths_exhaustive(expected):
    a = A_KEYS[2]
    for n in (2, 3, 4):
        valid = [(a, k, n, expected["mul", a, 8 * k]) for k in range(2**n)]
        outs = check_gadget(_mul_any, valid=valid, modes=WIRE_MODES)
        assert {o.n_constraints - 18 - n for o in outs} == {subgroup_scalar_mul_cost(n) + 2}


def test_subgroup_scalar_mul_argument_errors():
    cb = ConstraintBuilder()
    q = mul8(cb, alloc_point(cb, "a", A_KEYS[0], Mode.PRIVATE))
    bit = alloc_bool(cb, "b", 1)
    with pytest.raises(ValueError, match="at least 2 bits, not 1"):
        subgroup_scalar_mul(cb, q, [bit])
    with pytest.raises(TypeError, match="must be a SubgroupPoint"):
        subgroup_scalar_mul(cb, (q.u, q.v), [bit, bit])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"bits\[1\]"):
        subgroup_scalar_mul(cb, q, [bit, cb.private("x", 1)])  # type: ignore[list-item]
    assert isinstance(q, SubgroupPoint)


# --- k·Base8 -------------------------------------------------------------------------------------------------------


def _mul_b8(cb, inp, mode):
    k, n, want = inp
    bits = [alloc_bool(cb, f"k[{i}]", (k >> i) & 1, mode) for i in range(n)]
    out = base8_scalar_mul(cb, bits)
    cb.assert_equal(out.x, want[0], "want_x")
    cb.assert_equal(out.y, want[1], "want_y")


@pytest.mark.node
def test_base8_scalar_mul_251_bits_matches_circomlibjs(expected):
    valid = [(k, 251, expected["mul", bj.BASE8, k]) for k in _MUL_B8_K]
    k = _MUL_B8_K[-1]
    good = expected["mul", bj.BASE8, k]
    invalid = [
        Case((k, 251, expected["mul", bj.BASE8, _MUL_B8_K[-2]]), rejects_at="want"),
        Case((k, 251, good), overrides={"mul_base8/add[40]/v": 5}, rejects_at="mul_base8/add[40]/v"),
        Case((k, 251, good), overrides={"mul_base8/win[9]/u": 5}, rejects_at="mul_base8/"),
        Case((k, 251, good), overrides={"mul_base8/win[9]/b01": 1 - (k >> 27 & k >> 28 & 1)}),
    ]
    outs = check_gadget(_mul_b8, valid=valid, invalid=invalid, modes=(Mode.PRIVATE,))
    assert {o.n_constraints - 251 for o in outs if o.label is None} == {base8_scalar_mul_cost(251) + 2}
    assert base8_scalar_mul_cost(251) == 502


@pytest.mark.node
def test_base8_scalar_mul_small_widths_exhaustive(expected):
    for n in range(1, 7):
        valid = [(k, n, expected["mul", bj.BASE8, k]) for k in range(2**n)]
        outs = check_gadget(_mul_b8, valid=valid, modes=ALL_MODES)
        assert {o.n_constraints - n for o in outs if o.mode is not Mode.CONSTANT} == {base8_scalar_mul_cost(n) + 2}


def test_base8_scalar_mul_tables_cover_every_width_used():
    # the offset folded into the last window never makes an entry the identity (asserted while building)
    for n in itertools.chain(range(1, 40), (250, 251, 252, 253, 254)):
        cb = ConstraintBuilder(with_values=False)
        base8_scalar_mul(cb, [alloc_bool(cb, f"k[{i}]", None) for i in range(n)])
        assert cb.n_constraints == n + base8_scalar_mul_cost(n)
    with pytest.raises(ValueError, match="at least 1 bit"):
        base8_scalar_mul(ConstraintBuilder(), [])


@settings(max_examples=10)
@given(k=st.integers(0, 2**254 - 1), j=st.integers(0, 2**251 - 1))
def test_scalar_muls_match_native_on_random_scalars(k, j):
    """Both multiplications on hypothesis scalars, against zksvs.babyjub (tested against circomlibjs in tests/core)."""
    a = A_KEYS[1]
    cb = ConstraintBuilder()
    q = mul8(cb, alloc_point(cb, "a", a, Mode.PRIVATE))
    out = subgroup_scalar_mul(cb, q, [alloc_bool(cb, f"k[{i}]", (k >> i) & 1) for i in range(254)])
    fixed = base8_scalar_mul(cb, [alloc_bool(cb, f"j[{i}]", (j >> i) & 1) for i in range(251)])
    assert out.value == bj.scalar_mul(bj.mul_cofactor(a), k)
    assert fixed.value == bj.base8_mul(j)
    cb.check()

"""is_zero, is_equal, assert_equal, assert_le(_unchecked), is_lt(_unchecked): exhaustive small widths, boundaries."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.compare import (
    assert_equal,
    assert_le,
    assert_le_unchecked,
    is_equal,
    is_lt,
    is_lt_unchecked,
    is_zero,
)
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget
from zksvs.field import FR_MODULUS

R = FR_MODULUS


def _is_zero(cb, inp, mode):
    x, want = inp
    cb.assert_equal(is_zero(cb, cb.alloc("x", x, mode)), cb.alloc("want", want, mode), "want")


def test_is_zero_matches_native():
    outs = check_gadget(
        _is_zero,
        valid=[(0, 1), (1, 0), (5, 0), (R - 1, 0)],
        invalid=[
            Case((5, 1), rejects_at="want"),
            Case((0, 0), rejects_at="want"),
            # a prover claiming is_zero(5) = 1 must set x·inv = 0, i.e. inv = 0; then x·out = 5 ≠ 0
            Case((5, 1), overrides={"is_zero/inv": 0}, rejects_at="is_zero/out"),
            # claiming is_zero(0) = 0 needs x·inv = 1, impossible
            Case((0, 0), overrides={"is_zero/x_inv": 1}, rejects_at="is_zero/x_inv"),
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {3}


def test_is_equal_and_assert_equal():
    def build(cb, inp, mode):
        a, b, want = inp
        va, vb = cb.alloc("a", a, mode), cb.alloc("b", b, mode)
        assert_equal(cb, is_equal(cb, va, vb), cb.alloc("want", want, mode), "want")

    check_gadget(
        build,
        valid=[(3, 3, 1), (3, 4, 0), (0, R - 1, 0)],
        invalid=[Case((3, 4, 1), rejects_at="want"), Case((3, 3, 0), rejects_at="want")],
        modes=ALL_MODES,
    )


N = 3  # exhaustive width


def test_assert_le_unchecked_exhaustive():
    pairs = list(itertools.product(range(1 << N), repeat=2))
    outs = check_gadget(
        lambda cb, ab, mode: assert_le_unchecked(cb, cb.alloc("a", ab[0], mode), cb.alloc("b", ab[1], mode), N),
        valid=[(a, b) for a, b in pairs if a <= b],
        invalid=[Case((a, b), rejects_at="le/") for a, b in pairs if a > b],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {N + 1}


def test_assert_le_checks_its_inputs():
    top = (1 << 64) - 1
    outs = check_gadget(
        lambda cb, ab, mode: assert_le(cb, cb.alloc("a", ab[0], mode), cb.alloc("b", ab[1], mode), 64),
        valid=[(0, 0), (0, top), (top, top), (5, 6)],
        invalid=[
            Case((6, 5), rejects_at="le/recompose"),
            Case((top, 0), rejects_at="le/recompose"),
            Case((R - 1, 0), rejects_at="le/range_a/"),  # −1 ≤ 0 only if a is not range-checked
            Case((0, 1 << 64), rejects_at="le/range_b/"),
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {195}


def test_is_lt_exhaustive():
    pairs = list(itertools.product(range(1 << N), repeat=2))
    for fn, cost in ((is_lt_unchecked, N + 2), (is_lt, 3 * N + 4)):

        def build(cb, inp, mode, fn=fn):
            a, b, want = inp
            lt = fn(cb, cb.alloc("a", a, mode), cb.alloc("b", b, mode), N)
            cb.assert_equal(lt, cb.alloc("want", want, mode), "want")

        outs = check_gadget(
            build,
            valid=[(a, b, int(a < b)) for a, b in pairs],
            invalid=[Case((a, b, int(a >= b)), rejects_at="want") for a, b in pairs],
            modes=ALL_MODES,
        )
        assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {cost + 1}


def test_is_lt_rejects_a_forged_top_bit():
    def build(cb, inp, mode):
        a, b = inp
        is_lt_unchecked(cb, cb.alloc("a", a, mode), cb.alloc("b", b, mode), 8)

    check_gadget(build, invalid=[Case((3, 9), overrides={"lt/bit[8]": 1}, rejects_at="lt/recompose")], modes=WIRE_MODES)


def test_compare_width_checked():
    cb = ConstraintBuilder()
    with pytest.raises(ValueError, match=r"Argument 'n_bits' must be in \[1, 252\], not 253"):
        is_lt(cb, cb.private("a", 1), 2, 253)


@given(a=st.integers(0, (1 << 64) - 1), b=st.integers(0, (1 << 64) - 1))
def test_is_lt_and_assert_le_agree_with_native_u64(a, b):
    def build_lt(cb, inp, mode):
        cb.assert_equal(is_lt(cb, cb.alloc("a", inp[0], mode), cb.alloc("b", inp[1], mode), 64), int(a < b), "want")

    check_gadget(build_lt, valid=[(a, b)])
    check_gadget(
        lambda cb, inp, mode: assert_le(cb, cb.alloc("a", inp[0], mode), cb.alloc("b", inp[1], mode), 64),
        **({"valid": [(a, b)]} if a <= b else {"invalid": [Case((a, b), rejects_at="le/recompose")]}),
    )

"""assert_range (u64 balances and amounts), assert_below (chain ids, peers) and the range-checked balance updates
sub_in_range / add_in_range."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.range import U64_BITS, add_in_range, assert_below, assert_range, sub_in_range
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget
from zksvs.field import FR_MODULUS

R = FR_MODULUS
TOP = (1 << 64) - 1


def _range(cb, x, mode):
    assert_range(cb, cb.alloc("x", x, mode), U64_BITS)


def test_assert_range_u64_boundaries():
    rng = random.Random(64)
    outs = check_gadget(
        _range,
        valid=[0, 1, TOP, 1 << 63, *(rng.randrange(1 << 64) for _ in range(5))],
        invalid=[Case(x, rejects_at="range/") for x in (1 << 64, (1 << 64) + 5, R - 1, R - TOP, 1 << 200)],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {65}
    assert {o.label for o in outs if o.label and o.mode is not Mode.CONSTANT} == {"range/recompose"}


def test_assert_range_exhaustive_small_width():
    check_gadget(
        lambda cb, x, mode: assert_range(cb, cb.alloc("x", x, mode), 3),
        valid=list(range(8)),
        invalid=[Case(x, rejects_at="range/") for x in (8, 9, R - 1)],
        modes=ALL_MODES,
    )


def test_assert_range_names_the_bad_bit():
    check_gadget(_range, invalid=[Case(5, overrides={"range/bit[7]": 2}, rejects_at="range/bit[7]")], modes=WIRE_MODES)


HALF = pow(2, -1, R)


@pytest.mark.parametrize(("bound", "cost"), [(2, 2), (3, 4), (4, 3), (5, 6), (6, 5), (7, 6), (8, 4)])
def test_assert_below_every_value_exhaustively(bound, cost):
    """Exactly 0..bound − 1 pass, for every K the shapes allow; the field values whose double lands near the range
    (the audit's (2c ± 1)/2 peers, −c/2, 1/2) fail."""
    n = (bound - 1).bit_length()
    halves = [(2 * c + d) * HALF % R for c in range(bound + 1) for d in (-1, 1)] + [-c * HALF % R for c in range(1, 3)]
    outs = check_gadget(
        lambda cb, x, mode: assert_below(cb, cb.alloc("x", x, mode), bound, "peer"),
        valid=list(range(bound)),
        invalid=[Case(x, rejects_at="peer/") for x in (*range(bound, 1 << (n + 1)), R - 1, (R - 1) // 2, *halves)],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {cost}


def test_assert_below_refuses_a_bound_below_two():
    with pytest.raises(ValueError, match="Argument 'bound' must be at least 2, not 1"):
        assert_below(ConstraintBuilder(), 0, 1)


def _update(fn):
    def build(cb, inp, mode):
        old, amount, want = inp
        with cb.namespace("balance"):
            new = fn(cb, cb.alloc("old", old, mode), cb.alloc("amount", amount, mode))
            cb.assert_equal(new, cb.alloc("want", want, mode), "want")

    return build


def test_sub_in_range_rejects_overdraft():
    outs = check_gadget(
        _update(sub_in_range),
        valid=[(10, 3, 7), (10, 10, 0), (TOP, TOP, 0), (TOP, 0, TOP), (0, 0, 0)],
        invalid=[
            Case((10, 11, R - 1), rejects_at="balance/sub/range/"),  # the wrap-around value
            Case((0, 1, R - 1), rejects_at="balance/sub/range/"),
            Case((0, TOP, R - TOP), rejects_at="balance/sub/range/"),
            Case((10, 3, 8), rejects_at="balance/want"),
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {65 + 1}


def test_add_in_range_rejects_overflow():
    check_gadget(
        _update(add_in_range),
        valid=[(10, 3, 13), (TOP - 5, 5, TOP), (0, 0, 0)],
        invalid=[
            Case((TOP, 1, 1 << 64), rejects_at="balance/add/range/"),
            Case((TOP, TOP, 2 * TOP), rejects_at="balance/add/range/"),
        ],
        modes=ALL_MODES,
    )


def test_range_width_argument_checked():
    cb = ConstraintBuilder()
    with pytest.raises(ValueError, match=r"Argument 'n_bits' must be in \[1, 252\], not 253"):
        sub_in_range(cb, cb.private("a", 1), 1, 253)
    with pytest.raises(ValueError, match=r"Argument 'n' must be in \[1, 253\], not 254"):
        assert_range(cb, cb.private("b", 1), 254)


_u64 = st.integers(0, TOP)


@given(old=_u64, amount=_u64)
def test_sub_in_range_agrees_with_native_u64(old, amount):
    """The constraint form accepts exactly when the native debit rule (amount ≤ old) does."""
    want = (old - amount) % R
    outs = check_gadget(
        _update(sub_in_range),
        **({"valid": [(old, amount, want)]} if amount <= old else {"invalid": [(old, amount, want)]}),
    )
    assert len(outs) == 1


@given(old=_u64, amount=_u64)
def test_add_in_range_agrees_with_native_u64(old, amount):
    """The constraint form accepts exactly when the native credit rule (old + amount < 2^64) does."""
    want = old + amount
    check_gadget(
        _update(add_in_range),
        **({"valid": [(old, amount, want)]} if want <= TOP else {"invalid": [(old, amount, want)]}),
    )

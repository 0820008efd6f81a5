"""to_bits / from_bits: decompositions, the reducedness check for n ≥ 254, comparison with a constant bound."""

import random

import pytest

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.bits import FR_BITS, assert_bits_le_constant, from_bits, to_bits
from circuits.gadgets.boolean import alloc_bool
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget
from zksvs.field import FR_MODULUS

R = FR_MODULUS


def _to_bits(n):
    def build(cb, x, mode):
        bits = to_bits(cb, cb.alloc("x", x, mode), n)
        assert len(bits) == n
        cb.assert_equal(from_bits(bits), cb.alloc("again", x, mode), "again")

    return build


def test_to_bits_values_are_little_endian():
    cb = ConstraintBuilder()
    bits = to_bits(cb, cb.private("x", 0b1101), 6)
    assert [b.value for b in bits] == [1, 0, 1, 1, 0, 0]
    assert from_bits(bits).value == 0b1101


def test_to_bits_exhaustive_small_width():
    outs = check_gadget(
        _to_bits(4),
        valid=list(range(16)),
        invalid=[Case(x, rejects_at="to_bits/") for x in (16, 17, 31, R - 1)],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {4 + 1 + 1}
    assert {o.n_constraints for o in outs if o.mode is Mode.CONSTANT and o.label is None} == {0}


def test_to_bits_rejects_a_flipped_bit():
    check_gadget(
        _to_bits(8),
        valid=[0xA5],
        invalid=[Case(0xA5, overrides={"to_bits/bit[1]": 1}, rejects_at="to_bits/recompose")],
        modes=WIRE_MODES,
    )


def test_to_bits_full_width_cost_and_values():
    rng = random.Random(254)
    xs = [0, 1, R - 1, R - 2, (1 << 253) - 1, 1 << 253, rng.randrange(R)]
    outs = check_gadget(_to_bits(254), valid=xs, modes=WIRE_MODES)
    # 254 booleanity + 1 recomposition + 253 for bits ≤ r − 1, + 1 for the test's own equality
    assert {o.n_constraints for o in outs} == {254 + 1 + 253 + 1}
    outs = check_gadget(_to_bits(256), valid=[R - 1, 5], modes=ALL_MODES)
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE} == {509}


def test_to_bits_full_width_rejects_non_reduced_decomposition():
    # x and x + r (< 2^254) recompose to the same field element; only the reducedness check tells them apart.
    for x in (0, 1, 12345, (1 << 254) - R - 1):
        alias = x + R
        assert alias < 1 << 254
        overrides = {f"to_bits/bit[{i}]": (alias >> i) & 1 for i in range(FR_BITS)}
        outs = check_gadget(
            _to_bits(254), invalid=[Case(x, overrides=overrides, rejects_at="to_bits/lt_r/le[")], modes=WIRE_MODES
        )
        assert all(o.label.startswith("to_bits/lt_r/le[") for o in outs)


def test_assert_bits_le_constant_exhaustive():
    for bound in range(16):

        def build(cb, x, mode, bound=bound):
            bits = [alloc_bool(cb, f"b[{i}]", (x >> i) & 1, mode) for i in range(4)]
            assert_bits_le_constant(cb, bits, bound)

        check_gadget(
            build,
            valid=list(range(bound + 1)),
            invalid=[Case(x, rejects_at="le[") for x in range(bound + 1, 16)],
            modes=ALL_MODES,
        )


def test_bits_argument_errors():
    cb = ConstraintBuilder()
    with pytest.raises(ValueError, match="Argument 'n' must be at least 1, not 0"):
        to_bits(cb, cb.private("x", 1), 0)
    with pytest.raises(TypeError, match="must be a Bool"):
        from_bits([cb.private("y", 1)])

"""Boolean gadgets: assert_bool, alloc_bool, select, and_, or_, not_, xor; exhaustive over bits, all alloc modes."""

import itertools

import pytest

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.boolean import alloc_bool, and_, assert_bool, not_, or_, select, xor
from tests.helpers.circuit_check import ALL_MODES, Case, check_gadget
from zksvs.field import FR_MODULUS


def _assert_bool(cb, x, mode):
    assert_bool(cb, cb.alloc("x", x, mode))


def test_assert_bool_accepts_bits_rejects_others():
    outs = check_gadget(
        _assert_bool,
        valid=[0, 1],
        invalid=[Case(2, rejects_at="bool"), Case(FR_MODULUS - 1, rejects_at="bool")],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT} == {1}
    assert {o.n_constraints for o in outs if o.mode is Mode.CONSTANT} == {0}


def test_alloc_bool_labels_the_bit():
    check_gadget(
        lambda cb, v, mode: alloc_bool(cb, "dir", v, mode),
        valid=[0, 1],
        invalid=[Case(2, rejects_at="dir")],
        modes=ALL_MODES,
    )


_GATES = {
    "and": (and_, lambda a, b: a & b),
    "or": (or_, lambda a, b: a | b),
    "xor": (xor, lambda a, b: a ^ b),
}


@pytest.mark.parametrize("gate", sorted(_GATES))
def test_gate_matches_native_exhaustively(gate):
    fn, native = _GATES[gate]

    def build(cb, ab, mode):
        a, b, want = ab
        out = fn(cb, alloc_bool(cb, "a", a, mode), alloc_bool(cb, "b", b, mode))
        cb.assert_equal(out, cb.alloc("want", want, mode), "want")

    cases = list(itertools.product([0, 1], repeat=2))
    outs = check_gadget(
        build,
        valid=[(a, b, native(a, b)) for a, b in cases],
        invalid=[Case((a, b, 1 - native(a, b)), rejects_at="want") for a, b in cases]
        # a dishonest product wire: caught by the gate's own constraint
        + [Case((1, 1, native(1, 1)), overrides={gate: 0}, rejects_at=gate)],
        modes=ALL_MODES,
    )
    # 2 booleanity + 1 gate + 1 equality with wire inputs
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {4}


def test_not_is_free():
    def build(cb, ab, mode):
        a, want = ab
        cb.assert_equal(not_(alloc_bool(cb, "a", a, mode)), cb.alloc("want", want, mode), "want")

    check_gadget(build, valid=[(0, 1), (1, 0)], invalid=[Case((0, 0), rejects_at="want")], modes=ALL_MODES)


def test_select_picks_by_condition():
    def build(cb, inp, mode):
        c, a, b, want = inp
        out = select(cb, alloc_bool(cb, "c", c, mode), cb.alloc("a", a, mode), cb.alloc("b", b, mode))
        cb.assert_equal(out, cb.alloc("want", want, mode), "want")

    big = FR_MODULUS - 1
    outs = check_gadget(
        build,
        valid=[(1, 7, big, 7), (0, 7, big, big), (1, 5, 5, 5), (0, 0, 9, 9)],
        invalid=[
            Case((1, 7, 9, 9), rejects_at="want"),
            Case((0, 7, 9, 7), rejects_at="want"),
            Case((1, 7, 9, 7), overrides={"select": 3}, rejects_at="select"),
            Case((2, 7, 9, 7), rejects_at="c"),  # a non-boolean condition is stopped by its booleanity
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {3}


def test_gates_refuse_unconstrained_inputs():
    cb = ConstraintBuilder()
    x = cb.private("x", 1)
    with pytest.raises(TypeError, match="Argument 'cond' must be a Bool"):
        select(cb, x, 1, 2)
    with pytest.raises(TypeError, match="Argument 'b' must be a Bool"):
        and_(cb, assert_bool(cb, x), x)
    assert and_(cb, 1, 0).value == 0  # int bits are constants

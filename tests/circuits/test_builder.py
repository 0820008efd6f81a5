"""ConstraintBuilder: circom wire order, witness as you go, shape-only builds, constant folding, labels, overrides."""

import pytest

from circuits.builder import Bool, ConstraintBuilder, Mode, Var
from tests.helpers.circuit_check import assert_same_shape, perturbation_probe
from zksvs.errors import NonCanonicalFieldElement, UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.r1cs import R1CS, Constraint, LinearCombination


def _cubic(cb: ConstraintBuilder, x: int | None = 3, out: int | None = 35) -> None:
    # The private input comes first and the public output after it: the builder must renumber.
    xv = cb.private("x", x)
    with cb.namespace("cubic"):
        x3 = cb.mul(cb.mul(xv, xv, "x2"), xv, "x3")
        o = cb.public("out", out)
        cb.enforce(x3 + xv + 5, 1, o, "out")


def test_builder_orders_wires_as_circom():
    cb = ConstraintBuilder()
    _cubic(cb)
    r1cs, w = cb.build(), cb.witness()
    assert r1cs.wire_labels == ["one", "cubic/out", "x", "cubic/x2", "cubic/x3"]
    assert w.values == (1, 35, 3, 9, 27)
    assert (r1cs.n_public, r1cs.n_wires, r1cs.n_constraints, r1cs.n_private_inputs) == (1, 5, 3, 1)
    assert w.public_inputs(r1cs.n_public) == [35]
    assert r1cs.is_satisfied(w.values)
    assert r1cs.unconstrained_wires() == []


def test_builder_wire_index_follows_renumbering():
    cb = ConstraintBuilder()
    x = cb.private("x", 1)
    y = cb.public("y", 2)
    assert cb.wire_index(y) == 1 and cb.wire_index(x) == 2
    with pytest.raises(ValueError, match="single wire"):
        cb.wire_index(x + y)


def test_builder_names_the_failing_rule():
    cb = ConstraintBuilder()
    _cubic(cb, 3, 36)
    r1cs = cb.build()
    assert r1cs.first_unsatisfied(cb.witness().values) == (2, "cubic/out")
    with pytest.raises(UnsatisfiedConstraint, match="cubic/out"):
        cb.check()


def test_builder_shape_only_gives_the_same_r1cs():
    valued, shape = ConstraintBuilder(), ConstraintBuilder(with_values=False)
    _cubic(valued)
    _cubic(shape, 3, 35)  # values are dropped in shape mode
    assert_same_shape(valued.build(), shape.build())
    with pytest.raises(ValueError, match="shape only"):
        shape.witness()


def test_builder_reports_the_wire_without_value():
    cb = ConstraintBuilder()
    _cubic(cb, 3, None)
    with pytest.raises(ValueError, match=r"wire 1 \('cubic/out'\) has no value"):
        cb.witness()


def test_builder_folds_constants():
    cb = ConstraintBuilder()
    a, b = cb.constant(6), Var.constant(7)
    p = cb.mul(a, b)
    assert p.is_constant and p.value == 42 and cb.n_constraints == 0
    x = cb.private("x", 5)
    assert cb.mul(x, b).value == 35 and cb.n_constraints == 0  # constant times wire: linear
    cb.enforce(6, 7, 42, "true")
    cb.enforce(2, x, x * 2, "identically true")
    assert cb.n_constraints == 0
    with cb.namespace("ns"), pytest.raises(UnsatisfiedConstraint, match="ns/false") as e:
        cb.enforce(2, 3, 5, "false")
    assert e.value.index == 0
    with pytest.raises(UnsatisfiedConstraint, match="linear false"):
        cb.enforce(2, x, 2 * x + 1, "linear false")


def test_builder_linear_operations_are_free_and_reduce_mod_r():
    cb = ConstraintBuilder()
    x, y = cb.private("x", 3), cb.private("y", FR_MODULUS - 1)
    z = 2 * x - y + 1 - (x * 3)
    assert z.value == (6 - (FR_MODULUS - 1) + 1 - 9) % FR_MODULUS
    assert (-x).value == FR_MODULUS - 3 and (10 - x).value == 7
    assert cb.n_constraints == 0


def test_builder_refuses_nonlinear_products_and_truth_values():
    cb = ConstraintBuilder()
    x = cb.private("x", 3)
    with pytest.raises(TypeError, match=r"builder\.mul"):
        x * x
    with pytest.raises(TypeError, match="no truth value"):
        bool(x)
    with pytest.raises(TypeError, match="Expected a Var or int"):
        x + 1.5


def test_builder_rejects_non_canonical_inputs():
    cb = ConstraintBuilder()
    with pytest.raises(NonCanonicalFieldElement, match=r"x must be in \[0, r\)"):
        cb.private("x", FR_MODULUS)
    with pytest.raises(NonCanonicalFieldElement, match="y"):
        cb.public("y", -1)


def test_builder_alloc_modes():
    cb = ConstraintBuilder()
    c = cb.alloc("c", 4, Mode.CONSTANT)
    p = cb.alloc("p", 5, Mode.PUBLIC)
    s = cb.alloc("s", 6, Mode.PRIVATE)
    assert c.is_constant and not p.is_constant and not s.is_constant
    assert (cb.n_public, cb.n_wires) == (1, 3)
    with pytest.raises(ValueError, match="needs a value"):
        cb.alloc("c2", None, Mode.CONSTANT)


def test_builder_overrides_replace_values_and_feed_later_hints():
    cb = ConstraintBuilder(overrides={"cubic/x2": 10})
    _cubic(cb)
    w = cb.witness()
    assert w.values[3:] == (10, 30)  # x3 is recomputed from the tampered x2
    assert cb.build().first_unsatisfied(w.values) == (0, "cubic/x2")
    cb = ConstraintBuilder(overrides={"cubic/nope": 1})
    _cubic(cb)
    with pytest.raises(ValueError, match="name no allocated wire"):
        cb.build()


def test_builder_namespace_rejects_bad_names():
    cb = ConstraintBuilder()
    with pytest.raises(ValueError, match="no '/'"), cb.namespace("a/b"):
        pass
    with cb.namespace("slot[3]"), cb.namespace("transfer"):
        assert cb.label("range") == "slot[3]/transfer/range"
    assert cb.label("x") == "x"


def test_bool_constants_only_bits():
    assert Bool.constant(1).value == 1
    with pytest.raises(ValueError, match="must be 0 or 1"):
        Bool.constant(2)


def test_perturbation_probe_finds_a_wire_no_constraint_notices():
    cb = ConstraintBuilder()
    _cubic(cb)
    r1cs, w = cb.build(), cb.witness()
    assert perturbation_probe(r1cs, w.values) == []
    L = LinearCombination
    weak = R1CS(
        n_wires=3,
        n_public=0,
        constraints=[Constraint(L.wire(1), L.wire(1), L.wire(1)), Constraint(L.wire(2), L.constant(0), L.constant(0))],
    )
    assert weak.unconstrained_wires() == []  # wire 2 appears, yet nothing checks it
    assert perturbation_probe(weak, [1, 1, 7]) == [2]


def _square_plus(cb, xs):
    with cb.namespace("sq"):
        return [cb.mul(xs[0], xs[0], "x2") + xs[1]]


def test_repeat_replays_a_recording_with_labels_values_and_overrides():
    direct, replayed = ConstraintBuilder(), ConstraintBuilder()
    for cb in (direct, replayed):
        with cb.namespace("outer"):
            a, b = cb.private("a", 3), cb.private("b", 4)
            ins = [a + b, 2 * b]
            out = _square_plus(cb, ins)[0] if cb is direct else cb.repeat(("sq_test",), _square_plus, ins)[0]
            assert out.value == 49 + 8
    assert_same_shape(direct.build(), replayed.build())
    assert direct.witness().values == replayed.witness().values
    cb = ConstraintBuilder(overrides={"sq/x2": 1})
    out = cb.repeat(("sq_test",), _square_plus, [cb.private("a", 5), cb.private("b", 0)])[0]
    assert out.value == 1
    assert cb.build().first_unsatisfied(cb.witness().values)[1] == "sq/x2"


def test_repeat_runs_directly_on_constant_inputs_and_refuses_inputs_inside():
    cb = ConstraintBuilder()
    out = cb.repeat(("sq_test",), _square_plus, [cb.constant(3), cb.private("b", 1)])[0]
    assert out.value == 10 and cb.n_constraints == 0
    with pytest.raises(RuntimeError, match="hints only"):
        cb.repeat(("bad",), lambda b, xs: [b.private("p", 1)], [cb.private("c", 1)])

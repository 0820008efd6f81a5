"""R1CS: satisfaction, first_unsatisfied labels, unconstrained wires, matrices."""

import pytest

from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.limbs import limbs_to_ints
from zksvs.r1cs import R1CS, Constraint, LinearCombination, lc_sum

L = LinearCombination


def _cubic() -> R1CS:
    # wires: 0=1, 1=out (public), 2=x, 3=x², 4=x³ ; out = x³ + x + 5
    cons = [
        Constraint(L.wire(2), L.wire(2), L.wire(3), "x2"),
        Constraint(L.wire(3), L.wire(2), L.wire(4), "x3"),
        Constraint(L.wire(4) + L.wire(2) + 5, L.constant(1), L.wire(1), "out"),
    ]
    return R1CS(n_wires=5, n_public=1, constraints=cons)


def test_r1cs_accepts_valid_witness():
    assert _cubic().is_satisfied([1, 35, 3, 9, 27])


@pytest.mark.parametrize(("witness", "label"), [([1, 35, 3, 10, 27], "x2"), ([1, 36, 3, 9, 27], "out")])
def test_r1cs_rejects_wrong_witness_with_label(witness, label):
    cs = _cubic()
    assert cs.first_unsatisfied(witness)[1] == label
    with pytest.raises(UnsatisfiedConstraint, match=label):
        cs.check(witness)


def test_r1cs_rejects_bad_witness_shape():
    with pytest.raises(ValueError, match="Invalid witness length"):
        _cubic().is_satisfied([1, 35, 3])
    with pytest.raises(ValueError, match=r"witness\[0\] must be 1"):
        _cubic().is_satisfied([2, 35, 3, 9, 27])


def test_unconstrained_wires_finds_floating_private_wire():
    cs = _cubic()
    assert cs.unconstrained_wires() == []
    cs.n_wires = 6
    assert cs.unconstrained_wires() == [5]


def test_linear_combination_arithmetic_reduces_mod_r():
    a = L.wire(1, FR_MODULUS - 1) + L.wire(1)
    assert a.terms == {}
    b = 3 * L.wire(2) - 1
    assert b.terms == {2: 3, 0: FR_MODULUS - 1}
    assert lc_sum([L.wire(1), L.wire(1), 2]).terms == {1: 2, 0: 2}
    assert (-b).evaluate([1, 0, 5]) == (FR_MODULUS - 14) % FR_MODULUS


def test_to_matrices_holds_every_entry():
    m = _cubic().to_matrices()
    assert m.A.nnz == 5 and m.n_constraints == 3
    assert limbs_to_ints(m.A.coeffs) == [1, 1, 1, 1, 5]
    assert list(m.C.wires) == [3, 4, 1]

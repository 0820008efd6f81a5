"""snarkjs's QAP reduction (``prover.qap.snarkjs_reduction``) against a Python-int polynomial reference.

Oracle: ``tests/prover/reference.py``: the R1CS rows (with snarkjs's input rows, and the circuit's real C matrix
rather than A∘B) are interpolated over the n-domain by a naive inverse DFT, multiplied as polynomials, and
evaluated by Horner at the odd points ω_{2n}^{2i+1}; and independently, at a random τ, the quotient's Lagrange form
Σ h_i·L_{2n,2i+1}(τ) must equal A(τ)·B(τ) − C(τ), with L from the product formula.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from prover.domain import EvaluationDomain
from prover.qap import evaluate_ab_rows, first_unsatisfied_row, snarkjs_reduction
from tests.prover import reference as ref
from zksvs.field import FR_MODULUS, fr_root_of_unity
from zksvs.limbs import from_montgomery, ints_to_limbs, limbs_to_ints

R = FR_MODULUS

CIRCUITS = {
    "cubic": ref.cubic_circuit,
    "random-20x2": lambda: ref.random_circuit(20, 2, seed=1),
    "random-60x3": lambda: ref.random_circuit(60, 3, seed=2),
}


@pytest.fixture(params=sorted(CIRCUITS), scope="module")
def circuit(request):
    r1cs, witness = CIRCUITS[request.param]()
    assert r1cs.is_satisfied(witness)
    return r1cs, witness


def _h(r1cs, witness, n_chunks=None):
    matrices = r1cs.to_matrices(include_c=False)
    return limbs_to_ints(snarkjs_reduction(matrices, ints_to_limbs(witness), n_chunks=n_chunks))


def test_ab_rows_include_the_input_rows(circuit):
    r1cs, witness = circuit
    d = EvaluationDomain.for_constraints(r1cs.n_constraints, r1cs.n_public)
    abc = evaluate_ab_rows(r1cs.to_matrices(include_c=False), ints_to_limbs(witness), d)
    a, b, c = (from_montgomery(limbs_to_ints(abc[k]), R) for k in range(3))
    ea, eb, ec = ref.qap_row_values(r1cs, witness, d.log_size)
    assert a == ea and b == eb
    assert c == ec == [x * y % R for x, y in zip(ea, eb, strict=True)]  # C = A∘B on a satisfying witness


def test_h_equals_odd_coset_evaluations_of_ab_minus_c(circuit):
    r1cs, witness = circuit
    log_n = ref.domain_log_size(r1cs.n_constraints, r1cs.n_public)
    pa, pb, pc = ref.qap_polynomials(r1cs, witness, log_n)
    p = ref.poly_sub(ref.poly_mul(pa, pb), pc)
    w2n = fr_root_of_unity(log_n + 1)
    expected = [ref.poly_eval(p, pow(w2n, 2 * i + 1, R)) for i in range(1 << log_n)]
    assert _h(r1cs, witness) == expected


def test_h_in_odd_lagrange_basis_gives_p_at_tau(circuit):
    r1cs, witness = circuit
    log_n = ref.domain_log_size(r1cs.n_constraints, r1cs.n_public)
    n = 1 << log_n
    tau = random.Random(11).randrange(R)
    h = _h(r1cs, witness)
    lag2n = ref.lagrange_basis_at(ref.domain_elements(log_n + 1), tau)
    lhs = sum(h[i] * lag2n[2 * i + 1] for i in range(n)) % R
    pa, pb, pc = ref.qap_polynomials(r1cs, witness, log_n)
    rhs = (ref.poly_eval(pa, tau) * ref.poly_eval(pb, tau) - ref.poly_eval(pc, tau)) % R
    assert lhs == rhs
    # and P really vanishes on the n-domain: its even 2n-points carry nothing
    assert all(ref.poly_eval(ref.poly_sub(ref.poly_mul(pa, pb), pc), x) == 0 for x in ref.domain_elements(log_n))


def test_h_does_not_depend_on_thread_chunking(circuit):
    r1cs, witness = circuit
    assert _h(r1cs, witness, n_chunks=1) == _h(r1cs, witness, n_chunks=3)


def test_reduction_uses_a_circ_b_not_the_circuits_c():
    # snarkjs's C = A∘B: for an unsatisfying witness h is the quotient of A·B − (A∘B interpolated), not of the
    # circuit's A·B − C. The prover catches such witnesses before the reduction (R1CS check); the pairing would too.
    r1cs, witness = ref.cubic_circuit()
    bad = list(witness)
    bad[3] += 1  # x² wrong
    log_n = ref.domain_log_size(r1cs.n_constraints, r1cs.n_public)
    pa, pb, pc = ref.qap_polynomials(r1cs, bad, log_n)
    rows_a, rows_b, _ = ref.qap_row_values(r1cs, bad, log_n)
    pc_ab = ref.naive_idft([x * y % R for x, y in zip(rows_a, rows_b, strict=True)], fr_root_of_unity(log_n))
    tau = random.Random(12).randrange(R)
    lag2n = ref.lagrange_basis_at(ref.domain_elements(log_n + 1), tau)
    h = _h(r1cs, bad)
    lhs = sum(h[i] * lag2n[2 * i + 1] for i in range(1 << log_n)) % R
    ab = ref.poly_eval(pa, tau) * ref.poly_eval(pb, tau)
    assert lhs == (ab - ref.poly_eval(pc_ab, tau)) % R
    assert lhs != (ab - ref.poly_eval(pc, tau)) % R


def test_reduction_rejects_wrong_witness_length():
    r1cs, witness = ref.cubic_circuit()
    with pytest.raises(ValueError, match=r"Invalid witness length\. Circuit: 5, witness: 4"):
        snarkjs_reduction(r1cs.to_matrices(include_c=False), ints_to_limbs(witness[:4]))


def test_reduction_rejects_domain_too_small():
    r1cs, witness = ref.random_circuit(20, 2, seed=1)
    with pytest.raises(ValueError, match="domain of size 16 is smaller than the 23 QAP rows"):
        snarkjs_reduction(r1cs.to_matrices(False), ints_to_limbs(witness), EvaluationDomain.of_log_size(4))


def test_reduction_output_is_normal_form_limbs():
    r1cs, witness = ref.random_circuit(20, 2, seed=1)
    h = snarkjs_reduction(r1cs.to_matrices(False), ints_to_limbs(witness))
    assert h.dtype == np.uint64 and h.shape == (32, 4) and h.flags.c_contiguous
    assert all(v < R for v in limbs_to_ints(h))


def test_first_unsatisfied_row_agrees_with_the_python_check(circuit):
    r1cs, witness = circuit
    m = r1cs.to_matrices(include_c=True)
    assert first_unsatisfied_row(m, ints_to_limbs(witness)) is None
    rnd = random.Random(31)
    for _ in range(6):
        bad = list(witness)
        wire = rnd.randrange(1, r1cs.n_wires)
        bad[wire] = (bad[wire] + rnd.randrange(1, R)) % R
        expected = r1cs.first_unsatisfied(bad)
        got = first_unsatisfied_row(m, ints_to_limbs(bad))
        assert got == (None if expected is None else expected[0])


def test_first_unsatisfied_row_needs_c():
    r1cs, witness = ref.cubic_circuit()
    with pytest.raises(ValueError, match="must include C"):
        first_unsatisfied_row(r1cs.to_matrices(include_c=False), ints_to_limbs(witness))

"""Development setup → prove → Groth16 pairing check, with py_ecc as the oracle.

Oracles: ``py_ecc.optimized_bn128`` (scalar multiplication, the pairing: four Miller loops and one final
exponentiation, e(−A, B)·e(α, β)·e(IC, γ)·e(C, δ) = 1, as snarkjs's ``groth16_verify.js``), and the Python-int
polynomial reference ``tests/prover/reference.py`` for the key scalars (Lagrange product formula) and for the proof's
discrete logs when the toxic waste is known.
"""

from __future__ import annotations

import random
import warnings

import pytest
from py_ecc import optimized_bn128 as bn

from prover.dev_setup import (
    InsecureSetupWarning,
    ToxicWaste,
    setup,
    setup_with_toxic_waste,
    toxic_waste_from_seed,
)
from prover.domain import EvaluationDomain
from prover.prove import STAGES, prove, prove_from_matrices, prove_from_zkey, prove_with_timings
from tests.prover import reference as ref
from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FQ_MODULUS, FR_MODULUS, fr_root_of_unity
from zksvs.groth16 import Proof, g1_from_limbs, g2_from_limbs
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import R1CS

pytestmark = pytest.mark.prover
R = FR_MODULUS


# --- py_ecc conversions and the verifier equation ---------------------------------------------------------------


def _g1(p):
    return bn.Z1 if p is None else (bn.FQ(p[0]), bn.FQ(p[1]), bn.FQ.one())


def _g2(p):
    return bn.Z2 if p is None else (bn.FQ2(list(p[0])), bn.FQ2(list(p[1])), bn.FQ2.one())


def _affine_g1(p):
    if bn.is_inf(p):
        return None
    x, y = bn.normalize(p)
    return (int(x.n), int(y.n))


def _affine_g2(p):
    if bn.is_inf(p):
        return None
    x, y = bn.normalize(p)
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


def _pairing_check(vk, proof: Proof, public_inputs) -> bool:
    ic = _g1(vk.ic[0])
    for x, pt in zip(public_inputs, vk.ic[1:], strict=True):
        ic = bn.add(ic, bn.multiply(_g1(pt), x))
    pairs = [
        (_g2(proof.b), bn.neg(_g1(proof.a))),
        (_g2(vk.beta_g2), _g1(vk.alpha_g1)),
        (_g2(vk.gamma_g2), ic),
        (_g2(vk.delta_g2), _g1(proof.c)),
    ]
    acc = bn.FQ12.one()
    for q, p in pairs:
        acc = acc * bn.pairing(q, p, final_exponentiate=False)
    return bn.final_exponentiate(acc) == bn.FQ12.one()


def _quiet_setup(r1cs, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        return setup(r1cs, seed)


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cubic():
    r1cs, witness = ref.cubic_circuit()
    return r1cs, witness, _quiet_setup(r1cs, seed=2024)


@pytest.fixture(scope="module")
def random300():
    r1cs, witness = ref.random_circuit(300, 3, seed=7)
    return r1cs, witness, _quiet_setup(r1cs, seed=b"random300")


@pytest.fixture(scope="module")
def all_public():
    # no private wires at all: c_query is empty and MSM C sums nothing
    from zksvs.r1cs import Constraint, LinearCombination

    L = LinearCombination
    r1cs = R1CS(n_wires=3, n_public=2, constraints=[Constraint(L.wire(1), L.wire(1), L.wire(2), "square")])
    return r1cs, [1, 5, 25], _quiet_setup(r1cs, seed=3)


# --- setup ------------------------------------------------------------------------------------------------------


def test_setup_warns_that_it_is_insecure():
    # a Python warning only (the CLI prints it once per command: tests/e2e/test_cli_output.py)
    r1cs, _ = ref.cubic_circuit()
    with pytest.warns(InsecureSetupWarning, match="INSECURE development setup"):
        setup(r1cs, seed=1)


def test_setup_is_deterministic_in_the_seed():
    assert toxic_waste_from_seed(5) == toxic_waste_from_seed(5)
    assert toxic_waste_from_seed(5) != toxic_waste_from_seed(6)
    assert len({toxic_waste_from_seed(b"5"), toxic_waste_from_seed(5), toxic_waste_from_seed("5")}) == 3
    with pytest.raises(TypeError, match="Argument 'seed' must be an int, bytes or str, not float"):
        toxic_waste_from_seed(5.0)
    with pytest.raises(ValueError, match=r"Argument 'tau' must be an int in \[1, r\), not 0"):
        ToxicWaste(0, 1, 1, 1, 1)


def test_setup_keys_match_py_ecc_from_the_toxic_waste():
    r1cs, _ = ref.random_circuit(6, 2, seed=3)
    tw = ToxicWaste(tau=random.Random(1).randrange(R), alpha=11, beta=13, gamma=17, delta=19)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup_with_toxic_waste(r1cs, tw)
    d = EvaluationDomain.for_constraints(r1cs.n_constraints, r1cs.n_public)
    assert pk.domain_size == d.size == 16
    u, v, w = ref.wire_polynomials_at(r1cs, d.log_size, tw.tau)
    G1, G2 = bn.G1, bn.G2

    def g1s(scalars):
        return [_affine_g1(bn.multiply(G1, k)) for k in scalars]

    assert g1_from_limbs(pk.a_query) == g1s(u)
    assert g1_from_limbs(pk.b_g1_query) == g1s(v)
    assert g2_from_limbs(pk.b_g2_query) == [_affine_g2(bn.multiply(G2, k)) for k in v]
    lc = [(tw.beta * u[i] + tw.alpha * v[i] + w[i]) % R for i in range(r1cs.n_wires)]
    npub = r1cs.n_public
    assert list(pk.vk.ic) == g1s([x * pow(tw.gamma, -1, R) % R for x in lc[: npub + 1]])
    assert g1_from_limbs(pk.c_query) == g1s([x * pow(tw.delta, -1, R) % R for x in lc[npub + 1 :]])
    lag2n = ref.lagrange_basis_at(ref.domain_elements(d.log_size + 1), tw.tau)
    assert g1_from_limbs(pk.h_query) == g1s([lag2n[2 * j + 1] * pow(tw.delta, -1, R) % R for j in range(d.size)])
    assert pk.vk.alpha_g1 == _affine_g1(bn.multiply(G1, tw.alpha))
    assert pk.beta_g1 == _affine_g1(bn.multiply(G1, tw.beta))
    assert pk.delta_g1 == _affine_g1(bn.multiply(G1, tw.delta))
    assert pk.vk.beta_g2 == _affine_g2(bn.multiply(G2, tw.beta))
    assert pk.vk.gamma_g2 == _affine_g2(bn.multiply(G2, tw.gamma))
    assert pk.vk.delta_g2 == pk.delta_g2 == _affine_g2(bn.multiply(G2, tw.delta))


# --- prove ------------------------------------------------------------------------------------------------------


def test_proof_has_the_expected_discrete_logs():
    # With the toxic waste known, A, B, C are fixed multiples of the generators (Groth16 §3.2, snarkjs's C form).
    r1cs, witness = ref.random_circuit(10, 2, seed=4)
    tw = ToxicWaste(tau=random.Random(2).randrange(R), alpha=3, beta=5, gamma=7, delta=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup_with_toxic_waste(r1cs, tw)
    r, s = 1234567, 7654321
    proof = prove(r1cs, pk, witness, r=r, s=s)
    log_n = ref.domain_log_size(r1cs.n_constraints, r1cs.n_public)
    u, v, w = ref.wire_polynomials_at(r1cs, log_n, tw.tau)
    a = (tw.alpha + sum(x * y for x, y in zip(witness, u, strict=True)) + r * tw.delta) % R
    b = (tw.beta + sum(x * y for x, y in zip(witness, v, strict=True)) + s * tw.delta) % R
    pa, pb, pc = ref.qap_polynomials(r1cs, witness, log_n)
    p_tau = ref.poly_eval(pa, tw.tau) * ref.poly_eval(pb, tw.tau) - ref.poly_eval(pc, tw.tau)
    priv = range(r1cs.n_public + 1, r1cs.n_wires)
    c_priv = sum(witness[i] * (tw.beta * u[i] + tw.alpha * v[i] + w[i]) for i in priv)
    c = ((c_priv + p_tau) * pow(tw.delta, -1, R) + s * a + r * b - r * s * tw.delta) % R
    assert proof.a == _affine_g1(bn.multiply(bn.G1, a))
    assert proof.b == _affine_g2(bn.multiply(bn.G2, b))
    assert proof.c == _affine_g1(bn.multiply(bn.G1, c))


@pytest.mark.parametrize("name", ["cubic", "random300", "all_public"])
def test_proof_passes_the_pairing_check(request, name):
    r1cs, witness, pk = request.getfixturevalue(name)
    proof = prove(r1cs, pk, witness, rng=random.Random(name))
    assert _pairing_check(pk.vk, proof, witness[1 : 1 + r1cs.n_public])


def test_pairing_check_fails_for_a_changed_public_input(cubic):
    r1cs, witness, pk = cubic
    proof = prove(r1cs, pk, witness, rng=random.Random(1))
    assert not _pairing_check(pk.vk, proof, [witness[1] + 1])


@pytest.mark.parametrize("which", ["a", "b", "c"])
def test_pairing_check_fails_for_a_perturbed_proof(random300, which):
    r1cs, witness, pk = random300
    proof = prove(r1cs, pk, witness, rng=random.Random(2))
    if which == "b":
        bad = Proof(proof.a, _affine_g2(bn.add(_g2(proof.b), bn.G2)), proof.c)
    else:
        moved = _affine_g1(bn.add(_g1(getattr(proof, which)), bn.G1))
        bad = Proof(moved, proof.b, proof.c) if which == "a" else Proof(proof.a, proof.b, moved)
    assert not _pairing_check(pk.vk, bad, witness[1 : 1 + r1cs.n_public])


@pytest.mark.parametrize("with_c", [True, False], ids=["numba-check", "python-check"])
def test_prove_rejects_unsatisfying_witness_naming_the_constraint(random300, with_c):
    r1cs, witness, pk = random300
    bad = list(witness)
    bad[r1cs.n_public + 1 + 41] = (bad[r1cs.n_public + 1 + 41] + 1) % R  # t_41, defined by constraint 41
    with pytest.raises(UnsatisfiedConstraint, match=r"random\[41\]"):
        prove(r1cs, pk, bad, matrices=r1cs.to_matrices(include_c=with_c))


def test_prove_rejects_wrong_witness_length_and_bad_values(cubic):
    r1cs, witness, pk = cubic
    with pytest.raises(ValueError, match=r"Invalid witness length\. Circuit: 5, witness: 6"):
        prove(r1cs, pk, [*witness, 0])
    with pytest.raises(ValueError, match=r"witness\[0\] must be 1"):
        prove(r1cs, pk, [2, *witness[1:]])
    other = _quiet_setup(ref.random_circuit(4, 1, seed=1)[0], 1)
    with pytest.raises(ValueError, match="proving key is for 6 wires, the circuit has 5"):
        prove(r1cs, other, witness)


def test_prove_is_deterministic_given_r_s_and_matches_prove_from_matrices(cubic):
    r1cs, witness, pk = cubic
    p1 = prove(r1cs, pk, witness, r=3, s=4)
    assert p1 == prove(r1cs, pk, witness, r=3, s=4)
    assert p1 != prove(r1cs, pk, witness, r=3, s=5)
    p2, timing = prove_from_matrices(r1cs.to_matrices(include_c=False), pk, ints_to_limbs(witness), r=3, s=4)
    assert p2 == p1 and list(timing.stages) == list(STAGES)


def test_prove_reports_stages_in_order(cubic):
    r1cs, witness, pk = cubic
    seen: list[str] = []
    proof, timing = prove_with_timings(r1cs, pk, witness, progress=seen.append, rng=random.Random(3))
    assert seen == list(STAGES) == list(timing.stages)
    assert all(t >= 0 for t in timing.stages.values()) and timing.total >= sum(timing.stages.values())
    assert 0 <= proof.a[0] < FQ_MODULUS


def test_h_query_is_the_odd_2n_lagrange_basis_for_the_coset_formula():
    # prover.dev_setup builds h_query for any coset g; for g = ω_{2n} it must be L_{2n,2j+1}(τ) (snarkjs writeHs).
    from prover.dev_setup import h_query_scalars

    d = EvaluationDomain.of_log_size(3)
    tau = random.Random(5).randrange(R)
    lag2n = ref.lagrange_basis_at(ref.domain_elements(4), tau)
    assert h_query_scalars(d, tau) == [lag2n[2 * j + 1] for j in range(8)]
    assert d.coset_shift == fr_root_of_unity(4)


# --- warmup and numba's cache -----------------------------------------------------------------------------------

_WARMUP_SCRIPT = """
import json, sys
import prover
report = prover.warmup()
json.dump({"report": report.to_json(), "cache": prover.cache_report(),
           "cold": [list(prover.kernel_cache_state(g).cold) for g in ("prove", "check", "setup", "phase2")]},
          sys.stdout)
"""


def _warmup_in_subprocess() -> dict:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", _WARMUP_SCRIPT], cwd=root, capture_output=True, text=True, check=False, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_warmup_second_process_loads_every_kernel_from_the_cache():
    first = _warmup_in_subprocess()  # compiles whatever is not cached yet
    steps = {row["step"] for row in first["report"]["kernels"]}
    assert steps >= {"domain tables", "witness map", "MSM G1", "MSM G2", "R1CS check", "setup", "phase2"}
    assert first["cold"] == [[], [], [], []]  # after a warm-up the cache check finds nothing cold
    second = _warmup_in_subprocess()
    assert second["report"]["compiled"] == 0
    assert {row["status"] for row in second["report"]["kernels"]} <= {"loaded", "in memory"}
    cache = second["cache"]
    for kernel in ("prover.kernels.qap.witness_map", "prover.kernels.msm.msm_affine", "prover.kernels.qap.to_r2"):
        assert kernel in cache
    compiled = {k: v for k, v in cache.items() if v["cache_misses"] or not v["cache_hits"]}
    assert compiled == {}, f"compiled again in the second process: {compiled}"


# --- snarkjs interoperability -----------------------------------------------------------------------------------

_ANCHORS = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "anchors" / "snarkjs-examples"


@pytest.mark.parametrize("name", ["multiplier", "poseidon_preimage"])
def test_prove_from_snarkjs_zkey_passes_the_pairing_check(name):
    # keys made by snarkjs 0.7.6 (zkey new + a contribution): our QAP must be snarkjs's for this to verify
    import json

    from zksvs.formats.r1cs_file import read_r1cs
    from zksvs.formats.zkey_file import read_zkey

    d = _ANCHORS / name
    zkey = read_zkey(d / f"{name}_final.zkey")
    proof, public, stages = prove_from_zkey(d / f"{name}_final.zkey", d / f"{name}.wtns", rng=random.Random(name))
    assert public == [int(x) for x in json.loads((d / "public.json").read_text())]
    assert list(stages) == list(STAGES)
    assert _pairing_check(zkey.proving_key.vk, proof, public)
    # the same key through prove() with the circuit's .r1cs (witness checked against C as well)
    r1cs = read_r1cs(d / f"{name}.r1cs")
    witness = [int(x) for x in json.loads((d / "witness.json").read_text())]
    proof2 = prove(r1cs, zkey.proving_key, witness, rng=random.Random(1))
    assert _pairing_check(zkey.proving_key.vk, proof2, public)


@pytest.mark.node
def test_snarkjs_verifies_our_proof_and_proves_with_our_key(tmp_path, node_tools, random300):
    from tests.oracles.node import snarkjs
    from zksvs.formats.snarkjs_json import read_proof, write_proof, write_public_inputs, write_verifying_key
    from zksvs.formats.wtns_file import write_wtns
    from zksvs.formats.zkey_file import write_zkey

    r1cs, witness, pk = random300
    public = witness[1 : 1 + r1cs.n_public]
    write_verifying_key(pk.vk, tmp_path / "vk.json")
    write_public_inputs(public, tmp_path / "public.json")
    write_proof(prove(r1cs, pk, witness, rng=random.Random(9)), tmp_path / "proof.json")
    out = snarkjs("groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    assert "OK" in out.stdout
    # snarkjs proves with our development key (written as .zkey); py_ecc checks its proof against our vk
    write_zkey(pk, r1cs.to_matrices(include_c=False), tmp_path / "dev.zkey")
    write_wtns(witness, tmp_path / "w.wtns")
    snarkjs(
        "groth16", "prove", tmp_path / "dev.zkey", tmp_path / "w.wtns", tmp_path / "p2.json", tmp_path / "pub2.json"
    )
    assert _pairing_check(pk.vk, read_proof(tmp_path / "p2.json"), public)

"""Issue 3 end to end: the depth-20 Poseidon Merkle-membership circuit through our setup, prover and verifier, with
snarkjs 0.7.6 as the oracle.

- Our proof, written as snarkjs JSON, is accepted by ``snarkjs groth16 verify`` and by ``verifier.groth16``; the same
  proof with its public input changed, or with A, B or C replaced by another valid curve point (the point plus the
  generator, computed with py_ecc), is rejected by both.
- Our ``.r1cs`` and ``.wtns`` are read by snarkjs: ``r1cs info`` reports our sizes, ``wtns check`` accepts the
  witness, and snarkjs's own Groth16 flow (``groth16 setup`` with ../shared/anchors/ptau/pot14_final.ptau, ``prove``,
  ``verify``) succeeds on them with ``public.json`` equal to our public input; our verifier accepts snarkjs's proof
  under snarkjs's key and rejects it tampered.

The instance comes from ``circuits.merkle_membership.make_membership_instance`` (native Poseidon tree, seeded).
"""

from __future__ import annotations

import json
import random
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
from py_ecc import bn128

from circuits.merkle_membership import build_instance, make_membership_instance
from prover import InsecureSetupWarning, prove, setup
from tests.oracles.node import snarkjs
from verifier.groth16 import verify_proof
from zksvs.field import FR_MODULUS
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.snarkjs_json import (
    read_proof,
    read_public_inputs,
    read_verifying_key,
    write_proof,
    write_public_inputs,
    write_verifying_key,
)
from zksvs.formats.wtns_file import write_wtns
from zksvs.groth16 import Proof

pytestmark = [pytest.mark.prover, pytest.mark.node]

ROOT = Path(__file__).resolve().parents[2]
POT14 = ROOT.parent / "shared" / "anchors" / "ptau" / "pot14_final.ptau"
DEPTH = 20


def _g1_plus_generator(p: tuple[int, int]) -> tuple[int, int]:
    s = bn128.add((bn128.FQ(p[0]), bn128.FQ(p[1])), bn128.G1)
    return (s[0].n, s[1].n)


def _g2_plus_generator(p) -> tuple:
    (x0, x1), (y0, y1) = p
    s = bn128.add((bn128.FQ2([x0, x1]), bn128.FQ2([y0, y1])), bn128.G2)
    return (tuple(int(c) for c in s[0].coeffs), tuple(int(c) for c in s[1].coeffs))


@pytest.fixture(scope="module")
def membership(tmp_path_factory, node_tools):
    """The circuit, witness, development key and our proof, written as snarkjs files into a module tmp dir."""
    instance = make_membership_instance(seed=3, depth=DEPTH)
    r1cs, witness = build_instance(instance)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup(r1cs, seed="tests/e2e membership")
    proof = prove(r1cs, pk, witness, rng=random.Random(20))
    public = witness.public_inputs(r1cs.n_public)
    d = tmp_path_factory.mktemp("membership")
    write_r1cs(r1cs, d / "circuit.r1cs")
    write_wtns(witness, d / "witness.wtns")
    write_verifying_key(pk.vk, d / "verification_key.json")
    write_proof(proof, d / "proof.json")
    write_public_inputs(public, d / "public.json")
    return SimpleNamespace(instance=instance, r1cs=r1cs, witness=witness, vk=pk.vk, proof=proof, public=public, dir=d)


def _snarkjs_verify(vk: Path, public: Path, proof: Path) -> bool:
    """``snarkjs groth16 verify``: True for exit 0 with "OK!", False for exit 1 with "Invalid proof"."""
    proc = snarkjs("groth16", "verify", vk, public, proof, check=False)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        assert "OK!" in out, out
        return True
    assert proc.returncode == 1 and "Invalid proof" in out, out
    return False


def test_membership_circuit_statement(membership):
    assert membership.instance.depth == DEPTH
    assert membership.public == [membership.instance.root]
    assert membership.r1cs.unconstrained_wires() == []
    assert membership.r1cs.first_unsatisfied(membership.witness.values) is None


def test_membership_proof_accepted_by_snarkjs_and_by_us(membership):
    d = membership.dir
    assert _snarkjs_verify(d / "verification_key.json", d / "public.json", d / "proof.json")
    # what we verify is what the files say
    assert read_proof(d / "proof.json") == membership.proof
    assert read_public_inputs(d / "public.json") == membership.public
    assert verify_proof(read_verifying_key(d / "verification_key.json"), membership.proof, membership.public)


def _tampered(membership, what: str) -> tuple[Proof, list[int]]:
    proof, public = membership.proof, list(membership.public)
    if what == "public_input":
        public[0] = (public[0] + 1) % FR_MODULUS
    elif what == "A":
        proof = Proof(_g1_plus_generator(proof.a), proof.b, proof.c)
    elif what == "B":
        proof = Proof(proof.a, _g2_plus_generator(proof.b), proof.c)
    else:
        proof = Proof(proof.a, proof.b, _g1_plus_generator(proof.c))
    return proof, public


@pytest.mark.parametrize("what", ["public_input", "A", "B", "C"])
def test_membership_tampered_proof_rejected_by_snarkjs_and_by_us(membership, tmp_path, what):
    proof, public = _tampered(membership, what)
    assert (proof, public) != (membership.proof, membership.public)
    # still well formed: the replaced point is on the curve and in the group (py_ecc)
    assert bn128.is_on_curve((bn128.FQ(proof.a[0]), bn128.FQ(proof.a[1])), bn128.b)
    assert bn128.is_on_curve((bn128.FQ(proof.c[0]), bn128.FQ(proof.c[1])), bn128.b)
    assert bn128.is_on_curve((bn128.FQ2(list(proof.b[0])), bn128.FQ2(list(proof.b[1]))), bn128.b2)
    write_proof(proof, tmp_path / "proof.json")
    write_public_inputs(public, tmp_path / "public.json")
    vk_json = membership.dir / "verification_key.json"
    assert not _snarkjs_verify(vk_json, tmp_path / "public.json", tmp_path / "proof.json")
    assert verify_proof(membership.vk, proof, public) is False


def test_snarkjs_reads_our_r1cs_with_our_sizes(membership):
    out = re.sub(r"\x1b\[[0-9;]*m", "", snarkjs("r1cs", "info", membership.dir / "circuit.r1cs").stdout)
    info = {k.strip(): int(v) for k, v in re.findall(r"# of ([A-Za-z ]+): (\d+)", out)}
    r1cs = membership.r1cs
    assert info["Wires"] == r1cs.n_wires
    assert info["Constraints"] == r1cs.n_constraints
    assert info["Public Inputs"] + info["Outputs"] == r1cs.n_public == 1
    assert info["Private Inputs"] == r1cs.n_private_inputs
    assert info["Labels"] == r1cs.n_wires


def test_snarkjs_wtns_check_accepts_our_witness(membership):
    proc = snarkjs("wtns", "check", membership.dir / "circuit.r1cs", membership.dir / "witness.wtns")
    assert "WITNESS IS CORRECT" in proc.stdout


@pytest.mark.slow
def test_snarkjs_groth16_flow_on_our_r1cs_and_wtns(membership, tmp_path):
    d = membership.dir
    zkey, vk, proof, public = (tmp_path / n for n in ("circuit.zkey", "vk.json", "proof.json", "public.json"))
    snarkjs("groth16", "setup", d / "circuit.r1cs", POT14, zkey)
    snarkjs("zkey", "export", "verificationkey", zkey, vk)
    snarkjs("groth16", "prove", zkey, d / "witness.wtns", proof, public)
    assert _snarkjs_verify(vk, public, proof)
    assert [int(v) for v in json.loads(public.read_text())] == membership.public
    # our verifier on snarkjs's proof and key: accepted, and rejected once C is moved
    snark_vk, snark_proof = read_verifying_key(vk), read_proof(proof)
    assert verify_proof(snark_vk, snark_proof, membership.public)
    moved = Proof(snark_proof.a, snark_proof.b, _g1_plus_generator(snark_proof.c))
    assert verify_proof(snark_vk, moved, membership.public) is False

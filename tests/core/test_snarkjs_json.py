"""snarkjs JSON (verification_key.json, proof.json, public.json) read/write.

Oracles: the anchor files in ``../shared/anchors/snarkjs-examples/`` (snarkjs 0.7.6), the Groth16 pairing equation
evaluated here with py_ecc (which pins the G2 coordinate order [c0, c1]), and ``snarkjs groth16 verify`` on the files
we write.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from py_ecc import optimized_bn128 as ob

from tests.oracles.node import snarkjs
from zksvs.errors import FormatError, NonCanonicalFieldElement, WrongFileType
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.snarkjs_json import (
    g1_from_json,
    g1_to_json,
    g2_from_json,
    g2_to_json,
    proof_from_json,
    public_inputs_from_json,
    public_inputs_to_json,
    read_proof,
    read_public_inputs,
    read_verifying_key,
    verifying_key_from_json,
    verifying_key_to_json,
    write_proof,
    write_public_inputs,
    write_verifying_key,
)
from zksvs.groth16 import Proof, VerifyingKey

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "anchors" / "snarkjs-examples"
CIRCUITS = ["multiplier", "poseidon_preimage"]


def _files(name: str) -> tuple[Path, Path, Path]:
    d = EXAMPLES / name
    return d / "verification_key.json", d / "proof.json", d / "public.json"


def _g1(p):
    return None if p is None else (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one())


def _g2(p):
    (x0, x1), (y0, y1) = p
    return (ob.FQ2([x0, x1]), ob.FQ2([y0, y1]), ob.FQ2.one())


def _groth16_checker(vk: VerifyingKey, proof: Proof):
    """A function of the public inputs: e(−A, B) · e(IC₀ + Σ xᵢ·ICᵢ, γ) · e(C, δ) · e(α, β) == 1 (py_ecc)."""
    fixed = ob.FQ12.one()
    for g1, g2 in ((ob.neg(_g1(proof.a)), proof.b), (_g1(proof.c), vk.delta_g2), (_g1(vk.alpha_g1), vk.beta_g2)):
        fixed = fixed * ob.pairing(_g2(g2), g1, final_exponentiate=False)

    def holds(public: list[int]) -> bool:
        acc = _g1(vk.ic[0])
        for x, p in zip(public, vk.ic[1:]):
            acc = ob.add(acc, ob.multiply(_g1(p), x))
        f = fixed * ob.pairing(_g2(vk.gamma_g2), acc, final_exponentiate=False)
        return ob.final_exponentiate(f) == ob.FQ12.one()

    return holds


@pytest.mark.parametrize("name", CIRCUITS)
def test_anchor_json_satisfies_pairing_equation(name):
    vk_p, proof_p, pub_p = _files(name)
    vk, proof, public = read_verifying_key(vk_p), read_proof(proof_p), read_public_inputs(pub_p)
    assert vk.n_public == len(public)
    holds = _groth16_checker(vk, proof)
    assert holds(public)
    wrong = list(public)
    wrong[0] = (wrong[0] + 1) % FR_MODULUS
    assert not holds(wrong)


def test_g2_component_order_is_real_first():
    _vk_p, proof_p, _ = _files("multiplier")
    obj = json.loads(proof_p.read_text())
    swapped = copy.deepcopy(obj)
    for coord in swapped["pi_b"][:2]:
        coord.reverse()
    with pytest.raises(FormatError, match=r"pi_b is not on the BN254 G2 twist"):
        proof_from_json(swapped)


@pytest.mark.parametrize("name", CIRCUITS)
def test_write_json_reproduces_anchor_bytes(name):
    vk_p, proof_p, pub_p = _files(name)
    for read, write, path in (
        (read_verifying_key, write_verifying_key, vk_p),
        (read_proof, write_proof, proof_p),
        (read_public_inputs, write_public_inputs, pub_p),
    ):
        buf = io.StringIO()
        write(read(path), buf)
        assert buf.getvalue() == path.read_text(), path.name


def test_json_readers_accept_file_objects():
    vk_p, proof_p, pub_p = _files("multiplier")
    with open(vk_p, "rb") as f:
        assert read_verifying_key(f) == read_verifying_key(vk_p)
    assert read_proof(io.StringIO(proof_p.read_text())) == read_proof(proof_p)
    assert read_public_inputs(io.BytesIO(pub_p.read_bytes())) == [102, 11]


@pytest.mark.node
@pytest.mark.parametrize("alphabeta", [True, False])
def test_snarkjs_verifies_our_written_files(node_tools, tmp_path, alphabeta):
    vk_p, proof_p, pub_p = _files("poseidon_preimage")
    write_verifying_key(read_verifying_key(vk_p), tmp_path / "vk.json", include_alphabeta=alphabeta)
    write_proof(read_proof(proof_p), tmp_path / "proof.json")
    write_public_inputs(read_public_inputs(pub_p), tmp_path / "public.json")
    out = snarkjs("groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    assert "OK!" in out.stdout


@pytest.mark.node
def test_snarkjs_rejects_our_written_wrong_public_input(node_tools, tmp_path):
    vk_p, proof_p, _pub_p = _files("multiplier")
    write_verifying_key(read_verifying_key(vk_p), tmp_path / "vk.json", include_alphabeta=False)
    write_proof(read_proof(proof_p), tmp_path / "proof.json")
    write_public_inputs([102, 12], tmp_path / "public.json")
    out = snarkjs(
        "groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json", check=False
    )
    assert "OK!" not in out.stdout


def test_points_at_infinity_round_trip():
    assert g1_to_json(None) == ["0", "1", "0"]
    assert g2_to_json(None) == [["0", "0"], ["1", "0"], ["0", "0"]]
    assert g1_from_json(["0", "1", "0"]) is None
    assert g2_from_json([["0", "0"], ["1", "0"], ["0", "0"]]) is None


def test_g1_from_json_reads_jacobian_z():
    g = (1, 2)
    z = 5
    jac = [str(1 * z * z % FQ_MODULUS), str(2 * z**3 % FQ_MODULUS), str(z)]
    assert g1_from_json(jac) == g
    assert g1_from_json(["1", "2"]) == g


# --- malformed input --------------------------------------------------------------------------------------------


def _vk_obj() -> dict:
    return json.loads(_files("multiplier")[0].read_text())


def _proof_obj() -> dict:
    return json.loads(_files("multiplier")[1].read_text())


@pytest.mark.parametrize("key", ["vk_delta_2", "IC", "protocol", "nPublic"])
def test_verifying_key_missing_key_is_named(key):
    obj = _vk_obj()
    del obj[key]
    with pytest.raises(FormatError, match=f"missing the key '{key}'"):
        verifying_key_from_json(obj)


def test_verifying_key_without_alphabeta_is_accepted():
    obj = _vk_obj()
    del obj["vk_alphabeta_12"]
    vk = verifying_key_from_json(obj)
    assert verifying_key_to_json(vk, include_alphabeta=False) == {k: v for k, v in obj.items()}


@pytest.mark.parametrize(
    ("key", "value", "error", "match"),
    [
        ("protocol", "plonk", WrongFileType, "'protocol' is 'plonk', expected 'groth16'"),
        ("curve", "bls12381", WrongFileType, "'curve' is 'bls12381'"),
        ("nPublic", 3, FormatError, "'nPublic' is 3, but 'IC' has 3 points"),
        ("IC", [], FormatError, "'IC' must be a non-empty list"),
    ],
)
def test_verifying_key_rejects_bad_header(key, value, error, match):
    obj = _vk_obj()
    obj[key] = value
    with pytest.raises(error, match=match):
        verifying_key_from_json(obj)


@pytest.mark.parametrize("bad", ["0x1f", "-1", "1.5", " 7", 7, None, ""])
def test_verifying_key_rejects_non_decimal_coordinate(bad):
    obj = _vk_obj()
    obj["vk_alpha_1"][0] = bad
    with pytest.raises(FormatError, match=r"vk_alpha_1\[0\] must be a decimal string"):
        verifying_key_from_json(obj)


def test_verifying_key_rejects_coordinate_not_below_q():
    obj = _vk_obj()
    x = int(obj["vk_gamma_2"][1][1])
    obj["vk_gamma_2"][1][1] = str(x + FQ_MODULUS)
    with pytest.raises(NonCanonicalFieldElement, match=r"vk_gamma_2\[1\]\[1\] = \d+ is not below the modulus"):
        verifying_key_from_json(obj)


def test_verifying_key_rejects_point_off_curve():
    obj = _vk_obj()
    obj["IC"][2][1] = str((int(obj["IC"][2][1]) + 1) % FQ_MODULUS)
    with pytest.raises(FormatError, match=r"IC\[2\] = .* is not on the BN254 G1 curve"):
        verifying_key_from_json(obj)


def test_proof_rejects_missing_key_wrong_protocol_and_shape():
    obj = _proof_obj()
    del obj["pi_c"]
    with pytest.raises(FormatError, match="missing the key 'pi_c'"):
        proof_from_json(obj)
    obj = _proof_obj()
    obj["protocol"] = "fflonk"
    with pytest.raises(WrongFileType, match="'protocol' is 'fflonk'"):
        proof_from_json(obj)
    obj = _proof_obj()
    obj["pi_b"] = obj["pi_b"][0]
    with pytest.raises(FormatError, match=r"pi_b\[0\] must be a list of 2 entries"):
        proof_from_json(obj)
    obj = _proof_obj()
    obj["pi_a"][1] = str(FQ_MODULUS)
    with pytest.raises(NonCanonicalFieldElement, match=r"pi_a\[1\]"):
        proof_from_json(obj)


def test_public_inputs_checks_range_and_form():
    assert public_inputs_from_json(["0", str(FR_MODULUS - 1)]) == [0, FR_MODULUS - 1]
    with pytest.raises(NonCanonicalFieldElement, match=r"public\[1\] = \d+ is not below the modulus"):
        public_inputs_from_json(["1", str(FR_MODULUS)])
    with pytest.raises(FormatError, match=r"public\[0\] must be a decimal string"):
        public_inputs_from_json([5])
    with pytest.raises(FormatError, match="must be a JSON list"):
        public_inputs_from_json({"0": "1"})
    with pytest.raises(NonCanonicalFieldElement, match=r"public input \[0\]"):
        public_inputs_to_json([FR_MODULUS])


def test_read_rejects_invalid_json(tmp_path):
    p = tmp_path / "proof.json"
    p.write_text('{"pi_a": [')
    with pytest.raises(FormatError, match=r"proof\.json: not valid JSON"):
        read_proof(p)

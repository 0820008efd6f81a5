"""iden3 .r1cs / .wtns read/write, checked against snarkjs 0.7.6.

Oracles: the anchor files in ``../shared/anchors/snarkjs-examples/`` (made by circom 2.2.3 + snarkjs 0.7.6, see its
README), ``snarkjs r1cs info`` / ``wtns check`` / ``groth16 setup|prove|verify`` run on files we write.
"""

from __future__ import annotations

import io
import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.oracles.node import snarkjs
from zksvs.errors import FormatError, NonCanonicalFieldElement, TruncatedFile, WrongFileType
from zksvs.field import FR_MODULUS
from zksvs.formats.binfile import to_bytes
from zksvs.formats.r1cs_file import read_r1cs, read_r1cs_file, read_r1cs_header, read_r1cs_matrices, write_r1cs
from zksvs.formats.wtns_file import read_wtns, read_wtns_header, read_wtns_limbs, write_wtns
from zksvs.limbs import limbs_to_ints
from zksvs.r1cs import R1CS, Constraint, LinearCombination
from zksvs.witness import Witness

L = LinearCombination
ANCHORS = Path(__file__).resolve().parents[2].parent / "shared" / "anchors"
EXAMPLES = ANCHORS / "snarkjs-examples"
POT8 = ANCHORS / "ptau" / "pot8_final.ptau"
CIRCUITS = ["multiplier", "poseidon_preimage"]


def _anchor(name: str, ext: str) -> Path:
    return EXAMPLES / name / f"{name}.{ext}"


def _anchor_witness(name: str) -> list[int]:
    return [int(v) for v in json.loads((EXAMPLES / name / "witness.json").read_text())]


def _snarkjs_info(path: Path) -> dict[str, int]:
    out = re.sub(r"\x1b\[[0-9;]*m", "", snarkjs("r1cs", "info", path).stdout)
    return {k.strip(): int(v) for k, v in re.findall(r"# of ([A-Za-z ]+): (\d+)", out)}


def _hand_r1cs() -> tuple[R1CS, Witness]:
    """out = y²·x + (r − 1)·y + 7 with out public output, x public input, y private input; a full-width coefficient."""
    # wires: 0 = 1, 1 = out, 2 = x, 3 = y, 4 = t = y², 5 = u = t·x
    cons = [
        Constraint(L.wire(3), L.wire(3), L.wire(4), "t"),
        Constraint(L.wire(4), L.wire(2), L.wire(5), "u"),
        Constraint(L.wire(5) + L.wire(3, FR_MODULUS - 1) + 7, L.constant(1), L.wire(1), "out"),
    ]
    cs = R1CS(n_wires=6, n_public=2, constraints=cons, n_outputs=1, n_private_inputs=1)
    x, y = 11, 123456789
    t = y * y % FR_MODULUS
    u = t * x % FR_MODULUS
    out = (u - y + 7) % FR_MODULUS
    w = Witness([1, out, x, y, t, u])
    assert cs.is_satisfied(w.values)
    return cs, w


# --- r1cs -------------------------------------------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.parametrize("name", CIRCUITS)
def test_read_r1cs_sizes_match_snarkjs_info(node_tools, name):
    info = _snarkjs_info(_anchor(name, "r1cs"))
    f = read_r1cs_file(_anchor(name, "r1cs"))
    assert f.header.n_wires == f.r1cs.n_wires == info["Wires"]
    assert f.r1cs.n_constraints == info["Constraints"]
    assert f.header.n_prv_in == f.r1cs.n_private_inputs == info["Private Inputs"]
    assert f.header.n_pub_in == info["Public Inputs"]
    assert f.header.n_pub_out == f.r1cs.n_outputs == info["Outputs"]
    assert f.header.n_labels == info["Labels"]
    assert f.r1cs.n_public == info["Public Inputs"] + info["Outputs"]


@pytest.mark.parametrize("name", CIRCUITS)
def test_read_r1cs_anchor_witness_satisfies(name):
    cs = read_r1cs(_anchor(name, "r1cs"))
    w = _anchor_witness(name)
    assert cs.is_satisfied(w)
    bad = list(w)
    bad[-1] = (bad[-1] + 1) % FR_MODULUS
    assert not cs.is_satisfied(bad)


@pytest.mark.parametrize("name", CIRCUITS)
def test_write_r1cs_reproduces_anchor_bytes(name):
    path = _anchor(name, "r1cs")
    f = read_r1cs_file(path)
    data = to_bytes(write_r1cs, f.r1cs, wire_to_label=f.wire_to_label, n_labels=f.header.n_labels)
    assert data == path.read_bytes()
    again = read_r1cs(io.BytesIO(data))
    assert again.constraints == f.r1cs.constraints
    assert (again.n_wires, again.n_public, again.n_outputs) == (f.r1cs.n_wires, f.r1cs.n_public, f.r1cs.n_outputs)


@pytest.mark.parametrize("name", CIRCUITS)
def test_read_r1cs_matrices_agrees_with_read_r1cs(name):
    path = _anchor(name, "r1cs")
    fast = read_r1cs_matrices(path)
    slow = read_r1cs(path).to_matrices()
    assert (fast.n_constraints, fast.n_wires, fast.n_public) == (slow.n_constraints, slow.n_wires, slow.n_public)
    for a, b in ((fast.A, slow.A), (fast.B, slow.B), (fast.C, slow.C)):
        np.testing.assert_array_equal(a.rows, b.rows)
        np.testing.assert_array_equal(a.wires, b.wires)
        np.testing.assert_array_equal(a.coeffs, b.coeffs)


def test_r1cs_round_trip_from_memory_and_file_object(tmp_path):
    cs, _ = _hand_r1cs()
    data = to_bytes(write_r1cs, cs)
    for src in (data, io.BytesIO(data)):
        back = read_r1cs(src)
        assert back.constraints[2].a == cs.constraints[2].a
        assert [c.a for c in back.constraints] == [c.a for c in cs.constraints]
        assert (back.n_wires, back.n_public, back.n_outputs, back.n_private_inputs) == (6, 2, 1, 1)
    p = tmp_path / "c.r1cs"
    write_r1cs(cs, p)
    assert p.read_bytes() == data
    assert read_r1cs_header(p).n_constraints == 3


def test_read_r1cs_rejects_wrong_prime_and_magic():
    data = bytearray(_anchor("multiplier", "r1cs").read_bytes())
    # header section (id 1) data starts at byte 312 in this file: n8 at 312, prime at 316
    assert int.from_bytes(data[316:348], "little") == FR_MODULUS
    bad = bytearray(data)
    bad[316] ^= 1
    with pytest.raises(WrongFileType, match="prime"):
        read_r1cs(bytes(bad))
    bad = bytearray(data)
    bad[:4] = b"wtns"
    with pytest.raises(WrongFileType, match="magic"):
        read_r1cs(bytes(bad))


@pytest.mark.parametrize("cut", [3, 11, 20, 100, 311, 320, 400, 427])
def test_read_r1cs_rejects_truncated_file(cut):
    data = _anchor("multiplier", "r1cs").read_bytes()[:cut]
    with pytest.raises(TruncatedFile, match="truncated") as e:
        read_r1cs(data)
    assert e.value.path == "<memory>" and e.value.got_bytes < e.value.expected_bytes


def test_read_r1cs_truncated_names_section():
    data = _anchor("multiplier", "r1cs").read_bytes()
    with pytest.raises(TruncatedFile, match="'constraints'"):
        read_r1cs(data[:100])
    with pytest.raises(TruncatedFile, match="'header'"):
        read_r1cs(data[:320])
    with pytest.raises(TruncatedFile, match="'wire2LabelId'"):
        read_r1cs(data[:400])


def test_read_r1cs_rejects_noncanonical_coefficient():
    data = bytearray(_anchor("multiplier", "r1cs").read_bytes())
    # first term of constraint 0, A: u32 count at 24, u32 wire at 28, coefficient at 32..64 (−1 = r − 1)
    assert int.from_bytes(data[32:64], "little") == FR_MODULUS - 1
    data[32:64] = (FR_MODULUS + 5).to_bytes(32, "little")
    with pytest.raises(NonCanonicalFieldElement, match=r"constraints coefficient\[0\]"):
        read_r1cs(bytes(data))


def test_write_r1cs_rejects_bad_sizes():
    cs, _ = _hand_r1cs()
    cs.n_outputs = 3
    with pytest.raises(ValueError, match="n_outputs"):
        to_bytes(write_r1cs, cs)


# --- wtns -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CIRCUITS)
def test_read_wtns_matches_witness_json_and_round_trips(name):
    path = _anchor(name, "wtns")
    w = read_wtns(path)
    assert list(w.values) == _anchor_witness(name)
    assert to_bytes(write_wtns, w) == path.read_bytes()
    assert read_wtns_header(path).n_witness == len(w)


def test_read_wtns_limbs_is_a_view_of_the_file():
    data = _anchor("poseidon_preimage", "wtns").read_bytes()
    buf = np.frombuffer(data, dtype=np.uint8)
    limbs = read_wtns_limbs(buf.data)
    assert limbs.shape == (243, 4) and limbs.dtype == np.dtype("<u8")
    assert limbs_to_ints(limbs) == _anchor_witness("poseidon_preimage")
    mapped = read_wtns_limbs(_anchor("poseidon_preimage", "wtns"))
    assert not mapped.flags.writeable and not mapped.flags.owndata
    np.testing.assert_array_equal(mapped, limbs)


def test_write_wtns_accepts_ints_and_limbs():
    _, w = _hand_r1cs()
    a = to_bytes(write_wtns, w)
    assert to_bytes(write_wtns, list(w.values)) == a
    assert to_bytes(write_wtns, w.to_limbs()) == a
    assert read_wtns(a) == w


def test_read_wtns_rejects_wrong_prime():
    data = bytearray(_anchor("multiplier", "wtns").read_bytes())
    # header section data at 24: n8 (4 bytes), prime (32 bytes) at 28
    data[28:60] = (21888242871839275222246405745257275088696311157297823662689037894645226208583).to_bytes(32, "little")
    with pytest.raises(WrongFileType, match="prime is 2188824287183927522224640574525727508869631115729782366268"):
        read_wtns(bytes(data))


def test_read_wtns_rejects_wrong_size():
    data = bytearray(_anchor("multiplier", "wtns").read_bytes())
    # nWitness at byte 60: claim 6 values where the section holds 5
    data[60:64] = (6).to_bytes(4, "little")
    with pytest.raises(TruncatedFile, match=r"'witness' is truncated: expected 192 bytes, got 160"):
        read_wtns(bytes(data))
    data[60:64] = (4).to_bytes(4, "little")
    with pytest.raises(FormatError, match="'witness' has 160 bytes, expected 128"):
        read_wtns(bytes(data))


@pytest.mark.parametrize(
    ("cut", "section"),
    [(0, "file header"), (8, "file header"), (30, "header"), (64, "witness"), (70, "witness"), (235, "witness")],
)
def test_read_wtns_rejects_truncated_file(cut, section):
    # layout: file header 0..12, section 1 header 12..24, data 24..64; section 2 header 64..76, data 76..236
    data = _anchor("multiplier", "wtns").read_bytes()[:cut]
    with pytest.raises(TruncatedFile, match=f"section '{section}' is truncated"):
        read_wtns(data)


def test_read_wtns_rejects_noncanonical_value_and_bad_one():
    data = bytearray(_anchor("multiplier", "wtns").read_bytes())
    off = 76 + 3 * 32  # value 3
    data[off : off + 32] = FR_MODULUS.to_bytes(32, "little")
    with pytest.raises(NonCanonicalFieldElement, match=r"witness\[3\]"):
        read_wtns(bytes(data))
    data = bytearray(_anchor("multiplier", "wtns").read_bytes())
    data[76] = 2
    with pytest.raises(FormatError, match=r"witness\[0\] must be 1"):
        read_wtns(bytes(data))


def test_read_wtns_rejects_r1cs_file():
    with pytest.raises(WrongFileType, match=r"not a \.wtns file"):
        read_wtns(_anchor("multiplier", "r1cs"))


# --- our files through snarkjs ----------------------------------------------------------------------------------


@pytest.mark.node
def test_snarkjs_accepts_our_r1cs_and_wtns(node_tools, tmp_path):
    cs, w = _hand_r1cs()
    r1cs_path, wtns_path = tmp_path / "our.r1cs", tmp_path / "our.wtns"
    write_r1cs(cs, r1cs_path)
    write_wtns(w, wtns_path)
    info = _snarkjs_info(r1cs_path)
    assert info == {
        "Wires": 6,
        "Constraints": 3,
        "Private Inputs": 1,
        "Public Inputs": 1,
        "Labels": 6,
        "Outputs": 1,
    }
    check = snarkjs("wtns", "check", r1cs_path, wtns_path)
    assert "WITNESS IS CORRECT" in check.stdout

    zkey, proof, public = tmp_path / "x.zkey", tmp_path / "proof.json", tmp_path / "public.json"
    snarkjs("groth16", "setup", r1cs_path, POT8, zkey)
    snarkjs("groth16", "prove", zkey, wtns_path, proof, public)
    snarkjs("zkey", "export", "verificationkey", zkey, tmp_path / "vk.json")
    verify = snarkjs("groth16", "verify", tmp_path / "vk.json", public, proof)
    assert "OK!" in verify.stdout
    assert [int(v) for v in json.loads(public.read_text())] == w.public_inputs(cs.n_public)


@pytest.mark.node
def test_snarkjs_wtns_check_rejects_our_wrong_witness(node_tools, tmp_path):
    cs, w = _hand_r1cs()
    write_r1cs(cs, tmp_path / "our.r1cs")
    bad = list(w.values)
    bad[5] = (bad[5] + 1) % FR_MODULUS
    write_wtns(bad, tmp_path / "bad.wtns")
    proc = snarkjs("wtns", "check", tmp_path / "our.r1cs", tmp_path / "bad.wtns", check=False)
    assert "WITNESS IS CORRECT" not in proc.stdout


def test_read_r1cs_rejects_repeated_wire_in_combination():
    cs, _ = _hand_r1cs()
    data = bytearray(to_bytes(write_r1cs, cs))
    # constraints section first (circom order), data at 24; constraints 0 and 1 take 120 bytes each; constraint 2's
    # A = {5: 1, 3: r − 1, 0: 7}: count at 264, then 36-byte terms with the wire first
    assert struct.unpack_from("<IIII", data, 264)[0:2] == (3, 5) and data[340] == 0
    struct.pack_into("<I", data, 340, 5)
    with pytest.raises(FormatError, match="constraint 2 repeats wire 5 in its A combination"):
        read_r1cs(bytes(data))
    with pytest.raises(FormatError, match="repeats wire 5"):
        read_r1cs_matrices(bytes(data))

"""A phase-2 ceremony through the ``zksvs`` CLI (issue 8, finding 6), judged by snarkjs 0.7.6.

Every command runs as a user would run it (a fresh process): exit status, stdout, exactly one stderr line for a
warning or an error, never a traceback. Oracles: snarkjs (``groth16 setup``, ``zkey contribute``/``beacon``/
``verify``/``export verificationkey``, ``groth16 verify``) on the poseidon_preimage anchor circuit and pot8
(../shared/anchors). py_ecc builds the forged proof: for a key whose δ = γ = G2 (no contribution) the Groth16 check
e(A, B) = e(α, β)·e(IC_x, γ)·e(C, δ) holds for A = α, B = β, C = −IC_x and *any* public inputs.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest
from py_ecc import optimized_bn128 as bn

from bench.circom.build import zksvs_cli
from tests.oracles.node import ROOT, snarkjs
from zksvs.field import FR_MODULUS
from zksvs.formats.snarkjs_json import read_verifying_key
from zksvs.groth16 import UncontributedKeyWarning

pytestmark = [pytest.mark.node, pytest.mark.prover]

ANCHORS = ROOT.parent / "shared" / "anchors"
POT8 = ANCHORS / "ptau" / "pot8_final.ptau"
NAME = "poseidon_preimage"
R1CS_PATH = ANCHORS / "snarkjs-examples" / NAME / f"{NAME}.r1cs"
WTNS_PATH = ANCHORS / "snarkjs-examples" / NAME / f"{NAME}.wtns"
BEACON_HEX = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789"


def zksvs(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*zksvs_cli(), *map(str, args)], cwd=ROOT, capture_output=True, text=True, check=False)


def _stderr_lines(proc: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return [ln for ln in proc.stderr.splitlines() if ln.strip()]


def _one_line(proc: subprocess.CompletedProcess, prefix: str) -> str:
    lines = _stderr_lines(proc)
    assert len(lines) == 1 and lines[0].startswith(prefix), proc.stderr
    return lines[0]


def _warnings(proc: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in _stderr_lines(proc) if ln.startswith("zksvs: warning:")]


@pytest.fixture(scope="module")
def keys(node_tools, tmp_path_factory) -> dict[str, Path]:
    """``zksvs setup`` (k0) → ``zksvs zkey contribute`` (k1) → ``snarkjs zkey contribute`` (k2) → ``zksvs zkey
    beacon`` (k3)."""
    d = tmp_path_factory.mktemp("ceremony")
    k = {i: d / f"k{i}.zkey" for i in range(4)}
    assert zksvs("setup", R1CS_PATH, POT8, k[0]).returncode == 0
    first = zksvs("zkey", "contribute", k[0], k[1], "--name", "alice", "--entropy", "dice 4 2 6")
    assert first.returncode == 0, first.stderr
    assert "Contribution Hash:" in first.stdout and "Circuit Hash:" in first.stdout
    snarkjs("zkey", "contribute", k[1], k[2], "--name=bob", "-e=bob's entropy")
    last = zksvs("zkey", "beacon", k[2], k[3], BEACON_HEX, 10, "--name", "closing beacon")
    assert last.returncode == 0, last.stderr
    return {"dir": d, **{f"k{i}": p for i, p in k.items()}}


# --- the ceremony -----------------------------------------------------------------------------------------------------


def test_snarkjs_verifies_the_mixed_ceremony_and_lists_every_contribution(keys):
    proc = snarkjs("zkey", "verify", R1CS_PATH, POT8, keys["k3"], check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "ZKey Ok!" in out, out
    for i, name in ((1, "alice"), (2, "bob"), (3, "closing beacon")):
        assert f"contribution #{i} {name}:" in out
    assert f"Beacon generator: {BEACON_HEX}" in out and "Beacon iterations Exp: 10" in out


def test_zkey_verify_accepts_the_ceremony_and_lists_it_as_snarkjs(keys):
    proc = zksvs("zkey", "verify", R1CS_PATH, POT8, keys["k3"])
    assert proc.returncode == 0, proc.stderr
    assert _stderr_lines(proc) == []
    assert proc.stdout.rstrip().endswith("ZKey Ok!")
    theirs = snarkjs("zkey", "verify", R1CS_PATH, POT8, keys["k3"]).stdout
    # the same hashes, contribution by contribution (snarkjs prints its log lines with a prefix)
    for block in proc.stdout.split("-------------------------")[1:-1]:
        title, *hash_lines = block.strip().splitlines()
        assert title in theirs and all(h.strip() in theirs for h in hash_lines)


def test_zkey_beacon_writes_the_file_snarkjs_writes(keys, tmp_path):
    theirs = tmp_path / "theirs.zkey"
    snarkjs("zkey", "beacon", keys["k2"], theirs, BEACON_HEX, "10", "-n=closing beacon")
    assert keys["k3"].read_bytes() == theirs.read_bytes()


def test_zkey_export_verificationkey_is_the_export_command(keys, tmp_path):
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    assert zksvs("zkey", "export", "verificationkey", keys["k3"], a).returncode == 0
    assert zksvs("export", "verificationkey", keys["k3"], b).returncode == 0
    snarkjs("zkey", "export", "verificationkey", keys["k3"], c)
    assert json.loads(a.read_text()) == json.loads(b.read_text())
    assert read_verifying_key(a) == read_verifying_key(c)


def test_prove_with_the_ceremony_key_verifies_in_snarkjs_without_warning(keys):
    d = keys["dir"]
    proc = zksvs("prove", keys["k3"], WTNS_PATH, d / "proof.json", d / "public.json", "--strict")
    assert proc.returncode == 0 and _warnings(proc) == [], proc.stderr
    zksvs("export", "verificationkey", keys["k3"], d / "vk3.json")
    ok = snarkjs("groth16", "verify", d / "vk3.json", d / "public.json", d / "proof.json", check=False)
    assert ok.returncode == 0 and "OK" in ok.stdout


# --- the uncontributed key: accepted as snarkjs does, loudly; refused with --strict -----------------------------------


def test_zkey_verify_on_the_setup_key_says_ok_as_snarkjs_but_warns(keys):
    theirs = snarkjs("zkey", "verify", R1CS_PATH, POT8, keys["k0"], check=False)
    assert theirs.returncode == 0 and "ZKey Ok!" in theirs.stdout + theirs.stderr
    proc = zksvs("zkey", "verify", R1CS_PATH, POT8, keys["k0"])
    assert proc.returncode == 0 and "ZKey Ok!" in proc.stdout
    assert "anyone can forge proofs" in _one_line(proc, "zksvs: warning:")
    strict = zksvs("zkey", "verify", R1CS_PATH, POT8, keys["k0"], "--strict")
    assert strict.returncode == 2
    assert "refused (--strict)" in _one_line(strict, "zksvs: error:")


def test_prove_on_an_uncontributed_key_warns_once_and_strict_refuses(keys):
    d = keys["dir"]
    proc = zksvs("prove", keys["k0"], WTNS_PATH, d / "p0.json", d / "pub0.json")
    assert proc.returncode == 0
    assert len(_warnings(proc)) == 1 and len(_stderr_lines(proc)) == 1, proc.stderr
    strict = zksvs("prove", keys["k0"], WTNS_PATH, d / "p0s.json", d / "pub0s.json", "--strict")
    assert strict.returncode == 2 and not (d / "p0s.json").exists()
    assert "refused (--strict)" in _one_line(strict, "zksvs: error:")


def _forge(vk_path: Path, public: list[int], out: Path) -> tuple[Path, Path]:
    """A = α, B = β, C = −(IC_0 + Σ x_i·IC_i): valid exactly when γ = δ (module docstring)."""
    vk = json.loads(vk_path.read_text())
    ic = [(bn.FQ(int(p[0])), bn.FQ(int(p[1])), bn.FQ.one()) for p in vk["IC"]]
    ic_x = ic[0]
    for x, p in zip(public, ic[1:]):
        ic_x = bn.add(ic_x, bn.multiply(p, x))
    c = bn.normalize(bn.neg(ic_x))
    proof = {
        "pi_a": vk["vk_alpha_1"],
        "pi_b": vk["vk_beta_2"],
        "pi_c": [str(c[0].n), str(c[1].n), "1"],
        "protocol": "groth16",
        "curve": "bn128",
    }
    (out / "forged_proof.json").write_text(json.dumps(proof))
    (out / "forged_public.json").write_text(json.dumps([str(x) for x in public]))
    return out / "forged_proof.json", out / "forged_public.json"


@pytest.mark.parametrize("key", ["k0", "k3"])
def test_a_forged_proof_passes_only_for_the_uncontributed_key(keys, tmp_path, key):
    vk = tmp_path / "vk.json"
    assert zksvs("zkey", "export", "verificationkey", keys[key], vk).returncode == 0
    statement = [123456789 % FR_MODULUS]  # any statement at all: nobody knows a preimage of this
    proof, public = _forge(vk, statement, tmp_path)
    ours = zksvs("verify", vk, public, proof)
    theirs = snarkjs("groth16", "verify", vk, public, proof, check=False)
    if key == "k0":
        # forgeable: both verifiers accept a proof made without any witness; ours says why it is possible
        assert ours.returncode == 0 and "OK" in theirs.stdout, theirs.stdout
        assert "anyone can forge proofs" in _warnings(ours)[0]
        strict = zksvs("verify", vk, public, proof, "--strict")
        assert strict.returncode == 2
        assert "refused (--strict)" in _one_line(strict, "zksvs: error:")
    else:
        # after the ceremony δ ≠ γ: the same recipe fails in both verifiers
        assert ours.returncode == 1 and _warnings(ours) == []
        assert "OK" not in theirs.stdout


def test_settlement_warns_once_for_uncontributed_keys(keys):
    from verifier.settlement import SettlementContract
    from zksvs.formats.zkey_file import export_verifying_key

    vk0, vk3 = export_verifying_key(keys["k0"]), export_verifying_key(keys["k3"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's default action: once per message and source line
        for vk in (vk0, vk0, vk3, vk0):
            SettlementContract(root_check="proof", cross_vk=vk)
    assert [w.category for w in caught] == [UncontributedKeyWarning]
    assert "anyone can forge proofs" in str(caught[0].message)


# --- bad input: one line, exit 2 --------------------------------------------------------------------------------------


def test_zkey_verify_on_a_tampered_key_is_one_invalid_line(keys, tmp_path):
    data = bytearray(keys["k3"].read_bytes())
    data[-200] ^= 1  # inside section 10 (the beacon's transcript region)
    bad = tmp_path / "bad.zkey"
    bad.write_bytes(bytes(data))
    proc = zksvs("zkey", "verify", R1CS_PATH, POT8, bad)
    assert proc.returncode == 1 and proc.stdout == ""
    _one_line(proc, "zksvs: INVALID:")


@pytest.mark.parametrize(
    "case",
    ["cut short", "not a zkey", "bad beacon hex", "0x beacon hex", "beacon iterations 9", "ptau as zkey"],
)
def test_bad_input_is_one_error_line_and_exit_2(keys, tmp_path, case):
    cut = tmp_path / "cut.zkey"
    cut.write_bytes(keys["k1"].read_bytes()[:5000])
    out = tmp_path / "out.zkey"
    runs = {
        "cut short": ("zkey", "contribute", cut, out),
        "not a zkey": ("zkey", "verify", R1CS_PATH, POT8, R1CS_PATH),
        "bad beacon hex": ("zkey", "beacon", keys["k1"], out, "xyz1", 10),
        "0x beacon hex": ("zkey", "beacon", keys["k1"], out, "0x" + BEACON_HEX, 10),
        "beacon iterations 9": ("zkey", "beacon", keys["k1"], out, BEACON_HEX, 9),
        "ptau as zkey": ("zkey", "contribute", POT8, out),
    }
    proc = zksvs(*runs[case])
    assert proc.returncode == 2
    _one_line(proc, "zksvs: error:")
    assert not out.exists()

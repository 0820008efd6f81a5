"""``zksvs prove`` as a user runs it (subprocess): --check refuses an unsatisfying witness, --timings keeps kernel
loading apart from the stages, first-use compilation is announced, ``zksvs warmup`` reports per kernel.

Oracles: snarkjs 0.7.6's anchor files (circom 2 circuits with .r1cs, .wtns and a contributed .zkey; ../shared/anchors/
snarkjs-examples) and ``snarkjs groth16 verify`` on the proofs we write. Each error case: exit 2, one line on
stderr, no traceback, nothing written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.oracles.node import ROOT, snarkjs
from zksvs.formats.wtns_file import read_wtns, write_wtns

pytestmark = pytest.mark.prover

EXAMPLES = ROOT.parent / "shared" / "anchors" / "snarkjs-examples"


def _files(name: str) -> tuple[Path, Path, Path]:
    d = EXAMPLES / name
    return d / f"{name}_final.zkey", d / f"{name}.wtns", d / f"{name}.r1cs"


def _zksvs(*args, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=timeout,
    )


def _bad_witness(wtns: Path, tmp_path: Path) -> Path:
    """The anchor witness with its last wire changed: satisfies no circuit constraint that uses it."""
    values = list(read_wtns(wtns).values)
    values[-1] = (values[-1] + 1) % (1 << 250)
    out = tmp_path / "bad.wtns"
    write_wtns(values, out)
    return out


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [x for x in proc.stderr.splitlines() if x.strip() and not x.startswith("compiling")]
    assert len(lines) == 1 and lines[0].startswith("zksvs: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize("name", ["multiplier", "poseidon_preimage"])
def test_prove_check_refuses_an_unsatisfying_witness(name, tmp_path):
    zkey, wtns, _ = _files(name)
    bad = _bad_witness(wtns, tmp_path)
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    line = _one_line_error(_zksvs("prove", zkey, bad, proof, public, "--check"))
    assert "does not satisfy the circuit" in line and "nothing written" in line
    assert not proof.exists() and not public.exists()


def test_prove_check_with_r1cs_names_the_constraint(tmp_path):
    zkey, wtns, r1cs = _files("poseidon_preimage")
    bad = _bad_witness(wtns, tmp_path)
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    line = _one_line_error(_zksvs("prove", zkey, bad, proof, public, "--check", "--r1cs", r1cs))
    assert "constraint " in line and "is not satisfied" in line
    assert not proof.exists() and not public.exists()
    # an .r1cs of another circuit is named as such
    other = _files("multiplier")[2]
    line = _one_line_error(_zksvs("prove", zkey, wtns, proof, public, "--check", "--r1cs", other))
    assert "is not the circuit of" in line


@pytest.mark.node
def test_prove_check_passes_a_good_witness_and_snarkjs_accepts_the_proof(node_tools, tmp_path):
    zkey, wtns, r1cs = _files("poseidon_preimage")
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    proc = _zksvs("prove", zkey, wtns, proof, public, "--check", "--r1cs", r1cs, "--timings")
    assert proc.returncode == 0, proc.stderr
    # kernel loading is its own row (the native library's, or numba's cache)
    assert any(w in proc.stderr for w in ("load native library", "load kernels", "compile kernels"))
    assert "MSM B2" in proc.stderr
    snarkjs("zkey", "export", "verificationkey", zkey, tmp_path / "vk.json")
    assert "OK" in snarkjs("groth16", "verify", tmp_path / "vk.json", public, proof).stdout
    assert json.loads(public.read_text()) == json.loads((zkey.parent / "public.json").read_text())


def test_warmup_reports_every_prove_kernel_as_json():
    proc = _zksvs("warmup", "--group", "prove", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    steps = {row["step"] for row in report["kernels"]}
    assert steps == {"domain tables", "witness map", "MSM G1", "MSM G2", "native library"}
    kernels = [row for row in report["kernels"] if row["step"] != "native library"]
    assert all(row["status"] in ("compiled", "loaded", "in memory") for row in kernels)
    # and the native library of the prove kernels (prover.native): built by this command, or already there
    assert [row["status"] for row in report["kernels"] if row["step"] == "native library"] in (["built"], ["present"])
    assert report["total_s"] == pytest.approx(sum(row["seconds"] for row in report["kernels"]))
    # after that run the cache is warm: a prove announces nothing
    again = _zksvs("warmup", "--group", "prove", "--json")
    assert json.loads(again.stdout)["compiled"] == 0
    assert "compiling" not in again.stderr


@pytest.mark.slow
def test_first_prove_on_an_empty_cache_announces_the_compile(tmp_path):
    """With an empty numba cache (NUMBA_CACHE_DIR) the first prove says so once on stderr; the second one does not,
    and neither books the compile as a stage."""
    zkey, wtns, _ = _files("multiplier")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache"), "ZKSVS_NATIVE": "0"}  # numba's path
    first = _zksvs("prove", zkey, wtns, tmp_path / "p.json", tmp_path / "pub.json", "--timings", env=env, timeout=1800)
    assert first.returncode == 0, first.stderr
    announced = [x for x in first.stderr.splitlines() if x.startswith("compiling prover kernels (once per machine")]
    assert len(announced) == 1
    assert "compile kernels (once per machine)" in first.stderr
    second = _zksvs("prove", zkey, wtns, tmp_path / "p.json", tmp_path / "pub.json", "--timings", env=env)
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stderr and "load kernels (numba cache)" in second.stderr

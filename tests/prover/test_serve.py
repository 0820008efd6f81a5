"""``zksvs serve`` and ``zksvs prove --socket`` (subprocesses): the resident prover's proofs verify in snarkjs, a bad
request is refused with the cold command's one line (exit 2) and the server goes on, a missing server is named.

Oracle: ``snarkjs groth16 verify`` (0.7.6) on the anchor circuit's key (../shared/anchors/snarkjs-examples)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.oracles.node import ROOT, snarkjs

pytestmark = [pytest.mark.prover, pytest.mark.node]

EXAMPLE = ROOT.parent / "shared" / "anchors" / "snarkjs-examples" / "poseidon_preimage"


def _cli(*args, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=timeout)  # fmt: skip


def test_server_proves_and_survives_a_bad_request(node_tools, tmp_path):
    sock = tmp_path / "p.sock"
    zkey, wtns = EXAMPLE / "poseidon_preimage_final.zkey", EXAMPLE / "poseidon_preimage.wtns"
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--socket", str(sock)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.time() + 600
        while not sock.exists() and time.time() < deadline and server.poll() is None:
            time.sleep(0.2)
        assert sock.exists(), server.stderr.read() if server.poll() is not None else "no socket"
        other = ROOT.parent / "shared" / "anchors" / "snarkjs-examples" / "multiplier" / "multiplier.wtns"
        bad = _cli("prove", zkey, other, tmp_path / "x.json", tmp_path / "y.json", "--socket", sock)
        assert bad.returncode == 2 and "witness of another circuit" in bad.stderr and "Traceback" not in bad.stderr
        for i in range(2):  # the second proof reuses the key the server keeps
            proof, public = tmp_path / f"proof{i}.json", tmp_path / f"public{i}.json"
            ok = _cli("prove", zkey, wtns, proof, public, "--socket", sock)
            assert ok.returncode == 0, ok.stderr
            snarkjs("zkey", "export", "verificationkey", zkey, tmp_path / "vk.json")
            assert "OK" in snarkjs("groth16", "verify", tmp_path / "vk.json", public, proof).stdout
        refused = _cli("prove", zkey, wtns, tmp_path / "a.json", tmp_path / "b.json", "--socket", sock, "--check")
        assert refused.returncode == 2 and "without --server" in refused.stderr
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert not sock.exists()  # SIGTERM removes the socket file


def test_prove_names_a_missing_server(tmp_path):
    zkey, wtns = EXAMPLE / "poseidon_preimage_final.zkey", EXAMPLE / "poseidon_preimage.wtns"
    proc = _cli("prove", zkey, wtns, tmp_path / "p.json", tmp_path / "q.json", "--socket", tmp_path / "none.sock")
    assert proc.returncode == 2 and "no prover server is listening" in proc.stderr
    assert not (tmp_path / "p.json").exists()

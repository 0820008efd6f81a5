"""zksvs export solidityverifier / soliditycalldata / settlement, compared with snarkjs 0.7.6 on the same files.

Oracle: snarkjs's own ``zkey export solidityverifier`` and ``zkey export soliditycalldata`` on the anchors'
snarkjs keys and proofs (shared/anchors/snarkjs-examples) and on a key our development setup made; the verifier
we export is also compiled and run on the EVM against a proof.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.conftest import small_pipeline_run
from tests.oracles.node import snarkjs
from tests.verifier.test_groth16_verify import EXAMPLES
from verifier.evm import verify_proof_selector
from verifier.evm_chain import Chain
from verifier.evm_toolchain import compile_solidity

pytestmark = pytest.mark.node
NAMES = ("multiplier", "poseidon_preimage")


def zksvs(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.mark.parametrize("name", NAMES)
def test_solidityverifier_equals_snarkjs(node_tools, tmp_path, name):
    zkey = EXAMPLES / name / f"{name}_final.zkey"
    snarkjs("zkey", "export", "solidityverifier", zkey, tmp_path / "theirs.sol")
    r = zksvs("zkey", "export", "solidityverifier", zkey, tmp_path / "ours.sol")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ours.sol").read_bytes() == (tmp_path / "theirs.sol").read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_soliditycalldata_equals_snarkjs(node_tools, name):
    d = EXAMPLES / name
    theirs = snarkjs("zkey", "export", "soliditycalldata", d / "public.json", d / "proof.json").stdout
    r = zksvs("export", "soliditycalldata", d / "public.json", d / "proof.json")
    assert r.returncode == 0, r.stderr
    assert r.stdout == theirs


def test_exported_verifier_of_a_run_accepts_its_proof_on_the_evm(node_tools, tmp_path_factory, tmp_path):
    # the demo folder's .zkey of the batch circuit: export like snarkjs, compile, verify rollup 0's proof of batch 0
    run = small_pipeline_run(tmp_path_factory.mktemp("small-run"))
    folder = tmp_path_factory.getbasetemp()
    zkey = next(folder.glob("small-run*/keys/batch.zkey"))
    snarkjs("zkey", "export", "solidityverifier", zkey, tmp_path / "theirs.sol")
    assert zksvs("export", "solidityverifier", zkey, tmp_path / "ours.sol").returncode == 0
    assert (tmp_path / "ours.sol").read_text() == (tmp_path / "theirs.sol").read_text()
    art = compile_solidity({"verifier.sol": (tmp_path / "ours.sol").read_text()})["Groth16Verifier"]
    chain = Chain()
    address, _ = chain.deploy(art.bytecode)
    d = next(folder.glob("small-run*/batch-0/rollup-0"))
    out = zksvs("export", "soliditycalldata", d / "public.json", d / "proof.json").stdout
    a, b, c, pub = json.loads(f"[{out}]")
    words = [int(x, 16) for x in [*a, *b[0], *b[1], *c, *pub]]
    data = verify_proof_selector(len(pub)) + b"".join(w.to_bytes(32, "big") for w in words)
    r = chain.transact(address, data)
    assert r.success and int.from_bytes(r.output, "big") == 1
    assert [int(x, 16) for x in pub] == run.submissions[0].rollups[0].public_inputs


def test_export_settlement_writes_the_contracts_of_a_shape(node_tools, tmp_path_factory, tmp_path):
    small_pipeline_run(tmp_path_factory.mktemp("small-run"))
    keys = next(tmp_path_factory.getbasetemp().glob("small-run*/keys"))
    out = tmp_path / "l1"
    r = zksvs("export", "settlement", out, "--batch-zkey", keys / "batch.zkey", "--cross-zkey", keys / "cross.zkey")
    assert r.returncode == 0, r.stderr
    names = {p.name for p in out.iterdir()}
    assert {"SharedSettlement.sol", "PoseidonT3.sol", "BatchVerifier.sol", "CrossVerifier.sol", "artifacts.json",
            "verifying_keys.initcode.hex", "README.md"} <= names  # fmt: skip
    artifacts = json.loads((out / "artifacts.json").read_text())
    assert {"SharedSettlement", "PoseidonT3"} <= set(artifacts)
    # without the cross key, proof mode is refused with one line and exit 2
    r = zksvs("export", "settlement", tmp_path / "x", "--batch-zkey", keys / "batch.zkey", "--root-check", "proof")
    assert r.returncode == 2 and "--cross-zkey" in r.stderr and "Traceback" not in r.stderr

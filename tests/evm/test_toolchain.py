"""The L1's build tools: solc-js and snarkjs pinned twice (the project's lock and the lock shipped as package data
for installed copies), compilation cached by input hash, and the first-use install a fresh machine goes through.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier import evm_toolchain
from verifier.evm_toolchain import SNARKJS_VERSION, SOLC_VERSION, compile_solidity, is_cached

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\ncontract Tiny { function f() external pure returns (uint256) { return %d; } }\n"  # noqa: E501


def _locked(lock: Path, name: str) -> dict:
    return json.loads(lock.read_text())["packages"][f"node_modules/{name}"]


@pytest.mark.parametrize(("name", "version"), [("solc", SOLC_VERSION), ("snarkjs", SNARKJS_VERSION)])
def test_shipped_lock_pins_what_the_project_lock_pins(name, version):
    shipped = _locked(ROOT / "verifier" / "node" / "package-lock.json", name)
    project = _locked(ROOT / "package-lock.json", name)
    assert shipped["version"] == project["version"] == version
    assert shipped["integrity"] == project["integrity"]


def test_compilation_is_cached_by_input(node_tools, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKSVS_CACHE_DIR", str(tmp_path))
    said = []
    src = {"Tiny.sol": SOURCE % 1}
    assert not is_cached(src)
    first = compile_solidity(src, say=said.append)["Tiny"]
    assert is_cached(src) and any("compiling Tiny.sol" in s for s in said)
    said.clear()
    again = compile_solidity(src, say=said.append)["Tiny"]
    assert again == first and said == []
    assert not is_cached({"Tiny.sol": SOURCE % 2}) and not is_cached(src, runs=1000)
    assert len(list((tmp_path / "solc").glob("*.json"))) == 1


@pytest.mark.slow
def test_first_use_installs_the_pinned_tools_into_the_cache(tmp_path, monkeypatch):
    # what `pip install . && zksvs demo` does on a machine with node and npm: no checkout node_modules, an empty
    # cache; npm ci of the shipped lock into <cache>/node, one progress line, then compilation
    monkeypatch.setenv("ZKSVS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ZKSVS_NODE_MODULES", raising=False)
    monkeypatch.setattr(evm_toolchain, "_CHECKOUT_NODE_MODULES", tmp_path / "no-checkout")
    said = []
    art = compile_solidity({"Tiny.sol": SOURCE % 3}, say=said.append)["Tiny"]
    assert art.runtime
    assert any("installing solc-js" in s for s in said)
    nm = tmp_path / "node" / "node_modules"
    assert json.loads((nm / "solc" / "package.json").read_text())["version"] == SOLC_VERSION
    assert (nm / "snarkjs" / "templates" / "verifier_groth16.sol.ejs").is_file()
    said.clear()
    compile_solidity({"Tiny.sol": SOURCE % 4}, say=said.append)
    assert not any("installing" in s for s in said)


def test_the_contracts_fit_a_chains_code_size_limit(settlement_artifacts):
    # EIP-170: a chain refuses runtime code over 24,576 bytes (pyrevm would too, unless told otherwise)
    for name in ("SharedSettlement", "PoseidonT3"):
        assert 0 < len(settlement_artifacts[name].runtime) <= 24_576, name

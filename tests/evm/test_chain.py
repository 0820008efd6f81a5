"""The EVM harness (verifier.evm_chain, verifier.evm_toolchain) measures gas as a chain charges it.

Oracles: snarkjs 0.7.6 exports the Solidity verifiers of the anchor keys (shared/anchors/snarkjs-examples) and
formats their calldata; ``shared/anchors/evm_gas.md`` holds the execution gas @ethereumjs/vm measured for them
(compiled for paris, as the anchors were). Cold-state pricing is checked against EIP-2929/2200 arithmetic on a
contract written here.
"""

from __future__ import annotations

import json

import pytest

from tests.oracles.node import snarkjs
from tests.verifier.test_groth16_verify import EXAMPLES
from verifier.evm import calldata_gas, keccak256, verify_proof_selector
from verifier.evm_chain import Chain
from verifier.evm_toolchain import compile_solidity
from zksvs.errors import ToolchainError

pytestmark = pytest.mark.node

#: Execution gas of snarkjs's verifyProof (shared/anchors/evm_gas.md) for the anchors' ℓ public inputs.
ANCHOR_EXECUTION_GAS = {1: 188_935, 2: 195_625}

COUNTER = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
contract Counter {
    uint256 public a = 5;
    uint256 public b = 7;
    error Nope(uint256 code);
    function bump() external { a += 1; b += 1; }
    function fail() external pure { revert Nope(42); }
}
"""


@pytest.mark.parametrize("name", ["poseidon_preimage", "multiplier"])
def test_snarkjs_verifier_reproduces_the_gas_anchor(node_tools, tmp_path, name):
    d = EXAMPLES / name
    sol = tmp_path / "verifier.sol"
    snarkjs("zkey", "export", "solidityverifier", d / f"{name}_final.zkey", sol)
    art = compile_solidity({"verifier.sol": sol.read_text()}, evm_version="paris")["Groth16Verifier"]
    chain = Chain()
    address, _ = chain.deploy(art.bytecode)
    out = snarkjs("zkey", "export", "soliditycalldata", d / "public.json", d / "proof.json").stdout
    a, b, c, pub = json.loads(f"[{out}]")
    words = [int(x, 16) for x in [*a, *b[0], *b[1], *c, *pub]]
    data = verify_proof_selector(len(pub)) + b"".join(w.to_bytes(32, "big") for w in words)
    for _ in range(2):  # the second call is as cold as the first
        r = chain.transact(address, data)
        assert r.success and int.from_bytes(r.output, "big") == 1
        assert r.gas_used - 21_000 - calldata_gas(data) == ANCHOR_EXECUTION_GAS[len(pub)]
    # a tampered public input: false, same gas (snarkjs's verifier does the whole pairing anyway)
    bad = data[:-1] + bytes([data[-1] ^ 1])
    r = chain.transact(address, bad)
    assert r.success and int.from_bytes(r.output, "big") == 0
    assert r.gas_used - 21_000 - calldata_gas(bad) == ANCHOR_EXECUTION_GAS[len(pub)]


def test_every_transaction_runs_cold_and_commits(node_tools):
    art = compile_solidity({"Counter.sol": COUNTER})["Counter"]
    chain = Chain()
    address, _ = chain.deploy(art.bytecode)
    assert chain.code(address) == art.runtime
    assert chain.storage_of(address) == {0: 5, 1: 7}
    bump = keccak256(b"bump()")[:4]
    gas = []
    for i in range(3):
        r = chain.transact(address, bump)
        assert r.success
        gas.append(r.gas_used)
        assert chain.storage_of(address) == {0: 6 + i, 1: 8 + i}
    # both slots read cold (2,100) and rewritten non-zero → non-zero (2,900), every time (EIP-2929, EIP-2200)
    assert gas[0] == gas[1] == gas[2]
    overhead = gas[0] - 21_000 - calldata_gas(bump) - 2 * (2_100 + 2_900)
    assert 0 < overhead < 400
    # a call changes nothing
    r = chain.call(address, bump)
    assert r.success and chain.storage_of(address) == {0: 8, 1: 10}


def test_a_revert_returns_its_custom_error_and_changes_nothing(node_tools):
    art = compile_solidity({"Counter.sol": COUNTER})["Counter"]
    chain = Chain()
    address, _ = chain.deploy(art.bytecode)
    before = chain.storage_of(address)
    r = chain.transact(address, keccak256(b"fail()")[:4])
    assert not r.success and r.halt_reason is None
    assert r.output == keccak256(b"Nope(uint256)")[:4] + (42).to_bytes(32, "big")
    assert chain.storage_of(address) == before
    r = chain.transact(address, keccak256(b"bump()")[:4], gas=21_500)
    assert not r.success and r.halt_reason is not None and "OutOfGas" in r.halt_reason


def test_chain_refuses_a_spec_pyrevm_would_silently_replace():
    with pytest.raises(ValueError, match="CamelCase"):
        Chain(spec_id="CANCUN")


def test_solc_errors_name_the_source(node_tools):
    with pytest.raises(ToolchainError, match=r"Broken\.sol"):
        compile_solidity({"Broken.sol": "pragma solidity 0.8.37; contract Broken { function f( }"})

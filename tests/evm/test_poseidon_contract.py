"""PoseidonT3.sol (generated Yul, verifier.evm_poseidon) hashes as circomlibjs does and opens whole slot lists.

Oracle: circomlibjs 0.1.7 ``buildPoseidon()`` run by node in the test (tests/core/test_poseidon.py's helper), on
random inputs and edge values; the slot-tree roots are composed from those digests here, not from our Poseidon.
"""

from __future__ import annotations

import random

import pytest

from tests.core.test_poseidon import circomlibjs_poseidon
from verifier.evm_chain import Chain
from verifier.evm_poseidon import CONTRACT_FILE, poseidon_t3_source
from verifier.evm_toolchain import contract_source
from zksvs.field import FR_MODULUS

pytestmark = pytest.mark.node

R = FR_MODULUS
EDGES = [0, 1, 2, R - 1, (R - 1) // 2, (R + 1) // 2, (1 << 64) - 1, 1 << 64, 1 << 253]


def _words(*xs: int) -> bytes:
    return b"".join(x.to_bytes(32, "big") for x in xs)


@pytest.fixture(scope="module")
def poseidon(settlement_artifacts):
    chain = Chain()
    address, _ = chain.deploy(settlement_artifacts["PoseidonT3"].bytecode)
    return chain, address


def test_generated_source_is_the_checked_in_contract():
    assert poseidon_t3_source() == contract_source(CONTRACT_FILE)


def test_hash2_matches_circomlibjs(poseidon):
    chain, address = poseidon
    rng = random.Random(3)
    pairs = [(a, b) for a in EDGES for b in EDGES[:4]] + [(rng.randrange(R), rng.randrange(R)) for _ in range(12)]
    expected = circomlibjs_poseidon([list(p) for p in pairs])
    for (a, b), want in zip(pairs, expected, strict=True):
        r = chain.call(address, _words(0, a, b))
        assert r.success and int.from_bytes(r.output, "big") == want, (a, b)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_state_roots_of_slot_lists_match_circomlibjs(poseidon, depth):
    chain, address = poseidon
    rng = random.Random(depth)
    groups = [[rng.randrange(R) for _ in range(1 + (1 << depth))] for _ in range(3)]
    r = chain.call(address, _words(depth, *[x for g in groups for x in g]))
    assert r.success
    got = [int.from_bytes(r.output[i : i + 32], "big") for i in range(0, len(r.output), 32)]
    want = []
    for g in groups:
        level = g[1:]
        while len(level) > 1:
            level = circomlibjs_poseidon([[level[i], level[i + 1]] for i in range(0, len(level), 2)])
        want += circomlibjs_poseidon([[g[0], level[0]]])
    assert got == want


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_words(0, R, 1), id="input_r"),
        pytest.param(_words(0, 1), id="truncated"),
        pytest.param(_words(9, *range(513)), id="depth_9"),
        pytest.param(b"", id="empty"),
    ],
)
def test_poseidon_contract_refuses_malformed_input(poseidon, data):
    chain, address = poseidon
    r = chain.call(address, data)
    assert not r.success and r.output == b""


def test_one_hash_costs_about_half_circomlibjs_contract(poseidon):
    # circomlibjs's generated Poseidon(2) contract: 29,005 gas a hash (shared/anchors/evm_gas.md); the cost here is
    # the difference between hashing one and two (0, a, b) groups
    chain, address = poseidon
    one = chain.call(address, _words(0, 1, 2)).gas_used
    two = chain.call(address, _words(0, 1, 2, 3, 4)).gas_used
    per_hash = two - one - 2 * 32 * 16  # minus the second group's calldata
    assert 10_000 < per_hash < 29_005 / 1.8

"""Fixtures of the EVM tests: the pinned node tools (solc-js, snarkjs) and the compiled settlement contracts.

The tests compile through ``verifier.evm_toolchain`` as the product does (cache by input hash); node_modules is the
project's (``npm ci`` by ``tests.oracles.node.ensure_node_modules``), which holds the pinned solc-js and snarkjs.
"""

from __future__ import annotations

import pytest

from verifier.evm_settlement import compile_settlement


@pytest.fixture(scope="session")
def settlement_artifacts(node_tools):
    """SharedSettlement and PoseidonT3, compiled (once per source, then from the cache)."""
    return compile_settlement()

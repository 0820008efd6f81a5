"""Small shared sets for the sequencer tests (depths 3, so every Merkle check stays cheap)."""

from __future__ import annotations

import pytest

from sequencer.genesis import Genesis, genesis_from_obj

U64_MAX = 2**64 - 1
#: Account 6 of every chain holds WHALE: a credit above 100 must be refused. Accounts 5 and 7 do not exist.
WHALE = U64_MAX - 100


def small_genesis(n_rollups: int = 3, capacity: int = 3, account_depth: int = 3, bridge_depth: int = 3) -> Genesis:
    """Chains 0..K−1; accounts 0..4 with 1000·(c+1) + 10·i, account 6 the whale; accounts 5 and 7 empty."""
    rollups = []
    for c in range(n_rollups):
        accs = [{"index": i, "balance": 1000 * (c + 1) + 10 * i} for i in range(5)]
        accs.append({"index": 6, "balance": WHALE})
        rollups.append({"chain_id": c, "accounts": accs})
    return genesis_from_obj(
        {
            "n_rollups": n_rollups,
            "account_depth": account_depth,
            "bridge_depth": bridge_depth,
            "capacity": capacity,
            "rollups": rollups,
        }
    )


@pytest.fixture
def genesis() -> Genesis:
    """K = 3, B = 3, D = 3, M = 3."""
    return small_genesis()

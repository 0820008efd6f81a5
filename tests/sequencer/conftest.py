"""Small shared sets for the sequencer tests (depths 3, so every Merkle check stays cheap)."""

from __future__ import annotations

import pytest

from sequencer.genesis import Genesis, demo_private_key, demo_public_key, genesis_from_obj

U64_MAX = 2**64 - 1
#: Account 6 of every chain holds WHALE: a credit above 100 must be refused. Accounts 5 and 7 do not exist.
WHALE = U64_MAX - 100


#: The seed of the small genesis's keys (``key``).
KEY_SEED = 99


def key(chain: int, index: int) -> bytes:
    """The private key of account ``index`` on ``chain`` in ``small_genesis(signed=True)`` (also for accounts that
    do not exist yet: the key to create them with)."""
    return demo_private_key(KEY_SEED, chain, index)


def small_genesis(
    n_rollups: int = 3, capacity: int = 3, account_depth: int = 3, bridge_depth: int = 3, *, signed: bool = False
) -> Genesis:
    """Chains 0..K−1; accounts 0..4 with 1000·(c+1) + 10·i, account 6 the whale; accounts 5 and 7 empty. Signed:
    every account has the key ``key(chain, index)``; unsigned (protocol v1): none has a key."""
    rollups = []
    for c in range(n_rollups):
        accs = [{"index": i, "balance": 1000 * (c + 1) + 10 * i} for i in range(5)]
        accs.append({"index": 6, "balance": WHALE})
        if signed:
            for a in accs:
                a["pubkey"] = list(demo_public_key(KEY_SEED, c, a["index"]))
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

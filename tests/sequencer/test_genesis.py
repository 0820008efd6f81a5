"""Genesis files: round trip, validation with clear errors, the seeded demo genesis."""

from __future__ import annotations

import json

import pytest

from sequencer.genesis import InvalidGenesis, demo_genesis, dump_genesis, find_whale, genesis_from_obj, load_genesis
from sequencer.rollup import RollupState
from zksvs.rollup_state import U64_MAX, AccountState

GOOD = {
    "n_rollups": 2,
    "account_depth": 3,
    "bridge_depth": 2,
    "capacity": 4,
    "rollups": [
        {"chain_id": 1, "accounts": [{"index": 5, "balance": 7, "nonce": 2}, {"index": 0, "balance": 0}]},
        {"chain_id": 0, "accounts": []},
    ],
}


def test_genesis_reads_shape_and_accounts():
    g = genesis_from_obj(GOOD)
    assert (g.shape.n_rollups, g.shape.account_depth, g.shape.bridge_depth, g.shape.capacity) == (2, 3, 2, 4)
    assert g.accounts == ((), ((0, AccountState(0)), (5, AccountState(7, 2))))
    assert g.balances() == {0: {}, 1: {0: 0, 5: 7}} and g.total_supply() == 7


def test_genesis_round_trips_through_a_file(tmp_path):
    g = demo_genesis(4, seed=3)
    dump_genesis(g, tmp_path / "g.json")
    assert load_genesis(tmp_path / "g.json") == g
    assert genesis_from_obj(json.loads((tmp_path / "g.json").read_text())).digest() == g.digest()


def test_genesis_digest_tells_genesis_apart():
    assert demo_genesis(seed=1).digest() != demo_genesis(seed=2).digest()
    assert demo_genesis(seed=1).digest() == demo_genesis(seed=1).digest()


def test_demo_genesis_is_seeded_and_has_a_whale():
    g = demo_genesis(4, accounts_per_rollup=6, seed=7)
    assert g == demo_genesis(4, accounts_per_rollup=6, seed=7)
    assert find_whale(g) == (3, 5)
    assert dict(g.accounts[3])[5].balance == U64_MAX - 1_000
    assert find_whale(demo_genesis(3, whale=False)) is None
    assert all(len(a) == 6 for a in g.accounts)


def test_zero_balance_account_exists():
    g = genesis_from_obj(GOOD)
    r = RollupState(1, g.shape, g.accounts[1])
    assert r.account(0) == AccountState(0) and r.accounts.get(0) != 0
    assert r.account(1) is None and r.accounts.get(1) == 0


def _with(**kw):
    return GOOD | kw


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ([], "a genesis must be a JSON object, not list"),
        ({k: v for k, v in GOOD.items() if k != "capacity"}, "missing field 'capacity'"),
        (_with(extra=1), "unknown field 'extra'"),
        (_with(n_rollups=1), r"n_rollups must be in \[2, 8\], not 1"),
        (_with(n_rollups=9), r"n_rollups must be in \[2, 8\], not 9"),
        (_with(n_rollups=True), "n_rollups must be an integer, not bool"),
        (_with(account_depth=0), "account_depth must be in"),
        (_with(bridge_depth=33), "bridge_depth must be in"),
        (_with(capacity=0), "capacity must be in"),
        (_with(capacity=2.0), "capacity must be an integer, not float"),
        (_with(rollups={}), r"\$.rollups must be a list, not dict"),
        (_with(rollups=[3]), r"rollups\[0\] must be an object"),
        (_with(rollups=[{"accounts": []}]), r"rollups\[0\]: missing field 'chain_id'"),
        (_with(rollups=[{"chain_id": 2}]), r"rollups\[0\].chain_id must be in \[0, 1\], not 2"),
        (_with(rollups=[{"chain_id": 0}, {"chain_id": 0}]), "chain_id 0 is listed twice"),
        (_with(rollups=[{"chain_id": 0, "x": 1}]), "unknown field 'x'"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 0}]}]), "missing field 'balance'"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 8, "balance": 1}]}]), r"index must be in \[0, 7\]"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 0, "balance": -1}]}]), "balance must be in"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 0, "balance": 2**64}]}]), "balance must be in"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 0, "balance": 5.0}]}]), "an integer or a decimal"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 0, "balance": "1e3"}]}]), "no decimal point"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": "0", "balance": 1}]}]), "must be an integer, not str"),
        (_with(rollups=[{"chain_id": 1}]), r"lists 1 of the n_rollups = 2 chains: chain_id 0 missing"),
        (_with(rollups=[{"chain_id": 0, "accounts": [{"index": 0, "balance": 1, "memo": 1}]}]), "unknown field"),
        (
            _with(rollups=[{"chain_id": 0, "accounts": [{"index": 1, "balance": 1}, {"index": 1, "balance": 2}]}]),
            "account index 1 is listed twice on chain 0",
        ),
    ],
)
def test_genesis_rejects_bad_input(obj, match):
    with pytest.raises(InvalidGenesis, match=match):
        genesis_from_obj(obj)


def test_load_genesis_reports_bad_json(tmp_path):
    p = tmp_path / "g.json"
    p.write_text("{\n  nope")
    with pytest.raises(InvalidGenesis, match=r"invalid JSON: .* \(line 2"):
        load_genesis(p)

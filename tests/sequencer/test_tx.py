"""Transaction parsing (DESIGN.md §9 JSONL form): every malformed case, and line numbers in ``read_jsonl``."""

from __future__ import annotations

import json

import pytest

from sequencer.tx import AmountOutOfRange, Burn, Transfer, parse_tx, read_jsonl
from zksvs.errors import MalformedTransaction

T = {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
B = {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}


def test_parse_tx_reads_the_design_examples():
    assert parse_tx(T) == Transfer(chain=0, sender=3, recipient=5, amount=10, nonce=0)
    assert parse_tx(B) == Burn(chain=0, to_chain=2, sender=3, recipient=7, amount=5, nonce=1)


def test_parse_tx_round_trips_to_obj():
    for obj in (T, B):
        assert parse_tx(obj).to_obj() == obj


def test_parse_tx_accepts_u64_bounds_and_self_transfer():
    assert parse_tx(T | {"amount": 0}).amount == 0
    assert parse_tx(T | {"amount": 2**64 - 1}).amount == 2**64 - 1
    assert parse_tx(T | {"nonce": 2**64 - 1}).nonce == 2**64 - 1
    assert parse_tx(T | {"to": 3}).recipient == 3


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ([1, 2], "must be a JSON object, not list"),
        ("transfer", "must be a JSON object, not str"),
        ({k: v for k, v in T.items() if k != "kind"}, "missing field 'kind'"),
        (T | {"kind": "mint"}, "kind 'mint' cannot be submitted"),
        (T | {"kind": "noop"}, "unknown kind 'noop'"),
        (T | {"kind": 1}, "unknown kind 1"),
        ({k: v for k, v in T.items() if k != "amount"}, "missing field 'amount' in a transfer"),
        ({k: v for k, v in T.items() if k != "from"}, "missing field 'from'"),
        ({k: v for k, v in B.items() if k != "to_chain"}, "missing field 'to_chain' in a burn"),
        (T | {"to_chain": 1}, "unknown field 'to_chain' in a transfer"),
        (T | {"memo": "hi"}, "unknown field 'memo'"),
        (T | {"amount": True}, "field 'amount' must be an integer or a decimal string, not bool"),
        (T | {"amount": 10.0}, "field 'amount' must be an integer or a decimal string, not float"),
        (T | {"amount": "1e3"}, "field 'amount' '1e3' is not an integer: no decimal point or exponent"),
        (T | {"amount": None}, "field 'amount' must be an integer or a decimal string, not NoneType"),
        (T | {"chain": False}, "field 'chain' must be an integer, not bool"),
        (T | {"chain": 0.5}, "field 'chain' must be an integer, not float"),
        (T | {"from": "3"}, "field 'from' must be an integer, not str"),
        (T | {"to": [5]}, "field 'to' must be an integer, not list"),
        (T | {"nonce": 1.0}, "field 'nonce' must be an integer or a decimal string, not float"),
        (B | {"to_chain": "2"}, "field 'to_chain' must be an integer, not str"),
        (T | {"chain": -1}, "field 'chain' must be ≥ 0, not -1"),
        (T | {"from": -3}, "field 'from' must be ≥ 0, not -3"),
        (T | {"nonce": -1}, "field 'nonce' must be ≥ 0, not -1"),
        (T | {"nonce": 2**64}, "field 'nonce' must be in"),
        (B | {"to_chain": 0}, "a burn must go to another chain, not to its own chain 0"),
    ],
)
def test_parse_tx_rejects_malformed(obj, match):
    with pytest.raises(MalformedTransaction, match=match):
        parse_tx(obj)


@pytest.mark.parametrize("amount", [-1, -(2**70), 2**64, 2**64 + 5, 2**256])
def test_parse_tx_rejects_amount_out_of_u64(amount):
    with pytest.raises(AmountOutOfRange, match=r"amount must be in \[0, 2\^64 − 1\]") as e:
        parse_tx(T | {"amount": amount})
    assert e.value.amount == amount
    assert e.value.reason.value == "amount_out_of_u64"
    assert isinstance(e.value, MalformedTransaction)


def test_read_jsonl_keeps_line_numbers_and_goes_on_after_bad_lines(tmp_path):
    lines = [
        json.dumps(T),
        "",
        "{not json",
        json.dumps(B),
        json.dumps(T | {"amount": -4}),
        "   ",
        json.dumps(T | {"kind": "mint"}),
        "[1, 2",
        json.dumps(T | {"nonce": 1}),
    ]
    path = tmp_path / "txs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    for source in (path, str(path), lines):
        out = read_jsonl(source)
        assert [n for n, _ in out] == [1, 3, 4, 5, 7, 8, 9]
        by_line = dict(out)
        assert by_line[1] == parse_tx(T) and by_line[4] == parse_tx(B) and by_line[9].nonce == 1
        assert isinstance(by_line[3], MalformedTransaction) and "invalid JSON" in str(by_line[3])
        assert isinstance(by_line[5], AmountOutOfRange)
        assert "cannot be submitted" in str(by_line[7])
        assert isinstance(by_line[8], MalformedTransaction) and "invalid JSON" in str(by_line[8])


def test_read_jsonl_reports_non_object_lines():
    out = read_jsonl(["42", "null", json.dumps(T)])
    assert [type(x).__name__ for _, x in out] == ["MalformedTransaction", "MalformedTransaction", "Transfer"]
    assert "not int" in str(out[0][1]) and "not NoneType" in str(out[1][1])

"""Users' JSON text (``sequencer.jsonio``): encodings and BOMs, integers as decimal strings, in JSONL and genesis."""

from __future__ import annotations

import codecs
import json

import pytest

from sequencer.genesis import InvalidGenesis, genesis_from_obj, load_genesis
from sequencer.jsonio import TextEncodingError, decode_text, json_uint
from sequencer.tx import AmountOutOfRange, Transfer, parse_tx, read_jsonl
from zksvs.errors import MalformedTransaction

T = {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
GENESIS = {
    "n_rollups": 2,
    "account_depth": 2,
    "bridge_depth": 1,
    "capacity": 1,
    "rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": 100}]}, {"chain_id": 1, "accounts": []}],
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", 10), ("0", 0), ("18446744073709551615", 2**64 - 1), ("-3", -3), (7, 7), ("9" * 78, int("9" * 78))],
)
def test_json_uint_reads_integers_and_canonical_decimal_strings(value, expected):
    assert json_uint(value, "x", strings=True) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e3", "is not an integer: no decimal point or exponent"),
        ("10.0", "is not an integer: no decimal point or exponent"),
        (".5", "is not an integer: no decimal point or exponent"),
        (" 10", "has spaces around it"),
        ("10\n", "has spaces around it"),
        ("", "is an empty string"),
        ("+1", "has a '+' sign"),
        ("0x10", "is hexadecimal"),
        ("010", "has a leading zero"),
        ("-01", "has a leading zero"),
        ("ten", "is not a decimal integer"),
        ("1_000", "is not a decimal integer"),
        ("9" * 79, "has 79 digits, more than any field element (78)"),
        (10.0, "must be an integer or a decimal string, not float 10.0"),
        (True, "must be an integer or a decimal string, not bool True"),
        (None, "must be an integer or a decimal string, not NoneType"),
    ],
)
def test_json_uint_refuses_other_forms_with_the_reason(value, reason):
    with pytest.raises(ValueError, match=r"^x ") as e:
        json_uint(value, "x", strings=True)
    assert reason in str(e.value)


def test_json_uint_refuses_strings_where_the_caller_does():
    with pytest.raises(ValueError, match="x must be an integer, not str '3'"):
        json_uint("3", "x", strings=False)


def test_transactions_take_decimal_string_amounts_and_nonces():
    assert parse_tx(T | {"amount": "10", "nonce": "4"}) == Transfer(0, 3, 5, 10, 4)
    assert parse_tx(T | {"amount": "18446744073709551615"}).amount == 2**64 - 1
    with pytest.raises(AmountOutOfRange, match="not 18446744073709551616"):
        parse_tx(T | {"amount": "18446744073709551616"})
    with pytest.raises(AmountOutOfRange, match="not -1"):
        parse_tx(T | {"amount": "-1"})
    with pytest.raises(MalformedTransaction, match="field 'nonce' must be ≥ 0, not -1"):
        parse_tx(T | {"nonce": "-1"})
    # identifiers stay JSON integers
    with pytest.raises(MalformedTransaction, match="field 'chain' must be an integer, not str"):
        parse_tx(T | {"chain": "0"})


def test_genesis_takes_decimal_string_balances_and_keys():
    obj = json.loads(json.dumps(GENESIS))
    obj["rollups"][0]["accounts"][0] |= {"balance": "18446744073709551615", "nonce": "2", "pubkey_x": "5"}
    acc = dict(genesis_from_obj(obj).accounts[0])[0]
    assert (acc.balance, acc.nonce, acc.pubkey_x, acc.pubkey_y) == (2**64 - 1, 2, 5, 0)


def test_genesis_errors_name_the_file_and_the_json_path(tmp_path):
    obj = json.loads(json.dumps(GENESIS))
    obj["rollups"][0]["accounts"][0]["balance"] = "1e3"
    p = tmp_path / "g.json"
    p.write_text(json.dumps(obj))
    with pytest.raises(InvalidGenesis) as e:
        load_genesis(p)
    assert str(e.value).startswith(f"{p}: $.rollups[0].accounts[0].balance '1e3' is not an integer")


def test_genesis_listing_fewer_rollups_than_n_rollups_is_an_error():
    obj = GENESIS | {"n_rollups": 3}
    with pytest.raises(InvalidGenesis, match=r"lists 2 of the n_rollups = 3 chains: chain_id 2 missing"):
        genesis_from_obj(obj)


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode(),
        lambda s: codecs.BOM_UTF8 + s.encode(),
        lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
        lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
        lambda s: codecs.BOM_UTF32_LE + s.encode("utf-32-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom"],
)
def test_files_in_utf8_with_or_without_bom_and_utf16_32_with_bom_read_alike(tmp_path, encode):
    lines = [json.dumps(T), "", json.dumps(T | {"nonce": 1})]
    p = tmp_path / "txs.jsonl"
    p.write_bytes(encode("\r\n".join(lines) + "\r\n"))
    assert read_jsonl(p) == [(1, parse_tx(T)), (3, parse_tx(T | {"nonce": 1}))]
    g = tmp_path / "g.json"
    g.write_bytes(encode(json.dumps(GENESIS)))
    assert load_genesis(g) == genesis_from_obj(GENESIS)


def test_a_bom_at_the_start_of_a_later_line_is_dropped(tmp_path):
    # two UTF-8-with-BOM files concatenated
    p = tmp_path / "txs.jsonl"
    p.write_bytes(codecs.BOM_UTF8 + (json.dumps(T) + "\n").encode() + codecs.BOM_UTF8 + json.dumps(T).encode())
    assert [type(x) for _, x in read_jsonl(p)] == [Transfer, Transfer]


def test_lines_split_at_newlines_only(tmp_path):
    # U+2028 is legal inside a JSON string; str.splitlines would cut the line there and renumber the rest
    p = tmp_path / "txs.jsonl"
    p.write_text(json.dumps(T | {"memo": "a\u2028b"}, ensure_ascii=False) + "\n" + json.dumps(T) + "\n")
    out = read_jsonl(p)
    assert [n for n, _ in out] == [1, 2]
    assert "unknown field 'memo'" in str(out[0][1]) and out[1][1] == parse_tx(T)


def test_non_utf8_text_names_the_file_offset_and_line(tmp_path):
    p = tmp_path / "txs.jsonl"
    p.write_bytes((json.dumps(T) + "\n").encode() + b'{"kind": "transfer\xff"}\n')
    with pytest.raises(TextEncodingError) as e:
        read_jsonl(p)
    offset = len(json.dumps(T)) + 1 + len('{"kind": "transfer')
    assert (e.value.offset, e.value.line) == (offset, 2)
    assert str(e.value) == f"{p}: not UTF-8 text: byte 0xff at offset {offset} (line 2); save it as UTF-8"
    g = tmp_path / "g.json"
    g.write_bytes(b"\x80{}")
    with pytest.raises(TextEncodingError, match="byte 0x80 at offset 0 \\(line 1\\)"):
        load_genesis(g)


def test_a_bad_utf16_file_counts_its_bom_in_the_offset():
    data = codecs.BOM_UTF16_LE + "{}".encode("utf-16-le") + b"\x00\xd8"  # a lone high surrogate at the end
    with pytest.raises(TextEncodingError, match="not UTF-16-LE text: byte 0x00 at offset 6"):
        decode_text(data, "f")

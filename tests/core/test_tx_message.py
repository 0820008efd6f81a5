"""The signed message of a transaction (``zksvs.tx_message``): layout, digest against circomlibjs, JSON form.

Oracle: circomlibjs 0.1.7 ``buildPoseidon()`` run by node on the 11 inputs written out here from the module
docstring's table (tag, chain, kind, from, to, to_chain, amount, nonce, payload, to_pubkey x, y), so the layout is
checked as documented, not as coded.
"""

from __future__ import annotations

import pytest

from tests.core.test_poseidon import circomlibjs_poseidon
from zksvs.eddsa import private_key_from_seed, private_to_public, verify_poseidon
from zksvs.errors import MalformedKey, MalformedSignature, MalformedTransaction, NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.statement import SlotKind
from zksvs.tx_message import (
    TX_DOMAIN_TAG,
    TX_MESSAGE_INPUTS,
    TxFields,
    TxKind,
    parse_signed_tx,
    sign_tx,
    tx_message,
)

R = FR_MODULUS
TAG = int.from_bytes(b"zksvs/tx/v2", "big")
PK = (123, R - 1)

SAMPLES = [
    TxFields(TxKind.TRANSFER, chain=0, sender=3, recipient=5, to_chain=0, amount=10, nonce=0),
    TxFields(TxKind.BURN, chain=0, sender=3, recipient=7, to_chain=2, amount=5, nonce=1),
    TxFields(TxKind.CALL, chain=1, sender=2, recipient=9, to_chain=3, amount=0, nonce=2**64 - 1, payload=R - 1),
    TxFields(TxKind.TRANSFER, chain=7, sender=0, recipient=255, to_chain=7, amount=2**64 - 1, nonce=4,
             recipient_pubkey=PK),
]  # fmt: skip


def _documented_inputs(t: TxFields) -> list[int]:
    return [TAG, t.chain, {"transfer": 1, "burn": 2, "call": 4}[t.kind.name.lower()], t.sender, t.recipient,
            t.to_chain, t.amount, t.nonce, t.payload, *t.recipient_pubkey]  # fmt: skip


@pytest.mark.node
def test_message_is_circomlibjs_poseidon_of_the_documented_inputs(node_tools):
    expected = circomlibjs_poseidon([_documented_inputs(t) for t in SAMPLES])
    assert [t.message() for t in SAMPLES] == expected
    t = SAMPLES[1]
    assert tx_message(t.kind, t.chain, t.sender, t.recipient, t.to_chain, t.amount, t.nonce) == expected[1]


def test_layout_constants():
    assert TX_DOMAIN_TAG == TAG and TAG.bit_length() <= 88
    assert TX_MESSAGE_INPUTS == 11 == len(SAMPLES[0].inputs())
    assert (TxKind.TRANSFER, TxKind.BURN) == (SlotKind.TRANSFER, SlotKind.BURN)
    assert TxKind.CALL == 4 and 3 not in set(TxKind)  # 3 is the sequencer's MINT: never signed


def test_every_field_changes_the_message():
    base = SAMPLES[3]
    variants = [
        TxFields(TxKind.BURN, 7, 0, 255, 7, 2**64 - 1, 4, 0, PK),
        TxFields(base.kind, 6, 0, 255, 7, 2**64 - 1, 4, 0, PK),
        TxFields(base.kind, 7, 1, 255, 7, 2**64 - 1, 4, 0, PK),
        TxFields(base.kind, 7, 0, 254, 7, 2**64 - 1, 4, 0, PK),
        TxFields(base.kind, 7, 0, 255, 6, 2**64 - 1, 4, 0, PK),
        TxFields(base.kind, 7, 0, 255, 7, 2**64 - 2, 4, 0, PK),
        TxFields(base.kind, 7, 0, 255, 7, 2**64 - 1, 5, 0, PK),
        TxFields(base.kind, 7, 0, 255, 7, 2**64 - 1, 4, 1, PK),
        TxFields(base.kind, 7, 0, 255, 7, 2**64 - 1, 4, 0, (124, R - 1)),
        TxFields(base.kind, 7, 0, 255, 7, 2**64 - 1, 4, 0, (123, 0)),
    ]
    digests = {v.message() for v in variants} | {base.message()}
    assert len(digests) == len(variants) + 1


def test_json_round_trip():
    for t in SAMPLES:
        assert TxFields.from_obj(t.to_obj()) == t
    assert SAMPLES[0].to_obj() == {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
    assert SAMPLES[1].to_obj() == {
        "kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1
    }  # fmt: skip
    assert SAMPLES[3].to_obj()["to_pubkey"] == ["123", str(R - 1)]
    signed = {**SAMPLES[0].to_obj(), "signature": {}, "pubkey": []}
    assert TxFields.from_obj(signed, ignore=frozenset({"signature", "pubkey"})) == SAMPLES[0]


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ([], "must be a JSON object, not list"),
        ({"kind": "mint"}, "field 'kind' must be one of"),
        ({"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10}, r"missing field\(s\) \['nonce'\]"),
        ({"kind": "transfer", "chain": 0, "to_chain": 0, "from": 3, "to": 5, "amount": 1, "nonce": 0},
         r"unexpected field\(s\) \['to_chain'\]"),
        ({"kind": "burn", "chain": 1, "to_chain": 1, "from": 3, "to": 5, "amount": 1, "nonce": 0},
         "'to_chain' must differ"),
        ({"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 2**64, "nonce": 0}, "'amount' must be in"),
        ({"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 1.0, "nonce": 0}, "must be an integer"),
        ({"kind": "transfer", "chain": 0, "from": True, "to": 5, "amount": 1, "nonce": 0}, "must be an integer"),
        ({"kind": "transfer", "chain": -1, "from": 3, "to": 5, "amount": 1, "nonce": 0}, "'chain' must be in"),
        ({"kind": "call", "chain": 0, "to_chain": 1, "from": 3, "to": 5, "amount": 1, "nonce": 0, "payload": "x"},
         "'payload' must be a decimal string"),
        ({"kind": "call", "chain": 0, "to_chain": 1, "from": 3, "to": 5, "amount": 1, "nonce": 0, "payload": str(R)},
         "'payload' must be below r"),
        ({"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 1, "nonce": 0, "to_pubkey": ["1"]},
         r"'to_pubkey' must be a list \[x, y\]"),
    ],
)  # fmt: skip
def test_from_obj_rejects(obj, match):
    with pytest.raises(MalformedTransaction, match=match):
        TxFields.from_obj(obj)


def test_non_canonical_fields_raise():
    with pytest.raises(NonCanonicalFieldElement, match="transaction field 'payload'"):
        TxFields(TxKind.CALL, 0, 0, 0, 1, 0, 0, payload=R).message()
    with pytest.raises(NonCanonicalFieldElement, match=r"transaction field 'to_pubkey\[1\]'"):
        tx_message(TxKind.TRANSFER, 0, 0, 0, 0, 0, 0, recipient_pubkey=(0, -1))
    with pytest.raises(ValueError, match="3 is not a valid TxKind"):
        tx_message(3, 0, 0, 0, 0, 0, 0)  # type: ignore[arg-type]


def test_sign_tx_and_parse_signed_tx_round_trip():
    key = private_key_from_seed("tx")
    for t in SAMPLES:
        obj = sign_tx(t, key)
        fields, sig, pub = parse_signed_tx(obj)
        assert fields == t and pub == private_to_public(key)
        assert verify_poseidon(t.message(), sig, pub)
    obj = sign_tx(SAMPLES[0], key)
    del obj["pubkey"]
    assert parse_signed_tx(obj)[2] is None
    del obj["signature"]
    with pytest.raises(MalformedSignature, match="needs a field 'signature'"):
        parse_signed_tx(obj)
    with pytest.raises(MalformedKey, match="pubkey must be a list"):
        parse_signed_tx({**sign_tx(SAMPLES[0], key), "pubkey": "x"})

"""Protocol v2 in the sequencer: signatures, account creation, calls and their actions (MINT, COND, SWAP).

Each rule is shown by a transaction the rule refuses, with its reason, and no root changed on any rollup; the
accepted cases are checked opening by opening (tests/sequencer/trace_check.py). Keys are the small genesis's seeded
ones (``tests.sequencer.conftest.key``); signatures are verified against ``zksvs.eddsa.verify_poseidon``, itself
checked against circomlibjs in tests/core/test_eddsa.py.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sequencer.genesis import demo_public_key
from sequencer.sequencer import Receipt, Rejection, Sequencer
from sequencer.tx import Burn, Call, Transfer, parse_tx, sign, swap_call
from tests.sequencer.conftest import KEY_SEED, WHALE, key, small_genesis
from tests.sequencer.trace_check import check_shared_batch
from zksvs.eddsa import private_key_from_seed, private_to_public, sign_poseidon, verify_poseidon
from zksvs.statement import SlotKind
from zksvs.tx_message import Program


@pytest.fixture(scope="module")
def signed_genesis():
    return small_genesis(signed=True)


def _signed(tx):
    return sign(tx, key(tx.chain, tx.sender))


def _snapshot(seq: Sequencer):
    return [r.roots() for r in seq.rollups], [r.account_items() for r in seq.rollups]


def _rejected(seq: Sequencer, tx, reason: str, match: str) -> Rejection:
    before = _snapshot(seq)
    out = seq.submit(tx)
    assert isinstance(out, Rejection), out
    assert (out.reason.value, match in out.message) == (reason, True), out
    assert _snapshot(seq) == before, "a rejected transaction changed a root or an account"
    return out


def _accepted(seq: Sequencer, tx) -> Receipt:
    out = seq.submit(tx)
    assert isinstance(out, Receipt), out
    return out


def _check_all(seq: Sequencer, genesis) -> None:
    seq.close_batch()
    prev = Sequencer(genesis).state_roots()
    for b in seq.closed_batches:
        check_shared_batch(b, prev)
        prev = b.new_state_roots()


# --- signatures ------------------------------------------------------------------------------------------------------


def test_a_signed_genesis_checks_every_signature_and_records_it(signed_genesis):
    seq = Sequencer(signed_genesis)
    assert seq.signed and not Sequencer(small_genesis()).signed
    tx = _signed(Transfer(0, 1, 2, 5, 0))
    assert verify_poseidon(tx.fields().message(), tx.signature, demo_public_key(KEY_SEED, 0, 1))
    _accepted(seq, tx)
    batch = seq.close_batch()
    assert batch.traces[0].slots[0].signature == tx.signature
    assert all(s.signature is None for t in batch.traces for s in t.slots[1:] if s.kind == SlotKind.NOOP)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Transfer(0, 1, 2, 5, 0), "signature is missing"),
        (lambda: sign(Transfer(0, 1, 2, 5, 0), key(0, 2)), "does not verify under the key of account 1 on chain 0"),
        (lambda: replace(_signed(Transfer(0, 1, 2, 5, 0)), amount=6), "does not verify"),
        (lambda: replace(_signed(Transfer(0, 1, 2, 5, 0)), recipient=3), "does not verify"),
        (lambda: replace(_signed(Burn(0, 1, 1, 2, 5, 0)), to_chain=2), "does not verify"),
        (lambda: replace(_signed(Transfer(0, 1, 2, 5, 0)), to_pubkey=demo_public_key(KEY_SEED, 0, 2)),
         "does not verify"),
        (lambda: replace(_signed(Call(0, 1, 1, 2, 5, 0, Program.COND, 10**6)), program=Program.MINT),
         "does not verify"),
        (lambda: replace(_signed(Call(0, 1, 1, 2, 5, 0, Program.COND, 10**6)), payload=10**7), "does not verify"),
        # a valid signature of the same fields as a transfer does not sign the burn
        (lambda: replace(Burn(0, 1, 1, 2, 5, 0), signature=_signed(Transfer(0, 1, 2, 5, 0)).signature),
         "does not verify"),
    ],
)  # fmt: skip
def test_bad_signatures_are_rejected_before_any_state_changes(signed_genesis, make, match):
    seq = Sequencer(signed_genesis)
    _accepted(seq, _signed(Transfer(1, 0, 1, 1, 0)))
    _rejected(seq, make(), "bad_signature", match)


def test_an_unknown_sender_is_unknown_account_not_bad_signature(signed_genesis):
    seq = Sequencer(signed_genesis)
    _rejected(seq, sign(Transfer(0, 5, 1, 0, 0), key(0, 5)), "unknown_account", "index 5 on chain 0 has no account")


def test_signed_json_lines_parse_and_round_trip(signed_genesis):
    tx = _signed(Call(0, 2, 1, 3, 5, 0, Program.COND, 10**6, demo_public_key(KEY_SEED, 2, 3)))
    obj = tx.to_obj()
    assert obj["program"] == "cond" and obj["payload"] == str(10**6) and "signature" in obj
    assert parse_tx(obj) == tx
    assert parse_tx({**obj, "pubkey": [str(c) for c in private_to_public(key(0, 1))]}) == tx
    seq = Sequencer(signed_genesis)
    _accepted(seq, obj)


def test_submit_many_verifies_the_group_in_one_batch(signed_genesis):
    seq = Sequencer(signed_genesis)
    txs = [_signed(Transfer(c, i, (i + 1) % 5, 1, 0)) for c in range(3) for i in range(4)]
    forged = replace(_signed(Transfer(0, 4, 0, 1, 0)), amount=2)
    out = seq.submit_many(list(enumerate([*txs, forged])))
    assert [type(o) for o in out] == [Receipt] * 12 + [Rejection] and out[-1].reason.value == "bad_signature"
    assert seq.signatures.batched == 13 and seq.signatures.single == 0
    _check_all(seq, signed_genesis)


def test_a_signed_run_restarts_from_its_database(signed_genesis, tmp_path):
    db = tmp_path / "s.sqlite"
    seq = Sequencer(signed_genesis, db)
    _accepted(seq, _signed(Transfer(0, 1, 2, 5, 0)))
    _accepted(seq, _signed(Call(0, 1, 2, 3, 4, 0, Program.COND, 10**6)))
    _accepted(seq, _signed(Transfer(1, 0, 7, 9, 0, to_pubkey=demo_public_key(3, 1, 7))))
    _rejected(seq, replace(_signed(Transfer(0, 1, 2, 5, 1)), amount=4), "bad_signature", "does not verify")
    roots = seq.state_roots()
    seq.close()
    again = Sequencer.open(db)
    assert again.state_roots() == roots and again.signed and again.next_seq == 4


# --- account creation --------------------------------------------------------------------------------------------


def test_a_transfer_naming_a_key_creates_the_account(signed_genesis):
    seq = Sequencer(signed_genesis)
    new_key = private_key_from_seed("new owner")
    _accepted(seq, _signed(Transfer(0, 1, 5, 30, 0, to_pubkey=private_to_public(new_key))))
    acc = seq.account(0, 5)
    assert (acc.balance, acc.nonce, (acc.pubkey_x, acc.pubkey_y)) == (30, 0, private_to_public(new_key))
    _accepted(seq, sign(Transfer(0, 5, 1, 10, 0), new_key))  # the new owner can spend at once
    _check_all(seq, signed_genesis)


@pytest.mark.parametrize(
    ("tx", "reason", "match"),
    [
        (Transfer(0, 1, 5, 3, 0), "unknown_account", "index 5 on chain 0 has no account"),
        (Transfer(0, 1, 5, 3, 0, to_pubkey=(1, 2)), "bad_recipient_key", "not a Baby Jubjub key that can sign"),
        (Transfer(0, 1, 5, 3, 0, to_pubkey=(0, 1)), "bad_recipient_key", "can sign"),  # the identity: small order
        (Transfer(0, 1, 2, 3, 0, to_pubkey=demo_public_key(KEY_SEED, 0, 3)), "recipient_key_mismatch",
         "account 2 on chain 0 exists with another key"),
        (Burn(0, 1, 1, 5, 3, 0), "action_failed", "MINT action on chain 1 cannot run: unknown_account"),
        (Burn(0, 1, 1, 2, 3, 0, to_pubkey=demo_public_key(KEY_SEED, 1, 3)), "action_failed",
         "recipient_key_mismatch"),
    ],
)  # fmt: skip
def test_credit_key_rules(signed_genesis, tx, reason, match):
    _rejected(Sequencer(signed_genesis), _signed(tx), reason, match)


def test_a_burn_naming_a_key_creates_the_account_on_the_destination(signed_genesis):
    seq = Sequencer(signed_genesis)
    pk = demo_public_key(5, 2, 7)
    _accepted(seq, _signed(Burn(0, 2, 1, 7, 40, 0, to_pubkey=pk)))
    _accepted(seq, _signed(Burn(1, 2, 0, 2, 1, 0, to_pubkey=demo_public_key(KEY_SEED, 2, 2))))  # its own key: fine
    assert (seq.account(2, 7).balance, (seq.account(2, 7).pubkey_x, seq.account(2, 7).pubkey_y)) == (40, pk)
    assert seq.account(0, 7) is None
    _check_all(seq, signed_genesis)


# --- COND -------------------------------------------------------------------------------------------------------------


def test_cond_credits_only_within_its_cap_and_a_failed_action_drops_its_trigger(signed_genesis):
    seq = Sequencer(signed_genesis)
    bal = seq.account(1, 2).balance  # 2020
    _accepted(seq, _signed(Call(0, 1, 1, 2, 30, 0, Program.COND, bal + 30)))  # exactly at the cap
    out = _rejected(seq, _signed(Call(0, 1, 1, 2, 1, 1, Program.COND, bal + 30)), "action_failed",
                    "the COND action on chain 1 cannot run: cap_exceeded")  # fmt: skip
    assert "above the cap" in out.message
    assert seq.rollups[0].burn_tree(1).next_index == 1  # the dropped trigger used no message index
    _accepted(seq, _signed(Call(0, 1, 1, 2, 1, 1, Program.MINT, 0)))  # the same value as MINT goes through
    _check_all(seq, signed_genesis)


# --- SWAP -------------------------------------------------------------------------------------------------------------


def _swap(nonce_x=0, z=3, w=4, b=25, z_nonce=0, order_key=None, a=10, x=1, y=2):
    call = swap_call(0, 1, x, y, a, nonce_x, z, w, b, z_nonce, order_key or key(1, z))
    return _signed(call)


def test_a_swap_moves_both_legs_atomically(signed_genesis):
    seq = Sequencer(signed_genesis)
    before = {(c, i): seq.account(c, i) for c, i in ((0, 1), (0, 2), (1, 3), (1, 4))}
    r = _accepted(seq, _swap())
    assert (r.chain, r.mint_chain) == (0, 1)
    assert (
        seq.account(0, 1).balance == before[0, 1].balance - 10
        and seq.account(0, 2).balance == before[0, 2].balance + 10
    )
    assert (
        seq.account(1, 3).balance == before[1, 3].balance - 25
        and seq.account(1, 4).balance == before[1, 4].balance + 25
    )
    assert seq.account(1, 3).nonce == 1 and seq.account(0, 1).nonce == 1  # Z's order is used up
    batch = seq.close_batch()
    action = batch.traces[1].slots[0]
    assert action.kind == SlotKind.ACTION and action.signature == seq.accepted_txs()[0][1].order_signature
    d = action.data
    assert (d.account_a, d.account_b, d.amount, d.nonce, d.msg_sender, d.msg_target, d.msg_value) == (
        3,
        4,
        25,
        0,
        1,
        2,
        10,
    )
    _check_all(seq, signed_genesis)


@pytest.mark.parametrize(
    ("make", "reason", "match"),
    [
        (lambda: _swap(b=10**9), "action_failed", "SWAP action on chain 1 cannot run: overdraft"),  # Z cannot pay
        (lambda: _swap(a=10**9), "overdraft", "account 1 on chain 0"),  # X cannot pay
        (lambda: _swap(z_nonce=1), "action_failed", "bad_nonce"),
        (lambda: _swap(w=5), "action_failed", "unknown_account: unknown account: index 5 on chain 1"),
        (lambda: _swap(w=6, b=101), "action_failed", "balance_overflow"),  # W is the whale
        (lambda: _swap(order_key=key(1, 4)), "bad_signature", "swap order's signature does not verify under the "
         "key of account 3 on chain 1"),  # the order signed by another key
        (lambda: _signed(replace(swap_call(0, 1, 1, 2, 10, 0, 3, 4, 25, 0), order_signature=None)), "bad_signature",
         "swap order's signature is missing"),
    ],
)  # fmt: skip
def test_a_swap_where_either_leg_cannot_pay_moves_nothing(signed_genesis, make, reason, match):
    _rejected(Sequencer(signed_genesis), make(), reason, match)


def test_a_swap_order_runs_once_and_names_its_counterparty(signed_genesis):
    seq = Sequencer(signed_genesis)
    first = _swap()
    _accepted(seq, first)
    # the same order again (X signs a new call with its next nonce): Z's nonce moved on
    again = sign(replace(first, nonce=1, signature=None), key(0, 1))
    _rejected(seq, again, "action_failed", "bad_nonce")
    # Z's order names X as its counterparty: another sender cannot use it (the parser and check_tx refuse it)
    with pytest.raises(Exception, match="does not match its call"):
        parse_tx({**first.to_obj(), "from": 0})
    assert not verify_poseidon(first.order.message(), sign_poseidon(key(1, 4), first.order.message()),
                               demo_public_key(KEY_SEED, 1, 3))  # fmt: skip


def test_the_whale_still_refuses_a_mint_past_u64():
    seq = Sequencer(small_genesis(signed=True))
    _rejected(seq, _signed(Burn(0, 1, 1, 6, 101, 0)), "action_failed", "balance_overflow")
    assert seq.account(1, 6).balance == WHALE


def test_submit_many_verifies_orders_and_new_senders_ahead_with_the_same_results(signed_genesis, tmp_path):
    # one group: a payment creating account 5 on chain 0, then 5's own transfer (its key comes from that payment),
    # swaps whose orders are verified ahead against the counterparty's key (one order forged), a forged transaction
    from zksvs.merkle import PYTHON_HASHER

    txs = [
        _signed(Transfer(0, 1, 5, 50, 0, to_pubkey=demo_public_key(KEY_SEED, 0, 5))),
        sign(Transfer(0, 5, 2, 7, 0), key(0, 5)),
        _swap(nonce_x=1),
        _swap(x=2, y=1, z=4, w=3, order_key=key(1, 3)),  # Z = 4's order signed with 3's key
        replace(_signed(Transfer(1, 2, 3, 4, 0)), amount=5),
        _signed(Burn(0, 1, 3, 6, 2, 0)),
    ]
    seq = Sequencer(signed_genesis, tmp_path / "s.sqlite")
    out = seq.submit_many(list(enumerate(txs)))
    assert seq.signatures.single == 0 and seq.signatures.batched == 8  # six senders, two orders: all ahead
    reference = Sequencer(signed_genesis, hasher=PYTHON_HASHER)  # verify_poseidon on the spot, pure Python
    assert not reference.signatures.native
    expected = [reference.submit(tx) for tx in txs]
    assert [(type(o), getattr(o, "reason", None)) for o in out] == [
        (type(e), getattr(e, "reason", None)) for e in expected
    ]
    assert [type(o) for o in out] == [Receipt, Receipt, Receipt, Rejection, Rejection, Receipt]
    assert (out[3].reason.value, out[4].reason.value) == ("bad_signature", "bad_signature")
    assert "swap order's signature" in out[3].message and "transaction's signature" in out[4].message
    assert seq.state_roots() == reference.state_roots()
    _check_all(seq, signed_genesis)
    seq.close()
    # a restart replays the four accepted ones with their signatures verified ahead too (four senders, one order)
    again = Sequencer.open(tmp_path / "s.sqlite")
    assert again.state_roots() == reference.state_roots()
    assert again.signatures.single == 0 and again.signatures.batched == 5


def test_read_jsonl_hashes_swap_orders_natively_with_the_same_result():
    # the orders' messages hashed by accel.poseidon.poseidon_many in one call (remembered for the parse) equal the
    # pure-Python ones (zksvs.poseidon), and the parse is the same
    import json

    from accel.poseidon import poseidon_many
    from sequencer.tx import read_jsonl
    from zksvs import tx_message
    from zksvs.poseidon import poseidon

    calls = [_swap(nonce_x=n, b=100 + n) for n in range(3)]
    lines = [json.dumps(c.to_obj()) for c in calls] + ['{"kind": "call", "order": {"kind": "swap_order"}}', "{"]
    for c in calls:
        tx_message._MESSAGES.pop(c.order.inputs(), None)
    native = read_jsonl(lines, hash_rows=poseidon_many)
    assert all(tx_message._MESSAGES[c.order.inputs()] == poseidon(list(c.order.inputs())) for c in calls)
    for c in calls:
        tx_message._MESSAGES.pop(c.order.inputs(), None)
    plain = read_jsonl(lines)
    assert [(n, t) for n, t in native[:3]] == [(n, t) for n, t in plain[:3]] == list(enumerate(calls, start=1))
    assert [str(t) for _, t in native[3:]] == [str(t) for _, t in plain[3:]] and len(native) == 5

"""Execution rules: every rejection reason, SVS atomicity (a burn whose mint fails changes no root), self-transfers,
and the slot traces checked opening by opening (tests/sequencer/trace_check.py)."""

from __future__ import annotations

import pytest

from accel.merkle import NativeHasher
from sequencer.execute import (
    ActionFailedError,
    Overdraft,
    apply_transfer,
    apply_trigger_with_action,
    check_tx,
)
from sequencer.genesis import demo_public_key
from sequencer.rollup import RollupState
from sequencer.sequencer import Receipt, Rejection, Sequencer
from sequencer.tx import Burn, Call, Noop, Transfer, read_jsonl, swap_call
from tests.sequencer.conftest import WHALE, small_genesis
from tests.sequencer.trace_check import check_burn_equals_mint, check_shared_batch
from zksvs.errors import MalformedTransaction
from zksvs.merkle import PYTHON_HASHER
from zksvs.statement import SlotKind
from zksvs.tx_message import Program


def _snapshot(seq: Sequencer):
    return [r.roots() for r in seq.rollups], [r.account_items() for r in seq.rollups]


def _rejected(seq: Sequencer, tx, reason: str, match: str) -> Rejection:
    before = _snapshot(seq)
    roots = seq.state_roots()
    out = seq.submit(tx)
    assert isinstance(out, Rejection), out
    assert out.reason.value == reason, out
    assert match in out.message, out.message
    assert _snapshot(seq) == before, "a rejected transaction changed a root or an account"
    assert seq.state_roots() == roots
    return out


# --- each rejection reason -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tx", "reason", "match"),
    [
        (Transfer(0, 1, 2, 10**6, 0), "overdraft", "overdraft: account 1 on chain 0 has balance 1010"),
        (Burn(1, 0, 1, 2, 10**6, 0), "overdraft", "overdraft"),
        (Transfer(0, 1, 2, 1, 1), "bad_nonce", "expects 0, got 1 (too high)"),
        (Burn(0, 1, 1, 2, 1, 3), "bad_nonce", "expects 0, got 3"),
        (Transfer(3, 1, 2, 1, 0), "unknown_rollup", "chain 3 is not in [0, 3)"),
        (Burn(0, 7, 1, 2, 1, 0), "unknown_rollup", "to_chain 7 is not in [0, 3)"),
        (Transfer(0, 5, 2, 1, 0), "unknown_account", "index 5 on chain 0 has no account"),
        (Transfer(0, 1, 7, 1, 0), "unknown_account", "index 7 on chain 0 has no account"),
        (Transfer(0, 8, 1, 1, 0), "unknown_account", "outside the account tree [0, 8)"),
        (Burn(0, 2, 1, 9, 1, 0), "unknown_account", "index 9 on chain 2 is outside the account tree"),
        (
            Burn(0, 2, 1, 5, 1, 0),
            "action_failed",
            "MINT action on chain 2 cannot run: unknown_account: unknown account: index 5 on chain 2 has no account",
        ),
        (Transfer(0, 1, 2, 2**64, 0), "amount_out_of_u64", "amount must be in [0, 2^64 − 1], not 18446744073709551616"),
        (Transfer(0, 1, 2, -1, 0), "amount_out_of_u64", "not -1"),
        (Transfer(0, 1, 6, 101, 0), "balance_overflow", "credit would pass 2^64 − 1: account 6 on chain 0"),
        (Burn(0, 1, 1, 6, 101, 0), "action_failed", "balance_overflow: credit would pass 2^64 − 1: account 6"),
        (Burn(0, 0, 1, 2, 1, 0), "malformed", "not to its own chain 0"),
        (Transfer(0, 1, 2, 1.0, 0), "malformed", "field 'amount' must be an integer, not float"),
        (Transfer(0, True, 2, 1, 0), "malformed", "field 'sender' must be an integer, not bool"),
        (Noop(0), "malformed", "only transfers, burns and calls can be submitted, not Noop"),
        ({"kind": "mint", "chain": 0}, "malformed", "kind 'mint' cannot be submitted"),
        ({"kind": "transfer", "chain": 0, "from": 1}, "malformed", "missing field 'to'"),
        ({"kind": "transfer", "chain": 0, "from": 1, "to": 2, "amount": -3, "nonce": 0}, "amount_out_of_u64", "-3"),
    ],
)
def test_submit_rejects_with_reason_and_changes_no_root(genesis, tx, reason, match):
    seq = Sequencer(genesis)
    seq.submit(Transfer(1, 0, 1, 1, 0))  # some state first, so "unchanged" is not just genesis
    r = _rejected(seq, tx, reason, match)
    assert r.seq == 1
    assert seq.next_seq == 2


def test_submit_rejects_a_parse_error_from_read_jsonl(genesis):
    seq = Sequencer(genesis)
    [(line, err)] = read_jsonl(["{oops"])
    r = _rejected(seq, err, "malformed", "invalid JSON")
    assert r.tx is None and line == 1
    assert seq.rejected_elsewhere == 1


def test_bridge_full_rejects_the_burn_and_its_mint():
    seq = Sequencer(small_genesis(bridge_depth=1))  # 2 messages per ordered pair
    for n in range(2):
        assert isinstance(seq.submit(Burn(0, 1, 1, 2, 1, n)), Receipt)
    _rejected(seq, Burn(0, 1, 1, 2, 1, 2), "bridge_full", "burn tree 0→1 already holds its 2 messages")
    assert isinstance(seq.submit(Burn(0, 2, 1, 2, 1, 2)), Receipt)  # other pairs still have room


def test_bad_nonce_too_low_after_use(genesis):
    seq = Sequencer(genesis)
    assert isinstance(seq.submit(Transfer(0, 1, 2, 1, 0)), Receipt)
    _rejected(seq, Transfer(0, 1, 2, 1, 0), "bad_nonce", "expects 1, got 0 (too low)")


# --- SVS atomicity -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trace", [True, False], ids=["traced", "deferred"])
@pytest.mark.parametrize(
    ("tx", "error"),
    [(Burn(0, 1, 2, 6, 101, 0), "balance_overflow"), (Burn(0, 1, 2, 5, 1, 0), "unknown_account")],
)
def test_burn_whose_mint_fails_leaves_both_rollups_unchanged(genesis, tx, error, trace, monkeypatch):
    """Also with deferred writes (``trace=False``): the spy hashes the burn half's writes (a flush), the revert then
    undoes them, and the roots after are the roots before."""
    # the mint of a burn is the action of program MINT
    src = RollupState(0, genesis.shape, genesis.accounts[0])
    dst = RollupState(1, genesis.shape, genesis.accounts[1])
    check_tx(tx, genesis.shape)
    before = (src.roots(), dst.roots(), src.account_items(), dst.account_items(), src.burn_tree(1).next_index)
    # the burn half really executes before the mint fails: catch the source's roots at the mint
    import sequencer.execute as ex

    seen = []
    real_action = ex.apply_action

    def spy(d, message, leaf, *rest, **kw):
        seen.append((src.roots(), src.burn_tree(1).next_index))
        return real_action(d, message, leaf, *rest, **kw)

    monkeypatch.setattr(ex, "apply_action", spy)
    with pytest.raises(ActionFailedError, match=f"MINT action on chain 1 cannot run: {error}"):
        apply_trigger_with_action(src, dst, tx, trace=trace)
    assert seen and seen[0][0] != before[0] and seen[0][1] == 1, "the burn was not executed before the mint"
    after = (src.roots(), dst.roots(), src.account_items(), dst.account_items(), src.burn_tree(1).next_index)
    assert after == before
    # the message index is not used up: the next burn on the pair gets message_nonce 0
    burn, mint, message = apply_trigger_with_action(src, dst, Burn(0, 1, 2, 3, 7, 0))
    assert message.message_nonce == 0 and burn.append.index == 0 and mint.append.index == 0
    assert src.burn_tree(1).root == dst.mint_tree(0).root


def test_rejected_burn_then_accepted_traffic_keeps_burn_equal_to_mint(genesis):
    seq = Sequencer(genesis)
    outs = [
        seq.submit(Burn(0, 1, 2, 6, 101, 0)),  # mint overflow: dropped with its burn
        seq.submit(Burn(0, 1, 2, 6, 100, 0)),  # exactly fills the whale to 2^64 − 1: accepted
        seq.submit(Burn(0, 1, 2, 6, 1, 1)),  # now even 1 overflows
        seq.submit(Burn(1, 0, 6, 2, 100, 0)),  # the whale burns 100 back
    ]
    assert [type(o).__name__ for o in outs] == ["Rejection", "Receipt", "Rejection", "Receipt"]
    assert outs[1].message_nonce == 0 and outs[3].message_nonce == 0
    assert seq.account(1, 6).balance == WHALE and seq.account(0, 2).balance == 1020 - 100 + 100
    seq.close_batch()
    for b in seq.closed_batches:
        assert b.burn_mint_mismatches() == []


# --- self-transfers ------------------------------------------------------------------------------------------------


def test_self_transfer_advances_the_nonce_and_keeps_the_balance(genesis):
    r = RollupState(0, genesis.shape, genesis.accounts[0])
    before = r.account(2)
    slot = apply_transfer(r, Transfer(0, 2, 2, 15, 0))
    assert r.account(2).balance == before.balance and r.account(2).nonce == 1
    assert slot.credit.before == slot.debit.after  # the credit opens the leaf the debit wrote
    assert slot.credit.after == r.account(2)
    assert slot.debit.siblings == slot.credit.siblings
    with pytest.raises(Overdraft, match="overdraft"):
        apply_transfer(r, Transfer(0, 2, 2, before.balance + 1, 1))


# --- traces ----------------------------------------------------------------------------------------------------------


def test_traces_verify_opening_by_opening(genesis):
    seq = Sequencer(genesis)
    txs = [
        Transfer(0, 0, 1, 5, 0),  # touches account 0: later inactive openings see its new leaf
        Burn(1, 0, 3, 0, 7, 0),  # fills burn tree 1→0 = chain 1's bridge slot 0 (inactive appends open it)
        Transfer(1, 2, 2, 3, 0),  # self-transfer
        Burn(1, 0, 3, 4, 2, 1),  # index 1: prev leaf is the first message
        Burn(2, 1, 0, 0, 9, 0),
        Transfer(2, 1, 2, 1, 0),
        Transfer(0, 1, 2, 10**9, 0),  # rejected
        Burn(0, 2, 1, 6, 10**3, 0),  # rejected (the MINT action overflows)
        Burn(0, 2, 1, 0, 3, 0),
        Transfer(1, 0, 0, 0, 0),  # zero-amount self-transfer of account 0
        Call(2, 0, 2, 3, 4, 0, Program.COND, 10**6),  # a COND call within its cap
        Call(2, 0, 2, 4, 4, 1, Program.COND, 10),  # rejected: 0's account 4 would pass the cap
        swap_call(0, 1, 2, 3, 6, 0, order_sender=4, order_recipient=0, order_amount=9, order_nonce=0),
        Transfer(2, 3, 5, 8, 0, to_pubkey=demo_public_key(1, 2, 5)),  # creates account 5 on chain 2
    ]
    for tx in txs:
        seq.submit(tx)
    seq.close_batch()
    assert seq.close_batch() is None
    kinds = {s.kind for b in seq.closed_batches for t in b.traces for s in t.slots}
    assert kinds == set(SlotKind)
    prev = Sequencer(genesis).state_roots()
    for b in seq.closed_batches:
        check_shared_batch(b, prev)
        prev = b.new_state_roots()
    assert prev == seq.state_roots()
    assert seq.total_supply() == genesis.total_supply()


def test_check_tx_rejects_non_int_fields_before_touching_state(genesis):
    with pytest.raises(MalformedTransaction, match="field 'to_chain' must be an integer, not str"):
        check_tx(Burn(0, "1", 1, 2, 1, 0), genesis.shape)


def test_trace_checker_catches_tampered_traces(genesis):
    import dataclasses

    seq = Sequencer(genesis)
    seq.submit(Transfer(0, 1, 2, 5, 0))
    seq.submit(Burn(0, 1, 1, 3, 7, 1))
    batch = seq.close_batch()
    check_shared_batch(batch)
    t = batch.traces[0]
    transfer, burn, noop = t.slots
    bad_sibling = dataclasses.replace(
        transfer.debit, siblings=(transfer.debit.siblings[0] + 1, *transfer.debit.siblings[1:])
    )
    wrong_index = dataclasses.replace(burn.append, index=burn.append.index + 1)
    moved_noop = dataclasses.replace(noop.debit, index=1)
    tampered = [
        dataclasses.replace(transfer, debit=bad_sibling),
        dataclasses.replace(burn, append=wrong_index),
        dataclasses.replace(noop, debit=moved_noop, credit=moved_noop),
        dataclasses.replace(burn, accounts_root_after_debit=transfer.accounts_root_after_debit),
    ]
    for k, slot in [(0, tampered[0]), (1, tampered[1]), (2, tampered[2]), (1, tampered[3])]:
        slots = list(t.slots)
        slots[k] = slot
        bad = dataclasses.replace(batch, traces=(dataclasses.replace(t, slots=tuple(slots)), *batch.traces[1:]))
        with pytest.raises(AssertionError, match=f"slot {k}"):
            check_shared_batch(bad)
    mint_mismatch = dataclasses.replace(batch.traces[1], final_bridge_slots=(1,) * len(t.final_bridge_slots))
    with pytest.raises(AssertionError, match=r"\(0, 1\)"):
        check_burn_equals_mint((t, mint_mismatch, batch.traces[2]))


class CountingHasher:
    """The pure-Python hasher, recording the arity of every Poseidon it evaluates (a path of depth D is D × 2)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def hash2(self, left, right):
        self.calls.append(2)
        return PYTHON_HASHER.hash2(left, right)

    def poseidon(self, inputs):
        self.calls.append(len(inputs))
        return PYTHON_HASHER.poseidon(inputs)

    def path(self, leaf, index, siblings):
        self.calls += [2] * len(siblings)
        return PYTHON_HASHER.path(leaf, index, siblings)

    def many(self, rows):
        self.calls += [len(r) for r in rows]
        return PYTHON_HASHER.many(rows)


def test_poseidon_calls_per_kind_are_the_stated_minimum(genesis):
    """Accepting path (no traces): a submission hashes nothing but a burn's message leaf; the close hashes each
    dirty node once (every leaf written, then each distinct ancestor) and one state root per rollup."""
    h = CountingHasher()
    seq = Sequencer(genesis, hasher=h, history=False)
    calls = h.calls
    d, m, s = genesis.shape.account_depth, genesis.shape.bridge_depth, genesis.shape.slot_tree_depth
    k = genesis.shape.n_rollups
    calls.clear()
    seq.submit(Transfer(0, 1, 2, 5, 0))
    assert calls == []  # deferred
    seq.close_batch()
    # leaves 1 and 2: their two parents at level 1, then one common ancestor a level up to the root
    assert sorted(calls) == [2] * (d + 1 + k) + [4, 4]
    calls.clear()
    seq.submit(Burn(0, 1, 1, 2, 5, 1))
    assert calls == [10]  # one message leaf for burn and mint
    seq.close_batch()
    assert sorted(calls) == [2] * (2 * d + 2 * (m + s) + k) + [4, 4, 10]
    calls.clear()
    seq.submit(Transfer(0, 1, 2, 10**9, 2))  # rejected before any write: no hashing
    assert calls == []
    for nonce in (2, 3, 4):  # three transfers over the same two accounts: each node still hashed once
        seq.submit(Transfer(0, 1, 2, 1, nonce))
    seq.close_batch()
    assert sorted(calls) == [2] * (d + 1 + k) + [4, 4]
    calls.clear()
    seq.close_batch(allow_empty=True)  # no-op padding hashes nothing; one state root per rollup
    assert calls == [2] * k


def test_trace_building_hashes_a_path_per_write(genesis):
    """With traces (``history``), the close also re-executes the batch in trace mode: a path per write, as every
    transaction cost before the deferral (module docstring of ``sequencer.execute``)."""
    h = CountingHasher()
    seq = Sequencer(genesis, hasher=h)
    calls = h.calls
    d, k = genesis.shape.account_depth, genesis.shape.n_rollups
    calls.clear()
    seq.submit(Transfer(0, 1, 2, 5, 0))
    assert calls == []
    seq.close_batch()
    deferred, traced = [2] * (d + 1 + k) + [4, 4], [2] * (2 * d) + [4, 4]
    assert sorted(calls) == sorted(deferred + traced)


def test_native_hasher_answers_the_mint_tree_path_from_its_memo(genesis):
    """The mint appends the burn's message at the same index of an identical tree: the same path, hashed once (in
    the trace re-execution at the close, which hashes a path per write)."""
    native, python = NativeHasher(), Sequencer(genesis, hasher=PYTHON_HASHER)
    seq = Sequencer(genesis, hasher=native)
    hits = native.memo_hits  # genesis: the rollups write the same empty bridge slots
    for tx in (Transfer(0, 1, 2, 5, 0), Burn(0, 1, 1, 2, 5, 1), Burn(1, 0, 3, 4, 7, 0), Burn(0, 1, 3, 0, 1, 0)):
        assert seq.submit(tx) == python.submit(tx)
        assert seq.state_roots() == python.state_roots()
    assert seq.close_batch() == python.close_batch()
    assert native.memo_hits - hits == 3

"""Shared batches: exactly B slots per rollup (no-op padding), every rollup carried, closing when full or on demand,
burn == mint roots for every pair after every shared batch."""

from __future__ import annotations

import pytest

from sequencer.batch import SharedBatchBuilder
from sequencer.rollup import RollupState
from sequencer.sequencer import Receipt, Sequencer
from sequencer.tx import Burn, Transfer
from tests.sequencer.conftest import small_genesis
from tests.sequencer.trace_check import check_burn_equals_mint, check_shared_batch
from zksvs.statement import SlotKind


def _builder(genesis):
    rollups = [RollupState(c, genesis.shape, genesis.accounts[c]) for c in range(genesis.shape.n_rollups)]
    return SharedBatchBuilder(genesis.shape, rollups)


def test_close_pads_every_rollup_and_carries_idle_ones(genesis):
    seq = Sequencer(genesis)
    seq.submit(Transfer(0, 1, 2, 5, 0))
    batch = seq.close_batch()
    assert batch.batch_number == 0 and len(batch.traces) == 3
    assert [t.chain_id for t in batch.traces] == [0, 1, 2]
    assert [[s.kind for s in t.slots] for t in batch.traces] == [
        [SlotKind.TRANSFER, SlotKind.NOOP, SlotKind.NOOP],
        [SlotKind.NOOP] * 3,
        [SlotKind.NOOP] * 3,
    ]
    idle = batch.traces[1]
    assert idle.old_state_root == idle.new_state_root
    check_shared_batch(batch, Sequencer(genesis).state_roots())
    assert batch.txs == (Transfer(0, 1, 2, 5, 0),)


def test_close_on_demand_with_nothing_pending_is_none(genesis):
    seq = Sequencer(genesis)
    assert seq.close_batch() is None
    seq.submit(Transfer(0, 1, 2, 10**9, 0))  # rejected: nothing pending still
    assert seq.close_batch() is None and seq.closed_batches == ()


def test_shared_batch_closes_when_any_rollup_is_full(genesis):
    seq = Sequencer(genesis)  # B = 3
    receipts = [seq.submit(Transfer(0, 1, 2, 1, n)) for n in range(3)]
    assert [r.slot for r in receipts] == [0, 1, 2] and {r.batch_number for r in receipts} == {0}
    assert len(seq.closed_batches) == 1 and seq.batch_number == 1 and seq.n_pending == 0
    nxt = seq.submit(Transfer(1, 1, 2, 1, 0))
    assert (nxt.batch_number, nxt.slot) == (1, 0)


def test_burn_takes_a_slot_on_both_rollups(genesis):
    seq = Sequencer(genesis)
    seq.submit(Transfer(1, 0, 1, 1, 0))
    seq.submit(Transfer(1, 0, 1, 1, 1))
    r = seq.submit(Burn(0, 1, 1, 2, 4, 0))  # fills chain 1 (slot 2): the shared batch closes
    assert isinstance(r, Receipt) and (r.chain, r.slot, r.mint_chain, r.mint_slot) == (0, 0, 1, 2)
    [batch] = seq.closed_batches
    assert [s.kind for s in batch.traces[0].slots] == [SlotKind.BURN, SlotKind.NOOP, SlotKind.NOOP]
    assert [s.kind for s in batch.traces[1].slots] == [SlotKind.TRANSFER, SlotKind.TRANSFER, SlotKind.MINT]
    check_shared_batch(batch)


def test_builder_refuses_a_burn_without_room_and_needs_room_says_so():
    g = small_genesis(capacity=1)
    b = _builder(g)
    b.execute(Transfer(1, 0, 1, 1, 0))
    burn = Burn(0, 1, 1, 2, 4, 0)
    assert b.is_full and b.needs_room(burn) and not b.needs_room(Transfer(0, 1, 2, 1, 0))
    with pytest.raises(RuntimeError, match="close the shared batch first"):
        b.execute(burn)
    b.close()
    assert not b.needs_room(burn)
    b.execute(burn)


def test_burn_equals_mint_after_every_shared_batch_in_all_directions():
    g = small_genesis(n_rollups=4, capacity=2)
    seq = Sequencer(g)
    nonce = {}
    for src in range(4):
        for dst in range(4):
            if src != dst:
                n = nonce.get(src, 0)
                assert isinstance(seq.submit(Burn(src, dst, 1, 2, 3, n)), Receipt)
                nonce[src] = n + 1
    seq.close_batch()
    prev = Sequencer(g).state_roots()
    for batch in seq.closed_batches:
        check_burn_equals_mint(batch.traces)
        assert batch.burn_mint_mismatches() == []
        check_shared_batch(batch, prev)
        prev = batch.new_state_roots()
    last = seq.closed_batches[-1].traces
    assert all(t.final_bridge_slots[2 * t.chain_id] == last[0].final_bridge_slots[0] for t in last)  # c→c empty


def test_pop_closed_hands_each_batch_once(genesis):
    seq = Sequencer(genesis)
    for n in range(7):
        seq.submit(Transfer(0, 1, 2, 1, n))
    first = seq.pop_closed()
    assert [b.batch_number for b in first] == [0, 1]
    assert seq.pop_closed() == []
    seq.close_batch()
    assert [b.batch_number for b in seq.pop_closed()] == [2]
    assert len(seq.closed_batches) == 3

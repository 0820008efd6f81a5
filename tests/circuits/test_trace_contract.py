"""The trace contract (``zksvs.trace``) between the sequencer and the batch circuit, active and inactive parts alike.

The sequencer records every part of every slot with the openings the circuit consumes, and the witness builder
copies them (``circuits.batch.witness``): here the sequencer's traces satisfy the circuit for every slot kind on
every chain of K = 2 and K = 3 (chain c ≠ 0 is where an inactive append's slot 2·c differs from slot 0, the
position the sequencer used to record), every inactive part sits where the contract puts it, the witness's inputs
are the trace's values unchanged, and a tampered inactive part fails at its own label.

Oracle: the sequencer (``sequencer``) records the traces; the circuit, built from ``circuits``, checks them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.batch import assign_batch_witness, batch_inputs, build_batch_circuit
from sequencer import Burn, Receipt, Sequencer, Transfer
from sequencer.genesis import demo_genesis
from zksvs.merkle import zero_hashes
from zksvs.rollup_state import AccountState, bridge_opening
from zksvs.statement import SlotKind
from zksvs.trace import BatchShape, BatchTrace, idle_append_slot, part_indices


def _batch(k: int):
    """One shared batch of K rollups, capacity 4, where chain 1 has a transfer, a burn, a mint and a no-op."""
    shape = BatchShape(n_rollups=k, capacity=4, account_depth=3, bridge_depth=2)
    g = demo_genesis(k, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=4, seed=12, whale=False)
    seq = Sequencer(g)
    for tx in (Transfer(1, 0, 2, 7, 0), Burn(1, 0, 1, 3, 9, 0), Burn(0, 1, 2, 1, 4, 0)):
        assert isinstance(seq.submit(tx), Receipt), tx
    seq.close_batch()
    (batch,) = seq.pop_closed()
    return shape, batch


@pytest.fixture(scope="module", params=[2, 3], ids=["K=2", "K=3"])
def shared(request):
    shape, batch = _batch(request.param)
    return build_batch_circuit(shape), batch


def test_sequencer_traces_satisfy_the_circuit_for_every_kind_on_every_chain(shared):
    circuit, batch = shared
    assert [s.kind for s in batch.traces[1].slots] == [SlotKind.TRANSFER, SlotKind.BURN, SlotKind.MINT, SlotKind.NOOP]
    for t in batch.traces:
        w = assign_batch_witness(circuit, t)
        assert circuit.r1cs.first_unsatisfied(w.values) is None, t.chain_id


def test_inactive_parts_sit_where_the_contract_puts_them(shared):
    _, batch = shared
    m = batch.traces[0].shape.bridge_depth
    empty = zero_hashes(m)
    for t in batch.traces:
        for s in t.slots:
            assert (s.debit.index, s.credit.index) == part_indices(s.data)
            for u in (s.debit, s.credit):
                if not u.active:
                    assert u.leaf_before == u.leaf_after and u.before is None and u.after is None
            a = s.append
            if not a.active:
                assert a.slot == idle_append_slot(t.chain_id) == 2 * t.chain_id
                assert a.index == 0 and a.prev_leaf == 0 and a.tree_siblings == a.prev_siblings == empty[:m]
                assert a.tree_root_before == a.tree_root_after == empty[m]


def test_witness_inputs_are_the_trace_values(shared):
    """``batch_inputs`` copies: every opening, leaf and root of every part, active or not, is the trace's."""
    _, batch = shared
    t = batch.traces[1]
    for s, si in zip(t.slots, batch_inputs(t).slots):
        for u, ui, root in (
            (s.debit, si.debit, s.accounts_root_after_debit),
            (s.credit, si.credit, s.accounts_root_after_credit),
        ):
            assert (ui.siblings, ui.leaf_before, ui.leaf_after, ui.root_after) == (
                u.siblings, u.leaf_before, u.leaf_after, root)  # fmt: skip
        a, ai = s.append, si.append
        assert (ai.index, ai.tree_siblings, ai.prev_leaf, ai.prev_siblings, ai.slot_siblings) == (
            a.index, a.tree_siblings, a.prev_leaf, a.prev_siblings, a.slot_siblings)  # fmt: skip
        assert (ai.tree_root_before, ai.tree_root_after, ai.bridge_root_after) == (
            a.tree_root_before, a.tree_root_after, s.bridge_root_after)  # fmt: skip


def _tamper(trace: BatchTrace, k: int, **parts) -> BatchTrace:
    slots = list(trace.slots)
    slots[k] = replace(slots[k], **parts)
    return replace(trace, slots=tuple(slots))


def _fails_at(circuit, trace: BatchTrace) -> str:
    bad = circuit.r1cs.first_unsatisfied(assign_batch_witness(circuit, trace).values)
    assert bad is not None, "a tampered trace satisfies the circuit"
    return bad[1]


def test_tampered_inactive_parts_fail_at_their_labels(shared):
    """On chain 1: slot 0 transfer (append off), slot 1 burn (credit off), slot 2 mint (debit off), slot 3 no-op."""
    circuit, batch = shared
    t = batch.traces[1]
    burn, mint, noop = t.slots[1], t.slots[2], t.slots[3]
    other = t.slots[0].debit  # an opening of account 0 (the transfer's sender) at slot 0
    # The burn's idle credit opened at account 0 (where the sequencer used to record it), not at its recipient.
    assert burn.data.account_b != 0
    assert _fails_at(circuit, _tamper(t, 1, credit=replace(burn.credit, siblings=other.siblings))) == (
        "slot[1]/credit/root_before"
    )
    # The mint's idle debit writes another leaf.
    assert _fails_at(circuit, _tamper(t, 2, debit=replace(mint.debit, leaf_after=mint.debit.leaf_after + 1))) == (
        "slot[2]/debit/leaf_after"
    )
    # The mint's idle debit carries account fields.
    idle_with_fields = replace(mint.debit, before=AccountState(5), after=AccountState(5))
    assert _fails_at(circuit, _tamper(t, 2, debit=idle_with_fields)).startswith("slot[2]/debit/off_zero/")
    # The no-op's idle append with the slot opening of slot 0 (where the sequencer used to record it) instead of
    # slot 2·1; after the burn 1→0 (slot 0) and the mint 0→1 (slot 1) the two openings differ.
    slot0 = bridge_opening(t.final_bridge_slots, 0, 0).siblings
    assert slot0 != noop.append.slot_siblings
    assert _fails_at(circuit, _tamper(t, 3, append=replace(noop.append, slot_siblings=slot0))) == (
        "slot[3]/append/slot_before"
    )
    # ... or an idle append whose tree is not empty (the root of burn tree 1→0, which now holds the burn's message).
    assert _fails_at(
        circuit, _tamper(t, 3, append=replace(noop.append, tree_root_before=burn.append.tree_root_after))
    ) == ("slot[3]/append/index_empty")

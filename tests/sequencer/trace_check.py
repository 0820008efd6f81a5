"""An independent checker of the sequencer's traces: every opening verifies against the roots it claims.

Written from zksvs/trace.py's contract only (nothing from sequencer/ is used): for each slot, the debit opens
the accounts root before the slot and leads to ``accounts_root_after_debit``, the credit opens that root and leads
to ``accounts_root_after_credit``, the append opens its tree root in the bridge root before and leads to
``bridge_root_after``; inactive parts change nothing and sit where the contract puts them: an account part at the
index of its slot's field (account_a for the debit, account_b for the credit), an append at index 0 of the empty
c→c burn tree in slot 2·chain_id (every opening the empty-subtree roots);
slot k ends where slot k + 1 starts; the first starts at the old roots, the last ends at the new ones; the
statement binds the slot data: ``batch_commitment`` of the slot words, then the evaluation at the point derived
from them (zksvs.statement, computed here from the words).
"""

from __future__ import annotations

from zksvs.merkle import root_from_opening, zero_hashes
from zksvs.rollup_state import U64_MAX, bridge_root, burn_slot, mint_slot, state_root
from zksvs.statement import SlotKind, batch_commitment, eval_point, eval_value, pack_slot
from zksvs.trace import AccountUpdate, BatchTrace, BridgeAppend, SlotTrace


def _check_account(u: AccountUpdate, field: int, root_before: int, root_after: int, where: str) -> None:
    assert u.index == field, f"{where}: opens {u.index}, the slot's field is {field}"
    assert root_from_opening(u.leaf_before, u.index, u.siblings) == root_before, f"{where}: opening before"
    assert root_from_opening(u.leaf_after, u.index, u.siblings) == root_after, f"{where}: opening after"
    if not u.active:
        assert u.leaf_before == u.leaf_after and root_before == root_after, f"{where}: inactive"
        assert u.before is None and u.after is None, f"{where}: inactive fields"
    else:
        assert u.leaf_before == u.before.leaf() and u.leaf_after == u.after.leaf(), f"{where}: leaf fields"
        for a in (u.before, u.after):
            assert 0 <= a.balance <= U64_MAX and 0 <= a.nonce <= U64_MAX, f"{where}: u64"


def _check_append(chain: int, a: BridgeAppend, bridge_before: int, bridge_after: int, where: str) -> None:
    assert root_from_opening(a.tree_root_before, a.slot, a.slot_siblings) == bridge_before, f"{where}: slot before"
    assert root_from_opening(a.tree_root_after, a.slot, a.slot_siblings) == bridge_after, f"{where}: slot after"
    if not a.active:
        m = len(a.tree_siblings)
        empty = zero_hashes(m)
        assert a.slot == 2 * chain and a.index == 0 and a.message is None, f"{where}: inactive position"
        assert a.tree_siblings == a.prev_siblings == empty[:m] and a.prev_leaf == 0, f"{where}: inactive openings"
        assert a.tree_root_before == a.tree_root_after == empty[m], f"{where}: the c→c burn tree is not empty"
        assert bridge_before == bridge_after, f"{where}: inactive change"
        return
    m = a.message
    assert m.message_nonce == a.index, f"{where}: message_nonce != index"
    assert root_from_opening(0, a.index, a.tree_siblings) == a.tree_root_before, f"{where}: empty leaf at index"
    assert root_from_opening(m.leaf(), a.index, a.tree_siblings) == a.tree_root_after, f"{where}: appended leaf"
    if a.index == 0:
        assert a.prev_leaf == 0 and a.prev_siblings == a.tree_siblings, f"{where}: prev at index 0"
    else:
        assert a.prev_leaf != 0, f"{where}: prev leaf empty"
        assert root_from_opening(a.prev_leaf, a.index - 1, a.prev_siblings) == a.tree_root_before, f"{where}: prev"


def check_slot(chain: int, s: SlotTrace, acc_before: int, bridge_before: int, where: str) -> tuple[int, int]:
    """Check one slot starting at (acc_before, bridge_before); return its end roots."""
    d = s.data
    _check_account(s.debit, d.account_a, acc_before, s.accounts_root_after_debit, f"{where}/debit")
    _check_account(s.credit, d.account_b, s.accounts_root_after_debit, s.accounts_root_after_credit, f"{where}/credit")
    _check_append(chain, s.append, bridge_before, s.bridge_root_after, f"{where}/append")
    kind = s.kind
    active = (s.debit.active, s.credit.active, s.append.active)
    if kind == SlotKind.NOOP:
        assert active == (False, False, False) and d.fields()[1:] == (0, 0, 0, 0, 0), where
    elif kind == SlotKind.TRANSFER:
        assert active == (True, True, False), where
        assert (s.debit.index, s.credit.index, d.peer_chain) == (d.account_a, d.account_b, 0), where
        assert s.debit.after.balance == s.debit.before.balance - d.amount, where
        assert s.debit.after.nonce == s.debit.before.nonce + 1 == d.nonce + 1, where
        assert s.credit.after.balance == s.credit.before.balance + d.amount, where
        assert s.credit.after.nonce == s.credit.before.nonce, where
        if s.debit.index == s.credit.index:  # self-transfer: the credit opens the leaf the debit wrote
            assert s.credit.before == s.debit.after and s.credit.leaf_before == s.debit.leaf_after, where
    elif kind == SlotKind.BURN:
        assert active == (True, False, True), where
        m = s.append.message
        assert s.debit.index == d.account_a and s.append.slot == burn_slot(d.peer_chain), where
        assert (m.src_chain, m.dst_chain, m.sender, m.recipient, m.amount) == (
            chain, d.peer_chain, d.account_a, d.account_b, d.amount), where  # fmt: skip
        assert s.debit.after.balance == s.debit.before.balance - d.amount, where
        assert s.debit.after.nonce == s.debit.before.nonce + 1 == d.nonce + 1, where
    else:
        assert kind == SlotKind.MINT and active == (False, True, True), where
        m = s.append.message
        assert s.credit.index == d.account_b and s.append.slot == mint_slot(d.peer_chain), where
        assert (m.src_chain, m.dst_chain, m.sender, m.recipient, m.amount, m.message_nonce) == (
            d.peer_chain, chain, d.account_a, d.account_b, d.amount, d.nonce), where  # fmt: skip
        assert s.credit.after.balance == s.credit.before.balance + d.amount, where
    return s.accounts_root_after_credit, s.bridge_root_after


def check_batch_trace(t: BatchTrace) -> None:
    """Check every slot of one rollup's batch, the root chaining and the statement."""
    assert len(t.slots) == t.shape.capacity
    assert state_root(t.old_accounts_root, t.old_bridge_root) == t.old_state_root
    assert state_root(t.new_accounts_root, t.new_bridge_root) == t.new_state_root
    assert len(t.final_bridge_slots) == 1 << t.shape.slot_tree_depth
    assert bridge_root(t.final_bridge_slots) == t.new_bridge_root
    acc, br = t.old_accounts_root, t.old_bridge_root
    for k, s in enumerate(t.slots):
        acc, br = check_slot(t.chain_id, s, acc, br, f"batch {t.batch_number} chain {t.chain_id} slot {k}")
    assert (acc, br) == (t.new_accounts_root, t.new_bridge_root)
    st = t.statement()
    words = [pack_slot(s) for s in t.slot_data()]
    c = batch_commitment(t.slot_data())
    z = eval_point(c, words)
    assert st.public_inputs() == [t.chain_id, t.old_state_root, t.new_state_root, c, z, eval_value(words, z)]


def check_burn_equals_mint(traces) -> None:
    """root(burn tree i→j on i) == root(mint tree i→j on j) for every pair i ≠ j (final bridge slots)."""
    k = len(traces)
    for i in range(k):
        for j in range(k):
            if i != j:
                assert traces[i].final_bridge_slots[2 * j] == traces[j].final_bridge_slots[2 * i + 1], (i, j)


def check_shared_batch(batch, previous_new_roots=None) -> None:
    """Everything above for a ``SharedBatch``, plus chaining to the previous batch's new state roots."""
    assert [t.chain_id for t in batch.traces] == list(range(len(batch.traces)))
    for t in batch.traces:
        assert t.batch_number == batch.batch_number
        check_batch_trace(t)
    check_burn_equals_mint(batch.traces)
    if previous_new_roots is not None:
        assert tuple(t.old_state_root for t in batch.traces) == tuple(previous_new_roots)

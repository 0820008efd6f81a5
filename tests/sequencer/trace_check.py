"""An independent checker of the sequencer's traces: every opening verifies against the roots it claims.

Written from zksvs/trace.py's contract only (nothing from sequencer/ is used): for each slot, the debit opens
the accounts root before the slot and leads to ``accounts_root_after_debit``, the credit opens that root and leads
to ``accounts_root_after_credit``, the append opens its tree root in the bridge root before and leads to
``bridge_root_after``; inactive parts change nothing and sit where the contract puts them: an account part at the
index of its slot's field (account_a for the debit, account_b for the credit), an append at index 0 of the empty
c→c burn tree in slot 2·chain_id (every opening the empty-subtree roots); a created account's credit opens the
empty leaf 0 and records before = (balance 0, nonce 0, the named key); the message of an append is made from the
slot's fields as docs/protocol.md's layout says; a slot whose debit is on carries a signature;
slot k ends where slot k + 1 starts; the first starts at the old roots, the last ends at the new ones; the
statement binds the slot data: ``batch_commitment`` of the slot words, then the evaluation at the point derived
from them (zksvs.statement, computed here from the words).
"""

from __future__ import annotations

from zksvs.merkle import root_from_opening, zero_hashes
from zksvs.rollup_state import U64_MAX, bridge_root, burn_slot, mint_slot, state_root
from zksvs.statement import SlotKind, batch_commitment, eval_point, eval_value, pack_slot
from zksvs.trace import AccountUpdate, BatchTrace, BridgeAppend, SlotTrace


def _check_account(
    u: AccountUpdate, field: int, root_before: int, root_after: int, where: str, read: bool = False
) -> None:
    assert u.index == field, f"{where}: opens {u.index}, the slot's field is {field}"
    assert root_from_opening(u.leaf_before, u.index, u.siblings) == root_before, f"{where}: opening before"
    assert root_from_opening(u.leaf_after, u.index, u.siblings) == root_after, f"{where}: opening after"
    if not u.active and read and u.leaf_before:  # a forced rejection reads its sender: the leaf's preimage
        assert u.leaf_before == u.leaf_after == u.before.leaf() and u.before == u.after, f"{where}: read"
    elif not u.active:
        assert u.leaf_before == u.leaf_after and root_before == root_after, f"{where}: inactive"
        assert u.before is None and u.after is None, f"{where}: inactive fields"
    else:
        created = u.leaf_before == 0
        if created:
            assert (u.before.balance, u.before.nonce) == (0, 0), f"{where}: a created account starts empty"
        else:
            assert u.leaf_before == u.before.leaf(), f"{where}: leaf before"
        assert u.leaf_after == u.after.leaf(), f"{where}: leaf after"
        assert (u.before.pubkey_x, u.before.pubkey_y) == (u.after.pubkey_x, u.after.pubkey_y), f"{where}: key kept"
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
    _check_account(s.debit, d.account_a, acc_before, s.accounts_root_after_debit, f"{where}/debit", d.reason != 0)
    _check_account(
        s.credit, d.account_b, s.accounts_root_after_debit, s.accounts_root_after_credit, f"{where}/credit",
        d.reason != 0 and s.kind == SlotKind.TRANSFER,
    )  # fmt: skip
    _check_append(chain, s.append, bridge_before, s.bridge_root_after, f"{where}/append")
    kind = s.kind
    active = (s.debit.active, s.credit.active, s.append.active)
    assert d.forced in (0, 1) and (d.reason == 0 or d.forced), f"{where}: a reason code on a slot that is not forced"
    sig = (d.sig_r8x, d.sig_r8y, d.sig_s)
    if d.forced:  # a forced slot commits the queued signature, which its verifier checks
        assert s.signature is not None and sig == (*s.signature.r8, s.signature.s), f"{where}: forced signature"
    else:
        assert sig == (0, 0, 0), f"{where}: a signature word on a slot that is not forced"
    if d.reason:  # a forced rejection: the transaction's fields, nothing changed
        assert kind in (SlotKind.TRANSFER, SlotKind.BURN, SlotKind.CALL) and active == (False, False, False), where
        return s.accounts_root_after_credit, s.bridge_root_after
    assert (s.signature is not None) == s.debit.active or s.signature is None, f"{where}: a signature without a debit"
    swap = d.program == 3
    if kind == SlotKind.NOOP:
        assert active == (False, False, False) and not any(d.fields()[1:]), where
        return s.accounts_root_after_credit, s.bridge_root_after
    if kind == SlotKind.TRANSFER:
        assert active == (True, True, False) and d.peer_chain == d.program == d.payload == 0, where
    elif kind in (SlotKind.BURN, SlotKind.CALL):
        assert active == (True, swap, True), where
        assert s.append.slot == burn_slot(d.peer_chain), where
        want = (chain, d.peer_chain, d.account_a, d.account_b, d.amount, d.program, d.payload, (d.pubkey_x, d.pubkey_y))
        if kind == SlotKind.BURN:
            assert d.program == 1 and d.payload == 0, where
    else:
        assert kind == SlotKind.ACTION and active == (swap, True, True), where
        assert s.append.slot == mint_slot(d.peer_chain), where
        sender, target, value = (d.msg_sender, d.msg_target, d.msg_value) if swap else (d.account_a, d.account_b,
                                                                                       d.amount)  # fmt: skip
        want = (d.peer_chain, chain, sender, target, value, d.program, d.payload, (d.pubkey_x, d.pubkey_y))
        if not swap:
            assert d.nonce == s.append.index, f"{where}: an action commits its message index"
        if d.program == 2:
            assert s.credit.after.balance <= d.payload, f"{where}: COND past its cap"
    if kind != SlotKind.TRANSFER:
        m = s.append.message
        assert (m.src_chain, m.dst_chain, m.sender, m.recipient, m.amount, m.program, m.payload, m.target_pubkey) == (
            want), where  # fmt: skip
    if s.debit.active:
        assert s.debit.after.balance == s.debit.before.balance - d.amount, where
        assert s.debit.after.nonce == s.debit.before.nonce + 1 == d.nonce + 1, where
    if s.credit.active:
        assert s.credit.after.balance == s.credit.before.balance + d.amount, where
        assert s.credit.after.nonce == s.credit.before.nonce, where
        named = (d.pubkey_x, d.pubkey_y) if not (kind == SlotKind.ACTION and swap) else (0, 0)
        key = (s.credit.before.pubkey_x, s.credit.before.pubkey_y)
        assert named in ((0, 0), key), f"{where}: the named key is not the recipient's"
        if s.credit.leaf_before == 0:
            assert named == key != (0, 0), f"{where}: an account created without the named key"
        if s.debit.active and s.debit.index == s.credit.index:  # the credit opens the leaf the debit wrote
            assert s.credit.before == s.debit.after and s.credit.leaf_before == s.debit.leaf_after, where
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
    words = [w for s in t.slot_data() for w in pack_slot(s)]
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

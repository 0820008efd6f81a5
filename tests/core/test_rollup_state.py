"""Rollup state rules: leaves, bridge slots, state roots, bridge openings; the batch statement and commitment.

Poseidon itself is checked against circomlibjs in test_poseidon.py; here the composition rules are checked against
a plain recomputation with zksvs.merkle's independent tree code.
"""

import pytest

from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.merkle import AppendOnlyMerkleTree, zero_hashes
from zksvs.poseidon import poseidon
from zksvs.rollup_state import (
    AccountState,
    Message,
    bridge_opening,
    bridge_root,
    bridge_slot_depth,
    burn_slot,
    empty_bridge_slots,
    mint_slot,
    state_root,
    verify_bridge_opening,
)
from zksvs.statement import BatchStatement, SlotData, SlotKind, batch_commitment


def test_leaves_follow_design_section_4_and_protocol_v2():
    assert AccountState(balance=7, nonce=2, pubkey_x=1, pubkey_y=3).leaf() == poseidon([1, 3, 7, 2])
    # (src, dst, sender, target, program, payload, value, message_nonce, target key): docs/protocol.md
    m = Message(0, 2, 3, 7, 5, 0)
    assert m.leaf() == poseidon([0, 2, 3, 7, 1, 0, 5, 0, 0, 0])
    m = Message(1, 0, 4, 6, 9, 2, program=3, payload=11, target_pubkey=(12, 13))
    assert m.leaf() == poseidon([1, 0, 4, 6, 3, 11, 9, 2, 12, 13])


@pytest.mark.parametrize(("k", "depth"), [(2, 2), (3, 3), (4, 3), (5, 4), (8, 4)])
def test_bridge_slot_depth_covers_2k_slots(k, depth):
    assert bridge_slot_depth(k) == depth
    assert len(empty_bridge_slots(k, 4)) == 1 << depth


def test_bridge_slots_hold_burn_and_mint_roots():
    assert burn_slot(3) == 6 and mint_slot(3) == 7
    slots = empty_bridge_slots(3, 2)
    assert slots[:6] == [zero_hashes(2)[2]] * 6 and slots[6:] == [0, 0]


def test_bridge_opening_verifies_and_rejects_tampering():
    k, m = 4, 3
    slots = empty_bridge_slots(k, m)
    t = AppendOnlyMerkleTree(m)
    t.append(Message(0, 1, 1, 2, 10, 0).leaf())
    slots[burn_slot(1)] = t.root
    accounts_root = 12345
    root = state_root(accounts_root, bridge_root(slots))
    assert root == poseidon([accounts_root, bridge_root(slots)])
    op = bridge_opening(slots, burn_slot(1), accounts_root)
    assert op.value == t.root and verify_bridge_opening(root, op, k)
    for bad in (
        op.__class__(op.slot, op.value + 1, op.siblings, op.accounts_root),
        op.__class__(op.slot ^ 1, op.value, op.siblings, op.accounts_root),
        op.__class__(op.slot, op.value, (op.siblings[0] + 1, *op.siblings[1:]), op.accounts_root),
        op.__class__(op.slot, op.value, op.siblings, op.accounts_root + 1),
    ):
        assert not verify_bridge_opening(root, bad, k)


def test_batch_commitment_is_the_poseidon_sponge_of_the_slot_words():
    slots = [SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0), SlotData.noop()]
    # kind bit, account_a, account_b, amount at bytes 0, 3, 7, 11 of word 0; words 1-7 and the no-op's are 0
    word0 = 1 + (1 << 24) + (2 << 56) + (5 << 88)
    assert batch_commitment(slots) == poseidon([word0] + [0] * 15)
    assert batch_commitment(slots) != batch_commitment(slots[::-1])


def test_batch_statement_public_input_order_and_checks():
    st = BatchStatement(2, 10, 11, 12, 13, 14)
    assert st.public_inputs() == [2, 10, 11, 12, 13, 14]
    assert BatchStatement.from_public_inputs(st.public_inputs()) == st
    with pytest.raises(ValueError, match="6 public inputs, not 3"):
        BatchStatement.from_public_inputs([1, 2, 3])
    with pytest.raises(NonCanonicalFieldElement, match=r"public_inputs\[1\]"):
        BatchStatement.from_public_inputs([1, FR_MODULUS, 3, 4, 5, 6])

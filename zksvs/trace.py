"""The batch trace: what the sequencer records for one rollup's batch and the batch circuit needs for its witness.

The sequencer fills a ``BatchTrace`` while it executes; the circuits read it; neither imports the other
(STYLE.md §5; the opposite of gnark's rollup example, where the operator writes circuit wires itself). The trace
holds everything the witness needs and nothing the circuit has to recompute from a tree: every Merkle opening is
recorded at the moment of its update.

Every slot has the same three parts, whatever its kind, so the circuit is one fixed shape (capacity B):

1. ``debit``: an account update in the accounts tree (TRANSFER, BURN: the sender: balance − amount, nonce + 1);
2. ``credit``: an account update against the accounts root after ``debit`` (TRANSFER, MINT: the recipient:
   balance + amount);
3. ``append``: one message appended to a bridge tree (BURN: burn tree c→dst at slot 2·dst; MINT: mint tree src→c at
   slot 2·src + 1), then the bridge slot tree updated.

Every part is recorded, active or not, with the openings the circuit consumes, taken at the moment of the part
(the witness builder copies them; it never reconstructs one). A part the kind does not use is *inactive*: it still
opens its tree at the current state and writes back what it read (``leaf_after == leaf_before``), so the circuit
evaluates every part and an inactive part can never change a root. Where an inactive part opens is fixed here, once
(the batch circuit makes these positions from range-checked bits, ``circuits.batch.slots``):

- an account part opens the index its committed field names: the debit ``SlotData.account_a``, the credit
  ``SlotData.account_b`` (``part_indices``); so a burn's inactive credit opens its recipient's index (an index on the
  peer chain, < 2^D) in this rollup's tree, a mint's inactive debit its sender's, a no-op's parts index 0;
- an append opens message index 0 of the burn tree c→c at bridge slot 2·chain_id (``idle_append_slot``), a tree that
  stays empty (no burn goes to its own chain): its openings are the empty-subtree roots (``idle_append``).

Roots after each part: accounts root after debit and credit, bridge root after append; the slot's state root is
Poseidon(accounts_root, bridge_root) (zksvs.rollup_state.state_root).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zksvs.merkle import zero_hashes
from zksvs.rollup_state import AccountState, Message, bridge_slot_depth, burn_slot
from zksvs.statement import BatchStatement, SlotData, SlotKind


@dataclass(frozen=True)
class BatchShape:
    """The fixed parameters a batch circuit is built for.

    Attributes
    ----------
    n_rollups : int
        K, rollups in the shared set (chain ids 0..K−1); fixes the bridge slot tree (2K slots).
    capacity : int
        B, slots per batch.
    account_depth : int
        D, depth of each rollup's account tree (2^D accounts).
    bridge_depth : int
        M, depth of each burn/mint tree (2^M messages per ordered pair).
    """

    n_rollups: int
    capacity: int
    account_depth: int
    bridge_depth: int

    def __post_init__(self) -> None:
        if not 2 <= self.n_rollups <= 8:
            raise ValueError(f"n_rollups must be in [2, 8], not {self.n_rollups}")
        for name in ("capacity", "account_depth", "bridge_depth"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")

    @property
    def slot_tree_depth(self) -> int:
        """Depth of the bridge slot tree: ceil(log2(2K))."""
        return bridge_slot_depth(self.n_rollups)


@dataclass(frozen=True)
class AccountUpdate:
    """One leaf update in the accounts tree.

    ``siblings`` (bottom-up, length D) open ``index`` in the accounts root *before* the update and, unchanged, in the
    root after it. ``index`` is the slot's account field of the part (``part_indices``), active or not.
    ``before``/``after`` are the account fields when active; for an inactive part both are None and
    ``leaf_before == leaf_after`` is whatever leaf sits at ``index`` (0 if empty).
    """

    active: bool
    index: int
    leaf_before: int
    leaf_after: int
    siblings: tuple[int, ...]
    before: AccountState | None = None
    after: AccountState | None = None


@dataclass(frozen=True)
class BridgeAppend:
    """One message appended to a burn or mint tree, and the bridge slot update that follows.

    Attributes
    ----------
    active : bool
        False for slots that append nothing (then ``message`` is None and the part is ``idle_append``'s).
    slot : int
        Bridge slot of the tree (2·dst for a burn, 2·src + 1 for a mint, ``idle_append_slot`` when inactive).
    message : Message | None
        The appended message; ``message.message_nonce == index``.
    index : int
        Position in the tree = the tree's message count before the append.
    tree_siblings : tuple[int, ...]
        Opening of ``index`` in the tree before the append (its leaf was 0).
    prev_leaf, prev_siblings : int, tuple[int, ...]
        Leaf at ``index − 1`` and its opening in the tree before the append (``index > 0``; for index 0 the
        opening of index 0 with leaf 0). Proving that leaf non-zero while leaf ``index`` is zero pins ``index`` to
        the message count (no gaps can ever form, by induction), so a message cannot land at a wrong index.
    tree_root_before, tree_root_after : int
        Root of the burn/mint tree before and after (the slot's value before and after).
    slot_siblings : tuple[int, ...]
        Opening of ``slot`` in the bridge slot tree before the update (length ceil(log2(2K))).
    """

    active: bool
    slot: int
    message: Message | None
    index: int
    tree_siblings: tuple[int, ...]
    prev_leaf: int
    prev_siblings: tuple[int, ...]
    tree_root_before: int
    tree_root_after: int
    slot_siblings: tuple[int, ...]


def part_indices(data: SlotData) -> tuple[int, int]:
    """The account indices the debit and the credit of a slot open, active or not: (account_a, account_b)."""
    return data.account_a, data.account_b


def idle_account(index: int, leaf: int, siblings: Sequence[int]) -> AccountUpdate:
    """An inactive account part: the opening of ``index`` (holding ``leaf``) written back unchanged."""
    return AccountUpdate(False, index, leaf, leaf, tuple(siblings))


def idle_append_slot(chain_id: int) -> int:
    """The bridge slot an inactive append opens: 2·chain_id, the burn tree c→c (always empty)."""
    return burn_slot(chain_id)


def idle_append(chain_id: int, bridge_depth: int, slot_siblings: Sequence[int]) -> BridgeAppend:
    """An inactive append: index 0 of the empty c→c burn tree at ``idle_append_slot(chain_id)``, unchanged.

    Parameters
    ----------
    chain_id : int
        The rollup.
    bridge_depth : int
        M, depth of the burn and mint trees.
    slot_siblings : Sequence[int]
        The opening of slot 2·chain_id in the bridge slot tree at the current state (ceil(log2(2K)) siblings).

    Returns
    -------
    BridgeAppend
        Tree and previous-leaf openings of index 0 in an empty tree (the empty-subtree roots), leaf 0, the empty
        tree's root before and after.
    """
    zeros = zero_hashes(bridge_depth)
    siblings = tuple(zeros[:bridge_depth])
    empty = zeros[bridge_depth]
    return BridgeAppend(
        False, idle_append_slot(chain_id), None, 0, siblings, 0, siblings, empty, empty, tuple(slot_siblings)
    )


@dataclass(frozen=True)
class SlotTrace:
    """Everything one slot does, with the roots after each part."""

    data: SlotData
    debit: AccountUpdate
    credit: AccountUpdate
    append: BridgeAppend
    accounts_root_after_debit: int
    accounts_root_after_credit: int
    bridge_root_after: int

    @property
    def kind(self) -> SlotKind:
        """The slot's kind."""
        return self.data.kind


@dataclass(frozen=True)
class BatchTrace:
    """One rollup's batch: its slots (exactly ``shape.capacity``, padded with no-ops) and its roots.

    ``final_bridge_slots`` are the bridge slot values after the batch (2^ceil(log2(2K)) entries: slot 2j = burn
    root c→j, 2j+1 = mint root j→c, padding 0); with ``new_accounts_root`` they give the L1 its bridge openings.
    """

    chain_id: int
    batch_number: int
    shape: BatchShape
    old_state_root: int
    new_state_root: int
    old_accounts_root: int
    old_bridge_root: int
    new_accounts_root: int
    new_bridge_root: int
    slots: tuple[SlotTrace, ...]
    final_bridge_slots: tuple[int, ...]

    def slot_data(self) -> list[SlotData]:
        """The committed data of every slot, in order."""
        return [s.data for s in self.slots]

    def statement(self) -> BatchStatement:
        """The public statement this batch's proof must show."""
        return BatchStatement.for_batch(self.chain_id, self.old_state_root, self.new_state_root, self.slot_data())

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

A part the kind does not use is *inactive*: it still carries a consistent opening taken at the current state (of
account index 0, or bridge slot 0 / tree index 0) with ``leaf_after == leaf_before``, so the circuit can evaluate
every branch and select; an inactive part can never change a root.

Roots after each part: accounts root after debit and credit, bridge root after append; the slot's state root is
Poseidon(accounts_root, bridge_root) (zksvs.rollup_state.state_root).
"""

from __future__ import annotations

from dataclasses import dataclass

from zksvs.rollup_state import AccountState, Message, bridge_slot_depth
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
    root after it. ``before``/``after`` are the account fields when active; for an inactive part both are None and
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
        False for slots that append nothing (then leaf values are unchanged and ``message`` is None).
    slot : int
        Bridge slot of the tree (2·dst for a burn, 2·src + 1 for a mint).
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

"""Shared batches: per-rollup batches of capacity B that open and close together (DESIGN.md §5).

``SharedBatchBuilder`` owns the K ``RollupState``s. It executes one transaction at a time into the open batches
(a transfer takes one slot on its rollup, a burn or call one slot on src and its action one slot on dst) and
``close()`` ends the shared batch: every rollup's batch is padded with no-op slots to exactly B (each taken at that
rollup's final state), and every rollup of the set is carried, even one with only no-ops, so the L1 can check every
pair.

When to close is the caller's policy (``sequencer.Sequencer``: as soon as any rollup's batch is full, or on demand;
``needs_room`` says whether a transaction would not fit, the case where the caller closes first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sequencer.execute import (
    Verifier,
    apply_transfer,
    apply_trigger_with_action,
    check_signature,
    check_tx,
    forced_data,
    forced_rejection_slot,
    noop_slot,
)
from sequencer.rollup import RollupState
from sequencer.tx import Transfer, UserTx
from zksvs.eddsa import verify_poseidon
from zksvs.forced import ForcedReason
from zksvs.rollup_state import Message
from zksvs.statement import BatchStatement
from zksvs.trace import BatchShape, BatchTrace, SlotTrace


@dataclass(frozen=True)
class SharedBatch:
    """One closed shared batch.

    Attributes
    ----------
    batch_number : int
        0, 1, 2, … in closing order.
    traces : tuple of BatchTrace
        One per rollup, index = chain_id (every rollup of the set), each exactly B slots.
    txs : tuple of Transfer | Burn | Call
        The user transactions included, in execution order (a burn or call stands for its action too).
    """

    batch_number: int
    traces: tuple[BatchTrace, ...]
    txs: tuple[UserTx, ...]

    def old_state_roots(self) -> tuple[int, ...]:
        """State roots before the batch, by chain_id."""
        return tuple(t.old_state_root for t in self.traces)

    def new_state_roots(self) -> tuple[int, ...]:
        """State roots after the batch, by chain_id."""
        return tuple(t.new_state_root for t in self.traces)

    def statements(self) -> tuple[BatchStatement, ...]:
        """The K batch statements (public inputs of the K batch proofs)."""
        return tuple(t.statement() for t in self.traces)

    def burn_mint_mismatches(self) -> list[tuple[int, int]]:
        """Pairs (i, j), i ≠ j, whose burn root i→j (slot 2j of i) differs from mint root i→j (slot 2i + 1 of j).

        Empty for every batch this module builds (the SVS invariant).
        """
        t = self.traces
        k = len(t)
        return [
            (i, j)
            for i in range(k)
            for j in range(k)
            if i != j and t[i].final_bridge_slots[2 * j] != t[j].final_bridge_slots[2 * i + 1]
        ]


@dataclass(frozen=True)
class Placement:
    """Where an executed transaction landed in the open shared batch.

    ``mint_chain``/``mint_slot``/``message`` are set for a burn or call (its action's rollup and slot, the message;
    a burn's action is its mint).
    """

    batch_number: int
    chain: int
    slot: int
    mint_chain: int | None = None
    mint_slot: int | None = None
    message: Message | None = None


class SharedBatchBuilder:
    """Executes transactions into the K open batches and closes shared batches.

    Parameters
    ----------
    shape : BatchShape
        K, B, D, M.
    rollups : sequence of RollupState
        Index = chain_id, all of ``shape``; the builder writes to them.
    batch_number : int
        Number of the first shared batch it will close.
    signed : bool
        Check signatures (a signed genesis, protocol v2): every transaction's and every swap order's, before any
        state is touched. False for an unsigned (v1) genesis: nothing is checked and slots record no signature.
    verify : Verifier
        The signature verifier (``zksvs.eddsa.verify_poseidon``'s verdicts; the sequencer passes its batch cache).
    """

    def __init__(
        self,
        shape: BatchShape,
        rollups: Sequence[RollupState],
        batch_number: int = 0,
        *,
        signed: bool = False,
        verify: Verifier = verify_poseidon,
    ) -> None:
        if len(rollups) != shape.n_rollups or any(r.chain_id != c for c, r in enumerate(rollups)):
            raise ValueError(f"rollups must be the {shape.n_rollups} rollups of the set, in chain_id order")
        self.shape = shape
        self.rollups = list(rollups)
        self.batch_number = batch_number
        self.signed = signed
        self.verify = verify
        self._slots: list[list[SlotTrace]] = [[] for _ in rollups]
        self._txs: list[UserTx] = []
        self._old = [(r.state_root(), *r.roots()) for r in self.rollups]

    def room(self, chain: int) -> int:
        """Free slots left in rollup ``chain``'s open batch."""
        return self.shape.capacity - len(self._slots[chain])

    @property
    def is_full(self) -> bool:
        """True when some rollup's open batch has no free slot."""
        return any(len(s) >= self.shape.capacity for s in self._slots)

    @property
    def is_empty(self) -> bool:
        """True when no transaction has been executed since the last close."""
        return not self._txs

    @property
    def n_pending(self) -> int:
        """Transactions executed into the open batches."""
        return len(self._txs)

    def needs_room(self, tx: UserTx) -> bool:
        """True when ``tx`` (already checked with ``check_tx``) would not fit: close first."""
        if isinstance(tx, Transfer):
            return self.room(tx.chain) < 1
        return self.room(tx.chain) < 1 or self.room(tx.to_chain) < 1

    def execute(self, tx: UserTx, message: int | None = None, *, forced: bool = False) -> Placement:
        """Execute ``tx`` into the open batches; on failure nothing changes and the typed error is raised.

        ``message`` is ``tx.fields().message()`` when the caller has computed it (saves a Poseidon hash).
        ``forced`` marks the slot on ``tx.chain`` as processing an L1 queue entry (``SlotData.forced``).

        Raises
        ------
        ZksvsError
            Every rejection of ``check_tx``, ``check_signature`` (signed only), ``apply_transfer`` and
            ``apply_trigger_with_action`` (with its ``reason``).
        RuntimeError
            ``tx`` does not fit (``needs_room``): the caller must close first.
        """
        check_tx(tx, self.shape)
        if self.needs_room(tx):
            raise RuntimeError(f"no free slot for {tx}: close the shared batch first")
        if self.signed:
            r = self.rollups[tx.chain]
            if message is None:
                message = r.hasher.poseidon(tx.fields().inputs())  # = tx.fields().message(), by the native hasher
            check_signature(r, tx, self.verify, message)
        if isinstance(tx, Transfer):
            r = self.rollups[tx.chain]
            slot = _mark_forced(apply_transfer(r, tx), forced)
            r.forget_history()
            self._slots[tx.chain].append(slot)
            self._txs.append(tx)
            return Placement(self.batch_number, tx.chain, len(self._slots[tx.chain]) - 1)
        src, dst = self.rollups[tx.chain], self.rollups[tx.to_chain]
        burn, mint, message = apply_trigger_with_action(src, dst, tx, self.verify if self.signed else None)
        burn = _mark_forced(burn, forced)
        src.forget_history()
        dst.forget_history()
        self._slots[tx.chain].append(burn)
        self._slots[tx.to_chain].append(mint)
        self._txs.append(tx)
        return Placement(
            self.batch_number,
            tx.chain,
            len(self._slots[tx.chain]) - 1,
            tx.to_chain,
            len(self._slots[tx.to_chain]) - 1,
            message,
        )

    def reject_forced(self, tx: UserTx, reason: ForcedReason) -> Placement:
        """Record a forced rejection of ``tx`` (a queued transaction that failed with ``reason``) on ``tx.chain``.

        The slot keeps the transaction's fields (``forced_rejection_slot``) and changes no root; it takes one slot of
        ``tx.chain`` only (no action runs).

        Raises
        ------
        RuntimeError
            ``tx.chain``'s batch is full: the caller must close first.
        """
        r = self.rollups[tx.chain]
        if self.room(tx.chain) < 1:
            raise RuntimeError(f"no free slot for {tx}: close the shared batch first")
        self._slots[tx.chain].append(forced_rejection_slot(r, tx, reason))
        self._txs.append(tx)
        return Placement(self.batch_number, tx.chain, len(self._slots[tx.chain]) - 1)

    def close(self, *, allow_empty: bool = False) -> SharedBatch | None:
        """Close the open shared batch (None when nothing was executed since the last close, unless
        ``allow_empty``: then a batch of no-ops, which a sequencer makes to keep the L1 moving).

        Every rollup's batch is padded with no-op slots to exactly B; the new state roots cost one Poseidon each.
        """
        if self.is_empty and not allow_empty:
            return None
        b = self.shape.capacity
        traces = []
        for c, r in enumerate(self.rollups):
            slots = self._slots[c]
            if len(slots) < b:
                pad = noop_slot(r)
                slots = slots + [pad] * (b - len(slots))
            acc_root, bridge_root = r.roots()
            new_root = r.state_root()
            old_root, old_acc, old_bridge = self._old[c]
            traces.append(
                BatchTrace(
                    chain_id=c,
                    batch_number=self.batch_number,
                    shape=self.shape,
                    old_state_root=old_root,
                    new_state_root=new_root,
                    old_accounts_root=old_acc,
                    old_bridge_root=old_bridge,
                    new_accounts_root=acc_root,
                    new_bridge_root=bridge_root,
                    slots=tuple(slots),
                    final_bridge_slots=r.bridge_slot_values(),
                )
            )
            self._old[c] = (new_root, acc_root, bridge_root)
        batch = SharedBatch(self.batch_number, tuple(traces), tuple(self._txs))
        self.batch_number += 1
        self._slots = [[] for _ in self.rollups]
        self._txs = []
        return batch


def _mark_forced(slot: SlotTrace, forced: bool) -> SlotTrace:
    """``slot`` marked forced and carrying its signature (``forced_data``) when ``forced`` (an included queue
    entry), else unchanged."""
    return replace(slot, data=forced_data(slot.data, slot.signature)) if forced else slot

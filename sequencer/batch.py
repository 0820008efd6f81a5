"""Shared batches: per-rollup batches of capacity B that open and close together (DESIGN.md §5).

``SharedBatchBuilder`` owns the K ``RollupState``s. It executes one transaction at a time into the open batches
(a transfer takes one slot on its rollup, a burn or call one slot on src and its action one slot on dst) and
``close()`` ends the shared batch: every rollup's batch is padded with no-op slots to exactly B (each taken at that
rollup's final state), and every rollup of the set is carried, even one with only no-ops, so the L1 can check every
pair.

Execution on the accepting path is deferred (``sequencer.execute`` with ``trace=False``): the checks and the writes
of each transaction run at once, but nothing is hashed; the state roots are computed at the close, every dirty node
of every tree hashed once (``zksvs.merkle``). The slot traces (the openings and intermediate roots each slot's
circuit needs) are built only when the builder keeps them (``traces=True``, the default; the ``Sequencer``'s
``history``): at the close, by re-executing the batch's included transactions and forced rejections, in order, with
the same ``sequencer.execute`` code in trace mode on a shadow copy of the rollups taken at the batch's opening (the
shadow then stands at the next batch's opening). The shadow's roots must equal the live ones (``RuntimeError``
otherwise: the two executions diverged). The re-execution does not check signatures again: the accepting path did
(a trace records each transaction's signature all the same). Cost: a path of hashing per write, at the close (what
every transaction paid before the deferral); ``trace_seconds`` adds it up.

When to close is the caller's policy (``sequencer.Sequencer``: as soon as any rollup's batch is full, or on demand;
``needs_room`` says whether a transaction would not fit, the case where the caller closes first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from time import perf_counter

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
from zksvs.eddsa import Signature, verify_poseidon
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
    traces : tuple of BatchTrace, or None
        One per rollup, index = chain_id (every rollup of the set), each exactly B slots; None when the builder
        keeps no traces (``SharedBatchBuilder(traces=False)``, a sequencer without ``history``).
    txs : tuple of Transfer | Burn | Call
        The user transactions included, in execution order (a burn or call stands for its action too).
    state_roots : tuple of (int, int)
        ``(old, new)`` state root of every rollup, by chain_id (what ``old_state_roots``/``new_state_roots`` give
        when there are no traces).
    """

    batch_number: int
    traces: tuple[BatchTrace, ...] | None
    txs: tuple[UserTx, ...]
    state_roots: tuple[tuple[int, int], ...] = ()

    def old_state_roots(self) -> tuple[int, ...]:
        """State roots before the batch, by chain_id."""
        if self.traces is None:
            return tuple(old for old, _ in self.state_roots)
        return tuple(t.old_state_root for t in self.traces)

    def new_state_roots(self) -> tuple[int, ...]:
        """State roots after the batch, by chain_id."""
        if self.traces is None:
            return tuple(new for _, new in self.state_roots)
        return tuple(t.new_state_root for t in self.traces)

    def _traces(self) -> tuple[BatchTrace, ...]:
        if self.traces is None:
            raise RuntimeError(f"shared batch {self.batch_number} was closed without traces (traces=False)")
        return self.traces

    def statements(self) -> tuple[BatchStatement, ...]:
        """The K batch statements (public inputs of the K batch proofs).

        Raises
        ------
        RuntimeError
            The batch has no traces.
        """
        return tuple(t.statement() for t in self._traces())

    def burn_mint_mismatches(self) -> list[tuple[int, int]]:
        """Pairs (i, j), i ≠ j, whose burn root i→j (slot 2j of i) differs from mint root i→j (slot 2i + 1 of j).

        Empty for every batch this module builds (the SVS invariant).

        Raises
        ------
        RuntimeError
            The batch has no traces.
        """
        t = self._traces()
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
    traces : bool
        Build every closed batch's slot traces (module docstring); False: batches carry roots only.

    Attributes
    ----------
    trace_seconds : float
        Wall time spent building traces at closes so far (the re-execution, in seconds).
    traced_ops : int
        Included transactions and forced rejections re-executed for traces at closes so far.
    """

    def __init__(
        self,
        shape: BatchShape,
        rollups: Sequence[RollupState],
        batch_number: int = 0,
        *,
        signed: bool = False,
        verify: Verifier = verify_poseidon,
        traces: bool = True,
    ) -> None:
        if len(rollups) != shape.n_rollups or any(r.chain_id != c for c, r in enumerate(rollups)):
            raise ValueError(f"rollups must be the {shape.n_rollups} rollups of the set, in chain_id order")
        self.shape = shape
        self.rollups = list(rollups)
        self.batch_number = batch_number
        self.signed = signed
        self.verify = verify
        self.traces = traces
        self.trace_seconds = 0.0
        self.traced_ops = 0
        self._counts = [0] * len(rollups)  # slots filled per rollup in the open batch
        # what the trace re-execution replays: (tx, forced, None) included, (tx, True, reason) a forced rejection
        self._ops: list[tuple[UserTx, bool, ForcedReason | None]] = []
        self._txs: list[UserTx] = []
        self._old = [(r.state_root(), *r.roots()) for r in self.rollups]
        self._shadow = [r.copy() for r in self.rollups] if traces else None

    def room(self, chain: int) -> int:
        """Free slots left in rollup ``chain``'s open batch."""
        return self.shape.capacity - self._counts[chain]

    @property
    def is_full(self) -> bool:
        """True when some rollup's open batch has no free slot."""
        return max(self._counts) >= self.shape.capacity

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

    def execute(
        self, tx: UserTx, message: int | None = None, *, forced: bool = False, checked: bool = False
    ) -> Placement:
        """Execute ``tx`` into the open batches; on failure nothing changes and the typed error is raised.

        ``message`` is ``tx.fields().message()`` when the caller has computed it (saves a Poseidon hash).
        ``forced`` marks the slot on ``tx.chain`` as processing an L1 queue entry (``SlotData.forced``).
        ``checked``: the caller has just run ``check_tx(tx, shape)`` (the ``Sequencer`` does), so it is not run again.

        Raises
        ------
        ZksvsError
            Every rejection of ``check_tx``, ``check_signature`` (signed only), ``apply_transfer`` and
            ``apply_trigger_with_action`` (with its ``reason``).
        RuntimeError
            ``tx`` does not fit (``needs_room``): the caller must close first.
        """
        if not checked:
            check_tx(tx, self.shape)
        if self.needs_room(tx):
            raise RuntimeError(f"no free slot for {tx}: close the shared batch first")
        if self.signed:
            r = self.rollups[tx.chain]
            if message is None:
                message = r.hasher.poseidon(tx.fields().inputs())  # = tx.fields().message(), by the native hasher
            check_signature(r, tx, self.verify, message)
        _, _, sent = _apply(self.rollups, tx, self.verify if self.signed else None, trace=False)
        self._included(tx, forced, None)
        counts = self._counts
        counts[tx.chain] += 1
        if sent is None:
            return Placement(self.batch_number, tx.chain, counts[tx.chain] - 1)
        counts[tx.to_chain] += 1
        return Placement(self.batch_number, tx.chain, counts[tx.chain] - 1, tx.to_chain, counts[tx.to_chain] - 1, sent)

    def _included(self, tx: UserTx, forced: bool, reason: ForcedReason | None) -> None:
        self._txs.append(tx)
        if self.traces:
            self._ops.append((tx, forced, reason))

    def reject_forced(self, tx: UserTx, reason: ForcedReason) -> Placement:
        """Record a forced rejection of ``tx`` (a queued transaction that failed with ``reason``) on ``tx.chain``.

        The slot keeps the transaction's fields (``forced_rejection_slot``) and changes no root; it takes one slot of
        ``tx.chain`` only (no action runs).

        Raises
        ------
        RuntimeError
            ``tx.chain``'s batch is full: the caller must close first.
        """
        if self.room(tx.chain) < 1:
            raise RuntimeError(f"no free slot for {tx}: close the shared batch first")
        self._included(tx, True, reason)
        self._counts[tx.chain] += 1
        return Placement(self.batch_number, tx.chain, self._counts[tx.chain] - 1)

    def _trace_slots(self) -> list[list[SlotTrace]]:
        """Re-execute the open batch's operations in trace mode on the shadow rollups (module docstring)."""
        shadow = self._shadow
        verify = _accepted if self.signed else None
        slots: list[list[SlotTrace]] = [[] for _ in shadow]
        for tx, forced, reason in self._ops:
            if reason is not None:
                slots[tx.chain].append(forced_rejection_slot(shadow[tx.chain], tx, reason))
                continue
            first, action, _ = _apply(shadow, tx, verify, trace=True)
            slots[tx.chain].append(_mark_forced(first, forced))
            if action is not None:
                slots[tx.to_chain].append(action)
        self.traced_ops += len(self._ops)
        return slots

    def close(self, *, allow_empty: bool = False) -> SharedBatch | None:
        """Close the open shared batch (None when nothing was executed since the last close, unless
        ``allow_empty``: then a batch of no-ops, which a sequencer makes to keep the L1 moving).

        The batch's deferred writes are hashed (each dirty node once) and, with ``traces``, its slots re-executed
        into traces, every rollup's batch padded with no-op slots to exactly B.

        Raises
        ------
        RuntimeError
            The trace re-execution gave other roots or slot counts than the accepting path (a bug, never a user's
            input).
        """
        if self.is_empty and not allow_empty:
            return None
        new = [(r.state_root(), *r.roots()) for r in self.rollups]  # the deferred writes are hashed here
        state_roots = tuple((old[0], now[0]) for old, now in zip(self._old, new, strict=True))
        if not self.traces:
            batch = SharedBatch(self.batch_number, None, tuple(self._txs), state_roots)
            self._old = new
            self._next_batch()
            return batch
        t0 = perf_counter()
        all_slots = self._trace_slots()
        b = self.shape.capacity
        traces = []
        for c, r in enumerate(self._shadow):
            acc_root, bridge_root = r.roots()
            new_root, live_acc, live_bridge = new[c]
            if (acc_root, bridge_root) != (live_acc, live_bridge):
                raise RuntimeError(
                    f"shared batch {self.batch_number}: re-executing rollup {c}'s slots for the traces gives other "
                    "roots than the sequencer's execution"
                )
            slots = all_slots[c]
            if len(slots) != self._counts[c]:
                raise RuntimeError(f"shared batch {self.batch_number}: rollup {c} re-executes to another slot count")
            if len(slots) < b:
                pad = noop_slot(r)
                slots = slots + [pad] * (b - len(slots))
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
        batch = SharedBatch(self.batch_number, tuple(traces), tuple(self._txs), state_roots)
        self.trace_seconds += perf_counter() - t0
        self._old = new
        self._next_batch()
        return batch

    def _next_batch(self) -> None:
        self.batch_number += 1
        self._counts = [0] * len(self.rollups)
        self._ops = []
        self._txs = []


def _apply(
    rollups: Sequence[RollupState], tx: UserTx, verify: Verifier | None, *, trace: bool
) -> tuple[SlotTrace | None, SlotTrace | None, Message | None]:
    """Execute ``tx`` on ``rollups`` (a transfer on its rollup; a burn or call and its action on both) and drop the
    undo logs: ``(slot on tx.chain, action's slot on tx.to_chain, the message)``, the slots None without ``trace``,
    the action's slot and the message None for a transfer. On an error nothing changed (``sequencer.execute``)."""
    if isinstance(tx, Transfer):
        r = rollups[tx.chain]
        slot = apply_transfer(r, tx, trace=trace)
        r.forget_history()
        return slot, None, None
    src, dst = rollups[tx.chain], rollups[tx.to_chain]
    trigger, action, message = apply_trigger_with_action(src, dst, tx, verify, trace=trace)
    src.forget_history()
    dst.forget_history()
    return trigger, action, message


def _accepted(message: int, signature: Signature, pubkey: tuple[int, int]) -> bool:
    """The trace re-execution's verifier: each signature it meets was verified on the accepting path."""
    return True


def _mark_forced(slot: SlotTrace, forced: bool) -> SlotTrace:
    """``slot`` marked forced and carrying its signature (``forced_data``) when ``forced`` (an included queue
    entry), else unchanged."""
    return replace(slot, data=forced_data(slot.data, slot.signature)) if forced else slot

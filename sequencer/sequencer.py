"""The ``Sequencer`` facade: submit transactions, get receipts or rejections, take closed shared batches.

Policy: submissions are executed in the order they are submitted (``sequencer.ordering`` sorts a group that
arrived together first: ``submit_many``); a shared batch closes as soon as any rollup's batch is full (so every
rollup has a free slot before each transaction, and a burn always fits), or on demand (``close_batch``).

Persistence (``sequencer.store``): with a ``db_path``, each submission is committed, together with any shared batch
its execution closed, before its result is released: ``submit`` returns it after the commit; ``submit_nowait``
executes at once and returns a ``PendingResult`` whose ``result()`` waits for the commit, so a client that keeps
submitting gets group commit (one sqlite transaction, one fsync, for every submission that arrived while the
previous commit flushed: ``sequencer.store.GroupCommitter``). ``close_batch`` commits its batch before returning it.
Opening an existing file replays its accepted transactions and its batch closes in their recorded places, checks
every recorded root on the way (``StoreMismatch`` otherwise) and resumes the numbering, so a restart after a crash
has the same state roots and has lost no transaction whose result was released.

Hashing is deferred (``sequencer.batch``): a submission is checked and executed against balances, nonces, keys and
message counts only; the state roots are hashed at each batch close (every dirty node once), and the slot traces
are built there only with ``history`` (a re-execution of the batch; ``zksvs sequence`` and the load test have
none). Every Poseidon of the K rollups goes through one ``zksvs.merkle.Hasher``, by default
``accel.merkle.NativeHasher`` (numba kernels, a whole Merkle path per call; loaded when the first ``Sequencer`` is
made, so ``import sequencer`` stays light). ``hasher=zksvs.merkle.PYTHON_HASHER`` gives the same results in pure
Python, and verifies signatures with ``zksvs.eddsa.verify_poseidon`` on the spot.

Signatures (a signed genesis): ``prefetch_signatures`` hands a group's signatures to ``sequencer.signatures``, which
verifies them on one worker thread (numba, GIL released) while this sequencer executes the group; each verdict is
taken where execution checks the signature, so the rules and the rejection order are the same as one at a time.
``submit_many`` and reopening a file do this themselves; ``zksvs sequence`` and the pipeline's producer call it per
chunk of lines.

Threads: submissions and closes may come from several threads (they are executed one at a time, in the order they
take the sequencer's lock); waiting for durability happens outside the lock, so concurrent ``submit`` calls share
commits too.
"""

from __future__ import annotations

import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sequencer.batch import Placement, SharedBatch, SharedBatchBuilder
from sequencer.execute import check_tx, reason_of
from sequencer.forced import ForcedTx, forced_reason
from sequencer.genesis import Genesis, genesis_from_obj
from sequencer.ordering import in_arrival_order
from sequencer.rollup import RollupState
from sequencer.signatures import Ahead, SignatureCache
from sequencer.store import (
    BatchRow,
    CommitStats,
    GroupCommitter,
    SequencerStore,
    StoreFailure,
    StoreMismatch,
    SubmissionRow,
)
from sequencer.tx import RejectReason, Transfer, UserTx, parse_tx
from zksvs.eddsa import Signature
from zksvs.errors import MalformedTransaction, ZksvsError
from zksvs.merkle import PYTHON_HASHER, Hasher
from zksvs.rollup_state import AccountState


@dataclass(frozen=True)
class Receipt:
    """An included transaction: its place in the global order and in the shared batch.

    Attributes
    ----------
    seq : int
        Submission number (0, 1, 2, … over accepted and rejected submissions).
    arrival : int | None
        The caller's arrival key (e.g. the JSONL line number).
    tx : Transfer | Burn | Call
        The transaction.
    batch_number : int
        The shared batch it is in.
    chain, slot : int
        Its rollup and slot (the trigger's, for a burn or call).
    mint_chain, mint_slot, message_nonce : int | None
        For a burn or call: its action's rollup and slot (a burn's action is its mint), and the message's index in
        the trees chain→mint_chain.
    forced : int | None
        The L1 queue index of a forced transaction (``sequencer.forced``), None otherwise.
    """

    seq: int
    arrival: int | None
    tx: UserTx
    batch_number: int
    chain: int
    slot: int
    mint_chain: int | None = None
    mint_slot: int | None = None
    message_nonce: int | None = None
    forced: int | None = None

    @property
    def chains(self) -> tuple[int, ...]:
        """The rollups it touched."""
        return (self.chain,) if self.mint_chain is None else (self.chain, self.mint_chain)

    def to_obj(self) -> dict:
        """JSON form (what ``python -m sequencer`` prints)."""
        d = {
            "status": "accepted",
            "seq": self.seq,
            "arrival": self.arrival,
            "batch_number": self.batch_number,
            "chain": self.chain,
            "slot": self.slot,
            "tx": self.tx.to_obj(),
        }
        if self.mint_chain is not None:
            d.update(mint_chain=self.mint_chain, mint_slot=self.mint_slot, message_nonce=self.message_nonce)
        if self.forced is not None:
            d["forced"] = self.forced
        return d


@dataclass(frozen=True)
class Rejection:
    """A transaction that was not included; no root changed.

    Attributes
    ----------
    seq : int
        Submission number.
    arrival : int | None
        The caller's arrival key.
    tx : Transfer | Burn | Call | None
        The transaction (None when it could not be parsed).
    reason : RejectReason
        Why (``malformed``, ``amount_out_of_u64``, ``unknown_rollup``, ``unknown_account``, ``bad_signature``,
        ``bad_nonce``, ``overdraft``, ``bad_recipient_key``, ``recipient_key_mismatch``, ``balance_overflow``,
        ``bridge_full``, ``action_failed``).
    message : str
        The typed error's message.
    forced : int | None
        The L1 queue index of a forced transaction, None otherwise. A forced transaction that fails still takes a
        slot (a forced rejection, ``sequencer.forced``): ``placement`` is then its (batch_number, chain, slot).
    placement : tuple[int, int, int] | None
        See ``forced``.
    """

    seq: int
    arrival: int | None
    tx: UserTx | None
    reason: RejectReason
    message: str
    forced: int | None = None
    placement: tuple[int, int, int] | None = None

    def to_obj(self) -> dict:
        """JSON form."""
        d = {
            "status": "rejected",
            "seq": self.seq,
            "arrival": self.arrival,
            "reason": self.reason.value,
            "message": self.message,
            "tx": None if self.tx is None else self.tx.to_obj(),
        }
        if self.forced is not None:
            d["forced"] = self.forced
            d["batch_number"], d["chain"], d["slot"] = self.placement
        return d


class PendingResult:
    """The result of ``Sequencer.submit_nowait``: known at once, released once it is durable.

    Attributes
    ----------
    seq : int
        The submission number.
    """

    __slots__ = ("_committer", "_result", "_ticket", "seq")

    def __init__(self, result: Receipt | Rejection, committer: GroupCommitter | None, ticket: int) -> None:
        self._result = result
        self._committer = committer
        self._ticket = ticket
        self.seq = result.seq

    def done(self) -> bool:
        """True once the submission is committed (always, for a sequencer without a database)."""
        return self._committer is None or self._committer.is_durable(self._ticket)

    def result(self, timeout: float | None = None) -> Receipt | Rejection:
        """The receipt or rejection, after its group commit returned.

        Raises
        ------
        StoreFailure
            The commit failed: the result was never durable (reopen the sequencer from its file).
        TimeoutError
            ``timeout`` seconds passed first.
        """
        if self._committer is not None:
            self._committer.wait(self._ticket, timeout)
        return self._result


#: Rows of the store re-executed per signature prefetch when a sequencer reopens its file (as ``zksvs sequence``'s
#: chunks of lines).
_REPLAY_CHUNK = 2048

#: ``on_durable(results, t)``: the results of one commit, in seq order, and ``time.perf_counter()`` after it.
OnDurable = Callable[[list["Receipt | Rejection"], float], None]


class Sequencer:
    """The shared sequencer of one shared set.

    Parameters
    ----------
    genesis : Genesis
        Shape and initial accounts. A signed genesis (every account has a key, ``Genesis.signed``) makes the
        sequencer check every signature; an unsigned (protocol v1) one runs without checks, and ``signed`` is
        False: its batches have no proof in the v2 batch circuit.
    db_path : str or os.PathLike, optional
        sqlite3 file. A new file is bound to ``genesis``; an existing one is replayed (see the module docstring).
    hasher : zksvs.merkle.Hasher, optional
        Evaluates every Poseidon (default: a new ``accel.merkle.NativeHasher``).
    history : bool
        Keep every closed shared batch and accepted transaction in memory (``closed_batches``,
        ``accepted_txs``), and build each batch's slot traces (what proving needs). False keeps memory flat over a
        long run and builds no traces (``SharedBatch.traces`` is None; the roots are there): a batch is dropped
        once ``pop_closed`` handed it out, and ``accepted_txs`` reads the database (it then needs one).
    max_pending : int
        Submissions that may wait for a commit before ``submit_nowait`` blocks (bounded memory).
    on_durable : callable, optional
        ``on_durable(results, t)`` after each commit, on the committer thread (module docstring), or at once on the
        submitting thread without a database; e.g. to stream acknowledgements or measure receipt latency.
    group_delay : float
        Seconds the group committer may wait to fill a group while a stream of submissions arrives
        (``GroupCommitter``'s ``commit_delay``; 0: commit whatever is queued at once): larger groups cost less CPU
        per transaction, at up to this much more receipt latency. Never delays a lone ``submit``.
    censor : iterable of (chain, account)
        A **censoring** sequencer (a demonstration of what the L1's ``forced_inclusion`` check catches): it never
        processes a queued transaction from these senders, nor any after it in that rollup's queue.

    Raises
    ------
    StoreMismatch
        ``db_path`` belongs to another genesis, or replaying it does not reproduce its recorded roots.
    """

    def __init__(
        self,
        genesis: Genesis,
        db_path: str | os.PathLike | None = None,
        *,
        hasher: Hasher | None = None,
        history: bool = True,
        max_pending: int = 8192,
        on_durable: OnDurable | None = None,
        group_delay: float = 0.010,
        censor: Iterable[tuple[int, int]] = (),
    ) -> None:
        if hasher is None:
            from accel.merkle import NativeHasher  # numba loads with the first sequencer, not with the package

            hasher = NativeHasher()
        self.genesis = genesis
        self.shape = genesis.shape
        self.hasher = hasher
        self.history = history
        self._on_durable = on_durable
        self._lock = threading.Lock()
        k = self.shape.n_rollups
        self.rollups = [RollupState(c, self.shape, genesis.accounts[c], hasher) for c in range(k)]
        #: True when signatures are checked (a signed genesis).
        self.signed = genesis.signed
        #: The signature verifier, with its verdicts prefetched in batches (``submit_many``).
        self.signatures = SignatureCache(native=hasher is not PYTHON_HASHER)
        self._builder = SharedBatchBuilder(
            self.shape, self.rollups, signed=self.signed, verify=self.signatures, traces=history
        )
        self._messages: dict[int, tuple[object, int | Ahead]] = {}
        self._closed: list[SharedBatch] = []
        self._popped = 0
        self._next_seq = 0
        self._accepted: list[tuple[int, UserTx]] = []
        #: Slots filled per rollup by included transactions (a burn counts on src, its mint on dst).
        self.included = [0] * k
        #: Rejected submissions per rollup (by the transaction's ``chain``; unknown chains and unparseable ones
        #: count in ``rejected_elsewhere``).
        self.rejected = [0] * k
        self.rejected_elsewhere = 0
        #: (chain, account) pairs whose queued transactions this sequencer censors.
        self.censor = frozenset((int(c), int(a)) for c, a in censor)
        #: Per rollup: queue entries processed so far (the sequencer's view of the L1 queue head).
        self.forced_heads = [0] * k
        #: Results of the forced transactions processed, in order (replayed ones included).
        self.forced_results: list[Receipt | Rejection] = []
        self._forced: list[list[ForcedTx]] = [[] for _ in range(k)]
        self._store: SequencerStore | None = None
        self._committer: GroupCommitter | None = None
        self._db_path = None if db_path is None else os.fspath(db_path)
        if db_path is not None:
            self._store = SequencerStore(db_path)
            self._store.bind_genesis(genesis.digest(), json.dumps(genesis.to_obj(), sort_keys=True))
            self._replay()
            # the committer thread holds only a weak reference to this sequencer, so one that is dropped without
            # close() is collected, and its finalizer commits what is pending and stops the thread
            self._committer = GroupCommitter(
                db_path, max_pending=max_pending, on_commit=_weak_call(self._committed), group_delay=group_delay
            )
            weakref.finalize(self, _shutdown, self._committer, self._store)

    @classmethod
    def open(cls, db_path: str | os.PathLike, genesis: Genesis | None = None) -> Sequencer:
        """Resume from an existing database (its recorded genesis is used when ``genesis`` is None).

        Raises
        ------
        FileNotFoundError
            ``db_path`` does not exist.
        StoreMismatch
            As for the constructor; or the file records no genesis.
        """
        if not os.path.exists(db_path):
            raise FileNotFoundError(f"no sequencer database at {os.fspath(db_path)}")
        if genesis is None:
            store = SequencerStore(db_path)
            text = store.meta("genesis")
            store.close()
            if text is None:
                raise StoreMismatch(f"{os.fspath(db_path)} records no genesis")
            genesis = genesis_from_obj(json.loads(text))
        return cls(genesis, db_path)

    def close(self) -> None:
        """Commit what is pending and close the database (the in-memory state stays readable).

        Raises
        ------
        StoreFailure
            A pending commit failed (the database is closed all the same).
        """
        committer, store = self._committer, self._store
        self._committer = self._store = None
        _shutdown(committer, store)

    def __enter__(self) -> Sequencer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def flush(self) -> None:
        """Block until every submission and close so far is committed (``StoreFailure`` if a commit failed)."""
        if self._committer is not None:
            self._committer.flush()

    @property
    def hash_rows(self) -> Callable[[list[tuple[int, ...]]], list[int]] | None:
        """Poseidon of many rows in one call, by the kernels this sequencer hashes with (``accel.poseidon``;
        None on ``zksvs.merkle.PYTHON_HASHER``): pass it to ``read_jsonl(lines, hash_rows=)`` to have a chunk's
        swap orders hashed in one call."""
        if not self.signatures.native:
            return None
        from accel.poseidon import poseidon_many

        return poseidon_many

    @property
    def commit_stats(self) -> CommitStats:
        """``(groups, writes, cpu_s, busy_s)`` of the group committer since this sequencer opened its database
        (all zero without one): writes / groups is the mean group, cpu_s / writes the store's CPU per write."""
        c = self._committer
        return CommitStats(0, 0, 0.0, 0.0) if c is None else c.stats()

    # --- submitting ------------------------------------------------------------------------------------------------

    def submit(self, tx: UserTx | dict | MalformedTransaction, arrival: int | None = None) -> Receipt | Rejection:
        """Order and execute one transaction (a trigger with its action, atomically); return once it is committed.

        Parameters
        ----------
        tx : Transfer | Burn | Call | dict | MalformedTransaction
            A transaction, its JSONL object (parsed here), or the parse error ``read_jsonl`` gave for a bad line
            (recorded as a ``malformed`` rejection).
        arrival : int, optional
            The caller's arrival key, recorded (``python -m sequencer`` passes the line number to resume).

        Returns
        -------
        Receipt | Rejection
            Committed to the database (with any shared batch it closed) before it is returned.

        Raises
        ------
        StoreFailure
            The database could not commit it (see ``sequencer.store.StoreFailure``).
        """
        return self.submit_nowait(tx, arrival).result()

    def submit_nowait(self, tx: UserTx | dict | MalformedTransaction, arrival: int | None = None) -> PendingResult:
        """Order and execute one transaction now; its result is released once committed (group commit).

        Same parameters as ``submit``. The transaction is executed (and any shared batch it fills closed) before
        this returns, so the next submission sees its effect; ``PendingResult.result()`` waits for the commit.
        Blocks while ``max_pending`` submissions wait for a commit.

        Raises
        ------
        StoreFailure
            An earlier commit failed, or the sequencer was closed (nothing is executed).
        """
        with self._lock:
            committer = self._writable()
            self._run_forced(committer)
            result, closes = self._execute(tx, arrival, committer)
            ticket = 0
            if committer is not None:
                batch_rows = [_batch_row(b, trigger, after) for b, trigger, after in closes]
                ticket = committer.put(self._row(result), batch_rows, result)
            self._account(result, self._rejected_chain(result) if isinstance(result, Rejection) else None)
            self._closed.extend(b for b, _, _ in closes)
            self._next_seq = result.seq + 1
        if committer is None and self._on_durable is not None:
            self._on_durable([result], time.perf_counter())
        return PendingResult(result, committer, ticket)

    def _take_message(self, tx: object) -> int | None:
        """The message ``prefetch_signatures`` computed for ``tx`` (None if none): by the object itself, since an id
        can be reused once its object is freed."""
        kept = self._messages.pop(id(tx), None)
        if kept is None or kept[0] is not tx:
            return None
        return kept[1] if isinstance(kept[1], int) else kept[1].message()

    def _writable(self) -> GroupCommitter | None:
        """The committer (None without a database); raises if the database failed or was closed."""
        committer = self._committer
        if committer is None and self._db_path is not None:
            raise StoreFailure(f"{self._db_path}: the sequencer is closed")
        if committer is not None and committer.error is not None:
            raise committer.error
        return committer

    def _execute(
        self, tx: UserTx | dict | MalformedTransaction, arrival: int | None, committer: GroupCommitter | None = None
    ) -> tuple[Receipt | Rejection, list[tuple[SharedBatch, str, int]]]:
        seq = self._next_seq
        error: ZksvsError | None = None
        closes: list[tuple[SharedBatch, str, int]] = []
        placement: Placement | None = None
        if isinstance(tx, dict):
            try:
                tx = parse_tx(tx)
            except MalformedTransaction as e:
                tx = e
        if isinstance(tx, MalformedTransaction):
            error, tx = tx, None
        else:
            try:
                check_tx(tx, self.shape)
                if self._builder.needs_room(tx):
                    self._close_now(committer, "room")
                    self._run_forced(committer)  # the new batch starts with its due queue entries
                    seq = self._next_seq
                placement = self._builder.execute(tx, self._take_message(tx), checked=True)
            except ZksvsError as e:
                error = e
            if placement is not None and self._builder.is_full:
                closes.append((self._builder.close(), "full", seq))
        if error is not None:
            return Rejection(seq, arrival, tx, reason_of(error), str(error)), closes
        m = placement.message
        receipt = Receipt(
            seq,
            arrival,
            tx,
            placement.batch_number,
            placement.chain,
            placement.slot,
            placement.mint_chain,
            placement.mint_slot,
            None if m is None else m.message_nonce,
        )
        return receipt, closes

    def submit_many(self, items: Iterable[tuple[int, UserTx | MalformedTransaction]]) -> list[Receipt | Rejection]:
        """Submit ``(arrival, tx)`` pairs in the global order of ``sequencer.ordering`` (ties broken there).

        Every transaction is executed at once and committed in groups; returns when all are committed. In a signed
        genesis the group's signatures are verified first, in batches (``prefetch_signatures``).
        """
        ordered = in_arrival_order(items)
        if self.signed:
            self.prefetch_signatures([tx for _, tx in ordered])
        try:
            pending = [self.submit_nowait(tx, arrival) for arrival, tx in ordered]
            return [p.result() for p in pending]
        finally:
            self.discard_prefetched()

    def discard_prefetched(self) -> None:
        """Drop what ``prefetch_signatures`` kept for transactions that were not executed (rejected earlier)."""
        self._messages.clear()
        self.signatures.clear()

    def prefetch_signatures(self, txs: Iterable[object]) -> None:
        """Start verifying (``sequencer.signatures``: on a worker thread, while the caller goes on) the signatures of
        the transactions in ``txs`` whose signer exists now: each sender's, and each SWAP call's order signature
        (its counterparty's, on the destination); ``submit`` then takes their verdicts (and messages) from the
        cache. Anything that is not a well-formed signed transaction is left for ``submit`` to reject."""
        items: list[tuple[tuple[int, ...], Signature, tuple[int, int]]] = []
        owners: list[object] = []  # the transaction whose message each entry is (None: a swap order's)
        # keys that payments earlier in the group give to accounts that do not exist yet: a guess (the payment may
        # fail, another may create the account first), used only if it is the key at execution (the verdicts are
        # looked up by the key the transaction is executed against)
        created: dict[tuple[int, int], tuple[int, int]] = {}

        def key_of(chain: int, index: int) -> tuple[int, int] | None:
            acc = self.rollups[chain].account(index)
            return created.get((chain, index)) if acc is None else (acc.pubkey_x, acc.pubkey_y)

        for tx in txs:
            if getattr(tx, "signature", None) is None:
                continue
            try:
                check_tx(tx, self.shape)
                pk = getattr(tx, "to_pubkey", (0, 0))
                if pk != (0, 0):
                    created.setdefault((tx.chain, tx.recipient), pk)
                    if not isinstance(tx, Transfer):
                        created.setdefault((tx.to_chain, tx.recipient), pk)
                sender_key = key_of(tx.chain, tx.sender)
                if sender_key is None:
                    continue
                entries = [(tx.fields().inputs(), tx.signature, sender_key)]
                order, order_sig = getattr(tx, "order", None), getattr(tx, "order_signature", None)
                if order is not None and order_sig is not None:
                    z_key = key_of(tx.to_chain, order.sender)
                    if z_key is not None:
                        entries.append((order.inputs(), order_sig, z_key))
            except ZksvsError:
                continue
            items += entries  # in execution order: the sender's, then its order's
            owners += [tx, None][: len(entries)]
        if not self.signatures.native:
            for tx, (inputs, _, _) in zip(owners, items, strict=True):
                if tx is not None:
                    self._messages[id(tx)] = (tx, self.hasher.poseidon(inputs))
            return
        for tx, ahead in zip(owners, self.signatures.prefetch(items), strict=True):
            if tx is not None and ahead is not None:
                self._messages[id(tx)] = (tx, ahead)  # its message: hashed on the worker with the verification

    def close_batch(self, *, allow_empty: bool = False) -> SharedBatch | None:
        """Close the open shared batch now (None when no transaction is pending, unless ``allow_empty``: then a
        batch of no-ops); due queue entries are processed first. Committed before it returns.

        Raises
        ------
        StoreFailure
            The database failed or the sequencer was closed.
        """
        with self._lock:
            committer = self._writable()
            self._run_forced(committer)
            batch = self._builder.close(allow_empty=allow_empty)
            if batch is None:
                return None
            ticket = 0
            if committer is not None:
                ticket = committer.put(None, [_batch_row(batch, "demand", self._next_seq - 1)])
            self._closed.append(batch)
        if committer is not None:
            committer.wait(ticket)
        return batch

    def _committed(self, payloads: list[object], t: float) -> None:
        if self._on_durable is not None:
            results = [p for p in payloads if p is not None]
            if results:
                self._on_durable(results, t)

    # --- forced inclusion ------------------------------------------------------------------------------------------

    def enqueue_forced(self, entries: Iterable[ForcedTx]) -> None:
        """Hand over entries of the rollups' L1 forced-inclusion queues (``sequencer.forced``).

        Entries already processed (index below ``forced_heads``) or already handed over are ignored, so the whole
        queue may be handed over again after a restart. Each due entry (``enqueued_at`` ≤ the open shared batch's
        number) is executed first in the next batch of its rollup, in queue order: at the next submission that finds
        the open batch empty, at the close that made room, or at ``close_batch``.

        Raises
        ------
        MalformedTransaction, UnknownChain, UnknownAccount
            An entry's transaction is not a transfer, fails the shape checks (``check_tx``), or its ``chain`` is not
            ``tx.chain`` (the L1 refuses such entries at enqueue; nothing is queued).
        """
        entries = list(entries)
        for e in entries:
            if not isinstance(e.tx, Transfer):
                raise MalformedTransaction(
                    f"queue entry {e.index} of rollup {e.chain}: only transfers can be forced (a burn's or call's "
                    "action runs on another rollup, where its failure would have no proof on this one)"
                )
            check_tx(e.tx, self.shape)
            if e.chain != e.tx.chain or type(e.index) is not int or e.index < 0:
                raise MalformedTransaction(
                    f"queue entry {e.index} of rollup {e.chain} holds a tx of chain {e.tx.chain}"
                )
        with self._lock:
            for e in entries:
                pending = self._forced[e.chain]
                if e.index >= self.forced_heads[e.chain] and all(p.index != e.index for p in pending):
                    pending.append(e)
                    pending.sort(key=lambda p: p.index)

    @property
    def forced_pending(self) -> int:
        """Queue entries handed over and not processed yet (censored ones included)."""
        return sum(len(p) for p in self._forced)

    def process_forced(self, *, all_due: bool = False) -> None:
        """Execute the due queue entries now (``all_due``: every entry handed over, whatever its ``enqueued_at``),
        closing shared batches as they fill; the last batch stays open. Censored entries stay pending."""
        with self._lock:
            self._run_forced(self._writable(), all_due=all_due)

    def _run_forced(self, committer: GroupCommitter | None, *, all_due: bool = False) -> None:
        """Process due queue entries, each first in its rollup's batch, in queue order (lock held)."""
        if not any(self._forced):
            return
        progress = True
        while progress:
            progress = False
            for c, pending in enumerate(self._forced):
                while pending:
                    e = pending[0]
                    b = self._builder
                    due = all_due or e.enqueued_at <= b.batch_number
                    if not due or e.index != self.forced_heads[c] or (c, e.tx.sender) in self.censor:
                        break
                    if b.needs_room(e.tx):
                        if b.is_empty:  # cannot happen with capacity ≥ 1; guards an endless loop
                            raise RuntimeError(f"queue entry {e.index} of rollup {c} does not fit an empty batch")
                        self._close_now(committer, "full")
                        progress = True
                        break
                    self._forced_one(e, committer)
                    pending.pop(0)
                    progress = True
                    if self._builder.is_full:
                        self._close_now(committer, "full")

    def _forced_one(self, e: ForcedTx, committer: GroupCommitter | None) -> Receipt | Rejection:
        seq = self._next_seq
        tx = e.tx
        try:
            p = self._builder.execute(tx, forced=True)
        except ZksvsError as err:
            p = self._builder.reject_forced(tx, forced_reason(err, tx))
            result: Receipt | Rejection = Rejection(
                seq, None, tx, reason_of(err), str(err), e.index, (p.batch_number, p.chain, p.slot)
            )
        else:
            m = p.message
            result = Receipt(
                seq, None, tx, p.batch_number, p.chain, p.slot, p.mint_chain, p.mint_slot,
                None if m is None else m.message_nonce, e.index,
            )  # fmt: skip
        if committer is not None:
            committer.put(self._row(result), [], result)
        self._account(result, tx.chain if isinstance(result, Rejection) else None)
        self.forced_heads[e.chain] = e.index + 1
        self.forced_results.append(result)
        self._next_seq = seq + 1
        return result

    def _close_now(self, committer: GroupCommitter | None, trigger: str) -> None:
        """Close the open shared batch (not empty) after the last submission, queueing its row (lock held)."""
        batch = self._builder.close()
        if committer is not None:
            committer.put(None, [_batch_row(batch, trigger, self._next_seq - 1)])
        self._closed.append(batch)

    # --- reading ---------------------------------------------------------------------------------------------------

    @property
    def closed_batches(self) -> tuple[SharedBatch, ...]:
        """Every shared batch closed so far (replayed ones included), in order; with ``history=False`` only those
        ``pop_closed`` has not handed out yet."""
        with self._lock:
            return tuple(self._closed)

    def pop_closed(self) -> list[SharedBatch]:
        """Shared batches closed since the last call (on a reopened sequencer: since it was opened)."""
        with self._lock:
            out = self._closed[self._popped :]
            if self.history:
                self._popped = len(self._closed)
            else:
                self._closed.clear()
                self._popped = 0
            return out

    @property
    def batch_number(self) -> int:
        """Number of the open shared batch."""
        return self._builder.batch_number

    @property
    def n_pending(self) -> int:
        """Transactions in the open shared batch."""
        return self._builder.n_pending

    @property
    def next_seq(self) -> int:
        """The seq the next submission gets."""
        return self._next_seq

    def state_roots(self) -> tuple[int, ...]:
        """Current state root of every rollup, by chain_id (K Poseidon hashes)."""
        return tuple(r.state_root() for r in self.rollups)

    def account(self, chain: int, index: int) -> AccountState | None:
        """Account ``index`` on ``chain`` now, or None."""
        return self.rollups[chain].account(index)

    def total_supply(self) -> int:
        """Sum of every balance on every rollup (burns and mints move value, never create it)."""
        return sum(r.total_balance() for r in self.rollups)

    def accepted_txs(self) -> list[tuple[int, UserTx]]:
        """``(seq, tx)`` of every accepted transaction, in order (replayed ones included).

        With ``history=False`` they are read from the database once everything pending is committed.

        Raises
        ------
        RuntimeError
            ``history=False`` and no database.
        """
        if self.history:
            return list(self._accepted)
        if self._store is None:
            raise RuntimeError("accepted_txs() needs history=True or a database")
        self.flush()
        return [(seq, parse_tx(obj)) for seq, obj in self._store.accepted_txs()]

    def last_arrival(self) -> int | None:
        """Highest arrival key recorded in the database (None without one, or when nothing carried a key)."""
        return None if self._store is None else self._store.last_arrival()

    # --- internals -------------------------------------------------------------------------------------------------

    def _rejected_chain(self, result: Rejection) -> int | None:
        # a rejection counts on its transaction's chain when that is a rollup of the set
        c = None if result.tx is None else result.tx.chain
        return c if type(c) is int and 0 <= c < self.shape.n_rollups else None

    def _account(self, result: Receipt | Rejection, rejected_chain: int | None = None) -> None:
        if isinstance(result, Receipt):
            if self.history:
                self._accepted.append((result.seq, result.tx))
            for c in result.chains:
                self.included[c] += 1
        elif rejected_chain is not None:
            self.rejected[rejected_chain] += 1
        else:
            self.rejected_elsewhere += 1

    def _row(self, result: Receipt | Rejection) -> SubmissionRow:
        tx = None if result.tx is None else result.tx.to_obj()
        if isinstance(result, Rejection):
            batch_number, slot = (result.placement[0], result.placement[2]) if result.placement else (None, None)
            return SubmissionRow(
                result.seq,
                result.arrival,
                "rejected",
                tx,
                result.reason.value,
                result.message,
                batch_number,
                self._rejected_chain(result),
                slot,
                None,
                None,
                None,
                result.forced,
            )
        return SubmissionRow(
            result.seq,
            result.arrival,
            "accepted",
            tx,
            None,
            None,
            result.batch_number,
            result.chain,
            result.slot,
            result.mint_chain,
            result.mint_slot,
            None,  # roots are hashed at the batch close (its row records them), not per transaction
            result.forced,
        )

    def _replay(self) -> None:
        store = self._store
        batches = store.batches()
        b = 0
        for row, tx in self._replay_rows(store):
            while b < len(batches) and batches[b].after_seq < row.seq:
                self._replay_close(batches[b])
                b += 1
            if row.forced is not None:
                self._replay_forced(row)
            elif row.status == "accepted":
                try:
                    placement = self._builder.execute(tx, self._take_message(tx))
                except ZksvsError as e:
                    raise StoreMismatch(
                        f"{store.path}: accepted submission {row.seq} is rejected on replay: {e}"
                    ) from e
                got = (
                    placement.batch_number,
                    placement.chain,
                    placement.slot,
                    placement.mint_chain,
                    placement.mint_slot,
                )
                want = (row.batch_number, row.chain, row.slot, row.mint_chain, row.mint_slot)
                if got != want:
                    raise StoreMismatch(f"{store.path}: submission {row.seq} replays to {got}, recorded {want}")
                self._check_row_roots(row, store)
                m = placement.message
                result: Receipt | Rejection = Receipt(
                    row.seq,
                    row.arrival,
                    tx,
                    *got[:3],
                    placement.mint_chain,
                    placement.mint_slot,
                    None if m is None else m.message_nonce,
                )
                self._account(result)
            else:
                try:
                    tx = None if row.tx is None else parse_tx(row.tx)
                except MalformedTransaction:
                    tx = None  # e.g. a Transfer object built with amount 2^64: kept as JSON only
                self._account(Rejection(row.seq, row.arrival, tx, RejectReason(row.reason), row.message), row.chain)
            self._next_seq = row.seq + 1
        for batch in batches[b:]:
            self._replay_close(batch)
        if self.history:
            self._popped = len(self._closed)
        else:
            self._closed.clear()

    def _replay_rows(self, store: SequencerStore) -> Iterator[tuple[SubmissionRow, UserTx | None]]:
        """The recorded submissions in order, each accepted user transaction parsed; in a signed genesis their
        signatures are verified ahead, ``_REPLAY_CHUNK`` rows at a time, as ``zksvs sequence`` does with its lines."""
        rows = store.submissions()
        while chunk := list(islice(rows, _REPLAY_CHUNK)):
            txs = [parse_tx(r.tx) if r.forced is None and r.status == "accepted" else None for r in chunk]
            if self.signed:
                self.prefetch_signatures(tx for tx in txs if tx is not None)
            try:
                yield from zip(chunk, txs, strict=True)
            finally:
                self.discard_prefetched()

    def _check_row_roots(self, row: SubmissionRow, store: SequencerStore) -> None:
        """The roots an accepted submission row recorded (files written before roots were deferred; newer rows
        record none, their batch row has the state roots) against the replayed state; ``StoreMismatch`` if not."""
        for c, roots in (row.roots or {}).items():
            if self.rollups[c].roots() != roots:
                raise StoreMismatch(f"{store.path}: submission {row.seq} replays to other roots on chain {c}")

    def _replay_forced(self, row: SubmissionRow) -> None:
        """Re-execute a processed queue entry: it must give the recorded status, placement and roots."""
        tx = parse_tx(row.tx)
        result = self._forced_one(ForcedTx(tx.chain, row.forced, tx), None)
        if isinstance(result, Receipt):
            got = ("accepted", result.batch_number, result.chain, result.slot)
        else:
            got = ("rejected", *result.placement)
        want = (row.status, row.batch_number, row.chain, row.slot)
        if got != want:
            raise StoreMismatch(f"{self._store.path}: forced submission {row.seq} replays to {got}, recorded {want}")
        if isinstance(result, Receipt):
            self._check_row_roots(row, self._store)
        self._forced[tx.chain] = [p for p in self._forced[tx.chain] if p.index > row.forced]

    def _replay_close(self, row: BatchRow) -> None:
        batch = self._builder.close(allow_empty=True)
        if batch is None or batch.batch_number != row.batch_number:
            raise StoreMismatch(f"{self._store.path}: shared batch {row.batch_number} does not close on replay")
        if batch.new_state_roots() != row.new_state_roots or batch.old_state_roots() != row.old_state_roots:
            raise StoreMismatch(f"{self._store.path}: shared batch {row.batch_number} replays to other state roots")
        self._closed.append(batch)


def _weak_call(method):
    ref = weakref.WeakMethod(method)

    def call(*args) -> None:
        m = ref()
        if m is not None:
            m(*args)

    return call


def _shutdown(committer: GroupCommitter | None, store: SequencerStore | None) -> None:
    try:
        if committer is not None:
            committer.close()
    finally:
        if store is not None:
            store.close()


def _batch_row(batch: SharedBatch, trigger: str, after_seq: int) -> BatchRow:
    return BatchRow(batch.batch_number, after_seq, trigger, batch.old_state_roots(), batch.new_state_roots())


__all__ = ["Receipt", "Rejection", "Sequencer"]

"""The sequencer as the pipeline's producer: a thread that sequences while the driver proves and settles.

``SequencerThread`` submits the transactions one by one to a durable ``sequencer.Sequencer`` (created, used and
closed in its own thread: sqlite connections belong to the thread that opened them) with ``submit_nowait``, so
consecutive submissions share a group commit (one fsync for every submission that arrived while the previous one
flushed, instead of one each), and puts every shared batch into a bounded queue as soon as it closes and its rows
are durable (the thread waits for the commit of the submission that closed it), then closes the last one on
demand. The consumer (``batches()``) takes them in order. When the queue is full the sequencer waits: at most
``depth`` closed batches wait for the prover, so memory stays bounded however long the stream is (backpressure, as
a bounded channel gives). ``depth=0`` makes the queue unbounded (``--strict`` must see every transaction before
anything is proven).

Signatures can be verified ahead, ``prefetch`` transactions at a time, in one batch
(``Sequencer.prefetch_signatures``): ``run_pipeline`` reads a list ``PREFETCH`` at a time and any other source one
by one (a stream may wait on the pipeline itself).
The sequencer never waits for a proof: batch n + 1 is sequenced while batch n proves, and only a full queue slows
it down.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from sequencer import Genesis, PendingResult, Receipt, Rejection, Sequencer, SharedBatch, parse_tx
from sequencer.forced import ForcedTx
from zksvs.errors import MalformedTransaction
from zksvs.forced import DEFAULT_FORCED_DEADLINE

_END = object()
#: Submissions left pending (executed, not yet known durable) before the thread waits for their commits.
_RESOLVE_EVERY = 256
#: Transactions read ahead to verify their signatures in one batch (``Sequencer.prefetch_signatures``).
PREFETCH = 256


def _chunks(items: Iterable[tuple[int, object]], n: int) -> Iterator[list[tuple[int, object]]]:
    """``items`` in lists of up to ``n``, read lazily."""
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def _parsed(tx: object) -> object:
    """A JSONL-form dict parsed (``sequencer.parse_tx``; a malformed one becomes its error, which ``submit`` records
    as a rejection), anything else as is."""
    if not isinstance(tx, dict):
        return tx
    try:
        return parse_tx(tx)
    except MalformedTransaction as e:
        return e


class SequencerThread:
    """Sequence ``txs`` on ``genesis`` in a thread, handing closed shared batches to a bounded queue.

    Parameters
    ----------
    genesis : Genesis
    txs : iterable of (arrival, tx)
        Read lazily, in the thread (a generator may block, as a network stream would).
    db_path : path
        The sequencer's sqlite file (created; it must not exist).
    depth : int
        Closed shared batches that may wait for the consumer (0: no bound).
    prefetch : int
        Transactions read ahead to verify their signatures in one batch (``Sequencer.prefetch_signatures``); 1 (the
        default) reads one at a time, as a source that waits on the pipeline needs (``PREFETCH`` suits a list).
    forced : sequence of ForcedTx
        Entries of the L1's forced-inclusion queues, handed to the sequencer (``Sequencer.enqueue_forced``).
    censor : sequence of (chain, account)
        Senders whose queued transactions the sequencer censors (``Sequencer(censor=…)``).
    deadline : int
        T of the queue: with entries still pending at the end (censored), the sequencer keeps closing shared
        batches, of no-ops if need be, until the last of them is past its deadline.

    Attributes
    ----------
    results : list[Receipt | Rejection]
        Every submission's result, in order (complete after ``join``).
    forced_results : list[Receipt | Rejection]
        The forced transactions' results, in order (complete after ``join``).
    rejected_during : list[int]
        For each rejection, the shared batch open when it was processed.
    genesis_roots, final_roots : tuple[int, ...]
        State roots before the first and after the last transaction.
    busy_s : float
        Seconds the thread spent sequencing (not waiting on a full queue).
    n_batches : int
        Shared batches closed so far.
    closed_at : dict[int, float]
        ``time.perf_counter()`` when each shared batch closed (before it waited for room in the queue).
    """

    def __init__(
        self,
        genesis: Genesis,
        txs: Iterable[tuple[int, object]],
        db_path: Path,
        depth: int,
        prefetch: int = 1,
        *,
        forced: Sequence[ForcedTx] = (),
        censor: Sequence[tuple[int, int]] = (),
        deadline: int = DEFAULT_FORCED_DEADLINE,
    ) -> None:
        self.genesis = genesis
        self._forced = list(forced)
        self._censor = list(censor)
        self._deadline = deadline
        self.forced_results: list[Receipt | Rejection] = []
        self._txs = txs
        self._prefetch = max(1, prefetch)
        self._db_path = db_path
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.results: list[Receipt | Rejection] = []
        self.rejected_during: list[int] = []
        self.genesis_roots: tuple[int, ...] = ()
        self.final_roots: tuple[int, ...] = ()
        self.busy_s = 0.0
        self.n_batches = 0
        self.closed_at: dict[int, float] = {}
        self._thread = threading.Thread(target=self._run, name="zksvs-sequencer", daemon=True)

    def start(self) -> SequencerThread:
        """Start sequencing; returns once the sequencer is open (its genesis roots known) or has failed."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.join()
        return self

    def _run(self) -> None:
        seq: Sequencer | None = None
        t0 = time.perf_counter()
        try:
            seq = Sequencer(self.genesis, db_path=self._db_path, censor=self._censor)
            seq.enqueue_forced(self._forced)
            self.genesis_roots = seq.state_roots()
            self._ready.set()
            pending: list[tuple[PendingResult, int]] = []
            for chunk in _chunks(self._txs, self._prefetch):
                chunk = [(arrival, _parsed(tx)) for arrival, tx in chunk]
                seq.prefetch_signatures(tx for _, tx in chunk)  # a chunk's signatures at once (accel.babyjub)
                for arrival, tx in chunk:
                    if self._stop.is_set():
                        return
                    # executed now, committed by group commit; the batch open after it, for a rejection's record
                    pending.append((seq.submit_nowait(tx, arrival), seq.batch_number))
                    closed = seq.pop_closed()
                    if closed or len(pending) >= _RESOLVE_EVERY:
                        self._resolve(pending)  # a closed batch leaves only once its rows are durable
                    t0 = self._hand_over(closed, t0)
            self._resolve(pending)
            while seq.close_batch() is not None:  # queue entries that fall due as batches close
                t0 = self._hand_over(seq.pop_closed(), t0)
            # a censoring sequencer keeps producing batches: the L1 must refuse the one past the deadline
            waiting = [f for f in self._forced if f.index >= seq.forced_heads[f.chain]]
            last_chance = max((f.enqueued_at + self._deadline for f in waiting), default=-1)
            while waiting and seq.batch_number <= last_chance and not self._stop.is_set():
                seq.close_batch(allow_empty=True)
                t0 = self._hand_over(seq.pop_closed(), t0)
            self.forced_results = list(seq.forced_results)
            self.final_roots = seq.state_roots()
        except BaseException as e:  # handed to the consumer, which raises it in the driver's thread
            self._error = e
        finally:
            self.busy_s += time.perf_counter() - t0
            if seq is not None:
                seq.close()
            self._ready.set()
            self._put(_END)

    def _resolve(self, pending: list[tuple[PendingResult, int]]) -> None:
        """Wait for the pending submissions' commits (in order) and record their results; empties ``pending``."""
        for p, batch_number in pending:
            r = p.result()
            self.results.append(r)
            if isinstance(r, Rejection):
                self.rejected_during.append(batch_number)
        pending.clear()

    def _hand_over(self, batches: list[SharedBatch], t0: float) -> float:
        """Queue ``batches``; the time spent waiting for room does not count as sequencing."""
        for b in batches:
            self.closed_at[b.batch_number] = now = time.perf_counter()
            self.busy_s += now - t0
            self._put(b)
            self.n_batches += 1
            t0 = time.perf_counter()
        return t0

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def batches(self) -> Iterator[SharedBatch]:
        """The closed shared batches, in order, as they close; re-raises the sequencer's error at the end."""
        while True:
            item = self._queue.get()
            if item is _END:
                self.join()
                return
            yield item

    def join(self) -> None:
        """Wait for the thread to end; raise its error, if it had one."""
        self._thread.join()
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def stop(self, timeout: float = 30.0) -> None:
        """Make the thread stop after its current transaction and wait for it, at most ``timeout`` seconds (a
        transaction source that blocks keeps it; it is a daemon). Idempotent; its error, if any, is dropped."""
        self._stop.set()
        self._thread.join(timeout)

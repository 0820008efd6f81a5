"""The sequencer alone under load (``zksvs sequence``): a JSONL workload through a durable ``Sequencer``, no proving.

Each line is parsed (``sequencer.read_jsonl`` rules, in chunks so memory stays flat), submitted with
``Sequencer.submit_nowait`` (executed at once, committed by group commit) and its receipt counted when its group's
COMMIT returned. Receipt latency is the time from handing the line to the sequencer to that commit (execution,
queueing and the group's fsync); it goes into a log-bucket histogram (1 % resolution, fixed size). Closed shared
batches are dropped once made (``history=False``): nothing proves them here. A sampler thread reads the resident set
size (``/proc/self/statm``) every 0.2 s, so a run shows whether memory grows with the transactions.

Figures: ``txs_per_s`` (lines / wall seconds from the first submission to the last commit), ``txs_per_cpu_s``
(lines / CPU seconds of the whole process, every thread: the figure that is stable on a shared machine),
``txs_per_main_thread_cpu_s`` (lines / CPU seconds of the submitting thread alone: parsing, execution, hashing;
the rate the ordered path sustains with a core to itself while the group committer runs on another one),
``p50_ms``/``p99_ms``/``max_ms`` (receipt latency), ``store_cpu_us_per_tx`` (the group committer thread's CPU per
line: row encoding and sqlite) and ``store_busy_share`` (the share of the wall time it was committing, fsync
included), ``load_avg`` (the machine's 1-minute load at start and end).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sequencer import Genesis, Receipt, Rejection, Sequencer, read_jsonl
from zksvs.errors import InputError

#: Lines parsed per ``read_jsonl`` call.
CHUNK_LINES = 2048


class LatencyHistogram:
    """Latencies in seconds, in log buckets of ratio 1.01 from 1 µs (about 1,850 buckets up to 100 s).

    Quantiles are the upper edge of their bucket: within 1 % above the true value (fixed memory, any count).
    """

    _LOW = 1e-6
    _RATIO = 1.01

    def __init__(self, high: float = 100.0) -> None:
        self._log_ratio = math.log(self._RATIO)
        self._counts = [0] * (int(math.log(high / self._LOW) / self._log_ratio) + 2)
        self.n = 0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        """Count one latency (clamped to the histogram's range)."""
        i = 0 if seconds <= self._LOW else int(math.log(seconds / self._LOW) / self._log_ratio) + 1
        self._counts[min(i, len(self._counts) - 1)] += 1
        self.n += 1
        self.max = max(self.max, seconds)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0 < q ≤ 1) in seconds; 0.0 when empty."""
        if not self.n:
            return 0.0
        rank = max(1, math.ceil(q * self.n))
        seen = 0
        for i, c in enumerate(self._counts):
            seen += c
            if seen >= rank:
                return min(self.max, self._LOW * self._RATIO**i)
        return self.max


def rss_bytes() -> int | None:
    """Resident set size of this process now (Linux ``/proc/self/statm``), or None elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class RssSampler:
    """A thread sampling ``(progress(), rss_bytes())`` every ``period`` seconds until ``stop()``."""

    def __init__(self, progress: Callable[[], int], period: float = 0.2) -> None:
        self.samples: list[tuple[int, int]] = []
        self._progress = progress
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="zksvs-rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _sample(self) -> None:
        rss = rss_bytes()
        if rss is not None:
            self.samples.append((self._progress(), rss))

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            self._sample()


@dataclass
class SequenceReport:
    """The figures of one ``sequence_workload`` run (module docstring); ``to_json`` names them for ``--json``."""

    txs: int
    accepted: int
    rejected: int
    rejected_by_reason: dict[str, int]
    shared_batches: int
    wall_s: float
    cpu_s: float
    main_cpu_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    commit_groups: int
    store_cpu_s: float
    store_busy_s: float
    state_roots: tuple[int, ...]
    db_path: str
    load_avg: tuple[float, float]
    rss_samples: list[tuple[int, int]] = field(default_factory=list)

    @property
    def txs_per_s(self) -> float:
        """Lines per wall-clock second."""
        return self.txs / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def txs_per_cpu_s(self) -> float:
        """Lines per CPU second of the process (all threads)."""
        return self.txs / self.cpu_s if self.cpu_s > 0 else 0.0

    @property
    def txs_per_main_thread_cpu_s(self) -> float:
        """Lines per CPU second of the submitting thread (the ordered path)."""
        return self.txs / self.main_cpu_s if self.main_cpu_s > 0 else 0.0

    @property
    def mean_group(self) -> float:
        """Mean submissions per commit (group commit's batching)."""
        return self.txs / self.commit_groups if self.commit_groups else 0.0

    def to_json(self) -> dict:
        """The report as JSON (roots as decimal strings, RSS in MiB)."""
        mib = [(n, round(r / 2**20, 1)) for n, r in self.rss_samples]
        return {
            "txs": self.txs,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "shared_batches": self.shared_batches,
            "txs_per_s": round(self.txs_per_s, 1),
            "txs_per_cpu_s": round(self.txs_per_cpu_s, 1),
            "txs_per_main_thread_cpu_s": round(self.txs_per_main_thread_cpu_s, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "commit_groups": self.commit_groups,
            "mean_group": round(self.mean_group, 1),
            "store_cpu_us_per_tx": round(self.store_cpu_s / self.txs * 1e6, 1) if self.txs else 0.0,
            "store_busy_share": round(self.store_busy_s / self.wall_s, 3) if self.wall_s > 0 else 0.0,
            "load_avg": list(self.load_avg),
            "rss_mib": {"first": mib[0][1], "last": mib[-1][1], "peak": max(r for _, r in mib)} if mib else None,
            "rss_samples_mib": mib,
            "state_roots": [str(r) for r in self.state_roots],
            "db": self.db_path,
        }


def _chunks(path: str | os.PathLike) -> Iterator[tuple[int, list[str]]]:
    """``(line number before the chunk, lines)`` of a text file, ``CHUNK_LINES`` at a time."""
    with open(path, encoding="utf-8") as f:
        base, lines = 0, []
        for line in f:
            lines.append(line.rstrip("\n"))
            if len(lines) == CHUNK_LINES:
                yield base, lines
                base, lines = base + len(lines), []
        if lines:
            yield base, lines


def sequence_workload(
    genesis: Genesis,
    txs_path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> SequenceReport:
    """Run ``txs_path`` through a fresh durable sequencer at ``out/sequencer.sqlite`` and measure it.

    Parameters
    ----------
    genesis : Genesis
        The shared set.
    txs_path : path
        JSONL, one transaction a line (DESIGN.md §9); a bad line is a ``malformed`` rejection, the others go on.
    out : path
        Folder (created) for ``sequencer.sqlite``.
    on_chunk : callable, optional
        Called with the number of lines submitted so far after each chunk (progress display).

    Returns
    -------
    SequenceReport

    Raises
    ------
    InputError
        ``out/sequencer.sqlite`` exists (this command starts from genesis; resume with ``python -m sequencer``).
    StoreFailure
        The database could not commit.
    OSError
        A file cannot be read or written.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "sequencer.sqlite"
    if db.exists():
        raise InputError(f"{db} exists: 'zksvs sequence' starts from genesis; remove it or choose another --out")
    hist = LatencyHistogram()
    submitted_at: dict[int, float] = {}
    reasons: dict[str, int] = {}
    counts = [0, 0]  # accepted, rejected (durable)

    def on_durable(results: list[Receipt | Rejection], t: float) -> None:
        for r in results:
            hist.add(t - submitted_at.pop(r.seq))
            if isinstance(r, Receipt):
                counts[0] += 1
            else:
                counts[1] += 1
                reasons[r.reason.value] = reasons.get(r.reason.value, 0) + 1

    load0 = os.getloadavg()[0]
    seq = Sequencer(genesis, db, history=False, on_durable=on_durable)
    try:
        with RssSampler(lambda: seq.next_seq) as rss:
            t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
            for base, lines in _chunks(txs_path):
                items = read_jsonl(lines, hash_rows=seq.hash_rows)  # swap orders' messages in one native call
                if seq.signed:  # the chunk's signatures in one batch (accel.babyjub), before any is executed
                    seq.prefetch_signatures(tx for _, tx in items)
                for n, tx in items:
                    submitted_at[seq.next_seq] = time.perf_counter()
                    seq.submit_nowait(tx, arrival=base + n)
                seq.discard_prefetched()
                seq.pop_closed()  # nothing proves them here: drop them
                if on_chunk is not None:
                    on_chunk(seq.next_seq)
            seq.close_batch()
            main_cpu = time.thread_time() - m0
            seq.flush()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        stats = seq.commit_stats
        roots = seq.state_roots()
        n_batches = seq.batch_number
        n_txs = seq.next_seq
    finally:
        seq.close()
    return SequenceReport(
        txs=n_txs,
        accepted=counts[0],
        rejected=counts[1],
        rejected_by_reason=reasons,
        shared_batches=n_batches,
        wall_s=wall,
        cpu_s=cpu,
        main_cpu_s=main_cpu,
        p50_ms=hist.quantile(0.5) * 1e3,
        p99_ms=hist.quantile(0.99) * 1e3,
        max_ms=hist.max * 1e3,
        commit_groups=stats.groups,
        store_cpu_s=stats.cpu_s,
        store_busy_s=stats.busy_s,
        state_roots=roots,
        db_path=str(db),
        load_avg=(load0, os.getloadavg()[0]),
        rss_samples=rss.samples,
    )

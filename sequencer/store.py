"""sqlite3 persistence of the sequencer: every submission (accepted or rejected) and every closed shared batch.

One file per sequencer, WAL journal, ``synchronous=FULL``: a submission's row is committed before its receipt or
rejection is returned, so a receipt once seen survives a crash (SIGKILL, and power loss too). Tables:

- ``meta(key, value)``: ``schema``, ``genesis_digest`` and ``genesis`` (the JSON), so a restart can refuse a file
  made from another genesis and can rebuild without the genesis file;
- ``submissions(seq, arrival, status, tx, reason, message, batch_number, chain, slot, mint_chain, mint_slot,
  roots)``: ``tx`` is the JSONL object (NULL for an unparseable line); ``roots`` (accepted only) maps each touched
  chain to its ``[accounts_root, bridge_root]`` after the transaction, checked during replay;
- ``batches(batch_number, after_seq, trigger, old_state_roots, new_state_roots)``: the shared batch closed after
  submission ``after_seq`` (before ``after_seq + 1``); ``trigger`` is ``full``, ``room`` or ``demand``.

Roots (≥ 2^63) are stored as decimal strings inside JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from zksvs.errors import FormatError

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY,
    arrival INTEGER,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    tx TEXT,
    reason TEXT,
    message TEXT,
    batch_number INTEGER,
    chain INTEGER,
    slot INTEGER,
    mint_chain INTEGER,
    mint_slot INTEGER,
    roots TEXT
);
CREATE TABLE IF NOT EXISTS batches (
    batch_number INTEGER PRIMARY KEY,
    after_seq INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    old_state_roots TEXT NOT NULL,
    new_state_roots TEXT NOT NULL
);
"""


class StoreMismatch(FormatError):
    """A sequencer database does not belong to this genesis, or replaying it does not give the roots it recorded."""


@dataclass(frozen=True)
class SubmissionRow:
    """One row of ``submissions`` (see the module docstring)."""

    seq: int
    arrival: int | None
    status: str
    tx: dict | None
    reason: str | None
    message: str | None
    batch_number: int | None
    chain: int | None
    slot: int | None
    mint_chain: int | None
    mint_slot: int | None
    roots: dict[int, tuple[int, int]] | None


@dataclass(frozen=True)
class BatchRow:
    """One row of ``batches``."""

    batch_number: int
    after_seq: int
    trigger: str
    old_state_roots: tuple[int, ...]
    new_state_roots: tuple[int, ...]


def _roots_json(roots: Sequence[int]) -> str:
    return json.dumps([str(r) for r in roots])


class SequencerStore:
    """The sqlite3 file of one sequencer.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created if missing).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._in_tx = False

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one committed transaction (``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on error)."""
        if self._in_tx:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_tx = False

    # --- meta ------------------------------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """Value of ``key`` in ``meta``, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def bind_genesis(self, digest: str, genesis_json: str) -> None:
        """Record the genesis of a new file, or check that an existing file has this one.

        Raises
        ------
        StoreMismatch
            The file was made for another genesis (digest differs) or another schema version.
        """
        have = self.meta("genesis_digest")
        if have is None:
            with self.transaction():
                self._db.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [("schema", SCHEMA_VERSION), ("genesis_digest", digest), ("genesis", genesis_json)],
                )
            return
        if self.meta("schema") != SCHEMA_VERSION:
            raise StoreMismatch(f"{self.path}: schema version {self.meta('schema')!r}, expected {SCHEMA_VERSION!r}")
        if have != digest:
            raise StoreMismatch(
                f"{self.path} belongs to another genesis: its digest is {have[:16]}…, this genesis is {digest[:16]}…"
            )

    # --- writes ----------------------------------------------------------------------------------------------------

    def add_submission(self, row: SubmissionRow) -> None:
        """Insert one submission (inside ``transaction()`` or committed on its own)."""
        roots = None if row.roots is None else json.dumps({str(c): [str(a), str(b)] for c, (a, b) in row.roots.items()})
        with self.transaction():
            self._db.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.seq,
                    row.arrival,
                    row.status,
                    None if row.tx is None else json.dumps(row.tx, sort_keys=True),
                    row.reason,
                    row.message,
                    row.batch_number,
                    row.chain,
                    row.slot,
                    row.mint_chain,
                    row.mint_slot,
                    roots,
                ),
            )

    def add_batch(self, row: BatchRow) -> None:
        """Insert one closed shared batch."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
                (
                    row.batch_number,
                    row.after_seq,
                    row.trigger,
                    _roots_json(row.old_state_roots),
                    _roots_json(row.new_state_roots),
                ),
            )

    # --- reads -----------------------------------------------------------------------------------------------------

    def submissions(self, status: str | None = None) -> Iterator[SubmissionRow]:
        """Submissions in seq order (all, or only ``'accepted'`` / ``'rejected'``)."""
        q = "SELECT * FROM submissions" + (" WHERE status = ?" if status else "") + " ORDER BY seq"
        for r in self._db.execute(q, (status,) if status else ()):
            roots = None if r[11] is None else {int(c): (int(a), int(b)) for c, (a, b) in json.loads(r[11]).items()}
            yield SubmissionRow(r[0], r[1], r[2], None if r[3] is None else json.loads(r[3]), *r[4:11], roots)

    def batches(self) -> list[BatchRow]:
        """Closed shared batches in order."""
        rows = self._db.execute("SELECT * FROM batches ORDER BY batch_number").fetchall()
        return [
            BatchRow(n, after, trig, tuple(int(x) for x in json.loads(old)), tuple(int(x) for x in json.loads(new)))
            for n, after, trig, old, new in rows
        ]

    def last_seq(self) -> int:
        """Highest submission seq, -1 when empty."""
        return self._db.execute("SELECT COALESCE(MAX(seq), -1) FROM submissions").fetchone()[0]

    def last_arrival(self) -> int | None:
        """Highest arrival key recorded, or None."""
        return self._db.execute("SELECT MAX(arrival) FROM submissions").fetchone()[0]

    def accepted_txs(self) -> list[tuple[int, dict]]:
        """``(seq, tx object)`` of every accepted transaction, in order."""
        return [(r.seq, r.tx) for r in self.submissions("accepted")]

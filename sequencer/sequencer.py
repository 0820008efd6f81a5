"""The ``Sequencer`` facade: submit transactions, get receipts or rejections, take closed shared batches.

Policy: submissions are executed in the order they are submitted (``sequencer.ordering`` sorts a group that
arrived together first: ``submit_many``); a shared batch closes as soon as any rollup's batch is full (so every
rollup has a free slot before each transaction, and a burn always fits), or on demand (``close_batch``).

Persistence (``sequencer.store``): with a ``db_path``, each submission is committed, together with any shared batch
its execution closed, before ``submit`` returns; ``close_batch`` commits its batch before returning it. Opening an
existing file replays its accepted transactions and its batch closes in their recorded places, checks every
recorded root on the way (``StoreMismatch`` otherwise) and resumes the numbering, so a restart after a crash has
the same state roots and has lost no transaction whose receipt was returned.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from sequencer.batch import Placement, SharedBatch, SharedBatchBuilder
from sequencer.execute import check_tx, reason_of
from sequencer.genesis import Genesis, genesis_from_obj
from sequencer.ordering import in_arrival_order
from sequencer.rollup import RollupState
from sequencer.signatures import SignatureCache
from sequencer.store import BatchRow, SequencerStore, StoreMismatch, SubmissionRow
from sequencer.tx import RejectReason, UserTx, parse_tx
from zksvs.errors import MalformedTransaction, ZksvsError
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
    """

    seq: int
    arrival: int | None
    tx: UserTx | None
    reason: RejectReason
    message: str

    def to_obj(self) -> dict:
        """JSON form."""
        return {
            "status": "rejected",
            "seq": self.seq,
            "arrival": self.arrival,
            "reason": self.reason.value,
            "message": self.message,
            "tx": None if self.tx is None else self.tx.to_obj(),
        }


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

    Raises
    ------
    StoreMismatch
        ``db_path`` belongs to another genesis, or replaying it does not reproduce its recorded roots.
    """

    def __init__(self, genesis: Genesis, db_path: str | os.PathLike | None = None) -> None:
        self.genesis = genesis
        self.shape = genesis.shape
        k = self.shape.n_rollups
        self.rollups = [RollupState(c, self.shape, genesis.accounts[c]) for c in range(k)]
        #: True when signatures are checked (a signed genesis).
        self.signed = genesis.signed
        #: The signature verifier, with its verdicts prefetched in batches (``submit_many``).
        self.signatures = SignatureCache()
        self._builder = SharedBatchBuilder(self.shape, self.rollups, signed=self.signed, verify=self.signatures)
        self._messages: dict[int, int] = {}
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
        self._store: SequencerStore | None = None
        if db_path is not None:
            self._store = SequencerStore(db_path)
            self._store.bind_genesis(genesis.digest(), json.dumps(genesis.to_obj(), sort_keys=True))
            self._replay()

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
        """Close the database (the in-memory state stays readable)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    # --- submitting ------------------------------------------------------------------------------------------------

    def submit(self, tx: UserTx | dict | MalformedTransaction, arrival: int | None = None) -> Receipt | Rejection:
        """Order and execute one transaction (a trigger with its action, atomically).

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
        """
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
                    closes.append((self._builder.close(), "room", seq - 1))
                placement = self._builder.execute(tx, self._messages.pop(id(tx), None))
            except ZksvsError as e:
                error = e
            if placement is not None and self._builder.is_full:
                closes.append((self._builder.close(), "full", seq))
        if error is not None:
            result: Receipt | Rejection = Rejection(seq, arrival, tx, reason_of(error), str(error))
        else:
            m = placement.message
            result = Receipt(
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
        if self._store is not None:
            with self._store.transaction():
                self._store.add_submission(self._row(result))
                for batch, trigger, after in closes:
                    self._store.add_batch(_batch_row(batch, trigger, after))
        self._account(result, self._rejected_chain(result) if isinstance(result, Rejection) else None)
        self._closed.extend(b for b, _, _ in closes)
        self._next_seq = seq + 1
        return result

    def submit_many(self, items: Iterable[tuple[int, UserTx | MalformedTransaction]]) -> list[Receipt | Rejection]:
        """Submit ``(arrival, tx)`` pairs in the global order of ``sequencer.ordering`` (ties broken there).

        In a signed genesis the group's signatures are verified first, in batches (``prefetch_signatures``).
        """
        ordered = in_arrival_order(items)
        if self.signed:
            self.prefetch_signatures([tx for _, tx in ordered])
        try:
            return [self.submit(tx, arrival) for arrival, tx in ordered]
        finally:
            self._messages.clear()
            self.signatures.clear()

    def prefetch_signatures(self, txs: Iterable[object]) -> None:
        """Verify, in one batch (``sequencer.signatures``), the signatures of the transactions in ``txs`` whose sender
        exists now; ``submit`` then takes their verdicts (and messages) from the cache. Anything that is not a
        well-formed signed transaction is left for ``submit`` to reject."""
        items = []
        for tx in txs:
            if getattr(tx, "signature", None) is None:
                continue
            try:
                check_tx(tx, self.shape)
                acc = self.rollups[tx.chain].account(tx.sender)
                if acc is None:
                    continue
                msg = tx.fields().message()
            except ZksvsError:
                continue
            self._messages[id(tx)] = msg
            items.append((msg, tx.signature, (acc.pubkey_x, acc.pubkey_y)))
        self.signatures.prefetch(items)

    def close_batch(self) -> SharedBatch | None:
        """Close the open shared batch now (None when no transaction is pending); committed before it returns."""
        batch = self._builder.close()
        if batch is None:
            return None
        if self._store is not None:
            self._store.add_batch(_batch_row(batch, "demand", self._next_seq - 1))
        self._closed.append(batch)
        return batch

    # --- reading ---------------------------------------------------------------------------------------------------

    @property
    def closed_batches(self) -> tuple[SharedBatch, ...]:
        """Every shared batch closed so far (replayed ones included), in order."""
        return tuple(self._closed)

    def pop_closed(self) -> list[SharedBatch]:
        """Shared batches closed since the last call (on a reopened sequencer: since it was opened)."""
        out = self._closed[self._popped :]
        self._popped = len(self._closed)
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
        """``(seq, tx)`` of every accepted transaction, in order (replayed ones included)."""
        return list(self._accepted)

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
            return SubmissionRow(
                result.seq,
                result.arrival,
                "rejected",
                tx,
                result.reason.value,
                result.message,
                None,
                self._rejected_chain(result),
                None,
                None,
                None,
                None,
            )
        roots = {c: self.rollups[c].roots() for c in result.chains}
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
            roots,
        )

    def _replay(self) -> None:
        store = self._store
        batches = store.batches()
        b = 0
        for row in store.submissions():
            while b < len(batches) and batches[b].after_seq < row.seq:
                self._replay_close(batches[b])
                b += 1
            if row.status == "accepted":
                tx = parse_tx(row.tx)
                try:
                    placement = self._builder.execute(tx)
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
                for c, roots in row.roots.items():
                    if self.rollups[c].roots() != roots:
                        raise StoreMismatch(f"{store.path}: submission {row.seq} replays to other roots on chain {c}")
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
        self._popped = len(self._closed)

    def _replay_close(self, row: BatchRow) -> None:
        batch = self._builder.close()
        if batch is None or batch.batch_number != row.batch_number:
            raise StoreMismatch(f"{self._store.path}: shared batch {row.batch_number} does not close on replay")
        if batch.new_state_roots() != row.new_state_roots or batch.old_state_roots() != row.old_state_roots:
            raise StoreMismatch(f"{self._store.path}: shared batch {row.batch_number} replays to other state roots")
        self._closed.append(batch)


def _batch_row(batch: SharedBatch, trigger: str, after_seq: int) -> BatchRow:
    return BatchRow(batch.batch_number, after_seq, trigger, batch.old_state_roots(), batch.new_state_roots())


__all__ = ["Receipt", "Rejection", "Sequencer"]

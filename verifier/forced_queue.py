"""The L1's forced-inclusion queue (issue 10 §3; docs/protocol.md, "Forced inclusion").

Anyone can ``enqueue`` a signed user transaction for a rollup. Per rollup the L1 keeps, for each queued
transaction, its entry hash (``zksvs.forced.entry_hash`` of ``entry_words``: Keccak-256 of the eight slot words its
forced slot must carry, the signature included, reason byte 0), the batch number at which it was enqueued and the
transaction itself as calldata (what the sequencer reads); and the head: how many entries settled batches have
processed.

At settlement (``check_batch``, the check named ``forced_inclusion``), the slots of a rollup's batch marked
``forced`` are the queue entries it claims to process, in slot order, from the head: the i-th forced slot's words,
reason byte masked (``zksvs.forced.mask_reason``; the circuit proves the reason), must hash to entry head + i. So a
batch that claims more entries than are queued, skips or reorders one, changes a field, or carries another
signature than the queued one (the circuit's verifier checks the committed one) is refused; then every entry still
unprocessed after this batch must not be overdue: enqueued at batch e, it is overdue at batch n when
e + T ≤ n (T = ``deadline``, a registered parameter). Nothing changes unless the whole shared batch is accepted
(``advance``).

``enqueue`` never raises on its input: it returns an ``EnqueueResult`` naming the rule a transaction breaks, as a
contract reverts with a named error. It refuses what no batch could process or prove rejected: a transaction of
another rollup, of an unknown kind, or that is not a transfer (a burn's or call's action runs on another rollup: if
it failed there, this rollup's batch proof could not show why; ``TRANSFERS_ONLY``), a named recipient key that
cannot sign, fields outside their ranges (account indices ≥ 2^D, amounts ≥ 2^64, a peer chain outside [0, K)
or equal to its own, a program of the wrong kind, a COND cap ≥ 2^64, a non-canonical payload or key), and a
signature that is missing or malformed (R8 not on Baby Jubjub, S ≥ the subgroup order: cheap to check on L1, and
never valid, so a batch would have to prove a rejection the verifier gadget cannot express).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from zksvs import babyjub as bj
from zksvs.eddsa import Signature
from zksvs.errors import InputError, SettlementRejected
from zksvs.field import FR_MODULUS
from zksvs.forced import DEFAULT_FORCED_DEADLINE, entry_hash, entry_words, mask_reason
from zksvs.rollup_state import U64_MAX
from zksvs.statement import SlotData, pack_slot
from zksvs.tx_message import Program, TxFields, TxKind

__all__ = ["EnqueueResult", "ForcedQueue", "QueueEntry"]

#: The check name of every refusal at settlement.
CHECK = "forced_inclusion"


#: Only transfers are queued (module docstring): every way a queued transfer can fail on its own rollup is a fact
#: about leaves its batch reads.
TRANSFERS_ONLY = True


def _usable(key: tuple[int, int]) -> bool:
    return all(type(v) is int for v in key) and bj.is_on_curve(key) and bj.mul_cofactor(key) != bj.IDENTITY


class _Refused(Exception):
    """An enqueue refusal: the rule (``check``) and a detail."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check, self.detail = check, detail


@dataclass(frozen=True)
class QueueEntry:
    """One queued transaction: its entry hash (``zksvs.forced.entry_hash``), the L1 batch number at enqueue, and its
    calldata (the signed transaction's JSON object, what the sequencer reads)."""

    entry_hash: int
    enqueued_at: int
    calldata: dict | None = None


@dataclass(frozen=True)
class EnqueueResult:
    """``accepted`` with the entry's queue ``index``, or the rule broken (``failed_check``) and a detail."""

    accepted: bool
    chain_id: int | None
    index: int | None = None
    failed_check: str | None = None
    detail: str = ""

    def to_json(self) -> dict:
        """JSON form."""
        return {
            "accepted": self.accepted,
            "chain_id": self.chain_id,
            "index": self.index,
            "failed_check": self.failed_check,
            "detail": self.detail,
        }


@dataclass
class ForcedQueue:
    """The forced-inclusion queues of a shared set of ``n_rollups`` rollups of account depth ``account_depth``.

    Attributes
    ----------
    n_rollups, account_depth : int
        K and D (what ``enqueue`` checks a transaction against).
    deadline : int
        T: an entry enqueued at batch e must be processed by shared batch e + T.
    entries : list[list[QueueEntry]]
        Per rollup, in queue order.
    heads : list[int]
        Per rollup, entries processed by settled batches.
    """

    n_rollups: int
    account_depth: int
    deadline: int = DEFAULT_FORCED_DEADLINE
    entries: list[list[QueueEntry]] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        k = self.n_rollups
        if not self.entries:
            self.entries = [[] for _ in range(k)]
            self.heads = [0] * k
        if type(self.deadline) is not int or self.deadline < 1:
            raise ValueError(f"the forced-inclusion deadline T is a positive int, not {self.deadline!r}")

    # --- enqueue ---------------------------------------------------------------------------------------------------

    def enqueue(
        self,
        chain_id: object,
        fields: object,
        signature: object,
        batch_number: int,
        calldata: dict | None = None,
    ) -> EnqueueResult:
        """Queue a signed user transaction for rollup ``chain_id`` at L1 batch number ``batch_number``.

        Parameters
        ----------
        chain_id : int
            The rollup.
        fields : TxFields
            The transaction's signed fields (``zksvs.tx_message``).
        signature : Signature
            Its signature (well formed: checked here; valid or not: the sequencer's business, and a batch may
            reject it as ``bad_signature``).
        batch_number : int
            The L1's shared-batch number now (the entry is due from it).
        calldata : dict, optional
            The signed transaction's JSON object, kept with the entry.

        Returns
        -------
        EnqueueResult
            Accepted with its index, or refused naming the rule (``rollup``, ``transaction``, ``signature``).
        """
        c = chain_id if type(chain_id) is int else None
        if c is None or not 0 <= c < self.n_rollups:
            detail = f"no rollup {chain_id!r} in [0, {self.n_rollups})"
            return EnqueueResult(False, c, failed_check="rollup", detail=detail)
        try:
            self._check_tx(c, fields)
            self._check_signature(signature)
        except _Refused as e:
            return EnqueueResult(False, c, failed_check=e.check, detail=e.detail)
        index = len(self.entries[c])
        self.entries[c].append(QueueEntry(entry_hash(entry_words(fields, signature)), batch_number, calldata))
        return EnqueueResult(True, c, index)

    def _check_tx(self, c: int, f: object) -> None:
        """Return if ``f`` can be queued for rollup ``c``, else raise ``_Refused``."""
        if not isinstance(f, TxFields):
            raise _Refused("transaction", f"not a transaction's signed fields: {type(f).__name__}")
        n_accounts = 1 << self.account_depth
        rules = [
            (f.chain == c, f"the transaction runs on chain {f.chain!r}, not on rollup {c}"),
            (f.kind in tuple(TxKind), f"kind {f.kind!r} is not a user transaction's"),
            (
                f.kind == TxKind.TRANSFER or not TRANSFERS_ONLY,
                "only transfers can be forced: a burn's or call's action runs on another rollup, whose failure "
                "this rollup's batch proof cannot show (docs/protocol.md, 'Forced inclusion')",
            ),
            (
                f.recipient_pubkey == (0, 0) or _usable(f.recipient_pubkey),
                "to_pubkey must be a key that can sign (on Baby Jubjub, not of small order)",
            ),
            (type(f.sender) is int and 0 <= f.sender < n_accounts, f"from {f.sender!r} is not in [0, {n_accounts})"),
            (
                type(f.recipient) is int and 0 <= f.recipient < n_accounts,
                f"to {f.recipient!r} is not in [0, {n_accounts})",
            ),
            (type(f.amount) is int and 0 <= f.amount <= U64_MAX, f"amount {f.amount!r} is not a u64"),
            (type(f.nonce) is int and 0 <= f.nonce <= U64_MAX, f"nonce {f.nonce!r} is not a u64"),
            (
                all(type(v) is int and 0 <= v < FR_MODULUS for v in (f.payload, *f.recipient_pubkey)),
                "payload and to_pubkey must be field elements",
            ),
        ]
        if f.kind == TxKind.TRANSFER:
            rules.append((f.to_chain == c and f.payload == 0, "a transfer stays on its chain and has no payload"))
        else:
            rules.append(
                (
                    type(f.to_chain) is int and 0 <= f.to_chain < self.n_rollups and f.to_chain != c,
                    f"to_chain {f.to_chain!r} must be another rollup of [0, {self.n_rollups})",
                )
            )
            if f.kind == TxKind.BURN:
                rules.append((f.payload == 0, "a burn has payload 0"))
            if f.program == Program.COND:
                rules.append((f.payload <= U64_MAX, f"a COND's cap {f.payload} is not a u64"))
        for ok, detail in rules:
            if not ok:
                raise _Refused("transaction", detail)

    @staticmethod
    def _check_signature(sig: object) -> None:
        if not isinstance(sig, Signature):
            raise _Refused("signature", f"a queued transaction must be signed (not {type(sig).__name__})")
        if not bj.is_on_curve(sig.r8):
            raise _Refused("signature", f"signature R8 {sig.r8} is not on Baby Jubjub")
        if sig.s >= bj.SUBORDER:
            raise _Refused("signature", "signature S is not below the subgroup order")

    # --- settlement --------------------------------------------------------------------------------------------------

    def check_batch(self, chain_id: int, batch_data: Sequence[SlotData], batch_number: int) -> int:
        """The ``forced_inclusion`` check of one rollup's batch (module docstring); returns the head after it.

        ``batch_data`` has passed ``zksvs.statement.check_slot_data`` (the ``batch_data`` check runs first).

        Raises
        ------
        SettlementRejected
            check ``forced_inclusion``: more forced slots than unprocessed entries, a forced slot that is not the
            next entry (its words, reason masked, do not hash to that entry's hash: another transaction, another
            signature, or out of order), or an overdue entry left unprocessed.
        """
        c = chain_id
        head, entries = self.heads[c], self.entries[c]
        forced = [(k, s) for k, s in enumerate(batch_data) if s.forced]
        if head + len(forced) > len(entries):
            raise SettlementRejected(
                CHECK, c, f"the batch claims {len(forced)} queue entries; only {len(entries) - head} are unprocessed"
            )
        for i, (k, slot) in enumerate(forced):
            w = pack_slot(slot)
            if entry_hash((mask_reason(w[0]), *w[1:])) != entries[head + i].entry_hash:
                raise SettlementRejected(
                    CHECK,
                    c,
                    f"slot {k} claims queue entry {head + i}, but its transaction or signature is not that entry's",
                )
        new_head = head + len(forced)
        if new_head < len(entries):
            e = entries[new_head].enqueued_at
            if e + self.deadline <= batch_number:
                raise SettlementRejected(
                    CHECK,
                    c,
                    f"queue entry {new_head} (enqueued at batch {e}) is still unprocessed after batch {batch_number}; "
                    f"its deadline was batch {e + self.deadline} (T = {self.deadline})",
                )
        return new_head

    def advance(self, heads: dict[int, int]) -> None:
        """Move the heads after an accepted shared batch."""
        for c, h in heads.items():
            self.heads[c] = h

    def unprocessed(self, chain_id: int) -> list[tuple[int, QueueEntry]]:
        """``(index, entry)`` of every entry of ``chain_id`` not processed by a settled batch."""
        return list(enumerate(self.entries[chain_id]))[self.heads[chain_id] :]

    # --- persistence -------------------------------------------------------------------------------------------------

    def to_obj(self) -> dict:
        """JSON form (field elements as decimal strings); ``from_obj`` reads it back."""
        return {
            "n_rollups": self.n_rollups,
            "account_depth": self.account_depth,
            "deadline": self.deadline,
            "queues": [
                {
                    "head": self.heads[c],
                    "entries": [
                        {"entry_hash": f"0x{e.entry_hash:064x}", "enqueued_at": e.enqueued_at, "tx": e.calldata}
                        for e in self.entries[c]
                    ],
                }
                for c in range(self.n_rollups)
            ],
        }

    @classmethod
    def from_obj(cls, obj: dict) -> ForcedQueue:
        """Inverse of ``to_obj``.

        Raises
        ------
        InputError
            ``obj`` is not that form.
        """
        try:
            q = cls(int(obj["n_rollups"]), int(obj["account_depth"]), int(obj["deadline"]))
            if len(obj["queues"]) != q.n_rollups:
                raise ValueError(f"{len(obj['queues'])} queues for {q.n_rollups} rollups")
            for c, qc in enumerate(obj["queues"]):
                for e in qc["entries"]:
                    h = e["entry_hash"]
                    if type(h) is not str or not h.startswith("0x") or len(h) != 66:
                        raise ValueError(f"entry_hash {h!r} is not a 0x-prefixed 32-byte hex word")
                    q.entries[c].append(QueueEntry(int(h, 16), int(e["enqueued_at"]), e.get("tx")))
                head = int(qc["head"])
                if not 0 <= head <= len(q.entries[c]):
                    raise ValueError(f"head {head} outside the queue of rollup {c}")
                q.heads[c] = head
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"not a forced-inclusion queue: {e}") from None
        return q

"""Forced inclusion (issue 10 §3), defined once for the sequencer, the circuits and the L1: the queue hash chain,
the rejection codes a forced slot commits to, and the transaction message a user slot carries.

Anyone can enqueue a signed user transaction for rollup c on the L1 (``verifier.forced_queue``). The L1 keeps, per
rollup, the queue's transaction messages h_1, h_2, … (``zksvs.tx_message``: the hash the signature signs) and the
running hash chain

    Q_0 = 0,   Q_i = Poseidon(Q_{i−1}, h_i)          (``queue_step``)

with the L1 batch number at which each entry was enqueued. The sequencer must process every entry within T shared
batches (docs/protocol.md, "Forced inclusion"): it executes it first in the next batch of its rollup, as a normal
transaction, and marks its slot ``forced``; if the transaction fails, the slot is a **forced rejection**: it keeps
the transaction's fields (so the L1 can recompute its message), changes no root, and commits the reason code
(``ForcedReason``). Processed either way.

``slot_message`` recomputes a user slot's transaction message from its committed fields alone: the L1 needs nothing
else to tell which queue entries a batch processed.

References
----------
circomlib 2.0.5 ``circuits/poseidon.circom`` / circomlibjs 0.1.7 ``poseidon`` (the hash, ``zksvs.poseidon``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from zksvs.poseidon import poseidon
from zksvs.statement import SlotData, SlotKind
from zksvs.tx_message import TX_DOMAIN_TAG

__all__ = [
    "DEFAULT_FORCED_DEADLINE",
    "PROVABLE_REASONS",
    "ForcedReason",
    "queue_accumulators",
    "queue_step",
    "slot_message",
]

#: T: shared batches within which a queued transaction must be processed (the demo's registered value).
DEFAULT_FORCED_DEADLINE = 2


class ForcedReason(IntEnum):
    """The reason code a forced slot commits to (``SlotData.reason``): 0 = included, else why it was rejected.

    The names are the sequencer's ``RejectReason`` values, the sender's and the recipient's ``unknown_account``
    apart. Codes 1–4 are about the sender's leaf and the signature, 5, 7 and 8 about the recipient's leaf: the
    batch circuit proves them (``PROVABLE_REASONS``); 6 cannot happen to a queued transaction, and 9 and 10 depend
    on a bridge tree or the destination chain's state (burns and calls, which the L1 does not queue).
    """

    INCLUDED = 0
    UNKNOWN_ACCOUNT = 1
    BAD_SIGNATURE = 2
    BAD_NONCE = 3
    OVERDRAFT = 4
    UNKNOWN_RECIPIENT = 5
    BAD_RECIPIENT_KEY = 6
    RECIPIENT_KEY_MISMATCH = 7
    BALANCE_OVERFLOW = 8
    BRIDGE_FULL = 9
    ACTION_FAILED = 10


#: The rejections the batch circuit proves from the slot (docs/protocol.md, "Forced inclusion"): every way a queued
#: transfer can fail (a named key that cannot sign, 6, is refused by the L1 at enqueue; 9 and 10 are a burn's or
#: call's, which the L1 does not queue).
PROVABLE_REASONS = frozenset(
    {
        ForcedReason.UNKNOWN_ACCOUNT,
        ForcedReason.BAD_SIGNATURE,
        ForcedReason.BAD_NONCE,
        ForcedReason.OVERDRAFT,
        ForcedReason.UNKNOWN_RECIPIENT,
        ForcedReason.RECIPIENT_KEY_MISMATCH,
        ForcedReason.BALANCE_OVERFLOW,
    }
)

#: Slot kinds a user signs (a forced slot is one of them).
USER_KINDS = frozenset({SlotKind.TRANSFER, SlotKind.BURN, SlotKind.CALL})


def queue_step(acc: int, message: int) -> int:
    """Q_i = Poseidon(Q_{i−1}, h_i)."""
    return poseidon([acc, message])


def queue_accumulators(messages: Iterable[int], start: int = 0) -> list[int]:
    """``[Q_1, Q_2, …]`` of ``messages`` chained from ``start`` (Q_0)."""
    out, acc = [], start
    for m in messages:
        acc = queue_step(acc, m)
        out.append(acc)
    return out


def slot_message(data: SlotData, chain_id: int) -> int:
    """The transaction message (``zksvs.tx_message.TxFields.message``) of a user slot on rollup ``chain_id``.

    Every input of the message is a committed field of the slot: (TAG, chain_id, kind, program, account_a,
    account_b, to_chain, amount, nonce, payload, pubkey_x, pubkey_y) with to_chain = chain_id for a TRANSFER and
    peer_chain otherwise, exactly as the batch circuit's signature verifier hashes it.

    Raises
    ------
    ValueError
        ``data`` is not a TRANSFER, BURN or CALL slot.
    """
    kind = SlotKind(data.kind)
    if kind not in USER_KINDS:
        raise ValueError(f"a {kind.name} slot carries no user transaction")
    to_chain = chain_id if kind == SlotKind.TRANSFER else data.peer_chain
    return poseidon(
        [TX_DOMAIN_TAG, chain_id, int(kind), data.program, data.account_a, data.account_b, to_chain, data.amount,
         data.nonce, data.payload, data.pubkey_x, data.pubkey_y]
    )  # fmt: skip

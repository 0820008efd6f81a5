"""Forced inclusion (issue 10 §3), defined once for the sequencer, the circuits and the L1: what a queue entry
binds (``entry_words``, ``entry_hash``) and the rejection codes a forced slot commits to.

Anyone can enqueue a signed user transaction for rollup c on the L1 (``verifier.forced_queue``). The L1 keeps, per
rollup and in queue order, one word per entry,

    entry_hash = Keccak-256(w_0 ‖ … ‖ w_7)     (32-byte big-endian words; ``entry_hash``)

over the eight slot words (``zksvs.statement``) that the forced slot of that transaction must carry
(``entry_words``): the transaction's fields, ``forced`` = 1, reason byte 0, and words 5-7 = its signature
(R8.x, R8.y, S). The signature is part of the entry, not only the message it signs: the batch circuit's verifier
of a forced slot runs on words 5-7, so the check a forced slot passes or fails is the check of the queued
signature, and a censoring sequencer cannot commit another signature to "prove" a valid queued transfer
``bad_signature``. The L1 needs no Poseidon for the queue (Keccak is an EVM opcode).

The sequencer must process every entry within T shared batches (docs/protocol.md, "Forced inclusion"): it executes
it first in the next batch of its rollup, as a normal transaction, and marks its slot ``forced``; if the transaction
fails, the slot is a **forced rejection**: it keeps the transaction's fields and signature, changes no root, and
commits the reason code (``ForcedReason``) in byte 28 of word 0. Processed either way: at settlement the L1 masks
the reason byte (``mask_reason``, which the circuit proves) and compares the hash of each forced slot's words with
the next entry's.

References
----------
FIPS 202 / the EVM's KECCAK256 opcode (Keccak-256 with the original padding, ``zksvs.keccak``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from zksvs.eddsa import Signature
from zksvs.keccak import keccak256
from zksvs.statement import SLOT_WORD_LAYOUT, SLOT_WORDS, SlotData, SlotKind, pack_slot
from zksvs.tx_message import TxFields, TxKind

__all__ = [
    "DEFAULT_FORCED_DEADLINE",
    "PROVABLE_REASONS",
    "ForcedReason",
    "entry_hash",
    "entry_words",
    "mask_reason",
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


#: The reason byte's bits in word 0 (byte 28): what ``mask_reason`` clears.
_REASON_MASK = ((1 << SLOT_WORD_LAYOUT["reason"][2]) - 1) << SLOT_WORD_LAYOUT["reason"][1]


def entry_words(tx: TxFields, sig: Signature) -> tuple[int, ...]:
    """The eight slot words the forced slot of queued transaction ``tx`` signed by ``sig`` must carry, reason byte 0.

    The slot is the one the sequencer makes for ``tx`` (``sequencer.execute``): kind, from, to, amount, nonce, the
    peer chain (a transfer's: 0), program and payload, the named recipient key, ``forced`` = 1, reason 0, and
    ``sig_r8x, sig_r8y, sig_s`` = ``sig``'s R8 and S.

    Parameters
    ----------
    tx : TxFields
        The transaction's signed fields.
    sig : Signature
        The signature queued with it (well formed or not: the words only carry it).

    Returns
    -------
    tuple[int, ...]
        ``SLOT_WORDS`` ints (``zksvs.statement.pack_slot``).

    Raises
    ------
    MalformedSlotData
        A field does not fit its slot word (e.g. an account index ≥ 2^32, S ≥ r).
    ValueError
        ``tx`` is not a TxFields or ``sig`` not a Signature.
    """
    if not isinstance(tx, TxFields) or not isinstance(sig, Signature):
        raise ValueError(f"entry_words takes TxFields and a Signature, not {type(tx).__name__}, {type(sig).__name__}")
    transfer = tx.kind == TxKind.TRANSFER
    data = SlotData(
        SlotKind(int(tx.kind)), tx.sender, tx.recipient, tx.amount, tx.nonce,
        peer_chain=0 if transfer else tx.to_chain, program=int(tx.program or 0), payload=tx.payload,
        pubkey_x=tx.recipient_pubkey[0], pubkey_y=tx.recipient_pubkey[1], forced=1, reason=0,
        sig_r8x=sig.r8[0], sig_r8y=sig.r8[1], sig_s=sig.s,
    )  # fmt: skip
    return pack_slot(data)


def mask_reason(word0: int) -> int:
    """Slot word 0 with its reason byte (byte 28, ``SLOT_WORD_LAYOUT["reason"]``) cleared."""
    return word0 & ~_REASON_MASK


def entry_hash(words: Sequence[int]) -> int:
    """Keccak-256 of the words, each a 32-byte big-endian word, as an int in [0, 2^256) (what the L1 stores per
    queue entry; ``zksvs.keccak``, the hash of ``zksvs.statement.eval_point``).

    Raises
    ------
    ValueError
        ``words`` are not ``SLOT_WORDS`` ints in [0, 2^256).
    """
    if len(words) != SLOT_WORDS or any(type(w) is not int or not 0 <= w < 1 << 256 for w in words):
        raise ValueError(f"an entry is {SLOT_WORDS} ints in [0, 2^256), not {words!r}")
    return int.from_bytes(keccak256(b"".join(w.to_bytes(32, "big") for w in words)), "big")

"""Forced transactions on the sequencer's side: what the L1 queue hands over and how a failure is coded.

The pipeline reads the L1 queue (``verifier.forced_queue``) and hands each entry to the sequencer as a
``ForcedTx`` (the sequencer never imports the verifier). The sequencer executes the due entries of a rollup first
in the next batch of that rollup, in queue order, each as a normal transaction whose slot is marked forced and
carries the queued signature (``ForcedTx.tx.signature``, parsed from the entry's calldata) in its signature words
(``sequencer.execute.forced_data``: the L1 compares them with the entry, the circuit's verifier checks them); a
transaction that fails takes a **forced rejection** slot that keeps its fields and signature and commits the reason
code (``zksvs.forced.ForcedReason``, from the typed error by ``forced_reason``). docs/protocol.md, "Forced
inclusion".
"""

from __future__ import annotations

from dataclasses import dataclass

from sequencer.execute import (
    ActionFailedError,
    BadNonce,
    BadRecipientKey,
    BadSignature,
    BalanceOverflow,
    BridgeTreeFull,
    Overdraft,
    RecipientKeyMismatch,
    UnknownAccount,
)
from sequencer.tx import UserTx
from zksvs.errors import ZksvsError
from zksvs.forced import ForcedReason

__all__ = ["ForcedTx", "forced_reason"]


@dataclass(frozen=True)
class ForcedTx:
    """One entry of a rollup's L1 forced-inclusion queue.

    Attributes
    ----------
    chain : int
        The rollup whose queue holds it (= ``tx.chain``).
    index : int
        Its position in that queue (0, 1, 2, …).
    tx : Transfer | Burn | Call
        The signed transaction.
    enqueued_at : int
        The L1's shared-batch number when it was enqueued: it is due from that batch on and must be processed by
        batch ``enqueued_at + T``.
    """

    chain: int
    index: int
    tx: UserTx
    enqueued_at: int = 0


def forced_reason(error: ZksvsError, tx: UserTx) -> ForcedReason:
    """The reason code of a forced transaction that failed with ``error``.

    Raises
    ------
    TypeError
        ``error`` is one no well-formed queued transaction can raise (a malformed one: the L1 refuses those at
        ``enqueue``).
    """
    if isinstance(error, UnknownAccount):
        sender = error.chain == tx.chain and error.index == tx.sender
        return ForcedReason.UNKNOWN_ACCOUNT if sender else ForcedReason.UNKNOWN_RECIPIENT
    if isinstance(error, BadSignature):
        # a SWAP order's signature is checked on the destination chain: its failure is the action's
        sender = error.chain == tx.chain and error.index == tx.sender
        return ForcedReason.BAD_SIGNATURE if sender else ForcedReason.ACTION_FAILED
    table = (
        (BadNonce, ForcedReason.BAD_NONCE),
        (Overdraft, ForcedReason.OVERDRAFT),
        (BadRecipientKey, ForcedReason.BAD_RECIPIENT_KEY),
        (RecipientKeyMismatch, ForcedReason.RECIPIENT_KEY_MISMATCH),
        (BalanceOverflow, ForcedReason.BALANCE_OVERFLOW),
        (BridgeTreeFull, ForcedReason.BRIDGE_FULL),
        (ActionFailedError, ForcedReason.ACTION_FAILED),
    )
    for cls, code in table:
        if isinstance(error, cls):
            return code
    raise TypeError(f"a queued transaction cannot fail with {type(error).__name__}: {error}")

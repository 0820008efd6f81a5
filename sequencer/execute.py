"""Execution: the rules of each transaction kind, applied to ``RollupState``s while the slot traces are recorded.

Rules (DESIGN.md §5, docs/protocol.md "Protocol v2"; each is also a batch-circuit constraint, DESIGN.md §6):

- signature (``check_signature``, before any state is touched; only in a signed genesis): the transaction carries
  a signature of ``tx.fields().message()`` that verifies under the key in its sender's leaf.
- debit (a sender; a SWAP action's counterparty Z): the account exists (non-empty leaf), ``nonce == its nonce``
  (and below 2^64 − 1), ``balance ≥ amount``; balance − amount, nonce + 1.
- credit (a recipient; ``_credit_state``): an existing account: if the transaction names a key it must be the
  account's (``recipient_key_mismatch``), and ``balance + amount ≤ 2^64 − 1``; an empty index: created with the
  named key, balance ``amount``, nonce 0 — the key must be one that can sign (``bad_recipient_key``), and with no
  key named the index is ``unknown_account``.
- transfer on c: debit the sender, credit the recipient.
- trigger (burn, call) from src to dst: debit the sender; a SWAP call also credits ``to`` on src; append
  ``Message(src, dst, sender, target, value, message_nonce = next index of the outbound tree src→dst, program,
  payload, to_pubkey)`` to the outbound tree src→dst on src; then AT ONCE the action on dst (``apply_action``):
  MINT credits the target; COND credits it only if its balance after is ≤ the payload (the cap); SWAP checks the
  counterparty Z's signature over its order (the payload), debits Z, credits W; each appends the same message to
  the inbound tree src→dst on dst. If either half fails, both rollups are reverted to their snapshots (SVS block
  building, reference/004: the trigger is included iff its action succeeds); a failure of the action is reported
  as ``action_failed`` naming the program and its reason (a bad order signature as ``bad_signature``).

Checks run in this order: shape (``check_tx``: chains, account indices, u64 fields, programs, the swap order), then
the signature, existence, nonce, balance, the recipient's key and overflow, bridge capacity, then the action. Self-
transfers (``from == to``) are executed: the credit opens the leaf the debit wrote, so the balance is unchanged and
the nonce advances (``sequencer.tx``).

Trace (``zksvs.trace``): every slot records its debit, credit and append parts, active or not, exactly as the batch
circuit consumes them, and the signature its verifier checks; each opening is taken at the moment of its part, so
the credit of a transfer opens the accounts root after the debit. Inactive parts follow the contract of
``zksvs.trace``: an account part opens the index of its slot's field (``part_indices``: a burn's credit its
recipient, a MINT action's debit its sender, a no-op's parts index 0) and writes it back (``idle_account``); an
append opens index 0 of the empty c→c tree at slot 2·chain_id (``idle_append``). A created account's part records
``before`` = (balance 0, nonce 0, the named key) over the empty leaf 0: the preimage the circuit uses.

Two modes, the same rules: with ``trace=True`` (the default; the batch builder's trace re-execution at a close)
every write hashes its path at once and the slot is recorded; with ``trace=False`` (the sequencer's accepting path)
the same checks run in the same order, the same writes are made deferred (``RollupState.write_account``,
``push_message``: nothing hashed until a root is asked for, ``zksvs.merkle``) and no slot is returned.

Cost in Poseidon calls, ``trace=True`` (``hash2`` unless noted): an account update D + 1 (leaf: Poseidon-4), an
append M + ceil(log2(2K)), a message leaf one Poseidon-10 shared by trigger and action; inactive parts and no-op
slots none (an inactive part reads stored nodes only); a signature check a Poseidon-12 (the message) and a
verification. ``trace=False``: the message leaf only; each node a batch dirtied is hashed once at the close.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from sequencer.rollup import RollupState
from sequencer.tx import AmountOutOfRange, Burn, Call, RejectReason, Transfer, check_order
from zksvs import babyjub as bj
from zksvs.eddsa import Signature, verify_poseidon
from zksvs.errors import (
    ActionFailed,
    InputError,
    InsufficientBalance,
    InvalidSignature,
    MalformedTransaction,
    NonceMismatch,
    RecipientKeyError,
    UnknownRollup,
    ZksvsError,
)
from zksvs.field import FR_MODULUS
from zksvs.rollup_state import U64_MAX, AccountState, Message, burn_slot, mint_slot
from zksvs.statement import SlotData, SlotKind
from zksvs.trace import (
    AccountUpdate,
    BatchShape,
    BridgeAppend,
    SlotTrace,
    idle_account,
    idle_append,
    idle_append_slot,
    part_indices,
)
from zksvs.tx_message import Program, SwapOrder

__all__ = [
    "ActionFailedError",
    "BadNonce",
    "BadRecipientKey",
    "BadSignature",
    "BalanceOverflow",
    "BridgeTreeFull",
    "Overdraft",
    "RecipientKeyMismatch",
    "RejectReason",
    "UnknownAccount",
    "UnknownChain",
    "Verifier",
    "apply_action",
    "apply_transfer",
    "apply_trigger",
    "apply_trigger_with_action",
    "check_signature",
    "check_tx",
    "forced_data",
    "forced_rejection_slot",
    "noop_slot",
    "reason_of",
    "usable_pubkey",
]

#: A signature verifier: ``verify(message, signature, pubkey) -> bool`` (``zksvs.eddsa.verify_poseidon``'s
#: verdicts; the sequencer passes a cached batch verifier).
Verifier = Callable[[int, Signature, tuple[int, int]], bool]


# --- typed rejections ---------------------------------------------------------------------------------------------


class UnknownChain(UnknownRollup):
    """A chain id is not in the shared set [0, K)."""

    reason: ClassVar[RejectReason] = RejectReason.UNKNOWN_ROLLUP

    def __init__(self, what: str, chain: int, n_rollups: int) -> None:
        self.chain = chain
        super().__init__(f"unknown rollup: {what} {chain} is not in [0, {n_rollups})")


class UnknownAccount(UnknownRollup):
    """An account index is outside the tree or its leaf is empty."""

    reason: ClassVar[RejectReason] = RejectReason.UNKNOWN_ACCOUNT

    def __init__(self, chain: int, index: int, detail: str = "has no account") -> None:
        self.chain = chain
        self.index = index
        super().__init__(f"unknown account: index {index} on chain {chain} {detail}")


class Overdraft(InsufficientBalance):
    """The sender's balance is below the amount."""

    reason: ClassVar[RejectReason] = RejectReason.OVERDRAFT

    def __init__(self, chain: int, index: int, balance: int, amount: int) -> None:
        self.chain, self.index, self.balance, self.amount = chain, index, balance, amount
        super().__init__(f"overdraft: account {index} on chain {chain} has balance {balance}, amount {amount}")


class BalanceOverflow(InsufficientBalance):
    """A credit would take the recipient's balance past 2^64 − 1."""

    reason: ClassVar[RejectReason] = RejectReason.BALANCE_OVERFLOW
    what: ClassVar[str] = "credit"

    def __init__(self, chain: int, index: int, balance: int, amount: int) -> None:
        self.chain, self.index, self.balance, self.amount = chain, index, balance, amount
        super().__init__(
            f"{self.what} would pass 2^64 − 1: account {index} on chain {chain} has balance {balance}, amount {amount}"
        )


class BadSignature(InvalidSignature):
    """A transaction (or a SWAP action's order) is unsigned, or its signature does not verify under the key in the
    signer's account leaf."""

    reason: ClassVar[RejectReason] = RejectReason.BAD_SIGNATURE

    def __init__(self, chain: int, index: int, what: str = "transaction", detail: str = "does not verify") -> None:
        self.chain, self.index = chain, index
        super().__init__(f"bad signature: the {what}'s signature {detail} under the key of account {index} on chain "
                         f"{chain}")  # fmt: skip


class BadRecipientKey(RecipientKeyError):
    """A credit to an empty index names a key that cannot sign (off the curve, or of small order)."""

    reason: ClassVar[RejectReason] = RejectReason.BAD_RECIPIENT_KEY

    def __init__(self, chain: int, index: int, key: tuple[int, int]) -> None:
        self.chain, self.index, self.key = chain, index, key
        super().__init__(
            f"bad recipient key: account {index} on chain {chain} would be created with key {key}, which is not a "
            "Baby Jubjub key that can sign (off the curve or of small order)"
        )


class RecipientKeyMismatch(RecipientKeyError):
    """A credit names a key other than the existing recipient's."""

    reason: ClassVar[RejectReason] = RejectReason.RECIPIENT_KEY_MISMATCH

    def __init__(self, chain: int, index: int) -> None:
        self.chain, self.index = chain, index
        super().__init__(
            f"recipient key mismatch: account {index} on chain {chain} exists with another key than the one named"
        )


class ActionFailedError(ActionFailed):
    """The action of a message failed on its destination chain (so the trigger is dropped too).

    Attributes
    ----------
    program : Program
        The action's program.
    chain : int
        The destination chain.
    cause : ZksvsError
        The rule the action broke (its ``reason`` is named in the message).
    """

    reason: ClassVar[RejectReason] = RejectReason.ACTION_FAILED

    def __init__(self, program: int, chain: int, cause: ZksvsError) -> None:
        self.program, self.chain, self.cause = program, chain, cause
        why = reason_of(cause).value if getattr(cause, "reason", None) else type(cause).__name__
        name = Program(program).name if program in tuple(Program) else program
        super().__init__(f"action failed: the {name} action on chain {chain} cannot run: {why}: {cause}")


class CapExceeded(InsufficientBalance):
    """A COND action's target would hold more than the cap (the payload)."""

    reason: ClassVar[RejectReason] = RejectReason.CAP_EXCEEDED

    def __init__(self, chain: int, index: int, balance_after: int, cap: int) -> None:
        self.chain, self.index, self.balance_after, self.cap = chain, index, balance_after, cap
        super().__init__(
            f"cap exceeded: account {index} on chain {chain} would hold {balance_after}, above the cap {cap}"
        )


class BadNonce(NonceMismatch):
    """The transaction's nonce is not the sender's current nonce."""

    reason: ClassVar[RejectReason] = RejectReason.BAD_NONCE

    def __init__(self, chain: int, index: int, expected: int, got: int) -> None:
        self.chain, self.index, self.expected, self.got = chain, index, expected, got
        if expected == U64_MAX:
            super().__init__(f"bad nonce: account {index} on chain {chain} has nonce 2^64 − 1 and cannot advance")
        else:
            high = "too high" if got > expected else "too low"
            super().__init__(f"bad nonce: account {index} on chain {chain} expects {expected}, got {got} ({high})")


class BridgeTreeFull(InputError):
    """Burn tree src→dst (and so mint tree src→dst) already holds 2^M messages."""

    reason: ClassVar[RejectReason] = RejectReason.BRIDGE_FULL

    def __init__(self, src: int, dst: int, capacity: int) -> None:
        self.src, self.dst = src, dst
        super().__init__(f"bridge full: burn tree {src}→{dst} already holds its {capacity} messages")


def reason_of(error: ZksvsError) -> RejectReason:
    """The rejection reason of a typed error (its ``reason`` attribute, else by its core class)."""
    reason = getattr(error, "reason", None)
    if isinstance(reason, RejectReason):
        return reason
    if isinstance(error, MalformedTransaction):
        return RejectReason.MALFORMED
    if isinstance(error, InvalidSignature):
        return RejectReason.BAD_SIGNATURE
    if isinstance(error, ActionFailed):
        return RejectReason.ACTION_FAILED
    if isinstance(error, RecipientKeyError):
        return RejectReason.BAD_RECIPIENT_KEY
    if isinstance(error, UnknownRollup):
        return RejectReason.UNKNOWN_ROLLUP
    if isinstance(error, InsufficientBalance):
        return RejectReason.OVERDRAFT
    if isinstance(error, NonceMismatch):
        return RejectReason.BAD_NONCE
    raise TypeError(f"no rejection reason for {type(error).__name__}: {error}")


# --- checks -------------------------------------------------------------------------------------------------------


def check_tx(tx: object, shape: BatchShape, *, with_order: bool = True) -> None:
    """The checks that need only the shape: the kind, integer fields, u64 ranges, chain ids, account indices, the
    program and payload of a call, and a SWAP call's order (unless ``with_order`` is False: a replay of one
    rollup's slots, where a SWAP trigger's order lives on the peer chain).

    Raises
    ------
    MalformedTransaction
        ``tx`` is not a Transfer, Burn or Call; a field is not an int (bools too); an account index or nonce is
        negative; the nonce is ≥ 2^64; a burn or call goes to its own chain; a call's program is not one; a payload
        or key coordinate is not a field element; a COND cap above 2^64 − 1; a swap order that is missing, does not
        match its call, or has an amount or nonce outside u64.
    AmountOutOfRange
        ``amount`` is not in [0, 2^64 − 1].
    UnknownChain
        ``chain`` (or a burn's or call's ``to_chain``) is not in [0, K).
    UnknownAccount
        ``sender`` or ``recipient`` (or an order's accounts) is not in [0, 2^D).
    """
    if not isinstance(tx, (Transfer, Burn, Call)):
        raise MalformedTransaction(f"only transfers, burns and calls can be submitted, not {type(tx).__name__}")
    names = ("chain", "sender", "recipient", "amount", "nonce")
    if not isinstance(tx, Transfer):
        names += ("to_chain",)
    for name in names:
        v = getattr(tx, name)
        if type(v) is not int:
            raise MalformedTransaction(f"field '{name}' must be an integer, not {type(v).__name__} {v!r}")
    if not 0 <= tx.amount <= U64_MAX:
        raise AmountOutOfRange(tx.amount)
    if not 0 <= tx.nonce <= U64_MAX:
        raise MalformedTransaction(f"field 'nonce' must be in [0, 2^64 − 1], not {tx.nonce}")
    pk = tx.to_pubkey
    if not (isinstance(pk, tuple) and len(pk) == 2 and all(type(c) is int and 0 <= c < FR_MODULUS for c in pk)):
        raise MalformedTransaction(f"field 'to_pubkey' must be a pair of field elements, not {pk!r}")
    k = shape.n_rollups
    if not 0 <= tx.chain < k:
        raise UnknownChain("chain", tx.chain, k)
    dst = tx.chain
    if not isinstance(tx, Transfer):
        if not 0 <= tx.to_chain < k:
            raise UnknownChain("to_chain", tx.to_chain, k)
        if tx.to_chain == tx.chain:
            raise MalformedTransaction(f"a {tx.kind} must go to another chain, not to its own chain {tx.chain}")
        dst = tx.to_chain
    n = 1 << shape.account_depth
    if not 0 <= tx.sender < n:
        raise UnknownAccount(tx.chain, tx.sender, f"is outside the account tree [0, {n})")
    if isinstance(tx, Call):
        if tx.program not in tuple(Program) or type(tx.program) not in (int, Program):
            raise MalformedTransaction(f"field 'program' must be MINT, COND or SWAP, not {tx.program!r}")
        if type(tx.payload) is not int or not 0 <= tx.payload < FR_MODULUS:
            raise MalformedTransaction(f"field 'payload' must be a field element, not {tx.payload!r}")
        if tx.program == Program.COND and tx.payload > U64_MAX:
            raise MalformedTransaction(f"a COND call's payload is its cap, a u64, not {tx.payload}")
        if tx.program == Program.SWAP:
            dst = tx.chain  # the target Y is paid on the calling chain
        if with_order:
            check_order(tx)
        if tx.order is not None:
            o = tx.order
            for name in ("amount", "nonce", "counter_amount"):
                if type(getattr(o, name)) is not int or not 0 <= getattr(o, name) <= U64_MAX:
                    raise MalformedTransaction(f"swap order field '{name}' must be a u64, not {getattr(o, name)!r}")
            for name in ("sender", "recipient"):
                if type(getattr(o, name)) is not int or not 0 <= getattr(o, name) < n:
                    raise UnknownAccount(o.chain, getattr(o, name), f"is outside the account tree [0, {n})")
    if not 0 <= tx.recipient < n:
        raise UnknownAccount(dst, tx.recipient, f"is outside the account tree [0, {n})")


def usable_pubkey(key: tuple[int, int]) -> bool:
    """True when ``key`` is a public key that can sign: a point of Baby Jubjub that is not of small order
    (``zksvs.eddsa.verify_poseidon`` refuses every signature under any other)."""
    return bj.is_on_curve(key) and bj.mul_cofactor(key) != bj.IDENTITY


def check_signature(
    r: RollupState, tx: Transfer | Burn | Call, verify: Verifier = verify_poseidon, message: int | None = None
) -> None:
    """The sender's signature rule, before any state is touched: ``tx.signature`` verifies ``tx.fields().message()``
    (``message``, when the caller has already computed it) under the key in the sender's leaf on ``r`` (rollup
    ``tx.chain``). Call ``check_tx`` first.

    Raises
    ------
    UnknownAccount
        The sender has no account (there is no key to verify against).
    BadSignature
        ``tx`` is unsigned, or its signature does not verify.
    """
    s = r.account(tx.sender)
    if s is None:
        raise UnknownAccount(r.chain_id, tx.sender)
    if tx.signature is None:
        raise BadSignature(r.chain_id, tx.sender, detail="is missing (this shared set needs signed transactions)")
    msg = tx.fields().message() if message is None else message
    if not verify(msg, tx.signature, (s.pubkey_x, s.pubkey_y)):
        raise BadSignature(r.chain_id, tx.sender)


def _check_debit(r: RollupState, index: int, amount: int, nonce: int) -> AccountState:
    s = r.account(index)
    if s is None:
        raise UnknownAccount(r.chain_id, index)
    if nonce != s.nonce or s.nonce == U64_MAX:
        raise BadNonce(r.chain_id, index, s.nonce, nonce)
    if s.balance < amount:
        raise Overdraft(r.chain_id, index, s.balance, amount)
    return s


def _credit_state(
    r: RollupState, index: int, amount: int, named: tuple[int, int], *, debited: AccountState | None = None
) -> tuple[AccountState, AccountState]:
    """(before, after) of a credit of ``amount`` to ``index`` naming key ``named`` ((0, 0): none); ``debited`` is the
    account's state after a debit earlier in the same slot (a self-transfer). A created account's ``before`` is
    (balance 0, nonce 0, the named key) over the empty leaf. Nothing is written.

    Raises
    ------
    UnknownAccount
        The index is empty and no key is named.
    BadRecipientKey
        The index is empty and the named key cannot sign.
    RecipientKeyMismatch
        The account exists and a key other than its own is named.
    BalanceOverflow
        The balance would pass 2^64 − 1.
    """
    acc = debited if debited is not None else r.account(index)
    if acc is None:
        if named == (0, 0):
            raise UnknownAccount(r.chain_id, index)
        if not usable_pubkey(named):
            raise BadRecipientKey(r.chain_id, index, named)
        return AccountState(0, 0, *named), AccountState(amount, 0, *named)
    if named != (0, 0) and named != (acc.pubkey_x, acc.pubkey_y):
        raise RecipientKeyMismatch(r.chain_id, index)
    if acc.balance + amount > U64_MAX:
        raise BalanceOverflow(r.chain_id, index, acc.balance, amount)
    return acc, AccountState(acc.balance + amount, acc.nonce, acc.pubkey_x, acc.pubkey_y)


# --- trace parts --------------------------------------------------------------------------------------------------


def _inactive_account(r: RollupState, index: int) -> AccountUpdate:
    op = r.accounts.opening(index)
    return idle_account(index, op.leaf, op.siblings)


def _inactive_append(r: RollupState) -> BridgeAppend:
    r.sync()
    c = r.chain_id
    return idle_append(c, r.shape.bridge_depth, r.slots.opening(idle_append_slot(c)).siblings)


def _update(r: RollupState, index: int, before: AccountState, after: AccountState) -> AccountUpdate:
    leaf = r.account_leaf(after)
    op = r.put_account(index, after, leaf)
    return AccountUpdate(True, index, op.leaf, leaf, op.siblings, before, after)


def _append(r: RollupState, slot: int, tree, message: Message, leaf: int) -> BridgeAppend:
    r.sync()
    index = tree.next_index
    prev = tree.opening(index - 1) if index else None
    op = tree.append(leaf)
    root_after = tree.root
    slot_op = r.slots.set(slot, root_after)
    prev_leaf, prev_siblings = (prev.leaf, prev.siblings) if prev is not None else (0, op.siblings)
    return BridgeAppend(
        True, slot, message, index, op.siblings, prev_leaf, prev_siblings, slot_op.leaf, root_after, slot_op.siblings
    )


def _message(tx: Burn | Call, message_nonce: int) -> Message:
    return Message(
        tx.chain, tx.to_chain, tx.sender, tx.recipient, tx.amount, message_nonce, int(tx.program), tx.payload,
        tx.to_pubkey,
    )  # fmt: skip


def noop_slot(r: RollupState) -> SlotTrace:
    """A padding slot at the current state: every part inactive, every root unchanged (no hashing)."""
    data = SlotData.noop()
    debit_index, credit_index = part_indices(data)
    debit, credit = _inactive_account(r, debit_index), _inactive_account(r, credit_index)
    root = r.accounts.root
    return SlotTrace(data, debit, credit, _inactive_append(r), root, root, r.slots.root)


def forced_rejection_slot(r: RollupState, tx: Transfer | Burn | Call, reason: int) -> SlotTrace:
    """The slot of a queued transaction that failed (docs/protocol.md, "Forced inclusion"): the committed data of
    ``tx`` as if included (kind, accounts, amount, nonce, peer, program, payload, named key) with ``forced = 1`` and
    ``reason``; every part inactive (the debit opens the sender, the credit the recipient, unchanged), so no root
    changes. The debit *reads* the sender (and a transfer's credit the recipient): when it exists, its ``before``
    and ``after`` are its state (the leaf's preimage the circuit proves the reason from). The queued signature is
    committed in the slot (``forced_data``) and recorded: the circuit checks it when the sender exists, and proves it
    invalid for ``bad_signature``. No hashing but the openings.
    """
    if isinstance(tx, Transfer):
        data = SlotData(SlotKind.TRANSFER, tx.sender, tx.recipient, tx.amount, tx.nonce, 0, 0, 0, *tx.to_pubkey)
    else:
        kind = SlotKind.BURN if isinstance(tx, Burn) else SlotKind.CALL
        data = SlotData(
            kind, tx.sender, tx.recipient, tx.amount, tx.nonce, tx.to_chain, int(tx.program), tx.payload,
            *tx.to_pubkey,
        )  # fmt: skip
    data = forced_data(data, tx.signature, reason)
    debit_index, credit_index = part_indices(data)
    debit, credit = _inactive_account(r, debit_index), _inactive_account(r, credit_index)
    sender = r.account(tx.sender)
    if sender is not None:  # the debit reads the sender's leaf (before = after = its state): the reason's proof
        debit = replace(debit, before=sender, after=sender)
    recipient = r.account(tx.recipient) if isinstance(tx, Transfer) else None
    if recipient is not None:  # a transfer's credit reads the recipient's leaf the same way
        credit = replace(credit, before=recipient, after=recipient)
    root = r.accounts.root
    # the queued signature is committed (words 5-7) and recorded even for an unknown sender, whose verifier is off
    return SlotTrace(data, debit, credit, _inactive_append(r), root, root, r.slots.root, tx.signature)


def forced_data(data: SlotData, signature: Signature | None, reason: int = 0) -> SlotData:
    """``data`` marked forced with ``reason`` and carrying the queued ``signature`` in ``sig_r8x, sig_r8y, sig_s``
    (slot words 5-7, which the L1 compares with the queue entry's; 0s for None, an unsigned genesis)."""
    sig = (0, 0, 0) if signature is None else (*signature.r8, signature.s)
    return replace(data, forced=1, reason=int(reason), sig_r8x=sig[0], sig_r8y=sig[1], sig_s=sig[2])


# --- kinds ----------------------------------------------------------------------------------------------------------


def apply_transfer(r: RollupState, tx: Transfer, *, trace: bool = True) -> SlotTrace | None:
    """Execute ``tx`` on its rollup ``r`` and return its slot (debit, credit; append inactive).

    Every check runs before the first write, so a failure leaves ``r`` unchanged. Call ``check_tx`` (and in a
    signed genesis ``check_signature``) first; the slot records ``tx.signature``. With ``trace=False`` the same
    checks and writes run, deferred (``RollupState.write_account``: nothing hashed), and None is returned.

    Raises
    ------
    UnknownAccount
        The sender's leaf is empty, or the recipient's and no key is named.
    BadNonce
        ``tx.nonce`` is not the sender's nonce (or that nonce is 2^64 − 1).
    Overdraft
        The sender's balance is below ``tx.amount``.
    BadRecipientKey, RecipientKeyMismatch
        The named recipient key cannot create the account, or is not the existing account's.
    BalanceOverflow
        The recipient's balance would pass 2^64 − 1.
    """
    s = _check_debit(r, tx.sender, tx.amount, tx.nonce)
    debit_after = AccountState(s.balance - tx.amount, s.nonce + 1, s.pubkey_x, s.pubkey_y)
    self_transfer = tx.recipient == tx.sender
    credit_before, credit_after = _credit_state(
        r, tx.recipient, tx.amount, tx.to_pubkey, debited=debit_after if self_transfer else None
    )
    if not trace:
        r.write_account(tx.sender, debit_after)
        r.write_account(tx.recipient, credit_after)
        return None
    debit = _update(r, tx.sender, s, debit_after)
    root_debit = r.accounts.root
    credit = _update(r, tx.recipient, credit_before, credit_after)
    data = SlotData(SlotKind.TRANSFER, tx.sender, tx.recipient, tx.amount, tx.nonce, 0, 0, 0, *tx.to_pubkey)
    return SlotTrace(data, debit, credit, _inactive_append(r), root_debit, r.accounts.root, r.slots.root, tx.signature)


def apply_trigger(src: RollupState, tx: Burn | Call, *, trace: bool = True) -> tuple[SlotTrace | None, Message, int]:
    """The trigger half of ``apply_trigger_with_action`` alone: debit the sender on ``src`` (a SWAP call also
    credits ``to`` there), append the message to the outbound tree src→dst. ``trace=False``: the same checks and
    writes, deferred, and no slot (None).

    For callers that replay one rollup's slots (the semantic differential of the batch circuit); sequencing always
    goes through ``apply_trigger_with_action``. Call ``check_tx`` first. On an error ``src`` is unchanged.

    Returns
    -------
    slot : SlotTrace
        The slot on ``src`` (kind BURN or CALL; it records ``tx.signature``).
    message : Message
        The appended message (``message_nonce`` = its index in the outbound tree).
    leaf : int
        ``message.leaf()``.

    Raises
    ------
    UnknownAccount, BadNonce, Overdraft
        As for a transfer's sender.
    BadRecipientKey, RecipientKeyMismatch, BalanceOverflow, UnknownAccount
        A SWAP call's credit of ``to`` on ``src``, as for a transfer's recipient.
    BridgeTreeFull
        The outbound tree src→dst already holds 2^M messages.
    """
    s = _check_debit(src, tx.sender, tx.amount, tx.nonce)
    debit_after = AccountState(s.balance - tx.amount, s.nonce + 1, s.pubkey_x, s.pubkey_y)
    swap = tx.program == Program.SWAP
    if swap:
        self_pay = tx.recipient == tx.sender
        credit_before, credit_after = _credit_state(
            src, tx.recipient, tx.amount, tx.to_pubkey, debited=debit_after if self_pay else None
        )
    tree = src.burn_trees[tx.to_chain]
    if tree.next_index >> tree.depth:
        raise BridgeTreeFull(tx.chain, tx.to_chain, 1 << tree.depth)
    if not trace:
        src.write_account(tx.sender, debit_after)
        if swap:
            src.write_account(tx.recipient, credit_after)
        message = _message(tx, tree.next_index)
        leaf = src.message_leaf(message)
        src.push_message(burn_slot(tx.to_chain), tree, leaf)
        return None, message, leaf
    kind = SlotKind.BURN if isinstance(tx, Burn) else SlotKind.CALL
    data = SlotData(
        kind, tx.sender, tx.recipient, tx.amount, tx.nonce, tx.to_chain, int(tx.program), tx.payload, *tx.to_pubkey
    )
    debit = _update(src, tx.sender, s, debit_after)
    root_debit = src.accounts.root
    if swap:
        credit = _update(src, tx.recipient, credit_before, credit_after)
    else:
        credit = _inactive_account(src, part_indices(data)[1])  # the target's index (on dst), opened here unchanged
    message = _message(tx, tree.next_index)
    leaf = src.message_leaf(message)
    append = _append(src, burn_slot(tx.to_chain), tree, message, leaf)
    slot = SlotTrace(data, debit, credit, append, root_debit, src.accounts.root, src.slots.root, tx.signature)
    return slot, message, leaf


def apply_action(
    dst: RollupState,
    message: Message,
    leaf: int,
    order: SwapOrder | None = None,
    order_signature: Signature | None = None,
    verify: Verifier | None = None,
    *,
    trace: bool = True,
) -> SlotTrace | None:
    """The action half of ``apply_trigger_with_action`` alone: run the message's program on ``dst`` and append the
    message to the inbound tree src→dst.

    - MINT: credit the target by the value (creating it with the message's target key if empty);
    - COND: the same, only if the target's balance after is ≤ the payload (the cap);
    - SWAP: ``order`` (Z pays b to W on ``dst``) must be the message's counter leg and its message the payload;
      with ``verify``, Z's ``order_signature`` must verify under Z's key; debit Z by b (Z's nonce must be the
      order's), credit W by b (W must exist).

    For callers that replay one rollup's slots; sequencing always goes through ``apply_trigger_with_action``. The
    message's chains and indices must already be in range (``check_tx`` of its trigger). On an error ``dst`` is
    unchanged.

    Parameters
    ----------
    dst : RollupState
        Rollup ``message.dst_chain``.
    message : Message
        The trigger's message; ``message_nonce`` must be the inbound tree's message count.
    leaf : int
        ``message.leaf()``.
    order, order_signature : SwapOrder, Signature | None
        SWAP only.
    verify : Verifier | None
        Checks the order's signature (None: an unsigned genesis, nothing checked).
    trace : bool
        False: the same checks and writes, deferred, and no slot (None is returned).

    Raises
    ------
    ActionFailedError
        The program cannot run on ``dst``'s state (the cause names the rule: unknown_account, balance_overflow,
        bad_recipient_key, recipient_key_mismatch, the cap, Z's bad_nonce or overdraft).
    BadSignature
        A SWAP's order is unsigned or its signature does not verify under Z's key.
    RuntimeError
        ``message.message_nonce`` is not the inbound tree's message count (the trigger/action invariant is broken).
    """
    tree = dst.mint_trees[message.src_chain]
    if tree.next_index != message.message_nonce:
        raise RuntimeError(
            f"inbound tree {message.src_chain}→{dst.chain_id} holds {tree.next_index} messages but the outbound tree "
            f"holds {message.message_nonce}: the trigger/action invariant is already broken"
        )
    program = message.program
    try:
        if program == Program.SWAP:
            if order is None or order.message() != message.payload or order != SwapOrder(
                dst.chain_id, message.src_chain, order.sender, order.recipient, order.amount, order.nonce,
                message.sender, message.recipient, message.amount,
            ):  # fmt: skip
                raise MalformedTransaction("the swap order is not the message's counter leg or payload")
            z = dst.account(order.sender)
            if verify is not None and z is not None:
                if order_signature is None:
                    raise BadSignature(dst.chain_id, order.sender, "swap order", "is missing")
                if not verify(order.message(), order_signature, (z.pubkey_x, z.pubkey_y)):
                    raise BadSignature(dst.chain_id, order.sender, "swap order")
            zs = _check_debit(dst, order.sender, order.amount, order.nonce)
            z_after = AccountState(zs.balance - order.amount, zs.nonce + 1, zs.pubkey_x, zs.pubkey_y)
            # W must exist: the order names no key for it (_credit_state refuses an empty W without a key)
            w_debited = z_after if order.recipient == order.sender else None
            w_before, w_after = _credit_state(dst, order.recipient, order.amount, (0, 0), debited=w_debited)
            data = SlotData(
                SlotKind.ACTION, order.sender, order.recipient, order.amount, order.nonce, message.src_chain,
                program, message.payload, *message.target_pubkey, message.sender, message.recipient, message.amount,
            )  # fmt: skip
        else:
            before, after = _credit_state(dst, message.recipient, message.amount, message.target_pubkey)
            if program == Program.COND and after.balance > message.payload:
                raise CapExceeded(dst.chain_id, message.recipient, after.balance, message.payload)
            data = SlotData(
                SlotKind.ACTION, message.sender, message.recipient, message.amount, message.message_nonce,
                message.src_chain, program, message.payload, *message.target_pubkey,
            )  # fmt: skip
    except BadSignature:
        raise
    except ZksvsError as e:
        raise ActionFailedError(program, dst.chain_id, e) from e
    if not trace:
        if program == Program.SWAP:
            dst.write_account(order.sender, z_after)
            dst.write_account(order.recipient, w_after)
        else:
            dst.write_account(message.recipient, after)
        dst.push_message(mint_slot(message.src_chain), tree, leaf)
        return None
    signature = None
    if program == Program.SWAP:
        debit = _update(dst, order.sender, zs, z_after)
        root = dst.accounts.root
        credit = _update(dst, order.recipient, w_before, w_after)
        signature = order_signature
    else:
        debit = _inactive_account(dst, part_indices(data)[0])  # the sender's index (on src), opened here unchanged
        root = dst.accounts.root
        credit = _update(dst, message.recipient, before, after)
    append = _append(dst, mint_slot(message.src_chain), tree, message, leaf)
    return SlotTrace(data, debit, credit, append, root, dst.accounts.root, dst.slots.root, signature)


def apply_trigger_with_action(
    src: RollupState, dst: RollupState, tx: Burn | Call, verify: Verifier | None = None, *, trace: bool = True
) -> tuple[SlotTrace | None, SlotTrace | None, Message]:
    """Execute trigger ``tx`` on ``src`` and at once its action on ``dst``; both or neither (SVS block building).

    Parameters
    ----------
    src, dst : RollupState
        Rollups ``tx.chain`` and ``tx.to_chain``. Call ``check_tx`` (and in a signed genesis ``check_signature``)
        first.
    tx : Burn | Call
        The trigger.
    verify : Verifier | None
        Checks a SWAP order's signature (None in an unsigned genesis).
    trace : bool
        False: the same checks and writes, deferred (nothing hashed), and both slots None.

    Returns
    -------
    trigger_slot : SlotTrace
        The slot on ``src``.
    action_slot : SlotTrace
        The slot on ``dst``.
    message : Message
        The message both trees received; ``message_nonce`` is its index in both.

    Raises
    ------
    UnknownAccount, BadNonce, Overdraft, BridgeTreeFull, BadRecipientKey, RecipientKeyMismatch, BalanceOverflow
        The trigger cannot run on ``src`` (``apply_trigger``).
    ActionFailedError, BadSignature
        The action cannot run on ``dst`` (``apply_action``).

    Notes
    -----
    On any error both rollups are reverted to the snapshots taken on entry, so no root changes; the error is
    re-raised.
    """
    tok_src, tok_dst = src.snapshot(), dst.snapshot()
    try:
        trigger, message, leaf = apply_trigger(src, tx, trace=trace)
        order = tx.order if isinstance(tx, Call) else None
        order_sig = tx.order_signature if isinstance(tx, Call) else None
        action = apply_action(dst, message, leaf, order, order_sig, verify, trace=trace)
    except BaseException:
        src.revert(tok_src)
        dst.revert(tok_dst)
        raise
    return trigger, action, message

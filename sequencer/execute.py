"""Execution: the rules of each transaction kind, applied to ``RollupState``s while the slot traces are recorded.

Rules (DESIGN.md §5; each is also a batch-circuit constraint, DESIGN.md §6):

- transfer on c: sender and recipient exist (non-empty leaf), ``nonce == sender.nonce``, ``sender.balance ≥
  amount``, ``recipient.balance + amount ≤ 2^64 − 1``; sender: balance − amount, nonce + 1; recipient: + amount.
- burn on src to dst: the sender rules above; append ``Message(src, dst, sender, recipient, amount,
  message_nonce = next index of burn tree src→dst)`` to burn tree src→dst on src; then AT ONCE the mint on dst:
  the recipient exists, ``recipient.balance + amount ≤ 2^64 − 1``; credit it and append the same message to mint
  tree src→dst on dst. If either half fails, both rollups are reverted to their snapshots (SVS block building,
  reference/004: the burn is included iff its mint succeeds) and the typed error is raised.

Checks run in this order: shape (``check_tx``: chains, account indices, u64 fields), then existence, nonce,
balance, overflow, bridge capacity. Self-transfers (``from == to``) are executed: the credit opens the leaf the debit
wrote, so the balance is unchanged and the nonce advances (``sequencer.tx``).

Trace (``zksvs.trace``): every slot records its debit, credit and append parts, active or not, exactly as the batch
circuit consumes them; each opening is taken at the moment of its part, so the credit of a transfer opens the
accounts root after the debit. Inactive parts follow the contract of ``zksvs.trace``: an account part opens the
index of its slot's field (``part_indices``: a burn's credit its recipient, a mint's debit its sender, a no-op's
parts index 0) and writes it back (``idle_account``); an append opens index 0 of the empty c→c burn tree at slot
2·chain_id (``idle_append``).

Cost in Poseidon calls (``hash2`` unless noted): an account update D + 1 (leaf: Poseidon-4), an append
M + ceil(log2(2K)), a message leaf one Poseidon-6 shared by burn and mint; inactive parts and no-op slots none (an
inactive part reads stored nodes only). So a transfer costs 2D + 2, a burn with its mint 2D + 2 + 2(M +
ceil(log2(2K))) + 1.
"""

from __future__ import annotations

from typing import ClassVar

from sequencer.rollup import RollupState
from sequencer.tx import AmountOutOfRange, Burn, RejectReason, Transfer
from zksvs.errors import (
    InputError,
    InsufficientBalance,
    MalformedTransaction,
    NonceMismatch,
    UnknownRollup,
    ZksvsError,
)
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

__all__ = [
    "BadNonce",
    "BalanceOverflow",
    "BridgeTreeFull",
    "MintOverflow",
    "Overdraft",
    "RejectReason",
    "UnknownAccount",
    "UnknownChain",
    "apply_burn",
    "apply_burn_with_mint",
    "apply_mint",
    "apply_transfer",
    "check_tx",
    "noop_slot",
    "reason_of",
]


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


class MintOverflow(BalanceOverflow):
    """The mint of a burn would take the recipient's balance past 2^64 − 1 (so the burn is dropped too)."""

    reason: ClassVar[RejectReason] = RejectReason.MINT_OVERFLOW
    what: ClassVar[str] = "mint"


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
    if isinstance(error, UnknownRollup):
        return RejectReason.UNKNOWN_ROLLUP
    if isinstance(error, InsufficientBalance):
        return RejectReason.OVERDRAFT
    if isinstance(error, NonceMismatch):
        return RejectReason.BAD_NONCE
    raise TypeError(f"no rejection reason for {type(error).__name__}: {error}")


# --- checks -------------------------------------------------------------------------------------------------------


def check_tx(tx: object, shape: BatchShape) -> None:
    """The checks that need only the shape: the kind, integer fields, u64 ranges, chain ids, account indices.

    Raises
    ------
    MalformedTransaction
        ``tx`` is not a Transfer or Burn; a field is not an int (bools too); an account index or nonce is negative;
        the nonce is ≥ 2^64; a burn goes to its own chain.
    AmountOutOfRange
        ``amount`` is not in [0, 2^64 − 1].
    UnknownChain
        ``chain`` (or a burn's ``to_chain``) is not in [0, K).
    UnknownAccount
        ``sender`` or ``recipient`` is not in [0, 2^D).
    """
    if not isinstance(tx, (Transfer, Burn)):
        raise MalformedTransaction(f"only transfers and burns can be submitted, not {type(tx).__name__}")
    names = ("chain", "sender", "recipient", "amount", "nonce") + (("to_chain",) if isinstance(tx, Burn) else ())
    for name in names:
        v = getattr(tx, name)
        if type(v) is not int:
            raise MalformedTransaction(f"field '{name}' must be an integer, not {type(v).__name__} {v!r}")
    if not 0 <= tx.amount <= U64_MAX:
        raise AmountOutOfRange(tx.amount)
    if not 0 <= tx.nonce <= U64_MAX:
        raise MalformedTransaction(f"field 'nonce' must be in [0, 2^64 − 1], not {tx.nonce}")
    k = shape.n_rollups
    if not 0 <= tx.chain < k:
        raise UnknownChain("chain", tx.chain, k)
    dst = tx.chain
    if isinstance(tx, Burn):
        if not 0 <= tx.to_chain < k:
            raise UnknownChain("to_chain", tx.to_chain, k)
        if tx.to_chain == tx.chain:
            raise MalformedTransaction(f"a burn must go to another chain, not to its own chain {tx.chain}")
        dst = tx.to_chain
    n = 1 << shape.account_depth
    if not 0 <= tx.sender < n:
        raise UnknownAccount(tx.chain, tx.sender, f"is outside the account tree [0, {n})")
    if not 0 <= tx.recipient < n:
        raise UnknownAccount(dst, tx.recipient, f"is outside the account tree [0, {n})")


def _check_debit(r: RollupState, index: int, amount: int, nonce: int) -> AccountState:
    s = r.account(index)
    if s is None:
        raise UnknownAccount(r.chain_id, index)
    if nonce != s.nonce or s.nonce == U64_MAX:
        raise BadNonce(r.chain_id, index, s.nonce, nonce)
    if s.balance < amount:
        raise Overdraft(r.chain_id, index, s.balance, amount)
    return s


# --- trace parts --------------------------------------------------------------------------------------------------


def _inactive_account(r: RollupState, index: int) -> AccountUpdate:
    op = r.accounts.opening(index)
    return idle_account(index, op.leaf, op.siblings)


def _inactive_append(r: RollupState) -> BridgeAppend:
    c = r.chain_id
    return idle_append(c, r.shape.bridge_depth, r.slots.opening(idle_append_slot(c)).siblings)


def _update(r: RollupState, index: int, before: AccountState, after: AccountState) -> AccountUpdate:
    leaf = r.account_leaf(after)
    op = r.put_account(index, after, leaf)
    return AccountUpdate(True, index, op.leaf, leaf, op.siblings, before, after)


def _append(r: RollupState, slot: int, tree, message: Message, leaf: int) -> BridgeAppend:
    index = tree.next_index
    prev = tree.opening(index - 1) if index else None
    op = tree.append(leaf)
    root_after = tree.root
    slot_op = r.slots.set(slot, root_after)
    prev_leaf, prev_siblings = (prev.leaf, prev.siblings) if prev is not None else (0, op.siblings)
    return BridgeAppend(
        True, slot, message, index, op.siblings, prev_leaf, prev_siblings, slot_op.leaf, root_after, slot_op.siblings
    )


def noop_slot(r: RollupState) -> SlotTrace:
    """A padding slot at the current state: every part inactive, every root unchanged (no hashing)."""
    data = SlotData.noop()
    debit_index, credit_index = part_indices(data)
    debit, credit = _inactive_account(r, debit_index), _inactive_account(r, credit_index)
    root = r.accounts.root
    return SlotTrace(data, debit, credit, _inactive_append(r), root, root, r.slots.root)


# --- kinds ----------------------------------------------------------------------------------------------------------


def apply_transfer(r: RollupState, tx: Transfer) -> SlotTrace:
    """Execute ``tx`` on its rollup ``r`` and return its slot (debit, credit; append inactive).

    Every check runs before the first write, so a failure leaves ``r`` unchanged. Call ``check_tx`` first.

    Raises
    ------
    UnknownAccount
        The sender's or the recipient's leaf is empty.
    BadNonce
        ``tx.nonce`` is not the sender's nonce (or that nonce is 2^64 − 1).
    Overdraft
        The sender's balance is below ``tx.amount``.
    BalanceOverflow
        The recipient's balance would pass 2^64 − 1.
    """
    s = _check_debit(r, tx.sender, tx.amount, tx.nonce)
    rc = r.account(tx.recipient)
    if rc is None:
        raise UnknownAccount(r.chain_id, tx.recipient)
    if tx.recipient != tx.sender and rc.balance + tx.amount > U64_MAX:
        raise BalanceOverflow(r.chain_id, tx.recipient, rc.balance, tx.amount)
    debit_after = AccountState(s.balance - tx.amount, s.nonce + 1, s.pubkey_x, s.pubkey_y)
    debit = _update(r, tx.sender, s, debit_after)
    root_debit = r.accounts.root
    rc = r.account(tx.recipient)  # after the debit: the same account for a self-transfer
    credit_after = AccountState(rc.balance + tx.amount, rc.nonce, rc.pubkey_x, rc.pubkey_y)
    credit = _update(r, tx.recipient, rc, credit_after)
    data = SlotData(SlotKind.TRANSFER, tx.sender, tx.recipient, tx.amount, tx.nonce, 0)
    return SlotTrace(data, debit, credit, _inactive_append(r), root_debit, r.accounts.root, r.slots.root)


def apply_burn(src: RollupState, tx: Burn) -> tuple[SlotTrace, Message, int]:
    """The burn half of ``apply_burn_with_mint`` alone: debit the sender on ``src``, append to burn tree src→dst.

    For callers that replay one rollup's slots (the semantic differential of the batch circuit); sequencing always
    goes through ``apply_burn_with_mint``. Call ``check_tx`` first. On an error ``src`` is unchanged.

    Returns
    -------
    slot : SlotTrace
        The slot on ``src``.
    message : Message
        The appended message (``message_nonce`` = its index in the burn tree).
    leaf : int
        ``message.leaf()``.

    Raises
    ------
    UnknownAccount, BadNonce, Overdraft
        As for a transfer's sender.
    BridgeTreeFull
        Burn tree src→dst already holds 2^M messages.
    """
    s = _check_debit(src, tx.sender, tx.amount, tx.nonce)
    tree = src.burn_trees[tx.to_chain]
    if tree.next_index >> tree.depth:
        raise BridgeTreeFull(tx.chain, tx.to_chain, 1 << tree.depth)
    data = SlotData(SlotKind.BURN, tx.sender, tx.recipient, tx.amount, tx.nonce, tx.to_chain)
    debit = _update(src, tx.sender, s, AccountState(s.balance - tx.amount, s.nonce + 1, s.pubkey_x, s.pubkey_y))
    root_debit = src.accounts.root
    credit = _inactive_account(src, part_indices(data)[1])  # the recipient's index (on dst), opened here unchanged
    message = Message(tx.chain, tx.to_chain, tx.sender, tx.recipient, tx.amount, tree.next_index)
    leaf = src.message_leaf(message)
    append = _append(src, burn_slot(tx.to_chain), tree, message, leaf)
    return SlotTrace(data, debit, credit, append, root_debit, root_debit, src.slots.root), message, leaf


def apply_mint(dst: RollupState, message: Message, leaf: int) -> SlotTrace:
    """The mint half of ``apply_burn_with_mint`` alone: credit the recipient on ``dst``, append to mint tree src→dst.

    For callers that replay one rollup's slots; sequencing always goes through ``apply_burn_with_mint``. The
    message's chains and indices must already be in range (``check_tx`` of its burn). On an error ``dst`` is
    unchanged.

    Parameters
    ----------
    dst : RollupState
        Rollup ``message.dst_chain``.
    message : Message
        The burn's message; ``message_nonce`` must be the mint tree's message count.
    leaf : int
        ``message.leaf()``.

    Raises
    ------
    UnknownAccount
        The recipient has no account on ``dst``.
    MintOverflow
        The recipient's balance would pass 2^64 − 1.
    RuntimeError
        ``message.message_nonce`` is not the mint tree's message count (the burn/mint invariant is broken).
    """
    rc = dst.account(message.recipient)
    if rc is None:
        raise UnknownAccount(dst.chain_id, message.recipient, "has no account (the mint cannot be made)")
    if rc.balance + message.amount > U64_MAX:
        raise MintOverflow(dst.chain_id, message.recipient, rc.balance, message.amount)
    tree = dst.mint_trees[message.src_chain]
    if tree.next_index != message.message_nonce:
        raise RuntimeError(
            f"mint tree {message.src_chain}→{dst.chain_id} holds {tree.next_index} messages but burn tree holds "
            f"{message.message_nonce}: the burn/mint invariant is already broken"
        )
    data = SlotData(
        SlotKind.MINT, message.sender, message.recipient, message.amount, message.message_nonce, message.src_chain
    )
    debit = _inactive_account(dst, part_indices(data)[0])  # the sender's index (on src), opened here unchanged
    root = dst.accounts.root
    credit = _update(
        dst, message.recipient, rc, AccountState(rc.balance + message.amount, rc.nonce, rc.pubkey_x, rc.pubkey_y)
    )
    append = _append(dst, mint_slot(message.src_chain), tree, message, leaf)
    return SlotTrace(data, debit, credit, append, root, dst.accounts.root, dst.slots.root)


def apply_burn_with_mint(src: RollupState, dst: RollupState, tx: Burn) -> tuple[SlotTrace, SlotTrace, Message]:
    """Execute burn ``tx`` on ``src`` and at once its mint on ``dst``; both or neither (SVS block building).

    Parameters
    ----------
    src, dst : RollupState
        Rollups ``tx.chain`` and ``tx.to_chain``. Call ``check_tx`` first.

    Returns
    -------
    burn_slot : SlotTrace
        The slot on ``src`` (debit, append to burn tree src→dst; credit inactive).
    mint_slot : SlotTrace
        The slot on ``dst`` (credit, append to mint tree src→dst; debit inactive).
    message : Message
        The message both trees received; ``message_nonce`` is its index in both.

    Raises
    ------
    UnknownAccount
        The sender has no account on ``src``, or the recipient none on ``dst`` (mint).
    BadNonce, Overdraft
        As for a transfer (burn).
    BridgeTreeFull
        Burn tree src→dst already holds 2^M messages.
    MintOverflow
        The recipient's balance on ``dst`` would pass 2^64 − 1.

    Notes
    -----
    On any error both rollups are reverted to the snapshots taken on entry, so no root changes; the error is
    re-raised.
    """
    tok_src, tok_dst = src.snapshot(), dst.snapshot()
    try:
        burn, message, leaf = apply_burn(src, tx)
        mint = apply_mint(dst, message, leaf)
    except BaseException:
        src.revert(tok_src)
        dst.revert(tok_dst)
        raise
    return burn, mint, message

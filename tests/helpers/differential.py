"""The semantic differential of the batch circuit: replay a decoded witness with the sequencer's native rules.

``replay(decoded, rollup)`` takes a ``circuits.batch.decode.DecodedBatch`` (a satisfying witness read back into
slots) and the native state it claims to start from (a ``sequencer.rollup.RollupState`` whose state root is the
witness's old_state_root), and replays every slot with the rules the sequencer applies (``sequencer.execute``):

- every decoded value must lie in its native domain first: kind one-hot, the program one of the kind's, account
  indices (and a SWAP action's message sender and target) in [0, 2^D), amounts, nonce and msg_value in [0, 2^64),
  a COND's cap in [0, 2^64), peer chain in [0, K) and ≠ chain_id for a message, 0 otherwise, the fields a kind
  does not use 0;
- a forced rejection (reason ≠ 0) must be refused by the native rules for exactly its reason (unknown sender,
  signature that does not verify, another nonce, a balance below the amount; a transfer's unknown recipient with no
  key named, a named key that is not the recipient's, a credit past 2^64 − 1) and change nothing
  (``forced_rejection_slot``); an included forced slot is its kind's; a forced slot's signature words are the
  signature its verifier checked (the decoded R8, S) and every other slot's are 0 (``forced_data``);
- a transfer is ``check_tx`` + ``check_signature`` (the decoded R8, S against the key in the sender's leaf) +
  ``apply_transfer``; a burn or call the same with ``apply_trigger``; an action checks its message as ``check_tx``
  checks the trigger that made it, then ``apply_action`` (a SWAP action with its order made from the slot and the
  decoded signature, verified under Z's key); a no-op changes nothing;
- what the native replay computes must be what the witness holds: the account fields before and after, the roots
  after each part, the appended slot, index and leaf; at the end the native state root must be the public
  new_state_root, and the native slot data must fold to the public batch_commitment.

It returns the list of disagreements (empty when the witness is a correct batch). The rollup is changed in place;
callers pass a fresh one.
"""

from __future__ import annotations

from circuits.batch.decode import DecodedAccount, DecodedBatch, DecodedSlot
from sequencer.execute import (
    apply_action,
    apply_transfer,
    apply_trigger,
    check_signature,
    check_tx,
    forced_data,
    forced_rejection_slot,
    noop_slot,
)
from sequencer.rollup import RollupState
from sequencer.tx import Burn, Call, Transfer
from zksvs.eddsa import Signature, verify_poseidon
from zksvs.errors import ZksvsError
from zksvs.forced import ForcedReason
from zksvs.rollup_state import U64_MAX, AccountState, Message
from zksvs.statement import SlotData, SlotKind, batch_commitment
from zksvs.trace import AccountUpdate, SlotTrace
from zksvs.tx_message import Program, SwapOrder

_MESSAGE_KINDS = (SlotKind.BURN, SlotKind.CALL, SlotKind.ACTION)
_USER_KINDS = (SlotKind.TRANSFER, SlotKind.BURN, SlotKind.CALL)


def domain_errors(s: DecodedSlot, chain_id: int, n_rollups: int, account_depth: int) -> list[str]:
    """The decoded values of slot ``s`` that lie outside their native domain."""
    kind = s.kind
    if kind is None:
        return [f"kind selectors {s.selectors} are not one-hot"]
    program = s.program
    if program is None or (program != 0) != (kind in _MESSAGE_KINDS) or (kind == SlotKind.BURN and program != 1):
        return [f"program selectors {s.program_selectors} do not fit a {kind.name}"]
    out = []
    n = 1 << account_depth
    swap_action = kind == SlotKind.ACTION and program == Program.SWAP
    for name in ("account_a", "account_b") + (("msg_sender", "msg_target") if swap_action else ()):
        if not 0 <= getattr(s, name) < n:
            out.append(f"{name} {getattr(s, name)} is not an account index in [0, {n})")
    for name in ("amount", "nonce") + (("msg_value",) if swap_action else ()):
        if not 0 <= getattr(s, name) <= U64_MAX:
            out.append(f"{name} {getattr(s, name)} is not a u64")
    if not swap_action and (s.msg_sender, s.msg_target, s.msg_value) != (0, 0, 0):
        out.append(f"a {kind.name} of program {program} has message fields apart")
    if program == Program.COND and not s.payload <= U64_MAX:
        out.append(f"a COND's cap {s.payload} is not a u64")
    if kind in (SlotKind.NOOP, SlotKind.TRANSFER, SlotKind.BURN) and s.payload != 0:
        out.append(f"a {kind.name} with payload {s.payload}")
    if kind == SlotKind.NOOP and (s.pubkey_x, s.pubkey_y) != (0, 0):
        out.append("a no-op names a key")
    if kind in _MESSAGE_KINDS:
        if not 0 <= s.peer_chain < n_rollups or s.peer_chain == chain_id:
            out.append(
                f"peer_chain {s.peer_chain} of a {kind.name} on chain {chain_id} is not another chain of K={n_rollups}"
            )
    elif s.peer_chain != 0:
        out.append(f"peer_chain {s.peer_chain} of a {kind.name} is not 0")
    if kind == SlotKind.NOOP and (s.account_a, s.account_b, s.amount, s.nonce) != (0, 0, 0, 0):
        out.append("a no-op with non-zero fields")
    if s.forced not in (0, 1) or (s.forced and kind not in _USER_KINDS):
        out.append(f"forced {s.forced} on a {kind.name}")
    if s.reason not in tuple(int(r) for r in ForcedReason) or (s.reason and not s.forced):
        out.append(f"reason {s.reason} on a slot with forced {s.forced}")
    for part in ("debit", "credit"):
        u: DecodedAccount = getattr(s, part)
        for name in ("balance_before", "nonce_before", "balance_after", "nonce_after"):
            if not 0 <= getattr(u, name) <= U64_MAX:
                out.append(f"{part}.{name} {getattr(u, name)} is not a u64")
    return out


def _account_errors(u: DecodedAccount, native: AccountUpdate, root_after: int, where: str) -> list[str]:
    out = []
    if u.root_after != root_after:
        out.append(f"{where}: accounts root after {u.root_after} ≠ native {root_after}")
    if not native.active:
        return out
    if u.index != native.index:
        out.append(f"{where}: opens index {u.index}, the native rule updates {native.index}")
    for side, acc in (("before", native.before), ("after", native.after)):
        assert isinstance(acc, AccountState)
        got = (u.pubkey_x, u.pubkey_y, getattr(u, f"balance_{side}"), getattr(u, f"nonce_{side}"))
        want = (acc.pubkey_x, acc.pubkey_y, acc.balance, acc.nonce)
        if got != want:
            out.append(f"{where}: account {side} (pkx, pky, balance, nonce) = {got}, native {want}")
    return out


def _native_rejection(s: DecodedSlot, r: RollupState, tx) -> tuple[SlotTrace, SlotData]:
    """A forced rejection: the native rules must refuse ``tx`` for the slot's reason, and nothing changes."""
    check_tx(tx, r.shape, with_order=False)
    sender = r.account(tx.sender)
    reason = ForcedReason(s.reason)
    holds = {
        ForcedReason.UNKNOWN_ACCOUNT: sender is None,
        ForcedReason.BAD_SIGNATURE: sender is not None
        and not (tx.signature is not None and verify_poseidon(tx.fields().message(), tx.signature,
                                                              (sender.pubkey_x, sender.pubkey_y))),
        ForcedReason.BAD_NONCE: sender is not None and sender.nonce != tx.nonce,
        ForcedReason.OVERDRAFT: sender is not None and sender.balance < tx.amount,
    }  # fmt: skip
    if isinstance(tx, Transfer):
        to, named = r.account(tx.recipient), tx.to_pubkey
        holds[ForcedReason.UNKNOWN_RECIPIENT] = to is None and named == (0, 0)
        holds[ForcedReason.RECIPIENT_KEY_MISMATCH] = to is not None and named not in (
            (0, 0),
            (to.pubkey_x, to.pubkey_y),
        )
        holds[ForcedReason.BALANCE_OVERFLOW] = (
            to is not None and tx.recipient != tx.sender and to.balance + tx.amount > U64_MAX
        )
    if not holds.get(reason, False):
        raise ValueError(f"the native rules do not reject the forced {s.kind.name} for {reason.name}")
    slot = forced_rejection_slot(r, tx, reason)
    return slot, slot.data


def _native_slot(s: DecodedSlot, r: RollupState) -> tuple[SlotTrace, SlotData]:
    """Run slot ``s`` through the native rules on ``r``; raises the native rejection."""
    trace, data = _native_slot_of_kind(s, r)
    if s.forced and not s.reason:
        data = forced_data(data, None if s.r8 == (0, 0) and s.s == 0 else Signature(s.r8, s.s))
    return trace, data


def _native_slot_of_kind(s: DecodedSlot, r: RollupState) -> tuple[SlotTrace, SlotData]:
    c, shape = r.chain_id, r.shape
    kind = s.kind
    pk = (s.pubkey_x, s.pubkey_y)
    sig = None if s.r8 == (0, 0) and s.s == 0 else Signature(s.r8, s.s)
    if s.reason:
        if kind == SlotKind.TRANSFER:
            tx = Transfer(c, s.account_a, s.account_b, s.amount, s.nonce, pk, sig)
        elif kind == SlotKind.BURN:
            tx = Burn(c, s.peer_chain, s.account_a, s.account_b, s.amount, s.nonce, pk, sig)
        else:
            tx = Call(c, s.peer_chain, s.account_a, s.account_b, s.amount, s.nonce, Program(s.program), s.payload, pk,
                      sig)  # fmt: skip
        return _native_rejection(s, r, tx)
    if kind == SlotKind.NOOP:
        if sig is not None:
            raise ValueError("a no-op carries a signature")
        return noop_slot(r), SlotData.noop()
    if kind == SlotKind.TRANSFER:
        tx = Transfer(c, s.account_a, s.account_b, s.amount, s.nonce, pk, sig)
        check_tx(tx, shape)
        check_signature(r, tx, verify_poseidon)
        return apply_transfer(r, tx), tx_data(kind, s)
    if kind in (SlotKind.BURN, SlotKind.CALL):
        if kind == SlotKind.BURN:
            tx = Burn(c, s.peer_chain, s.account_a, s.account_b, s.amount, s.nonce, pk, sig)
        else:
            tx = Call(c, s.peer_chain, s.account_a, s.account_b, s.amount, s.nonce, Program(s.program), s.payload, pk,
                      sig)  # fmt: skip
        check_tx(tx, shape, with_order=False)  # a SWAP's order is on the peer chain
        check_signature(r, tx, verify_poseidon)
        slot, _, _ = apply_trigger(r, tx)
        return slot, slot.data
    # ACTION: its message must pass the checks of the trigger that made it (nonce: the trigger's sender nonce is not
    # known on this chain, 0 stands in); then the program's rules on this chain.
    program = Program(s.program)
    if program == Program.SWAP:
        sender, target, value = s.msg_sender, s.msg_target, s.msg_value
        index = r.mint_trees[s.peer_chain].next_index  # not committed for a SWAP action: the tree's count
        order = SwapOrder(c, s.peer_chain, s.account_a, s.account_b, s.amount, s.nonce, sender, target, value)
    else:
        sender, target, value, index, order = s.account_a, s.account_b, s.amount, s.nonce, None
    trigger = Call(s.peer_chain, c, sender, target, value, 0, program, s.payload, pk)
    check_tx(trigger, shape, with_order=False)
    if program != Program.SWAP and sig is not None:
        raise ValueError("a MINT or COND action carries a signature")
    message = Message(s.peer_chain, c, sender, target, value, index, program, s.payload, pk)
    slot = apply_action(r, message, message.leaf(), order, sig, verify_poseidon)
    return slot, slot.data


def tx_data(kind: SlotKind, s: DecodedSlot) -> SlotData:
    """The committed data of a transfer from its decoded fields."""
    return SlotData(kind, s.account_a, s.account_b, s.amount, s.nonce, 0, 0, 0, s.pubkey_x, s.pubkey_y)


def _decoded_data(s: DecodedSlot) -> SlotData:
    return SlotData(
        s.kind, s.account_a, s.account_b, s.amount, s.nonce, s.peer_chain, s.program, s.payload, s.pubkey_x,
        s.pubkey_y, s.msg_sender, s.msg_target, s.msg_value, s.forced, s.reason, *s.sig_words,
    )  # fmt: skip


def replay(decoded: DecodedBatch, rollup: RollupState) -> list[str]:
    """Replay ``decoded`` natively on ``rollup`` (changed in place); return every disagreement (module docstring)."""
    shape = rollup.shape
    if decoded.chain_id != rollup.chain_id:
        return [f"chain_id {decoded.chain_id} is not the replayed rollup's {rollup.chain_id}"]
    if rollup.state_root() != decoded.old_state_root:
        return ["the replayed rollup's state root is not the witness's old_state_root"]
    native_data = []
    for k, s in enumerate(decoded.slots):
        where = f"slot[{k}]"
        errors = domain_errors(s, rollup.chain_id, shape.n_rollups, shape.account_depth)
        if errors:
            return [f"{where}: {e}" for e in errors]
        try:
            native, data = _native_slot(s, rollup)
        except (ZksvsError, RuntimeError, ValueError) as e:
            return [f"{where}: the native rules refuse the {s.kind.name}: {e}"]
        rollup.forget_history()
        native_data.append(data)
        out = _account_errors(s.debit, native.debit, native.accounts_root_after_debit, f"{where}/debit")
        out += _account_errors(s.credit, native.credit, native.accounts_root_after_credit, f"{where}/credit")
        if s.append.bridge_root_after != native.bridge_root_after:
            out.append(f"{where}/append: bridge root after ≠ native")
        if data != _decoded_data(s):
            out.append(f"{where}: the native slot data {data} is not the decoded one")
        a = native.append
        if a.active and (s.append.slot, s.append.index, s.append.leaf) != (a.slot, a.index, a.message.leaf()):
            out.append(
                f"{where}/append: (slot, index) = ({s.append.slot}, {s.append.index}), native ({a.slot}, {a.index})"
            )
        if out:
            return out
    if rollup.state_root() != decoded.new_state_root:
        return ["the native replay ends at another state root than the public new_state_root"]
    if batch_commitment(native_data) != decoded.batch_commitment:
        return ["the native slot data does not fold to the public batch_commitment"]
    return []

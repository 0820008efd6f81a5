"""The semantic differential of the batch circuit: replay a decoded witness with the sequencer's native rules.

``replay(decoded, rollup)`` takes a ``circuits.batch.decode.DecodedBatch`` (a satisfying witness read back into
slots) and the native state it claims to start from (a ``sequencer.rollup.RollupState`` whose state root is the
witness's old_state_root), and replays every slot with the rules the sequencer applies (``sequencer.execute``):

- every decoded value must lie in its native domain first: kind one-hot, account indices in [0, 2^D), amount and
  nonce in [0, 2^64), peer chain in [0, K) and ≠ chain_id for a burn or mint, 0 otherwise, a no-op all zeros;
- a transfer is ``check_tx`` + ``apply_transfer``; a burn ``check_tx`` + ``apply_burn``; a mint checks its message
  as ``check_tx`` checks the burn that made it, then ``apply_mint``; a no-op changes nothing;
- what the native replay computes must be what the witness holds: the account fields before and after, the roots
  after each part, the appended slot, index and leaf; at the end the native state root must be the public
  new_state_root, and the native slot data must fold to the public batch_commitment.

It returns the list of disagreements (empty when the witness is a correct batch). The rollup is changed in place;
callers pass a fresh one.
"""

from __future__ import annotations

from circuits.batch.decode import DecodedAccount, DecodedBatch, DecodedSlot
from sequencer.execute import apply_burn, apply_mint, apply_transfer, check_tx, noop_slot
from sequencer.rollup import RollupState
from sequencer.tx import Burn, Transfer
from zksvs.errors import ZksvsError
from zksvs.rollup_state import U64_MAX, AccountState, Message
from zksvs.statement import SlotData, SlotKind, batch_commitment
from zksvs.trace import AccountUpdate, SlotTrace


def domain_errors(s: DecodedSlot, chain_id: int, n_rollups: int, account_depth: int) -> list[str]:
    """The decoded values of slot ``s`` that lie outside their native domain."""
    kind = s.kind
    if kind is None:
        return [f"kind selectors {s.selectors} are not one-hot"]
    out = []
    n = 1 << account_depth
    for name in ("account_a", "account_b"):
        if not 0 <= getattr(s, name) < n:
            out.append(f"{name} {getattr(s, name)} is not an account index in [0, {n})")
    for name in ("amount", "nonce"):
        if not 0 <= getattr(s, name) <= U64_MAX:
            out.append(f"{name} {getattr(s, name)} is not a u64")
    if kind in (SlotKind.BURN, SlotKind.MINT):
        if not 0 <= s.peer_chain < n_rollups or s.peer_chain == chain_id:
            out.append(
                f"peer_chain {s.peer_chain} of a {kind.name} on chain {chain_id} is not another chain of K={n_rollups}"
            )
    elif s.peer_chain != 0:
        out.append(f"peer_chain {s.peer_chain} of a {kind.name} is not 0")
    if kind == SlotKind.NOOP and (s.account_a, s.account_b, s.amount, s.nonce) != (0, 0, 0, 0):
        out.append("a no-op with non-zero fields")
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


def _native_slot(s: DecodedSlot, r: RollupState) -> tuple[SlotTrace, SlotData]:
    """Run slot ``s`` through the native rules on ``r``; raises the native rejection."""
    c, shape = r.chain_id, r.shape
    kind = s.kind
    if kind == SlotKind.NOOP:
        return noop_slot(r), SlotData.noop()
    if kind == SlotKind.TRANSFER:
        tx = Transfer(c, s.account_a, s.account_b, s.amount, s.nonce)
        check_tx(tx, shape)
        return apply_transfer(r, tx), SlotData(kind, s.account_a, s.account_b, s.amount, s.nonce, 0)
    if kind == SlotKind.BURN:
        tx = Burn(c, s.peer_chain, s.account_a, s.account_b, s.amount, s.nonce)
        check_tx(tx, shape)
        slot, _, _ = apply_burn(r, tx)
        return slot, slot.data
    # MINT: its message must pass the checks of the burn that made it (nonce: the burn's sender nonce is not known
    # on this chain, 0 stands in); then the mint rules on this chain.
    check_tx(Burn(s.peer_chain, c, s.account_a, s.account_b, s.amount, 0), shape)
    message = Message(s.peer_chain, c, s.account_a, s.account_b, s.amount, s.nonce)
    slot = apply_mint(r, message, message.leaf())
    return slot, slot.data


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
        except (ZksvsError, RuntimeError) as e:
            return [f"{where}: the native rules refuse the {s.kind.name}: {e}"]
        rollup.forget_history()
        native_data.append(data)
        out = _account_errors(s.debit, native.debit, native.accounts_root_after_debit, f"{where}/debit")
        out += _account_errors(s.credit, native.credit, native.accounts_root_after_credit, f"{where}/credit")
        if s.append.bridge_root_after != native.bridge_root_after:
            out.append(f"{where}/append: bridge root after ≠ native")
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

"""A cheating sequencer for one rollup: writes batch traces that break the rules but keep every opening consistent.

``Forge`` applies whatever it is told, checks no rule and computes in the field (an overdraft wraps around, a nonce
past 2^64 − 1 is written as 2^64, a peer of (2c − 1)/2 mod r sends a message to slot (2·peer + 1) mod r), as a
prover who controls the whole witness would. Every leaf, opening and root it records is the native core's
(``zksvs.merkle`` / ``zksvs.rollup_state``) for what it wrote, so a forged trace fails only at the rule it breaks,
never at a sloppy opening. It never uses the circuit, nor the sequencer.

Inactive parts are written by the trace contract (``zksvs.trace``), implemented here a second time from its
docstring (so a drift between the contract, the sequencer and the circuit shows up as a failing test):

- an inactive account part opens the index its slot's field names (account_a for the debit, account_b for the
  credit) and writes back the leaf it read;
- an inactive append opens index 0 of the tree at bridge slot 2·chain_id (the c→c burn tree) and writes back 0.

``Forge.cheat`` writes a whole slot from arbitrary field values (the semantic differential and the audit's
forgeries use it); ``transfer`` / ``burn`` / ``mint`` / ``noop`` write the usual slots with a single twist each.
"""

from __future__ import annotations

from collections.abc import Callable

from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree
from zksvs.rollup_state import (
    AccountState,
    Message,
    bridge_opening,
    bridge_root,
    bridge_slot_depth,
    empty_bridge_slots,
    state_root,
)
from zksvs.statement import SlotData, SlotKind
from zksvs.trace import AccountUpdate, BatchShape, BatchTrace, BridgeAppend, SlotTrace

R = FR_MODULUS


def field_edges(n_rollups: int) -> list[int]:
    """Field-edge values for a shared set of K rollups: 0, 1, r − 1, (r ± 1)/2 (1/2 is (r + 1)/2), 2^64 − 1, 2^64,
    −c/2, (2c − 1)/2 and (2c + 1)/2 mod r for every c in 0..K, and every ``landing_peers`` value. Sorted, no
    repeats."""
    half = pow(2, -1, R)
    values = {0, 1, R - 1, (R - 1) // 2, (R + 1) // 2, half, (1 << 64) - 1, 1 << 64, *landing_peers(n_rollups)}
    for c in range(n_rollups + 1):
        values |= {(-c * half) % R, ((2 * c - 1) * half) % R, ((2 * c + 1) * half) % R}
    return sorted(values)


def landing_peers(n_rollups: int) -> list[int]:
    """Every peer value p for which 2·p + m (mod r) is a bridge slot s of the slot tree, for m ∈ {0, 1} (burn,
    mint): p = (s − m)/2 mod r, in the order s = 0, 1, …, m = 0, 1. The integers among them are the honest peers
    (and, for K not a power of two, padding slots); the others are halves mod r, the audit's forged peers
    ((2c − 1)/2 sends a mint to slot 2c, the burn tree c→c)."""
    half = pow(2, -1, R)
    out: list[int] = []
    for s in range(1 << bridge_slot_depth(n_rollups)):
        for m in (0, 1):
            p = (s - m) * half % R
            if p not in out:
                out.append(p)
    return out


class Forge:
    """Writes one rollup's batch trace, slot by slot, from a native starting state.

    Parameters
    ----------
    shape : BatchShape
        K, B, D, M.
    chain_id : int
        The rollup.
    accounts : dict[int, AccountState]
        Starting accounts (a valid native state: u64 balances and nonces).
    """

    def __init__(self, shape: BatchShape, chain_id: int, accounts: dict[int, AccountState]) -> None:
        self.shape, self.chain_id = shape, chain_id
        self.accounts = SparseMerkleTree(shape.account_depth)
        self.states = dict(accounts)
        for i, a in accounts.items():
            self.accounts.set(i, a.leaf())
        self.trees = {s: SparseMerkleTree(shape.bridge_depth) for s in range(1 << shape.slot_tree_depth)}
        self.counts = dict.fromkeys(self.trees, 0)
        self.slot_values = empty_bridge_slots(shape.n_rollups, shape.bridge_depth)
        self.slots: list[SlotTrace] = []
        self.old = (self.accounts.root, bridge_root(self.slot_values))

    # --- parts ---------------------------------------------------------------------------------------------------

    def _leaf_index(self, index: int) -> int:
        """Where the forge opens a claimed account index (an index outside the tree is opened modulo 2^D)."""
        return index % (1 << self.shape.account_depth)

    def account(self, index: int, after: AccountState, *, leaf_after: int | None = None) -> AccountUpdate:
        """An active update of account ``index`` to ``after`` (``leaf_after`` forces another leaf)."""
        at = self._leaf_index(index)
        opening = self.accounts.opening(at)
        before = self.states.get(at, AccountState(0))  # no account: the cheater claims an all-zero one
        new_leaf = after.leaf() if leaf_after is None else leaf_after
        self.accounts.set(at, new_leaf)
        self.states[at] = after
        return AccountUpdate(True, index, opening.leaf, new_leaf, opening.siblings, before, after)

    def idle_account(self, field: int, *, leaf_after: int | None = None) -> AccountUpdate:
        """An inactive account part for a slot whose account field is ``field`` (the contract: it opens that index,
        modulo 2^D when it is outside the tree)."""
        at = self._leaf_index(field)
        opening = self.accounts.opening(at)
        new_leaf = opening.leaf if leaf_after is None else leaf_after
        self.accounts.set(at, new_leaf)
        return AccountUpdate(False, field, opening.leaf, new_leaf, opening.siblings)

    def append(self, slot: int, message: Message | None, *, index: int | None = None, leaf: int | None = None):
        """Append ``message`` (or force ``leaf``) to the tree at ``slot`` at ``index`` (default: its count)."""
        return self._append(True, slot, message, self.counts[slot] if index is None else index, leaf)

    def idle_append(self) -> BridgeAppend:
        """An inactive append (the contract: index 0 of the tree at slot 2·chain_id, written back unchanged)."""
        return self._append(False, 2 * self.chain_id, None, 0, None)

    def _append(self, active: bool, slot: int, message: Message | None, i: int, leaf: int | None) -> BridgeAppend:
        tree = self.trees[slot]
        at = i % (1 << self.shape.bridge_depth)
        prev = tree.opening(max(at - 1, 0))
        opening = tree.opening(at)
        slot_siblings = bridge_opening(self.slot_values, slot, 0).siblings
        root_before = tree.root
        if active:
            tree.set(at, message.leaf() if leaf is None else leaf)
            self.counts[slot] = max(self.counts[slot], at + 1)
            self.slot_values[slot] = tree.root
        return BridgeAppend(
            active, slot, message, i, opening.siblings, prev.leaf if at > 0 else opening.leaf, prev.siblings,
            root_before, tree.root, slot_siblings,
        )  # fmt: skip

    def slot(
        self,
        data: SlotData,
        debit: Callable[[], AccountUpdate],
        credit: Callable[[], AccountUpdate],
        append: Callable[[], BridgeAppend],
    ) -> None:
        """Record one slot from its three parts (thunks run in order: debit, credit, append)."""
        d = debit()
        acc_debit = self.accounts.root
        c = credit()
        acc_credit = self.accounts.root
        a = append()
        self.slots.append(SlotTrace(data, d, c, a, acc_debit, acc_credit, bridge_root(self.slot_values)))

    # --- whole slots -----------------------------------------------------------------------------------------------

    def cheat(
        self,
        kind: SlotKind,
        account_a: int,
        account_b: int,
        amount: int,
        peer: int = 0,
        *,
        nonce: int | None = None,
        index: int | None = None,
    ) -> None:
        """A slot of ``kind`` from arbitrary field values, every dependent value computed in the field.

        The debit (TRANSFER, BURN) writes balance − amount and nonce + 1 mod r to ``account_a``; the credit
        (TRANSFER, MINT) balance + amount to ``account_b``; the append (BURN, MINT) writes Message(src, dst,
        account_a, account_b, amount, index) with (src, dst) = (chain, peer) for a burn, (peer, chain) for a mint, at
        bridge slot (2·peer + [mint]) mod r (taken mod 2^S when it is no slot: the circuit must then refuse it).
        ``nonce`` defaults to what the slot's rule says (the sender's nonce, the mint's index); ``index`` to the
        tree's message count.
        """
        debit_on = kind in (SlotKind.TRANSFER, SlotKind.BURN)
        credit_on = kind in (SlotKind.TRANSFER, SlotKind.MINT)
        append_on = kind in (SlotKind.BURN, SlotKind.MINT)
        is_mint = int(kind == SlotKind.MINT)
        slot = (2 * peer + is_mint) % R
        slot = slot if slot < len(self.trees) else slot % len(self.trees)
        i = (self.counts[slot] if index is None else index) if append_on else 0
        if nonce is None:
            sender = self.states.get(self._leaf_index(account_a), AccountState(0))
            nonce = sender.nonce if debit_on else (i if is_mint else 0)
        c = self.chain_id
        src, dst = (peer, c) if is_mint else (c, peer)
        message = Message(src % R, dst % R, account_a, account_b, amount, i) if append_on else None

        def debit() -> AccountUpdate:
            if not debit_on:
                return self.idle_account(account_a)
            s = self.states.get(self._leaf_index(account_a), AccountState(0))
            return self.account(
                account_a, AccountState((s.balance - amount) % R, (s.nonce + 1) % R, s.pubkey_x, s.pubkey_y)
            )

        def credit() -> AccountUpdate:
            if not credit_on:
                return self.idle_account(account_b)
            s = self.states.get(self._leaf_index(account_b), AccountState(0))
            return self.account(account_b, AccountState((s.balance + amount) % R, s.nonce, s.pubkey_x, s.pubkey_y))

        data = SlotData(kind, account_a, account_b, amount, nonce, peer)
        self.slot(data, debit, credit, lambda: self.append(slot, message, index=i) if append_on else self.idle_append())

    def transfer(self, a: int, b: int, amount: int, *, nonce: int | None = None, debit_after=None, debit_index=None):
        """A transfer a → b; ``debit_after`` forces the sender's new state, ``debit_index`` the leaf it writes."""
        sa = self.states[a]
        after_a = debit_after or AccountState((sa.balance - amount) % R, sa.nonce + 1, sa.pubkey_x, sa.pubkey_y)
        data = SlotData(SlotKind.TRANSFER, a, b, amount, sa.nonce if nonce is None else nonce)

        def credit() -> AccountUpdate:
            sb = self.states[b]
            return self.account(b, AccountState((sb.balance + amount) % R, sb.nonce, sb.pubkey_x, sb.pubkey_y))

        self.slot(
            data, lambda: self.account(a if debit_index is None else debit_index, after_a), credit, self.idle_append
        )

    def burn(self, a: int, dst: int, b: int, amount: int, *, index: int | None = None) -> None:
        """A burn a → (dst, b) at message ``index`` (default: the tree's count)."""
        self.cheat(SlotKind.BURN, a, b, amount, dst, index=index)

    def mint(self, src: int, sender: int, b: int, amount: int, *, message: Message | None = None, inactive_debit=None):
        """A mint (src, sender) → b; ``message`` forces the appended message, ``inactive_debit`` a leaf that the
        unused debit writes."""
        i = self.counts[2 * src + 1]
        msg = message or Message(src, self.chain_id, sender, b, amount, i)
        sb = self.states[b]
        after_b = AccountState(sb.balance + amount, sb.nonce, sb.pubkey_x, sb.pubkey_y)
        data = SlotData(SlotKind.MINT, sender, b, amount, i, src)
        self.slot(
            data, lambda: self.idle_account(sender, leaf_after=inactive_debit), lambda: self.account(b, after_b),
            lambda: self.append(2 * src + 1, msg),
        )  # fmt: skip

    def noop(self, data: SlotData | None = None) -> None:
        """A padding slot (``data`` forces its committed fields)."""
        d = data or SlotData.noop()
        self.slot(d, lambda: self.idle_account(d.account_a), lambda: self.idle_account(d.account_b), self.idle_append)

    def trace(self, batch_number: int = 0) -> BatchTrace:
        """The batch, padded with no-ops to capacity B."""
        while len(self.slots) < self.shape.capacity:
            self.noop()
        acc, br = self.accounts.root, bridge_root(self.slot_values)
        return BatchTrace(
            self.chain_id, batch_number, self.shape, state_root(*self.old), state_root(acc, br), self.old[0],
            self.old[1], acc, br, tuple(self.slots), tuple(self.slot_values),
        )  # fmt: skip

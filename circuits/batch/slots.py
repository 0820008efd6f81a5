"""The batch circuit's rules, one function per rule (DESIGN.md §6), as gnark's rollup example splits
``verifyAccountUpdated`` / ``verifyTransferSignature``.

Every slot of a batch has the same three parts whatever its kind (``zksvs.trace``), so the circuit has one fixed
shape; the kind's one-hot selectors switch each part on or off:

    kind       debit (sender)   credit (recipient)   append (bridge message)
    NOOP       off              off                  off
    TRANSFER   account_a        account_b            off
    BURN       account_a        off                  burn tree c→peer at slot 2·peer
    MINT       off              account_b            mint tree peer→c at slot 2·peer + 1

Every value used as an index, a slot, a peer or a selector is range-constrained where it is made (``slot_data``
for the committed fields, ``kind_selectors`` for the kind, ``circuit.define_batch`` for chain_id): account_a and
account_b are decomposed into their D bits, the peer into the bits of a value below K, and those same bits are the
Merkle direction bits of the parts. So no relation between them holds only mod r: the bridge slot of an append is
the bit string (mint, bits of peer), not a field element that 2·peer + mint happens to equal (the audit's mint
without a burn: peer = (2c − 1)/2 mod r sent a MINT to slot 2c).

A part that is off still opens its tree and writes back the leaf it read, so it cannot change a root; the values
that only an active part uses (account fields, the appended leaf, the message index) are pinned to 0 when it is
off, so the witness of a batch is unique (``tests/circuits/test_batch_soundness.py`` moves every wire by one). Where
an inactive part opens is the trace contract of ``zksvs.trace``: an account part at the index its committed field
names (account_a for the debit, account_b for the credit: 0 for a no-op), the append at index 0 of the burn tree
c→c in slot 2·chain_id, which always stays empty (an append needs peer ≠ chain_id; the cross-rollup circuit pins the
c→c slots to the empty root at every shared batch). Its openings are then known from the trace, and every append
constraint can hold unconditionally, with no selector gating (cheaper than gating, and no wire is left free).

Functions take the builder first, open their own namespace and document ``Constrains`` / ``Cost`` / ``Assumes`` /
``Rejects`` (STYLE.md §6). Costs are for the BN254 circomlib Poseidon of ``circuits.gadgets.poseidon`` (P2 ≈ 240,
P4 ≈ 300, P6 ≈ 357 constraints) and a Merkle level = one selection + one P2. ``docs/circuits.md`` lists every
constraint family with its cost at the demo shape.

References
----------
gnark ``examples/rollup/circuit.go`` (one helper per rule); DESIGN.md §4 (leaves, slots), §6 (soundness checklist).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.bits import from_bits
from circuits.gadgets.boolean import alloc_bool, select
from circuits.gadgets.merkle import merkle_root
from circuits.gadgets.poseidon import poseidon_hash, poseidon_hash2
from circuits.gadgets.range import U64_BITS, assert_below, assert_range
from zksvs.field import FR_MODULUS
from zksvs.statement import ACCOUNT_BITS

_R = FR_MODULUS

__all__ = [
    "AccountPartInputs",
    "AppendPartInputs",
    "KindSelectors",
    "SlotDataVars",
    "SlotInputs",
    "append",
    "credit",
    "debit",
    "kind_selectors",
    "noop",
    "slot_data",
]


# --- inputs: the values a slot's private input wires take (None everywhere in shape-only builds) -----------------


@dataclass(frozen=True)
class AccountPartInputs:
    """Private inputs of one account update (debit or credit), copied from a ``zksvs.trace.AccountUpdate``.

    The leaf index is not an input: the part opens the index its committed field names (``SlotDataVars``).

    Attributes
    ----------
    siblings : tuple[int, ...]
        D siblings, bottom-up, of the part's index in the accounts root before the update.
    leaf_before, leaf_after : int
        The leaf before and after (equal when off).
    pubkey_x, pubkey_y, balance_before, nonce_before : int
        Preimage of ``leaf_before`` when active; 0 when off.
    balance_after, nonce_after : int
        Account fields after the update when active; 0 when off.
    root_after : int
        Accounts root after the update.
    """

    siblings: tuple[int, ...]
    leaf_before: int
    leaf_after: int
    pubkey_x: int
    pubkey_y: int
    balance_before: int
    nonce_before: int
    balance_after: int
    nonce_after: int
    root_after: int


@dataclass(frozen=True)
class AppendPartInputs:
    """Private inputs of one bridge append, copied from a ``zksvs.trace.BridgeAppend``.

    The bridge slot is not an input: it is made from the kind, the peer and chain_id (``append``).

    Attributes
    ----------
    index : int
        Message index in the burn/mint tree (its message count before); 0 when off.
    tree_siblings : tuple[int, ...]
        M siblings of ``index`` in the tree before the append (the leaf there is 0).
    prev_leaf : int
        Leaf at ``index − 1`` (non-zero) or, for index 0, the leaf 0 at index 0.
    prev_siblings : tuple[int, ...]
        M siblings of ``max(index − 1, 0)`` in the tree before the append.
    tree_root_before, tree_root_after : int
        The tree's root (the bridge slot's value) before and after.
    slot_siblings : tuple[int, ...]
        ceil(log2(2K)) siblings of the slot (2·peer (burn), 2·peer + 1 (mint), 2·chain_id when off) in the bridge
        slot tree before the append.
    bridge_root_after : int
        Bridge root after the append.
    """

    index: int
    tree_siblings: tuple[int, ...]
    prev_leaf: int
    prev_siblings: tuple[int, ...]
    tree_root_before: int
    tree_root_after: int
    slot_siblings: tuple[int, ...]
    bridge_root_after: int


@dataclass(frozen=True)
class SlotInputs:
    """Private inputs of one slot: its committed data (``zksvs.statement.SlotData``) and its three parts."""

    kind: int
    account_a: int
    account_b: int
    amount: int
    nonce: int
    peer_chain: int
    debit: AccountPartInputs
    credit: AccountPartInputs
    append: AppendPartInputs


def _get(obj: object | None, attr: str, i: int | None = None) -> int | None:
    """``obj.attr`` (or ``obj.attr[i]``), or None in a shape-only build (``obj`` is None)."""
    if obj is None:
        return None
    v = getattr(obj, attr)
    return int(v if i is None else v[i])


def _bits_input(cb: ConstraintBuilder, name: str, value: int | None, n: int) -> list[Bool]:
    """``n`` private boolean wires ``name[i]`` holding the bits of ``value`` (little-endian)."""
    return [alloc_bool(cb, f"{name}[{i}]", None if value is None else (value >> i) & 1) for i in range(n)]


def _path(cb: ConstraintBuilder, leaf: Var | int, bits: Sequence[Bool], siblings: Sequence[Var], name: str) -> Var:
    """Merkle root of ``leaf`` at the index given by ``bits`` with ``siblings`` (namespace ``name``)."""
    return merkle_root(cb, leaf, bits, siblings, poseidon_hash2, name=name)


# --- kind and data --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSelectors:
    """The one-hot kind selectors of a slot and the part switches derived from them (linear, free)."""

    noop: Bool
    transfer: Bool
    burn: Bool
    mint: Bool

    @property
    def kind(self) -> Var:
        """The SlotKind value: transfer + 2·burn + 3·mint (the slot word packs one bit per kind instead)."""
        return self.transfer + 2 * self.burn + 3 * self.mint

    @property
    def debit_active(self) -> Bool:
        """TRANSFER or BURN (boolean because the selectors are one-hot)."""
        return Bool._trusted(self.transfer + self.burn)

    @property
    def credit_active(self) -> Bool:
        """TRANSFER or MINT."""
        return Bool._trusted(self.transfer + self.mint)

    @property
    def append_active(self) -> Bool:
        """BURN or MINT."""
        return Bool._trusted(self.burn + self.mint)


def kind_selectors(cb: ConstraintBuilder, kind: int | None) -> KindSelectors:
    """Allocate the four kind selectors of a slot whose SlotKind is ``kind`` (namespace ``kind``).

    Constrains: noop, transfer, burn, mint ∈ {0, 1} (labels ``kind/<name>``); noop + transfer + burn + mint = 1
                (label ``kind/one_hot``). Their value is tied to SlotData.kind through the slot word.
    Cost:       5 constraints
    Assumes:    nothing
    Rejects:    two selectors set, none set, a selector = 2 (tested in tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("kind"):
        sels = [alloc_bool(cb, name, None if kind is None else int(kind == k)) for k, name in enumerate(_KINDS)]
        cb.assert_equal(sels[0] + sels[1] + sels[2] + sels[3], 1, "one_hot")
    return KindSelectors(*sels)


_KINDS = ("noop", "transfer", "burn", "mint")


@dataclass(frozen=True)
class SlotDataVars:
    """The committed slot fields (``zksvs.statement.SlotData``) as private wires, with the bits they are made of.

    ``account_a_bits`` / ``account_b_bits`` (D bits) are the Merkle direction bits of the debit / credit;
    ``peer_bits`` (ceil(log2 K) bits) make the bridge slot of the append; ``amount_bits`` / ``nonce_bits`` (64
    bits): with the others, the slot word is built from bits (``circuits.batch.binding.slot_word``).
    """

    account_a: Var
    account_b: Var
    amount: Var
    nonce: Var
    peer_chain: Var
    account_a_bits: list[Bool]
    account_b_bits: list[Bool]
    peer_bits: list[Bool]
    amount_bits: list[Bool] = ()  # type: ignore[assignment]
    nonce_bits: list[Bool] = ()  # type: ignore[assignment]


def slot_data(cb: ConstraintBuilder, inputs: SlotInputs | None, *, n_rollups: int, account_depth: int) -> SlotDataVars:
    """Allocate the slot's committed fields and range-constrain each one (namespace ``data``).

    Every field is range-checked where it is created: those used as an index (accounts, peer) and the rest, so that
    the slot word (``circuits.batch.binding.slot_word``) is one-to-one on what the circuit accepts.

    Constrains: 0 ≤ account_a, account_b < 2^D (labels ``data/account_a_range/…``, ``data/account_b_range/…``);
                0 ≤ amount, nonce < 2^64 (``data/amount_range/…``, ``data/nonce_range/…``); 0 ≤ peer_chain < K
                (``data/peer_range/…``, by ``assert_below``)
    Cost:       2·(D + 1) + 2·65 + cost(assert_below K): 151 for K = 4, D = 8
    Assumes:    nothing
    Rejects:    amount = 2^64, nonce = 2^64; account_b = 2^D on a burn (a recipient no chain has); peer = K,
                peer = (2c − 1)/2 mod r (tested in tests/circuits/test_batch_soundness.py and
                tests/circuits/test_mint_without_burn.py)

    Raises
    ------
    ValueError
        ``account_depth`` exceeds the slot word's 32-bit account fields.
    """
    if account_depth > ACCOUNT_BITS:
        raise ValueError(f"account_depth must be at most {ACCOUNT_BITS} (the slot word's account width)")
    with cb.namespace("data"):
        fields = [cb.private(n, _get(inputs, n)) for n in ("account_a", "account_b", "amount", "nonce", "peer_chain")]
        account_a, account_b, amount, nonce, peer = fields
        a_bits = assert_range(cb, account_a, account_depth, "account_a_range")
        b_bits = assert_range(cb, account_b, account_depth, "account_b_range")
        amount_bits = assert_range(cb, amount, U64_BITS, "amount_range")
        nonce_bits = assert_range(cb, nonce, U64_BITS, "nonce_range")
        peer_bits = assert_below(cb, peer, n_rollups, "peer_range")
    return SlotDataVars(account_a, account_b, amount, nonce, peer, a_bits, b_bits, peer_bits, amount_bits, nonce_bits)


def noop(cb: ConstraintBuilder, sel: KindSelectors, data: SlotDataVars) -> None:
    """The no-op rule: a NOOP slot's committed fields are all 0 (namespace ``noop``).

    peer_chain and nonce of a NOOP are already forced to 0 by ``append`` (peer = 0 unless burn/mint) and by the
    nonce binding in ``circuit``; this adds the three fields no part pins.

    Constrains: noop · account_a = 0, noop · account_b = 0, noop · amount = 0 (labels ``noop/<field>``)
    Cost:       3 constraints
    Assumes:    ``sel`` from ``kind_selectors``
    Rejects:    a NOOP with amount 5 (tested in tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("noop"):
        for name in ("account_a", "account_b", "amount"):
            cb.enforce(sel.noop, getattr(data, name), 0, name)


# --- account updates -------------------------------------------------------------------------------------------------


def _account_update(
    cb: ConstraintBuilder,
    inputs: AccountPartInputs | None,
    active: Bool,
    bits: list[Bool],
    amount: Var,
    root_before: Var,
    *,
    is_debit: bool,
) -> tuple[Var, Var]:
    """Shared body of ``debit`` and ``credit``; returns (root_after, nonce_before)."""
    depth = len(bits)
    siblings = [cb.private(f"siblings[{i}]", _get(inputs, "siblings", i)) for i in range(depth)]
    leaf_before = cb.private("leaf_before", _get(inputs, "leaf_before"))
    cb.assert_equal(_path(cb, leaf_before, bits, siblings, "path_before"), root_before, "root_before")

    names = ("pubkey_x", "pubkey_y", "balance_before", "nonce_before")
    pre = [cb.private(n, _get(inputs, n)) for n in names]
    for n, v in zip(names, pre):
        cb.enforce(1 - active, v, 0, f"off_zero/{n}")
    pkx, pky, bal, nonce = pre
    with cb.namespace("leaf_hash_before"):
        h_before = poseidon_hash(cb, [pkx, pky, bal, nonce])
    cb.enforce(active, leaf_before - h_before, 0, "leaf_before")

    amt = cb.mul(active, amount, "amount")  # the slot amount when active, 0 when off
    balance_after = cb.private("balance_after", _get(inputs, "balance_after"))
    cb.assert_equal(balance_after, bal - amt if is_debit else bal + amt, "balance")
    assert_range(cb, balance_after, U64_BITS, "balance_range")
    if is_debit:
        nonce_after = cb.private("nonce_after", _get(inputs, "nonce_after"))
        cb.assert_equal(nonce_after, nonce + active, "nonce")
        # The sequencer refuses a sender at nonce 2^64 − 1 (it cannot advance): nonce 2^64 must not be writable.
        assert_range(cb, nonce_after, U64_BITS, "nonce_range")
    else:
        nonce_after = nonce
    with cb.namespace("leaf_hash_after"):
        h_after = poseidon_hash(cb, [pkx, pky, balance_after, nonce_after])
    leaf_after = cb.private("leaf_after", _get(inputs, "leaf_after"))
    cb.enforce(active, h_after - leaf_before, leaf_after - leaf_before, "leaf_after")
    root_after = cb.private("root_after", _get(inputs, "root_after"))
    cb.assert_equal(_path(cb, leaf_after, bits, siblings, "path_after"), root_after, "root_after")
    return root_after, nonce


def debit(
    cb: ConstraintBuilder,
    inputs: AccountPartInputs | None,
    active: Bool,
    data: SlotDataVars,
    root_before: Var,
) -> tuple[Var, Var]:
    """The sender's update (TRANSFER, BURN): balance − amount, nonce + 1 (namespace ``debit``).

    Opens account_a (its range-checked bits are the path), active or not. Returns ``(accounts_root_after,
    nonce_before)``; the caller ties ``nonce_before`` to the committed nonce.

    Constrains: opening of leaf_before at account_a's bits under root_before (``debit/root_before``);
                off ⇒ pubkey, balance, nonce = 0 (``debit/off_zero/…``);
                active ⇒ leaf_before = Poseidon(pkx, pky, balance, nonce) (``debit/leaf_before``);
                balance_after = balance − active·amount, 0 ≤ balance_after < 2^64 (``debit/balance``,
                ``debit/balance_range/…``); nonce_after = nonce + active, 0 ≤ nonce_after < 2^64 (``debit/nonce``,
                ``debit/nonce_range/…``);
                leaf_after = active ? Poseidon(pkx, pky, balance_after, nonce_after) : leaf_before
                (``debit/leaf_after``); root_after = opening of leaf_after on the same path (``debit/root_after``)
    Cost:       2·D·(P2 + 1) + 2·P4 + 141 constraints (4 591 for D = 8)
    Assumes:    ``active`` from ``KindSelectors``; ``data`` from ``slot_data`` (amount and account_a range-checked);
                leaf balances and nonces < 2^64 (every leaf written by this circuit is range-checked; genesis
                balances and nonces are u64)
    Rejects:    overdraft (wrapped balance), nonce + 2, nonce 2^64, the opening of another leaf, leaf_after ≠
                leaf_before when off (tested in tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("debit"):
        return _account_update(cb, inputs, active, data.account_a_bits, data.amount, root_before, is_debit=True)


def credit(
    cb: ConstraintBuilder,
    inputs: AccountPartInputs | None,
    active: Bool,
    data: SlotDataVars,
    root_before: Var,
) -> Var:
    """The recipient's update (TRANSFER, MINT): balance + amount, nonce unchanged (namespace ``credit``).

    Opens account_b, active or not, against the accounts root after ``debit`` (a self-transfer credits the leaf the
    debit wrote).

    Constrains: as ``debit`` with balance_after = balance + active·amount (< 2^64: no overflow) and no nonce change
    Cost:       2·D·(P2 + 1) + 2·P4 + 75 constraints (4 525 for D = 8)
    Assumes:    as ``debit``
    Rejects:    a credit past 2^64 − 1, a changed root when off (tested in tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("credit"):
        root_after, _ = _account_update(
            cb, inputs, active, data.account_b_bits, data.amount, root_before, is_debit=False
        )
    return root_after


# --- bridge append ---------------------------------------------------------------------------------------------------


def append(
    cb: ConstraintBuilder,
    inputs: AppendPartInputs | None,
    sel: KindSelectors,
    chain_id: Var,
    chain_bits: list[Bool],
    data: SlotDataVars,
    bridge_root_before: Var,
    *,
    bridge_depth: int,
) -> tuple[Var, Var]:
    """Append the slot's message to its burn or mint tree and update the bridge slot (namespace ``append``).

    The message leaf is Poseidon(src, dst, account_a, account_b, amount, index) with (src, dst) = (chain_id, peer)
    for a burn and (peer, chain_id) for a mint; it goes to the tree at bridge slot 2·peer (burn) or 2·peer + 1
    (mint), at the index whose leaf is 0 while the leaf before it is not (so the index is the tree's message count).
    The slot is made from bits, never recomposed: its low bit is the mint selector, the others are the peer's bits
    when active and chain_id's when off (an inactive append opens the empty c→c burn tree at slot 2·chain_id).
    Returns ``(bridge_root_after, index)``; the caller ties a mint's committed nonce to ``index``.

    Constrains: (1) peer = active·peer (off ⇒ peer = 0; label ``append/peer_off``);
                (2) active ⇒ peer ≠ chain_id: peer_inv·(peer − chain_id) = active, (1 − active)·peer_inv = 0;
                (3) slot bits = (mint, active ? peer_bits : chain_bits) (``append/slot_sel[i]``: one selection per
                bit), so slot < 2K and slot ∉ {2c, 2c + 1} when active, slot = 2c when off;
                (4) index_bits boolean; off ⇒ index = 0; first ∈ {0,1}, first·index = 0, prev_bits boolean with
                Σ prev_bits·2^i = index − 1 + first (so first = [index = 0]: index 0 with first = 0 needs −1 in M
                bits); opening of leaf 0 at index and of prev_leaf at prev_bits under tree_root_before;
                prev_leaf·prev_inv = 1 − first, first·prev_inv = 0 (leaf index − 1 non-zero unless index = 0);
                (5) leaf = active · Poseidon(message) with leaf_inv·Poseidon(message) = active (non-zero);
                tree_root_after = opening of leaf at index (``append/tree_root_after``);
                (6) opening of tree_root_before at the slot bits under bridge_root_before (``append/slot_before``)
                and bridge_root_after = opening of tree_root_after on the same path (``append/bridge_root_after``)
    Cost:       3·M·(P2 + 1) + 2·S·(P2 + 1) + P6 + 2·M + S + 17 constraints, S = ceil(log2(2K));
                4 720 for M = 4, S = 3
    Assumes:    ``sel`` one-hot; ``data`` from ``slot_data`` (peer < K, amount u64); ``chain_bits`` the bits of
                chain_id < K (``define_batch``); the c→c burn tree at slot 2·chain_id is empty (at genesis; no append
                can reach it, by (2) and (3); the cross-rollup circuit checks it at every shared batch)
    Rejects:    peer = chain_id, a message at index + 1 or at an occupied index, fields that differ from the
                committed ones, a changed bridge root when off (tested in tests/circuits/test_batch_soundness.py)
    """
    active = sel.append_active
    with cb.namespace("append"):
        peer = data.peer_chain
        cb.enforce(active, peer, peer, "peer_off")
        d = peer - chain_id
        peer_inv = cb.hint("peer_inv", lambda x, a: pow(x, -1, _R) if x and a else 0, d, active)
        cb.enforce(peer_inv, d, active, "peer_ne_chain")
        cb.enforce(1 - active, peer_inv, 0, "peer_inv_off")
        # A selection of two booleans by a boolean is boolean: no booleanity constraint needed.
        slot_bits = [sel.mint] + [
            Bool._trusted(select(cb, active, p, c, f"slot_sel[{i}]"))
            for i, (p, c) in enumerate(zip(data.peer_bits, chain_bits))
        ]

        index_bits = _bits_input(cb, "index_bits", _get(inputs, "index"), bridge_depth)
        index = from_bits(index_bits)
        cb.enforce(1 - active, index, 0, "index_off")
        first = alloc_bool(cb, "first", None if inputs is None else int(inputs.index == 0))
        cb.enforce(first, index, 0, "first")
        prev_index = None if inputs is None else max(inputs.index - 1, 0)
        prev_bits = _bits_input(cb, "prev_bits", prev_index, bridge_depth)
        cb.assert_equal(from_bits(prev_bits), index - 1 + first, "prev_index")

        tree_siblings = [
            cb.private(f"tree_siblings[{i}]", _get(inputs, "tree_siblings", i)) for i in range(bridge_depth)
        ]
        prev_leaf = cb.private("prev_leaf", _get(inputs, "prev_leaf"))
        prev_siblings = [
            cb.private(f"prev_siblings[{i}]", _get(inputs, "prev_siblings", i)) for i in range(bridge_depth)
        ]
        tree_root_before = cb.private("tree_root_before", _get(inputs, "tree_root_before"))
        cb.assert_equal(_path(cb, 0, index_bits, tree_siblings, "path_empty"), tree_root_before, "index_empty")
        cb.assert_equal(_path(cb, prev_leaf, prev_bits, prev_siblings, "path_prev"), tree_root_before, "prev_opening")
        prev_inv = cb.hint("prev_inv", lambda x: pow(x, -1, _R) if x else 0, prev_leaf)
        cb.enforce(prev_leaf, prev_inv, 1 - first, "prev_nonzero")
        cb.enforce(first, prev_inv, 0, "prev_inv_first")

        x = cb.mul(sel.mint, d, "mint_swap")  # mint: (src, dst) = (peer, chain_id); burn: (chain_id, peer)
        with cb.namespace("message_hash"):
            message = poseidon_hash(cb, [chain_id + x, peer - x, data.account_a, data.account_b, data.amount, index])
        leaf_inv = cb.hint("leaf_inv", lambda m, a: pow(m, -1, _R) if a else 0, message, active)
        cb.enforce(leaf_inv, message, active, "leaf_nonzero")
        cb.enforce(1 - active, leaf_inv, 0, "leaf_inv_off")
        leaf = cb.mul(active, message, "leaf")
        tree_root_after = cb.private("tree_root_after", _get(inputs, "tree_root_after"))
        cb.assert_equal(_path(cb, leaf, index_bits, tree_siblings, "path_leaf"), tree_root_after, "tree_root_after")

        slot_depth = len(slot_bits)
        slot_siblings = [cb.private(f"slot_siblings[{i}]", _get(inputs, "slot_siblings", i)) for i in range(slot_depth)]
        cb.assert_equal(
            _path(cb, tree_root_before, slot_bits, slot_siblings, "slot_path_before"), bridge_root_before, "slot_before"
        )
        bridge_root_after = cb.private("bridge_root_after", _get(inputs, "bridge_root_after"))
        cb.assert_equal(
            _path(cb, tree_root_after, slot_bits, slot_siblings, "slot_path_after"),
            bridge_root_after,
            "bridge_root_after",
        )
    return bridge_root_after, index

"""The batch circuit's rules, one function per rule (DESIGN.md §6, docs/protocol.md "Protocol v2"), as gnark's rollup
example splits ``verifyAccountUpdated`` / ``verifyTransferSignature``.

Every slot of a batch has the same three parts and one signature verifier whatever its kind (``zksvs.trace``), so
the circuit has one fixed shape; the kind's one-hot selectors and the program's switch each part on or off:

    kind           debit (account_a)     credit (account_b)          append (bridge message)          signature
    NOOP           off                   off                         off                              off
    TRANSFER       sender                recipient (creatable)       off                              sender's
    BURN, CALL     sender                SWAP: Y (creatable); off    outbound tree c→peer, slot 2·peer sender's
    ACTION         SWAP: Z; off          target / W (creatable)      inbound tree peer→c, 2·peer + 1  SWAP: Z's
                                                                                                       order

Every value used as an index, a slot, a peer, a program or a selector is range-constrained where it is made
(``slot_data`` for the committed fields, ``kind_selectors`` for the kind and the program, ``circuit.define_batch``
for chain_id): account_a, account_b, msg_sender and msg_target are decomposed into their D bits, the peer into the
bits of a value below K, and the bits of the first two are the Merkle direction bits of the parts; the program is
the weighted sum of boolean program selectors, so no program id outside {0, 1, 2, 3} has a witness. No relation
between them holds only mod r: the bridge slot of an append is the bit string (action, bits of peer), not a field
element that 2·peer + action happens to equal (the audit's mint without a burn: peer = (2c − 1)/2 mod r sent a MINT
to slot 2c).

A part that is off still opens its tree and writes back the leaf it read, so it cannot change a root; the values
that only an active part uses (account fields, the appended leaf, the message index, the signature) are pinned to 0
when it is off, so the witness of a batch is unique (``tests/circuits/test_batch_soundness.py`` moves every wire by
one; tests/soundness runs the SMT uniqueness check). Where an inactive part opens is the trace contract of
``zksvs.trace``: an account part at the index its committed field names (account_a for the debit, account_b for the
credit: 0 for a no-op), the append at index 0 of the outbound tree c→c in slot 2·chain_id, which always stays empty
(an append needs peer ≠ chain_id; the cross-rollup circuit pins the c→c slots to the empty root at every shared
batch). Its openings are then known from the trace, and every append constraint can hold unconditionally, with no
selector gating (cheaper than gating, and no wire is left free).

Functions take the builder first, open their own namespace and document ``Constrains`` / ``Cost`` / ``Assumes`` /
``Rejects`` (STYLE.md §6). Costs are for the BN254 circomlib Poseidon of ``circuits.gadgets.poseidon`` (P2 = 240,
P4 = 297, P10 = 459, P12 = 504 constraints) and a Merkle level = one selection + one P2. ``docs/circuits.md`` lists
every constraint family with its cost at the demo shape.

References
----------
gnark ``examples/rollup/circuit.go`` (one helper per rule); DESIGN.md §4 (leaves, slots), §6 (soundness checklist);
circomlib 2.0.5 ``circuits/comparators.circom`` ``IsZero`` (the zero tests, with the inverse pinned to 0 at 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.babyjub import EdwardsPoint, mul8
from circuits.gadgets.bits import from_bits
from circuits.gadgets.boolean import alloc_bool, select
from circuits.gadgets.eddsa import disabled_signature, eddsa_poseidon_valid
from circuits.gadgets.merkle import merkle_root
from circuits.gadgets.poseidon import poseidon_hash, poseidon_hash2
from circuits.gadgets.range import U64_BITS, assert_below, assert_range
from zksvs.field import FR_MODULUS
from zksvs.forced import PROVABLE_REASONS
from zksvs.statement import ACCOUNT_BITS
from zksvs.tx_message import ORDER_DOMAIN_TAG, TX_DOMAIN_TAG

_R = FR_MODULUS
#: The reason codes a slot can prove, one boolean each (``zksvs.forced.ForcedReason`` 1–4).
PROVABLE_CODES = tuple(sorted(int(r) for r in PROVABLE_REASONS))

__all__ = [
    "AccountPartInputs",
    "AppendPartInputs",
    "DebitOut",
    "KindSelectors",
    "SlotDataVars",
    "SlotInputs",
    "append",
    "cond_cap",
    "credit",
    "debit",
    "forced_reasons",
    "forced_slot",
    "kind_selectors",
    "noop",
    "signature",
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
    """Private inputs of one slot: its committed data (``zksvs.statement.SlotData``), its three parts and the
    signature its verifier checks ((0, 0), 0 when the debit is off)."""

    kind: int
    account_a: int
    account_b: int
    amount: int
    nonce: int
    peer_chain: int
    program: int
    payload: int
    pubkey_x: int
    pubkey_y: int
    msg_sender: int
    msg_target: int
    msg_value: int
    forced: int
    reason: int
    debit: AccountPartInputs
    credit: AccountPartInputs
    append: AppendPartInputs
    r8x: int
    r8y: int
    s: int


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
    """The one-hot kind selectors of a slot, its program selectors and the part switches derived from them.

    ``mint``, ``cond``, ``swap`` are the program selectors: one-hot on a slot with a message (BURN, CALL, ACTION),
    all 0 otherwise. ``swap_trigger`` (a SWAP CALL) and ``swap_action`` (a SWAP ACTION) are products (one
    constraint each); the rest is linear in the selectors, and boolean because they are one-hot.
    """

    noop: Bool
    transfer: Bool
    burn: Bool
    action: Bool
    call: Bool
    mint: Bool
    cond: Bool
    swap: Bool
    swap_trigger: Bool
    swap_action: Bool
    #: A forced rejection (``forced_slot``): every part off; None before ``forced_slot`` ran (read as 0).
    rejected: Bool | None = None
    debit_on: Bool | None = None
    credit_on: Bool | None = None
    append_on: Bool | None = None

    @property
    def kind(self) -> Var:
        """The SlotKind value: transfer + 2·burn + 3·action + 4·call (what a signed message names; the slot word packs
        one bit per kind instead)."""
        return self.transfer + 2 * self.burn + 3 * self.action + 4 * self.call

    @property
    def program(self) -> Var:
        """The program id: mint + 2·cond + 3·swap (0 without a message; the slot word packs one bit per program)."""
        return self.mint + 2 * self.cond + 3 * self.swap

    @property
    def trigger(self) -> Bool:
        """BURN or CALL: the message leaves this chain."""
        return Bool._trusted(self.burn + self.call)

    @property
    def debit_kind(self) -> Bool:
        """TRANSFER, BURN, CALL, or a SWAP ACTION (Z pays): the kinds with a payer and a signature."""
        return Bool._trusted(self.transfer + self.burn + self.call + self.swap_action)

    @property
    def credit_kind(self) -> Bool:
        """TRANSFER, ACTION, or a SWAP CALL (Y is paid on this chain)."""
        return Bool._trusted(self.transfer + self.action + self.swap_trigger)

    @property
    def append_kind(self) -> Bool:
        """BURN, CALL or ACTION: the kinds with a message (and a peer)."""
        return Bool._trusted(self.burn + self.call + self.action)

    @property
    def debit_active(self) -> Bool:
        """The debit writes: ``debit_kind`` and not a forced rejection."""
        return self.debit_kind if self.debit_on is None else self.debit_on

    @property
    def credit_active(self) -> Bool:
        """The credit writes: ``credit_kind`` and not a forced rejection."""
        return self.credit_kind if self.credit_on is None else self.credit_on

    @property
    def append_active(self) -> Bool:
        """The append writes: ``append_kind`` and not a forced rejection."""
        return self.append_kind if self.append_on is None else self.append_on


def kind_selectors(cb: ConstraintBuilder, kind: int | None, program: int | None = None) -> KindSelectors:
    """Allocate the five kind selectors and the three program selectors of a slot (namespace ``kind``).

    Constrains: noop, transfer, burn, action, call ∈ {0, 1} (labels ``kind/<name>``); their sum is 1
                (``kind/one_hot``); mint, cond, swap ∈ {0, 1} (``kind/program_<name>``) with mint + cond + swap =
                burn + call + action (``kind/program_one_hot``: one program with a message, none without);
                burn · (cond + swap) = 0 (``kind/burn_mints``: a burn is a MINT call); swap_trigger =
                (burn + call)·swap, swap_action = action·swap. The values are tied to SlotData.kind and .program
                through the batch data binding.
    Cost:       11 constraints
    Assumes:    nothing
    Rejects:    two kinds set, none set, a selector = 2, a program with no message or two programs, a program id
                outside {0, 1, 2, 3} (it is a weighted sum of the selectors), a BURN of program COND (tested in
                tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("kind"):
        sels = [alloc_bool(cb, name, None if kind is None else int(kind == k)) for k, name in enumerate(_KINDS)]
        noop, transfer, burn, action, call = sels
        cb.assert_equal(noop + transfer + burn + action + call, 1, "one_hot")
        progs = [
            alloc_bool(cb, f"program_{name}", None if program is None else int(program == k))
            for k, name in ((1, "mint"), (2, "cond"), (3, "swap"))
        ]
        mint, cond, swap = progs
        cb.assert_equal(mint + cond + swap, burn + call + action, "program_one_hot")
        cb.enforce(burn, cond + swap, 0, "burn_mints")
        swap_trigger = Bool._trusted(cb.mul(burn + call, swap, "swap_trigger"))
        swap_action = Bool._trusted(cb.mul(action, swap, "swap_action"))
    return KindSelectors(noop, transfer, burn, action, call, mint, cond, swap, swap_trigger, swap_action)


#: Kind selector names in SlotKind order (NOOP 0, TRANSFER 1, BURN 2, ACTION 3, CALL 4).
_KINDS = ("noop", "transfer", "burn", "action", "call")


@dataclass(frozen=True)
class SlotDataVars:
    """The committed slot fields (``zksvs.statement.SlotData``) as private wires, with the bits they are made of.

    ``account_a_bits`` / ``account_b_bits`` (D bits) are the Merkle direction bits of the debit / credit;
    ``peer_bits`` (ceil(log2 K) bits) make the bridge slot of the append; with ``amount_bits``, ``nonce_bits``,
    ``msg_sender_bits``, ``msg_target_bits`` and ``msg_value_bits`` they are the range checks the slot words are
    built from (``circuits.batch.binding.slot_words``). The kind and program are not here: they are the selectors'
    weighted sums (``KindSelectors.kind``, ``.program``).
    """

    account_a: Var
    account_b: Var
    amount: Var
    nonce: Var
    peer_chain: Var
    payload: Var
    pubkey_x: Var
    pubkey_y: Var
    msg_sender: Var
    msg_target: Var
    msg_value: Var
    forced: Bool
    reason: Var
    reason_bits: list[Bool]
    account_a_bits: list[Bool]
    account_b_bits: list[Bool]
    peer_bits: list[Bool]
    amount_bits: list[Bool]
    nonce_bits: list[Bool]
    msg_sender_bits: list[Bool]
    msg_target_bits: list[Bool]
    msg_value_bits: list[Bool]


def slot_data(cb: ConstraintBuilder, inputs: SlotInputs | None, *, n_rollups: int, account_depth: int) -> SlotDataVars:
    """Allocate the slot's committed fields and range-constrain each one (namespace ``data``).

    Every packed field is range-checked where it is created: those used as an index (accounts, peer, the SWAP
    message's sender and target) and the rest, so that the slot words (``circuits.batch.binding.slot_words``) are
    one-to-one on what the circuit accepts. Payload and key are field elements, one word each.

    Constrains: 0 ≤ account_a, account_b, msg_sender, msg_target < 2^D (labels ``data/account_a_range/…``,
                ``data/account_b_range/…``, ``data/msg_sender_range/…``, ``data/msg_target_range/…``);
                0 ≤ amount, nonce, msg_value < 2^64 (``data/amount_range/…``, ``data/nonce_range/…``,
                ``data/msg_value_range/…``); 0 ≤ peer_chain < K (``data/peer_range/…``, by ``assert_below``);
                a COND payload is range-checked by ``cond_cap``
    Cost:       4·(D + 1) + 3·65 + cost(assert_below K): 234 for K = 4, D = 8
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
        names = ("account_a", "account_b", "amount", "nonce", "peer_chain", "payload", "pubkey_x", "pubkey_y",
                 "msg_sender", "msg_target", "msg_value")  # fmt: skip
        v = {n: cb.private(n, _get(inputs, n)) for n in names}
        bits = {
            "account_a_bits": assert_range(cb, v["account_a"], account_depth, "account_a_range"),
            "account_b_bits": assert_range(cb, v["account_b"], account_depth, "account_b_range"),
            "amount_bits": assert_range(cb, v["amount"], U64_BITS, "amount_range"),
            "nonce_bits": assert_range(cb, v["nonce"], U64_BITS, "nonce_range"),
            "peer_bits": assert_below(cb, v["peer_chain"], n_rollups, "peer_range"),
            "msg_sender_bits": assert_range(cb, v["msg_sender"], account_depth, "msg_sender_range"),
            "msg_target_bits": assert_range(cb, v["msg_target"], account_depth, "msg_target_range"),
            "msg_value_bits": assert_range(cb, v["msg_value"], U64_BITS, "msg_value_range"),
        }
        forced = alloc_bool(cb, "forced", _get(inputs, "forced"))
        code = _get(inputs, "reason")
        reason_bits = [
            alloc_bool(cb, f"reason_bit[{k}]", None if code is None else int(code == k)) for k in PROVABLE_CODES
        ]
        reason = sum((k * b for k, b in zip(PROVABLE_CODES, reason_bits)), Var.constant(0))
    return SlotDataVars(**v, **bits, forced=forced, reason=reason, reason_bits=reason_bits)


def noop(cb: ConstraintBuilder, sel: KindSelectors, data: SlotDataVars) -> None:
    """The fields a kind does not use are 0 (namespace ``noop``).

    peer_chain and nonce of a NOOP are already forced to 0 by ``append`` (peer = 0 unless a message) and by the
    nonce binding in ``circuit``; the program by the selectors. This adds the fields no part pins.

    Constrains: noop · account_a = noop · account_b = noop · amount = 0, noop · pubkey_x = noop · pubkey_y = 0
                (labels ``noop/<field>``); (noop + transfer + burn) · payload = 0 (``noop/payload``: only a call
                or an action carries one); (1 − swap_action) · msg_sender = … = 0 (``noop/msg_<field>``: only a
                SWAP action has the message fields apart)
    Cost:       9 constraints
    Assumes:    ``sel`` from ``kind_selectors``
    Rejects:    a NOOP with amount 5, a transfer with a payload, a MINT action with a msg_sender (tested in
                tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("noop"):
        for name in ("account_a", "account_b", "amount", "pubkey_x", "pubkey_y"):
            cb.enforce(sel.noop, getattr(data, name), 0, name)
        cb.enforce(sel.noop + sel.transfer + sel.burn, data.payload, 0, "payload")
        for name in ("msg_sender", "msg_target", "msg_value"):
            cb.enforce(1 - sel.swap_action, getattr(data, name), 0, name)


def forced_slot(cb: ConstraintBuilder, sel: KindSelectors, data: SlotDataVars) -> KindSelectors:
    """The forced-inclusion switches of a slot (namespace ``forced``; docs/protocol.md "Forced inclusion").

    ``forced`` (boolean, from ``slot_data``) marks a slot that processes an entry of the rollup's L1 queue; the L1
    recomputes its transaction message from the committed fields and matches it to the queue. The reason code is
    the weighted sum of one boolean per code the circuit can prove (1 unknown sender, 2 bad signature, 3 bad nonce,
    4 overdraft; ``zksvs.forced.PROVABLE_REASONS``), at most one set: ``rejected``. A rejected slot keeps the
    transaction's kind and fields (its message) but every part is off; ``forced_reasons`` proves the code.

    Constrains: forced·(noop + action) = 0 (``forced/user_kind``: only a user transaction is forced);
                rejected = Σ reason bits with rejected·(rejected − 1) = 0 (``forced/one_reason``);
                rejected·(1 − forced) = 0 (``forced/rejected_is_forced``); rejected·(1 − transfer) = 0
                (``forced/rejected_is_transfer``: the L1 queues transfers only); so debit_on = debit_kind −
                rejected, credit_on = credit_kind − rejected, append_on = append_kind stay linear in the
                selectors (booleans: a rejected slot is a transfer, whose debit and credit kinds are 1); a
                rejected slot's nonce is the transaction's, tied to no leaf but range-checked by ``slot_data``
    Cost:       4 constraints (and 7 reason bits in ``slot_data``)
    Assumes:    ``sel`` one-hot; ``data`` from ``slot_data``
    Rejects:    a forced no-op or action, two reason codes, a reason on a slot that is not forced, a rejected
                burn or call, a code the circuit cannot prove (6, 9, 10: no bit), a rejected slot that changes a
                root (tested in tests/circuits/test_forced_circuit.py)

    Returns
    -------
    KindSelectors
        ``sel`` with ``rejected`` and the gated part switches.
    """
    with cb.namespace("forced"):
        cb.enforce(data.forced, sel.noop + sel.action, 0, "user_kind")
        rejected = sum(data.reason_bits[1:], data.reason_bits[0])
        cb.enforce(rejected, rejected - 1, 0, "one_reason")
        cb.enforce(rejected, 1 - data.forced, 0, "rejected_is_forced")
        # only a transfer is queued on the L1, so only a transfer is rejected: then every switch stays linear (a
        # rejected transfer's debit and credit are its kind's less the rejection; it has no append)
        cb.enforce(rejected, 1 - sel.transfer, 0, "rejected_is_transfer")
        on = {
            "debit_on": Bool._trusted(sel.debit_kind - rejected),
            "credit_on": Bool._trusted(sel.credit_kind - rejected),
            "append_on": sel.append_kind,
        }
    return replace(sel, rejected=Bool._trusted(rejected), **on)


def forced_reasons(
    cb: ConstraintBuilder, sel: KindSelectors, data: SlotDataVars, paid: DebitOut, got: CreditOut, valid: Var
) -> None:
    """Prove a forced rejection's reason from the leaves the debit and the credit read and the signature check
    (namespace ``forced_reason``). Each code is a fact that makes the transaction invalid under the native rules, so a
    sequencer can reject a queued transaction only for a reason that holds.

    Constrains: r1 (unknown sender): r1·(1 − empty) = 0 (``forced_reason/unknown``);
                r2, r3, r4 need the sender: (r2 + r3 + r4)·empty = 0 (``forced_reason/sender``);
                r2 (bad signature): r2·valid = 0 (``forced_reason/bad_signature``);
                r3 (bad nonce): inv·(nonce − leaf nonce) = r3, (1 − r3)·inv = 0 (``forced_reason/bad_nonce``,
                ``forced_reason/nonce_inv_off``);
                r4 (overdraft): r4·(amount − balance − 1) ∈ [0, 2^64) (``forced_reason/overdraft/…``): with both
                u64, balance < amount exactly;
                every slot not rejected: (1 − rejected)·(1 − valid) = 0 (``forced_reason/signed``: the signature
                of an active debit is valid; a disabled verifier outputs 1)
                r5, r7, r8 (a rejected slot is a transfer), from the recipient's leaf its credit read:
                r5 (unknown recipient): the leaf is empty and no key is named
                (``forced_reason/unknown_recipient``); r7 (key mismatch): the leaf exists, a key is named and it is
                not the leaf's (``forced_reason/key_mismatch``, two pinned zero tests); r8 (overflow): the leaf exists,
                the transfer is not to the sender itself, balance + amount − 2^64 ∈ [0, 2^64)
                (``forced_reason/overflow/…``)
    Cost:       7 + 65 + 15 + 65 = 152 constraints
    Assumes:    ``sel`` from ``forced_slot``; ``paid`` from ``debit`` and ``got`` from ``credit`` (in read mode
                for a rejected slot: the leaves' fields, 0 when empty); ``valid`` from ``signature``
    Rejects:    unknown sender with a leaf, bad signature with a valid one, bad nonce with the right nonce,
                overdraft when the balance covers the amount, an unknown recipient that exists or when a key is
                named, a key mismatch with the right key, an overflow that does not overflow or to oneself
                (tested in tests/circuits/test_forced_circuit.py)
    """
    r1, r2, r3, r4, r5, r7, r8 = data.reason_bits
    with cb.namespace("forced_reason"):
        # a rejected slot is a transfer (forced_slot): its credit reads the recipient here; 6 has no bit: the L1
        # queues no transfer naming a key that cannot sign
        cb.enforce(r5, 2 - got.empty - got.named_none, 0, "unknown_recipient")  # both booleans: both 1
        cb.enforce(r7 + r8, got.empty, 0, "recipient_exists")
        same_key = cb.mul(
            _is_zero(cb, got.pubkey_x - got.named[0], "key_x_same"),
            _is_zero(cb, got.pubkey_y - got.named[1], "key_y_same"),
            "key_same",
        )
        cb.enforce(r7, same_key + got.named_none, 0, "key_mismatch")
        # overflow: balance + amount ≥ 2^64, natively counted after the debit, so never for a self-transfer
        cb.enforce(r8, _is_zero(cb, data.account_a - data.account_b, "self"), 0, "not_self")
        over = cb.mul(r8, got.balance_before + data.amount - (1 << U64_BITS), "over")
        assert_range(cb, over, U64_BITS, "overflow")
        cb.enforce(r1, 1 - paid.empty, 0, "unknown")
        cb.enforce(r2 + r3 + r4, paid.empty, 0, "sender")
        cb.enforce(r2, valid, 0, "bad_signature")
        d = data.nonce - paid.nonce_before
        inv = cb.hint("nonce_inv", lambda x, on: pow(x, -1, _R) if x and on else 0, d, r3)
        cb.enforce(inv, d, r3, "bad_nonce")
        cb.enforce(1 - r3, inv, 0, "nonce_inv_off")
        assert_range(cb, cb.mul(r4, data.amount - paid.balance_before - 1, "short"), U64_BITS, "overdraft")
        cb.enforce(1 - sel.rejected, 1 - valid, 0, "signed")


# --- account updates -------------------------------------------------------------------------------------------------


def _is_zero(cb: ConstraintBuilder, x: Var, name: str) -> Bool:
    """[x = 0] with its inverse pinned to 0 at x = 0, so the witness is unique (circomlib ``IsZero`` + one pin).

    Constrains: t = x·inv; x·(1 − t) = 0; (1 − t)·inv = 0; returns 1 − t (labels ``name/…``)
    Cost:       3 constraints
    """
    with cb.namespace(name):
        inv = cb.hint("inv", lambda v: pow(v, -1, _R) if v else 0, x)
        t = cb.mul(x, inv, "t")
        cb.enforce(x, 1 - t, 0, "x_zero_or_t_one")
        cb.enforce(1 - t, inv, 0, "inv_pinned")
    return Bool._trusted(1 - t)


@dataclass(frozen=True)
class DebitOut:
    """What ``debit`` hands on: the accounts root after it, the nonce and balance before and the leaf's key (the
    signature verifier's public key), all 0 when the debit neither writes nor reads; ``empty`` = [leaf = 0]."""

    root_after: Var
    nonce_before: Var
    pubkey_x: Var
    pubkey_y: Var
    balance_before: Var
    empty: Bool


def _account_update(
    cb: ConstraintBuilder,
    inputs: AccountPartInputs | None,
    active: Bool,
    bits: list[Bool],
    amount: Var,
    root_before: Var,
    *,
    named: tuple[Var, Var] | None = None,
    read: Bool | None = None,
) -> tuple[Var, list[Var], Var, dict[str, Var]]:
    """Shared body of ``debit`` (``named`` None) and ``credit``; ``read`` (≥ ``active``): the leaf is read (its
    preimage, or zeros when empty), written only when ``active``. Returns (root_after, preimage before, balance
    after, {"empty": [leaf_before = 0], and for the credit "named_none": [no key named]})."""
    is_debit = named is None
    if read is None:
        read = active
    depth = len(bits)
    siblings = [cb.private(f"siblings[{i}]", _get(inputs, "siblings", i)) for i in range(depth)]
    leaf_before = cb.private("leaf_before", _get(inputs, "leaf_before"))
    cb.assert_equal(_path(cb, leaf_before, bits, siblings, "path_before"), root_before, "root_before")

    names = ("pubkey_x", "pubkey_y", "balance_before", "nonce_before")
    pre = [cb.private(n, _get(inputs, n)) for n in names]
    for n, v in zip(names, pre):
        cb.enforce(1 - read, v, 0, f"off_zero/{n}")
    pkx, pky, bal, nonce = pre
    with cb.namespace("leaf_hash_before"):
        h_before = poseidon_hash(cb, [pkx, pky, bal, nonce])
    empty_debit: Bool | None = None
    if is_debit:
        # A forced rejection reads the sender's leaf to prove its reason: the preimage when the leaf is not empty,
        # zeros when it is (an unknown sender); a debit that writes needs an account.
        empty_debit = _is_zero(cb, leaf_before, "empty")
        read_empty = cb.mul(read, empty_debit, "read_empty")
        cb.enforce(read - read_empty, leaf_before - h_before, 0, "leaf_before")
        for n, v in zip(names, pre):
            cb.enforce(read_empty, v, 0, f"empty_zero/{n}")
        cb.enforce(active, empty_debit, 0, "exists")
    else:
        # A credit to an empty leaf creates the account with the named key (docs/protocol.md "Account creation").
        # A forced rejection of a transfer reads the recipient's leaf (read − active = 1) to prove its reason.
        nx, ny = named
        empty = _is_zero(cb, leaf_before, "empty")
        create = cb.mul(active, empty, "create")
        keep = active - create  # an existing account is credited
        only_read = read - active
        read_empty = cb.mul(only_read, empty, "read_empty")
        cb.enforce(keep + only_read - read_empty, leaf_before - h_before, 0, "leaf_before")
        for n, v in zip(names, pre):
            cb.enforce(read_empty, v, 0, f"empty_zero/{n}")
        named_none = cb.mul(_is_zero(cb, nx, "named_x_zero"), _is_zero(cb, ny, "named_y_zero"), "named_none")
        check = cb.mul(keep, 1 - named_none, "named_check")  # an existing account, a key named: it must match
        cb.enforce(check, pkx - nx, 0, "named_match_x")
        cb.enforce(check, pky - ny, 0, "named_match_y")
        cb.enforce(create, pkx - nx, 0, "create_key_x")
        cb.enforce(create, pky - ny, 0, "create_key_y")
        cb.enforce(create, bal, 0, "create_balance")
        cb.enforce(create, nonce, 0, "create_nonce")
        # the created key can sign: on the curve and not of small order (a fixed valid key when not creating)
        dummy = disabled_signature()[2]
        kx = select(cb, Bool._trusted(create), pkx, dummy[0], "usable_x")
        ky = select(cb, Bool._trusted(create), pky, dummy[1], "usable_y")
        mul8(cb, EdwardsPoint(kx, ky), "usable_key")

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
    info = {"empty": empty_debit} if is_debit else {"empty": Bool._trusted(empty), "named_none": named_none}
    return root_after, pre, balance_after, info


def debit(
    cb: ConstraintBuilder,
    inputs: AccountPartInputs | None,
    active: Bool,
    data: SlotDataVars,
    root_before: Var,
    read: Bool | None = None,
) -> DebitOut:
    """The payer's update (TRANSFER, BURN, CALL: the sender; a SWAP ACTION: Z): balance − amount, nonce + 1
    (namespace ``debit``). With ``read`` (≥ ``active``; a forced rejection: read = 1, active = 0) the leaf is read
    without being written: its fields are the preimage, or zeros when it is empty.

    Opens account_a (its range-checked bits are the path), active or not. Returns the root after, the nonce before
    (the caller ties it to the committed nonce) and the leaf's key (the signature verifier's).

    Constrains: opening of leaf_before at account_a's bits under root_before (``debit/root_before``);
                ¬read ⇒ pubkey, balance, nonce = 0 (``debit/off_zero/…``); empty = [leaf_before = 0] (``debit/empty``,
                inverse pinned); read ∧ ¬empty ⇒ leaf_before = Poseidon(pkx, pky, balance, nonce)
                (``debit/leaf_before``); read ∧ empty ⇒ pubkey, balance, nonce = 0 (``debit/empty_zero/…``);
                active ⇒ ¬empty (``debit/exists``: a debit needs an existing account);
                balance_after = balance − active·amount, 0 ≤ balance_after < 2^64 (``debit/balance``,
                ``debit/balance_range/…``); nonce_after = nonce + active, 0 ≤ nonce_after < 2^64 (``debit/nonce``,
                ``debit/nonce_range/…``);
                leaf_after = active ? Poseidon(pkx, pky, balance_after, nonce_after) : leaf_before
                (``debit/leaf_after``); root_after = opening of leaf_after on the same path (``debit/root_after``)
    Cost:       2·D·(P2 + 1) + 2·P4 + 150 constraints
    Assumes:    ``active`` from ``KindSelectors``; ``data`` from ``slot_data`` (amount and account_a range-checked);
                leaf balances and nonces < 2^64 (every leaf written by this circuit is range-checked; genesis
                balances and nonces are u64)
    Rejects:    overdraft (wrapped balance), nonce + 2, nonce 2^64, the opening of another leaf, leaf_after ≠
                leaf_before when off (tested in tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("debit"):
        root, (pkx, pky, bal, nonce), _, info = _account_update(
            cb, inputs, active, data.account_a_bits, data.amount, root_before, read=read
        )
    return DebitOut(root, nonce, pkx, pky, bal, info["empty"])


@dataclass(frozen=True)
class CreditOut:
    """What ``credit`` hands on: the accounts root and the balance after it, and what a forced rejection's reason
    needs: the recipient's leaf fields read (0 unless read), [leaf = 0], [no key named] and the named key."""

    root_after: Var
    balance_after: Var
    pubkey_x: Var
    pubkey_y: Var
    balance_before: Var
    empty: Bool
    named_none: Var
    named: tuple[Var, Var]


def credit(
    cb: ConstraintBuilder,
    inputs: AccountPartInputs | None,
    sel: KindSelectors,
    data: SlotDataVars,
    root_before: Var,
    read: Bool | None = None,
) -> CreditOut:
    """The payee's update (TRANSFER, ACTION, a SWAP CALL): balance + amount, nonce unchanged, the account created
    when its leaf is empty (namespace ``credit``). Returns (accounts root after, balance after).

    Opens account_b, active or not, against the accounts root after ``debit`` (a self-transfer credits the leaf the
    debit wrote). The named key is the slot's (pubkey_x, pubkey_y), except in a SWAP action (W must exist: none).

    Constrains: as ``debit`` with balance_after = balance + active·amount (< 2^64: no overflow) and no nonce change,
                and (docs/protocol.md "Account creation") with empty = [leaf_before = 0], create = active·empty:
                create ⇒ (pkx, pky, balance, nonce) = (named, 0, 0) and the key is on the curve and not of small
                order (``credit/create_*``, ``credit/usable_key/…``); active ∧ ¬empty ⇒ leaf_before = Poseidon(pkx,
                pky, balance, nonce), and if a key is named it is (pkx, pky) (``credit/named_match_*``)
    Cost:       2·D·(P2 + 1) + 2·P4 + 75 + 40 constraints (4,565 for D = 8)
    Assumes:    as ``debit``
    Rejects:    a credit past 2^64 − 1, a changed root when off, a created account with another key, balance or
                nonce than (named, amount, 0), a created key off the curve or of small order, a named key other
                than the existing account's (tested in tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("credit"):
        nx = cb.mul(1 - sel.swap_action, data.pubkey_x, "named_x")
        ny = cb.mul(1 - sel.swap_action, data.pubkey_y, "named_y")
        root_after, (pkx, pky, bal, _), balance_after, info = _account_update(
            cb, inputs, sel.credit_active, data.account_b_bits, data.amount, root_before, named=(nx, ny), read=read
        )
    return CreditOut(root_after, balance_after, pkx, pky, bal, info["empty"], info["named_none"], (nx, ny))


def cond_cap(cb: ConstraintBuilder, sel: KindSelectors, data: SlotDataVars, balance_after: Var) -> None:
    """COND's rule: the payload is a cap (u64), and an action credits only if the target's balance after stays at
    or below it (namespace ``cond``).

    Constrains: cond·payload < 2^64 (``cond/cap_range/…``: a COND trigger or action carries a u64 cap);
                action·cond·(payload − balance_after) ∈ [0, 2^64) (``cond/under_cap/…``); both balance_after and
                the cap are u64, so this is balance_after ≤ cap exactly
    Cost:       3 + 2·65 = 133 constraints
    Assumes:    ``balance_after`` is the credit's, range-checked to 64 bits
    Rejects:    a COND action past its cap; a COND call with a cap of 2^64 (tested in
                tests/circuits/test_batch_soundness.py)
    """
    with cb.namespace("cond"):
        assert_range(cb, cb.mul(sel.cond, data.payload, "cap"), U64_BITS, "cap_range")
        cond_action = cb.mul(sel.action, sel.cond, "cond_action")
        assert_range(cb, cb.mul(cond_action, data.payload - balance_after, "room"), U64_BITS, "under_cap")


def signature(
    cb: ConstraintBuilder,
    inputs: SlotInputs | None,
    sel: KindSelectors,
    chain_id: Var,
    data: SlotDataVars,
    debit_out: DebitOut,
) -> tuple[Bool, list[Var]]:
    """The slot's signature: the debit leaf's key signs the slot's message (namespace ``signature``); returns the
    verifier's ``valid`` bit, which ``forced_reasons`` requires to be 1 on every slot that is not a forced
    rejection (and 0 for a rejection as ``bad_signature``), and slot words 5-7 (``zksvs.statement``):
    forced·(R8.x, R8.y, S) of the very wires the verifier consumes, so a forced slot's check runs on the signature
    its words commit to (the one queued on L1: ``zksvs.forced.entry_words``).

    The message is the 12-input Poseidon of ``zksvs.tx_message``: a user transaction's
    (TAG, chain, kind, program, from, to, to_chain, amount, nonce, payload, to_pubkey) from the slot's fields
    (to_chain = chain_id for a transfer, the peer otherwise); for a SWAP action Z's order (ORDER_TAG, chain, 3, 3, Z,
    W, A, b, z_nonce, X, Y, a), which must equal the slot's payload (the message X signed on A carries it).

    Constrains: the message's Poseidon(12) (``signature/message/…``) over inputs muxed by swap_action (4
                products); swap_action ⇒ message = payload (``signature/order_is_payload``); the EdDSA-Poseidon
                check ``eddsa_poseidon_valid`` with enabled = debit_active + rejected·(1 − empty)
                (``signature/eddsa/…``, one product); the words word_v = forced·v for v = R8.x, R8.y, S
                (``signature/word/…``); enabled = 0 ⇒ v = word_v (``signature/off_zero/…``: the check ignores its
                inputs when disabled, so they are pinned: to 0 on a slot that is not forced, to the committed word
                on a forced one, an unknown sender's rejection)
    Cost:       P12 + 5 + 3,908 + 1 + 3 + 3 = 4,424 constraints
    Assumes:    ``debit_out`` from ``debit`` (its key is 0 when off); the verifier's own assumptions (none)
    Rejects:    a wrong signature, a signature by another key, any changed signed field, a SWAP action whose order
                is not its payload or is signed by another key than Z's, a forced slot whose verifier checks another
                signature than its words (tested in tests/circuits/test_batch_soundness.py,
                tests/circuits/test_eddsa_gadget.py and tests/forced/test_signature_binding.py)
    """
    with cb.namespace("signature"):
        sw = sel.swap_action
        r8x, r8y, s_ = (cb.private(n, _get(inputs, n)) for n in ("r8x", "r8y", "s"))
        # a debit that writes, or a forced rejection whose sender exists (its signature may be proven invalid)
        rejected = sel.rejected if sel.rejected is not None else 0
        enabled = Bool._trusted(sel.debit_active + rejected - cb.mul(rejected, debit_out.empty, "rejected_unknown"))
        words = [cb.mul(data.forced, v, f"word/{n}") for n, v in (("r8x", r8x), ("r8y", r8y), ("s", s_))]
        for n, v, w in zip(("r8x", "r8y", "s"), (r8x, r8y, s_), words, strict=True):
            cb.enforce(1 - enabled, v - w, 0, f"off_zero/{n}")
        tag = TX_DOMAIN_TAG + sw * (ORDER_DOMAIN_TAG - TX_DOMAIN_TAG)
        to_chain = data.peer_chain + cb.mul(sel.transfer, chain_id, "to_chain")
        p9 = data.payload + cb.mul(sw, data.msg_sender - data.payload, "mux_sender")
        p10 = data.pubkey_x + cb.mul(sw, data.msg_target - data.pubkey_x, "mux_target")
        p11 = data.pubkey_y + cb.mul(sw, data.msg_value - data.pubkey_y, "mux_value")
        fields = [tag, chain_id, sel.kind, sel.program, data.account_a, data.account_b, to_chain, data.amount,
                  data.nonce, p9, p10, p11]  # fmt: skip
        message = poseidon_hash(cb, fields, "message")
        cb.enforce(sw, message - data.payload, 0, "order_is_payload")
        pubkey = EdwardsPoint(debit_out.pubkey_x, debit_out.pubkey_y)
        return eddsa_poseidon_valid(cb, enabled, pubkey, EdwardsPoint(r8x, r8y), s_, message, "eddsa"), words


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
    """Append the slot's message to its outbound or inbound tree and update the bridge slot (namespace ``append``).

    The message leaf is Poseidon(src, dst, sender, target, program, payload, value, index, pubkey_x, pubkey_y)
    (``zksvs.rollup_state.Message``) with (src, dst) = (chain_id, peer) for a trigger (BURN, CALL) and (peer,
    chain_id) for an ACTION, and (sender, target, value) = (account_a, account_b, amount) except in a SWAP action,
    where they are (msg_sender, msg_target, msg_value); it goes to the tree at bridge slot 2·peer (trigger) or
    2·peer + 1 (action), at the index whose leaf is 0 while the leaf before it is not (so the index is the tree's
    message count). The slot is made from bits, never recomposed: its low bit is the action selector, the others
    are the peer's bits when active and chain_id's when off (an inactive append opens the empty c→c outbound tree
    at slot 2·chain_id). Returns ``(bridge_root_after, index)``; the caller ties an action's committed nonce to
    ``index``.

    Constrains: (1) peer = active·peer (off ⇒ peer = 0; label ``append/peer_off``);
                (2) active ⇒ peer ≠ chain_id: peer_inv·(peer − chain_id) = active, (1 − active)·peer_inv = 0;
                (3) slot bits = (action, active ? peer_bits : chain_bits) (``append/slot_sel[i]``: one selection per
                bit), so slot < 2K and slot ∉ {2c, 2c + 1} when active, slot = 2c when off;
                (4) index_bits boolean; off ⇒ index = 0; first ∈ {0,1}, first·index = 0, prev_bits boolean with
                Σ prev_bits·2^i = index − 1 + first (so first = [index = 0]: index 0 with first = 0 needs −1 in M
                bits); opening of leaf 0 at index and of prev_leaf at prev_bits under tree_root_before;
                prev_leaf·prev_inv = 1 − first, first·prev_inv = 0 (leaf index − 1 non-zero unless index = 0);
                (5) leaf = active · Poseidon(message) with leaf_inv·Poseidon(message) = active (non-zero);
                tree_root_after = opening of leaf at index (``append/tree_root_after``);
                (6) opening of tree_root_before at the slot bits under bridge_root_before (``append/slot_before``)
                and bridge_root_after = opening of tree_root_after on the same path (``append/bridge_root_after``)
    Cost:       3·M·(P2 + 1) + 2·S·(P2 + 1) + P10 + 2·M + S + 20 constraints, S = ceil(log2(2K));
                4,828 for M = 4, S = 3
    Assumes:    ``sel`` one-hot; ``data`` from ``slot_data`` (peer < K, amount u64); ``chain_bits`` the bits of
                chain_id < K (``define_batch``); the c→c burn tree at slot 2·chain_id is empty (at genesis; no append
                can reach it, by (2) and (3); the cross-rollup circuit checks it at every shared batch)
    Rejects:    peer = chain_id, a message at index + 1 or at an occupied index, fields that differ from the
                committed ones, a changed bridge root when off (tested in tests/circuits/test_batch_soundness.py;
                a message whose fields differ between trigger and action: tests/circuits/test_cross_circuit.py)
    """
    active = sel.append_active
    has_peer = sel.append_kind  # a forced rejection of a burn or call keeps its peer, appends nothing
    with cb.namespace("append"):
        peer = data.peer_chain
        cb.enforce(has_peer, peer, peer, "peer_off")
        d = peer - chain_id
        peer_inv = cb.hint("peer_inv", lambda x, a: pow(x, -1, _R) if x and a else 0, d, has_peer)
        cb.enforce(peer_inv, d, has_peer, "peer_ne_chain")
        cb.enforce(1 - has_peer, peer_inv, 0, "peer_inv_off")
        # A selection of two booleans by a boolean is boolean: no booleanity constraint needed.
        slot_bits = [sel.action] + [
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

        x = cb.mul(sel.action, d, "src_dst_swap")  # action: (src, dst) = (peer, chain_id); trigger: (chain_id, peer)
        sw = sel.swap_action  # a SWAP action's message fields are apart from its debit and credit
        sender = data.account_a + cb.mul(sw, data.msg_sender - data.account_a, "mux_sender")
        target = data.account_b + cb.mul(sw, data.msg_target - data.account_b, "mux_target")
        value = data.amount + cb.mul(sw, data.msg_value - data.amount, "mux_value")
        fields = [chain_id + x, peer - x, sender, target, sel.program, data.payload, value, index, data.pubkey_x,
                  data.pubkey_y]  # fmt: skip
        with cb.namespace("message_hash"):
            message = poseidon_hash(cb, fields)
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

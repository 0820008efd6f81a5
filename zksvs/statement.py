"""The batch statement: public-input order and the batch commitment, defined once for circuits, sequencer, verifier.

Batch circuit public inputs, in this order (DESIGN.md §6): ``chain_id, old_state_root, new_state_root,
batch_commitment``. The commitment binds the proof to the batch data the L1 receives: every slot (no-ops too) is
reduced to a ``SlotData`` digest, and the digests are folded with Poseidon:

    digest_k = Poseidon(SlotData.fields())        (15 inputs)
    h_0 = 0,  h_{k+1} = Poseidon(h_k, digest_k),  batch_commitment = h_B

The slot fields of each kind are in docs/protocol.md ("The slot layout").

Cross-rollup circuit public inputs (DESIGN.md §6b): the K new state roots, in chain order. We chose the roots
themselves over one Poseidon commitment to them: on the L1 a public input costs ~7.2k gas (anchors/evm_gas.md) while
a Poseidon of K inputs costs 16k–134k gas for K = 1..6 and more beyond, so K plain inputs are cheaper for K ≤ 8.

References
----------
Poseidon, Grassi et al., USENIX Security 2021 (circomlib parameters, zksvs.poseidon).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from zksvs.errors import MalformedSlotData
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.poseidon import poseidon
from zksvs.rollup_state import U64_MAX

#: Number of public inputs of a batch circuit.
N_BATCH_PUBLIC = 4


class SlotKind(IntEnum):
    """What a batch slot does (DESIGN.md §5, docs/protocol.md "The slot layout").

    BURN and CALL are the user's trigger of a message (a burn is a call of program MINT with payload 0); ACTION is
    the sequencer-made half on the destination chain (a burn's mint is the ACTION of program MINT; ``MINT`` is kept
    as another name of code 3). A forced transaction (issue 10 §3) keeps its kind: ``SlotData.forced`` marks it.
    """

    NOOP = 0
    TRANSFER = 1
    BURN = 2
    ACTION = 3
    MINT = 3
    CALL = 4


#: Kinds that append a message: the triggers (on the source chain) and the action (on the destination chain).
TRIGGER_KINDS = frozenset({SlotKind.BURN, SlotKind.CALL})
MESSAGE_KINDS = frozenset({SlotKind.BURN, SlotKind.CALL, SlotKind.ACTION})


@dataclass(frozen=True)
class SlotData:
    """The committed data of one slot (docs/protocol.md, "The slot layout", has the fields of each kind).

    Attributes
    ----------
    kind : SlotKind
    account_a, account_b : int
        The account indices the debit and the credit part open.
    amount, nonce : int
        u64: the parts' amount; the sender's nonce before (an ACTION of MINT or COND: the message index).
    peer_chain : int
        The other chain of a message (0 without one).
    program : int
        The ``zksvs.tx_message.Program`` of a message (0 without one).
    payload, pubkey_x, pubkey_y : int
        Field elements: the message's payload and the key named for the recipient (0 when none).
    msg_sender, msg_target, msg_value : int
        A SWAP action's message sender, target and value (the counter leg on the source chain); 0 otherwise.
    forced : int
        1 when the slot processes an entry of the rollup's L1 forced-inclusion queue (``zksvs.forced``), else 0.
    reason : int
        A forced slot's ``zksvs.forced.ForcedReason``: 0 when the transaction was included, else the code of why it
        was rejected (the slot then changes nothing); 0 on every slot that is not forced.
    """

    kind: SlotKind
    account_a: int = 0
    account_b: int = 0
    amount: int = 0
    nonce: int = 0
    peer_chain: int = 0
    program: int = 0
    payload: int = 0
    pubkey_x: int = 0
    pubkey_y: int = 0
    msg_sender: int = 0
    msg_target: int = 0
    msg_value: int = 0
    forced: int = 0
    reason: int = 0

    def fields(self) -> tuple[int, ...]:
        """The digest inputs in order: kind, account_a, account_b, amount, nonce, peer_chain, program, payload,
        pubkey_x, pubkey_y, msg_sender, msg_target, msg_value, forced, reason."""
        return (
            int(self.kind),
            self.account_a,
            self.account_b,
            self.amount,
            self.nonce,
            self.peer_chain,
            self.program,
            self.payload,
            self.pubkey_x,
            self.pubkey_y,
            self.msg_sender,
            self.msg_target,
            self.msg_value,
            self.forced,
            self.reason,
        )

    def digest(self) -> int:
        """Poseidon of ``fields()`` (15 inputs)."""
        return poseidon(list(self.fields()))

    @classmethod
    def noop(cls) -> SlotData:
        """The padding slot."""
        return cls(SlotKind.NOOP)


_FIELDS = (
    "account_a",
    "account_b",
    "amount",
    "nonce",
    "peer_chain",
    "program",
    "msg_sender",
    "msg_target",
    "msg_value",
    "forced",
    "reason",
)
_FR_FIELDS = ("payload", "pubkey_x", "pubkey_y")
_MSG_FIELDS = ("msg_sender", "msg_target", "msg_value")
#: Program codes (``zksvs.tx_message.Program``; restated here to keep the statement free of the message layer).
_MINT, _COND, _SWAP = 1, 2, 3
#: Forced-slot reason codes a batch can carry (``zksvs.forced.PROVABLE_REASONS``; 0: included).
_REASONS = (0, 1, 2, 3, 4, 5, 7, 8)


def check_slot_data(slot: object, chain_id: int, n_rollups: int) -> SlotData:
    """Return ``slot`` if it is the committed data of a slot that the native rules allow on rollup ``chain_id``.

    What the L1 receives is checked against the rules the sequencer enforces (docs/protocol.md, "The slot layout"),
    with exact integers only (a float 3.5 or a bool is refused, not rounded):

    - ``kind`` is a ``SlotKind`` value; every integer field is an int in [0, 2^64) (account indices, u64 amounts
      and nonces, chain ids, the program: none reaches 2^64); payload and key are canonical Fr elements;
    - NOOP: every field is 0; TRANSFER: no message (peer_chain, program, payload, msg_* are 0);
    - BURN, CALL, ACTION: ``peer_chain`` is in [0, K) and is not ``chain_id`` — a peer such as (2c − 1)/2 mod r
      would pick the bridge slot of a c→c tree that no pair check compares (issue 8, finding 1); the program is
      MINT, COND or SWAP (a BURN: MINT with payload 0); a COND's payload (its cap) is a u64; msg_sender,
      msg_target, msg_value are 0 except in a SWAP ACTION;
    - forced is 0 or 1, and 1 only on a TRANSFER, BURN or CALL (a user transaction from the L1 queue); reason is 0
      unless forced, else a code the circuit proves (``zksvs.forced.PROVABLE_REASONS``).

    Raises
    ------
    MalformedSlotData
        The first rule broken, named with the field and its value.
    """
    if not isinstance(slot, SlotData):
        raise MalformedSlotData(f"not a SlotData: {type(slot).__name__}")
    kind = slot.kind
    if type(kind) not in (int, SlotKind) or kind not in tuple(SlotKind):
        raise MalformedSlotData(f"kind must be one of {[int(k) for k in SlotKind]}, not {kind!r}")
    kind = SlotKind(kind)
    for name in _FIELDS:
        v = getattr(slot, name)
        if type(v) is not int or not 0 <= v <= U64_MAX:
            raise MalformedSlotData(f"{name} must be an int in [0, 2^64), not {v!r}")
    for name in _FR_FIELDS:
        v = getattr(slot, name)
        if type(v) is not int or not 0 <= v < FR_MODULUS:
            raise MalformedSlotData(f"{name} must be an int in [0, r), not {v!r}")
    if slot.forced not in (0, 1) or (slot.forced and kind not in (SlotKind.TRANSFER, SlotKind.BURN, SlotKind.CALL)):
        raise MalformedSlotData(
            f"forced is 1 only on a TRANSFER, BURN or CALL, else 0, not {slot.forced} on {kind.name}"
        )
    if slot.reason not in _REASONS or (slot.reason and not slot.forced):
        raise MalformedSlotData(f"reason is a forced slot's code in {_REASONS}, else 0, not {slot.reason}")
    if kind == SlotKind.NOOP:
        if any(getattr(slot, n) for n in _FIELDS + _FR_FIELDS):
            raise MalformedSlotData(f"a NOOP slot has only zero fields, not {slot}")
        return slot
    if kind == SlotKind.TRANSFER:
        for name in ("peer_chain", "program", "payload", *_MSG_FIELDS):
            if getattr(slot, name):
                raise MalformedSlotData(f"a TRANSFER has {name} 0, not {getattr(slot, name)}")
        return slot
    if not (0 <= slot.peer_chain < n_rollups and slot.peer_chain != chain_id):
        raise MalformedSlotData(
            f"a {kind.name} on chain {chain_id} needs peer_chain in [0, {n_rollups}) other than {chain_id}, "
            f"not {slot.peer_chain}"
        )
    if slot.program not in (_MINT, _COND, _SWAP):
        raise MalformedSlotData(f"a {kind.name} runs program 1 (MINT), 2 (COND) or 3 (SWAP), not {slot.program}")
    if kind == SlotKind.BURN and (slot.program != _MINT or slot.payload):
        raise MalformedSlotData(f"a BURN runs program 1 (MINT) with payload 0, not {slot.program}, {slot.payload}")
    if slot.program == _COND and slot.payload > U64_MAX:
        raise MalformedSlotData(f"a COND's payload is its cap, a u64, not {slot.payload}")
    if not (kind == SlotKind.ACTION and slot.program == _SWAP):
        for name in _MSG_FIELDS:
            if getattr(slot, name):
                raise MalformedSlotData(f"{name} is 0 except in a SWAP ACTION, not {getattr(slot, name)}")
    return slot


def batch_commitment(slots: Sequence[SlotData]) -> int:
    """Fold the slot digests with Poseidon(h, digest) starting from h = 0 (module docstring)."""
    h = 0
    for s in slots:
        h = poseidon([h, s.digest()])
    return h


@dataclass(frozen=True)
class BatchStatement:
    """The public statement of one rollup's batch proof."""

    chain_id: int
    old_state_root: int
    new_state_root: int
    batch_commitment: int

    def public_inputs(self) -> list[int]:
        """``[chain_id, old_state_root, new_state_root, batch_commitment]`` (the circuit's public-wire order)."""
        return [self.chain_id, self.old_state_root, self.new_state_root, self.batch_commitment]

    @classmethod
    def from_public_inputs(cls, values: Sequence[int]) -> BatchStatement:
        """Inverse of ``public_inputs``.

        Raises
        ------
        ValueError
            ``values`` does not have exactly 4 entries.
        NonCanonicalFieldElement
            A value is not in [0, r).
        """
        if len(values) != N_BATCH_PUBLIC:
            raise ValueError(f"a batch statement has {N_BATCH_PUBLIC} public inputs, not {len(values)}")
        vals = [require_canonical_fr(v, f"public_inputs[{i}]") for i, v in enumerate(values)]
        return cls(*vals)


@dataclass(frozen=True)
class CrossStatement:
    """The public statement of the cross-rollup proof: the K new state roots, index = chain_id."""

    new_state_roots: tuple[int, ...]

    def public_inputs(self) -> list[int]:
        """The roots in chain order."""
        return list(self.new_state_roots)

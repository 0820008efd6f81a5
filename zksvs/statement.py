"""The batch statement: public-input order and the batch commitment, defined once for circuits, sequencer, verifier.

Batch circuit public inputs, in this order (DESIGN.md §6): ``chain_id, old_state_root, new_state_root,
batch_commitment``. The commitment binds the proof to the batch data the L1 receives: every slot (no-ops too) is
reduced to a ``SlotData`` digest, and the digests are folded with Poseidon:

    digest_k = Poseidon(kind, account_a, account_b, amount, nonce, peer_chain)        (6 inputs)
    h_0 = 0,  h_{k+1} = Poseidon(h_k, digest_k),  batch_commitment = h_B

Slot fields per kind (``account_a``/``account_b`` are account indices in the rollup's account tree):

    kind       account_a  account_b   amount  nonce                       peer_chain
    NOOP (0)   0          0           0       0                           0
    TRANSFER   from       to          amount  sender's nonce before       0
    BURN       from       to (on dst) amount  sender's nonce before       dst chain_id
    MINT       from (src) to          amount  message_nonce (tree index)  src chain_id

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
from zksvs.field import require_canonical_fr
from zksvs.poseidon import poseidon
from zksvs.rollup_state import U64_MAX

#: Number of public inputs of a batch circuit.
N_BATCH_PUBLIC = 4


class SlotKind(IntEnum):
    """What a batch slot does (DESIGN.md §5)."""

    NOOP = 0
    TRANSFER = 1
    BURN = 2
    MINT = 3


@dataclass(frozen=True)
class SlotData:
    """The committed data of one slot (see the module docstring for the fields of each kind)."""

    kind: SlotKind
    account_a: int = 0
    account_b: int = 0
    amount: int = 0
    nonce: int = 0
    peer_chain: int = 0

    def fields(self) -> tuple[int, int, int, int, int, int]:
        """The six digest inputs in order."""
        return (int(self.kind), self.account_a, self.account_b, self.amount, self.nonce, self.peer_chain)

    def digest(self) -> int:
        """Poseidon(kind, account_a, account_b, amount, nonce, peer_chain)."""
        return poseidon(list(self.fields()))

    @classmethod
    def noop(cls) -> SlotData:
        """The padding slot."""
        return cls(SlotKind.NOOP)


_FIELDS = ("account_a", "account_b", "amount", "nonce", "peer_chain")


def check_slot_data(slot: object, chain_id: int, n_rollups: int) -> SlotData:
    """Return ``slot`` if it is the committed data of a slot that the native rules allow on rollup ``chain_id``.

    What the L1 receives is checked against the rules the sequencer enforces (the module docstring's table), with
    exact integers only (a float 3.5 or a bool is refused, not rounded):

    - ``kind`` is a ``SlotKind`` value; every field is an int in [0, 2^64) (account indices, u64 amounts and
      nonces, chain ids: none reaches 2^64);
    - NOOP: every field is 0; TRANSFER: ``peer_chain`` is 0;
    - BURN and MINT: ``peer_chain`` is in [0, K) and is not ``chain_id`` — a peer such as (2c − 1)/2 mod r would pick
      the bridge slot of a c→c tree that no pair check compares (issue 8, finding 1).

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
    if kind == SlotKind.NOOP and any(getattr(slot, n) for n in _FIELDS):
        raise MalformedSlotData(f"a NOOP slot has only zero fields, not {slot}")
    if kind == SlotKind.TRANSFER and slot.peer_chain != 0:
        raise MalformedSlotData(f"a TRANSFER has peer_chain 0, not {slot.peer_chain}")
    peer_ok = 0 <= slot.peer_chain < n_rollups and slot.peer_chain != chain_id
    if kind in (SlotKind.BURN, SlotKind.MINT) and not peer_ok:
        raise MalformedSlotData(
            f"a {kind.name} on chain {chain_id} needs peer_chain in [0, {n_rollups}) other than {chain_id}, "
            f"not {slot.peer_chain}"
        )
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

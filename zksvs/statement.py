"""The batch statement: public-input order and how a proof is bound to its batch data, for circuits, sequencer, L1.

Batch circuit public inputs, in this order (DESIGN.md §6): ``chain_id, old_state_root, new_state_root,
batch_commitment, eval_point, eval_value``. The last three bind the proof to the batch data the L1 receives, by
evaluation (EIP-4844's "proof of equivalence" between a commitment and published data):

- every slot (no-ops too) packs into one slot word below 2^208 (``pack_slot``; byte fields, little end first)::

      byte   0          1           2-5         6-9         10-17    18-25
      field  kind bit   peer_chain  account_a   account_b   amount   nonce

  The kind byte has one bit per kind (``KIND_BITS``: no-op 0, transfer 1, burn 2, mint 4), so the word is a sum
  of distinct powers of two over the circuit's boolean wires (the kind selectors and the fields' range-check bits):
  one word, one slot.

- ``batch_commitment`` c = Poseidon sponge over the B slot words: h = Poseidon(w_0..w_15), then
  h = Poseidon(h, next 15 words) while words remain (circomlib Poseidon, at most 16 inputs);
- ``eval_point`` z = Keccak-256(c ‖ w_0 ‖ … ‖ w_{B−1}) mod r (32-byte big-endian words);
- ``eval_value`` y = Σ_k w_k·z^k mod r.

The circuit computes c and y from the slot fields it uses (each field range-checked to its width, so the packing is
injective) and takes z as an input; the L1 computes z and y from the words it received, with Keccak and B
multiply-adds. Why that binds: c fixes the prover's words before z exists, and z depends on c and on the published
words, so a published list that differs from the committed one is a different polynomial of degree < B, which
agrees with the committed one at the random point z with probability ≤ B/r (Schwartz–Zippel) per attempt. Poseidon
over the slots on the L1 instead would cost ~160,000 gas a slot; this costs about 300 (Keccak, one multiply-add).

Slot fields per kind (``account_a``/``account_b`` are account indices in the rollup's account tree):

    kind       account_a  account_b   amount  nonce                       peer_chain
    NOOP (0)   0          0           0       0                           0
    TRANSFER   from       to          amount  sender's nonce before       0
    BURN       from       to (on dst) amount  sender's nonce before       dst chain_id
    MINT       from (src) to          amount  message_nonce (tree index)  src chain_id

Cross-rollup circuit public inputs (DESIGN.md §6b): the K new state roots, in chain order. We chose the roots
themselves over one Poseidon commitment to them: on the L1 a public input costs one 6,000-gas ecMul while a
Poseidon of K inputs costs far more on the EVM, so K plain inputs are cheaper for K ≤ 8.

References
----------
EIP-4844, "Shard Blob Transactions" (the point-evaluation binding of a commitment to published data);
Poseidon, Grassi et al., USENIX Security 2021 (circomlib parameters, zksvs.poseidon); Schwartz–Zippel lemma.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from zksvs.errors import MalformedSlotData
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.keccak import keccak256
from zksvs.poseidon import poseidon

#: Number of public inputs of a batch circuit.
N_BATCH_PUBLIC = 6
#: Slot-word layout: field → (bit offset, width in bits). Byte-aligned, so zero high bytes stay zero in calldata.
SLOT_WORD_LAYOUT: dict[str, tuple[int, int]] = {
    "kind": (0, 8),
    "peer_chain": (8, 8),
    "account_a": (16, 32),
    "account_b": (48, 32),
    "amount": (80, 64),
    "nonce": (144, 64),
}
#: The kind byte of a slot word: one bit per kind.
KIND_BITS: dict[int, int] = {0: 0, 1: 1, 2: 2, 3: 4}
_KIND_OF_BITS = {v: k for k, v in KIND_BITS.items()}
#: Every slot word is below 2^SLOT_WORD_BITS.
SLOT_WORD_BITS = 208
#: Account indices fit 32 bits (account trees of depth ≤ 32).
ACCOUNT_BITS = 32
#: Inputs per Poseidon call of the commitment sponge (circomlib's widest Poseidon).
SPONGE_WIDTH = 16


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
        """``(kind, account_a, account_b, amount, nonce, peer_chain)``."""
        return (int(self.kind), self.account_a, self.account_b, self.amount, self.nonce, self.peer_chain)

    def word(self) -> int:
        """The slot word (``pack_slot``)."""
        return pack_slot(self)

    @classmethod
    def noop(cls) -> SlotData:
        """The padding slot."""
        return cls(SlotKind.NOOP)


def pack_slot(slot: SlotData) -> int:
    """The slot word: each field at its ``SLOT_WORD_LAYOUT`` offset, below 2^208.

    Raises
    ------
    MalformedSlotData
        ``slot`` is not a SlotData, or a field is not an exact int that fits its width (so no two slots share a
        word).
    """
    if not isinstance(slot, SlotData):
        raise MalformedSlotData(f"not a SlotData: {type(slot).__name__}")
    if type(slot.kind) not in (int, SlotKind) or slot.kind not in KIND_BITS:
        raise MalformedSlotData(f"kind must be one of {list(KIND_BITS)}, not {slot.kind!r}")
    word = KIND_BITS[int(slot.kind)]
    for name, (offset, width) in SLOT_WORD_LAYOUT.items():
        if name == "kind":
            continue
        v = getattr(slot, name)
        if type(v) is not int or not 0 <= v < 1 << width:
            raise MalformedSlotData(f"{name} must be an int in [0, 2^{width}), not {v!r}")
        word |= v << offset
    return word


def unpack_slot(word: int) -> SlotData:
    """Inverse of ``pack_slot``.

    Raises
    ------
    MalformedSlotData
        ``word`` is not an int in [0, 2^208), or its kind byte is not 0, 1, 2 or 4.
    """
    if type(word) is not int or not 0 <= word < 1 << SLOT_WORD_BITS:
        raise MalformedSlotData(f"a slot word is an int in [0, 2^{SLOT_WORD_BITS}), not {word!r}")
    f = {name: (word >> off) & ((1 << width) - 1) for name, (off, width) in SLOT_WORD_LAYOUT.items()}
    if f["kind"] not in _KIND_OF_BITS:
        raise MalformedSlotData(f"kind byte {f['kind']} is not 0, 1, 2 or 4")
    return SlotData(SlotKind(_KIND_OF_BITS[f.pop("kind")]), **f)


_FIELDS = ("account_a", "account_b", "amount", "nonce", "peer_chain")


def check_slot_data(slot: object, chain_id: int, n_rollups: int) -> SlotData:
    """Return ``slot`` if it is the committed data of a slot that the native rules allow on rollup ``chain_id``.

    What the L1 receives is checked against the rules the sequencer enforces (the module docstring's table), with
    exact integers only (a float 3.5 or a bool is refused, not rounded):

    - ``kind`` is a ``SlotKind`` value; every field fits its slot-word width (``SLOT_WORD_LAYOUT``: account indices
      32 bits, amounts and nonces 64, the peer chain 8);
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
        width = SLOT_WORD_LAYOUT[name][1]
        if type(v) is not int or not 0 <= v < 1 << width:
            raise MalformedSlotData(f"{name} must be an int in [0, 2^{width}), not {v!r}")
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


def sponge_chunks(n_words: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` word ranges the commitment sponge absorbs per Poseidon call: 16 words, then 15 at a time
    beside the running hash."""
    out, start = [], 0
    while start < n_words or not out:
        end = min(n_words, start + (SPONGE_WIDTH if not out else SPONGE_WIDTH - 1))
        out.append((start, end))
        start = end
    return out


def slot_word_unchecked(slot: SlotData) -> int:
    """The kind bit plus Σ field·2^offset mod r, without range checks: the word a circuit computes from whatever a
    (possibly malicious) trace holds (a kind outside SlotKind counts as no bit). Equals ``pack_slot`` for every slot
    that packs."""
    word = KIND_BITS.get(int(slot.kind), 0)
    for name, (off, _) in SLOT_WORD_LAYOUT.items():
        if name != "kind":
            word += int(getattr(slot, name)) << off
    return word % FR_MODULUS


def batch_commitment(slots: Sequence[SlotData]) -> int:
    """c = the Poseidon sponge over the slot words (module docstring; ``slot_word_unchecked``); 0 for no slots."""
    return commitment_of_words([slot_word_unchecked(s) for s in slots])


def commitment_of_words(words: Sequence[int]) -> int:
    """The sponge of ``batch_commitment`` over slot words already packed; 0 for no words."""
    if not words:
        return 0
    h = None
    for start, end in sponge_chunks(len(words)):
        chunk = list(words[start:end])
        h = poseidon(chunk if h is None else [h, *chunk])
    return h


def eval_point(commitment: int, words: Sequence[int]) -> int:
    """z = Keccak-256(commitment ‖ words) mod r, every value as a 32-byte big-endian word (the L1's computation).

    Raises
    ------
    ValueError
        A value is not an int in [0, 2^256).
    """
    data = b"".join(_word32(v) for v in (commitment, *words))
    return int.from_bytes(keccak256(data), "big") % FR_MODULUS


def eval_value(words: Sequence[int], z: int) -> int:
    """y = Σ_k words[k]·z^k mod r, by Horner from the last word (the L1's computation)."""
    y = 0
    for w in reversed(words):
        y = (y * z + w) % FR_MODULUS
    return y


def _word32(v: int) -> bytes:
    if type(v) is not int or not 0 <= v < 1 << 256:
        raise ValueError(f"a word must be an int in [0, 2^256), not {v!r}")
    return v.to_bytes(32, "big")


@dataclass(frozen=True)
class BatchBinding:
    """What binds a batch proof to its data: ``batch_commitment`` c, ``eval_point`` z, ``eval_value`` y."""

    batch_commitment: int
    eval_point: int
    eval_value: int

    @classmethod
    def of_slots(cls, slots: Sequence[SlotData]) -> BatchBinding:
        """The binding of these slots (module docstring), their words as a circuit computes them
        (``slot_word_unchecked``: a trace with an out-of-range field still has a statement, which no proof meets)."""
        return cls.of_words([slot_word_unchecked(s) for s in slots])

    @classmethod
    def of_words(cls, words: Sequence[int]) -> BatchBinding:
        """The binding of these slot words (ints in [0, r))."""
        c = commitment_of_words(words)
        z = eval_point(c, words)
        return cls(c, z, eval_value(words, z))


@dataclass(frozen=True)
class BatchStatement:
    """The public statement of one rollup's batch proof."""

    chain_id: int
    old_state_root: int
    new_state_root: int
    batch_commitment: int
    eval_point: int
    eval_value: int

    @classmethod
    def for_batch(cls, chain_id: int, old_state_root: int, new_state_root: int, slots: Sequence[SlotData]):
        """The statement of a batch with these roots and slots (the binding computed from the slots)."""
        b = BatchBinding.of_slots(slots)
        return cls(chain_id, old_state_root, new_state_root, b.batch_commitment, b.eval_point, b.eval_value)

    def public_inputs(self) -> list[int]:
        """``[chain_id, old_state_root, new_state_root, batch_commitment, eval_point, eval_value]`` (the circuit's
        public-wire order)."""
        return [
            self.chain_id,
            self.old_state_root,
            self.new_state_root,
            self.batch_commitment,
            self.eval_point,
            self.eval_value,
        ]

    @classmethod
    def from_public_inputs(cls, values: Sequence[int]) -> BatchStatement:
        """Inverse of ``public_inputs``.

        Raises
        ------
        ValueError
            ``values`` does not have exactly 6 entries.
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

"""The batch statement: public-input order and how a proof is bound to its batch data, for circuits, sequencer, L1.

Batch circuit public inputs, in this order (DESIGN.md §6): ``chain_id, old_state_root, new_state_root,
batch_commitment, eval_point, eval_value``. The last three bind the proof to the batch data the L1 receives, by
evaluation (EIP-4844's "proof of equivalence" between a commitment and published data):

- every slot (no-ops too) packs into ``SLOT_WORDS`` = 8 slot words (``pack_slot``; byte fields, little end first)::

      word 0  byte   0          1           2           3-6         7-10        11-18    19-26  27      28
              field  kind bit   peer_chain  program bit account_a   account_b   amount   nonce  forced  reason bit
                                                                                                      (< 2^232)
      word 1  byte   0-3         4-7         8-15
              field  msg_sender  msg_target  msg_value                                                (< 2^128)
      word 2  payload;  word 3  pubkey_x;  word 4  pubkey_y                                    (field elements, < r)
      word 5  sig_r8x;  word 6  sig_r8y;   word 7  sig_s        (a forced slot's signature; 0 on every other slot)

  The kind byte has one bit per kind (``KIND_BITS``: no-op 0, transfer 1, burn 2, action 4, call 8), the program
  byte one bit per program (``PROGRAM_BITS``: none 0, MINT 1, COND 2, SWAP 4) and the reason byte one bit per
  forced rejection's reason code (``REASON_BITS``; forced inclusion, issue 10 §3: ``forced`` is 0 or 1), so words 0
  and 1 are sums of distinct powers of two over the circuit's boolean wires (the kind and
  program selectors and the fields' range-check bits) and words 2-4 are wires themselves. Words 5-7 bind a forced
  slot's signature (R8.x, R8.y, S), the one queued on L1 (``zksvs.forced.entry_words``): the circuit makes each
  forced·(the wire its signature verifier consumes), so a forced slot's check runs on the committed signature and a
  sequencer cannot swap in another one to "prove" ``bad_signature``; on a slot that is not forced they are 0. Eight
  words, one slot.

- ``batch_commitment`` c = Poseidon sponge over the 8·B words in slot order: h = Poseidon(w_0..w_15), then
  h = Poseidon(h, next 15 words) while words remain (circomlib Poseidon, at most 16 inputs);
- ``eval_point`` z = Keccak-256(c ‖ sparse_words(w_0 … w_{8B−1})) mod r (32-byte big-endian words; the sparse
  encoding sends per slot word 0 with a presence mask in its top byte, then only the non-zero words: what the L1
  receives in calldata, so zero words cost it nothing);
- ``eval_value`` y = Σ_k w_k·z^k mod r.

The circuit computes c and y from the slot fields it uses (each field range-checked to its width, so the packing is
injective) and takes z as an input; the L1 computes z and y from the words it received, with Keccak and 8·B
multiply-adds. Why that binds: c fixes the prover's words before z exists, and z depends on c and on the published
words, so a published list that differs from the committed one is a different polynomial of degree < 8B, which
agrees with the committed one at the random point z with probability ≤ 8B/r (Schwartz–Zippel) per attempt.
Poseidon over the slots on the L1 instead would cost ~160,000 gas a slot; this costs a Keccak over the words and
eight multiply-adds a slot (docs/evm.md has the measured gas).

The slot fields of each kind are in docs/protocol.md ("The slot layout").

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
#: Slot words per slot.
SLOT_WORDS = 8
#: Slot-word layout of the packed words 0 and 1: field → (word, bit offset, width in bits). Byte-aligned, so zero
#: high bytes stay zero in calldata. Words 2-7 are ``FR_WORD_FIELDS``.
SLOT_WORD_LAYOUT: dict[str, tuple[int, int, int]] = {
    "kind": (0, 0, 8),
    "peer_chain": (0, 8, 8),
    "program": (0, 16, 8),
    "account_a": (0, 24, 32),
    "account_b": (0, 56, 32),
    "amount": (0, 88, 64),
    "nonce": (0, 152, 64),
    "forced": (0, 216, 8),
    "reason": (0, 224, 8),
    "msg_sender": (1, 0, 32),
    "msg_target": (1, 32, 32),
    "msg_value": (1, 64, 64),
}
#: The field-element fields, one word each (words 2-7).
FR_WORD_FIELDS = ("payload", "pubkey_x", "pubkey_y", "sig_r8x", "sig_r8y", "sig_s")
#: The signature fields (words 5-7): a forced slot's signature, 0 on every other slot.
SIG_FIELDS = ("sig_r8x", "sig_r8y", "sig_s")
#: Bits of the packed words: word 0 is below 2^232, word 1 below 2^128.
PACKED_WORD_BITS = (232, 128)
#: The kind byte of a slot word: one bit per kind.
KIND_BITS: dict[int, int] = {0: 0, 1: 1, 2: 2, 3: 4, 4: 8}
_KIND_OF_BITS = {v: k for k, v in KIND_BITS.items()}
#: The program byte of a slot word: one bit per program (``zksvs.tx_message.Program``: MINT 1, COND 2, SWAP 3).
PROGRAM_BITS: dict[int, int] = {0: 0, 1: 1, 2: 2, 3: 4}
_PROGRAM_OF_BITS = {v: k for k, v in PROGRAM_BITS.items()}
#: The reason byte of a slot word: one bit per reason code a forced rejection can prove (``zksvs.forced``: 1-4 the
#: sender's, 5, 7, 8 a transfer's recipient's; 0: included, or not forced).
REASON_BITS: dict[int, int] = {0: 0, 1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 7: 32, 8: 64}
_REASON_OF_BITS = {v: k for k, v in REASON_BITS.items()}
#: The byte-coded fields (a table of bits each), packed apart from the plain ones.
_CODED = {"kind": KIND_BITS, "program": PROGRAM_BITS, "reason": REASON_BITS}
#: Account indices fit 32 bits (account trees of depth ≤ 32).
ACCOUNT_BITS = 32
#: Inputs per Poseidon call of the commitment sponge (circomlib's widest Poseidon).
SPONGE_WIDTH = 16
_U64_MAX = (1 << 64) - 1


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
    sig_r8x, sig_r8y, sig_s : int
        A forced slot's signature (R8.x, R8.y, S: the one queued on L1, which the slot's verifier checks); 0 on
        every slot that is not forced.
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
    sig_r8x: int = 0
    sig_r8y: int = 0
    sig_s: int = 0

    def fields(self) -> tuple[int, ...]:
        """kind, account_a, account_b, amount, nonce, peer_chain, program, payload, pubkey_x, pubkey_y, msg_sender,
        msg_target, msg_value, forced, reason, sig_r8x, sig_r8y, sig_s."""
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
            self.sig_r8x,
            self.sig_r8y,
            self.sig_s,
        )

    def words(self) -> tuple[int, ...]:
        """The eight slot words (``pack_slot``)."""
        return pack_slot(self)

    @classmethod
    def noop(cls) -> SlotData:
        """The padding slot."""
        return cls(SlotKind.NOOP)


def _code_byte(value: object, table: dict[int, int], what: str) -> int:
    if type(value) not in (int, SlotKind) or value not in table:
        raise MalformedSlotData(f"{what} must be one of {list(table)}, not {value!r}")
    return table[int(value)]


def pack_slot(slot: SlotData) -> tuple[int, ...]:
    """The eight slot words (module docstring): each packed field at its ``SLOT_WORD_LAYOUT`` place, then payload,
    pubkey_x, pubkey_y, sig_r8x, sig_r8y, sig_s.

    Raises
    ------
    MalformedSlotData
        ``slot`` is not a SlotData, its kind, program or reason has no bit, or a field is not an exact int that fits its
        width (a field element: in [0, r)), so no two slots share their words.
    """
    if not isinstance(slot, SlotData):
        raise MalformedSlotData(f"not a SlotData: {type(slot).__name__}")
    words = [0, 0]
    for name, table in _CODED.items():
        words[0] |= _code_byte(getattr(slot, name), table, name) << SLOT_WORD_LAYOUT[name][1]
    for name, (w, offset, width) in SLOT_WORD_LAYOUT.items():
        if name in _CODED:
            continue
        v = getattr(slot, name)
        if type(v) is not int or not 0 <= v < 1 << width:
            raise MalformedSlotData(f"{name} must be an int in [0, 2^{width}), not {v!r}")
        words[w] |= v << offset
    for name in FR_WORD_FIELDS:
        v = getattr(slot, name)
        if type(v) is not int or not 0 <= v < FR_MODULUS:
            raise MalformedSlotData(f"{name} must be an int in [0, r), not {v!r}")
        words.append(v)
    return tuple(words)


def unpack_slot(words: Sequence[int]) -> SlotData:
    """Inverse of ``pack_slot``.

    Raises
    ------
    MalformedSlotData
        ``words`` are not eight ints, word 0 ≥ 2^232, word 1 ≥ 2^128, words 2-7 ≥ r, or the kind, program or
        reason byte is not one of its bits.
    """
    if len(words) != SLOT_WORDS or any(type(w) is not int or w < 0 for w in words):
        raise MalformedSlotData(f"a slot is {SLOT_WORDS} non-negative ints, not {words!r}")
    for i, bits in enumerate(PACKED_WORD_BITS):
        if words[i] >= 1 << bits:
            raise MalformedSlotData(f"slot word {i} must be below 2^{bits}, not {words[i]}")
    if any(w >= FR_MODULUS for w in words[2:]):
        raise MalformedSlotData("slot words 2-7 must be below r")
    f = {name: (words[w] >> off) & ((1 << width) - 1) for name, (w, off, width) in SLOT_WORD_LAYOUT.items()}
    if f["kind"] not in _KIND_OF_BITS:
        raise MalformedSlotData(f"kind byte {f['kind']} is not 0, 1, 2, 4 or 8")
    if f["program"] not in _PROGRAM_OF_BITS:
        raise MalformedSlotData(f"program byte {f['program']} is not 0, 1, 2 or 4")
    if f["reason"] not in _REASON_OF_BITS:
        raise MalformedSlotData(f"reason byte {f['reason']} is not 0 or one of {sorted(_REASON_OF_BITS)[1:]}")
    kind = SlotKind(_KIND_OF_BITS[f.pop("kind")])
    f["program"] = _PROGRAM_OF_BITS[f["program"]]
    f["reason"] = _REASON_OF_BITS[f["reason"]]
    return SlotData(kind, **f, **dict(zip(FR_WORD_FIELDS, words[2:])))


_PACKED_FIELDS = tuple(n for n in SLOT_WORD_LAYOUT if n not in _CODED)
_MSG_FIELDS = ("msg_sender", "msg_target", "msg_value")
#: Program codes (``zksvs.tx_message.Program``; restated here to keep the statement free of the message layer).
_MINT, _COND, _SWAP = 1, 2, 3


def check_slot_data(slot: object, chain_id: int, n_rollups: int) -> SlotData:
    """Return ``slot`` if it is the committed data of a slot that the native rules allow on rollup ``chain_id``.

    What the L1 receives is checked against the rules the sequencer enforces (docs/protocol.md, "The slot layout"),
    with exact integers only (a float 3.5 or a bool is refused, not rounded); the contract checks the same rules on
    the slot words (``SharedSettlement._checkBatchData``):

    - ``kind`` is a ``SlotKind`` value and ``program`` one of 0-3; every packed field fits its slot-word width
      (``SLOT_WORD_LAYOUT``: account indices 32 bits, amounts, nonces and msg_value 64, the peer chain 8); payload
      and key are canonical Fr elements;
    - NOOP: every field is 0; TRANSFER: no message (peer_chain, program, payload, msg_* are 0);
    - BURN, CALL, ACTION: ``peer_chain`` is in [0, K) and is not ``chain_id`` — a peer such as (2c − 1)/2 mod r
      would pick the bridge slot of a c→c tree that no pair check compares (issue 8, finding 1); the program is
      MINT, COND or SWAP (a BURN: MINT with payload 0); a COND's payload (its cap) is a u64; msg_sender,
      msg_target, msg_value are 0 except in a SWAP ACTION;
    - forced is 0 or 1, and 1 only on a TRANSFER, BURN or CALL (a user transaction from the L1 queue); reason is 0
      unless forced, else a code the circuit proves (``REASON_BITS``, ``zksvs.forced.PROVABLE_REASONS``);
      sig_r8x, sig_r8y, sig_s are 0 unless forced (which signature a forced slot carries is the
      ``forced_inclusion`` check's business: the queue entry's).

    Raises
    ------
    MalformedSlotData
        The first rule broken, named with the field and its value.
    """
    if not isinstance(slot, SlotData):
        raise MalformedSlotData(f"not a SlotData: {type(slot).__name__}")
    kind = slot.kind
    if type(kind) not in (int, SlotKind) or kind not in tuple(SlotKind):
        raise MalformedSlotData(f"kind must be one of {sorted({int(k) for k in SlotKind})}, not {kind!r}")
    kind = SlotKind(kind)
    if type(slot.program) is not int or slot.program not in PROGRAM_BITS:
        raise MalformedSlotData(f"program must be 0, 1 (MINT), 2 (COND) or 3 (SWAP), not {slot.program!r}")
    for name in _PACKED_FIELDS:
        v = getattr(slot, name)
        width = SLOT_WORD_LAYOUT[name][2]
        if type(v) is not int or not 0 <= v < 1 << width:
            raise MalformedSlotData(f"{name} must be an int in [0, 2^{width}), not {v!r}")
    for name in FR_WORD_FIELDS:
        v = getattr(slot, name)
        if type(v) is not int or not 0 <= v < FR_MODULUS:
            raise MalformedSlotData(f"{name} must be an int in [0, r), not {v!r}")
    if slot.forced not in (0, 1) or (slot.forced and kind not in (SlotKind.TRANSFER, SlotKind.BURN, SlotKind.CALL)):
        raise MalformedSlotData(f"forced is 1 only on a TRANSFER, BURN or CALL, not {slot.forced} on {kind.name}")
    if slot.reason not in REASON_BITS or (slot.reason and not slot.forced):
        raise MalformedSlotData(f"reason is a forced slot's code in {sorted(REASON_BITS)}, else 0, not {slot.reason}")
    if not slot.forced and any(getattr(slot, n) for n in SIG_FIELDS):
        raise MalformedSlotData(f"a slot that is not forced has sig_r8x, sig_r8y, sig_s 0, not {slot}")
    if kind == SlotKind.NOOP:
        if any(slot.fields()[1:]):
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
    if slot.program == _COND and slot.payload > _U64_MAX:
        raise MalformedSlotData(f"a COND's payload is its cap, a u64, not {slot.payload}")
    if not (kind == SlotKind.ACTION and slot.program == _SWAP):
        for name in _MSG_FIELDS:
            if getattr(slot, name):
                raise MalformedSlotData(f"{name} is 0 except in a SWAP ACTION, not {getattr(slot, name)}")
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


def slot_words_unchecked(slot: SlotData) -> tuple[int, ...]:
    """The eight words as Σ bit·2^offset mod r without range checks: the words a circuit computes from whatever a
    (possibly malicious) trace holds (a kind, program or reason without a bit counts as none). Equal ``pack_slot`` for
    every slot that packs."""
    words = [0, 0]
    for name, table in _CODED.items():
        words[0] += table.get(int(getattr(slot, name)), 0) << SLOT_WORD_LAYOUT[name][1]
    for name in _PACKED_FIELDS:
        w, off, _ = SLOT_WORD_LAYOUT[name]
        words[w] += int(getattr(slot, name)) << off
    words += [int(getattr(slot, n)) for n in FR_WORD_FIELDS]
    return tuple(w % FR_MODULUS for w in words)


def batch_words(slots: Sequence[SlotData]) -> list[int]:
    """The 8·B words of a batch in slot order (``slot_words_unchecked`` of each slot)."""
    return [w for s in slots for w in slot_words_unchecked(s)]


def batch_commitment(slots: Sequence[SlotData]) -> int:
    """c = the Poseidon sponge over the batch's slot words (module docstring; ``batch_words``); 0 for no slots."""
    return commitment_of_words(batch_words(slots))


def commitment_of_words(words: Sequence[int]) -> int:
    """The sponge of ``batch_commitment`` over slot words already packed; 0 for no words."""
    if not words:
        return 0
    h = None
    for start, end in sponge_chunks(len(words)):
        chunk = list(words[start:end])
        h = poseidon(chunk if h is None else [h, *chunk])
    return h


#: The sparse encoding's head word: word 0 in bits 0-247, the presence mask of words 1.. in bits 248-255.
SPARSE_MASK_SHIFT = 248


def sparse_words(words: Sequence[int]) -> list[int]:
    """The sparse encoding of slot words, slot after slot (what the L1 receives and hashes): per slot its head word
    ``word_0 | mask·2^248`` (bit j − 1 of the mask set iff word j ≠ 0), then its non-zero words 1.. in order.

    Decoding is a function of the encoding (read a head, then one word per mask bit), and on the words the L1
    accepts (word 0 < 2^232, ``SLOT_WORDS`` − 1 ≤ 8 mask bits) encoding then decoding is the identity, so the
    encoding is injective there: hashing it fixes the words as hashing them all would.

    Raises
    ------
    ValueError
        The number of words is not a multiple of ``SLOT_WORDS``.
    """
    if len(words) % SLOT_WORDS:
        raise ValueError(f"slot words come {SLOT_WORDS} a slot, not {len(words)} words")
    out: list[int] = []
    for t in range(0, len(words), SLOT_WORDS):
        slot = words[t : t + SLOT_WORDS]
        mask = sum(1 << (j - 1) for j in range(1, SLOT_WORDS) if slot[j])
        out.append(slot[0] | mask << SPARSE_MASK_SHIFT)
        out += [w for w in slot[1:] if w]
    return out


def eval_point(commitment: int, words: Sequence[int]) -> int:
    """z = Keccak-256(commitment ‖ sparse_words(words)) mod r, every value a 32-byte big-endian word (the L1's
    computation: it hashes the sparse encoding it received, then decodes and evaluates in one pass).

    Raises
    ------
    ValueError
        A value is not an int in [0, 2^256), or the words are not whole slots.
    """
    data = b"".join(_word32(v) for v in (commitment, *sparse_words(words)))
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
        (``batch_words``: a trace with an out-of-range field still has a statement, which no proof meets)."""
        return cls.of_words(batch_words(slots))

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

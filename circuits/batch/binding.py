"""The batch circuit's binding to its data (``zksvs.statement``): slot words, their Poseidon sponge, their evaluation.

Each slot's committed fields pack into eight slot words (words 0-4 linear combinations: free, injective
because ``slots.slot_data`` range-checks every packed field to its width; words 5-7 a forced slot's signature, the
products ``slots.signature`` makes); the words are absorbed by a Poseidon sponge into the
public ``batch_commitment`` and evaluated as a polynomial at the public ``eval_point`` into the public
``eval_value``, which the L1 recomputes from the words it received (``zksvs.statement`` says why that binds).

References
----------
EIP-4844 (point evaluation of a commitment to published data); circomlib ``Poseidon(n)``, n ≤ 16.
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.batch.slots import PROVABLE_CODES, KindSelectors, SlotDataVars
from circuits.builder import ConstraintBuilder, Var
from circuits.gadgets.poseidon import poseidon_hash
from zksvs.statement import KIND_BITS, PROGRAM_BITS, REASON_BITS, SLOT_WORD_LAYOUT, sponge_chunks

__all__ = ["batch_commitment", "eval_value", "slot_words"]


def slot_words(sel: KindSelectors, data: SlotDataVars, sig_words: Sequence[Var]) -> list[Var]:
    """The eight slot words (``zksvs.statement.pack_slot``): words 0 and 1 as sums of boolean wires with distinct
    powers of two — the kind byte from the kind selectors (transfer 1, burn 2, action 4, call 8, no-op 0), the
    program byte from the program selectors (MINT 1, COND 2, SWAP 4, none 0), the forced bit, the reason byte from
    the reason bits (one bit per provable code, ``zksvs.statement.REASON_BITS``), every other field from its
    range-check bits — then payload, pubkey_x, pubkey_y as they are, then ``sig_words`` (forced·(R8.x, R8.y, S) from
    ``slots.signature``).

    Built from bits rather than from the field wires, the words are visibly one-to-one: a packed word fixes each
    boolean (distinct powers of two below 2^232 < r), so each field (the SMT uniqueness checker's ``bits`` rule sees
    it too); a field-element word is its field.

    Constrains: nothing (linear combinations; the signature words' 3 products are ``slots.signature``'s)
    Cost:       0 constraints
    Assumes:    ``data`` from ``slots.slot_data`` (its bits are the range checks of the fields), ``sel`` from
                ``slots.kind_selectors`` (one-hot kinds; one-hot programs with a message, none without),
                ``sig_words`` from ``slots.signature``
    Rejects:    —
    """
    fields = {
        "peer_chain": data.peer_bits,
        "account_a": data.account_a_bits,
        "account_b": data.account_b_bits,
        "amount": data.amount_bits,
        "nonce": data.nonce_bits,
        "msg_sender": data.msg_sender_bits,
        "msg_target": data.msg_target_bits,
        "msg_value": data.msg_value_bits,
    }
    kind = {n: KIND_BITS[code] for code, n in enumerate(("noop", "transfer", "burn", "action", "call"))}
    words: list[Var | int] = [sum((k * getattr(sel, n) for n, k in kind.items() if k), 0), 0]
    p_off = SLOT_WORD_LAYOUT["program"][1]
    for code, n in ((1, "mint"), (2, "cond"), (3, "swap")):
        words[0] = words[0] + (PROGRAM_BITS[code] << p_off) * getattr(sel, n)
    for name, bits in fields.items():
        w, offset, width = SLOT_WORD_LAYOUT[name]
        assert len(bits) <= width
        for i, bit in enumerate(bits):
            words[w] = words[w] + (1 << (offset + i)) * bit
    # forced inclusion: the forced bit, and the reason byte with one bit per provable reason code
    words[0] = words[0] + (1 << SLOT_WORD_LAYOUT["forced"][1]) * data.forced
    r_off = SLOT_WORD_LAYOUT["reason"][1]
    for code, bit in zip(PROVABLE_CODES, data.reason_bits, strict=True):
        words[0] = words[0] + (REASON_BITS[code] << r_off) * bit
    assert len(sig_words) == 3
    return [*words, data.payload, data.pubkey_x, data.pubkey_y, *sig_words]


def batch_commitment(cb: ConstraintBuilder, words: Sequence[Var]) -> Var:
    """The Poseidon sponge of ``zksvs.statement.batch_commitment``: Poseidon(w_0..w_15), then Poseidon(h, next 15).

    Constrains: one ``poseidon_hash`` per chunk (namespaces ``sponge[i]``)
    Cost:       Σ poseidon_cost(chunk inputs): 297 for B = 4 (one Poseidon(4)); ≈ 41 per slot for large B
    Assumes:    ``words`` non-empty
    Rejects:    a commitment of other words (tested in tests/circuits/test_batch_soundness.py)
    """
    h: Var | None = None
    for i, (start, end) in enumerate(sponge_chunks(len(words))):
        chunk = list(words[start:end])
        h = poseidon_hash(cb, chunk if h is None else [h, *chunk], name=f"sponge[{i}]")
    assert h is not None
    return h


def eval_value(cb: ConstraintBuilder, words: Sequence[Var], point: Var) -> Var:
    """Σ_k words[k]·point^k by Horner from the last word (``zksvs.statement.eval_value``; namespace ``horner``).

    Constrains: acc_k = acc_{k+1}·point + words[k] (labels ``horner[k]``)
    Cost:       8·B − 1 constraints
    Assumes:    nothing
    Rejects:    a value at another point, or of other words (tested in tests/circuits/test_batch_soundness.py)
    """
    acc = words[-1]
    with cb.namespace("horner"):
        for k in range(len(words) - 2, -1, -1):
            acc = cb.mul(acc, point, f"horner[{k}]") + words[k]
    return acc

"""The batch circuit's binding to its data (``zksvs.statement``): slot words, their Poseidon sponge, their evaluation.

Each slot's committed fields pack into one slot word (a linear combination: free, injective because
``slots.slot_data`` range-checks every field to its width); the words are absorbed by a Poseidon sponge into the
public ``batch_commitment`` and evaluated as a polynomial at the public ``eval_point`` into the public
``eval_value``, which the L1 recomputes from the words it received (``zksvs.statement`` says why that binds).

References
----------
EIP-4844 (point evaluation of a commitment to published data); circomlib ``Poseidon(n)``, n ≤ 16.
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.batch.slots import KindSelectors, SlotDataVars
from circuits.builder import ConstraintBuilder, Var
from circuits.gadgets.poseidon import poseidon_hash
from zksvs.statement import SLOT_WORD_LAYOUT, sponge_chunks

__all__ = ["batch_commitment", "eval_value", "slot_word"]


def slot_word(sel: KindSelectors, data: SlotDataVars) -> Var:
    """The slot word (``zksvs.statement.pack_slot``) as a sum of boolean wires with distinct powers of two: the kind
    byte from the selectors (transfer 1, burn 2, mint 4, no-op 0), every field from its range-check bits.

    Built from bits rather than from the field wires, the word is visibly one-to-one: a word fixes each boolean
    (distinct powers of two below 2^208 < r), so each field (the SMT uniqueness checker's ``bits`` rule sees it too).

    Constrains: nothing (a linear combination)
    Cost:       0 constraints
    Assumes:    ``data`` from ``slots.slot_data`` (its bits are the range checks of the fields), ``sel`` one-hot
    Rejects:    —
    """
    fields = {
        "peer_chain": data.peer_bits,
        "account_a": data.account_a_bits,
        "account_b": data.account_b_bits,
        "amount": data.amount_bits,
        "nonce": data.nonce_bits,
    }
    word = sel.transfer + 2 * sel.burn + 4 * sel.mint
    for name, bits in fields.items():
        offset, width = SLOT_WORD_LAYOUT[name]
        assert len(bits) <= width
        for i, bit in enumerate(bits):
            word = word + (1 << (offset + i)) * bit
    return word


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
    Cost:       B − 1 constraints
    Assumes:    nothing
    Rejects:    a value at another point, or of other words (tested in tests/circuits/test_batch_soundness.py)
    """
    acc = words[-1]
    with cb.namespace("horner"):
        for k in range(len(words) - 2, -1, -1):
            acc = cb.mul(acc, point, f"horner[{k}]") + words[k]
    return acc

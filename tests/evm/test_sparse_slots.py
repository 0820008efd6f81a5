"""The sparse slot encoding (zksvs.statement.sparse_words) and SharedSettlement's one-pass decoding of it.

What is shown: the contract's ``SLOT_WORDS`` and its slot-rule tables are those of ``zksvs.statement`` (the tables
are derived here from ``check_slot_data``, the model's rules); the encoding decodes back to the words (a decoder
written here, not the encoder run backwards) and sends no zero word; and the contract refuses a sparse section that
does not decode to whole slots (a mask bit past the slot's words, a missing word, a word left over) at
``batch_data``, as it refuses a slot the rules forbid. Honest and adversarial submissions through the encoder are
the other EVM tests' (``test_settlement_contract``, ``test_settlement_v2``: every one settles as the model does).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verifier.evm_settlement as evm_settlement
from bench.evm_shapes import synthetic_shared_batch
from verifier.evm_calldata import PUB_L1_BINDING, submission_words
from verifier.evm_settlement import EvmSettlementContract
from verifier.evm_toolchain import contract_source
from zksvs.errors import MalformedSlotData
from zksvs.field import FR_MODULUS
from zksvs.statement import (
    KIND_BITS,
    PROGRAM_BITS,
    SLOT_WORDS,
    SPARSE_MASK_SHIFT,
    SlotData,
    SlotKind,
    check_slot_data,
    sparse_words,
)

SOURCE = contract_source("SharedSettlement.sol")


def _constant(name: str) -> int:
    return int(re.search(rf"constant {name} = (0x[0-9a-f]+|\d+);", SOURCE).group(1), 0)


def test_contract_slot_words_are_the_statements():
    assert _constant("SLOT_WORDS") == SLOT_WORDS
    assert _constant("MASK_SHIFT") == SPARSE_MASK_SHIFT
    assert SLOT_WORDS - 1 <= 256 - SPARSE_MASK_SHIFT  # the mask fits the head's top byte


def _allowed(kind: int, program: int, forced: int) -> bool:
    """Does check_slot_data accept some slot of this kind, program and forced flag (peer 1 on chain 0 of K = 2,
    a COND's cap 0, no other field set)?"""
    peer = 0 if kind in (SlotKind.NOOP, SlotKind.TRANSFER) else 1
    try:
        check_slot_data(SlotData(SlotKind(kind), peer_chain=peer, program=program, forced=forced), 0, 2)
    except MalformedSlotData:
        return False
    return True


def test_kind_program_table_is_the_models_rules():
    table = 0
    for kind, kbit in KIND_BITS.items():
        for program, pbit in PROGRAM_BITS.items():
            for forced in (0, 1):
                if _allowed(kind, program, forced):
                    table |= 1 << (kbit + 16 * pbit + 128 * forced)
    assert _constant("KIND_PROGRAM_OK") == table


def test_forced_reason_table_and_range_bits():
    # reason byte: 0, or one bit ≤ 64 (bits 0..6) on a forced slot; index forced + 2·reason
    table = sum(1 << (f + 2 * r) for f in (0, 1) for r in range(128) if r == 0 or (f and r & (r - 1) == 0))
    assert _constant("FORCED_REASON_OK") == table
    word0 = (1 << 248) - 1
    must_be_zero = (word0 & ~((1 << 232) - 1)) | 0xF0 | 0xF8 << 16 | 0xFE << 216 | 0x80 << 224
    assert _constant("SLOT_RANGE_BITS") == must_be_zero


def _decode(sparse: list[int]) -> list[int]:
    """Read a head, then one word per mask bit (the contract's reading)."""
    out, at = [], 0
    while at < len(sparse):
        head = sparse[at]
        at += 1
        mask = head >> SPARSE_MASK_SHIFT
        slot = [head & ((1 << SPARSE_MASK_SHIFT) - 1)] + [0] * (SLOT_WORDS - 1)
        for j in range(1, SLOT_WORDS):
            if mask >> (j - 1) & 1:
                slot[j] = sparse[at]
                at += 1
        out += slot
    return out


_WORD0 = st.integers(0, (1 << 232) - 1)
_WORD = st.one_of(st.just(0), st.integers(1, FR_MODULUS - 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORD0, st.lists(_WORD, min_size=SLOT_WORDS - 1, max_size=SLOT_WORDS - 1)), max_size=6))
def test_sparse_encoding_decodes_to_the_words_and_sends_no_zero_word(slots):
    words = [w for w0, rest in slots for w in (w0, *rest)]
    sparse = sparse_words(words)
    assert _decode(sparse) == words
    heads = len(slots)
    assert len(sparse) == heads + sum(1 for _, rest in slots for w in rest if w)


def test_sparse_encoding_refuses_partial_slots():
    with pytest.raises(ValueError, match="a slot"):
        sparse_words([0] * (SLOT_WORDS + 1))


# --- the contract: a sparse section that does not decode is batch_data ------------------------------------------


_COUNTS = 2 + 1 + 8  # entry 0's counts word: after batch_number, n, chain_id and the 8 proof words
_U64 = (1 << 64) - 1


def _first_section(words: list[int]) -> tuple[int, int]:
    """(index of the first sparse word, n_sparse) of entry 0 (the counts word: n_public, n_slots, n_sparse, n_bridge
    in 64-bit fields; n_public 0x104: four inputs sent)."""
    counts = words[_COUNTS]
    n_public = counts & _U64
    sent = 4 if n_public == PUB_L1_BINDING else n_public
    return _COUNTS + 1 + sent, counts >> 128 & _U64


def _settle_words(contract, sub, edit, monkeypatch):
    words = submission_words(sub)
    edit(words)
    monkeypatch.setattr(evm_settlement, "submission_words", lambda s: words)
    return contract.settle(sub)


def _mask_past_the_slot(words):
    first, _ = _first_section(words)
    words[first] |= 1 << (SPARSE_MASK_SHIFT + SLOT_WORDS - 1)


def _missing_word(words):
    first, n = _first_section(words)
    # a present word claimed by a mask bit, dropped (the section then runs short)
    for at in range(first, first + n):
        if words[at] >> SPARSE_MASK_SHIFT and at + 1 < first + n:
            del words[at + 1]
            words[_COUNTS] -= 1 << 128
            return
    raise AssertionError("no slot with a present word")


def _word_left_over(words):
    first, n = _first_section(words)
    words.insert(first + n, 1)
    words[_COUNTS] += 1 << 128


@pytest.mark.parametrize("edit", [_mask_past_the_slot, _missing_word, _word_left_over])
def test_a_sparse_section_that_does_not_decode_is_batch_data(settlement_artifacts, edit, monkeypatch):
    run = synthetic_shared_batch(2, 4)  # honest: settles (bench.evm_gas and test_gas_model settle it)
    contract = EvmSettlementContract("proof", run.cross_vk)
    for c, root in enumerate(run.genesis_state_roots):
        contract.register(c, run.batch_vk, root)
    sub = replace(run.submission, rollups=[replace(r, bridge_slots=None) for r in run.submission.rollups])
    chain0 = sub.rollups[0].chain_id
    before = contract.storage()
    result = _settle_words(contract, sub, edit, monkeypatch)
    assert (result.accepted, result.failed_check, result.chain_id) == (False, "batch_data", chain0), result.detail
    assert contract.storage() == before

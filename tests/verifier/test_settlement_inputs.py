"""The L1 settlement model never raises on a submission, checks every rollup's whole list of bridge slots, and refuses
batch data the native rules refuse (issue 8, findings 2, 4 and the L1 side of finding 1).

Every case starts from ``small_run`` (tests/e2e/conftest.py: K = 2, two shared batches proven by our prover) and is
what an attacker or a careless client could hand the contract: wrong types, ``None``, floats, values ≥ r, openings
one level short or too long, a peer chain outside [0, K). Each must come back as a rejection naming the check and the
rollup, with the contract's state unchanged and the honest batch still accepted afterwards.

The wrong-depth openings were the audit's forgery: the empty tree's root has a known preimage (the empty root one
level down, twice), so an opening one level too long "opened" a burn or a mint slot to that child, and a mint from
nothing settled in ``openings`` mode. The L1 now receives every bridge slot of a rollup at once (``BridgeSlots``: the
2^S leaves of the slot tree and the accounts root), which leaves no path and no depth to forge; the tests below show
the forgery is real for a single opening (``check_bridge_opening`` still refuses it) and that the mint from nothing
is refused with whole slot lists.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from tests.e2e.conftest import no_burn_submission, small_pipeline_run
from verifier.settlement import ROOT_CHECKS, SettlementContract, SharedBatchSubmission, settlement_gas
from zksvs.field import FR_MODULUS, fr_inv
from zksvs.merkle import zero_hashes
from zksvs.rollup_state import (
    BridgeOpening,
    BridgeSlots,
    bridge_opening,
    bridge_slot_depth,
    burn_slot,
    check_bridge_opening,
    check_bridge_slots,
    verify_bridge_opening,
)
from zksvs.statement import BatchStatement, SlotData, SlotKind

pytestmark = pytest.mark.prover

R = FR_MODULUS
K = 2


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """tests/e2e/conftest.py's small honest run (made once per session)."""
    return small_pipeline_run(tmp_path_factory.mktemp("small-run"))


@pytest.fixture(scope="module")
def contracts(small_run) -> dict[str, SettlementContract]:
    out = {}
    for mode in ROOT_CHECKS:
        c = SettlementContract(root_check=mode, cross_vk=None if mode == "openings" else small_run.cross_vk)
        for chain, root in enumerate(small_run.genesis_state_roots):
            c.register(chain, small_run.batch_vk, root)
        out[mode] = c
    return out


def _state(contract: SettlementContract) -> tuple:
    return contract.batch_number, tuple(contract.state_root(c) for c in contract.chain_ids)


def _rollup(sub: SharedBatchSubmission, chain_id: int):
    return next(r for r in sub.rollups if r.chain_id == chain_id)


def _with(sub: SharedBatchSubmission, chain_id: int, **changes) -> SharedBatchSubmission:
    return replace(sub, rollups=[replace(r, **changes) if r.chain_id == chain_id else r for r in sub.rollups])


def _settle_rejected(contracts, mode: str, sub: object, check: str, chain_id: int | None, honest=None) -> str:
    """``sub`` is rejected at ``check`` naming ``chain_id`` with no state change (then, if ``honest`` is given, the
    honest batch is still accepted by the same contract)."""
    contract = copy.deepcopy(contracts[mode])
    before = _state(contract)
    result = contract.settle(sub)
    assert not result.accepted
    assert (result.failed_check, result.chain_id) == (check, chain_id), result.detail
    assert result.new_state_roots == {} and _state(contract) == before
    if honest is not None:
        assert contract.settle(honest).accepted
    return result.detail


# --- finding 4: settle never raises -----------------------------------------------------------------------------


def _slot(sub, chain_id: int, **changes):
    data = list(_rollup(sub, chain_id).batch_data)
    data[0] = replace(data[0], **changes)
    return _with(sub, chain_id, batch_data=data)


def _bridge(sub, chain_id: int, **changes):
    return _with(sub, chain_id, bridge_slots=replace(_rollup(sub, chain_id).bridge_slots, **changes))


def _bridge_slot(sub, chain_id: int, value):
    slots = list(_rollup(sub, chain_id).bridge_slots.slots)
    slots[0] = value
    return _bridge(sub, chain_id, slots=tuple(slots))


def _proof(sub, chain_id: int, **changes):
    return _with(sub, chain_id, proof=replace(_rollup(sub, chain_id).proof, **changes))


MALFORMED = {
    # name: (make(sub), check, chain_id)
    "submission_none": (lambda s: None, "batch_number", None),
    "submission_dict": (lambda s: {"batch_number": 0}, "batch_number", None),
    "batch_number_float": (lambda s: replace(s, batch_number=0.0), "batch_number", None),
    "batch_number_bool": (lambda s: replace(s, batch_number=False), "batch_number", None),
    "rollups_none": (lambda s: replace(s, rollups=None), "rollup_set", None),
    "rollup_entry_none": (lambda s: replace(s, rollups=[s.rollups[0], None]), "rollup_set", None),
    "rollup_chain_id_string": (
        lambda s: replace(s, rollups=[s.rollups[0], replace(s.rollups[1], chain_id="1")]),
        "rollup_set",
        None,
    ),
    "public_inputs_none": (lambda s: _with(s, 1, public_inputs=None), "public_inputs", 1),
    "public_input_float": (
        lambda s: _with(s, 0, public_inputs=[0.0, *_rollup(s, 0).public_inputs[1:]]),
        "public_inputs",
        0,
    ),
    "public_input_string": (
        lambda s: _with(s, 1, public_inputs=[*_rollup(s, 1).public_inputs[:3], "7"]),
        "public_inputs",
        1,
    ),
    "batch_data_none": (lambda s: _with(s, 1, batch_data=None), "batch_data", 1),
    "slot_none": (lambda s: _with(s, 0, batch_data=[None, *_rollup(s, 0).batch_data[1:]]), "batch_data", 0),
    "slot_kind_float": (lambda s: _slot(s, 0, kind=2.0), "batch_data", 0),
    "slot_kind_3_5": (lambda s: _slot(s, 1, kind=3.5), "batch_data", 1),
    "slot_amount_r": (lambda s: _slot(s, 1, amount=R), "batch_data", 1),
    "slot_amount_2_64": (lambda s: _slot(s, 0, amount=1 << 64), "batch_data", 0),
    "slot_account_bool": (lambda s: _slot(s, 0, account_a=True), "batch_data", 0),
    "proof_none": (lambda s: _with(s, 1, proof=None), "proof", 1),
    "proof_point_none": (lambda s: _proof(s, 0, a=None), "proof", 0),
    "proof_point_string": (lambda s: _proof(s, 1, b="not a point"), "proof", 1),
    "proof_coordinate_too_big": (lambda s: _proof(s, 1, c=(1 << 300, 2)), "proof", 1),
    "bridge_slots_none": (lambda s: _with(s, 0, bridge_slots=None), "bridge_opening", 0),
    "bridge_slots_string": (lambda s: _with(s, 1, bridge_slots="slots"), "bridge_opening", 1),
    "bridge_slots_empty": (lambda s: _bridge(s, 0, slots=()), "bridge_opening", 0),
    "bridge_slots_99": (lambda s: _bridge(s, 1, slots=(0,) * 99), "bridge_opening", 1),
    "bridge_slot_minus_1": (lambda s: _bridge_slot(s, 1, -1), "bridge_opening", 1),
    "bridge_slot_r": (lambda s: _bridge_slot(s, 0, R), "bridge_opening", 0),
    "bridge_slot_string": (lambda s: _bridge_slot(s, 0, "x"), "bridge_opening", 0),
    "bridge_slots_list_none": (lambda s: _bridge(s, 1, slots=None), "bridge_opening", 1),
    "accounts_root_float": (lambda s: _bridge(s, 1, accounts_root=1.0), "bridge_opening", 1),
    "cross_proof_string": (lambda s: replace(s, cross_proof="proof"), "cross_proof", None),
    "cross_public_inputs_none": (lambda s: replace(s, cross_public_inputs=None), "cross_proof", None),
    "cross_public_inputs_dict": (lambda s: replace(s, cross_public_inputs={0: 1}), "cross_proof", None),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_settle_rejects_malformed_submission_by_name(small_run, contracts, name):
    make, check, chain_id = MALFORMED[name]
    _settle_rejected(contracts, "both", make(small_run.submissions[0]), check, chain_id)


def test_every_malformed_submission_leaves_the_contract_able_to_accept(small_run, contracts):
    contract = copy.deepcopy(contracts["both"])
    honest = small_run.submissions[0]
    for name, (make, check, chain_id) in MALFORMED.items():
        result = contract.settle(make(honest))
        assert (result.accepted, result.failed_check, result.chain_id) == (False, check, chain_id), name
    assert _state(contract)[0] == 0
    assert contract.settle(honest).accepted


def test_settle_on_a_contract_without_rollups_rejects():
    contract = SettlementContract(root_check="openings")
    result = contract.settle(SharedBatchSubmission(0, []))
    assert (result.accepted, result.failed_check, result.chain_id) == (False, "rollup_set", None)
    assert "no rollup is registered" in result.detail and contract.batch_number == 0


# --- finding 1 on the L1: batch data the native rules refuse ---------------------------------------------------


def _burn_with_peer(sub, peer: int) -> SharedBatchSubmission:
    """Rollup 0's burn 0→1 with its peer chain replaced, the public binding (commitment, eval point and value)
    recomputed to match (as a circuit would compute it from the fields, ``batch_words``)."""
    r = _rollup(sub, 0)
    data = list(r.batch_data)
    k = next(i for i, s in enumerate(data) if s.kind == SlotKind.BURN)
    data[k] = replace(data[k], peer_chain=peer)
    pi = BatchStatement.for_batch(*r.public_inputs[:3], data).public_inputs()
    return _with(sub, 0, batch_data=data, public_inputs=pi)


@pytest.mark.parametrize(
    ("peer", "why"),
    [
        pytest.param(2, "K", id="K"),  # the first chain id past the set
        pytest.param(0, "own chain", id="own_chain"),  # a burn to itself
        # the audit's peer: slot 2·peer + 1 = 2c, the c→c burn tree; and its mirror, a burn into the c→c mint tree
        pytest.param((2 * 0 - 1) * fr_inv(2) % R, "(2c − 1)/2", id="minus_half"),
        pytest.param((2 * 0 + 1) * fr_inv(2) % R, "(2c + 1)/2", id="plus_half"),
    ],
)
def test_settle_rejects_a_peer_chain_outside_the_rollup_set(small_run, contracts, peer, why):
    honest = small_run.submissions[0]
    for mode in ROOT_CHECKS:
        detail = _settle_rejected(contracts, mode, _burn_with_peer(honest, peer), "batch_data", 0, honest)
        assert "peer_chain" in detail, why


def test_check_slot_data_follows_the_native_rules_per_kind():
    from zksvs.errors import MalformedSlotData
    from zksvs.statement import check_slot_data

    ok = [
        SlotData.noop(),
        SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0),
        SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, pubkey_x=R - 1, pubkey_y=7),  # creates account 2
        SlotData(SlotKind.BURN, 1, 2, (1 << 64) - 1, (1 << 64) - 1, 1, program=1),
        SlotData(SlotKind.MINT, 1, 2, 5, 3, 1, program=1),
        SlotData(SlotKind.CALL, 1, 2, 5, 3, 1, program=2, payload=(1 << 64) - 1),
        SlotData(SlotKind.CALL, 1, 2, 5, 3, 1, program=3, payload=R - 1),
        SlotData(SlotKind.ACTION, 1, 2, 5, 3, 1, program=3, payload=9, msg_sender=4, msg_target=5, msg_value=6),
        # a forced transfer carries its queued signature (words 5-7)
        SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, forced=1, sig_r8x=R - 1, sig_r8y=2, sig_s=3),
    ]
    for s in ok:
        assert check_slot_data(s, 0, 2) is s
    bad = {
        "noop with amount": SlotData(SlotKind.NOOP, amount=1),
        "transfer with a peer": SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 1),
        "burn to itself": SlotData(SlotKind.BURN, 1, 2, 5, 0, 0),
        "mint from chain K": SlotData(SlotKind.MINT, 1, 2, 5, 0, 2),
        "kind 5": SlotData(5),
        "burn without a program": SlotData(SlotKind.BURN, 1, 2, 5, 0, 1),
        "burn of COND": SlotData(SlotKind.BURN, 1, 2, 5, 0, 1, program=2),
        "burn with a payload": SlotData(SlotKind.BURN, 1, 2, 5, 0, 1, program=1, payload=3),
        "call of program 4": SlotData(SlotKind.CALL, 1, 2, 5, 0, 1, program=4),
        "action of program 0": SlotData(SlotKind.ACTION, 1, 2, 5, 0, 1),
        "COND cap 2^64": SlotData(SlotKind.CALL, 1, 2, 5, 0, 1, program=2, payload=1 << 64),
        "transfer with a program": SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, program=1),
        "transfer with a payload": SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, payload=1),
        "MINT action with a msg_sender": SlotData(SlotKind.ACTION, 1, 2, 5, 0, 1, program=1, msg_sender=1),
        "noop with a key": SlotData(SlotKind.NOOP, pubkey_x=1),
        "signature words on a slot that is not forced": SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, sig_s=1),
        "signature word ≥ r": SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, forced=1, sig_r8x=R),
        "key ≥ r": SlotData(SlotKind.TRANSFER, 1, 2, 5, 0, 0, pubkey_x=R),
        "msg_value 2^64": SlotData(SlotKind.ACTION, 1, 2, 5, 0, 1, program=3, msg_value=1 << 64),
        "kind bool": SlotData(True),
        "nonce 2^64": SlotData(SlotKind.TRANSFER, 1, 2, 5, 1 << 64, 0),
        "negative account": SlotData(SlotKind.TRANSFER, -1, 2, 5, 0, 0),
    }
    for why, s in bad.items():
        with pytest.raises(MalformedSlotData, match=r"\S"):
            check_slot_data(s, 0, 2)
        assert why


# --- finding 2: openings of the wrong depth, and why the L1 now takes whole slot lists ----------------------------


def _slot_values(r) -> list[int]:
    """Rollup ``r``'s final bridge slots, as it submits them."""
    return list(r.bridge_slots.slots)


def _one_level_too_long(r, slot: int, bridge_depth: int) -> BridgeOpening:
    """A depth S + 1 opening claiming ``slot``: it opens the child z_{M−1} of the empty tree in slot ``slot >> 1``."""
    values = _slot_values(r)
    z = zero_hashes(bridge_depth)
    parent = slot >> 1
    assert values[parent] == z[bridge_depth], "the trick needs an empty tree in the parent slot"
    base = bridge_opening(values, parent, r.bridge_slots.accounts_root)
    return BridgeOpening(slot, z[bridge_depth - 1], (z[bridge_depth - 1], *base.siblings), base.accounts_root)


def test_an_opening_one_level_too_long_still_reaches_the_state_root(small_run):
    # the forgery is real for a single opening: the deep opening hashes up to the honest new state root, and only
    # its depth gives it away (check_bridge_opening); whole slot lists (BridgeSlots) have no depth to get wrong
    honest = small_run.submissions[0]
    m = small_run.shape["bridge_depth"]
    r0 = _rollup(honest, 0)
    deep = _one_level_too_long(r0, burn_slot(1), m)
    assert deep.state_root() == r0.public_inputs[2]
    assert deep.value != r0.bridge_slots.slots[burn_slot(1)]
    assert not verify_bridge_opening_or_false(r0.public_inputs[2], deep)


def verify_bridge_opening_or_false(root: int, op: BridgeOpening) -> bool:
    from zksvs.errors import MalformedOpening

    try:
        return verify_bridge_opening(root, op, K)
    except MalformedOpening:
        return False


def test_openings_mode_refuses_a_mint_without_burn(small_run, contracts):
    # rollup 1's honest mint 0→1 next to rollup 0's honest batch of a history without the burn 0→1: both slot lists
    # hash to their state roots, and the pair check finds burn root 0→1 (empty) ≠ mint root 0→1
    honest = small_run.submissions[0]
    no_burn = no_burn_submission(small_run)
    mixed = replace(honest, rollups=[no_burn, _rollup(honest, 1)])
    assert no_burn.bridge_slots.state_root() == no_burn.public_inputs[2]
    _settle_rejected(contracts, "openings", mixed, "burn_mint_equality", 0, honest)


@pytest.mark.parametrize("change", ["one_short", "one_long", "swapped"])
def test_bridge_slot_lists_of_another_length_or_order_are_refused(small_run, contracts, change):
    honest = small_run.submissions[0]
    slots = _rollup(honest, 1).bridge_slots.slots
    bad = {
        "one_short": slots[:-1],
        "one_long": (*slots, 0),
        "swapped": (slots[1], slots[0], *slots[2:]),  # the same values at other slots: another bridge root
    }[change]
    _settle_rejected(contracts, "openings", _bridge(honest, 1, slots=bad), "bridge_opening", 1, honest)


def test_check_bridge_slots_requires_every_leaf_of_the_slot_tree():
    from zksvs.errors import MalformedOpening

    for k in range(2, 9):
        n = 1 << bridge_slot_depth(k)
        good = BridgeSlots(7, (1,) * n)
        assert check_bridge_slots(good, k) is good
        for bad in (
            replace(good, slots=(1,) * (n - 1)),
            replace(good, slots=(1,) * (n + 1)),
            replace(good, slots=[1.0] * n),
            replace(good, slots=(R,) * n),
            replace(good, accounts_root=-1),
            "not bridge slots",
        ):
            with pytest.raises(MalformedOpening, match=r"\S"):
                check_bridge_slots(bad, k)


def test_check_bridge_opening_requires_the_slot_tree_depth_and_slot_range():
    from zksvs.errors import MalformedOpening

    for k in range(2, 9):
        depth = bridge_slot_depth(k)
        good = BridgeOpening(2 * k - 1, 5, (1,) * depth, 7)
        assert check_bridge_opening(good, k) is good
        for bad in (
            replace(good, siblings=(1,) * (depth - 1)),
            replace(good, siblings=(1,) * (depth + 1)),
            replace(good, slot=2 * k),
            replace(good, slot=-1),
            replace(good, slot=1.0),
            replace(good, value=R),
            replace(good, accounts_root=-1),
        ):
            with pytest.raises(MalformedOpening, match=r"\S"):
                check_bridge_opening(bad, k)


# --- finding 5: the gas model counts storage and every calldata word -------------------------------------------


def test_gas_model_counts_storage_and_the_exact_calldata(small_run):
    from verifier.evm_calldata import settle_calldata, submission_words
    from verifier.gas import COLD_SLOAD_GAS, SSTORE_RESET_GAS, calldata_gas

    sub = small_run.submissions[0]
    gas = settlement_gas(K, 2, submission=sub)
    for mode in ROOT_CHECKS:
        g = gas.shared_batch(mode)
        # the header word and the roots' hash: read cold, rewritten
        assert g.overhead >= 2 * (COLD_SLOAD_GAS + SSTORE_RESET_GAS)
    # proof mode: the submission without its bridge slots, priced byte by byte
    bare = replace(sub, rollups=[replace(r, bridge_slots=None) for r in sub.rollups])
    assert gas.shared_batch("proof").calldata == calldata_gas(settle_calldata(submission_words(bare)))
    assert gas.shared_batch("both").calldata == calldata_gas(settle_calldata(submission_words(sub)))

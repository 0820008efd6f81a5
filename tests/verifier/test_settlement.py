"""The L1 settlement model (verifier.settlement) on real proofs: honest shared batches accepted in every root-check
mode, and adversarial ones rejected with the named check, the right rollup and no state change.

Every submission starts from ``small_run`` (tests/e2e/conftest.py: K = 2 rollups, two shared batches, proven by our
prover, made once per session) and is changed here the way an attacker could: tampered public inputs, batch data,
openings, chain labels, batch numbers, a missing rollup, and a burn whose mint is missing (rollup 0's batch from the
honest history next to rollup 1's honest batch from a history without that burn, ``no_mint_rollup1``). A fresh
contract is registered per test with the run's keys and genesis roots; the verdicts are the contract's own. The
Groth16 checks inside the contract are py_ecc pairings; no expected value is computed by the code under test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.e2e.conftest import no_mint_submission, small_pipeline_run
from verifier.settlement import (
    ROOT_CHECKS,
    RollupSubmission,
    SettlementContract,
    SettlementResult,
    SharedBatchSubmission,
    settlement_gas,
)
from zksvs.field import FR_MODULUS
from zksvs.statement import BatchStatement, SlotKind

pytestmark = pytest.mark.prover

R = FR_MODULUS


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """tests/e2e/conftest.py's small honest run (made once per session)."""
    return small_pipeline_run(tmp_path_factory.mktemp("small-run"))


@pytest.fixture(scope="module")
def no_mint_rollup1(small_run):
    """Rollup 1's honest batch 0 from the history without the burn 0→1 (tests/e2e/conftest.py)."""
    return no_mint_submission(small_run)


# --- helpers ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contracts(small_run) -> dict[str, SettlementContract]:
    """One freshly registered contract per root-check mode (templates: tests settle on copies, ``fresh``)."""
    return {mode: make_contract(small_run, mode) for mode in ROOT_CHECKS}


def make_contract(run, root_check: str = "both") -> SettlementContract:
    """A contract with the run's batch key for every rollup and the genesis roots; the cross-rollup key unless the
    mode needs none ("openings")."""
    contract = SettlementContract(root_check=root_check, cross_vk=None if root_check == "openings" else run.cross_vk)
    for c, root in enumerate(run.genesis_state_roots):
        contract.register(c, run.batch_vk, root)
    return contract


def fresh(contracts, root_check: str) -> SettlementContract:
    """A private copy of the registered template (registration prepares three keys: seconds of py_ecc work)."""
    return copy.deepcopy(contracts[root_check])


def state_of(contract: SettlementContract) -> tuple:
    """What settling may change: the batch number and every rollup's state root."""
    return contract.batch_number, tuple(contract.state_root(c) for c in contract.chain_ids)


def assert_rejected(
    contract: SettlementContract, sub: SharedBatchSubmission, check: str, chain_id: int | None
) -> SettlementResult:
    """Settle ``sub``: it must fail at ``check`` naming ``chain_id``, and leave the contract exactly as it was."""
    before = state_of(contract)
    result = contract.settle(sub)
    assert not result.accepted
    assert (result.failed_check, result.chain_id) == (check, chain_id), result.detail
    assert result.new_state_roots == {}
    assert state_of(contract) == before
    return result


def with_rollup(sub: SharedBatchSubmission, chain_id: int, **changes) -> SharedBatchSubmission:
    """``sub`` with the fields ``changes`` replaced in the submission of rollup ``chain_id``."""
    rollups = [replace(r, **changes) if r.chain_id == chain_id else r for r in sub.rollups]
    return replace(sub, rollups=rollups)


def rollup(sub: SharedBatchSubmission, chain_id: int) -> RollupSubmission:
    return next(r for r in sub.rollups if r.chain_id == chain_id)


def with_public_input(sub: SharedBatchSubmission, chain_id: int, index: int, value: int) -> SharedBatchSubmission:
    pi = list(rollup(sub, chain_id).public_inputs)
    pi[index] = value % R
    return with_rollup(sub, chain_id, public_inputs=pi)


def first_user_slot(r: RollupSubmission) -> int:
    return next(i for i, s in enumerate(r.batch_data) if s.kind != SlotKind.NOOP)


# --- the honest run -------------------------------------------------------------------------------------------


def test_small_run_is_honest_and_settled(small_run):
    # the fixture's own pipeline settled both batches; the submissions are what it handed the L1
    assert small_run.all_settled and len(small_run.settlements) == 2 == len(small_run.submissions)
    assert small_run.rejections == []
    assert [s.batch_number for s in small_run.submissions] == [0, 1]
    kinds = [[s.kind for s in r.batch_data] for r in small_run.submissions[0].rollups]
    assert kinds == [[SlotKind.BURN, SlotKind.TRANSFER], [SlotKind.MINT, SlotKind.NOOP]]


@pytest.mark.parametrize("root_check", ROOT_CHECKS)
def test_settle_accepts_honest_run_in_every_root_check_mode(small_run, contracts, root_check):
    contract = fresh(contracts, root_check)
    for sub in small_run.submissions:
        result = contract.settle(sub)
        assert result.accepted, (result.failed_check, result.chain_id, result.detail)
        assert result.failed_check is None and result.batch_number == sub.batch_number
        assert result.new_state_roots == {r.chain_id: r.public_inputs[2] for r in sub.rollups}
    assert contract.batch_number == 2
    assert [contract.state_root(c) for c in contract.chain_ids] == small_run.final_state_roots


@pytest.mark.parametrize("root_check", ["proof", "both"])
def test_contract_without_cross_vk_refuses_proof_modes(root_check):
    with pytest.raises(ValueError, match=f"root_check '{root_check}' needs the cross-rollup verifying key"):
        SettlementContract(root_check=root_check)


def test_contract_refuses_unknown_root_check(small_run):
    # (the "openings" contract of the honest-run test above is built without cross_vk)
    with pytest.raises(ValueError, match="must be one of"):
        SettlementContract(root_check="none", cross_vk=small_run.cross_vk)


def test_register_refuses_duplicate_and_wrong_key(small_run, contracts):
    contract = fresh(contracts, "openings")
    with pytest.raises(ValueError, match="rollup 0 is already registered"):
        contract.register(0, small_run.batch_vk, 0)
    with pytest.raises(ValueError, match="has 6 public inputs, not 2"):
        contract.register(5, small_run.cross_vk, 0)


# --- adversarial submissions of shared batch 0 -----------------------------------------------------------------

Tamper = Callable[[SharedBatchSubmission, object], SharedBatchSubmission]


def _tampered_opening_value(sub, run):
    # rollup 1 claims another value for its mint slot 0→1 (slot 1)
    r = rollup(sub, 1)
    slots = list(r.bridge_slots.slots)
    slots[1] = (slots[1] + 1) % R
    return with_rollup(sub, 1, bridge_slots=replace(r.bridge_slots, slots=tuple(slots)))


def _opening_from_other_batch(sub, run):
    # rollup 0's bridge slots of batch 1, honest in themselves, against batch 0's new state root
    return with_rollup(sub, 0, bridge_slots=rollup(run.submissions[1], 0).bridge_slots)


def _opening_under_other_accounts_root(sub, run):
    r = rollup(sub, 0)
    return with_rollup(
        sub, 0, bridge_slots=replace(r.bridge_slots, accounts_root=(r.bridge_slots.accounts_root + 1) % R)
    )


def _missing_mint_opening(sub, run):
    # rollup 1 leaves out its last bridge slot: the slot tree is not the one of the state root
    r = rollup(sub, 1)
    return with_rollup(sub, 1, bridge_slots=replace(r.bridge_slots, slots=r.bridge_slots.slots[:-1]))


def _data_changed_with_commitment(sub, run):
    # rollup 0's first slot moves one more unit, and its binding (commitment, eval point and value) is recomputed to
    # match: only the proof can tell
    r = rollup(sub, 0)
    data = list(r.batch_data)
    k = first_user_slot(r)
    data[k] = replace(data[k], amount=data[k].amount + 1)
    st = BatchStatement.for_batch(*r.public_inputs[:3], data)
    return with_rollup(sub, 0, batch_data=data, public_inputs=st.public_inputs())


def _data_changed_without_commitment(sub, run):
    r = rollup(sub, 1)
    data = list(r.batch_data)
    k = first_user_slot(r)
    data[k] = replace(data[k], account_b=(data[k].account_b + 1) % 8)
    return with_rollup(sub, 1, batch_data=data)


def _malformed_proof_point(sub, run):
    # A replaced by a point that is not on the curve (y² ≠ x³ + 3 for (1, 1))
    r = rollup(sub, 1)
    return with_rollup(sub, 1, proof=replace(r.proof, a=(1, 1)))


CASES: dict[str, tuple[Tamper, str, int | None, tuple[str, ...]]] = {
    # name: (tamper, failed_check, chain_id, root-check modes in which it is rejected so)
    "tampered_new_state_root_rollup1": (
        lambda s, run: with_public_input(s, 1, 2, rollup(s, 1).public_inputs[2] + 1),
        "proof",
        1,
        ("both",),
    ),
    "opening_value_changed": (_tampered_opening_value, "bridge_opening", 1, ("openings", "both")),
    "opening_from_another_batch": (_opening_from_other_batch, "bridge_opening", 0, ("both",)),
    "opening_under_another_accounts_root": (_opening_under_other_accounts_root, "bridge_opening", 0, ("both",)),
    "opening_missing": (_missing_mint_opening, "bridge_opening", 1, ("openings", "both")),
    "rollup0_proof_presented_as_rollup1": (
        lambda s, run: replace(s, rollups=[rollup(s, 0), replace(rollup(s, 0), chain_id=1)]),
        "public_inputs",
        1,
        ROOT_CHECKS,
    ),
    "chain_id_public_input_changed": (
        lambda s, run: with_public_input(s, 0, 0, 1),
        "public_inputs",
        0,
        ("both",),
    ),
    "rollup0_relabelled_as_rollup1_with_its_chain_id": (
        # a proof of rollup 0 whose chain_id input is rewritten to 1, in place of rollup 1's: rollup 1's stored root
        # is not rollup 0's old root
        lambda s, run: replace(
            s,
            rollups=[
                rollup(s, 0),
                replace(rollup(s, 0), chain_id=1, public_inputs=[1, *rollup(s, 0).public_inputs[1:]]),
            ],
        ),
        "old_root",
        None,  # the L1 keeps the hash of the K roots: it can tell that an old root is stale, not which one
        ("both",),
    ),
    "old_state_root_changed": (
        lambda s, run: with_public_input(s, 1, 1, rollup(s, 1).public_inputs[1] + 1),
        "old_root",
        None,
        ("both",),
    ),
    "batch_commitment_changed_data_unchanged": (
        lambda s, run: with_public_input(s, 0, 3, rollup(s, 0).public_inputs[3] + 1),
        "batch_commitment",
        0,
        ROOT_CHECKS,
    ),
    "batch_data_changed_commitment_unchanged": (
        _data_changed_without_commitment,
        "batch_commitment",
        1,
        ("both",),
    ),
    "batch_data_and_commitment_changed_proof_unchanged": (_data_changed_with_commitment, "proof", 0, ("both",)),
    "batch_data_not_canonical": (
        lambda s, run: with_rollup(
            s, 1, batch_data=[replace(rollup(s, 1).batch_data[0], amount=R), *rollup(s, 1).batch_data[1:]]
        ),
        "batch_data",
        1,
        ("both",),
    ),
    "public_inputs_wrong_length": (
        lambda s, run: with_rollup(s, 1, public_inputs=rollup(s, 1).public_inputs[:3]),
        "public_inputs",
        1,
        ("both",),
    ),
    "public_input_not_canonical": (
        lambda s, run: with_rollup(s, 0, public_inputs=[*rollup(s, 0).public_inputs[:3], R]),
        "public_inputs",
        0,
        ("both",),
    ),
    "malformed_proof_point": (_malformed_proof_point, "proof", 1, ("both",)),
    "missing_rollup": (lambda s, run: replace(s, rollups=[rollup(s, 0)]), "rollup_set", 1, ROOT_CHECKS),
    "rollup_twice": (lambda s, run: replace(s, rollups=[rollup(s, 0), rollup(s, 0)]), "rollup_set", 1, ("both",)),
    "unregistered_rollup": (
        lambda s, run: replace(s, rollups=[*s.rollups, replace(rollup(s, 1), chain_id=2)]),
        "rollup_set",
        2,
        ("both",),
    ),
    "later_batch_relabelled_as_current": (
        # a stale-root attack: shared batch 1 presented as batch 0 (its old roots are batch 0's new roots)
        lambda s, run: replace(run.submissions[1], batch_number=0),
        "old_root",
        None,
        ROOT_CHECKS,
    ),
    "batch_number_from_the_future": (lambda s, run: replace(s, batch_number=1), "batch_number", None, ("both",)),
    "cross_proof_missing": (
        lambda s, run: replace(s, cross_proof=None, cross_public_inputs=None),
        "cross_proof",
        None,
        ("proof", "both"),
    ),
    "cross_proof_of_the_later_batch": (
        # a valid cross-rollup proof, but on batch 1's roots (also claimed as its public inputs)
        lambda s, run: replace(
            s, cross_proof=run.submissions[1].cross_proof, cross_public_inputs=run.submissions[1].cross_public_inputs
        ),
        "cross_proof",
        None,
        ("proof",),
    ),
    "cross_proof_relabelled_on_current_roots": (
        # batch 1's cross proof with batch 0's roots as public inputs: the pairing check fails
        lambda s, run: replace(s, cross_proof=run.submissions[1].cross_proof),
        "cross_proof",
        None,
        ("proof",),
    ),
}

_PARAMS = [pytest.param(name, mode, id=f"{name}-{mode}") for name, (*_, modes) in CASES.items() for mode in modes]


@pytest.mark.parametrize(("name", "root_check"), _PARAMS)
def test_settle_rejects_adversarial_batch_without_state_change(small_run, contracts, name, root_check):
    tamper, check, chain_id, _ = CASES[name]
    sub = tamper(small_run.submissions[0], small_run)
    assert sub != small_run.submissions[0]
    assert_rejected(fresh(contracts, root_check), sub, check, chain_id)


def test_settle_rejects_burn_without_its_mint(small_run, contracts, no_mint_rollup1):
    # rollup 0 burned 0→1 in batch 0 (honest proof); rollup 1's batch 0 comes from a history without that burn
    # (honest proof too, same key, same old root): its mint root 0→1 is still empty
    honest = small_run.submissions[0]
    assert no_mint_rollup1.public_inputs[1] == rollup(honest, 1).public_inputs[1]
    assert no_mint_rollup1.public_inputs[2] != rollup(honest, 1).public_inputs[2]
    mixed = replace(honest, rollups=[rollup(honest, 0), no_mint_rollup1])

    # openings: both proofs verify, both openings match their roots, burn root 0→1 ≠ mint root 0→1
    contract = fresh(contracts, "openings")
    result = assert_rejected(contract, mixed, "burn_mint_equality", 0)
    assert "0→1" in result.detail
    assert contract.settle(honest).accepted
    # both: the openings are checked first
    assert_rejected(fresh(contracts, "both"), mixed, "burn_mint_equality", 0)
    # proof: the honest cross proof is on other roots; claiming the mixed roots instead fails its pairing check
    contract = fresh(contracts, "proof")
    assert_rejected(contract, mixed, "cross_proof", None)
    mixed_roots = [r.public_inputs[2] for r in mixed.rollups]
    assert_rejected(contract, replace(mixed, cross_public_inputs=mixed_roots), "cross_proof", None)
    assert contract.settle(honest).accepted


def test_settle_rejects_replay_and_stale_root_then_goes_on(small_run, contracts):
    first, second = small_run.submissions
    contract = fresh(contracts, "both")
    assert contract.settle(first).accepted
    assert_rejected(contract, first, "batch_number", None)  # replayed shared batch
    # batch 0 again under the current number: its old roots are stale
    assert_rejected(contract, replace(first, batch_number=1), "old_root", None)
    assert contract.settle(second).accepted
    assert [contract.state_root(c) for c in contract.chain_ids] == small_run.final_state_roots


def test_rejections_leave_the_contract_able_to_accept(small_run, contracts, no_mint_rollup1):
    # one contract sees a run of attacks on shared batch 0, then the honest shared batch 0: accepted
    contract = fresh(contracts, "both")
    honest = small_run.submissions[0]
    for name in (
        "tampered_new_state_root_rollup1",
        "opening_value_changed",
        "rollup0_proof_presented_as_rollup1",
        "batch_commitment_changed_data_unchanged",
        "later_batch_relabelled_as_current",
        "missing_rollup",
    ):
        tamper, check, chain_id, _ = CASES[name]
        assert_rejected(contract, tamper(honest, small_run), check, chain_id)
    assert_rejected(contract, replace(honest, rollups=[rollup(honest, 0), no_mint_rollup1]), "burn_mint_equality", 0)
    result = contract.settle(honest)
    assert result.accepted and state_of(contract) == (1, tuple(result.new_state_roots[c] for c in (0, 1)))


# --- gas report -------------------------------------------------------------------------------------------------


def test_gas_report_per_mode_in_results_and_settlement_json(small_run):
    on_disk = json.loads((Path(small_run.out_dir) / "settlement.json").read_text())["settlements"]
    assert len(on_disk) == len(small_run.settlements)
    for result, saved, sub in zip(small_run.settlements, on_disk, small_run.submissions):
        report = result.gas.to_json()
        assert saved["gas"] == report and saved["accepted"] is True
        assert set(report) == set(ROOT_CHECKS)
        for part in ("per_rollup", "shared_batch"):
            total = {mode: report[mode][part]["tx_total"] for mode in ROOT_CHECKS}
            assert all(type(v) is int and v > 21_000 for v in total.values())
            assert total["both"] >= total["openings"] and total["both"] >= total["proof"]
        # the settle gas is the model's for this shape and this submission (its exact calldata)
        gas = settlement_gas(small_run.n_rollups, small_run.shape["capacity"], submission=sub)
        assert result.gas == gas
        # the run settled on the EVM too: its measured gas is beside the model's
        assert saved["evm"] == result.evm.to_json() and saved["evm"]["accepted"] is True
        assert saved["evm"]["gas_used"] > 21_000 and saved["evm"]["calldata_bytes"] > 4


def test_gas_openings_mode_grows_with_k_faster_than_proof_mode():
    capacity = 2
    totals = {
        mode: [settlement_gas(k, capacity).shared_batch(mode).tx_total for k in range(2, 9)] for mode in ROOT_CHECKS
    }
    for k in range(len(totals["openings"]) - 1):
        d_openings = totals["openings"][k + 1] - totals["openings"][k]
        d_proof = totals["proof"][k + 1] - totals["proof"][k]
        assert d_openings > d_proof > 0, f"K={k + 2}→{k + 3}"
    for i in range(len(totals["both"])):
        assert totals["both"][i] >= max(totals["openings"][i], totals["proof"][i])

"""Protocol v2 on both L1s: SharedSettlement.sol and the Python model settle a proven run with a call of each
program (MINT, COND, SWAP), a created account (by a transfer and by a MINT action), and refuse the same batch data
with the same check and rollup.

The run is ``run_pipeline`` on the small genesis (tests/e2e/conftest.py: K = 2, B = 2) with signed protocol-v2
transactions, settled on both L1s by the run itself (``l1="both"``: it checks their verdicts agree); here each shared
batch is settled again on a fresh contract per root check, then its batch data is tampered with the v2 rules
(``zksvs.statement.check_slot_data``, ``SharedSettlement._checkBatchData``) and both must refuse it at ``batch_data``
naming the same rollup, before any proof is looked at (the binding is recomputed to match, as a circuit would).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

from pipeline.run import run_pipeline
from prover import InsecureSetupWarning
from sequencer import Call, Transfer, swap_call
from sequencer.genesis import demo_public_key
from tests.e2e.conftest import SETUP_SEED, small_genesis
from tests.evm.test_settlement_contract import assert_evm_rejects, evm_contract, verdict
from tests.helpers.signing import TEST_KEY_SEED, demo_signer
from tests.verifier.test_settlement import make_contract
from verifier.settlement import ROOT_CHECKS, SharedBatchSubmission
from zksvs.field import FR_MODULUS
from zksvs.statement import BatchStatement, SlotKind
from zksvs.tx_message import Program

pytestmark = [pytest.mark.prover, pytest.mark.node]

_sign = demo_signer(TEST_KEY_SEED)
#: Chain 0: accounts 0 (1000), 1 (500); chain 1: accounts 0 (700), 2 (300); D = 3.
V2_TXS = [
    # COND 0→1: credit account 2 of chain 1 by 10 if its balance stays ≤ 10^6
    Call(0, 1, 0, 2, 10, 0, Program.COND, 10**6),
    # MINT 1→0 creating account 5 of chain 0 with the key its sender names
    Call(1, 0, 0, 5, 7, 0, Program.MINT, 0, demo_public_key(TEST_KEY_SEED, 0, 5)),
    # SWAP: X = 1 on chain 0 pays Y = 0 five if Z = 2 on chain 1 pays W = 0 eight
    swap_call(0, 1, 1, 0, 5, 0, order_sender=2, order_recipient=0, order_amount=8, order_nonce=0),
    # a transfer creating account 6 of chain 1
    Transfer(1, 0, 6, 3, 1, demo_public_key(TEST_KEY_SEED, 1, 6)),
]


@pytest.fixture(scope="module")
def v2_run(tmp_path_factory, settlement_artifacts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        run = run_pipeline(
            small_genesis(),
            [(i, _sign(tx)) for i, tx in enumerate(V2_TXS, start=1)],
            tmp_path_factory.mktemp("v2-run"),
            setup_seed=SETUP_SEED,
            l1="both",
        )
    assert run.rejections == [] and run.all_settled
    return run


def _slots(run) -> list:
    return [s for sub in run.submissions for r in sub.rollups for s in r.batch_data]


def test_the_run_has_every_program_and_both_account_creations(v2_run):
    slots = _slots(v2_run)
    calls = {s.program for s in slots if s.kind == SlotKind.CALL}
    actions = {s.program for s in slots if s.kind == SlotKind.ACTION}
    assert calls == actions == {Program.MINT, Program.COND, Program.SWAP}
    named = {(s.kind, s.account_b) for s in slots if s.pubkey_x}
    assert (SlotKind.TRANSFER, 6) in named and (SlotKind.ACTION, 5) in named


@pytest.mark.parametrize("mode", ROOT_CHECKS)
def test_both_l1s_settle_the_v2_run(v2_run, mode):
    evm, model = evm_contract(v2_run, mode), make_contract(v2_run, mode)
    for sub in v2_run.submissions:
        e, m = evm.settle(sub), model.settle(sub)
        assert verdict(e) == verdict(m) == (True, None, None), (e.detail, m.detail)
    assert [evm.state_root(c) for c in evm.chain_ids] == v2_run.final_state_roots


def _tampered(sub: SharedBatchSubmission, pick, **changes) -> tuple[SharedBatchSubmission, int]:
    """The first slot ``pick`` accepts, with ``changes``, its rollup's binding recomputed from the new data."""
    for r in sub.rollups:
        for k, s in enumerate(r.batch_data):
            if pick(s):
                data = list(r.batch_data)
                data[k] = replace(s, **changes)
                pi = BatchStatement.for_batch(*r.public_inputs[:3], data).public_inputs()
                new = replace(r, batch_data=data, public_inputs=pi)
                return replace(sub, rollups=[new if x is r else x for x in sub.rollups]), r.chain_id
    raise AssertionError("no such slot in the run")


def _is(kind, program=None):
    return lambda s: s.kind == kind and (program is None or s.program == program)


#: Batch data the v2 rules refuse: name → (which slot, the change). The first four pack into words the contract
#: reads (its own byte checks refuse them); the others do not pack, so the encoder sends NOT_A_VALUE.
TAMPERED = {
    "call without a program": (_is(SlotKind.CALL, Program.COND), {"program": 0}),
    "burn-kind call of COND": (_is(SlotKind.CALL, Program.COND), {"kind": SlotKind.BURN}),
    "COND cap 2^64": (_is(SlotKind.CALL, Program.COND), {"payload": 1 << 64}),
    "MINT action with message fields": (_is(SlotKind.ACTION, Program.MINT), {"msg_value": 1}),
    "transfer with a program": (_is(SlotKind.TRANSFER), {"program": Program.MINT}),
    "transfer with a payload": (_is(SlotKind.TRANSFER), {"payload": 1}),
    "program id 4": (_is(SlotKind.CALL, Program.SWAP), {"program": 4}),
    "program id 255": (_is(SlotKind.ACTION, Program.SWAP), {"program": 255}),
    "key not below r": (_is(SlotKind.TRANSFER), {"pubkey_x": FR_MODULUS}),
    # forced inclusion (issue 10 §3): the forced and reason bytes of word 0
    "reason on a slot not forced": (_is(SlotKind.TRANSFER), {"reason": 4}),
    "forced no-op": (_is(SlotKind.NOOP), {"forced": 1}),
    "forced action": (_is(SlotKind.ACTION, Program.MINT), {"forced": 1}),
    "forced byte 2": (_is(SlotKind.TRANSFER), {"forced": 2}),
    "reason code 6 (not provable)": (_is(SlotKind.TRANSFER), {"forced": 1, "reason": 6}),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_both_l1s_refuse_v2_batch_data_by_the_same_check(v2_run, name):
    pick, changes = TAMPERED[name]
    for sub in v2_run.submissions:
        try:
            bad, chain = _tampered(sub, pick, **changes)
        except AssertionError:
            continue
        break
    else:
        raise AssertionError(f"no shared batch has the slot of {name!r}")
    model = make_contract(v2_run, "both")
    evm = evm_contract(v2_run, "both")
    for c in (model, evm):  # settle the earlier shared batches first, so only the data can be wrong
        for s in v2_run.submissions[: sub.batch_number]:
            assert c.settle(s).accepted
    m = model.settle(bad)
    assert verdict(m) == (False, "batch_data", chain), m.detail
    assert_evm_rejects(evm, bad, "batch_data", chain)

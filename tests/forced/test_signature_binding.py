"""The forced-inclusion soundness gap closed (issue 10 §3; docs/protocol.md, "Forced inclusion"): a forced slot
commits the queued signature in slot words 5-7, the L1 queue entry is the Keccak of those words, and the circuit's
verifier of a forced slot runs on them.

(a) A censoring sequencer that puts a junk (R8, S) in a queued valid transfer's slot and proves it ``bad_signature``
    has a satisfying witness (the junk really fails), but the L1 model refuses the batch at ``forced_inclusion``.
(b) With the queued signature committed, no witness proves a valid queued transfer ``bad_signature``: the verifier
    wires are tied to the committed words, so feeding it another signature changes the words and the binding.
(c) The honest flows still settle: an included queued transfer, rejections (overdraft, unknown sender, a queued
    signature that really is bad → ``bad_signature``) pass ``forced_inclusion`` and the circuit; the slow test
    runs them through the whole pipeline (sequencer, Groth16 proofs, the L1 model).

Oracles: ``zksvs.eddsa.verify_poseidon`` (tested against circomlibjs) for which signatures are valid; the L1 model's
Keccak is tested against the EVM (tests/evm)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.batch import assign_batch_witness, build_batch_circuit
from sequencer import Sequencer, Transfer
from sequencer.execute import forced_rejection_slot, noop_slot
from sequencer.forced import ForcedTx
from sequencer.genesis import demo_genesis, demo_private_key
from sequencer.rollup import RollupState
from tests.helpers.signing import demo_signer
from verifier.forced_queue import ForcedQueue
from verifier.settlement import RollupSubmission, SettlementContract, SharedBatchSubmission
from zksvs.eddsa import sign_poseidon, verify_poseidon
from zksvs.errors import SettlementRejected
from zksvs.field import FR_MODULUS
from zksvs.forced import ForcedReason, entry_words
from zksvs.groth16 import Proof
from zksvs.statement import pack_slot
from zksvs.trace import BatchShape

SEED = 5
SHAPE = BatchShape(n_rollups=2, capacity=3, account_depth=3, bridge_depth=2)
SIGN = demo_signer(SEED)
#: A valid queued transfer (account 0 of rollup 0 exists, has nonce 0 and covers 5).
VALID = SIGN(Transfer(0, 0, 1, 5, 0))
#: A well-formed signature by the same key of another message: what a censoring sequencer puts in the slot.
JUNK = sign_poseidon(demo_private_key(SEED, 0, 0), 12345)
SIG_WIRES = ("slot[0]/signature/r8x", "slot[0]/signature/r8y", "slot[0]/signature/s")


@cache
def _circuit():
    return build_batch_circuit(SHAPE)


def _genesis():
    return demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=3, seed=SEED, whale=False)


def _queue(*txs) -> ForcedQueue:
    """The L1 model's queue with ``txs`` enqueued for rollup 0 at batch 0 (their own signatures)."""
    q = ForcedQueue(SHAPE.n_rollups, SHAPE.account_depth)
    for t in txs:
        assert q.enqueue(0, t.fields(), t.signature, 0, t.to_obj()).accepted
    return q


def _shared_batch(*txs):
    """The shared batch of a sequencer handed ``txs`` as rollup 0's queue (what it claims the L1 queued)."""
    seq = Sequencer(_genesis())
    seq.enqueue_forced(ForcedTx(0, i, t) for i, t in enumerate(txs))
    seq.close_batch()
    return seq.closed_batches[0]


def _sequenced(*txs):
    """Rollup 0's batch trace of ``_shared_batch``."""
    return _shared_batch(*txs).traces[0]


def _satisfied(trace, overrides=None) -> bool:
    w = assign_batch_witness(_circuit(), trace, overrides=overrides)
    return _circuit().r1cs.is_satisfied(w.values)


# --- (a) the censor's junk signature: provable, and refused by the L1 -------------------------------------------------


def test_censor_with_a_junk_signature_is_refused_at_forced_inclusion() -> None:
    sender = RollupState(0, SHAPE, _genesis().accounts[0]).account(0)
    assert verify_poseidon(VALID.fields().message(), VALID.signature, (sender.pubkey_x, sender.pubkey_y))
    assert not verify_poseidon(VALID.fields().message(), JUNK, (sender.pubkey_x, sender.pubkey_y))
    q = _queue(VALID)
    batch = _shared_batch(replace(VALID, signature=JUNK))
    censored = batch.traces[0]
    s0 = censored.slots[0].data
    assert (s0.forced, s0.reason) == (1, ForcedReason.BAD_SIGNATURE)
    assert (s0.sig_r8x, s0.sig_r8y, s0.sig_s) == (*JUNK.r8, JUNK.s)
    assert _satisfied(censored)  # the junk signature does fail: the proof alone cannot tell
    with pytest.raises(SettlementRejected, match="claims queue entry 0, but its transaction or signature") as e:
        q.check_batch(0, censored.slot_data(), 0)
    assert (e.value.check, e.value.chain_id) == ("forced_inclusion", 0)
    assert q.heads == [0, 0]
    # and through the settlement contract: refused by name, before any proof is looked at
    contract = SettlementContract(root_check="openings", queue=q)
    _register_without_keys(contract, [t.old_state_root for t in batch.traces])
    dummy = Proof((1, 2), ((1, 2), (3, 4)), (1, 2))
    subs = [
        RollupSubmission(c, dummy, t.statement().public_inputs(), t.slot_data(), []) for c, t in enumerate(batch.traces)
    ]
    result = contract.settle(SharedBatchSubmission(0, subs))
    assert (result.failed_check, result.chain_id) == ("forced_inclusion", 0), result.detail
    assert contract.queue.heads == [0, 0]


def _register_without_keys(contract: SettlementContract, roots) -> None:
    """Register the rollups with their roots but no keys: ``forced_inclusion`` runs before any key is used."""
    from verifier.settlement import _Registered

    for c, root in enumerate(roots):
        contract._rollups[c] = _Registered(None, None, root)


# --- (b) the queued signature committed: no witness proves a valid transfer bad_signature -----------------------------


def _rejection_of_valid():
    """Rollup 0's batch with VALID as a ``bad_signature`` rejection committing VALID's own signature (what the L1
    accepts as entry 0), the roots unchanged, then no-ops."""
    honest = _sequenced(VALID)
    r = RollupState(0, SHAPE, _genesis().accounts[0])
    slot = forced_rejection_slot(r, VALID, ForcedReason.BAD_SIGNATURE)
    return replace(
        honest,
        new_state_root=honest.old_state_root,
        new_accounts_root=honest.old_accounts_root,
        new_bridge_root=honest.old_bridge_root,
        slots=(slot, noop_slot(r), noop_slot(r)),
    )


def test_no_witness_proves_a_valid_queued_transfer_bad_signature() -> None:
    lie = _rejection_of_valid()
    w = pack_slot(lie.slots[0].data)
    assert w[1:] == entry_words(VALID.fields(), VALID.signature)[1:]
    assert (
        _queue(VALID).check_batch(0, lie.slot_data(), 0) == 1
    )  # the L1 would accept these words: the circuit must not
    assert not _satisfied(lie)  # the verifier checks the committed signature: valid, so bad_signature fails
    # the old gap: the verifier fed the junk signature while the words keep the queued one
    junk = dict(zip(SIG_WIRES, (*JUNK.r8, JUNK.s), strict=True))
    assert not _satisfied(lie, overrides=junk)
    # the honest inclusion of the same entry is provable
    assert _satisfied(_sequenced(VALID))


@settings(max_examples=10, deadline=None)
@given(
    values=st.lists(st.integers(0, FR_MODULUS - 1), min_size=3, max_size=3),
    which=st.sets(st.integers(0, 2), min_size=1),
)
def test_any_other_verifier_input_breaks_the_binding(values, which) -> None:
    """Whatever the prover feeds the verifier of a forced slot instead of the committed (R8, S), the slot's words
    (forced·input) are not the committed ones: no satisfying witness."""
    committed = (*VALID.signature.r8, VALID.signature.s)
    overrides = {SIG_WIRES[i]: values[i] for i in which if values[i] != committed[i]}
    if not overrides:
        return
    assert not _satisfied(_rejection_of_valid(), overrides=overrides)


# --- (c) the honest flows ---------------------------------------------------------------------------------------------


def _honest_queue():
    """VALID (included), an overdraft, an unknown sender, a queued signature that really is bad."""
    overdraft = SIGN(Transfer(0, 1, 2, 10**9, 0))
    unknown = SIGN(Transfer(0, 6, 1, 1, 0))
    bad = replace(SIGN(Transfer(0, 2, 3, 1, 0)), signature=JUNK)  # JUNK is account 0's, of another message
    return [VALID, overdraft, unknown, bad]


def test_honest_forced_flows_pass_forced_inclusion_and_the_circuit() -> None:
    txs = _honest_queue()
    q = _queue(*txs)
    want = [0, ForcedReason.OVERDRAFT, ForcedReason.UNKNOWN_ACCOUNT, ForcedReason.BAD_SIGNATURE]
    seq = Sequencer(_genesis())
    seq.enqueue_forced(ForcedTx(0, i, t) for i, t in enumerate(txs))
    seq.close_batch()
    seq.close_batch()
    traces = [b.traces[0] for b in seq.closed_batches]
    assert [s.data.reason for t in traces for s in t.slots if s.data.forced] == want
    for n, t in enumerate(traces):
        for s in t.slots:
            if s.data.forced:  # the queued signature, in the words and at the verifier
                assert (s.data.sig_r8x, s.data.sig_r8y, s.data.sig_s) == (*s.signature.r8, s.signature.s)
        assert _satisfied(t)
        q.advance({0: q.check_batch(0, t.slot_data(), n)})
    assert q.heads == [4, 0]


@pytest.mark.slow
@pytest.mark.prover
def test_honest_forced_flows_settle_through_the_pipeline(tmp_path) -> None:
    from pipeline.l1state import load_l1_state
    from pipeline.run import run_pipeline
    from prover.dev_setup import InsecureSetupWarning

    txs = _honest_queue()
    q = _queue(*txs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        # on both L1s: the EVM contract must agree (the run raises if their verdicts ever differ)
        result = run_pipeline(_genesis(), [], tmp_path / "run", setup_seed="sigbind", l1="both", queue=q)
    assert result.all_settled
    assert all(s.evm is not None and s.evm.accepted for s in result.settlements)
    got = [(f["forced"], f["status"], f.get("reason")) for f in result.forced]
    assert got == [
        (0, "accepted", None),
        (1, "rejected", "overdraft"),
        (2, "rejected", "unknown_account"),
        (3, "rejected", "bad_signature"),
    ]
    assert load_l1_state(tmp_path / "run" / "l1.json").queue.heads == [4, 0]

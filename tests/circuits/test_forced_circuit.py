"""Forced inclusion in the batch circuit (issue 10 §3): a queued transaction the sequencer included or rejected
gives a satisfying witness; every provable reason (unknown sender, bad signature, bad nonce, overdraft) is a fact the
circuit checks, so claiming one that does not hold, a code it cannot prove, or a rejection that changes a root has
no witness; ``eddsa_poseidon_valid`` outputs the verdict of ``zksvs.eddsa.verify_poseidon``.

The oracle is the sequencer (its traces) and ``verify_poseidon`` (itself tested against circomlibjs)."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from circuits.batch import assign_batch_witness, build_batch_circuit
from circuits.batch.decode import decode_batch_witness
from circuits.builder import ConstraintBuilder
from circuits.gadgets.babyjub import EdwardsPoint
from circuits.gadgets.boolean import alloc_bool
from circuits.gadgets.eddsa import disabled_signature, eddsa_poseidon_valid, eddsa_poseidon_valid_cost
from sequencer import Sequencer, Transfer
from sequencer.forced import ForcedTx
from sequencer.genesis import demo_genesis, demo_private_key
from sequencer.rollup import RollupState
from tests.helpers.differential import replay
from tests.helpers.signing import demo_signer
from zksvs import babyjub as bj
from zksvs.eddsa import Signature, private_to_public, sign_poseidon, verify_poseidon
from zksvs.forced import ForcedReason
from zksvs.trace import BatchShape

SEED = 5
SHAPE = BatchShape(n_rollups=2, capacity=3, account_depth=3, bridge_depth=2)


# --- the gadget -----------------------------------------------------------------------------------------------------


def _valid_bit(enabled: int, pub, r8, s: int, msg: int) -> tuple[int, int]:
    cb = ConstraintBuilder()
    e = alloc_bool(cb, "e", enabled)
    v = [cb.private(n, x) for n, x in zip(("ax", "ay", "rx", "ry", "s", "m"), (*pub, *r8, s, msg))]
    out = eddsa_poseidon_valid(cb, e, EdwardsPoint(v[0], v[1]), EdwardsPoint(v[2], v[3]), v[4], v[5])
    cb.check()
    return out.value, cb.build().n_constraints - 1  # less e's booleanity


def test_valid_bit_is_the_native_verdict() -> None:
    rng = random.Random(10)
    key = rng.randbytes(32)
    pub = private_to_public(key)
    other = private_to_public(rng.randbytes(32))
    msg = rng.randrange(bj.SUBORDER)
    sig = sign_poseidon(key, msg)
    cases = [
        (pub, sig.r8, sig.s, msg),
        (pub, sig.r8, (sig.s + 1) % bj.SUBORDER, msg),  # wrong S
        (pub, sig.r8, sig.s, msg + 1),  # another message
        (other, sig.r8, sig.s, msg),  # another key
        (pub, bj.base8_mul(7), sig.s, msg),  # another R8 on the curve
    ]
    for pk, r8, s, m in cases:
        got, cost = _valid_bit(1, pk, r8, s, m)
        assert got == int(verify_poseidon(m, Signature(r8, s), pk))
        assert cost == eddsa_poseidon_valid_cost()
    assert [_valid_bit(1, *c)[0] for c in cases] == [1, 0, 0, 0, 0]


def test_disabled_check_is_valid_whatever_the_inputs() -> None:
    _, _, dummy_key = disabled_signature()
    assert _valid_bit(0, (0, 0), (5, 6), 2**252, 3)[0] == 1
    assert _valid_bit(0, dummy_key, (0, 1), 0, 0)[0] == 1


# --- the batch circuit ----------------------------------------------------------------------------------------------


@cache
def _circuit():
    return build_batch_circuit(SHAPE)


@pytest.fixture(scope="module")
def circuit():
    return _circuit()


def _genesis():
    return demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=3, seed=SEED, whale=False)


def _forced_batch(txs, *, normal=()):
    """A shared batch whose rollup-0 queue holds ``txs`` (signed unless they carry a signature), then ``normal``."""
    sign = demo_signer(SEED)
    seq = Sequencer(_genesis())
    seq.enqueue_forced(ForcedTx(0, i, tx if tx.signature else sign(tx)) for i, tx in enumerate(txs))
    for tx in normal:
        seq.submit(sign(tx))
    seq.close_batch()
    return seq, seq.closed_batches[0]


def _satisfied(circuit, trace, overrides=None) -> bool:
    w = assign_batch_witness(circuit, trace, overrides=overrides)
    return circuit.r1cs.is_satisfied(w.values)


def test_included_and_rejected_forced_slots_are_proven(circuit) -> None:
    key = demo_private_key(SEED, 0, 2)
    forged = replace(Transfer(0, 2, 3, 1, 0), signature=sign_poseidon(key, 12345))  # a signature of another message
    txs = [
        Transfer(0, 0, 1, 5, 0),  # included
        Transfer(0, 1, 2, 10**9, 0),  # overdraft
        forged,  # bad signature
    ]
    _, batch = _forced_batch(txs)
    reasons = [s.data.reason for s in batch.traces[0].slots]
    assert reasons == [0, ForcedReason.OVERDRAFT, ForcedReason.BAD_SIGNATURE]
    for t in batch.traces:
        assert _satisfied(circuit, t)


def test_unknown_sender_and_bad_nonce(circuit) -> None:
    txs = [Transfer(0, 6, 1, 1, 0), Transfer(0, 1, 2, 1, 7)]  # index 6: no account; nonce 7
    _, batch = _forced_batch(txs, normal=[Transfer(1, 0, 1, 1, 0)])
    slots = batch.traces[0].slots
    assert [s.data.reason for s in slots[:2]] == [ForcedReason.UNKNOWN_ACCOUNT, ForcedReason.BAD_NONCE]
    # the queued signature is committed even for an unknown sender (whose verifier is off; the words pin it)
    assert all((s.data.sig_r8x, s.data.sig_r8y, s.data.sig_s) == (*s.signature.r8, s.signature.s) for s in slots[:2])
    for t in batch.traces:
        assert _satisfied(circuit, t)


@pytest.mark.parametrize(
    "claim",
    [
        ForcedReason.UNKNOWN_ACCOUNT,
        ForcedReason.BAD_SIGNATURE,
        ForcedReason.BAD_NONCE,
        ForcedReason.UNKNOWN_RECIPIENT,
        ForcedReason.RECIPIENT_KEY_MISMATCH,
        ForcedReason.BALANCE_OVERFLOW,
    ],
)
def test_a_reason_that_does_not_hold_has_no_witness(circuit, claim) -> None:
    # the transaction overdraws: only OVERDRAFT holds (the sender exists, signs, has nonce 0)
    _, batch = _forced_batch([Transfer(0, 1, 2, 10**9, 0)])
    t = batch.traces[0]
    s0 = t.slots[0]
    lie = replace(t, slots=(replace(s0, data=replace(s0.data, reason=int(claim))), *t.slots[1:]))
    assert not _satisfied(circuit, lie)


def test_overdraft_claimed_when_the_balance_covers_it(circuit) -> None:
    _, batch = _forced_batch([Transfer(0, 1, 2, 1, 5)])  # bad nonce; the balance covers 1
    t = batch.traces[0]
    s0 = t.slots[0]
    assert s0.data.reason == ForcedReason.BAD_NONCE
    lie = replace(t, slots=(replace(s0, data=replace(s0.data, reason=int(ForcedReason.OVERDRAFT))), *t.slots[1:]))
    assert not _satisfied(circuit, lie)


def test_a_valid_transaction_cannot_be_rejected(circuit) -> None:
    _, batch = _forced_batch([Transfer(0, 0, 1, 5, 0)])
    t = batch.traces[0]
    for code in (1, 2, 3, 4):
        # the sequencer's rejection slot for a transaction it should have included, with any reason
        from sequencer.execute import forced_rejection_slot
        from sequencer.rollup import RollupState

        r = RollupState(0, SHAPE, _genesis().accounts[0])
        slot = forced_rejection_slot(r, demo_signer(SEED)(Transfer(0, 0, 1, 5, 0)), code)
        fake = replace(
            t,
            new_state_root=t.old_state_root,
            new_accounts_root=t.old_accounts_root,
            new_bridge_root=t.old_bridge_root,
            slots=(slot, *(replace(s) for s in _noops(r, 2))),
        )
        assert not _satisfied(circuit, fake), code


def _noops(r, n):
    from sequencer.execute import noop_slot

    return [noop_slot(r)] * n


@pytest.mark.parametrize("code", [6, 9, 10])
def test_unprovable_codes_have_no_witness(circuit, code) -> None:
    # no reason bit stands for the code: the slot's in-circuit reason is 0, which is not the committed one
    _, batch = _forced_batch([Transfer(0, 1, 2, 10**9, 0)])
    t = batch.traces[0]
    s0 = t.slots[0]
    assert not _satisfied(circuit, replace(t, slots=(replace(s0, data=replace(s0.data, reason=code)), *t.slots[1:])))


def test_a_rejection_cannot_write(circuit) -> None:
    _, batch = _forced_batch([Transfer(0, 1, 2, 10**9, 0)])
    t = batch.traces[0]
    # the prover claims the debit wrote: balance after ≠ before
    assert not _satisfied(circuit, t, overrides={"slot[0]/debit/balance_after": 1})
    # or that the slot is not forced while keeping the reason
    assert not _satisfied(circuit, t, overrides={"slot[0]/data/forced": 0})


# --- the semantic differential: any satisfying witness with a forced slot replays on the native rules ---------------


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_satisfying_forced_witness_replays_natively(data) -> None:
    """Draw a queued transfer (any sender, amount at the u64 edges, any nonce, signed or forged) and a claimed
    reason code; if the witness with that claim satisfies the circuit, the native rules must refuse the transaction
    for that reason (or include it, for code 0)."""
    sender = data.draw(st.integers(0, 7), label="sender")  # accounts 0..3 exist
    amount = data.draw(st.sampled_from([0, 1, 10**5, 10**9, 2**64 - 1]), label="amount")
    nonce = data.draw(st.integers(0, 2), label="nonce")
    forged = data.draw(st.booleans(), label="forged")
    claim = data.draw(st.sampled_from([0, 1, 2, 3, 4, 5, 7, 8]), label="claim")
    to = data.draw(st.integers(0, 7), label="to")  # 4..7: no account
    named = data.draw(st.sampled_from([None, 0, 1]), label="named key")  # none, or the key of account 0 or 1
    circuit = _circuit()
    key = (0, 0) if named is None else private_to_public(demo_private_key(SEED, 0, named))
    tx = demo_signer(SEED)(Transfer(0, sender, to, amount, nonce, to_pubkey=key))
    if forged:
        tx = replace(tx, signature=sign_poseidon(demo_private_key(SEED, 0, (sender + 2) % 4), 99))
    _, batch = _forced_batch([tx])
    t = batch.traces[0]
    s0 = t.slots[0]
    if claim != s0.data.reason:
        if s0.data.reason == 0 or claim == 0:
            return  # an included slot changes roots: a claimed rejection of it is test_a_valid_transaction_…
        t = replace(t, slots=(replace(s0, data=replace(s0.data, reason=claim)), *t.slots[1:]))
    witness = assign_batch_witness(circuit, t)
    if not circuit.r1cs.is_satisfied(witness.values):
        event("refused by the R1CS")
        return
    event(f"satisfied: reason {claim}")
    g = _genesis()
    assert replay(decode_batch_witness(circuit, witness.values), RollupState(0, SHAPE, g.accounts[0])) == []


def test_recipient_reasons_are_proven(circuit) -> None:
    other_key = private_to_public(demo_private_key(SEED, 0, 0))
    txs = [
        Transfer(0, 0, 6, 1, 0),  # index 6: empty, no key named
        Transfer(0, 1, 2, 1, 0, to_pubkey=other_key),  # account 2 exists with another key
    ]
    _, batch = _forced_batch(txs, normal=[Transfer(1, 0, 1, 1, 0)])
    slots = batch.traces[0].slots
    assert [s.data.reason for s in slots[:2]] == [ForcedReason.UNKNOWN_RECIPIENT, ForcedReason.RECIPIENT_KEY_MISMATCH]
    for t in batch.traces:
        assert _satisfied(circuit, t)


def test_overflow_is_proven_and_not_for_oneself() -> None:
    shape = BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=2)
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=2, seed=SEED, whale=True)
    whale = max(g.balances()[1].items(), key=lambda kv: kv[1])[0]
    sign = demo_signer(SEED)
    seq = Sequencer(g)
    seq.enqueue_forced([ForcedTx(1, 0, sign(Transfer(1, 0, whale, 10**5, 0)))])
    seq.close_batch()
    (batch,) = seq.pop_closed()
    t = batch.traces[1]
    assert t.slots[0].data.reason == ForcedReason.BALANCE_OVERFLOW
    c = build_batch_circuit(shape)
    assert _satisfied(c, t)
    # the whale paying itself more than 1,000 overflows only before its debit: the native rules include it
    seq = Sequencer(g)
    seq.enqueue_forced([ForcedTx(1, 0, sign(Transfer(1, whale, whale, 10**5, 0)))])
    seq.close_batch()
    (batch,) = seq.pop_closed()
    assert batch.traces[1].slots[0].data.reason == 0
    from sequencer.execute import forced_rejection_slot

    r = RollupState(1, shape, g.accounts[1])
    lie = forced_rejection_slot(r, sign(Transfer(1, whale, whale, 10**5, 0)), ForcedReason.BALANCE_OVERFLOW)
    t1 = batch.traces[1]
    fake = replace(
        t1,
        new_state_root=t1.old_state_root,
        new_accounts_root=t1.old_accounts_root,
        new_bridge_root=t1.old_bridge_root,
        slots=(lie, *_noops(r, 1)),
    )
    assert not _satisfied(c, fake)

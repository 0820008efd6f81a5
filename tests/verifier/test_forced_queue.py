"""The L1's forced-inclusion queue (issue 10 §3): enqueue refuses by name and never raises; a batch's forced slots
must be the next queue entries; an entry left unprocessed past its deadline fails ``forced_inclusion``; the
settlement contract runs the check and moves the heads only when the shared batch is accepted."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from sequencer import Sequencer, Transfer, sign
from sequencer.forced import ForcedTx
from tests.sequencer.conftest import key, small_genesis
from verifier.forced_queue import ForcedQueue
from verifier.settlement import SettlementContract
from zksvs.eddsa import Signature
from zksvs.errors import SettlementRejected
from zksvs.keccak import keccak256
from zksvs.merkle import PYTHON_HASHER
from zksvs.statement import SlotData, SlotKind
from zksvs.tx_message import TxFields, TxKind

K, D = 3, 3


def _tx(chain: int, sender: int, to: int, amount: int, nonce: int):
    return sign(Transfer(chain, sender, to, amount, nonce), key(chain, sender))


def _enqueue(q: ForcedQueue, tx, batch_number: int = 0):
    return q.enqueue(tx.chain, tx.fields(), tx.signature, batch_number, tx.to_obj())


def test_entry_hash_is_the_keccak_of_the_forced_slot_words() -> None:
    q = ForcedQueue(K, D)
    a, b = _tx(1, 0, 1, 5, 0), _tx(1, 0, 1, 5, 1)
    assert _enqueue(q, a).index == 0 and _enqueue(q, b).index == 1
    for entry, t in zip(q.entries[1], (a, b), strict=True):
        # docs/protocol.md's layout by hand: kind bit 1 (byte 0), from (byte 3), to (byte 7), amount (byte 11),
        # nonce (byte 19), forced (byte 27); words 1-4 zero (no message, no named key); words 5-7 R8.x, R8.y, S
        w0 = 1 | t.sender << 24 | t.recipient << 56 | t.amount << 88 | t.nonce << 152 | 1 << 216
        words = [w0, 0, 0, 0, 0, *t.signature.r8, t.signature.s]
        want = int.from_bytes(keccak256(b"".join(w.to_bytes(32, "big") for w in words)), "big")
        assert entry.entry_hash == want
    assert q.entries[0] == [] and q.heads == [0, 0, 0]


@pytest.mark.parametrize(
    ("chain", "fields", "sig", "check"),
    [
        (3, None, None, "rollup"),
        ("0", None, None, "rollup"),
        (0, "transfer", None, "transaction"),
        (1, TxFields(TxKind.TRANSFER, 0, 1, 2, 0, 5, 0), None, "transaction"),  # another rollup's transaction
        (0, TxFields(TxKind.TRANSFER, 0, 8, 2, 0, 5, 0), None, "transaction"),  # from 8 ≥ 2^D
        (0, TxFields(TxKind.BURN, 0, 1, 2, 3, 5, 0), None, "transaction"),  # to_chain outside [0, K)
        (0, TxFields(TxKind.TRANSFER, 0, 1, 2, 0, 2**64, 0), None, "transaction"),
        (0, TxFields(TxKind.TRANSFER, 0, 1, 2, 0, 5, 0), None, "signature"),  # unsigned
    ],
)
def test_enqueue_refuses_by_name(chain, fields, sig, check) -> None:
    q = ForcedQueue(K, D)
    r = q.enqueue(chain, fields, sig, 0)
    assert not r.accepted and r.failed_check == check, r.detail
    assert q.entries == [[], [], []]


def test_enqueue_refuses_malformed_signatures() -> None:
    q = ForcedQueue(K, D)
    tx = _tx(0, 1, 2, 5, 0)
    off_curve = Signature((1, 2), tx.signature.s)
    big_s = Signature(tx.signature.r8, tx.signature.s + 2**251)
    for sig in (off_curve, big_s):
        r = q.enqueue(0, tx.fields(), sig, 0)
        assert (r.accepted, r.failed_check) == (False, "signature"), r.detail
    # a well-formed signature that does not verify is queued: a batch rejects it as bad_signature
    other = _tx(0, 1, 2, 6, 0).signature
    assert q.enqueue(0, tx.fields(), other, 0).accepted


def _batch(genesis, entries, censor=()):
    seq = Sequencer(genesis, hasher=PYTHON_HASHER, censor=censor)
    seq.enqueue_forced(entries)
    seq.submit(_tx(2, 0, 1, 1, 0))
    return seq.close_batch()


def test_check_batch_accepts_the_sequencers_forced_slots() -> None:
    g = small_genesis(signed=True)
    q = ForcedQueue(K, D)
    a, bad = _tx(0, 1, 2, 5, 0), _tx(0, 1, 2, 10**6, 1)  # the second overdraws: a forced rejection
    for t in (a, bad):
        _enqueue(q, t)
    batch = _batch(g, [ForcedTx(0, 0, a), ForcedTx(0, 1, bad)])
    assert [s.data.reason for s in batch.traces[0].slots[:2]] == [0, 4]
    assert q.check_batch(0, batch.traces[0].slot_data(), 0) == 2
    assert q.check_batch(1, batch.traces[1].slot_data(), 0) == 0


def test_check_batch_refuses_claims_it_did_not_process() -> None:
    g = small_genesis(signed=True)
    q = ForcedQueue(K, D)
    a, b = _tx(0, 1, 2, 5, 0), _tx(0, 1, 2, 5, 1)
    _enqueue(q, a)
    _enqueue(q, b)
    data = _batch(g, [ForcedTx(0, 0, a), ForcedTx(0, 1, b)]).traces[0].slot_data()
    # the entries in the other order
    swapped = [data[1], data[0], *data[2:]]
    with pytest.raises(SettlementRejected, match="slot 0 claims queue entry 0") as e:
        q.check_batch(0, swapped, 0)
    assert e.value.check == "forced_inclusion"
    # a transaction that was never queued, marked forced
    forged = [replace(data[0], amount=4), *data[1:]]
    with pytest.raises(SettlementRejected, match="not that entry"):
        q.check_batch(0, forged, 0)
    # the queued transaction with another signature (or none) in its words
    for sig in ({"sig_s": data[0].sig_s + 1}, {"sig_r8x": 0, "sig_r8y": 0, "sig_s": 0}):
        with pytest.raises(SettlementRejected, match="or signature is not that entry"):
            q.check_batch(0, [replace(data[0], **sig), *data[1:]], 0)
    # the reason byte is not part of the entry (the circuit proves it)
    assert q.check_batch(0, [replace(data[0], reason=4), *data[1:]], 0) == 2
    # more forced slots than entries
    extra = [data[0], data[1], SlotData(SlotKind.TRANSFER, 1, 2, 1, 2, forced=1)]
    with pytest.raises(SettlementRejected, match="only 2 are unprocessed"):
        q.check_batch(0, extra, 0)
    # after the head moved, entry 0 cannot be claimed again
    q.advance({0: 2})
    with pytest.raises(SettlementRejected):
        q.check_batch(0, data, 1)


@pytest.mark.parametrize(("enqueued_at", "batch_number", "overdue"), [(0, 1, False), (0, 2, True), (3, 4, False),
                                                                     (3, 5, True)])  # fmt: skip
def test_deadline(enqueued_at, batch_number, overdue) -> None:
    q = ForcedQueue(K, D, deadline=2)
    _enqueue(q, _tx(1, 0, 1, 5, 0), enqueued_at)
    nothing = [SlotData.noop()] * 3
    if overdue:
        with pytest.raises(SettlementRejected, match="still unprocessed") as e:
            q.check_batch(1, nothing, batch_number)
        assert (e.value.check, e.value.chain_id) == ("forced_inclusion", 1)
    else:
        assert q.check_batch(1, nothing, batch_number) == 0


def test_censored_batch_fails_once_overdue() -> None:
    g = small_genesis(signed=True)
    q = ForcedQueue(K, D, deadline=2)
    a = _tx(0, 1, 2, 5, 0)
    _enqueue(q, a, 0)
    data = _batch(g, [ForcedTx(0, 0, a)], censor=[(0, 1)]).traces[0].slot_data()
    assert not any(s.forced for s in data)
    assert q.check_batch(0, data, 1) == 0
    with pytest.raises(SettlementRejected, match="deadline was batch 2"):
        q.check_batch(0, data, 2)


def test_round_trip() -> None:
    q = ForcedQueue(K, D, deadline=3)
    _enqueue(q, _tx(1, 0, 1, 5, 0), 4)
    q.advance({1: 1})
    again = ForcedQueue.from_obj(copy.deepcopy(q.to_obj()))
    assert again == q


# --- in the settlement contract: before the commitment and the proofs; nothing moves on a rejection -------------


def test_contract_runs_forced_inclusion_before_the_proofs() -> None:
    from verifier.settlement import RollupSubmission, SharedBatchSubmission
    from zksvs.groth16 import Proof

    g = small_genesis(signed=True)
    contract = SettlementContract(root_check="openings", queue=ForcedQueue(K, D, deadline=1))
    seq = Sequencer(g, hasher=PYTHON_HASHER)
    roots = seq.state_roots()
    a = _tx(0, 1, 2, 5, 0)
    r = contract.enqueue(0, a.fields(), a.signature, a.to_obj())
    assert r.accepted and r.index == 0
    seq.submit(_tx(2, 0, 1, 1, 0))
    batch = seq.close_batch()
    dummy = Proof((1, 2), ((1, 2), (3, 4)), (1, 2))
    subs = [
        RollupSubmission(c, dummy, t.statement().public_inputs(), t.slot_data(), []) for c, t in enumerate(batch.traces)
    ]
    _register_without_keys(contract, roots)
    contract.batch_number = 1  # the entry (enqueued at 0, T = 1) is overdue at batch 1
    result = contract.settle(SharedBatchSubmission(1, subs))
    assert (result.failed_check, result.chain_id) == ("forced_inclusion", 0), result.detail
    assert contract.queue.heads == [0, 0, 0]


def _register_without_keys(contract: SettlementContract, roots) -> None:
    """Register the rollups with their roots but no keys (``register`` prepares real keys: seconds of py_ecc work);
    ``forced_inclusion`` runs before any key is used."""
    from verifier.settlement import _Registered

    for c, root in enumerate(roots):
        contract._rollups[c] = _Registered(None, None, root)

"""Forced inclusion on the sequencer (issue 10 §3): queued transactions run first, are marked forced, fail into
forced-rejection slots with their reason code, survive a restart, and a censoring sequencer skips them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sequencer import Burn, Receipt, Rejection, Sequencer, Transfer, sign
from sequencer.forced import ForcedTx
from tests.sequencer.conftest import key, small_genesis
from tests.sequencer.trace_check import check_batch_trace
from zksvs.eddsa import Signature
from zksvs.errors import MalformedTransaction
from zksvs.forced import ForcedReason, entry_words, mask_reason
from zksvs.statement import SlotKind, pack_slot


def _signed(tx):
    return sign(tx, key(tx.chain, tx.sender))


@pytest.fixture
def signed_genesis():
    return small_genesis(signed=True)


def _seq(genesis, **kw) -> Sequencer:
    from zksvs.merkle import PYTHON_HASHER

    return Sequencer(genesis, hasher=PYTHON_HASHER, **kw)


def test_forced_transfer_runs_first_and_is_marked(signed_genesis) -> None:
    seq = _seq(signed_genesis)
    forced = _signed(Transfer(1, 2, 3, 7, 0))
    seq.enqueue_forced([ForcedTx(1, 0, forced, 0)])
    r = seq.submit(_signed(Transfer(1, 0, 1, 5, 0)))
    assert isinstance(r, Receipt) and r.slot == 1  # the queued one took slot 0 of rollup 1
    (f,) = seq.forced_results
    assert isinstance(f, Receipt) and f.forced == 0 and f.slot == 0 and f.chain == 1
    assert seq.forced_heads == [0, 1, 0] and seq.forced_pending == 0
    batch = seq.close_batch()
    data = batch.traces[1].slots[0].data
    assert (data.kind, data.forced, data.reason) == (SlotKind.TRANSFER, 1, 0)
    assert pack_slot(data) == entry_words(forced.fields(), forced.signature)  # the queue entry, signature included
    assert not batch.traces[1].slots[1].data.forced
    for t in batch.traces:
        check_batch_trace(t)


@pytest.mark.parametrize(
    ("tx", "reason"),
    [
        (Transfer(0, 5, 1, 1, 0), ForcedReason.UNKNOWN_ACCOUNT),  # no sender: checked before its signature
        (Transfer(0, 1, 2, 1, 3), ForcedReason.BAD_NONCE),
        (Transfer(0, 1, 2, 10**6, 0), ForcedReason.OVERDRAFT),
        (Transfer(0, 1, 7, 1, 0), ForcedReason.UNKNOWN_RECIPIENT),
        (Transfer(0, 1, 6, 200, 0), ForcedReason.BALANCE_OVERFLOW),
    ],
)
def test_forced_failure_takes_a_rejection_slot(signed_genesis, tx, reason) -> None:
    seq = _seq(signed_genesis)
    roots = seq.state_roots()
    tx = sign(tx, key(tx.chain, tx.sender))
    seq.enqueue_forced([ForcedTx(0, 0, tx, 0)])
    batch_none = seq.close_batch()
    (f,) = seq.forced_results
    assert isinstance(f, Rejection) and f.forced == 0 and f.placement == (0, 0, 0)
    assert seq.state_roots() == roots  # a forced rejection changes nothing
    data = batch_none.traces[0].slots[0].data
    assert (data.forced, data.reason) == (1, int(reason))
    w = pack_slot(data)
    assert (mask_reason(w[0]), *w[1:]) == entry_words(tx.fields(), tx.signature)
    assert (data.sig_r8x, data.sig_r8y, data.sig_s) == (*tx.signature.r8, tx.signature.s)  # even an unknown sender
    for t in batch_none.traces:
        check_batch_trace(t)


def test_forced_bad_signature(signed_genesis) -> None:
    seq = _seq(signed_genesis)
    tx = replace(_signed(Transfer(2, 1, 2, 1, 0)), signature=_signed(Transfer(2, 1, 2, 2, 0)).signature)
    seq.enqueue_forced([ForcedTx(2, 0, tx, 0)])
    batch = seq.close_batch()
    assert batch.traces[2].slots[0].data.reason == ForcedReason.BAD_SIGNATURE
    assert batch.traces[2].slots[0].signature == tx.signature  # recorded for the circuit
    d = batch.traces[2].slots[0].data
    assert (d.sig_r8x, d.sig_r8y, d.sig_s) == (*tx.signature.r8, tx.signature.s)  # and committed


def test_due_only_from_enqueued_at_and_queue_order(signed_genesis) -> None:
    seq = _seq(signed_genesis)
    a = _signed(Transfer(0, 1, 2, 1, 0))
    b = _signed(Transfer(0, 1, 2, 1, 1))
    seq.enqueue_forced([ForcedTx(0, 1, b, 1), ForcedTx(0, 0, a, 1)])  # out of order, due at batch 1
    seq.submit(_signed(Transfer(1, 0, 1, 1, 0)))
    assert seq.forced_results == []
    seq.close_batch()  # batch 0
    seq.submit(_signed(Transfer(1, 0, 1, 1, 1)))
    assert [r.forced for r in seq.forced_results] == [0, 1]
    assert all(isinstance(r, Receipt) for r in seq.forced_results)  # a before b: nonces 0 then 1


def test_censor_skips_the_account_and_what_follows(signed_genesis) -> None:
    seq = _seq(signed_genesis, censor=[(0, 1)])
    seq.enqueue_forced(
        [ForcedTx(0, 0, _signed(Transfer(0, 1, 2, 1, 0))), ForcedTx(0, 1, _signed(Transfer(0, 2, 3, 1, 0)))]
    )
    seq.submit(_signed(Transfer(1, 0, 1, 1, 0)))
    seq.close_batch()
    assert seq.forced_results == [] and seq.forced_pending == 2 and seq.forced_heads == [0, 0, 0]


def test_forced_fills_batches_and_closes(signed_genesis) -> None:
    seq = _seq(signed_genesis)  # capacity 3
    txs = [_signed(Transfer(0, 1, 2, 1, n)) for n in range(5)]
    seq.enqueue_forced(ForcedTx(0, i, t) for i, t in enumerate(txs))
    seq.process_forced()
    assert len(seq.closed_batches) == 1 and seq.n_pending == 2
    assert all(isinstance(r, Receipt) for r in seq.forced_results)
    assert [r.batch_number for r in seq.forced_results] == [0, 0, 0, 1, 1]


def test_enqueue_refuses_malformed(signed_genesis) -> None:
    seq = _seq(signed_genesis)
    with pytest.raises(MalformedTransaction):
        seq.enqueue_forced([ForcedTx(1, 0, _signed(Transfer(0, 1, 2, 1, 0)))])  # queue of chain 1, tx of chain 0
    with pytest.raises(MalformedTransaction, match="only transfers"):
        seq.enqueue_forced([ForcedTx(0, 0, _signed(Burn(0, 1, 1, 7, 1, 0)))])
    assert seq.forced_pending == 0


def test_restart_replays_forced(tmp_path, signed_genesis) -> None:
    db = tmp_path / "s.sqlite"
    seq = Sequencer(signed_genesis, db_path=db)
    ok = _signed(Transfer(0, 1, 2, 3, 0))
    bad = replace(_signed(Transfer(0, 2, 3, 1, 0)), signature=Signature(ok.signature.r8, ok.signature.s))
    seq.enqueue_forced([ForcedTx(0, 0, ok), ForcedTx(0, 1, bad)])
    seq.submit(_signed(Transfer(1, 0, 1, 1, 0)))
    seq.close_batch()
    roots, heads = seq.state_roots(), list(seq.forced_heads)
    kinds = [type(r).__name__ for r in seq.forced_results]
    seq.close()
    again = Sequencer(signed_genesis, db_path=db)
    assert again.state_roots() == roots and again.forced_heads == heads
    assert [type(r).__name__ for r in again.forced_results] == kinds == ["Receipt", "Rejection"]
    again.enqueue_forced([ForcedTx(0, 0, ok), ForcedTx(0, 1, bad)])  # handed over again: already processed
    assert again.forced_pending == 0
    (b,) = again.closed_batches
    assert [s.data.reason for s in b.traces[0].slots[:2]] == [0, ForcedReason.BAD_SIGNATURE]
    again.close()

"""Deferred hashing (``sequencer.batch``): the sequencer's batches equal those of the per-write path, byte for byte.

The reference here, ``PerWriteBuilder``, is the builder as it was before the deferral: every transaction executed in
trace mode at once (a Merkle path hashed per write, its slot recorded on the spot), forced rejections recorded at
once, no-op padding taken from the live rollups. The same ``Sequencer`` runs on top of either builder, over a signed
mixed workload from ``pipeline.workload`` (transfers, burns, MINT/COND/SWAP calls, created accounts, overdrafts, bad
nonces, a forged signature, a COND over its cap and a mint to the whale that fail after their trigger executed, so
both rollups roll back) plus forced transactions that succeed and that fail.
"""

from __future__ import annotations

import pickle

import pytest

from pipeline.workload import DemoSigner, iter_workload
from sequencer import Receipt, Rejection, Sequencer
from sequencer.batch import SharedBatch, SharedBatchBuilder, _mark_forced
from sequencer.execute import (
    apply_transfer,
    apply_trigger_with_action,
    check_signature,
    check_tx,
    forced_rejection_slot,
    noop_slot,
)
from sequencer.forced import ForcedTx
from sequencer.genesis import demo_genesis, find_whale
from sequencer.tx import Transfer, parse_tx
from zksvs.trace import BatchTrace

SEED = 5


class PerWriteBuilder(SharedBatchBuilder):
    """The per-write path: traces built while executing, a path hashed per write (the reference)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw, traces=False)
        self._slots: list[list] = [[] for _ in self.rollups]

    def execute(self, tx, message=None, *, forced=False, checked=False):
        check_tx(tx, self.shape)
        if self.needs_room(tx):
            raise RuntimeError("close first")
        if self.signed:
            r = self.rollups[tx.chain]
            check_signature(r, tx, self.verify, r.hasher.poseidon(tx.fields().inputs()) if message is None else message)
        if isinstance(tx, Transfer):
            r = self.rollups[tx.chain]
            self._slots[tx.chain].append(_mark_forced(apply_transfer(r, tx), forced))
            r.forget_history()
            placement = self._placed(tx, (tx.chain,))
            return placement
        src, dst = self.rollups[tx.chain], self.rollups[tx.to_chain]
        burn, mint, message = apply_trigger_with_action(src, dst, tx, self.verify if self.signed else None)
        src.forget_history()
        dst.forget_history()
        self._slots[tx.chain].append(_mark_forced(burn, forced))
        self._slots[tx.to_chain].append(mint)
        p = self._placed(tx, (tx.chain, tx.to_chain))
        return type(p)(p.batch_number, p.chain, p.slot, p.mint_chain, p.mint_slot, message)

    def _placed(self, tx, chains):
        from sequencer.batch import Placement

        self._txs.append(tx)
        for c in chains:
            self._counts[c] += 1
        slots = [self._counts[c] - 1 for c in chains]
        if len(chains) == 1:
            return Placement(self.batch_number, chains[0], slots[0])
        return Placement(self.batch_number, chains[0], slots[0], chains[1], slots[1])

    def reject_forced(self, tx, reason):
        self._slots[tx.chain].append(forced_rejection_slot(self.rollups[tx.chain], tx, reason))
        return self._placed(tx, (tx.chain,))

    def close(self, *, allow_empty=False):
        if self.is_empty and not allow_empty:
            return None
        b, traces, roots = self.shape.capacity, [], []
        for c, r in enumerate(self.rollups):
            slots = self._slots[c]
            if len(slots) < b:
                slots = slots + [noop_slot(r)] * (b - len(slots))
            acc, bridge = r.roots()
            new = r.state_root()
            old, old_acc, old_bridge = self._old[c]
            traces.append(
                BatchTrace(
                    chain_id=c,
                    batch_number=self.batch_number,
                    shape=self.shape,
                    old_state_root=old,
                    new_state_root=new,
                    old_accounts_root=old_acc,
                    old_bridge_root=old_bridge,
                    new_accounts_root=acc,
                    new_bridge_root=bridge,
                    slots=tuple(slots),
                    final_bridge_slots=r.bridge_slot_values(),
                )
            )
            roots.append((old, new))
            self._old[c] = (new, acc, bridge)
        batch = SharedBatch(self.batch_number, tuple(traces), tuple(self._txs), tuple(roots))
        self._next_batch()
        self._slots = [[] for _ in self.rollups]
        return batch


def _run(genesis, txs, forced, *, per_write: bool):
    seq = Sequencer(genesis)
    if per_write:
        seq._builder = PerWriteBuilder(seq.shape, seq.rollups, signed=seq.signed, verify=seq.signatures)
    seq.enqueue_forced(forced)
    results = seq.submit_many(enumerate(txs))
    seq.process_forced(all_due=True)
    seq.close_batch()
    return seq, results


@pytest.fixture(scope="module")
def workload():
    genesis = demo_genesis(3, accounts_per_rollup=6, account_depth=4, bridge_depth=5, capacity=4, seed=SEED)
    signer = DemoSigner(SEED)
    objs = list(iter_workload(genesis.balances(), 90, SEED, whale=find_whale(genesis), signer=signer, account_depth=4))
    txs = [parse_tx(o) for o in objs]
    bal = genesis.balances()
    forced = [  # queued transfers: one that succeeds, an overdraft, a bad nonce (forced rejections)
        ForcedTx(1, 0, parse_tx(signer.sign(_transfer(1, 2, 3, 1, 0))), 1),
        ForcedTx(1, 1, parse_tx(signer.sign(_transfer(1, 4, 3, bal[1][4] * 10, 0))), 2),
        ForcedTx(2, 0, parse_tx(signer.sign(_transfer(2, 1, 0, 1, 7))), 3),
    ]
    return genesis, txs, forced


def _transfer(chain, frm, to, amount, nonce):
    return {"kind": "transfer", "chain": chain, "from": frm, "to": to, "amount": amount, "nonce": nonce}


def test_deferred_batches_equal_the_per_write_path(workload):
    genesis, txs, forced = workload
    deferred, got = _run(genesis, txs, forced, per_write=False)
    reference, want = _run(genesis, txs, forced, per_write=True)
    assert got == want  # the same receipts and rejections, in order
    reasons = {r.reason.value for r in got if isinstance(r, Rejection)}
    assert {"overdraft", "bad_nonce", "bad_signature", "action_failed"} <= reasons  # rollbacks included
    assert sum(isinstance(r, Receipt) for r in got) > 60
    f_got = deferred.forced_results
    assert f_got == reference.forced_results
    assert [type(r) for r in f_got] == [Receipt, Rejection, Rejection]
    a, b = deferred.closed_batches, reference.closed_batches
    assert len(a) == len(b) > 10
    assert a == b  # every trace, slot, opening and root
    assert pickle.dumps(a) == pickle.dumps(b)
    assert deferred.state_roots() == reference.state_roots()
    # every included transaction and forced rejection (each takes a slot) was re-executed for the traces
    included = sum(isinstance(r, Receipt) for r in [*got, *f_got]) + sum(isinstance(r, Rejection) for r in f_got)
    assert deferred._builder.traced_ops == included


def test_without_history_batches_carry_the_same_roots_and_no_traces(workload):
    genesis, txs, forced = workload
    seq = Sequencer(genesis, history=False)
    seq.enqueue_forced(forced)
    seq.submit_many(enumerate(txs))
    seq.process_forced(all_due=True)
    seq.close_batch()
    reference, _ = _run(genesis, txs, forced, per_write=False)
    got, want = seq.pop_closed(), reference.closed_batches
    assert [b.traces for b in got] == [None] * len(want)
    assert [(b.old_state_roots(), b.new_state_roots()) for b in got] == [
        (b.old_state_roots(), b.new_state_roots()) for b in want
    ]
    assert seq._builder.traced_ops == 0  # nothing re-executed
    with pytest.raises(RuntimeError, match="without traces"):
        got[0].statements()

"""L1 gas of the forced-inclusion queue on the EVM: ``enqueue``, and ``settle`` with entries pending or processed.

``python -m bench.evm_queue_gas [--rollups K] [--capacity B] [--mode proof|openings|both]`` measures, on fresh
``SharedSettlement`` contracts (pyrevm, Cancun rules, every transaction cold):

- ``enqueue`` of a signed transfer: the first entry of a rollup's queue, the next one, one naming a recipient key
  (the Baby Jubjub checks), all at batch 0, and a first entry at batch 1 (a non-zero batch number is one more new
  storage word);
- ``settle`` of one honest synthetic shared batch (``bench.evm_shapes``, shape (K, B)) with nothing queued (the
  peer), with three entries pending in two rollups that the batch does not process (not yet due), and with one entry
  that the batch's forced slot processes (its entry hash compared, the head moved); each as gas and as a ratio to
  the peer.

The processed case replaces rollup 0's first slot by the forced slot of the queued transfer (``zksvs.forced.
entry_words``) and proves rollup 0 again with the toy circuit (the contract checks the statement, not the circuit).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from bench.evm_gas import _for_mode
from bench.evm_shapes import _toy_circuit, synthetic_shared_batch, toy_keys
from prover import prove
from sequencer import Transfer, sign
from sequencer.genesis import demo_private_key
from verifier.evm_settlement import EvmSettlementContract
from verifier.settlement import RollupSubmission
from zksvs import babyjub as bj
from zksvs.forced import entry_words
from zksvs.statement import N_BATCH_PUBLIC, BatchStatement, unpack_slot

__all__ = ["measure"]


def _signed(chain: int, sender: int, nonce: int, **kw):
    return sign(Transfer(chain, sender, sender + 1, 5, nonce, **kw), demo_private_key(7, chain, sender))


def _contract(run, mode: str) -> EvmSettlementContract:
    c = EvmSettlementContract(mode, None if mode == "openings" else run.cross_vk)
    for chain, root in enumerate(run.genesis_state_roots):
        c.register(chain, run.batch_vk, root)
    c.address  # noqa: B018  deployed
    return c


def _with_forced_slot(run, sub, tx):
    """``sub`` with rollup 0's slot 0 the forced slot of ``tx`` (included), rollup 0 proven again."""
    r0 = sub.rollups[0]
    data = [unpack_slot(entry_words(tx.fields(), tx.signature)), *r0.batch_data[1:]]
    st = BatchStatement.for_batch(0, r0.public_inputs[1], r0.public_inputs[2], data)
    batch_pk, _ = toy_keys(run.n_rollups)
    proof = prove(_toy_circuit(N_BATCH_PUBLIC)[0], batch_pk, _toy_circuit(N_BATCH_PUBLIC, st.public_inputs())[1])
    r0 = RollupSubmission(0, proof, st.public_inputs(), data, r0.bridge_slots)
    return replace(sub, rollups=[r0, *sub.rollups[1:]])


def measure(k: int = 4, b: int = 4, mode: str = "proof") -> dict:
    """Gas of enqueue and of settle with the queue empty, pending, processed (module docstring)."""
    run = synthetic_shared_batch(k, b, seed=1)
    sub = _for_mode(run.submission, mode)
    tx, tx2, keyed = _signed(0, 1, 0), _signed(0, 1, 1), _signed(1, 2, 0, to_pubkey=bj.BASE8)

    peer = _contract(run, mode)
    empty = peer.settle(sub)
    assert peer.enqueue(tx.chain, tx.fields(), tx.signature).accepted  # at batch 1: the batch number is stored
    pending = _contract(run, mode)
    enq = [pending.enqueue(t.chain, t.fields(), t.signature) for t in (tx, tx2, keyed)]
    assert all(e.accepted for e in enq), enq
    left = pending.settle(sub)
    processed = _contract(run, mode)
    assert processed.enqueue(tx.chain, tx.fields(), tx.signature).accepted
    done = processed.settle(_with_forced_slot(run, sub, tx))
    for name, r in (("empty", empty), ("pending", left), ("processed", done)):
        if not r.accepted:
            raise RuntimeError(f"K={k} B={b} {mode}, queue {name}: the honest batch was rejected ({r.evm})")
    assert processed.queue_state(0) == (1, 1) and pending.queue_state(0) == (0, 2)
    g = {"empty": empty.evm.gas_used, "pending": left.evm.gas_used, "processed": done.evm.gas_used}
    return {
        "k": k,
        "b": b,
        "mode": mode,
        "enqueue": dict(
            zip(("first", "next", "named_key", "first_at_batch_1"), pending.enqueue_gas + peer.enqueue_gas, strict=True)
        ),
        "settle": g,
        "settle_vs_empty": {name: v / g["empty"] for name, v in g.items()},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rollups", type=int, default=4)
    ap.add_argument("--capacity", type=int, default=4)
    ap.add_argument("--mode", choices=("proof", "openings", "both"), default="proof")
    a = ap.parse_args(argv)
    m = measure(a.rollups, a.capacity, a.mode)
    print(f"K={m['k']} B={m['b']} root check {m['mode']}")
    for name, gas in m["enqueue"].items():
        print(f"  enqueue ({name}): {gas:,} gas")
    for name, gas in m["settle"].items():
        print(f"  settle, queue {name}: {gas:,} gas ({m['settle_vs_empty'][name]:.4f} x empty)")


if __name__ == "__main__":
    main()

"""Sequencer throughput: transactions per second executed with every Merkle update and slot trace recorded.

Run: ``python -m pytest bench/bench_sequencer.py --benchmark-only`` (``ZKSVS_BENCH_SEQ_TXS`` changes the 10^4
transactions of the in-memory native run). The workload is seeded and made before timing: K = 4 rollups, 40 % burns
in all 12 directions, about 11 % transactions that must be rejected (overdraft, bad nonce, a burn whose mint would
overflow the whale); shape D = 8 (demo default), M = 10 (room for every burn of a pair), B = 32. Each round starts a
fresh ``Sequencer`` (setup, untimed), submits every transaction and closes the last shared batch; one round
(``pedantic``).

Peers in one table (group ``sequencer …``): ``numba`` (``accel.merkle.NativeHasher``, the default) and
``reference`` (``zksvs.merkle.PYTHON_HASHER``, pure Python, on 1/20 of the transactions); with the database,
``sqlite-commit-each`` (``submit``: one COMMIT + fsync per transaction) and ``sqlite-group`` (``submit_nowait``:
group commit) on 1/5. Compare ``txs_per_s`` / ``txs_per_cpu_s`` in ``extra_info`` (sizes differ); the 10^5 load test
with latency and memory is ``bench_sequencer_load.py``.

Every round asserts the result: burn root i→j == mint root i→j for every pair after every shared batch and at the
end, total supply conserved, the expected accept/reject counts. ``extra_info`` also holds the Poseidon calls a
transfer and a burn with its mint cost (counted with a counting hasher, and checked against the formula in
``sequencer/execute.py``) and the load average.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from accel.merkle import NativeHasher
from sequencer.genesis import demo_genesis
from sequencer.sequencer import Receipt, Sequencer
from sequencer.tx import Burn, Transfer
from zksvs.merkle import PYTHON_HASHER

K = 4
D, M, B = 8, 10, 32
N_TXS = int(os.environ.get("ZKSVS_BENCH_SEQ_TXS", "10000"))


def _genesis():
    return demo_genesis(K, accounts_per_rollup=32, account_depth=D, bridge_depth=M, capacity=B, seed=2026)


def _workload(genesis, n: int, seed: int) -> tuple[list, int]:
    """``n`` seeded transactions and how many of them must be accepted (a balance/nonce model decides)."""
    rnd = random.Random(seed)
    whale = (K - 1, 31)
    bal = {c: dict(a) for c, a in genesis.balances().items()}
    nonce = {c: dict.fromkeys(a, 0) for c, a in bal.items()}
    txs, n_ok = [], 0
    for i in range(n):
        c = rnd.randrange(K)
        frm = rnd.choice([a for a in bal[c] if (c, a) != whale])
        amt = rnd.randrange(1, 100)
        if i % 25 == 3:  # overdraft
            txs.append(Transfer(c, frm, (frm + 1) % 31, bal[c][frm] + 1, nonce[c][frm]))
        elif i % 25 == 11:  # bad nonce
            txs.append(Transfer(c, frm, (frm + 1) % 31, 1, nonce[c][frm] + 1))
        elif i % 25 == 19 and c != K - 1:  # burn whose mint would overflow the whale
            txs.append(Burn(c, K - 1, frm, whale[1], max(amt, 1001), nonce[c][frm]))
        elif rnd.random() < 0.4:
            dst = rnd.choice([x for x in range(K) if x != c])
            to = rnd.randrange(31)
            txs.append(Burn(c, dst, frm, to, amt, nonce[c][frm]))
            bal[c][frm] -= amt
            bal[dst][to] += amt
            nonce[c][frm] += 1
            n_ok += 1
        else:
            to = rnd.randrange(31)
            txs.append(Transfer(c, frm, to, amt, nonce[c][frm]))
            bal[c][frm] -= amt
            bal[c][to] += amt
            nonce[c][frm] += 1
            n_ok += 1
    return txs, n_ok


def _run(seq: Sequencer, txs: list, nowait: bool) -> tuple[int, list]:
    pending = [seq.submit_nowait(tx) for tx in txs] if nowait else None
    results = [p.result() for p in pending] if nowait else [seq.submit(tx) for tx in txs]
    seq.close_batch()
    return sum(isinstance(r, Receipt) for r in results), seq.pop_closed()


def _check(seq: Sequencer, genesis, accepted: int, n_ok: int, batches: list) -> None:
    assert accepted == n_ok
    assert seq.total_supply() == genesis.total_supply()
    for b in batches:
        assert b.burn_mint_mismatches() == []
    for i in range(K):
        for j in range(K):
            if i != j:
                assert seq.rollups[i].burn_tree(j).root == seq.rollups[j].mint_tree(i).root
    assert batches[-1].new_state_roots() == seq.state_roots()


class _CountingHasher:
    """The pure-Python hasher, counting Poseidon evaluations (a path of depth D counts D)."""

    def __init__(self) -> None:
        self.calls = 0

    def hash2(self, left, right):
        self.calls += 1
        return PYTHON_HASHER.hash2(left, right)

    def poseidon(self, inputs):
        self.calls += 1
        return PYTHON_HASHER.poseidon(inputs)

    def path(self, leaf, index, siblings):
        self.calls += len(siblings)
        return PYTHON_HASHER.path(leaf, index, siblings)


def _count_hashes(genesis) -> tuple[int, int]:
    """Poseidon calls (2-to-1 tree hashes and leaf hashes) of one transfer and of one burn with its mint."""
    h = _CountingHasher()
    seq = Sequencer(genesis, hasher=h)
    h.calls = 0
    assert isinstance(seq.submit(Transfer(0, 1, 2, 5, 0)), Receipt)
    transfer, h.calls = h.calls, 0
    assert isinstance(seq.submit(Burn(0, 1, 1, 2, 5, 1)), Receipt)
    return transfer, h.calls


_CASES = {
    "numba": ("memory", N_TXS),
    "reference": ("memory", max(1, N_TXS // 20)),
    "numba-sqlite-commit-each": ("sqlite", max(1, N_TXS // 5)),
    "numba-sqlite-group": ("sqlite", max(1, N_TXS // 5)),
}


@pytest.mark.parametrize("impl", list(_CASES))
def test_sequencer_throughput(benchmark, tmp_path, impl):
    store, n = _CASES[impl]
    benchmark.group = f"sequencer K={K} D={D} M={M} B={B}"
    genesis = _genesis()
    txs, n_ok = _workload(genesis, n, seed=7)
    rounds = iter(range(10))
    Sequencer(genesis).submit(txs[0])  # numba kernels loaded and dispatched once before timing

    def setup():
        db = tmp_path / f"seq-{next(rounds)}.sqlite" if store == "sqlite" else None
        hasher = PYTHON_HASHER if impl == "reference" else NativeHasher()
        return (Sequencer(genesis, db, hasher=hasher), txs), {}

    seqs, cpu = [], []

    def run(seq, txs):
        seqs.append(seq)
        c0 = time.process_time()
        out = _run(seq, txs, nowait=impl.endswith("group"))
        cpu.append(time.process_time() - c0)
        return out

    load0 = os.getloadavg()[0]
    accepted, batches = benchmark.pedantic(run, setup=setup, rounds=1, iterations=1)
    _check(seqs[-1], genesis, accepted, n_ok, batches)
    groups, writes, store_cpu_s, _ = seqs[-1].commit_stats
    seqs[-1].close()
    transfer, burn = _count_hashes(genesis)
    s = genesis.shape.slot_tree_depth
    assert transfer == 2 * D + 2 and burn == 2 * D + 2 + 2 * (M + s) + 1  # the counts sequencer/execute.py states
    mean = benchmark.stats.stats.mean
    benchmark.extra_info.update(
        txs=n,
        accepted=accepted,
        burns=sum(isinstance(t, Burn) for t in txs),
        shared_batches=len(batches),
        txs_per_s=round(n / mean, 1),
        txs_per_cpu_s=round(n / cpu[-1], 1),
        poseidon_calls_per_transfer=transfer,
        poseidon_calls_per_burn_with_mint=burn,
        store=store,
        commit_groups=groups,
        commit_writes=writes,
        store_cpu_us_per_tx=round(store_cpu_s / max(1, writes) * 1e6, 1),
        load_avg=(round(load0, 2), round(os.getloadavg()[0], 2)),
    )

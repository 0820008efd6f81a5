"""Sequencer throughput: transactions per second executed with every Merkle update and slot trace recorded.

Run: ``python -m pytest bench/bench_sequencer.py --benchmark-only`` (``ZKSVS_BENCH_SEQ_TXS`` changes the 10^4
transactions of the in-memory run). The workload is seeded and made before timing: K = 4 rollups, 40 % burns in
all 12 directions, about 11 % transactions that must be rejected (overdraft, bad nonce, a burn whose mint would
overflow the whale); shape D = 8 (demo default), M = 10 (room for every burn of a pair), B = 32. Each round starts a
fresh ``Sequencer`` (setup, untimed), submits every transaction and closes the last shared batch; one round
(``pedantic``), since a round is minutes of pure-Python Poseidon. ``sqlite`` runs a smaller workload with the
database (WAL, synchronous=FULL, one commit per submission) to show the cost of persistence.

Every round asserts the result: burn root i→j == mint root i→j for every pair after every shared batch and at the
end, total supply conserved, the expected accept/reject counts. ``extra_info`` holds txs/s, the Poseidon calls a
transfer and a burn with its mint cost (counted, and checked against the formula in ``sequencer/execute.py``) and
the time of one ``hash2`` measured just before the round, so runs on busy machines can be compared per hash.
"""

from __future__ import annotations

import os
import random
import time

import pytest

import zksvs.merkle
import zksvs.rollup_state
from sequencer.genesis import demo_genesis
from sequencer.sequencer import Receipt, Sequencer
from sequencer.tx import Burn, Transfer

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


def _run(seq: Sequencer, txs: list) -> tuple[int, list]:
    accepted = 0
    batches = []
    for tx in txs:
        if isinstance(seq.submit(tx), Receipt):
            accepted += 1
    seq.close_batch()
    batches = seq.pop_closed()
    return accepted, batches


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


def _hash2_us(n: int = 2000) -> float:
    """Mean microseconds of one native Poseidon-2 (``zksvs.poseidon.hash2``) on this machine, now."""
    from zksvs.poseidon import hash2

    t0 = time.perf_counter()
    for i in range(n):
        hash2(i, i + 1)
    return (time.perf_counter() - t0) / n * 1e6


def _count_hashes(genesis) -> tuple[int, int]:
    """Poseidon calls (2-to-1 tree hashes and leaf hashes) of one transfer and of one burn with its mint."""
    seq = Sequencer(genesis)
    calls = [0]
    real_h2, real_p = zksvs.merkle._hash2, zksvs.rollup_state.poseidon

    def h2(a, b):
        calls[0] += 1
        return real_h2(a, b)

    def p(xs):
        calls[0] += 1
        return real_p(xs)

    zksvs.merkle._hash2, zksvs.rollup_state.poseidon = h2, p
    try:
        assert isinstance(seq.submit(Transfer(0, 1, 2, 5, 0)), Receipt)
        transfer = calls[0]
        calls[0] = 0
        assert isinstance(seq.submit(Burn(0, 1, 1, 2, 5, 1)), Receipt)
        burn = calls[0]
    finally:
        zksvs.merkle._hash2, zksvs.rollup_state.poseidon = real_h2, real_p
    return transfer, burn


@pytest.mark.parametrize(("store", "n"), [("memory", N_TXS), ("sqlite", max(1, N_TXS // 5))])
def test_sequencer_throughput(benchmark, tmp_path, store, n):
    benchmark.group = f"sequencer K={K} D={D} M={M} B={B}"
    genesis = _genesis()
    txs, n_ok = _workload(genesis, n, seed=7)
    rounds = iter(range(10))

    def setup():
        db = tmp_path / f"seq-{next(rounds)}.sqlite" if store == "sqlite" else None
        return (Sequencer(genesis, db), txs), {}

    seqs = []

    def run(seq, txs):
        seqs.append(seq)
        return _run(seq, txs)

    hash2_us = _hash2_us()
    accepted, batches = benchmark.pedantic(run, setup=setup, rounds=1, iterations=1)
    _check(seqs[-1], genesis, accepted, n_ok, batches)
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
        poseidon_calls_per_transfer=transfer,
        poseidon_calls_per_burn_with_mint=burn,
        store=store,
        hash2_us=round(hash2_us, 1),
    )

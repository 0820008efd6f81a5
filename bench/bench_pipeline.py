"""The whole demo pipeline, per stage, on a small workload: sequence → circuits → setup → witness → prove → settle.

Run: ``python -m pytest bench/bench_pipeline.py --benchmark-only``. ``pipeline.run.run_pipeline`` on
``sequencer.demo_genesis(2, account_depth=3, bridge_depth=2, capacity=2, seed=1)`` (K=2, B=2, D=3, M=2; a whale
account, so a burn whose mint would overflow is rejected) and ``pipeline.workload.demo_workload(…, 12 txs, seed 1)``:
transfers, burns both ways and about one transaction in eight rejected, in several shared batches. One round
(``pedantic``): a round proves 3 circuits per shared batch (K batch proofs and the cross-rollup proof) after two
development setups.

``extra_info["stage_seconds"]`` is ``RunResult.stage_seconds`` (``jit`` is the kernels' first call, a cache load
once numba's cache is warm); ``extra_info["witness_s"]`` the batch witness seconds of each rollup proof. A rich
table prints the stages.

Correctness: every shared batch settles (``RunResult.all_settled``), every rejection the workload planted is
rejected, every proof verifies (settlement checks them), and the final state roots are the sequencer's.
"""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.table import Table

from pipeline.run import run_pipeline
from pipeline.workload import demo_workload
from sequencer.genesis import demo_genesis, find_whale

N_TXS = 12


@pytest.mark.filterwarnings("ignore::prover.dev_setup.InsecureSetupWarning")  # development keys, on purpose
def test_demo_pipeline(benchmark, tmp_path, capsys):
    genesis = demo_genesis(2, account_depth=3, bridge_depth=2, capacity=2, seed=1)
    txs = list(enumerate(demo_workload(genesis.balances(), N_TXS, seed=1, whale=find_whale(genesis)), start=1))
    benchmark.group = "demo pipeline K=2 B=2 D=3 M=2"
    result = benchmark.pedantic(run_pipeline, args=(genesis, txs, tmp_path / "out"), rounds=1, iterations=1)
    assert result.all_settled
    assert len(result.settlements) >= 2
    assert result.receipts + len(result.rejections) == N_TXS
    assert {r["reason"] for r in result.rejections} >= {"overdraft", "bad_nonce"}
    assert len(result.final_state_roots) == 2
    assert all(s.accepted for s in result.settlements)
    stage_s = {k: round(v, 3) for k, v in result.stage_seconds.items()}
    batch_proofs = [p for p in result.proofs if p.chain_id is not None]
    benchmark.extra_info.update(
        n_txs=N_TXS,
        receipts=result.receipts,
        rejections=len(result.rejections),
        shared_batches=len(result.settlements),
        stage_seconds=stage_s,
        jit_first_call_s=round(result.jit_first_call_s, 3),
        witness_s=[round(p.witness_s, 3) for p in batch_proofs],
    )
    table = Table(title=f"demo pipeline (K=2, B=2, D=3, M=2), {N_TXS} txs, {len(result.settlements)} shared batches")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("share", justify="right")
    total = sum(stage_s.values()) or 1.0
    for name, s in stage_s.items():
        table.add_row(name, f"{s:.3f}", f"{s / total:.1%}")
    table.add_row("total", f"{total:.3f}", "")
    with capsys.disabled():
        Console(width=110).print(table)

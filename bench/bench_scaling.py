"""Shared batches per minute at K = 2, 4, 8 for the local / processes / ray executors, and a model of the scaling.

Run the benchmark items (one fresh process per run, pytest-benchmark records it)::

    python -m pytest bench/bench_scaling.py --benchmark-only          # K = 2, 4, 8 × three executors, 4 batches

or the whole grid with repetitions, the model fit, a table and a PNG (docs/scaling.md shows its output)::

    python -m bench.bench_scaling --ks 2,4,8 --executors local,processes,ray --batches 4 --reps 2 --out DIR [--l1 model]

Workload (``scaling_workload``): the small shape B = 2, D = 3, M = 2 and K rollups; each shared batch is one transfer
on every rollup and one burn 0 → 1 (whose mint fills rollup 1's last slot), so the K + 1 proofs of every batch are
the same work and every batch settles. Proof seed fixed: every executor writes the same proofs.

Each run happens in a new process (``python -m bench.bench_scaling one …``: a fresh Ray instance, a fresh pool) and
reports run.json's ``executor`` block: ``shared_batches_per_min`` over the proving wall time (first task submitted
→ last batch settled; start-up excluded), the task and driver seconds the model needs, the bytes that travel.

The model (``model_period``), per shared batch of K + 1 tasks on W workers with one driver:

    local:             period = K·t_b + t_x + t_d                      (the driver proves; nothing overlaps)
    processes / ray:   period = max((K·t_b + t_x) / W + n_d, t_d)       (workers prove batch n + 1 while the
                                                                        driver settles batch n)

t_b, t_x: seconds of one batch / cross task (witness + prove + verify, as measured inside the tasks of the run);
t_d: the driver's serial seconds per batch (settlement on the L1 model + writing the files); n_d: network time per
batch at the driver, (K + 1)·(trace + witness + proof bytes) / bandwidth (≈ 0 on one machine). Keys travel once per
worker (kit bytes / bandwidth) and count in start-up, not in the period. batches/min = 60 / period.

Fed with a run's own t_b, t_x, t_d (wall seconds inside the run) the model checks the overlap; on a shared machine
those wall seconds are mostly waiting for a core, so the extrapolation to W workers (``extrapolate``, the PNG's
right panel) uses the CPU seconds the tasks and the driver used per batch (``idle_row``), as on cores of their own.
The table's CPU columns: the tasks' CPU seconds per shared batch, and the driver process's (for ``local`` it
includes the proving, which happens in the driver).
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHAPE = {"account_depth": 3, "bridge_depth": 2, "capacity": 2}
EXECUTORS = ("local", "processes", "ray")
KS = (2, 4, 8)
N_BATCHES = 4
PROOF_SEED = "5ca1e"


def scaling_genesis(k: int) -> dict:
    """K rollups of the small shape; account 0 of each holds 10^6, account 1 receives."""
    return {
        "n_rollups": k,
        **SHAPE,
        "rollups": [
            {"chain_id": c, "accounts": [{"index": 0, "balance": 10**6}, {"index": 1, "balance": 0}]} for c in range(k)
        ],
    }


def scaling_workload(k: int, n_batches: int) -> list[dict]:
    """``n_batches`` shared batches of K + 1 transactions (module docstring); each closes on its burn."""
    txs: list[dict] = []
    for i in range(n_batches):
        for c in range(k):
            nonce = 2 * i if c == 0 else i
            txs.append({"kind": "transfer", "chain": c, "from": 0, "to": 1, "amount": 1, "nonce": nonce})
        txs.append({"kind": "burn", "chain": 0, "to_chain": 1, "from": 0, "to": 1, "amount": 1, "nonce": 2 * i + 1})
    return txs


def task_bytes(k: int) -> int:
    """Pickled size of one batch proof task of the workload (what travels to a worker per task, besides its kit)."""
    from pipeline.proving import ProofTask
    from sequencer import Sequencer
    from sequencer.genesis import genesis_from_obj

    seq = Sequencer(genesis_from_obj(scaling_genesis(k)))
    for arrival, tx in enumerate(scaling_workload(k, 1), start=1):
        seq.submit(tx, arrival)
    (shared,) = seq.pop_closed()
    return len(pickle.dumps(ProofTask(0, "batch", (shared.traces[0],), 1, 1), protocol=5))


def run_one(executor: str, k: int, n_batches: int, out: Path, l1: str = "evm") -> dict:
    """One run in a fresh process, settling on ``l1`` (``run_pipeline``'s: evm, model or both); returns run.json's
    figures plus wall, CPU (this process's children) and load."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bench.bench_scaling", "one", executor, str(k), str(n_batches), str(out / "run"), l1]
    load0 = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd}: exit {proc.returncode}\n{proc.stderr[-3000:]}")
    doc = json.loads((out / "run" / "run.json").read_text())
    assert doc["all_settled"] and len(doc["settlements"]) == n_batches, doc["settlements"]
    proofs = doc["proofs"]
    batch = [p for p in proofs if p["circuit"] == "batch"]
    cross = [p for p in proofs if p["circuit"] == "cross"]

    def task_s(ps: list[dict]) -> float:
        return sum(p["witness_s"] + p["prove_s"] + p["verify_s"] for p in ps) / len(ps)

    st = doc["stage_seconds"]
    return {
        "executor": executor,
        "k": k,
        "batches": n_batches,
        "batches_per_min": doc["executor"]["shared_batches_per_min"],
        "proving_wall_s": doc["executor"]["proving_wall_s"],
        "workers": doc["executor"]["workers"],
        "threads_per_task": doc["executor"]["threads_per_task"],
        "start_s": round(st.get("executor", 0.0), 3),
        "t_batch_task_s": round(task_s(batch), 3),
        "t_cross_task_s": round(task_s(cross), 3),
        "t_driver_s": round((st.get("settle", 0.0) + st.get("write", 0.0)) / n_batches, 3),
        "task_cpu_s_per_batch": round(doc["executor"]["task_cpu_s"] / n_batches, 3),
        "driver_cpu_s_per_batch": round(doc["executor"]["driver_cpu_s"] / n_batches, 3),
        "kit_bytes": doc["executor"]["kit_bytes"],
        "wtns_bytes_per_task": doc["executor"]["wtns_bytes_per_task"],
        "batch_constraints": batch[0]["n_constraints"],
        "cross_constraints": cross[0]["n_constraints"],
        "run_wall_s": round(wall, 2),
        "cpu_s_children": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "load_1min": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }


def model_period(r: dict, bandwidth_bytes_s: float | None = None, workers: int | None = None) -> float:
    """Seconds per shared batch predicted from a run's own task and driver seconds (module docstring)."""
    k, tb, tx, td = r["k"], r["t_batch_task_s"], r["t_cross_task_s"], r["t_driver_s"]
    if r["executor"] == "local":
        return k * tb + tx + td
    w = workers or r["workers"]
    net = 0.0
    if bandwidth_bytes_s:
        net = (k + 1) * (r.get("task_bytes", 0) + r["wtns_bytes_per_task"] + 1024) / bandwidth_bytes_s
    return max((k * tb + tx) / w + net, td)


def _one_main(executor: str, k: str, n_batches: str, out: str, l1: str = "evm") -> None:
    from pipeline.run import run_pipeline
    from sequencer.genesis import genesis_from_obj

    warnings.simplefilter("ignore")
    txs = list(enumerate(scaling_workload(int(k), int(n_batches)), start=1))
    run_pipeline(
        genesis_from_obj(scaling_genesis(int(k))),
        txs,
        out,
        executor=executor,
        proof_seed=bytes.fromhex(PROOF_SEED + "0"),
        setup_seed="bench/scaling",
        l1=l1,
    )


@pytest.mark.parametrize("k", KS, ids=lambda k: f"K={k}")
@pytest.mark.parametrize("executor", EXECUTORS)
def test_shared_batches_per_minute(benchmark, executor, k, tmp_path):
    benchmark.group = f"pipeline scaling K={k} B=2 D=3 M=2"
    r = benchmark.pedantic(run_one, args=(executor, k, N_BATCHES, tmp_path), rounds=1, iterations=1)
    assert r["batches_per_min"] > 0
    r["model_batches_per_min"] = round(60.0 / model_period(r), 3)
    benchmark.extra_info.update(r)


# --- the grid, the model, the table and the plot ------------------------------------------------------------------


def run_grid(ks: list[int], executors: list[str], n_batches: int, reps: int, out: Path, l1: str = "evm") -> list[dict]:
    """Every (rep, K, executor) run, executors alternating within each K so load drifts hit them alike."""
    rows = []
    sizes = {k: task_bytes(k) for k in ks}
    for rep in range(reps):
        for k in ks:
            for ex in executors:
                r = run_one(ex, k, n_batches, out / f"rep{rep}-K{k}-{ex}", l1)
                r |= {"rep": rep, "task_bytes": sizes[k], "model_batches_per_min": round(60.0 / model_period(r), 3)}
                print(json.dumps(r), file=sys.stderr, flush=True)
                rows.append(r)
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per (K, executor): median measured and modelled batches/min over the repetitions, and the ratio to local."""
    from statistics import median

    out = []
    keys = sorted({(r["k"], r["executor"]) for r in rows}, key=lambda t: (t[0], EXECUTORS.index(t[1])))
    for k, ex in keys:
        rs = [r for r in rows if (r["k"], r["executor"]) == (k, ex)]
        local = [r["batches_per_min"] for r in rows if (r["k"], r["executor"]) == (k, "local")]
        m = median(r["batches_per_min"] for r in rs)
        out.append(
            {
                "k": k,
                "executor": ex,
                "runs": len(rs),
                "batches_per_min": round(m, 2),
                "min": round(min(r["batches_per_min"] for r in rs), 2),
                "max": round(max(r["batches_per_min"] for r in rs), 2),
                "model_batches_per_min": round(median(r["model_batches_per_min"] for r in rs), 2),
                "vs_local": round(m / median(local), 2) if local else None,
                "t_batch_task_s": round(median(r["t_batch_task_s"] for r in rs), 2),
                "t_cross_task_s": round(median(r["t_cross_task_s"] for r in rs), 2),
                "t_driver_s": round(median(r["t_driver_s"] for r in rs), 2),
                "task_cpu_s_per_batch": round(median(r["task_cpu_s_per_batch"] for r in rs), 2),
                "driver_cpu_s_per_batch": round(median(r["driver_cpu_s_per_batch"] for r in rs), 2),
                "start_s": round(median(r["start_s"] for r in rs), 1),
                "load_1min": [min(r["load_1min"][0] for r in rs), max(r["load_1min"][1] for r in rs)],
            }
        )
    return out


def idle_row(r: dict) -> dict:
    """A ``processes`` summary row with its times as on cores of their own: t_b and t_x scaled so that the K + 1
    tasks take the CPU seconds they used (on a loaded machine their wall time is mostly waiting for a core), and t_d
    the driver's CPU seconds per batch (settlement, files, and the sequencer thread's share)."""
    f = r["task_cpu_s_per_batch"] / (r["k"] * r["t_batch_task_s"] + r["t_cross_task_s"])
    return r | {
        "t_batch_task_s": r["t_batch_task_s"] * f,
        "t_cross_task_s": r["t_cross_task_s"] * f,
        "t_driver_s": r["driver_cpu_s_per_batch"],
    }


def extrapolate(summary: list[dict], k: int, workers: list[int], bandwidth_bytes_s: float) -> dict[str, list[float]]:
    """Predicted batches/min on W single-thread workers for the K row of the ``processes`` runs (``idle_row``: every
    task on a core of its own, ideal placement), with the network at ``bandwidth_bytes_s``, and the settlement
    ceiling 60 / t_d."""
    (r,) = [s for s in summary if s["k"] == k and s["executor"] == "processes"]
    row = idle_row({**r, "wtns_bytes_per_task": r.get("wtns_bytes_per_task", 0)})
    pred = [60.0 / model_period(row, bandwidth_bytes_s, w) for w in workers]
    return {"workers": workers, "batches_per_min": pred, "ceiling": 60.0 / row["t_driver_s"]}


def plot(summary: list[dict], rows: list[dict], path: Path) -> None:
    """Left: measured (markers, min–max bars) and modelled (lines) batches/min against K per executor. Right: the
    model on W workers for the largest K (1 Gb/s network), with the serial settlement ceiling."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    ax = axes[0]
    for i, ex in enumerate(EXECUTORS):
        s = [r for r in summary if r["executor"] == ex]
        if not s:
            continue
        ks = [r["k"] for r in s]
        y = [r["batches_per_min"] for r in s]
        err = [[a - r["min"] for a, r in zip(y, s)], [r["max"] - a for a, r in zip(y, s)]]
        ax.errorbar(ks, y, yerr=err, fmt="o", color=f"C{i}", capsize=3, label=f"{ex} (measured)")
        ax.plot(ks, [r["model_batches_per_min"] for r in s], "-", color=f"C{i}", alpha=0.6, label=f"{ex} (model)")
    ax.set_xlabel("K (rollups; K + 1 proofs per shared batch)")
    ax.set_ylabel("shared batches per minute")
    ax.set_xticks(sorted({r["k"] for r in summary}))
    ax.set_title("this machine: 2 vCPUs, shared (load in the table)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)

    ax = axes[1]
    kmax = max(r["k"] for r in summary)
    ws = [1, 2, 4, 8, 16, 32, 64]
    ext = extrapolate(summary, kmax, ws, 125e6)
    ax.plot(ws, ext["batches_per_min"], "o-", color="C1", label=f"model, K={kmax}, 1 Gb/s")
    ax.axhline(ext["ceiling"], color="red", ls="--", label="ceiling: serial settlement in the driver")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("single-thread workers W")
    ax.set_ylabel("shared batches per minute")
    ax.set_title("model on W workers (the runs' CPU seconds per task and in the driver)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(summary: list[dict]) -> str:
    head = (
        "| K | executor | batches/min (median, min–max) | model | vs local | t_b s | t_x s | t_d s | start s "
        "| task CPU s/batch | driver CPU s/batch | load |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in summary:
        lines.append(
            f"| {r['k']} | {r['executor']} | {r['batches_per_min']} ({r['min']}–{r['max']}) | "
            f"{r['model_batches_per_min']} | {r['vs_local']} | {r['t_batch_task_s']} | {r['t_cross_task_s']} | "
            f"{r['t_driver_s']} | {r['start_s']} | {r['task_cpu_s_per_batch']} | {r['driver_cpu_s_per_batch']} | "
            f"{r['load_1min'][0]}–{r['load_1min'][1]} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    import argparse

    if argv[:1] == ["one"]:
        _one_main(*argv[1:])
        return
    ap = argparse.ArgumentParser(prog="python -m bench.bench_scaling")
    ap.add_argument("--ks", default="2,4,8")
    ap.add_argument("--executors", default=",".join(EXECUTORS))
    ap.add_argument("--batches", type=int, default=N_BATCHES)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--l1", default="evm", choices=["evm", "model", "both"], help="the L1 the runs settle on")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    rows = run_grid([int(k) for k in a.ks.split(",")], a.executors.split(","), a.batches, a.reps, a.out, a.l1)
    summary = summarise(rows)
    for s in summary:
        s["wtns_bytes_per_task"] = max(r["wtns_bytes_per_task"] for r in rows if r["k"] == s["k"])
        s["task_bytes"] = max(r["task_bytes"] for r in rows if r["k"] == s["k"])
        s["kit_bytes"] = max(r["kit_bytes"] for r in rows if r["k"] == s["k"])
    (a.out / "scaling.json").write_text(json.dumps({"runs": rows, "summary": summary}, indent=1) + "\n")
    (a.out / "scaling.md").write_text(_table(summary) + "\n")
    plot(summary, rows, a.out / "scaling.png")
    print(_table(summary))


if __name__ == "__main__":
    main(sys.argv[1:])

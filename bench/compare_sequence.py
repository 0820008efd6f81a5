"""``zksvs sequence`` of this checkout against another one (e.g. the previous commit), alternately, in one command.

Run: ``python bench/compare_sequence.py --base DIR [--txs N] [--rounds R] [--unsigned] [--workload W] [--json J]``,
where DIR is a checkout of the code to compare with (``git worktree add DIR COMMIT``, or ``git archive COMMIT``
unpacked; its numba cache warms on its first round). Both sides run the same seeded workload (``zksvs workload
--rollups 4 --txs N --seed 2026``, written once by this checkout; signed unless ``--unsigned``; or the one already in
folder ``W``) in fresh processes, base then this checkout, ``R`` rounds; each run records the 1-minute load average
before and after, since other jobs share the machine. Printed per run: tx/s (wall), tx per CPU-second (all threads),
tx per CPU-second of the submitting thread (when the side reports it), p50/p99 receipt latency, mean group and the
store's CPU per transaction; then the ratios this/base of the per-round means. The state roots of both sides must be
equal (asserted): the comparison is of the same work. No timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("txs_per_s", "txs_per_cpu_s", "txs_per_main_thread_cpu_s", "p50_ms", "p99_ms", "mean_group")


def _sequence(checkout: Path, work: Path, out: Path) -> dict:
    cmd = [sys.executable, "-m", "pipeline.cli", "sequence", str(work / "txs.jsonl")]
    cmd += ["--genesis", str(work / "genesis.json"), "--out", str(out), "--json"]
    env = os.environ | {"PYTHONPATH": str(checkout)}
    load0 = os.getloadavg()[0]
    proc = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"zksvs sequence in {checkout} failed ({proc.returncode}):\n{proc.stderr}")
    rep = json.loads(proc.stdout)
    row = {k: rep.get(k) for k in FIELDS}
    row["store_cpu_us_per_tx"] = rep.get("store_cpu_us_per_tx")
    row["load"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    row["state_roots"] = rep["state_roots"]
    return row


def _mean(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return sum(vals) / len(vals) if vals else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="checkout of the code to compare with")
    ap.add_argument("--txs", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--unsigned", action="store_true", help="a protocol v1 workload (no signatures)")
    ap.add_argument("--workload", type=Path, help="use genesis.json + txs.jsonl from this folder (--txs ignored)")
    ap.add_argument("--json", type=Path, help="write every run and the ratios here")
    args = ap.parse_args(argv)
    sides = {"base": args.base.resolve(), "this": ROOT}
    runs: dict[str, list[dict]] = {"base": [], "this": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "w"
        make = ["workload", "--rollups", "4", "--txs", str(args.txs), "--seed", "2026", "--out", str(work)]
        if args.workload is not None:
            work = args.workload.resolve()
        else:
            subprocess.run(
                [sys.executable, "-m", "pipeline.cli", *make, *(["--unsigned"] if args.unsigned else [])],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        for r in range(args.rounds):
            for name, checkout in sides.items():
                row = _sequence(checkout, work, Path(tmp) / f"{name}-{r}")
                runs[name].append(row)
                shown = " ".join(f"{k} {row[k]}" for k in (*FIELDS, "store_cpu_us_per_tx") if row[k] is not None)
                print(f"{name:4} round {r}: load {row['load'][0]} → {row['load'][1]}: {shown}", flush=True)
    roots = {tuple(row["state_roots"]) for rows in runs.values() for row in rows}
    assert len(roots) == 1, "the two checkouts ended in different state roots"
    ratios = {}
    for k in (*FIELDS, "store_cpu_us_per_tx"):
        b, t = _mean(runs["base"], k), _mean(runs["this"], k)
        if b and t is not None:
            ratios[k] = round(t / b, 3)
    print("ratios this/base (means over the rounds):", ", ".join(f"{k} {v}" for k, v in ratios.items()))
    if args.json:
        args.json.write_text(json.dumps({"txs": args.txs, "runs": runs, "ratios": ratios}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Sequencer load test (issue 13): 10^5 transactions through ``zksvs sequence`` with the durable store.

Run: ``python bench/bench_sequencer_load.py [--txs N] [--profile] [--py-spy] [--json OUT.json]`` (tables on
stdout), or
``python -m pytest bench/bench_sequencer_load.py --benchmark-only --bench-full`` (``ZKSVS_LOAD_TXS``, default
100,000; 10,000 without ``--bench-full``; figures in ``extra_info``).

What one run does, in this order, recording the machine's 1-minute load average around each part:

1. ``zksvs workload --rollups 4 --txs N --seed 2026`` (32 accounts a rollup, D = 8, B = 32, M = the least depth
   holding every burn): transfers, burns in all 12 directions (a third), one line in eight rejected on purpose
   (overdraft, bad nonce, a burn whose mint would overflow).
2. ``zksvs sequence`` on it in a fresh process (numba cache warm), optionally under ``py-spy record --threads``:
   tx/s (wall), tx per CPU-second (all threads: the figure that is stable when other jobs share the cores),
   p50/p99 receipt latency, mean group commit size, RSS sampled every 0.2 s.
3. Replay: ``Sequencer.open`` on the file it wrote; its state roots must equal the run's (asserted).
4. Memory: RSS slope (bytes per transaction, least squares over the second half of the run). The mixed workload's
   bridge trees grow with every burn (state, not a leak: each append stores its leaf and about two new nodes per
   tree), so a transfers-only workload of N/2 lines (state bounded: 32 accounts) is run too: its slope is the
   per-transaction growth of everything else.
5. Peers in the same run, in-process on the first 2,000 lines (two interleaved rounds each, the faster counts): in
   memory, the store without group commit (``submit``: one COMMIT + fsync per transaction, the old path) and with it
   (``submit_nowait``): tx/s, and the store's cost per transaction measured on the committer thread (CPU, and busy
   time with the fsync); and the pure-Python hasher vs the native one on the first 300 lines.

Correctness asserted: replay roots equal the run's; accepted/rejected counts equal an in-process sequencer's on
the peers' prefix; every peer ends in the same state roots. No timing is asserted.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.workload import write_workload  # noqa: E402
from sequencer import Receipt, Sequencer, load_genesis, read_jsonl  # noqa: E402
from zksvs.merkle import PYTHON_HASHER  # noqa: E402

K = 4
SEED = 2026
N_TXS = int(os.environ.get("ZKSVS_LOAD_TXS", "100000"))
#: Under pytest without ``--bench-full`` (ZKSVS_LOAD_TXS unset): a quick 10^4.
QUICK_TXS = 10_000
PEER_TXS = 2000
PYTHON_HASHER_TXS = 300


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _zksvs_sequence(txs: Path, genesis: Path, out: Path, profile: Path | None) -> dict:
    cmd = [sys.executable, "-m", "pipeline.cli", "sequence", str(txs), "--genesis", str(genesis), "--out", str(out)]
    cmd.append("--json")
    if profile is not None:
        spy = shutil.which("py-spy")
        if spy is None:
            raise RuntimeError("--profile needs py-spy (pip install 'zksvs[bench]')")
        cmd = [spy, "record", "--threads", "--rate", "250", "--format", "raw", "--output", str(profile), "--", *cmd]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    start = proc.stdout.find("\n{") + 1 if not proc.stdout.startswith("{") else 0  # py-spy says hello on stdout
    if proc.returncode not in (0, 1) or not proc.stdout[start:].strip():  # py-spy's own exit status may be 1
        raise RuntimeError(f"zksvs sequence failed ({proc.returncode}):\n{proc.stderr}")
    return json.JSONDecoder().raw_decode(proc.stdout[start:])[0]  # py-spy adds its summary after it


def _slope(samples: list[tuple[int, float]]) -> float:
    """Least-squares slope of RSS (MiB) against transactions over the second half of the samples, in bytes/tx."""
    half = [(n, r) for n, r in samples[len(samples) // 2 :]]
    if len(half) < 3 or half[-1][0] == half[0][0]:
        return float("nan")
    mx = sum(n for n, _ in half) / len(half)
    my = sum(r for _, r in half) / len(half)
    sxx = sum((n - mx) ** 2 for n, _ in half)
    sxy = sum((n - mx) * (r - my) for n, r in half)
    return sxy / sxx * 2**20


def _transfers_only(genesis_path: Path, n: int, out: Path) -> Path:
    """``n`` valid transfers round-robin over every account of every rollup (state stays 32 accounts a rollup)."""
    g = load_genesis(genesis_path)
    senders = [(c, i) for c, accs in enumerate(g.accounts) for i, a in accs if a.balance < 1 << 63]
    nonce = dict.fromkeys(senders, 0)
    path = out / "transfers.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for k in range(n):
            c, i = senders[k % len(senders)]
            f.write(json.dumps({"kind": "transfer", "chain": c, "from": i, "to": (i + 1) % 31, "amount": 1,
                                "nonce": nonce[c, i]}) + "\n")  # fmt: skip
            nonce[c, i] += 1
    return path


def _timed(fn) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def _peers(genesis_path: Path, txs_path: Path, work: Path) -> dict:
    """Store and hashing peers on a prefix of the workload, in this process (numba already warm).

    Each store mode runs twice, interleaved (memory, commit each, group, memory, …), and the faster round counts, so
    a burst from another job hurts one mode less. The store's own cost is measured where it is paid: the committer
    thread's CPU seconds per write, and its busy (COMMIT + fsync) seconds.
    """
    g = load_genesis(genesis_path)
    items = read_jsonl(txs_path)[:PEER_TXS]
    runs = 0

    def run(mode: str, hasher=None, n=PEER_TXS):
        nonlocal runs
        runs += 1
        db = None if mode == "memory" else work / f"peer-{runs}.sqlite"
        seq = Sequencer(g, db, hasher=hasher)
        part = items[:n]
        t0, c0 = time.perf_counter(), time.process_time()
        if mode == "group":
            results = [p.result() for p in [seq.submit_nowait(tx, a) for a, tx in part]]
        else:
            results = [seq.submit(tx, a) for a, tx in part]
        seq.flush()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        stats, roots = seq.commit_stats, seq.state_roots()
        seq.close()
        return wall, cpu, stats, (sum(isinstance(r, Receipt) for r in results), roots)

    Sequencer(g).submit(items[0][1])  # warm the kernels and their dispatch
    best: dict[str, tuple] = {}
    for _ in range(2):
        for mode in ("memory", "commit-each", "group"):
            r = run(mode)
            if mode not in best or r[0] < best[mode][0]:
                best[mode] = r
    assert best["memory"][3] == best["commit-each"][3] == best["group"][3], "the store modes must agree"
    native = run("memory", n=PYTHON_HASHER_TXS)
    python = run("memory", hasher=PYTHON_HASHER, n=PYTHON_HASHER_TXS)
    assert native[3] == python[3], "native and pure-Python hashing must agree"

    def store(mode: str) -> dict:
        wall, cpu, st, _ = best[mode]
        return {
            "tx_per_s": round(PEER_TXS / wall, 1),
            "tx_per_cpu_s": round(PEER_TXS / cpu, 1),
            "store_cpu_us_per_tx": round(st.cpu_s / PEER_TXS * 1e6, 1),
            "store_busy_us_per_tx": round(st.busy_s / PEER_TXS * 1e6, 1),
            "mean_group": round(PEER_TXS / max(1, st.groups), 1),
        }

    return {
        "peer_txs": PEER_TXS,
        "memory": {
            "tx_per_s": round(PEER_TXS / best["memory"][0], 1),
            "tx_per_cpu_s": round(PEER_TXS / best["memory"][1], 1),
        },
        "commit_each": store("commit-each"),
        "group_commit": store("group"),
        "hasher_txs": PYTHON_HASHER_TXS,
        "tx_per_cpu_s_python_hasher": round(PYTHON_HASHER_TXS / python[1], 1),
        "tx_per_cpu_s_native_hasher": round(PYTHON_HASHER_TXS / native[1], 1),
        "native_vs_python_hasher_cpu_ratio": round(python[1] / native[1], 1),
    }


# --- where the CPU goes, measured by instrumentation (in-process, on a prefix) ----------------------------------------

BREAKDOWN_TXS = 3000


class _FakeHasher:
    """Cheap stand-in for Poseidon (not a hash): what is left of the CPU without hashing is everything else."""

    def hash2(self, a, b):
        return (a * 31 + b + 7) % 21888242871839275222246405745257275088548364400416034343698204186575808495617

    def poseidon(self, xs):
        return (sum(xs) * 17 + 3) % 21888242871839275222246405745257275088548364400416034343698204186575808495617

    def path(self, leaf, index, siblings):
        nodes = [leaf]
        for k, sib in enumerate(siblings):
            a, b = (sib, nodes[-1]) if (index >> k) & 1 else (nodes[-1], sib)
            nodes.append(self.hash2(a, b))
        return tuple(nodes)


def cpu_breakdown(genesis_path: Path, txs_path: Path, work: Path) -> dict:
    """CPU µs per transaction of the in-memory sequencer on the first ``BREAKDOWN_TXS`` lines, split by measuring.

    ``total``: submitting the parsed lines with the native hasher (thread CPU); ``hash kernels``: CPU inside the
    numba calls (their dispatchers wrapped with a thread-CPU timer); ``hash glue``: total − execution − kernels (int
    ↔ limbs, dispatch, the path memo); ``execution``: the same run with a trivial stand-in hasher (the rules, trace
    recording, trees, receipts, queueing the rows) less the stand-in's own share (cProfile), split by cProfile in
    ``execution_split_pct``; ``parsing``:
    ``read_jsonl`` of the lines (not in total); ``store``: the committer thread's CPU per line in a group-commit run
    (on the other core, not in total). Each figure is the smaller of two rounds.
    """
    import cProfile
    import pstats

    import accel.poseidon as ap
    from accel.merkle import NativeHasher

    g = load_genesis(genesis_path)
    lines = txs_path.read_text().splitlines()[:BREAKDOWN_TXS]
    n = len(lines)
    kernel = [0.0]

    def timed(f):
        def call(*a):
            c0 = time.thread_time()
            try:
                return f(*a)
            finally:
                kernel[0] += time.thread_time() - c0

        return call

    def run(hasher, db=None):
        seq = Sequencer(g, db, hasher=hasher)
        items = read_jsonl(lines)
        c0 = time.thread_time()
        pending = [seq.submit_nowait(tx, a) for a, tx in items]
        cpu = time.thread_time() - c0
        pending[-1].result()
        stats = seq.commit_stats
        seq.close()
        return cpu, stats

    Sequencer(g).submit(read_jsonl(lines[:1])[0][1])
    real = (ap._path, ap._hash_rows)
    best: dict[str, float] = {}
    for _ in range(2):
        c0 = time.thread_time()
        read_jsonl(lines)
        best["parsing"] = min(best.get("parsing", 1e9), time.thread_time() - c0)
        best["total"] = min(best.get("total", 1e9), run(NativeHasher())[0])
        kernel[0] = 0.0
        ap._path, ap._hash_rows = (timed(f) for f in real)
        try:
            run(NativeHasher())
        finally:
            ap._path, ap._hash_rows = real
        best["kernels"] = min(best.get("kernels", 1e9), kernel[0])
        best["rest"] = min(best.get("rest", 1e9), run(_FakeHasher())[0])
        _, st = run(NativeHasher(), work / f"breakdown-{_}.sqlite")
        best["store"] = min(best.get("store", 1e9), st.cpu_s)
    prof = cProfile.Profile()
    prof.enable()
    run(_FakeHasher())
    prof.disable()
    by_file: dict[str, float] = collections.Counter()
    for (file, _, _), (_, _, tottime, _, _) in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
        key = next((k for k in ("sequencer/execute.py", "sequencer/batch.py", "sequencer/rollup.py",
                                "zksvs/merkle.py", "sequencer/sequencer.py", "sequencer/tx.py", "zksvs/",
                                Path(__file__).name)
                    if k in file), "other (dataclasses, builtins, threading)")  # fmt: skip
        by_file[key] += tottime
    stand_in = by_file.pop(Path(__file__).name, 0.0)  # the stand-in hasher's own Python: not execution
    prof_total = sum(by_file.values())
    execution = best["rest"] * prof_total / (prof_total + stand_in)

    def us(x: float) -> float:
        return round(x / n * 1e6, 1)

    out = {
        "txs": n,
        "total_us_per_tx": us(best["total"]),
        "hash_kernels_us_per_tx": us(best["kernels"]),
        "hash_glue_us_per_tx": us(max(0.0, best["total"] - execution - best["kernels"])),
        "parsing_us_per_tx": us(best["parsing"]),
        "execution_us_per_tx": us(execution),
        "store_committer_us_per_tx": us(best["store"]),
    }
    out["execution_split_pct"] = {k: round(100 * v / prof_total, 1) for k, v in by_file.most_common()}
    return out


# --- py-spy breakdown -------------------------------------------------------------------------------------------------

_EXECUTION = ("sequencer/execute.py", "sequencer/batch.py", "sequencer/rollup.py", "zksvs/", "<string>", "dataclasses")


def _category(leaf: str, names: list[str]) -> str:
    """The category of one sampled stack (``leaf`` = innermost frame)."""
    if "accel/poseidon.py" in leaf:
        return "hash kernels (numba)" if "unchecked" in leaf else "hash: int <-> limbs, dispatch"
    if "accel/merkle.py" in leaf:
        return "hash: path memo"
    if any("read_jsonl" in n or "_chunks" in n for n in names):
        return "tx parsing (JSON, parse_tx)"
    if "zksvs/merkle.py" in leaf:
        return "Merkle trees (zksvs.merkle)"
    if any(p in leaf for p in _EXECUTION):
        return "execution + trace recording"
    if "sequencer/store.py" in leaf or "json/encoder" in leaf:
        return "store: rows, JSON, sqlite"
    if "sequencer/sequencer.py" in leaf:
        return "sequencer facade (receipts, rows)"
    if "pipeline/sequence.py" in leaf:
        return "receipt latency bookkeeping"
    if "threading.py" in leaf:
        return "thread hand-off (locks, conditions)"
    return "other"


def profile_breakdown(raw: Path) -> dict[str, dict[str, float]]:
    """Share of py-spy samples per thread and category during the timed loop (start-up and imports left out)."""
    shares: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        names = [re.sub(r" \(([^:]*):\d+\)", r" (\1)", f) for f in frames[1:]]
        if not names:
            continue
        thread = "committer" if "group-commit" in frames[0] else "main" if "MainThread" in frames[0] else "other"
        in_loop = any("sequence_workload" in n for n in names)
        if thread == "main" and (not in_loop or any("__init__ (sequencer/sequencer.py)" in n for n in names)):
            continue  # imports, numba cache load, opening the database
        cat = _category(names[-1], names)
        shares[thread][cat] += int(count)
        total += int(count)
    out = {t: {c: round(100 * n / total, 1) for c, n in cs.most_common()} for t, cs in shares.items()}
    return out | {"samples": {"total": total}}


# --- the run ----------------------------------------------------------------------------------------------------------


def run_load(n_txs: int, work: Path, profile: bool = False, py_spy: bool = False) -> dict:
    """Every part of the module docstring (``profile``: add ``cpu_breakdown``; ``py_spy``: sample the run too)."""
    res: dict = {"txs": n_txs, "cpus": os.cpu_count(), "load_avg": {"start": _load()}}
    files = write_workload(work / "w", K, n_txs, SEED, accounts_per_rollup=32, account_depth=8, capacity=32)
    res["workload"] = {"burns": files.n_burns, "bridge_depth": files.bridge_depth, "lines": files.n_txs}
    raw = work / "profile.raw" if py_spy else None
    res["load_avg"]["before_sequence"] = _load()
    seq = _zksvs_sequence(files.txs, files.genesis, work / "o", raw)
    res["load_avg"]["after_sequence"] = _load()
    res["sequence"] = {k: v for k, v in seq.items() if k != "rss_samples_mib"}
    res["rss_slope_bytes_per_tx"] = round(_slope(seq["rss_samples_mib"]), 1)
    if raw is not None:
        res["py_spy"] = profile_breakdown(raw)
    wall, _, replayed = _timed(lambda: Sequencer.open(work / "o" / "sequencer.sqlite"))
    assert [str(r) for r in replayed.state_roots()] == seq["state_roots"], "replay must give the run's roots"
    assert replayed.next_seq == seq["txs"]
    trees = [t for r in replayed.rollups for t in (*r.burn_trees, *r.mint_trees)]
    entries = sum(len(level) for t in trees for level in t._tree._levels) + sum(t.next_index for t in trees)
    res["bridge_tree_entries"] = {"total": entries, "per_burn": round(entries / max(1, files.n_burns), 1)}
    replayed.close()
    res["replay"] = {"roots_equal": True, "s": round(wall, 1), "tx_per_s": round(seq["txs"] / wall, 1)}
    transfers = _transfers_only(files.genesis, max(1000, n_txs // 2), work)
    flat = _zksvs_sequence(transfers, files.genesis, work / "o-transfers", None)
    res["transfers_only"] = {
        "txs": flat["txs"],
        "rejected": flat["rejected"],
        "txs_per_s": flat["txs_per_s"],
        "txs_per_cpu_s": flat["txs_per_cpu_s"],
        "rss_mib": flat["rss_mib"],
        "rss_slope_bytes_per_tx": round(_slope(flat["rss_samples_mib"]), 1),
    }
    res["load_avg"]["before_peers"] = _load()
    res["peers"] = _peers(files.genesis, files.txs, work)
    if profile:
        res["cpu_breakdown"] = cpu_breakdown(files.genesis, files.txs, work)
    res["load_avg"]["end"] = _load()
    return res


def _table(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    s, p = res["sequence"], res["peers"]
    t = Table(title=f"sequencer load: {res['txs']:,} txs, K = {K}, {res['cpus']} CPUs, load {res['load_avg']}")
    t.add_column("figure")
    t.add_column("value", justify="right")
    rows = [
        ("tx/s (wall), durable", f"{s['txs_per_s']:,.0f}"),
        ("tx per CPU-second (all threads)", f"{s['txs_per_cpu_s']:,.0f}"),
        ("receipt latency p50 / p99 / max (ms)", f"{s['p50_ms']} / {s['p99_ms']} / {s['max_ms']}"),
        ("accepted / rejected", f"{s['accepted']:,} / {s['rejected']:,}"),
        ("commits (mean group)", f"{s['commit_groups']:,} ({s['mean_group']})"),
        ("store CPU µs/tx (committer thread), busy share", f"{s['store_cpu_us_per_tx']}, {s['store_busy_share']}"),
        ("RSS first / peak / last (MiB)", "{first} / {peak} / {last}".format(**s["rss_mib"])),
        ("RSS slope, mixed (bytes/tx)", f"{res['rss_slope_bytes_per_tx']}"),
        ("bridge-tree entries (nodes + leaves) per burn", f"{res['bridge_tree_entries']['per_burn']}"),
        ("RSS slope, transfers only (bytes/tx)", f"{res['transfers_only']['rss_slope_bytes_per_tx']}"),
        ("replay: roots equal / tx/s", f"{res['replay']['roots_equal']} / {res['replay']['tx_per_s']:,.0f}"),
        (
            "tx/s: in memory / commit each / group commit",
            f"{p['memory']['tx_per_s']} / {p['commit_each']['tx_per_s']} / {p['group_commit']['tx_per_s']}",
        ),
        (
            "store CPU µs/tx: commit each / group commit",
            f"{p['commit_each']['store_cpu_us_per_tx']} / {p['group_commit']['store_cpu_us_per_tx']}",
        ),
        (
            "store busy µs/tx (COMMIT + fsync): each / group",
            f"{p['commit_each']['store_busy_us_per_tx']} / {p['group_commit']['store_busy_us_per_tx']}",
        ),
        (
            "mean group: commit each / group commit",
            f"{p['commit_each']['mean_group']} / {p['group_commit']['mean_group']}",
        ),
        (
            "tx per CPU-s, Python / native hasher",
            "{tx_per_cpu_s_python_hasher} / {tx_per_cpu_s_native_hasher}".format(**p),
        ),
    ]
    for r in rows:
        t.add_row(*r)
    Console().print(t)
    if "cpu_breakdown" in res:
        b = res["cpu_breakdown"]
        bt = Table(title=f"where the CPU goes (µs per transaction, in memory, first {b['txs']:,} lines)")
        bt.add_column("part")
        bt.add_column("µs/tx", justify="right")
        for k, v in b.items():
            if k.endswith("_us_per_tx"):
                bt.add_row(k.removesuffix("_us_per_tx").replace("_", " "), f"{v}")
        for k, v in b["execution_split_pct"].items():
            bt.add_row(f"  execution: {k}", f"{v} %")
        Console().print(bt)
    if "py_spy" in res:
        pt = Table(title="py-spy samples in the timed loop (% of all threads; GIL waits count where they wait)")
        pt.add_column("thread")
        pt.add_column("category")
        pt.add_column("%", justify="right")
        for thread, cats in res["py_spy"].items():
            if thread != "samples":
                for c, v in cats.items():
                    pt.add_row(thread, c, f"{v}")
        Console().print(pt)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the load test, print the table, optionally write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--txs", type=int, default=N_TXS)
    ap.add_argument("--profile", action="store_true", help="break the CPU per transaction down by instrumentation")
    ap.add_argument("--py-spy", action="store_true", help="also sample the zksvs sequence run with py-spy")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="zksvs-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        res = run_load(args.txs, work, args.profile, args.py_spy)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    _table(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    return 0


def test_sequencer_load(benchmark, tmp_path, request):
    full = request.config.getoption("--bench-full") or "ZKSVS_LOAD_TXS" in os.environ
    n = N_TXS if full else QUICK_TXS
    benchmark.group = f"sequencer load K={K} txs={n}"
    res = benchmark.pedantic(run_load, args=(n, tmp_path), rounds=1, iterations=1)
    assert res["replay"]["roots_equal"] and res["transfers_only"]["rejected"] == 0
    benchmark.extra_info.update(res)


if __name__ == "__main__":
    sys.exit(main())

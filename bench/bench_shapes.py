"""Bigger shapes (issue 13 §3): constraints, time per stage and peak memory of one rollup's batch proof as B and D grow.

Commands (docs/scaling.md, "Bigger shapes", has the figures they gave)::

    python -m bench.bench_shapes counts --k 8 --m 16 --ds 20,32 --bs 64,256
        exact constraint counts: the circuit is B identical slots, a fixed part and the commitment's Poseidon
        sponge (counted from its chunks), so two builds (B = 1, 2) give every B; checked against a third (B = 4)
    python -m bench.bench_shapes sweep --k 8 --m 16 --ds 20,32 --bs 1,2,4,8 --out DIR [--max-gib 10]
        one fresh process per (D, B) (``one``): circuit build, matrices, development setup, witness, prove (per
        stage), verify; wall seconds and RSS after each stage, peak RSS; stops a D's sweep once a run's peak passes
        half of --max-gib (the next B doubles it)
    python -m bench.bench_shapes report --out DIR [--targets 64,256]
        the measured table, the per-constraint model fitted on the largest runs, the extrapolation to the targets
        (time, memory, and settlement gas from ``verifier.gas.settlement_gas``) and a PNG

The pytest item ``test_batch_proof_stages`` runs one small point (K = 8, B = 2, D = 20) so the suite checks that the
tool works; the sweep itself is run by hand (multi-GB, minutes to hours: never in the default test suite).

Workload of a point: B transfers on rollup 0 (account 0 → 1), so rollup 0's batch is full and every slot of the
proven batch is a transaction; its witness is the one proven.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GIB = 1 << 30


def _rss() -> int:
    """Resident set size now, bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak() -> int:
    """Peak resident set size of this process so far, bytes (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def shape_genesis(k: int, b: int, d: int, m: int) -> dict:
    return {
        "n_rollups": k,
        "account_depth": d,
        "bridge_depth": m,
        "capacity": b,
        "rollups": [
            {"chain_id": c, "accounts": [{"index": 0, "balance": 10**9}, {"index": 1, "balance": 0}]} for c in range(k)
        ],
    }


def count_constraints(k: int, b: int, d: int, m: int) -> tuple[int, int]:
    """(constraints, wires) of the batch circuit, built (shape only)."""
    from circuits.batch import build_batch_circuit
    from zksvs.trace import BatchShape

    c = build_batch_circuit(BatchShape(k, b, d, m))
    return c.r1cs.n_constraints, c.r1cs.n_wires


def sponge_cost(b: int) -> int:
    """Constraints (and wires: one per constraint) of the batch commitment's Poseidon sponge over the 5·B slot words
    (``zksvs.statement.sponge_chunks``: 16 words, then the running hash beside 15 more): not linear in B."""
    from circuits.gadgets.poseidon import poseidon_cost
    from zksvs.statement import SLOT_WORDS, sponge_chunks

    chunks = sponge_chunks(SLOT_WORDS * b)
    return sum(poseidon_cost(end - start + (i > 0)) for i, (start, end) in enumerate(chunks))


def linear_counts(k: int, d: int, m: int) -> dict:
    """Constraints and wires per slot and outside the slots and the sponge, from builds at B = 1 and 2, checked at
    B = 4. The circuit has ``fixed + B·per_slot + sponge_cost(B)`` constraints (``constraints_at``)."""
    n1, w1 = (x - sponge_cost(1) for x in count_constraints(k, 1, d, m))
    n2, w2 = (x - sponge_cost(2) for x in count_constraints(k, 2, d, m))
    lin = {"per_slot": n2 - n1, "fixed": 2 * n1 - n2, "wires_per_slot": w2 - w1, "wires_fixed": 2 * w1 - w2}
    assert count_constraints(k, 4, d, m) == constraints_at(lin, 4), "the batch circuit is not fixed + B·slot + sponge"
    return lin


def constraints_at(lin: dict, b: int) -> tuple[int, int]:
    """(constraints, wires) of the batch circuit with B slots, from ``linear_counts``."""
    s = sponge_cost(b)
    return lin["fixed"] + b * lin["per_slot"] + s, lin["wires_fixed"] + b * lin["wires_per_slot"] + s


def measure_point(k: int, b: int, d: int, m: int) -> dict:
    """Every stage of one rollup's batch proof at (K, B, D, M) in this process: seconds, RSS after, peak RSS."""
    from circuits.batch import assign_batch_witness, build_batch_circuit
    from prover import InsecureSetupWarning, prove_with_timings, setup, warmup
    from sequencer import Sequencer
    from sequencer.genesis import genesis_from_obj
    from verifier.groth16 import verify_proof

    warnings.simplefilter("ignore", InsecureSetupWarning)
    out: dict = {"k": k, "b": b, "d": d, "m": m, "stages": {}, "rss_after": {}, "load_1min": [os.getloadavg()[0]]}
    warmup()
    out["rss_after"]["start"] = _rss()

    def stage(name, fn):
        t0 = time.perf_counter()
        v = fn()
        out["stages"][name] = round(time.perf_counter() - t0, 3)
        out["rss_after"][name] = _rss()
        return v

    seq = Sequencer(genesis_from_obj(shape_genesis(k, b, d, m)))
    for i in range(b):
        seq.submit({"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": 1, "nonce": i}, i + 1)
    seq.close_batch()
    (shared,) = seq.pop_closed()
    trace = shared.traces[0]
    circuit = stage("circuit build", lambda: build_batch_circuit(trace.shape))
    out["n_constraints"], out["n_wires"] = circuit.r1cs.n_constraints, circuit.r1cs.n_wires
    matrices = stage("matrices", lambda: circuit.r1cs.to_matrices(include_c=True))
    out["nnz"] = int(sum(mat.rows.size for mat in (matrices.A, matrices.B, matrices.C)))
    out["matrices_bytes"] = int(
        sum(x.nbytes for mat in (matrices.A, matrices.B, matrices.C) for x in (mat.rows, mat.wires, mat.coeffs))
    )
    pk = stage("setup", lambda: setup(circuit.r1cs, seed="bench/shapes"))
    out["domain_size"] = pk.domain_size
    out["pk_bytes"] = int(sum(a.nbytes for a in (pk.a_query, pk.b_g1_query, pk.b_g2_query, pk.c_query, pk.h_query)))
    witness = stage("witness", lambda: assign_batch_witness(circuit, trace))
    proof, timing = stage("prove", lambda: prove_with_timings(circuit.r1cs, pk, witness, matrices=matrices, r=1, s=2))
    out["prove_stages"] = {"check": round(timing.check_seconds, 3)} | {n: round(v, 3) for n, v in timing.stages.items()}
    ok = stage("verify", lambda: verify_proof(pk.vk, proof, trace.statement().public_inputs()))
    assert ok, "the proof does not verify"
    out["peak_rss"] = _peak()
    out["load_1min"].append(os.getloadavg()[0])
    return out


def run_point(k: int, b: int, d: int, m: int, out_dir: Path) -> dict:
    """``measure_point`` in a fresh process (its peak RSS is that point's alone)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"K{k}-B{b}-D{d}-M{m}.json"
    cmd = [sys.executable, "-m", "bench.bench_shapes", "one", str(k), str(b), str(d), str(m), str(path)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}\n{proc.stderr[-3000:]}")
    return json.loads(path.read_text())


@pytest.mark.filterwarnings("ignore::prover.dev_setup.InsecureSetupWarning")
def test_batch_proof_stages(benchmark, tmp_path):
    benchmark.group = "batch proof stages K=8 B=2 D=20 M=16"
    r = benchmark.pedantic(run_point, args=(8, 2, 20, 16, tmp_path), rounds=1, iterations=1)
    lin = linear_counts(8, 20, 16)
    assert r["n_constraints"] == constraints_at(lin, 2)[0]
    assert r["peak_rss"] > r["pk_bytes"]
    benchmark.extra_info.update(r | {"linear_counts": lin})


# --- the model ----------------------------------------------------------------------------------------------------

#: Stages whose cost grows as n·log2(n) (NTTs); every other stage is modelled as linear in its size, but
_NLOGN = {"witness map (QAP)"}
#: stages whose cost does not depend on the circuit's size (pairings on 4 public inputs): their largest-point seconds
_CONSTANT = {"verify"}


def fit(points: list[dict]) -> dict:
    """Per-unit costs from the largest measured point of a D: seconds per constraint for each stage (per
    n·log2 n for the QAP), bytes per constraint for the builder's R1CS, bytes per non-zero for the matrices."""
    p = max(points, key=lambda q: q["n_constraints"])
    n = p["n_constraints"]
    r = p["rss_after"]
    per = {name: s / n for name, s in p["stages"].items() if name not in _CONSTANT}
    per_prove = {
        name: s / (p["domain_size"] * math.log2(p["domain_size"]) if name in _NLOGN else n)
        for name, s in p["prove_stages"].items()
    }
    return {
        "from": {"b": p["b"], "d": p["d"], "n_constraints": n, "load_1min": p["load_1min"]},
        "constant_s": {name: s for name, s in p["stages"].items() if name in _CONSTANT},
        "s_per_constraint": per,
        "prove_s_per_unit": per_prove,
        "builder_bytes_per_constraint": (r["circuit build"] - r["start"]) / n,
        "nnz_per_constraint": p["nnz"] / n,
        "wires_per_constraint": p["n_wires"] / n,
        # the process before the circuit (interpreter, numba, kernels) is a constant, not a per-constraint part
        "baseline_bytes": r["start"],
        "peak_over_parts": (p["peak_rss"] - r["start"])
        / (r["circuit build"] - r["start"] + p["matrices_bytes"] + p["pk_bytes"]),
    }


def predict(model: dict, n: int, n_wires: int) -> dict:
    """Seconds per stage, prover and builder memory (bytes) for a batch circuit of ``n`` constraints."""
    domain = 1 << math.ceil(math.log2(n + 1))
    stages = {name: c * n for name, c in model["s_per_constraint"].items() if name != "prove"}
    prove = {
        name: c * (domain * math.log2(domain) if name in _NLOGN else n) for name, c in model["prove_s_per_unit"].items()
    }
    stages["prove"] = sum(prove.values())
    stages |= model["constant_s"]
    builder = model["builder_bytes_per_constraint"] * n
    pk = 320 * n_wires + 64 * domain  # a, b1, c (64 B each), b2 (128 B) per wire; h 64 B per domain point
    matrices = 48 * model["nnz_per_constraint"] * n  # int64 row, int64 wire, 4 × uint64 coefficient
    return {
        "domain_size": domain,
        "stages_s": stages,
        "prove_stages_s": prove,
        "builder_bytes": builder,
        "pk_bytes": pk,
        "matrices_bytes": matrices,
        "peak_bytes": model["baseline_bytes"] + model["peak_over_parts"] * (builder + pk + matrices),
    }


def settlement_gas_row(k: int, b: int) -> dict:
    """The L1's gas for one shared batch of K rollups of capacity B (``verifier.gas.settlement_gas``: the model of
    SharedSettlement.sol, calibrated on the EVM)."""
    from verifier.gas import settlement_gas

    g = settlement_gas(k, b)
    return {mode: g.shared_batch(mode).tx_total for mode in ("openings", "proof", "both")}


def main(argv: list[str]) -> None:
    import argparse

    if argv[:1] == ["one"]:
        k, b, d, m, path = argv[1:]
        Path(path).write_text(json.dumps(measure_point(int(k), int(b), int(d), int(m)), indent=1) + "\n")
        return
    ap = argparse.ArgumentParser(prog="python -m bench.bench_shapes")
    ap.add_argument("command", choices=["counts", "sweep", "report"])
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ds", default="20,32")
    ap.add_argument("--bs", default="1,2,4,8")
    ap.add_argument("--targets", default="64,256")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--max-gib", type=float, default=10.0)
    a = ap.parse_args(argv)
    ds = [int(x) for x in a.ds.split(",")]
    if a.command == "counts":
        for d in ds:
            lin = linear_counts(a.k, d, a.m)
            rows = {t: constraints_at(lin, t)[0] for t in map(int, a.bs.split(","))}
            print(json.dumps({"k": a.k, "d": d, "m": a.m, **lin, "constraints": rows}))
        return
    a.out.mkdir(parents=True, exist_ok=True)
    if a.command == "sweep":
        for d in ds:
            for b in map(int, a.bs.split(",")):
                r = run_point(a.k, b, d, a.m, a.out)
                print(json.dumps({x: r[x] for x in ("b", "d", "n_constraints", "stages", "peak_rss")}), flush=True)
                if r["peak_rss"] > a.max_gib * GIB / 2:
                    break
        return
    report(a.out, a.k, a.m, ds, [int(x) for x in a.targets.split(",")])


def report(out: Path, k: int, m: int, ds: list[int], targets: list[int]) -> None:
    """Table of the measured points, the fitted model, the predictions for ``targets`` and a PNG."""
    points = [json.loads(p.read_text()) for p in sorted(out.glob(f"K{k}-B*-D*-M{m}.json"))]
    result: dict = {"measured": points, "models": {}, "predicted": []}
    for d in ds:
        pts = [p for p in points if p["d"] == d]
        if not pts:
            continue
        model = fit(pts)
        lin = linear_counts(k, d, m)
        result["models"][d] = model | {"linear_counts": lin}
        for b in targets:
            n, w = constraints_at(lin, b)
            result["predicted"].append(
                {"k": k, "b": b, "d": d, "m": m, "n_constraints": n, "n_wires": w}
                | predict(model, n, w)
                | {"gas": settlement_gas_row(k, b)}
            )
    (out / "shapes.json").write_text(json.dumps(result, indent=1) + "\n")
    _plot(result, out / "shapes.png")
    for p in sorted(points, key=lambda q: (q["d"], q["b"])):
        print(
            f"measured D={p['d']} B={p['b']}: {p['n_constraints']:,} constraints, "
            + ", ".join(f"{n} {s:.1f} s" for n, s in p["stages"].items())
            + f", peak {p['peak_rss'] / GIB:.2f} GiB, load {p['load_1min']}"
        )
    for p in result["predicted"]:
        print(
            f"model D={p['d']} B={p['b']}: {p['n_constraints']:,} constraints (2^{int(math.log2(p['domain_size']))}"
            " domain), "
            + ", ".join(f"{n} {s / 60:.1f} min" for n, s in p["stages_s"].items())
            + f", peak {p['peak_bytes'] / GIB:.1f} GiB (builder {p['builder_bytes'] / GIB:.1f}, key "
            f"{p['pk_bytes'] / GIB:.1f}, matrices {p['matrices_bytes'] / GIB:.1f}), gas {p['gas']}"
        )


def _plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for i, d in enumerate(sorted({p["d"] for p in result["measured"]})):
        pts = sorted((p for p in result["measured"] if p["d"] == d), key=lambda q: q["n_constraints"])
        pred = sorted((p for p in result["predicted"] if p["d"] == d), key=lambda q: q["n_constraints"])
        n = [p["n_constraints"] for p in pts]
        axes[0].plot(n, [sum(p["stages"].values()) for p in pts], "o", color=f"C{i}", label=f"D={d} measured")
        axes[0].plot(
            [p["n_constraints"] for p in pred],
            [sum(p["stages_s"].values()) for p in pred],
            "x--",
            color=f"C{i}",
            label=f"D={d} model (B={', '.join(str(p['b']) for p in pred)})",
        )
        axes[1].plot(n, [p["peak_rss"] / GIB for p in pts], "o", color=f"C{i}", label=f"D={d} measured")
        axes[1].plot(
            [p["n_constraints"] for p in pred],
            [p["peak_bytes"] / GIB for p in pred],
            "x--",
            color=f"C{i}",
            label=f"D={d} model",
        )
    axes[0].set_ylabel("seconds, every stage (build … verify)")
    axes[1].set_ylabel("peak RSS, GiB")
    axes[1].axhline(24, color="red", ls=":", label="this machine: 24 GiB")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("constraints of one rollup's batch circuit (K = 8)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])

"""``zksvs bench``: the circom drop-in benchmark (snarkjs, groth16py, zksvs on one .zkey + .wtns) and its reports.

``run_bench`` builds each size's circuit and keys (``bench.circom.build``, cached under ``build/circom``), runs the
provers (``bench.dropin``), verifies every proof with snarkjs, and writes a rich table, a JSON file and a PNG plot.
Given a baseline JSON from an earlier run, ``compare`` lists the (size, prover, stage) medians that got slower beyond
noise. The measuring side lives in ``bench/`` (it needs the checkout: node_modules, the circom sources, and the
GPL-3.0 groth16py peer, which the product never imports); this module imports it only inside ``run_bench``.

Regression rule (the idea of pytest-benchmark's ``--benchmark-compare-fail=median:15%``, plus a noise floor): a
median is *slower* when ``current > baseline·(1 + threshold)`` **and** ``current − baseline > mad_k·noise``, where
``noise`` is the larger of the two runs' median absolute deviations. Both must hold, so a jittery stage does not
alarm on a 15 % wobble and a steady one does not alarm on a sub-noise change.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from pipeline.progress import make_console, render_table, write_json
from zksvs.errors import ToolchainError

DEFAULT_SIZES = (12, 14, 16)
LARGE_SIZES = (18, 20)
#: Sizes proved on our own R1CS (``bench.synthetic``: a mixed squaring/boolean chain with development keys) instead
#: of a circom Poseidon chain: compiling 2^20 with circom2 takes more than half an hour on 2 cores.
SYNTHETIC_SIZES = (20,)
DEFAULT_PROVERS = ("snarkjs", "groth16py", "groth16py-process", "zksvs", "zksvs-inproc", "zksvs-server")
JSON_NAME = "bench-dropin.json"
PLOT_NAME = "bench-dropin.png"
HELD_OUT_JSON = "bench-heldout.json"
HELD_OUT_PLOT = "bench-heldout.png"


# --- regression compare (pure Python) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regression:
    """One median that moved beyond noise between a baseline and a current run.

    Attributes
    ----------
    log_n : int
        Size (domain 2^log_n).
    prover : str
        e.g. ``"zksvs-inproc"``.
    stage : str
        ``"total"`` (whole prove) or a stage name from ``prove_from_zkey``'s ``stage_seconds``.
    baseline_s, current_s : float
        Medians, seconds.
    noise_s : float
        The larger of the two median absolute deviations, seconds.
    """

    log_n: int
    prover: str
    stage: str
    baseline_s: float
    current_s: float
    noise_s: float

    @property
    def ratio(self) -> float:
        """current / baseline (> 1 is slower)."""
        return self.current_s / self.baseline_s if self.baseline_s > 0 else math.inf


@dataclass
class Comparison:
    """Result of ``compare``: what got slower, what got faster, and what could not be compared."""

    slower: list[Regression] = field(default_factory=list)
    faster: list[Regression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        row = lambda r: {  # noqa: E731
            "log_n": r.log_n, "prover": r.prover, "stage": r.stage, "baseline_s": r.baseline_s,
            "current_s": r.current_s, "noise_s": r.noise_s, "ratio": r.ratio,
        }  # fmt: skip
        return {"slower": [row(r) for r in self.slower], "faster": [row(r) for r in self.faster], "notes": self.notes}


def _mad(xs: Sequence[float]) -> float:
    if len(xs) < 2:
        return 0.0
    m = statistics.median(xs)
    return statistics.median(abs(x - m) for x in xs)


def _series(prover_json: dict) -> dict[str, list[float]]:
    """Samples per stage of one prover's JSON: ``"total"`` from ``times_s``, plus ``stages_s`` entries."""
    out = {"total": list(prover_json.get("times_s", []))}
    out.update({k: list(v) for k, v in prover_json.get("stages_s", {}).items()})
    return {k: v for k, v in out.items() if v}


def compare(current: dict, baseline: dict, threshold: float = 0.15, mad_k: float = 3.0) -> Comparison:
    """Compare two ``run_bench`` JSON results, size by size, prover by prover, stage by stage.

    Parameters
    ----------
    current, baseline : dict
        ``run_bench`` JSON (``{"sizes": [{"log_n", "provers": {name: {"times_s", "stages_s"}}}], ...}``).
    threshold : float
        Relative slowdown that counts (0.15 = 15 %).
    mad_k : float
        The slowdown must also exceed ``mad_k`` × the larger median absolute deviation.

    Returns
    -------
    Comparison
        ``slower`` (sorted worst ratio first), ``faster`` (by the mirrored rule), and ``notes`` for sizes, provers
        or stages present on one side only and for a machine that differs (CPU count, numba threads).
    """
    if threshold < 0 or mad_k < 0:
        raise ValueError(f"threshold and mad_k must be ≥ 0, not {threshold}, {mad_k}")
    res = Comparison()
    mc, mb = current.get("machine", {}), baseline.get("machine", {})
    for key in ("cpu_count", "numba_num_threads"):
        if mc.get(key) != mb.get(key):
            res.notes.append(f"machine differs: {key} {mb.get(key)} (baseline) vs {mc.get(key)} (current)")
    cur = {s["log_n"]: s for s in current.get("sizes", [])}
    base = {s["log_n"]: s for s in baseline.get("sizes", [])}
    for log_n in sorted(set(cur) | set(base)):
        if log_n not in cur or log_n not in base:
            res.notes.append(f"2^{log_n}: only in the {'current' if log_n in cur else 'baseline'} run")
            continue
        pc, pb = cur[log_n].get("provers", {}), base[log_n].get("provers", {})
        for prover in sorted(set(pc) | set(pb)):
            if prover not in pc or prover not in pb:
                res.notes.append(f"2^{log_n} {prover}: only in the {'current' if prover in pc else 'baseline'} run")
                continue
            sc, sb = _series(pc[prover]), _series(pb[prover])
            for stage in sorted(set(sc) | set(sb), key=lambda s: (s != "total", s)):
                if stage not in sc or stage not in sb:
                    where = "current" if stage in sc else "baseline"
                    res.notes.append(f"2^{log_n} {prover} stage {stage!r}: only in the {where} run")
                    continue
                mc_, mb_ = statistics.median(sc[stage]), statistics.median(sb[stage])
                noise = max(_mad(sc[stage]), _mad(sb[stage]))
                r = Regression(log_n, prover, stage, mb_, mc_, noise)
                if mc_ > mb_ * (1 + threshold) and mc_ - mb_ > mad_k * noise:
                    res.slower.append(r)
                elif mb_ > mc_ * (1 + threshold) and mb_ - mc_ > mad_k * noise:
                    res.faster.append(r)
    res.slower.sort(key=lambda r: -r.ratio)
    res.faster.sort(key=lambda r: r.ratio)
    return res


def load_results(path: str | Path) -> dict:
    """Read a ``run_bench`` JSON file; raises ``ValueError`` naming the file if it is not one."""
    obj = json.loads(Path(path).read_text())
    if not isinstance(obj, dict) or "sizes" not in obj:
        raise ValueError(f"{path}: not a zksvs bench JSON (no 'sizes')")
    return obj


# --- rendering ------------------------------------------------------------------------------------------------------

_MIB = 1024 * 1024


def _ratio(provers: dict, name: str, peer: str) -> float | str:
    if peer not in provers or peer == name:
        return "—"
    return provers[name]["median_s"] / provers[peer]["median_s"]


def results_table(results: dict):
    """Rich table: one row per (size, prover): min/median s, ns/constraint, peak RSS, ratios, verified."""
    rows = []
    for s in results["sizes"]:
        prov = s["provers"]
        for name, p in prov.items():
            rows.append([
                s.get("circuit", ""), f"2^{s['log_n']}", s["n_constraints"], name, p["mode"], p["min_s"], p["median_s"],
                p["median_s"] * 1e9 / s["n_constraints"], (p["peak_rss_max_bytes"] or 0) / _MIB,
                _ratio(prov, name, "snarkjs"), _ratio(prov, name, "groth16py"),
                _ratio(prov, name, "groth16py-process"), "yes" if p["verified"] else "NO",
            ])  # fmt: skip
        for name, why in s.get("unavailable", {}).items():
            dash = ["—"] * 8
            rows.append([s.get("circuit", ""), f"2^{s['log_n']}", s["n_constraints"], name, *dash, why])
    cols = ["circuit", "size", "constraints", "prover", "mode", "min s", "median s", "ns/constraint", "peak RSS MiB",
            "÷ snarkjs", "÷ groth16py", "÷ groth16py proc", "verified"]  # fmt: skip
    m = results.get("machine", {})
    caption = (
        f"{results.get('runs')} timed runs after {results.get('warmup')} warm-up; {m.get('cpu_count')} CPUs, numba "
        f"{m.get('numba')} ({m.get('numba_num_threads')} threads), snarkjs {m.get('snarkjs')}, groth16py "
        f"{m.get('groth16py')}; load average at start {m.get('load_average_1_5_15')}"
    )
    return render_table("circom drop-in: Groth16 prove on the same .zkey + .wtns", cols, rows, caption)


def stages_table(results: dict):
    """Rich table of zksvs's stage split (median ms per stage, per size), or None when no stages were recorded."""
    sizes = [s for s in results["sizes"] if s["provers"].get("zksvs-inproc", {}).get("stages_s")]
    if not sizes:
        return None
    names: list[str] = []
    for s in sizes:
        names += [n for n in s["provers"]["zksvs-inproc"]["stages_s"] if n not in names]
    rows = []
    for n in names:
        row: list[Any] = [n]
        for s in sizes:
            v = s["provers"]["zksvs-inproc"]["stages_s"].get(n)
            row.append(statistics.median(v) * 1000 if v else "—")
        rows.append(row)
    cols = ["stage", *[f"2^{s['log_n']}" for s in sizes]]
    return render_table("zksvs prove stages (in-process, median ms)", cols, rows)


def comparison_table(cmp: Comparison):
    """Rich table of the slower (and faster) medians of a ``Comparison``."""
    rows = [
        [kind, f"2^{r.log_n}", r.prover, r.stage, r.baseline_s * 1000, r.current_s * 1000, r.noise_s * 1000, r.ratio]
        for kind, rs in (("SLOWER", cmp.slower), ("faster", cmp.faster))
        for r in rs
    ]
    cols = ["", "size", "prover", "stage", "baseline ms", "current ms", "noise ms", "ratio"]
    return render_table("regression check against the baseline", cols, rows, caption="; ".join(cmp.notes))


def write_plot(results: dict, path: str | Path) -> Path:
    """PNG: median prove time (min–max bars) vs log2(constraints), one line per prover, log-scale time axis.

    Sizes of one circuit family (the Poseidon chains) are joined by lines; different circuits (``--held-out``) are
    marked only, each named under its position.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    sizes = sorted(results["sizes"], key=lambda s: s["n_constraints"])
    families = {s.get("circuit", "").split("-")[0] for s in sizes}
    provers: list[str] = []
    for s in sizes:
        provers += [p for p in s["provers"] if p not in provers]
    for name in provers:
        pts = [(math.log2(s["n_constraints"]), s["provers"][name]) for s in sizes if name in s["provers"]]
        xs = [x for x, _ in pts]
        med = [p["median_s"] for _, p in pts]
        lo = [p["median_s"] - p["min_s"] for _, p in pts]
        hi = [max(p["times_s"]) - p["median_s"] for _, p in pts]
        mode = pts[0][1]["mode"] if pts else ""
        style = "-" if len(families) <= 1 else "none"
        ax.errorbar(xs, med, yerr=[lo, hi], marker="o", capsize=3, linestyle=style, label=f"{name} ({mode})")
    ax.set_yscale("log")
    ax.set_xlabel("log2(constraints)")
    if len(families) > 1:
        xs = [math.log2(s["n_constraints"]) for s in sizes]
        ax.set_xticks(xs, [f"{x:.1f}\n{s.get('circuit', '')}" for x, s in zip(xs, sizes)])
    ax.set_ylabel("prove time, seconds (median; bars: min–max)")
    m = results.get("machine", {})
    ax.set_title(f"Groth16 prove, {', '.join(sorted(families))} ({m.get('cpu_count')} CPUs)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


# --- the run --------------------------------------------------------------------------------------------------------


@dataclass
class BenchReport:
    """What ``run_bench`` produced: the results dict (as written to JSON), file paths, and the comparison."""

    results: dict
    json_path: Path
    plot_path: Path | None
    comparison: Comparison | None = None

    @property
    def regressed(self) -> bool:
        """True when a baseline was given and some median is slower beyond noise."""
        return bool(self.comparison and self.comparison.slower)


def _dropin():
    """The checkout's ``bench.dropin`` (the harness is not installed: it lives next to ``pipeline/`` in a checkout).

    An editable or ``pip install .`` puts only the packages on the import path, so the checkout root is added when
    ``bench/dropin.py`` is there. Raises ``ToolchainError`` (one line) when it is not: a wheel install has no harness.
    """
    root = Path(__file__).resolve().parents[1]
    if (root / "bench" / "dropin.py").is_file() and str(root) not in sys.path:
        sys.path.append(str(root))
    try:
        from bench import dropin
    except ImportError as e:
        why = f"zksvs bench runs from a source checkout (bench/ beside pipeline/), not {root}: {e}"
        raise ToolchainError(why) from e
    return dropin


def run_bench(
    sizes: Sequence[int] = DEFAULT_SIZES,
    out_dir: str | Path = "zksvs-out/bench",
    baseline: str | Path | dict | None = None,
    *,
    runs: int = 3,
    warmup: int = 1,
    provers: Sequence[str] = DEFAULT_PROVERS,
    keys: str = "auto",
    threshold: float = 0.15,
    mad_k: float = 3.0,
    plot: bool = True,
    console: Console | None = None,
    held_out: bool = False,
) -> BenchReport:
    """Run the circom drop-in benchmark at each size and write table, JSON and plot; compare with a baseline.

    Parameters
    ----------
    sizes : sequence of int
        log2 of the domain; each size proves a circomlib Poseidon(2) chain filling 2^k (12 → 4,080 constraints,
        14 → 16,320, 16 → 65,520, 18 → 262,080), except ``SYNTHETIC_SIZES`` (2^20: 1,048,573 constraints of our
        own mixed chain, ``bench.synthetic``). Keys: snarkjs from ../shared/anchors/ptau up to 2^16; development
        keys above (``keys="auto"``).
    out_dir : path
        Receives ``bench-dropin.json`` and ``bench-dropin.png``.
    baseline : path or dict, optional
        An earlier ``bench-dropin.json``; the result's ``comparison`` lists medians slower beyond noise.
    runs, warmup : int
        Timed rounds (≥ 1; ≥ 3 for medians that mean something) and untimed warm-up rounds per prover.
    provers : sequence of str
        Subset of ``("snarkjs", "groth16py", "zksvs", "zksvs-inproc")``; snarkjs always runs (its public.json is
        the reference).
    keys : {"auto", "snarkjs", "dev"}
    threshold, mad_k : float
        Regression rule (module docstring).
    plot : bool
        Write the PNG.
    console : rich Console, optional
        Where tables go (default: stderr).
    held_out : bool
        Instead of ``sizes``: the held-out circom circuits (``bench.circom.build.held_out_specs``: a MiMC chain, a
        Pedersen hash, SHA-256 of 512 bits; keys by snarkjs), written to ``bench-heldout.json`` / ``.png``.

    Returns
    -------
    BenchReport

    Raises
    ------
    bench.dropin.BadProof
        Some prover produced a proof snarkjs rejects (the benchmark fails rather than report its time).
    ValueError
        Unknown prover, or a size with no key source.
    RuntimeError
        A prover, circom2 or snarkjs process failed (its output is in the message).
    ToolchainError
        The checkout's ``bench/`` package is missing (``zksvs bench`` runs from a source checkout).
    """
    unknown = set(provers) - set(DEFAULT_PROVERS)
    if unknown:
        raise ValueError(f"unknown prover(s) {sorted(unknown)}; choose from {list(DEFAULT_PROVERS)}")
    dropin = _dropin()
    if console is None:
        console = make_console()
        if not console.is_terminal:
            console.width = max(console.width, 180)  # logs and pipes: keep the 11-column table readable
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = load_results(baseline) if isinstance(baseline, str | Path) else baseline
    results: dict[str, Any] = {
        "schema": dropin.SCHEMA,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": dropin.machine_info(),
        "runs": runs,
        "warmup": warmup,
        "provers": list(provers),
        "sizes": [],
    }
    json_path = out / (HELD_OUT_JSON if held_out else JSON_NAME)
    cases: list[tuple[int, Any]] = []
    if held_out:
        from bench.circom.build import build, held_out_specs

        for spec in held_out_specs():
            console.print(f"[bold]{spec.name}[/bold]: compiling with circom2 and keying with snarkjs (cached) …")
            built = build(spec, keys="snarkjs")
            cases.append((built.log_n, built))
    else:
        cases = [(log_n, None) for log_n in sizes]
    for log_n, built in cases:
        console.print(f"[bold]2^{log_n}[/bold]: building circuit and keys, then proving with {', '.join(provers)} …")
        if built is None and log_n in SYNTHETIC_SIZES:
            from bench.synthetic import build_synthetic

            console.print(f"2^{log_n}: our own R1CS (mixed chain), development keys, written as .zkey + .wtns")
            built = build_synthetic(log_n)
        size = dropin.bench_size(
            log_n, provers=provers, runs=runs, warmup=warmup, keys=keys, work_root=out / "work", built=built
        )
        results["sizes"].append(size)
        write_json(results, json_path)  # after each size, so a long sweep keeps what it measured
    console.print(results_table(results))
    st = stages_table(results)
    if st is not None:
        console.print(st)
    plot_path = write_plot(results, out / (HELD_OUT_PLOT if held_out else PLOT_NAME)) if plot else None
    cmp = None
    if base is not None:
        cmp = compare(results, base, threshold=threshold, mad_k=mad_k)
        results["comparison"] = cmp.to_json()
        console.print(comparison_table(cmp))
    write_json(results, json_path)
    console.print(f"JSON: {json_path}" + (f"; plot: {plot_path}" if plot_path else ""))
    return BenchReport(results, json_path, plot_path, cmp)

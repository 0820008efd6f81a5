"""The drop-in benchmark harness: snarkjs, groth16py and zksvs proving the same circom .zkey + .wtns, measured alike.

Per size, on one compiled circuit (``bench.circom.build``: a Poseidon(2) chain filling a 2^log_n domain) with one
witness and one key pair, each prover runs ``warmup`` untimed rounds then ``runs`` timed rounds:

=================  ===========  ======================================================================================
prover             mode         what one timed round is
=================  ===========  ======================================================================================
``snarkjs``        process      ``node snarkjs/build/cli.cjs groth16 prove ZKEY WTNS PROOF PUBLIC`` (start-up included)
``zksvs``          process      ``zksvs prove ZKEY WTNS PROOF PUBLIC`` (``pipeline.cli:main``; start-up, imports,
                                numba cache load and key read included)
``groth16py``      in-process   ``groth16py.prove_wtns(pk, WTNS)`` after one ``import_zkey`` (timed apart: ``load_s``)
``groth16py-       process      ``python -m bench.dropin oneshot ZKEY WTNS PROOF``: Python start-up, ``import_zkey``
process``                       and ``prove_wtns`` in a fresh interpreter (what a user of groth16py's CLI-less API pays)
``zksvs-inproc``   in-process   ``prover.prove_from_zkey(ZKEY, WTNS)`` (key read included; stage split recorded)
``zksvs-server``   process      ``zksvs prove ZKEY WTNS PROOF PUBLIC --socket S``: a client process; the proof is made
                                by a ``zksvs serve`` started for the size (kernels loaded, key kept after the warm-up)
=================  ===========  ======================================================================================

Process rounds each run in a fresh child whose peak RSS comes from GNU time (``run_process``); in-process rounds run
in one fresh Python worker per prover (``python -m bench.dropin worker ...``) whose peak RSS is that worker's.
Before the rounds the checkout's ``.pyc`` files are written (``compile_bytecode``), as an installed package has them.
Every proof is verified afterwards by snarkjs (``snarkjs.groth16.verify`` in one node process), and zksvs's
public.json must equal snarkjs's: a round that produced a bad proof makes the size fail (``BadProof``).

groth16py (PyPI, arkworks ark-groth16 through PyO3) is GPL-3.0: it is imported here only, never by the product.
Its proof is the EVM byte layout (a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y; 32-byte big-endian words),
converted to snarkjs proof.json for verification (``evm_proof_to_snarkjs``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.circom.build import Built, build, poseidon_chain_for_log_n, zksvs_cli
from tests.oracles.node import NODE_MODULES, ROOT, ensure_node_modules, run_node_script

PROVERS = ("snarkjs", "groth16py", "groth16py-process", "zksvs", "zksvs-inproc", "zksvs-server")
PROCESS_PROVERS = {"snarkjs", "zksvs", "groth16py-process", "zksvs-server"}
SCHEMA = "zksvs-bench-dropin/1"
OTHER_STAGE = "read + other"
"""Derived stage: ``prove_from_zkey``'s wall time minus its ``stage_seconds`` (.zkey/.wtns read, conversions)."""


class BadProof(AssertionError):
    """A benchmarked prover produced a proof that snarkjs rejects, or public signals that differ from snarkjs's."""


# --- measurement --------------------------------------------------------------------------------------------------


@dataclass
class ProcessRun:
    """One child process: wall seconds, peak RSS (bytes, from ``ru_maxrss``), exit status and output."""

    seconds: float
    peak_rss_bytes: int
    returncode: int
    stdout: str
    stderr: str


GNU_TIME = Path("/usr/bin/time")


def run_process(cmd: Sequence[str], cwd: Path = ROOT, env: dict | None = None) -> ProcessRun:
    """Run ``cmd`` in a fresh child; time it (``perf_counter``) and take the child's own peak RSS.

    The peak comes from GNU time (``/usr/bin/time -f %M``) when present, else from ``os.wait4``. Why not always
    ``wait4``: Linux carries the RSS high-water mark of the address space a child had *before* ``exec`` into its
    ``ru_maxrss``, and a forked (or vforked) child of a 140 MiB Python parent starts out with the parent's pages
    mapped, so ``wait4`` would report at least the parent's size. GNU time is a small process, so the child it
    forks starts small.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path, rss_path = Path(tmp, "out"), Path(tmp, "err"), Path(tmp, "rss")
        use_time = GNU_TIME.exists()
        full = [str(GNU_TIME), "-f", "%M", "-o", str(rss_path), *map(str, cmd)] if use_time else list(map(str, cmd))
        with open(out_path, "w") as out, open(err_path, "w") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss * 1024
        if use_time:
            lines = rss_path.read_text().split()  # "Command exited with non-zero status N" may come first
            peak = int(lines[-1]) * 1024
        return ProcessRun(seconds, peak, proc.returncode, out_path.read_text(), err_path.read_text())


def mad(xs: Sequence[float]) -> float:
    """Median absolute deviation (unscaled) of ``xs``; 0.0 for fewer than two values."""
    if len(xs) < 2:
        return 0.0
    m = statistics.median(xs)
    return statistics.median(abs(x - m) for x in xs)


@dataclass
class ProverResult:
    """All timed rounds of one prover at one size.

    Attributes
    ----------
    prover, mode : str
        One of ``PROVERS``; "process" or "in-process".
    times_s : list[float]
        Wall seconds per timed round.
    peak_rss_bytes : list[int]
        Per round for process provers; one value (the worker's peak) for in-process ones.
    stages_s : dict[str, list[float]]
        zksvs stage split per round (``prove_from_zkey``'s ``stage_seconds``); empty for the peers.
    extra : dict
        ``load_s`` (groth16py ``import_zkey``), ``warmup_s`` (first, untimed round: JIT for zksvs), etc.
    verified : bool
        Every proof of every round (warm-up included) passed ``snarkjs groth16 verify``.
    """

    prover: str
    mode: str
    times_s: list[float]
    peak_rss_bytes: list[int]
    stages_s: dict[str, list[float]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    verified: bool = False

    @property
    def min_s(self) -> float:
        return min(self.times_s)

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    def to_json(self) -> dict:
        """JSON form with the derived figures (min, median, MAD, max RSS) next to the samples."""
        d = dataclasses.asdict(self)
        d.update(min_s=self.min_s, median_s=self.median_s, mad_s=mad(self.times_s))
        d["peak_rss_max_bytes"] = max(self.peak_rss_bytes) if self.peak_rss_bytes else None
        d["stages"] = {n: {"median_s": statistics.median(v), "mad_s": mad(v)} for n, v in self.stages_s.items()}
        return d


# --- provers ------------------------------------------------------------------------------------------------------


def _snarkjs_cmd(zkey: Path, wtns: Path, proof: Path, public: Path) -> list[str]:
    return ["node", str(NODE_MODULES / "snarkjs" / "build" / "cli.cjs"), "groth16", "prove", zkey, wtns, proof, public]


def _zksvs_cmd(zkey: Path, wtns: Path, proof: Path, public: Path) -> list[str]:
    return [*zksvs_cli(), "prove", zkey, wtns, proof, public]


def _groth16py_cmd(zkey: Path, wtns: Path, proof: Path, public: Path) -> list[str]:
    return [sys.executable, "-m", "bench.dropin", "oneshot", zkey, wtns, proof]


_PROCESS_CMDS: dict[str, Callable[..., list[str]]] = {
    "snarkjs": _snarkjs_cmd,
    "zksvs": _zksvs_cmd,
    "groth16py-process": _groth16py_cmd,
}


def run_server_prover(prover: str, built: Built, work: Path, runs: int, warmup: int) -> tuple[ProverResult, list]:
    """``run_process_prover`` for the client of a ``zksvs serve`` started here (and stopped after the rounds)."""
    sock = work / "zksvs-server.sock"
    server = subprocess.Popen([*zksvs_cli(), "serve", "--socket", str(sock)], cwd=ROOT, stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        deadline = time.time() + 1800
        while not sock.exists():
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"zksvs serve did not start: {server.stderr.read() if server.poll() else ''}")
            time.sleep(0.1)

        def client(zkey: Path, wtns: Path, proof: Path, public: Path) -> list[str]:
            return [*zksvs_cli(), "prove", zkey, wtns, proof, public, "--socket", sock]

        # at least one warm-up: the server reads the key on its first request and keeps it
        return run_process_prover(prover, built, work, runs, max(1, warmup), cmd=client)
    finally:
        server.terminate()
        server.wait(timeout=120)


#: The packages a bench child imports from this checkout (the product's and the harness's own).
_PACKAGES = ("zksvs", "accel", "sequencer", "circuits", "prover", "verifier", "pipeline", "bench", "tests")


def compile_bytecode(root: Path = ROOT) -> None:
    """Write the checkout's ``.pyc`` files before timing, as ``pip install`` does for an installed package.

    Without them every child process recompiles the source of each module it imports (about 70 ms for ``zksvs
    prove``), which only a checkout run with ``PYTHONDONTWRITEBYTECODE`` set pays: an installed zksvs, and a
    checkout whose first run wrote its ``__pycache__``, do not. ``compileall`` writes them whatever that variable
    says, and only where a source changed. The groth16py-process peer imports ``bench.dropin`` from here too.
    """
    import compileall

    for name in _PACKAGES:
        if (root / name).is_dir():
            compileall.compile_dir(root / name, quiet=2, workers=1)


def run_process_prover(
    prover: str, built: Built, work: Path, runs: int, warmup: int, cmd: Callable[..., list[str]] | None = None
) -> tuple[ProverResult, list]:
    """Time ``runs`` whole-process proves (after ``warmup`` untimed ones); return the result and the proof files."""
    times, rss, proofs, warm = [], [], [], []
    cmd = cmd or _PROCESS_CMDS[prover]
    for i in range(warmup + runs):
        proof, public = work / f"{prover}-{i}-proof.json", work / f"{prover}-{i}-public.json"
        r = run_process(cmd(built.keys.zkey, built.wtns, proof, public))
        if r.returncode != 0:
            raise RuntimeError(f"{prover} prove failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        proofs.append((proof, public if public.exists() else None))
        if i < warmup:
            warm.append(r.seconds)
        else:
            times.append(r.seconds)
            rss.append(r.peak_rss_bytes)
    return ProverResult(prover, "process", times, rss, extra={"warmup_s": warm}), proofs


def run_inprocess_prover(prover: str, built: Built, work: Path, runs: int, warmup: int) -> tuple[ProverResult, list]:
    """Run ``python -m bench.dropin worker`` for ``prover`` in a fresh child; return its timings and proof files."""
    report = work / f"{prover}-worker.json"
    cmd = [sys.executable, "-m", "bench.dropin", "worker", prover, built.keys.zkey, built.wtns, work]
    r = run_process([*map(str, cmd), "--runs", str(runs), "--warmup", str(warmup), "--report", str(report)])
    if r.returncode != 0:
        raise RuntimeError(f"{prover} worker failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    rep = json.loads(report.read_text())
    res = ProverResult(prover, "in-process", rep["times_s"], [r.peak_rss_bytes], rep["stages_s"], rep["extra"])
    return res, [(Path(a), Path(b) if b else None) for a, b in rep["proofs"]]


def evm_proof_to_snarkjs(blob: bytes) -> dict:
    """groth16py's 256-byte EVM proof → snarkjs proof.json (G2 words are imaginary part first in the EVM layout)."""
    if len(blob) != 256:
        raise ValueError(f"EVM Groth16 proof must be 256 bytes, not {len(blob)}")
    w = [str(int.from_bytes(blob[32 * i : 32 * i + 32], "big")) for i in range(8)]
    return {
        "pi_a": [w[0], w[1], "1"],
        "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
        "pi_c": [w[6], w[7], "1"],
        "protocol": "groth16",
        "curve": "bn128",
    }


def _worker(argv: Sequence[str]) -> None:
    """In-process rounds for one prover (run as ``python -m bench.dropin worker PROVER ZKEY WTNS WORKDIR ...``)."""
    ap = argparse.ArgumentParser(prog="bench.dropin worker")
    ap.add_argument("prover", choices=["groth16py", "zksvs-inproc"])
    ap.add_argument("zkey")
    ap.add_argument("wtns")
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--report", type=Path, required=True)
    a = ap.parse_args(argv)
    times: list[float] = []
    stages: dict[str, list[float]] = {}
    extra: dict = {"warmup_s": []}
    proofs = []
    if a.prover == "groth16py":
        import groth16py  # bench-only, GPL-3.0: never imported by the product

        t0 = time.perf_counter()
        pk, _vk = groth16py.import_zkey(a.zkey)
        extra["load_s"] = time.perf_counter() - t0
        for i in range(a.warmup + a.runs):
            t0 = time.perf_counter()
            blob = groth16py.prove_wtns(pk, a.wtns)
            dt = time.perf_counter() - t0
            (times if i >= a.warmup else extra["warmup_s"]).append(dt)
            proof = a.workdir / f"groth16py-{i}-proof.json"
            proof.write_text(json.dumps(evm_proof_to_snarkjs(blob)))
            proofs.append((str(proof), None))
    else:
        from prover import prove_from_zkey
        from prover.warmup import prepare
        from zksvs.formats.snarkjs_json import write_proof, write_public_inputs

        t0 = time.perf_counter()
        prepare("prove")  # a resident prover has its kernels loaded (as groth16py's has its key imported: load_s)
        extra["kernel_load_s"] = time.perf_counter() - t0
        for i in range(a.warmup + a.runs):
            t0 = time.perf_counter()
            proof_obj, public_inputs, stage_seconds = prove_from_zkey(a.zkey, a.wtns)
            dt = time.perf_counter() - t0
            if i >= a.warmup:
                times.append(dt)
                for name, s in {**stage_seconds, OTHER_STAGE: dt - sum(stage_seconds.values())}.items():
                    stages.setdefault(name, []).append(float(s))
            else:
                extra["warmup_s"].append(dt)
            proof, public = a.workdir / f"zksvs-inproc-{i}-proof.json", a.workdir / f"zksvs-inproc-{i}-public.json"
            write_proof(proof_obj, proof)
            write_public_inputs(public_inputs, public)
            proofs.append((str(proof), str(public)))
    a.report.write_text(json.dumps({"times_s": times, "stages_s": stages, "extra": extra, "proofs": proofs}))


# --- verification -------------------------------------------------------------------------------------------------

_VERIFY_JS = r"""
const fs = require("fs");
const snarkjs = require("snarkjs");
(async () => {
  const p = JSON.parse(fs.readFileSync(0, "utf8"));
  const vk = JSON.parse(fs.readFileSync(p.vk, "utf8"));
  const out = [];
  for (const [proof, pub] of p.items) {
    out.push(await snarkjs.groth16.verify(vk, JSON.parse(fs.readFileSync(pub, "utf8")),
                                          JSON.parse(fs.readFileSync(proof, "utf8"))));
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def snarkjs_verify_many(vk: Path, items: Sequence[tuple[Path, Path]]) -> list[bool]:
    """``snarkjs.groth16.verify`` on each (proof.json, public.json), in one node process; one bool per item."""
    if not items:
        return []
    return run_node_script(_VERIFY_JS, {"vk": str(vk), "items": [[str(p), str(q)] for p, q in items]})


def check_proofs(built: Built, proofs: dict[str, list], reference_public: Path) -> dict[str, bool]:
    """Verify every proof with snarkjs; zksvs's public.json must equal ``reference_public`` (snarkjs's).

    Raises
    ------
    BadProof
        A proof was rejected, or a public.json differs from snarkjs's (message names the prover and round).
    """
    ref = json.loads(reference_public.read_text())
    items, owners = [], []
    for prover, pairs in proofs.items():
        for i, (proof, public) in enumerate(pairs):
            if public is not None and json.loads(public.read_text()) != ref:
                raise BadProof(f"{prover} round {i}: public.json {public.read_text()!r} != snarkjs's {ref}")
            items.append((proof, public if public is not None else reference_public))
            owners.append((prover, i, proof))
    ok = snarkjs_verify_many(built.keys.vk, items)
    bad = [f"{p} round {i} ({f.name})" for (p, i, f), good in zip(owners, ok) if not good]
    if bad:
        raise BadProof(f"snarkjs groth16 verify rejected: {', '.join(bad)} (circuit {built.compiled.spec.name})")
    return {p: True for p in proofs}


# --- one size -----------------------------------------------------------------------------------------------------


def zksvs_available() -> str | None:
    """None when ``prover.prove_from_zkey`` can be imported, else the reason (for the report)."""
    try:
        from prover import prove_from_zkey  # noqa: F401
    except ImportError as e:
        return f"prover.prove_from_zkey not importable: {e}"
    return None


def bench_size(
    log_n: int,
    provers: Sequence[str] = PROVERS,
    runs: int = 3,
    warmup: int = 1,
    keys: str = "auto",
    work_root: Path | None = None,
    built: Built | None = None,
) -> dict:
    """Build (or reuse) the 2^log_n Poseidon chain, run every prover on it, verify every proof; return a JSON dict.

    Returns
    -------
    dict
        ``{"log_n", "circuit", "n_constraints", "n_public", "domain_log_n", "keys", "provers": {name: ...},
        "ratios": {...}, "unavailable": {name: reason}}`` (see ``ProverResult.to_json``).

    Raises
    ------
    BadProof
        Some round of some prover produced a proof snarkjs rejects.
    """
    if runs < 1:
        raise ValueError(f"runs must be ≥ 1, not {runs}")
    built = built or build(poseidon_chain_for_log_n(log_n), keys=keys)
    work_root = work_root or ROOT / "build" / "bench-dropin"
    work_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"log{log_n}-", dir=work_root))
    results: dict[str, ProverResult] = {}
    proofs: dict[str, list] = {}
    unavailable: dict[str, str] = {}
    compile_bytecode()
    order = ["snarkjs", *[p for p in provers if p != "snarkjs"]]  # snarkjs's public.json is the reference
    for prover in order:
        if prover.startswith("zksvs") and (why := zksvs_available()):
            unavailable[prover] = why
            continue
        if prover.startswith("groth16py") and importlib.util.find_spec("groth16py") is None:
            unavailable[prover] = "groth16py is not installed (bench-only peer: pip install groth16py)"
            continue
        run = run_process_prover if prover in PROCESS_PROVERS else run_inprocess_prover
        if prover == "zksvs-server":
            run = run_server_prover
        results[prover], proofs[prover] = run(prover, built, work, runs, warmup)
    reference_public = proofs["snarkjs"][0][1]
    for prover in check_proofs(built, proofs, reference_public):
        results[prover].verified = True
    out = {
        "log_n": log_n,
        "circuit": built.compiled.spec.name,
        "n_constraints": built.n_constraints,
        "n_public": built.compiled.info.n_public,
        "domain_log_n": built.log_n,
        "keys": built.keys.source,
        "zkey_bytes": built.keys.zkey.stat().st_size,
        "provers": {p: results[p].to_json() for p in order if p in results},
        "unavailable": unavailable,
    }
    out["ratios"] = ratios(out["provers"])
    return out


def ratios(provers: dict[str, dict]) -> dict[str, float]:
    """Median-time and peak-RSS ratios of zksvs against the peers (only those whose both sides were measured)."""
    pairs = {
        "zksvs/snarkjs": ("zksvs", "snarkjs", "median_s"),
        "zksvs-inproc/snarkjs": ("zksvs-inproc", "snarkjs", "median_s"),
        "zksvs-inproc/groth16py": ("zksvs-inproc", "groth16py", "median_s"),
        "zksvs/groth16py": ("zksvs", "groth16py", "median_s"),
        "zksvs/groth16py-process": ("zksvs", "groth16py-process", "median_s"),
        "zksvs-server/snarkjs": ("zksvs-server", "snarkjs", "median_s"),
        "zksvs-server/groth16py-process": ("zksvs-server", "groth16py-process", "median_s"),
        "groth16py/snarkjs": ("groth16py", "snarkjs", "median_s"),
        "rss zksvs/snarkjs": ("zksvs", "snarkjs", "peak_rss_max_bytes"),
    }
    return {
        name: provers[a][key] / provers[b][key] for name, (a, b, key) in pairs.items() if a in provers and b in provers
    }


# --- machine info -------------------------------------------------------------------------------------------------


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


_PRODUCT = ("zksvs", "circuits", "prover", "verifier", "sequencer", "pipeline")


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def machine_info() -> dict:
    """CPU count, Python/numba/numpy versions, numba threads, node and snarkjs/circom2/groth16py versions, the git
    commit (and how many product files differ from it: the tree is shared while others work), the load average."""
    ensure_node_modules()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    try:
        import numba

        threads = numba.config.NUMBA_NUM_THREADS
    except ImportError:  # numba is a product dependency; this is only for a partial environment
        threads = None
    return {
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numba": _version("numba"),
        "numba_num_threads": threads,
        "numpy": _version("numpy"),
        "groth16py": _version("groth16py"),
        "node": node,
        "snarkjs": json.loads((NODE_MODULES / "snarkjs" / "package.json").read_text())["version"],
        "circom2": json.loads((NODE_MODULES / "circom2" / "package.json").read_text())["version"],
        "zksvs": _version("zksvs"),
        "git_head": _git("rev-parse", "HEAD"),
        "git_dirty_product_files": len(_git("status", "--porcelain", "--", *_PRODUCT).splitlines()),
        "load_average_1_5_15": list(os.getloadavg()),  # other jobs share these cores: read timings with this in mind
    }


def _oneshot(argv: Sequence[str]) -> None:
    """One groth16py proof in this process (``python -m bench.dropin oneshot ZKEY WTNS PROOF``): the whole-process
    peer. The proof is written as snarkjs proof.json; groth16py writes no public.json (snarkjs's is the reference)."""
    zkey, wtns, proof = argv
    import groth16py  # bench-only, GPL-3.0: never imported by the product

    pk, _vk = groth16py.import_zkey(zkey)
    Path(proof).write_text(json.dumps(evm_proof_to_snarkjs(groth16py.prove_wtns(pk, wtns))))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        _worker(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "oneshot":
        _oneshot(sys.argv[2:])
    else:
        sys.exit("usage: python -m bench.dropin worker PROVER ZKEY WTNS WORKDIR --report FILE [--runs N --warmup N]")

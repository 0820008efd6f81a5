"""Compiling and loading the prover's numba kernels: which are cold, load the prove path up front, warm them all.

Every kernel is ``@njit(cache=True)``: the first process on a machine compiles it (about a minute for the prove
path on 2 cores, more for the setups), later processes load the machine code from numba's cache (tens of
milliseconds per kernel). This module makes that visible and keeps it out of the proving stages:

- ``kernel_cache_state(group)`` says, without compiling or loading anything, which kernels of a group are not in
  numba's cache (and a rough compile time), so a command can announce a first-use compile before it starts;
- ``prepare(group)`` compiles or loads exactly the kernels the group calls, with the signatures it calls them with
  (``Dispatcher.compile(sig)``: nothing runs), so the stage timings that follow measure proving only;
- ``warmup(groups)`` compiles every kernel once (the prove path by signature, the setups by running them on a tiny
  circuit) and reports per kernel: compiled or loaded, and seconds.

Groups: ``"prove"`` (the witness map, the domain tables, the G1 and G2 MSMs: everything ``prove_from_zkey`` calls),
``"check"`` (the R1CS check: ``check_witness``, ``prove``), ``"setup"`` (the development setup: fixed-base tables,
point arithmetic), ``"phase2"`` (``setup_from_ptau``: sparse sums, the GLV map, the circuit hash; and a phase-2
contribution's batch scaling, ``prover.contribute``), ``"sequencer"`` (``accel.poseidon``'s path and row kernels,
by signature: what the sequencer's ``NativeHasher`` calls; not a prover kernel, but ``zksvs warmup`` is the one
command that fills numba's cache).

The prove path normalises its array arguments (``prover.msm.kernel_input``: read-only, aligned, C-contiguous inputs;
writeable outputs), so one signature per kernel covers every call and the cache check is exact. The cache check
reads numba's cache index the way ``numba.core.caching`` does (private API, stable across numba 0.5x–0.6x); if that
ever fails the state is reported as unknown and nothing is announced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Rough first-compile seconds per step (numba compiles on one core); used only to say "~N s" before a compile.
#: From ``zksvs warmup --json`` on an empty NUMBA_CACHE_DIR (numba 0.68, 2-vCPU Zen 3): 106 s of CPU for all groups,
#: shared out by each step's part of the wall time (the machine was busy, so CPU is the figure a quiet one shows).
COMPILE_ESTIMATE_S: dict[str, float] = {
    "domain tables": 10.0,
    "witness map": 53.0,
    "MSM G1": 8.0,
    "MSM G2": 13.0,
    "R1CS check": 3.0,
    "setup": 12.0,
    "phase2": 10.0,
    "Poseidon": 80.0,  # ×2: accel.poseidon inlines its arithmetic (measured cold: 10.8 s → 41.6 s wall at load 3)
}

GROUPS: tuple[str, ...] = ("prove", "check", "setup", "phase2", "sequencer")


@dataclass(frozen=True)
class Kernel:
    """One numba entry point with the signature the prover calls it with."""

    step: str
    group: str
    dispatcher: Any
    signature: tuple

    @property
    def name(self) -> str:
        """``module.function``."""
        f = self.dispatcher.py_func
        return f"{f.__module__}.{f.__qualname__}"


def _signature_kernels(group: str) -> list[Kernel]:
    from numba import types as nt

    def arr(nd: int, readonly: bool = False, dtype: Any = nt.uint64) -> Any:
        return nt.Array(dtype, nd, "C", readonly=readonly)

    i64 = nt.int64
    if group == "prove":
        from prover.kernels import msm, ntt, qap

        idx = arr(1, dtype=i64)
        msm_tail = (arr(2, True), i64, i64, nt.boolean, arr(1, True), arr(2, True))
        return [
            Kernel("domain tables", group, ntt.powers, (arr(1), arr(1), i64)),
            Kernel("domain tables", group, ntt.stage_twiddles, (arr(2), i64)),
            Kernel("domain tables", group, ntt.bit_reversed, (arr(2), i64)),
            Kernel("witness map", group, qap.witness_map,
                   (idx, idx, arr(2), idx, idx, arr(2), arr(2, True), i64, i64, arr(2), arr(2), arr(2), i64, i64)),
            Kernel("MSM G1", group, msm.msm_affine, (arr(3, True), *msm_tail)),
            Kernel("MSM G2", group, msm.msm_affine, (arr(4, True), *msm_tail)),
        ]  # fmt: skip
    if group == "check":
        from prover.kernels import qap

        idx = arr(1, dtype=i64)
        return [
            Kernel("R1CS check", group, qap.to_r2, (arr(2),)),
            Kernel("R1CS check", group, qap.first_unequal_row,
                   (idx, idx, arr(2), idx, idx, arr(2), idx, idx, arr(2), arr(2, True), i64)),
        ]  # fmt: skip
    if group == "sequencer":
        import accel.babyjub as ab
        import accel.poseidon as ap

        # the sequencer's hashing (accel.merkle.NativeHasher): a path a call, leaves one row a call, and the batch
        # entry points; inputs are read-only views of one bytes object (accel.poseidon._to_limbs)
        consts = (arr(2), arr(2, dtype=i64))
        sig_tail = (arr(1, dtype=nt.boolean), arr(4), *consts)
        return [
            Kernel("Poseidon", group, ap._path, (arr(2, True), *consts)),
            Kernel("Poseidon", group, ap._hash_rows, (arr(3, True), *consts)),
            Kernel("Poseidon", group, ap._hash_rows_par, (arr(3, True), *consts)),
            Kernel("Poseidon", group, ap._paths_par, (arr(3, True), *consts)),
            # signed transactions (sequencer.signatures): messages + verification on the worker, singles in place
            Kernel("EdDSA verify", group, ab._verify_signed_rows, (arr(3), arr(3), arr(2), arr(3), arr(3), *sig_tail)),
            Kernel("EdDSA verify", group, ab._verify_rows, (arr(3), arr(3), arr(2), arr(3), *sig_tail)),
        ]
    return []


def kernels(group: str) -> list[Kernel]:
    """The entry kernels of a group that are loaded by signature (``"prove"``, ``"check"``, ``"sequencer"``; empty
    for the setups, which ``warmup`` runs instead)."""
    if group not in GROUPS:
        raise ValueError(f"Argument 'group' must be one of {GROUPS}, not {group!r}")
    return _signature_kernels(group)


def _is_cached(k: Kernel) -> bool | None:
    """True when numba's cache holds (and would load) this kernel's signature; None when that cannot be told."""
    try:
        cache = k.dispatcher._cache
        key = cache._index_key(k.signature, k.dispatcher.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:
        return None


def _setup_dispatchers(group: str) -> list[Any]:
    import importlib

    from numba.core.registry import CPUDispatcher

    # the setup's entry kernels only: their curve callees compile with them, while other curve kernels (``jac_neg``,
    # used by tests alone) would keep the group "cold" forever
    mods = {"setup": ("prover.kernels.fixed_base",),
            "phase2": ("prover.kernels.sparse_sums", "prover.kernels.glv", "prover.kernels.scale")}[group]  # fmt: skip
    out = []
    for name in mods:
        for obj in vars(importlib.import_module(name)).values():
            if isinstance(obj, CPUDispatcher) and obj.__module__ == name:
                out.append(obj)
    return out


def _has_any_cache(disp: Any) -> bool | None:
    try:
        return bool(disp._cache._cache_file._load_index())
    except Exception:
        return None


@dataclass(frozen=True)
class KernelCacheState:
    """What numba's cache holds for a group.

    Attributes
    ----------
    group : str
    cold : tuple[str, ...]
        Steps with at least one kernel that would be compiled (not loaded).
    unknown : bool
        The cache could not be inspected (then ``cold`` is empty).
    """

    group: str
    cold: tuple[str, ...]
    unknown: bool = False

    @property
    def estimate_s(self) -> float:
        """Rough compile seconds for the cold steps (``COMPILE_ESTIMATE_S``)."""
        return sum(COMPILE_ESTIMATE_S.get(s, 10.0) for s in self.cold)

    @property
    def message(self) -> str:
        """The one line a command prints before compiling (empty when nothing is cold)."""
        if not self.cold:
            return ""
        what = "prover" if self.group in ("prove", "check") else f"{self.group}"
        return f"compiling {what} kernels (once per machine, ~{self.estimate_s:.0f} s)…"


def kernel_cache_state(group: str = "prove") -> KernelCacheState:
    """Which steps of ``group`` would compile (not load) their kernels; nothing is compiled or loaded here.

    For the signature groups the check is exact (the cache index holds the key numba will look up); for the setups
    a kernel counts as cached when its cache index holds any signature.
    """
    if group not in GROUPS:
        raise ValueError(f"Argument 'group' must be one of {GROUPS}, not {group!r}")
    cold: list[str] = []
    if group in ("setup", "phase2"):
        states = [_has_any_cache(d) for d in _setup_dispatchers(group)]
        if any(s is None for s in states):
            return KernelCacheState(group, (), unknown=True)
        return KernelCacheState(group, (group,) if not all(states) else ())
    for k in kernels(group):
        state = _is_cached(k)
        if state is None:
            return KernelCacheState(group, (), unknown=True)
        if not state and k.step not in cold:
            cold.append(k.step)
    return KernelCacheState(group, tuple(cold))


@dataclass
class KernelRow:
    """One row of a warm-up report."""

    step: str
    group: str
    kernel: str
    status: str  # "compiled" | "loaded" | "in memory"
    seconds: float


@dataclass
class WarmupReport:
    """Per kernel: compiled or loaded from numba's cache, and the seconds it took."""

    rows: list[KernelRow] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        """Sum of the rows' seconds."""
        return sum(r.seconds for r in self.rows)

    @property
    def compiled(self) -> int:
        """How many kernels were compiled (cache misses)."""
        return sum(r.status == "compiled" for r in self.rows)

    def by_step(self) -> dict[str, float]:
        """Seconds per step, in first-seen order."""
        out: dict[str, float] = {}
        for r in self.rows:
            out[r.step] = out.get(r.step, 0.0) + r.seconds
        return out

    def to_json(self) -> dict:
        """``{"total_s", "compiled", "kernels": [{step, group, kernel, status, seconds}]}``."""
        return {
            "total_s": self.total_s,
            "compiled": self.compiled,
            "kernels": [r.__dict__.copy() for r in self.rows],
        }


def _load(k: Kernel) -> KernelRow:
    d = k.dispatcher
    if tuple(k.signature) in d.overloads:
        return KernelRow(k.step, k.group, k.name, "in memory", 0.0)
    misses = sum(d.stats.cache_misses.values())
    t0 = time.perf_counter()
    d.compile(k.signature)
    dt = time.perf_counter() - t0
    status = "compiled" if sum(d.stats.cache_misses.values()) > misses else "loaded"
    return KernelRow(k.step, k.group, k.name, status, dt)


def prepare(group: str = "prove") -> WarmupReport:
    """Compile (cold cache) or load (warm) every kernel of a signature group, running nothing.

    Returns
    -------
    WarmupReport
        One row per kernel. After this, a proof's stages find their kernels in memory.
    """
    return WarmupReport([_load(k) for k in kernels(group)])


def _tiny_circuit_parts():
    from zksvs.r1cs import R1CS, Constraint, LinearCombination

    L = LinearCombination
    # x·x = y, y·x = z, (z + x + 5)·1 = out: three constraints, one public wire, 8-row domain
    cons = [
        Constraint(L.wire(2), L.wire(2), L.wire(3), "x2"),
        Constraint(L.wire(3), L.wire(2), L.wire(4), "x3"),
        Constraint(L.wire(4) + L.wire(2) + 5, L.constant(1), L.wire(1), "out"),
    ]
    return R1CS(n_wires=5, n_public=1, constraints=cons), [1, 35, 3, 9, 27]


def _run_rows(step: str, group: str, fn: Callable[[], object], dispatchers: Sequence[Any]) -> list[KernelRow]:
    """Run ``fn`` and report each dispatcher it compiled or loaded: a compile's seconds from numba's compile events
    (inclusive of the kernels it compiled inside), the rest of ``fn``'s time shared evenly by the loads."""
    from numba.core import event

    before = {id(d): (sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values())) for d in dispatchers}
    rec = event.RecordingListener()
    t0 = time.perf_counter()
    with event.install_listener("numba:compile", rec):
        fn()
    total = time.perf_counter() - t0
    compile_s: dict[int, float] = {}
    starts: dict[int, float] = {}
    intervals: list[tuple[float, float]] = []
    for ts, ev in rec.buffer:
        disp = ev.data.get("dispatcher") if isinstance(ev.data, dict) else None
        if disp is None:
            continue
        if ev.is_start:
            starts[id(disp)] = ts
        elif id(disp) in starts:
            ts0 = starts.pop(id(disp))
            intervals.append((ts0, ts))
            compile_s[id(disp)] = compile_s.get(id(disp), 0.0) + ts - ts0
    rows = []
    for d in dispatchers:
        hits0, miss0 = before[id(d)]
        hits, misses = sum(d.stats.cache_hits.values()) - hits0, sum(d.stats.cache_misses.values()) - miss0
        if not hits and not misses:
            continue
        name = f"{d.py_func.__module__}.{d.py_func.__qualname__}"
        rows.append(KernelRow(step, group, name, "compiled" if misses else "loaded", compile_s.get(id(d), 0.0)))
    # loads have no events: they share the time the (outermost, merged) compile intervals do not cover
    spans = sorted((ts0, ts1) for ts0, ts1 in intervals)
    covered, end = 0.0, -1.0
    for ts0, ts1 in spans:
        if ts1 > end:
            covered += ts1 - max(ts0, end)
            end = ts1
    loaded = [r for r in rows if r.status == "loaded"]
    for r in loaded:
        r.seconds = max(0.0, total - covered) / len(loaded)
    if not rows:
        rows.append(KernelRow(step, group, "(already in memory)", "in memory", total))
    return rows


def warmup(groups: Sequence[str] = GROUPS, n_threads: int | None = None) -> WarmupReport:
    """Compile (or load) every kernel of ``groups`` once and report per kernel.

    The prove and check groups load by signature (``prepare``); the setups run on a tiny circuit (a development
    setup, a proof through ``prove`` and a phase-2 sparse sum) so every kernel they reach is compiled.

    Parameters
    ----------
    groups : sequence of str
        Any of ``GROUPS`` (default: all).
    n_threads : int, optional
        Passed to the setup kernels (default ``numba.get_num_threads()``).

    Returns
    -------
    WarmupReport
    """
    report = WarmupReport()
    for g in groups:
        if g not in GROUPS:
            raise ValueError(f"Argument 'groups' may hold {GROUPS}, not {g!r}")
    for g in ("prove", "check", "sequencer"):
        if g in groups:
            report.rows += prepare(g).rows
    if "setup" in groups:
        from prover.dev_setup import _build_keys, toxic_waste_from_seed
        from prover.prove import prove

        r1cs, witness = _tiny_circuit_parts()

        def setup_prove() -> None:
            # the keys are thrown away, so no INSECURE announcement (``setup`` would make one)
            pk = _build_keys(r1cs, toxic_waste_from_seed(b"warmup"))
            prove(r1cs, pk, witness, r=1, s=2)

        report.rows += _run_rows("setup", "setup", setup_prove, _setup_dispatchers("setup"))
    if "phase2" in groups:
        report.rows += _run_rows("phase2", "phase2", lambda: _tiny_phase2(n_threads), _setup_dispatchers("phase2"))
    return report


def _tiny_phase2(n_threads: int | None) -> None:
    """The phase-2 kernels on a few points: odd multiples, sparse sums and φ in G1 and G2, as ``setup_from_ptau``
    calls them (read-only aligned inputs like a .ptau's views)."""
    import numpy as np

    from prover.dev_setup import G1_GENERATOR, G2_GENERATOR
    from prover.glv import beta_limbs
    from prover.kernels.curve import jac_to_affine_arr
    from prover.kernels.glv import phi_arr
    from prover.kernels.scale import batch_scale
    from prover.kernels.sparse_sums import odd_multiples, sparse_sums, wnaf
    from prover.msm import fixed_base_g1, fixed_base_g2
    from zksvs.limbs import ints_to_limbs

    t = n_threads or 1
    k = ints_to_limbs([3, 5, 7])
    digits, top = wnaf(k, 3, 256)
    ptr = np.array([0, 2, 3], dtype=np.int64)
    base = np.array([0, 1, 2], dtype=np.int64)
    val = np.array([0, 1, 2], dtype=np.int64)
    for point, fixed, group in ((G1_GENERATOR, fixed_base_g1, 1), (G2_GENERATOR, fixed_base_g2, 2)):
        pts = fixed(point, k)
        offs = np.arange(4, dtype=np.int64) * 2
        table = odd_multiples(np.ascontiguousarray(pts), offs, t)
        phi_arr(table, beta_limbs(group))
        jac_to_affine_arr(sparse_sums(table, offs, ptr, base, val, np.ascontiguousarray(digits), top))
        batch_scale(pts, 12345, n_threads=t)  # a phase-2 contribution's δ'^-1 (prover.contribute)


def cache_report() -> dict[str, dict[str, int]]:
    """Per numba dispatcher of the prover used in this process: signatures, cache hits and misses.

    Returns
    -------
    dict[str, dict[str, int]]
        ``"module.function"`` → ``{"signatures": …, "cache_hits": …, "cache_misses": …}`` for every dispatcher that
        has at least one signature (compiled or loaded) in this process.
    """
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import prover.kernels

    names = ["accel.field", "prover.kernels"] + [
        f"prover.kernels.{m.name}" for m in pkgutil.iter_modules(prover.kernels.__path__)
    ]
    report: dict[str, dict[str, int]] = {}
    for mod_name in names:
        mod = importlib.import_module(mod_name)
        for name, obj in vars(mod).items():
            if not isinstance(obj, CPUDispatcher) or obj.__module__ != mod_name or not obj.signatures:
                continue
            stats = obj.stats
            report[f"{mod_name}.{name}"] = {
                "signatures": len(obj.signatures),
                "cache_hits": int(sum(stats.cache_hits.values())),
                "cache_misses": int(sum(stats.cache_misses.values())),
            }
    return report


__all__ = [
    "COMPILE_ESTIMATE_S",
    "GROUPS",
    "Kernel",
    "KernelCacheState",
    "KernelRow",
    "WarmupReport",
    "cache_report",
    "kernel_cache_state",
    "kernels",
    "prepare",
    "warmup",
]

"""How the prove stages run on the native engine: at once, on threads, the largest first, long MSMs cut in pieces.

Each call into the native library (``prover.backend``) runs on one thread and releases the GIL, so the five stages
before "finish" (the witness map, MSM A, B1, B2, C and H) run at once on as many threads as the process may use
CPUs. A list scheduler hands each free thread the most urgent ready task: the witness map (MSM H needs its output),
then the pieces of MSM H, B2, A, C and B1. An MSM is cut into one piece per CPU (the pieces' sums are added in
"finish") only when it would otherwise hold the proof up (``native_pieces``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from prover import backend
from prover.msm import msm_g1, msm_g2
from prover.qap import witness_map

#: The stage names of ``prover.prove.STAGES`` before "finish", in that order.
WITNESS_MAP, MSM_A, MSM_B1, MSM_B2, MSM_C, MSM_H = ("witness map (QAP)", "MSM A", "MSM B1", "MSM B2", "MSM C",
                                                    "MSM H")  # fmt: skip
_STAGES = (WITNESS_MAP, MSM_A, MSM_B1, MSM_B2, MSM_C, MSM_H)
_MSMS = _STAGES[1:]

#: Cost of the witness map per domain row, in units of one full-width G1 point of an MSM (2^16 Poseidon chain on
#: 2 CPUs: witness map 191 ms against MSM H's 420 ms over the same 2^16 rows), and of a G2 point (MSM B2 802 ms).
_QAP_ROW_COST, _G2_POINT_COST = 0.45, 1.9


def _scalar_cost(scalars: np.ndarray) -> float:
    """Σ over the scalars of (64-bit limbs up to the highest non-zero one) / 4: ~1 per full-width scalar, 0 for 0."""
    if scalars.shape[0] == 0:
        return 0.0
    nz = scalars != 0
    top = np.where(nz.any(axis=1), 4 - np.argmax(nz[:, ::-1], axis=1), 0)
    return float(top.sum()) / 4


def native_pieces(qm, pk, w, domain, cpus: int) -> dict[str, int]:
    """How many pieces each MSM is cut into on the native engine: one per CPU for a stage that would otherwise hold
    the proof up (its cost, with the witness map before MSM H, above a fair share of the whole), else one. Cutting
    costs work (smaller Pippenger windows), so full-width witnesses, whose stages balance, stay whole; on boolean
    witnesses (SHA-256) MSM H is most of the work and is cut."""
    w_cost = _scalar_cost(w)  # MSM A, B1 and B2 share the witness
    costs = {
        WITNESS_MAP: _QAP_ROW_COST * domain.size,
        MSM_A: w_cost,
        MSM_B1: w_cost,
        MSM_B2: _G2_POINT_COST * w_cost,
        MSM_C: _scalar_cost(w[pk.n_public + 1 :]),
        MSM_H: float(domain.size),
    }
    fair = sum(costs.values()) / cpus
    chain = {**costs, MSM_H: costs[WITNESS_MAP] + costs[MSM_H]}
    return {name: (cpus if chain[name] > fair else 1) for name in _MSMS}


def native_stages(qm, pk, w, domain, timing: Any, progress: Callable[[str], Any] | None) -> tuple:
    """The stages at once on as many threads as this process may use CPUs (each native call runs on one thread and
    releases the GIL), largest first: the witness map (MSM H waits for it), then the pieces of MSM H, B2, A, C, B1
    (``native_pieces``). A stage's seconds run from its first piece's start to its last piece's end."""
    cpus = backend.usable_cpus()
    n_pieces = native_pieces(qm, pk, w, domain, cpus)

    def pieces(name: str, n: int) -> list[tuple[int, int]]:
        k = max(1, min(n_pieces[name], n))
        return [(n * i // k, n * (i + 1) // k) for i in range(k)]

    h_box: list[np.ndarray] = []
    tasks: list[tuple[int, str, Callable[[], Any]]] = [
        (0, WITNESS_MAP, lambda: h_box.append(witness_map(qm, w, domain))),
    ]
    for prio, name, bases, scalars, msm in (
        (1, MSM_H, pk.h_query, None, msm_g1),
        (2, MSM_B2, pk.b_g2_query, w, msm_g2),
        (3, MSM_A, pk.a_query, w, msm_g1),
        (4, MSM_C, pk.c_query, w[pk.n_public + 1 :], msm_g1),
        (5, MSM_B1, pk.b_g1_query, w, msm_g1),
    ):
        for lo, hi in pieces(name, bases.shape[0]):
            if scalars is None:  # MSM H: the witness map's output, once it exists
                tasks.append((prio, name, lambda lo=lo, hi=hi: msm_g1(pk.h_query[lo:hi], h_box[0][lo:hi])))
            else:
                tasks.append((prio, name, lambda b=bases, k=scalars, f=msm, lo=lo, hi=hi: f(b[lo:hi], k[lo:hi])))
    sums: dict[str, list] = {name: [] for name in _STAGES}
    spans: dict[str, list[float]] = {}
    errors: list[BaseException] = []
    cond = threading.Condition()

    def next_task() -> tuple[int, str, Callable[[], Any]] | None:
        with cond:
            while not errors and tasks:
                ready = [t for t in tasks if t[1] != MSM_H or h_box]
                if ready:
                    task = min(ready, key=lambda t: t[0])
                    tasks.remove(task)
                    return task
                cond.wait()
            return None

    def worker() -> None:
        while (task := next_task()) is not None:
            _, name, fn = task
            t0 = time.perf_counter()
            try:
                result = fn()
            except BaseException as e:  # re-raised in the calling thread
                with cond:
                    errors.append(e)
                    cond.notify_all()
                return
            t1 = time.perf_counter()
            with cond:
                if name != WITNESS_MAP:
                    sums[name].append(result)
                span = spans.setdefault(name, [t0, t1])
                span[0], span[1] = min(span[0], t0), max(span[1], t1)
                cond.notify_all()

    if progress is not None:
        for name in _STAGES:
            progress(name)
    t_all = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(len(tasks), cpus))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timing.wall_seconds = time.perf_counter() - t_all
    if errors:
        raise errors[0]
    timing.stages = {name: spans[name][1] - spans[name][0] for name in _STAGES}
    return sums[MSM_A], sums[MSM_B1], sums[MSM_B2], sums[MSM_C], sums[MSM_H]


__all__ = ["native_pieces", "native_stages"]

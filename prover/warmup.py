"""Compile (or load from numba's cache) every prover kernel on tiny inputs, and report what that cost.

Every kernel is ``@njit(cache=True)``: the first process on a machine compiles them (tens of seconds in all), later
processes load the machine code from ``__pycache__`` (well under a second each). ``warmup()`` front-loads that cost
so the first proof's stage timings measure proving, not compilation; ``cache_report()`` tells which it was.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

import numpy as np

#: Modules whose module-level numba dispatchers make up the prover.
KERNEL_MODULES: tuple[str, ...] = (
    "accel.field",
    "prover.kernels.g1",
    "prover.kernels.g2",
    "prover.kernels.msm",
    "prover.kernels.fixed_base",
    "prover.kernels.ntt",
    "prover.qap",
)


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


def warmup(n_threads: int | None = None) -> dict[str, float]:
    """Run every prover kernel once on tiny inputs; return first-call seconds per step.

    Steps: ``"ntt"`` (all transforms of one domain), ``"qap"`` (the witness map), ``"fixed_base_g1"``,
    ``"fixed_base_g2"`` (setup's batch multiplications), ``"msm_g1"``, ``"msm_g2"`` (with 0, 1, small and full
    scalars so every Pippenger path runs), ``"point_ops"`` (the affine helpers the prover's last stage uses), and
    ``"setup+prove"`` (a whole tiny setup and proof, which must then find everything compiled).

    Parameters
    ----------
    n_threads : int, optional
        Passed to the MSM kernels; default ``numba.get_num_threads()``.

    Returns
    -------
    dict[str, float]
        Step name → seconds, in run order; ``"total"`` is their sum. On a warm cache the total is small.
    """
    import warnings

    from prover.domain import EvaluationDomain
    from prover.msm import (
        fixed_base_g1,
        fixed_base_g2,
        g1_add,
        g1_mul,
        g1_neg,
        g2_add,
        g2_mul,
        msm_g1,
        msm_g2,
    )
    from prover.prove import prove
    from prover.qap import first_unsatisfied_row, snarkjs_reduction
    from prover.setup import G1_GENERATOR, G2_GENERATOR, InsecureSetupWarning, setup
    from zksvs.field import FR_MODULUS
    from zksvs.limbs import ints_to_limbs

    out: dict[str, float] = {}

    def step(name: str, fn: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - t0

    def ntt() -> None:
        # both paths: serial (n_chunks = 1, the default at tiny sizes) and the prange drivers (n_chunks = 2)
        d = EvaluationDomain.of_log_size(3)
        x = ints_to_limbs(range(8 * 3)).reshape(3, 8, 4).copy()
        for chunks in (1, 2):
            d.ntt_inplace(x, n_chunks=chunks)
            d.intt_inplace(x, n_chunks=chunks)
            d.coset_ntt_inplace(x, n_chunks=chunks)
            d.intt_to_coset_ntt_inplace(x, n_chunks=chunks)

    r1cs, witness = _tiny_circuit_parts()
    scalars = ints_to_limbs([0, 1, 2, 2**40 + 3, FR_MODULUS - 1, FR_MODULUS // 3, 7, 1])

    def qap() -> None:
        m = r1cs.to_matrices(include_c=True)
        for chunks in (1, 2):
            snarkjs_reduction(m, ints_to_limbs(witness), n_chunks=chunks)
        first_unsatisfied_row(m, ints_to_limbs(witness))

    holder: dict[str, np.ndarray] = {}

    def fb1() -> None:
        holder["g1"] = fixed_base_g1(G1_GENERATOR, scalars, n_threads=n_threads)

    def fb2() -> None:
        holder["g2"] = fixed_base_g2(G2_GENERATOR, scalars, n_threads=n_threads)

    def m1() -> None:
        msm_g1(holder["g1"], scalars, n_threads=n_threads)
        msm_g1(holder["g1"][:3], scalars[:3], n_threads=n_threads)

    def m2() -> None:
        msm_g2(holder["g2"], scalars, n_threads=n_threads)
        msm_g2(holder["g2"][:3], scalars[:3], n_threads=n_threads)

    def point_ops() -> None:
        p = g1_mul(G1_GENERATOR, 5)
        g1_add(g1_add(p, G1_GENERATOR), g1_neg(p))
        q = g2_mul(G2_GENERATOR, 5)
        g2_add(q, G2_GENERATOR)

    def setup_prove() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            pk = setup(r1cs, seed=b"warmup")
        prove(r1cs, pk, witness, r=1, s=2)

    step("ntt", ntt)
    step("qap", qap)
    step("fixed_base_g1", fb1)
    step("fixed_base_g2", fb2)
    step("msm_g1", m1)
    step("msm_g2", m2)
    step("point_ops", point_ops)
    step("setup+prove", setup_prove)
    out["total"] = sum(out.values())
    return out


def cache_report() -> dict[str, dict[str, int]]:
    """Per numba dispatcher of the prover used in this process: signatures, cache hits and misses.

    Returns
    -------
    dict[str, dict[str, int]]
        ``"module.function"`` → ``{"signatures": …, "cache_hits": …, "cache_misses": …}`` for every dispatcher that
        has at least one signature (compiled or loaded) in this process. After ``warmup()`` in a process whose
        cache is warm, every entry has ``cache_misses == 0``: nothing was compiled.
    """
    from numba.core.registry import CPUDispatcher

    report: dict[str, dict[str, int]] = {}
    for mod_name in KERNEL_MODULES:
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

"""Benchmark session setup (STYLE.md §8): options, machine info, JIT warm-up, collection of ``bench_*.py``.

Run: ``python -m pytest bench/bench_msm.py`` (or ``bench/`` for every suite); ``--bench-full`` adds the large sizes
(2^16 MSMs). The peers (zksnake, groth16py) come with ``pip install -e '.[bench]'``; a missing one fails its benchmark.
"""

from __future__ import annotations

import os
import platform
import time
from importlib import metadata

import numpy as np
import pytest


def pytest_addoption(parser):
    group = parser.getgroup("zksvs-bench")
    group.addoption("--bench-full", action="store_true", default=False, help="also run the large sizes (e.g. 2^16)")


def pytest_configure(config):
    config.addinivalue_line("markers", "bench_full: a large size, run only with --bench-full")


def pytest_collection_modifyitems(config, items):
    """Without ``--bench-full``, deselect the items marked ``bench_full`` (large sizes): not run, and not skipped."""
    if config.getoption("--bench-full"):
        return
    drop = [item for item in items if item.get_closest_marker("bench_full")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if not item.get_closest_marker("bench_full")]


def pytest_collect_file(file_path, parent):
    """Collect ``bench/bench_*.py`` when the folder is given (explicit file paths are collected by pytest itself)."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def pytest_benchmark_update_machine_info(config, machine_info):
    """Adds what the timings depend on: numba and its threads, CPU count, and the peers' versions."""
    import numba

    machine_info["zksvs"] = {
        "numba": numba.__version__,
        "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS", "(unset)"),
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer_config": numba.config.THREADING_LAYER,
        "cpu_count": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "py_ecc": _version("py_ecc"),
        "galois": _version("galois"),
        "zksnake": _version("zksnake"),
    }


@pytest.fixture(scope="session")
def jit_warmup() -> dict[str, float]:
    """Calls every field/curve/MSM kernel once on tiny inputs (outside any timing); returns {kernel: first call s}.

    With numba's cache populated this measures the cache load, otherwise the compilation.
    """
    from py_ecc import bn128

    from accel import field
    from prover import msm

    one = np.array([[1, 0, 0, 0]], dtype=np.uint64)
    g1 = (1, 2)
    g2 = tuple(tuple(int(c) for c in coord.coeffs) for coord in bn128.G2)
    out: dict[str, float] = {}
    calls = {
        "fr_mul_arr": lambda: field.fr_mul_arr(one, one),
        "fq_mul_arr": lambda: field.fq_mul_arr(one, one),
        "msm_g1": lambda: msm.msm_g1(msm.fixed_base_g1(g1, one), one * 3),
        "msm_g2": lambda: msm.msm_g2(msm.fixed_base_g2(g2, one), one * 3),
    }
    for name, call in calls.items():
        t0 = time.perf_counter()
        call()
        out[name] = time.perf_counter() - t0
    return out

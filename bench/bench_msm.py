"""G1 / G2 multi-scalar multiplication: numba Pippenger vs py_ecc (naive) and arkworks (through zksnake).

Run: ``python -m pytest bench/bench_msm.py`` (2^12, 2^14); ``--bench-full`` adds 2^16. Names follow STYLE.md §8:
``test_msm_g1[numba-log_n=14-random-threads=2]``; ``benchmark.group`` is ``"msm_g1 n=2^14 random"`` so the peers of
one size and scalar distribution share a table.

- ``numba``: ``prover.msm.msm_g1`` / ``msm_g2`` (input checks and the affine conversion of the result included), with
  ``n_threads`` = 1 and = ``numba.get_num_threads()`` (the pool is also set to that many threads while timing).
- ``py_ecc``: Σ multiply(P_i, k_i) with ``py_ecc.optimized_bn128`` at 2^8 (G1) / 2^5 (G2), one round;
  ``extra_info["s_per_point"]`` and ``extrapolated_2^16_s`` give the per-point figure to compare.
- ``zksnake``: ``zksnake._algebra.ec_bn254.multiscalar_mul_g1``/``_g2`` (arkworks ark-ec, native, single thread);
  building its point objects from our ints is done before timing. Bench-only peer (``pip install -e '.[bench]'``):
  missing, its benchmark fails with the reason.
- ``jit``: import + first ``msm_g1`` call in a fresh interpreter, once with an empty numba cache (compilation) and
  then timed with that cache filled (what a second process pays).

Inputs: bases P_i = t_i·G with seeded random t_i (made by ``fixed_base``, itself tested against py_ecc), so every
result is checked against py_ecc's (Σ k_i·t_i mod r)·G. Scalars: ``random`` (< r), ``bits`` (0/1), ``u64``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import numba
import numpy as np
import pytest
from py_ecc import optimized_bn128 as ob

from prover import msm
from zksvs.field import FR_MODULUS
from zksvs.groth16 import g1_from_limbs, g2_from_limbs
from zksvs.limbs import ints_to_limbs

R = FR_MODULUS
ROOT = Path(__file__).resolve().parents[1]
DISTS = ("random", "bits", "u64")
N_THREADS = numba.get_num_threads()
THREADS = sorted({1, N_THREADS})


def _affine(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    if hasattr(x, "coeffs"):
        return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))
    return (int(x.n), int(y.n))


G1_GEN = _affine(ob.G1)
G2_GEN = _affine(ob.G2)


@cache
def _logs(log_n: int) -> list[int]:
    rng = np.random.default_rng(1000 + log_n)
    return [int.from_bytes(rng.bytes(32), "little") % R for _ in range(1 << log_n)]


@cache
def _bases(group: str, log_n: int) -> np.ndarray:
    t = ints_to_limbs(_logs(log_n))
    return msm.fixed_base_g1(G1_GEN, t) if group == "g1" else msm.fixed_base_g2(G2_GEN, t)


@cache
def _scalars(dist: str, log_n: int) -> list[int]:
    rng = np.random.default_rng(2000 + log_n)
    n = 1 << log_n
    if dist == "bits":
        return [int(v) for v in rng.integers(0, 2, n)]
    if dist == "u64":
        return [int(v) for v in rng.integers(0, 2**64, n, dtype=np.uint64)]
    return [int.from_bytes(rng.bytes(32), "little") % R for _ in range(n)]


@cache
def _expected(group: str, dist: str, log_n: int):
    e = sum(k * t for k, t in zip(_scalars(dist, log_n), _logs(log_n))) % R
    return _affine(ob.multiply(ob.G1 if group == "g1" else ob.G2, e))


def _numba_case(benchmark, jit_warmup, group, log_n, dist, threads):
    bases = _bases(group, log_n)
    scalars = ints_to_limbs(_scalars(dist, log_n))
    fn = msm.msm_g1 if group == "g1" else msm.msm_g2
    benchmark.group = f"msm_{group} n=2^{log_n} {dist}"
    benchmark.extra_info.update(threads=threads, jit_first_call_s=jit_warmup[f"msm_{group}"])
    numba.set_num_threads(threads)
    try:
        got = benchmark.pedantic(fn, args=(bases, scalars), kwargs={"n_threads": threads}, rounds=3, iterations=1)
    finally:
        numba.set_num_threads(N_THREADS)
    benchmark.extra_info["ns_per_point"] = benchmark.stats.stats.mean / (1 << log_n) * 1e9
    assert got == _expected(group, dist, log_n)


def _size_marks(log_n: int) -> tuple:
    """2^16 and up run only with --bench-full (bench/conftest.py deselects ``bench_full`` items otherwise)."""
    return (pytest.mark.bench_full,) if log_n > 14 else ()


def _params(groups_sizes):
    return [
        pytest.param(log_n, dist, t, id=f"numba-log_n={log_n}-{dist}-threads={t}", marks=_size_marks(log_n))
        for log_n in groups_sizes
        for dist in DISTS
        for t in THREADS
    ]


@pytest.mark.parametrize(("log_n", "dist", "threads"), _params([12, 14, 16]))
def test_msm_g1(benchmark, jit_warmup, log_n, dist, threads):
    _numba_case(benchmark, jit_warmup, "g1", log_n, dist, threads)


@pytest.mark.parametrize(("log_n", "dist", "threads"), _params([12, 14, 16]))
def test_msm_g2(benchmark, jit_warmup, log_n, dist, threads):
    _numba_case(benchmark, jit_warmup, "g2", log_n, dist, threads)


# --- peers ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "log_n"), [("g1", 8), ("g2", 5)], ids=["py_ecc-g1-log_n=8", "py_ecc-g2-log_n=5"])
def test_msm_py_ecc(benchmark, jit_warmup, group, log_n):
    """Naive Σ k_i·P_i with py_ecc at a small size, with numba on the same input for the ratio."""
    from_limbs = g1_from_limbs if group == "g1" else g2_from_limbs
    bases = _bases(group, log_n)
    pts = [(ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one()) if group == "g1" else
           (ob.FQ2(list(p[0])), ob.FQ2(list(p[1])), ob.FQ2.one()) for p in from_limbs(bases)]  # fmt: skip
    ks = _scalars("random", log_n)
    zero = ob.Z1 if group == "g1" else ob.Z2

    def naive():
        acc = zero
        for p, k in zip(pts, ks):
            acc = ob.add(acc, ob.multiply(p, k))
        return acc

    benchmark.group = f"msm_{group} n=2^{log_n} random (py_ecc peer)"
    got = benchmark.pedantic(naive, rounds=1, iterations=1)
    per_point = benchmark.stats.stats.mean / (1 << log_n)
    benchmark.extra_info.update(s_per_point=per_point, **{"extrapolated_2^16_s": per_point * 2**16})
    assert _affine(got) == _expected(group, "random", log_n)
    fn = msm.msm_g1 if group == "g1" else msm.msm_g2
    assert fn(bases, ints_to_limbs(ks)) == _expected(group, "random", log_n)


def _zksnake():
    try:
        from zksnake._algebra import ec_bn254
    except ImportError as exc:  # the peer belongs in the same run: a missing one fails, never skips
        pytest.fail(f"zksnake (bench-only peer: pip install -e '.[bench]') cannot be imported: {exc}")
    return ec_bn254


@pytest.mark.parametrize(
    ("group", "log_n", "dist"),
    [
        pytest.param(g, s, d, id=f"zksnake-{g}-log_n={s}-{d}", marks=_size_marks(s))
        for g in ("g1", "g2")
        for s in (12, 14, 16)
        for d in DISTS
    ],
)
def test_msm_zksnake(benchmark, group, log_n, dist):
    """arkworks MSM (native, single thread) through zksnake on the same bases and scalars."""
    ec = _zksnake()
    bases = _bases(group, log_n)
    if group == "g1":
        pts = [ec.PointG1(x, y) for x, y in g1_from_limbs(bases)]
        fn = ec.multiscalar_mul_g1
    else:
        pts = [ec.PointG2(*x, *y) for x, y in g2_from_limbs(bases)]
        fn = ec.multiscalar_mul_g2
    ks = _scalars(dist, log_n)
    benchmark.group = f"msm_{group} n=2^{log_n} {dist}"
    benchmark.name = f"test_msm_{group}[zksnake-log_n={log_n}-{dist}-threads=1]"
    got = benchmark.pedantic(fn, args=(pts, ks), rounds=3, iterations=1)
    benchmark.extra_info["ns_per_point"] = benchmark.stats.stats.mean / (1 << log_n) * 1e9
    want = _expected(group, dist, log_n)
    if group == "g1":
        assert (got.x, got.y) == want
    else:
        assert (tuple(got.x), tuple(got.y)) == want


# --- JIT: first call in a fresh process, cold cache vs filled cache ---------------------------------------------------

_JIT_SCRIPT = textwrap.dedent(
    """
    import json, time
    t0 = time.perf_counter()
    import numpy as np
    from prover import msm
    t1 = time.perf_counter()
    from zksvs.groth16 import g1_to_limbs
    bases = g1_to_limbs([(1, 2), (1, 2)])
    got = msm.msm_g1(bases, np.array([[3, 0, 0, 0], [4, 0, 0, 0]], dtype=np.uint64))
    t2 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "result": [str(v) for v in got]}))
    """
)


def _run_jit_script(cache_dir: Path) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _JIT_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_jit_msm_g1_second_process(benchmark, tmp_path):
    """Cold: compile everything msm_g1 needs in a fresh process; then time a fresh process that loads the cache."""
    want = [str(v) for v in _affine(ob.multiply(ob.G1, 7))]
    cold = _run_jit_script(tmp_path)
    assert cold["result"] == want
    benchmark.group = "jit msm_g1 (fresh process)"
    benchmark.extra_info.update(cold_import_s=cold["import_s"], cold_first_call_s=cold["first_call_s"])
    warm = benchmark.pedantic(_run_jit_script, args=(tmp_path,), rounds=3, iterations=1)
    benchmark.extra_info.update(cached_import_s=warm["import_s"], cached_first_call_s=warm["first_call_s"])
    assert warm["result"] == want

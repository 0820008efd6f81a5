"""Fr / Fq Montgomery multiplication throughput: numba kernels vs Python ints.

Run: ``python -m pytest bench/bench_field.py``. ``numba``: ``F_mul_arr`` over 2^20 pairs (one thread, loads and
stores included); ``reference``: Python's ``x * y % m`` over 2^14 pairs (a list comprehension). ``extra_info``
holds ``ns_per_mul`` (mean time / pairs). Every benchmark checks sampled results against Python ints.
"""

from __future__ import annotations

import numpy as np
import pytest

from accel import field
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.limbs import limbs_to_ints

MODULI = {"fr": FR_MODULUS, "fq": FQ_MODULUS}
_N_NUMBA = 1 << 20
_N_REF = 1 << 14
_RINV = {k: pow(1 << 256, -1, m) for k, m in MODULI.items()}


def _random_limbs(m: int, n: int, seed: int) -> np.ndarray:
    """n seeded random canonical elements as ``uint64[n, 4]`` (top limb < m's top limb, so every value is < m)."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    out[:, 3] = rng.integers(0, m >> 192, size=n, dtype=np.uint64)
    return out


@pytest.mark.parametrize("name", sorted(MODULI))
def test_mul(benchmark, jit_warmup, name):
    m = MODULI[name]
    a = _random_limbs(m, _N_NUMBA, 1)
    b = _random_limbs(m, _N_NUMBA, 2)
    kernel = getattr(field, f"{name}_mul_arr")
    benchmark.group = f"{name} mul"
    benchmark.extra_info["jit_first_call_s"] = jit_warmup[f"{name}_mul_arr"]
    out = benchmark(kernel, a, b)
    benchmark.extra_info["ns_per_mul"] = benchmark.stats.stats.mean / _N_NUMBA * 1e9
    idx = np.random.default_rng(3).integers(0, _N_NUMBA, 256)
    xs, ys, got = limbs_to_ints(a[idx]), limbs_to_ints(b[idx]), limbs_to_ints(out[idx])
    assert got == [x * y * _RINV[name] % m for x, y in zip(xs, ys)]


@pytest.mark.parametrize("name", sorted(MODULI))
def test_mul_reference(benchmark, name):
    m = MODULI[name]
    xs = limbs_to_ints(_random_limbs(m, _N_REF, 1))
    ys = limbs_to_ints(_random_limbs(m, _N_REF, 2))
    benchmark.group = f"{name} mul"
    out = benchmark(lambda: [x * y % m for x, y in zip(xs, ys)])
    benchmark.extra_info["ns_per_mul"] = benchmark.stats.stats.mean / _N_REF * 1e9
    assert out[:3] == [xs[i] * ys[i] % m for i in range(3)]

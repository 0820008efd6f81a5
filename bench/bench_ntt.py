"""Radix-2 NTT over Fr and the QAP witness map: numba kernels vs galois (GF(r), python-calculate) as a scale peer.

Run: ``python -m pytest bench/bench_ntt.py`` (2^12 … 2^16; an NTT at 2^16 takes tens of ms, so every size is in the
default run). Names follow STYLE.md §8: ``test_ntt[numba-log_n=16-threads=2]``; ``benchmark.group`` is
``"ntt n=2^16"``.

- ``numba``: ``EvaluationDomain.ntt_inplace`` on one ``uint64[n, 4]`` Montgomery vector (bit reversal and all
  stages; twiddle tables built before timing), with ``n_chunks`` = 1 (one thread) and = ``numba.get_num_threads()``.
- ``numba-abc``: the QAP's three transforms as snarkjs does them (INTT → odd-coset scaling → NTT of A, B and C in
  one batch), i.e. six NTTs of size n: the NTT part of the ``"witness map (QAP)"`` stage.
- ``galois``: ``np.fft.fft`` on a ``galois.GF(r)`` array, the code path of ``galois.ntt`` (object dtype, Python
  ints), at 2^8 only (one round); ``extra_info["extrapolated_2^16_s"]`` scales it by n·log n.

Every result is checked: the numba output against a direct evaluation X_k = Σ_j x_j ω^{jk} at a few k (Python ints),
galois's against the numba kernel's.
"""

from __future__ import annotations

import random

import galois
import numba
import numpy as np
import pytest

from prover.domain import EvaluationDomain
from zksvs.field import FR_GENERATOR, FR_MODULUS
from zksvs.limbs import from_montgomery, ints_to_limbs, limbs_to_ints, to_montgomery

R = FR_MODULUS
N_THREADS = numba.get_num_threads()
THREADS = sorted({1, N_THREADS})
SIZES = (12, 13, 14, 15, 16)


@pytest.fixture(scope="module")
def jit_first_call_s() -> float:
    """``prover.warmup()``'s total: compile or cache-load seconds of every prover kernel (STYLE.md §8)."""
    import prover

    return prover.warmup().total_s


def _vector(log_n: int, seed: int) -> list[int]:
    rnd = random.Random(seed)
    return [rnd.randrange(R) for _ in range(1 << log_n)]


def _check_ntt(x: list[int], out_mont: np.ndarray, d: EvaluationDomain, samples: int = 3) -> None:
    got = from_montgomery(limbs_to_ints(out_mont), R)
    for k in random.Random(0).sample(range(d.size), samples):
        wk = pow(d.omega, k, R)
        acc, p = 0, 1
        for xj in x:
            acc += xj * p
            p = p * wk % R
        assert got[k] == acc % R


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"threads={t}")
@pytest.mark.parametrize("log_n", SIZES, ids=lambda k: f"log_n={k}")
def test_ntt_numba(benchmark, log_n, threads, jit_first_call_s):
    d = EvaluationDomain.of_log_size(log_n)
    x = _vector(log_n, seed=log_n)
    base = ints_to_limbs(to_montgomery(x, R))
    work = base.copy()
    d.ntt_inplace(work, n_chunks=threads)  # tables built and kernels loaded outside the timing

    def setup():
        np.copyto(work, base)
        return (work,), {"n_chunks": threads}

    benchmark.group = f"ntt n=2^{log_n}"
    benchmark.extra_info.update({"impl": "numba", "threads": threads, "jit_first_call_s": jit_first_call_s})
    benchmark.pedantic(d.ntt_inplace, setup=setup, rounds=10 if log_n >= 15 else 30, warmup_rounds=1)
    butterflies = (d.size // 2) * log_n
    benchmark.extra_info["ns_per_butterfly"] = benchmark.stats.stats.median * 1e9 / butterflies
    _check_ntt(x, work, d)


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"threads={t}")
@pytest.mark.parametrize("log_n", (12, 14, 16), ids=lambda k: f"log_n={k}")
def test_qap_transforms_numba_abc(benchmark, log_n, threads, jit_first_call_s):
    d = EvaluationDomain.of_log_size(log_n)
    rows = [_vector(log_n, seed=100 * log_n + k) for k in range(3)]
    base = np.ascontiguousarray(np.stack([ints_to_limbs(to_montgomery(r, R)) for r in rows]))
    work = base.copy()
    d.intt_to_coset_ntt_inplace(work, n_chunks=threads)

    def setup():
        np.copyto(work, base)
        return (work,), {"n_chunks": threads}

    benchmark.group = f"qap transforms (3 × INTT + coset NTT) n=2^{log_n}"
    benchmark.extra_info.update({"impl": "numba-abc", "threads": threads, "jit_first_call_s": jit_first_call_s})
    benchmark.pedantic(d.intt_to_coset_ntt_inplace, setup=setup, rounds=5 if log_n >= 16 else 15, warmup_rounds=1)
    # spot check: row 0 evaluated on the coset at one point equals its interpolant there
    got = from_montgomery(limbs_to_ints(work[0]), R)
    k = 5
    point = d.coset_shift * pow(d.omega, k, R) % R
    # interpolant of rows[0] at `point` via the barycentric form on ⟨ω⟩: (x^n − 1)/n · Σ_j y_j ω^j/(x − ω^j)
    acc, wj = 0, 1
    for yj in rows[0]:
        acc += yj * wj * pow(point - wj, -1, R)
        wj = wj * d.omega % R
    expected = (pow(point, d.size, R) - 1) * d.size_inv % R * acc % R
    assert got[k] == expected


def test_ntt_galois(benchmark):
    log_n = 8
    gf = galois.GF(R, primitive_element=FR_GENERATOR, verify=False)
    x = _vector(log_n, seed=8)
    arr = gf(x)
    np.fft.fft(gf(x[:4]))  # first call outside the timing
    benchmark.group = f"ntt n=2^{log_n}"
    benchmark.extra_info["impl"] = "galois"
    out = benchmark.pedantic(np.fft.fft, args=(arr,), rounds=1, iterations=1)
    t = benchmark.stats.stats.median
    benchmark.extra_info["extrapolated_2^16_s"] = t * (2**16 * 16) / (2**8 * 8)
    d = EvaluationDomain.of_log_size(log_n)
    mont = ints_to_limbs(to_montgomery(x, R))
    d.ntt_inplace(mont)
    assert [int(v) for v in out] == from_montgomery(limbs_to_ints(mont), R)


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"threads={t}")
def test_ntt_numba_small_peer(benchmark, threads):
    # the galois size, for a like-for-like ratio
    log_n = 8
    d = EvaluationDomain.of_log_size(log_n)
    x = _vector(log_n, seed=8)
    base = ints_to_limbs(to_montgomery(x, R))
    work = base.copy()
    d.ntt_inplace(work, n_chunks=threads)

    def setup():
        np.copyto(work, base)
        return (work,), {"n_chunks": threads}

    benchmark.group = f"ntt n=2^{log_n}"
    benchmark.extra_info.update({"impl": "numba", "threads": threads})
    benchmark.pedantic(d.ntt_inplace, setup=setup, rounds=50, warmup_rounds=1)
    _check_ntt(x, work, d)

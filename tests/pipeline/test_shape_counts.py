"""bench/bench_shapes.py's exact constraint counts (docs/scaling.md, "Bigger shapes") agree with built circuits,
also where the commitment's Poseidon sponge starts a new chunk (B = 17 and 31: 16 words, then 15 beside the hash)."""

from __future__ import annotations

import pytest

from bench.bench_shapes import constraints_at, count_constraints, linear_counts, sponge_cost


@pytest.fixture(scope="module")
def lin() -> dict:
    return linear_counts(2, 3, 2)


@pytest.mark.parametrize("b", [3, 16, 17, 31, 32])
def test_the_count_of_any_b_is_the_built_circuits(lin, b):
    assert constraints_at(lin, b) == count_constraints(2, b, 3, 2)


def test_the_sponge_is_one_poseidon_per_chunk():
    from circuits.gadgets.poseidon import poseidon_cost

    # eight slot words a slot (protocol v2 with forced slots' signatures): B slots are 8·B words
    assert sponge_cost(2) == poseidon_cost(16)
    assert sponge_cost(3) == poseidon_cost(16) + poseidon_cost(9)  # the running hash beside words 16..23
    assert sponge_cost(4) == 2 * poseidon_cost(16) + poseidon_cost(2)  # 32 words: 16, 15, 1
    assert sponge_cost(7) == 3 * poseidon_cost(16) + poseidon_cost(11)  # 56 words: 16, 15, 15, 10

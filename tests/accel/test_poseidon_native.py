"""Native Poseidon (``accel.poseidon``, numba) against circomlibjs 0.1.7 and the plain references.

Oracles: circomlibjs ``buildPoseidon()`` run by node inside the test (one call for the whole batch: every arity
1..16 with 0, 1, r − 1, mixed edges and random inputs), and the fixed vectors in
``../shared/anchors/poseidon_vectors.json`` (made with the same circomlibjs). Merkle paths are checked against the
pure-Python ``zksvs.merkle.root_from_opening`` and ``zksvs.poseidon.hash2`` level by level; the literal reference
evaluation (``_permute_reference``, ``poseidon_reference.js``) checks every arity without node.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

import accel.poseidon as ap
from tests.core.test_poseidon import ANCHORS, circomlibjs_poseidon
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.poseidon import _permute_reference, hash2, poseidon, poseidon_params

R = FR_MODULUS
EDGES = [0, 1, R - 1]


def _batch() -> list[list[int]]:
    rng = random.Random(0xACCE1)
    batch: list[list[int]] = []
    for n in range(1, 17):
        batch += [[e] * n for e in EDGES]
        batch.append([EDGES[i % 3] for i in range(n)])
        batch.append([EDGES[(i + 1) % 3] for i in range(n)])
        batch += [[rng.randrange(R) for _ in range(n)] for _ in range(3)]
        batch.append([rng.randrange(1 << 64) for _ in range(n)])  # u64-sized, like balances and nonces
    return batch


@pytest.mark.node
def test_every_arity_matches_circomlibjs(node_tools):
    batch = _batch()
    expected = circomlibjs_poseidon(batch)
    assert [ap.poseidon(xs) for xs in batch] == expected
    assert [ap.poseidon_unchecked(xs) for xs in batch] == expected
    for n in range(1, 17):  # the batch kernel, one arity at a time (serial below 64 rows, prange above)
        rows = [xs for xs in batch if len(xs) == n]
        want = [e for xs, e in zip(batch, expected) if len(xs) == n]
        assert ap.poseidon_many(rows) == want
        assert ap.poseidon_many(rows * 20) == want * 20
    pairs = [(xs, e) for xs, e in zip(batch, expected) if len(xs) == 2]
    assert [ap.hash2(*xs) for xs, _ in pairs] == [e for _, e in pairs]
    assert [ap.hash2_unchecked(*xs) for xs, _ in pairs] == [e for _, e in pairs]


def test_anchor_vectors():
    vectors = json.loads((ANCHORS / "poseidon_vectors.json").read_text())
    assert vectors
    for v in vectors:
        xs = [int(x) for x in v["inputs"]]
        assert ap.poseidon(xs) == int(v["output"]), xs
        if len(xs) == 2:
            assert ap.hash2(*xs) == int(v["output"])


@pytest.mark.parametrize("n_inputs", range(1, 17))
def test_every_arity_equals_the_reference_permutation(n_inputs):
    rng = random.Random(n_inputs)
    params = poseidon_params(n_inputs + 1)
    for xs in ([0] * n_inputs, [R - 1] * n_inputs, [rng.randrange(R) for _ in range(n_inputs)]):
        assert ap.poseidon(xs) == _permute_reference([0, *xs], params)[0]


def _python_path(leaf: int, index: int, siblings: list[int]) -> list[int]:
    nodes = [leaf]
    for k, sib in enumerate(siblings):
        nodes.append(hash2(sib, nodes[-1]) if (index >> k) & 1 else hash2(nodes[-1], sib))
    return nodes


@pytest.mark.parametrize("depth", [1, 2, 8, 20, 64, 65, 130])
def test_merkle_path_equals_pure_python_level_by_level(depth):
    rng = random.Random(depth)
    for index in {0, (1 << depth) - 1, rng.randrange(1 << depth), (1 << depth) // 2}:
        leaf = rng.choice([0, 1, R - 1, rng.randrange(R)])
        siblings = [rng.choice([0, R - 1, rng.randrange(R)]) for _ in range(depth)]
        want = _python_path(leaf, index, siblings)
        assert list(ap.merkle_path(leaf, index, siblings)) == want
        assert list(ap.merkle_path_unchecked(leaf, index, siblings)) == want
        buf = ap._to_limbs([index, leaf, *siblings])
        assert ap._to_ints(ap.merkle_path_limbs(np.array(buf))) == want


def test_merkle_paths_batch_equals_one_at_a_time():
    rng = random.Random(7)
    depth = 6
    for n in (3, 70):  # serial and prange
        leaves = [rng.randrange(R) for _ in range(n)]
        indices = [rng.randrange(1 << depth) for _ in range(n)]
        sibs = [[rng.randrange(R) for _ in range(depth)] for _ in range(n)]
        got = ap.merkle_paths(leaves, indices, sibs)
        assert got == [tuple(_python_path(a, i, s)) for a, i, s in zip(leaves, indices, sibs)]
    assert ap.merkle_paths([], [], []) == []


def test_poseidon_limbs_array_form():
    rng = random.Random(3)
    rows = [[rng.randrange(R) for _ in range(5)] for _ in range(10)]
    x = np.array(ap._to_limbs([v for row in rows for v in row])).reshape(10, 5, 4)
    out = ap.poseidon_limbs(x)
    assert out.shape == (10, 4) and out.dtype == np.uint64
    assert ap._to_ints(out) == [ap.poseidon(row) for row in rows]


@pytest.mark.parametrize("bad", [R, R + 5, -1, True, 1.0, "1", 1 << 256])
def test_non_canonical_inputs_are_refused_by_name(bad):
    with pytest.raises(NonCanonicalFieldElement, match=r"inputs\[1\]"):
        ap.poseidon([0, bad, 0])
    with pytest.raises(NonCanonicalFieldElement, match="right"):
        ap.hash2(0, bad)
    with pytest.raises(NonCanonicalFieldElement, match=r"rows\[1\]\[0\]"):
        ap.poseidon_many([[1, 2], [bad, 2]])
    with pytest.raises(NonCanonicalFieldElement, match="leaf"):
        ap.merkle_path(bad, 0, [1, 2])
    with pytest.raises(NonCanonicalFieldElement, match=r"siblings\[1\]"):
        ap.merkle_path(1, 0, [1, bad])


def test_array_entry_points_check_limbs_against_r():
    x = np.array(ap._to_limbs([1, 2])).reshape(1, 2, 4)
    x[0, 1] = [int(v) for v in ap._to_limbs([R])[0]]
    with pytest.raises(NonCanonicalFieldElement, match="element 1"):
        ap.poseidon_limbs(x)
    buf = np.array(ap._to_limbs([0, 5, R + 1]))
    with pytest.raises(NonCanonicalFieldElement, match="element 1"):
        ap.merkle_path_limbs(buf)
    with pytest.raises(ValueError, match="uint64 array of 3 dimensions"):
        ap.poseidon_limbs(x.astype(np.int64))


@pytest.mark.parametrize("n", [0, 17])
def test_arity_outside_1_to_16_is_refused(n):
    with pytest.raises(ValueError, match=rf"1\.\.16 field elements, not {n}"):
        ap.poseidon([1] * n)
    with pytest.raises(ValueError, match=rf"1\.\.16 field elements, not {n}"):
        ap.poseidon_limbs(np.zeros((1, n, 4), dtype=np.uint64))


def test_bad_paths_are_refused():
    with pytest.raises(ValueError, match=r"'index' must be an int in \[0, 2\^2\)"):
        ap.merkle_path(1, 4, [1, 2])
    with pytest.raises(ValueError, match=r"'siblings' must hold 1\.\.254"):
        ap.merkle_path(1, 0, [])
    with pytest.raises(ValueError, match="one length"):
        ap.poseidon_many([[1, 2], [1]])
    with pytest.raises(ValueError, match="depth 2"):
        ap.merkle_paths([1, 1], [0, 0], [[1, 2], [1]])


@pytest.mark.parametrize("n_inputs", [2, 4])
def test_batch_kernel_every_row_count_equals_the_core_hash(n_inputs):
    # the batch kernel (inlined Montgomery products and lazy sums) against zksvs.poseidon (itself checked against
    # circomlibjs): 1 row, odd and even counts, and the prange kernel from 64 rows
    rng = random.Random(100 + n_inputs)
    for n in (1, 2, 7, 8, 64, 65):
        rows = [[rng.choice([0, 1, R - 1, rng.randrange(R)]) for _ in range(n_inputs)] for _ in range(n)]
        assert ap.poseidon_many_unchecked(rows) == [poseidon(row) for row in rows], n  # via poseidon_limbs

"""``accel.merkle.NativeHasher`` in the core's trees: the same nodes, openings and roots as the pure-Python hasher."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from accel.merkle import NativeHasher
from zksvs.field import FR_MODULUS
from zksvs.merkle import PYTHON_HASHER, AppendOnlyMerkleTree, SparseMerkleTree, root_from_opening, verify_opening

R = FR_MODULUS

_writes = st.lists(
    st.tuples(st.integers(0, 63), st.sampled_from([0, 1, R - 1, 12345, R // 2])), min_size=1, max_size=12
)


@given(_writes)
def test_sparse_tree_with_native_hasher_equals_python(writes):
    native, python = SparseMerkleTree(6, NativeHasher()), SparseMerkleTree(6)
    for index, leaf in writes:
        a, b = native.set(index, leaf), python.set(index, leaf)
        assert a == b and native.root == python.root
        assert native.opening(index) == python.opening(index)
        assert verify_opening(python.root, native.opening(index))
    tok = native.snapshot()
    native.set(5, 99)
    native.revert(tok)
    assert native.root == python.root


def test_append_only_tree_and_root_from_opening():
    h = NativeHasher()
    rng = random.Random(2)
    native, python = AppendOnlyMerkleTree(5, h), AppendOnlyMerkleTree(5)
    for _ in range(20):
        leaf = rng.randrange(R)
        assert native.append(leaf) == python.append(leaf)
        assert native.root == python.root
        op = native.opening(native.next_index - 1)
        assert root_from_opening(op.leaf, op.index, op.siblings, h) == python.root
    assert native.copy().root == python.root


def test_memo_returns_the_same_nodes_and_forgets_the_oldest():
    h = NativeHasher(memo_paths=2)
    sibs = (1, 2, 3)
    first = [h.path(leaf, 5, sibs) for leaf in (10, 11, 12)]
    assert first == [tuple(PYTHON_HASHER.path(leaf, 5, sibs)) for leaf in (10, 11, 12)]
    assert h.memo_hits == 0
    assert h.path(12, 5, sibs) == first[2] and h.memo_hits == 1
    assert h.path(10, 5, sibs) == first[0] and h.memo_hits == 1  # evicted (oldest): hashed again
    # the same leaf and index with other siblings is another path: never answered from the memo
    assert h.path(12, 5, (4, 5, 6)) == tuple(PYTHON_HASHER.path(12, 5, (4, 5, 6))) and h.memo_hits == 1
    assert h.path(12, 4, sibs) == tuple(PYTHON_HASHER.path(12, 4, sibs)) and h.memo_hits == 1
    off = NativeHasher(memo_paths=0)
    assert off.path(10, 5, sibs) == first[0] and off.memo_hits == 0


def test_leaf_and_node_hashes_equal_python():
    h = NativeHasher()
    assert h.hash2(3, R - 1) == PYTHON_HASHER.hash2(3, R - 1)
    for n in (1, 4, 6, 16):
        xs = list(range(R - n, R))
        assert h.poseidon(xs) == PYTHON_HASHER.poseidon(xs)


def test_many_equals_python_and_answers_repeated_rows_from_its_memo():
    rng = random.Random(4)
    h = NativeHasher(memo_rows=8)
    for arity in (2, 4, 10):
        rows = [tuple(rng.choice([0, 1, R - 1, rng.randrange(R)]) for _ in range(arity)) for _ in range(5)]
        assert h.many(rows) == PYTHON_HASHER.many(rows)
    rows = [(1, 2), (3, 4)]
    hashed = h.rows_hashed
    assert h.many([*rows, (5, 6)]) == PYTHON_HASHER.many([*rows, (5, 6)])
    assert h.rows_hashed == hashed + 3  # the table was full: emptied, nothing answered from it
    assert h.many([(3, 4), (7, 8), (1, 2)]) == PYTHON_HASHER.many([(3, 4), (7, 8), (1, 2)])
    assert h.rows_hashed == hashed + 4 and h.row_hits >= 2
    off = NativeHasher(memo_rows=0)
    assert off.many(rows) == off.many(rows) == PYTHON_HASHER.many(rows) and off.row_hits == 0

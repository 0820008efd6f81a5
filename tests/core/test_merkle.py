"""Poseidon Merkle trees (``zksvs.merkle``) against a naive full-tree model written here, and against circomlibjs.

The naive model hashes every level of the full 2^depth tree with ``zksvs.poseidon.poseidon`` (2 inputs), itself
checked against circomlibjs in ``test_poseidon.py``; one test also builds a small tree's root in node with
circomlibjs ``buildPoseidon()`` directly.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.oracles.node import run_node_script
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.merkle import (
    AppendOnlyMerkleTree,
    MerkleOpening,
    PythonHasher,
    SparseMerkleTree,
    root_from_opening,
    verify_opening,
    zero_hashes,
)
from zksvs.poseidon import poseidon

R = FR_MODULUS


def naive_levels(leaves: list[int], depth: int) -> list[list[int]]:
    """Every level of the full tree, level 0 = ``leaves`` padded with 0 to 2^depth."""
    level = leaves + [0] * ((1 << depth) - len(leaves))
    levels = [level]
    for _ in range(depth):
        level = [poseidon([level[2 * i], level[2 * i + 1]]) for i in range(len(level) // 2)]
        levels.append(level)
    return levels


def naive_opening(levels: list[list[int]], index: int) -> MerkleOpening:
    sibs = tuple(levels[k][(index >> k) ^ 1] for k in range(len(levels) - 1))
    return MerkleOpening(index, levels[0][index], sibs)


def test_zero_hashes_match_naive_empty_tree():
    z = zero_hashes(5)
    assert len(z) == 6 and z[0] == 0
    assert list(z) == [lvl[0] for lvl in naive_levels([], 5)]
    assert zero_hashes(3) == z[:4]
    assert SparseMerkleTree(5).root == z[5] == AppendOnlyMerkleTree(5).root


def test_sparse_tree_matches_naive(rng):
    depth = 4
    tree = SparseMerkleTree(depth)
    leaves = [0] * 16
    for _ in range(25):
        i, v = rng.randrange(16), rng.choice([0, 1, R - 1, rng.randrange(R)])
        old = tree.set(i, v)
        assert old == naive_opening(naive_levels(leaves, depth), i)
        leaves[i] = v
        levels = naive_levels(leaves, depth)
        assert tree.root == levels[depth][0]
        assert root_from_opening(v, i, old.siblings) == tree.root
        for j in (i, rng.randrange(16)):
            assert tree.opening(j) == naive_opening(levels, j)
            assert tree.get(j) == leaves[j]


def test_sparse_tree_stores_only_non_empty_nodes():
    tree = SparseMerkleTree(8)
    tree.set(5, 7)
    assert sum(map(len, tree._levels)) == 9  # one path
    tree.set(5, 0)
    assert sum(map(len, tree._levels)) == 0 and tree.root == zero_hashes(8)[8]


def test_openings_verify_and_tampering_fails(rng):
    tree = SparseMerkleTree(5)
    for i in range(32):  # all distinct, so swapping a node with its sibling changes the root
        tree.set(i, rng.randrange(R))
    root = tree.root
    for i in (0, 3, 17, 31):
        op = tree.opening(i)
        assert verify_opening(root, op)
        for k in range(5):
            sibs = list(op.siblings)
            sibs[k] = (sibs[k] + 1) % R
            assert not verify_opening(root, MerkleOpening(i, op.leaf, tuple(sibs)))
            assert not verify_opening(root, MerkleOpening(i ^ (1 << k), op.leaf, op.siblings))
        assert not verify_opening(root, MerkleOpening(i, (op.leaf + 1) % R, op.siblings))
        assert not verify_opening((root + 1) % R, op)


def test_sparse_snapshot_revert(rng):
    tree = SparseMerkleTree(6)
    for i in range(10):
        tree.set(i, i + 1)
    root0, leaves0 = tree.root, [tree.get(i) for i in range(64)]
    token = tree.snapshot()
    tree.set(3, 99)
    inner = tree.snapshot()
    tree.set(40, 5)
    tree.set(3, 0)
    tree.revert(inner)
    assert tree.get(3) == 99 and tree.get(40) == 0
    tree.revert(token)
    assert tree.root == root0 and [tree.get(i) for i in range(64)] == leaves0
    assert tree._levels == naive_tree(leaves0, 6)._levels
    tree.revert(token)  # no-op
    with pytest.raises(ValueError, match=r"'token' must be a snapshot in \[0, 10\], not 11"):
        tree.revert(11)
    tree.forget_history()
    with pytest.raises(ValueError, match=r"'token' must be a snapshot in \[10, 10\], not 0"):
        tree.revert(0)


def naive_tree(leaves: list[int], depth: int) -> SparseMerkleTree:
    t = SparseMerkleTree(depth)
    for i, v in enumerate(leaves):
        if v:
            t.set(i, v)
    return t


def test_sparse_copy_is_independent():
    a = SparseMerkleTree(3)
    a.set(1, 11)
    b = a.copy()
    assert b.snapshot() == 0 and b.root == a.root
    b.set(2, 22)
    assert a.get(2) == 0 and b.get(1) == 11 and a.root != b.root


def test_append_only_tree(rng):
    depth = 3
    tree = AppendOnlyMerkleTree(depth)
    leaves: list[int] = []
    for n in range(8):
        v = rng.randrange(R)
        op = tree.append(v)
        assert op == MerkleOpening(n, 0, naive_opening(naive_levels(leaves, depth), n).siblings)
        leaves.append(v)
        assert tree.next_index == n + 1 and tree.leaves == tuple(leaves)
        assert tree.root == naive_levels(leaves, depth)[depth][0]
        assert verify_opening(tree.root, tree.opening(n))
    assert tree.opening(2) == naive_opening(naive_levels(leaves, depth), 2)
    with pytest.raises(ValueError, match="depth 3 is full: 8 leaves"):
        tree.append(1)


def test_append_only_snapshot_revert_copy():
    tree = AppendOnlyMerkleTree(4)
    tree.append(1)
    token, root = tree.snapshot(), tree.root
    other = tree.copy()
    tree.append(2)
    tree.append(3)
    other.append(9)
    tree.revert(token)
    assert (tree.root, tree.leaves, tree.next_index) == (root, (1,), 1)
    assert other.leaves == (1, 9)
    tree.append(2)
    assert tree.root == naive_levels([1, 2], 4)[4][0]


@pytest.mark.parametrize("index", [-1, 8, True, 2.0])
def test_tree_rejects_bad_index(index):
    for op in (SparseMerkleTree(3).get, SparseMerkleTree(3).opening, AppendOnlyMerkleTree(3).opening):
        with pytest.raises(ValueError, match=r"'index' must be an int in \[0, 2\^3\) for depth 3"):
            op(index)
    with pytest.raises(ValueError, match=rf"for depth 3, not {index!r}"):
        SparseMerkleTree(3).set(index, 1)
    with pytest.raises(ValueError, match="for depth 3"):
        root_from_opening(1, index, [0, 0, 0])


def test_tree_rejects_bad_depth_and_leaf():
    for depth in (0, 255, -1):
        with pytest.raises(ValueError, match=rf"'depth' must be an int in \[1, 254\], not {depth}"):
            SparseMerkleTree(depth)
    with pytest.raises(ValueError, match=r"'depth' must be an int in \[1, 254\], not 0"):
        root_from_opening(1, 0, [])
    with pytest.raises(NonCanonicalFieldElement, match="leaf"):
        SparseMerkleTree(3).set(0, R)
    with pytest.raises(NonCanonicalFieldElement, match="leaf"):
        AppendOnlyMerkleTree(3).append(-1)
    with pytest.raises(NonCanonicalFieldElement):
        verify_opening(0, MerkleOpening(0, 1, (R, 0)))


@given(st.lists(st.tuples(st.integers(0, 7), st.sampled_from([0, 1, 2, R - 1, 12345])), max_size=12))
def test_sparse_tree_property_vs_naive(writes):
    tree = SparseMerkleTree(3)
    leaves = [0] * 8
    tokens = []
    for i, v in writes:
        tokens.append((tree.snapshot(), list(leaves)))
        tree.set(i, v)
        leaves[i] = v
    levels = naive_levels(leaves, 3)
    assert tree.root == levels[3][0]
    assert all(tree.opening(j) == naive_opening(levels, j) for j in range(8))
    if tokens:
        token, before = tokens[len(tokens) // 2]
        tree.revert(token)
        assert tree.root == naive_levels(before, 3)[3][0]


# one op: ("set" | "write" | "pre" (write a preimage) | "snap" | "revert" | "read", index, value)
_ops = st.lists(
    st.tuples(
        st.sampled_from(["set", "write", "pre", "snap", "revert", "read"]),
        st.integers(0, 7),
        st.sampled_from([0, 1, 2, R - 1, 12345]),
    ),
    max_size=24,
)


@settings(max_examples=200)
@given(_ops)
def test_deferred_writes_match_naive_with_snapshots(ops):
    """``write`` (deferred; a leaf or a preimage), ``set`` and ``revert`` interleaved in any order give the naive
    model's root, openings and leaves at every read, and ``revert`` restores the model of its snapshot."""
    tree = SparseMerkleTree(3)
    leaves = [0] * 8
    tokens: list[tuple[int, list[int]]] = []
    for op, i, v in ops:
        if op == "set":
            old = tree.set(i, v)
            assert old == naive_opening(naive_levels(leaves, 3), i)
            leaves[i] = v
        elif op == "write":
            tree.write(i, v)
            leaves[i] = v
        elif op == "pre":
            tree.write(i, (v, i))
            leaves[i] = poseidon([v, i])
        elif op == "snap":
            tokens.append((tree.snapshot(), list(leaves)))
        elif op == "revert" and tokens:
            token, leaves = tokens.pop(v % len(tokens))
            tokens = [t for t in tokens if t[0] <= token]
            tree.revert(token)
        else:
            levels = naive_levels(leaves, 3)
            assert tree.root == levels[3][0]
            assert tree.opening(i) == naive_opening(levels, i) and tree.get(i) == leaves[i]
            assert tree.n_dirty == 0
    levels = naive_levels(leaves, 3)
    assert tree.root == levels[3][0]
    assert tree._levels == naive_tree(leaves, 3)._levels  # no stale or leftover node anywhere


def test_revert_after_flush_rehashes_the_reverted_writes():
    """A write hashed by a flush, then reverted: its leaf is dirty again, so the next root recomputes its path."""
    tree = SparseMerkleTree(3)
    tree.write(1, 5)
    root0 = tree.root
    token = tree.snapshot()
    tree.write(6, 7)
    tree.write(1, (3, 4))
    assert tree.root != root0  # flushed
    tree.revert(token)
    assert tree.n_dirty == 2 and tree.root == root0 == naive_tree([0, 5], 3).root


def test_deferred_write_hashes_each_dirty_node_once():
    """w writes to one tree cost (distinct leaves hashed) + (distinct ancestors) hashes, not w · D."""

    class Counting(PythonHasher):
        def __init__(self):
            self.rows = 0

        def many(self, rows):
            self.rows += len(rows)
            return super().many(rows)

    h = Counting()
    tree = SparseMerkleTree(8, h)
    for _ in range(3):
        for i in range(32):
            tree.write(i, (i, 7))  # 96 writes of 32 leaves 0..31
    assert tree.n_dirty == 32 and h.rows == 0
    root = tree.root
    assert h.rows == 32 + (16 + 8 + 4 + 2 + 1) + 3  # 32 leaves, 31 nodes in the subtree, 3 above it
    assert root == naive_tree([poseidon([i, 7]) for i in range(32)], 8).root
    with pytest.raises(ValueError, match=r"1\.\.16 inputs"):
        tree.write(0, ())
    with pytest.raises(NonCanonicalFieldElement, match=r"leaf\[1\]"):
        tree.write(0, (1, R))


def test_append_only_push_equals_append():
    a, b = AppendOnlyMerkleTree(4), AppendOnlyMerkleTree(4)
    for v in (5, 0, 9, R - 1):
        a.append(v)
        b.push(v)
    tok = b.snapshot()
    b.push(3)
    b.revert(tok)
    assert (a.root, a.leaves, a.opening(2)) == (b.root, b.leaves, b.opening(2))
    full = AppendOnlyMerkleTree(1)
    full.push(1)
    full.push(2)
    with pytest.raises(ValueError, match="is full"):
        full.push(3)


_CIRCOMLIBJS_ROOT = r"""
const { buildPoseidon } = require("circomlibjs");
let data = "";
process.stdin.on("data", (d) => (data += d));
process.stdin.on("end", async () => {
  const poseidon = await buildPoseidon();
  const F = poseidon.F;
  const { depth, leaves } = JSON.parse(data);
  let level = leaves.map(BigInt);
  while (level.length < 2 ** depth) level.push(0n);
  for (let k = 0; k < depth; k++) {
    const up = [];
    for (let i = 0; i < level.length; i += 2) up.push(F.toObject(poseidon([level[i], level[i + 1]])));
    level = up;
  }
  process.stdout.write(JSON.stringify(level[0].toString()));
});
"""


@pytest.mark.node
def test_sparse_tree_root_matches_circomlibjs(node_tools):
    rng = random.Random(0xC1C0)
    leaves = [0, 5, 0, R - 1, rng.randrange(R), 0, 0, 1]
    tree = SparseMerkleTree(3)
    for i, v in enumerate(leaves):
        tree.set(i, v)
    expected = int(run_node_script(_CIRCOMLIBJS_ROOT, {"depth": 3, "leaves": [str(v) for v in leaves]}))
    assert tree.root == expected

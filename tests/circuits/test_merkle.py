"""Merkle gadgets: merkle_root / assert_opening / update_leaf against zksvs.merkle, with tampered paths rejected."""

import random

import pytest

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.bits import to_bits
from circuits.gadgets.boolean import alloc_bool
from circuits.gadgets.merkle import assert_opening, merkle_root, update_leaf
from circuits.gadgets.poseidon import poseidon_hash2
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget
from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree, root_from_opening

R = FR_MODULUS
DEPTH = 4


def _tree(seed: int = 11) -> SparseMerkleTree:
    rng = random.Random(seed)
    tree = SparseMerkleTree(DEPTH)
    for i in rng.sample(range(1 << DEPTH), 6):
        tree.set(i, rng.randrange(R))
    return tree


def toy_hash2(cb, left, right):
    """A cheap 2-to-1 "hash" (left² + 3·right + 1): the gadgets must work with any hash they are given."""
    return cb.mul(left, left, "sq") + 3 * right + 1


def _toy_root(leaf, index, siblings):
    node = leaf
    for k, s in enumerate(siblings):
        left, right = (s, node) if (index >> k) & 1 else (node, s)
        node = (left * left + 3 * right + 1) % R
    return node


def _opening_build(hash2):
    def build(cb, inp, mode):
        root, leaf, index, siblings = inp
        bits = [alloc_bool(cb, f"dir[{k}]", (index >> k) & 1, mode) for k in range(len(siblings))]
        assert_opening(
            cb,
            cb.alloc("root", root, mode),
            cb.alloc("leaf", leaf, mode),
            bits,
            [cb.alloc(f"sib[{k}]", s, mode) for k, s in enumerate(siblings)],
            hash2,
            index=cb.alloc("index", index, mode),
        )

    return build


def test_assert_opening_poseidon_accepts_tree_openings_rejects_tampering():
    tree = _tree()
    idx = next(i for i in range(1 << DEPTH) if tree.get(i))
    op = tree.opening(idx)
    root, sib = tree.root, list(op.siblings)
    other = (idx + 1) % (1 << DEPTH)
    op2 = tree.opening(other)
    bad_sib = sib.copy()
    bad_sib[2] = (bad_sib[2] + 1) % R
    outs = check_gadget(
        _opening_build(poseidon_hash2),
        valid=[
            (root, op.leaf, idx, sib),
            (root, op2.leaf, other, list(op2.siblings)),
            (root, 0, 15, list(tree.opening(15).siblings)),
        ],
        invalid=[
            Case((root, op.leaf, idx, bad_sib), rejects_at="merkle/root"),
            Case((root, (op.leaf + 1) % R, idx, sib), rejects_at="merkle/root"),
            Case(((root + 1) % R, op.leaf, idx, sib), rejects_at="merkle/root"),
            # a flipped direction bit that still matches the index wire: the root changes
            Case((root, op.leaf, idx ^ 2, sib), rejects_at="merkle/root"),
            # direction bits that disagree with the claimed index
            Case((root, op.leaf, idx, sib), overrides={"index": idx ^ 1}, rejects_at="merkle/index"),
            # a non-boolean direction bit is stopped by its booleanity constraint
            Case((root, op.leaf, idx, sib), overrides={"dir[1]": 2}, rejects_at="dir[1]"),
        ],
        modes=ALL_MODES,
    )
    # 4 booleanity + 1 index + 4·(1 + 240) + 1 root
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {4 + 1 + 4 * 241 + 1}


def test_assert_opening_rejects_an_opening_for_another_index():
    # The opening of leaf `other` with the bits of `other` but the index wire claiming `idx`.
    tree = _tree()
    idx, other = 3, 12
    op = tree.opening(other)

    def build(cb, inp, mode):
        bits = [alloc_bool(cb, f"dir[{k}]", (other >> k) & 1, mode) for k in range(DEPTH)]
        assert_opening(cb, tree.root, cb.alloc("leaf", op.leaf, mode), bits,
                       [cb.alloc(f"sib[{k}]", s, mode) for k, s in enumerate(op.siblings)],
                       poseidon_hash2, index=cb.alloc("index", inp, mode))  # fmt: skip

    check_gadget(build, valid=[other], invalid=[Case(idx, rejects_at="merkle/index")], modes=ALL_MODES)


def test_merkle_root_is_hash_agnostic_exhaustive_index():
    rng = random.Random(5)
    siblings = [rng.randrange(R) for _ in range(3)]
    leaf = rng.randrange(R)

    def build(cb, inp, mode):
        index, want = inp
        bits = to_bits(cb, cb.alloc("index", index, mode), 3, name="index")
        sibs = [cb.alloc(f"sib[{k}]", s, mode) for k, s in enumerate(siblings)]
        root = merkle_root(cb, cb.alloc("leaf", leaf, mode), bits, sibs, toy_hash2)
        cb.assert_equal(root, cb.alloc("want", want, mode), "want")

    outs = check_gadget(
        build,
        valid=[(i, _toy_root(leaf, i, siblings)) for i in range(8)],
        invalid=[Case((i, _toy_root(leaf, i ^ 1, siblings)), rejects_at="want") for i in range(8)]
        + [Case((8, _toy_root(leaf, 0, siblings)), rejects_at="index/")],  # index ≥ 2^depth
        modes=ALL_MODES,
    )
    # index to_bits 3 + 1, per level 1 swap + 1 toy hash, + want
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {4 + 3 * 2 + 1}


def test_merkle_root_matches_native_poseidon():
    tree = _tree(3)
    for idx in (0, 5, 15):
        op = tree.opening(idx)
        cb = ConstraintBuilder()
        bits = to_bits(cb, cb.private("index", idx), DEPTH)
        sibs = [cb.private(f"s{k}", s) for k, s in enumerate(op.siblings)]
        root = merkle_root(cb, cb.private("leaf", op.leaf), bits, sibs, poseidon_hash2)
        assert root.value == tree.root == root_from_opening(op.leaf, idx, op.siblings)
        cb.check()


def _update_build(cb, inp, mode):
    old_root, old_leaf, new_leaf, index, siblings, new_root = inp
    bits = to_bits(cb, cb.alloc("index", index, mode), DEPTH, name="index")
    got = update_leaf(
        cb,
        cb.alloc("old_root", old_root, mode),
        cb.alloc("old_leaf", old_leaf, mode),
        cb.alloc("new_leaf", new_leaf, mode),
        bits,
        [cb.alloc(f"sib[{k}]", s, mode) for k, s in enumerate(siblings)],
        poseidon_hash2,
    )
    cb.assert_equal(got, cb.alloc("new_root", new_root, mode), "new_root")


def test_update_leaf_matches_native_set():
    tree = _tree(8)
    idx, new_leaf = 6, 123456789
    old_root = tree.root
    op = tree.set(idx, new_leaf)
    new_root = tree.root
    sib = list(op.siblings)
    bad_sib = sib.copy()
    bad_sib[0] = (bad_sib[0] + 1) % R
    outs = check_gadget(
        _update_build,
        valid=[(old_root, op.leaf, new_leaf, idx, sib, new_root), (old_root, op.leaf, op.leaf, idx, sib, old_root)],
        invalid=[
            Case((old_root, (op.leaf + 1) % R, new_leaf, idx, sib, new_root), rejects_at="update/old_root"),
            Case((old_root, op.leaf, new_leaf, idx, bad_sib, new_root), rejects_at="update/old_root"),
            Case((old_root, op.leaf, new_leaf, idx ^ 4, sib, new_root), rejects_at="update/old_root"),
            Case((old_root, op.leaf, new_leaf + 1, idx, sib, new_root), rejects_at="new_root"),
            Case((old_root, op.leaf, new_leaf, idx, sib, old_root), rejects_at="new_root"),
        ],
        modes=WIRE_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is Mode.PRIVATE and o.label is None} == {
        (DEPTH + 1) + 2 * DEPTH * 241 + 1 + 1
    }
    # constant inputs fold every hash
    check_gadget(_update_build, valid=[(old_root, op.leaf, new_leaf, idx, sib, new_root)], modes=(Mode.CONSTANT,))


def test_merkle_argument_errors():
    cb = ConstraintBuilder()
    leaf = cb.private("leaf", 1)
    with pytest.raises(ValueError, match="one bit per level"):
        merkle_root(cb, leaf, [alloc_bool(cb, "b", 0)], [1, 2], toy_hash2)
    with pytest.raises(ValueError, match="at least one sibling"):
        merkle_root(cb, leaf, [], [], toy_hash2)
    with pytest.raises(TypeError, match="must be a Bool"):
        merkle_root(cb, leaf, [cb.private("raw", 0)], [1], toy_hash2)

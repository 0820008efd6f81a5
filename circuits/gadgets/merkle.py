"""Merkle paths in the circuit: root from an opening, opening checks and one-path leaf updates.

The gadgets do not know which hash they use: the 2-to-1 hash is a parameter ``hash2(cb, left, right) -> Var``
(``circuits.gadgets.poseidon.poseidon_hash2`` for our trees), the layering of gnark's
``std/accumulator/merkle`` over ``hash.FieldHasher``. Paths follow ``zksvs.merkle``: siblings bottom-up; bit k of
the index is 1 when the path node at level k is a right child (its sibling is on the left).

Direction bits are ``Bool``: boolean-constrained where they were made (``to_bits`` of the index, or
``alloc_bool``). When the claimed index is also a wire, pass it as ``index=`` and the gadget constrains
index = Σ bits[k]·2^k; taking the bits from ``to_bits(cb, index, depth)`` ties them by construction instead.

References
----------
gnark ``std/accumulator/merkle/verify.go`` (hash-agnostic path check); DESIGN.md §4 (trees), §6 (soundness list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.bits import from_bits
from circuits.gadgets.boolean import require_bool

__all__ = ["Hash2", "assert_opening", "merkle_root", "update_leaf"]

#: A 2-to-1 hash gadget: ``hash2(cb, left, right) -> Var``.
Hash2 = Callable[[ConstraintBuilder, Var, Var], Var]


def _var(x: Var | int) -> Var:
    return x if isinstance(x, Var) else Var.constant(x)


def _path_bits(index_bits: Sequence[Bool], siblings: Sequence[Var | int]) -> list[Bool]:
    if not siblings:
        raise ValueError("Argument 'siblings' must hold at least one sibling (depth ≥ 1), not 0")
    if len(index_bits) != len(siblings):
        raise ValueError(
            f"Argument 'index_bits' must hold one bit per level ({len(siblings)} siblings), not {len(index_bits)}"
        )
    return [require_bool(b, f"index_bits[{k}]") for k, b in enumerate(index_bits)]


def _root(cb: ConstraintBuilder, leaf: Var, bits: Sequence[Bool], siblings: Sequence[Var | int], hash2: Hash2) -> Var:
    node = leaf
    for k, (bit, sib) in enumerate(zip(bits, siblings)):
        with cb.namespace(f"level[{k}]"):
            # left = node + bit·(sibling − node): the sibling when the node is a right child. right = the other one.
            left = cb.mul(bit, _var(sib) - node, "swap") + node
            right = node + sib - left
            node = hash2(cb, left, right)
    return node


def merkle_root(
    cb: ConstraintBuilder,
    leaf: Var | int,
    index_bits: Sequence[Bool],
    siblings: Sequence[Var | int],
    hash2: Hash2,
    *,
    index: Var | int | None = None,
    name: str = "merkle",
) -> Var:
    """The root reached from ``leaf`` along ``siblings`` (bottom-up), turning by ``index_bits`` (little-endian).

    Labels: ``name/index`` (if ``index`` is given), ``name/level[k]/swap``, ``name/level[k]/<hash labels>``.

    Constrains: per level one ordering product (left = node + bit·(sibling − node)) and the hash;
                index = Σ bits[k]·2^k when ``index`` is given
    Cost:       depth · (1 + cost(hash2)) constraints, + 1 with ``index``; 241 per level with Poseidon
    Assumes:    nothing (direction bits are ``Bool``)
    Rejects:    a wrong sibling, leaf or direction bit (the root changes); bits that do not encode ``index``
                (tested in tests/circuits/test_merkle.py)

    Raises
    ------
    ValueError
        ``siblings`` is empty or ``index_bits`` has a different length.
    TypeError
        A direction bit is not a ``Bool``.
    """
    bits = _path_bits(index_bits, siblings)
    with cb.namespace(name):
        if index is not None:
            cb.assert_equal(from_bits(bits), index, "index")
        return _root(cb, _var(leaf), bits, siblings, hash2)


def assert_opening(
    cb: ConstraintBuilder,
    root: Var | int,
    leaf: Var | int,
    index_bits: Sequence[Bool],
    siblings: Sequence[Var | int],
    hash2: Hash2,
    *,
    index: Var | int | None = None,
    name: str = "merkle",
) -> None:
    """Constrain that ``leaf`` sits at the position ``index_bits`` in the tree with root ``root``.

    Constrains: as ``merkle_root``, and the computed root = ``root`` (label ``name/root``)
    Cost:       depth · (1 + cost(hash2)) + 1 constraints, + 1 with ``index``; 241·depth + 1 with Poseidon
    Assumes:    nothing (direction bits are ``Bool``)
    Rejects:    wrong sibling, wrong leaf, wrong root, flipped or non-boolean direction bit, bits ≠ index
                (tested in tests/circuits/test_merkle.py)
    """
    bits = _path_bits(index_bits, siblings)
    with cb.namespace(name):
        if index is not None:
            cb.assert_equal(from_bits(bits), index, "index")
        cb.assert_equal(_root(cb, _var(leaf), bits, siblings, hash2), root, "root")


def update_leaf(
    cb: ConstraintBuilder,
    old_root: Var | int,
    old_leaf: Var | int,
    new_leaf: Var | int,
    index_bits: Sequence[Bool],
    siblings: Sequence[Var | int],
    hash2: Hash2,
    *,
    index: Var | int | None = None,
    name: str = "update",
) -> Var:
    """Replace ``old_leaf`` by ``new_leaf`` at one position; return the new root.

    One path serves both roots: the siblings of a leaf do not change when the leaf does, so proving the old root
    from (old_leaf, path) and computing the new root from (new_leaf, same path) is the whole update.

    Labels: ``name/index``, ``name/old/level[k]/…``, ``name/old_root``, ``name/new/level[k]/…``.

    Constrains: the old root from (old_leaf, path) = ``old_root``; the returned root is the root of
                (new_leaf, path); index = Σ bits[k]·2^k when ``index`` is given
    Cost:       2 · depth · (1 + cost(hash2)) + 1 constraints, + 1 with ``index``; 482·depth + 1 with Poseidon
    Assumes:    nothing (direction bits are ``Bool``)
    Rejects:    a path that does not open ``old_leaf`` in ``old_root``; a new root other than the honest one
                (tested in tests/circuits/test_merkle.py)
    """
    bits = _path_bits(index_bits, siblings)
    with cb.namespace(name):
        if index is not None:
            cb.assert_equal(from_bits(bits), index, "index")
        with cb.namespace("old"):
            old = _root(cb, _var(old_leaf), bits, siblings, hash2)
        cb.assert_equal(old, old_root, "old_root")
        with cb.namespace("new"):
            return _root(cb, _var(new_leaf), bits, siblings, hash2)

"""The issue-3 demonstration circuit: knowledge of a leaf preimage and its Poseidon Merkle opening under a public root.

Statement (public input: ``root``): "I know field elements ``preimage[0..n)``, an ``index`` < 2^depth and
``siblings[0..depth)`` such that the leaf ``Poseidon(preimage)`` sits at ``index`` in the depth-``depth`` Poseidon
Merkle tree (``zksvs.merkle``) whose root is ``root``."

Wires: ``root`` (public), then ``membership/preimage[i]``, ``membership/index``, ``membership/sibling[k]`` (private
inputs) and the gadgets' internal wires. Labels of the rules: ``membership/leaf/…`` (the leaf hash),
``membership/index/bit[k]`` and ``membership/index/recompose`` (direction bits: boolean and equal to the bits of
``index``), ``membership/path/level[k]/…`` (one swap and one Poseidon per level), ``membership/path/root``.

Cost for depth D and n preimage elements: cost(Poseidon(n)) + (D + 1) + 241·D + 1; 5,103 constraints for D = 20,
n = 3 (261 + 21 + 4,820 + 1).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from circuits.builder import ConstraintBuilder
from circuits.gadgets.bits import to_bits
from circuits.gadgets.merkle import assert_opening
from circuits.gadgets.poseidon import poseidon_cost, poseidon_hash, poseidon_hash2
from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree
from zksvs.poseidon import poseidon
from zksvs.r1cs import R1CS
from zksvs.witness import Witness

__all__ = [
    "MembershipInstance",
    "build_instance",
    "build_merkle_membership",
    "make_membership_instance",
    "membership_cost",
]

DEFAULT_DEPTH = 20
DEFAULT_PREIMAGE_LEN = 3


@dataclass(frozen=True)
class MembershipInstance:
    """A statement (``root``) with its witness (``preimage``, ``index``, ``siblings`` bottom-up)."""

    root: int
    preimage: tuple[int, ...]
    index: int
    siblings: tuple[int, ...]

    @property
    def depth(self) -> int:
        """Tree depth (number of siblings)."""
        return len(self.siblings)

    @property
    def leaf(self) -> int:
        """``Poseidon(preimage)``, computed natively."""
        return poseidon(self.preimage)


def membership_cost(depth: int = DEFAULT_DEPTH, n_preimage: int = DEFAULT_PREIMAGE_LEN) -> int:
    """Constraints of ``build_merkle_membership(depth, n_preimage)``."""
    return poseidon_cost(n_preimage) + (depth + 1) + depth * (1 + poseidon_cost(2)) + 1


def make_membership_instance(
    seed: int, depth: int = DEFAULT_DEPTH, n_preimage: int = DEFAULT_PREIMAGE_LEN, n_other_leaves: int = 8
) -> MembershipInstance:
    """A valid instance from ``seed``: a sparse tree with ``n_other_leaves`` random leaves and ours at a random index.

    The root and siblings come from ``zksvs.merkle.SparseMerkleTree`` (native Poseidon), never from the circuit.
    """
    rng = random.Random(seed)
    preimage = tuple(rng.randrange(FR_MODULUS) for _ in range(n_preimage))
    tree = SparseMerkleTree(depth)
    index = rng.randrange(1 << depth)
    for _ in range(n_other_leaves):
        other = rng.randrange(1 << depth)
        if other != index:
            tree.set(other, rng.randrange(FR_MODULUS))
    tree.set(index, poseidon(preimage))
    opening = tree.opening(index)
    return MembershipInstance(tree.root, preimage, index, opening.siblings)


def build_merkle_membership(
    depth: int = DEFAULT_DEPTH,
    *,
    preimage: Sequence[int] | None = None,
    index: int | None = None,
    siblings: Sequence[int] | None = None,
    root: int | None = None,
    n_preimage: int | None = None,
    overrides: Mapping[str, int] | None = None,
) -> tuple[R1CS, Witness | None]:
    """The membership circuit and, when every value is given, its witness (else shape only, witness None).

    Parameters
    ----------
    depth : int
        Tree depth (≥ 1; 20 for the demonstration).
    preimage, index, siblings, root : witness and statement values; all or none.
    n_preimage : int | None
        Preimage length for a shape-only build (default 3); taken from ``preimage`` otherwise.
    overrides : Mapping[str, int] | None
        Wire label → value, for tests of wrong witnesses (``ConstraintBuilder(overrides=…)``).

    Returns
    -------
    r1cs : R1CS
        One public wire (``root``).
    witness : Witness | None
        None for a shape-only build. It need not satisfy the R1CS: wrong values give a witness that fails at the
        rule they break (``r1cs.first_unsatisfied``).

    Raises
    ------
    ValueError
        Only some of the values are given, ``siblings`` does not have ``depth`` elements, or the preimage length
        disagrees with ``n_preimage``.
    NonCanonicalFieldElement
        A value is not in [0, r).
    """
    given = [v is not None for v in (preimage, index, siblings, root)]
    if any(given) and not all(given):
        raise ValueError("Arguments 'preimage', 'index', 'siblings' and 'root' must be given together (or none)")
    with_values = all(given)
    if with_values:
        assert preimage is not None and siblings is not None
        if len(siblings) != depth:
            raise ValueError(f"Argument 'siblings' must hold depth = {depth} elements, not {len(siblings)}")
        if n_preimage is not None and n_preimage != len(preimage):
            raise ValueError(f"Argument 'n_preimage' is {n_preimage}, but 'preimage' holds {len(preimage)}")
        n_pre = len(preimage)
    else:
        n_pre = DEFAULT_PREIMAGE_LEN if n_preimage is None else n_preimage
    pre_vals = list(preimage) if preimage is not None else [None] * n_pre
    sib_vals = list(siblings) if siblings is not None else [None] * depth

    cb = ConstraintBuilder(with_values=with_values, overrides=overrides)
    root_var = cb.public("root", root)
    with cb.namespace("membership"):
        pre = [cb.private(f"preimage[{i}]", v) for i, v in enumerate(pre_vals)]
        leaf = poseidon_hash(cb, pre, name="leaf")
        bits = to_bits(cb, cb.private("index", index), depth, name="index")
        sibs = [cb.private(f"sibling[{k}]", v) for k, v in enumerate(sib_vals)]
        assert_opening(cb, root_var, leaf, bits, sibs, poseidon_hash2, name="path")
    return cb.build(), cb.witness() if with_values else None


def build_instance(instance: MembershipInstance, overrides: Mapping[str, int] | None = None) -> tuple[R1CS, Witness]:
    """``build_merkle_membership`` on an instance's values."""
    r1cs, witness = build_merkle_membership(
        instance.depth,
        preimage=instance.preimage,
        index=instance.index,
        siblings=instance.siblings,
        root=instance.root,
        overrides=overrides,
    )
    assert witness is not None
    return r1cs, witness

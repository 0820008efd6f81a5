"""Binary Poseidon Merkle trees, native (DESIGN.md §4): the account tree and the bridge burn/mint trees.

A tree of depth D has 2^D leaves; an empty leaf is 0 and a parent is ``hash2(left, right)`` (circomlib
``Poseidon(2)``). Level 0 holds the leaves, level D the root. An opening of leaf ``index`` lists the D siblings
bottom-up; bit k of ``index`` is 1 when the path node at level k is a right child (its sibling is on the left),
which is the order the circuit's direction bits use (``circuits/gadgets/merkle.py``).

- ``SparseMerkleTree``: any index may be written (accounts). Only non-empty nodes are stored (a node equal to the
  empty-subtree root of its level, ``zero_hashes(D)[level]``, is left out), so memory is O(D · non-empty leaves).
- ``AppendOnlyMerkleTree``: leaves are written in order at ``next_index`` (bridge burn/mint message trees).

Two ways to write a leaf:

- ``set`` (an opening per write, for batch traces): hashes the write's whole path at once (D hashes) and returns the
  opening of the old leaf; its undo-log entry is one tuple of the D + 1 replaced node values.
- ``write`` (deferred, the sequencer's accepting path): stores the leaf (or the preimage tuple of a leaf still to be
  hashed) and marks it dirty; nothing is hashed until a root, an opening or a leaf value is asked for. Then every
  dirty node is hashed once, level by level, one ``Hasher.many`` call per level over all of that level's dirty nodes
  (``_flush``), so w writes to a tree cost about (leaves touched) + (their distinct ancestors) hashes instead of
  w · D: in a sequencer batch of ~30 slots over 32 accounts of a depth-8 tree, several times fewer. Its undo-log
  entry is the one replaced leaf value.

Both keep an undo log so that ``snapshot()`` / ``revert(token)`` roll back without hashing (the shared sequencer
includes a burn only if its mint succeeds, execution-specs' ``begin_transaction`` / ``rollback_transaction``
pattern). Invariant behind deferred hashing: every stored inner node that is not an ancestor of a dirty leaf equals
the hash of its children. ``set`` flushes first (its opening needs clean siblings) and keeps it; ``write`` keeps it
by marking its leaf dirty; ``revert`` restores a ``set``'s whole path (clean values of the moment before it) and
marks a reverted ``write``'s leaf dirty again, so its ancestors are recomputed at the next flush.

Hashing is pluggable: a tree takes a ``Hasher`` (``hash2``, ``poseidon``, ``path``: the D nodes of one write in one
call, ``many``: one Poseidon per row, in one call). The default ``PYTHON_HASHER`` is pure Python (this module and
the core never load numba); the sequencer passes ``accel.merkle.NativeHasher`` (numba, a whole path or a whole
level of rows per kernel call). Every hasher must return exactly what
``zksvs.poseidon`` returns; empty-subtree roots (``zero_hashes``) are always computed here, in Python, once.

References
----------
L. Grassi et al., "Poseidon: A New Hash Function for Zero-Knowledge Proof Systems", USENIX Security 2021;
circomlibjs 0.1.7 ``src/poseidon_reference.js`` (via ``zksvs.poseidon``); circomlib ``circuits/smt`` is a
different (key-path compressed) tree and is *not* what this module builds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.poseidon import _hash2, poseidon

__all__ = [
    "PYTHON_HASHER",
    "AppendOnlyMerkleTree",
    "Hasher",
    "MerkleOpening",
    "PythonHasher",
    "SparseMerkleTree",
    "root_from_opening",
    "verify_opening",
    "zero_hashes",
]

#: Largest supported depth: indices then still fit in one Fr element's 254 bits.
MAX_DEPTH = 254

_zeros: list[int] = [0]


def zero_hashes(depth: int) -> tuple[int, ...]:
    """Roots of empty subtrees for levels 0..``depth`` (``depth + 1`` values; level 0 is the empty leaf 0).

    ``zero_hashes(d)[k + 1] == hash2(z[k], z[k])``. Computed once and cached for every depth.

    Raises
    ------
    ValueError
        ``depth`` is not an int in [0, 254].
    """
    if not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH:
        raise ValueError(f"Argument 'depth' must be an int in [0, {MAX_DEPTH}], not {depth!r}")
    while len(_zeros) <= depth:
        z = _zeros[-1]
        _zeros.append(_hash2(z, z))
    return tuple(_zeros[: depth + 1])


class Hasher(Protocol):
    """The Poseidon evaluations a tree and its leaves need; every implementation equals ``zksvs.poseidon``.

    Methods are called with values a tree already holds or checked (``Assumes:`` canonical ints in [0, r) and a
    valid index), so an implementation need not check them again.
    """

    def hash2(self, left: int, right: int) -> int:
        """``poseidon([left, right])`` (a Merkle node, a state root)."""
        ...

    def poseidon(self, inputs: Sequence[int]) -> int:
        """circomlib ``Poseidon(n)`` of 1..16 inputs (account and message leaves)."""
        ...

    def path(self, leaf: int, index: int, siblings: Sequence[int]) -> Sequence[int]:
        """The D + 1 nodes from ``leaf`` (level 0) to the root for a leaf at ``index`` with ``siblings`` bottom-up."""
        ...

    def many(self, rows: Sequence[Sequence[int]]) -> list[int]:
        """``poseidon(row)`` for every row (all of one length, 1..16), in one call where the hasher can."""
        ...


class PythonHasher:
    """``Hasher`` in pure Python (``zksvs.poseidon``): ~170 µs per ``hash2`` in CPython; the core's default."""

    __slots__ = ()

    def hash2(self, left: int, right: int) -> int:
        """``poseidon([left, right])``; Assumes canonical inputs."""
        return _hash2(left, right)

    def poseidon(self, inputs: Sequence[int]) -> int:
        """``zksvs.poseidon.poseidon(inputs)`` (checks its inputs)."""
        return poseidon(inputs)

    def path(self, leaf: int, index: int, siblings: Sequence[int]) -> list[int]:
        """The nodes from ``leaf`` to the root, one ``hash2`` per level."""
        nodes = [leaf]
        node = leaf
        for k, sib in enumerate(siblings):
            node = _hash2(sib, node) if (index >> k) & 1 else _hash2(node, sib)
            nodes.append(node)
        return nodes

    def many(self, rows: Sequence[Sequence[int]]) -> list[int]:
        """One ``poseidon`` per row (``hash2`` for pairs), one at a time."""
        return [_hash2(*row) if len(row) == 2 else poseidon(row) for row in rows]

    def __repr__(self) -> str:
        return "PythonHasher()"


#: The default hasher of every tree (pure Python).
PYTHON_HASHER: Hasher = PythonHasher()


def _check_depth(depth: int) -> int:
    if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"Argument 'depth' must be an int in [1, {MAX_DEPTH}], not {depth!r}")
    return depth


def _check_index(index: int, depth: int) -> int:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << depth):
        raise ValueError(f"Argument 'index' must be an int in [0, 2^{depth}) for depth {depth}, not {index!r}")
    return index


@dataclass(frozen=True)
class MerkleOpening:
    """A leaf, its index and its authentication path.

    Attributes
    ----------
    index : int
        Leaf position; bit k = 1 means the path node at level k is a right child.
    leaf : int
        The leaf value the path opens.
    siblings : tuple of int
        Sibling of the path node at each level, bottom-up; ``len(siblings)`` is the tree depth.
    """

    index: int
    leaf: int
    siblings: tuple[int, ...]

    @property
    def depth(self) -> int:
        """Depth of the tree the opening belongs to (``len(siblings)``)."""
        return len(self.siblings)


def root_from_opening(leaf: int, index: int, siblings: Sequence[int], hasher: Hasher | None = None) -> int:
    """Root of the tree in which ``leaf`` sits at ``index`` with the given bottom-up ``siblings``.

    ``hasher`` (default ``PYTHON_HASHER``) evaluates the path once every value has been checked here.

    Raises
    ------
    ValueError
        ``siblings`` is empty, or ``index`` is outside [0, 2^len(siblings)).
    NonCanonicalFieldElement
        ``leaf`` or a sibling is not an int in [0, r).
    """
    depth = _check_depth(len(siblings))
    _check_index(index, depth)
    require_canonical_fr(leaf, "leaf")
    for k, sib in enumerate(siblings):
        require_canonical_fr(sib, f"siblings[{k}]")
    return (hasher or PYTHON_HASHER).path(leaf, index, siblings)[-1]


def verify_opening(root: int, opening: MerkleOpening) -> bool:
    """True when ``opening`` leads to ``root``; False otherwise.

    Raises
    ------
    ValueError, NonCanonicalFieldElement
        The opening is malformed (see ``root_from_opening``): malformed input raises, a wrong opening is False.
    """
    return root_from_opening(opening.leaf, opening.index, opening.siblings) == root


class SparseMerkleTree:
    """Fixed-depth Poseidon Merkle tree over 2^depth leaves, all 0 at first; any leaf may be set.

    Parameters
    ----------
    depth : int
        Number of levels above the leaves, in [1, 254].
    hasher : Hasher, optional
        Evaluates each write's path (default ``PYTHON_HASHER``).

    Notes
    -----
    Nodes live in one dict per level (``index → value``); a missing entry means the empty-subtree root
    ``zero_hashes(depth)[level]``. A leaf written by ``write`` with a preimage is held as that tuple until the next
    flush. ``snapshot()`` returns a token (the undo-log position); ``revert(token)`` restores every leaf written
    since, newest first. ``forget_history()`` drops the log once no rollback is needed (older tokens then raise).
    """

    __slots__ = ("_base", "_dirty", "_hasher", "_levels", "_log", "_lower", "_zeros", "depth")

    def __init__(self, depth: int, hasher: Hasher | None = None) -> None:
        self.depth: int = _check_depth(depth)
        self._hasher: Hasher = PYTHON_HASHER if hasher is None else hasher
        self._zeros: tuple[int, ...] = zero_hashes(depth)
        self._levels: list[dict[int, int | tuple[int, ...]]] = [{} for _ in range(depth + 1)]
        self._lower: tuple[tuple[dict[int, int], int], ...] = tuple(zip(self._levels[:-1], self._zeros))
        self._log: list[tuple[int, tuple[int | tuple[int, ...] | None, ...]]] = []
        self._base: int = 0
        self._dirty: set[int] = set()

    @property
    def root(self) -> int:
        """Current root (hashes the dirty nodes first, if any)."""
        if self._dirty:
            self._flush()
        return self._levels[self.depth].get(0, self._zeros[self.depth])

    @property
    def hasher(self) -> Hasher:
        """The hasher that evaluates writes."""
        return self._hasher

    @property
    def n_dirty(self) -> int:
        """Leaves written by ``write`` (or reverted) whose paths are not hashed yet."""
        return len(self._dirty)

    def get(self, index: int) -> int:
        """Leaf at ``index`` (0 if never set; a pending preimage is hashed first).

        Raises
        ------
        ValueError
            ``index`` is outside [0, 2^depth).
        """
        _check_index(index, self.depth)
        if self._dirty:
            self._flush()
        return self._levels[0].get(index, 0)

    def _siblings(self, index: int) -> tuple[int, ...]:
        # a plain loop over (level dict, empty-subtree root) pairs: the trace builder's hottest Python line
        if self._dirty:
            self._flush()
        sibs = []
        for nodes, zero in self._lower:
            sibs.append(nodes.get(index ^ 1, zero))
            index >>= 1
        return tuple(sibs)

    def opening(self, index: int) -> MerkleOpening:
        """Opening of the current leaf at ``index``.

        Raises
        ------
        ValueError
            ``index`` is outside [0, 2^depth).
        """
        _check_index(index, self.depth)
        siblings = self._siblings(index)  # flushes
        return MerkleOpening(index, self._levels[0].get(index, 0), siblings)

    def set(self, index: int, leaf: int) -> MerkleOpening:
        """Write ``leaf`` at ``index`` and hash its path now; return the opening of the OLD leaf (its siblings are
        unchanged by the write).

        The new root is ``root_from_opening(leaf, index, returned.siblings)``. Pending ``write``s are flushed first.

        Raises
        ------
        ValueError
            ``index`` is outside [0, 2^depth).
        NonCanonicalFieldElement
            ``leaf`` is not an int in [0, r).
        """
        _check_index(index, self.depth)
        require_canonical_fr(leaf, "leaf")
        siblings = self._siblings(index)
        nodes = self._hasher.path(leaf, index, siblings)
        olds: list[int | None] = []
        i = index
        for level, zero, node in zip(self._levels, self._zeros, nodes):
            olds.append(level.get(i))
            if node == zero:
                level.pop(i, None)
            else:
                level[i] = node
            i >>= 1
        self._log.append((index, tuple(olds)))
        old_leaf = olds[0]
        return MerkleOpening(index, 0 if old_leaf is None else old_leaf, siblings)

    def write(self, index: int, leaf: int | tuple[int, ...]) -> None:
        """Write a leaf at ``index`` without hashing anything now (deferred: see the module docstring).

        Parameters
        ----------
        index : int
            In [0, 2^depth).
        leaf : int or tuple of int
            The leaf value, or the 1..16 inputs whose Poseidon is the leaf (hashed at the next flush, together with
            every other pending leaf of this tree, in one ``Hasher.many`` call per arity).

        Raises
        ------
        ValueError
            ``index`` is outside [0, 2^depth), or a preimage holds 0 or more than 16 inputs.
        NonCanonicalFieldElement
            ``leaf`` (or an input of its preimage) is not an int in [0, r).
        """
        if type(index) is not int or not 0 <= index < 1 << self.depth:
            _check_index(index, self.depth)
        if type(leaf) is tuple:
            if not 1 <= len(leaf) <= 16:
                raise ValueError(f"Argument 'leaf' as a preimage must hold 1..16 inputs, not {len(leaf)}")
            for j, x in enumerate(leaf):
                if type(x) is not int or not 0 <= x < FR_MODULUS:  # the common case without a call
                    require_canonical_fr(x, f"leaf[{j}]")
        elif type(leaf) is not int or not 0 <= leaf < FR_MODULUS:
            require_canonical_fr(leaf, "leaf")
        level0 = self._levels[0]
        self._log.append((index, (level0.get(index),)))
        if leaf == 0:
            level0.pop(index, None)
        else:
            level0[index] = leaf
        self._dirty.add(index)

    def _flush(self) -> None:
        """Hash every pending leaf preimage, then every ancestor of a dirty leaf once, level by level (one
        ``Hasher.many`` call a level); clears the dirty set."""
        dirty = self._dirty
        levels, zeros, hasher = self._levels, self._zeros, self._hasher
        level0 = levels[0]
        by_arity: dict[int, list[int]] = {}
        for i in dirty:
            v = level0.get(i)
            if type(v) is tuple:
                by_arity.setdefault(len(v), []).append(i)
        for idx in by_arity.values():
            for i, h in zip(idx, hasher.many([level0[i] for i in idx]), strict=True):
                if h == 0:
                    del level0[i]
                else:
                    level0[i] = h
        nodes = dirty
        for k in range(self.depth):
            lower, z = levels[k], zeros[k]
            upper, zu = levels[k + 1], zeros[k + 1]
            parents = {i >> 1 for i in nodes}
            todo, rows = [], []
            for p in parents:
                left, right = lower.get(2 * p, z), lower.get(2 * p + 1, z)
                if left == z and right == z:  # an emptied subtree: its root is known
                    upper.pop(p, None)
                else:
                    todo.append(p)
                    rows.append((left, right))
            for p, h in zip(todo, hasher.many(rows) if rows else (), strict=True):
                if h == zu:
                    upper.pop(p, None)
                else:
                    upper[p] = h
            nodes = parents
        dirty.clear()

    def snapshot(self) -> int:
        """Token for the current state, to pass to ``revert``."""
        return self._base + len(self._log)

    def revert(self, token: int) -> None:
        """Undo every ``set`` and ``write`` made since ``snapshot()`` returned ``token`` (no hashing now; a reverted
        ``write``'s leaf is marked dirty, so its ancestors are hashed at the next flush).

        Raises
        ------
        ValueError
            ``token`` is not a live snapshot of this tree (in the future, or dropped by ``forget_history``).
        """
        end = self._base + len(self._log)
        if not isinstance(token, int) or not self._base <= token <= end:
            raise ValueError(f"Argument 'token' must be a snapshot in [{self._base}, {end}], not {token!r}")
        levels, log, dirty = self._levels, self._log, self._dirty
        for _ in range(end - token):
            index, olds = log.pop()
            for k, old in enumerate(olds):
                if old is None:
                    levels[k].pop(index >> k, None)
                else:
                    levels[k][index >> k] = old
            if len(olds) == 1:
                dirty.add(index)

    def forget_history(self) -> None:
        """Drop the undo log (e.g. once a batch is final); tokens taken before can no longer be reverted to."""
        if self._log:
            self._base += len(self._log)
            self._log.clear()

    def copy(self) -> SparseMerkleTree:
        """Independent copy with the same nodes (pending ones included) and an empty undo log (its first
        ``snapshot()`` is 0)."""
        other = SparseMerkleTree.__new__(SparseMerkleTree)
        other.depth = self.depth
        other._hasher = self._hasher
        other._zeros = self._zeros
        other._levels = [dict(nodes) for nodes in self._levels]
        other._lower = tuple(zip(other._levels[:-1], other._zeros))
        other._log = []
        other._base = 0
        other._dirty = set(self._dirty)
        return other

    def __repr__(self) -> str:
        return f"SparseMerkleTree(depth={self.depth}, non_empty_leaves={len(self._levels[0])}, root={self.root})"


class AppendOnlyMerkleTree:
    """Fixed-depth Poseidon Merkle tree whose leaves are appended in order at ``next_index`` (empty leaf 0).

    Parameters
    ----------
    depth : int
        Number of levels above the leaves, in [1, 254]; the tree holds at most 2^depth leaves.
    hasher : Hasher, optional
        As for ``SparseMerkleTree``.
    """

    __slots__ = ("_leaves", "_tree")

    def __init__(self, depth: int, hasher: Hasher | None = None) -> None:
        self._tree = SparseMerkleTree(depth, hasher)
        self._leaves: list[int] = []

    @property
    def depth(self) -> int:
        """Number of levels above the leaves."""
        return self._tree.depth

    @property
    def root(self) -> int:
        """Current root."""
        return self._tree.root

    @property
    def next_index(self) -> int:
        """Index the next ``append`` fills (= number of leaves appended)."""
        return len(self._leaves)

    @property
    def leaves(self) -> tuple[int, ...]:
        """The appended leaves, in order."""
        return tuple(self._leaves)

    def _free_index(self) -> int:
        """``next_index``, or ``ValueError`` when the tree is full (2^depth leaves)."""
        n = len(self._leaves)
        if n >> self.depth:
            raise ValueError(f"AppendOnlyMerkleTree of depth {self.depth} is full: {n} leaves, cannot append")
        return n

    def append(self, leaf: int) -> MerkleOpening:
        """Write ``leaf`` at ``next_index``; return the opening of the empty slot it filled (leaf 0, old index).

        Raises
        ------
        ValueError
            The tree is full (2^depth leaves).
        NonCanonicalFieldElement
            ``leaf`` is not an int in [0, r).
        """
        n = self._free_index()
        opening = self._tree.set(n, leaf)
        self._leaves.append(leaf)
        return opening

    def push(self, leaf: int) -> None:
        """``append`` deferred (``SparseMerkleTree.write``): write ``leaf`` at ``next_index``, hash nothing now.

        Raises
        ------
        ValueError
            The tree is full (2^depth leaves).
        NonCanonicalFieldElement
            ``leaf`` is not an int in [0, r).
        """
        n = self._free_index()
        self._tree.write(n, leaf)
        self._leaves.append(leaf)

    def opening(self, index: int) -> MerkleOpening:
        """Opening of slot ``index`` (an unfilled slot opens leaf 0).

        Raises
        ------
        ValueError
            ``index`` is outside [0, 2^depth).
        """
        return self._tree.opening(index)

    def snapshot(self) -> int:
        """Token for the current state, to pass to ``revert``."""
        return self._tree.snapshot()

    def revert(self, token: int) -> None:
        """Undo every ``append`` and ``push`` made since ``snapshot()`` returned ``token``.

        Raises
        ------
        ValueError
            ``token`` is not a live snapshot of this tree.
        """
        n_undone = self._tree.snapshot() - token
        self._tree.revert(token)  # validates token
        del self._leaves[len(self._leaves) - n_undone :]

    def forget_history(self) -> None:
        """Drop the undo log; tokens taken before can no longer be reverted to."""
        self._tree.forget_history()

    def copy(self) -> AppendOnlyMerkleTree:
        """Independent copy with the same leaves and an empty undo log."""
        other = AppendOnlyMerkleTree.__new__(AppendOnlyMerkleTree)
        other._tree = self._tree.copy()
        other._leaves = list(self._leaves)
        return other

    def __repr__(self) -> str:
        return f"AppendOnlyMerkleTree(depth={self.depth}, next_index={self.next_index}, root={self.root})"

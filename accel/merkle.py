"""``NativeHasher``: the ``zksvs.merkle.Hasher`` the sequencer injects into its trees (numba Poseidon, a path a call).

A tree write hashes its whole path in one kernel call (``accel.poseidon.merkle_path_unchecked``): D hashes, one
Python → numba crossing, instead of D pure-Python ``hash2`` calls (~170 µs each). Leaves (Poseidon-4 accounts,
Poseidon-10 messages) and state roots go through the same kernels; a deferred tree's flush (``zksvs.merkle``) hashes
one level of dirty nodes per ``many`` call.

Path memo: the hasher remembers its last few paths. In the shared sequencer a burn appends message m at index n of
burn tree src→dst on rollup src, and its mint appends the same m at the same n of mint tree src→dst on rollup dst,
a tree with the same leaves (the SVS invariant): the same (leaf, index, siblings), so the mint's M hashes are a memo
hit. A hit needs every input of the pure function to match (leaf and index are the key, the siblings are compared),
so it is always the right answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from accel.poseidon import hash2_unchecked, merkle_path_unchecked, poseidon_many_unchecked, poseidon_unchecked

__all__ = ["NativeHasher"]


class NativeHasher:
    """``zksvs.merkle.Hasher`` on numba kernels, equal to ``zksvs.poseidon`` (tests/accel check it).

    Parameters
    ----------
    memo_paths : int
        How many recent paths to remember (0 turns the memo off). 4 covers a burn's slot-tree and account paths
        between its burn-tree and mint-tree appends.
    memo_rows : int
        How many rows ``many`` remembers (0 turns its memo off); the table is emptied when it would pass this.
        8192 holds every row of a batch close of the sequencer's default shapes.

    Attributes
    ----------
    memo_hits : int
        Paths answered from the memo (each saves D hashes).
    row_hits, rows_hashed : int
        Rows of ``many`` answered from its memo, and hashed.
    """

    __slots__ = ("_memo", "_memo_size", "_rows", "_rows_size", "memo_hits", "row_hits", "rows_hashed")

    def __init__(self, memo_paths: int = 4, memo_rows: int = 8192) -> None:
        self._memo: dict[tuple[int, int], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._memo_size = memo_paths
        self.memo_hits = 0
        self._rows: dict[tuple[int, ...], int] | None = {} if memo_rows else None
        self._rows_size = memo_rows
        self.row_hits = 0
        self.rows_hashed = 0

    def hash2(self, left: int, right: int) -> int:
        """``poseidon([left, right])``. Assumes canonical inputs (the tree's own values)."""
        return hash2_unchecked(left, right)

    def poseidon(self, inputs: Sequence[int]) -> int:
        """circomlib ``Poseidon(n)``, 1 ≤ n ≤ 16. Assumes canonical inputs."""
        return poseidon_unchecked(inputs)

    def many(self, rows: Sequence[Sequence[int]]) -> list[int]:
        """One Poseidon per row (rows of one length, 1..16) in one kernel call
        (``accel.poseidon.poseidon_many_unchecked``): a deferred tree's flush hashes a whole level of dirty nodes, or
        all its pending leaves, at once.

        Row memo: rows hashed by recent calls are answered from a table (the rows themselves are the key, so a hit
        is always the right answer). A burn tree src→dst and the mint tree src→dst hold the same leaves (the SVS
        invariant), so the second of the two flushes at a batch close finds every row of the first. Assumes
        canonical inputs (a tree's own values); the kernel still refuses limbs ≥ r.
        """
        memo = self._rows
        out: list[int | None] = [memo.get(row) for row in rows] if memo is not None else [None] * len(rows)
        todo = [i for i, h in enumerate(out) if h is None]
        if todo:
            hashed = poseidon_many_unchecked([rows[i] for i in todo])
            if memo is not None and len(memo) + len(todo) > self._rows_size:
                memo.clear()
            for i, h in zip(todo, hashed, strict=True):
                out[i] = h
                if memo is not None:
                    memo[tuple(rows[i])] = h
            self.rows_hashed += len(todo)
        self.row_hits += len(rows) - len(todo)
        return out  # type: ignore[return-value]

    def path(self, leaf: int, index: int, siblings: Sequence[int]) -> tuple[int, ...]:
        """The D + 1 nodes from ``leaf`` to the root (one kernel call, or none on a memo hit)."""
        if not self._memo_size:
            return merkle_path_unchecked(leaf, index, siblings)
        sibs = tuple(siblings)
        key = (leaf, index)  # cheap to hash; the siblings are compared only when leaf and index match
        hit = self._memo.get(key)
        if hit is not None and hit[0] == sibs:
            self.memo_hits += 1
            return hit[1]
        nodes = merkle_path_unchecked(leaf, index, sibs)
        memo = self._memo
        if key not in memo and len(memo) >= self._memo_size:
            del memo[next(iter(memo))]  # oldest first: dicts keep insertion order
        memo[key] = (sibs, nodes)
        return nodes

    def __repr__(self) -> str:
        return f"NativeHasher(memo_paths={self._memo_size})"

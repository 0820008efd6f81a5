"""One rollup's state (DESIGN.md §4): its account tree, its burn and mint trees per peer, its bridge slot tree.

Rollup c holds:

- ``accounts``: sparse Poseidon tree of depth D; leaf i = ``AccountState.leaf()``, 0 for no account;
- ``burn_trees[j]``: append-only tree c→j (depth M), its root in bridge slot 2j;
- ``mint_trees[j]``: append-only tree j→c (depth M), its root in bridge slot 2j + 1;
- ``slots``: the bridge slot tree (depth ceil(log2(2K))) whose leaves are those roots (padding slots 0);

accounts_root = ``accounts.root``, bridge_root = ``slots.root``, state_root = Poseidon(accounts_root, bridge_root).
The c→c trees exist and stay empty (the sequencer never burns to its own chain).

Every Poseidon evaluation (tree paths, account and message leaves, the state root) goes through one injected
``zksvs.merkle.Hasher`` (``hasher``; the ``Sequencer`` passes ``accel.merkle.NativeHasher``, the default here is the
pure-Python one); the results are the same with either.

Two ways to write (``zksvs.merkle``): ``put_account`` hashes the account's path at once and returns its opening
(batch traces, ``sequencer.execute`` with ``trace=True``); ``write_account`` and ``push_message`` are deferred (the
sequencer's accepting path): the account's leaf preimage and the message leaf are stored, the bridge slots whose
tree changed are marked stale, and nothing is hashed until a root is asked for (``roots``, ``state_root``,
``bridge_slot_values``, a tree's ``root`` or opening), when every dirty node is hashed once, level by level. The
bridge slot tree's leaves are the burn and mint roots, so ``sync()`` first writes each stale slot from its tree's
root.

Rollback follows execution-specs' ``begin_transaction`` / ``rollback_transaction``: ``snapshot()`` returns a token
over every tree (their undo-log positions) and the account-field journal; ``revert(token)`` restores them without
hashing; ``forget_history()`` drops the logs once a transaction is final, so they never grow past one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from zksvs.merkle import PYTHON_HASHER, AppendOnlyMerkleTree, Hasher, MerkleOpening, SparseMerkleTree
from zksvs.rollup_state import AccountState, Message, empty_bridge_slots
from zksvs.trace import BatchShape


@dataclass(frozen=True, slots=True)
class RollupSnapshot:
    """Token of ``RollupState.snapshot``: undo-log positions of every tree and of the account journal."""

    accounts: int
    slots: int
    burn: tuple[int, ...]
    mint: tuple[int, ...]
    journal: int
    stale: frozenset[int] = frozenset()


class RollupState:
    """The trees of rollup ``chain_id`` in a shared set of shape ``shape``.

    Parameters
    ----------
    chain_id : int
        In [0, K).
    shape : BatchShape
        K, D, M (capacity is the batch builder's business).
    accounts : iterable of (int, AccountState), optional
        Initial accounts (genesis).
    hasher : Hasher, optional
        Evaluates every Poseidon of this rollup (default ``zksvs.merkle.PYTHON_HASHER``).
    """

    __slots__ = (
        "_fields",
        "_journal",
        "_stale",
        "accounts",
        "burn_trees",
        "chain_id",
        "hasher",
        "mint_trees",
        "shape",
        "slots",
    )

    def __init__(self, chain_id: int, shape: BatchShape, accounts=(), hasher: Hasher | None = None) -> None:
        if not 0 <= chain_id < shape.n_rollups:
            raise ValueError(f"chain_id must be in [0, {shape.n_rollups}), not {chain_id}")
        self.chain_id = chain_id
        self.shape = shape
        self.hasher: Hasher = PYTHON_HASHER if hasher is None else hasher
        self.accounts = SparseMerkleTree(shape.account_depth, self.hasher)
        self._fields: dict[int, AccountState] = {}
        self._journal: list[tuple[int, AccountState | None]] = []
        k = shape.n_rollups
        self.burn_trees = [AppendOnlyMerkleTree(shape.bridge_depth, self.hasher) for _ in range(k)]
        self.mint_trees = [AppendOnlyMerkleTree(shape.bridge_depth, self.hasher) for _ in range(k)]
        self.slots = SparseMerkleTree(shape.slot_tree_depth, self.hasher)
        self._stale: set[int] = set()  # bridge slots whose tree was pushed to since the slot tree last had its root
        for s, v in enumerate(empty_bridge_slots(k, shape.bridge_depth)):
            if v:
                self.slots.set(s, v)
        for index, state in accounts:
            self.put_account(index, state)
        self.forget_history()

    # --- reading -------------------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Write every stale bridge slot from its burn or mint tree's root (hashing those trees' dirty nodes), so
        ``slots`` is current. Called by every reader of the slot tree here; ``sequencer.execute`` calls it before it
        opens a slot."""
        if self._stale:
            for s in sorted(self._stale):
                tree = self.mint_trees[s >> 1] if s & 1 else self.burn_trees[s >> 1]
                self.slots.write(s, tree.root)
            self._stale.clear()

    @property
    def accounts_root(self) -> int:
        """Root of the account tree (hashes pending writes)."""
        return self.accounts.root

    @property
    def bridge_root(self) -> int:
        """Root of the bridge slot tree (hashes pending writes)."""
        self.sync()
        return self.slots.root

    def state_root(self) -> int:
        """Poseidon(accounts_root, bridge_root) (one hash, ``zksvs.rollup_state.state_root``, after the pending
        writes)."""
        acc, bridge = self.roots()
        return self.hasher.hash2(acc, bridge)

    def account_leaf(self, state: AccountState) -> int:
        """``state.leaf()``: Poseidon(pubkey_x, pubkey_y, balance, nonce), by this rollup's hasher."""
        return self.hasher.poseidon(_leaf_inputs(state))

    def message_leaf(self, message: Message) -> int:
        """``message.leaf()``: Poseidon of its ten fields (protocol v2), by this rollup's hasher."""
        m = message
        return self.hasher.poseidon(
            (m.src_chain, m.dst_chain, m.sender, m.recipient, m.program, m.payload, m.amount, m.message_nonce,
             *m.target_pubkey)
        )  # fmt: skip

    def roots(self) -> tuple[int, int]:
        """``(accounts_root, bridge_root)``: no hashing once clean (after deferred writes, their dirty nodes are hashed
        once here), enough to tell whether anything changed."""
        self.sync()
        return self.accounts.root, self.slots.root

    def account(self, index: int) -> AccountState | None:
        """The account at ``index``, or None when its leaf is empty."""
        return self._fields.get(index)

    def account_items(self) -> list[tuple[int, AccountState]]:
        """Every existing account, by index."""
        return sorted(self._fields.items())

    def bridge_slot_values(self) -> tuple[int, ...]:
        """The bridge slot leaves (2^ceil(log2(2K)) values: burn roots at 2j, mint roots at 2j + 1, padding 0)."""
        self.sync()
        return tuple(self.slots.get(s) for s in range(1 << self.slots.depth))

    def burn_tree(self, dst: int) -> AppendOnlyMerkleTree:
        """Burn tree chain_id→dst."""
        return self.burn_trees[dst]

    def mint_tree(self, src: int) -> AppendOnlyMerkleTree:
        """Mint tree src→chain_id."""
        return self.mint_trees[src]

    def total_balance(self) -> int:
        """Sum of every account's balance."""
        return sum(a.balance for a in self._fields.values())

    # --- writing -------------------------------------------------------------------------------------------------

    def put_account(self, index: int, state: AccountState, leaf: int | None = None) -> MerkleOpening:
        """Write account ``index``; return the opening of its old leaf (``SparseMerkleTree.set``).

        Costs D hashes, plus the Poseidon-4 of the leaf unless ``leaf`` (= ``state.leaf()``) is given.
        """
        self._record(index, state)
        return self.accounts.set(index, self.account_leaf(state) if leaf is None else leaf)

    def write_account(self, index: int, state: AccountState) -> None:
        """Write account ``index`` deferred: its leaf preimage (pubkey_x, pubkey_y, balance, nonce) is stored and
        hashed, with the account tree's other dirty nodes, when a root is next asked for."""
        self._record(index, state)
        self.accounts.write(index, _leaf_inputs(state))

    def _record(self, index: int, state: AccountState) -> None:
        """Set account ``index``'s fields, journalled for ``revert``."""
        self._journal.append((index, self._fields.get(index)))
        self._fields[index] = state

    def push_message(self, slot: int, tree: AppendOnlyMerkleTree, leaf: int) -> None:
        """Append message ``leaf`` to ``tree`` (this rollup's burn or mint tree in bridge slot ``slot``) deferred; the
        slot is stale until ``sync``.

        Raises
        ------
        ValueError
            ``tree`` is full.
        """
        tree.push(leaf)
        self._stale.add(slot)

    def snapshot(self) -> RollupSnapshot:
        """Token for the current state (no hashing)."""
        return RollupSnapshot(
            self.accounts.snapshot(),
            self.slots.snapshot(),
            tuple(t.snapshot() for t in self.burn_trees),
            tuple(t.snapshot() for t in self.mint_trees),
            len(self._journal),
            frozenset(self._stale),
        )

    def revert(self, token: RollupSnapshot) -> None:
        """Undo everything written since ``snapshot()`` returned ``token`` (no hashing).

        Raises
        ------
        ValueError
            ``token`` is older than the last ``forget_history()``.
        """
        self.accounts.revert(token.accounts)
        self.slots.revert(token.slots)
        # the slot tree and the bridge trees are back at the token, where the slots in token.stale lagged; marking
        # more slots stale than needed only costs a rewrite of their current value
        self._stale |= token.stale
        for t, tok in zip(self.burn_trees, token.burn):
            t.revert(tok)
        for t, tok in zip(self.mint_trees, token.mint):
            t.revert(tok)
        while len(self._journal) > token.journal:
            index, old = self._journal.pop()
            if old is None:
                del self._fields[index]
            else:
                self._fields[index] = old

    def forget_history(self) -> None:
        """Make the current state final: drop the undo logs (earlier tokens can no longer be reverted to)."""
        self.accounts.forget_history()
        self.slots.forget_history()
        for t in self.burn_trees:
            t.forget_history()
        for t in self.mint_trees:
            t.forget_history()
        self._journal.clear()

    def copy(self) -> RollupState:
        """Independent copy of every tree and account (pending writes included), with empty undo logs."""
        other = RollupState.__new__(RollupState)
        other.chain_id, other.shape, other.hasher = self.chain_id, self.shape, self.hasher
        other.accounts = self.accounts.copy()
        other.slots = self.slots.copy()
        other.burn_trees = [t.copy() for t in self.burn_trees]
        other.mint_trees = [t.copy() for t in self.mint_trees]
        other._fields = dict(self._fields)
        other._journal = []
        other._stale = set(self._stale)
        return other

    def __repr__(self) -> str:
        return (
            f"RollupState(chain_id={self.chain_id}, accounts={len(self._fields)}, "
            f"accounts_root={self.accounts_root}, bridge_root={self.bridge_root})"
        )


def _leaf_inputs(state: AccountState) -> tuple[int, int, int, int]:
    """The account leaf's Poseidon inputs, in ``AccountState.leaf``'s order (pubkey_x, pubkey_y, balance, nonce)."""
    return (state.pubkey_x, state.pubkey_y, state.balance, state.nonce)

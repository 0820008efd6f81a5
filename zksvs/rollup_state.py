"""Rollup state rules (DESIGN.md §4): account and message leaves, bridge slots, state roots, bridge openings.

- account leaf at index i = Poseidon(pubkey_x, pubkey_y, balance, nonce); an empty leaf is 0.
- message leaf = Poseidon(src_chain, dst_chain, sender, recipient, amount, message_nonce); ``message_nonce`` is the
  message's index in its burn tree (and in the matching mint tree).
- bridge root of rollup c: Merkle root over the bridge slots; slot 2j = root of burn tree c→j, slot 2j+1 = root of
  mint tree j→c, for j = 0..K−1 (the c→c trees exist and stay empty); the slot tree has depth ceil(log2(2K)) and
  slots past 2K hold 0.
- state root = Poseidon(accounts_root, bridge_root).

A bridge opening proves a burn- or mint-tree root inside a state root: the slot index, the slot tree siblings and
the accounts root (DESIGN.md §4, the L1 check of the SVS note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zksvs.errors import MalformedOpening, NonCanonicalFieldElement
from zksvs.field import require_canonical_fr
from zksvs.merkle import root_from_opening, zero_hashes
from zksvs.poseidon import hash2, poseidon

#: Balances and amounts are unsigned 64-bit.
U64_MAX = (1 << 64) - 1


@dataclass(frozen=True)
class AccountState:
    """One account: public key (0, 0 until signatures land), u64 balance, u64 nonce."""

    balance: int
    nonce: int = 0
    pubkey_x: int = 0
    pubkey_y: int = 0

    def leaf(self) -> int:
        """Poseidon(pubkey_x, pubkey_y, balance, nonce)."""
        return poseidon([self.pubkey_x, self.pubkey_y, self.balance, self.nonce])


@dataclass(frozen=True)
class Message:
    """A cross-rollup burn→mint message."""

    src_chain: int
    dst_chain: int
    sender: int
    recipient: int
    amount: int
    message_nonce: int

    def leaf(self) -> int:
        """Poseidon(src_chain, dst_chain, sender, recipient, amount, message_nonce)."""
        return poseidon([self.src_chain, self.dst_chain, self.sender, self.recipient, self.amount, self.message_nonce])


def burn_slot(dst_chain: int) -> int:
    """Bridge slot of the burn tree c→dst inside rollup c's bridge root: 2·dst."""
    return 2 * dst_chain


def mint_slot(src_chain: int) -> int:
    """Bridge slot of the mint tree src→c inside rollup c's bridge root: 2·src + 1."""
    return 2 * src_chain + 1


def bridge_slot_depth(n_rollups: int) -> int:
    """Depth of the slot tree over 2K slots: ceil(log2(2K)).

    Raises
    ------
    ValueError
        ``n_rollups`` < 1.
    """
    if n_rollups < 1:
        raise ValueError(f"Argument 'n_rollups' must be at least 1, not {n_rollups}")
    return (2 * n_rollups - 1).bit_length()


def empty_bridge_slots(n_rollups: int, bridge_depth: int) -> list[int]:
    """Slot values of a fresh rollup: the empty depth-M tree root in the 2K real slots, 0 in the padding."""
    empty = zero_hashes(bridge_depth)[bridge_depth]
    n_slots = 1 << bridge_slot_depth(n_rollups)
    return [empty if i < 2 * n_rollups else 0 for i in range(n_slots)]


def _slot_tree_levels(slot_values: Sequence[int]) -> list[list[int]]:
    """Every level of the slot tree, leaves first; ``len(slot_values)`` must be a power of two."""
    level = list(slot_values)
    if not level or len(level) & (len(level) - 1):
        raise ValueError(f"slot values must be a power-of-two count, not {len(level)}")
    levels = [level]
    while len(level) > 1:
        level = [hash2(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def bridge_root(slot_values: Sequence[int]) -> int:
    """Merkle root (Poseidon, 2-to-1) over the slot values; ``len(slot_values)`` must be a power of two."""
    return _slot_tree_levels(slot_values)[-1][0]


def state_root(accounts_root: int, bridge_root_value: int) -> int:
    """Poseidon(accounts_root, bridge_root)."""
    return poseidon([accounts_root, bridge_root_value])


@dataclass(frozen=True)
class BridgeOpening:
    """Opening of one bridge slot (a burn- or mint-tree root) in a state root."""

    slot: int
    value: int
    siblings: tuple[int, ...]
    accounts_root: int

    def state_root(self) -> int:
        """The state root this opening proves membership in."""
        return state_root(self.accounts_root, root_from_opening(self.value, self.slot, self.siblings))


def bridge_opening(slot_values: Sequence[int], slot: int, accounts_root: int) -> BridgeOpening:
    """Build the opening of ``slot`` from the full slot list (what the sequencer hands the L1)."""
    levels = _slot_tree_levels(slot_values)
    siblings = tuple(level[(slot >> k) ^ 1] for k, level in enumerate(levels[:-1]))
    return BridgeOpening(slot, slot_values[slot], siblings, accounts_root)


def check_bridge_opening(opening: object, n_rollups: int) -> BridgeOpening:
    """Return ``opening`` if it is a well-formed bridge opening for a set of ``n_rollups`` rollups, else raise.

    Well formed: a ``BridgeOpening`` whose slot is an exact int in [0, 2K), whose ``siblings`` are exactly
    ceil(log2(2K)) canonical Fr elements (the slot tree's depth, ``bridge_slot_depth``) and whose value and accounts
    root are canonical Fr elements. The depth is what makes an opening bind its slot: one level short, the "value"
    is an internal node of the slot tree; one level too long, it is a child of a slot value, and the empty tree's
    root has a known preimage (the empty root one level down, twice), so either way an attacker could open a burn or
    mint slot to a value it does not hold (issue 8, finding 2).

    Raises
    ------
    MalformedOpening
        Any of the above does not hold (the message names the field and what it got).
    """
    if not isinstance(opening, BridgeOpening):
        raise MalformedOpening(f"not a BridgeOpening: {type(opening).__name__}")
    depth = bridge_slot_depth(n_rollups)
    slot = opening.slot
    if type(slot) is not int or not 0 <= slot < 2 * n_rollups:
        raise MalformedOpening(f"slot must be an int in [0, {2 * n_rollups}) for K = {n_rollups}, not {slot!r}")
    sibs = opening.siblings
    if not isinstance(sibs, (tuple, list)) or len(sibs) != depth:
        got = len(sibs) if isinstance(sibs, (tuple, list)) else type(sibs).__name__
        raise MalformedOpening(f"slot {slot}: siblings must be {depth} field elements (the slot tree depth), not {got}")
    try:
        for i, v in enumerate(sibs):
            require_canonical_fr(v, f"slot {slot}: siblings[{i}]")
        require_canonical_fr(opening.value, f"slot {slot}: value")
        require_canonical_fr(opening.accounts_root, f"slot {slot}: accounts_root")
    except NonCanonicalFieldElement as e:
        raise MalformedOpening(str(e)) from e
    return opening


def verify_bridge_opening(state_root_value: int, opening: BridgeOpening, n_rollups: int) -> bool:
    """True when ``opening`` proves its slot value inside ``state_root_value`` (a K = ``n_rollups`` slot tree).

    Raises
    ------
    MalformedOpening
        ``opening`` is not well formed for ``n_rollups`` (``check_bridge_opening``): a malformed opening raises, a
        well-formed wrong one is False.
    """
    return check_bridge_opening(opening, n_rollups).state_root() == state_root_value


@dataclass(frozen=True)
class BridgeSlots:
    """Every bridge slot value of a rollup and its accounts root: an opening of all its burn and mint roots at once.

    Hashing the 2^S slot values up to the bridge root and Poseidon(accounts_root, bridge_root) must give the state
    root. With every slot present there is no path and no depth to get wrong (compare ``BridgeOpening``), and the L1
    hashes 2^S − 1 + 1 times per rollup instead of S + 1 times for each of the 2(K − 1) burn and mint slots it needs:
    K = 4 costs 8 Poseidon hashes per rollup instead of 24.
    """

    accounts_root: int
    slots: tuple[int, ...]

    def state_root(self) -> int:
        """Poseidon(accounts_root, Merkle root of the slots)."""
        return state_root(self.accounts_root, bridge_root(self.slots))


def check_bridge_slots(value: object, n_rollups: int) -> BridgeSlots:
    """Return ``value`` if it is a well-formed ``BridgeSlots`` for a set of ``n_rollups`` rollups, else raise.

    Well formed: ``slots`` is a list or tuple of exactly 2^ceil(log2(2K)) canonical Fr elements (the slot tree's
    leaves, padding included) and ``accounts_root`` is a canonical Fr element.

    Raises
    ------
    MalformedOpening
        Any of the above does not hold (the message names the field and what it got).
    """
    if not isinstance(value, BridgeSlots):
        raise MalformedOpening(f"not a BridgeSlots: {type(value).__name__}")
    n = 1 << bridge_slot_depth(n_rollups)
    slots = value.slots
    if not isinstance(slots, (tuple, list)) or len(slots) != n:
        got = len(slots) if isinstance(slots, (tuple, list)) else type(slots).__name__
        raise MalformedOpening(
            f"slots must be {n} field elements (every leaf of the slot tree for K = {n_rollups}), not {got}"
        )
    try:
        for i, v in enumerate(slots):
            require_canonical_fr(v, f"slots[{i}]")
        require_canonical_fr(value.accounts_root, "accounts_root")
    except NonCanonicalFieldElement as e:
        raise MalformedOpening(str(e)) from e
    return value

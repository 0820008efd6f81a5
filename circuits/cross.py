"""The cross-rollup circuit (DESIGN.md §6b): burn root i→j == mint root i→j for every pair, as constraints.

One circuit per shared-batch shape (K rollups, bridge tree depth M: a slot holds a tree root, one field element; M
fixes the empty tree's root). It binds the K new state roots to the rollups' bridge slots and states the SVS
invariant:

    # PUBLIC INPUTS (zksvs.statement.CrossStatement order)
    new_state_root[c]                                  for c = 0..K−1
    # PRIVATE INPUTS
    rollup[c]/accounts_root, rollup[c]/slots[s]        s = 0..2^ceil(log2(2K)) − 1

    rollup[c]/slots[s] = 0 for the padding slots s ≥ 2K            (label rollup[c]/padding[s])
    rollup[c]/slots[s] = empty root of depth M for s = 2c, 2c + 1  (label rollup[c]/empty[s]: the c→c trees)
    bridge_root_c = Merkle root (Poseidon 2-to-1) of rollup[c]/slots
    Poseidon(accounts_root_c, bridge_root_c) = new_state_root[c]   (label rollup[c]/state_root)
    rollup[i]/slots[2j] = rollup[j]/slots[2i+1] for every i ≠ j   (label pair[i->j]: burn i→j = mint i→j)

The c→c trees (burn tree c→c at slot 2c, mint tree c→c at slot 2c + 1) take part in no pair, so no equality would
notice a message written there: the batch circuit never writes them (an append needs peer ≠ chain_id and a peer
below K), and this circuit pins them to the empty root at every shared batch as well (the audit's mint without a
burn went to slot 2c). The L1 accepts a shared batch when the K batch proofs and this proof verify on the same K new
state roots; a shared batch whose burn and mint roots differ, or with a message in a c→c tree, has no satisfying
witness (tests/circuits/test_cross_circuit.py, tests/circuits/test_mint_without_burn.py). Public
inputs are the K roots themselves, not one commitment to them: see ``zksvs.statement`` for the gas argument.

Boundary: zksvs core and ``circuits`` only.

References
----------
DESIGN.md §4 (bridge slots, state root), §6b; the SVS note's MintBurnSystemContract (../shared/reference/004).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.builder import ConstraintBuilder, Var
from circuits.gadgets.poseidon import poseidon_hash, poseidon_hash2
from zksvs.merkle import zero_hashes
from zksvs.r1cs import R1CS
from zksvs.rollup_state import bridge_slot_depth
from zksvs.statement import CrossStatement
from zksvs.trace import BatchTrace
from zksvs.witness import Witness

__all__ = [
    "CrossCircuit",
    "CrossInputs",
    "assign_cross_witness",
    "build_cross_circuit",
    "cross_inputs",
    "cross_statement",
    "define_cross",
]


@dataclass(frozen=True)
class CrossInputs:
    """The values of the cross-rollup circuit: per rollup its new state root, accounts root and bridge slots."""

    new_state_roots: tuple[int, ...]
    accounts_roots: tuple[int, ...]
    bridge_slots: tuple[tuple[int, ...], ...]


def _merkle_root_of(cb: ConstraintBuilder, leaves: Sequence[Var]) -> Var:
    """Root of the complete binary Poseidon tree over ``leaves`` (a power-of-two count)."""
    level = list(leaves)
    depth = 0
    while len(level) > 1:
        with cb.namespace(f"level[{depth}]"):
            nxt = []
            for i in range(0, len(level), 2):
                with cb.namespace(f"node[{i // 2}]"):
                    nxt.append(poseidon_hash2(cb, level[i], level[i + 1]))
            level = nxt
        depth += 1
    return level[0]


def define_cross(cb: ConstraintBuilder, n_rollups: int, bridge_depth: int, inputs: CrossInputs | None = None) -> None:
    """State the cross-rollup constraints for K = ``n_rollups``, M = ``bridge_depth`` (see the module docstring).

    Constrains: padding slots = 0; the c→c slots 2c, 2c + 1 = the empty root of depth M; K bridge roots and state
                roots; K·(K − 1) pair equalities
    Cost:       K · 2^S · P2 + K · (2^S − 2K + 1) + 2K + K · (K − 1) constraints, S = ceil(log2(2K)), P2 = 240
                (7 704 for K = 4)
    Assumes:    nothing
    Rejects:    burn root i→j ≠ mint root i→j, a wrong accounts root, a non-zero padding slot, a non-empty c→c tree
                (tested in tests/circuits/test_cross_circuit.py and tests/circuits/test_mint_without_burn.py)

    Raises
    ------
    ValueError
        ``n_rollups`` < 2, ``bridge_depth`` < 1, or ``inputs`` has the wrong number of rollups or slots.
    """
    if n_rollups < 2:
        raise ValueError(f"Argument 'n_rollups' must be at least 2, not {n_rollups}")
    if bridge_depth < 1:
        raise ValueError(f"Argument 'bridge_depth' must be at least 1, not {bridge_depth}")
    empty_root = zero_hashes(bridge_depth)[bridge_depth]
    n_slots = 1 << bridge_slot_depth(n_rollups)
    if inputs is not None and (
        len(inputs.new_state_roots) != n_rollups
        or len(inputs.accounts_roots) != n_rollups
        or any(len(s) != n_slots for s in inputs.bridge_slots)
        or len(inputs.bridge_slots) != n_rollups
    ):
        raise ValueError(f"cross inputs must give {n_rollups} rollups with {n_slots} bridge slots each")

    def get(attr: str, c: int, s: int | None = None) -> int | None:
        if inputs is None:
            return None
        v = getattr(inputs, attr)[c]
        return int(v if s is None else v[s])

    # PUBLIC INPUTS
    roots = [cb.public(f"new_state_root[{c}]", get("new_state_roots", c)) for c in range(n_rollups)]
    # PRIVATE INPUTS and the per-rollup constraints
    slots: list[list[Var]] = []
    for c in range(n_rollups):
        with cb.namespace(f"rollup[{c}]"):
            accounts_root = cb.private("accounts_root", get("accounts_roots", c))
            vals = [cb.private(f"slots[{s}]", get("bridge_slots", c, s)) for s in range(n_slots)]
            for s in range(2 * n_rollups, n_slots):
                cb.assert_equal(vals[s], 0, f"padding[{s}]")
            for s in (2 * c, 2 * c + 1):
                cb.assert_equal(vals[s], empty_root, f"empty[{s}]")
            with cb.namespace("bridge_root"):
                bridge_root = _merkle_root_of(cb, vals)
            with cb.namespace("state_hash"):
                state = poseidon_hash(cb, [accounts_root, bridge_root])
            cb.assert_equal(state, roots[c], "state_root")
        slots.append(vals)
    for i in range(n_rollups):
        for j in range(n_rollups):
            if i != j:
                cb.assert_equal(slots[i][2 * j], slots[j][2 * i + 1], f"pair[{i}->{j}]")


@dataclass(frozen=True)
class CrossCircuit:
    """The cross-rollup circuit for K rollups with bridge trees of depth M.

    Attributes
    ----------
    n_rollups : int
        K.
    bridge_depth : int
        M.
    r1cs : R1CS
        Public inputs: the K new state roots in chain order (``CrossStatement.public_inputs``).
    """

    n_rollups: int
    bridge_depth: int
    r1cs: R1CS

    @property
    def n_constraints(self) -> int:
        """Number of constraints."""
        return self.r1cs.n_constraints


def build_cross_circuit(n_rollups: int, bridge_depth: int) -> CrossCircuit:
    """The cross-rollup circuit for ``n_rollups`` rollups with bridge trees of depth ``bridge_depth`` (shape only).

    Raises
    ------
    ValueError
        ``n_rollups`` < 2 or ``bridge_depth`` < 1.
    """
    cb = ConstraintBuilder(with_values=False)
    define_cross(cb, n_rollups, bridge_depth)
    return CrossCircuit(n_rollups, bridge_depth, cb.build())


def cross_inputs(traces: Sequence[BatchTrace]) -> CrossInputs:
    """The circuit's values for one shared batch: each trace's new state root, new accounts root and final slots."""
    ordered = sorted(traces, key=lambda t: t.chain_id)
    return CrossInputs(
        new_state_roots=tuple(t.new_state_root for t in ordered),
        accounts_roots=tuple(t.new_accounts_root for t in ordered),
        bridge_slots=tuple(tuple(t.final_bridge_slots) for t in ordered),
    )


def assign_cross_witness(circuit: CrossCircuit, traces: Sequence[BatchTrace]) -> Witness:
    """The witness of ``circuit`` for one shared batch (its K traces, any order; chain ids 0..K−1).

    Parameters
    ----------
    circuit : CrossCircuit
        From ``build_cross_circuit(K, M)``.
    traces : Sequence[BatchTrace]
        One per rollup; reads ``new_state_root``, ``new_accounts_root`` and ``final_bridge_slots``.

    Returns
    -------
    Witness
        Its public inputs are ``CrossStatement(new state roots).public_inputs()``. A shared batch with a burn root
        ≠ its mint root gives a witness that fails the labelled ``pair[i->j]`` constraint; one with a message in a
        c→c tree fails ``rollup[c]/empty[s]``.

    Raises
    ------
    ValueError
        The chain ids of ``traces`` are not exactly 0..K−1.
    """
    ids = sorted(t.chain_id for t in traces)
    if ids != list(range(circuit.n_rollups)):
        raise ValueError(f"a cross witness needs the traces of chains 0..{circuit.n_rollups - 1}, not {ids}")
    cb = ConstraintBuilder()
    define_cross(cb, circuit.n_rollups, circuit.bridge_depth, cross_inputs(traces))
    return cb.witness()


def cross_statement(traces: Sequence[BatchTrace]) -> CrossStatement:
    """The public statement of the cross-rollup proof for ``traces``."""
    return CrossStatement(cross_inputs(traces).new_state_roots)

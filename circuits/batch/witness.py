"""Witness assignment of the batch circuit from a ``zksvs.trace.BatchTrace``.

The sequencer records the trace; this module reads it (it never re-runs sequencing logic) and runs the circuit's
declaration (``circuits.batch.circuit.define_batch``) with the trace's values, so every intermediate wire (bits,
Poseidon rounds, Merkle nodes, inverses) is computed by the same code that states its constraint.

What is taken from the trace as is: the public statement, the starting roots, every slot's SlotData, the account
updates (index, siblings, leaves, account fields, roots after) and, for an active append, its slot, index, tree and
slot openings and roots. What is computed here: an *inactive* append opens leaf 0 of the empty c→c burn tree at slot
2·chain_id (``circuits.batch.slots.append``), whose tree siblings are the empty-subtree roots and whose slot
opening comes from the bridge slot values before the slot, rebuilt backwards from ``final_bridge_slots`` by undoing
the active appends. A wrong trace is not refused here: it gives a witness that fails a labelled constraint.
"""

from __future__ import annotations

from collections.abc import Mapping

from circuits.batch.circuit import BatchCircuit, BatchInputs, define_batch
from circuits.batch.slots import AccountPartInputs, AppendPartInputs, SlotInputs
from circuits.builder import ConstraintBuilder, gc_paused
from zksvs.merkle import zero_hashes
from zksvs.rollup_state import bridge_opening, burn_slot
from zksvs.trace import AccountUpdate, BatchTrace
from zksvs.witness import Witness

__all__ = ["assign_batch_witness", "batch_inputs"]


def _account_inputs(u: AccountUpdate, root_after: int) -> AccountPartInputs:
    before, after = (u.before, u.after) if u.active else (None, None)
    return AccountPartInputs(
        index=u.index,
        siblings=tuple(u.siblings),
        leaf_before=u.leaf_before,
        leaf_after=u.leaf_after,
        pubkey_x=before.pubkey_x if before else 0,
        pubkey_y=before.pubkey_y if before else 0,
        balance_before=before.balance if before else 0,
        nonce_before=before.nonce if before else 0,
        balance_after=after.balance if after else 0,
        nonce_after=after.nonce if after else 0,
        root_after=root_after,
    )


def _slot_values_before(trace: BatchTrace) -> list[list[int]]:
    """Bridge slot values before each slot: undo the active appends from ``final_bridge_slots`` backwards."""
    values = list(trace.final_bridge_slots)
    out: list[list[int]] = [[] for _ in trace.slots]
    for k in range(len(trace.slots) - 1, -1, -1):
        a = trace.slots[k].append
        if a.active and 0 <= a.slot < len(values):
            values[a.slot] = a.tree_root_before
        out[k] = list(values)
    return out


def batch_inputs(trace: BatchTrace) -> BatchInputs:
    """Every input value of the batch circuit for ``trace`` (see the module docstring for what is computed).

    Parameters
    ----------
    trace : BatchTrace
        One rollup's batch, ``shape.capacity`` slots.

    Returns
    -------
    BatchInputs
        The public statement (``trace.statement()``), the starting roots and one ``SlotInputs`` per slot.
    """
    shape = trace.shape
    statement = trace.statement()
    empty_siblings = zero_hashes(shape.bridge_depth)[: shape.bridge_depth]
    idle_slot = burn_slot(trace.chain_id)
    before = _slot_values_before(trace)
    slot_inputs = []
    for k, s in enumerate(trace.slots):
        a = s.append
        if a.active:
            app = AppendPartInputs(
                index=a.index,
                tree_siblings=tuple(a.tree_siblings),
                prev_leaf=a.prev_leaf,
                prev_siblings=tuple(a.prev_siblings),
                tree_root_before=a.tree_root_before,
                tree_root_after=a.tree_root_after,
                slot=a.slot,
                slot_siblings=tuple(a.slot_siblings),
                bridge_root_after=s.bridge_root_after,
            )
        else:
            values = before[k]
            opening = bridge_opening(values, idle_slot, 0) if idle_slot < len(values) else None
            app = AppendPartInputs(
                index=0,
                tree_siblings=empty_siblings,
                prev_leaf=0,
                prev_siblings=empty_siblings,
                tree_root_before=values[idle_slot] if opening else 0,
                tree_root_after=values[idle_slot] if opening else 0,
                slot=idle_slot,
                slot_siblings=opening.siblings if opening else (0,) * shape.slot_tree_depth,
                bridge_root_after=s.bridge_root_after,
            )
        d = s.data
        slot_inputs.append(
            SlotInputs(
                kind=int(d.kind),
                account_a=d.account_a,
                account_b=d.account_b,
                amount=d.amount,
                nonce=d.nonce,
                peer_chain=d.peer_chain,
                debit=_account_inputs(s.debit, s.accounts_root_after_debit),
                credit=_account_inputs(s.credit, s.accounts_root_after_credit),
                append=app,
            )
        )
    return BatchInputs(
        chain_id=statement.chain_id,
        old_state_root=statement.old_state_root,
        new_state_root=statement.new_state_root,
        batch_commitment=statement.batch_commitment,
        eval_point=statement.eval_point,
        eval_value=statement.eval_value,
        old_accounts_root=trace.old_accounts_root,
        old_bridge_root=trace.old_bridge_root,
        slots=tuple(slot_inputs),
    )


def assign_batch_witness(
    circuit: BatchCircuit, trace: BatchTrace, *, overrides: Mapping[str, int] | None = None
) -> Witness:
    """The witness of ``circuit`` for ``trace``.

    Parameters
    ----------
    circuit : BatchCircuit
        From ``build_batch_circuit(trace.shape)``.
    trace : BatchTrace
        The batch.
    overrides : Mapping[str, int] | None
        Wire label → value to force (a malicious prover's witness, for tests; ``ConstraintBuilder(overrides=…)``).

    Returns
    -------
    Witness
        Full assignment in the circuit's wire order; ``circuit.r1cs.is_satisfied(witness.values)`` holds for a
        valid trace.

    Raises
    ------
    ValueError
        ``trace.shape`` is not ``circuit.shape``; an override names no wire.
    """
    if trace.shape != circuit.shape:
        raise ValueError(f"trace shape {trace.shape} does not match the circuit's {circuit.shape}")
    # Witness-only: the R1CS is circuit.r1cs already; the same declaration runs for its values, and its rows are
    # counted rather than constructed (the check below still compares their number with the shape-only build).
    cb = ConstraintBuilder(overrides=overrides, witness_only=True)
    with gc_paused():
        define_batch(cb, circuit.shape, batch_inputs(trace))
        witness = cb.witness()
    if len(witness) != circuit.r1cs.n_wires or cb.n_constraints != circuit.r1cs.n_constraints:
        raise RuntimeError("the valued build of the batch circuit differs from its shape-only build")
    return witness

"""Witness assignment of the batch circuit from a ``zksvs.trace.BatchTrace``.

The sequencer records the trace; this module copies it (it never re-runs sequencing logic, nor rebuilds a part the
trace lacks: every part, active or not, is in the trace with its openings, by the contract of ``zksvs.trace``) and
runs the circuit's declaration (``circuits.batch.circuit.define_batch``) with those values, so every intermediate
wire (bits, Poseidon rounds, Merkle nodes, inverses) is computed by the same code that states its constraint.

Copied from the trace: the public statement, the starting roots, every slot's SlotData and signature (0s without
one), and, per part, its openings, leaves, account fields (0 for an inactive part, whose ``before``/``after`` are
None; a created account's ``before`` is its named key with balance and nonce 0), message index and roots. Not
copied, because the circuit makes them from range-checked bits: an account part's leaf index (its SlotData field)
and an append's bridge slot (kind, peer, chain_id). A wrong trace is not refused here: it gives a witness that fails
a labelled constraint.
"""

from __future__ import annotations

from collections.abc import Mapping

from circuits.batch.circuit import BatchCircuit, BatchInputs, define_batch
from circuits.batch.slots import AccountPartInputs, AppendPartInputs, SlotInputs
from circuits.builder import ConstraintBuilder, gc_paused
from zksvs.trace import AccountUpdate, BatchTrace, BridgeAppend
from zksvs.witness import Witness

__all__ = ["assign_batch_witness", "batch_inputs"]


def _account_inputs(u: AccountUpdate, root_after: int) -> AccountPartInputs:
    before, after = u.before, u.after
    return AccountPartInputs(
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


def _append_inputs(a: BridgeAppend, bridge_root_after: int) -> AppendPartInputs:
    return AppendPartInputs(
        index=a.index,
        tree_siblings=tuple(a.tree_siblings),
        prev_leaf=a.prev_leaf,
        prev_siblings=tuple(a.prev_siblings),
        tree_root_before=a.tree_root_before,
        tree_root_after=a.tree_root_after,
        slot_siblings=tuple(a.slot_siblings),
        bridge_root_after=bridge_root_after,
    )


def batch_inputs(trace: BatchTrace) -> BatchInputs:
    """Every input value of the batch circuit for ``trace``, copied from it (module docstring).

    Parameters
    ----------
    trace : BatchTrace
        One rollup's batch, ``shape.capacity`` slots.

    Returns
    -------
    BatchInputs
        The public statement (``trace.statement()``), the starting roots and one ``SlotInputs`` per slot.
    """
    statement = trace.statement()
    slot_inputs = []
    for s in trace.slots:
        d = s.data
        slot_inputs.append(
            SlotInputs(
                kind=int(d.kind),
                account_a=d.account_a,
                account_b=d.account_b,
                amount=d.amount,
                nonce=d.nonce,
                peer_chain=d.peer_chain,
                program=d.program,
                payload=d.payload,
                pubkey_x=d.pubkey_x,
                pubkey_y=d.pubkey_y,
                msg_sender=d.msg_sender,
                msg_target=d.msg_target,
                msg_value=d.msg_value,
                forced=d.forced,
                reason=d.reason,
                debit=_account_inputs(s.debit, s.accounts_root_after_debit),
                credit=_account_inputs(s.credit, s.accounts_root_after_credit),
                append=_append_inputs(s.append, s.bridge_root_after),
                # a forced slot's verifier consumes the signature its words commit to (the queued one)
                r8x=d.sig_r8x if d.forced else s.signature.r8[0] if s.signature else 0,
                r8y=d.sig_r8y if d.forced else s.signature.r8[1] if s.signature else 0,
                s=d.sig_s if d.forced else s.signature.s if s.signature else 0,
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

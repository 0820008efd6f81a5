"""The batch circuit of one rollup (DESIGN.md §6): one R1CS per ``BatchShape``, whatever the batch.

Declared once, in ``define_batch``, and used two ways (gnark's circuit struct as empty shape and as assignment,
STYLE.md §1.1 item 1): ``build_batch_circuit(shape)`` runs it with no values and keeps the R1CS;
``circuits.batch.witness.assign_batch_witness`` runs it again with the values of a ``BatchTrace`` and keeps the
witness. No constraint depends on a value, so both runs give the same R1CS (tested).

Wires, in circom order (DESIGN.md §2)::

    # PUBLIC INPUTS (zksvs.statement order)
    chain_id, old_state_root, new_state_root, batch_commitment, eval_point, eval_value
    # PRIVATE INPUTS
    old_accounts_root, old_bridge_root
    chain_range/bit[i]                                    chain_id < K, in ceil(log2 K) bits
    slot[k]/kind/{noop,transfer,burn,action,call}        one-hot kind selectors
    slot[k]/kind/program_{mint,cond,swap}                 program selectors (one-hot with a message)
    slot[k]/data/{account_a,…,msg_value}                  the committed SlotData (and their range bits)
    slot[k]/debit/…, slot[k]/credit/…                     account updates (circuits.batch.slots.debit / credit)
    slot[k]/append/…                                      bridge append (circuits.batch.slots.append)
    slot[k]/signature/{r8x,r8y,s}, …/eddsa/…              the signature and its verifier (slots.signature)
    (and the gadgets' internal wires under the same paths)

chain_id is public, set by the L1 for the rollup it settles; its bits are range-checked once per batch, like every
value the circuit uses as an index (the idle append's slot 2·chain_id is made from them). Roots chain through the
slots: slot 0 starts from (old_accounts_root, old_bridge_root), with
Poseidon(old_accounts_root, old_bridge_root) = old_state_root; debit and credit move the accounts root, append the
bridge root; after slot B − 1, Poseidon(accounts_root, bridge_root) = new_state_root. Every slot, no-ops included,
packs its committed fields into eight slot words (words 5-7: a forced slot's signature, the one its verifier
checks); the words' Poseidon sponge is the public batch_commitment and their evaluation at the public eval_point is
the public eval_value, exactly as ``zksvs.statement`` computes them (``circuits.batch.binding``).

References
----------
gnark ``examples/rollup/circuit.go`` (public block declared in one place, one helper per rule).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from circuits.batch import binding, slots
from circuits.builder import Bool, ConstraintBuilder, gc_paused
from circuits.gadgets.poseidon import poseidon_hash
from circuits.gadgets.range import assert_below
from zksvs.r1cs import R1CS
from zksvs.trace import BatchShape

__all__ = ["BatchCircuit", "BatchInputs", "build_batch_circuit", "define_batch", "wire_groups"]

#: Public inputs in order (zksvs.statement.BatchStatement.public_inputs).
PUBLIC_INPUTS = ("chain_id", "old_state_root", "new_state_root", "batch_commitment", "eval_point", "eval_value")


@dataclass(frozen=True)
class BatchInputs:
    """Every input value of one batch: the four public inputs, the starting roots and each slot's inputs."""

    chain_id: int
    old_state_root: int
    new_state_root: int
    batch_commitment: int
    eval_point: int
    eval_value: int
    old_accounts_root: int
    old_bridge_root: int
    slots: tuple[slots.SlotInputs, ...]


def define_batch(cb: ConstraintBuilder, shape: BatchShape, inputs: BatchInputs | None = None) -> None:
    """State every constraint of the batch circuit of ``shape`` into ``cb``; values from ``inputs`` if given.

    Parameters
    ----------
    cb : ConstraintBuilder
        A fresh builder (shape-only when ``inputs`` is None).
    shape : BatchShape
        K, B, D, M.
    inputs : BatchInputs | None
        The values (``circuits.batch.witness.batch_inputs``), or None for the shape only.

    Raises
    ------
    ValueError
        ``inputs`` has a number of slots other than ``shape.capacity``.
    """
    if inputs is not None and len(inputs.slots) != shape.capacity:
        raise ValueError(f"a batch of capacity {shape.capacity} needs {shape.capacity} slots, not {len(inputs.slots)}")

    def val(name: str) -> int | None:
        return None if inputs is None else int(getattr(inputs, name))

    # PUBLIC INPUTS
    chain_id, old_state_root, new_state_root, batch_commitment, eval_point, eval_value = (
        cb.public(n, val(n)) for n in PUBLIC_INPUTS
    )
    chain_bits = assert_below(cb, chain_id, shape.n_rollups, "chain_range")
    # PRIVATE INPUTS (the slots' own inputs are allocated by the rules in circuits.batch.slots)
    accounts_root = cb.private("old_accounts_root", val("old_accounts_root"))
    bridge_root = cb.private("old_bridge_root", val("old_bridge_root"))
    with cb.namespace("old_state_root"):
        cb.assert_equal(poseidon_hash(cb, [accounts_root, bridge_root]), old_state_root, "state_root")

    words = []
    for k in range(shape.capacity):
        si = None if inputs is None else inputs.slots[k]
        with cb.namespace(f"slot[{k}]"):
            sel = slots.kind_selectors(cb, None if si is None else si.kind, None if si is None else si.program)
            data = slots.slot_data(cb, si, n_rollups=shape.n_rollups, account_depth=shape.account_depth)
            slots.noop(cb, sel, data)
            sel = slots.forced_slot(cb, sel, data)
            read = Bool._trusted(sel.debit_active + sel.rejected)  # a forced rejection reads its sender's leaf
            paid = slots.debit(cb, None if si is None else si.debit, sel.debit_active, data, accounts_root, read)
            # a forced rejection of a transfer reads its recipient's leaf
            read_b = Bool._trusted(sel.credit_active + sel.rejected)  # a rejected slot is a transfer
            got = slots.credit(cb, None if si is None else si.credit, sel, data, paid.root_after, read_b)
            accounts_root = got.root_after
            slots.cond_cap(cb, sel, data, got.balance_after)
            bridge_root, index = slots.append(
                cb, None if si is None else si.append, sel, chain_id, chain_bits, data, bridge_root,
                bridge_depth=shape.bridge_depth,
            )  # fmt: skip
            # The committed nonce: the payer's nonce before (transfer, burn, call, a SWAP action's Z; 0 when the
            # debit is off) or the message index (a MINT or COND action); 0 for a no-op; a forced rejection's is
            # its transaction's (range-checked by forced_slot, compared with the leaf's by forced_reasons).
            with cb.namespace("nonce"):
                index_used = cb.mul(sel.action - sel.swap_action, index, "action_index")
                cb.enforce(1 - sel.rejected, data.nonce - paid.nonce_before - index_used, 0, "binding")
            valid, sig_words = slots.signature(cb, si, sel, chain_id, data, paid)
            slots.forced_reasons(cb, sel, data, paid, got, valid)
            words += binding.slot_words(sel, data, sig_words)
    with cb.namespace("binding"):
        commitment = binding.batch_commitment(cb, words)
        value = binding.eval_value(cb, words, eval_point)
    cb.assert_equal(commitment, batch_commitment, "batch_commitment")
    cb.assert_equal(value, eval_value, "eval_value")
    with cb.namespace("new_state_root"):
        cb.assert_equal(poseidon_hash(cb, [accounts_root, bridge_root]), new_state_root, "state_root")


# Wire-label → group: the slot index and the trailing element index are dropped from a wire group's *kind* but
# kept in its name ("slot[3]/debit/siblings" groups siblings[0..D−1] of slot 3).
_ELEMENT = re.compile(r"\[\d+\]$")
#: Parts of a slot whose wires are trace-level inputs (gadget internals live deeper, e.g. ``debit/path_before/…``).
_INPUT_LEAVES = {
    "kind": {"noop", "transfer", "burn", "action", "call", "program_mint", "program_cond", "program_swap"},
    "data": {
        "account_a", "account_b", "amount", "nonce", "peer_chain", "payload", "pubkey_x", "pubkey_y", "msg_sender",
        "msg_target", "msg_value", "forced", "reason_bit",
    },
    "debit": {
        "siblings", "leaf_before", "pubkey_x", "pubkey_y", "balance_before", "nonce_before", "balance_after",
        "nonce_after", "leaf_after", "root_after", "amount",
    },
    "credit": {
        "siblings", "leaf_before", "pubkey_x", "pubkey_y", "balance_before", "nonce_before", "balance_after",
        "leaf_after", "root_after", "amount",
    },
    "append": {
        "peer_inv", "slot_sel", "index_bits", "first", "prev_bits", "tree_siblings", "prev_leaf", "prev_siblings",
        "tree_root_before", "prev_inv", "src_dst_swap", "leaf_inv", "leaf", "tree_root_after", "slot_siblings",
        "bridge_root_after",
    },
    "nonce": {"action_index"},
    "forced_reason": {"nonce_inv"},
    "signature": {"r8x", "r8y", "s"},
}  # fmt: skip


def wire_groups(r1cs: R1CS) -> dict[str, tuple[int, ...]]:
    """Named wire groups of a batch R1CS: every public input, the starting roots, and per slot every input wire
    group (``"slot[k]/debit/balance_after"``, ``"slot[k]/append/tree_siblings"`` …) → its wire indices."""
    groups: dict[str, list[int]] = {}
    labels = r1cs.wire_labels or []
    top = {*PUBLIC_INPUTS, "old_accounts_root", "old_bridge_root"}
    for w, label in enumerate(labels):
        if w == 0:
            continue
        depth = label.count("/")  # counted before splitting: most labels are deep gadget internals (no group)
        if depth == 0 and label in top:
            groups.setdefault(label, []).append(w)
        elif depth == 2 and label.startswith("slot["):
            parts = label.split("/")
            leaf = _ELEMENT.sub("", parts[2])
            if leaf in _INPUT_LEAVES.get(parts[1], ()):
                groups.setdefault(f"{parts[0]}/{parts[1]}/{leaf}", []).append(w)
    return {k: tuple(v) for k, v in groups.items()}


@dataclass(frozen=True)
class BatchCircuit:
    """The batch circuit of one shape.

    Attributes
    ----------
    shape : BatchShape
        K, B, D, M.
    r1cs : R1CS
        Constraints in circom wire order; public inputs ``chain_id, old_state_root, new_state_root,
        batch_commitment, eval_point, eval_value``.
    groups : dict[str, tuple[int, ...]]
        Named wire groups (``wire_groups``), for perturbation tests and messages.
    """

    shape: BatchShape
    r1cs: R1CS
    groups: dict[str, tuple[int, ...]] = field(repr=False)

    @property
    def n_constraints(self) -> int:
        """Number of constraints."""
        return self.r1cs.n_constraints

    def constraints_by_part(self, slot: int = 0) -> dict[str, int]:
        """Constraints of slot ``slot`` per part (``kind``, ``data``, ``noop``, ``debit``, ``credit``, ``cond``,
        ``append``, ``nonce``, ``signature``), plus ``"slot"`` (their sum) and ``"batch"`` (outside the slots:
        roots, binding)."""
        prefix = f"slot[{slot}]/"
        counts: Counter[str] = Counter()
        outside = 0
        for con in self.r1cs.constraints:
            if con.label.startswith(prefix):
                counts[con.label.split("/")[1]] += 1
            elif not con.label.startswith("slot["):
                outside += 1
        out = dict(counts)
        out["slot"] = sum(counts.values())
        out["batch"] = outside
        return out


def build_batch_circuit(shape: BatchShape) -> BatchCircuit:
    """The batch circuit of ``shape`` (shape only: no values are needed or kept).

    Returns
    -------
    BatchCircuit
        Its R1CS and named wire groups. ``r1cs.unconstrained_wires()`` is empty (tested).
    """
    cb = ConstraintBuilder(with_values=False)
    with gc_paused():
        define_batch(cb, shape)
        r1cs = cb.build()
    return BatchCircuit(shape, r1cs, wire_groups(r1cs))

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
    slot[k]/kind/{noop,transfer,burn,mint}               one-hot selectors
    slot[k]/data/{account_a,account_b,amount,nonce,peer_chain}   the committed SlotData (and their range bits)
    slot[k]/debit/…, slot[k]/credit/…                     account updates (circuits.batch.slots.debit / credit)
    slot[k]/append/…                                      bridge append (circuits.batch.slots.append)
    (and the gadgets' internal wires under the same paths)

chain_id is public, set by the L1 for the rollup it settles; its bits are range-checked once per batch, like every
value the circuit uses as an index (the idle append's slot 2·chain_id is made from them). Roots chain through the
slots: slot 0 starts from (old_accounts_root, old_bridge_root), with
Poseidon(old_accounts_root, old_bridge_root) = old_state_root; debit and credit move the accounts root, append the
bridge root; after slot B − 1, Poseidon(accounts_root, bridge_root) = new_state_root. Every slot, no-ops included,
packs its committed fields into a slot word; the words' Poseidon sponge is the public batch_commitment and their
evaluation at the public eval_point is the public eval_value, exactly as ``zksvs.statement`` computes them
(``circuits.batch.binding``).

References
----------
gnark ``examples/rollup/circuit.go`` (public block declared in one place, one helper per rule).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from circuits.batch import binding, slots
from circuits.builder import ConstraintBuilder, gc_paused
from circuits.gadgets.poseidon import poseidon_hash
from circuits.gadgets.range import assert_below
from zksvs.r1cs import R1CS
from zksvs.trace import BatchShape

__all__ = ["BatchCircuit", "BatchInputs", "build_batch_circuit", "define_batch", "wire_groups"]

#: Public inputs in order (zksvs.statement.BatchStatement.public_inputs).
PUBLIC_INPUTS = ("chain_id", "old_state_root", "new_state_root", "batch_commitment", "eval_point", "eval_value")


@dataclass(frozen=True)
class BatchInputs:
    """Every input value of one batch: the six public inputs, the starting roots and each slot's inputs."""

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
            sel = slots.kind_selectors(cb, None if si is None else si.kind)
            data = slots.slot_data(cb, si, n_rollups=shape.n_rollups, account_depth=shape.account_depth)
            slots.noop(cb, sel, data)
            accounts_root, nonce_before = slots.debit(
                cb, None if si is None else si.debit, sel.debit_active, data, accounts_root
            )
            accounts_root = slots.credit(cb, None if si is None else si.credit, sel.credit_active, data, accounts_root)
            bridge_root, index = slots.append(
                cb, None if si is None else si.append, sel, chain_id, chain_bits, data, bridge_root,
                bridge_depth=shape.bridge_depth,
            )  # fmt: skip
            # The committed nonce: the sender's nonce before (transfer, burn; 0 when the debit is off) or the
            # message index (mint); 0 for a no-op.
            with cb.namespace("nonce"):
                cb.assert_equal(data.nonce, nonce_before + cb.mul(sel.mint, index, "mint_index"), "binding")
            words.append(binding.slot_word(sel, data))
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
    "kind": {"noop", "transfer", "burn", "mint"},
    "data": {"account_a", "account_b", "amount", "nonce", "peer_chain"},
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
        "tree_root_before", "prev_inv", "mint_swap", "leaf_inv", "leaf", "tree_root_after", "slot_siblings",
        "bridge_root_after",
    },
    "nonce": {"mint_index"},
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
        """Constraints of slot ``slot`` per part (``kind``, ``data``, ``noop``, ``debit``, ``credit``, ``append``,
        ``nonce``), plus ``"slot"`` (their sum) and ``"batch"`` (outside the slots: roots, binding)."""
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

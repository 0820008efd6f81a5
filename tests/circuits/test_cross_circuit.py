"""Cross-rollup circuit (DESIGN.md §6b): a shared batch from the sequencer satisfies it; a shared batch whose burn
root i→j differs from its mint root i→j, a wrong accounts root, a non-zero padding slot or a message in a c→c tree
has no satisfying witness.

Oracles: the sequencer's shared batches (its traces carry the new state roots, accounts roots and bridge slots) and,
for the tampered batches, the native core (``zksvs.merkle``, ``zksvs.rollup_state``) recomputing the roots a cheating
sequencer would publish.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.cross import CrossCircuit, assign_cross_witness, build_cross_circuit, cross_statement
from circuits.gadgets.poseidon import poseidon_cost
from sequencer import Burn, Receipt, Sequencer, Transfer
from sequencer.genesis import demo_genesis
from tests.helpers.circuit_check import perturbation_probe
from tests.oracles.node import snarkjs
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.wtns_file import write_wtns
from zksvs.merkle import SparseMerkleTree
from zksvs.rollup_state import Message, bridge_root, bridge_slot_depth, state_root
from zksvs.trace import BatchTrace

M = 2  # bridge depth of every shared batch here


def _shared_batch(n_rollups: int):
    """Burns 0→1, 1→0, 1→2 (K ≥ 3), a transfer, padding: one closed shared batch of K rollups (B=4, D=3, M=2)."""
    g = demo_genesis(n_rollups, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=4, seed=5, whale=False)
    seq = Sequencer(g)
    txs = [Burn(0, 1, 0, 2, 30, 0), Burn(1, 0, 1, 3, 20, 0), Transfer(0, 2, 1, 5, 0)]
    if n_rollups >= 3:
        txs.append(Burn(1, 2, 2, 0, 9, 0))
    txs.append(Burn(0, 1, 0, 1, 3, 1))  # fills chain 0: the shared batch closes
    for tx in txs:
        assert isinstance(seq.submit(tx), Receipt), tx
    (batch,) = seq.pop_closed()
    assert not batch.burn_mint_mismatches()
    return batch


def _with_slot(trace: BatchTrace, slot: int, value: int) -> BatchTrace:
    """``trace`` with one bridge slot rewritten and its roots recomputed (what a cheating sequencer would publish)."""
    slots = list(trace.final_bridge_slots)
    slots[slot] = value
    br = bridge_root(slots)
    return replace(
        trace,
        final_bridge_slots=tuple(slots),
        new_bridge_root=br,
        new_state_root=state_root(trace.new_accounts_root, br),
    )


@pytest.fixture(scope="module", params=[2, 3], ids=["K=2", "K=3"])
def setup(request) -> tuple[CrossCircuit, object]:
    k = request.param
    return build_cross_circuit(k, M), _shared_batch(k)


def test_cross_witness_satisfies_for_a_shared_batch(setup):
    circuit, batch = setup
    w = assign_cross_witness(circuit, batch.traces)
    assert circuit.r1cs.first_unsatisfied(w.values) is None
    assert w.public_inputs(circuit.r1cs.n_public) == list(batch.new_state_roots())
    assert cross_statement(batch.traces).public_inputs() == list(batch.new_state_roots())


def test_cross_witness_does_not_depend_on_trace_order(setup):
    circuit, batch = setup
    assert assign_cross_witness(circuit, batch.traces[::-1]) == assign_cross_witness(circuit, batch.traces)


def test_cross_has_no_unconstrained_or_free_wires(setup):
    circuit, batch = setup
    assert circuit.r1cs.unconstrained_wires() == []
    w = assign_cross_witness(circuit, batch.traces)
    assert perturbation_probe(circuit.r1cs, w.values) == []


def test_cross_public_inputs_are_the_new_state_roots_in_chain_order(setup):
    circuit, _ = setup
    k = circuit.n_rollups
    assert circuit.r1cs.n_public == k
    assert circuit.r1cs.wire_labels[1 : 1 + k] == [f"new_state_root[{c}]" for c in range(k)]


def test_cross_constraint_count(setup):
    circuit, _ = setup
    k = circuit.n_rollups
    n_slots = 1 << bridge_slot_depth(k)
    assert circuit.n_constraints == k * n_slots * poseidon_cost(2) + k * (n_slots - 2 * k + 1) + 2 * k + k * (k - 1)


def test_cross_rejects_a_burn_without_its_mint(setup):
    """Rollup 1's mint tree 0→1 (slot 1) is left as it was before the batch: burn root 0→1 ≠ mint root 0→1."""
    circuit, batch = setup
    traces = list(batch.traces)
    empty_tree_root = SparseMerkleTree(2).root
    traces[1] = _with_slot(traces[1], 1, empty_tree_root)
    w = assign_cross_witness(circuit, traces)
    assert circuit.r1cs.first_unsatisfied(w.values)[1] == "pair[0->1]"


def test_cross_rejects_a_mint_whose_message_differs_from_the_burn(setup):
    """Rollup 0's mint tree 1→0 holds the burn's message with amount + 1: mint root 1→0 ≠ burn root 1→0."""
    circuit, batch = setup
    traces = list(batch.traces)
    tree = SparseMerkleTree(2)
    tree.set(0, Message(1, 0, 1, 3, 21, 0).leaf())  # the burn on 1 was Burn(1 → 0, from 1 to 3, amount 20)
    traces[0] = _with_slot(traces[0], 2 * 1 + 1, tree.root)
    w = assign_cross_witness(circuit, traces)
    assert circuit.r1cs.first_unsatisfied(w.values)[1] == "pair[1->0]"


def test_cross_rejects_a_wrong_accounts_root(setup):
    circuit, batch = setup
    traces = list(batch.traces)
    traces[0] = replace(traces[0], new_accounts_root=traces[0].new_accounts_root + 1)
    w = assign_cross_witness(circuit, traces)
    assert circuit.r1cs.first_unsatisfied(w.values)[1] == "rollup[0]/state_root"


@pytest.mark.parametrize("own", [0, 1], ids=["burn_tree_c->c", "mint_tree_c->c"])
def test_cross_rejects_a_message_in_a_self_pair_tree(setup, own):
    """Slots 2c and 2c + 1 hold the c→c trees, which no pair compares: they must stay the empty tree's root."""
    circuit, batch = setup
    traces = list(batch.traces)
    tree = SparseMerkleTree(M)
    tree.set(0, Message(1, 1, 0, 0, 10**18, 0).leaf())
    traces[1] = _with_slot(traces[1], 2 + own, tree.root)
    w = assign_cross_witness(circuit, traces)
    assert circuit.r1cs.first_unsatisfied(w.values)[1] == f"rollup[1]/empty[{2 + own}]"


def test_cross_rejects_a_nonzero_padding_slot():
    circuit, batch = build_cross_circuit(3, M), _shared_batch(3)
    traces = list(batch.traces)
    traces[2] = _with_slot(traces[2], 6, 5)  # K = 3: slots 6 and 7 are padding
    w = assign_cross_witness(circuit, traces)
    assert circuit.r1cs.first_unsatisfied(w.values)[1] == "rollup[2]/padding[6]"


def test_cross_refuses_a_shared_batch_missing_a_rollup(setup):
    circuit, batch = setup
    with pytest.raises(ValueError, match="needs the traces of chains"):
        assign_cross_witness(circuit, batch.traces[1:])


def test_cross_refuses_fewer_than_two_rollups_or_no_tree():
    with pytest.raises(ValueError, match="'n_rollups' must be at least 2"):
        build_cross_circuit(1, M)
    with pytest.raises(ValueError, match="'bridge_depth' must be at least 1"):
        build_cross_circuit(2, 0)


@pytest.mark.node
def test_cross_files_pass_snarkjs_wtns_check(setup, tmp_path, node_tools):
    """snarkjs accepts our cross-rollup .r1cs + .wtns, and refuses the witness of a burn without its mint."""
    circuit, batch = setup
    write_r1cs(circuit.r1cs, tmp_path / "cross.r1cs")
    write_wtns(assign_cross_witness(circuit, batch.traces), tmp_path / "cross.wtns")
    assert "WITNESS IS CORRECT" in snarkjs("wtns", "check", tmp_path / "cross.r1cs", tmp_path / "cross.wtns").stdout
    traces = list(batch.traces)
    traces[1] = _with_slot(traces[1], 1, SparseMerkleTree(2).root)
    write_wtns(assign_cross_witness(circuit, traces), tmp_path / "bad.wtns")
    proc = snarkjs("wtns", "check", tmp_path / "cross.r1cs", tmp_path / "bad.wtns", check=False)
    assert "WITNESS IS CORRECT" not in proc.stdout

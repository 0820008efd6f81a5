"""Batch circuit, native vs constraint: scenarios run through the sequencer give traces whose witness satisfies the
circuit, with the sequencer's roots as public inputs (STYLE.md §7, DESIGN.md §6).

The oracle is the sequencer (``sequencer``), which executes the rules natively and fills ``zksvs.trace.BatchTrace``;
nothing here recomputes an expected root by hand. Small shape (K=2, B=2, D=3, M=2) for most tests; one test at the
demo shape (K=4, B=4, D=8, M=4).
"""

from __future__ import annotations

import itertools
import random

import pytest

from circuits.batch import BatchCircuit, assign_batch_witness, batch_inputs, build_batch_circuit, define_batch
from circuits.batch.circuit import PUBLIC_INPUTS
from circuits.builder import ConstraintBuilder
from circuits.gadgets.eddsa import eddsa_poseidon_valid_cost
from circuits.gadgets.poseidon import poseidon_cost
from sequencer import Burn, Call, Receipt, Rejection, Sequencer, Transfer, swap_call
from sequencer.genesis import demo_genesis, demo_public_key, find_whale
from tests.helpers.circuit_check import assert_same_shape
from tests.helpers.signing import demo_signer
from tests.oracles.node import snarkjs
from zksvs.field import FR_MODULUS
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.wtns_file import write_wtns
from zksvs.statement import N_BATCH_PUBLIC, SlotKind
from zksvs.trace import BatchShape
from zksvs.tx_message import Program

SMALL = BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=2)
DEMO = BatchShape(n_rollups=4, capacity=4, account_depth=8, bridge_depth=4)


def _run(seq: Sequencer, txs, seed: int) -> list[Receipt | Rejection]:
    signed = demo_signer(seed)
    return [seq.submit(signed(tx)) for tx in txs]


@pytest.fixture(scope="module")
def small_circuit() -> BatchCircuit:
    return build_batch_circuit(SMALL)


@pytest.fixture(scope="module")
def scenario():
    """Transfers, burns both ways (two messages on 0→1, so a prev-leaf opening at index 1), a self-transfer, calls
    of every program (COND, a SWAP with both legs, MINT creating its target), a transfer that creates its recipient,
    rejected txs (overdraft, bad nonce, a burn whose mint overflows the whale, a COND past its cap, a forged
    signature), no-op padding and a batch where chain 1 has only no-ops. Returns (sequencer, results, shared
    batches)."""
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=2, seed=7, whale=True)
    whale_chain, whale = find_whale(g)
    seq = Sequencer(g)
    results = _run(
        seq,
        [
            Transfer(0, 0, 1, 10, 0),
            Transfer(0, 1, 2, 10**12, 0),  # overdraft
            Burn(0, 1, 1, 2, 5, 0),  # fills chain 0: the shared batch closes
            Burn(1, 0, 3, 1, 7, 0),
            Transfer(1, 0, 0, 1, 5),  # bad nonce
            Burn(0, whale_chain, 2, whale, 5_000, 0),  # mint would pass 2^64 − 1
            Transfer(1, 2, 2, 3, 0),  # self-transfer
        ],
        7,
    )
    seq.close_batch()
    results += _run(seq, [Transfer(0, 0, 3, 1, 1)], 7)  # chain 1: only no-ops
    seq.close_batch()
    results += _run(seq, [Burn(0, 1, 0, 0, 11, 2), Burn(1, 0, 1, 3, 4, 0)], 7)
    seq.close_batch()
    results += _run(
        seq,
        [
            Call(0, 1, 3, 2, 6, 0, Program.COND, 10**9),
            Call(0, 1, 3, 2, 6, 1, Program.COND, 10),  # past its cap: action_failed
            swap_call(1, 0, 2, 1, 9, 0, order_sender=1, order_recipient=0, order_amount=4, order_nonce=0),
            Call(1, 0, 0, 7, 5, 1, Program.MINT, 0, demo_public_key(1, 0, 7)),  # creates account 7 on chain 0
        ],
        7,
    )
    results.append(seq.submit(Transfer(0, 2, 1, 1, 1, signature=demo_signer(7)(Transfer(0, 2, 1, 2, 1)).signature)))
    results += _run(seq, [Transfer(0, 2, 6, 1, 1, to_pubkey=demo_public_key(2, 0, 6))], 7)  # creates account 6
    seq.close_batch()
    return seq, results, seq.pop_closed()


def test_scenario_covers_every_kind_and_rejections(scenario):
    _, results, batches = scenario
    reasons = {r.reason.value for r in results if isinstance(r, Rejection)}
    assert {"overdraft", "bad_nonce", "action_failed", "bad_signature"} <= reasons
    kinds = {s.kind for b in batches for t in b.traces for s in t.slots}
    assert kinds == set(SlotKind)
    assert any(all(s.kind is SlotKind.NOOP for s in t.slots) for b in batches for t in b.traces)
    assert any(s.append.active and s.append.index > 0 for b in batches for t in b.traces for s in t.slots)


def test_batch_witness_satisfies_for_sequencer_traces(small_circuit, scenario):
    seq, _, batches = scenario
    r1cs = small_circuit.r1cs
    for b in batches:
        for t in b.traces:
            w = assign_batch_witness(small_circuit, t)
            assert r1cs.first_unsatisfied(w.values) is None, (b.batch_number, t.chain_id)
            assert w.public_inputs(r1cs.n_public) == t.statement().public_inputs()
    # The circuit's public new_state_root is the sequencer's: the last batch ends at the sequencer's current roots,
    # and every batch starts where the previous one ended.
    assert batches[-1].new_state_roots() == seq.state_roots()
    for prev, nxt in itertools.pairwise(batches):
        assert prev.new_state_roots() == nxt.old_state_roots()


def test_batch_wires_hold_the_sequencers_values(small_circuit, scenario):
    """Rule by rule, the circuit's wires carry what the sequencer computed natively (balances, nonces, roots)."""
    _, _, batches = scenario
    r1cs = small_circuit.r1cs
    index = {label: w for w, label in enumerate(r1cs.wire_labels)}
    t = batches[0].traces[0]
    w = assign_batch_witness(small_circuit, t)
    for k, s in enumerate(t.slots):
        if s.debit.active:
            assert w[index[f"slot[{k}]/debit/balance_after"]] == s.debit.after.balance
            assert w[index[f"slot[{k}]/debit/nonce_after"]] == s.debit.after.nonce == s.debit.before.nonce + 1
        if s.credit.active:
            assert w[index[f"slot[{k}]/credit/balance_after"]] == s.credit.after.balance
        assert w[index[f"slot[{k}]/debit/root_after"]] == s.accounts_root_after_debit
        assert w[index[f"slot[{k}]/credit/root_after"]] == s.accounts_root_after_credit
        assert w[index[f"slot[{k}]/append/bridge_root_after"]] == s.bridge_root_after


def test_batch_r1cs_is_the_same_for_every_batch(small_circuit, scenario):
    _, _, batches = scenario
    for t in (batches[0].traces[0], batches[1].traces[1], batches[2].traces[1]):
        cb = ConstraintBuilder()
        define_batch(cb, SMALL, batch_inputs(t))
        assert_same_shape(cb.build(), small_circuit.r1cs)


def test_batch_public_inputs_follow_the_statement_order(small_circuit):
    r1cs = small_circuit.r1cs
    assert r1cs.n_public == N_BATCH_PUBLIC
    assert tuple(r1cs.wire_labels[1 : 1 + N_BATCH_PUBLIC]) == PUBLIC_INPUTS


def test_batch_has_no_unconstrained_wires(small_circuit):
    assert small_circuit.r1cs.unconstrained_wires() == []


def test_batch_rejects_a_trace_of_another_shape(small_circuit, scenario):
    _, _, batches = scenario
    other = build_batch_circuit(BatchShape(n_rollups=2, capacity=1, account_depth=3, bridge_depth=2))
    with pytest.raises(ValueError, match="does not match"):
        assign_batch_witness(other, batches[0].traces[0])


def test_batch_constraint_counts_follow_the_gadget_costs(small_circuit):
    """Every slot costs the same, and each part costs what its docstring says in terms of the gadget costs."""
    c = small_circuit
    shape = c.shape
    p2, p4, p10, p12 = (poseidon_cost(n) for n in (2, 4, 10, 12))
    d, m, s = shape.account_depth, shape.bridge_depth, shape.slot_tree_depth
    first, parts = c.constraints_by_part(0), c.constraints_by_part(1)
    # four D-bit indices, amount, nonce and msg_value (u64), peer < K = 2 (one bit + recomposition), the forced bit
    # and the seven reason bits; forced inclusion: the part switches, then the reasons' proofs
    assert parts["data"] == 4 * (d + 1) + 3 * 65 + 2 + 1 + 7
    assert parts["forced"] == 4 and parts["forced_reason"] == 7 + 65 + 15 + 65
    assert parts["kind"] == 13 and parts["noop"] == 9 and parts["nonce"] == 2 and parts["cond"] == 3 + 2 * 65
    assert parts["debit"] == 2 * d * (p2 + 1) + 2 * p4 + 150  # + 9: the read of a forced rejection
    assert parts["credit"] == 2 * d * (p2 + 1) + 2 * p4 + 75 + 40 + 5  # + account creation (mul8: 18), + the read
    assert parts["append"] == 3 * m * (p2 + 1) + 2 * s * (p2 + 1) + p10 + 2 * m + s + 20
    # + 3: slot words 5-7 = forced·(R8, S), the verifier's own wires (forced inclusion binds the queued signature)
    assert parts["signature"] == p12 + 5 + eddsa_poseidon_valid_cost() + 1 + 3 + 3
    # Every slot costs the same: the binding (sponge over eight words a slot, evaluation) sits after the slots.
    assert first == parts
    assert c.n_constraints == first["slot"] + (shape.capacity - 1) * parts["slot"] + parts["batch"]


@pytest.mark.slow
def test_batch_at_demo_shape():
    """K=4, B=4, D=8, M=4 (the demo's default): a shared batch with transfers and burns in several directions."""
    circuit = build_batch_circuit(DEMO)
    g = demo_genesis(4, accounts_per_rollup=8, account_depth=8, bridge_depth=4, capacity=4, seed=3, whale=False)
    seq = Sequencer(g)
    _run(
        seq,
        [
            Transfer(0, 0, 1, 100, 0),
            Burn(0, 2, 1, 5, 50, 0),
            Burn(2, 3, 0, 7, 60, 0),
            Burn(3, 1, 4, 2, 70, 0),
            Transfer(1, 3, 3, 1, 0),
            Burn(1, 0, 6, 6, 80, 0),
            Call(3, 2, 1, 2, 5, 0, Program.COND, 10**9),
            swap_call(2, 0, 3, 4, 10, 0, order_sender=5, order_recipient=6, order_amount=20, order_nonce=0),
        ],
        3,
    )
    seq.close_batch()
    (batch,) = seq.pop_closed()
    assert circuit.r1cs.unconstrained_wires() == []
    for t in batch.traces:
        w = assign_batch_witness(circuit, t)
        assert circuit.r1cs.first_unsatisfied(w.values) is None, t.chain_id
        assert w.public_inputs(N_BATCH_PUBLIC) == t.statement().public_inputs()
    assert batch.new_state_roots() == seq.state_roots()
    # Under 2^17 constraints (plus snarkjs's nPublic + 1 input rows): one 2^17 domain per rollup proof (protocol v2's
    # signature verifier per slot took it past 2^16).
    assert 1 << 16 < circuit.n_constraints + N_BATCH_PUBLIC + 1 <= 1 << 17


@pytest.mark.node
def test_batch_files_pass_snarkjs_wtns_check(small_circuit, scenario, tmp_path, node_tools):
    """snarkjs (an independent R1CS evaluator) accepts our .r1cs + .wtns of a sequencer batch, and refuses the same
    witness with the new state root moved by one."""
    _, _, batches = scenario
    t = batches[0].traces[0]
    w = assign_batch_witness(small_circuit, t)
    write_r1cs(small_circuit.r1cs, tmp_path / "batch.r1cs")
    write_wtns(w, tmp_path / "batch.wtns")
    assert "WITNESS IS CORRECT" in snarkjs("wtns", "check", tmp_path / "batch.r1cs", tmp_path / "batch.wtns").stdout
    bad = list(w.values)
    i = 1 + PUBLIC_INPUTS.index("new_state_root")
    bad[i] = (bad[i] + 1) % FR_MODULUS
    write_wtns(bad, tmp_path / "bad.wtns")
    proc = snarkjs("wtns", "check", tmp_path / "batch.r1cs", tmp_path / "bad.wtns", check=False)
    assert "WITNESS IS CORRECT" not in proc.stdout


def test_batch_witness_satisfies_for_a_random_workload_with_three_rollups():
    """A seeded random workload on K = 3 (not a power of two: padding slots, the peer < K check) through the
    sequencer: every trace of every shared batch satisfies the circuit with the sequencer's roots."""
    shape = BatchShape(n_rollups=3, capacity=2, account_depth=3, bridge_depth=2)
    circuit = build_batch_circuit(shape)
    g = demo_genesis(3, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=2, seed=21, whale=False)
    seq = Sequencer(g)
    signed = demo_signer(21)
    rnd = random.Random(2024)
    results = []
    for _ in range(24):
        chain, sender, recipient = rnd.randrange(3), rnd.randrange(4), rnd.randrange(4)
        nonce = seq.account(chain, sender).nonce + (rnd.random() < 0.15)  # sometimes a bad nonce
        amount = 10**7 if rnd.random() < 0.1 else rnd.randrange(1, 500)  # sometimes an overdraft
        dst = (chain + rnd.randrange(1, 3)) % 3
        roll = rnd.random()
        if roll < 0.4:
            tx = Transfer(chain, sender, recipient, amount, nonce)
        elif roll < 0.7:
            tx = Burn(chain, dst, sender, recipient, amount, nonce)
        elif roll < 0.85:
            tx = Call(chain, dst, sender, recipient, amount, nonce, Program.COND, rnd.choice([10**7, 2000]))
        else:
            z = rnd.randrange(4)
            tx = swap_call(chain, dst, sender, recipient, amount, nonce, z, rnd.randrange(4), rnd.randrange(1, 300),
                           seq.account(dst, z).nonce)  # fmt: skip
        results.append(seq.submit(signed(tx)))
    seq.close_batch()
    batches = seq.pop_closed()
    assert len(batches) >= 3
    assert any(isinstance(r, Rejection) for r in results)
    assert any(isinstance(r, Receipt) and isinstance(r.tx, Call) and r.tx.program == Program.SWAP for r in results)
    kinds = {s.kind for b in batches for t in b.traces for s in t.slots}
    assert kinds == set(SlotKind)
    for b in batches:
        for t in b.traces:
            w = assign_batch_witness(circuit, t)
            assert circuit.r1cs.first_unsatisfied(w.values) is None, (b.batch_number, t.chain_id)
    assert batches[-1].new_state_roots() == seq.state_roots()

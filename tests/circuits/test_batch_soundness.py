"""Batch circuit soundness: wrong witnesses fail, each at a labelled constraint (DESIGN.md §6 checklist, STYLE.md §7).

Two kinds of wrong witness:

- **perturbations** of a valid witness (a sequencer trace with every slot kind): +1 on every wire of every named
  wire group, and on every private wire of the circuit, must break a constraint that mentions the wire;
- **bad traces** from ``Forge``, a cheating sequencer: it writes traces that break one rule (an overdraft that wraps
  around the field, a skipped nonce, a message at index + 1, a burn to a chain that does not exist …) but keeps every
  Merkle opening and root consistent with what it wrote, as a real attacker would. Each must fail, and fail at the
  rule it breaks (the first unsatisfied constraint's label names it).

The forge (``tests.helpers.forge``) writes leaves and roots with ``zksvs.merkle`` / ``zksvs.rollup_state`` (the
native core), never with the circuit.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.batch import BatchCircuit, assign_batch_witness, build_batch_circuit
from circuits.batch.circuit import PUBLIC_INPUTS
from sequencer import Burn, Sequencer, Transfer
from sequencer.genesis import demo_genesis
from tests.helpers.circuit_check import perturbation_probe
from tests.helpers.forge import Forge
from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree
from zksvs.rollup_state import U64_MAX, AccountState, Message
from zksvs.statement import SlotData, SlotKind, batch_commitment
from zksvs.trace import BatchShape, BatchTrace

SHAPE = BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=2)  # forged traces
SHAPE_B4 = BatchShape(n_rollups=2, capacity=4, account_depth=3, bridge_depth=2)  # one slot of each kind
SHAPE_K3 = BatchShape(n_rollups=3, capacity=1, account_depth=3, bridge_depth=2)
GENESIS = {0: AccountState(1_000, 0), 1: AccountState(50, 3), 2: AccountState(7, 0, 11, 12)}


# --- fixtures ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def circuit() -> BatchCircuit:
    return build_batch_circuit(SHAPE)


@pytest.fixture(scope="module")
def circuit_k3() -> BatchCircuit:
    return build_batch_circuit(SHAPE_K3)


@pytest.fixture(scope="module")
def circuit_b4() -> BatchCircuit:
    return build_batch_circuit(SHAPE_B4)


@pytest.fixture(scope="module")
def valid(circuit_b4):
    """A sequencer trace of chain 0 with one slot of each kind (transfer, burn 0→1, mint 1→0, no-op) and its witness;
    the burn is the second message on 0→1, so its prev-leaf opening is a real one."""
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=4, seed=11, whale=False)
    seq = Sequencer(g)
    for tx in (Burn(0, 1, 2, 2, 9, 0), Transfer(0, 2, 3, 1, 1)):
        seq.submit(tx)
    seq.close_batch()
    for tx in (Transfer(0, 0, 1, 25, 0), Burn(0, 1, 1, 3, 10, 0), Burn(1, 0, 2, 0, 4, 0)):
        seq.submit(tx)
    seq.close_batch()
    trace = seq.pop_closed()[-1].traces[0]
    assert [s.kind for s in trace.slots] == [SlotKind.TRANSFER, SlotKind.BURN, SlotKind.MINT, SlotKind.NOOP]
    assert trace.slots[1].append.index == 1
    witness = assign_batch_witness(circuit_b4, trace)
    assert circuit_b4.r1cs.is_satisfied(witness.values)
    return trace, witness


def _fails_at(circuit: BatchCircuit, trace: BatchTrace, **kw) -> str:
    """The label of the first constraint the trace's witness breaks (the test fails if none does)."""
    w = assign_batch_witness(circuit, trace, **kw)
    bad = circuit.r1cs.first_unsatisfied(w.values)
    assert bad is not None, "the wrong witness satisfies the circuit"
    return bad[1]


# --- perturbations -------------------------------------------------------------------------------------------------


def test_batch_groups_cover_every_part(circuit):
    names = {g.split("/", 1)[1] for g in circuit.groups if g.startswith("slot[0]/")}
    for part in ("kind", "data", "debit", "credit", "append"):
        assert any(n.startswith(part + "/") for n in names), part
    assert {"chain_id", "old_state_root", "new_state_root", "batch_commitment", "old_accounts_root"} <= set(
        circuit.groups
    )


def test_batch_rejects_a_perturbation_of_every_named_wire_group(circuit_b4, valid):
    """+1 on each wire of each named group (every slot, every part, kinds on and off) breaks a labelled constraint."""
    _, witness = valid
    r1cs = circuit_b4.r1cs
    touching: dict[int, list[int]] = {}
    for k, con in enumerate(r1cs.constraints):
        for w in {*con.a.terms, *con.b.terms, *con.c.terms}:
            touching.setdefault(w, []).append(k)
    values = list(witness.values)
    survivors = []
    for name, wires in circuit_b4.groups.items():
        for w in wires:
            values[w] = (values[w] + 1) % FR_MODULUS
            broken = [
                r1cs.constraints[k].label for k in touching.get(w, []) if not r1cs.constraints[k].is_satisfied(values)
            ]
            values[w] = witness.values[w]
            if not broken or not all(broken):
                survivors.append(f"{name} ({r1cs.label_of_wire(w)})")
    assert survivors == []
    per_slot = [{g.split("/", 1)[1] for g in circuit_b4.groups if g.startswith(f"slot[{k}]/")} for k in range(4)]
    assert all(names == per_slot[0] for names in per_slot) and len(per_slot[0]) > 40


def test_batch_every_private_wire_is_pinned(circuit_b4, valid):
    """The witness of a batch is unique: no private wire, moved by one, keeps every constraint that mentions it."""
    _, witness = valid
    assert [circuit_b4.r1cs.label_of_wire(w) for w in perturbation_probe(circuit_b4.r1cs, witness.values)] == []


# --- bad traces: accounts ------------------------------------------------------------------------------------------


def test_forge_writes_valid_traces(circuit_b4):
    f = Forge(SHAPE_B4, 0, GENESIS)
    f.transfer(0, 1, 100)
    f.burn(1, 1, 5, 20)
    f.mint(1, 6, 2, 30)
    f.transfer(2, 2, 7)  # self-transfer of the whole balance
    w = assign_batch_witness(circuit_b4, f.trace())
    assert circuit_b4.r1cs.first_unsatisfied(w.values) is None


def test_batch_rejects_an_overdraft_that_wraps_around(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 51)  # balance 50: the new balance would be r − 1
    assert f.slots[0].debit.after.balance == FR_MODULUS - 1
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/debit/balance_range/")


def test_batch_rejects_a_credit_past_u64(circuit):
    f = Forge(SHAPE, 0, {**GENESIS, 3: AccountState((1 << 64) - 10)})
    f.transfer(0, 3, 10)
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/credit/balance_range/")


def test_batch_rejects_an_amount_past_u64(circuit):
    f = Forge(SHAPE, 0, {**GENESIS, 3: AccountState(1 << 65)})
    f.transfer(3, 0, 1 << 64)
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/data/amount_range/")


def test_batch_rejects_a_skipped_nonce(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5, debit_after=AccountState(45, 5))  # nonce 3 → 5
    assert _fails_at(circuit, f.trace()) == "slot[0]/debit/nonce"


def test_batch_rejects_a_nonce_past_u64(circuit):
    """Finding 3 of the audit: a sender at nonce 2^64 − 1 cannot advance (the sequencer refuses with BadNonce); a
    witness that writes nonce 2^64 fails the nonce range check."""
    f = Forge(SHAPE, 0, {**GENESIS, 3: AccountState(100, U64_MAX)})
    f.transfer(3, 0, 5)
    assert f.slots[0].debit.after.nonce == 1 << 64
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/debit/nonce_range/")


def test_batch_rejects_a_committed_nonce_other_than_the_senders(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5, nonce=4)  # the leaf says nonce 3
    assert _fails_at(circuit, f.trace()) == "slot[0]/nonce/binding"


def test_batch_rejects_an_opening_of_another_account(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5, debit_index=2)  # committed sender 1, but the debit opens (and writes) leaf 2
    assert _fails_at(circuit, f.trace()) == "slot[0]/debit/root_before"


def test_batch_rejects_direction_bits_of_another_account(circuit_b4, valid):
    """The debit's direction bits are account_a's range bits: flipping one breaks their recomposition."""
    trace, _ = valid
    assert trace.slots[0].data.account_a == 0
    label = _fails_at(circuit_b4, trace, overrides={"slot[0]/data/account_a_range/bit[1]": 1})
    assert label == "slot[0]/data/account_a_range/recompose"


@pytest.mark.parametrize(("field", "bits"), [("account_a", "account_a_range"), ("account_b", "account_b_range")])
def test_batch_rejects_an_account_index_past_the_tree(circuit, field, bits):
    """Account indices are range-checked in every kind, where they enter: a burn's recipient (which only the peer
    chain opens) and a mint's sender too."""
    f = Forge(SHAPE, 0, GENESIS)
    if field == "account_b":
        f.cheat(SlotKind.BURN, 0, 1 << SHAPE.account_depth, 5, 1)
    else:
        f.cheat(SlotKind.MINT, 1 << SHAPE.account_depth, 0, 5, 1)
    assert _fails_at(circuit, f.trace()) == f"slot[0]/data/{bits}/recompose"


def test_batch_rejects_an_inactive_debit_that_changes_a_leaf(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.mint(1, 6, 2, 30, inactive_debit=AccountState(10**6).leaf())  # the mint's unused debit rewrites leaf 0
    assert _fails_at(circuit, f.trace()) == "slot[0]/debit/leaf_after"


def test_batch_rejects_an_inactive_append_that_changes_the_bridge_root(circuit):
    # A transfer slot whose (inactive) append still rewrites bridge slot 2.
    f2 = Forge(SHAPE, 0, GENESIS)
    msg = Message(0, 1, 0, 0, 1, 0)
    f2.slot(
        SlotData(SlotKind.TRANSFER, 0, 1, 1, 0),
        lambda: f2.account(0, AccountState(999, 1)),
        lambda: f2.account(1, AccountState(51, 3)),
        lambda: replace(f2.append(2, msg), active=False, message=None),
    )
    assert _fails_at(circuit, f2.trace()).startswith("slot[0]/append/")


def test_batch_rejects_an_opening_against_a_stale_root(circuit):
    """Slot 1 must open the root slot 0 left: an opening of the pre-batch tree (consistent in itself) is refused."""
    stale = Forge(SHAPE, 0, GENESIS)
    stale.transfer(1, 2, 5)  # the same update, applied to the tree before slot 0
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 1, 100)
    f.transfer(1, 2, 5)
    f.slots[1] = replace(f.slots[1], debit=stale.slots[0].debit)
    assert _fails_at(circuit, f.trace()) == "slot[1]/debit/root_before"


# --- bad traces: bridge --------------------------------------------------------------------------------------------


def test_batch_rejects_a_burn_to_a_chain_past_k(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.trees[4] = SparseMerkleTree(SHAPE.bridge_depth)  # slot 4 = 2·2 does not exist for K = 2
    f.counts[4] = 0
    f.slot_values.extend([0] * 4)  # let the forge open "slot 4" in a larger slot tree; the circuit has 2 slot bits
    f.burn(1, 2, 0, 5)
    assert _fails_at(circuit, f.trace()) == "slot[0]/data/peer_range/recompose"


def test_batch_rejects_a_burn_to_a_padding_slot_when_k_is_not_a_power_of_two(circuit_k3):
    f = Forge(SHAPE_K3, 0, GENESIS)
    f.burn(1, 3, 0, 5)  # slot 6 exists in the 8-slot tree (padding) but chain 3 does not
    assert _fails_at(circuit_k3, f.trace()).startswith("slot[0]/data/peer_range/")


def test_batch_accepts_the_last_chain_when_k_is_not_a_power_of_two(circuit_k3):
    f = Forge(SHAPE_K3, 0, GENESIS)
    f.burn(1, 2, 0, 5)
    w = assign_batch_witness(circuit_k3, f.trace())
    assert circuit_k3.r1cs.first_unsatisfied(w.values) is None


def test_batch_rejects_a_burn_to_its_own_chain(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.burn(1, 0, 0, 5)
    assert _fails_at(circuit, f.trace()) == "slot[0]/append/peer_ne_chain"


def test_batch_rejects_a_message_at_index_plus_one(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.burn(0, 1, 3, 5)
    f.burn(0, 1, 3, 5, index=2)  # count is 1: the forge opens index 2 (empty) and index 1 (empty) correctly
    assert f.slots[1].append.prev_leaf == 0
    assert _fails_at(circuit, f.trace()) == "slot[1]/append/prev_nonzero"


def test_batch_rejects_a_message_over_an_occupied_index(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.burn(0, 1, 3, 5)
    f.burn(0, 1, 3, 6, index=0)
    assert _fails_at(circuit, f.trace()) == "slot[1]/append/index_empty"


def test_batch_rejects_a_mint_whose_message_differs_from_its_fields(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.mint(1, 6, 2, 30, message=Message(1, 0, 6, 2, 31, 0))  # credits 30, appends a message of 31
    assert _fails_at(circuit, f.trace()) == "slot[0]/append/tree_root_after"


def test_batch_rejects_a_mint_with_a_nonce_other_than_its_index(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.mint(1, 6, 2, 30)
    s = f.slots[0]
    f.slots[0] = replace(s, data=replace(s.data, nonce=1))
    assert _fails_at(circuit, f.trace()) == "slot[0]/nonce/binding"


# --- bad traces and witnesses: kinds, no-ops, public inputs -----------------------------------------------------------


def test_batch_rejects_two_hot_kind_selectors(circuit_b4, valid):
    trace, _ = valid
    assert _fails_at(circuit_b4, trace, overrides={"slot[0]/kind/burn": 1}) == "slot[0]/kind/one_hot"


def test_batch_rejects_non_boolean_kind_selectors(circuit_b4, valid):
    trace, _ = valid
    # transfer = 2, noop = r − 1: the one-hot sum still is 1, so only booleanity can catch it.
    label = _fails_at(circuit_b4, trace, overrides={"slot[0]/kind/transfer": 2, "slot[0]/kind/noop": FR_MODULUS - 1})
    assert label in ("slot[0]/kind/noop", "slot[0]/kind/transfer")


def test_batch_rejects_a_kind_that_differs_from_the_committed_one(circuit_b4, valid):
    trace, _ = valid
    # The L1 received data saying slot 3 is a (zero) transfer; the witness's slot 3 is the no-op it really is.
    claimed = [*trace.slot_data()[:3], SlotData(SlotKind.TRANSFER)]
    assert _fails_at(circuit_b4, trace, overrides={"batch_commitment": batch_commitment(claimed)}) == "batch_commitment"


def test_batch_rejects_a_noop_with_data(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.noop(SlotData(SlotKind.NOOP, amount=5))
    assert _fails_at(circuit, f.trace()) == "slot[0]/noop/amount"
    f = Forge(SHAPE, 0, GENESIS)
    f.noop(SlotData(SlotKind.NOOP, peer_chain=1))
    assert _fails_at(circuit, f.trace()) == "slot[0]/append/peer_off"


def test_batch_rejects_a_noop_whose_data_is_not_the_committed_one(circuit_b4, valid):
    trace, _ = valid
    assert _fails_at(circuit_b4, trace, overrides={"slot[3]/data/account_a": 2}) == "slot[3]/noop/account_a"


@pytest.mark.parametrize(
    ("wire", "label"),
    [
        ("chain_id", "slot[0]/append/slot_before"),  # a transfer's idle append opens slot 2·chain_id
        ("old_state_root", "old_state_root/state_root"),
        ("new_state_root", "new_state_root/state_root"),
        ("batch_commitment", "batch_commitment"),
        ("eval_point", "eval_value"),
        ("eval_value", "eval_value"),
    ],
)
def test_batch_rejects_a_changed_public_input(circuit_b4, valid, wire, label):
    trace, _ = valid
    value = trace.statement().public_inputs()[PUBLIC_INPUTS.index(wire)]
    assert _fails_at(circuit_b4, trace, overrides={wire: (value + 1) % FR_MODULUS}) == label

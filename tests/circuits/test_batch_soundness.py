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
from sequencer import Burn, Call, Receipt, Sequencer, Transfer, swap_call
from sequencer.genesis import demo_genesis, demo_public_key
from tests.helpers.circuit_check import perturbation_probe
from tests.helpers.forge import Forge, forge_key, forge_public_key, with_keys
from tests.helpers.signing import demo_signer
from zksvs.eddsa import Signature
from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree
from zksvs.rollup_state import U64_MAX, AccountState, Message
from zksvs.statement import SlotData, SlotKind, batch_commitment
from zksvs.trace import BatchShape, BatchTrace
from zksvs.tx_message import Program

SHAPE = BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=2)  # forged traces
SHAPE_B4 = BatchShape(n_rollups=2, capacity=6, account_depth=3, bridge_depth=2)  # one slot of each kind and program
SHAPE_K3 = BatchShape(n_rollups=3, capacity=1, account_depth=3, bridge_depth=2)
GENESIS = with_keys({0: AccountState(1_000, 0), 1: AccountState(50, 3), 2: AccountState(7, 0)}, 0)
PK = {i: forge_public_key(0, i) for i in range(8)}  # the forge's key of each account index of chain 0
#: Slot indices of the ``valid`` trace.
VALID_KINDS = (SlotKind.TRANSFER, SlotKind.BURN, SlotKind.ACTION, SlotKind.CALL, SlotKind.ACTION, SlotKind.NOOP)
NOOP_SLOT = 5

#: Where a signature that does not verify fails: the verifier outputs its verdict (forced inclusion proves a bad
#: signature with it), and every slot that is not a forced rejection needs it to be 1.
SIGNATURE_FAILS = "slot[0]/forced_reason/signed"


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
    """A sequencer trace of chain 0 with one slot of each kind and program (a transfer that creates account 6, a burn
    0→1, a MINT action 1→0, a COND call 0→1, a SWAP action 1→0 where account 3 of chain 0 pays, a no-op) and its
    witness; the burn is the second message on 0→1, so its prev-leaf opening is a real one."""
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=6, seed=11, whale=False)
    seq = Sequencer(g)
    signed = demo_signer(11)
    for tx in (Burn(0, 1, 2, 2, 9, 0), Transfer(0, 2, 3, 1, 1)):
        assert isinstance(seq.submit(signed(tx)), Receipt)
    seq.close_batch()
    for tx in (
        Transfer(0, 0, 6, 25, 0, to_pubkey=demo_public_key(5, 0, 6)),
        Burn(0, 1, 1, 3, 10, 0),
        Burn(1, 0, 2, 0, 4, 0),
        Call(0, 1, 0, 1, 3, 1, Program.COND, 10**9),
        swap_call(1, 0, 3, 1, 7, 0, order_sender=3, order_recipient=2, order_amount=5, order_nonce=0),
    ):
        assert isinstance(seq.submit(signed(tx)), Receipt)
    seq.close_batch()
    trace = seq.pop_closed()[-1].traces[0]
    assert tuple(s.kind for s in trace.slots) == VALID_KINDS and trace.slots[4].data.program == Program.SWAP
    assert trace.slots[1].append.index == 1 and trace.slots[0].credit.leaf_before == 0
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
    per_slot = [{g.split("/", 1)[1] for g in circuit_b4.groups if g.startswith(f"slot[{k}]/")} for k in range(6)]
    assert all(names == per_slot[0] for names in per_slot) and len(per_slot[0]) > 50


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
    f.cheat(SlotKind.CALL, 0, 5, 10, 1, program=Program.COND, payload=99, pubkey=demo_public_key(9, 1, 5))
    f.cheat(SlotKind.ACTION, 0, 1, 3, 1, program=Program.SWAP, msg=(4, 5, 6), pubkey=(1, 2))  # Z = 0 pays W = 1
    w = assign_batch_witness(circuit_b4, f.trace())
    assert circuit_b4.r1cs.first_unsatisfied(w.values) is None


def test_batch_rejects_an_overdraft_that_wraps_around(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 51)  # balance 50: the new balance would be r − 1
    assert f.slots[0].debit.after.balance == FR_MODULUS - 1
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/debit/balance_range/")


def test_batch_rejects_a_credit_past_u64(circuit):
    f = Forge(SHAPE, 0, with_keys({**GENESIS, 3: AccountState((1 << 64) - 10)}, 0))
    f.transfer(0, 3, 10)
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/credit/balance_range/")


def test_batch_rejects_an_amount_past_u64(circuit):
    f = Forge(SHAPE, 0, with_keys({**GENESIS, 3: AccountState(1 << 65)}, 0))
    f.transfer(3, 0, 1 << 64)
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/data/amount_range/")


def test_batch_rejects_a_skipped_nonce(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5, debit_after=AccountState(45, 5, *PK[1]))  # nonce 3 → 5
    assert _fails_at(circuit, f.trace()) == "slot[0]/debit/nonce"


def test_batch_rejects_a_nonce_past_u64(circuit):
    """Finding 3 of the audit: a sender at nonce 2^64 − 1 cannot advance (the sequencer refuses with BadNonce); a
    witness that writes nonce 2^64 fails the nonce range check."""
    f = Forge(SHAPE, 0, with_keys({**GENESIS, 3: AccountState(100, U64_MAX)}, 0))
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
        f.cheat(SlotKind.ACTION, 1 << SHAPE.account_depth, 0, 5, 1)
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
        lambda: f2.account(0, AccountState(999, 1, *PK[0])),
        lambda: f2.account(1, AccountState(51, 3, *PK[1])),
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
    # The L1 received data saying the last slot is a (zero) transfer; the witness's is the no-op it really is.
    claimed = [*trace.slot_data()[:NOOP_SLOT], SlotData(SlotKind.TRANSFER)]
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
    label = _fails_at(circuit_b4, trace, overrides={f"slot[{NOOP_SLOT}]/data/account_a": 2})
    assert label == f"slot[{NOOP_SLOT}]/noop/account_a"


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


# --- protocol v2: signatures, account creation, programs (issue 10) -------------------------------------------------


def test_batch_rejects_a_signature_by_another_key(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5, sign_with=forge_key(0, 2))  # account 2's key signs account 1's transfer
    assert _fails_at(circuit, f.trace()).startswith(SIGNATURE_FAILS)


def test_batch_rejects_a_wrong_signature(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5)
    s = f.slots[0]
    f.slots[0] = replace(s, signature=Signature(s.signature.r8, s.signature.s + 1))
    assert _fails_at(circuit, f.trace()).startswith(SIGNATURE_FAILS)


def test_batch_rejects_a_signature_over_other_fields(circuit):
    """The signature of a 5-unit transfer does not sign a 6-unit one (every signed field is a message input)."""
    signed_5 = Forge(SHAPE, 0, GENESIS)
    signed_5.transfer(1, 0, 5)
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 6)
    f.slots[0] = replace(f.slots[0], signature=signed_5.slots[0].signature)
    assert _fails_at(circuit, f.trace()).startswith(SIGNATURE_FAILS)


def test_batch_rejects_an_unsigned_user_slot(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(1, 0, 5)
    f.slots[0] = replace(f.slots[0], signature=None)  # R8 = (0, 0): not a curve point
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/signature/eddsa/")


def test_batch_rejects_a_signature_on_a_slot_without_one(circuit):
    """Disabled verifiers ignore their inputs, so the circuit pins them: a no-op with R8, S set is refused."""
    f = Forge(SHAPE, 0, GENESIS)
    f.noop()
    f.slots[0] = replace(f.slots[0], signature=Signature((1, 2), 3))
    assert _fails_at(circuit, f.trace()) == "slot[0]/signature/off_zero/r8x"


def test_batch_creates_an_account_with_the_named_key(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 5, 40, pubkey=PK[5])
    assert f.slots[0].credit.leaf_before == 0 and f.states[5] == AccountState(40, 0, *PK[5])
    w = assign_batch_witness(circuit, f.trace())
    assert circuit.r1cs.first_unsatisfied(w.values) is None


@pytest.mark.parametrize(
    ("before", "after", "label"),
    [
        (AccountState(0, 0, *PK[5]), AccountState(40, 0, *PK[6]), "slot[0]/credit/leaf_after"),  # another key written
        (AccountState(0, 0, *PK[6]), AccountState(40, 0, *PK[6]), "slot[0]/credit/create_key_x"),  # key ≠ named
        (AccountState(3, 0, *PK[5]), AccountState(43, 0, *PK[5]), "slot[0]/credit/create_balance"),  # from nothing
        (AccountState(0, 2, *PK[5]), AccountState(40, 2, *PK[5]), "slot[0]/credit/create_nonce"),
    ],
)
def test_batch_rejects_a_created_account_other_than_named_amount_zero(circuit, before, after, label):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 5, 40, pubkey=PK[5], credit_before=before, credit_after=after)
    assert _fails_at(circuit, f.trace()) == label


@pytest.mark.parametrize("key", [(0, 1), (0, FR_MODULUS - 1), (1, 2)])
def test_batch_rejects_an_account_created_with_a_key_that_cannot_sign(circuit, key):
    """The identity and the point of order 2 (small order), a point off the curve: nobody could ever spend it."""
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 5, 40, pubkey=key)
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/credit/usable_key/")


def test_batch_rejects_a_credit_naming_another_key_than_the_recipients(circuit):
    """A payer who names a key means that owner: the existing recipient 1 has another key (a swapped key)."""
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 1, 5, pubkey=PK[2])
    assert _fails_at(circuit, f.trace()) == "slot[0]/credit/named_match_x"


def test_batch_rejects_a_credit_to_an_empty_index_without_a_key(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 5, 5)  # no key named: creating the account would give it the key (0, 0), not on the curve
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/credit/usable_key/on_curve/")


def test_batch_rejects_a_cond_action_past_its_cap(circuit):
    """An action that should fail (the target would pass its cap) has no witness: its trigger cannot be matched."""
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.ACTION, 3, 1, 60, 1, program=Program.COND, payload=100)  # account 1 holds 50: 110 > 100
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/cond/under_cap/")


def test_batch_accepts_a_cond_action_at_its_cap(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.ACTION, 3, 1, 50, 1, program=Program.COND, payload=100)
    assert circuit.r1cs.first_unsatisfied(assign_batch_witness(circuit, f.trace()).values) is None


def test_batch_rejects_a_cond_cap_past_u64(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.CALL, 0, 1, 5, 1, program=Program.COND, payload=1 << 64)
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/cond/cap_range/")


def test_batch_rejects_a_swap_action_whose_payer_cannot_pay(circuit):
    """If Z cannot pay, the SWAP action has no witness (its balance would wrap around)."""
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.ACTION, 1, 0, 51, 1, program=Program.SWAP, msg=(2, 3, 9))  # Z = 1 holds 50
    assert _fails_at(circuit, f.trace()).startswith("slot[0]/debit/balance_range/")


def test_batch_rejects_a_swap_action_signed_by_another_key_than_zs(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.ACTION, 1, 0, 5, 1, program=Program.SWAP, msg=(2, 3, 9), sign_with=forge_key(0, 0))
    assert _fails_at(circuit, f.trace()).startswith(SIGNATURE_FAILS)


def test_batch_rejects_a_swap_action_whose_order_is_not_its_payload(circuit):
    """Z's signature is over the order made from the slot; a payload that is another order (what X's call on A
    carried) is refused: X and Z agreed on different swaps."""
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.ACTION, 1, 0, 5, 1, program=Program.SWAP, msg=(2, 3, 9), payload=12345)
    assert _fails_at(circuit, f.trace()) == "slot[0]/signature/order_is_payload"


@pytest.mark.parametrize("program", [0, 4, 5])
def test_batch_rejects_a_program_id_out_of_range(circuit, program):
    """The program is the weighted sum of one-hot selectors: 0 with a message, 4 or 5 have no witness."""
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.CALL, 0, 1, 5, 1, program=1)
    sels = {"slot[0]/kind/program_mint": 0, "slot[0]/kind/program_cond": 0, "slot[0]/kind/program_swap": 0}
    if program == 4:
        sels.update({"slot[0]/kind/program_mint": 1, "slot[0]/kind/program_swap": 1})
    elif program == 5:
        sels.update({"slot[0]/kind/program_cond": 1, "slot[0]/kind/program_swap": 1})
    assert _fails_at(circuit, f.trace(), overrides=sels) == "slot[0]/kind/program_one_hot"


def test_batch_rejects_a_burn_running_another_program_than_mint(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.BURN, 0, 1, 5, 1, program=Program.COND, payload=10**6)
    assert _fails_at(circuit, f.trace()) == "slot[0]/kind/burn_mints"


def test_batch_rejects_message_fields_apart_outside_a_swap_action(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.cheat(SlotKind.CALL, 0, 1, 5, 1, program=Program.SWAP, payload=77)
    s = f.slots[0]
    f.slots[0] = replace(s, data=replace(s.data, msg_sender=1))
    assert _fails_at(circuit, f.trace()) == "slot[0]/noop/msg_sender"


def test_batch_rejects_a_transfer_with_a_payload(circuit):
    f = Forge(SHAPE, 0, GENESIS)
    f.transfer(0, 1, 5)
    s = f.slots[0]
    f.slots[0] = replace(s, data=replace(s.data, payload=9))
    assert _fails_at(circuit, f.trace()) == "slot[0]/noop/payload"

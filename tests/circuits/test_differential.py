"""The semantic differential of the batch circuit: every satisfying witness replays on the native rules.

Cheating traces come from ``tests.helpers.forge.Forge`` (a prover who controls every wire and keeps every opening
consistent with what it wrote, and signs every slot whose debit is on with the debit account's key): hypothesis
picks the shape (K = 2, 3, 4, 8), the chain, a valid starting state (balances and nonces up to 2^64 − 1, every
account keyed), and per slot a kind (every kind, and for a message every program: MINT, COND, SWAP) with honest
fields (a named key that creates an empty recipient, a COND cap, a SWAP action's message fields), then replaces up
to two of them (account_a, account_b, amount, nonce, peer chain, message index, payload, the named key, the SWAP
message fields) with field-edge values (``field_edges``: 0, 1, r − 1, (r ± 1)/2, 1/2, 2^64 − 1, 2^64, −c/2,
(2c ± 1)/2 for each c), or signs with another account's key. The forge then moves every dependent wire with them
(the peer moves the slot bits, the slot the tree and slot openings, the amount the balances and leaves, the fields
the signed message), so only the rule a value breaks can catch it. Whenever the R1CS is satisfied, the witness is
decoded
(``circuits.batch.decode``) and replayed with the sequencer's native rules (``tests.helpers.differential``): every
decoded value must be in its native domain, the native rules must accept every slot, and the roots must agree, up to
the public new state root.

The oracle is the sequencer's rule code (``sequencer.execute``), which the circuit does not import. The default run
is the ``ci`` profile's 30 examples (seconds); ``-m slow`` adds a 400-example sweep.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from circuits.batch import BatchCircuit, assign_batch_witness, build_batch_circuit
from circuits.batch.decode import decode_batch_witness
from sequencer import Burn, Call, Sequencer, Transfer, sign
from sequencer.genesis import demo_genesis, demo_private_key
from sequencer.rollup import RollupState
from tests.helpers.differential import replay
from tests.helpers.forge import Forge, field_edges, forge_key, forge_public_key, landing_peers, with_keys
from zksvs.rollup_state import U64_MAX, AccountState
from zksvs.statement import SlotKind
from zksvs.trace import BatchShape
from zksvs.tx_message import Program

SHAPES = (
    BatchShape(n_rollups=2, capacity=2, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=3, capacity=2, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=4, capacity=1, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=8, capacity=1, account_depth=2, bridge_depth=2),
)
CHEATABLE = ("account_a", "account_b", "amount", "nonce", "peer", "index", "payload", "pubkey", "msg_sender",
             "msg_target", "msg_value")  # fmt: skip
APPEND_KINDS = (SlotKind.BURN, SlotKind.CALL, SlotKind.ACTION)
# Message kinds twice as likely as the other kinds: they carry the peer, the bridge slot, the program, the index.
KINDS = (SlotKind.NOOP, SlotKind.TRANSFER, *APPEND_KINDS, *APPEND_KINDS)


@cache
def circuit_of(shape: BatchShape) -> BatchCircuit:
    return build_batch_circuit(shape)


def accounts_strategy(shape: BatchShape, *, u64_edges: bool) -> st.SearchStrategy[dict[int, AccountState]]:
    """A valid starting state: a non-empty set of the 2^D accounts (a bit mask: no rejected draws), balances and
    nonces up to 2^64 − 1."""
    n = 1 << shape.account_depth
    if u64_edges:
        balance, nonce = st.sampled_from([0, 1, U64_MAX - 1, U64_MAX]), st.sampled_from([0, U64_MAX - 1, U64_MAX])
    else:
        balance, nonce = st.sampled_from([0, 1, 500, 10**18, U64_MAX]), st.sampled_from([0, 3, U64_MAX])
    states = st.lists(st.builds(AccountState, balance, nonce), min_size=n, max_size=n)
    return st.builds(
        lambda mask, accs: {i: a for i, a in enumerate(accs) if mask >> i & 1}, st.integers(1, (1 << n) - 1), states
    )


def unused_fields(kind: SlotKind, program: int) -> tuple[str, ...]:
    """The committed fields no account update of ``kind`` opens: a MINT or COND action's sender and a non-SWAP
    trigger's target live on the peer chain, a no-op uses none, a transfer no peer, no payload, no message fields."""
    swap = program == Program.SWAP
    msg = () if kind == SlotKind.ACTION and swap else ("msg_sender", "msg_target", "msg_value")
    return {
        SlotKind.NOOP: ("account_a", "account_b", "amount", "nonce", "peer", "payload", "pubkey"),
        SlotKind.TRANSFER: ("peer", "payload"),
        SlotKind.BURN: ("account_b", "payload"),
        SlotKind.CALL: () if swap else ("account_b",),
        SlotKind.ACTION: () if swap else ("account_a",),
    }[kind] + msg


def draw_slot(data: st.DataObject, forge: Forge, family: str) -> None:
    """One slot of ``family`` (``FAMILIES``): honest fields for its kind, then the family's cheat."""
    shape, c = forge.shape, forge.chain_id
    n = 1 << shape.account_depth
    kind = data.draw(st.sampled_from(APPEND_KINDS if family == "peer" else KINDS), label="kind")
    program = 0
    if kind == SlotKind.BURN:
        program = Program.MINT
    elif kind in APPEND_KINDS:
        program = data.draw(st.sampled_from(list(Program)), label="program")
    swap = program == Program.SWAP
    existing = sorted(forge.states)
    debtor = kind in (SlotKind.TRANSFER, SlotKind.BURN, SlotKind.CALL) or (kind == SlotKind.ACTION and swap)
    creditor = kind in (SlotKind.TRANSFER, SlotKind.ACTION) or (kind == SlotKind.CALL and swap)
    anyone = st.integers(0, n - 1)
    values: dict[str, object] = {
        "account_a": data.draw(st.sampled_from(existing) if debtor else anyone),
        # any index, for a creditor too: an empty one is created when the slot names its key
        "account_b": data.draw(anyone),
        "amount": data.draw(st.sampled_from([U64_MAX, 1 << 64, 1, 0] if family == "u64" else [0, 1, 300, 10**18])),
        "peer": data.draw(st.sampled_from([j for j in range(shape.n_rollups) if j != c]))
        if kind in APPEND_KINDS
        else 0,
        "nonce": None,
        "index": None,
        "payload": {Program.COND: U64_MAX, Program.MINT: 7}.get(program, 0)
        if kind in (SlotKind.CALL, SlotKind.ACTION)
        else 0,
        "msg_sender": data.draw(anyone) if kind == SlotKind.ACTION and swap else 0,
        "msg_target": data.draw(anyone) if kind == SlotKind.ACTION and swap else 0,
        "msg_value": data.draw(st.sampled_from([0, 5])) if kind == SlotKind.ACTION and swap else 0,
    }
    if kind == SlotKind.CALL and swap:
        values["payload"] = data.draw(st.integers(1, 2**250), label="order")
    if kind == SlotKind.ACTION and swap:
        values["payload"] = 0  # the forge fills in the order
    named = creditor and not (kind == SlotKind.ACTION and swap) and data.draw(st.booleans(), label="names key")
    values["pubkey"] = forge_public_key(c, values["account_b"]) if named else (0, 0)
    if kind == SlotKind.NOOP:
        values.update(account_a=0, account_b=0, amount=0)
    edges = field_edges(shape.n_rollups)
    sign_with = None
    if family == "peer":
        values["peer"] = data.draw(st.sampled_from(landing_peers(shape.n_rollups)), label="peer")
    elif family == "unused":
        unused = unused_fields(kind, program)
        if unused:
            name = data.draw(st.sampled_from(unused), label="unused field")
            values[name] = data.draw(st.sampled_from(edges), label=name)
    elif family == "mixed":
        for name in data.draw(st.sets(st.sampled_from(CHEATABLE), min_size=1, max_size=2), label="cheats"):
            values[name] = data.draw(st.sampled_from(edges), label=name)
    elif family == "signature":
        sign_with = forge_key(c, data.draw(anyone, label="signer"))
    if values["pubkey"] in edges:  # a key cheated to an edge: (edge, 0)
        values["pubkey"] = (values["pubkey"], 0)
    forge.cheat(kind, values["account_a"], values["account_b"], values["amount"], values["peer"],
                nonce=values["nonce"], index=values["index"], program=program, payload=values["payload"],
                pubkey=values["pubkey"], msg=(values["msg_sender"], values["msg_target"], values["msg_value"]),
                sign_with=sign_with)  # fmt: skip


def check_cheating_batch(data: st.DataObject, family: str) -> None:
    """Forge a batch of ``family``; if its witness satisfies the R1CS, decode it and replay it natively."""
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    c = data.draw(st.integers(0, shape.n_rollups - 1), label="chain")
    accounts = with_keys(data.draw(accounts_strategy(shape, u64_edges=family == "u64"), label="accounts"), c)
    forge = Forge(shape, c, accounts)
    for _ in range(shape.capacity):
        draw_slot(data, forge, family)
    circuit = circuit_of(shape)
    witness = assign_batch_witness(circuit, forge.trace())
    if not circuit.r1cs.is_satisfied(witness.values):
        event("refused by the R1CS")
        return
    event("satisfied: replayed")
    problems = replay(decode_batch_witness(circuit, witness.values), RollupState(c, shape, accounts.items()))
    assert problems == [], problems


#: Cheat families: "mixed" (any kind and program, one or two of CHEATABLE set to field edges), "peer" (messages
#: whose peer is any value for which 2·peer + [action] = slot mod r lands on a real bridge slot: the audit's cheat,
#: with the slot bits, tree and slot openings moved with it), "unused" (a field the kind's account updates do not
#: open: an action's sender, a trigger's target, a transfer's peer or payload, a no-op's fields, message fields
#: outside a SWAP action), "u64" (honest kinds at the u64 edges: balances and nonces 2^64 − 1, amounts 2^64 − 1 and
#: 2^64), "signature" (honest fields, signed by any account's key, its own included).
FAMILIES = ("mixed", "peer", "unused", "u64", "signature")


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=20)
@given(data=st.data())
def test_every_satisfying_cheating_witness_replays_natively(family, data):
    check_cheating_batch(data, family)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=300)
@given(data=st.data())
def test_every_satisfying_cheating_witness_replays_natively_sweep(family, data):
    check_cheating_batch(data, family)


# --- the harness itself -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def honest():
    """A sequencer batch of K = 2 with every slot kind on chain 0 (transfer, burn 0→1, mint 1→0, a COND call
    0→1, a no-op)."""
    shape = BatchShape(n_rollups=2, capacity=5, account_depth=3, bridge_depth=2)
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=5, seed=11, whale=False)
    seq = Sequencer(g)
    for tx in (Transfer(0, 0, 1, 25, 0), Burn(0, 1, 1, 3, 10, 0), Burn(1, 0, 2, 0, 4, 0),
               Call(0, 1, 2, 1, 3, 0, Program.COND, 10**9)):  # fmt: skip
        assert seq.submit(sign(tx, demo_private_key(11, tx.chain, tx.sender))).__class__.__name__ == "Receipt"
    seq.close_batch()
    (batch,) = seq.pop_closed()
    trace = batch.traces[0]
    kinds = [SlotKind.TRANSFER, SlotKind.BURN, SlotKind.ACTION, SlotKind.CALL, SlotKind.NOOP]
    assert [s.kind for s in trace.slots] == kinds
    circuit = circuit_of(shape)
    return circuit, trace, g


def test_differential_accepts_the_sequencers_batches(honest):
    circuit, trace, g = honest
    witness = assign_batch_witness(circuit, trace)
    decoded = decode_batch_witness(circuit, witness.values)
    assert [s.kind for s in decoded.slots] == [s.kind for s in trace.slots]
    assert replay(decoded, RollupState(0, circuit.shape, g.accounts[0])) == []


@pytest.mark.parametrize(
    ("slot", "field", "value", "complaint"),
    [
        (2, "peer_chain", 5, "peer_chain 5"),
        (1, "account_b", 1 << 3, "account_b 8 is not an account index"),
        (0, "nonce", 1, "bad signature"),  # the signed nonce moved: the signature check comes first
        (1, "amount", 11, "bad signature"),
        (0, "s", 5, "bad signature"),
        (3, "payload", 2**64, "a COND's cap"),
        (2, "msg_sender", 1, "message fields apart"),
    ],
)
def test_differential_reports_a_decoded_value_the_native_rules_refuse(honest, slot, field, value, complaint):
    """The replay is not vacuous: a decoded batch with one value moved is reported, naming what is wrong."""
    from dataclasses import replace

    circuit, trace, g = honest
    decoded = decode_batch_witness(circuit, assign_batch_witness(circuit, trace).values)
    slots = list(decoded.slots)
    slots[slot] = replace(slots[slot], **{field: value})
    problems = replay(replace(decoded, slots=tuple(slots)), RollupState(0, circuit.shape, g.accounts[0]))
    assert problems and complaint in problems[0], problems

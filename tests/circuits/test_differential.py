"""The semantic differential of the batch circuit: every satisfying witness replays on the native rules.

Cheating traces come from ``tests.helpers.forge.Forge`` (a prover who controls every wire and keeps every opening
consistent with what it wrote): hypothesis picks the shape (K = 2, 3, 4, 8), the chain, a valid starting state
(balances and nonces up to 2^64 − 1), and per slot a kind with honest fields, then replaces up to three of them
(account_a, account_b, amount, nonce, peer chain, message index) with field-edge values (``field_edges``: 0, 1,
r − 1, (r ± 1)/2, 1/2, 2^64 − 1, 2^64, −c/2, (2c ± 1)/2 for each c). The forge then moves every dependent wire with
them (the peer moves the slot bits, the slot the tree and slot openings, the amount the balances and leaves), so
only the rule a value breaks can catch it. Whenever the R1CS is satisfied, the witness is decoded
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
from sequencer import Burn, Sequencer, Transfer
from sequencer.genesis import demo_genesis
from sequencer.rollup import RollupState
from tests.helpers.differential import replay
from tests.helpers.forge import Forge, field_edges, landing_peers
from zksvs.rollup_state import U64_MAX, AccountState
from zksvs.statement import SlotKind
from zksvs.trace import BatchShape

SHAPES = (
    BatchShape(n_rollups=2, capacity=2, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=3, capacity=2, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=4, capacity=1, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=8, capacity=1, account_depth=2, bridge_depth=2),
)
CHEATABLE = ("account_a", "account_b", "amount", "nonce", "peer", "index")
APPEND_KINDS = (SlotKind.BURN, SlotKind.MINT)
# Burns and mints twice as likely as the other kinds: they carry the peer, the bridge slot and the message index.
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


def unused_fields(kind: SlotKind) -> tuple[str, ...]:
    """The committed fields no account update of ``kind`` opens: a mint's sender and a burn's recipient live on the
    peer chain, a no-op uses none, a transfer no peer."""
    return {
        SlotKind.NOOP: ("account_a", "account_b", "amount", "nonce", "peer"),
        SlotKind.TRANSFER: ("peer",),
        SlotKind.BURN: ("account_b",),
        SlotKind.MINT: ("account_a",),
    }[kind]


def draw_slot(data: st.DataObject, forge: Forge, family: str) -> None:
    """One slot of ``family`` (``FAMILIES``): honest fields for its kind, then the family's cheat."""
    shape, c = forge.shape, forge.chain_id
    n = 1 << shape.account_depth
    kind = data.draw(st.sampled_from(APPEND_KINDS if family == "peer" else KINDS), label="kind")
    existing = sorted(forge.states)
    debtor = kind in (SlotKind.TRANSFER, SlotKind.BURN)
    creditor = kind in (SlotKind.TRANSFER, SlotKind.MINT)
    values: dict[str, int | None] = {
        "account_a": data.draw(st.sampled_from(existing) if debtor else st.integers(0, n - 1)),
        "account_b": data.draw(st.sampled_from(existing) if creditor else st.integers(0, n - 1)),
        "amount": data.draw(st.sampled_from([U64_MAX, 1 << 64, 1, 0] if family == "u64" else [0, 1, 300, 10**18])),
        "peer": data.draw(st.sampled_from([j for j in range(shape.n_rollups) if j != c]))
        if kind in APPEND_KINDS
        else 0,
        "nonce": None,
        "index": None,
    }
    if kind == SlotKind.NOOP:
        values.update(account_a=0, account_b=0, amount=0)
    edges = field_edges(shape.n_rollups)
    if family == "peer":
        values["peer"] = data.draw(st.sampled_from(landing_peers(shape.n_rollups)), label="peer")
    elif family == "unused":
        name = data.draw(st.sampled_from(unused_fields(kind)), label="unused field")
        values[name] = data.draw(st.sampled_from(edges), label=name)
    elif family == "mixed":
        for name in data.draw(st.sets(st.sampled_from(CHEATABLE), min_size=1, max_size=2), label="cheats"):
            values[name] = data.draw(st.sampled_from(edges), label=name)
    forge.cheat(kind, values["account_a"], values["account_b"], values["amount"], values["peer"],
                nonce=values["nonce"], index=values["index"])  # fmt: skip


def check_cheating_batch(data: st.DataObject, family: str) -> None:
    """Forge a batch of ``family``; if its witness satisfies the R1CS, decode it and replay it natively."""
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    c = data.draw(st.integers(0, shape.n_rollups - 1), label="chain")
    accounts = data.draw(accounts_strategy(shape, u64_edges=family == "u64"), label="accounts")
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


#: Cheat families: "mixed" (any kind, one or two of CHEATABLE set to field edges), "peer" (burns and mints whose
#: peer is any value for which 2·peer + [mint] = slot mod r lands on a real bridge slot: the audit's cheat, with the
#: slot bits, tree and slot openings moved with it), "unused" (a field the kind's account updates do not open: a
#: mint's sender, a burn's recipient, a transfer's peer, a no-op's fields), "u64" (honest kinds at the u64 edges:
#: balances and nonces 2^64 − 1, amounts 2^64 − 1 and 2^64).
FAMILIES = ("mixed", "peer", "unused", "u64")


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
    """A sequencer batch of K = 2 with every slot kind on chain 0 (transfer, burn 0→1, mint 1→0, no-op)."""
    shape = BatchShape(n_rollups=2, capacity=4, account_depth=3, bridge_depth=2)
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=4, seed=11, whale=False)
    seq = Sequencer(g)
    for tx in (Transfer(0, 0, 1, 25, 0), Burn(0, 1, 1, 3, 10, 0), Burn(1, 0, 2, 0, 4, 0)):
        seq.submit(tx)
    seq.close_batch()
    (batch,) = seq.pop_closed()
    trace = batch.traces[0]
    assert [s.kind for s in trace.slots] == [SlotKind.TRANSFER, SlotKind.BURN, SlotKind.MINT, SlotKind.NOOP]
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
        (0, "nonce", 1, "bad nonce"),
        (1, "amount", 11, "accounts root after"),
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

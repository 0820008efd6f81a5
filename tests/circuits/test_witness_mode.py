"""Witness-only builds (``ConstraintBuilder(witness_only=True)``) and the compiled replays of ``repeat``.

``assign_batch_witness`` runs the batch declaration witness-only: rows are counted, not constructed, and recorded
sub-circuits (Poseidon) replay compiled straight-line code. The oracles: for values, the full build of the same
declaration (``ConstraintBuilder()``: constraints constructed), the interpreted replay (hint by hint, taken whenever
an override is present), the native Poseidon (``zksvs.poseidon``) and the R1CS check; for every R1CS, the direct,
unrecorded run of the gadget (``circuits.gadgets.poseidon._permute``), compared with terms in order. Traces come
from the sequencer (``sequencer``), as in ``test_batch_circuit.py``.
"""

from __future__ import annotations

import random

import pytest

from circuits.batch import BatchCircuit, assign_batch_witness, batch_inputs, build_batch_circuit, define_batch
from circuits.builder import ConstraintBuilder
from circuits.gadgets.poseidon import _permute, poseidon_hash
from sequencer import Burn, Call, Sequencer, Transfer, swap_call
from sequencer.genesis import demo_genesis
from tests.helpers.signing import demo_signer
from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.poseidon import poseidon, poseidon_params
from zksvs.r1cs import R1CS
from zksvs.statement import SlotKind
from zksvs.trace import BatchShape, BatchTrace
from zksvs.tx_message import Program

SMALL = BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=2)
K3 = BatchShape(n_rollups=3, capacity=2, account_depth=3, bridge_depth=2)


def _ordered(r1cs: R1CS) -> list[tuple]:
    """Every row with its terms in stored order (what the .r1cs writer and the matrices iterate)."""
    return [
        (tuple(k.a.terms.items()), tuple(k.b.terms.items()), tuple(k.c.terms.items()), k.label)
        for k in r1cs.constraints
    ]


def _full_build(shape: BatchShape, trace: BatchTrace, overrides=None) -> ConstraintBuilder:
    cb = ConstraintBuilder(overrides=overrides)
    define_batch(cb, shape, batch_inputs(trace))
    return cb


@pytest.fixture(scope="module")
def small_circuit() -> BatchCircuit:
    return build_batch_circuit(SMALL)


@pytest.fixture(scope="module")
def small_traces() -> list[BatchTrace]:
    """Transfers, burns both ways (mints on the peer), an overdraft and a bad nonce (rejected), no-op padding."""
    g = demo_genesis(2, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=2, seed=7, whale=False)
    seq = Sequencer(g)
    for tx in (
        Transfer(0, 0, 1, 10, 0),
        Transfer(0, 1, 2, 10**12, 0),  # overdraft
        Burn(0, 1, 1, 2, 5, 0),
        Burn(1, 0, 3, 1, 7, 0),
        Transfer(1, 0, 0, 1, 5),  # bad nonce
        Transfer(1, 2, 2, 3, 0),  # self-transfer
        Call(1, 0, 3, 0, 2, 1, Program.COND, 10**9),
        swap_call(0, 1, 2, 3, 4, 0, order_sender=0, order_recipient=1, order_amount=6, order_nonce=0),
    ):
        seq.submit(demo_signer(7)(tx))
    seq.close_batch()
    seq.submit(demo_signer(7)(Burn(0, 1, 0, 0, 11, 2)))
    seq.close_batch()
    traces = [t for b in seq.pop_closed() for t in b.traces]
    assert len(traces) >= 4
    return traces


def test_witness_mode_gives_the_full_builds_witness_on_sequencer_traces(small_circuit, small_traces):
    for t in small_traces:
        full = _full_build(SMALL, t)
        w = assign_batch_witness(small_circuit, t)
        assert w.values == full.witness().values, t.chain_id
    assert small_circuit.r1cs.first_unsatisfied(w.values) is None
    # the full valued build states the very rows of the shape-only build, terms in the same order
    assert _ordered(full.build()) == _ordered(small_circuit.r1cs)


def test_witness_mode_gives_the_full_builds_witness_with_three_rollups():
    """K = 3 (peer < K range check, idle slots) on a seeded random workload."""
    circuit = build_batch_circuit(K3)
    g = demo_genesis(3, accounts_per_rollup=4, account_depth=3, bridge_depth=2, capacity=2, seed=21, whale=False)
    seq = Sequencer(g)
    rnd = random.Random(99)
    signed = demo_signer(21)
    for i in range(10):
        chain, a, b = rnd.randrange(3), rnd.randrange(4), rnd.randrange(4)
        nonce = seq.account(chain, a).nonce
        dst = (chain + rnd.randrange(1, 3)) % 3
        if i == 3:
            seq.submit(signed(Call(chain, dst, a, b, rnd.randrange(1, 300), nonce, Program.MINT, 5)))
        elif rnd.random() < 0.5:
            seq.submit(signed(Transfer(chain, a, b, rnd.randrange(1, 300), nonce)))
        else:
            seq.submit(signed(Burn(chain, dst, a, b, rnd.randrange(1, 300), nonce)))
    seq.close_batch()
    batches = seq.pop_closed()
    assert len(batches) >= 2
    traces = [t for b in batches[:2] for t in b.traces]  # 6 traces: every kind of slot, idle appends
    assert {s.kind for t in traces for s in t.slots} == set(SlotKind)
    for t in traces:
        w = assign_batch_witness(circuit, t)
        assert w.values == _full_build(K3, t).witness().values, t.chain_id
    assert circuit.r1cs.first_unsatisfied(w.values) is None


def test_compiled_replays_give_the_interpreted_replays_witness(small_circuit, small_traces):
    """Any override sends every replay through the interpreted path (hint by hint through ``_alloc``, each
    combination evaluated term by term); an override with the honest value must then give the same witness as the
    compiled straight-line replays (``_Template._compile_values``, with its combinations re-expressed in terms of
    earlier ones)."""
    t = small_traces[2]
    honest = assign_batch_witness(small_circuit, t)
    overrides = {"old_accounts_root": t.old_accounts_root}
    assert assign_batch_witness(small_circuit, t, overrides=overrides).values == honest.values


def test_witness_mode_applies_overrides_inside_and_outside_recordings(small_circuit, small_traces):
    """A cheating prover's overrides reach a Poseidon hint wire (replayed recording) and a slot input wire; later
    hints see the replaced values, exactly as in the full build, and the R1CS refuses the witness."""
    t = small_traces[0]
    labels = small_circuit.r1cs.wire_labels
    sbox = next(lb for lb in labels if lb.startswith("slot[0]/debit/path_before/level[1]/") and lb.endswith("/x2"))
    for label, rejects_at in ((sbox, sbox), ("slot[0]/debit/balance_after", "slot[0]/debit/")):
        overrides = {label: 12345}
        w = assign_batch_witness(small_circuit, t, overrides=overrides)
        assert w.values[labels.index(label)] == 12345
        assert w.values == _full_build(SMALL, t, overrides).witness().values
        failed = small_circuit.r1cs.first_unsatisfied(w.values)
        assert failed is not None and failed[1].startswith(rejects_at), failed
    with pytest.raises(ValueError, match="overrides name no allocated wire"):
        assign_batch_witness(small_circuit, t, overrides={"slot[0]/debit/no_such_wire": 1})


def test_witness_mode_counts_rows_and_refuses_to_build():
    def cubic(cb: ConstraintBuilder) -> None:
        x = cb.private("x", 3)
        out = cb.public("out", 35)
        x3 = cb.mul(cb.mul(x, x, "x2"), x, "x3")
        cb.enforce(x3 + x + 5, 1, out, "out")
        cb.assert_equal(x, x, "trivial")  # holds identically: no row in either mode
        (h,) = cb.repeat(("witness_mode_square",), lambda b, xs: [b.mul(xs[0], xs[0], "sq")], [x + out])
        assert h.value == 38 * 38

    full, only = ConstraintBuilder(), ConstraintBuilder(witness_only=True)
    cubic(full)
    cubic(only)
    assert only.n_constraints == full.n_constraints == 4
    assert only.witness().values == full.witness().values
    assert full.build().is_satisfied(full.witness().values)
    with pytest.raises(ValueError, match="witness_only=True"):
        only.build()
    with pytest.raises(ValueError, match="needs with_values=True"):
        ConstraintBuilder(with_values=False, witness_only=True)


def test_witness_mode_raises_for_an_identically_false_row_at_the_same_index():
    for cb in (ConstraintBuilder(), ConstraintBuilder(witness_only=True)):
        x = cb.private("x", 2)
        cb.mul(x, x, "x2")
        with pytest.raises(UnsatisfiedConstraint, match="bad"):
            cb.enforce(2, 3, 5, "bad")
        assert cb.n_constraints == 1


def _mixed(cb: ConstraintBuilder, xs):
    """A recording with a hint other than ``mul`` (an inverse) and a constant folded into a row."""
    with cb.namespace("mixed"):
        inv = cb.hint("inv", lambda a: pow(a, FR_MODULUS - 2, FR_MODULUS), xs[0])
        cb.enforce(xs[0], inv, 1, "inv")
        y = cb.mul(xs[1] + 7, inv, "y")
        return [y + xs[0], 3 * inv]


@pytest.mark.parametrize("witness_only", [False, True])
def test_compiled_replay_matches_a_direct_run_with_any_hint(witness_only):
    direct, replayed = ConstraintBuilder(), ConstraintBuilder(witness_only=witness_only)
    outs = {}
    for cb in (direct, replayed):
        with cb.namespace("outer"):
            a, b = cb.private("a", 5), cb.private("b", 9)
            ins = [a + 2 * b, b - 1]
            outs[cb] = _mixed(cb, ins) if cb is direct else cb.repeat(("witness_mode_mixed",), _mixed, ins)
    inv23 = pow(23, FR_MODULUS - 2, FR_MODULUS)
    assert (
        [v.value for v in outs[replayed]]
        == [v.value for v in outs[direct]]
        == [
            (15 * inv23 + 23) % FR_MODULUS,
            3 * inv23 % FR_MODULUS,
        ]
    )
    assert [v.lc for v in outs[replayed]] == [v.lc for v in outs[direct]]
    assert replayed.witness().values == direct.witness().values
    assert replayed.n_constraints == direct.n_constraints == 2
    if not witness_only:
        assert _ordered(replayed.build()) == _ordered(direct.build())


def test_compiled_replay_leaves_unknown_values_unknown():
    cb = ConstraintBuilder()
    x, y = cb.private("x"), cb.private("y", 4)  # x has no value
    (h,) = cb.repeat(("witness_mode_square_sum",), lambda b, xs: [b.mul(xs[0], xs[1], "p")], [x, y])
    assert h.value is None
    with pytest.raises(ValueError, match="has no value"):
        cb.witness()


@pytest.mark.parametrize("n", [2, 4, 6])
def test_poseidon_replay_rows_keep_the_direct_runs_term_order(n):
    """The compiled rows of a Poseidon replay equal a direct ``_permute`` run term by term, in order, with inputs
    that are combinations (as in a Merkle path); values agree with the native hash."""
    xs = list(range(11, 11 + n))
    direct, replayed = ConstraintBuilder(), ConstraintBuilder()
    for cb in (direct, replayed):
        with cb.namespace("outer"):
            ins = [cb.private(f"x[{i}]", x) * 3 + cb.private(f"y[{i}]", 2) + 1 for i, x in enumerate(xs)]
            if cb is direct:
                h = _permute(cb, [cb.constant(0), *ins], poseidon_params(n + 1), "poseidon")[0]
            else:
                h = poseidon_hash(cb, ins)
            assert h.value == poseidon([3 * x + 3 for x in xs])
    assert _ordered(replayed.build()) == _ordered(direct.build())
    assert replayed.build().wire_labels == direct.build().wire_labels
    assert replayed.witness().values == direct.witness().values


def test_in_terms_of_rewrites_a_combination_exactly_or_not_at_all():
    """A combination built as 3·B1 + 5·B2 + (two new wires) over 20 old wires is rewritten with the basis (fewer
    terms, same value on random wire values); one that no basis combination matches on its old wires is not."""
    from circuits.builder import _in_terms_of

    rnd = random.Random(5)
    b1 = {w: rnd.randrange(1, FR_MODULUS) for w in range(1, 21)}
    b2 = {w: rnd.randrange(1, FR_MODULUS) for w in range(5, 25)}
    target: dict[int, int] = {}
    for b, k in ((b1, 3), (b2, 5)):
        for w, c in b.items():
            target[w] = (target.get(w, 0) + k * c) % FR_MODULUS
    target.update({0: 17, 40: 2, 41: 9})
    rewritten = _in_terms_of(target, [("t1", b1), ("t2", b2)])
    assert rewritten is not None and len(rewritten) < len(target)
    wires = {w: rnd.randrange(FR_MODULUS) for w in range(42)}
    wires[0] = 1
    local = {"t1": sum(c * wires[w] for w, c in b1.items()), "t2": sum(c * wires[w] for w, c in b2.items())}
    local.update({f"w{w}": v for w, v in wires.items()})
    got = sum(c * (local[x] if x else 1) for c, x in rewritten) % FR_MODULUS
    assert got == sum(c * wires[w] for w, c in target.items()) % FR_MODULUS
    unrelated = {w: rnd.randrange(1, FR_MODULUS) for w in range(1, 30)}
    assert _in_terms_of(unrelated, [("t1", b1), ("t2", b2)]) is None


def test_gc_paused_restores_the_collector():
    import gc

    from circuits.builder import gc_paused

    assert gc.isenabled()
    with pytest.raises(KeyError, match="inside"), gc_paused():
        assert not gc.isenabled()
        raise KeyError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Batch circuit: witness assignment per batch, circuit build, and constraints per slot by part.

Run: ``python -m pytest bench/bench_circuits.py --benchmark-only``. Shapes: ``demo`` (K=4, B=4, D=8, M=4, the
``zksvs demo`` default, 58 324 constraints) and ``small`` (K=2, B=2, D=3, M=2).

- ``test_batch_witness[<impl>-<shape>]`` (group ``batch witness <shape>``): ``assign_batch_witness`` for one
  rollup's batch, cycling through the K traces of a seeded shared batch made by the sequencer (transfers and burns
  in several directions, no-op padding). impl ``witness_only`` is what the pipeline runs (rows counted, not
  constructed); ``full_build`` runs the same declaration with every row constructed (``ConstraintBuilder()``, the
  builder's default), the peer that shows what the witness-only mode saves. ``extra_info``: constraints, wires,
  ns/constraint, seconds per shared batch (K witnesses).
- ``test_build_circuit[<shape>]`` (group ``batch circuit build``): ``build_batch_circuit`` (shape only, templates
  already recorded); ``extra_info["constraints_by_part"]`` holds the constraints of one slot per part (``kind``,
  ``data``, ``noop``, ``debit``, ``credit``, ``append``, ``nonce``, ``commitment``; the first slot's commitment is 3
  cheaper, its fold starts from the constant 0) and ``"batch"`` (outside the slots); a rich table prints them.

Correctness, outside the timing: every witness satisfies the R1CS (``prover.qap.first_unsatisfied_row``, the numba
check that gives ``R1CS.first_unsatisfied``'s row) with the trace's public inputs at wires 1..4, and the two impls
give the same witness; every built circuit has no unconstrained wire and its constraints add up by slot.
"""

from __future__ import annotations

import dataclasses
import itertools
from functools import cache

import pytest
from rich.console import Console
from rich.table import Table

from circuits.batch import BatchCircuit, assign_batch_witness, batch_inputs, build_batch_circuit, define_batch
from circuits.builder import ConstraintBuilder
from pipeline.workload import demo_workload
from prover.qap import first_unsatisfied_row
from sequencer import Sequencer
from sequencer.genesis import demo_genesis
from zksvs.limbs import ints_to_limbs
from zksvs.statement import N_BATCH_PUBLIC, SlotKind
from zksvs.trace import BatchShape, BatchTrace
from zksvs.witness import Witness

SHAPES = {
    "demo": BatchShape(n_rollups=4, capacity=4, account_depth=8, bridge_depth=4),
    "small": BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=2),
}
PARTS = ("kind", "data", "noop", "debit", "credit", "append", "nonce", "commitment")


@cache
def _circuit(name: str) -> BatchCircuit:
    return build_batch_circuit(SHAPES[name])


@cache
def _matrices(name: str):
    return _circuit(name).r1cs.to_matrices(include_c=True)


@cache
def _traces(name: str) -> tuple[BatchTrace, ...]:
    """The K traces of the first shared batch of the seeded demo workload (``pipeline.workload.demo_workload``:
    transfers, burns in several directions, rejected transactions)."""
    s = SHAPES[name]
    g = demo_genesis(
        s.n_rollups, account_depth=s.account_depth, bridge_depth=s.bridge_depth, capacity=s.capacity, seed=1
    )
    seq = Sequencer(g)
    for arrival, tx in enumerate(demo_workload(g.balances(), 4 * s.n_rollups * s.capacity, seed=1), start=1):
        seq.submit(tx, arrival)
    seq.close_batch()
    traces = tuple(seq.pop_closed()[0].traces)
    assert {s.kind for t in traces for s in t.slots} >= {SlotKind.TRANSFER, SlotKind.BURN, SlotKind.MINT}
    return traces


def _full_build_witness(circuit: BatchCircuit, trace: BatchTrace) -> Witness:
    cb = ConstraintBuilder()
    define_batch(cb, circuit.shape, batch_inputs(trace))
    return cb.witness()


def _check_witness(name: str, trace: BatchTrace, witness: Witness) -> None:
    assert first_unsatisfied_row(_matrices(name), ints_to_limbs(witness.values)) is None, trace.chain_id
    assert witness.public_inputs(N_BATCH_PUBLIC) == trace.statement().public_inputs()


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("impl", ["witness_only", "full_build"])
def test_batch_witness(benchmark, impl, shape):
    circuit, traces = _circuit(shape), _traces(shape)
    assign = assign_batch_witness if impl == "witness_only" else _full_build_witness
    cycle = itertools.cycle(traces)
    done: list[tuple[BatchTrace, Witness]] = []

    def one() -> None:
        t = next(cycle)
        done.append((t, assign(circuit, t)))

    benchmark.group = f"batch witness {shape}"
    benchmark.pedantic(one, rounds=len(traces), iterations=1, warmup_rounds=1)
    seen = {}
    for t, w in done:
        seen.setdefault(t.chain_id, (t, w))
    for t, w in seen.values():
        _check_witness(shape, t, w)
        if impl == "witness_only":
            assert w.values == _full_build_witness(circuit, t).values
    mean = benchmark.stats.stats.mean
    benchmark.extra_info.update(
        shape=dataclasses.asdict(SHAPES[shape]),
        n_constraints=circuit.n_constraints,
        n_wires=circuit.r1cs.n_wires,
        ns_per_constraint=round(mean / circuit.n_constraints * 1e9, 1),
        shared_batch_s=round(mean * len(traces), 3),
    )


@pytest.mark.parametrize("shape", list(SHAPES))
def test_build_circuit(benchmark, shape, capsys):
    s = SHAPES[shape]
    _circuit(shape)  # records the Poseidon templates (and compiles their replays) outside the timing
    benchmark.group = "batch circuit build"
    circuit = benchmark.pedantic(build_batch_circuit, args=(s,), rounds=3, iterations=1, warmup_rounds=0)
    assert circuit.r1cs.unconstrained_wires() == []
    first, later = circuit.constraints_by_part(0), circuit.constraints_by_part(s.capacity - 1)
    assert circuit.n_constraints == first["slot"] + (s.capacity - 1) * later["slot"] + later["batch"]
    assert circuit.n_constraints == _circuit(shape).n_constraints
    assert circuit.r1cs.wire_labels == _circuit(shape).r1cs.wire_labels
    by_part = {p: later.get(p, 0) for p in PARTS}
    assert sum(by_part.values()) == later["slot"]
    benchmark.extra_info.update(
        n_constraints=circuit.n_constraints,
        n_wires=circuit.r1cs.n_wires,
        constraints_by_part={**by_part, "slot": later["slot"], "first_slot": first["slot"], "batch": later["batch"]},
    )
    table = Table(title=f"batch circuit {shape} (K={s.n_rollups}, B={s.capacity}, D={s.account_depth}, "
                  f"M={s.bridge_depth}): constraints per slot")  # fmt: skip
    table.add_column("part")
    table.add_column("constraints", justify="right")
    table.add_column("share", justify="right")
    for p, n in by_part.items():
        table.add_row(p, f"{n:,}", f"{n / later['slot']:.1%}")
    table.add_row("slot (sum)", f"{later['slot']:,}", "")
    table.add_row("first slot", f"{first['slot']:,}", "")
    table.add_row("outside slots", f"{later['batch']:,}", "")
    table.add_row("circuit", f"{circuit.n_constraints:,}", "")
    with capsys.disabled():
        Console(width=110).print(table)

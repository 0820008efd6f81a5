"""The sweep: every case of the checker (gadgets, mutants, batch and cross circuits), its tier and its expectation.

A ``Case`` is a cheap descriptor; ``Case.run(timeout_s)`` builds what it needs (circuits and witnesses are cached)
and returns a ``tests.soundness.queries.Result``. ``tests/soundness/test_sweep.py`` runs the cases as tests (the
fast tier by default, all with ``--smt-full``); ``tools/smt_sweep.py`` runs them and prints the table.

Tiers: ``fast`` = every gadget and mutant, the batch circuit at K=2 B=1 D=2 M=2, the cross circuit at K=2;
``full`` adds K ∈ {2, 3, 4}, capacity 1–2, depths 2–3 (``FULL_SHAPES``), every slot, every trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.soundness import circuit_cases as cc
from tests.soundness import gadget_cases as gc
from tests.soundness.queries import Result, check_domain, check_uniqueness
from tests.soundness.structure import R1CSIndex
from zksvs.trace import BatchShape

FAST_SHAPE = BatchShape(n_rollups=2, capacity=1, account_depth=2, bridge_depth=2)
FULL_SHAPES = (
    FAST_SHAPE,
    BatchShape(n_rollups=2, capacity=2, account_depth=3, bridge_depth=3),
    BatchShape(n_rollups=3, capacity=1, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=3, capacity=2, account_depth=3, bridge_depth=2),
    BatchShape(n_rollups=4, capacity=1, account_depth=2, bridge_depth=2),
    BatchShape(n_rollups=4, capacity=2, account_depth=3, bridge_depth=3),
)
#: Domain queries of a batch slot, by name (``circuit_cases.batch_domain_queries``).
BATCH_DOMAINS = (
    "kind selectors",
    "program selectors",
    "msg_sender",
    "msg_target",
    "msg_value",
    "COND cap",
    "peer_chain",
    "amount",
    "debit balance_after",
    "credit balance_after",
    "debit nonce_after",
    "account_a",
    "account_b",
    "bridge slot",
    "append slot − 2·chain_id",
    "message index",
    "signature word r8x unless forced",
    "signature word r8y unless forced",
    "signature word s unless forced",
)

#: Queries known to fail on main, as strict xfails with the reason (issue 8's audit findings were here until circ8's
#: fixes were merged: peer < K for a power-of-two K, an append reaching the c→c trees, nonce_after, account_a/b,
#: the cross circuit's c→c pin; docs/uniqueness.md keeps the table they gave). A new known finding goes here, keyed
#: "batch <query>" or "cross <kind>", and is deleted when its fix lands (the xfail then turns XPASS).
XFAIL_ON_MAIN: dict[str, str] = {}
_POWER_OF_TWO_ONLY = {"batch peer_chain", "batch append slot − 2·chain_id"}


def xfail_reason(circuit: str, query: str, n_rollups: int) -> str | None:
    """The ``XFAIL_ON_MAIN`` reason of a batch or cross query, if any (finding 1 needs a power-of-two K)."""
    key = f"{circuit} {query}"
    if key in _POWER_OF_TWO_ONLY and n_rollups & (n_rollups - 1):
        return None
    return XFAIL_ON_MAIN.get(key)


@dataclass(frozen=True)
class Case:
    """One query of the sweep.

    Attributes
    ----------
    circuit, shape, query : str
        Table columns.
    tier : str
        ``fast`` (default test run) or ``full`` (``--smt-full``, ``tools/smt_sweep.py --full``).
    expect_safe : bool
        True: must be ``unique`` / ``in domain``; False (mutants): must be a ``counterexample``.
    finding : str | None
        The audit finding that makes it fail on today's main (the test is a strict xfail with this reason).
    run : Callable[[float], Result]
        Runs the query with the given solver deadline (seconds per call).
    """

    circuit: str
    shape: str
    query: str
    tier: str
    expect_safe: bool
    finding: str | None
    run: Callable[[float], Result]

    @property
    def key(self) -> str:
        """A unique id: ``circuit [shape] query``."""
        return f"{self.circuit} [{self.shape}] {self.query}"


def _gadget(g: gc.GadgetCircuit, tier: str = "fast") -> list[Case]:
    """The uniqueness case and the domain cases of one gadget circuit (built already: gadgets are small)."""

    # a gadget without outputs (a verifier, assert_le) must have every wire unique
    query = "unique outputs" if g.outputs else "unique witness"

    def uniq(timeout_s: float) -> Result:
        targets = g.outputs or None
        return check_uniqueness(g.r1cs, g.witness, g.inputs, targets, timeout_s=timeout_s, name=query)

    cases = [Case(g.name, g.shape, query, tier, "unique" not in g.breaks, None, uniq)]
    for what, targets, domain, assume in g.domains:

        def dom(timeout_s: float, targets=targets, domain=domain, assume=assume, what=what) -> Result:
            return check_domain(g.r1cs, targets, domain, assumptions=assume, timeout_s=timeout_s, name=what)

        cases.append(Case(g.name, g.shape, f"{what} {domain}", tier, what not in g.breaks, None, dom))
    return cases


def gadget_cases() -> list[Case]:
    """Every gadget, every mutant and the mutants' sound counterparts (fast tier)."""
    out: list[Case] = []
    for g in [*gc.all_gadgets(), *gc.mutants(), *gc.mutant_controls()]:
        out += _gadget(g)
    return out


def batch_cases(shape: BatchShape, tier: str, slots: range | None = None) -> list[Case]:
    """Uniqueness for every trace of ``circuit_cases.batch_traces(shape)``; domains for ``slots`` (default slot 0)."""
    text = cc.shape_text(shape)
    out = []
    for i, trace in enumerate(cc.batch_traces(shape)):

        def uniq(timeout_s: float, i: int = i) -> Result:
            r1cs = cc.batch_circuit(shape).r1cs
            w, ix = cc.batch_reference(shape, i)
            # a forced slot's signature stays free: the committed words must fix it (issue 10 §3)
            forced = [k for k, s in enumerate(cc.batch_traces(shape)[i].slots) if s.data.forced]
            fixed = [*range(1, 1 + r1cs.n_public), *cc.signature_wires(r1cs, forced)]
            return check_uniqueness(r1cs, w, fixed, None, index=ix, timeout_s=timeout_s, name="unique witness")

        out.append(Case("batch", text, f"unique witness, {cc.trace_text(trace)} (#{i})", tier, True, None, uniq))
    for slot in slots or range(1):
        for name in BATCH_DOMAINS:
            finding = xfail_reason("batch", name, shape.n_rollups)

            def dom(timeout_s: float, slot: int = slot, name: str = name) -> Result:
                return _batch_domain(shape, slot, name, timeout_s)

            out.append(Case("batch", text, f"slot[{slot}] {name}", tier, True, finding, dom))
    return out


def _batch_domain(shape: BatchShape, slot: int, name: str, timeout_s: float) -> Result:
    r1cs = cc.batch_circuit(shape).r1cs
    ix = _shape_index(shape)
    qs = {q.what: q for q in cc.batch_domain_queries(shape, slot)}
    if name not in qs:
        return Result("unknown", name, detail=f"no wires found for {name!r} (labels changed?)")
    q = qs[name]
    return check_domain(
        r1cs, q.targets, q.domain, assumptions=q.assumptions, when=q.when, index=ix, timeout_s=timeout_s,
        name=f"{name} {q.domain}",
    )  # fmt: skip


_INDEX: dict[BatchShape, R1CSIndex] = {}


def _shape_index(shape: BatchShape) -> R1CSIndex:
    if shape not in _INDEX:
        _INDEX[shape] = R1CSIndex(cc.batch_circuit(shape).r1cs)
    return _INDEX[shape]


def cross_cases(shape: BatchShape, tier: str) -> list[Case]:
    """Uniqueness of the cross circuit's witness for the first shared batch; its slot domains."""
    text = f"K={shape.n_rollups} M={shape.bridge_depth}"

    def uniq(timeout_s: float) -> Result:
        r1cs, w, ix = cc.cross_reference(shape)
        return check_uniqueness(
            r1cs, w, range(1, 1 + r1cs.n_public), None, index=ix, timeout_s=timeout_s, name="unique witness"
        )

    out = [Case("cross", text, "unique witness", tier, True, None, uniq)]
    k = shape.n_rollups
    names = [(c, s, "c→c") for c in range(k) for s in (2 * c, 2 * c + 1)]
    names += [(c, s, "padding") for c in range(k) for s in range(2 * k, 1 << shape.slot_tree_depth)]
    for c, s, kind in names:

        def dom(timeout_s: float, c: int = c, s: int = s, kind: str = kind) -> Result:
            r1cs, _, ix = cc.cross_reference(shape)
            q = {q.what: q for q in cc.cross_domain_queries(shape)}[f"rollup[{c}] slot {s} ({kind})"]
            return check_domain(r1cs, q.targets, q.domain, index=ix, timeout_s=timeout_s, name=f"{q.what} {q.domain}")

        finding = xfail_reason("cross", kind, k)
        out.append(Case("cross", text, f"rollup[{c}] slot {s} ({kind})", tier, True, finding, dom))
    return out


def all_cases(full: bool = False) -> list[Case]:
    """The fast tier, or every case (``full``); keys are unique."""
    cases = gadget_cases() + batch_cases(FAST_SHAPE, "fast") + cross_cases(FAST_SHAPE, "fast")
    if full:
        for shape in FULL_SHAPES:
            if shape != FAST_SHAPE:
                cases += batch_cases(shape, "full", range(shape.capacity))
                if shape.capacity == 1:
                    cases += cross_cases(shape, "full")
    keys = [c.key for c in cases]
    assert len(keys) == len(set(keys)), "case keys must be unique"
    return cases


def row(case: Case, result: Result) -> dict:
    """One JSON row of the sweep."""
    return {
        "circuit": case.circuit,
        "shape": case.shape,
        "query": case.query,
        "tier": case.tier,
        "status": result.status,
        "expected": "safe" if case.expect_safe else "counterexample",
        "as_expected": result.safe == case.expect_safe and (case.expect_safe or result.status == "counterexample"),
        "finding": case.finding,
        "seconds": round(result.seconds, 3),
        "fixed_by_propagation": result.by_propagation,
        "fixed_by_solver": result.by_rule.get("solver", 0),
        "solver_calls": result.solver_calls,
        "rules": dict(result.by_rule),
        "detail": result.detail,
        "counterexample": {str(k): str(v) for k, v in (result.counterexample or {}).items()},
    }

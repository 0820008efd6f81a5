"""The two queries: witness uniqueness for fixed wires, and value domains of interpreted wires.

``check_uniqueness(r1cs, reference, fixed, targets)``: is there a second satisfying witness that agrees with the
reference on ``fixed`` and differs in a target? Propagation (``tests.soundness.propagate``) decides most wires; the
connected components of what is left that hold a target go to cvc5 with "some target differs". A model is completed
into a whole witness (the reference elsewhere, abstracted hashes recomputed) and checked on the full R1CS:
``counterexample`` when it satisfies every row, ``candidate`` when not (the abstraction let it through).

``check_domain(r1cs, targets, domain)``: does any satisfying assignment put the target outside its domain, with the
inputs free except for stated assumptions? An interval pass proves the easy cases; otherwise cvc5 looks for a
violation on a slice: the rows within ``depth`` steps of the target, Poseidon rows dropped. Dropping rows only adds
solutions, so unsat on a slice is a proof; a model is a ``candidate`` unless the slice is the whole circuit (then it
is checked on the full R1CS and becomes a ``counterexample``). Domains too wide to negate in the solver (``Below``
2^64) are searched at probe values (2^64, the interval's top …): a model is a violation, no model is ``unknown``.

Statuses: ``unique``, ``in domain`` (proved); ``counterexample`` (checked on the full R1CS); ``candidate`` (found on a
slice or an abstraction, not confirmed); ``unknown`` (the solver gave up, timed out, or the probes found nothing).
Only the first two are safe.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tests.soundness.domains import Below, Domain, InSet, NotIn, OneHot, in_range, interval, probes
from tests.soundness.fmt import field_repr, trace
from tests.soundness.propagate import Propagator
from tests.soundness.slices import SearchStats, search, slice_rows
from tests.soundness.smt import Problem
from tests.soundness.structure import R1CSIndex, Terms, evaluate
from zksvs.field import FR_MODULUS
from zksvs.r1cs import R1CS

_R = FR_MODULUS
SAFE = ("unique", "in domain")
TRUST_DEPTH = 3  # a model of a shallower slice is reported only if no deeper slice could be decided either


# --- domains ---------------------------------------------------------------------------------------------------------


# --- results ---------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    """One query's verdict and its accounting.

    Attributes
    ----------
    status : str
        ``unique`` / ``in domain`` / ``counterexample`` / ``candidate`` / ``unknown``.
    query : str
        What was asked (``unique: …`` or ``domain: peer ∈ [0, 2)``).
    seconds : float
        Wall time of the query (propagation, slicing and solver).
    n_wires, n_rows : int
        Size of the R1CS.
    by_rule : Counter[str]
        Wires (and digests) fixed by each propagation rule.
    solver_wires : int
        Unknown wires handed to the solver (0 when propagation decided everything).
    solver_calls : int
        cvc5 runs.
    counterexample : dict[int, int] | None
        The second witness's differing wires (uniqueness) or the violating assignment of the slice (domain).
    detail : str
        A readable trace of the counterexample, the rule that proved the domain, or why the answer is unknown.
    """

    status: str
    query: str
    seconds: float = 0.0
    n_wires: int = 0
    n_rows: int = 0
    by_rule: Counter = field(default_factory=Counter)
    solver_wires: int = 0
    solver_calls: int = 0
    counterexample: dict[int, int] | None = None
    detail: str = ""

    @property
    def safe(self) -> bool:
        """True for ``unique`` and ``in domain``."""
        return self.status in SAFE

    @property
    def by_propagation(self) -> int:
        """Atoms fixed by propagation, the fixed ones excluded."""
        return sum(n for rule, n in self.by_rule.items() if rule != "fixed")

    def __str__(self) -> str:
        head = f"{self.query}: {self.status} ({self.seconds:.2f} s)"
        return head + ("\n" + self.detail if self.detail else "")


# --- uniqueness -----------------------------------------------------------------------------------------------------


def check_uniqueness(
    r1cs: R1CS,
    reference: Sequence[int],
    fixed: Iterable[int],
    targets: Mapping[str, Terms] | None = None,
    *,
    index: R1CSIndex | None = None,
    assume_collision_resistance: bool = True,
    timeout_s: float = 20.0,
    name: str = "",
) -> Result:
    """Is every target the same in every satisfying witness that agrees with ``reference`` on ``fixed``?

    Parameters
    ----------
    r1cs : R1CS
        The circuit.
    reference : Sequence[int]
        A satisfying witness (the first copy).
    fixed : Iterable[int]
        Wires the second copy shares with the reference (public inputs, or a gadget's inputs).
    targets : Mapping[str, Terms] | None
        Named linear combinations that must not differ (outputs, interpreted wires); None: every wire.
    index : R1CSIndex | None
        A prebuilt index of ``r1cs`` with this reference (saves its construction across queries).
    assume_collision_resistance : bool
        Let the ``collision`` rule use Poseidon's collision resistance (hashes checked against the native one).
    timeout_s : float
        Deadline per solver call.
    name : str
        Text for ``Result.query``.

    Returns
    -------
    Result
        ``unique``, ``counterexample`` (a second witness, checked on the full R1CS), ``candidate`` or ``unknown``.

    Raises
    ------
    ValueError
        ``reference`` does not satisfy ``r1cs``.
    """
    t0 = time.perf_counter()
    ref = list(reference)
    bad = r1cs.first_unsatisfied(ref)
    if bad is not None:
        raise ValueError(f"the reference witness fails row {bad[0]} ({bad[1]!r})")
    ix = index or R1CSIndex(r1cs, ref)
    if targets is None:
        targets = {r1cs.label_of_wire(w): {w: 1} for w in range(1, r1cs.n_wires)}
    res = Result("unique", name or "unique", n_wires=r1cs.n_wires, n_rows=r1cs.n_constraints)
    p = Propagator(ix, reference=ref, assume_collision_resistance=assume_collision_resistance)
    for w in fixed:
        p.fix(w, ref[w])
    p.run()
    res.by_rule = Counter(rule for atom, rule in p.rule.items() if atom < r1cs.n_wires)
    open_targets = {k: t for k, t in targets.items() if any(w not in p.known for w in t if w)}
    if open_targets:
        _solve_uniqueness(r1cs, ix, ref, p, open_targets, timeout_s, res)
    res.seconds = time.perf_counter() - t0
    return res


def _solve_uniqueness(
    r1cs: R1CS,
    ix: R1CSIndex,
    ref: list[int],
    p: Propagator,
    targets: Mapping[str, Terms],
    timeout_s: float,
    res: Result,
) -> None:
    """Hand the residual components that hold an open target to cvc5 (hashes abstracted); fill ``res``."""
    unknown = set(p.unknown_wires())
    comps = _components(ix, p, unknown)
    comp_of = {w: k for k, comp in enumerate(comps) for w in comp[0]}
    by_comp: dict[int, dict[str, Terms]] = {}
    for name, t in targets.items():
        for w in t:
            if w in comp_of:
                by_comp.setdefault(comp_of[w], {})[name] = t
    unknown_reasons = []
    for k, named in by_comp.items():
        wires, rows, facts = comps[k]
        res.solver_wires += len(wires)
        prob = Problem(p.known)
        abstracted = {ix.block_of_row[i] for i in rows if i in ix.block_of_row}
        for i in rows:
            if i not in ix.block_of_row:
                prob.add(prob.rel(*ix.rows[i]))
        for blk in abstracted:
            ins = [prob.eq(lc, evaluate(lc, ref)) for lc in blk.inputs if lc is not None]
            out = prob.eq(blk.digest, evaluate(blk.digest, ref))
            prob.add(prob.any_of([*(Problem.negate(f) for f in ins), out]))  # same inputs ⇒ same digest
            if p.cr and blk.atom in ix.trusted:
                prob.add(prob.any_of([Problem.negate(out), Problem.all_of(ins)]))  # collision resistance
        for t in facts:
            prob.add(prob.eq(_digests_expanded(ix, t)))
        prob.add(prob.any_of([prob.ne(t, evaluate(t, ref)) for t in named.values()]))
        ans = prob.solve(timeout_s)
        res.solver_calls += 1
        if ans.status == "unsat":
            res.by_rule["solver"] += len(wires)
            continue
        if ans.status == "unknown":
            unknown_reasons.append(f"{', '.join(sorted(named))[:120]}: {ans.reason}")
            continue
        assert ans.model is not None
        second = list(ref)
        for w, v in ans.model.items():
            if w < r1cs.n_wires:
                second[w] = v
        _complete(ix, second, rows, wires)
        diff = {w: second[w] for w in range(1, r1cs.n_wires) if second[w] != ref[w]}
        bad = r1cs.first_unsatisfied(second)
        res.counterexample = diff
        shown = {w: v for w, v in diff.items() if w not in ix.block_of_wire}
        body = trace({w: r1cs.label_of_wire(w) for w in shown}, ref, shown)
        if len(shown) < len(diff):
            body += f"\n  (and {len(diff) - len(shown)} Poseidon S-box wires recomputed)"
        if bad is None:
            res.status = "counterexample"
            res.detail = "second witness (reference → second):\n" + body
        else:
            res.status = "candidate"
            res.detail = f"model of the abstraction fails row {bad[0]} ({bad[1]!r}) of the full R1CS:\n" + body
        return
    if unknown_reasons:
        res.status = "unknown"
        res.detail = "solver gave up on: " + "; ".join(unknown_reasons)


def _complete(ix: R1CSIndex, values: list[int], rows: set[int], wires: set[int]) -> None:
    """Recompute, in build order, every product row ``A·B = w`` of the component whose output ``w`` is one of its
    wires: the abstracted hashes get their real values, and so does everything computed from them (a Merkle swap)."""
    for i in sorted(rows):
        a, b, c = ix.rows[i]
        if len(c) == 1:
            (w, k), *_ = c.items()
            if k == 1 and w in wires:
                values[w] = evaluate(a, values) * evaluate(b, values) % _R


def _digests_expanded(ix: R1CSIndex, terms: Terms) -> Terms:
    """A fact over atoms as a combination over wires (each digest atom replaced by its digest combination)."""
    out: Terms = {}
    for a, c in terms.items():
        if a >= ix.n_wires:
            for w, d in ix.block_of_atom(a).digest.items():
                out[w] = (out.get(w, 0) + c * d) % _R
        else:
            out[a] = (out.get(a, 0) + c) % _R
    return out


def _components(ix: R1CSIndex, p: Propagator, unknown: set[int]) -> list[tuple[set[int], set[int], list[Terms]]]:
    """Components of the unknown wires, joined by rows (a whole hash block counts as one) and pending facts.

    Returns (wires, rows, facts) per component; rows are those with an unknown wire, facts the pending ones.
    """
    parent: dict[int, int] = {w: w for w in unknown}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(ws: list[int]) -> None:
        for w in ws[1:]:
            parent[find(w)] = find(ws[0])

    rows_with: list[tuple[int, list[int]]] = []
    for i, (a, b, c) in enumerate(ix.rows):
        ws = [w for lc in (a, b, c) for w in lc if w in unknown]
        if ws:
            blk = ix.block_of_row.get(i)
            if blk is not None:  # the whole block and its digest: one abstract relation
                ws += [w for w in blk.wires if w in unknown]
            join(ws)
            rows_with.append((i, ws))
    facts = [_digests_expanded(ix, t) for t in p.pending_facts()]
    for t in facts:
        ws = [w for w in t if w in unknown]
        if ws:
            join(ws)
    comps: dict[int, tuple[set[int], set[int], list[Terms]]] = {}
    for w in unknown:
        comps.setdefault(find(w), (set(), set(), []))[0].add(w)
    for i, ws in rows_with:
        comps[find(ws[0])][1].add(i)
    for t in facts:
        ws = [w for w in t if w in unknown]
        if ws:
            comps[find(ws[0])][2].append(t)
    return list(comps.values())


# --- domains ---------------------------------------------------------------------------------------------------------


def check_domain(
    r1cs: R1CS,
    targets: Sequence[Terms],
    domain: Domain,
    *,
    assumptions: Mapping[int, Domain] | None = None,
    when: Terms | None = None,
    depths: Sequence[int | None] = (1, 2, 3, 4),
    index: R1CSIndex | None = None,
    timeout_s: float = 20.0,
    name: str = "",
) -> Result:
    """Can a satisfying assignment put ``targets`` outside ``domain`` (inputs free except ``assumptions``)?

    Parameters
    ----------
    r1cs : R1CS
        The circuit.
    targets : Sequence[Terms]
        One combination (``InSet``, ``Below``) or several (``OneHot``).
    domain : Domain
        The native domain.
    assumptions : Mapping[int, Domain] | None
        Wire → domain it is assumed to lie in (a gadget's ``Assumes``, a tree invariant, the L1's chain ids).
    when : Terms | None
        Ask only about assignments where this combination is 1 (e.g. the debit is active).
    depths : Sequence[int | None]
        Slice depths tried in turn (None: every row reachable, Poseidon rows left out); stops at the first proof, or
        at the first unknown (deeper slices are harder): a violation found on a slice of depth ≥ 3 is then reported
        as a candidate, a shallower one is not (the answer is unknown).
    index : R1CSIndex | None
        A prebuilt index.
    timeout_s : float
        Deadline per solver call.
    name : str
        Text for ``Result.query``.
    """
    t0 = time.perf_counter()
    ix = index or R1CSIndex(r1cs)
    assumptions = dict(assumptions or {})
    res = Result("unknown", name or f"domain: {domain}", n_wires=r1cs.n_wires, n_rows=r1cs.n_constraints)
    seeds = {w for t in targets for w in t if w} | {w for w in (when or {}) if w}
    full = slice_rows(ix, seeds, None)
    complete = not ix.block_of_row and len(full) == r1cs.n_constraints
    stats = SearchStats(exact=complete)
    lo_hi = interval(ix, full, targets[0], assumptions) if len(targets) == 1 else None
    if isinstance(domain, Below) and lo_hi is not None and lo_hi[0] >= 0 and lo_hi[1] < domain.bound:
        res.status, res.detail = "in domain", f"interval [{lo_hi[0]}, {lo_hi[1]}] from bit decompositions"
        res.by_rule["interval"] += 1
        res.seconds = time.perf_counter() - t0
        return res
    values = probes(domain, lo_hi)
    found = None  # (depth, rows, model) of the deepest slice with a violation
    why = ""
    for depth in depths:
        rows = full if depth is None else slice_rows(ix, seeds, depth)
        verdict = search(ix, rows, targets, domain, values, assumptions, when, timeout_s, stats)
        res.solver_calls, res.solver_wires = stats.calls, stats.max_vars
        if verdict[0] == "unsat":
            res.status = "in domain"
            res.detail = f"no violation on the slice of depth {depth} ({len(rows)} rows)"
            found = None
            break
        if verdict[0] == "unknown":  # a deeper slice only gets harder
            why = str(verdict[1])
            if found is not None and found[0] is not None and found[0] < TRUST_DEPTH:
                why += f" (the slice of depth {found[0]} had a model: too shallow to report)"
                found = None
            break
        found = (depth, rows, verdict[1])
        if depth is None or len(rows) == len(full):
            break
    if found is not None:
        depth, rows, model = found
        assert isinstance(model, dict)
        labels = {w: ix.label(w) for w in model if w < r1cs.n_wires}
        shown = {w: v for w, v in model.items() if w in labels}
        res.counterexample = shown
        vals = ", ".join(field_repr(evaluate(t, _dense(model, r1cs.n_wires))) for t in targets)
        res.status = "candidate"
        if complete and len(rows) == r1cs.n_constraints and r1cs.is_satisfied(_dense(model, r1cs.n_wires)):
            res.status = "counterexample"
        res.detail = (
            f"target = {vals} on the slice of depth {depth} ({len(rows)} rows, Poseidon rows dropped):\n"
            + trace(labels, None, _interesting(ix, shown, targets, when))
        )
    elif res.status != "in domain":
        res.status = "unknown"
        res.detail = why
    res.seconds = time.perf_counter() - t0
    return res


def _dense(model: Mapping[int, int], n: int) -> list[int]:
    out = [0] * n
    out[0] = 1
    for w, v in model.items():
        if w < n:
            out[w] = v
    return out


def _interesting(ix: R1CSIndex, model: Mapping[int, int], targets: Sequence[Terms], when: Terms | None) -> dict:
    """The target wires first, then the other wires with a non-zero value (a readable trace, not the whole slice)."""
    keys = [w for t in targets for w in t if w] + [w for w in (when or {}) if w]
    out = {w: model[w] for w in keys if w in model}
    for w, v in model.items():
        if v and len(out) < 40:
            out.setdefault(w, v)
    return out


__all__ = [
    "SAFE",
    "Below",
    "Domain",
    "InSet",
    "NotIn",
    "OneHot",
    "Result",
    "check_domain",
    "check_uniqueness",
    "in_range",
]

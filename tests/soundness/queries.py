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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from tests.soundness.fmt import field_repr, signed, trace
from tests.soundness.propagate import Contradiction, Propagator
from tests.soundness.smt import Formula, Problem
from tests.soundness.structure import R1CSIndex, Terms, evaluate
from zksvs.field import FR_MODULUS
from zksvs.r1cs import R1CS

_R = FR_MODULUS
SAFE = ("unique", "in domain")
HUBS = 8  # booleans (the busiest: kind selectors) a domain search splits on before the solver
TRUST_DEPTH = 3  # a model of a shallower slice is reported only if no deeper slice could be decided either
_FRESH = 1 << 40  # atom ids for solver-only variables (assumption bits)


# --- domains ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InSet:
    """The value is one of ``values`` (a small set: peer ∈ [0, K), slot ∈ [0, 2K), a pinned root)."""

    values: frozenset[int]
    text: str

    def holds(self, xs: Sequence[int]) -> bool:
        return xs[0] % _R in self.values

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class NotIn:
    """The value is none of ``values`` (an active append's slot − 2·chain_id ∉ {0, 1}: not a c→c tree)."""

    values: frozenset[int]
    text: str

    def holds(self, xs: Sequence[int]) -> bool:
        return xs[0] % _R not in self.values

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Below:
    """0 ≤ value < ``bound`` as an integer in [0, r) (u64: bound 2^64; an index: 2^D)."""

    bound: int
    text: str

    def holds(self, xs: Sequence[int]) -> bool:
        return xs[0] % _R < self.bound

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class OneHot:
    """The values are 0/1 with exactly one 1 (kind selectors)."""

    text: str = "one-hot"

    def holds(self, xs: Sequence[int]) -> bool:
        return all(x % _R in (0, 1) for x in xs) and sum(x % _R for x in xs) == 1

    def __str__(self) -> str:
        return self.text


Domain = InSet | NotIn | Below | OneHot


def in_range(lo: int, hi: int, text: str) -> InSet:
    """The set [lo, hi) as an ``InSet``."""
    return InSet(frozenset(range(lo, hi)), text)


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
    exact: bool = False  # domain search on the whole circuit: no over-approximation, models are checked

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
    facts = [_digests_expanded(ix, {a: c for a, c in t.items()}) for t in p._facts.values()]
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


def slice_rows(ix: R1CSIndex, wires: Iterable[int], depth: int | None) -> set[int]:
    """Rows within ``depth`` steps of ``wires`` (None: all reachable), Poseidon rows left out."""
    frontier = set(wires)
    seen = set(frontier)
    rows: set[int] = set()
    level = 0
    while frontier and (depth is None or level < depth):
        nxt: set[int] = set()
        for w in frontier:
            for i in ix.occurs[w]:
                if i in rows or i in ix.block_of_row:
                    continue
                rows.add(i)
                for lc in ix.rows[i]:
                    nxt.update(x for x in lc if x and x not in seen)
        seen |= nxt
        frontier = nxt
        level += 1
    return rows


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
    res.exact = complete
    lo_hi = _interval(ix, full, targets[0], assumptions) if len(targets) == 1 else None
    if isinstance(domain, Below) and lo_hi is not None and lo_hi[0] >= 0 and lo_hi[1] < domain.bound:
        res.status, res.detail = "in domain", f"interval [{lo_hi[0]}, {lo_hi[1]}] from bit decompositions"
        res.by_rule["interval"] += 1
        res.seconds = time.perf_counter() - t0
        return res
    probes = _probes(domain, lo_hi)
    found = None  # (depth, rows, model) of the deepest slice with a violation
    why = ""
    for depth in depths:
        rows = full if depth is None else slice_rows(ix, seeds, depth)
        verdict = _search(ix, rows, targets, domain, probes, assumptions, when, timeout_s, res)
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


def _probes(domain: Domain, lo_hi: tuple[int, int] | None) -> list[int] | None:
    """Values to try for a ``Below`` domain (None: the domain's negation is encoded directly)."""
    if not isinstance(domain, Below):
        return None
    b = domain.bound
    if lo_hi is None:
        return [b, b + 1, _R - 1]
    lo, hi = lo_hi
    vals = [v for v in (b, b + 1, hi, hi - 1) if lo <= v <= hi and v >= b]
    vals += [v % _R for v in (lo, lo + 1, -1) if lo <= v < 0]
    return sorted(set(vals)) or [b]


def _negation(prob: Problem, targets: Sequence[Terms], domain: Domain) -> Formula:
    if isinstance(domain, InSet):
        return Problem.all_of([prob.ne(targets[0], v) for v in sorted(domain.values)])
    if isinstance(domain, NotIn):
        return Problem.any_of([prob.eq(targets[0], v) for v in sorted(domain.values)])
    if isinstance(domain, OneHot):
        nonbool = [Problem.negate(prob.rel(t, _one_minus(t), {})) for t in targets]
        total: Terms = {}
        for t in targets:
            for w, c in t.items():
                total[w] = total.get(w, 0) + c
        return Problem.any_of([*nonbool, prob.ne(total, 1)])
    raise TypeError(f"no direct negation for {domain!r}")


def _one_minus(t: Terms) -> Terms:
    """1 − t."""
    out = {w: -c % _R for w, c in t.items()}
    out[0] = (1 - t.get(0, 0)) % _R
    return out


def _assumption_formula(prob: Problem, w: int, dom: Domain, fresh: list[int]) -> Formula | None:
    """The assumption as a formula over ``w`` (None when it cannot be encoded: ``Below`` other than 2^n, n ≤ 64)."""
    if isinstance(dom, InSet):
        return Problem.any_of([prob.eq({w: 1}, v) for v in sorted(dom.values)])
    if isinstance(dom, Below):
        n = (dom.bound - 1).bit_length()
        if dom.bound != 1 << n or n > 64:
            return None
        bits = [fresh[0] + i for i in range(n)]
        fresh[0] += n
        fs = [prob.rel({b: 1}, {0: 1, b: -1}, {}) for b in bits]
        recompose: Terms = {b: 1 << i for i, b in enumerate(bits)}
        recompose[w] = -1
        fs.append(prob.eq(recompose))
        return Problem.all_of(fs)
    return None


def _search(
    ix: R1CSIndex,
    rows: set[int],
    targets: Sequence[Terms],
    domain: Domain,
    probes: list[int] | None,
    assumptions: Mapping[int, Domain],
    when: Terms | None,
    timeout_s: float,
    res: Result,
) -> tuple[str, object]:
    """Look for an assignment of ``rows`` violating the domain: ("sat", model) / ("unsat", None) / ("unknown", why)."""
    cases = [None] if probes is None else probes
    unknown = []
    for v in cases:
        p = Propagator(ix, rows=rows)
        try:
            if when is not None:
                p.assume({**when, 0: (when.get(0, 0) - 1) % _R}, "when")
            if v is not None:
                p.assume({**targets[0], 0: (targets[0].get(0, 0) - v) % _R}, "probe value")
            p.run()
        except Contradiction:
            continue
        verdict = _solve_slice(ix, p, rows, targets, domain, v, assumptions, when, timeout_s, res)
        if verdict[0] == "sat":
            return verdict
        if verdict[0] == "unknown":
            unknown.append(str(verdict[1]))
    if unknown:
        return ("unknown", "; ".join(unknown[:3]))
    if probes is not None:
        return ("unknown", f"no violation at the probe values {[field_repr(x) for x in probes]} (not a proof)")
    return ("unsat", None)


def _violates(p: Propagator, targets: Sequence[Terms], domain: Domain, probe: int | None) -> bool | None:
    """Whether the known values break the domain (None while a target wire is unknown)."""
    if not all(w in p.known for t in targets for w in t):
        return None
    vals = [sum(c * p.known[w] for w, c in t.items()) % _R for t in targets]
    return probe is not None or not domain.holds(vals)


def _assumptions_hold(p: Propagator, assumptions: Mapping[int, Domain]) -> bool:
    return all(dom.holds([p.known[w]]) for w, dom in assumptions.items() if w in p.known)


Item = tuple[Terms, Terms, Terms]


def _residual(p: Propagator, rows: set[int]) -> list[Item]:
    """What still constrains the unknown atoms: rows with an unknown on both sides (known values folded in, full
    digests of dropped hashes folded into one atom) and the pending linear facts (as ``fact · 1 = 0``)."""
    items: list[Item] = []
    for i in rows:
        if p._ua[i] and p._ub[i]:
            a, b, c = (p._reduce(lc) for lc in p.ix.rows[i])
            items.append((a, b, c))
    for t in p._facts.values():
        items.append((dict(t), {0: 1}, {}))
    return items


def _solve_slice(
    ix: R1CSIndex,
    p: Propagator,
    rows: set[int],
    targets: Sequence[Terms],
    domain: Domain,
    probe: int | None,
    assumptions: Mapping[int, Domain],
    when: Terms | None,
    timeout_s: float,
    res: Result,
    *,
    split: bool = True,
) -> tuple[str, object]:
    """One propagated slice: case split on its busiest booleans (selectors), then one cvc5 call per case on the
    pruned residual."""
    if not _assumptions_hold(p, assumptions) or _violates(p, targets, domain, probe) is False:
        return ("unsat", None)
    unknown = set(p.unknown_wires())
    if not unknown:
        return ("sat", {w: v for w, v in p.known.items() if w < ix.n_wires})
    keep = {w for t in targets for w in t} | set(when or {}) | set(assumptions)
    zero_ok = {w for w, dom in assumptions.items() if dom.holds([0])}
    everything, pruned = _prune(_residual(p, rows), keep, zero_ok)
    live = everything
    if not res.exact:
        seeds = {w for t in targets for w in t if w} | {w for w in when or {} if w}
        live = _component(live, _reach(ix, p, rows, seeds, probed=probe is not None))
    if split:
        # the busiest booleans of the whole residual (the kind selectors) that the target's component holds
        degree: Counter[int] = Counter(w for it in everything for w in {w for lc in it for w in lc} if w in ix.booleans)
        mine = {w for it in live for lc in it for w in lc}
        hubs = [w for w, n in degree.most_common() if n > 1 and w in mine][:HUBS]
        if hubs:
            why: list[str] = []
            for q in _cases(p, rows, hubs):
                verdict = _solve_slice(
                    ix, q, rows, targets, domain, probe, assumptions, when, timeout_s, res, split=False
                )
                if verdict[0] == "sat":
                    return verdict
                if verdict[0] == "unknown":
                    why.append(str(verdict[1]))
            return ("unknown", why[0]) if why else ("unsat", None)
    prob = Problem(p.known)
    for a, b, c in live:
        prob.add(prob.rel(a, b, c))
    fresh = [_FRESH]
    for w, dom in assumptions.items():
        if w in prob.var_of:  # only wires the live rows still mention
            f = _assumption_formula(prob, w, dom, fresh)
            if f is None:
                return ("unknown", f"assumption {dom} on {ix.label(w)} not encodable")
            prob.add(f)
    if when is not None:
        prob.add(prob.eq(when, 1))
    prob.add(_negation(prob, targets, domain) if probe is None else prob.eq(targets[0], probe))
    res.solver_calls += 1
    res.solver_wires = max(res.solver_wires, len(prob.var_of))
    ans = prob.solve(timeout_s)
    if ans.status == "unsat":
        return ("unsat", None)
    if ans.status == "unknown":
        return ("unknown", ans.reason)
    assert ans.model is not None
    model = dict(p.known)
    model.update(ans.model)
    _back_solve(model, pruned)
    return ("sat", {w: v for w, v in model.items() if w < ix.n_wires})


def _cases(p: Propagator, rows: set[int], hubs: list[int]) -> Iterator[Propagator]:
    """Every consistent assignment of ``hubs``, depth first: a hub that propagation has already fixed is not split
    again (one-hot selectors give 4 cases, not 16), and a contradiction cuts its whole subtree."""
    if not hubs:
        yield p
        return
    w, rest = hubs[0], hubs[1:]
    if w in p.known:
        yield from _cases(p, rows, rest)
        return
    for b in (0, 1):
        q = p.copy(rows)
        try:
            q.fix(w, b)
            q.run()
        except Contradiction:
            continue
        yield from _cases(q, rows, rest)


def _prune(
    items: list[Item], keep: set[int], zero_ok: set[int] = frozenset()
) -> tuple[list[Item], list[tuple[Item, int]]]:
    """Drop the items that any values of their other atoms satisfy: those with an atom found in no other item, linear
    in it (in C only, or the other side constant) and not in ``keep``; or, for an atom of ``zero_ok`` (its assumed
    domain holds 0), an item that u = 0 satisfies identically (``(1 − active)·balance = 0``). Exact, not an
    over-approximation: the dropped atom is solved back from its item (``_back_solve``). Returns the items left and
    the (item, atom) pairs dropped, in order. Known values are already folded into the constant (key 0)."""
    live = list(items)
    count: Counter[int] = Counter(w for it in live for w in {w for lc in it for w in lc if w})
    pruned: list[tuple[Item, int]] = []
    changed = True
    while changed:
        changed = False
        for it in list(live):
            a, b, c = it
            for u in {w for lc in it for w in lc if w}:
                if count[u] != 1:
                    continue
                if u in keep and not (u in zero_ok and _zero_satisfies(a, b, c, u)):
                    continue
                if u not in keep and not _solvable_for(a, b, c, u):
                    continue
                live.remove(it)
                pruned.append((it, u))
                count.subtract({w for lc in it for w in lc if w})
                changed = True
                break
    return live, pruned


def _reach(ix: R1CSIndex, p: Propagator, rows: set[int], seeds: set[int], *, probed: bool) -> set[int]:
    """The unknown seeds and, when the target was fixed by a probe value, the unknown atoms of the slice rows that
    hold it (the nonce rule beside a probed nonce_after). The rest connects through the residual items
    (``_component``), never through rows the propagation has already resolved, nor through a seed that a case
    split fixed (a kind selector would reach every part of the slot)."""
    reach = {w for w in seeds if w not in p.known}
    if probed:
        for w in seeds:
            for i in ix.occurs[w]:
                if i in rows:
                    reach |= {x for lc in ix.rows[i] for x in lc if x and x not in p.known}
    reach |= {ix.digest_wires[w].atom for w in reach if w in ix.digest_wires}
    return reach


def _component(items: list[Item], seeds: set[int]) -> list[Item]:
    """The items connected to ``seeds`` through shared atoms. The others constrain atoms no target depends on:
    dropping them is an over-approximation (a proof stays a proof; a violation stays a candidate)."""
    reach = set(seeds)
    todo = list(items)
    changed = True
    while changed:
        changed = False
        rest = []
        for it in todo:
            atoms = {w for lc in it for w in lc if w}
            if atoms & reach:
                reach |= atoms
                changed = True
            else:
                rest.append(it)
        todo = rest
    return [it for it in items if {w for lc in it for w in lc if w} & reach]


def _zero_satisfies(a: Terms, b: Terms, c: Terms, u: int) -> bool:
    """True when u = 0 satisfies a·b = c whatever the other atoms are: c is u alone (or empty) and a or b is u."""
    return set(c) <= {u} and (set(a) == {u} or set(b) == {u})


def _solvable_for(a: Terms, b: Terms, c: Terms, u: int) -> bool:
    """True when a·b = c can be solved for ``u`` whatever the other atoms are (a side without atoms is constant)."""
    if u not in a and u not in b:
        return bool(c.get(u, 0) % _R)
    for x, y in ((a, b), (b, a)):
        if set(x) <= {0}:
            return (x.get(0, 0) * y.get(u, 0) - c.get(u, 0)) % _R != 0
    return False


def _back_solve(model: dict[int, int], pruned: list[tuple[Item, int]]) -> None:
    """Give the pruned atoms the values their items force (latest pruned first); atoms never assigned read 0."""
    for item, u in reversed(pruned):
        model[u] = 0
        f0 = _item_residual(item, model)
        if f0 == 0:
            continue  # u = 0 satisfies it (always so for a zero-satisfiable item)
        model[u] = 1
        f1 = _item_residual(item, model)  # a·b − c is affine in u
        model[u] = -f0 * pow((f1 - f0) % _R, -1, _R) % _R


def _item_residual(item: Item, model: Mapping[int, int]) -> int:
    va, vb, vc = (sum(k * (1 if w == 0 else model.get(w, 0)) for w, k in lc.items()) % _R for lc in item)
    return (va * vb - vc) % _R


def _interval(
    ix: R1CSIndex, rows: set[int], target: Terms, assumptions: Mapping[int, Domain]
) -> tuple[int, int] | None:
    """An integer interval [lo, hi] (hi − lo < r; lo may be negative: read mod r) holding ``target``, or None.

    Booleans are [0, 1]; assumptions seed their wires; a linear row gives a wire with coefficient ±1 the interval
    of the rest when every other wire has one and no product wraps. Each wire keeps its narrowest interval (two
    intervals are never intersected: they may stand for the same set at different offsets).
    """
    iv: dict[int, tuple[int, int]] = {0: (1, 1)}
    for w in ix.booleans:
        iv[w] = (0, 1)
    for w, dom in assumptions.items():
        if isinstance(dom, Below):
            iv[w] = (0, dom.bound - 1)
        elif isinstance(dom, InSet):
            vs = [signed(v) for v in dom.values]
            iv[w] = (min(vs), max(vs))
    linear = []
    for i in rows:
        a, b, c = ix.rows[i]
        for x, y in ((a, b), (b, a)):
            if set(x) <= {0}:
                k = x.get(0, 0)
                fact = {w: k * v % _R for w, v in y.items()}
                for w, v in c.items():
                    fact[w] = (fact.get(w, 0) - v) % _R
                linear.append({w: signed(v) for w, v in fact.items() if v % _R})
                break
    for _ in range(6):
        changed = False
        for fact in linear:
            for u, cu in fact.items():
                if u == 0 or cu not in (1, -1):
                    continue
                span = _span({w: -c * cu for w, c in fact.items() if w != u}, iv)
                if span is None:
                    continue
                old = iv.get(u)
                if old is None or span[1] - span[0] < old[1] - old[0]:
                    iv[u] = span
                    changed = True
        if not changed:
            break
    best = _span({w: signed(c) for w, c in target.items()}, iv)
    tw = [w for w in target if w]
    for fact in linear if len(tw) > 1 else ():
        # fact = k·target + rest (k = ±1) gives target = −rest/k
        k = fact.get(tw[0], 0) * pow(target[tw[0]], -1, _R) % _R if tw[0] in fact else 0
        if signed(k) not in (1, -1) or any((fact.get(w, 0) - k * target[w]) % _R for w in tw):
            continue
        rest = {w: c for w, c in fact.items() if w not in tw or w == 0}
        rest[0] = rest.get(0, 0) - signed(k * target.get(0, 0))
        span = _span({w: -c * signed(k) for w, c in rest.items() if c}, iv)
        if span is not None and (best is None or span[1] - span[0] < best[1] - best[0]):
            best = span
    return best


def _span(terms: Mapping[int, int], iv: Mapping[int, tuple[int, int]]) -> tuple[int, int] | None:
    lo = hi = 0
    for w, c in terms.items():
        if w not in iv or abs(c) > 1 << 128:
            return None
        a, b = iv[w][0] * c, iv[w][1] * c
        lo += min(a, b)
        hi += max(a, b)
    if hi - lo >= _R:
        return None
    return lo, hi

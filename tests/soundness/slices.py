"""Domain search on a slice: the rows near a target, Poseidon rows dropped, propagated, case split on the kind
selectors, pruned, and handed to cvc5 with the domain's negation (``tests.soundness.queries.check_domain``).

Every step keeps "no model" a proof for the whole circuit: a slice only drops rows; pruning drops a row only when a
wire private to it can always satisfy it (the wire is solved back into the model); the component restriction drops
rows that share no unknown with the target. A model is therefore a violation of the slice, a candidate for the
whole circuit (checked there when the slice is the whole circuit).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from tests.soundness.domains import Domain, assumption_formula, negation
from tests.soundness.fmt import field_repr
from tests.soundness.propagate import Contradiction, Propagator
from tests.soundness.smt import Problem
from tests.soundness.structure import R1CSIndex, Terms
from zksvs.field import FR_MODULUS

_R = FR_MODULUS
HUBS = 8  # booleans (the busiest: kind selectors) a domain search splits on before the solver
_FRESH = 1 << 40  # atom ids for solver-only variables (assumption bits)

Item = tuple[Terms, Terms, Terms]
Verdict = tuple[str, object]


@dataclass
class SearchStats:
    """What a search spent: cvc5 calls and the largest problem (variables); ``exact`` when the slice is the whole
    circuit (then no component restriction: a model must hold on every row)."""

    exact: bool = False
    calls: int = 0
    max_vars: int = 0


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


def search(
    ix: R1CSIndex,
    rows: set[int],
    targets: Sequence[Terms],
    domain: Domain,
    probes: list[int] | None,
    assumptions: Mapping[int, Domain],
    when: Terms | None,
    timeout_s: float,
    stats: SearchStats,
) -> Verdict:
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
        verdict = _solve_slice(ix, p, rows, targets, domain, v, assumptions, when, timeout_s, stats)
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


def _residual(p: Propagator, rows: set[int]) -> list[Item]:
    """What still constrains the unknown atoms: rows with an unknown on both sides (known values folded in, full
    digests of dropped hashes folded into one atom) and the pending linear facts (as ``fact · 1 = 0``)."""
    items: list[Item] = []
    for i in p.open_rows(rows):
        a, b, c = (p.reduce(lc) for lc in p.ix.rows[i])
        items.append((a, b, c))
    for t in p.pending_facts():
        items.append((t, {0: 1}, {}))
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
    stats: SearchStats,
    *,
    split: bool = True,
) -> Verdict:
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
    if not stats.exact:
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
                    ix, q, rows, targets, domain, probe, assumptions, when, timeout_s, stats, split=False
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
            f = assumption_formula(prob, w, dom, fresh)
            if f is None:
                return ("unknown", f"assumption {dom} on {ix.label(w)} not encodable")
            prob.add(f)
    if when is not None:
        prob.add(prob.eq(when, 1))
    prob.add(negation(prob, targets, domain) if probe is None else prob.eq(targets[0], probe))
    stats.calls += 1
    stats.max_vars = max(stats.max_vars, len(prob.var_of))
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

"""Native value domains of interpreted wires, their negations for the solver, and an interval pass that proves
the easy ones (``tests.soundness.queries.check_domain``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tests.soundness.fmt import signed
from tests.soundness.smt import Formula, Problem
from tests.soundness.structure import R1CSIndex, Terms
from zksvs.field import FR_MODULUS

_R = FR_MODULUS


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


def probes(domain: Domain, lo_hi: tuple[int, int] | None) -> list[int] | None:
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


def negation(prob: Problem, targets: Sequence[Terms], domain: Domain) -> Formula:
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


def assumption_formula(prob: Problem, w: int, dom: Domain, fresh: list[int]) -> Formula | None:
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


def interval(ix: R1CSIndex, rows: set[int], target: Terms, assumptions: Mapping[int, Domain]) -> tuple[int, int] | None:
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

"""Propagation: which wires the constraints (and fixed values) already force, and by which rule.

Picus' "uniqueness propagation" on a concrete first copy: the checker's first witness is the reference (a satisfying
witness), so a wire is *unique* exactly when every satisfying witness that agrees with the reference on the fixed
wires agrees with it on that wire too. Propagation derives such wires without a solver; each derived value is
checked against the reference (a mismatch is a bug in a rule, raised at once). Without a reference (domain probes)
the same rules compute values from the fixed ones.

Rules (the name recorded per wire):

- ``fixed``: given.
- ``linear``: a row A·B = C whose A or B is known is linear; with one unknown atom left it fixes it (``x·inv = 1``,
  ``(1 − s)·p = 0`` with s known, the unknown only in C …).
- ``bits``: a linear fact over boolean wires with coefficients k·2^e (distinct e) has as many solutions as there are
  integers v + j·r below 2^(max e + 1) using only those bit positions: one for < 254 bits; for 254 bits the
  wrap-around x + r is a second candidate, refuted (or not) by ``probe``.
- ``sbox``: x5 = X^5 (the Poseidon S-box chain) is a bijection since gcd(5, r − 1) = 1: a known x5 fixes X.
- ``hash``: every S-box wire of a Poseidon hash known fixes its digest (forward).
- ``collision``: the assumption that Poseidon is collision resistant: a hash whose digest equals a digest the
  reference computes in a hash of the same width (the same hash, or another: two Merkle paths through one node) has
  that hash's reference inputs. Used only for hashes recognised in the R1CS and checked against the native Poseidon;
  a digest the reference never computes says nothing.
- ``gauss``: Gaussian elimination over the pending linear facts of one connected component.
- ``enumerate``: a component of ≤ 12 unknown booleans tied by linear facts with exactly one solution.
- ``probe``: setting an unknown boolean (or a decomposition) to any value other than the reference's and propagating
  over the rows near it gives a contradiction (failed-literal probing).
- ``split``: a component of ≤ 12 unknown booleans tied by linear facts with a few (≤ 32) solutions, e.g. a Merkle
  append's index bits with its predecessor's (the index is the one whose leaf is 0 while the leaf before is not):
  every solution but the reference's, propagated over all rows (elimination, enumeration, collision), gives a
  contradiction (a case split; never nested).

Every rule is sound: it only concludes what the rows (and the collision assumption) imply. What is left unknown goes
to the solver (``tests.soundness.smt``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from itertools import product

from tests.soundness.structure import R1CSIndex, Terms, evaluate
from zksvs.field import FR_MODULUS

_R = FR_MODULUS
_FIFTH_ROOT = pow(5, -1, _R - 1)  # (x^5)^e = x: 5·e ≡ 1 mod r − 1
_POW2 = {pow(2, d, _R): d for d in range(254)} | {pow(2, -d, _R): -d for d in range(1, 254)}
GAUSS_MAX_ATOMS = 160
ENUM_MAX = 12
PROBE_RADIUS = 3
SPLIT_MAX = 32


def _boolean_solutions(atoms: Sequence[int], facts: Sequence[Terms], limit: int) -> list[dict[int, int]]:
    """The 0/1 assignments of ``atoms`` that satisfy every linear fact, in order, stopping once ``limit`` + 1 are
    found (so ``len(result) > limit`` means "more than ``limit``")."""
    sols = []
    for bits in product((0, 1), repeat=len(atoms)):
        val = dict(zip(atoms, bits))
        if all((t.get(0, 0) + sum(c * val[a] for a, c in t.items() if a)) % _R == 0 for t in facts):
            sols.append(val)
            if len(sols) > limit:
                break
    return sols


class Contradiction(Exception):
    """The rows (with the values assumed so far) have no solution."""


class Propagator:
    """Forward/backward propagation over one R1CS from some fixed wires.

    Parameters
    ----------
    index : R1CSIndex
        The R1CS and its structures.
    reference : Sequence[int] | None
        The first copy (a satisfying witness) for uniqueness queries; None for domain probes.
    assume_collision_resistance : bool
        Use the ``collision`` rule (needs ``reference``).
    rows : Iterable[int] | None
        Only these rows take part (a slice); None for all.
    verify : bool
        Check every derived value against ``reference`` (off inside probes, which assume a wrong value on purpose).
    """

    def __init__(
        self,
        index: R1CSIndex,
        *,
        reference: Sequence[int] | None = None,
        assume_collision_resistance: bool = True,
        rows: Iterable[int] | None = None,
        verify: bool = True,
    ) -> None:
        self.ix = index
        self.ref = reference
        self.cr = assume_collision_resistance and reference is not None
        self.allowed: set[int] | None = None if rows is None else set(rows)
        self.verify = verify and reference is not None
        self.known: dict[int, int] = {0: 1}
        self.rule: dict[int, str] = {}
        self._queue: deque[int] = deque()
        self._queued: set[int] = set()
        self._facts: dict[int, Terms] = {}
        self._facts_of: dict[int, set[int]] = {}
        self._next = 0
        self._ambiguous: dict[int, list[dict[int, int]]] = {}  # fact id -> candidate bit assignments
        # Unknown wires left in A and B of each row; a row is worth a look when one side is fully known (it is then
        # linear; once its linear fact is taken, the fact carries it and the row is done) or its x5 is known.
        self._ua = [sum(1 for w in a if w) for a, _, _ in index.rows]
        self._ub = [sum(1 for w in b if w) for _, b, _ in index.rows]
        self._done = bytearray(len(index.rows))
        self._splitting = True  # off inside a split's cases (no nesting)
        self._split_tried: set[frozenset[int]] = set()

    # --- public ---------------------------------------------------------------------------------------------------

    def fix(self, wire: int, value: int) -> None:
        """Fix ``wire`` to ``value`` (rule ``fixed``)."""
        self._assign(wire, value % _R, "fixed")

    def assume(self, terms: Terms, rule: str = "assumed") -> None:
        """Add the linear fact Σ terms·w = 0 (wire 0 is the constant 1)."""
        self._add_fact(dict(terms), rule)

    def run(self, *, deep: bool = True) -> None:
        """Propagate to a fixpoint; ``deep`` adds elimination, enumeration and probing rounds.

        Raises
        ------
        Contradiction
            The rows and the fixed values have no common solution.
        """
        if self.allowed is None:
            self._enqueue(range(len(self.ix.rows)))
        else:
            self._enqueue(self.allowed)
        while True:
            self._drain()
            if not deep:
                return
            if self._gauss() or self._enumerate() or self._probe() or self._case_split():
                continue
            return

    def unknown_wires(self) -> list[int]:
        """Wires (of the allowed rows) with no derived value."""
        rows = range(len(self.ix.rows)) if self.allowed is None else self.allowed
        out: set[int] = set()
        for i in rows:
            for lc in self.ix.rows[i]:
                out.update(w for w in lc if w not in self.known)
        return sorted(out)

    def open_rows(self, rows: Iterable[int]) -> list[int]:
        """Those of ``rows`` still unknown on both sides (not yet a linear fact)."""
        return [i for i in rows if self._ua[i] and self._ub[i]]

    def pending_facts(self) -> list[Terms]:
        """The linear facts with two or more unknown atoms (Σ terms·atom = 0, key 0 the constant), as copies."""
        return [dict(t) for t in self._facts.values()]

    def reduce(self, terms: Terms) -> Terms:
        """``terms`` with the known atoms folded into the constant (key 0) and full digests into their atom."""
        return self._reduce(terms)

    def copy(self, rows: Iterable[int] | None = None, *, verify: bool = False) -> Propagator:
        """A copy with the same knowledge, restricted to ``rows`` (pending facts on those rows' atoms kept)."""
        out = Propagator(self.ix, reference=self.ref, assume_collision_resistance=self.cr, rows=rows, verify=verify)
        out.known = dict(self.known)
        out.rule = dict(self.rule)
        out._ua, out._ub, out._done = list(self._ua), list(self._ub), bytearray(self._done)
        if rows is None:
            keep = list(self._facts)
        else:
            atoms = {w for i in out.allowed or () for lc in self.ix.rows[i] for w in lc}
            keep = {f for a in atoms for f in self._facts_of.get(a, ())}
        for f in keep:
            out._store(dict(self._facts[f]), self._ambiguous.get(f))
        return out

    # --- assignment -----------------------------------------------------------------------------------------------

    def _assign(self, atom: int, value: int, rule: str) -> None:
        old = self.known.get(atom)
        if old is not None:
            if old != value:
                raise Contradiction(f"{self.ix.label(atom)} = {old} and {value}")
            return
        if self.verify:
            ref = self._reference_value(atom)
            if ref != value:
                raise AssertionError(
                    f"rule {rule!r} derived {self.ix.label(atom)} = {value}, the reference has {ref}: a rule is wrong "
                    "or the reference does not satisfy the R1CS"
                )
        self.known[atom] = value
        self.rule[atom] = rule
        n = self.ix.n_wires
        if atom < n:
            rows = self.ix.rows
            ua, ub, done = self._ua, self._ub, self._done
            hot = []
            for i in self.ix.occurs[atom]:
                a, b, c = rows[i]
                if atom in a:
                    ua[i] -= 1
                if atom in b:
                    ub[i] -= 1
                if not done[i] and (ua[i] == 0 or ub[i] == 0 or atom in c):
                    hot.append(i)
            self._enqueue(hot)
            blk = self.ix.digest_wires.get(atom)
            if blk is not None and blk.atom not in self.known and all(w in self.known for w in blk.digest):
                self._assign(blk.atom, sum(c * self.known[w] for w, c in blk.digest.items()) % _R, "hash")
        elif self.cr and atom in self.ix.trusted:
            self._collision(atom, value)
        for f in self._facts_of.pop(atom, ()):
            terms = self._facts.pop(f, None)
            if terms is not None:
                self._ambiguous.pop(f, None)
                for a in terms:
                    if a and a != atom:
                        self._facts_of.get(a, set()).discard(f)
                self._add_fact(terms, "linear")

    def _collision(self, atom: int, value: int) -> None:
        """A trusted hash's digest is ``value``: if the reference computes ``value`` in a trusted hash of the same
        width (this one or any other), collision resistance gives this hash that one's inputs."""
        blk = self.ix.block_of_atom(atom)
        pre = self.ix.preimages().get((len(blk.inputs), value))
        if pre is None:  # a digest the reference never computes: different inputs, nothing more to say
            return
        for lc, v in zip(blk.inputs, pre):
            if lc is None:
                if v:
                    raise Contradiction(f"{blk.name}: a constant-0 input would have to be {v}")
                continue
            fact = dict(lc)
            fact[0] = (fact.get(0, 0) - v) % _R
            self._add_fact(fact, "collision")

    def _reference_value(self, atom: int) -> int:
        assert self.ref is not None
        if atom < self.ix.n_wires:
            return self.ref[atom]
        return evaluate(self.ix.block_of_atom(atom).digest, self.ref)

    # --- rows -----------------------------------------------------------------------------------------------------

    def _enqueue(self, rows: Iterable[int]) -> None:
        allowed = self.allowed
        for i in rows:
            if i not in self._queued and (allowed is None or i in allowed):
                self._queued.add(i)
                self._queue.append(i)

    def _drain(self) -> None:
        while self._queue:
            i = self._queue.popleft()
            self._queued.discard(i)
            self._row(i)

    def _split(self, lc: Terms) -> tuple[int, bool]:
        """(value of the known part, whether an unknown wire remains)."""
        known = self.known
        v, unknown = 0, False
        for w, c in lc.items():
            x = known.get(w)
            if x is None:
                unknown = True
            else:
                v += c * x
        return v % _R, unknown

    def _row(self, i: int) -> None:
        if self._done[i]:
            return
        a, b, c = self.ix.rows[i]
        au, bu = self._ua[i] > 0, self._ub[i] > 0
        if au and bu:
            if len(c) == 1:
                chain = self.ix.sbox_of_x5.get(next(iter(c)))
                if chain is not None and chain.x5 in self.known:
                    x = pow(self.known[chain.x5], _FIFTH_ROOT, _R)
                    fact = dict(chain.x)
                    fact[0] = (fact.get(0, 0) - x) % _R
                    self._add_fact(fact, "sbox")
            return
        self._done[i] = 1
        av = self._split(a)[0] if not au else 0
        bv = self._split(b)[0] if not bu else 0
        if not au and not bu:
            fact = {w: -k for w, k in c.items()}
            fact[0] = (fact.get(0, 0) + av * bv) % _R
        else:
            k, other = (av, b) if not au else (bv, a)
            fact = {w: -x for w, x in c.items()}
            if k:
                for w, x in other.items():
                    fact[w] = fact.get(w, 0) + k * x
        self._add_fact(fact, "linear")

    # --- facts ----------------------------------------------------------------------------------------------------

    def _reduce(self, terms: Terms) -> Terms:
        """Substitute known atoms (into key 0) and fold full digests of unknown hashes into their digest atom."""
        known = self.known
        out: Terms = {}
        const = 0
        digest_hits = None
        for w, c in terms.items():
            c %= _R
            if not c:
                continue
            x = known.get(w)
            if x is not None:
                const += c * x
            else:
                out[w] = c
                if w in self.ix.digest_wires:
                    digest_hits = True
        if digest_hits:
            for blk in {self.ix.digest_wires[w] for w in out if w in self.ix.digest_wires}:
                ws = blk.digest
                if not all(w in out for w in ws):
                    continue
                w0 = next(iter(ws))
                k = out[w0] * pow(ws[w0], -1, _R) % _R
                if all(out[w] == k * d % _R for w, d in ws.items()):
                    for w in ws:
                        del out[w]
                    x = known.get(blk.atom)
                    if x is None:
                        out[blk.atom] = k
                    else:
                        const += k * x
        const %= _R
        if const:
            out[0] = const
        return out

    def _add_fact(self, terms: Terms, rule: str) -> None:
        t = self._reduce(terms)
        const = t.pop(0, 0)
        if not t:
            if const:
                raise Contradiction(f"0 = {const}")
            return
        if len(t) == 1:
            (atom, c), *_ = t.items()
            self._assign(atom, -const * pow(c, -1, _R) % _R, rule)
            return
        cands = self._decompositions(t, const)
        if cands is not None:
            if not cands:
                raise Contradiction("no boolean decomposition")
            if len(cands) == 1:
                for w, v in cands[0].items():
                    self._assign(w, v, "bits")
                return
        t[0] = const
        self._store(t, cands)

    def _store(self, terms: Terms, cands: list[dict[int, int]] | None = None) -> None:
        f = self._next
        self._next += 1
        self._facts[f] = terms
        if cands:
            self._ambiguous[f] = cands
        for a in terms:
            if a:
                self._facts_of.setdefault(a, set()).add(f)

    def _decompositions(self, t: Terms, const: int) -> list[dict[int, int]] | None:
        """All boolean solutions of Σ t·w + const = 0 when t is k·2^e over distinct e on boolean wires, else None."""
        if not all(w in self.ix.booleans for w in t):
            return None
        items = list(t.items())
        c0 = items[0][1]
        inv0 = pow(c0, -1, _R)
        d = {}
        for w, c in items:
            e = _POW2.get(c * inv0 % _R)
            if e is None:
                return None
            d[w] = e
        m = min(d.values())
        exps = {w: e - m for w, e in d.items()}
        if len(set(exps.values())) != len(exps):
            return None
        k = c0 * pow(2, m, _R) % _R if m >= 0 else c0 * pow(pow(2, -m, _R), -1, _R) % _R
        v = -const * pow(k, -1, _R) % _R
        top = 1 << (max(exps.values()) + 1)
        mask = sum(1 << e for e in exps.values())
        out = []
        while v < top:
            if v & ~mask == 0:
                out.append({w: (v >> e) & 1 for w, e in exps.items()})
            v += _R
        return out

    # --- deep rounds ----------------------------------------------------------------------------------------------

    def _components(self, fact_ids: Iterable[int]) -> list[tuple[list[int], list[int]]]:
        """Connected components (atoms, fact ids) of the given facts over their unknown atoms."""
        parent: dict[int, int] = {}

        def find(x: int) -> int:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        ids = list(fact_ids)
        for f in ids:
            atoms = [a for a in self._facts[f] if a]
            for a in atoms[1:]:
                parent[find(a)] = find(atoms[0])
            find(atoms[0])
        groups: dict[int, tuple[list[int], list[int]]] = {}
        for a in list(parent):
            groups.setdefault(find(a), ([], []))[0].append(a)
        for f in ids:
            a0 = next(a for a in self._facts[f] if a)
            groups[find(a0)][1].append(f)
        return list(groups.values())

    def _gauss(self) -> bool:
        """Row-reduce each small component of pending facts; assign atoms left alone in a row."""
        progress = False
        found: list[tuple[int, int]] = []
        for atoms, fids in self._components(list(self._facts)):
            if len(fids) < 2 or len(atoms) > GAUSS_MAX_ATOMS:
                continue
            col = {a: j for j, a in enumerate(atoms)}
            n = len(atoms)
            mat = []
            for f in fids:
                row = [0] * (n + 1)
                for a, c in self._facts[f].items():
                    if a:
                        row[col[a]] = c
                    else:
                        row[n] = c
                mat.append(row)
            found.extend((atoms[j], v) for j, v in _rref(mat, n))
        for a, v in found:
            if a not in self.known:
                self._assign(a, v, "gauss")
                progress = True
        self._drain()
        return progress

    def _enumerate(self) -> bool:
        """Components of ≤ ENUM_MAX unknown booleans tied by facts over booleans only: assign a unique solution."""
        booleans = self.ix.booleans
        fids = [f for f, t in self._facts.items() if all(a in booleans for a in t if a)]
        progress = False
        found: list[dict[int, int]] = []
        for atoms, comp in self._components(fids):
            if len(atoms) > ENUM_MAX or any(a in self.known for a in atoms):
                continue
            sols = _boolean_solutions(atoms, [self._facts[f] for f in comp], 1)
            if not sols:
                raise Contradiction("no boolean solution")
            if len(sols) == 1:
                found.append(sols[0])
        for sol in found:
            for a, v in sol.items():
                self._assign(a, v, "enumerate")
            progress = True
        self._drain()
        return progress

    def cluster(self, atoms: Iterable[int], radius: int = PROBE_RADIUS) -> set[int]:
        """Rows within ``radius`` steps of ``atoms`` through unknown wires (digest atoms reach their hash's rows)."""
        frontier = set(atoms)
        seen_atoms = set(frontier)
        rows: set[int] = set()
        for _ in range(radius):
            nxt = set()
            for a in frontier:
                if a >= self.ix.n_wires:
                    blk = self.ix.block_of_atom(a)
                    cand = {i for w in blk.digest for i in self.ix.occurs[w]}
                else:
                    cand = self.ix.occurs[a]
                for i in cand:
                    if i in rows or (self.allowed is not None and i not in self.allowed):
                        continue
                    rows.add(i)
                    for lc in self.ix.rows[i]:
                        nxt.update(w for w in lc if w not in self.known and w not in seen_atoms)
                for f in self._facts_of.get(a, ()):
                    nxt.update(x for x in self._facts[f] if x and x not in seen_atoms)
            seen_atoms |= nxt
            frontier = nxt
        return rows

    def refutes(self, assignment: dict[int, int]) -> bool:
        """True when ``assignment`` contradicts the rows near it (a restricted copy propagates it)."""
        sub = self.copy(self.cluster(assignment))
        try:
            for a, v in assignment.items():
                sub._assign(a, v, "probe")
            sub._enqueue(sub.allowed or ())
            sub._drain()
            sub._gauss()
            sub._enumerate()
        except Contradiction:
            return True
        return False

    def _probe(self) -> bool:
        """Failed-literal probing of unknown booleans and ambiguous decompositions (needs the reference)."""
        if self.ref is None:
            return False
        progress = False
        for f, cands in list(self._ambiguous.items()):
            if f not in self._facts:
                continue
            honest = [c for c in cands if all(self.ref[w] == v for w, v in c.items())]
            if len(honest) == 1 and all(self.refutes(c) for c in cands if c is not honest[0]):
                for w, v in honest[0].items():
                    self._assign(w, v, "probe")
                progress = True
                self._drain()
        candidates = sorted({a for t in self._facts.values() for a in t if a in self.ix.booleans})
        candidates += sorted(
            w for w in self.ix.booleans if w not in self.known and (self.allowed is None or self._in_allowed(w))
        )
        done: set[int] = set()
        for w in candidates:
            if w in self.known or w in done:
                continue
            done.add(w)
            if self.refutes({w: 1 - self.ref[w]}):
                self._assign(w, self.ref[w], "probe")
                progress = True
                self._drain()
        return progress

    def _case_split(self) -> bool:
        """Case split over a small boolean component with several solutions (needs the reference): assign the
        reference's solution when ``_refuted_everywhere`` refutes every other one."""
        if self.ref is None or not self._splitting:
            return False
        booleans = self.ix.booleans
        fids = [f for f, t in self._facts.items() if all(a in booleans for a in t if a)]
        for atoms, comp in self._components(fids):
            key = frozenset(atoms)
            if len(atoms) > ENUM_MAX or key in self._split_tried or any(a in self.known for a in atoms):
                continue
            self._split_tried.add(key)
            sols = _boolean_solutions(atoms, [self._facts[f] for f in comp], SPLIT_MAX)
            if len(sols) > SPLIT_MAX:
                continue
            honest = {a: self.ref[a] for a in atoms}
            if all(self._refuted_everywhere(sol) for sol in sols if sol != honest):
                for a, v in honest.items():
                    self._assign(a, v, "split")
                self._drain()
                return True
        return False

    def _refuted_everywhere(self, assignment: dict[int, int]) -> bool:
        """True when ``assignment``, propagated over every allowed row with elimination and enumeration rounds (no
        probes, no nested split), gives a contradiction."""
        sub = self.copy(self.allowed)
        sub._splitting = False
        try:
            for a, v in assignment.items():
                sub._assign(a, v, "split")
            sub._drain()
            while sub._gauss() or sub._enumerate():
                pass
        except Contradiction:
            return True
        return False

    def _in_allowed(self, w: int) -> bool:
        assert self.allowed is not None
        return any(i in self.allowed for i in self.ix.occurs[w])


def _rref(mat: list[list[int]], n: int) -> list[tuple[int, int]]:
    """Reduce [A | c] (rows Σ A·x + c = 0) mod r; return (column, value) for every row left with one column.

    Raises
    ------
    Contradiction
        A row reduces to 0 = c ≠ 0.
    """
    r = 0
    pivots = []
    for col in range(n):
        piv = next((i for i in range(r, len(mat)) if mat[i][col]), None)
        if piv is None:
            continue
        mat[r], mat[piv] = mat[piv], mat[r]
        inv = pow(mat[r][col], -1, _R)
        mat[r] = [x * inv % _R for x in mat[r]]
        for i in range(len(mat)):
            if i != r and mat[i][col]:
                f = mat[i][col]
                mat[i] = [(x - f * y) % _R for x, y in zip(mat[i], mat[r])]
        pivots.append(col)
        r += 1
    for row in mat[r:]:
        if row[n]:
            raise Contradiction("inconsistent linear facts")
    out = []
    for i, col in enumerate(pivots):
        if sum(1 for x in mat[i][:n] if x) == 1:
            out.append((col, -mat[i][n] % _R))
    return out

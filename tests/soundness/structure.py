"""What the checker reads off an R1CS before it propagates: occurrences, boolean wires, S-box chains, Poseidon hashes.

Everything here is structural (coefficients and, for Poseidon, the wire labels the gadget documents:
``<name>/round[k]/sbox[i]/x2|x4|x5``, ``circuits.gadgets.poseidon``). A recognised hash is checked against the native
``zksvs.poseidon.poseidon`` on the reference witness before the propagation may use it, so a misread block is
dropped, never trusted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from zksvs.field import FR_MODULUS
from zksvs.poseidon import poseidon, poseidon_params
from zksvs.r1cs import R1CS

_R = FR_MODULUS
_SBOX = re.compile(r"^(.*)/round\[(\d+)\]/sbox\[(\d+)\]/x([245])$")

Terms = dict[int, int]
EMPTY_LEVELS = 32


@dataclass(frozen=True)
class SboxChain:
    """x2 = X·X, x4 = x2·x2, x5 = x4·X: three rows computing x5 = X^5 (a bijection of Fr: gcd(5, r − 1) = 1)."""

    x: Terms
    x2: int
    x4: int
    x5: int


@dataclass(eq=False)
class HashBlock:
    """One circomlib Poseidon hash found in the R1CS.

    Attributes
    ----------
    name : str
        The namespace of its S-box wires (``slot[0]/debit/path_before/level[1]/poseidon``).
    inputs : list[Terms]
        The input combinations (the round-0 S-box arguments less their round constant), in order; None where the
        input is a constant (its S-box folded away).
    digest : Terms
        state[0] after the last round: Σ_j mds[0][j]·x5_j over the last round's S-box wires.
    rows : set[int]
        Indices of its constraints (all S-box rows).
    wires : set[int]
        Its internal wires (every x2, x4, x5).
    atom : int
        The id of its digest as a propagation atom (≥ n_wires).
    """

    name: str
    inputs: list[Terms | None]
    digest: Terms
    rows: set[int] = field(default_factory=set)
    wires: set[int] = field(default_factory=set)
    atom: int = -1


class R1CSIndex:
    """Occurrence lists and the structures above for one R1CS (built once, shared by every query on it).

    Parameters
    ----------
    r1cs : R1CS
        The constraint system.
    reference : Sequence[int] | None
        A satisfying witness. Hash blocks are kept only if their digest equals the native Poseidon of their inputs
        on it (constant inputs are taken as 0, the only constant our circuits feed a hash); without a reference no
        block is trusted for injectivity (``trusted`` is empty) but all are known for slicing.
    """

    def __init__(self, r1cs: R1CS, reference: Sequence[int] | None = None) -> None:
        self.r1cs = r1cs
        self.n_wires = r1cs.n_wires
        self.rows = [(k.a.terms, k.b.terms, k.c.terms) for k in r1cs.constraints]
        self.occurs: list[list[int]] = [[] for _ in range(r1cs.n_wires)]
        for i, (a, b, c) in enumerate(self.rows):
            for w in {*a, *b, *c}:
                if w:
                    self.occurs[w].append(i)
        self.booleans = self._booleans()
        self.sbox_of_x5 = self._sbox_chains()
        self.blocks = self._hash_blocks()
        for j, blk in enumerate(self.blocks):
            blk.atom = self.n_wires + j
        self.block_of_row: dict[int, HashBlock] = {i: blk for blk in self.blocks for i in blk.rows}
        self.block_of_wire: dict[int, HashBlock] = {w: blk for blk in self.blocks for w in blk.wires}
        self.digest_wires: dict[int, HashBlock] = {w: blk for blk in self.blocks for w in blk.digest}
        self.trusted: set[int] = set()
        self._preimages: dict[tuple[int, int], tuple[int, ...]] | None = None
        self._reference = None if reference is None else list(reference)
        if reference is not None:
            self.trusted = {blk.atom for blk in self.blocks if _native_matches(blk, reference)}

    def preimages(self) -> dict[tuple[int, int], tuple[int, ...]]:
        """(arity, digest) → input values of every trusted hash on the reference (constant inputs as 0; cached).

        Under collision resistance a hash of that arity with that digest anywhere in a second witness has these
        inputs, whichever block computed it in the reference (two Merkle paths through one node share it). The roots
        of empty binary subtrees (z₀ = 0, zₖ₊₁ = Poseidon(zₖ, zₖ), ``EMPTY_LEVELS`` levels) are public constants and
        are added too: a path that turns into the empty part of a tree then reaches its 0 leaves.
        """
        if self._preimages is None:
            out: dict[tuple[int, int], tuple[int, ...]] = {}
            z = 0
            for _ in range(EMPTY_LEVELS):
                out[(2, poseidon([z, z]))] = (z, z)
                z = poseidon([z, z])
            for blk in self.blocks:
                if blk.atom in self.trusted:
                    ins = tuple(0 if lc is None else evaluate(lc, self._reference) for lc in blk.inputs)
                    out[(len(ins), evaluate(blk.digest, self._reference))] = ins
            self._preimages = out
        return self._preimages

    def block_of_atom(self, atom: int) -> HashBlock:
        """The hash block whose digest atom is ``atom``."""
        return self.blocks[atom - self.n_wires]

    def label(self, atom: int) -> str:
        """A wire's label, or ``<block name>/digest`` for a digest atom."""
        if atom >= self.n_wires:
            return self.block_of_atom(atom).name + "/digest"
        return self.r1cs.label_of_wire(atom)

    # --- recognisers --------------------------------------------------------------------------------------------

    def _booleans(self) -> set[int]:
        """Wires constrained to {0, 1} by a row w·(1 − w) = 0, (1 − w)·w = 0 or w·w = w."""
        out: set[int] = set()
        for a, b, c in self.rows:
            if len(a) == 1 and len(b) <= 2:
                for x, y in ((a, b), (b, a)):
                    (w, cw), *_ = x.items()
                    boolean = (not c and y == {0: 1, w: _R - 1}) or (y == {w: 1} and c == {w: 1})
                    if w and cw == 1 and boolean:
                        out.add(w)
        return out

    def _sbox_chains(self) -> dict[int, SboxChain]:
        """Every x2 = X·X, x4 = x2·x2, x5 = x4·X chain, keyed by its x5 wire."""
        square: dict[int, Terms] = {}  # x2 wire -> X, for rows X·X = x2
        fourth: dict[int, int] = {}  # x2 wire -> x4 wire, for rows x2·x2 = x4
        for a, b, c in self.rows:
            if a == b and len(c) == 1:
                (w, cw), *_ = c.items()
                if w and cw == 1:
                    if len(a) == 1 and next(iter(a.values())) == 1 and next(iter(a)) in square:
                        fourth[next(iter(a))] = w
                    square.setdefault(w, a)
        out: dict[int, SboxChain] = {}
        x4_of = {x4: x2 for x2, x4 in fourth.items()}
        for a, b, c in self.rows:
            if len(c) != 1 or next(iter(c.values())) != 1:
                continue
            x5 = next(iter(c))
            for p, q in ((a, b), (b, a)):
                if len(p) == 1 and next(iter(p.values())) == 1 and next(iter(p)) in x4_of:
                    x4 = next(iter(p))
                    x2 = x4_of[x4]
                    if square.get(x2) == q:
                        out[x5] = SboxChain(q, x2, x4, x5)
        return out

    def _hash_blocks(self) -> list[HashBlock]:
        """Poseidon hashes by their S-box labels; each must have a full last round of t S-boxes."""
        labels = self.r1cs.wire_labels or []
        groups: dict[str, dict[tuple[int, int, int], int]] = {}
        for w, label in enumerate(labels):
            m = _SBOX.match(label) if label and "/sbox[" in label else None
            if m:
                groups.setdefault(m.group(1), {})[(int(m.group(2)), int(m.group(3)), int(m.group(4)))] = w
        x2_row = {}  # x2 wire -> its row
        for i, (a, b, c) in enumerate(self.rows):
            if a == b and len(c) == 1:
                x2_row.setdefault(next(iter(c)), i)
        blocks = []
        for name, wires in groups.items():
            last = max(k for k, _, _ in wires)
            t = 1 + max(i for k, i, _ in wires if k == last)
            if t < 2 or any((last, i, e) not in wires for i in range(t) for e in (2, 4, 5)):
                continue
            p = poseidon_params(t)
            if p.n_rounds != last + 1:
                continue
            digest: Terms = {}
            for j in range(t):
                w5 = wires[(last, j, 5)]
                digest[w5] = p.mds[0][j] % _R
            inputs: list[Terms | None] = []
            for i in range(1, t):
                w2 = wires.get((0, i, 2))
                if w2 is None:
                    inputs.append(None)
                    continue
                a = dict(self.rows[x2_row[w2]][0])
                a[0] = (a.get(0, 0) - p.round_constants[i]) % _R
                if not a[0]:
                    del a[0]
                inputs.append(a)
            blk = HashBlock(name, inputs, digest)
            blk.wires = set(wires.values())
            for w in blk.wires:
                blk.rows.update(i for i in self.occurs[w] if _row_inside(self.rows[i], blk.wires))
            blocks.append(blk)
        return blocks


def _row_inside(row: tuple[Terms, Terms, Terms], wires: set[int]) -> bool:
    """True when the row's C is one of ``wires`` (an S-box row of the block, whatever its arguments)."""
    c = row[2]
    return len(c) == 1 and next(iter(c)) in wires


def evaluate(terms: Terms, values: Sequence[int]) -> int:
    """⟨terms, values⟩ mod r."""
    return sum(c * values[w] for w, c in terms.items()) % _R


def _native_matches(blk: HashBlock, reference: Sequence[int]) -> bool:
    ins = [0 if lc is None else evaluate(lc, reference) for lc in blk.inputs]
    return poseidon(ins) == evaluate(blk.digest, reference)

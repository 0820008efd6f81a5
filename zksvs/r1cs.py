"""Rank-1 constraint systems over Fr: linear combinations, constraints with labels, satisfaction and lint checks.

A constraint says ⟨A_k, w⟩ · ⟨B_k, w⟩ = ⟨C_k, w⟩ for the full witness ``w`` (wire 0 is the constant 1). Wires are
laid out as circom/snarkjs do (DESIGN.md §2): wire 0 = 1, then ``n_public`` public wires (outputs first, then public
inputs), then private wires. Constraint labels are namespace paths (``"slot[3]/transfer/range/bit[7]"``) so that a
failing witness names the rule it breaks (arkworks ``which_is_unsatisfied``).

References
----------
iden3 r1cs binary format (github.com/iden3/r1csfile); arkworks ``relations/src/gr1cs/constraint_system.rs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.limbs import ints_to_limbs

_R = FR_MODULUS


class LinearCombination:
    """A sparse linear combination Σ coeff_i · wire_i over Fr.

    ``terms`` maps wire index → coefficient in [1, r); zero coefficients are dropped. Wire 0 carries constants.
    Supports ``+``, ``-``, unary ``-`` and multiplication by an int (a constant), all reduced mod r.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[int, int] | None = None) -> None:
        self.terms: dict[int, int] = {}
        if terms:
            for w, c in terms.items():
                c %= _R
                if c:
                    self.terms[int(w)] = c

    @classmethod
    def constant(cls, value: int) -> LinearCombination:
        """The constant ``value`` (a multiple of wire 0)."""
        return cls({0: value})

    @classmethod
    def wire(cls, index: int, coeff: int = 1) -> LinearCombination:
        """``coeff · wire[index]``."""
        return cls({index: coeff})

    def copy(self) -> LinearCombination:
        """A shallow copy (terms dict copied)."""
        out = LinearCombination()
        out.terms = dict(self.terms)
        return out

    def __add__(self, other: LinearCombination | int) -> LinearCombination:
        other = _as_lc(other)
        out = self.copy()
        t = out.terms
        for w, c in other.terms.items():
            v = (t.get(w, 0) + c) % _R
            if v:
                t[w] = v
            else:
                t.pop(w, None)
        return out

    __radd__ = __add__

    def __neg__(self) -> LinearCombination:
        out = LinearCombination()
        out.terms = {w: _R - c for w, c in self.terms.items()}
        return out

    def __sub__(self, other: LinearCombination | int) -> LinearCombination:
        return self + (-_as_lc(other))

    def __rsub__(self, other: LinearCombination | int) -> LinearCombination:
        return _as_lc(other) + (-self)

    def __mul__(self, k: int) -> LinearCombination:
        if not isinstance(k, int):
            return NotImplemented
        k %= _R
        out = LinearCombination()
        if k:
            out.terms = {w: c * k % _R for w, c in self.terms.items()}
        return out

    __rmul__ = __mul__

    def evaluate(self, values: Sequence[int]) -> int:
        """⟨self, values⟩ mod r."""
        return sum(c * values[w] for w, c in self.terms.items()) % _R

    def wires(self) -> Iterator[int]:
        """The wire indices with a non-zero coefficient."""
        return iter(self.terms)

    def is_constant(self) -> bool:
        """True when only wire 0 appears (or the combination is zero)."""
        return all(w == 0 for w in self.terms)

    def constant_value(self) -> int:
        """The coefficient of wire 0."""
        return self.terms.get(0, 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearCombination) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    def __repr__(self) -> str:
        inner = " + ".join(f"{c}·w{w}" for w, c in sorted(self.terms.items())) or "0"
        return f"LC({inner})"


def _as_lc(x: LinearCombination | int) -> LinearCombination:
    if isinstance(x, LinearCombination):
        return x
    if isinstance(x, int):
        return LinearCombination.constant(x)
    raise TypeError(f"Expected a LinearCombination or int, but got object of type {type(x).__name__}")


@dataclass(frozen=True)
class Constraint:
    """One R1CS row ``a · b = c`` with its label."""

    a: LinearCombination
    b: LinearCombination
    c: LinearCombination
    label: str = ""

    def is_satisfied(self, values: Sequence[int]) -> bool:
        """True when ⟨a, w⟩·⟨b, w⟩ ≡ ⟨c, w⟩ (mod r)."""
        return self.a.evaluate(values) * self.b.evaluate(values) % _R == self.c.evaluate(values)


@dataclass(frozen=True)
class SparseMatrix:
    """One R1CS matrix in coordinate form, ready for the prover.

    Attributes
    ----------
    rows, wires : int64[k]
        Row (constraint) and column (wire) of each non-zero entry.
    coeffs : uint64[k, 4]
        The entries, little-endian 64-bit limbs, normal (not Montgomery) form, C-contiguous.
    """

    rows: np.ndarray
    wires: np.ndarray
    coeffs: np.ndarray

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return int(self.rows.shape[0])


@dataclass(frozen=True)
class ConstraintMatrices:
    """The A, B (and optionally C) matrices of an R1CS plus its sizes: all the prover needs of a circuit.

    ``C`` may be ``None``: snarkjs's reduction sets C = A∘B pointwise, so .zkey files store only A and B.
    Public-input rows (snarkjs's ``nPublic + 1`` extra rows of A) are *not* included here; the QAP adds them.
    """

    n_constraints: int
    n_wires: int
    n_public: int
    A: SparseMatrix
    B: SparseMatrix
    C: SparseMatrix | None = None


@dataclass
class R1CS:
    """A rank-1 constraint system over Fr with circom wire order.

    Attributes
    ----------
    n_wires : int
        Total wires including wire 0 (snarkjs ``nVars``).
    n_public : int
        Public wires after wire 0: outputs then public inputs (snarkjs ``nPublic``).
    constraints : list[Constraint]
        The rows, in order.
    n_outputs : int
        How many of the public wires are circuit outputs (circom ``nOutputs``); 0 for our circuits.
    n_private_inputs : int
        Private *input* wires (circom ``nPrvInputs``), informational; 0 if unknown.
    wire_labels : list[str] | None
        Optional name per wire, for messages.
    """

    n_wires: int
    n_public: int
    constraints: list[Constraint] = field(default_factory=list)
    n_outputs: int = 0
    n_private_inputs: int = 0
    wire_labels: list[str] | None = None

    @property
    def n_constraints(self) -> int:
        """Number of constraints (rows)."""
        return len(self.constraints)

    @property
    def n_private(self) -> int:
        """Private wires (all wires after the public ones)."""
        return self.n_wires - 1 - self.n_public

    def first_unsatisfied(self, witness: Sequence[int]) -> tuple[int, str] | None:
        """The first constraint the witness violates, as ``(index, label)``, or None if all hold.

        Raises
        ------
        ValueError
            ``witness`` has the wrong length or ``witness[0] != 1``.
        """
        values = self._values(witness)
        for i, con in enumerate(self.constraints):
            if not con.is_satisfied(values):
                return i, con.label
        return None

    def is_satisfied(self, witness: Sequence[int]) -> bool:
        """True when every constraint holds for ``witness``."""
        return self.first_unsatisfied(witness) is None

    def check(self, witness: Sequence[int]) -> None:
        """Raise ``UnsatisfiedConstraint(index, label)`` for the first violated constraint, if any."""
        bad = self.first_unsatisfied(witness)
        if bad is not None:
            raise UnsatisfiedConstraint(*bad)

    def unconstrained_wires(self) -> list[int]:
        """Private wires that appear in no constraint (with a non-zero coefficient).

        Public wires are bound by the QAP's input rows (snarkjs adds one row per public wire), so only private
        wires can float free. A non-empty result means some witness value is not checked at all: an
        under-constrained circuit (gnark's commented-out ``CheckUnconstrainedWires``, implemented).
        """
        used = bytearray(self.n_wires)
        for con in self.constraints:
            for lc in (con.a, con.b, con.c):
                for w in lc.terms:
                    used[w] = 1
        return [w for w in range(1 + self.n_public, self.n_wires) if not used[w]]

    def label_of_wire(self, wire: int) -> str:
        """The wire's label, or ``"w<index>"``."""
        if self.wire_labels and wire < len(self.wire_labels) and self.wire_labels[wire]:
            return self.wire_labels[wire]
        return f"w{wire}"

    def to_matrices(self, include_c: bool = True) -> ConstraintMatrices:
        """The A, B (and C) matrices in coordinate form with limb coefficients (see ``ConstraintMatrices``)."""

        def build(which: int) -> SparseMatrix:
            rows: list[int] = []
            wires: list[int] = []
            coeffs: list[int] = []
            for i, con in enumerate(self.constraints):
                lc = (con.a, con.b, con.c)[which]
                for w, c in lc.terms.items():
                    rows.append(i)
                    wires.append(w)
                    coeffs.append(c)
            return SparseMatrix(
                np.asarray(rows, dtype=np.int64), np.asarray(wires, dtype=np.int64), ints_to_limbs(coeffs)
            )

        return ConstraintMatrices(
            self.n_constraints, self.n_wires, self.n_public, build(0), build(1), build(2) if include_c else None
        )

    def _values(self, witness: Sequence[int]) -> Sequence[int]:
        if len(witness) != self.n_wires:
            raise ValueError(f"Invalid witness length. Circuit: {self.n_wires}, witness: {len(witness)}")
        if witness[0] != 1:
            raise ValueError(f"witness[0] must be 1, not {witness[0]}")
        return witness


def lc_sum(items: Iterable[LinearCombination | int]) -> LinearCombination:
    """Σ items as one LinearCombination (faster than repeated ``+``)."""
    t: dict[int, int] = {}
    for it in items:
        for w, c in _as_lc(it).terms.items():
            t[w] = t.get(w, 0) + c
    return LinearCombination(t)

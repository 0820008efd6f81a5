"""R1CS rows and query formulas → a cvc5 finite-field problem over GF(r), solved in a child process with a deadline.

``Problem`` collects formulas over atoms (wire indices, or any other integer ids the caller chooses); atoms with a
known value are substituted, the others become solver variables. ``Problem.solve`` runs
``tests.soundness.cvc5_worker`` (the one module that imports cvc5) and returns an ``Answer``; a model is read back
as field elements in [0, r). A solver that gives up, fails or runs past the deadline is ``unknown``, never unsat.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.soundness.structure import Terms
from zksvs.field import FR_MODULUS

_R = FR_MODULUS
_ROOT = Path(__file__).resolve().parents[2]

Formula = list


@dataclass(frozen=True)
class Answer:
    """A solver verdict: ``status`` ``sat`` / ``unsat`` / ``unknown``, why (for unknown), the model, the time."""

    status: str
    reason: str
    model: dict[int, int] | None
    seconds: float


class Problem:
    """Formulas over atoms, with the known atoms substituted.

    Parameters
    ----------
    known : Mapping[int, int]
        Atom → value (wire 0 → 1 is implied).
    modulus : int
        The field's prime (r; another prime only to test the solver itself).
    """

    def __init__(self, known: Mapping[int, int] | None = None, modulus: int = _R) -> None:
        self.modulus = modulus
        self.known = dict(known or {})
        self.known[0] = 1
        self.var_of: dict[int, int] = {}
        self.assertions: list[Formula] = []

    @property
    def atoms(self) -> list[int]:
        """The atoms that became solver variables, in variable order."""
        return list(self.var_of)

    def lc(self, terms: Terms) -> list:
        """The encoded combination: known atoms folded into the constant."""
        p = self.modulus
        const = 0
        out = []
        for w, c in terms.items():
            c %= p
            if not c:
                continue
            v = self.known.get(w)
            if v is not None:
                const += c * v
            else:
                out.append([self.var_of.setdefault(w, len(self.var_of)), str(c)])
        if const % p:
            out.append([-1, str(const % p)])
        return out

    def rel(self, a: Terms, b: Terms, c: Terms) -> Formula:
        """a · b = c."""
        return ["rel", self.lc(a), self.lc(b), self.lc(c)]

    def eq(self, terms: Terms, value: int = 0) -> Formula:
        """Σ terms = value."""
        return ["eq", self.lc(terms), [[-1, str(value % self.modulus)]]]

    def ne(self, terms: Terms, value: int = 0) -> Formula:
        """Σ terms ≠ value."""
        return ["not", self.eq(terms, value)]

    @staticmethod
    def any_of(fs: list[Formula]) -> Formula:
        """Disjunction."""
        return ["or", fs]

    @staticmethod
    def all_of(fs: list[Formula]) -> Formula:
        """Conjunction."""
        return ["and", fs]

    @staticmethod
    def negate(f: Formula) -> Formula:
        """Negation."""
        return ["not", f]

    def add(self, f: Formula) -> None:
        """Assert ``f``."""
        self.assertions.append(f)

    def solve(self, timeout_s: float) -> Answer:
        """Run cvc5 on the assertions; ``unknown`` on a give-up, an error or the deadline.

        Parameters
        ----------
        timeout_s : float
            Wall-clock deadline of the child process in seconds (cvc5's own limit is set to the same).
        """
        problem = {
            "modulus": str(self.modulus),
            "n_vars": len(self.var_of),
            "assertions": self.assertions,
            "tlimit_ms": int(timeout_s * 1000),
        }
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "tests.soundness.cvc5_worker"],
                input=json.dumps(problem),
                capture_output=True,
                text=True,
                timeout=timeout_s + 5,
                cwd=_ROOT,
            )
        except subprocess.TimeoutExpired:
            return Answer("unknown", f"timeout after {timeout_s:g} s", None, time.perf_counter() - t0)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            return Answer("unknown", f"solver failed: {tail[0]}", None, dt)
        out = json.loads(proc.stdout)
        model = None
        if out["status"] == "sat":
            atoms = self.atoms
            model = {atoms[i]: int(v) % self.modulus for i, v in enumerate(out["model"])}
        return Answer(out["status"], out.get("reason", ""), model, dt)

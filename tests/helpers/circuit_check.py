"""Gadget test harness: gnark ``test.CheckCircuit`` / arkworks r1cs-std ``test_utils`` for our builder.

``check_gadget(build, valid=[…], invalid=[…], modes=…)`` builds the circuit once per case and allocation mode and
asserts that

- every valid case satisfies its R1CS, and the same build run shape-only (``with_values=False``) gives an identical
  R1CS (so no constraint depends on a witness value);
- every invalid case fails: either a constraint is identically false at build time (constant inputs) or
  ``first_unsatisfied()`` finds one; its label is reported and, if the case names one, must contain ``rejects_at``;
- ``unconstrained_wires()`` is empty for every circuit built.

``perturbation_probe(r1cs, witness)`` adds 1 to each private wire of a valid witness in turn and lists the wires
whose change no constraint notices (STYLE.md §7's under-constraint probe).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from circuits.builder import ConstraintBuilder, Mode
from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.r1cs import R1CS

ALL_MODES: tuple[Mode, ...] = (Mode.CONSTANT, Mode.PUBLIC, Mode.PRIVATE)
WIRE_MODES: tuple[Mode, ...] = (Mode.PUBLIC, Mode.PRIVATE)

Build = Callable[[ConstraintBuilder, Any, Mode], None]


@dataclass(frozen=True)
class Case:
    """One assignment for ``check_gadget``.

    Attributes
    ----------
    inputs : Any
        Passed to ``build(cb, inputs, mode)`` unchanged.
    overrides : Mapping[str, int]
        Wire label → value, applied as the wires are allocated (a malicious prover's witness). Cases with overrides
        run only in the wire modes, unless ``modes`` says otherwise: constants have no wires to tamper with.
    rejects_at : str | None
        For invalid cases: a substring the failing constraint's label must contain.
    modes : tuple[Mode, ...] | None
        Restricts the allocation modes for this case.
    """

    inputs: Any
    overrides: Mapping[str, int] = field(default_factory=dict)
    rejects_at: str | None = None
    modes: tuple[Mode, ...] | None = None


@dataclass(frozen=True)
class Outcome:
    """What ``check_gadget`` saw for one case in one mode: the failing label (None when satisfied) and the size."""

    case: Case
    mode: Mode
    label: str | None
    n_constraints: int


def _as_case(c: Case | Any) -> Case:
    return c if isinstance(c, Case) else Case(c)


def _modes_for(case: Case, modes: Sequence[Mode]) -> Sequence[Mode]:
    if case.modes is not None:
        return case.modes
    if case.overrides:
        return [m for m in modes if m is not Mode.CONSTANT]
    return modes


def assert_same_shape(a: R1CS, b: R1CS) -> None:
    """Assert two R1CS are identical: sizes, wire labels, and every constraint (coefficients and label)."""
    assert (a.n_wires, a.n_public, a.n_constraints) == (b.n_wires, b.n_public, b.n_constraints), (
        f"shape differs: {(a.n_wires, a.n_public, a.n_constraints)} vs {(b.n_wires, b.n_public, b.n_constraints)}"
    )
    assert a.wire_labels == b.wire_labels, "wire labels differ between the valued and the shape-only build"
    for i, (x, y) in enumerate(zip(a.constraints, b.constraints, strict=True)):
        assert x == y, f"constraint {i} ({x.label!r}) differs between the valued and the shape-only build"


def _check_constrained(r1cs: R1CS, where: str) -> None:
    loose = r1cs.unconstrained_wires()
    assert not loose, f"{where}: unconstrained wires {[r1cs.label_of_wire(w) for w in loose]}"


def check_gadget(
    build: Build,
    valid: Iterable[Case | Any] = (),
    invalid: Iterable[Case | Any] = (),
    *,
    modes: Sequence[Mode] = (Mode.PRIVATE,),
) -> list[Outcome]:
    """Run every case in every mode; assert valid ones satisfy and invalid ones fail. Returns the outcomes.

    Parameters
    ----------
    build : Callable[[ConstraintBuilder, Any, Mode], None]
        Allocates the case's inputs with ``cb.alloc(name, value, mode)`` (or as it likes) and applies the gadget,
        constraining its outputs against expected values where the test means to check them.
    valid, invalid : iterables of ``Case`` (or bare inputs)
    modes : allocation modes to try (``ALL_MODES``, ``WIRE_MODES`` or one).
    """
    out: list[Outcome] = []
    for case in map(_as_case, valid):
        for mode in _modes_for(case, modes):
            where = f"valid {case.inputs!r} ({mode.value})"
            cb = ConstraintBuilder(overrides=case.overrides)
            build(cb, case.inputs, mode)
            r1cs = cb.build()
            _check_constrained(r1cs, where)
            bad = r1cs.first_unsatisfied(cb.witness().values)
            assert bad is None, f"{where}: constraint {bad[0]} {bad[1]!r} unsatisfied"
            shape = ConstraintBuilder(with_values=False)
            build(shape, case.inputs, mode)
            assert_same_shape(r1cs, shape.build())
            out.append(Outcome(case, mode, None, r1cs.n_constraints))
    for case in map(_as_case, invalid):
        for mode in _modes_for(case, modes):
            where = f"invalid {case.inputs!r} {dict(case.overrides)!r} ({mode.value})"
            cb = ConstraintBuilder(overrides=case.overrides)
            try:
                build(cb, case.inputs, mode)
            except UnsatisfiedConstraint as e:
                label, n = e.label, cb.n_constraints
            else:
                r1cs = cb.build()
                _check_constrained(r1cs, where)
                bad = r1cs.first_unsatisfied(cb.witness().values)
                assert bad is not None, f"{where}: accepted, but it must be rejected"
                label, n = bad[1], r1cs.n_constraints
            if case.rejects_at is not None:
                assert case.rejects_at in label, f"{where}: rejected at {label!r}, expected at {case.rejects_at!r}"
            out.append(Outcome(case, mode, label, n))
    return out


def perturbation_probe(r1cs: R1CS, witness: Sequence[int], wires: Iterable[int] | None = None) -> list[int]:
    """Private wires whose value + 1 still satisfies every constraint that mentions them (should be empty).

    Only the constraints that touch a wire are re-evaluated, so the probe is linear in the R1CS size overall.
    """
    values = list(witness)
    assert r1cs.is_satisfied(values), "perturbation_probe needs a satisfying witness"
    touching: dict[int, list[int]] = {}
    for k, con in enumerate(r1cs.constraints):
        for w in {*con.a.terms, *con.b.terms, *con.c.terms}:
            touching.setdefault(w, []).append(k)
    survivors = []
    for w in wires if wires is not None else range(1 + r1cs.n_public, r1cs.n_wires):
        old = values[w]
        values[w] = (old + 1) % FR_MODULUS
        if all(r1cs.constraints[k].is_satisfied(values) for k in touching.get(w, [])):
            survivors.append(w)
        values[w] = old
    return survivors


def build_once(build: Callable[[ConstraintBuilder], Any], overrides: Mapping[str, int] | None = None) -> tuple:
    """Build with values; return ``(r1cs, witness, result of build)``."""
    cb = ConstraintBuilder(overrides=overrides)
    res = build(cb)
    return cb.build(), cb.witness(), res

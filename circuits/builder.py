"""ConstraintBuilder: allocate wires, state constraints under labelled namespaces, get an R1CS and its witness.

The builder plays the part of gnark's ``frontend.API`` and arkworks' ``ConstraintSystem`` in one object:

- **Wires in circom order.** Wire 0 is the constant 1, public wires come next (in allocation order), private wires
  after them (DESIGN.md §2). Gadgets may allocate a public wire after private ones; the builder numbers wires in
  allocation order internally and renumbers them once, in ``build()``.
- **Witness as you go.** Every allocation may carry a value; ``hint()`` computes a private wire from other values
  (gnark hints, arkworks witness closures). ``ConstraintBuilder(with_values=False)`` drops every value and builds
  the shape only: gadgets must produce the *same* R1CS either way (``tests/helpers/circuit_check.py`` checks it for
  every gadget), so no constraint may depend on a witness value.
- **Values in the circuit are ``Var``\\ s.** A ``Var`` is a ``LinearCombination`` over wires plus its value (or None
  in shape mode). ``+``, ``-``, unary ``-`` and multiplication by a constant stay linear and cost nothing;
  ``builder.mul(a, b)`` allocates a product wire and one constraint. ``Bool`` is a ``Var`` known to be 0 or 1
  because the gadget that made it constrained it (``circuits.gadgets.boolean``); gadgets that need booleanity take
  ``Bool`` and refuse a bare ``Var``, so the obligation is checked by type, not by docstring.
- **Constant folding** (arkworks ``AllocationMode::Constant``). Operations on constants give constants and add no
  constraint. ``enforce`` of a constraint that holds identically adds nothing; one that is identically false raises
  ``UnsatisfiedConstraint`` at once, naming its label.
- **Labels.** ``with builder.namespace("slot[3]"):`` nests; a constraint labelled ``"bit[7]"`` inside
  ``slot[3]/transfer/range`` is stored as ``"slot[3]/transfer/range/bit[7]"``, and wires get the same paths, so
  ``R1CS.first_unsatisfied()`` names the rule and ``R1CS.wire_labels`` the wires.
- **Witness-only builds.** ``ConstraintBuilder(witness_only=True)`` runs the same gadget code for the witness of a
  circuit whose R1CS is already built (``circuits.batch.assign_batch_witness``): rows are counted, not constructed
  (arkworks ``SynthesisMode::Prove { construct_matrices: false }``). ``repeat`` replays recorded sub-circuits as
  compiled straight-line code in every mode (``_Template``); ``tests/circuits/test_witness_mode.py`` checks both
  against the full build, the interpreted replay and the direct run.
- **Tampering for tests.** ``ConstraintBuilder(overrides={wire_label: value})`` replaces the value of the named
  wires as they are allocated (a malicious prover's witness); later hints see the replaced value. An override that
  names no allocated wire is an error at ``build()``/``witness()``, so a misspelt test cannot pass silently.

Examples
--------
>>> cb = ConstraintBuilder()
>>> x = cb.private("x", 3)
>>> out = cb.public("out", 35)
>>> with cb.namespace("cubic"):
...     x3 = cb.mul(cb.mul(x, x, "x2"), x, "x3")
...     cb.enforce(x3 + x + 5, 1, out, "out")
>>> r1cs, w = cb.build(), cb.witness()
>>> r1cs.n_constraints, r1cs.n_public, r1cs.is_satisfied(w.values)
(3, 1, True)

References
----------
gnark ``frontend/api.go`` (side-effect constraints, hints); arkworks r1cs-std ``src/alloc.rs`` (allocation modes,
constant folding) and ark-relations ``which_is_unsatisfied`` (namespace traces).
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.r1cs import R1CS, Constraint, LinearCombination
from zksvs.witness import Witness

_R = FR_MODULUS

__all__ = ["Bool", "ConstraintBuilder", "Mode", "Var", "gc_paused"]


class Mode(enum.Enum):
    """How an input enters the circuit (arkworks ``AllocationMode``)."""

    CONSTANT = "constant"
    PUBLIC = "public"
    PRIVATE = "private"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk build (restored on exit, also on error).

    A batch circuit allocates ~10^5 linear combinations and rows that all stay alive, and each generation-2
    collection walks the whole heap: at the demo shape the collector took ~30% of a shape-only build. Nothing built
    here forms reference cycles, so pausing frees nothing late. Nested or concurrent uses leave the collector
    enabled at the end if it was enabled before the outermost one.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _add(x: int | None, y: int | None) -> int | None:
    return None if x is None or y is None else (x + y) % _R


class Var:
    """A value in the circuit: a linear combination of wires and, when known, its value in [0, r).

    Linear operations are free and never touch the builder: ``a + b``, ``a - b``, ``-a``, ``3 * a``, ``a + 5``
    (ints are constants, reduced mod r). ``a * b`` of two non-constant Vars is not linear: use
    ``builder.mul(a, b)``. A Var has no truth value (``if var:`` raises); compare ``var.value`` instead.

    Attributes
    ----------
    lc : LinearCombination
        Over the builder's internal wire numbers (renumbered into circom order by ``ConstraintBuilder.build``).
    value : int | None
        The value under the current witness; None in shape-only mode or when an input was left unassigned.
    """

    __slots__ = ("lc", "value")

    def __init__(self, lc: LinearCombination, value: int | None) -> None:
        self.lc = lc
        self.value = value

    @classmethod
    def constant(cls, value: int) -> Var:
        """The constant ``value mod r`` (no wire, no constraint)."""
        v = int(value) % _R
        return cls(LinearCombination.constant(v), v)

    @property
    def is_constant(self) -> bool:
        """True when the Var involves no wire other than wire 0 (its value is then always known)."""
        return self.lc.is_constant()

    def __add__(self, other: Var | int) -> Var:
        o = _as_var(other)
        return Var(self.lc + o.lc, _add(self.value, o.value))

    __radd__ = __add__

    def __neg__(self) -> Var:
        return Var(-self.lc, None if self.value is None else (-self.value) % _R)

    def __sub__(self, other: Var | int) -> Var:
        return self + (-_as_var(other))

    def __rsub__(self, other: Var | int) -> Var:
        return _as_var(other) + (-self)

    def __mul__(self, other: Var | int) -> Var:
        if isinstance(other, int):
            k = other % _R
        elif isinstance(other, Var) and other.is_constant:
            k = other.lc.constant_value()
        elif isinstance(other, Var) and self.is_constant:
            return other * self
        elif isinstance(other, Var):
            raise TypeError("Var * Var is not linear: use builder.mul(a, b), which adds one constraint")
        else:
            return NotImplemented
        return Var(self.lc * k, None if self.value is None else self.value * k % _R)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        raise TypeError("a Var has no truth value (it may be a wire); compare var.value instead")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lc!r}, value={self.value})"


class Bool(Var):
    """A Var constrained to {0, 1} by the gadget that made it (``assert_bool``, ``to_bits``, ``is_zero`` …).

    Only gadgets that have added (or inherited) the booleanity constraint create Bools; gadgets whose soundness
    needs a boolean input (``select``, ``and_``, Merkle direction bits) accept Bool only. Arithmetic on a Bool gives
    a plain Var.
    """

    __slots__ = ()

    @classmethod
    def constant(cls, value: int) -> Bool:
        """The constant bit ``value`` (0 or 1)."""
        if value not in (0, 1):
            raise ValueError(f"Argument 'value' must be 0 or 1, not {value}")
        return cls(LinearCombination.constant(value), int(value))

    @classmethod
    def _trusted(cls, var: Var) -> Bool:
        """Mark ``var`` as boolean. For gadgets that have just constrained it (or proved it by construction)."""
        return cls(var.lc, var.value)


def _as_var(x: Var | int) -> Var:
    if isinstance(x, Var):
        return x
    if isinstance(x, int):
        return Var.constant(x)
    raise TypeError(f"Expected a Var or int, but got object of type {type(x).__name__}")


class ConstraintBuilder:
    """Builds one R1CS (and, with values, its witness). See the module docstring for the model.

    Parameters
    ----------
    with_values : bool
        True (default): keep the values given to allocations and run hints, so ``witness()`` works.
        False: shape only; values passed to ``public``/``private`` are ignored and hints are not run.
    overrides : Mapping[str, int] | None
        Full wire label → value, replacing the value of those wires when they are allocated (tests of wrong
        witnesses). Ignored in shape mode.
    witness_only : bool
        True: compute the witness only, for a circuit whose R1CS was built already (arkworks ``SynthesisMode::Prove
        { construct_matrices: false }``). The same gadget code runs and every wire gets the same value, but
        ``enforce`` only counts the rows it would add (constant folding included, so ``n_constraints`` and the
        ``UnsatisfiedConstraint`` of an identically false row are as in a full build) and ``repeat`` replays a
        recording's hints without substituting its constraints. ``build()`` then raises. Needs ``with_values``.

    Attributes
    ----------
    with_values : bool
        As given.
    witness_only : bool
        As given.

    Raises
    ------
    ValueError
        ``witness_only`` without ``with_values``.
    """

    def __init__(
        self, *, with_values: bool = True, overrides: Mapping[str, int] | None = None, witness_only: bool = False
    ) -> None:
        if witness_only and not with_values:
            raise ValueError("Argument 'witness_only' needs with_values=True (a witness-only build keeps values)")
        self.with_values = with_values
        self.witness_only = witness_only
        self._n_uncounted = 0  # rows a witness-only build counted but did not construct
        self._overrides = dict(overrides or {})
        self._used_overrides: set[str] = set()
        self._public: list[bool] = [False]  # internal wire -> is public; wire 0 is the constant 1
        self._labels: list[str] = ["one"]
        self._values: list[int | None] = [1]
        self._constraints: list[Constraint] = []
        self._path: list[str] = []
        self._n_public = 0
        self._n_private_inputs = 0
        self._last_public = 0  # highest internal wire allocated as public
        self._first_private = 0  # lowest internal wire allocated as private (0: none yet)
        self._recording: dict[int, tuple[Callable[..., int], tuple[LinearCombination, ...]]] | None = None

    # --- labels ---------------------------------------------------------------------------------------------------

    @contextmanager
    def namespace(self, name: str) -> Iterator[None]:
        """Nest labels under ``name`` for the ``with`` block (``"slot[3]"``, then ``"transfer"`` …)."""
        if not name or "/" in name:
            raise ValueError(f"Argument 'name' must be non-empty and contain no '/', not {name!r}")
        self._path.append(name)
        try:
            yield
        finally:
            self._path.pop()

    def label(self, name: str) -> str:
        """The full label of ``name`` in the current namespace (``"slot[3]/transfer/range/bit[7]"``)."""
        return "/".join((*self._path, name)) if self._path else name

    # --- allocation -----------------------------------------------------------------------------------------------

    def constant(self, value: int) -> Var:
        """The constant ``value mod r`` (no wire)."""
        return Var.constant(value)

    def public(self, name: str, value: int | None = None) -> Var:
        """Allocate a public input wire (numbered after wire 0, in public allocation order).

        Raises
        ------
        NonCanonicalFieldElement
            ``value`` is not an int in [0, r).
        """
        return self._alloc(name, value, public=True, is_input=True)

    def private(self, name: str, value: int | None = None) -> Var:
        """Allocate a private input wire.

        Raises
        ------
        NonCanonicalFieldElement
            ``value`` is not an int in [0, r).
        """
        return self._alloc(name, value, public=False, is_input=True)

    def alloc(self, name: str, value: int | None, mode: Mode) -> Var:
        """Allocate ``value`` as a constant, public or private input, by ``mode`` (for allocation-mode matrices)."""
        if mode is Mode.CONSTANT:
            if value is None:
                raise ValueError(f"constant input {self.label(name)!r} needs a value")
            return Var.constant(require_canonical_fr(value, self.label(name)))
        return self._alloc(name, value, public=mode is Mode.PUBLIC, is_input=True)

    def hint(self, name: str, fn: Callable[..., int], *inputs: Var | int) -> Var:
        """Allocate a private wire whose value is ``fn(*input values) mod r`` (gnark hint).

        The wire is *not* constrained: the caller must constrain it. ``fn`` runs only when every input value is
        known (never in shape mode).
        """
        value: int | None = None
        if self.with_values:
            vals = [_as_var(x).value for x in inputs]
            if all(v is not None for v in vals):
                value = int(fn(*vals)) % _R
        out = self._alloc(name, value, public=False, is_input=False)
        if self._recording is not None:
            self._recording[len(self._labels) - 1] = (fn, tuple(_as_var(x).lc for x in inputs))
        return out

    def _alloc(self, name: str, value: int | None, *, public: bool, is_input: bool) -> Var:
        label = self.label(name)
        if not self.with_values:
            value = None
        else:
            if label in self._overrides:
                value = self._overrides[label]
                self._used_overrides.add(label)
            if value is not None:
                require_canonical_fr(value, label)
        wire = len(self._labels)
        self._public.append(public)
        self._labels.append(label)
        self._values.append(value)
        if public:
            self._n_public += 1
            self._last_public = wire
        else:
            if not self._first_private:
                self._first_private = wire
            if is_input:
                self._n_private_inputs += 1
        return Var(LinearCombination.wire(wire), value)

    def _alloc_hints(self, prefix: str, labels: Sequence[str], values: Sequence[int | None]) -> None:
        """Allocate private hint wires ``prefix + labels[i]`` with reduced ``values`` (all None in shape mode) in
        one step (``repeat``'s fast path: no overrides apply, so no per-wire lookup or canonicity check)."""
        if labels and not self._first_private:
            self._first_private = len(self._labels)
        self._labels.extend([prefix + label for label in labels])
        self._values.extend(values)
        self._public.extend([False] * len(labels))

    # --- constraints ----------------------------------------------------------------------------------------------

    def enforce(self, a: Var | int, b: Var | int, c: Var | int, label: str) -> None:
        """Add the constraint ``a · b = c`` labelled ``label`` (in the current namespace).

        When ``a`` or ``b`` is constant the constraint is linear; if it then holds identically nothing is added.

        Raises
        ------
        UnsatisfiedConstraint
            The constraint is identically false (e.g. ``enforce(2, 3, 5)``, or a constant input out of range).
        """
        va, vb, vc = _as_var(a), _as_var(b), _as_var(c)
        if va.is_constant or vb.is_constant:
            k, other = (va.lc.constant_value(), vb) if va.is_constant else (vb.lc.constant_value(), va)
            residual = other.lc * k - vc.lc
            if not residual.terms:
                return
            if residual.is_constant():
                raise UnsatisfiedConstraint(self.n_constraints, self.label(label))
        if self.witness_only:
            self._n_uncounted += 1
            return
        self._constraints.append(Constraint(va.lc, vb.lc, vc.lc, self.label(label)))

    def mul(self, a: Var | int, b: Var | int, name: str = "mul") -> Var:
        """``a · b``: free when either is constant, else one new private wire ``name`` and one constraint ``name``."""
        va, vb = _as_var(a), _as_var(b)
        if va.is_constant or vb.is_constant:
            return va * vb
        out = self.hint(name, _product, va, vb)
        self.enforce(va, vb, out, name)
        return out

    def assert_equal(self, a: Var | int, b: Var | int, label: str = "equal") -> None:
        """Constrain ``a == b`` (one linear constraint ``(a − b)·1 = 0``; nothing if it holds identically)."""
        self.enforce(_as_var(a) - _as_var(b), 1, 0, label)

    # --- recorded sub-circuits -----------------------------------------------------------------------------------

    def repeat(
        self, key: Hashable, fn: Callable[[ConstraintBuilder, list[Var]], list[Var]], inputs: Sequence[Var]
    ) -> list[Var]:
        """``fn(self, inputs)``, replayed from a recording when every input is non-constant.

        A gadget applied many times (Poseidon: thousands of hashes in a batch circuit) spends most of its build time
        in the same linear algebra on linear combinations. The first call for ``key`` records ``fn`` once, shape
        only, on fresh input wires; every call then replays the recording: it allocates the same hint wires (with
        the current namespace prefixed to their labels, overrides applied), re-runs each hint on the actual
        values, and substitutes the actual input combinations into the recorded constraints. The R1CS is the one
        ``fn`` itself would build, provided ``fn`` allocates no inputs and its constant folding does not depend on
        which non-constant combinations it receives (true of gadgets whose inputs only enter linearly or through
        ``mul``); ``tests/circuits/test_poseidon.py`` checks the equality for Poseidon. With a constant input,
        ``fn`` runs directly (folding then differs per call).

        ``key`` must identify ``fn`` and every parameter it closes over (e.g. ``("poseidon_hash", t, name)``).
        """
        if any(x.is_constant for x in inputs):
            return fn(self, list(inputs))
        tpl = _TEMPLATES.get(key)
        if tpl is None:
            tpl = _TEMPLATES[key] = _Template.record(fn, len(inputs))
        return tpl.replay(self, inputs)

    # --- sizes and results ----------------------------------------------------------------------------------------

    @property
    def n_constraints(self) -> int:
        """Constraints added so far (gadget costs are measured as differences of this); counted, not constructed,
        in a witness-only build."""
        return len(self._constraints) + self._n_uncounted

    @property
    def n_public(self) -> int:
        """Public wires allocated so far."""
        return self._n_public

    @property
    def n_wires(self) -> int:
        """Wires allocated so far, wire 0 included."""
        return len(self._labels)

    def _order(self) -> list[int] | None:
        """final index → internal wire, or None when allocation order already is circom order."""
        if not self._first_private or self._last_public < self._first_private:
            return None
        pub = [w for w in range(1, len(self._public)) if self._public[w]]
        prv = [w for w in range(1, len(self._public)) if not self._public[w]]
        return [0, *pub, *prv]

    def wire_index(self, var: Var) -> int:
        """The circom-order index of the single wire ``var`` is (coefficient 1), as numbered by ``build()``.

        Valid for the R1CS of the latest ``build()``, or any later one if no public wire is allocated meanwhile.

        Raises
        ------
        ValueError
            ``var`` is not exactly one wire with coefficient 1.
        """
        terms = var.lc.terms
        if len(terms) != 1 or next(iter(terms.values())) != 1:
            raise ValueError(f"Argument 'var' must be a single wire, not {var.lc!r}")
        internal = next(iter(terms))
        order = self._order()
        return internal if order is None else order.index(internal)

    def _check_overrides(self) -> None:
        unused = sorted(set(self._overrides) - self._used_overrides) if self.with_values else []
        if unused:
            raise ValueError(f"overrides name no allocated wire: {unused}")

    def build(self) -> R1CS:
        """The R1CS in circom wire order, with constraint and wire labels.

        Raises
        ------
        ValueError
            An override names no allocated wire, or the builder is witness-only (it kept no constraints).
        """
        if self.witness_only:
            raise ValueError("this builder was made with witness_only=True: it counted its constraints but kept none")
        self._check_overrides()
        order = self._order()
        if order is None:
            constraints = list(self._constraints)
            labels = list(self._labels)
        else:
            new_of = [0] * len(order)
            for new, old in enumerate(order):
                new_of[old] = new

            def remap(lc: LinearCombination) -> LinearCombination:
                out = LinearCombination()
                out.terms = {new_of[w]: c for w, c in lc.terms.items()}
                return out

            constraints = [Constraint(remap(k.a), remap(k.b), remap(k.c), k.label) for k in self._constraints]
            labels = [self._labels[w] for w in order]
        return R1CS(
            n_wires=len(labels),
            n_public=self._n_public,
            constraints=constraints,
            n_private_inputs=self._n_private_inputs,
            wire_labels=labels,
        )

    def witness(self) -> Witness:
        """The full assignment in circom wire order.

        Raises
        ------
        ValueError
            Built with ``with_values=False``, a wire has no value (names the first such wire), or an override
            names no allocated wire.
        """
        if not self.with_values:
            raise ValueError("this builder was made with with_values=False (shape only): it has no witness")
        self._check_overrides()
        order = self._order() or range(len(self._values))
        values = [self._values[w] for w in order]
        for i, v in enumerate(values):
            if v is None:
                raise ValueError(f"wire {i} ({self._labels[order[i]]!r}) has no value")
        return Witness(values)  # type: ignore[arg-type]

    def check(self) -> None:
        """Build and check the witness; raise ``UnsatisfiedConstraint(index, label)`` for the first failing row."""
        self.build().check(self.witness().values)


def _product(x: int, y: int) -> int:
    """The hint of ``ConstraintBuilder.mul`` (a named function, so a recording can compile it inline)."""
    return x * y


class _Template:
    """A sub-circuit recorded on fresh input wires 1..n_inputs: its hint wires, constraints and outputs.

    Replays run two functions compiled from the recording on first use (both are straight-line code, so a replay
    costs a few bytecodes per term instead of a dict merge per combination, which was 70% of a batch witness):

    - ``values(v, R, fns)``: appends every hint value to ``v`` = [1, *input values] in allocation order and returns
      the output values. A hint of ``mul`` (``_product``) is inlined as ``x * y % R``; any other hint is called as
      ``int(fns[j](…)) % R``, exactly as ``ConstraintBuilder.hint`` does. A long combination is evaluated from
      earlier ones where ``_in_terms_of`` finds an exact rewrite (Poseidon-2: ~4 300 → ~2 000 terms per hash).
      Compiling costs ~0.1 s (P2) to ~0.3 s (P6) once per process; values are then the interpreted replay's.
    - ``rows(s, X, N, LC, C, P)``: the constraints with recorded hint wire ``w`` renumbered ``w + s`` (terms in the
      recorded order), the combinations that involve an input taken from ``X`` (substituted by ``_substitute``),
      labels prefixed by ``P``.
    """

    __slots__ = ("_rows", "_values", "constraints", "hint_labels", "hints", "n_inputs", "outputs")

    def __init__(self, n_inputs: int, hints: list, constraints: list[Constraint], outputs: list[LinearCombination]):
        self.n_inputs = n_inputs
        self.hints = hints  # (relative label, fn, input lcs) per hint wire, in allocation order
        self.hint_labels = [h[0] for h in hints]
        self.constraints = constraints
        self.outputs = outputs
        self._values: Callable[..., list[int]] | None = None
        self._rows: tuple[Callable[..., list[Constraint]], list[LinearCombination]] | None = None

    @classmethod
    def record(cls, fn: Callable[[ConstraintBuilder, list[Var]], list[Var]], n_inputs: int) -> _Template:
        scratch = ConstraintBuilder(with_values=False)
        ins = [scratch.private(f"in[{i}]") for i in range(n_inputs)]
        scratch._recording = {}
        outs = fn(scratch, ins)
        hints = []
        for w in range(n_inputs + 1, len(scratch._labels)):
            if w not in scratch._recording or scratch._public[w]:
                raise RuntimeError(f"a recorded sub-circuit may allocate hints only, not {scratch._labels[w]!r}")
            hint_fn, lcs = scratch._recording[w]
            hints.append((scratch._labels[w], hint_fn, lcs))
        return cls(n_inputs, hints, list(scratch._constraints), [o.lc for o in outs])

    # --- compiled replays -----------------------------------------------------------------------------------------

    def _compile_values(self) -> Callable[..., list[int]]:
        k = self.n_inputs
        # Wire values live in locals w<i> (a local load costs less than a list subscript: 600k terms per demo batch).
        lines = ["def values(v, R, fns):", "    a = v.append"]
        lines += [f"    w{i} = v[{i}]" for i in range(1, k + 1)]
        names: dict[int, str] = {}  # id(recorded lc) -> expression of its value
        evaluated: list[tuple[str, dict[int, int]]] = []  # local name and terms of each combination computed

        def ref(lc: LinearCombination) -> str:
            e = names.get(id(lc))
            if e is None:
                items = list(lc.terms.items())
                if len(items) == 1 and items[0][0] and items[0][1] == 1:
                    e = f"w{items[0][0]}"  # a wire value is already reduced
                elif not items:
                    e = "0"
                else:
                    e = f"t{len(names)}"
                    # A combination that shares most of its terms with earlier ones (Poseidon's partial rounds:
                    # state[0] grows by a wire per round, up to 60+ terms) is taken from them and a few wires.
                    short = _in_terms_of(lc.terms, evaluated)
                    terms = short if short is not None else [(c, f"w{w}" if w else "") for w, c in items]
                    lines.append(f"    {e} = ({' + '.join(f'{c} * {x}' if x else str(c) for c, x in terms)}) % R")
                    evaluated.append((e, lc.terms))
                names[id(lc)] = e
            return e

        for j, (_, fn, lcs) in enumerate(self.hints):
            args = [ref(lc) for lc in lcs]
            w = k + 1 + j
            if fn is _product:
                lines.append(f"    w{w} = {args[0]} * {args[1]} % R")
            else:
                lines.append(f"    w{w} = int(fns[{j}]({', '.join(args)})) % R")
            lines.append(f"    a(w{w})")
        outs = [ref(lc) for lc in self.outputs]
        lines.append(f"    return [{', '.join(outs)}]")
        return _compile("\n".join(lines), "values")

    def _compile_rows(self) -> tuple[Callable[..., list[Constraint]], list[LinearCombination]]:
        k = self.n_inputs
        lines = ["def rows(s, X, N, LC, C, P):"]
        names: dict[int, str] = {}
        substituted: list[LinearCombination] = []  # recorded lcs with an input wire, in X order

        def ref(lc: LinearCombination) -> str:
            e = names.get(id(lc))
            if e is None:
                e = names[id(lc)] = f"l{len(names)}"
                if any(0 < w <= k for w in lc.terms):
                    lines.append(f"    {e} = X[{len(substituted)}]")
                    substituted.append(lc)
                else:
                    terms = ", ".join(f"{f's + {w}' if w else '0'}: {c}" for w, c in lc.terms.items())
                    lines.append(f"    {e} = N(LC)")
                    lines.append(f"    {e}.terms = {{{terms}}}")
            return e

        rows = [f"C({ref(con.a)}, {ref(con.b)}, {ref(con.c)}, P + {con.label!r})" for con in self.constraints]
        lines.append(f"    return [{', '.join(rows)}]")
        return _compile("\n".join(lines), "rows"), substituted

    # --- replay ---------------------------------------------------------------------------------------------------

    def replay(self, cb: ConstraintBuilder, inputs: Sequence[Var]) -> list[Var]:
        # Recorded wires: 0 (one), 1..k (inputs: substituted by the actual combinations), k+1.. (hints: allocated
        # here in the same order, so they map to consecutive builder wires w + shift).
        k = self.n_inputs
        shift = len(cb._labels) - (k + 1)
        prefix = cb.label("")
        values: list[int | None] = [1, *(x.value for x in inputs)]
        if cb.with_values and not cb._overrides and cb._recording is None and None not in values:
            if self._values is None:
                self._values = self._compile_values()
            out_values: list[int | None] = self._values(values, _R, [h[1] for h in self.hints])
            cb._alloc_hints(prefix, self.hint_labels, values[k + 1 :])
        elif not cb.with_values and cb._recording is None:  # shape only: no values, overrides are ignored
            cb._alloc_hints(prefix, self.hint_labels, [None] * len(self.hints))
            out_values = [None] * len(self.outputs)
        else:
            out_values = self._replay_values(cb, values)
        in_terms = [x.lc.terms for x in inputs]
        if cb.witness_only:
            cb._n_uncounted += len(self.constraints)
        else:
            if self._rows is None:
                self._rows = self._compile_rows()
            rows, substituted = self._rows
            subs = [_substitute(lc, in_terms, k, shift) for lc in substituted]
            cb._constraints.extend(rows(shift, subs, object.__new__, LinearCombination, Constraint, prefix))
        return [Var(_substitute(lc, in_terms, k, shift), v) for lc, v in zip(self.outputs, out_values, strict=True)]

    def _replay_values(self, cb: ConstraintBuilder, values: list[int | None]) -> list[int | None]:
        """Hints one by one through ``cb._alloc`` (overrides, unknown inputs, shape-only builds)."""
        known = cb.with_values and all(v is not None for v in values)
        value_memo: dict[int, int] = {}  # recorded combinations are shared between rows: memoized per object

        def value_of(lc: LinearCombination) -> int:
            v = value_memo.get(id(lc))
            if v is None:
                v = value_memo[id(lc)] = sum(c * values[w] for w, c in lc.terms.items()) % _R  # type: ignore[operator]
            return v

        for label, fn, lcs in self.hints:
            v = int(fn(*map(value_of, lcs))) % _R if known else None
            var = cb._alloc(label, v, public=False, is_input=False)
            values.append(var.value)
            known = known and var.value is not None
        return [value_of(lc) if known else None for lc in self.outputs]


def _substitute(lc: LinearCombination, in_terms: list[dict[int, int]], k: int, shift: int) -> LinearCombination:
    """A recorded combination with input wire i (1..k) replaced by ``in_terms[i − 1]`` and hint wire w by w + shift."""
    terms = lc.terms
    out = LinearCombination()
    if any(0 < w <= k for w in terms):
        t: dict[int, int] = {}
        for w, c in terms.items():
            if 0 < w <= k:
                for u, d in in_terms[w - 1].items():
                    t[u] = t.get(u, 0) + c * d
            else:
                u = w + shift if w else 0
                t[u] = t.get(u, 0) + c
        out = LinearCombination(t)
    else:
        out.terms = {(w + shift if w else 0): c for w, c in terms.items()}
    return out


_BASIS = 8  # earlier combinations tried as a basis (Poseidon needs t of them: t ≤ 7 for our hashes)
_RECENT = 16  # newest wires of a combination its remainder may keep


def _in_terms_of(terms: dict[int, int], evaluated: list[tuple[str, dict[int, int]]]) -> list[tuple[int, str]] | None:
    """``terms`` as Σ α_i·(earlier combination i) + a remainder on its newest wires, if that has fewer terms.

    The α_i solve, by Gaussian elimination mod r, "the remainder vanishes on every other wire"; the identity
    terms = Σ α_i·B_i + remainder is then checked term by term, so a value computed this way is exactly
    ⟨terms, w⟩. Why it pays off: a partial round of Poseidon keeps state[0] as a combination that grows by one
    S-box wire per round, but the state obeys a t-dimensional linear recurrence, so each new state[0] is a
    combination of the t previous ones plus the S-box wires of the last t rounds (Cayley–Hamilton).

    Returns
    -------
    list[(coefficient, local name)] | None
        The terms to evaluate (local name "" for the constant), or None when nothing shorter was found.
    """
    basis = evaluated[-_BASIS:]
    if len(terms) <= 4 or not basis:
        return None
    recent = set(sorted(w for w in terms if w)[-_RECENT:]) | {0}
    wires = sorted({w for w in terms if w not in recent} | {w for _, b in basis for w in b if w not in recent})
    m = len(basis)
    # rows: Σ_i α_i·B_i[w] = terms[w] for every wire w outside the remainder's
    rows = [[b.get(w, 0) for _, b in basis] + [terms.get(w, 0)] for w in wires]
    pivots: list[int] = []
    r = 0
    for col in range(m):
        piv = next((i for i in range(r, len(rows)) if rows[i][col]), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        inv = pow(rows[r][col], -1, _R)
        rows[r] = [x * inv % _R for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col]:
                f = rows[i][col]
                rows[i] = [(x - f * y) % _R for x, y in zip(rows[i], rows[r])]
        pivots.append(col)
        r += 1
    if any(row[m] for row in rows[r:]):
        return None  # inconsistent: no combination of the basis matches on the older wires
    alpha = [0] * m
    for i, col in enumerate(pivots):
        alpha[col] = rows[i][m]
    remainder = dict(terms)
    for a, (_, b) in zip(alpha, basis):
        if a:
            for w, c in b.items():
                remainder[w] = (remainder.get(w, 0) - a * c) % _R
    remainder = {w: c for w, c in remainder.items() if c}
    if any(w not in recent for w in remainder):
        raise RuntimeError("a basis solution left a term outside the remainder's wires")  # elimination bug
    out = [(a, name) for a, (name, _) in zip(alpha, basis) if a]
    out += [(c, f"w{w}" if w else "") for w, c in remainder.items()]
    return out if len(out) < len(terms) else None


def _compile(source: str, name: str) -> Callable[..., Any]:
    """Compile generated straight-line ``source`` and return its function ``name`` (see ``_Template``)."""
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<circuits.builder template {name}>", "exec"), namespace)
    return namespace[name]


_TEMPLATES: dict[Hashable, _Template] = {}

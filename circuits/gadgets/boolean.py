"""Boolean gadgets: booleanity, selection and the logic gates on ``Bool``.

A ``Bool`` is a Var already constrained to {0, 1}; the gates below keep that property by construction (the product
of two bits is a bit, and so on), so their outputs are ``Bool`` without a further constraint. Gates that need a
boolean input take ``Bool`` only and raise ``TypeError`` for a bare ``Var``.
"""

from __future__ import annotations

from circuits.builder import Bool, ConstraintBuilder, Mode, Var

__all__ = ["alloc_bool", "and_", "assert_bool", "not_", "or_", "require_bool", "select", "xor"]


def require_bool(x: object, arg: str) -> Bool:
    """Return ``x`` if it is a Bool (or the int 0/1, as a constant), else raise ``TypeError`` naming ``arg``."""
    if isinstance(x, Bool):
        return x
    if isinstance(x, int) and x in (0, 1):
        return Bool.constant(int(x))
    raise TypeError(
        f"Argument '{arg}' must be a Bool (a value constrained to {{0, 1}}: use assert_bool, alloc_bool or to_bits), "
        f"not {type(x).__name__}"
    )


def assert_bool(cb: ConstraintBuilder, x: Var | int, label: str = "bool") -> Bool:
    """Constrain ``x`` to be 0 or 1 and return it as a ``Bool``.

    Constrains: x · (1 − x) = 0
    Cost:       1 constraint (0 when ``x`` is constant or already a ``Bool``)
    Assumes:    nothing
    Rejects:    x = 2, x = r − 1 (tested in tests/circuits/test_boolean.py)

    Raises
    ------
    UnsatisfiedConstraint
        ``x`` is a constant other than 0 or 1.
    """
    if isinstance(x, Bool):
        return x
    v = x if isinstance(x, Var) else Var.constant(x)
    cb.enforce(v, 1 - v, 0, label)
    return Bool._trusted(v)


def alloc_bool(cb: ConstraintBuilder, name: str, value: int | None, mode: Mode = Mode.PRIVATE) -> Bool:
    """Allocate an input bit (constant, public or private) and constrain it boolean under the label ``name``.

    Constrains: value · (1 − value) = 0
    Cost:       1 constraint (0 for a constant)
    Assumes:    nothing
    Rejects:    value = 2 (tested in tests/circuits/test_boolean.py)
    """
    return assert_bool(cb, cb.alloc(name, value, mode), label=name)


def select(cb: ConstraintBuilder, cond: Bool, a: Var | int, b: Var | int, name: str = "select") -> Var:
    """``a`` if ``cond`` else ``b``, as ``b + cond · (a − b)``.

    Constrains: out = b + cond · (a − b)   (one product wire ``name``)
    Cost:       1 constraint (0 when ``cond`` or ``a − b`` is constant)
    Assumes:    nothing (``cond`` is a ``Bool``: its booleanity was constrained where it was made)
    Rejects:    an output other than the selected input (tested in tests/circuits/test_boolean.py)
    """
    c = require_bool(cond, "cond")
    va = a if isinstance(a, Var) else Var.constant(a)
    return cb.mul(c, va - b, name) + b


def and_(cb: ConstraintBuilder, a: Bool, b: Bool, name: str = "and") -> Bool:
    """``a ∧ b`` = a · b.

    Constrains: out = a · b
    Cost:       1 constraint (0 if an input is constant)
    Assumes:    nothing (inputs are ``Bool``)
    Rejects:    out ≠ a·b (tested in tests/circuits/test_boolean.py)
    """
    return Bool._trusted(cb.mul(require_bool(a, "a"), require_bool(b, "b"), name))


def or_(cb: ConstraintBuilder, a: Bool, b: Bool, name: str = "or") -> Bool:
    """``a ∨ b`` = a + b − a · b.

    Constrains: out = a + b − a · b
    Cost:       1 constraint (0 if an input is constant)
    Assumes:    nothing (inputs are ``Bool``)
    Rejects:    out ≠ a ∨ b (tested in tests/circuits/test_boolean.py)
    """
    x, y = require_bool(a, "a"), require_bool(b, "b")
    return Bool._trusted(x + y - cb.mul(x, y, name))


def not_(a: Bool) -> Bool:
    """``¬a`` = 1 − a.

    Constrains: nothing (linear)
    Cost:       0 constraints
    Assumes:    nothing (input is a ``Bool``)
    Rejects:    n/a
    """
    return Bool._trusted(1 - require_bool(a, "a"))


def xor(cb: ConstraintBuilder, a: Bool, b: Bool, name: str = "xor") -> Bool:
    """``a ⊕ b`` = a + b − 2 · a · b.

    Constrains: out = a + b − 2 · a · b
    Cost:       1 constraint (0 if an input is constant)
    Assumes:    nothing (inputs are ``Bool``)
    Rejects:    out ≠ a ⊕ b (tested in tests/circuits/test_boolean.py)
    """
    x, y = require_bool(a, "a"), require_bool(b, "b")
    return Bool._trusted(x + y - 2 * cb.mul(x, y, name))

"""Comparisons: zero and equality tests, and ordering of range-bounded integers.

``is_zero`` is the standard inverse trick (circomlib ``IsZero``). Ordering works on integers below 2^n_bits: the
``_unchecked`` forms leave that bound to the caller (who has usually range-checked the inputs already, e.g. a
balance and an amount); the plain forms range-check both inputs themselves.
"""

from __future__ import annotations

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.bits import decompose
from circuits.gadgets.boolean import not_
from circuits.gadgets.range import assert_range
from zksvs.field import FR_MODULUS

__all__ = [
    "assert_equal",
    "assert_le",
    "assert_le_unchecked",
    "is_equal",
    "is_lt",
    "is_lt_unchecked",
    "is_zero",
]

_MAX_BITS = 252  # r > 2^253: differences of n-bit values (n ≤ 252) plus 2^n stay below r


def _var(x: Var | int) -> Var:
    return x if isinstance(x, Var) else Var.constant(x)


def _check_width(n_bits: int) -> None:
    if not 1 <= n_bits <= _MAX_BITS:
        raise ValueError(f"Argument 'n_bits' must be in [1, {_MAX_BITS}], not {n_bits}")


def is_zero(cb: ConstraintBuilder, x: Var | int, name: str = "is_zero") -> Bool:
    """1 if x = 0 else 0 (namespace ``name``).

    With ``inv`` a hint (x⁻¹, or 0 for x = 0), ``out = 1 − x·inv``; ``x · out = 0`` forces out = 0 when x ≠ 0, and
    out = 1 − 0 = 1 when x = 0, so ``out`` is boolean and correct for any ``inv``.

    Constrains: x_inv = x · inv (label ``x_inv``); x · (1 − x_inv) = 0 (label ``out``)
    Cost:       2 constraints (0 for a constant)
    Assumes:    nothing
    Rejects:    claiming is_zero(5) = 1 or is_zero(0) = 0 (tested in tests/circuits/test_compare.py)
    """
    v = _var(x)
    if v.is_constant:
        return Bool.constant(int(v.lc.constant_value() == 0))
    with cb.namespace(name):
        inv = cb.hint("inv", lambda a: pow(a, FR_MODULUS - 2, FR_MODULUS), v)
        out = 1 - cb.mul(v, inv, "x_inv")
        cb.enforce(v, out, 0, "out")
    return Bool._trusted(out)


def is_equal(cb: ConstraintBuilder, a: Var | int, b: Var | int, name: str = "is_equal") -> Bool:
    """1 if a = b else 0: ``is_zero(a − b)``.

    Constrains: as ``is_zero`` on a − b
    Cost:       2 constraints (0 if a − b is constant)
    Assumes:    nothing
    Rejects:    claiming is_equal(3, 4) = 1 (tested in tests/circuits/test_compare.py)
    """
    return is_zero(cb, _var(a) - b, name)


def assert_equal(cb: ConstraintBuilder, a: Var | int, b: Var | int, label: str = "equal") -> None:
    """Constrain a = b.

    Constrains: (a − b) · 1 = 0
    Cost:       1 constraint (0 if it holds identically)
    Assumes:    nothing
    Rejects:    a ≠ b (tested in tests/circuits/test_compare.py)
    """
    cb.assert_equal(a, b, label)


def assert_le_unchecked(cb: ConstraintBuilder, a: Var | int, b: Var | int, n_bits: int, name: str = "le") -> None:
    """Constrain a ≤ b for integers a, b < 2^n_bits that the caller has bounded.

    b − a ∈ [0, 2^n_bits) exactly when a ≤ b: a negative difference is r − k with k < 2^n_bits, above 2^n_bits.

    Constrains: 0 ≤ b − a < 2^n_bits (labels ``name/bit[i]``, ``name/recompose``)
    Cost:       n_bits + 1 constraints
    Assumes:    a < 2^n_bits and b < 2^n_bits (range-checked by the caller; each caller tests it)
    Rejects:    a = b + 1, a = 2^n − 1 with b = 0 (tested in tests/circuits/test_compare.py)
    """
    _check_width(n_bits)
    with cb.namespace(name):
        decompose(cb, _var(b) - a, n_bits)


def assert_le(cb: ConstraintBuilder, a: Var | int, b: Var | int, n_bits: int, name: str = "le") -> None:
    """Constrain a ≤ b and both < 2^n_bits.

    Constrains: a, b < 2^n_bits (labels ``name/range_a/…``, ``name/range_b/…``); b − a < 2^n_bits
    Cost:       3·(n_bits + 1) constraints (195 for u64; fewer for constant inputs)
    Assumes:    nothing
    Rejects:    a > b; a or b ≥ 2^n_bits, including a = r − 1 (tested in tests/circuits/test_compare.py)
    """
    _check_width(n_bits)
    with cb.namespace(name):
        assert_range(cb, a, n_bits, "range_a")
        assert_range(cb, b, n_bits, "range_b")
        decompose(cb, _var(b) - a, n_bits)


def is_lt_unchecked(cb: ConstraintBuilder, a: Var | int, b: Var | int, n_bits: int, name: str = "lt") -> Bool:
    """1 if a < b else 0, for integers a, b < 2^n_bits that the caller has bounded.

    d = a − b + 2^n_bits lies in (0, 2^(n_bits+1)); its top bit is 0 exactly when a < b.

    Constrains: d decomposed into n_bits + 1 boolean bits (labels ``name/bit[i]``, ``name/recompose``)
    Cost:       n_bits + 2 constraints
    Assumes:    a < 2^n_bits and b < 2^n_bits (range-checked by the caller; each caller tests it)
    Rejects:    a wrong top bit (tested in tests/circuits/test_compare.py)
    """
    _check_width(n_bits)
    with cb.namespace(name):
        bits = decompose(cb, _var(a) - b + (1 << n_bits), n_bits + 1)
    return not_(bits[n_bits])


def is_lt(cb: ConstraintBuilder, a: Var | int, b: Var | int, n_bits: int, name: str = "lt") -> Bool:
    """1 if a < b else 0, with a and b range-checked to n_bits.

    Constrains: a, b < 2^n_bits (labels ``name/range_a/…``, ``name/range_b/…``), then as ``is_lt_unchecked``
    Cost:       3·n_bits + 4 constraints (196 for u64)
    Assumes:    nothing
    Rejects:    a or b ≥ 2^n_bits; a wrong top bit (tested in tests/circuits/test_compare.py)
    """
    _check_width(n_bits)
    with cb.namespace(name):
        assert_range(cb, a, n_bits, "range_a")
        assert_range(cb, b, n_bits, "range_b")
        bits = decompose(cb, _var(a) - b + (1 << n_bits), n_bits + 1)
    return not_(bits[n_bits])

"""Range checks for unsigned integers (u64 balances and amounts, DESIGN.md §4) and range-checked balance updates.

Plain binary decomposition: the path gnark's ``std/rangecheck`` takes for Groth16 without commitments
(``rangecheck_plain.go``). n + 1 constraints for n bits; a log-derivative lookup would be cheaper per check but needs
a commitment our Groth16 (snarkjs-compatible) does not have.

References
----------
gnark ``std/rangecheck/rangecheck.go``, ``rangecheck_plain.go``.
"""

from __future__ import annotations

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.bits import decompose

__all__ = ["U64_BITS", "add_in_range", "assert_range", "sub_in_range"]

#: Width of balances and amounts.
U64_BITS: int = 64
# r > 2^253, so for n ≤ 252 the difference of two n-bit values never wraps into [0, 2^n): see sub_in_range.
_MAX_ARITH_BITS = 252


def assert_range(cb: ConstraintBuilder, x: Var | int, n_bits: int = U64_BITS, name: str = "range") -> list[Bool]:
    """Constrain 0 ≤ x < 2^n_bits; return the little-endian bits (namespace ``name``, labels ``bit[i]``).

    Constrains: bits[i] · (1 − bits[i]) = 0; Σ bits[i]·2^i = x
    Cost:       n_bits + 1 constraints (65 for u64); 0 for a constant ``x``
    Assumes:    nothing
    Rejects:    x = 2^64, 2^64 + 5, r − 1 for n_bits = 64 (tested in tests/circuits/test_range.py)

    Raises
    ------
    ValueError
        ``n_bits`` is not in [1, 253].
    UnsatisfiedConstraint
        ``x`` is a constant out of range.
    """
    v = x if isinstance(x, Var) else Var.constant(x)
    with cb.namespace(name):
        return decompose(cb, v, n_bits)


def _check_width(n_bits: int) -> None:
    if not 1 <= n_bits <= _MAX_ARITH_BITS:
        raise ValueError(f"Argument 'n_bits' must be in [1, {_MAX_ARITH_BITS}], not {n_bits}")


def sub_in_range(
    cb: ConstraintBuilder, old: Var | int, amount: Var | int, n_bits: int = U64_BITS, name: str = "sub"
) -> Var:
    """``new = old − amount`` with ``new`` range-checked to n_bits: the balance debit rule (DESIGN.md §6).

    When old and amount are below 2^n_bits (the tree invariant for balances; amounts are range-checked once per
    slot), old − amount < 0 would be r − k with 0 < k < 2^n_bits, which is ≥ 2^n_bits because r > 2^(n_bits+1):
    the range check then fails, so an overdraft cannot wrap around the field.

    Constrains: new = old − amount (linear, returned as a Var) and 0 ≤ new < 2^n_bits (labels ``name/range/…``)
    Cost:       n_bits + 1 constraints (65 for u64)
    Assumes:    nothing for what it constrains; "no underflow" reads off it when old, amount < 2^n_bits
    Rejects:    amount = old + 1 (wrap-around), tested in tests/circuits/test_range.py
    """
    _check_width(n_bits)
    new = (old if isinstance(old, Var) else Var.constant(old)) - amount
    with cb.namespace(name):
        assert_range(cb, new, n_bits)
    return new


def add_in_range(
    cb: ConstraintBuilder, old: Var | int, amount: Var | int, n_bits: int = U64_BITS, name: str = "add"
) -> Var:
    """``new = old + amount`` with ``new`` range-checked to n_bits: the balance credit rule (DESIGN.md §6).

    Constrains: new = old + amount (linear, returned as a Var) and 0 ≤ new < 2^n_bits (labels ``name/range/…``)
    Cost:       n_bits + 1 constraints (65 for u64)
    Assumes:    nothing for what it constrains; "no overflow" reads off it when old, amount < 2^n_bits
    Rejects:    old + amount = 2^64 (overflow), tested in tests/circuits/test_range.py
    """
    _check_width(n_bits)
    new = (old if isinstance(old, Var) else Var.constant(old)) + amount
    with cb.namespace(name):
        assert_range(cb, new, n_bits)
    return new

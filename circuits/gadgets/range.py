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
from circuits.gadgets.bits import assert_bits_le_constant, decompose

__all__ = ["U64_BITS", "add_in_range", "assert_below", "assert_range", "sub_in_range"]

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


def assert_below(cb: ConstraintBuilder, x: Var | int, bound: int, name: str = "below") -> list[Bool]:
    """Constrain 0 ≤ x < ``bound`` (a constant ≥ 2); return the n = ceil(log2(bound)) little-endian bits of x.

    For values used as an index, a chain id or a slot (STYLE.md house rule: range-constrained where they are made):
    the bits are the value's unique binary form, so a relation such as ``slot = 2·x + m`` built from them holds over
    the integers, never only mod r (x = (2c − 1)/2 mod r has no n-bit form).

    Constrains: bits[i] boolean, Σ bits[i]·2^i = x (labels ``name/bit[i]``, ``name/recompose``); when ``bound`` is
                not a power of two also Σ bits[i]·2^i ≤ bound − 1 (``assert_bits_le_constant``, labels
                ``name/prefix[i]``, ``name/le[i]``)
    Cost:       n + 1 constraints when ``bound`` is a power of two, plus ``assert_bits_le_constant``'s cost
                otherwise: 2, 4, 3, 6, 5, 6, 4 for bound = 2..8; 0 for a constant ``x``
    Assumes:    nothing
    Rejects:    x = bound, x = 2^n, x = r − 1, x = (r − 1)/2, x = 1/2 mod r (tested in tests/circuits/test_range.py)

    Raises
    ------
    ValueError
        ``bound`` < 2.
    UnsatisfiedConstraint
        ``x`` is a constant ≥ ``bound``.
    """
    if bound < 2:
        raise ValueError(f"Argument 'bound' must be at least 2, not {bound}")
    v = x if isinstance(x, Var) else Var.constant(x)
    with cb.namespace(name):
        bits = decompose(cb, v, (bound - 1).bit_length())
        assert_bits_le_constant(cb, bits, bound - 1)
    return bits


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

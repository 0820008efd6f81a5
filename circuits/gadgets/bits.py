"""Bit decomposition and recomposition, with the reducedness check for full-width decompositions.

An n-bit decomposition with n ≥ 254 is not unique in Fr: x and x + r (< 2^254 for x < 2^254 − r) both recompose to
x mod r. ``to_bits`` therefore also constrains the 254 low bits to encode a value ≤ r − 1 when n ≥ 254, as gnark's
``bits.ToBinary`` does by default (``std/math/bits/conversion_binary.go``), and fixes every bit above 253 to 0.

References
----------
gnark ``std/math/bits/conversion_binary.go`` (reducedness), ``frontend/cs`` ``MustBeLessOrEqCst`` (the comparison
with a constant bound by running prefix products).
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.boolean import and_, assert_bool, require_bool
from zksvs.field import FR_MODULUS
from zksvs.r1cs import LinearCombination

__all__ = ["FR_BITS", "assert_bits_le_constant", "decompose", "from_bits", "to_bits"]

#: Bits of r: any field element fits in FR_BITS bits; FR_BITS-bit decompositions are not unique without a check.
FR_BITS: int = FR_MODULUS.bit_length()


def decompose(cb: ConstraintBuilder, x: Var, n: int) -> list[Bool]:
    """``n`` (< 254) boolean-constrained little-endian bits of ``x`` in the *current* namespace (no own namespace).

    The building block of ``to_bits`` and ``assert_range``; labels are ``bit[i]`` and ``recompose``.

    Constrains: bits[i] · (1 − bits[i]) = 0 for each i; Σ bits[i]·2^i = x
    Cost:       n + 1 constraints (0 when ``x`` is constant)
    Assumes:    nothing (n < 254, so Σ bits[i]·2^i < 2^n < r does not wrap)
    Rejects:    x ≥ 2^n (no boolean bits recompose to it), tested in tests/circuits/test_bits.py

    Raises
    ------
    ValueError
        ``n`` is not in [1, 253].
    UnsatisfiedConstraint
        ``x`` is a constant ≥ 2^n.
    """
    if not 1 <= n < FR_BITS:
        raise ValueError(f"Argument 'n' must be in [1, {FR_BITS - 1}], not {n}")
    return _bits(cb, x, n)


def _bits(cb: ConstraintBuilder, x: Var, m: int) -> list[Bool]:
    """``m`` boolean bits recomposing to x (mod r when m ≥ 254), labels ``bit[i]`` and ``recompose``."""
    if x.is_constant:
        v = x.lc.constant_value()
        bits = [Bool.constant((v >> i) & 1) for i in range(m)]
    else:
        bits = [assert_bool(cb, cb.hint(f"bit[{i}]", lambda v, i=i: (v >> i) & 1, x), f"bit[{i}]") for i in range(m)]
    cb.enforce(from_bits(bits), 1, x, "recompose")
    return bits


def to_bits(cb: ConstraintBuilder, x: Var | int, n: int, name: str = "to_bits") -> list[Bool]:
    """The unique little-endian ``n``-bit decomposition of ``x``, in namespace ``name``.

    Constrains: bits boolean; Σ bits[i]·2^i = x; for n ≥ 254 also Σ_{i<254} bits[i]·2^i ≤ r − 1 (label
                ``lt_r/…``) and bits[i] = 0 for i ≥ 254 (constants)
    Cost:       n + 1 constraints for n ≤ 253; 508 constraints for n ≥ 254 (254 booleanity + 1 recomposition
                + 253 for the comparison with r − 1); 0 when ``x`` is constant
    Assumes:    nothing
    Rejects:    for n < 254: x ≥ 2^n; for n ≥ 254: the non-reduced decomposition of x + r
                (tested in tests/circuits/test_bits.py)

    Raises
    ------
    ValueError
        ``n`` < 1.
    UnsatisfiedConstraint
        ``x`` is a constant ≥ 2^n.
    """
    if n < 1:
        raise ValueError(f"Argument 'n' must be at least 1, not {n}")
    v = x if isinstance(x, Var) else Var.constant(x)
    with cb.namespace(name):
        if n < FR_BITS:
            return decompose(cb, v, n)
        bits = _bits(cb, v, FR_BITS)
        with cb.namespace("lt_r"):
            assert_bits_le_constant(cb, bits, FR_MODULUS - 1)
    return bits + [Bool.constant(0)] * (n - FR_BITS)


def from_bits(bits: Sequence[Bool | int]) -> Var:
    """Σ bits[i]·2^i (little-endian), mod r.

    Constrains: nothing (linear)
    Cost:       0 constraints
    Assumes:    nothing (inputs are ``Bool``; for 254 or more bits the sum is taken mod r)
    Rejects:    n/a
    """
    terms: dict[int, int] = {}
    value: int | None = 0
    for i, b in enumerate(bits):
        bit = require_bool(b, f"bits[{i}]")
        for w, c in bit.lc.terms.items():
            terms[w] = terms.get(w, 0) + (c << i)
        value = None if value is None or bit.value is None else value + (bit.value << i)
    return Var(LinearCombination(terms), None if value is None else value % FR_MODULUS)


def assert_bits_le_constant(cb: ConstraintBuilder, bits: Sequence[Bool], bound: int) -> None:
    """Constrain the integer Σ bits[i]·2^i (little-endian, no reduction) to be ≤ the constant ``bound``.

    Walking from the top bit down, ``prefix[i]`` = Π_{j > i, bound_j = 1} bits[j] is 1 exactly while the bits
    above i equal the bound's; where bound_i = 0 a set bit is allowed only once the prefix has dropped to 0.

    Constrains: prefix[i] = prefix[i+1] · bits[i] where bound_i = 1 (labels ``prefix[i]``);
                (1 − prefix[i+1] − bits[i]) · bits[i] = 0 where bound_i = 0 (labels ``le[i]``)
    Cost:       (ones of ``bound`` above its trailing ones, less one) + (zeros of ``bound``) constraints;
                253 for bound = r − 1 over 254 bits; 0 when ``bound`` ≥ 2^len(bits)
    Assumes:    nothing (inputs are ``Bool``)
    Rejects:    any bit pattern above ``bound`` (tested in tests/circuits/test_bits.py)
    """
    n = len(bits)
    if bound < 0:
        raise ValueError(f"Argument 'bound' must be non-negative, not {bound}")
    if bound >> n:
        return
    b = [require_bool(x, f"bits[{i}]") for i, x in enumerate(bits)]
    trailing_ones = ((bound + 1) & -(bound + 1)).bit_length() - 1
    prefix: list[Bool | None] = [None] * (n + 1)
    prefix[n] = Bool.constant(1)
    for i in range(n - 1, trailing_ones - 1, -1):
        prev = prefix[i + 1]
        assert prev is not None
        prefix[i] = and_(cb, prev, b[i], f"prefix[{i}]") if (bound >> i) & 1 else prev
    for i in range(n - 1, -1, -1):
        if not (bound >> i) & 1:
            above = prefix[i + 1]
            assert above is not None
            cb.enforce(1 - above - b[i], b[i], 0, f"le[{i}]")

"""BN254 field constants and canonical-range checks (DESIGN.md §2).

``FR_MODULUS`` (r, the scalar field, where R1CS and witnesses live) and ``FQ_MODULUS`` (q, the base field of the
curve) are derived from the curve's one parameter u by the Barreto–Naehrig polynomials, not typed in; the tests
check them against ``py_ecc.bn128`` (this module does not import py_ecc: the prover's start-up reads it).

References
----------
Barreto, Naehrig, "Pairing-friendly elliptic curves of prime order", SAC 2005 (q(u), r(u)); EIP-196/197
(alt_bn128, u = 4965661367192848881); py_ecc 8.0 ``py_ecc/bn128/bn128_curve.py``.
"""

from __future__ import annotations

from zksvs.errors import NonCanonicalFieldElement

#: The BN parameter of alt_bn128 (BN254): 6u + 2 is the Miller loop's ate parameter (py_ecc ``ate_loop_count``).
BN_U: int = 4965661367192848881
FQ_MODULUS: int = 36 * BN_U**4 + 36 * BN_U**3 + 24 * BN_U**2 + 6 * BN_U + 1
FR_MODULUS: int = 36 * BN_U**4 + 36 * BN_U**3 + 18 * BN_U**2 + 6 * BN_U + 1

#: Two-adicity of r − 1: NTT domains up to 2^28 exist in Fr.
FR_TWO_ADICITY: int = ((FR_MODULUS - 1) & -(FR_MODULUS - 1)).bit_length() - 1
#: 5 generates Fr's multiplicative group (arkworks ``curves/bn254/src/fields/fr.rs``; checked in tests).
FR_GENERATOR: int = 5

FIELD_BYTES: int = 32

assert FR_TWO_ADICITY == 28
assert FR_MODULUS.bit_length() == 254 and FQ_MODULUS.bit_length() == 254


def is_canonical_fr(x: int) -> bool:
    """Return True when ``x`` is an int in [0, r)."""
    return isinstance(x, int) and 0 <= x < FR_MODULUS


def require_canonical_fr(x: int, what: str = "value") -> int:
    """Return ``x`` if it is a canonical Fr element, else raise.

    Raises
    ------
    NonCanonicalFieldElement
        ``x`` is not an int, is negative, or is ≥ r.
    """
    if not isinstance(x, int) or isinstance(x, bool):
        raise NonCanonicalFieldElement(f"{what} must be an int in [0, r), not {type(x).__name__}")
    if not 0 <= x < FR_MODULUS:
        raise NonCanonicalFieldElement(f"{what} must be in [0, r), not {x}")
    return x


def require_canonical_fq(x: int, what: str = "coordinate") -> int:
    """Return ``x`` if it is a canonical Fq element (a curve coordinate), else raise ``NonCanonicalFieldElement``."""
    if not isinstance(x, int) or isinstance(x, bool):
        raise NonCanonicalFieldElement(f"{what} must be an int in [0, q), not {type(x).__name__}")
    if not 0 <= x < FQ_MODULUS:
        raise NonCanonicalFieldElement(f"{what} must be in [0, q), not {x}")
    return x


def fr_inv(x: int) -> int:
    """Inverse of ``x`` in Fr (``x`` ≠ 0 mod r), by Fermat."""
    x %= FR_MODULUS
    if x == 0:
        raise ZeroDivisionError("0 has no inverse in Fr")
    return pow(x, FR_MODULUS - 2, FR_MODULUS)


def fr_root_of_unity(log_n: int) -> int:
    """A primitive 2^log_n-th root of unity in Fr: 5^((r−1)/2^log_n), as snarkjs/ffjavascript build ``Fr.w``.

    Raises
    ------
    ValueError
        ``log_n`` is outside [0, 28].
    """
    if not 0 <= log_n <= FR_TWO_ADICITY:
        raise ValueError(f"Argument 'log_n' must be in [0, {FR_TWO_ADICITY}], not {log_n}")
    return pow(FR_GENERATOR, (FR_MODULUS - 1) >> log_n, FR_MODULUS)


def to_bytes_le(x: int, n: int = FIELD_BYTES) -> bytes:
    """``x`` as ``n`` little-endian bytes (the iden3 binary formats' encoding)."""
    return x.to_bytes(n, "little")


def from_bytes_le(b: bytes) -> int:
    """Little-endian bytes to int."""
    return int.from_bytes(b, "little")

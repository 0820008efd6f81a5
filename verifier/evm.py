"""EVM encodings: EIP-196/197 point words, the calldata of snarkjs's Solidity ``verifyProof``, EIP-2028 calldata gas.

Points are 32-byte big-endian words. G1 = x ‖ y (64 bytes). G2 = x_c1 ‖ x_c0 ‖ y_c1 ‖ y_c0 (128 bytes): the
**imaginary part first**, as execution-specs' ``bytes_to_g2`` decodes ``FQ2((x1, x0))`` and as snarkjs's
``zkey export soliditycalldata`` writes ``[[pi_b[0][1], pi_b[0][0]], [pi_b[1][1], pi_b[1][0]]]``. zksvs's affine
types (and snarkjs JSON) put the real part first, so the two orders differ. The point at infinity is all zero bytes.

snarkjs 0.7.6's exported verifier (``templates/verifier_groth16.sol.ejs``) takes
``verifyProof(uint[2] _pA, uint[2][2] _pB, uint[2] _pC, uint[ℓ] _pubSignals)``; all four are static arrays, so
the ABI calldata is the 4-byte selector followed by 8 + ℓ words: a.x, a.y, b (as above), c.x, c.y, x_1..x_ℓ.
The selector is the first 4 bytes of Keccak-256 of the canonical signature
``verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[ℓ])``; Keccak-256 is ``zksvs.keccak`` (the standard
library only has SHA3-256, which pads differently).

References
----------
EIP-196, EIP-197 (alt_bn128 encodings), EIP-2028 (calldata 16 gas per non-zero byte, 4 per zero byte); Solidity ABI
specification (static arrays); ethereum/execution-specs ``vm/precompiled_contracts/alt_bn128.py``; snarkjs 0.7.6
``templates/verifier_groth16.sol.ejs``, ``src/zkey_export_soliditycalldata.js``; FIPS 202 (Keccak-f[1600]).
"""

from __future__ import annotations

from collections.abc import Sequence

from py_ecc import optimized_bn128 as ob

from zksvs.errors import MalformedPoint
from zksvs.field import FQ_MODULUS
from zksvs.groth16 import G1Affine, G2Affine, Proof
from zksvs.keccak import keccak256

__all__ = [
    "CALLDATA_NONZERO_BYTE_GAS",
    "CALLDATA_ZERO_BYTE_GAS",
    "WORD_BYTES",
    "calldata_gas",
    "g1_from_evm",
    "g1_to_evm",
    "g2_from_evm",
    "g2_to_evm",
    "keccak256",
    "verifier_calldata",
    "verify_proof_selector",
    "verify_proof_signature",
]

WORD_BYTES = 32
#: EIP-2028 calldata prices (gas per byte).
CALLDATA_ZERO_BYTE_GAS = 4
CALLDATA_NONZERO_BYTE_GAS = 16
_UINT256_LIMIT = 1 << 256


# --- points -----------------------------------------------------------------------------------------------------


def _word(v: int, what: str) -> bytes:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < _UINT256_LIMIT:
        raise ValueError(f"Argument '{what}' must be an int in [0, 2^256), not {v!r}")
    return v.to_bytes(WORD_BYTES, "big")


def g1_to_evm(p: G1Affine, what: str = "point") -> bytes:
    """Affine G1 (None = ∞) → 64 bytes x ‖ y, big-endian (EIP-196); ∞ → 64 zero bytes. No curve check."""
    if p is None:
        return bytes(2 * WORD_BYTES)
    return _word(p[0], f"{what}.x") + _word(p[1], f"{what}.y")


def g2_to_evm(p: G2Affine, what: str = "point") -> bytes:
    """Affine G2 ((x_c0, x_c1), (y_c0, y_c1)) → 128 bytes x_c1 ‖ x_c0 ‖ y_c1 ‖ y_c0 (EIP-197, imaginary first)."""
    if p is None:
        return bytes(4 * WORD_BYTES)
    (x0, x1), (y0, y1) = p
    return b"".join(_word(v, f"{what}.{n}") for v, n in ((x1, "x.c1"), (x0, "x.c0"), (y1, "y.c1"), (y0, "y.c0")))


def _words(data: bytes, n: int, what: str) -> list[int]:
    if len(data) != n * WORD_BYTES:
        raise MalformedPoint(what, f"must be {n * WORD_BYTES} bytes, got {len(data)}")
    vals = [int.from_bytes(data[i : i + WORD_BYTES], "big") for i in range(0, len(data), WORD_BYTES)]
    for v in vals:
        if v >= FQ_MODULUS:
            raise MalformedPoint(what, f"coordinate {v} is not below q")
    return vals


def g1_from_evm(data: bytes, what: str = "point") -> G1Affine:
    """64 bytes (EIP-196) → affine G1, with execution-specs ``bytes_to_g1``'s checks.

    Raises
    ------
    MalformedPoint
        Wrong length, a coordinate ≥ q, or a point off the curve. (0, 0) decodes to ``None`` (∞).
    """
    x, y = _words(data, 2, what)
    if x == 0 and y == 0:
        return None
    if not ob.is_on_curve((ob.FQ(x), ob.FQ(y), ob.FQ.one()), ob.b):
        raise MalformedPoint(what, "is not on the curve y² = x³ + 3")
    return (x, y)


def g2_from_evm(data: bytes, what: str = "point") -> G2Affine:
    """128 bytes (EIP-197, imaginary part first) → affine G2 (real part first), with ``bytes_to_g2``'s checks.

    Subgroup membership is not checked here (the pairing precompile, and ``verifier.groth16``, check it).

    Raises
    ------
    MalformedPoint
        Wrong length, a coordinate ≥ q, or a point off the twist. All zeros decode to ``None`` (∞).
    """
    x1, x0, y1, y0 = _words(data, 4, what)
    if not any((x1, x0, y1, y0)):
        return None
    if not ob.is_on_curve((ob.FQ2([x0, x1]), ob.FQ2([y0, y1]), ob.FQ2.one()), ob.b2):
        raise MalformedPoint(what, "is not on the twist y² = x³ + 3/(9 + u)")
    return ((x0, x1), (y0, y1))


# --- calldata ---------------------------------------------------------------------------------------------------


def verify_proof_signature(n_public: int) -> str:
    """The canonical ABI signature of snarkjs's ``verifyProof`` for ``n_public`` public signals."""
    if not isinstance(n_public, int) or n_public < 1:
        raise ValueError(f"Argument 'n_public' must be an int ≥ 1 (Solidity has no uint[0]), not {n_public!r}")
    return f"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n_public}])"


def verify_proof_selector(n_public: int) -> bytes:
    """First 4 bytes of Keccak-256 of ``verify_proof_signature(n_public)``."""
    return keccak256(verify_proof_signature(n_public).encode())[:4]


def verifier_calldata(proof: Proof, public_inputs: Sequence[int]) -> bytes:
    """The calldata of ``verifyProof(a, b, c, input)`` on snarkjs's exported Groth16 verifier.

    Parameters
    ----------
    proof : Proof
        Affine Python ints (``None`` = ∞ is encoded as zeros). Points are not checked here.
    public_inputs : Sequence[int]
        x_1..x_ℓ, ints in [0, 2^256); values ≥ r are encodable, and the Solidity verifier rejects them itself
        (``checkField``), so a test can send them.

    Returns
    -------
    bytes
        4 + 32·(8 + ℓ) bytes: selector, A, B (imaginary parts first), C, inputs.

    Raises
    ------
    ValueError
        No public inputs, or a coordinate or input outside [0, 2^256).
    """
    inputs = list(public_inputs)
    return (
        verify_proof_selector(len(inputs))
        + g1_to_evm(proof.a, "proof.a")
        + g2_to_evm(proof.b, "proof.b")
        + g1_to_evm(proof.c, "proof.c")
        + b"".join(_word(x, f"public_inputs[{i}]") for i, x in enumerate(inputs))
    )


def calldata_gas(data: bytes) -> int:
    """Calldata gas of ``data`` (EIP-2028): 16 per non-zero byte, 4 per zero byte."""
    zeros = data.count(0)
    return CALLDATA_ZERO_BYTE_GAS * zeros + CALLDATA_NONZERO_BYTE_GAS * (len(data) - zeros)

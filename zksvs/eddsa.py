"""EdDSA-Poseidon on Baby Jubjub, bit for bit as circomlibjs 0.1.7 signs (``eddsa.js``: ``prv2pub``,
``signPoseidon``, ``verifyPoseidon``).

Symbols (circomlibjs name → ours):

    prv       private_key: 32 bytes
    sBuff     h = BLAKE-512(private_key), pruned: h[0] &= 0xF8, h[31] &= 0x7F, h[31] |= 0x40
    s         the secret scalar: h[0:32] read little-endian (a multiple of 8, 2^254 ≤ s < 2^255)
    A         public key: (s >> 3)·Base8, a point of the order-l subgroup
    r         nonce: BLAKE-512(h[32:64] ‖ msg as 32 little-endian bytes) read little-endian (512 bits), mod l
    R8        r·Base8
    hm        Poseidon(R8.x, R8.y, A.x, A.y, msg)                       (circomlib Poseidon, 5 inputs)
    S         (r + hm·s) mod l

Verification accepts (msg, (R8, S), A) exactly when

    R8 and A are on the curve, S < l, 8·A ≠ O, and S·Base8 = R8 + (8·hm)·A.

That is circomlibjs ``verifyPoseidon`` with one rule added: a public key of small order (8·A = O: the identity, the
point of order 2, and the six points of order 4 or 8) is refused. circomlibjs accepts, for such an A, *every*
R8 = S·Base8 on any message (its right side collapses to R8): a forgery anyone can make. circomlib's circuit
(``eddsaposeidon.circom``) refuses those keys, and so do this module and ``circuits.gadgets.eddsa``, so the
sequencer accepts exactly what the batch circuit can prove. A public key *off* the curve is refused, as circomlibjs
does (``inCurve``); so is R8 off the curve. (circomlib's circuit checks neither; see ``circuits.gadgets.eddsa``.)

Malformed input raises (a private key that is not 32 bytes, coordinates that are not canonical Fr ints, a negative
S); a well-formed signature that does not verify returns False (STYLE.md §6, arkworks ``verify``).

References
----------
circomlibjs 0.1.7 ``src/eddsa.js``, ``src/babyjub.js``; circomlib 2.0.5 ``circuits/eddsaposeidon.circom``;
D. J. Bernstein, N. Duif, T. Lange, P. Schwabe, B.-Y. Yang, "High-speed high-security signatures" (Ed25519),
CHES 2011 (the scheme: pruning, deterministic nonce, cofactor-8 verification equation); ERC-2494 (Baby Jubjub).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from zksvs import babyjub as bj
from zksvs.blake512 import blake512
from zksvs.errors import MalformedKey, MalformedSignature
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.poseidon import poseidon

__all__ = [
    "PRIVATE_KEY_BYTES",
    "Signature",
    "new_private_key",
    "private_key_from_seed",
    "private_to_public",
    "pubkey_from_obj",
    "pubkey_to_obj",
    "sign_poseidon",
    "verify_poseidon",
]

#: Length of a private key (circomlibjs takes any buffer; every key it documents and we accept is 32 bytes).
PRIVATE_KEY_BYTES: int = 32
_P = FR_MODULUS
_L = bj.SUBORDER


def _is_fr(x: object) -> bool:
    return type(x) is int and 0 <= x < _P


@dataclass(frozen=True)
class Signature:
    """An EdDSA-Poseidon signature (circomlibjs ``{R8, S}``).

    Attributes
    ----------
    r8 : tuple[int, int]
        The point R8 = r·Base8, affine (x, y), canonical Fr ints.
    s : int
        The scalar S, a non-negative int; a signature with S ≥ l is well formed but never verifies.

    Raises
    ------
    MalformedSignature
        ``r8`` is not a pair of ints in [0, r), or ``s`` is not an int ≥ 0.
    """

    r8: tuple[int, int]
    s: int

    def __post_init__(self) -> None:
        r8 = self.r8
        if not (isinstance(r8, tuple) and len(r8) == 2 and all(_is_fr(c) for c in r8)):
            raise MalformedSignature(f"signature.r8 must be a pair of ints in [0, r), not {r8!r}")
        if type(self.s) is not int or self.s < 0:
            raise MalformedSignature(f"signature.s must be an int ≥ 0, not {self.s!r}")

    def to_obj(self) -> dict:
        """The JSON form: ``{"r8": ["x", "y"], "s": "S"}`` (decimal strings, as snarkjs writes field elements)."""
        return {"r8": [str(self.r8[0]), str(self.r8[1])], "s": str(self.s)}

    @classmethod
    def from_obj(cls, obj: object, what: str = "signature") -> Signature:
        """Parse ``to_obj``'s form (decimal strings; JSON integers are accepted too).

        Raises
        ------
        MalformedSignature
            ``obj`` is not that form; the message names ``what``.
        """
        if not isinstance(obj, dict) or set(obj) != {"r8", "s"}:
            raise MalformedSignature(f'{what} must be an object {{"r8": [x, y], "s": S}}, not {obj!r}')
        r8 = obj["r8"]
        if not isinstance(r8, list) or len(r8) != 2:
            raise MalformedSignature(f"{what}.r8 must be a list [x, y], not {r8!r}")
        try:
            return cls((_decimal(r8[0]), _decimal(r8[1])), _decimal(obj["s"]))
        except (TypeError, ValueError) as e:
            raise MalformedSignature(f"{what}: {e}") from None


def _decimal(v: object) -> int:
    """A JSON number or a decimal string as an int (no sign, no whitespace, no float)."""
    if type(v) is int:
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit():
        return int(v)
    raise ValueError(f"expected a decimal string or an integer, not {v!r}")


def pubkey_to_obj(pubkey: tuple[int, int]) -> list[str]:
    """A public key's JSON form: ``["x", "y"]`` (decimal strings)."""
    x, y = _check_pubkey(pubkey, "pubkey")
    return [str(x), str(y)]


def pubkey_from_obj(obj: object, what: str = "pubkey") -> tuple[int, int]:
    """Parse ``["x", "y"]`` (decimal strings or JSON integers) into a public key tuple.

    Raises
    ------
    MalformedKey
        Not a two-element list of canonical Fr values; the message names ``what``.
    """
    if not isinstance(obj, list) or len(obj) != 2:
        raise MalformedKey(f"{what} must be a list [x, y], not {obj!r}")
    try:
        key = (_decimal(obj[0]), _decimal(obj[1]))
    except ValueError as e:
        raise MalformedKey(f"{what}: {e}") from None
    return _check_pubkey(key, what)


def _check_private_key(private_key: object) -> bytes:
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != PRIVATE_KEY_BYTES:
        got = f"{len(private_key)} bytes" if isinstance(private_key, bytes | bytearray) else type(private_key).__name__
        raise MalformedKey(f"private_key must be {PRIVATE_KEY_BYTES} bytes, not {got}")
    return bytes(private_key)


def _check_pubkey(pubkey: object, what: str = "pubkey") -> tuple[int, int]:
    if not (isinstance(pubkey, tuple | list) and len(pubkey) == 2 and all(_is_fr(c) for c in pubkey)):
        raise MalformedKey(f"{what} must be a pair (x, y) of ints in [0, r), not {pubkey!r}")
    return int(pubkey[0]), int(pubkey[1])


def _expand(private_key: bytes) -> tuple[int, bytes]:
    """(secret scalar s, the 32 nonce-prefix bytes): BLAKE-512 of the key, the low half pruned (``pruneBuffer``)."""
    h = bytearray(blake512(private_key))
    h[0] &= 0xF8
    h[31] &= 0x7F
    h[31] |= 0x40
    return int.from_bytes(h[:32], "little"), bytes(h[32:])


def new_private_key() -> bytes:
    """A fresh random private key (32 bytes from ``secrets``)."""
    return secrets.token_bytes(PRIVATE_KEY_BYTES)


def private_key_from_seed(seed: str | bytes) -> bytes:
    """A deterministic private key: SHA-256("zksvs/eddsa/seed\\0" ‖ seed) (tests, demos, ``zksvs keys new --seed``).

    Anyone who knows the seed knows the key: never use it for value.

    Raises
    ------
    MalformedKey
        ``seed`` is neither str nor bytes.
    """
    if isinstance(seed, str):
        seed = seed.encode()
    if not isinstance(seed, bytes | bytearray):
        raise MalformedKey(f"seed must be str or bytes, not {type(seed).__name__}")
    return hashlib.sha256(b"zksvs/eddsa/seed\0" + bytes(seed)).digest()


def private_to_public(private_key: bytes) -> tuple[int, int]:
    """The public key A = (s >> 3)·Base8 of ``private_key`` (circomlibjs ``prv2pub``).

    Raises
    ------
    MalformedKey
        ``private_key`` is not 32 bytes (bytes or bytearray).
    """
    s, _ = _expand(_check_private_key(private_key))
    return bj.base8_mul(s >> 3)


def sign_poseidon(private_key: bytes, msg: int) -> Signature:
    """The deterministic EdDSA-Poseidon signature of ``msg`` (circomlibjs ``signPoseidon``, bit for bit).

    Parameters
    ----------
    private_key : bytes
        32 bytes.
    msg : int
        The message, a canonical Fr element (e.g. ``zksvs.tx_message.tx_message(...)``).

    Raises
    ------
    MalformedKey
        ``private_key`` is not 32 bytes.
    NonCanonicalFieldElement
        ``msg`` is not an int in [0, r).
    """
    s, prefix = _expand(_check_private_key(private_key))
    msg = require_canonical_fr(msg, "msg")
    ax, ay = bj.base8_mul(s >> 3)
    r = int.from_bytes(blake512(prefix + msg.to_bytes(32, "little")), "little") % _L
    r8 = bj.base8_mul(r)
    hm = poseidon([r8[0], r8[1], ax, ay, msg])
    return Signature(r8, (r + hm * s) % _L)


def verify_poseidon(msg: int, signature: Signature, pubkey: tuple[int, int]) -> bool:
    """True when ``signature`` is a valid EdDSA-Poseidon signature of ``msg`` under ``pubkey`` (module docstring).

    Returns False for a well-formed signature that does not verify: S ≥ l, R8 or the key off the curve, a key of
    small order, a wrong message or key.

    Raises
    ------
    NonCanonicalFieldElement
        ``msg`` is not an int in [0, r).
    MalformedSignature
        ``signature`` is not a ``Signature``.
    MalformedKey
        ``pubkey`` is not a pair of ints in [0, r).
    """
    msg = require_canonical_fr(msg, "msg")
    if not isinstance(signature, Signature):
        raise MalformedSignature(f"signature must be a Signature, not {type(signature).__name__}")
    a = _check_pubkey(pubkey)
    r8, s = signature.r8, signature.s
    if s >= _L or not bj.is_on_curve(r8) or not bj.is_on_curve(a):
        return False
    a8 = bj.mul_cofactor(a)
    if a8 == bj.IDENTITY:  # A has small order
        return False
    hm = poseidon([r8[0], r8[1], a[0], a[1], msg])
    return bj.base8_mul_equals(s, r8, hm, a8)

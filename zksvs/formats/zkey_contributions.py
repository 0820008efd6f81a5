"""Section 10 of a Groth16 ``.zkey`` (the phase-2 MPC transcript): parse, serialise, and the bytes snarkjs hashes.

Layout (snarkjs 0.7.6 ``src/zkey_utils.js`` readMPCParams / writeMPCParams / readContribution / writeContribution):

====================  ======================================================================================
csHash                64 bytes: BLAKE2b-512 of the fresh key (``prover.circuit_hash``)
u32 count             number of contributions, then for each:
  deltaAfter          G1, 64 bytes: δ·G1 after this contribution
  g1_s, g1_sx         G1, 64 bytes each: the proof of knowledge s·G1 and x·s·G1 (x = this contribution's δ')
  g2_spx              G2, 128 bytes: x·sp, where sp = hashToG2(transcript)
  transcript          64 bytes: BLAKE2b-512 of csHash ‖ the earlier contributions' public keys ‖ g1_s ‖ g1_sx
  u32 type            0 = contribution, 1 = beacon
  u32 paramLength     then the parameters, each a type byte (strictly increasing) and its value:
                      1 = name (u8 length, UTF-8 bytes), 2 = numIterationsExp (u8), 3 = beacon hash (u8 length,
                      bytes)
====================  ======================================================================================

Points are stored as in the other zkey sections (affine, Fq coordinates 32-byte little-endian Montgomery form, G2
real part first, ∞ all zeros). They are read into affine Python ints (``zksvs.groth16`` forms) *without* curve
checks: judging them is ``zkey verify``'s job (``prover.zkey_verify``), which reports an off-curve point as an invalid
contribution, as snarkjs's pairing would.

Hashing uses snarkjs's uncompressed encoding (``toRprUncompressed``): each Fq coordinate in normal form, 32 bytes
big-endian; a G2 coordinate c0 + c1·u is written c1 then c0 (the 64-byte little-endian pair reversed as a whole);
∞ is all zeros. ``hash_public_key`` feeds deltaAfter, g1_s, g1_sx, g2_spx and the transcript, as ``hashPubKey``:
the contribution hash that ``snarkjs zkey verify`` prints is BLAKE2b-512 of exactly those bytes. Names and beacon
parameters are not hashed.

Names are written as snarkjs writes them: the first 64 UTF-16 code units (JavaScript ``substring(0, 64)``), encoded
as UTF-8 with any lone surrogate as U+FFFD (``TextEncoder``); they are read with ``TextDecoder`` semantics (invalid
UTF-8 → U+FFFD, a leading BOM dropped). An empty name is not written.

References
----------
snarkjs 0.7.6 ``src/zkey_utils.js``, ``src/zkey_contribute.js``, ``src/zkey_beacon.js``; ffjavascript 0.3.1
``src/wasm_curve.js`` (toRprUncompressed), wasmcurves 0.2.2 ``build_curve_jacobian_a0.js`` (LEMtoU).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

import numpy as np

from zksvs.errors import FormatError, TruncatedFile
from zksvs.field import FQ_MODULUS
from zksvs.formats.binfile import require_below
from zksvs.groth16 import G1Affine, G2Affine, g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs

CS_HASH_BYTES = 64
TRANSCRIPT_BYTES = 64
CONTRIBUTION = 0
BEACON = 1
CONTRIBUTION_TYPE_NAMES = {CONTRIBUTION: "contribution", BEACON: "beacon"}
NAME_MAX_UTF16_UNITS = 64
BEACON_HASH_MAX_BYTES = 255
_PARAM_NAME, _PARAM_ITERATIONS, _PARAM_BEACON_HASH = 1, 2, 3
_G1 = 64
_G2 = 128
_SECTION = "contributions"


@dataclass(frozen=True)
class Contribution:
    """One phase-2 contribution: δ after it, its public key and proof of knowledge, and its parameters.

    Attributes
    ----------
    delta_after : G1Affine
        δ·G1 once this contribution is applied.
    g1_s, g1_sx : G1Affine
        s·G1 (random) and x·s·G1, x this contribution's secret δ'.
    g2_spx : G2Affine
        x·sp with sp = hashToG2(transcript) (``prover.contribution_key.hash_to_g2``).
    transcript : bytes
        64 bytes (module table).
    type : int
        0 = contribution, 1 = beacon (other values are kept as read).
    name : str or None
        Free text (not covered by any hash); None when absent.
    num_iterations_exp, beacon_hash : int or None, bytes or None
        A beacon's parameters (``type == 1``): SHA-256 is iterated 2^num_iterations_exp times from beacon_hash.
    """

    delta_after: G1Affine
    g1_s: G1Affine
    g1_sx: G1Affine
    g2_spx: G2Affine
    transcript: bytes
    type: int = CONTRIBUTION
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None


@dataclass(frozen=True)
class Contributions:
    """Section 10 as a value: the circuit hash and the contributions in order (oldest first)."""

    cs_hash: bytes
    contributions: tuple[Contribution, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.cs_hash, bytes) or len(self.cs_hash) != CS_HASH_BYTES:
            raise ValueError(f"Argument 'cs_hash' must be {CS_HASH_BYTES} bytes, not {self.cs_hash!r:.80}")

    def appended(self, c: Contribution) -> Contributions:
        """A copy with ``c`` added last."""
        return Contributions(self.cs_hash, (*self.contributions, c))


# --- snarkjs's uncompressed point encoding and the public-key hash ----------------------------------------------------


def g1_uncompressed(p: G1Affine) -> bytes:
    """64 bytes: x ‖ y, normal form, big-endian; ∞ → zeros (snarkjs ``G1.toRprUncompressed``)."""
    if p is None:
        return bytes(_G1)
    return p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big")


def g2_uncompressed(p: G2Affine) -> bytes:
    """128 bytes: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, each normal form big-endian; ∞ → zeros (``G2.toRprUncompressed``)."""
    if p is None:
        return bytes(_G2)
    (x0, x1), (y0, y1) = p
    return b"".join(v.to_bytes(32, "big") for v in (x1, x0, y1, y0))


def hash_public_key(hasher, c: Contribution) -> None:
    """Feed ``c``'s public key to ``hasher`` as snarkjs ``hashPubKey``: deltaAfter, g1_s, g1_sx, g2_spx, transcript.

    ``hasher`` is anything with ``update(bytes)``, normally ``hashlib.blake2b(digest_size=64)``.
    """
    hasher.update(g1_uncompressed(c.delta_after))
    hasher.update(g1_uncompressed(c.g1_s))
    hasher.update(g1_uncompressed(c.g1_sx))
    hasher.update(g2_uncompressed(c.g2_spx))
    hasher.update(c.transcript)


# --- names as JavaScript handles them ---------------------------------------------------------------------------------


def snarkjs_name_bytes(name: str) -> bytes:
    """The bytes snarkjs writes for ``name``: ``TextEncoder().encode(name.substring(0, 64))``."""
    units = name.encode("utf-16-le", "surrogatepass")[: 2 * NAME_MAX_UTF16_UNITS]
    cut = units.decode("utf-16-le", "surrogatepass")
    # TextEncoder writes a lone surrogate (a pair cut in half, or one that came in) as U+FFFD
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in cut).encode("utf-8")


def _decode_name(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


# --- reading ----------------------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes, path: str) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise TruncatedFile(self.path, f"{_SECTION} ({what})", self.pos + n, len(self.data))
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self.take(4, what))[0]

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]


def _points(raw: bytes, g2: bool, path: str, what: str) -> list:
    limbs = np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape((-1, 2, 2, 4) if g2 else (-1, 2, 4))
    require_below(limbs, FQ_MODULUS, path, what)
    return g2_from_limbs(limbs) if g2 else g1_from_limbs(limbs)


def _read_contribution(rd: _Reader, i: int) -> Contribution:
    what = f"contribution {i + 1}"
    g1 = _points(rd.take(3 * _G1, what), False, rd.path, f"{what} G1 point coordinate")
    (g2_spx,) = _points(rd.take(_G2, what), True, rd.path, f"{what} g2_spx coordinate")
    transcript = rd.take(TRANSCRIPT_BYTES, what)
    ctype = rd.u32(what)
    n_params = rd.u32(what)
    end = rd.pos + n_params
    if end > len(rd.data):
        raise TruncatedFile(rd.path, f"{_SECTION} ({what} parameters)", end, len(rd.data))
    params: dict[str, object] = {}
    last = 0
    while rd.pos < end:
        kind = rd.u8(what)
        if kind <= last:
            raise FormatError(
                f"{rd.path}: {what}: parameter types must be strictly increasing, found {kind} after {last}"
            )
        last = kind
        if kind == _PARAM_NAME:
            params["name"] = _decode_name(rd.take(rd.u8(what), what))
        elif kind == _PARAM_ITERATIONS:
            params["num_iterations_exp"] = rd.u8(what)
        elif kind == _PARAM_BEACON_HASH:
            params["beacon_hash"] = rd.take(rd.u8(what), what)
        else:
            raise FormatError(f"{rd.path}: {what}: unknown parameter type {kind} (expected 1 name, 2, 3 beacon)")
    if rd.pos != end:
        raise FormatError(f"{rd.path}: {what}: parameters run {rd.pos - end} bytes past their length {n_params}")
    if ctype == BEACON and not {"num_iterations_exp", "beacon_hash"} <= params.keys():
        raise FormatError(f"{rd.path}: {what} is a beacon without its iteration count and hash (parameters 2 and 3)")
    return Contribution(g1[0], g1[1], g1[2], g2_spx, transcript, ctype, **params)  # type: ignore[arg-type]


def parse_contributions(raw: bytes | bytearray | memoryview, path: str = "<memory>") -> Contributions:
    """Parse a section-10 body (``ZkeyFile.contributions``).

    Raises
    ------
    TruncatedFile
        The section ends inside the circuit hash, a contribution or its parameters.
    NonCanonicalFieldElement
        A point coordinate ≥ q.
    FormatError
        Unsorted or unknown parameters, parameters longer than declared, a beacon without its parameters, or bytes
        after the last contribution.
    """
    rd = _Reader(bytes(raw), path)
    cs_hash = rd.take(CS_HASH_BYTES, "circuit hash")
    n = rd.u32("contribution count")
    out = [_read_contribution(rd, i) for i in range(n)]
    if rd.pos != len(rd.data):
        raise FormatError(f"{path}: section '{_SECTION}' has {len(rd.data) - rd.pos} bytes after its {n} contributions")
    return Contributions(cs_hash, tuple(out))


# --- writing ----------------------------------------------------------------------------------------------------------


def _params(c: Contribution) -> bytes:
    out = bytearray()
    if c.name:
        data = snarkjs_name_bytes(c.name)
        out += bytes([_PARAM_NAME, len(data)]) + data
    if c.type == BEACON:
        if c.num_iterations_exp is None or c.beacon_hash is None:
            raise ValueError("a beacon contribution needs num_iterations_exp and beacon_hash")
        if not 0 <= c.num_iterations_exp <= 255 or len(c.beacon_hash) > BEACON_HASH_MAX_BYTES:
            raise ValueError(
                f"beacon parameters out of range: num_iterations_exp {c.num_iterations_exp}, "
                f"beacon_hash of {len(c.beacon_hash)} bytes (at most {BEACON_HASH_MAX_BYTES})"
            )
        out += bytes([_PARAM_ITERATIONS, c.num_iterations_exp, _PARAM_BEACON_HASH, len(c.beacon_hash)])
        out += c.beacon_hash
    return bytes(out)


def serialize_contributions(params: Contributions) -> bytes:
    """The section-10 body for ``params``, byte for byte as snarkjs ``writeMPCParams`` writes it.

    Raises
    ------
    ValueError
        A transcript is not 64 bytes, or a beacon contribution lacks (or has out-of-range) parameters.
    """
    out = bytearray(params.cs_hash)
    out += struct.pack("<I", len(params.contributions))
    for c in params.contributions:
        if len(c.transcript) != TRANSCRIPT_BYTES:
            raise ValueError(f"a contribution transcript must be {TRANSCRIPT_BYTES} bytes, not {len(c.transcript)}")
        out += g1_to_limbs([c.delta_after, c.g1_s, c.g1_sx]).astype("<u8").tobytes()
        out += g2_to_limbs([c.g2_spx]).astype("<u8").tobytes()
        out += c.transcript
        p = _params(c)
        out += struct.pack("<II", c.type, len(p)) + p
    return bytes(out)


def contribution_hash(c: Contribution) -> bytes:
    """BLAKE2b-512 of ``c``'s public key (``hash_public_key``): the hash ``snarkjs zkey verify`` lists."""
    h = hashlib.blake2b(digest_size=64)
    hash_public_key(h, c)
    return h.digest()


def format_hash(digest: bytes, title: str | None = None) -> str:
    """snarkjs ``misc.formatHash``: four lines of four 8-hex-digit words (tab-indented), under ``title`` if given."""
    words = [digest[i : i + 4].hex() for i in range(0, 64, 4)]
    lines = ["\t\t" + " ".join(words[4 * r : 4 * r + 4]) for r in range(4)]
    return "\n".join(([title] if title else []) + lines)


__all__ = [
    "BEACON",
    "BEACON_HASH_MAX_BYTES",
    "CONTRIBUTION",
    "CONTRIBUTION_TYPE_NAMES",
    "Contribution",
    "Contributions",
    "contribution_hash",
    "format_hash",
    "g1_uncompressed",
    "g2_uncompressed",
    "hash_public_key",
    "parse_contributions",
    "serialize_contributions",
    "snarkjs_name_bytes",
]

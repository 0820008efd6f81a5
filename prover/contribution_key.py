"""A phase-2 contribution's key δ' and its proof of knowledge, drawn exactly as snarkjs draws them.

snarkjs 0.7.6 (``zkey_contribute.js``, ``zkey_beacon.js``) draws everything from ffjavascript's ChaCha20 stream:

1. the stream's seed: 8 big-endian u32 words of a 32-byte value. ``zkey contribute``: BLAKE2b-512 of 64 random
   bytes ‖ the UTF-8 entropy text (``misc.getRandomRng``); ``zkey beacon``: SHA-256 iterated 2^e times from the beacon
   hash (``misc.rngFromBeaconParams``), so a beacon is reproducible by anyone;
2. x = δ' = ``Fr.fromRng``: four ``nextU64`` (each high u32 first) as a little-endian 256-bit v, masked to r's 254
   bits, redrawn while v ≥ r. The 32 bytes are then *used as a Montgomery-form element*, so x = v·2^-256 mod r;
3. s·G1 = ``G1.fromRng``: x-coordinate by ``Fq.fromRng`` (again v·2^-256 mod q), then a ``nextBool``, redrawn until
   x³ + 3 is a square; y is the root whose sign (y > (q − 1)/2) equals the bool (G1's cofactor is 1);
4. transcript = BLAKE2b-512(csHash ‖ each earlier contribution's public key ‖ s·G1 ‖ x·s·G1), the points in the
   uncompressed form of ``zksvs.formats.zkey_contributions``;
5. sp = ``hashToG2(transcript)``: a ChaCha stream seeded with the transcript's first 32 bytes, ``G2.fromRng``
   (x = c0 + c1·u from two ``Fq.fromRng``, the sign of y taken from c1, or from c0 when c1 = 0), times G2's cofactor
   2q − r (ffjavascript ``bn128.js`` ``cofactorG2``);
6. the contribution is deltaAfter = x·δ₁, g1_s = s·G1, g1_sx = x·s·G1, g2_spx = x·sp; the key's δ₁, δ₂ are
   multiplied by x and its C (L) and H sections by x⁻¹ (``prover.contribute``).

Verification (``prover.zkey_verify``) recomputes the transcript and sp and checks e(g1_s, g2_spx) = e(g1_sx, sp) and
e(δ_before, g2_spx) = e(deltaAfter, sp): knowledge of x is proven, and δ moved by exactly x.

Public API::

    ChaCha(seed_words)                       ffjavascript's ChaCha20 stream (next_u32, next_u64, next_bool)
    rng_from_entropy(entropy: str) -> ChaCha random 64 bytes (os.urandom) ‖ entropy → BLAKE2b-512 → seed
    rng_from_beacon(beacon_hash, num_iterations_exp) -> ChaCha
    fr_from_rng(rng) -> int                  g1_from_rng(rng) -> G1Affine          g2_from_rng(rng) -> G2Affine
    hash_to_g2(transcript: bytes) -> G2Affine
    ContributionKey.draw(rng, prior: Contributions) -> ContributionKey

References
----------
snarkjs 0.7.6 ``src/misc.js`` (getRandomRng, rngFromBeaconParams), ``src/keypair.js`` (hashToG2),
``src/zkey_contribute.js``; ffjavascript 0.3.1 ``src/chacha.js``, ``src/wasm_field1.js`` / ``wasm_field2.js`` /
``wasm_curve.js`` (fromRng); wasmcurves 0.2.2 ``build_f1m.js`` / ``build_f2m.js`` (isNegative, isSquare); ChaCha20:
Bernstein, "ChaCha, a variant of Salsa20" (2008); square roots in Fq2 for q ≡ 3 mod 4: Adj and Rodríguez-Henríquez,
eprint 2012/685, Algorithm 9.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from py_ecc import optimized_bn128 as _ob

from prover.msm import g1_mul, g2_mul
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.zkey_contributions import Contributions, g1_uncompressed, hash_public_key
from zksvs.groth16 import G1Affine, G2Affine

__all__ = [
    "G2_COFACTOR",
    "ChaCha",
    "ContributionKey",
    "fr_from_rng",
    "g1_from_rng",
    "g2_from_rng",
    "hash_to_g2",
    "rng_from_beacon",
    "rng_from_entropy",
    "transcript_hasher",
]

_Q = int(FQ_MODULUS)
_R = FR_MODULUS
_M32 = 0xFFFFFFFF
#: BN254 G2's cofactor: #E'(Fq2) = r·(2q − r) (ffjavascript 0.3.1 ``bn128.js`` ``cofactorG2``, the same number).
G2_COFACTOR = 2 * _Q - _R
_B2 = (int(_ob.b2.coeffs[0]), int(_ob.b2.coeffs[1]))  # 3/(9 + u), the twist's b
_MONT_INV_Q = pow(1 << 256, -1, _Q)
_MONT_INV_R = pow(1 << 256, -1, _R)
#: snarkjs checks a beacon's iteration exponent is in [10, 63] (``zkey_beacon.js``)
BEACON_MIN_EXP, BEACON_MAX_EXP = 10, 63


# --- ChaCha20 as ffjavascript runs it ---------------------------------------------------------------------------------


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _M32


def _quarter(st: list[int], a: int, b: int, c: int, d: int) -> None:
    st[a] = (st[a] + st[b]) & _M32
    st[d] = _rotl(st[d] ^ st[a], 16)
    st[c] = (st[c] + st[d]) & _M32
    st[b] = _rotl(st[b] ^ st[c], 12)
    st[a] = (st[a] + st[b]) & _M32
    st[d] = _rotl(st[d] ^ st[a], 8)
    st[c] = (st[c] + st[d]) & _M32
    st[b] = _rotl(st[b] ^ st[c], 7)


class ChaCha:
    """ffjavascript's ChaCha20 stream: 8 seed words, a 128-bit block counter from 0, no nonce.

    Parameters
    ----------
    seed : sequence of 8 ints
        u32 words (``seed_from_bytes`` reads them big-endian from 32 bytes, as snarkjs does).
    """

    def __init__(self, seed: Sequence[int]) -> None:
        if len(seed) != 8 or not all(isinstance(w, int) and 0 <= w <= _M32 for w in seed):
            raise ValueError(f"Argument 'seed' must be 8 u32 words, not {seed!r:.120}")
        self._state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *seed, 0, 0, 0, 0]
        self._buf: list[int] = []
        self._idx = 16

    @classmethod
    def from_bytes(cls, seed: bytes) -> ChaCha:
        """Seeded with the first 32 bytes of ``seed`` read as 8 big-endian u32 words."""
        if len(seed) < 32:
            raise ValueError(f"Argument 'seed' must have at least 32 bytes, not {len(seed)}")
        return cls([int.from_bytes(seed[4 * i : 4 * i + 4], "big") for i in range(8)])

    def _update(self) -> None:
        st = list(self._state)
        for _ in range(10):
            _quarter(st, 0, 4, 8, 12)
            _quarter(st, 1, 5, 9, 13)
            _quarter(st, 2, 6, 10, 14)
            _quarter(st, 3, 7, 11, 15)
            _quarter(st, 0, 5, 10, 15)
            _quarter(st, 1, 6, 11, 12)
            _quarter(st, 2, 7, 8, 13)
            _quarter(st, 3, 4, 9, 14)
        self._buf = [(a + b) & _M32 for a, b in zip(st, self._state)]
        self._idx = 0
        for k in range(12, 16):  # the counter words, with carry
            self._state[k] = (self._state[k] + 1) & _M32
            if self._state[k]:
                break

    def next_u32(self) -> int:
        """The next 32-bit word."""
        if self._idx == 16:
            self._update()
        w = self._buf[self._idx]
        self._idx += 1
        return w

    def next_u64(self) -> int:
        """Two words, the first one high."""
        hi = self.next_u32()
        return (hi << 32) | self.next_u32()

    def next_bool(self) -> bool:
        """The low bit of the next word."""
        return bool(self.next_u32() & 1)


def rng_from_entropy(entropy: str) -> ChaCha:
    """``misc.getRandomRng``: BLAKE2b-512(64 bytes of ``os.urandom`` ‖ UTF-8 ``entropy``) seeds the stream.

    The operating system's randomness alone already makes the key unpredictable; ``entropy`` only adds to it.
    """
    h = hashlib.blake2b(digest_size=64)
    h.update(os.urandom(64))
    h.update(entropy.encode("utf-8", "surrogatepass"))
    return ChaCha.from_bytes(h.digest())


def beacon_digest(beacon_hash: bytes, num_iterations_exp: int) -> bytes:
    """SHA-256 applied 2^num_iterations_exp times to ``beacon_hash`` (``misc.rngFromBeaconParams``)."""
    h = bytes(beacon_hash)
    sha = hashlib.sha256
    for _ in range(1 << num_iterations_exp):
        h = sha(h).digest()
    return h


def rng_from_beacon(beacon_hash: bytes, num_iterations_exp: int) -> ChaCha:
    """The beacon's stream: seeded with ``beacon_digest(beacon_hash, num_iterations_exp)``."""
    return ChaCha.from_bytes(beacon_digest(beacon_hash, num_iterations_exp))


# --- fromRng ----------------------------------------------------------------------------------------------------------


def _raw_from_rng(rng: ChaCha, modulus: int) -> int:
    mask = (1 << modulus.bit_length()) - 1
    while True:
        v = 0
        for i in range(4):
            v |= rng.next_u64() << (64 * i)
        v &= mask
        if v < modulus:
            return v


def fr_from_rng(rng: ChaCha) -> int:
    """``Fr.fromRng``: the drawn 256-bit word is a Montgomery form, so the element is v·2^-256 mod r."""
    return _raw_from_rng(rng, _R) * _MONT_INV_R % _R


def _fq_from_rng(rng: ChaCha) -> int:
    return _raw_from_rng(rng, _Q) * _MONT_INV_Q % _Q


def _fq_is_negative(a: int) -> bool:
    return a > (_Q - 1) // 2


def _fq_is_square(a: int) -> bool:
    return a == 0 or pow(a, (_Q - 1) // 2, _Q) == 1


def _fq2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) % _Q, (a[0] * b[1] + a[1] * b[0]) % _Q)


def _fq2_pow(a: tuple[int, int], e: int) -> tuple[int, int]:
    out = (1, 0)
    while e:
        if e & 1:
            out = _fq2_mul(out, a)
        a = _fq2_mul(a, a)
        e >>= 1
    return out


def _fq2_is_square(a: tuple[int, int]) -> bool:
    # a is a square in Fq2 iff its norm a0² + a1² is a square in Fq (same as wasmcurves' a^((q²−1)/2) ≠ −1)
    return _fq_is_square((a[0] * a[0] + a[1] * a[1]) % _Q)


def _fq2_sqrt(a: tuple[int, int]) -> tuple[int, int]:
    """A square root of a square a in Fq2 = Fq[u]/(u² + 1), q ≡ 3 mod 4 (eprint 2012/685, Algorithm 9)."""
    a1 = _fq2_pow(a, (_Q - 3) // 4)
    alpha = _fq2_mul(_fq2_mul(a1, a1), a)
    x0 = _fq2_mul(a1, a)
    if alpha == (_Q - 1, 0):
        return ((-x0[1]) % _Q, x0[0])  # u·x0
    b = _fq2_pow(((1 + alpha[0]) % _Q, alpha[1]), (_Q - 1) // 2)
    return _fq2_mul(b, x0)


def g1_from_rng(rng: ChaCha) -> G1Affine:
    """``G1.fromRng`` (module docstring, step 3)."""
    while True:
        x = _fq_from_rng(rng)
        greatest = rng.next_bool()
        rhs = (x * x * x + 3) % _Q
        if _fq_is_square(rhs):
            break
    y = pow(rhs, (_Q + 1) // 4, _Q)
    if greatest != _fq_is_negative(y):
        y = (-y) % _Q
    return (x, y)


def g2_from_rng(rng: ChaCha) -> G2Affine:
    """``G2.fromRng`` (module docstring, step 5), including the multiplication by the cofactor."""
    while True:
        x = (_fq_from_rng(rng), _fq_from_rng(rng))
        greatest = rng.next_bool()
        x3 = _fq2_mul(_fq2_mul(x, x), x)
        rhs = ((x3[0] + _B2[0]) % _Q, (x3[1] + _B2[1]) % _Q)
        if _fq2_is_square(rhs):
            break
    y = _fq2_sqrt(rhs)
    assert _fq2_mul(y, y) == rhs
    negative = _fq_is_negative(y[1]) if y[1] else _fq_is_negative(y[0])
    if greatest != negative:
        y = ((-y[0]) % _Q, (-y[1]) % _Q)
    # off the order-r subgroup until cleared; py_ecc's multiply does not reduce the scalar mod r
    p = _ob.multiply((_ob.FQ2(list(x)), _ob.FQ2(list(y)), _ob.FQ2.one()), G2_COFACTOR)
    if _ob.is_inf(p):  # pragma: no cover - a point of order dividing the cofactor: probability ~2^-254
        return None
    px, py = _ob.normalize(p)
    return ((int(px.coeffs[0]), int(px.coeffs[1])), (int(py.coeffs[0]), int(py.coeffs[1])))


def hash_to_g2(transcript: bytes) -> G2Affine:
    """``keypair.hashToG2``: ``G2.fromRng`` on a stream seeded with the transcript's first 32 bytes."""
    return g2_from_rng(ChaCha.from_bytes(transcript))


def transcript_hasher(prior: Contributions):
    """BLAKE2b-512 fed with the circuit hash and every earlier contribution's public key (step 4, first part)."""
    h = hashlib.blake2b(digest_size=64)
    h.update(prior.cs_hash)
    for c in prior.contributions:
        hash_public_key(h, c)
    return h


@dataclass(frozen=True)
class ContributionKey:
    """δ' (``secret``) and its proof of knowledge, as steps 2–5 of the module docstring draw them.

    Attributes
    ----------
    secret : int
        x in [1, r) (normal form). Toxic waste: never stored.
    g1_s, g1_sx : G1Affine
    transcript : bytes
        64 bytes.
    g2_sp, g2_spx : G2Affine
        sp = hash_to_g2(transcript) and x·sp.
    """

    secret: int
    g1_s: G1Affine
    g1_sx: G1Affine
    transcript: bytes
    g2_sp: G2Affine
    g2_spx: G2Affine

    @classmethod
    def draw(cls, rng: ChaCha, prior: Contributions) -> ContributionKey:
        """Draw x and s·G1 from ``rng`` and bind them to ``prior`` (the key's section 10 before this contribution)."""
        x = fr_from_rng(rng)
        if x == 0:  # pragma: no cover - probability 2^-254; snarkjs would write a key with δ = ∞
            raise RuntimeError("drew δ' = 0")
        g1_s = g1_from_rng(rng)
        g1_sx = g1_mul(g1_s, x)
        h = transcript_hasher(prior)
        h.update(g1_uncompressed(g1_s))
        h.update(g1_uncompressed(g1_sx))
        transcript = h.digest()
        sp = hash_to_g2(transcript)
        return cls(x, g1_s, g1_sx, transcript, sp, g2_mul(sp, x))

"""BLAKE-512, the SHA-3 finalist (not BLAKE2): the hash circomlibjs uses to derive EdDSA secret scalars and nonces.

circomlibjs 0.1.7 ``eddsa.js`` calls ``createBlakeHash("blake512")`` (npm ``blake-hash``) to expand a private key and
to derive the deterministic nonce; Python's ``hashlib`` has only BLAKE2, so this module implements BLAKE-512 as the
specification defines it: 128-byte blocks, 16 rounds of the G function over sixteen 64-bit words, salt 0, a 128-bit
counter of message bits (0 for a final block that holds padding only), and padding ``1 0…0 1 ‖ length``.

Constants are derived, not typed: the sixteen round constants are the first 1024 fractional bits of π and the
initial value is SHA-512's (fractional parts of the square roots of the first eight primes); both are checked
against the published leading words below. ``tests/core/test_blake512.py`` compares digests with npm
``blake-hash`` run by node.

References
----------
J.-P. Aumasson, L. Henzen, W. Meier, R. C.-W. Phan, "SHA-3 proposal BLAKE", version 1.3 (2010), §2.2 (BLAKE-512),
Appendix A (constants); FIPS 180-4 §5.3.5 (the SHA-512 initial value); npm ``blake-hash`` 2.0
``lib/blake512.js`` (the implementation circomlibjs uses).
"""

from __future__ import annotations

from math import isqrt

__all__ = ["blake512"]

_MASK = (1 << 64) - 1
_BLOCK = 128


def _pi_fraction_bits(n_bits: int) -> int:
    """floor(frac(π) · 2^n_bits), by Machin's formula π = 16·atan(1/5) − 4·atan(1/239) in fixed point."""
    guard = 64
    one = 1 << (n_bits + guard)

    def atan_inv(x: int) -> int:
        total, term, k, x2 = 0, one // x, 0, x * x
        while term:
            total += term // (2 * k + 1) if k % 2 == 0 else -(term // (2 * k + 1))
            term //= x2
            k += 1
        return total

    pi = 16 * atan_inv(5) - 4 * atan_inv(239)
    return (pi - 3 * one) >> guard


def _sqrt_fraction_word(p: int) -> int:
    """The first 64 fractional bits of √p."""
    return isqrt(p << 128) & _MASK


_PI = _pi_fraction_bits(1024)
#: c_0 … c_15: the first 1024 fractional bits of π as sixteen 64-bit words (BLAKE spec Appendix A).
_C: tuple[int, ...] = tuple((_PI >> (64 * (15 - i))) & _MASK for i in range(16))
#: SHA-512's initial value, which BLAKE-512 takes as its own.
_IV: tuple[int, ...] = tuple(_sqrt_fraction_word(p) for p in (2, 3, 5, 7, 11, 13, 17, 19))
assert _C[0] == 0x243F6A8885A308D3 and _C[15] == 0x636920D871574E69
assert _IV[0] == 0x6A09E667F3BCC908 and _IV[7] == 0x5BE0CD19137E2179

#: The ten message permutations σ_0 … σ_9 (round i uses σ_{i mod 10}).
_SIGMA: tuple[tuple[int, ...], ...] = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)
_N_ROUNDS = 16
# (a, b, c, d) state indices of G_0 … G_7: four columns, then four diagonals
_STEPS = ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))  # fmt: skip


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (64 - n))) & _MASK


def _compress(h: list[int], block: bytes, counter: int) -> None:
    """One compression of a 128-byte block into the chain value ``h`` (in place); salt 0."""
    m = [int.from_bytes(block[8 * i : 8 * i + 8], "big") for i in range(16)]
    t0, t1 = counter & _MASK, counter >> 64
    v = [*h, _C[0], _C[1], _C[2], _C[3], t0 ^ _C[4], t0 ^ _C[5], t1 ^ _C[6], t1 ^ _C[7]]
    for rnd in range(_N_ROUNDS):
        s = _SIGMA[rnd % 10]
        for i, (a, b, c, d) in enumerate(_STEPS):
            x, y = s[2 * i], s[2 * i + 1]
            v[a] = (v[a] + v[b] + (m[x] ^ _C[y])) & _MASK
            v[d] = _rotr(v[d] ^ v[a], 32)
            v[c] = (v[c] + v[d]) & _MASK
            v[b] = _rotr(v[b] ^ v[c], 25)
            v[a] = (v[a] + v[b] + (m[y] ^ _C[x])) & _MASK
            v[d] = _rotr(v[d] ^ v[a], 16)
            v[c] = (v[c] + v[d]) & _MASK
            v[b] = _rotr(v[b] ^ v[c], 11)
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


def blake512(data: bytes) -> bytes:
    """The 64-byte BLAKE-512 digest of ``data`` (salt 0), equal to npm ``blake-hash``'s ``"blake512"``.

    Parameters
    ----------
    data : bytes
        The message (any length; bytes, bytearray or memoryview).

    Returns
    -------
    bytes
        64 bytes, the eight chain words big-endian.

    Raises
    ------
    TypeError
        ``data`` is not bytes-like.
    """
    msg = bytes(memoryview(data))
    n_bits = 8 * len(msg)
    # padding: a 1 bit, zeros up to 895 mod 1024 bits, a 1 bit, then the 128-bit length (big-endian)
    tail = msg[len(msg) - len(msg) % _BLOCK :]
    if len(tail) == 111:
        pad = b"\x81"
    else:
        zeros = (111 - len(tail) - 1) % _BLOCK
        pad = b"\x80" + b"\x00" * zeros + b"\x01"
    padded = msg + pad + n_bits.to_bytes(16, "big")
    assert len(padded) % _BLOCK == 0
    h = list(_IV)
    for start in range(0, len(padded), _BLOCK):
        # the counter holds the message bits up to the end of this block; a block of padding only counts 0
        counter = min(8 * (start + _BLOCK), n_bits) if 8 * start < n_bits else 0
        _compress(h, padded[start : start + _BLOCK], counter)
    return b"".join(w.to_bytes(8, "big") for w in h)

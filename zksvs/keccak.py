"""Keccak-256, Ethereum's hash (not SHA3-256: the same Keccak-f[1600] sponge with another padding byte).

The L1 binds a batch's data with it (``zksvs.statement.eval_point``), and EVM selectors are its first 4 bytes
(``verifier.evm``). Pure Python, a few hundred microseconds per 136-byte block: the inputs here are a few blocks.
Tested against ``hashlib.sha3_256`` with SHA-3's padding and against published Keccak-256 vectors.

References
----------
FIPS 202 (Keccak-f[1600], ρ/π/χ/ι, the sponge); the Ethereum yellow paper (KEC = Keccak-256, padding 0x01).
"""

from __future__ import annotations

__all__ = ["keccak256"]


def _round_constants() -> list[int]:
    """Keccak-f[1600] ι constants from the degree-8 LFSR of FIPS 202 §3.2.5 (derived, not typed in)."""
    out, lfsr = [], 1
    for _ in range(24):
        rc = 0
        for j in range(7):
            if lfsr & 1:
                rc |= 1 << ((1 << j) - 1)
            lfsr = ((lfsr << 1) ^ 0x171) if lfsr & 0x80 else (lfsr << 1)
        out.append(rc)
    return out


def _rho_pi_schedule() -> list[tuple[int, int]]:
    """(lane index, rotation) along the ρ/π walk starting at lane (1, 0), as FIPS 202 §3.2.2–3.2.3."""
    out, x, y = [], 1, 0
    for t in range(24):
        x, y = y, (2 * x + 3 * y) % 5
        out.append((x + 5 * y, ((t + 1) * (t + 2) // 2) % 64))
    return out


_RC = _round_constants()
_RHO_PI = _rho_pi_schedule()
_MASK64 = (1 << 64) - 1
_RATE = 136  # bytes: 1600 − 2·256 bits of capacity


def _keccak_f(s: list[int]) -> None:
    for rc in _RC:
        c = [s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20] for x in range(5)]
        for x in range(5):
            d = c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _MASK64)
            for y in range(0, 25, 5):
                s[x + y] ^= d
        cur = s[1]
        for lane, rot in _RHO_PI:
            cur, s[lane] = s[lane], ((cur << rot) | (cur >> (64 - rot))) & _MASK64
        for y in range(0, 25, 5):
            row = s[y : y + 5]
            for x in range(5):
                s[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5])
        s[0] ^= rc


def _keccak256_sponge(data: bytes, suffix: int) -> bytes:
    """Keccak[c = 512] with domain ``suffix`` (0x01: Keccak-256 as Ethereum uses it; 0x06: SHA3-256)."""
    padded = bytearray(data) + bytes([suffix]) + bytes(-(len(data) + 1) % _RATE)
    padded[-1] |= 0x80
    s = [0] * 25
    for off in range(0, len(padded), _RATE):
        for i in range(_RATE // 8):
            s[i] ^= int.from_bytes(padded[off + 8 * i : off + 8 * i + 8], "little")
        _keccak_f(s)
    return b"".join(s[i].to_bytes(8, "little") for i in range(4))


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of ``data`` (Ethereum's hash; not SHA3-256), 32 bytes."""
    return _keccak256_sponge(bytes(data), 0x01)

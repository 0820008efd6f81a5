"""Python ints ⇄ numpy limb arrays, and Montgomery form conversions (no numba: the core stays numba-free).

Layout everywhere: little-endian 64-bit limbs, ``uint64[..., 4]``, C-contiguous; this is also the byte layout of
field elements in iden3 ``.wtns``/``.zkey`` files, so file sections map to these arrays without copies.
G1 affine points are ``uint64[n, 2, 4]`` (x, y); G2 affine points ``uint64[n, 2, 2, 4]`` (x, y; then c0, c1).
Montgomery form of a mod m is a·2^256 mod m. The point at infinity in affine limb form is all zeros (snarkjs's
convention: (0, 0) is not on the curve, so it is unambiguous).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

MONT_SHIFT = 256


def ints_to_limbs(values: Iterable[int]) -> np.ndarray:
    """Non-negative ints < 2^256 → ``uint64[n, 4]`` little-endian limbs."""
    vals = list(values)
    buf = b"".join(v.to_bytes(32, "little") for v in vals)
    return np.frombuffer(buf, dtype="<u8").reshape(len(vals), 4).astype(np.uint64, copy=True)


def int_to_limbs(x: int) -> tuple[int, int, int, int]:
    """One non-negative int < 2^256 → its 4 little-endian 64-bit limbs as Python ints (``ints_to_limbs`` for one value).

    Raises
    ------
    ValueError
        ``x`` is negative or ≥ 2^256.
    """
    if not 0 <= x < 1 << 256:
        raise ValueError(f"Argument 'x' must be in [0, 2^256), not {x}")
    m = (1 << 64) - 1
    return (x & m, (x >> 64) & m, (x >> 128) & m, (x >> 192) & m)


def limbs_to_ints(limbs: np.ndarray) -> list[int]:
    """``uint64[..., 4]`` limbs → flat list of Python ints (row-major over the leading axes)."""
    b = np.ascontiguousarray(limbs, dtype="<u8").tobytes()
    return [int.from_bytes(b[i : i + 32], "little") for i in range(0, len(b), 32)]


def to_montgomery(values: Sequence[int], modulus: int) -> list[int]:
    """a ↦ a·2^256 mod m for each value."""
    return [(v << MONT_SHIFT) % modulus for v in values]


def from_montgomery(values: Sequence[int], modulus: int) -> list[int]:
    """a·2^256 ↦ a mod m for each value."""
    rinv = pow(1 << MONT_SHIFT, -1, modulus)
    return [v * rinv % modulus for v in values]

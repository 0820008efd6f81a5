"""The GLV endomorphism of BN254 and the scalar split k = k1 + k2·λ (Python ints; the numba split is ``kernels.glv``).

Both groups have a = 0, so φ(x, y) = (β·x, y) with β a primitive cube root of unity in Fq maps each curve to
itself; on the order-r points it is a scalar multiplication by a cube root of unity λ ∈ Fr. One λ serves both groups
with two β's: on G1, φ₁(x, y) = (β·x, y) = λ·(x, y); on G2 (the twist over Fq2, x multiplied by the same Fq scalar
in both components), φ₂(x, y) = (β²·x, y) = λ·(x, y). With a short basis of the lattice {(a, b): a + b·λ ≡ 0 mod r},
every k splits as k ≡ k1 + k2·λ with |k1|, |k2| < 2^128, so k·P = k1·P + k2·φ(P) needs half the doublings (or, in
Pippenger, half the windows over twice the points).

Constants (derived at first use, never typed in)::

    GLV.lam       λ ∈ Fr (a root of λ² + λ + 1)
    GLV.beta_g1   β ∈ Fq with (β·x, y) = λ·(x, y) on G1 (checked on (1, 2) by a scalar multiplication in Python ints)
    GLV.beta_g2   β² (the G2 relation; tests check it on the G2 generator with py_ecc)
    GLV.v1, GLV.v2  the short basis (a1, b1), (a2, b2), det = a1·b2 − a2·b1 = r

Functions::

    glv() -> GLV                               the constants (computed once per process, ~2 ms)
    glv_split(k) -> (k1, k2)                   k ≡ k1 + k2·λ (mod r), |k1|, |k2| < 2^128, signed Python ints
    split_constants() -> uint64[6, 4]          the numba split's constants (``kernels.glv``)
    beta_limbs(group) -> uint64[4]             β for G1 / G2 in Montgomery form

References
----------
Gallant, Lambert, Vanstone, "Faster point multiplication on elliptic curves with efficient endomorphisms",
CRYPTO 2001 (§4: the basis by the extended Euclidean algorithm, the rounding split).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.limbs import ints_to_limbs

_R = FR_MODULUS
_Q = FQ_MODULUS


@dataclass(frozen=True)
class GLV:
    """The endomorphism's constants; see the module docstring."""

    lam: int
    beta_g1: int
    beta_g2: int
    v1: tuple[int, int]
    v2: tuple[int, int]


def _cube_root_of_unity(m: int) -> int:
    g = 2
    while pow(g, (m - 1) // 3, m) == 1:
        g += 1
    return pow(g, (m - 1) // 3, m)


def _g1_mul_x(k: int) -> int:
    """x of k·(1, 2) on y² = x³ + 3 over Fq (Jacobian double-and-add in Python ints; G1 has cofactor 1)."""
    acc = None
    p = (1, 2, 1)
    for bit in bin(k)[2:]:
        if acc is not None:
            acc = _jac_dbl(acc)
        if bit == "1":
            acc = p if acc is None else _jac_add(acc, p)
    assert acc is not None
    x, _, z = acc
    return x * pow(z * z, -1, _Q) % _Q


def _jac_dbl(p: tuple[int, int, int]) -> tuple[int, int, int]:
    x, y, z = p
    a, b = x * x % _Q, y * y % _Q
    c = b * b % _Q
    d = 2 * ((x + b) ** 2 - a - c) % _Q
    e = 3 * a % _Q
    x3 = (e * e - 2 * d) % _Q
    return x3, (e * (d - x3) - 8 * c) % _Q, 2 * y * z % _Q


def _jac_add(p: tuple[int, int, int], q: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1, z2z2 = z1 * z1 % _Q, z2 * z2 % _Q
    u1, u2 = x1 * z2z2 % _Q, x2 * z1z1 % _Q
    s1, s2 = y1 * z2 * z2z2 % _Q, y2 * z1 * z1z1 % _Q
    h, rr = (u2 - u1) % _Q, (s2 - s1) % _Q
    if h == 0:
        return _jac_dbl(p) if rr == 0 else (1, 1, 0)
    hh = h * h % _Q
    hhh = h * hh % _Q
    v = u1 * hh % _Q
    x3 = (rr * rr - hhh - 2 * v) % _Q
    return x3, (rr * (v - x3) - s1 * hhh) % _Q, z1 * z2 * h % _Q


@functools.cache
def glv() -> GLV:
    """The GLV constants (first call ~2 ms: one scalar multiplication in Python ints picks β's pairing with λ)."""
    lam = _cube_root_of_unity(_R)
    b0 = _cube_root_of_unity(_Q)
    beta = b0 if _g1_mul_x(lam) == b0 else b0 * b0 % _Q
    assert _g1_mul_x(lam) == beta, "no β pairs with λ on G1"
    # short basis (GLV §4): run the extended Euclidean algorithm on (r, λ) until the remainder drops below √r
    r0, r1, t0, t1 = _R, lam, 0, 1
    bound = math.isqrt(_R)
    while r1 >= bound:
        q = r0 // r1
        r0, r1, t0, t1 = r1, r0 - q * r1, t1, t0 - q * t1
    q = r0 // r1
    r2, t2 = r0 - q * r1, t0 - q * t1
    v1 = (r1, -t1)
    v2 = min((r0, -t0), (r2, -t2), key=lambda v: v[0] ** 2 + v[1] ** 2)
    (a1, b1), (a2, b2) = v1, v2
    # the numba split (kernels.glv) is written for this sign pattern and det = +r, which §4 gives for BN254
    assert a1 > 0 and b1 < 0 and a2 > 0 and b2 > 0 and a1 * b2 - a2 * b1 == _R
    return GLV(lam=lam, beta_g1=beta, beta_g2=beta * beta % _Q, v1=v1, v2=v2)


def split_constants() -> np.ndarray:
    """The numba split's constants as ``uint64[6, 4]`` normal-form limbs (``kernels.glv.glv_split_arr``).

    Rows: g1 = ⌊2^256·b2/r⌋, g2 = ⌊2^256·(−b1)/r⌋, then a1, a2, −b1, b2. With c1 = ⌊k·g1/2^256⌋ = b2·k/r − δ1 and
    c2 = ⌊k·g2/2^256⌋ = −b1·k/r − δ2 (0 ≤ δ < 2), k1 = k − c1·a1 − c2·a2 = δ1·a1 + δ2·a2 and k2 = c1·(−b1) − c2·b2
    = δ1·b1 + δ2·b2 (det = r makes the exact parts cancel): k ≡ k1 + k2·λ (mod r), 0 ≤ k1 < 2·(a1 + a2) and
    |k2| < 2·(|b1| + b2), both below 2^128 for BN254 (2^127.8).
    """
    g = glv()
    (a1, b1), (a2, b2) = g.v1, g.v2
    rows = [(b2 << 256) // _R, (-b1 << 256) // _R, a1, a2, -b1, b2]
    return ints_to_limbs(rows)


def beta_limbs(group: int) -> np.ndarray:
    """β of G1 (``group=1``) or G2 (``group=2``) as Fq Montgomery limbs ``uint64[4]`` (for ``kernels.glv.phi_arr``)."""
    g = glv()
    beta = g.beta_g1 if group == 1 else g.beta_g2
    return ints_to_limbs([(beta << 256) % _Q])[0]


def _round_div(x: int, d: int) -> int:
    if d < 0:
        x, d = -x, -d
    return (2 * x + d) // (2 * d)


def glv_split(k: int) -> tuple[int, int]:
    """k ≡ k1 + k2·λ (mod r) with |k1|, |k2| < 2^128 (signed Python ints), by rounding against the short basis."""
    g = glv()
    (a1, b1), (a2, b2) = g.v1, g.v2
    det = a1 * b2 - a2 * b1
    c1, c2 = _round_div(b2 * k, det), _round_div(-b1 * k, det)
    k1, k2 = k - c1 * a1 - c2 * a2, -c1 * b1 - c2 * b2
    assert (k1 + k2 * g.lam - k) % _R == 0
    return k1, k2


__all__ = ["GLV", "beta_limbs", "glv", "glv_split", "split_constants"]

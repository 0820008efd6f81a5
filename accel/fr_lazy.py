"""Fr Montgomery arithmetic with lazy reduction, for Poseidon's dot products (numba element functions).

``accel.field.fr_mul`` reduces every product (CIOS: 16 multiply-accumulates for a·b, 16 for the reduction). A
Poseidon linear layer needs sums of products Σ k_j·s_j; here each product is kept as its full 512-bit value, the
sum is accumulated without reduction, and one Montgomery reduction (REDC) ends it: a sum of n products costs
16n + 16 multiply-accumulates instead of 32n, and no modular addition between the products. Measured on the
development machine (thread CPU time, numba 0.6x, Zen 4): a dependent CIOS product 21 ns, ``wide_mul`` + ``redc``
23 ns, so the gain is the reductions saved: a Poseidon t = 3 hash went from 17.3 to 15.1 µs. (A dedicated 512-bit
square, 34 ns, and a branchless modular addition did not pay here and are not used.)

Forms: elements are Montgomery-form ``uint64`` limbs (little-endian), canonical (< r) on input and output; a
512-bit value is 8 limbs. REDC(T) = T·2^-256 mod r needs T < r·2^256: a sum of at most ``LAZY_TERMS`` = 5
products of canonical elements satisfies it (5·r < 2^256, asserted), so callers reduce at least every 5 terms.

Element functions (numba-callable only; plain ``uint64`` scalars, tuples out)::

    wide_mul(a0..a3, b0..b3)            -> 8-tuple   a·b (512-bit, not reduced)
    wide_add(x0..x7, y0..y7)            -> 8-tuple   x + y (no carry out: callers stay below 2^512)
    wide_mac(x0..x7, a0..a3, b0..b3)    -> 8-tuple   x + a·b
    redc(t0..t7)                        -> 4-tuple   T·2^-256 mod r, canonical (T < r·2^256)

References
----------
Ç. K. Koç, T. Acar, B. S. Kaliski, "Analyzing and comparing Montgomery multiplication algorithms", IEEE Micro
1996 (SOS: separated operand scanning, product then reduction); lazy reduction of sums of products as in pairing
libraries (D. F. Aranha et al., "Faster explicit formulas for computing pairings over ordinary curves",
EUROCRYPT 2011, §3–4).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accel.field import FR_LIMBS, FR_MONT_INV, adc64, mac64, mul_lo64, sbb64
from zksvs.field import FR_MODULUS

__all__ = ["LAZY_TERMS", "redc", "wide_add", "wide_mac", "wide_mul"]

#: Most products of canonical elements one ``redc`` may reduce (their sum stays below r·2^256).
LAZY_TERMS = 5
assert LAZY_TERMS * FR_MODULUS < 1 << 256 < (LAZY_TERMS + 1) * FR_MODULUS
assert 2 * FR_MODULUS < 1 << 255  # a reduced sum < 2r has no carry out of the top word

_Q0, _Q1, _Q2, _Q3 = (np.uint64(v) for v in FR_LIMBS)
_QINV = np.uint64(FR_MONT_INV)
_Z = np.uint64(0)


@njit(cache=True, nogil=True)
def _select(br, d0, d1, d2, d3, s0, s1, s2, s3):
    """(s if br == 1 else d), without a branch (br ∈ {0, 1})."""
    mask = _Z - br
    return d0 ^ ((d0 ^ s0) & mask), d1 ^ ((d1 ^ s1) & mask), d2 ^ ((d2 ^ s2) & mask), d3 ^ ((d3 ^ s3) & mask)


@njit(cache=True, nogil=True)
def _reduce_once(s0, s1, s2, s3):
    """s − r if s ≥ r else s, for s < 2r (branchless)."""
    d0, br = sbb64(s0, _Q0, _Z)
    d1, br = sbb64(s1, _Q1, br)
    d2, br = sbb64(s2, _Q2, br)
    d3, br = sbb64(s3, _Q3, br)
    return _select(br, d0, d1, d2, d3, s0, s1, s2, s3)


@njit(cache=True, nogil=True)
def wide_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    """The 512-bit product a·b (schoolbook, 16 multiply-accumulates), 8 limbs little-endian."""
    t0, c = mac64(a0, b0, _Z, _Z)
    t1, c = mac64(a0, b1, _Z, c)
    t2, c = mac64(a0, b2, _Z, c)
    t3, t4 = mac64(a0, b3, _Z, c)
    t1, c = mac64(a1, b0, t1, _Z)
    t2, c = mac64(a1, b1, t2, c)
    t3, c = mac64(a1, b2, t3, c)
    t4, t5 = mac64(a1, b3, t4, c)
    t2, c = mac64(a2, b0, t2, _Z)
    t3, c = mac64(a2, b1, t3, c)
    t4, c = mac64(a2, b2, t4, c)
    t5, t6 = mac64(a2, b3, t5, c)
    t3, c = mac64(a3, b0, t3, _Z)
    t4, c = mac64(a3, b1, t4, c)
    t5, c = mac64(a3, b2, t5, c)
    t6, t7 = mac64(a3, b3, t6, c)
    return t0, t1, t2, t3, t4, t5, t6, t7


@njit(cache=True, nogil=True)
def wide_add(x0, x1, x2, x3, x4, x5, x6, x7, y0, y1, y2, y3, y4, y5, y6, y7):
    """x + y on 512 bits (the caller keeps the sum below 2^512: at most ``LAZY_TERMS`` products)."""
    x0, c = adc64(x0, y0, _Z)
    x1, c = adc64(x1, y1, c)
    x2, c = adc64(x2, y2, c)
    x3, c = adc64(x3, y3, c)
    x4, c = adc64(x4, y4, c)
    x5, c = adc64(x5, y5, c)
    x6, c = adc64(x6, y6, c)
    x7, c = adc64(x7, y7, c)
    return x0, x1, x2, x3, x4, x5, x6, x7


@njit(cache=True, nogil=True)
def wide_mac(x0, x1, x2, x3, x4, x5, x6, x7, a0, a1, a2, a3, b0, b1, b2, b3):
    """x + a·b on 512 bits."""
    p0, p1, p2, p3, p4, p5, p6, p7 = wide_mul(a0, a1, a2, a3, b0, b1, b2, b3)
    return wide_add(x0, x1, x2, x3, x4, x5, x6, x7, p0, p1, p2, p3, p4, p5, p6, p7)


@njit(cache=True, nogil=True)
def redc(t0, t1, t2, t3, t4, t5, t6, t7):
    """Montgomery reduction T·2^-256 mod r of a 512-bit T < r·2^256, canonical.

    Four rounds, each adding m·r·2^(64 i) with m = t_i·(−r^-1) mod 2^64 so that limb i becomes 0; ``hi`` carries
    the bit that leaves limb i + 4 into the next round's limb i + 5. The result (T + M·r)/2^256 < 2r (no carry
    beyond limb 7, asserted at import: 2r < 2^255) takes one branchless subtraction.
    """
    m = mul_lo64(t0, _QINV)
    _, c = mac64(m, _Q0, t0, _Z)
    t1, c = mac64(m, _Q1, t1, c)
    t2, c = mac64(m, _Q2, t2, c)
    t3, c = mac64(m, _Q3, t3, c)
    t4, hi = adc64(t4, c, _Z)
    m = mul_lo64(t1, _QINV)
    _, c = mac64(m, _Q0, t1, _Z)
    t2, c = mac64(m, _Q1, t2, c)
    t3, c = mac64(m, _Q2, t3, c)
    t4, c = mac64(m, _Q3, t4, c)
    t5, hi = adc64(t5, c, hi)
    m = mul_lo64(t2, _QINV)
    _, c = mac64(m, _Q0, t2, _Z)
    t3, c = mac64(m, _Q1, t3, c)
    t4, c = mac64(m, _Q2, t4, c)
    t5, c = mac64(m, _Q3, t5, c)
    t6, hi = adc64(t6, c, hi)
    m = mul_lo64(t3, _QINV)
    _, c = mac64(m, _Q0, t3, _Z)
    t4, c = mac64(m, _Q1, t4, c)
    t5, c = mac64(m, _Q2, t5, c)
    t6, c = mac64(m, _Q3, t6, c)
    t7, hi = adc64(t7, c, hi)
    return _reduce_once(t4, t5, t6, t7)

"""Montgomery arithmetic in Fr, Fq and Fq2 on 4 × 64-bit limbs, as numba kernels (``@njit(cache=True)``).

Forms
-----
An element is 4 little-endian 64-bit limbs (a0 least significant) in **Montgomery form** a·2^256 mod m, canonical
(< m), unless a function says "normal form". Arrays are ``uint64[n, 4]``, C-contiguous. Fq2 = Fq[u]/(u² + 1); an
Fq2 element is (c0, c1) = c0 + c1·u, real part first; arrays ``uint64[n, 2, 4]`` (element, c0/c1, limb).

Element-level functions (numba-callable only; arguments and results are plain uint64 scalars, results are tuples)
-----------------------------------------------------------------------------------------------------------------
For F in {fr, fq} (same signatures; fr_* mod r, fq_* mod q; each pair is one function of ``_montgomery_field``
instantiated with the field's constants), a = (a0, a1, a2, a3), b = (b0, b1, b2, b3)::

    F_mul(a0, a1, a2, a3, b0, b1, b2, b3) -> (r0, r1, r2, r3)   Montgomery product a·b·2^-256 (mont × mont → mont)
    F_sqr(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   F_mul(a, a)
    F_add(a0, a1, a2, a3, b0, b1, b2, b3) -> (r0, r1, r2, r3)   a + b (any form, both the same)
    F_sub(a0, a1, a2, a3, b0, b1, b2, b3) -> (r0, r1, r2, r3)   a − b
    F_neg(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   −a (0 ↦ 0)
    F_dbl(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   2a
    F_is_zero(a0, a1, a2, a3)             -> bool               (the same function for both fields)
    F_eq(a0, a1, a2, a3, b0, b1, b2, b3)  -> bool               (the same function for both fields)
    F_pow(a0, a1, a2, a3, e0, e1, e2, e3) -> (r0, r1, r2, r3)   a^e; a Montgomery, e in NORMAL form (plain int limbs)
    F_inv(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   a^(m−2) (Fermat; 0 ↦ 0)
    F_to_mont(a0, a1, a2, a3)             -> (r0, r1, r2, r3)   normal → Montgomery (input must be < m)
    F_from_mont(a0, a1, a2, a3)           -> (r0, r1, r2, r3)   Montgomery → normal
    F_one()                               -> (r0, r1, r2, r3)   1 in Montgomery form (= R mod m)

Fq2, x = (x0 limbs of c0, then c1): 8 uint64 per element::

    fq2_mul(a00, a01, a02, a03, a10, a11, a12, a13, b00, ..., b13) -> 8-tuple (c0 limbs, c1 limbs)
    fq2_sqr(a00, ..., a13) -> 8-tuple        fq2_add / fq2_sub (16 args) -> 8-tuple
    fq2_neg(8 args) -> 8-tuple               fq2_dbl(8 args) -> 8-tuple
    fq2_inv(8 args) -> 8-tuple (0 ↦ 0)       fq2_is_zero(8 args) -> bool
    fq2_mul_fq(8 args, b0, b1, b2, b3) -> 8-tuple   (Fq2 × Fq)

64-bit primitives (numba-callable; LLVM ``i128`` arithmetic, one ``mul``/``adc``/``sbb`` instruction each)::

    mac64(a, b, c, d) -> (lo, hi)    a·b + c + d         adc64(a, b, c) -> (sum, carry)    carry-in c ∈ {0, 1}
    sbb64(a, b, c) -> (diff, borrow) a − b − c           mul_lo64(a, b) -> a·b mod 2^64

Array kernels (callable from Python; each returns a new ``uint64[n, 4]``), for F in {fr, fq}::

    F_mul_arr(a, b)      elementwise Montgomery product (Montgomery in, Montgomery out)
    F_sqr_arr(a)         Montgomery square          F_add_arr(a, b)   a + b
    F_neg_arr(a)         −a
    F_to_mont_arr(a)     normal → Montgomery (entries must be < m)
    F_from_mont_arr(a)   Montgomery → normal

Constants (module level, derived at import from ``zksvs.field``, asserted): ``FR_MODULUS``/``FQ_MODULUS`` as limbs
``FR_LIMBS``/``FQ_LIMBS`` (``uint64[4]``), ``FR_MONT_R``/``FQ_MONT_R`` (2^256 mod m), ``FR_MONT_R2``/``FQ_MONT_R2``
(2^512 mod m), ``FR_MONT_INV``/``FQ_MONT_INV`` (−m^-1 mod 2^64), ints.

Notes
-----
The 64×64→128 multiply is LLVM ``mul i128`` (``mac64``), which x86-64 lowers to one ``mul``/``mulx``; this is ~3×
faster than 32-bit half products (shared/PERF_NOTES.md: ~30 ns per Fq mul). Multiplication is CIOS with gnark's
"no-carry" shortcut, valid because both moduli's top words are < (2^64 − 1)/2 − 1, so the running t never needs a
fifth word. Every function is straight-line code (loops unrolled by hand) so LLVM keeps limbs in registers. Only
uint64 values flow through the kernels (numba would silently turn uint64 ⊕ int64 into float64, so constants are
``np.uint64`` and all carries come from the intrinsics).

Fr and Fq share one implementation: ``_montgomery_field(m)`` defines each element function once as a closure over
m's constants (plain ``np.uint64`` values, so numba's cache keys them apart and folds them into the machine code).

References
----------
Koç, Acar, Kaliski, "Analyzing and comparing Montgomery multiplication algorithms", IEEE Micro 1996 (CIOS);
gnark-crypto ``field/generator`` "no-carry" Montgomery multiplication (https://hackmd.io/@gnark/modular_multiplication).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.limbs import ints_to_limbs

# ---------------------------------------------------------------------------------------------------------------------
# Constants (derived, asserted; never typed in)


def _derive(modulus: int) -> tuple[int, int, int]:
    r = (1 << 256) % modulus
    r2 = (1 << 512) % modulus
    inv = (-pow(modulus, -1, 1 << 64)) % (1 << 64)
    assert modulus % 2 == 1, "Montgomery form needs an odd modulus"
    assert (modulus * inv + 1) % (1 << 64) == 0
    assert r2 == r * r % modulus
    assert modulus >> 192 < (2**64 - 1) // 2 - 1, "no-carry CIOS needs the top word < (2^64 − 1)/2 − 1"
    return r, r2, inv


FR_MONT_R, FR_MONT_R2, FR_MONT_INV = _derive(FR_MODULUS)
FQ_MONT_R, FQ_MONT_R2, FQ_MONT_INV = _derive(FQ_MODULUS)
FR_LIMBS = ints_to_limbs([FR_MODULUS])[0]
FQ_LIMBS = ints_to_limbs([FQ_MODULUS])[0]

_U0 = np.uint64(0)
_U1 = np.uint64(1)


def _u64_limbs(x: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    a, b, c, d = (np.uint64(v) for v in ints_to_limbs([x])[0])
    return a, b, c, d


# ---------------------------------------------------------------------------------------------------------------------
# 128-bit primitives as LLVM IR


@intrinsic
def mac64(typingctx, a, b, c, d):
    """(lo, hi) of a·b + c + d as 128-bit (never overflows: (2^64−1)² + 2(2^64−1) = 2^128 − 1)."""
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        a_, b_, c_, d_ = (builder.zext(v, i128) for v in args)
        t = builder.add(builder.add(builder.mul(a_, b_), c_), d_)
        lo = builder.trunc(t, ir.IntType(64))
        hi = builder.trunc(builder.lshr(t, ir.Constant(i128, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, (lo, hi))

    return sig, codegen


@intrinsic
def adc64(typingctx, a, b, c):
    """(sum, carry) of a + b + c with carry-in c ∈ {0, 1}; carry-out ∈ {0, 1}."""
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        a_, b_, c_ = (builder.zext(v, i128) for v in args)
        t = builder.add(builder.add(a_, b_), c_)
        lo = builder.trunc(t, ir.IntType(64))
        hi = builder.trunc(builder.lshr(t, ir.Constant(i128, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, (lo, hi))

    return sig, codegen


@intrinsic
def sbb64(typingctx, a, b, c):
    """(diff, borrow) of a − b − c with borrow-in c ∈ {0, 1}; borrow-out ∈ {0, 1}."""
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        a_, b_, c_ = (builder.zext(v, i128) for v in args)
        t = builder.sub(builder.sub(a_, b_), c_)
        lo = builder.trunc(t, ir.IntType(64))
        hi = builder.trunc(builder.lshr(t, ir.Constant(i128, 64)), ir.IntType(64))
        borrow = builder.and_(hi, ir.Constant(ir.IntType(64), 1))
        return context.make_tuple(builder, signature.return_type, (lo, borrow))

    return sig, codegen


@intrinsic
def mul_lo64(typingctx, a, b):
    """a·b mod 2^64."""
    u64 = types.uint64
    sig = u64(u64, u64)

    def codegen(context, builder, signature, args):
        return builder.mul(args[0], args[1])

    return sig, codegen


# ---------------------------------------------------------------------------------------------------------------------
# Montgomery arithmetic modulo any odd m < 2^254 (modulus as arguments; ``_montgomery_field`` binds them to constants,
# which LLVM folds after inlining)


@njit(cache=True)
def _mont_mul(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3, qinv):
    # gnark no-carry CIOS, 4 rounds unrolled. Round i: t += a_i·b; m = t0·qinv; t = (t + m·q) / 2^64.
    # round 0
    c0, c1 = mac64(a0, b0, _U0, _U0)
    m = mul_lo64(c0, qinv)
    _, c2 = mac64(m, q0, c0, _U0)
    c0, c1 = mac64(a0, b1, c1, _U0)
    t0, c2 = mac64(m, q1, c2, c0)
    c0, c1 = mac64(a0, b2, c1, _U0)
    t1, c2 = mac64(m, q2, c2, c0)
    c0, c1 = mac64(a0, b3, c1, _U0)
    t2, h = mac64(m, q3, c0, c2)
    t3 = h + c1
    # round 1
    c0, c1 = mac64(a1, b0, t0, _U0)
    m = mul_lo64(c0, qinv)
    _, c2 = mac64(m, q0, c0, _U0)
    c0, c1 = mac64(a1, b1, c1, t1)
    t0, c2 = mac64(m, q1, c2, c0)
    c0, c1 = mac64(a1, b2, c1, t2)
    t1, c2 = mac64(m, q2, c2, c0)
    c0, c1 = mac64(a1, b3, c1, t3)
    t2, h = mac64(m, q3, c0, c2)
    t3 = h + c1
    # round 2
    c0, c1 = mac64(a2, b0, t0, _U0)
    m = mul_lo64(c0, qinv)
    _, c2 = mac64(m, q0, c0, _U0)
    c0, c1 = mac64(a2, b1, c1, t1)
    t0, c2 = mac64(m, q1, c2, c0)
    c0, c1 = mac64(a2, b2, c1, t2)
    t1, c2 = mac64(m, q2, c2, c0)
    c0, c1 = mac64(a2, b3, c1, t3)
    t2, h = mac64(m, q3, c0, c2)
    t3 = h + c1
    # round 3
    c0, c1 = mac64(a3, b0, t0, _U0)
    m = mul_lo64(c0, qinv)
    _, c2 = mac64(m, q0, c0, _U0)
    c0, c1 = mac64(a3, b1, c1, t1)
    t0, c2 = mac64(m, q1, c2, c0)
    c0, c1 = mac64(a3, b2, c1, t2)
    t1, c2 = mac64(m, q2, c2, c0)
    c0, c1 = mac64(a3, b3, c1, t3)
    t2, h = mac64(m, q3, c0, c2)
    t3 = h + c1
    # final conditional subtraction (t < 2m)
    d0, br = sbb64(t0, q0, _U0)
    d1, br = sbb64(t1, q1, br)
    d2, br = sbb64(t2, q2, br)
    d3, br = sbb64(t3, q3, br)
    if br == _U0:
        return d0, d1, d2, d3
    return t0, t1, t2, t3


@njit(cache=True)
def _mod_add(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3):
    # a, b < m < 2^254, so a + b < 2^255 has no carry out of the top word.
    s0, c = adc64(a0, b0, _U0)
    s1, c = adc64(a1, b1, c)
    s2, c = adc64(a2, b2, c)
    s3, c = adc64(a3, b3, c)
    d0, br = sbb64(s0, q0, _U0)
    d1, br = sbb64(s1, q1, br)
    d2, br = sbb64(s2, q2, br)
    d3, br = sbb64(s3, q3, br)
    if br == _U0:
        return d0, d1, d2, d3
    return s0, s1, s2, s3


@njit(cache=True)
def _mod_sub(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3):
    d0, br = sbb64(a0, b0, _U0)
    d1, br = sbb64(a1, b1, br)
    d2, br = sbb64(a2, b2, br)
    d3, br = sbb64(a3, b3, br)
    if br == _U0:
        return d0, d1, d2, d3
    s0, c = adc64(d0, q0, _U0)
    s1, c = adc64(d1, q1, c)
    s2, c = adc64(d2, q2, c)
    s3, c = adc64(d3, q3, c)
    return s0, s1, s2, s3


@njit(cache=True)
def _mod_neg(a0, a1, a2, a3, q0, q1, q2, q3):
    if (a0 | a1 | a2 | a3) == _U0:
        return _U0, _U0, _U0, _U0
    d0, br = sbb64(q0, a0, _U0)
    d1, br = sbb64(q1, a1, br)
    d2, br = sbb64(q2, a2, br)
    d3, br = sbb64(q3, a3, br)
    return d0, d1, d2, d3


@njit(cache=True)
def _mont_pow(a0, a1, a2, a3, e0, e1, e2, e3, q0, q1, q2, q3, qinv, o0, o1, o2, o3):
    # square-and-multiply from the top bit; (o0..o3) is 1 in Montgomery form
    r0, r1, r2, r3 = o0, o1, o2, o3
    for w in range(3, -1, -1):
        e = e3 if w == 3 else (e2 if w == 2 else (e1 if w == 1 else e0))
        for bit in range(63, -1, -1):
            r0, r1, r2, r3 = _mont_mul(r0, r1, r2, r3, r0, r1, r2, r3, q0, q1, q2, q3, qinv)
            if (e >> np.uint64(bit)) & _U1:
                r0, r1, r2, r3 = _mont_mul(r0, r1, r2, r3, a0, a1, a2, a3, q0, q1, q2, q3, qinv)
    return r0, r1, r2, r3


@njit(cache=True)
def limbs_is_zero(a0, a1, a2, a3):
    """True when a == 0 (the same in every field and form)."""
    return (a0 | a1 | a2 | a3) == _U0


@njit(cache=True)
def limbs_eq(a0, a1, a2, a3, b0, b1, b2, b3):
    """True when a == b limb for limb (canonical elements: equal values)."""
    return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3)) == _U0


# ---------------------------------------------------------------------------------------------------------------------
# One prime field, instantiated for r and q


def _montgomery_field(m: int) -> SimpleNamespace:
    """The element and array kernels of Z/m in Montgomery form (m odd, top word < 2^63 − 1), m's constants folded in.

    Every kernel captures only ``np.uint64`` constants, so numba caches the two instantiations apart (its cache key
    hashes closure values) and LLVM sees immediates after inlining ``_mont_mul``.
    """
    mont_r, mont_r2, ninv_ = _derive(m)
    q0, q1, q2, q3 = _u64_limbs(m)
    qinv = np.uint64(ninv_)
    o0, o1, o2, o3 = _u64_limbs(mont_r)
    s0, s1, s2, s3 = _u64_limbs(mont_r2)
    e0, e1, e2, e3 = _u64_limbs(m - 2)

    @njit(cache=True)
    def mul(a0, a1, a2, a3, b0, b1, b2, b3):
        """Montgomery product a·b·2^-256 mod m (Montgomery in → Montgomery out)."""
        return _mont_mul(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3, qinv)

    @njit(cache=True)
    def sqr(a0, a1, a2, a3):
        """Montgomery square."""
        return _mont_mul(a0, a1, a2, a3, a0, a1, a2, a3, q0, q1, q2, q3, qinv)

    @njit(cache=True)
    def add(a0, a1, a2, a3, b0, b1, b2, b3):
        """a + b mod m (inputs canonical)."""
        return _mod_add(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3)

    @njit(cache=True)
    def sub(a0, a1, a2, a3, b0, b1, b2, b3):
        """a − b mod m (inputs canonical)."""
        return _mod_sub(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3)

    @njit(cache=True)
    def neg(a0, a1, a2, a3):
        """−a mod m (0 ↦ 0)."""
        return _mod_neg(a0, a1, a2, a3, q0, q1, q2, q3)

    @njit(cache=True)
    def dbl(a0, a1, a2, a3):
        """2a mod m."""
        return _mod_add(a0, a1, a2, a3, a0, a1, a2, a3, q0, q1, q2, q3)

    @njit(cache=True)
    def one():
        """1 in Montgomery form (R mod m)."""
        return o0, o1, o2, o3

    @njit(cache=True)
    def to_mont(a0, a1, a2, a3):
        """Normal form (< m) → Montgomery form."""
        return _mont_mul(a0, a1, a2, a3, s0, s1, s2, s3, q0, q1, q2, q3, qinv)

    @njit(cache=True)
    def from_mont(a0, a1, a2, a3):
        """Montgomery form → normal form."""
        return _mont_mul(a0, a1, a2, a3, _U1, _U0, _U0, _U0, q0, q1, q2, q3, qinv)

    @njit(cache=True)
    def pow_(a0, a1, a2, a3, x0, x1, x2, x3):
        """a^x; a Montgomery, x as normal-form limbs (any 256-bit value); result Montgomery. 0^0 = 1."""
        return _mont_pow(a0, a1, a2, a3, x0, x1, x2, x3, q0, q1, q2, q3, qinv, o0, o1, o2, o3)

    @njit(cache=True)
    def inv(a0, a1, a2, a3):
        """a^-1 by Fermat (a^(m−2)); Montgomery in/out; 0 ↦ 0."""
        return _mont_pow(a0, a1, a2, a3, e0, e1, e2, e3, q0, q1, q2, q3, qinv, o0, o1, o2, o3)

    @njit(cache=True)
    def mul_arr(a, b):
        """Elementwise Montgomery product of ``uint64[n, 4]`` arrays → new ``uint64[n, 4]``."""
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        for i in range(a.shape[0]):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _mont_mul(
                a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3], q0, q1, q2, q3, qinv
            )
        return out

    @njit(cache=True)
    def sqr_arr(a):
        """Elementwise Montgomery square, ``uint64[n, 4]`` → new ``uint64[n, 4]``."""
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        for i in range(a.shape[0]):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _mont_mul(
                a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 0], a[i, 1], a[i, 2], a[i, 3], q0, q1, q2, q3, qinv
            )
        return out

    @njit(cache=True)
    def add_arr(a, b):
        """Elementwise a + b mod m, ``uint64[n, 4]`` → new ``uint64[n, 4]``."""
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        for i in range(a.shape[0]):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _mod_add(
                a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3], q0, q1, q2, q3
            )
        return out

    @njit(cache=True)
    def neg_arr(a):
        """Elementwise −a mod m, ``uint64[n, 4]`` → new ``uint64[n, 4]``."""
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        for i in range(a.shape[0]):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _mod_neg(a[i, 0], a[i, 1], a[i, 2], a[i, 3], q0, q1, q2, q3)
        return out

    @njit(cache=True)
    def to_mont_arr(a):
        """Normal form (each < m) → Montgomery form, ``uint64[n, 4]`` → new ``uint64[n, 4]``."""
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        for i in range(a.shape[0]):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _mont_mul(
                a[i, 0], a[i, 1], a[i, 2], a[i, 3], s0, s1, s2, s3, q0, q1, q2, q3, qinv
            )
        return out

    @njit(cache=True)
    def from_mont_arr(a):
        """Montgomery form → normal form, ``uint64[n, 4]`` → new ``uint64[n, 4]``."""
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        for i in range(a.shape[0]):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _mont_mul(
                a[i, 0], a[i, 1], a[i, 2], a[i, 3], _U1, _U0, _U0, _U0, q0, q1, q2, q3, qinv
            )
        return out

    return SimpleNamespace(**{k: v for k, v in locals().items() if callable(v) and hasattr(v, "py_func")})


_FR = _montgomery_field(FR_MODULUS)
_FQ = _montgomery_field(FQ_MODULUS)

fr_mul, fr_sqr, fr_add, fr_sub, fr_neg, fr_dbl = _FR.mul, _FR.sqr, _FR.add, _FR.sub, _FR.neg, _FR.dbl
fr_one, fr_to_mont, fr_from_mont, fr_pow, fr_inv = _FR.one, _FR.to_mont, _FR.from_mont, _FR.pow_, _FR.inv
fr_mul_arr, fr_neg_arr, fr_to_mont_arr, fr_from_mont_arr = _FR.mul_arr, _FR.neg_arr, _FR.to_mont_arr, _FR.from_mont_arr
fr_sqr_arr, fr_add_arr = _FR.sqr_arr, _FR.add_arr
fq_mul, fq_sqr, fq_add, fq_sub, fq_neg, fq_dbl = _FQ.mul, _FQ.sqr, _FQ.add, _FQ.sub, _FQ.neg, _FQ.dbl
fq_one, fq_to_mont, fq_from_mont, fq_pow, fq_inv = _FQ.one, _FQ.to_mont, _FQ.from_mont, _FQ.pow_, _FQ.inv
fq_mul_arr, fq_neg_arr, fq_to_mont_arr, fq_from_mont_arr = _FQ.mul_arr, _FQ.neg_arr, _FQ.to_mont_arr, _FQ.from_mont_arr
fq_sqr_arr, fq_add_arr = _FQ.sqr_arr, _FQ.add_arr
fr_is_zero = fq_is_zero = limbs_is_zero
fr_eq = fq_eq = limbs_eq


# ---------------------------------------------------------------------------------------------------------------------
# Fq2 = Fq[u] / (u² + 1)


@njit(cache=True)
def fq2_add(a00, a01, a02, a03, a10, a11, a12, a13, b00, b01, b02, b03, b10, b11, b12, b13):
    """(a0 + b0) + (a1 + b1)·u."""
    r00, r01, r02, r03 = fq_add(a00, a01, a02, a03, b00, b01, b02, b03)
    r10, r11, r12, r13 = fq_add(a10, a11, a12, a13, b10, b11, b12, b13)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_sub(a00, a01, a02, a03, a10, a11, a12, a13, b00, b01, b02, b03, b10, b11, b12, b13):
    """(a0 − b0) + (a1 − b1)·u."""
    r00, r01, r02, r03 = fq_sub(a00, a01, a02, a03, b00, b01, b02, b03)
    r10, r11, r12, r13 = fq_sub(a10, a11, a12, a13, b10, b11, b12, b13)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_dbl(a00, a01, a02, a03, a10, a11, a12, a13):
    """2a."""
    r00, r01, r02, r03 = fq_dbl(a00, a01, a02, a03)
    r10, r11, r12, r13 = fq_dbl(a10, a11, a12, a13)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_neg(a00, a01, a02, a03, a10, a11, a12, a13):
    """−a."""
    r00, r01, r02, r03 = fq_neg(a00, a01, a02, a03)
    r10, r11, r12, r13 = fq_neg(a10, a11, a12, a13)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_is_zero(a00, a01, a02, a03, a10, a11, a12, a13):
    """True when a == 0."""
    return (a00 | a01 | a02 | a03 | a10 | a11 | a12 | a13) == _U0


@njit(cache=True)
def fq2_mul(a00, a01, a02, a03, a10, a11, a12, a13, b00, b01, b02, b03, b10, b11, b12, b13):
    """Karatsuba: (a0·b0 − a1·b1) + ((a0 + a1)(b0 + b1) − a0·b0 − a1·b1)·u; 3 Fq muls."""
    v00, v01, v02, v03 = fq_mul(a00, a01, a02, a03, b00, b01, b02, b03)
    v10, v11, v12, v13 = fq_mul(a10, a11, a12, a13, b10, b11, b12, b13)
    sa0, sa1, sa2, sa3 = fq_add(a00, a01, a02, a03, a10, a11, a12, a13)
    sb0, sb1, sb2, sb3 = fq_add(b00, b01, b02, b03, b10, b11, b12, b13)
    s0, s1, s2, s3 = fq_mul(sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3)
    r00, r01, r02, r03 = fq_sub(v00, v01, v02, v03, v10, v11, v12, v13)
    s0, s1, s2, s3 = fq_sub(s0, s1, s2, s3, v00, v01, v02, v03)
    r10, r11, r12, r13 = fq_sub(s0, s1, s2, s3, v10, v11, v12, v13)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_sqr(a00, a01, a02, a03, a10, a11, a12, a13):
    """Complex squaring: (a0 + a1)(a0 − a1) + 2·a0·a1·u; 2 Fq muls."""
    p0, p1, p2, p3 = fq_add(a00, a01, a02, a03, a10, a11, a12, a13)
    m0, m1, m2, m3 = fq_sub(a00, a01, a02, a03, a10, a11, a12, a13)
    r00, r01, r02, r03 = fq_mul(p0, p1, p2, p3, m0, m1, m2, m3)
    t0, t1, t2, t3 = fq_mul(a00, a01, a02, a03, a10, a11, a12, a13)
    r10, r11, r12, r13 = fq_dbl(t0, t1, t2, t3)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_mul_fq(a00, a01, a02, a03, a10, a11, a12, a13, b0, b1, b2, b3):
    """a·b for a ∈ Fq2, b ∈ Fq."""
    r00, r01, r02, r03 = fq_mul(a00, a01, a02, a03, b0, b1, b2, b3)
    r10, r11, r12, r13 = fq_mul(a10, a11, a12, a13, b0, b1, b2, b3)
    return r00, r01, r02, r03, r10, r11, r12, r13


@njit(cache=True)
def fq2_inv(a00, a01, a02, a03, a10, a11, a12, a13):
    """a^-1 = (a0 − a1·u) / (a0² + a1²); 0 ↦ 0."""
    n0, n1, n2, n3 = fq_sqr(a00, a01, a02, a03)
    m0, m1, m2, m3 = fq_sqr(a10, a11, a12, a13)
    n0, n1, n2, n3 = fq_add(n0, n1, n2, n3, m0, m1, m2, m3)
    i0, i1, i2, i3 = fq_inv(n0, n1, n2, n3)
    r00, r01, r02, r03 = fq_mul(a00, a01, a02, a03, i0, i1, i2, i3)
    c0, c1, c2, c3 = fq_neg(a10, a11, a12, a13)
    r10, r11, r12, r13 = fq_mul(c0, c1, c2, c3, i0, i1, i2, i3)
    return r00, r01, r02, r03, r10, r11, r12, r13

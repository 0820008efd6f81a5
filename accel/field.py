"""Montgomery arithmetic in Fr, Fq and Fq2 on 4 × 64-bit limbs, as numba kernels (``@njit(cache=True)``).

Forms
-----
An element is 4 little-endian 64-bit limbs (a0 least significant) in **Montgomery form** a·2^256 mod m, canonical
(< m), unless a function says "normal form". Arrays are ``uint64[n, 4]``, C-contiguous. Fq2 = Fq[u]/(u² + 1); an
Fq2 element is (c0, c1) = c0 + c1·u, real part first; arrays ``uint64[n, 2, 4]`` (element, c0/c1, limb).

Element-level functions (numba-callable only; arguments and results are plain uint64 scalars, results are tuples)
-----------------------------------------------------------------------------------------------------------------
For F in {fr, fq} (same signatures; fr_* mod r, fq_* mod q), a = (a0, a1, a2, a3), b = (b0, b1, b2, b3)::

    F_mul(a0, a1, a2, a3, b0, b1, b2, b3) -> (r0, r1, r2, r3)   Montgomery product a·b·2^-256 (mont × mont → mont)
    F_sqr(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   F_mul(a, a)
    F_add(a0, a1, a2, a3, b0, b1, b2, b3) -> (r0, r1, r2, r3)   a + b (any form, both the same)
    F_sub(a0, a1, a2, a3, b0, b1, b2, b3) -> (r0, r1, r2, r3)   a − b
    F_neg(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   −a (0 ↦ 0)
    F_dbl(a0, a1, a2, a3)                 -> (r0, r1, r2, r3)   2a
    F_is_zero(a0, a1, a2, a3)             -> bool
    F_eq(a0, a1, a2, a3, b0, b1, b2, b3)  -> bool
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

Array-level kernels (callable from Python or numba; each returns a new array unless named ``*_inplace``)
-------------------------------------------------------------------------------------------------------
For F in {fr, fq}, arrays ``uint64[n, 4]``::

    F_mul_arr(a, b) -> c         elementwise Montgomery product (Montgomery in, Montgomery out)
    F_sqr_arr(a) -> c
    F_add_arr(a, b) -> c         F_sub_arr(a, b) -> c        F_neg_arr(a) -> c
    F_scale_arr(a, k) -> c       a[i]·k for one element k (``uint64[4]``, Montgomery)
    F_to_mont_arr(a) -> c        normal → Montgomery (entries must be < m)
    F_from_mont_arr(a) -> c      Montgomery → normal
    F_inv_arr(a) -> c            elementwise inverse, one Fermat power each (0 ↦ 0)
    F_batch_inv_arr(a) -> c      all inverses with ONE Fermat power (Montgomery's trick, 3 muls/element; 0 ↦ 0)
    F_pow_arr(a, e) -> c         a[i]^e, e an exponent as ``uint64[4]`` normal-form limbs

Fq2 arrays ``uint64[n, 2, 4]``: ``fq2_mul_arr``, ``fq2_inv_arr`` (batch, one Fq inversion), both Montgomery.

Constants (module level, derived at import from ``zksvs.field``, asserted): ``FR_MODULUS``/``FQ_MODULUS`` as limbs
``FR_LIMBS``/``FQ_LIMBS`` (``uint64[4]``), ``FR_MONT_R``/``FQ_MONT_R`` (2^256 mod m), ``FR_MONT_R2``/``FQ_MONT_R2``
(2^512 mod m), ``FR_MONT_INV``/``FQ_MONT_INV`` (−m^-1 mod 2^64), ints; and ``int_to_limbs(x) -> tuple`` of 4 ints.

Notes
-----
The 64×64→128 multiply is LLVM ``mul i128`` (``_mac``), which x86-64 lowers to one ``mul``/``mulx``; this is ~3×
faster than 32-bit half products (shared/PERF_NOTES.md: ~30 ns per Fq mul). Multiplication is CIOS with gnark's
"no-carry" shortcut, valid because both moduli's top words are < (2^64 − 1)/2 − 1, so the running t never needs a
fifth word. Every function is straight-line code (loops unrolled by hand) so LLVM keeps limbs in registers. Only
uint64 values flow through the kernels (numba would silently turn uint64 ⊕ int64 into float64, so constants are
``np.uint64`` and all carries come from the intrinsics).

References
----------
Koç, Acar, Kaliski, "Analyzing and comparing Montgomery multiplication algorithms", IEEE Micro 1996 (CIOS);
gnark-crypto ``field/generator`` "no-carry" Montgomery multiplication (https://hackmd.io/@gnark/modular_multiplication).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from zksvs.field import FQ_MODULUS, FR_MODULUS

# ---------------------------------------------------------------------------------------------------------------------
# Constants (derived, asserted; never typed in)


def int_to_limbs(x: int) -> tuple[int, int, int, int]:
    """Non-negative int < 2^256 → 4 little-endian 64-bit limbs (Python ints)."""
    if not 0 <= x < 1 << 256:
        raise ValueError(f"Argument 'x' must be in [0, 2^256), not {x}")
    m = (1 << 64) - 1
    return (x & m, (x >> 64) & m, (x >> 128) & m, (x >> 192) & m)


def _derive(modulus: int) -> tuple[int, int, int]:
    r = (1 << 256) % modulus
    r2 = (1 << 512) % modulus
    inv = (-pow(modulus, -1, 1 << 64)) % (1 << 64)
    assert (modulus * inv + 1) % (1 << 64) == 0
    assert r2 == r * r % modulus
    assert modulus >> 192 < (2**64 - 1) // 2 - 1, "no-carry CIOS needs the top word < (2^64 − 1)/2 − 1"
    return r, r2, inv


FR_MONT_R, FR_MONT_R2, FR_MONT_INV = _derive(FR_MODULUS)
FQ_MONT_R, FQ_MONT_R2, FQ_MONT_INV = _derive(FQ_MODULUS)
FR_LIMBS = np.array(int_to_limbs(FR_MODULUS), dtype=np.uint64)
FQ_LIMBS = np.array(int_to_limbs(FQ_MODULUS), dtype=np.uint64)
assert sum(int(v) << (64 * i) for i, v in enumerate(FR_LIMBS)) == FR_MODULUS
assert sum(int(v) << (64 * i) for i, v in enumerate(FQ_LIMBS)) == FQ_MODULUS
assert FR_MODULUS % 2 == 1 and FQ_MODULUS % 2 == 1, "Montgomery form needs odd moduli"

_U0 = np.uint64(0)
_U1 = np.uint64(1)

_R_Q0, _R_Q1, _R_Q2, _R_Q3 = (np.uint64(v) for v in int_to_limbs(FR_MODULUS))
_R_INV = np.uint64(FR_MONT_INV)
_R_ONE0, _R_ONE1, _R_ONE2, _R_ONE3 = (np.uint64(v) for v in int_to_limbs(FR_MONT_R))
_R_R20, _R_R21, _R_R22, _R_R23 = (np.uint64(v) for v in int_to_limbs(FR_MONT_R2))
_R_E0, _R_E1, _R_E2, _R_E3 = (np.uint64(v) for v in int_to_limbs(FR_MODULUS - 2))

_Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3 = (np.uint64(v) for v in int_to_limbs(FQ_MODULUS))
_Q_INV = np.uint64(FQ_MONT_INV)
_Q_ONE0, _Q_ONE1, _Q_ONE2, _Q_ONE3 = (np.uint64(v) for v in int_to_limbs(FQ_MONT_R))
_Q_R20, _Q_R21, _Q_R22, _Q_R23 = (np.uint64(v) for v in int_to_limbs(FQ_MONT_R2))
_Q_E0, _Q_E1, _Q_E2, _Q_E3 = (np.uint64(v) for v in int_to_limbs(FQ_MODULUS - 2))

# ---------------------------------------------------------------------------------------------------------------------
# 128-bit primitives as LLVM IR


@intrinsic
def _mac(typingctx, a, b, c, d):
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
def _adc(typingctx, a, b, c):
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
def _sbb(typingctx, a, b, c):
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
def _mul_lo(typingctx, a, b):
    """a·b mod 2^64."""
    u64 = types.uint64
    sig = u64(u64, u64)

    def codegen(context, builder, signature, args):
        return builder.mul(args[0], args[1])

    return sig, codegen


# ---------------------------------------------------------------------------------------------------------------------
# Generic 4-limb Montgomery kernels (modulus as arguments; the per-field wrappers pass module constants, which LLVM
# folds after inlining)


@njit(cache=True)
def _mont_mul(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3, qinv):
    # gnark no-carry CIOS, 4 rounds unrolled. Round i: t += a_i·b; m = t0·qinv; t = (t + m·q) / 2^64.
    # round 0
    c0, c1 = _mac(a0, b0, _U0, _U0)
    m = _mul_lo(c0, qinv)
    _, c2 = _mac(m, q0, c0, _U0)
    c0, c1 = _mac(a0, b1, c1, _U0)
    t0, c2 = _mac(m, q1, c2, c0)
    c0, c1 = _mac(a0, b2, c1, _U0)
    t1, c2 = _mac(m, q2, c2, c0)
    c0, c1 = _mac(a0, b3, c1, _U0)
    t2, h = _mac(m, q3, c0, c2)
    t3 = h + c1
    # round 1
    c0, c1 = _mac(a1, b0, t0, _U0)
    m = _mul_lo(c0, qinv)
    _, c2 = _mac(m, q0, c0, _U0)
    c0, c1 = _mac(a1, b1, c1, t1)
    t0, c2 = _mac(m, q1, c2, c0)
    c0, c1 = _mac(a1, b2, c1, t2)
    t1, c2 = _mac(m, q2, c2, c0)
    c0, c1 = _mac(a1, b3, c1, t3)
    t2, h = _mac(m, q3, c0, c2)
    t3 = h + c1
    # round 2
    c0, c1 = _mac(a2, b0, t0, _U0)
    m = _mul_lo(c0, qinv)
    _, c2 = _mac(m, q0, c0, _U0)
    c0, c1 = _mac(a2, b1, c1, t1)
    t0, c2 = _mac(m, q1, c2, c0)
    c0, c1 = _mac(a2, b2, c1, t2)
    t1, c2 = _mac(m, q2, c2, c0)
    c0, c1 = _mac(a2, b3, c1, t3)
    t2, h = _mac(m, q3, c0, c2)
    t3 = h + c1
    # round 3
    c0, c1 = _mac(a3, b0, t0, _U0)
    m = _mul_lo(c0, qinv)
    _, c2 = _mac(m, q0, c0, _U0)
    c0, c1 = _mac(a3, b1, c1, t1)
    t0, c2 = _mac(m, q1, c2, c0)
    c0, c1 = _mac(a3, b2, c1, t2)
    t1, c2 = _mac(m, q2, c2, c0)
    c0, c1 = _mac(a3, b3, c1, t3)
    t2, h = _mac(m, q3, c0, c2)
    t3 = h + c1
    # final conditional subtraction (t < 2m)
    d0, br = _sbb(t0, q0, _U0)
    d1, br = _sbb(t1, q1, br)
    d2, br = _sbb(t2, q2, br)
    d3, br = _sbb(t3, q3, br)
    if br == _U0:
        return d0, d1, d2, d3
    return t0, t1, t2, t3


@njit(cache=True)
def _mod_add(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3):
    # a, b < m < 2^254, so a + b < 2^255 has no carry out of the top word.
    s0, c = _adc(a0, b0, _U0)
    s1, c = _adc(a1, b1, c)
    s2, c = _adc(a2, b2, c)
    s3, c = _adc(a3, b3, c)
    d0, br = _sbb(s0, q0, _U0)
    d1, br = _sbb(s1, q1, br)
    d2, br = _sbb(s2, q2, br)
    d3, br = _sbb(s3, q3, br)
    if br == _U0:
        return d0, d1, d2, d3
    return s0, s1, s2, s3


@njit(cache=True)
def _mod_sub(a0, a1, a2, a3, b0, b1, b2, b3, q0, q1, q2, q3):
    d0, br = _sbb(a0, b0, _U0)
    d1, br = _sbb(a1, b1, br)
    d2, br = _sbb(a2, b2, br)
    d3, br = _sbb(a3, b3, br)
    if br == _U0:
        return d0, d1, d2, d3
    s0, c = _adc(d0, q0, _U0)
    s1, c = _adc(d1, q1, c)
    s2, c = _adc(d2, q2, c)
    s3, c = _adc(d3, q3, c)
    return s0, s1, s2, s3


@njit(cache=True)
def _mod_neg(a0, a1, a2, a3, q0, q1, q2, q3):
    if (a0 | a1 | a2 | a3) == _U0:
        return _U0, _U0, _U0, _U0
    d0, br = _sbb(q0, a0, _U0)
    d1, br = _sbb(q1, a1, br)
    d2, br = _sbb(q2, a2, br)
    d3, br = _sbb(q3, a3, br)
    return d0, d1, d2, d3


# ---------------------------------------------------------------------------------------------------------------------
# Fr


@njit(cache=True)
def fr_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    """Montgomery product in Fr: a·b·2^-256 mod r (Montgomery in → Montgomery out)."""
    return _mont_mul(a0, a1, a2, a3, b0, b1, b2, b3, _R_Q0, _R_Q1, _R_Q2, _R_Q3, _R_INV)


@njit(cache=True)
def fr_sqr(a0, a1, a2, a3):
    """Montgomery square in Fr."""
    return _mont_mul(a0, a1, a2, a3, a0, a1, a2, a3, _R_Q0, _R_Q1, _R_Q2, _R_Q3, _R_INV)


@njit(cache=True)
def fr_add(a0, a1, a2, a3, b0, b1, b2, b3):
    """a + b mod r (inputs canonical)."""
    return _mod_add(a0, a1, a2, a3, b0, b1, b2, b3, _R_Q0, _R_Q1, _R_Q2, _R_Q3)


@njit(cache=True)
def fr_sub(a0, a1, a2, a3, b0, b1, b2, b3):
    """a − b mod r (inputs canonical)."""
    return _mod_sub(a0, a1, a2, a3, b0, b1, b2, b3, _R_Q0, _R_Q1, _R_Q2, _R_Q3)


@njit(cache=True)
def fr_neg(a0, a1, a2, a3):
    """−a mod r (0 ↦ 0)."""
    return _mod_neg(a0, a1, a2, a3, _R_Q0, _R_Q1, _R_Q2, _R_Q3)


@njit(cache=True)
def fr_dbl(a0, a1, a2, a3):
    """2a mod r."""
    return _mod_add(a0, a1, a2, a3, a0, a1, a2, a3, _R_Q0, _R_Q1, _R_Q2, _R_Q3)


@njit(cache=True)
def fr_is_zero(a0, a1, a2, a3):
    """True when a == 0."""
    return (a0 | a1 | a2 | a3) == _U0


@njit(cache=True)
def fr_eq(a0, a1, a2, a3, b0, b1, b2, b3):
    """True when a == b (limb-wise)."""
    return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3)) == _U0


@njit(cache=True)
def fr_one():
    """1 in Montgomery form (R mod r)."""
    return _R_ONE0, _R_ONE1, _R_ONE2, _R_ONE3


@njit(cache=True)
def fr_to_mont(a0, a1, a2, a3):
    """Normal form (< r) → Montgomery form."""
    return _mont_mul(a0, a1, a2, a3, _R_R20, _R_R21, _R_R22, _R_R23, _R_Q0, _R_Q1, _R_Q2, _R_Q3, _R_INV)


@njit(cache=True)
def fr_from_mont(a0, a1, a2, a3):
    """Montgomery form → normal form."""
    return _mont_mul(a0, a1, a2, a3, _U1, _U0, _U0, _U0, _R_Q0, _R_Q1, _R_Q2, _R_Q3, _R_INV)


@njit(cache=True)
def fr_pow(a0, a1, a2, a3, e0, e1, e2, e3):
    """a^e in Fr; a Montgomery, e as normal-form limbs (any 256-bit value); result Montgomery. 0^0 = 1."""
    r0, r1, r2, r3 = fr_one()
    for w in range(3, -1, -1):
        e = e3 if w == 3 else (e2 if w == 2 else (e1 if w == 1 else e0))
        for bit in range(63, -1, -1):
            r0, r1, r2, r3 = fr_sqr(r0, r1, r2, r3)
            if (e >> np.uint64(bit)) & _U1:
                r0, r1, r2, r3 = fr_mul(r0, r1, r2, r3, a0, a1, a2, a3)
    return r0, r1, r2, r3


@njit(cache=True)
def fr_inv(a0, a1, a2, a3):
    """a^-1 in Fr by Fermat (a^(r−2)); Montgomery in/out; 0 ↦ 0."""
    return fr_pow(a0, a1, a2, a3, _R_E0, _R_E1, _R_E2, _R_E3)


# ---------------------------------------------------------------------------------------------------------------------
# Fq


@njit(cache=True)
def fq_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    """Montgomery product in Fq: a·b·2^-256 mod q (Montgomery in → Montgomery out)."""
    return _mont_mul(a0, a1, a2, a3, b0, b1, b2, b3, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3, _Q_INV)


@njit(cache=True)
def fq_sqr(a0, a1, a2, a3):
    """Montgomery square in Fq."""
    return _mont_mul(a0, a1, a2, a3, a0, a1, a2, a3, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3, _Q_INV)


@njit(cache=True)
def fq_add(a0, a1, a2, a3, b0, b1, b2, b3):
    """a + b mod q (inputs canonical)."""
    return _mod_add(a0, a1, a2, a3, b0, b1, b2, b3, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3)


@njit(cache=True)
def fq_sub(a0, a1, a2, a3, b0, b1, b2, b3):
    """a − b mod q (inputs canonical)."""
    return _mod_sub(a0, a1, a2, a3, b0, b1, b2, b3, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3)


@njit(cache=True)
def fq_neg(a0, a1, a2, a3):
    """−a mod q (0 ↦ 0)."""
    return _mod_neg(a0, a1, a2, a3, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3)


@njit(cache=True)
def fq_dbl(a0, a1, a2, a3):
    """2a mod q."""
    return _mod_add(a0, a1, a2, a3, a0, a1, a2, a3, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3)


@njit(cache=True)
def fq_is_zero(a0, a1, a2, a3):
    """True when a == 0."""
    return (a0 | a1 | a2 | a3) == _U0


@njit(cache=True)
def fq_eq(a0, a1, a2, a3, b0, b1, b2, b3):
    """True when a == b (limb-wise)."""
    return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3)) == _U0


@njit(cache=True)
def fq_one():
    """1 in Montgomery form (R mod q)."""
    return _Q_ONE0, _Q_ONE1, _Q_ONE2, _Q_ONE3


@njit(cache=True)
def fq_to_mont(a0, a1, a2, a3):
    """Normal form (< q) → Montgomery form."""
    return _mont_mul(a0, a1, a2, a3, _Q_R20, _Q_R21, _Q_R22, _Q_R23, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3, _Q_INV)


@njit(cache=True)
def fq_from_mont(a0, a1, a2, a3):
    """Montgomery form → normal form."""
    return _mont_mul(a0, a1, a2, a3, _U1, _U0, _U0, _U0, _Q_Q0, _Q_Q1, _Q_Q2, _Q_Q3, _Q_INV)


@njit(cache=True)
def fq_pow(a0, a1, a2, a3, e0, e1, e2, e3):
    """a^e in Fq; a Montgomery, e as normal-form limbs (any 256-bit value); result Montgomery. 0^0 = 1."""
    r0, r1, r2, r3 = fq_one()
    for w in range(3, -1, -1):
        e = e3 if w == 3 else (e2 if w == 2 else (e1 if w == 1 else e0))
        for bit in range(63, -1, -1):
            r0, r1, r2, r3 = fq_sqr(r0, r1, r2, r3)
            if (e >> np.uint64(bit)) & _U1:
                r0, r1, r2, r3 = fq_mul(r0, r1, r2, r3, a0, a1, a2, a3)
    return r0, r1, r2, r3


@njit(cache=True)
def fq_inv(a0, a1, a2, a3):
    """a^-1 in Fq by Fermat (a^(q−2)); Montgomery in/out; 0 ↦ 0."""
    return fq_pow(a0, a1, a2, a3, _Q_E0, _Q_E1, _Q_E2, _Q_E3)


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


# ---------------------------------------------------------------------------------------------------------------------
# Array kernels: uint64[n, 4]


@njit(cache=True)
def fr_mul_arr(a, b):
    """Elementwise Montgomery product of ``uint64[n, 4]`` arrays (Montgomery form) → new ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3]
        )
    return out


@njit(cache=True)
def fq_mul_arr(a, b):
    """Elementwise Montgomery product of ``uint64[n, 4]`` arrays (Montgomery form) → new ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3]
        )
    return out


@njit(cache=True)
def fr_sqr_arr(a):
    """Elementwise Montgomery square, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_sqr(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq_sqr_arr(a):
    """Elementwise Montgomery square, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_sqr(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fr_add_arr(a, b):
    """Elementwise a + b mod r, ``uint64[n, 4]`` (canonical, either form) → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_add(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3]
        )
    return out


@njit(cache=True)
def fq_add_arr(a, b):
    """Elementwise a + b mod q, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_add(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3]
        )
    return out


@njit(cache=True)
def fr_sub_arr(a, b):
    """Elementwise a − b mod r, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_sub(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3]
        )
    return out


@njit(cache=True)
def fq_sub_arr(a, b):
    """Elementwise a − b mod q, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_sub(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3]
        )
    return out


@njit(cache=True)
def fr_neg_arr(a):
    """Elementwise −a mod r, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_neg(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq_neg_arr(a):
    """Elementwise −a mod q, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_neg(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fr_scale_arr(a, k):
    """a[i]·k for ``a`` ``uint64[n, 4]`` and one element ``k`` ``uint64[4]``, both Montgomery → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    k0, k1, k2, k3 = k[0], k[1], k[2], k[3]
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], k0, k1, k2, k3)
    return out


@njit(cache=True)
def fq_scale_arr(a, k):
    """a[i]·k for ``a`` ``uint64[n, 4]`` and one element ``k`` ``uint64[4]``, both Montgomery → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    k0, k1, k2, k3 = k[0], k[1], k[2], k[3]
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], k0, k1, k2, k3)
    return out


@njit(cache=True)
def fr_to_mont_arr(a):
    """Normal form (each < r) → Montgomery form, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_to_mont(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq_to_mont_arr(a):
    """Normal form (each < q) → Montgomery form, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_to_mont(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fr_from_mont_arr(a):
    """Montgomery form → normal form, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_from_mont(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq_from_mont_arr(a):
    """Montgomery form → normal form, ``uint64[n, 4]`` → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_from_mont(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fr_pow_arr(a, e):
    """a[i]^e; ``a`` ``uint64[n, 4]`` Montgomery, ``e`` ``uint64[4]`` normal-form exponent → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_pow(a[i, 0], a[i, 1], a[i, 2], a[i, 3], e[0], e[1], e[2], e[3])
    return out


@njit(cache=True)
def fq_pow_arr(a, e):
    """a[i]^e; ``a`` ``uint64[n, 4]`` Montgomery, ``e`` ``uint64[4]`` normal-form exponent → ``uint64[n, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_pow(a[i, 0], a[i, 1], a[i, 2], a[i, 3], e[0], e[1], e[2], e[3])
    return out


@njit(cache=True)
def fr_inv_arr(a):
    """Elementwise inverse (one Fermat power each; 0 ↦ 0), ``uint64[n, 4]`` Montgomery → Montgomery."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_inv(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq_inv_arr(a):
    """Elementwise inverse (one Fermat power each; 0 ↦ 0), ``uint64[n, 4]`` Montgomery → Montgomery."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_inv(a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fr_batch_inv_arr(a):
    """All inverses with one Fermat power (Montgomery's trick), ``uint64[n, 4]`` Montgomery → Montgomery; 0 ↦ 0.

    Cost: 3(n − 1) muls + one inversion (~380 muls). Zeros are skipped (their slot stays 0).
    """
    n = a.shape[0]
    out = np.zeros((n, 4), dtype=np.uint64)
    prefix = np.empty((n, 4), dtype=np.uint64)
    p0, p1, p2, p3 = fr_one()
    for i in range(n):
        prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3] = p0, p1, p2, p3
        if not fr_is_zero(a[i, 0], a[i, 1], a[i, 2], a[i, 3]):
            p0, p1, p2, p3 = fr_mul(p0, p1, p2, p3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    v0, v1, v2, v3 = fr_inv(p0, p1, p2, p3)
    for i in range(n - 1, -1, -1):
        if fr_is_zero(a[i, 0], a[i, 1], a[i, 2], a[i, 3]):
            continue
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_mul(
            v0, v1, v2, v3, prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3]
        )
        v0, v1, v2, v3 = fr_mul(v0, v1, v2, v3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq_batch_inv_arr(a):
    """All inverses with one Fermat power (Montgomery's trick), ``uint64[n, 4]`` Montgomery → Montgomery; 0 ↦ 0."""
    n = a.shape[0]
    out = np.zeros((n, 4), dtype=np.uint64)
    prefix = np.empty((n, 4), dtype=np.uint64)
    p0, p1, p2, p3 = fq_one()
    for i in range(n):
        prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3] = p0, p1, p2, p3
        if not fq_is_zero(a[i, 0], a[i, 1], a[i, 2], a[i, 3]):
            p0, p1, p2, p3 = fq_mul(p0, p1, p2, p3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    v0, v1, v2, v3 = fq_inv(p0, p1, p2, p3)
    for i in range(n - 1, -1, -1):
        if fq_is_zero(a[i, 0], a[i, 1], a[i, 2], a[i, 3]):
            continue
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fq_mul(
            v0, v1, v2, v3, prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3]
        )
        v0, v1, v2, v3 = fq_mul(v0, v1, v2, v3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    return out


@njit(cache=True)
def fq2_mul_arr(a, b):
    """Elementwise Fq2 product, ``uint64[n, 2, 4]`` (c0, c1; Montgomery) → ``uint64[n, 2, 4]``."""
    n = a.shape[0]
    out = np.empty((n, 2, 4), dtype=np.uint64)
    for i in range(n):
        r = fq2_mul(
            a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3], a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3],
            b[i, 0, 0], b[i, 0, 1], b[i, 0, 2], b[i, 0, 3], b[i, 1, 0], b[i, 1, 1], b[i, 1, 2], b[i, 1, 3],
        )  # fmt: skip
        out[i, 0, 0], out[i, 0, 1], out[i, 0, 2], out[i, 0, 3] = r[0], r[1], r[2], r[3]
        out[i, 1, 0], out[i, 1, 1], out[i, 1, 2], out[i, 1, 3] = r[4], r[5], r[6], r[7]
    return out


@njit(cache=True)
def fq2_inv_arr(a):
    """All Fq2 inverses with one Fq inversion, ``uint64[n, 2, 4]`` Montgomery → Montgomery; 0 ↦ 0."""
    n = a.shape[0]
    norms = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        s0, s1, s2, s3 = fq_sqr(a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3])
        t0, t1, t2, t3 = fq_sqr(a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3])
        norms[i, 0], norms[i, 1], norms[i, 2], norms[i, 3] = fq_add(s0, s1, s2, s3, t0, t1, t2, t3)
    inv = fq_batch_inv_arr(norms)
    out = np.empty((n, 2, 4), dtype=np.uint64)
    for i in range(n):
        i0, i1, i2, i3 = inv[i, 0], inv[i, 1], inv[i, 2], inv[i, 3]
        out[i, 0, 0], out[i, 0, 1], out[i, 0, 2], out[i, 0, 3] = fq_mul(
            a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3], i0, i1, i2, i3
        )
        c0, c1, c2, c3 = fq_neg(a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3])
        out[i, 1, 0], out[i, 1, 1], out[i, 1, 2], out[i, 1, 3] = fq_mul(c0, c1, c2, c3, i0, i1, i2, i3)
    return out

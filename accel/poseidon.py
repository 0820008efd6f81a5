"""Poseidon over BN254's Fr as numba kernels: every width t = 2..17 (1..16 inputs), whole Merkle paths per call.

Bit-for-bit the hash of circomlib / circomlibjs 0.1.7 (``poseidon_opt.js``): the same optimised constants and
sparse partial-round matrices as ``zksvs.poseidon`` (read through ``zksvs.poseidon.optimized_params``, from
``zksvs/data/poseidon_constants.json``), evaluated in Montgomery form with ``accel.field``'s Fr arithmetic
(``fr_mul``, ``fr_sqr``, ``fr_add``, ``fr_to_mont``, ``fr_from_mont``) and, for every sum of products (the MDS rows
and the sparse matrices' first rows), ``accel.fr_lazy``: 512-bit products summed and reduced once. A t = 3 hash
costs 600 products (8 full rounds: 3t S-box products + t² MDS products each; 57 partial rounds: 3 + 2t − 1 each),
of which 357 are reduced one by one and 243 in 81 sums of three (15.1 µs a hash instead of 17.3). The products,
512-bit sums and the t = 3 round helpers are inlined into the kernels (numba ``inline="always"``, the same source as
``accel.field``/``accel.fr_lazy``): ~12.5 µs a t = 3 hash and ~23 µs a t = 5 one in a batch, against ~16 and ~28
as calls (``bench/poseidon_rows.py``). Hashing two rows at once (two t = 3 states interleaved in registers, so that
the two dependency chains overlap: multi-buffer hashing) was measured on the serial kernel at 1.01× as calls and
1.07× inlined, for about twice this module's compile time, so it is not kept; nor is a dedicated squaring (the
512-bit square in 10 multiplications, then ``redc``: no faster than the CIOS product of a by a, measured).

Python API (ints in normal form, each checked to be in [0, r))
--------------------------------------------------------------
``poseidon(inputs) -> int``                 circomlib ``Poseidon(n)``, 1 ≤ n ≤ 16
``hash2(left, right) -> int``               ``poseidon([left, right])``, the Merkle node hash
``poseidon_many(rows) -> list[int]``        one hash per row (all rows the same arity), one kernel call
                                            (``poseidon_many_unchecked``: the same without the Python-side checks)
``merkle_path(leaf, index, siblings) -> tuple[int, ...]``
                                            every node of a path, leaf first, root last (D hashes, one call)
``merkle_paths(leaves, indices, siblings) -> list[tuple[int, ...]]``
                                            many paths of the same depth, one kernel call

Array API (``uint64[..., 4]`` normal-form little-endian limbs, no Python ints)
----------------------------------------------------------------------------
``poseidon_limbs(x: uint64[n, a, 4]) -> uint64[n, 4]`` and ``merkle_path_limbs(buf: uint64[D + 2, 4]) ->
uint64[D + 1, 4]`` (``buf`` rows: index as a 256-bit number, leaf, D siblings bottom-up).

Kernels are ``@njit(cache=True, nogil=True)`` (another thread, e.g. the sequencer's group committer, runs while
they hash); the batch kernels over many rows use ``prange``. A non-canonical input raises
``NonCanonicalFieldElement`` naming it; the kernels check it too (limbs ≥ r), so array callers get the same error.

References
----------
L. Grassi et al., "Poseidon: A New Hash Function for Zero-Knowledge Proof Systems", USENIX Security 2021;
circomlibjs 0.1.7 ``src/poseidon_opt.js`` and ``src/poseidon_constants_opt.js`` (the sparse-matrix form, after
filecoin-project/neptune).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from accel import fr_lazy
from accel.field import FR_LIMBS, FR_MONT_INV, _mont_mul, fr_add, fr_from_mont, fr_to_mont
from accel.fr_lazy import LAZY_TERMS
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.limbs import int_to_limbs
from zksvs.poseidon import N_ROUNDS_F, N_ROUNDS_P, optimized_params

__all__ = [
    "hash2",
    "hash2_unchecked",
    "merkle_path",
    "merkle_path_limbs",
    "merkle_path_unchecked",
    "merkle_paths",
    "poseidon",
    "poseidon_limbs",
    "poseidon_many",
    "poseidon_many_unchecked",
    "poseidon_unchecked",
]

_T_MAX = 1 + len(N_ROUNDS_P)
assert N_ROUNDS_F == 8 and _T_MAX == 17
_HALF = N_ROUNDS_F // 2

# ---------------------------------------------------------------------------------------------------------------------
# Constants: every width's optimised constants, Montgomery limbs, in one flat array (kernels take it as an argument so
# the compiled code does not embed 600 KiB of constants).
#
# _LAYOUT[t] = (c_off, mds_off, pre_off, sparse_off, n_partial, c_len): row offsets into _CONSTS of the round
# constants c, the t × t MDS matrix (row-major, new[i] = Σ_j mds[i·t + j]·s[j]), the dense matrix P ending the first
# half, and the per-partial-round sparse values (2t − 1 each: the first row w, then the column v[1..t−1]).


def _mont_limbs(x: int) -> tuple[int, int, int, int]:
    return int_to_limbs(x * (1 << 256) % FR_MODULUS)


def _build_constants() -> tuple[np.ndarray, np.ndarray]:
    rows: list[tuple[int, int, int, int]] = []
    layout = np.zeros((_T_MAX + 1, 6), dtype=np.int64)
    for t in range(2, _T_MAX + 1):
        o = optimized_params(t)
        c_off = len(rows)
        rows += [_mont_limbs(c) for c in o.c]
        mds_off = len(rows)
        rows += [_mont_limbs(v) for row in o.mds for v in row]
        pre_off = len(rows)
        rows += [_mont_limbs(v) for row in o.pre for v in row]
        sparse_off = len(rows)
        rows += [_mont_limbs(v) for v in o.sparse]
        assert len(o.sparse) == o.n_partial * (2 * t - 1)
        assert len(o.c) == t * (_HALF + 1) + o.n_partial + t * (_HALF - 1)
        layout[t] = (c_off, mds_off, pre_off, sparse_off, o.n_partial, len(o.c))
    return np.array(rows, dtype=np.uint64), layout


_CONSTS, _LAYOUT = _build_constants()

_Q0, _Q1, _Q2, _Q3 = (np.uint64(v) for v in FR_LIMBS)
_QINV = np.uint64(FR_MONT_INV)
_Z = np.uint64(0)
_ONE = np.uint64(1)

# The arithmetic the kernels use, inlined into them (numba ``inline="always"``: the same Python source as
# ``accel.field._mont_mul`` and ``accel.fr_lazy``'s ``wide_mul``/``wide_add``/``redc``, compiled again in place). As
# calls, LLVM kept them out of line (too big for its threshold): each product then paid a call frame, 13 arguments and
# a tuple returned through memory, and the modulus came as arguments instead of immediates. Measured: t = 3 from ~16
# to ~12.5 µs a hash, t = 5 from ~28 to ~23 (bench/poseidon_rows.py); the price is the first compile of this module,
# ~9 s → ~33 s (once per checkout: numba's cache). ``_full3`` (a whole full round) stays a call: inlined twice more
# into ``_permute3`` it made the code larger than the instruction cache (a call of one row paid ~2 µs more) and the
# compile ~24 s longer.
_mont_mul_inline = njit(inline="always")(_mont_mul.py_func)
_wide_mul = njit(inline="always")(fr_lazy.wide_mul.py_func)
_wide_add = njit(inline="always")(fr_lazy.wide_add.py_func)
_redc = njit(inline="always")(fr_lazy.redc.py_func)


@njit(inline="always")
def _wide_mac(x0, x1, x2, x3, x4, x5, x6, x7, a0, a1, a2, a3, b0, b1, b2, b3):
    """x + a·b on 512 bits (``accel.fr_lazy.wide_mac``), inlined."""
    p0, p1, p2, p3, p4, p5, p6, p7 = _wide_mul(a0, a1, a2, a3, b0, b1, b2, b3)
    return _wide_add(x0, x1, x2, x3, x4, x5, x6, x7, p0, p1, p2, p3, p4, p5, p6, p7)


@njit(inline="always")
def _fr_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    """a·b (Montgomery), inlined."""
    return _mont_mul_inline(a0, a1, a2, a3, b0, b1, b2, b3, _Q0, _Q1, _Q2, _Q3, _QINV)


@njit(inline="always")
def _fr_sqr(a0, a1, a2, a3):
    """a² (Montgomery), inlined."""
    return _mont_mul_inline(a0, a1, a2, a3, a0, a1, a2, a3, _Q0, _Q1, _Q2, _Q3, _QINV)


# ---------------------------------------------------------------------------------------------------------------------
# Kernels


@njit(cache=True, nogil=True)
def _canonical(a0, a1, a2, a3):
    """True when the normal-form limbs are < r."""
    if a3 != _Q3:
        return a3 < _Q3
    if a2 != _Q2:
        return a2 < _Q2
    if a1 != _Q1:
        return a1 < _Q1
    return a0 < _Q0


@njit(cache=True, nogil=True)
def _sbox_add(s, i, k, ki):
    """s[i] ← s[i]^5 + k[ki] (Montgomery)."""
    a0, a1, a2, a3 = s[i, 0], s[i, 1], s[i, 2], s[i, 3]
    b0, b1, b2, b3 = _fr_sqr(a0, a1, a2, a3)
    b0, b1, b2, b3 = _fr_sqr(b0, b1, b2, b3)
    b0, b1, b2, b3 = _fr_mul(b0, b1, b2, b3, a0, a1, a2, a3)
    b0, b1, b2, b3 = fr_add(b0, b1, b2, b3, k[ki, 0], k[ki, 1], k[ki, 2], k[ki, 3])
    s[i, 0], s[i, 1], s[i, 2], s[i, 3] = b0, b1, b2, b3


@njit(cache=True, nogil=True)
def _sbox(s, i):
    """s[i] ← s[i]^5 (Montgomery)."""
    a0, a1, a2, a3 = s[i, 0], s[i, 1], s[i, 2], s[i, 3]
    b0, b1, b2, b3 = _fr_sqr(a0, a1, a2, a3)
    b0, b1, b2, b3 = _fr_sqr(b0, b1, b2, b3)
    b0, b1, b2, b3 = _fr_mul(b0, b1, b2, b3, a0, a1, a2, a3)
    s[i, 0], s[i, 1], s[i, 2], s[i, 3] = b0, b1, b2, b3


@njit(cache=True, nogil=True)
def _dot_row(s, t, k, off):
    """Σ_j k[off + j]·s[j] for j < t (Montgomery): 512-bit products summed, one REDC per ``LAZY_TERMS`` terms."""
    r0, r1, r2, r3 = _Z, _Z, _Z, _Z
    j = 0
    while j < t:
        kj = off + j
        w0, w1, w2, w3, w4, w5, w6, w7 = _wide_mul(
            k[kj, 0], k[kj, 1], k[kj, 2], k[kj, 3], s[j, 0], s[j, 1], s[j, 2], s[j, 3]
        )
        end = min(t, j + LAZY_TERMS)
        for i in range(j + 1, end):
            ki = off + i
            a0, a1, a2, a3 = k[ki, 0], k[ki, 1], k[ki, 2], k[ki, 3]
            w0, w1, w2, w3, w4, w5, w6, w7 = _wide_mac(
                w0, w1, w2, w3, w4, w5, w6, w7, a0, a1, a2, a3, s[i, 0], s[i, 1], s[i, 2], s[i, 3]
            )
        p0, p1, p2, p3 = _redc(w0, w1, w2, w3, w4, w5, w6, w7)
        r0, r1, r2, r3 = fr_add(r0, r1, r2, r3, p0, p1, p2, p3)
        j = end
    return r0, r1, r2, r3


@njit(cache=True, nogil=True)
def _mix(s, tmp, t, k, off):
    """s ← M·s for the t × t matrix at rows k[off : off + t²] (row-major)."""
    for i in range(t):
        tmp[i, 0], tmp[i, 1], tmp[i, 2], tmp[i, 3] = _dot_row(s, t, k, off + i * t)
    for i in range(t):
        s[i, 0], s[i, 1], s[i, 2], s[i, 3] = tmp[i, 0], tmp[i, 1], tmp[i, 2], tmp[i, 3]


@njit(cache=True, nogil=True)
def _permute(s, tmp, t, k, layout):
    """Poseidon permutation of the Montgomery state ``s[:t]`` in place (``poseidon_opt.js``); digest in ``s[0]``.

    Only ``s[0]`` is meaningful afterwards (the last round computes the first row of the MDS product only).
    """
    c_off = layout[t, 0]
    mds_off = layout[t, 1]
    pre_off = layout[t, 2]
    sparse_off = layout[t, 3]
    n_partial = layout[t, 4]
    for i in range(t):
        ki = c_off + i
        s[i, 0], s[i, 1], s[i, 2], s[i, 3] = fr_add(
            s[i, 0], s[i, 1], s[i, 2], s[i, 3], k[ki, 0], k[ki, 1], k[ki, 2], k[ki, 3]
        )
    ci = c_off + t
    for r in range(4):
        for i in range(t):
            _sbox_add(s, i, k, ci + i)
        ci += t
        _mix(s, tmp, t, k, pre_off if r == 3 else mds_off)
    w = 2 * t - 1
    for r in range(n_partial):
        _sbox_add(s, 0, k, ci)
        ci += 1
        off = sparse_off + r * w
        x0, x1, x2, x3 = s[0, 0], s[0, 1], s[0, 2], s[0, 3]
        a0, a1, a2, a3 = _dot_row(s, t, k, off)  # the first row w, over the state before this round's column
        for j in range(1, t):
            kv = off + t + j - 1
            p0, p1, p2, p3 = _fr_mul(x0, x1, x2, x3, k[kv, 0], k[kv, 1], k[kv, 2], k[kv, 3])
            s[j, 0], s[j, 1], s[j, 2], s[j, 3] = fr_add(s[j, 0], s[j, 1], s[j, 2], s[j, 3], p0, p1, p2, p3)
        s[0, 0], s[0, 1], s[0, 2], s[0, 3] = a0, a1, a2, a3
    for _ in range(3):
        for i in range(t):
            _sbox_add(s, i, k, ci + i)
        ci += t
        _mix(s, tmp, t, k, mds_off)
    for i in range(t):
        _sbox(s, i)
    s[0, 0], s[0, 1], s[0, 2], s[0, 3] = _dot_row(s, t, k, mds_off)


@njit(inline="always")
def _kmul(a0, a1, a2, a3, k, i):
    """a·k[i] (Montgomery)."""
    return _fr_mul(a0, a1, a2, a3, k[i, 0], k[i, 1], k[i, 2], k[i, 3])


@njit(inline="always")
def _kadd(a0, a1, a2, a3, k, i):
    """a + k[i]."""
    return fr_add(a0, a1, a2, a3, k[i, 0], k[i, 1], k[i, 2], k[i, 3])


@njit(inline="always")
def _pow5(a0, a1, a2, a3):
    """a^5 (Montgomery): two squarings and a product."""
    b0, b1, b2, b3 = _fr_sqr(a0, a1, a2, a3)
    b0, b1, b2, b3 = _fr_sqr(b0, b1, b2, b3)
    return _fr_mul(b0, b1, b2, b3, a0, a1, a2, a3)


@njit(inline="always")
def _row3(k, off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3):
    """k[off]·x + k[off + 1]·y + k[off + 2]·z: three 512-bit products, one REDC."""
    w0, w1, w2, w3, w4, w5, w6, w7 = _wide_mul(x0, x1, x2, x3, k[off, 0], k[off, 1], k[off, 2], k[off, 3])
    o = off + 1
    w0, w1, w2, w3, w4, w5, w6, w7 = _wide_mac(
        w0, w1, w2, w3, w4, w5, w6, w7, y0, y1, y2, y3, k[o, 0], k[o, 1], k[o, 2], k[o, 3]
    )
    o = off + 2
    w0, w1, w2, w3, w4, w5, w6, w7 = _wide_mac(
        w0, w1, w2, w3, w4, w5, w6, w7, z0, z1, z2, z3, k[o, 0], k[o, 1], k[o, 2], k[o, 3]
    )
    return _redc(w0, w1, w2, w3, w4, w5, w6, w7)


@njit(cache=True, nogil=True)
def _full3(k, ci, off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3):
    """One full t = 3 round after the first: S-boxes, add k[ci..ci+2], multiply by the matrix at ``off``."""
    x0, x1, x2, x3 = _pow5(x0, x1, x2, x3)
    x0, x1, x2, x3 = _kadd(x0, x1, x2, x3, k, ci)
    y0, y1, y2, y3 = _pow5(y0, y1, y2, y3)
    y0, y1, y2, y3 = _kadd(y0, y1, y2, y3, k, ci + 1)
    z0, z1, z2, z3 = _pow5(z0, z1, z2, z3)
    z0, z1, z2, z3 = _kadd(z0, z1, z2, z3, k, ci + 2)
    a0, a1, a2, a3 = _row3(k, off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3)
    b0, b1, b2, b3 = _row3(k, off + 3, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3)
    c0, c1, c2, c3 = _row3(k, off + 6, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3)
    return a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3


@njit(cache=True, nogil=True)
def _permute3(k, layout, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3):
    """``_permute`` for t = 3 with the state in registers (the Merkle node hash); returns the digest (Montgomery)."""
    c_off = layout[3, 0]
    mds_off = layout[3, 1]
    pre_off = layout[3, 2]
    sparse_off = layout[3, 3]
    n_partial = layout[3, 4]
    x0, x1, x2, x3 = _kadd(x0, x1, x2, x3, k, c_off)
    y0, y1, y2, y3 = _kadd(y0, y1, y2, y3, k, c_off + 1)
    z0, z1, z2, z3 = _kadd(z0, z1, z2, z3, k, c_off + 2)
    ci = c_off + 3
    for r in range(4):
        x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3 = _full3(
            k, ci, pre_off if r == 3 else mds_off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3
        )
        ci += 3
    for r in range(n_partial):
        x0, x1, x2, x3 = _pow5(x0, x1, x2, x3)
        x0, x1, x2, x3 = _kadd(x0, x1, x2, x3, k, ci)
        ci += 1
        off = sparse_off + 5 * r
        a0, a1, a2, a3 = _row3(k, off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3)
        p0, p1, p2, p3 = _kmul(x0, x1, x2, x3, k, off + 3)
        y0, y1, y2, y3 = fr_add(y0, y1, y2, y3, p0, p1, p2, p3)
        p0, p1, p2, p3 = _kmul(x0, x1, x2, x3, k, off + 4)
        z0, z1, z2, z3 = fr_add(z0, z1, z2, z3, p0, p1, p2, p3)
        x0, x1, x2, x3 = a0, a1, a2, a3
    for _ in range(3):
        x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3 = _full3(
            k, ci, mds_off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3
        )
        ci += 3
    x0, x1, x2, x3 = _pow5(x0, x1, x2, x3)
    y0, y1, y2, y3 = _pow5(y0, y1, y2, y3)
    z0, z1, z2, z3 = _pow5(z0, z1, z2, z3)
    return _row3(k, mds_off, x0, x1, x2, x3, y0, y1, y2, y3, z0, z1, z2, z3)


@njit(cache=True, nogil=True)
def _hash_row(x, out, s, tmp, k, layout):
    """out ← Poseidon of the normal-form inputs ``x[:a]``; ``s``, ``tmp`` are scratch ``uint64[≥ a + 1, 4]``."""
    a = x.shape[0]
    if a == 2:
        y0, y1, y2, y3 = fr_to_mont(x[0, 0], x[0, 1], x[0, 2], x[0, 3])
        z0, z1, z2, z3 = fr_to_mont(x[1, 0], x[1, 1], x[1, 2], x[1, 3])
        r0, r1, r2, r3 = _permute3(k, layout, _Z, _Z, _Z, _Z, y0, y1, y2, y3, z0, z1, z2, z3)
        out[0], out[1], out[2], out[3] = fr_from_mont(r0, r1, r2, r3)
        return
    s[0, 0], s[0, 1], s[0, 2], s[0, 3] = _Z, _Z, _Z, _Z
    for i in range(a):
        s[i + 1, 0], s[i + 1, 1], s[i + 1, 2], s[i + 1, 3] = fr_to_mont(x[i, 0], x[i, 1], x[i, 2], x[i, 3])
    _permute(s, tmp, a + 1, k, layout)
    out[0], out[1], out[2], out[3] = fr_from_mont(s[0, 0], s[0, 1], s[0, 2], s[0, 3])


@njit(cache=True, nogil=True)
def _first_non_canonical(x):
    """Flat index of the first element of ``x`` (``uint64[..., 4]`` viewed as ``[m, 4]``) that is ≥ r, or −1."""
    for i in range(x.shape[0]):
        if not _canonical(x[i, 0], x[i, 1], x[i, 2], x[i, 3]):
            return i
    return -1


@njit(cache=True, nogil=True)
def _hash_rows(x, k, layout):
    """Poseidon of each row of ``x`` (``uint64[n, a, 4]`` normal form) → ``uint64[n, 4]``, serially."""
    n, a = x.shape[0], x.shape[1]
    out = np.empty((n, 4), dtype=np.uint64)
    s = np.empty((a + 1, 4), dtype=np.uint64)
    tmp = np.empty((a + 1, 4), dtype=np.uint64)
    for r in range(n):
        _hash_row(x[r], out[r], s, tmp, k, layout)
    return out


@njit(cache=True, nogil=True, parallel=True)
def _hash_rows_par(x, k, layout):
    """``_hash_rows`` over ``prange`` (for large batches)."""
    n, a = x.shape[0], x.shape[1]
    out = np.empty((n, 4), dtype=np.uint64)
    for r in prange(n):
        s = np.empty((a + 1, 4), dtype=np.uint64)
        tmp = np.empty((a + 1, 4), dtype=np.uint64)
        _hash_row(x[r], out[r], s, tmp, k, layout)
    return out


@njit(cache=True, nogil=True)
def _path_into(buf, out, k, layout):
    """Every node of one Merkle path: ``buf`` = [index (256-bit), leaf, D siblings] → ``out[0..D]`` (normal form)."""
    d = buf.shape[0] - 2
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = buf[1, 0], buf[1, 1], buf[1, 2], buf[1, 3]
    n0, n1, n2, n3 = fr_to_mont(buf[1, 0], buf[1, 1], buf[1, 2], buf[1, 3])
    for lvl in range(d):
        b = buf[2 + lvl]
        m0, m1, m2, m3 = fr_to_mont(b[0], b[1], b[2], b[3])
        bit = (buf[0, lvl >> 6] >> np.uint64(lvl & 63)) & _ONE
        if bit == _ONE:  # the path node is a right child: its sibling is on the left
            n0, n1, n2, n3 = _permute3(k, layout, _Z, _Z, _Z, _Z, m0, m1, m2, m3, n0, n1, n2, n3)
        else:
            n0, n1, n2, n3 = _permute3(k, layout, _Z, _Z, _Z, _Z, n0, n1, n2, n3, m0, m1, m2, m3)
        out[lvl + 1, 0], out[lvl + 1, 1], out[lvl + 1, 2], out[lvl + 1, 3] = fr_from_mont(n0, n1, n2, n3)


@njit(cache=True, nogil=True)
def _path(buf, k, layout):
    """``_path_into`` with its own output: ``uint64[D + 2, 4]`` → ``uint64[D + 1, 4]``."""
    out = np.empty((buf.shape[0] - 1, 4), dtype=np.uint64)
    _path_into(buf, out, k, layout)
    return out


@njit(cache=True, nogil=True, parallel=True)
def _paths_par(bufs, k, layout):
    """``_path`` for each of ``bufs`` (``uint64[n, D + 2, 4]``) over ``prange`` → ``uint64[n, D + 1, 4]``."""
    n, rows = bufs.shape[0], bufs.shape[1]
    out = np.empty((n, rows - 1, 4), dtype=np.uint64)
    for p in prange(n):
        _path_into(bufs[p], out[p], k, layout)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Python entry points

#: Below this many rows a batch is hashed serially (starting the thread pool costs more than it saves).
_PARALLEL_MIN_ROWS = 64


def _to_limbs(values: Sequence[int]) -> np.ndarray:
    """Canonical ints → ``uint64[len, 4]`` little-endian limbs (read-only view of one bytes object)."""
    return np.frombuffer(b"".join([v.to_bytes(32, "little") for v in values]), dtype="<u8").reshape(-1, 4)


def _to_ints(limbs: np.ndarray) -> list[int]:
    """``uint64[m, 4]`` (C-contiguous) → ints."""
    b = limbs.tobytes()
    return [int.from_bytes(b[i : i + 32], "little") for i in range(0, len(b), 32)]


def _check_arity(n: int) -> None:
    if not 1 <= n <= _T_MAX - 1:
        raise ValueError(f"Argument 'inputs' must hold 1..{_T_MAX - 1} field elements, not {n}")


def _require_limbs_canonical(x: np.ndarray, what: str) -> None:
    flat = x.reshape(-1, 4)
    bad = _first_non_canonical(flat)
    if bad >= 0:
        raise NonCanonicalFieldElement(f"{what}: element {bad} (flat) is not in [0, r) (limbs ≥ the modulus)")


def _as_limb_array(x: np.ndarray, ndim: int, what: str) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.uint64 or x.ndim != ndim or x.shape[-1] != 4:
        got = f"{x.dtype}{list(x.shape)}" if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"Argument '{what}' must be a uint64 array of {ndim} dimensions ending in 4 limbs, not {got}")
    return np.ascontiguousarray(x)


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib ``Poseidon(n)`` of 1..16 field elements (equal to ``zksvs.poseidon.poseidon``).

    Raises
    ------
    ValueError
        ``inputs`` holds 0 or more than 16 elements.
    NonCanonicalFieldElement
        An input is not an int in [0, r).
    """
    _check_arity(len(inputs))
    xs = [require_canonical_fr(x, f"inputs[{i}]") for i, x in enumerate(inputs)]
    return _to_ints(_hash_rows(_to_limbs(xs).reshape(1, len(xs), 4), _CONSTS, _LAYOUT))[0]


def hash2(left: int, right: int) -> int:
    """``poseidon([left, right])``, the Merkle node hash.

    Raises
    ------
    NonCanonicalFieldElement
        ``left`` or ``right`` is not an int in [0, r).
    """
    require_canonical_fr(left, "left")
    require_canonical_fr(right, "right")
    return _to_ints(_hash_rows(_to_limbs((left, right)).reshape(1, 2, 4), _CONSTS, _LAYOUT))[0]


def hash2_unchecked(left: int, right: int) -> int:
    """``hash2`` without the Python-side checks. Assumes: ints in [0, r) (a value in [r, 2^256) hashes as itself mod r;
    a negative one or one ≥ 2^256 raises ``OverflowError``)."""
    return _to_ints(_hash_rows(_to_limbs((left, right)).reshape(1, 2, 4), _CONSTS, _LAYOUT))[0]


def poseidon_unchecked(inputs: Sequence[int]) -> int:
    """``poseidon`` without the Python-side checks. Assumes: 1..16 ints in [0, r) (as ``hash2_unchecked``)."""
    return _to_ints(_hash_rows(_to_limbs(inputs).reshape(1, len(inputs), 4), _CONSTS, _LAYOUT))[0]


def poseidon_many(rows: Sequence[Sequence[int]]) -> list[int]:
    """One Poseidon per row (every row has the same number of inputs, 1..16), in one kernel call.

    Raises
    ------
    ValueError
        Rows of different lengths, or a length outside 1..16.
    NonCanonicalFieldElement
        An input is not an int in [0, r) (named ``rows[i][j]``).
    """
    if not rows:
        return []
    a = len(rows[0])
    _check_arity(a)
    for i, row in enumerate(rows):
        if len(row) != a:
            raise ValueError(f"Argument 'rows' must have rows of one length: rows[0] has {a}, rows[{i}] {len(row)}")
        for j, x in enumerate(row):
            require_canonical_fr(x, f"rows[{i}][{j}]")
    return poseidon_many_unchecked(rows)


def poseidon_many_unchecked(rows: Sequence[Sequence[int]]) -> list[int]:
    """``poseidon_many`` without the Python-side checks (the kernel still refuses limbs ≥ r). Assumes: rows of one
    length 1..16, ints in [0, 2^256) (a negative one or one ≥ 2^256 raises ``OverflowError``)."""
    if not rows:
        return []
    flat = _to_limbs([x for row in rows for x in row])
    return _to_ints(poseidon_limbs(flat.reshape(len(rows), len(rows[0]), 4)))


def poseidon_limbs(x: np.ndarray) -> np.ndarray:
    """One Poseidon per row of ``x`` (``uint64[n, a, 4]``, normal-form limbs, 1 ≤ a ≤ 16) → ``uint64[n, 4]``.

    Raises
    ------
    ValueError
        ``x`` is not a ``uint64[n, a, 4]`` array with 1 ≤ a ≤ 16.
    NonCanonicalFieldElement
        An element is ≥ r.
    """
    x = _as_limb_array(x, 3, "x")
    _check_arity(x.shape[1])
    _require_limbs_canonical(x, "x")
    kernel = _hash_rows_par if x.shape[0] >= _PARALLEL_MIN_ROWS else _hash_rows
    return kernel(x, _CONSTS, _LAYOUT)


def _check_path(leaf: int, index: int, siblings: Sequence[int]) -> int:
    d = len(siblings)
    if not 1 <= d <= 254:
        raise ValueError(f"Argument 'siblings' must hold 1..254 values, not {d}")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1 << d:
        raise ValueError(f"Argument 'index' must be an int in [0, 2^{d}) for depth {d}, not {index!r}")
    require_canonical_fr(leaf, "leaf")
    for k, s in enumerate(siblings):
        require_canonical_fr(s, f"siblings[{k}]")
    return d


def merkle_path(leaf: int, index: int, siblings: Sequence[int]) -> tuple[int, ...]:
    """Every node on the path of ``leaf`` at ``index`` up to the root, in one kernel call (D hashes).

    Parameters
    ----------
    leaf : int
        The leaf value (level 0).
    index : int
        Leaf position in [0, 2^D); bit k = 1 means the path node at level k is a right child.
    siblings : sequence of int
        D siblings bottom-up (``zksvs.merkle.MerkleOpening.siblings``).

    Returns
    -------
    tuple of int
        D + 1 nodes: ``[0]`` the leaf, ``[k + 1] = hash2`` of level k's pair, ``[D]`` the root.

    Raises
    ------
    ValueError
        ``siblings`` is empty or longer than 254, or ``index`` is outside [0, 2^D).
    NonCanonicalFieldElement
        ``leaf`` or a sibling is not an int in [0, r).
    """
    _check_path(leaf, index, siblings)
    return tuple(_to_ints(_path(_to_limbs((index, leaf, *siblings)), _CONSTS, _LAYOUT)))


def merkle_path_unchecked(leaf: int, index: int, siblings: Sequence[int]) -> tuple[int, ...]:
    """``merkle_path`` without the Python-side checks, for a tree hashing its own nodes (the sequencer's hot path).

    Assumes: ``leaf`` and every sibling are ints in [0, r) and 0 ≤ ``index`` < 2^len(siblings), 1 ≤ len ≤ 254 (a
    tree's nodes are hash outputs, empty-subtree roots or leaves it checked on write). Anything else gives a wrong
    result or ``OverflowError``, never a silent success for a value ≥ 2^256.
    """
    return tuple(_to_ints(_path(_to_limbs((index, leaf, *siblings)), _CONSTS, _LAYOUT)))


def merkle_paths(
    leaves: Sequence[int], indices: Sequence[int], siblings: Sequence[Sequence[int]]
) -> list[tuple[int, ...]]:
    """``merkle_path`` for many paths of one depth, in one kernel call (``prange`` over paths).

    Raises
    ------
    ValueError
        Lengths differ, depths differ, or as ``merkle_path``.
    NonCanonicalFieldElement
        As ``merkle_path``.
    """
    n = len(leaves)
    if len(indices) != n or len(siblings) != n:
        raise ValueError(f"leaves, indices and siblings must have one length, not {n}, {len(indices)}, {len(siblings)}")
    if n == 0:
        return []
    d = len(siblings[0])
    flat: list[int] = []
    for leaf, index, sibs in zip(leaves, indices, siblings):
        if len(sibs) != d:
            raise ValueError(f"every path must have depth {d}, not {len(sibs)}")
        _check_path(leaf, index, sibs)
        flat += (index, leaf, *sibs)
    bufs = _to_limbs(flat).reshape(n, d + 2, 4)
    out = (
        _paths_par(bufs, _CONSTS, _LAYOUT)
        if n >= _PARALLEL_MIN_ROWS
        else np.stack([_path(b, _CONSTS, _LAYOUT) for b in bufs])
    )
    nodes = _to_ints(out.reshape(-1, 4))
    return [tuple(nodes[p * (d + 1) : (p + 1) * (d + 1)]) for p in range(n)]


def merkle_path_limbs(buf: np.ndarray) -> np.ndarray:
    """Array form of ``merkle_path``: ``buf`` = ``uint64[D + 2, 4]`` rows [index (256-bit), leaf, siblings…] →
    ``uint64[D + 1, 4]`` nodes, leaf first.

    Raises
    ------
    ValueError
        ``buf`` is not ``uint64[D + 2, 4]`` with 1 ≤ D ≤ 254.
    NonCanonicalFieldElement
        The leaf or a sibling is ≥ r.
    """
    buf = _as_limb_array(buf, 2, "buf")
    if not 3 <= buf.shape[0] <= 256:
        raise ValueError(f"Argument 'buf' must have D + 2 rows with 1 ≤ D ≤ 254, not {buf.shape[0]}")
    _require_limbs_canonical(buf[1:], "buf")
    return _path(buf, _CONSTS, _LAYOUT)

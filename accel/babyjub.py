"""Batch EdDSA-Poseidon verification on Baby Jubjub: the curve arithmetic of ``zksvs.eddsa.verify_poseidon`` in numba.

Baby Jubjub's base field is BN254's Fr, so the point arithmetic runs on ``accel.field``'s Fr Montgomery kernels.
``verify_batch`` gives, for each signature, exactly ``verify_poseidon``'s verdict (tested against it and against
circomlibjs): the cheap checks (canonical input, S < l, R8 and A on the curve) and the Poseidon(5) hash run in Python,
then one ``prange`` kernel does, per signature, 8·A (three doublings; the identity means A has small order), h·(8·A)
(4-bit windows), S·Base8 (a precomputed table of Base8's window multiples, shared by all threads) and the projective
comparison S·Base8 = R8 + h·(8·A).

For a worker thread (``sequencer.signatures``): ``prepare_batch`` is the Python half (the checks and the layout) and
``verify_prepared`` the rest in one serial ``nogil`` kernel, challenge hashes included; ``prepare_signed`` /
``verify_signed`` do the same for messages given by their Poseidon inputs (a transaction's or a swap order's 12),
which the kernel hashes too and returns with the verdicts.

Per signature, not a random linear combination: a combination Σ z_i·(S_i·Base8 − R8_i − h_i·8A_i) = O misses an R8
with a component of order 2 whenever z_i is even (half the time), which the single check, and the circuit, refuse;
making the batch exact needs a subgroup check of each R8, which costs what it saves.

Forms: points in extended twisted Edwards coordinates (X : Y : T : Z), each coordinate ``uint64[4]`` Montgomery limbs
(x = X/Z, y = Y/Z, T = X·Y/Z); inputs ``uint64[n, 2, 4]`` affine points in Montgomery form; scalars ``uint64[n, 4]``
in normal form (plain little-endian limbs); the Base8 table ``uint64[64, 16, 4, 4]`` (window i, digit j, coordinate
X/Y/T/Z, limb) with entry j·16^i·Base8 and Z = 1.

References
----------
H. Hisil, K. K.-H. Wong, G. Carter, E. Dawson, "Twisted Edwards curves revisited", ASIACRYPT 2008 (add-2008-hwcd,
dbl-2008-hwcd); circomlibjs 0.1.7 ``src/eddsa.js`` (``verifyPoseidon``); ``zksvs.eddsa`` (the rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from accel.field import FR_MONT_R, fr_add, fr_mul, fr_sub
from accel.poseidon import _CONSTS, _LAYOUT, _check_arity, _hash_rows, _require_limbs_canonical, poseidon_limbs
from zksvs import babyjub as bj
from zksvs.eddsa import Signature, _check_pubkey
from zksvs.errors import MalformedSignature
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.limbs import int_to_limbs, ints_to_limbs

__all__ = [
    "PreparedBatch",
    "prepare_batch",
    "prepare_signed",
    "verify_batch",
    "verify_prepared",
    "verify_signed",
]

_P = FR_MODULUS
_U0 = np.uint64(0)


def _mont(x: int) -> tuple[int, int, int, int]:
    return int_to_limbs(x * FR_MONT_R % _P)


_A = np.array(_mont(bj.A), dtype=np.uint64)
_D = np.array(_mont(bj.D), dtype=np.uint64)
_ONE = np.array(_mont(1), dtype=np.uint64)


@njit(cache=True)
def _m(a, b):
    return fr_mul(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(cache=True)
def _ad(a, b):
    return fr_add(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(cache=True)
def _sb(a, b):
    return fr_sub(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(cache=True)
def _c(arr):
    return arr[0], arr[1], arr[2], arr[3]


@njit(cache=True)
def _ext_add(p, q):
    """add-2008-hwcd (unified, complete here: a square, d non-square): 11 multiplications."""
    x1, y1, t1, z1 = p
    x2, y2, t2, z2 = q
    a = _m(x1, x2)
    b = _m(y1, y2)
    c = _m(_m(t1, t2), _c(_D))
    d = _m(z1, z2)
    e = _sb(_sb(_m(_ad(x1, y1), _ad(x2, y2)), a), b)
    f = _sb(d, c)
    g = _ad(d, c)
    h = _sb(b, _m(_c(_A), a))
    return _m(e, f), _m(g, h), _m(e, h), _m(f, g)


@njit(cache=True)
def _ext_double(p):
    """dbl-2008-hwcd: 9 multiplications."""
    x1, y1, _, z1 = p
    a = _m(x1, x1)
    b = _m(y1, y1)
    zz = _m(z1, z1)
    c = _ad(zz, zz)
    d = _m(_c(_A), a)
    xy = _ad(x1, y1)
    e = _sb(_sb(_m(xy, xy), a), b)
    g = _ad(d, b)
    f = _sb(g, c)
    h = _sb(d, b)
    return _m(e, f), _m(g, h), _m(e, h), _m(f, g)


@njit(cache=True)
def _identity():
    one = _c(_ONE)
    zero = (_U0, _U0, _U0, _U0)
    return zero, one, zero, one


@njit(cache=True)
def _nibble(k, i):
    """The i-th 4-bit digit of the scalar k (``uint64[4]``, normal form)."""
    return np.int64((k[(4 * i) // 64] >> np.uint64((4 * i) % 64)) & np.uint64(15))


@njit(cache=True)
def _mul_window(p, k):
    """k·p: 4-bit windows, most significant first (252 doublings and up to 64 additions for a 256-bit k)."""
    table = [_identity(), p]
    for _ in range(14):
        table.append(_ext_add(table[-1], p))
    acc = _identity()
    for i in range(63, -1, -1):
        acc = _ext_double(_ext_double(_ext_double(_ext_double(acc))))
        w = _nibble(k, i)
        if w:
            acc = _ext_add(acc, table[w])
    return acc


@njit(cache=True)
def _base8_mul(k, table):
    """k·Base8 from the window table (``uint64[64, 16, 4, 4]``): up to 64 additions, no doubling."""
    acc = _identity()
    for i in range(64):
        w = _nibble(k, i)
        if w:
            e = table[i, w]
            acc = _ext_add(acc, (_c(e[0]), _c(e[1]), _c(e[2]), _c(e[3])))
    return acc


@njit(cache=True)
def _verify_one(a, r, s, h, table):
    one = _c(_ONE)
    pa = (_c(a[0]), _c(a[1]), _m(_c(a[0]), _c(a[1])), one)
    a8 = _ext_double(_ext_double(_ext_double(pa)))
    x8 = a8[0]
    if x8[0] == 0 and x8[1] == 0 and x8[2] == 0 and x8[3] == 0:  # 8·A = O: A has small order
        return False
    right = _ext_add((_c(r[0]), _c(r[1]), _m(_c(r[0]), _c(r[1])), one), _mul_window(a8, h))
    left = _base8_mul(s, table)
    ex = _sb(_m(left[0], right[3]), _m(right[0], left[3]))
    ey = _sb(_m(left[1], right[3]), _m(right[1], left[3]))
    return (ex[0] | ex[1] | ex[2] | ex[3] | ey[0] | ey[1] | ey[2] | ey[3]) == 0


@njit(cache=True, parallel=True)
def _verify_kernel(a, r, s, h, todo, table):
    """out[i] = S_i·Base8 = R8_i + h_i·(8·A_i) and 8·A_i ≠ O, for every i with todo[i] (else False)."""
    n = a.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        if todo[i]:
            out[i] = _verify_one(a[i], r[i], s[i], h[i], table)
    return out


@njit(cache=True, nogil=True)
def _verify_rows(a, r, s, x, todo, table, k, layout):
    """``_verify_kernel`` on one thread with the challenge hashes included: h_i = Poseidon(x_i) (``uint64[n, 5, 4]``,
    normal form), then the checks; the GIL is released throughout, so a worker thread runs it beside Python."""
    h = _hash_rows(x, k, layout)
    n = a.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if todo[i]:
            out[i] = _verify_one(a[i], r[i], s[i], h[i], table)
    return out


@njit(cache=True, nogil=True)
def _verify_signed_rows(a, r, s, x, m, todo, table, k, layout):
    """The messages Poseidon(m_i) (``uint64[n, a, 4]`` → ``uint64[n, 4]``) into the challenge rows' last input, then
    ``_verify_rows``; returns (messages, verdicts)."""
    msgs = _hash_rows(m, k, layout)
    x = x.copy()
    for i in range(x.shape[0]):
        for j in range(4):
            x[i, 4, j] = msgs[i, j]
    return msgs, _verify_rows(a, r, s, x, todo, table, k, layout)


@cache
def _table() -> np.ndarray:
    """Base8's window table in Montgomery form (``zksvs.babyjub``'s affine table, Z = 1)."""
    rows = bj._base8_table()
    out = np.zeros((len(rows), 16, 4, 4), dtype=np.uint64)
    for i, row in enumerate(rows):
        for j, (x, y, t, z) in enumerate(row):
            assert z == 1
            out[i, j] = [_mont(x), _mont(y), _mont(t), _mont(1)]
    return out


class PreparedBatch(NamedTuple):
    """A batch of signatures checked and converted for the kernels (``prepare_batch``); pure arrays, so another
    thread can verify it (``verify_prepared``) while Python runs.

    Attributes
    ----------
    a, r : numpy.ndarray
        ``uint64[n, 2, 4]``: the public keys and the R8 points, affine, Montgomery form.
    s : numpy.ndarray
        ``uint64[n, 4]``: the scalars S, normal form.
    x : numpy.ndarray
        ``uint64[n, 5, 4]``: each challenge's Poseidon inputs (R8x, R8y, Ax, Ay, message), normal form.
    todo : numpy.ndarray
        ``bool[n]``: False where a cheap check already refused the signature (S ≥ l, R8 or A off the curve).
    m : numpy.ndarray or None
        ``prepare_signed`` only: ``uint64[n, a, 4]``, each message's Poseidon inputs (normal form); the kernel
        hashes them into ``x[:, 4]`` (which is zero until then).
    """

    a: np.ndarray
    r: np.ndarray
    s: np.ndarray
    x: np.ndarray
    todo: np.ndarray
    m: np.ndarray | None = None


def prepare_batch(
    msgs: Sequence[int], signatures: Sequence[Signature], pubkeys: Sequence[tuple[int, int]]
) -> PreparedBatch:
    """The Python half of ``verify_batch``: check every entry and lay the batch out for the kernel.

    Parameters and errors are ``verify_batch``'s (a malformed entry raises here, before any kernel runs).
    """
    n = len(msgs)
    if not len(signatures) == len(pubkeys) == n:
        raise ValueError(f"msgs, signatures, pubkeys must have one length, not {n}, {len(signatures)}, {len(pubkeys)}")
    a = np.zeros((n, 2, 4), dtype=np.uint64)
    r = np.zeros((n, 2, 4), dtype=np.uint64)
    s = np.zeros((n, 4), dtype=np.uint64)
    todo = np.zeros(n, dtype=np.bool_)
    rows: list[int] = []
    for i, (msg, sig, pub) in enumerate(zip(msgs, signatures, pubkeys, strict=True)):
        msg = require_canonical_fr(msg, f"msgs[{i}]")
        if not isinstance(sig, Signature):
            raise MalformedSignature(f"signatures[{i}] must be a Signature, not {type(sig).__name__}")
        pub = _check_pubkey(pub, f"pubkeys[{i}]")
        if sig.s >= bj.SUBORDER or not bj.is_on_curve(sig.r8) or not bj.is_on_curve(pub):
            rows += (0, 0, 0, 0, 0)  # never hashed into a verdict: todo[i] stays False
            continue
        a[i] = (_mont(pub[0]), _mont(pub[1]))
        r[i] = (_mont(sig.r8[0]), _mont(sig.r8[1]))
        s[i] = int_to_limbs(sig.s)
        rows += (sig.r8[0], sig.r8[1], pub[0], pub[1], msg)
        todo[i] = True
    x = ints_to_limbs(rows).reshape(n, 5, 4) if n else np.zeros((0, 5, 4), dtype=np.uint64)
    return PreparedBatch(a, r, s, x, todo)


def prepare_signed(
    rows: Sequence[Sequence[int]], signatures: Sequence[Signature], pubkeys: Sequence[tuple[int, int]]
) -> PreparedBatch:
    """``prepare_batch`` for messages not hashed yet: entry i signs Poseidon(rows[i]) (every row the same length,
    1..16 field elements: a transaction's or a swap order's 12 inputs, ``zksvs.tx_message``); ``verify_signed``
    hashes them with the verification.

    Raises
    ------
    ValueError
        Lengths differ (of the three sequences, or of the rows), or a row length outside 1..16.
    NonCanonicalFieldElement
        A row element is not in [0, r) (named by its flat index).
    MalformedSignature, MalformedKey
        As ``verify_batch``.
    """
    n = len(rows)
    width = len(rows[0]) if n else 1
    _check_arity(width)
    if any(len(row) != width for row in rows):
        raise ValueError(f"Argument 'rows' must have rows of one length ({width})")
    m = ints_to_limbs(x for row in rows for x in row).reshape(n, width, 4)
    _require_limbs_canonical(m, "rows")
    batch = prepare_batch([0] * n, signatures, pubkeys)
    return batch._replace(m=m)


def verify_signed(batch: PreparedBatch) -> tuple[np.ndarray, np.ndarray]:
    """(messages ``uint64[n, 4]`` normal form, verdicts ``bool[n]``) of a ``prepare_signed`` batch: message i is
    Poseidon(rows[i]) and verdict i is ``verify_poseidon(message_i, signatures[i], pubkeys[i])``, all in one serial
    kernel with the GIL released (``_verify_signed_rows``; for a worker thread, as ``verify_prepared``)."""
    if batch.m is None:
        raise ValueError("verify_signed takes a prepare_signed batch (its messages' inputs)")
    return _verify_signed_rows(batch.a, batch.r, batch.s, batch.x, batch.m, batch.todo, _table(), _CONSTS, _LAYOUT)


def verify_prepared(batch: PreparedBatch) -> np.ndarray:
    """``verify_batch``'s verdicts (``bool[n]``) for a prepared batch, on the calling thread with the GIL released:
    the challenge hashes and the curve checks in one serial kernel (``_verify_rows``). Safe to call from a worker
    thread while other threads run Python or other kernels."""
    return _verify_rows(batch.a, batch.r, batch.s, batch.x, batch.todo, _table(), _CONSTS, _LAYOUT)


def verify_batch(
    msgs: Sequence[int], signatures: Sequence[Signature], pubkeys: Sequence[tuple[int, int]]
) -> np.ndarray:
    """``verify_poseidon(msgs[i], signatures[i], pubkeys[i])`` for every i, as ``bool[n]``, in parallel.

    Parameters
    ----------
    msgs : sequence of int
        Messages, canonical Fr elements.
    signatures : sequence of Signature
    pubkeys : sequence of (x, y)
        Public keys, pairs of canonical Fr ints.

    Returns
    -------
    numpy.ndarray
        ``bool[n]``: True where the signature is valid (``zksvs.eddsa``'s rule, small-order keys refused).

    Raises
    ------
    ValueError
        The three sequences differ in length.
    NonCanonicalFieldElement, MalformedSignature, MalformedKey
        As ``verify_poseidon``, for the first malformed entry (its index is in the message).
    """
    b = prepare_batch(msgs, signatures, pubkeys)
    h = np.zeros((len(b.todo), 4), dtype=np.uint64)
    # the challenge hashes in one native call: in Python they were two thirds of a signature's cost
    if b.todo.any():
        h[b.todo] = poseidon_limbs(np.ascontiguousarray(b.x[b.todo]))
    return _verify_kernel(b.a, b.r, b.s, h, b.todo, _table())

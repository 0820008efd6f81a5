"""Batch EdDSA-Poseidon verification in numba (``accel.babyjub``) against the native rule and circomlibjs.

Oracles: ``zksvs.eddsa.verify_poseidon`` and ``zksvs.babyjub`` (plain Python ints; themselves tested against
circomlibjs in tests/core) for every verdict and every kernel; circomlibjs 0.1.7 ``verifyPoseidon`` run by node for the
batch's verdicts (equal except on small-order keys, where circomlibjs accepts a forgery: see zksvs.eddsa).
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from accel.babyjub import (
    _base8_mul,
    _ext_add,
    _ext_double,
    _mont,
    _mul_window,
    _table,
    prepare_batch,
    prepare_signed,
    verify_batch,
    verify_prepared,
    verify_signed,
)
from accel.field import FR_MONT_R
from tests.oracles.eddsa import circomlibjs
from zksvs import babyjub as bj
from zksvs.eddsa import Signature, private_to_public, sign_poseidon, verify_poseidon
from zksvs.errors import MalformedKey, MalformedSignature, NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.limbs import int_to_limbs
from zksvs.poseidon import poseidon

R = FR_MODULUS
L = bj.SUBORDER
T8 = bj.scalar_mul(bj.GENERATOR, L)


def _ext(p):
    one = tuple(np.uint64(v) for v in _mont(1))
    x, y = (tuple(np.uint64(v) for v in _mont(c)) for c in p)
    return x, y, tuple(np.uint64(v) for v in _mont(p[0] * p[1] % R)), one


def _affine(e) -> tuple[int, int]:
    """Extended Montgomery-form limbs → affine Python ints (plain int arithmetic, the reference side)."""
    rinv = pow(FR_MONT_R, -1, R)
    x, y, _, z = (sum(int(v) << (64 * i) for i, v in enumerate(c)) * rinv % R for c in e)
    zi = pow(z, -1, R)
    return x * zi % R, y * zi % R


def test_point_kernels_match_the_python_reference():
    rng = random.Random(0xACC1)
    pts = [bj.IDENTITY, bj.ORDER_TWO, T8, bj.BASE8]
    pts += [bj.scalar_mul(bj.GENERATOR, rng.randrange(8 * L)) for _ in range(4)]
    for p in pts:
        assert _affine(_ext_double(_ext(p))) == bj.double(p)
        for q in pts[:4]:
            assert _affine(_ext_add(_ext(p), _ext(q))) == bj.add(p, q)
    table = _table()
    for k in [0, 1, 15, 16, L - 1, L, 2**256 - 1, rng.randrange(2**256)]:
        limbs = np.array(int_to_limbs(k), dtype=np.uint64)
        assert _affine(_mul_window(_ext(pts[5]), limbs)) == bj.scalar_mul(pts[5], k)
        assert _affine(_base8_mul(limbs, table)) == bj.base8_mul(k)


def _cases():
    """(msg, signature, pubkey) for valid signatures and every rejection class."""
    rng = random.Random(0xACC2)
    keys = [rng.randbytes(32) for _ in range(6)]
    msgs = [rng.randrange(R) for _ in keys]
    sigs = [sign_poseidon(k, m) for k, m in zip(keys, msgs)]
    pubs = [private_to_public(k) for k in keys]
    out = []
    for i, (m, sig, pub) in enumerate(zip(msgs, sigs, pubs)):
        x, y = sig.r8
        out += [
            (m, sig, pub),
            ((m + 1) % R, sig, pub),
            (m, sig, pubs[(i + 1) % len(pubs)]),
            (m, Signature(sig.r8, (sig.s + 1) % L), pub),
            (m, Signature(sig.r8, sig.s + L), pub),
            (m, Signature((x, (y + 1) % R), sig.s), pub),
            (m, Signature(bj.add(sig.r8, T8), sig.s), pub),
            (m, sig, (pub[0], (pub[1] + 1) % R)),
        ]
    for k in range(8):  # small-order keys with the forgery R8 = S·Base8
        s = rng.randrange(L)
        out.append((rng.randrange(R), Signature(bj.base8_mul(s), s), bj.scalar_mul(T8, k)))
    return out


@pytest.mark.node
def test_verify_batch_equals_native_and_circomlibjs(node_tools):
    cases = _cases()
    got = verify_batch(*zip(*cases))
    assert got.dtype == np.bool_ and got.shape == (len(cases),)
    native = [verify_poseidon(m, s, p) for m, s, p in cases]
    assert got.tolist() == native
    # the serial nogil kernel (challenge hashes inside), on this thread and on a worker beside it
    assert verify_prepared(prepare_batch(*zip(*cases))).tolist() == native
    with ThreadPoolExecutor(max_workers=1) as pool:
        futs = [pool.submit(verify_prepared, prepare_batch(*zip(*cases[i : i + 5]))) for i in range(0, len(cases), 5)]
        assert [v for f in futs for v in f.result().tolist()] == native
    assert sum(native) == 6  # the six valid signatures, nothing else
    js = circomlibjs([{"op": "verify", "msg": m, "r8": s.r8, "s": s.s, "a": p} for m, s, p in cases])
    small = len(cases) - 8
    assert got.tolist()[:small] == js[:small]
    assert js[small:] == [True] * 8 and not got[small:].any()


def test_verify_batch_errors_and_empty():
    sig, pub = sign_poseidon(bytes(32), 1), private_to_public(bytes(32))
    assert verify_batch([], [], []).shape == (0,)
    assert verify_prepared(prepare_batch([], [], [])).shape == (0,)
    with pytest.raises(ValueError, match="one length"):
        verify_batch([1], [sig, sig], [pub])
    with pytest.raises(ValueError, match="one length"):
        prepare_batch([1], [sig, sig], [pub])
    with pytest.raises(NonCanonicalFieldElement, match=r"msgs\[1\]"):
        prepare_batch([1, R], [sig, sig], [pub, pub])
    with pytest.raises(NonCanonicalFieldElement, match=r"msgs\[1\]"):
        verify_batch([1, R], [sig, sig], [pub, pub])
    with pytest.raises(MalformedSignature, match=r"signatures\[0\] must be a Signature"):
        verify_batch([1], [(sig.r8, sig.s)], [pub])  # type: ignore[list-item]
    with pytest.raises(MalformedKey, match=r"pubkeys\[0\] must be a pair"):
        verify_batch([1], [sig], [(1, R)])


@pytest.mark.node
def test_verify_signed_hashes_the_messages_and_equals_native_and_circomlibjs(node_tools):
    # each entry signs Poseidon(12 inputs), as a transaction or a swap order does; the kernel hashes the rows itself
    rng = random.Random(0xACC3)
    keys = [rng.randbytes(32) for _ in range(5)]
    pubs = [private_to_public(k) for k in keys]
    rows, sigs, signers = [], [], []
    for i, k in enumerate(keys):
        row = tuple([rng.randrange(R), 0, R - 1, *(rng.randrange(2**64) for _ in range(9))])
        sig = sign_poseidon(k, poseidon(list(row)))
        rows += [row, row, (row[0] ^ 1, *row[1:]), row]
        sigs += [sig, Signature(sig.r8, sig.s + L), sig, Signature(bj.add(sig.r8, T8), sig.s)]
        signers += [pubs[i], pubs[i], pubs[i], pubs[i]]
    rows.append(rows[0])
    sigs.append(sigs[0])
    signers.append(pubs[1])  # another key
    msgs, ok = verify_signed(prepare_signed(rows, sigs, signers))
    expected_msgs = [poseidon(list(row)) for row in rows]
    assert [sum(int(v) << (64 * j) for j, v in enumerate(m)) for m in msgs] == expected_msgs
    native = [verify_poseidon(m, sg, p) for m, sg, p in zip(expected_msgs, sigs, signers)]
    assert ok.tolist() == native and sum(native) == 5
    js = circomlibjs(
        [{"op": "verify", "msg": m, "r8": sg.r8, "s": sg.s, "a": p} for m, sg, p in zip(expected_msgs, sigs, signers)]
    )
    assert ok.tolist() == js
    with ThreadPoolExecutor(max_workers=1) as pool:  # on a worker thread, in slices
        got = [
            pool.submit(verify_signed, prepare_signed(rows[i : i + 4], sigs[i : i + 4], signers[i : i + 4]))
            for i in range(0, len(rows), 4)
        ]
        assert [v for f in got for v in f.result()[1].tolist()] == native


def test_prepare_signed_errors_and_empty():
    sig, pub = sign_poseidon(bytes(32), 1), private_to_public(bytes(32))
    msgs, ok = verify_signed(prepare_signed([], [], []))
    assert msgs.shape == (0, 4) and ok.shape == (0,)
    with pytest.raises(ValueError, match="one length"):
        prepare_signed([(1, 2), (1,)], [sig, sig], [pub, pub])
    with pytest.raises(NonCanonicalFieldElement, match="rows"):
        prepare_signed([(1, R)], [sig], [pub])
    with pytest.raises(ValueError, match="prepare_signed"):
        verify_signed(prepare_batch([1], [sig], [pub]))

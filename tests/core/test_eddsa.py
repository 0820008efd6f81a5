"""Native EdDSA-Poseidon (``zksvs.eddsa``) against circomlibjs 0.1.7 ``buildEddsa()``, run by node in the test.

Oracle: circomlibjs ``prv2pub``, ``signPoseidon`` and ``verifyPoseidon`` (``tests/oracles/eddsa.py``; one node call
per test). Keys are seeded random bytes plus edge keys; messages are seeded random field elements plus 0, 1, r − 1.

Verification verdicts must equal circomlibjs's on every case but one class: a public key of small order, for which
circomlibjs accepts a forgery (R8 = S·Base8 on any message) and we refuse; that test asserts both sides.
"""

from __future__ import annotations

import random

import pytest

from tests.oracles.eddsa import circomlibjs, point
from zksvs import babyjub as bj
from zksvs.eddsa import (
    Signature,
    private_key_from_seed,
    private_to_public,
    pubkey_from_obj,
    pubkey_to_obj,
    sign_poseidon,
    verify_poseidon,
)
from zksvs.errors import MalformedKey, MalformedSignature, NonCanonicalFieldElement
from zksvs.field import FR_MODULUS

R = FR_MODULUS
L = bj.SUBORDER


def _keys() -> list[bytes]:
    rng = random.Random(0xED25)
    keys = [bytes(32), b"\xff" * 32, bytes(range(32)), private_key_from_seed("alice")]
    return keys + [rng.randbytes(32) for _ in range(8)]


def _messages() -> list[int]:
    rng = random.Random(0x5167)
    return [0, 1, R - 1, 2**253] + [rng.randrange(R) for _ in range(4)]


@pytest.fixture(scope="module")
def signed(node_tools):
    """(key, msg, circomlibjs's public key, circomlibjs's signature) for every key × 2 messages."""
    keys, msgs = _keys(), _messages()
    cases = [(k, msgs[(i + j) % len(msgs)]) for i, k in enumerate(keys) for j in range(2)]
    reqs = [{"op": "prv2pub", "prv": k} for k, _ in cases] + [{"op": "sign", "prv": k, "msg": m} for k, m in cases]
    out = circomlibjs(reqs)
    pubs, sigs = out[: len(cases)], out[len(cases) :]
    return [
        (k, m, point(pub), Signature(point(sig["r8"]), int(sig["s"])))
        for (k, m), pub, sig in zip(cases, pubs, sigs, strict=True)
    ]


@pytest.mark.node
def test_private_to_public_matches_prv2pub(signed):
    for key, _, pub, _ in signed:
        assert private_to_public(key) == pub
        assert private_to_public(bytearray(key)) == pub


@pytest.mark.node
def test_sign_poseidon_matches_sign_poseidon_bit_for_bit(signed):
    for key, msg, _, sig in signed:
        assert sign_poseidon(key, msg) == sig, (key.hex(), msg)


def _verify_cases(signed) -> list[tuple[str, int, Signature, tuple[int, int]]]:
    """(name, msg, signature, pubkey): valid ones and every rejection class circomlibjs knows."""
    t8 = bj.scalar_mul(bj.GENERATOR, L)  # a point of order 8
    out = []
    for i, (_, msg, pub, sig) in enumerate(signed[:6]):
        other = signed[(i + 3) % len(signed)][2]
        x, y = sig.r8
        out += [
            ("valid", msg, sig, pub),
            ("wrong message", (msg + 1) % R, sig, pub),
            ("wrong key", msg, sig, other),
            ("S + 1", msg, Signature(sig.r8, (sig.s + 1) % L), pub),
            ("S + l (same point, S ≥ l)", msg, Signature(sig.r8, sig.s + L), pub),
            ("S + 8l", msg, Signature(sig.r8, sig.s + 8 * L), pub),
            ("R8 off the curve", msg, Signature((x, (y + 1) % R), sig.s), pub),
            ("R8 + torsion", msg, Signature(bj.add(sig.r8, t8), sig.s), pub),
            ("R8 negated", msg, Signature(bj.negate(sig.r8), sig.s), pub),
            ("A off the curve", msg, sig, (pub[0], (pub[1] + 1) % R)),
            ("A negated", msg, sig, bj.negate(pub)),
        ]
    return out


@pytest.mark.node
def test_verify_poseidon_agrees_with_verify_poseidon(signed):
    cases = _verify_cases(signed)
    reqs = [{"op": "verify", "msg": m, "r8": sig.r8, "s": sig.s, "a": a} for _, m, sig, a in cases]
    expected = circomlibjs(reqs)
    got = [verify_poseidon(m, sig, a) for _, m, sig, a in cases]
    assert got == expected, [c[0] for c, g, e in zip(cases, got, expected) if g != e]
    assert {name for (name, *_), e in zip(cases, expected) if e} == {"valid"}


@pytest.mark.node
def test_verify_rejects_small_order_keys_that_circomlibjs_accepts(node_tools):
    """For 8·A = O circomlibjs's equation is S·Base8 = R8: anyone forges. We refuse all eight such keys."""
    rng = random.Random(0x5A11)
    t8 = bj.scalar_mul(bj.GENERATOR, L)
    small = [bj.scalar_mul(t8, k) for k in range(8)]
    forged = []
    for a in small:
        s = rng.randrange(L)
        forged.append((rng.randrange(R), Signature(bj.base8_mul(s), s), a))
    js = circomlibjs([{"op": "verify", "msg": m, "r8": sig.r8, "s": sig.s, "a": a} for m, sig, a in forged])
    assert js == [True] * 8  # circomlibjs accepts the forgeries
    assert [verify_poseidon(m, sig, a) for m, sig, a in forged] == [False] * 8


@pytest.mark.node
def test_verify_accepts_a_key_with_a_torsion_component_as_circomlibjs_does(node_tools):
    """A' = A + T (T of order 8) has 8·A' = 8·A: a signature made with A's scalar and A' in the hash verifies."""
    key = private_key_from_seed("torsion")
    t8 = bj.scalar_mul(bj.GENERATOR, L)
    a = private_to_public(key)
    a_t = bj.add(a, t8)
    # sign by hand for A' (sign_poseidon hashes A): the same arithmetic as signPoseidon with A' in the hash
    from zksvs.blake512 import blake512
    from zksvs.poseidon import poseidon

    h = bytearray(blake512(key))
    h[0] &= 0xF8
    h[31] = (h[31] & 0x7F) | 0x40
    s_scalar = int.from_bytes(h[:32], "little")
    msg, r = 77, 123456789
    r8 = bj.base8_mul(r)
    sig = Signature(r8, (r + poseidon([*r8, *a_t, msg]) * s_scalar) % L)
    (js,) = circomlibjs([{"op": "verify", "msg": msg, "r8": sig.r8, "s": sig.s, "a": a_t}])
    assert js is True
    assert verify_poseidon(msg, sig, a_t) is True


def test_signature_json_round_trip():
    sig = sign_poseidon(private_key_from_seed("json"), 5)
    obj = sig.to_obj()
    assert obj == {"r8": [str(sig.r8[0]), str(sig.r8[1])], "s": str(sig.s)}
    assert Signature.from_obj(obj) == sig
    assert Signature.from_obj({"r8": [sig.r8[0], sig.r8[1]], "s": sig.s}) == sig
    pub = private_to_public(private_key_from_seed("json"))
    assert pubkey_from_obj(pubkey_to_obj(pub)) == pub


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ([1, 2], "must be an object"),
        ({"r8": [1, 2]}, "must be an object"),
        ({"r8": [1, 2], "s": "3", "x": 1}, "must be an object"),
        ({"r8": [1], "s": "3"}, r"r8 must be a list \[x, y\]"),
        ({"r8": ["1", "2"], "s": "-3"}, "decimal string"),
        ({"r8": ["1", "2"], "s": 3.0}, "decimal string"),
        ({"r8": ["1", "0x2"], "s": "3"}, "decimal string"),
        ({"r8": [str(R), "2"], "s": "3"}, r"pair of ints in \[0, r\)"),
    ],
)
def test_signature_from_obj_rejects(obj, match):
    with pytest.raises(MalformedSignature, match=match):
        Signature.from_obj(obj, "tx.signature")


@pytest.mark.parametrize("bad", [b"", bytes(31), bytes(33), "00" * 32, 5, None])
def test_malformed_private_keys_raise(bad):
    with pytest.raises(MalformedKey, match="private_key must be 32 bytes"):
        private_to_public(bad)
    with pytest.raises(MalformedKey, match="private_key must be 32 bytes"):
        sign_poseidon(bad, 1)


@pytest.mark.parametrize("bad", [(1,), (1, 2, 3), (R, 1), (1, -1), (1.0, 2), "ab", None, (True, 1)])
def test_malformed_public_keys_raise(bad):
    sig = sign_poseidon(bytes(32), 1)
    with pytest.raises(MalformedKey, match=r"pubkey must be a pair \(x, y\) of ints in \[0, r\)"):
        verify_poseidon(1, sig, bad)


def test_malformed_messages_and_signatures_raise():
    key = bytes(32)
    sig, pub = sign_poseidon(key, 1), private_to_public(key)
    with pytest.raises(NonCanonicalFieldElement, match="msg must be in"):
        sign_poseidon(key, R)
    with pytest.raises(NonCanonicalFieldElement, match="msg must be an int"):
        verify_poseidon("1", sig, pub)  # type: ignore[arg-type]
    with pytest.raises(MalformedSignature, match="must be a Signature"):
        verify_poseidon(1, (sig.r8, sig.s), pub)  # type: ignore[arg-type]
    with pytest.raises(MalformedSignature, match=r"signature.s must be an int ≥ 0, not -1"):
        Signature(sig.r8, -1)
    with pytest.raises(MalformedSignature, match=r"signature\.r8 must be a pair"):
        Signature((R, 0), 1)
    with pytest.raises(MalformedSignature, match=r"signature\.r8 must be a pair"):
        Signature([1, 2], 1)  # type: ignore[arg-type]
    with pytest.raises(MalformedKey, match="seed must be str or bytes"):
        private_key_from_seed(5)  # type: ignore[arg-type]


def test_private_key_from_seed_is_deterministic_and_distinct():
    assert private_key_from_seed("a") == private_key_from_seed(b"a")
    assert private_key_from_seed("a") != private_key_from_seed("b")
    assert len(private_key_from_seed("")) == 32


def test_sign_and_verify_round_trip_without_node():
    rng = random.Random(9)
    for _ in range(3):
        key, msg = rng.randbytes(32), rng.randrange(R)
        sig, pub = sign_poseidon(key, msg), private_to_public(key)
        assert verify_poseidon(msg, sig, pub)
        assert not verify_poseidon((msg + 1) % R, sig, pub)
        assert 0 <= sig.s < L and bj.in_subgroup(sig.r8) and bj.in_subgroup(pub)

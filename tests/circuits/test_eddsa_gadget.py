"""EdDSAPoseidonVerifier gadget: circomlibjs signatures accepted, every rejection class refused at its label, the
disabled verifier accepts anything, the cost against circomlib's compiled circuit, and one Groth16 proof.

Oracles: circomlibjs 0.1.7 ``prv2pub`` / ``signPoseidon`` / ``verifyPoseidon`` run by node (the signatures and the
verdicts); ``zksvs.eddsa.verify_poseidon`` for the differential (every case's circuit verdict equals the native one,
which is itself tested against circomlibjs); circomlib 2.0.5 ``EdDSAPoseidonVerifier`` compiled by circom2 and read
by ``snarkjs r1cs info`` (the constraint count to beat); ``snarkjs groth16 verify`` for the proof.
"""

from __future__ import annotations

import random
import re
import warnings
from dataclasses import dataclass

import pytest

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.babyjub import EdwardsPoint, alloc_point
from circuits.gadgets.boolean import alloc_bool
from circuits.gadgets.eddsa import disabled_signature, eddsa_poseidon_cost, eddsa_poseidon_verify, tx_message_hash
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget, perturbation_probe
from tests.oracles.eddsa import circomlibjs, point
from zksvs import babyjub as bj
from zksvs.eddsa import Signature, private_to_public, sign_poseidon, verify_poseidon
from zksvs.field import FR_MODULUS

R = FR_MODULUS
L = bj.SUBORDER
T8 = bj.scalar_mul(bj.GENERATOR, L)

#: circomlib 2.0.5 EdDSAPoseidonVerifier compiled with circom2 --O2 (tests/e2e/circom_build.py's table); the test
#: below reads it again from the compiled .r1cs with snarkjs.
CIRCOMLIB_CONSTRAINTS = 4217


@dataclass(frozen=True)
class Sig:
    """One verification case: inputs and the verdict circomlibjs gave (None where it was not asked)."""

    name: str
    msg: int
    pub: tuple[int, int]
    r8: tuple[int, int]
    s: int
    js: bool | None = None

    @property
    def inputs(self) -> tuple:
        return (self.pub, self.r8, self.s, self.msg)


@pytest.fixture(scope="module")
def cases(node_tools) -> list[Sig]:
    """Valid circomlibjs signatures and one case of every rejection class, with circomlibjs's verdicts."""
    rng = random.Random(0xEDD5A)
    keys = [rng.randbytes(32) for _ in range(3)]
    msgs = [rng.randrange(R), 0, R - 1]
    out = circomlibjs(
        [{"op": "prv2pub", "prv": k} for k in keys] + [{"op": "sign", "prv": k, "msg": m} for k, m in zip(keys, msgs)]
    )
    pubs = [point(p) for p in out[:3]]
    sigs = [(point(s["r8"]), int(s["s"])) for s in out[3:]]
    made = []
    for i, (pub, (r8, s), msg) in enumerate(zip(pubs, sigs, msgs, strict=True)):
        x, y = r8
        made += [
            Sig(f"valid[{i}]", msg, pub, r8, s),
            Sig("wrong S", msg, pub, r8, (s + 1) % L),
            Sig("S + l", msg, pub, r8, s + L),
            Sig("wrong message", (msg + 1) % R, pub, r8, s),
            Sig("wrong key", msg, pubs[(i + 1) % 3], r8, s),
            Sig("R8 off the curve", msg, pub, (x, (y + 1) % R), s),
            Sig("A off the curve", msg, (pub[0], (pub[1] + 1) % R), r8, s),
        ]
    # small-order keys with the forgery circomlibjs accepts (R8 = S·Base8)
    for k in (0, 1, 2, 4):
        s = rng.randrange(L)
        made.append(Sig(f"small-order A (8^{k})", rng.randrange(R), bj.scalar_mul(T8, k), bj.base8_mul(s), s))
    verdicts = circomlibjs([{"op": "verify", "msg": c.msg, "r8": c.r8, "s": c.s, "a": c.pub} for c in made if c.s < R])
    it = iter(verdicts)
    return [Sig(c.name, c.msg, c.pub, c.r8, c.s, next(it) if c.s < R else None) for c in made]


def _build(cb: ConstraintBuilder, inp, mode: Mode, enabled: int | None = 1) -> None:
    pub, r8, s, msg = inp
    e = alloc_bool(cb, "enabled", enabled, Mode.PRIVATE if mode is Mode.CONSTANT else mode)
    eddsa_poseidon_verify(
        cb, e, alloc_point(cb, "a", pub, mode), alloc_point(cb, "r8", r8, mode), cb.alloc("s", s, mode),
        cb.alloc("m", msg, mode),
    )  # fmt: skip


REJECTS_AT = {
    "wrong S": "eddsa/check/",
    "S + l": "eddsa/s_lt_l/",
    "wrong message": "eddsa/check/",
    "wrong key": "eddsa/check/",
    "R8 off the curve": "eddsa/r8_on_curve/curve",
    "A off the curve": "eddsa/mul8/on_curve/curve",
    "small-order A": "eddsa/mul8/",
}


@pytest.mark.node
def test_eddsa_gadget_accepts_circomlibjs_signatures_and_rejects_each_class_at_its_label(cases):
    valid = [c for c in cases if c.name.startswith("valid")]
    invalid = [c for c in cases if not c.name.startswith("valid")]
    assert all(c.js for c in valid)
    outs = check_gadget(
        _build,
        valid=[Case(c.inputs) for c in valid],
        invalid=[Case(c.inputs, rejects_at=REJECTS_AT[c.name.split(" (")[0]], modes=WIRE_MODES) for c in invalid],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.label is None and o.mode is not Mode.CONSTANT} == {
        eddsa_poseidon_cost() + 1  # + the booleanity of enabled
    }


@pytest.mark.node
def test_eddsa_gadget_verdicts_equal_native_and_circomlibjs(cases):
    """The differential: circuit verdict == verify_poseidon == circomlibjs, except small-order keys (module doc)."""
    for c in cases:
        cb = ConstraintBuilder()
        _build(cb, c.inputs, Mode.PRIVATE)
        circuit = cb.build().is_satisfied(cb.witness().values)
        native = verify_poseidon(c.msg, Signature(c.r8, c.s), c.pub)
        assert circuit == native, c.name
        if c.name.startswith("small-order"):
            assert c.js is True and native is False
        elif c.js is not None:
            assert native == c.js, c.name


def test_eddsa_gadget_disabled_accepts_anything():
    rng = random.Random(0xD15)
    garbage = [
        ((0, 0), (1, 1), R - 1, R - 1),
        (bj.ORDER_TWO, bj.IDENTITY, 0, 0),
        ((rng.randrange(R), rng.randrange(R)), (rng.randrange(R), rng.randrange(R)), rng.randrange(R), 5),
        (T8, T8, L, 1),
    ]
    check_gadget(
        lambda cb, inp, mode: _build(cb, inp, mode, enabled=0),
        valid=[Case(g) for g in garbage],
        modes=ALL_MODES,
    )
    msg, sig, pub = disabled_signature()
    assert verify_poseidon(msg, sig, pub)


def test_eddsa_gadget_with_constant_enabled_skips_the_selects():
    msg, sig, pub = disabled_signature()
    cb = ConstraintBuilder()
    eddsa_poseidon_verify(
        cb, 1, alloc_point(cb, "a", pub, Mode.PRIVATE), alloc_point(cb, "r8", sig.r8, Mode.PRIVATE),
        cb.private("s", sig.s), cb.private("m", msg),
    )  # fmt: skip
    assert cb.n_constraints == eddsa_poseidon_cost() - 6
    cb.check()
    with pytest.raises(TypeError, match="'enabled' must be a Bool"):
        eddsa_poseidon_verify(cb, cb.private("e", 1), EdwardsPoint.constant(pub), EdwardsPoint.constant(sig.r8), 0, 0)


def test_eddsa_gadget_pins_every_wire_when_enabled_and_frees_only_the_inputs_when_disabled():
    msg, sig, pub = disabled_signature()
    other = bj.base8_mul(12345)
    for enabled, inp in ((1, (pub, sig.r8, sig.s, msg)), (0, (other, other, 7, 8))):
        cb = ConstraintBuilder()
        _build(cb, inp, Mode.PRIVATE, enabled)
        r1cs, w = cb.build(), cb.witness()
        survivors = {r1cs.label_of_wire(i) for i in perturbation_probe(r1cs, w.values)}
        assert survivors == (set() if enabled else {"a.x", "a.y", "r8.x", "r8.y", "s", "m"})
        assert r1cs.unconstrained_wires() == []


def test_eddsa_gadget_rejects_tampered_intermediates():
    msg, sig, pub = disabled_signature()
    inp = (pub, sig.r8, sig.s, msg)
    check_gadget(
        _build,
        invalid=[
            Case(inp, overrides={"eddsa/sel_s": 1}, rejects_at="eddsa/sel_s"),
            Case(inp, overrides={"eddsa/mul_h/add[200]/u": 1}, rejects_at="eddsa/mul_h/add[200]/u"),
            Case(inp, overrides={"eddsa/h_bits/bit[0]": 1 - 0}, rejects_at="eddsa/h_bits/"),
            Case(inp, overrides={"eddsa/mul_s/edwards/y": 1}, rejects_at="eddsa/mul_s/edwards/y"),
            Case(inp, overrides={"eddsa/s_lt_l/bit[250]": 1}, rejects_at="eddsa/s_lt_l/"),
        ],
        modes=(Mode.PRIVATE,),
    )


@pytest.mark.node
def test_eddsa_gadget_costs_less_than_circomlibs_compiled_verifier(node_tools):
    from bench.circom.build import compile_circuit, eddsa_poseidon
    from tests.oracles.node import snarkjs

    info = snarkjs("r1cs", "info", compile_circuit(eddsa_poseidon()).r1cs).stdout
    theirs = int(re.search(r"# of Constraints:\s*(\d+)", info).group(1))
    assert theirs == CIRCOMLIB_CONSTRAINTS
    assert eddsa_poseidon_cost() == 3901 < theirs


@pytest.mark.prover
@pytest.mark.node
def test_eddsa_gadget_proof_verifies_with_snarkjs(cases, tmp_path):
    from prover import InsecureSetupWarning, prove, setup
    from tests.oracles.node import snarkjs
    from zksvs.formats.snarkjs_json import write_proof, write_public_inputs, write_verifying_key

    c = next(c for c in cases if c.name.startswith("valid"))
    cb = ConstraintBuilder()
    e = alloc_bool(cb, "enabled", 1)
    eddsa_poseidon_verify(
        cb, e, alloc_point(cb, "a", c.pub, Mode.PUBLIC), alloc_point(cb, "r8", c.r8, Mode.PRIVATE),
        cb.private("s", c.s), cb.public("m", c.msg),
    )  # fmt: skip
    r1cs, witness = cb.build(), cb.witness()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup(r1cs, seed="tests/circuits eddsa")
    proof = prove(r1cs, pk, witness, rng=random.Random(10))
    public = witness.public_inputs(r1cs.n_public)
    assert public == [c.pub[0], c.pub[1], c.msg]
    write_verifying_key(pk.vk, tmp_path / "verification_key.json")
    write_proof(proof, tmp_path / "proof.json")
    write_public_inputs(public, tmp_path / "public.json")
    files = [tmp_path / "verification_key.json", tmp_path / "public.json", tmp_path / "proof.json"]
    assert "OK" in snarkjs("groth16", "verify", *files).stdout
    write_public_inputs([c.pub[0], c.pub[1], (c.msg + 1) % R], tmp_path / "public.json")
    assert snarkjs("groth16", "verify", *files, check=False).returncode != 0


def _verify_built(inp, direct: bool, witness_only: bool) -> ConstraintBuilder:
    from circuits.gadgets.eddsa import _verify

    pub, r8, s, msg = inp
    cb = ConstraintBuilder(witness_only=witness_only)
    e = alloc_bool(cb, "enabled", 1)
    a, r = alloc_point(cb, "a", pub, Mode.PRIVATE), alloc_point(cb, "r8", r8, Mode.PRIVATE)
    with cb.namespace("eddsa"):
        _verify(cb, [e, a.x, a.y, r.x, r.y, cb.private("s", s), cb.private("m", msg)], direct=direct)
    return cb


def test_eddsa_gadget_replay_builds_the_same_r1cs_and_witness_as_a_direct_build():
    from tests.helpers.circuit_check import assert_same_shape

    msg, sig, pub = disabled_signature()
    key = b"\x07" * 32
    other = sign_poseidon(key, 99)
    for inp in ((pub, sig.r8, sig.s, msg), (private_to_public(key), other.r8, other.s, 99)):
        direct, replay = _verify_built(inp, True, False), _verify_built(inp, False, False)
        assert_same_shape(direct.build(), replay.build())
        values = direct.witness().values
        assert replay.witness().values == values and direct.build().is_satisfied(values)
        for d in (True, False):
            w = _verify_built(inp, d, True)
            assert w.witness().values == values and w.n_constraints == eddsa_poseidon_cost() + 1


def _tx_hash(cb, inp, mode):
    t, want = inp
    f = [cb.alloc(n, v, mode) for n, v in zip(("chain", "kind", "from", "to", "to_chain", "amount", "nonce"),
         (t.chain, int(t.kind), t.sender, t.recipient, t.to_chain, t.amount, t.nonce))]  # fmt: skip
    pk = (cb.alloc("pk_x", t.recipient_pubkey[0], mode), cb.alloc("pk_y", t.recipient_pubkey[1], mode))
    h = tx_message_hash(cb, *f, payload=cb.alloc("payload", t.payload, mode), to_pubkey=pk)
    cb.assert_equal(h, cb.alloc("want", want, mode), "want")


def test_tx_message_hash_equals_the_native_message():
    from tests.core.test_tx_message import SAMPLES

    outs = check_gadget(
        _tx_hash,
        valid=[(t, t.message()) for t in SAMPLES],
        invalid=[Case((SAMPLES[0], SAMPLES[1].message()), rejects_at="want")],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {462 + 1}

"""EdDSA-Poseidon signature verification in the circuit, accepting what ``zksvs.eddsa.verify_poseidon`` accepts.

With ``enabled`` = 1 the verifier is satisfiable exactly when

    A and R8 are on the curve, 8·A ≠ O, S < l, and S·Base8 = R8 + h·(8·A),  h = Poseidon(R8.x, R8.y, A.x, A.y, M)

(``zksvs.eddsa``'s rule; circomlib 2.0.5 ``eddsaposeidon.circom`` checks the same equation with S < l
(``CompConstant(l − 1)``), h's bits strict (``Num2Bits_strict``) and 8·A ≠ O (``IsZero`` on its x), and is the
reference for this gadget). Where the two differ, both differences make this gadget equal to the native rule:

- circomlib's circuit checks neither A nor R8 on the curve (its formulas then compute something; circomlibjs refuses
  such points, and so does this gadget: 3 constraints each);
- circomlib's ``enabled`` = 0 still needs S < 2^253 and satisfiable point arithmetic (dummy inputs must be chosen
  with care); here a disabled verifier accepts *any* inputs: each input is replaced by the corresponding value of a
  fixed valid signature (``disabled_signature``) before anything is checked, one ``select`` each.

Cost (non-constant inputs; ``eddsa_poseidon_cost()``, checked in tests/circuits/test_eddsa_gadget.py):

=========================  ===========  ===============================================  ===========
part                       ours         how                                              circomlib
=========================  ===========  ===============================================  ===========
enabled selects            6            one product per input                            (2)
S < l                      502          251 bits + comparison with l − 1                 253 + 262
R8 on the curve            3            ``assert_on_curve``                              —
8·A, A checked             18           ``mul8``: on curve, x ≠ 0, 3 Montgomery doublings 18 + 2
h = Poseidon(5)            321          ``poseidon_hash``                                321
h's 254 bits, strict       508          ``to_bits(254)``                                 515
h·(8·A)                    2,035        ``subgroup_scalar_mul`` (8 per bit)              2,310
S·Base8                    502          ``base8_scalar_mul`` (3-bit windows)             523
R8 + h·8A = S·Base8        6            ``assert_edwards_sum``                           6 + 6
total                      3,901                                                         4,217
=========================  ===========  ===============================================  ===========

(circomlib's total is its compiled circuit with ``--O2`` as ``snarkjs r1cs info`` reports it; its parts, compiled
one by one the same way, add up to 4,218.)

References
----------
circomlib 2.0.5 ``circuits/eddsaposeidon.circom``; circomlibjs 0.1.7 ``src/eddsa.js``; ``circuits.gadgets.babyjub``
(the point arithmetic and why it has no exceptional case).
"""

from __future__ import annotations

from functools import cache

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.babyjub import (
    EdwardsPoint,
    SubgroupPoint,
    assert_edwards_sum,
    assert_on_curve,
    base8_scalar_mul,
    base8_scalar_mul_cost,
    mul8,
    subgroup_scalar_mul,
    subgroup_scalar_mul_cost,
)
from circuits.gadgets.bits import FR_BITS, assert_bits_le_constant, decompose, to_bits
from circuits.gadgets.boolean import require_bool, select
from circuits.gadgets.poseidon import poseidon_cost, poseidon_hash
from zksvs import babyjub as bj
from zksvs.eddsa import Signature, private_key_from_seed, private_to_public, sign_poseidon
from zksvs.tx_message import TX_DOMAIN_TAG, TX_MESSAGE_INPUTS

__all__ = ["S_BITS", "disabled_signature", "eddsa_poseidon_cost", "eddsa_poseidon_verify", "tx_message_hash"]

#: Bits of S: l < 2^251, so S < l fits in 251 bits.
S_BITS: int = bj.SUBORDER.bit_length()
assert S_BITS == 251


@cache
def disabled_signature() -> tuple[int, Signature, tuple[int, int]]:
    """(msg, signature, public key) verified in place of the inputs when ``enabled`` = 0: a valid signature of 0
    under the key ``private_key_from_seed("zksvs/eddsa/disabled-verifier")``."""
    key = private_key_from_seed("zksvs/eddsa/disabled-verifier")
    return 0, sign_poseidon(key, 0), private_to_public(key)


def _s_lt_l_cost() -> int:
    ones_above = bin(bj.SUBORDER - 1)[2:].rstrip("1").count("1")  # l − 1 is even: nothing to strip
    zeros = bin(bj.SUBORDER - 1)[2:].count("0")
    return (S_BITS + 1) + max(ones_above - 1, 0) + zeros


def eddsa_poseidon_cost() -> int:
    """Constraints of ``eddsa_poseidon_verify`` with non-constant inputs and ``enabled`` (the table above)."""
    return (
        6
        + _s_lt_l_cost()
        + 3
        + 18
        + poseidon_cost(5)
        + (FR_BITS + 1 + FR_BITS - 1)
        + subgroup_scalar_mul_cost(FR_BITS)
        + base8_scalar_mul_cost(S_BITS)
        + 6
    )


def tx_message_hash(
    cb: ConstraintBuilder,
    chain: Var | int,
    kind: Var | int,
    sender: Var | int,
    recipient: Var | int,
    to_chain: Var | int,
    amount: Var | int,
    nonce: Var | int,
    payload: Var | int = 0,
    to_pubkey: tuple[Var | int, Var | int] = (0, 0),
    name: str = "tx_message",
) -> Var:
    """The signed message of a transaction in the circuit: ``zksvs.tx_message``'s Poseidon over the domain tag and
    the fields, in that module's order (the native definition; this gadget only restates its input order).

    Constrains: the Poseidon(11) S-boxes (labels ``name/…``); the tag is a constant
    Cost:       462 constraints when the 10 fields are wires (``poseidon_cost(11)`` = 465, less the constant tag's
                round-0 S-box); fewer with constant fields
    Assumes:    nothing (range checks of the fields are the caller's rules, as in the native transaction)
    Rejects:    a wrong digest (tested in tests/circuits/test_eddsa_gadget.py against ``TxFields.message()``)
    """
    inputs = [TX_DOMAIN_TAG, chain, kind, sender, recipient, to_chain, amount, nonce, payload, *to_pubkey]
    assert len(inputs) == TX_MESSAGE_INPUTS
    return poseidon_hash(cb, inputs, name)


def eddsa_poseidon_verify(
    cb: ConstraintBuilder,
    enabled: Bool | int,
    pubkey: EdwardsPoint,
    r8: EdwardsPoint,
    s: Var | int,
    msg: Var | int,
    name: str = "eddsa",
) -> None:
    """Constrain (R8, S) to be a valid EdDSA-Poseidon signature of ``msg`` under ``pubkey`` when ``enabled`` is 1.

    Labels (each rejection class fails first at its own label): ``name/sel_*`` (the enabled selects),
    ``name/s_lt_l/…`` (S ≥ l, also S ≥ 2^251), ``name/mul8/…`` (A off the curve: ``mul8/on_curve``; A of small
    order: ``mul8/x_nonzero`` or ``mul8/dbl[i]``), ``name/r8_on_curve/…``, ``name/hash/…``, ``name/h_bits/…``,
    ``name/mul_h/…``, ``name/mul_s/…``, ``name/check/x|y`` (the equation: a wrong S, message or key).

    The rows come from two sub-circuits recorded once per process around the Poseidon hash
    (``ConstraintBuilder.repeat``; the first call records them, about a second) and replayed as compiled code for
    every verifier after: a batch circuit with a verifier per slot builds and assigns each in a fraction of the direct
    build's time, with the same R1CS and witness (tested). With a constant input the parts run directly.

    Constrains: with e = enabled and (A', R8', S', M') = e ? (A, R8, S, M) : ``disabled_signature()``:
                S' < l; A' on the curve and 8·A' ≠ O; R8' on the curve; S'·Base8 = R8' + h·(8·A') with
                h = Poseidon(R8', A', M') decomposed strictly (254 bits, < r)
    Cost:       3,901 constraints for wire inputs (``eddsa_poseidon_cost()``; the module docstring's table);
                circomlib's ``EdDSAPoseidonVerifier``: 4,217. A constant ``enabled`` = 1 saves the 6 selects.
    Assumes:    nothing (``enabled`` is a ``Bool``)
    Rejects:    when enabled: a wrong S, S ≥ l, a wrong message, a wrong key, R8 off the curve, A off the curve,
                A of small order; when disabled: nothing (tested in tests/circuits/test_eddsa_gadget.py)

    Raises
    ------
    TypeError
        ``enabled`` is not a ``Bool`` (or the int 0 or 1).
    UnsatisfiedConstraint
        A constant input makes a constraint identically false (e.g. a constant S ≥ l with ``enabled`` = 1).
    """
    e = require_bool(enabled, "enabled")
    ins = [x if isinstance(x, Var) else Var.constant(x) for x in (e, pubkey.x, pubkey.y, r8.x, r8.y, s, msg)]
    with cb.namespace(name):
        _verify(cb, ins)


def _verify(cb: ConstraintBuilder, ins: list[Var], direct: bool = False) -> None:
    """The verifier in two recorded parts around the Poseidon hash (which has its own recording), replayed by
    ``cb.repeat`` (a batch circuit builds and assigns one verifier per slot from compiled straight-line code), or run
    directly (``direct``: tests compare the two builds)."""
    run = (lambda key, fn, xs: fn(cb, list(xs))) if direct else cb.repeat
    out = run(("eddsa_poseidon_verify/pre",), _pre, ins)
    ax, ay, rx, ry, m_, qu, qv = out[:7]
    h = poseidon_hash(cb, [rx, ry, ax, ay, m_], "hash")
    run(("eddsa_poseidon_verify/post",), _post, [h, qu, qv, rx, ry, *out[7:]])


def _pre(cb: ConstraintBuilder, ins: list[Var]) -> list[Var]:
    """selects, S < l, 8·A (A checked), R8 on the curve → [A'.x, A'.y, R8'.x, R8'.y, M', Q.u, Q.v, *S' bits]."""
    e = Bool._trusted(ins[0])  # eddsa_poseidon_verify took it as a Bool
    pub_x, pub_y, r_x, r_y, s, msg = ins[1:]
    dummy_msg, dummy_sig, dummy_key = disabled_signature()
    ax = select(cb, e, pub_x, dummy_key[0], "sel_ax")
    ay = select(cb, e, pub_y, dummy_key[1], "sel_ay")
    rx = select(cb, e, r_x, dummy_sig.r8[0], "sel_rx")
    ry = select(cb, e, r_y, dummy_sig.r8[1], "sel_ry")
    s_ = select(cb, e, s, dummy_sig.s, "sel_s")
    m_ = select(cb, e, msg, dummy_msg, "sel_m")
    with cb.namespace("s_lt_l"):
        s_bits = decompose(cb, s_, S_BITS)
        assert_bits_le_constant(cb, s_bits, bj.SUBORDER - 1)
    q = mul8(cb, EdwardsPoint(ax, ay), "mul8")
    assert_on_curve(cb, EdwardsPoint(rx, ry), "r8_on_curve")
    return [ax, ay, rx, ry, m_, q.u, q.v, *s_bits]


def _post(cb: ConstraintBuilder, ins: list[Var]) -> list[Var]:
    """h's strict bits, h·Q, S·Base8 and the equation, from [h, Q.u, Q.v, R8'.x, R8'.y, *S' bits]."""
    h, qu, qv, rx, ry = ins[:5]
    s_bits = [Bool._trusted(b) for b in ins[5:]]  # constrained boolean by _pre
    h_bits = to_bits(cb, h, FR_BITS, "h_bits")
    right = subgroup_scalar_mul(cb, SubgroupPoint(qu, qv), h_bits, "mul_h")  # Q made by mul8 in _pre
    left = base8_scalar_mul(cb, s_bits, "mul_s")
    assert_edwards_sum(cb, EdwardsPoint(rx, ry), right, left, "check")
    return []

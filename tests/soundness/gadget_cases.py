"""Gadget circuits for the checker: every gadget of ``circuits.gadgets``, and seeded weakened copies (mutants).

Each ``GadgetCircuit`` is built here with the builder from its inputs (all private wires, allocated first: wire i is
input i − 1) and names its outputs; ``uniqueness`` fixes the inputs and asks for the outputs, ``domains`` asks for
each output's (or input's) native domain with the inputs free except the gadget's ``Assumes``.

Mutants are copies of a gadget with one rule taken out, written here with the builder (``circuits/`` is not
touched): each must give a counterexample, which shows the check can fail. The last two mirror the batch circuit's
audit findings in a circuit of a few rows: the power-of-two peer shortcut (finding 1) and the unchecked nonce
(finding 3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from circuits.builder import Bool, ConstraintBuilder, Var
from circuits.gadgets.babyjub import (
    EdwardsPoint,
    base8_scalar_mul,
    edwards_add,
    edwards_double,
    mul8,
    subgroup_scalar_mul,
)
from circuits.gadgets.bits import FR_BITS, decompose, from_bits, to_bits
from circuits.gadgets.boolean import alloc_bool, and_, assert_bool, not_, or_, select, xor
from circuits.gadgets.compare import assert_le, is_equal, is_lt, is_lt_unchecked, is_zero
from circuits.gadgets.eddsa import eddsa_poseidon_valid, eddsa_poseidon_verify, tx_message_hash
from circuits.gadgets.merkle import assert_opening, merkle_root, update_leaf
from circuits.gadgets.poseidon import poseidon_hash, poseidon_hash2, poseidon_permutation
from circuits.gadgets.range import add_in_range, assert_range, sub_in_range
from tests.soundness.domains import Below, Domain, InSet, in_range
from tests.soundness.structure import Terms
from zksvs import babyjub as bj
from zksvs.eddsa import private_to_public, sign_poseidon
from zksvs.field import FR_MODULUS
from zksvs.merkle import SparseMerkleTree
from zksvs.r1cs import R1CS

_R = FR_MODULUS
BIT = InSet(frozenset({0, 1}), "∈ {0, 1}")

Body = Callable[[ConstraintBuilder, list[Var]], dict[str, Var | int]]


@dataclass
class GadgetCircuit:
    """A gadget applied to private inputs, with its outputs and the domains to check.

    Attributes
    ----------
    name, shape : str
        Table columns (``range.assert_range``, ``n=8``).
    r1cs : R1CS
        The built circuit.
    witness : list[int]
        A satisfying witness for ``values``.
    inputs : list[int]
        Input wires (fixed by the uniqueness query).
    outputs : dict[str, Terms]
        Named outputs as combinations.
    domains : list[tuple[str, list[Terms], Domain, dict[int, Domain]]]
        (what, targets, domain, assumptions) per domain query.
    breaks : frozenset[str]
        For a mutant, the queries that must give a counterexample (``unique`` and domain names); the others must
        still pass.
    """

    name: str
    shape: str
    r1cs: R1CS
    witness: list[int]
    inputs: list[int]
    outputs: dict[str, Terms]
    domains: list[tuple[str, list[Terms], Domain, dict[int, Domain]]] = field(default_factory=list)
    breaks: frozenset[str] = frozenset()


def build(
    name: str,
    shape: str,
    values: Sequence[int],
    body: Body,
    *,
    domains: Callable[[list[int], dict[str, Terms]], list] | None = None,
    breaks: Sequence[str] = (),
    bool_inputs: Sequence[int] = (),
) -> GadgetCircuit:
    """Run ``body`` on private inputs ``in[i]`` = ``values[i]`` (``bool_inputs``: allocated with ``alloc_bool``)."""
    cb = ConstraintBuilder()
    ins: list[Var] = [
        alloc_bool(cb, f"in[{i}]", v) if i in bool_inputs else cb.private(f"in[{i}]", v) for i, v in enumerate(values)
    ]
    outs = body(cb, ins)
    r1cs = cb.build()
    assert r1cs.n_public == 0, "gadget cases allocate private wires only (no renumbering)"
    witness = cb.witness().values
    outputs = {k: dict((v if isinstance(v, Var) else Var.constant(v)).lc.terms) for k, v in outs.items()}
    wires = [next(iter(x.lc.terms)) for x in ins]
    g = GadgetCircuit(name, shape, r1cs, list(witness), wires, outputs, breaks=frozenset(breaks))
    if domains is not None:
        g.domains = domains(wires, outputs)
    return g


def _below(bits: int) -> Below:
    return Below(1 << bits, f"< 2^{bits}")


# --- the gadgets ----------------------------------------------------------------------------------------------------


def boolean_gates() -> list[GadgetCircuit]:
    """assert_bool, and_, or_, xor, not_, select on boolean inputs."""

    def gates(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        a, b = Bool._trusted(ins[0]), Bool._trusted(ins[1])  # alloc_bool'ed by build()
        return {
            "and": and_(cb, a, b),
            "or": or_(cb, a, b),
            "xor": xor(cb, a, b),
            "not": not_(a),
            "select": select(cb, a, ins[2], ins[3]),
        }

    def gate_domains(wires: list[int], outs: dict[str, Terms]) -> list:
        return [(k, [outs[k]], BIT, {}) for k in ("and", "or", "xor", "not")]

    out = [
        build(
            "boolean.assert_bool",
            "x=1",
            [1],
            lambda cb, ins: {"x": assert_bool(cb, ins[0])},
            domains=lambda w, o: [("x", [{w[0]: 1}], BIT, {})],
        )
    ]
    for a, b in ((0, 1), (1, 1)):
        out.append(
            build("boolean.gates", f"a={a} b={b}", [a, b, 7, 9], gates, domains=gate_domains, bool_inputs=(0, 1))
        )
    return out


def bits_gadgets() -> list[GadgetCircuit]:
    """to_bits over 8 bits and over 254 bits (the reducedness path, x = 5 has a wrap-around x + r)."""
    out = []
    for n, x in ((8, 0xA5), (254, 5), (254, _R - 1)):
        out.append(
            build(
                "bits.to_bits",
                f"n={n} x={'r−1' if x == _R - 1 else x}",
                [x],
                lambda cb, ins, n=n: {f"bit[{i}]": b for i, b in enumerate(to_bits(cb, ins[0], n))},
                domains=(lambda w, o: [("x", [{w[0]: 1}], _below(8), {})]) if n == 8 else None,
            )
        )
    return out


def range_gadgets() -> list[GadgetCircuit]:
    """assert_range (8 and 64 bits), sub_in_range and add_in_range (8 bits, inputs assumed in range)."""
    out = []
    for n, x in ((8, 200), (64, (1 << 64) - 1)):
        out.append(
            build(
                "range.assert_range",
                f"n={n}",
                [x],
                lambda cb, ins, n=n: {f"bit[{i}]": b for i, b in enumerate(assert_range(cb, ins[0], n))},
                domains=lambda w, o, n=n: [("x", [{w[0]: 1}], _below(n), {})],
            )
        )
    for fn, vals in ((sub_in_range, [200, 55]), (add_in_range, [200, 55])):
        out.append(
            build(
                f"range.{fn.__name__}",
                "n=8",
                vals,
                lambda cb, ins, fn=fn: {"new": fn(cb, ins[0], ins[1], 8)},
                domains=lambda w, o: [("new", [o["new"]], _below(8), {w[0]: _below(8), w[1]: _below(8)})],
            )
        )
    return out


def compare_gadgets() -> list[GadgetCircuit]:
    """is_zero, is_equal (both outcomes), assert_le, is_lt and is_lt_unchecked over 8 bits."""
    out = []
    for x in (0, 7):
        out.append(
            build(
                "compare.is_zero",
                f"x={x}",
                [x],
                lambda cb, ins: {"out": is_zero(cb, ins[0])},
                domains=lambda w, o: [("out", [o["out"]], BIT, {})],
            )
        )
    for a, b in ((3, 3), (3, 4)):
        out.append(
            build(
                "compare.is_equal",
                f"a={a} b={b}",
                [a, b],
                lambda cb, ins: {"out": is_equal(cb, ins[0], ins[1])},
                domains=lambda w, o: [("out", [o["out"]], BIT, {})],
            )
        )

    def le(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        assert_le(cb, ins[0], ins[1], 8)
        return {}

    out.append(build("compare.assert_le", "n=8 a=3 b=200", [3, 200], le))
    out.append(
        build(
            "compare.is_lt",
            "n=8 a=3 b=200",
            [3, 200],
            lambda cb, ins: {"out": is_lt(cb, ins[0], ins[1], 8)},
            domains=lambda w, o: [("out", [o["out"]], BIT, {})],
        )
    )
    out.append(
        build(
            "compare.is_lt_unchecked",
            "n=8 a=200 b=3",
            [200, 3],
            lambda cb, ins: {"out": is_lt_unchecked(cb, ins[0], ins[1], 8)},
            domains=lambda w, o: [("out", [o["out"]], BIT, {w[0]: _below(8), w[1]: _below(8)})],
        )
    )
    return out


def poseidon_gadgets() -> list[GadgetCircuit]:
    """poseidon_hash of 1, 2 and 4 inputs, and the width-3 permutation."""
    out = []
    for vals in ([11], [11, 22], [1, 2, 3, 4]):
        out.append(
            build("poseidon.poseidon_hash", f"n={len(vals)}", vals, lambda cb, ins: {"digest": poseidon_hash(cb, ins)})
        )
    out.append(
        build(
            "poseidon.poseidon_permutation",
            "t=3",
            [5, 6, 7],
            lambda cb, ins: {f"out[{i}]": x for i, x in enumerate(poseidon_permutation(cb, ins))},
        )
    )
    return out


def _tree(depth: int) -> tuple[SparseMerkleTree, int]:
    tree = SparseMerkleTree(depth)
    for i, v in ((0, 101), (3, 303), (5, 505), (6, 606)):
        if i < 1 << depth:
            tree.set(i, v)
    return tree, 5 % (1 << depth)


def merkle_gadgets(depth: int = 3) -> list[GadgetCircuit]:
    """merkle_root (index given), assert_opening (root, leaf and siblings given: is the index unique?), update_leaf."""
    tree, index = _tree(depth)
    op = tree.opening(index)
    sib = list(op.siblings)

    def root(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        bits = to_bits(cb, ins[1], depth, "index")
        return {"root": merkle_root(cb, ins[0], bits, ins[2:], poseidon_hash2)}

    def opening(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        index_var = cb.private("index", index)
        bits = to_bits(cb, index_var, depth, "index")
        assert_opening(cb, ins[0], ins[1], bits, ins[2:], poseidon_hash2)
        return {"index": index_var}

    def update(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        bits = to_bits(cb, ins[3], depth, "index")
        return {"new_root": update_leaf(cb, ins[0], ins[1], ins[2], bits, ins[4:], poseidon_hash2)}

    return [
        build("merkle.merkle_root", f"depth={depth}", [op.leaf, index, *sib], root),
        build("merkle.assert_opening", f"depth={depth} index free", [tree.root, op.leaf, *sib], opening),
        build("merkle.update_leaf", f"depth={depth}", [tree.root, op.leaf, 999, index, *sib], update),
    ]


def babyjub_gadgets() -> list[GadgetCircuit]:
    """edwards_add, edwards_double, mul8 with its two scalar multiplications (Baby Jubjub, points from
    ``zksvs.babyjub``)."""
    p, q = bj.base8_mul(5), bj.base8_mul(11)

    def pt(ins: list[Var], i: int) -> EdwardsPoint:
        return EdwardsPoint(ins[i], ins[i + 1])

    def xy(point) -> dict[str, Var | int]:
        return {"x": point.x, "y": point.y}

    def scalar(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        bits = to_bits(cb, ins[2], 8, "k")
        k_a8 = xy(subgroup_scalar_mul(cb, mul8(cb, pt(ins, 0)), bits))
        k_b8 = xy(base8_scalar_mul(cb, bits))
        return {"kA8.x": k_a8["x"], "kA8.y": k_a8["y"], "kB8.x": k_b8["x"], "kB8.y": k_b8["y"]}

    def add(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        return xy(edwards_add(cb, pt(ins, 0), pt(ins, 2)))

    return [
        build("babyjub.edwards_add", "5·B8 + 11·B8", [*p, *q], add),
        build("babyjub.edwards_double", "5·B8", [*p], lambda cb, ins: xy(edwards_double(cb, pt(ins, 0)))),
        build("babyjub.mul8, scalar muls", "k=0xA7, 8 bits", [*p, 0xA7], scalar),
    ]


def eddsa_gadgets() -> list[GadgetCircuit]:
    """eddsa_poseidon_verify on a valid signature (enabled) and on junk (disabled); eddsa_poseidon_valid (forced
    inclusion's proven bad signature) on a valid and an invalid signature and on junk, its output a bit;
    tx_message_hash."""
    key = bytes(range(32))
    pub = private_to_public(key)
    msg = 123456789
    sig = sign_poseidon(key, msg)

    def verify(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        e = Bool._trusted(ins[0])
        eddsa_poseidon_verify(cb, e, EdwardsPoint(ins[1], ins[2]), EdwardsPoint(ins[3], ins[4]), ins[5], ins[6])
        return {}

    def check(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        e = Bool._trusted(ins[0])
        p, r8 = EdwardsPoint(ins[1], ins[2]), EdwardsPoint(ins[3], ins[4])
        return {"valid": eddsa_poseidon_valid(cb, e, p, r8, ins[5], ins[6])}

    def valid_bit(_wires: list[int], outs: dict[str, Terms]) -> list:
        return [("valid", [outs["valid"]], BIT, {})]

    valid = [1, *pub, *sig.r8, sig.s, msg]
    junk = [0, 1, 2, 3, 4, 5, 6]
    wrong = [1, *pub, *sig.r8, sig.s, msg + 1]  # a well-formed signature of another message: valid = 0
    return [
        build("eddsa.eddsa_poseidon_verify", "enabled, valid", valid, verify, bool_inputs=(0,)),
        build("eddsa.eddsa_poseidon_verify", "disabled, junk", junk, verify, bool_inputs=(0,)),
        build("eddsa.eddsa_poseidon_valid", "enabled, valid", valid, check, bool_inputs=(0,), domains=valid_bit),
        build("eddsa.eddsa_poseidon_valid", "enabled, invalid", wrong, check, bool_inputs=(0,), domains=valid_bit),
        build("eddsa.eddsa_poseidon_valid", "disabled, junk", junk, check, bool_inputs=(0,), domains=valid_bit),
        build(
            "eddsa.tx_message_hash",
            "11 fields",
            list(range(1, 12)),
            lambda cb, ins: {"h": tx_message_hash(cb, *ins[:9], (ins[9], ins[10]))},
        ),
    ]


def batch_slot_gadgets() -> list[GadgetCircuit]:
    """The zero test of protocol v2's credit (``circuits.batch.slots._is_zero``: the account-creation switch and the
    named-key test), at 0 (where its inverse must be pinned) and away from it."""
    from circuits.batch.slots import _is_zero

    def zero(cb: ConstraintBuilder, ins: list[Var]) -> dict[str, Var | int]:
        _is_zero(cb, ins[0], "z")
        return {}  # no outputs: every wire, the inverse included, must be unique

    return [build("slots._is_zero", f"x = {x}", [x], zero) for x in (0, 5, _R - 1)]


def all_gadgets() -> list[GadgetCircuit]:
    """Every gadget case."""
    return [
        *boolean_gates(),
        *bits_gadgets(),
        *range_gadgets(),
        *compare_gadgets(),
        *poseidon_gadgets(),
        *merkle_gadgets(),
        *babyjub_gadgets(),
        *eddsa_gadgets(),
        *batch_slot_gadgets(),
    ]


# --- mutants --------------------------------------------------------------------------------------------------------


def _decompose_without_bool(cb: ConstraintBuilder, x: Var, n: int, skip: int) -> list[Var]:
    """``decompose`` with the booleanity row of bit ``skip`` left out."""
    bits: list[Var] = []
    for i in range(n):
        b = cb.hint(f"bit[{i}]", lambda v, i=i: (v >> i) & 1, x)
        if i != skip:
            assert_bool(cb, b, f"bit[{i}]")
        bits.append(b)
    cb.enforce(sum((b * (1 << i) for i, b in enumerate(bits)), Var.constant(0)), 1, x, "recompose")
    return bits


def _to_bits_254_without_reducedness(cb: ConstraintBuilder, x: Var) -> list[Bool]:
    """``to_bits(x, 254)`` with its ``lt_r`` comparison left out."""
    bits = [assert_bool(cb, cb.hint(f"bit[{i}]", lambda v, i=i: (v >> i) & 1, x), f"bit[{i}]") for i in range(FR_BITS)]
    cb.enforce(from_bits(bits), 1, x, "recompose")
    return bits


def _is_zero_without_out_row(cb: ConstraintBuilder, x: Var) -> Var:
    """``is_zero`` without x · out = 0: out = 1 − x·inv for any inv."""
    inv = cb.hint("inv", lambda a: pow(a, _R - 2, _R), x)
    return 1 - cb.mul(x, inv, "x_inv")


def _merkle_free_bits(cb: ConstraintBuilder, ins: list[Var], depth: int) -> Var:
    """``merkle_root`` whose direction bits are neither boolean nor tied to the index (index ignored)."""
    bits = [Bool._trusted(cb.hint(f"dir[{k}]", lambda v, k=k: (v >> k) & 1, ins[1])) for k in range(depth)]
    return merkle_root(cb, ins[0], bits, ins[2:], poseidon_hash2)


def peer_slot(cb: ConstraintBuilder, ins: list[Var], n_rollups: int, *, shortcut: bool) -> dict[str, Var | int]:
    """The batch append's peer and slot rows (main before the fix), alone: ins = chain_id, peer, burn, mint.

    ``shortcut``: skip ``peer ≤ K − 1`` when K is a power of two (finding 1); without it the range check is always
    there. Slot bits: ceil(log2(2K)); slot = 2·(active ? peer : chain_id) + mint.
    """
    chain_id, peer, burn, mint = ins
    burn, mint = Bool._trusted(burn), Bool._trusted(mint)
    cb.enforce(burn, mint, 0, "one_kind")
    active = Bool._trusted(burn + mint)
    cb.enforce(active, peer, peer, "peer_off")
    d = peer - chain_id
    inv = cb.hint("peer_inv", lambda x, a: pow(x, -1, _R) if x and a else 0, d, active)
    cb.enforce(inv, d, active, "peer_ne_chain")
    cb.enforce(1 - active, inv, 0, "peer_inv_off")
    slot_depth = (2 * n_rollups - 1).bit_length()
    if not shortcut or n_rollups & (n_rollups - 1):
        with cb.namespace("peer_lt_k"):
            decompose(cb, Var.constant(n_rollups - 1) - peer, slot_depth - 1)
    peer_eff = chain_id + cb.mul(active, d, "peer_eff")
    slot = (2 * peer_eff.value + mint.value) % _R if peer_eff.value is not None and mint.value is not None else None
    slot_bits = [
        alloc_bool(cb, f"slot_bits[{i}]", None if slot is None else (slot >> i) & 1) for i in range(slot_depth)
    ]
    cb.assert_equal(from_bits(slot_bits), 2 * peer_eff + mint, "slot_index")
    return {"peer": peer, "slot": from_bits(slot_bits)}


def nonce_step(cb: ConstraintBuilder, ins: list[Var], *, checked: bool) -> dict[str, Var | int]:
    """nonce_after = nonce + active (the debit's rule), range-checked to u64 only when ``checked`` (finding 3)."""
    nonce, active = ins
    nonce_after = cb.private("nonce_after", None if nonce.value is None else nonce.value + active.value)
    cb.assert_equal(nonce_after, nonce + active, "nonce")
    if checked:
        assert_range(cb, nonce_after, 64, "nonce_range")
    return {"nonce_after": nonce_after}


def peer_slot_circuit(n_rollups: int, *, shortcut: bool) -> GadgetCircuit:
    """``peer_slot`` on an honest MINT on chain 1 from chain 0, with the domain query peer ∈ [0, K)."""
    k = n_rollups
    return build(
        "mutant: power-of-two peer shortcut" if shortcut else "peer_slot (range-checked peer)",
        f"K={k}",
        [1, 0, 0, 1],
        lambda cb, ins: peer_slot(cb, ins, k, shortcut=shortcut),
        bool_inputs=(2, 3),
        breaks=("peer",) if shortcut and not k & (k - 1) else (),
        domains=lambda w, o: [
            ("peer", [o["peer"]], in_range(0, k, f"∈ [0, {k})"), {w[0]: in_range(0, k, "chain id")}),
            ("slot", [o["slot"]], in_range(0, 2 * k, f"∈ [0, {2 * k})"), {w[0]: in_range(0, k, "chain id")}),
        ],
    )


def nonce_circuit(*, checked: bool) -> GadgetCircuit:
    """``nonce_step`` with nonce assumed u64 (the tree invariant) and the query nonce_after < 2^64."""
    return build(
        "nonce_step (range-checked)" if checked else "mutant: nonce without range check",
        "u64",
        [(1 << 64) - 2, 1],
        lambda cb, ins: nonce_step(cb, ins, checked=checked),
        bool_inputs=(1,),
        breaks=() if checked else ("nonce_after",),
        domains=lambda w, o: [("nonce_after", [o["nonce_after"]], _below(64), {w[0]: _below(64)})],
    )


def mutants() -> list[GadgetCircuit]:
    """One weakened copy per rule the checker must see missing."""
    return [
        build(
            "mutant: decompose without bit[3] booleanity",
            "n=8",
            [0x5A],
            lambda cb, ins: {f"bit[{i}]": b for i, b in enumerate(_decompose_without_bool(cb, ins[0], 8, 3))},
            domains=lambda w, o: [("x", [{w[0]: 1}], _below(8), {})],
            breaks=("unique", "x"),
        ),
        build(
            "mutant: to_bits(254) without reducedness",
            "x=5",
            [5],
            lambda cb, ins: {f"bit[{i}]": b for i, b in enumerate(_to_bits_254_without_reducedness(cb, ins[0]))},
            breaks=("unique",),
        ),
        build(
            "mutant: is_zero without x·out = 0",
            "x=7",
            [7],
            lambda cb, ins: {"out": _is_zero_without_out_row(cb, ins[0])},
            domains=lambda w, o: [("out", [o["out"]], BIT, {})],
            breaks=("unique", "out"),
        ),
        build(
            "mutant: merkle_root with free direction bits",
            "depth=3",
            [_tree(3)[0].opening(5).leaf, 5, *_tree(3)[0].opening(5).siblings],
            lambda cb, ins: {"root": _merkle_free_bits(cb, ins, 3)},
            breaks=("unique",),
        ),
        peer_slot_circuit(2, shortcut=True),
        peer_slot_circuit(4, shortcut=True),
        nonce_circuit(checked=False),
    ]


def mutant_controls() -> list[GadgetCircuit]:
    """The mutants' sound versions that are not gadgets of their own (they must pass)."""
    return [
        peer_slot_circuit(2, shortcut=False),
        peer_slot_circuit(3, shortcut=True),  # K = 3 is not a power of two: the check stays
        peer_slot_circuit(4, shortcut=False),
        nonce_circuit(checked=True),
    ]

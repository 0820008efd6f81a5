"""Poseidon gadget: equal to the native zksvs.poseidon and to circomlibjs for 1..16 inputs; cost; tampering.

Oracles: ``zksvs.poseidon`` (itself checked against circomlibjs in tests/core/test_poseidon.py), circomlibjs 0.1.7
``buildPoseidon()`` run by node in this test (one call for every arity), and the shared anchor vectors
``anchors/poseidon_vectors.json`` (made with circomlibjs). The expected digests never come from the gadget.
"""

import json
import random
from pathlib import Path

import pytest

from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.poseidon import poseidon_cost, poseidon_hash, poseidon_hash2, poseidon_permutation
from tests.helpers.circuit_check import ALL_MODES, WIRE_MODES, Case, check_gadget
from tests.oracles.node import run_node_script
from zksvs.field import FR_MODULUS
from zksvs.poseidon import _permute_reference, hash2, poseidon, poseidon_params

R = FR_MODULUS
ANCHORS = Path(__file__).resolve().parents[2].parent / "shared" / "anchors"

#: Exact constraint counts per number of inputs (non-constant inputs); DESIGN.md §3 budgets ≈ 240 for 2.
COSTS = {1: 213, 2: 240, 3: 261, 4: 297, 5: 321, 6: 354, 7: 381, 8: 402,
         9: 417, 10: 459, 11: 465, 12: 504, 13: 543, 14: 537, 15: 573, 16: 609}  # fmt: skip


def _gadget_digest(xs: list[int], mode: Mode = Mode.PRIVATE) -> tuple[int, int]:
    cb = ConstraintBuilder()
    h = poseidon_hash(cb, [cb.alloc(f"x[{i}]", x, mode) for i, x in enumerate(xs)])
    r1cs = cb.build()
    assert r1cs.is_satisfied(cb.witness().values)
    assert r1cs.unconstrained_wires() == []
    return h.value, r1cs.n_constraints


def _inputs() -> list[list[int]]:
    rng = random.Random(0x905E)
    batch = []
    for n in range(1, 17):
        batch.append([rng.randrange(R) for _ in range(n)])
        batch.append([(R - 1, 0, 1)[i % 3] for i in range(n)])
    return batch


def test_poseidon_gadget_matches_native_and_costs():
    for xs in _inputs():
        digest, n = _gadget_digest(xs)
        assert digest == poseidon(xs)
        assert n == COSTS[len(xs)] == poseidon_cost(len(xs))
    assert COSTS[2] == 240


_CIRCOMLIBJS = r"""
const { buildPoseidon } = require("circomlibjs");
let data = "";
process.stdin.on("data", (d) => (data += d));
process.stdin.on("end", async () => {
  const poseidon = await buildPoseidon();
  const out = JSON.parse(data).map((xs) => poseidon.F.toObject(poseidon(xs.map(BigInt))).toString());
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
});
"""


@pytest.mark.node
def test_poseidon_gadget_matches_circomlibjs(node_tools):
    batch = _inputs()
    expected = [int(y) for y in run_node_script(_CIRCOMLIBJS, [[str(x) for x in xs] for xs in batch])]
    assert [_gadget_digest(xs)[0] for xs in batch] == expected


def test_poseidon_gadget_matches_anchor_vectors():
    vectors = json.loads((ANCHORS / "poseidon_vectors.json").read_text())
    assert vectors
    for v in vectors:
        xs = [int(x) for x in v["inputs"]]
        assert _gadget_digest(xs, Mode.PUBLIC)[0] == int(v["output"])


def test_poseidon_permutation_matches_reference():
    rng = random.Random(7)
    for t in (2, 3, 5, 17):
        state = [rng.randrange(R) for _ in range(t)]
        cb = ConstraintBuilder()
        out = poseidon_permutation(cb, [cb.private(f"s[{i}]", x) for i, x in enumerate(state)])
        assert [v.value for v in out] == _permute_reference(state, poseidon_params(t))
        p = poseidon_params(t)
        assert cb.n_constraints == 3 * (p.n_full * t + p.n_partial)
        cb.check()


def _hash2_build(cb, inp, mode):
    a, b, want = inp
    h = poseidon_hash2(cb, cb.alloc("a", a, mode), cb.alloc("b", b, mode))
    cb.assert_equal(h, cb.alloc("want", want, mode), "want")


def test_poseidon_hash2_allocation_modes_and_tampering():
    a, b = 42, R - 1
    good = hash2(a, b)
    outs = check_gadget(
        _hash2_build,
        valid=[(a, b, good), (0, 0, hash2(0, 0))],
        invalid=[
            Case((a, b, good + 1), rejects_at="want"),
            Case((b, a, good), rejects_at="want"),
            Case(
                (a, b, good), overrides={"poseidon/round[30]/sbox[0]/x4": 5}, rejects_at="poseidon/round[30]/sbox[0]/x4"
            ),
            Case(
                (a, b, good), overrides={"poseidon/round[0]/sbox[1]/x5": 5}, rejects_at="poseidon/round[0]/sbox[1]/x5"
            ),
            Case((a, b, good), overrides={"poseidon/round[63]/sbox[2]/x2": 0}, rejects_at="poseidon/round[63]/sbox[2]"),
        ],
        modes=ALL_MODES,
    )
    assert {o.n_constraints for o in outs if o.mode is not Mode.CONSTANT and o.label is None} == {241}
    assert {o.n_constraints for o in outs if o.mode is Mode.CONSTANT and o.label is None} == {0}


def test_poseidon_mixed_constant_and_wire_inputs_fold():
    cb = ConstraintBuilder()
    h = poseidon_hash(cb, [5, cb.private("x", 9), 7])
    assert h.value == poseidon([5, 9, 7])
    assert cb.n_constraints == COSTS[3] - 2 * 3  # the two constant inputs' round-0 S-boxes fold
    cb.check()


def test_poseidon_argument_errors():
    cb = ConstraintBuilder()
    with pytest.raises(ValueError, match=r"must hold 1\.\.16 elements, not 0"):
        poseidon_hash(cb, [])
    with pytest.raises(ValueError, match=r"must hold 1\.\.16 elements, not 17"):
        poseidon_hash(cb, [1] * 17)
    with pytest.raises(ValueError, match="is for t = 3, but the state has 2"):
        poseidon_permutation(cb, [1, 2], poseidon_params(3))


def test_poseidon_wire_modes_agree():
    xs = [3, 1, 4, 1, 5]
    assert {_gadget_digest(xs, m)[0] for m in WIRE_MODES} == {poseidon(xs)}


def test_poseidon_replay_builds_the_same_r1cs_as_a_direct_build():
    from circuits.gadgets.poseidon import _permute
    from tests.helpers.circuit_check import assert_same_shape

    for n in (1, 2, 5):
        xs = list(range(3, 3 + n))
        direct, replayed = ConstraintBuilder(), ConstraintBuilder()
        for cb in (direct, replayed):
            with cb.namespace("outer"):
                # inputs that are combinations, as in a Merkle path (left = node + bit·(sibling − node))
                ins = [cb.private(f"x[{i}]", x) * 2 + cb.private(f"y[{i}]", 1) + 7 for i, x in enumerate(xs)]
                if cb is direct:
                    h = _permute(cb, [cb.constant(0), *ins], poseidon_params(n + 1), "poseidon")[0]
                else:
                    h = poseidon_hash(cb, ins)
                assert h.value == poseidon([2 * x + 8 for x in xs])
        assert_same_shape(direct.build(), replayed.build())
        assert direct.witness().values == replayed.witness().values

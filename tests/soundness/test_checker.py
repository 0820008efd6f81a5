"""The checker's parts: value formatting, the cvc5 layer, each propagation rule, pruning and the domain negations.

Expected values are computed here from the definitions (field arithmetic, the native Poseidon), never read back
from the checker.
"""

from __future__ import annotations

import pytest

from circuits.builder import ConstraintBuilder
from circuits.gadgets.bits import from_bits, to_bits
from circuits.gadgets.boolean import alloc_bool
from circuits.gadgets.compare import is_zero
from circuits.gadgets.merkle import merkle_root
from circuits.gadgets.poseidon import poseidon_hash, poseidon_hash2, poseidon_permutation, sbox
from tests.soundness.domains import InSet, NotIn, OneHot
from tests.soundness.fmt import field_repr
from tests.soundness.propagate import Contradiction, Propagator
from tests.soundness.queries import Result, check_domain, check_uniqueness
from tests.soundness.slices import _back_solve, _item_residual, _prune
from tests.soundness.smt import Problem
from tests.soundness.structure import R1CSIndex
from zksvs.field import FR_MODULUS
from zksvs.poseidon import poseidon

R = FR_MODULUS


def _built(body, values):
    cb = ConstraintBuilder()
    ins = [cb.private(f"in[{i}]", v) for i, v in enumerate(values)]
    out = body(cb, ins)
    r1cs = cb.build()
    return r1cs, list(cb.witness().values), [1 + i for i in range(len(values))], out


def _wire(r1cs, label: str) -> int:
    return r1cs.wire_labels.index(label)


# --- formatting -----------------------------------------------------------------------------------------------------


def test_field_repr_reads_small_signed_values_and_fractions():
    assert field_repr(R - 1) == "−1"
    assert field_repr(5) == "5"
    assert field_repr(pow(2, -1, R)) == "1/2 mod r"
    assert field_repr(-pow(2, -1, R) % R) == "−1/2 mod r"
    assert field_repr((2 * 1 - 1) * pow(2, -1, R) % R) == "1/2 mod r"  # (2c − 1)/2 with c = 1
    assert field_repr(3 * pow(7, -1, R) % R) == "3/7 mod r"
    big = poseidon([1, 2])
    assert field_repr(big).startswith(str(big))


# --- the solver layer -----------------------------------------------------------------------------------------------


def test_problem_sat_model_satisfies_and_unsat_is_unsat():
    p = Problem()
    p.add(p.rel({1: 1}, {1: 1}, {0: 4}))  # x² = 4
    p.add(p.ne({1: 1}, 2))
    ans = p.solve(20)
    assert ans.status == "sat" and ans.model == {1: R - 2}
    q = Problem({1: 3})
    q.add(q.rel({1: 1}, {2: 1}, {0: 1}))  # 3·y = 1
    q.add(q.ne({2: 1}, pow(3, -1, R)))
    assert q.solve(20).status == "unsat"


def test_problem_uses_the_gb_solver_that_answers_the_wrap_around_instance():
    """Over F_101, 7 boolean bits summing to 5 with bit 0 ≠ 1: satisfiable by 106 = 5 + 101 (binary 1101010).
    cvc5 1.4.2's experimental ``split`` solver answers unsat here; the worker must keep the ``gb`` solver."""
    p = Problem(modulus=101)
    bits = list(range(1, 8))
    for b in bits:
        p.add(p.rel({b: 1}, {0: 1, b: -1}, {}))
    p.add(p.eq({b: 1 << i for i, b in enumerate(bits)}, 5))
    p.add(p.ne({bits[0]: 1}, 1))
    ans = p.solve(20)
    assert ans.status == "sat"
    assert sum(ans.model[b] << i for i, b in enumerate(bits)) == 106


def test_problem_past_its_deadline_is_unknown():
    """64 boolean bits of 5 differing from 5's somewhere: unsat, but beyond the gb solver in a second."""
    p = Problem()
    bits = list(range(1, 65))
    for b in bits:
        p.add(p.rel({b: 1}, {0: 1, b: -1}, {}))
    p.add(p.eq({b: 1 << i for i, b in enumerate(bits)}, 5))
    p.add(Problem.any_of([p.ne({b: 1}, (5 >> i) & 1) for i, b in enumerate(bits)]))
    ans = p.solve(1)
    assert ans.status == "unknown"


# --- propagation rules ----------------------------------------------------------------------------------------------


def test_rule_linear_fixes_an_inverse():
    r1cs, w, ins, _ = _built(lambda cb, xs: is_zero(cb, xs[0]), [7])
    p = Propagator(R1CSIndex(r1cs, w), reference=w)
    p.fix(ins[0], 7)
    p.run()
    inv = _wire(r1cs, "is_zero/inv")
    assert p.known[inv] == pow(7, -1, R) and p.rule[inv] == "linear"


def test_rule_bits_fixes_a_decomposition_below_254_bits():
    r1cs, w, ins, _ = _built(lambda cb, xs: to_bits(cb, xs[0], 8), [0xA5])
    p = Propagator(R1CSIndex(r1cs, w), reference=w)
    p.fix(ins[0], 0xA5)
    p.run()
    bits = [_wire(r1cs, f"to_bits/bit[{i}]") for i in range(8)]
    assert [p.known[b] for b in bits] == [(0xA5 >> i) & 1 for i in range(8)]
    assert {p.rule[b] for b in bits} == {"bits"}


def test_rule_bits_sees_the_wrap_around_and_probing_refutes_it():
    r1cs, w, ins, _ = _built(lambda cb, xs: to_bits(cb, xs[0], 254), [5])
    ix = R1CSIndex(r1cs, w)
    bits = [_wire(r1cs, f"to_bits/bit[{i}]") for i in range(254)]
    cands = Propagator(ix)._decompositions({b: 1 << i for i, b in enumerate(bits)}, -5 % R)
    assert [sum(c[b] << i for i, b in enumerate(bits)) for c in cands] == [5, 5 + R]
    p = Propagator(ix, reference=w)
    p.fix(ins[0], 5)
    p.run()
    assert all(p.known[b] == (5 >> i) & 1 for i, b in enumerate(bits))
    assert "probe" in p.rule.values()


def test_rule_sbox_inverts_x_to_the_fifth():
    def body(cb, xs):
        y = sbox(cb, xs[0] + 3)
        cb.assert_equal(y, cb.private("y", pow(xs[0].value + 3, 5, R)), "y")

    r1cs, w, ins, _ = _built(body, [11])
    p = Propagator(R1CSIndex(r1cs, w), reference=w)
    p.fix(_wire(r1cs, "y"), w[_wire(r1cs, "y")])
    p.run()
    assert p.known[ins[0]] == 11 and p.rule[ins[0]] == "sbox"


def _hash_circuit():
    def body(cb, xs):
        cb.assert_equal(poseidon_hash(cb, xs), cb.private("h", poseidon([3, 4])), "h")

    return _built(body, [3, 4])


def test_rule_collision_fixes_the_inputs_of_a_known_digest_only_under_the_assumption():
    r1cs, w, ins, _ = _hash_circuit()
    ix = R1CSIndex(r1cs, w)
    assert len(ix.trusted) == 1
    p = Propagator(ix, reference=w)
    p.fix(_wire(r1cs, "h"), poseidon([3, 4]))
    p.run()
    assert [p.known.get(i) for i in ins] == [3, 4] and {p.rule[i] for i in ins} == {"collision"}
    q = Propagator(ix, reference=w, assume_collision_resistance=False)
    q.fix(_wire(r1cs, "h"), poseidon([3, 4]))
    q.run()
    assert all(i not in q.known for i in ins)


def test_a_permutation_is_not_taken_for_a_hash():
    """The width-3 permutation with a non-zero state[0] is not circomlib's hash: the native check rejects it, so the
    collision rule never applies to it."""
    r1cs, w, _, _ = _built(lambda cb, xs: poseidon_permutation(cb, xs), [5, 6, 7])
    ix = R1CSIndex(r1cs, w)
    assert len(ix.blocks) == 1 and not ix.trusted


def test_propagation_reports_a_contradiction():
    r1cs, _, ins, _ = _built(lambda cb, xs: to_bits(cb, xs[0], 4), [9])
    p = Propagator(R1CSIndex(r1cs))
    p.fix(ins[0], 16)  # 16 has no 4-bit decomposition
    with pytest.raises(Contradiction, match="decomposition"):
        p.run()


def test_uniqueness_refuses_a_reference_that_does_not_satisfy():
    r1cs, w, ins, _ = _built(lambda cb, xs: to_bits(cb, xs[0], 4), [9])
    w[ins[0]] = 10
    with pytest.raises(ValueError, match="reference witness fails"):
        check_uniqueness(r1cs, w, ins)


# --- queries --------------------------------------------------------------------------------------------------------


def test_pruned_items_are_solved_back():
    items = [({1: 1}, {2: 1}, {3: 1}), ({3: 1, 4: 1}, {0: 1}, {0: 7}), ({1: 1}, {1: 1}, {0: 9})]
    live, pruned = _prune(items, keep={1})
    assert (live == [items[2]] and {u for _, u in pruned} == {3, 4}) or {2, 4} & {u for _, u in pruned}
    model = {0: 1, 1: 3}
    _back_solve(model, pruned)
    assert all(_item_residual(it, model) == 0 for it in items)


def _selectors(one_hot: bool):
    cb = ConstraintBuilder()
    sels = [alloc_bool(cb, n, int(n == "b")) for n in ("a", "b", "c")]
    if one_hot:
        cb.assert_equal(sels[0] + sels[1] + sels[2], 1, "one_hot")
    return cb.build(), [dict(s.lc.terms) for s in sels]


def test_domain_one_hot_is_proved_and_its_absence_is_a_counterexample():
    r1cs, sels = _selectors(one_hot=True)
    assert check_domain(r1cs, sels, OneHot()).status == "in domain"
    r1cs, sels = _selectors(one_hot=False)
    res = check_domain(r1cs, sels, OneHot())
    assert res.status == "counterexample"
    values = [sum(res.counterexample.get(w, 0) * c for w, c in s.items()) % R for s in sels]
    assert not OneHot().holds(values)


def test_domain_set_and_excluded_set():
    cb = ConstraintBuilder()
    to_bits(cb, cb.private("x", 2), 2)  # x ∈ [0, 4)
    r1cs = cb.build()
    t = [{1: 1}]
    assert check_domain(r1cs, t, InSet(frozenset(range(4)), "∈ [0, 4)")).status == "in domain"
    res = check_domain(r1cs, t, InSet(frozenset(range(3)), "∈ [0, 3)"))
    assert res.status == "counterexample" and res.counterexample[1] == 3
    res = check_domain(r1cs, t, NotIn(frozenset({1}), "≠ 1"))
    assert res.status == "counterexample" and res.counterexample[1] == 1


def test_only_proofs_are_safe():
    assert Result("unique", "q").safe and Result("in domain", "q").safe
    for status in ("counterexample", "candidate", "unknown"):
        assert not Result(status, "q").safe


def test_product_never_imports_cvc5():
    """cvc5 (GPL) is a test dependency: no product package may import it, and only the worker does here."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in root.glob("*/**/*.py"):
        if path.parts[len(root.parts)] in {"node_modules", "build"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "cvc5" or n.startswith("cvc5.") for n in names):
                found.add(str(path.relative_to(root)))
    assert found == {"tests/soundness/cvc5_worker.py"}


def _append_index_circuit(n_leaves: int, depth: int = 3):
    """A bridge append's index check alone: the root of a tree holding ``n_leaves`` messages is given; the index
    opens a 0 leaf and index − 1 (unless the index is 0) a non-zero one, both under that root (``circuits.batch.slots
    .append`` (4))."""
    leaves = [poseidon([7, i]) for i in range(n_leaves)] + [0] * ((1 << depth) - n_leaves)
    levels = [leaves]
    while len(levels[-1]) > 1:
        lv = levels[-1]
        levels.append([poseidon([lv[j], lv[j + 1]]) for j in range(0, len(lv), 2)])

    def siblings(i):
        return [levels[k][(i >> k) ^ 1] for k in range(depth)]

    index, prev = n_leaves, max(n_leaves - 1, 0)

    def body(cb, xs):
        root = xs[0]
        bits = [alloc_bool(cb, f"index_bits[{k}]", (index >> k) & 1) for k in range(depth)]
        first = alloc_bool(cb, "first", int(index == 0))
        idx = from_bits(bits)
        cb.enforce(first, idx, 0, "first")
        prev_bits = [alloc_bool(cb, f"prev_bits[{k}]", (prev >> k) & 1) for k in range(depth)]
        cb.assert_equal(from_bits(prev_bits), idx - 1 + first, "prev_index")
        sib = [cb.private(f"sib[{k}]", v) for k, v in enumerate(siblings(index))]
        prev_sib = [cb.private(f"prev_sib[{k}]", v) for k, v in enumerate(siblings(prev))]
        prev_leaf = cb.private("prev_leaf", leaves[prev])
        cb.assert_equal(merkle_root(cb, 0, bits, sib, poseidon_hash2, name="empty"), root, "empty")
        cb.assert_equal(merkle_root(cb, prev_leaf, prev_bits, prev_sib, poseidon_hash2, name="prev"), root, "prev")
        prev_inv = cb.private("prev_inv", pow(leaves[prev], -1, R) if leaves[prev] else 0)
        cb.enforce(prev_leaf, prev_inv, 1 - first, "prev_nonzero")
        cb.enforce(first, prev_inv, 0, "prev_inv_first")

    return _built(body, [levels[-1][0]])


@pytest.mark.parametrize("n_leaves", [0, 1, 2])
def test_rule_split_fixes_an_append_index_by_collision_along_two_paths(n_leaves):
    """The index of the first empty leaf is unique under a fixed root: the split refutes each other index by the
    collision rule on nodes the reference computes in either path (or empty subtrees): the sweep's SWAP action rows."""
    r1cs, w, ins, _ = _append_index_circuit(n_leaves)
    targets = {f"index_bits[{k}]": {_wire(r1cs, f"index_bits[{k}]"): 1} for k in range(3)}
    res = check_uniqueness(r1cs, w, ins, targets, name="append index")
    assert res.status == "unique" and res.solver_calls == 0 and res.by_rule["split"] > 0, res
    blind = check_uniqueness(r1cs, w, ins, targets, assume_collision_resistance=False, timeout_s=2)
    assert not blind.safe


def test_split_cannot_see_into_message_subtrees_the_reference_never_opens():
    """With 5 messages, index 2 would open a leaf of the subtree of leaves 0-3, whose inside neither path hashes: the
    engine does not know it holds messages, and the abstraction's model is a candidate (it fails the full R1CS), never
    a proof and never a counterexample. (The batch circuit's trees hold at most 2 messages in the sweep's runs.)"""
    r1cs, w, ins, _ = _append_index_circuit(5)
    targets = {f"index_bits[{k}]": {_wire(r1cs, f"index_bits[{k}]"): 1} for k in range(3)}
    assert check_uniqueness(r1cs, w, ins, targets, timeout_s=5).status == "candidate"


def test_collision_says_nothing_about_a_digest_the_reference_never_computes():
    """Inside a probe a hash may take another digest: its inputs then differ from the reference's, so the rule must
    not pin them (it once did, which refuted any probe that changed a digest)."""
    r1cs, w, ins, _ = _hash_circuit()
    p = Propagator(R1CSIndex(r1cs, w), reference=w, verify=False)
    p.fix(_wire(r1cs, "h"), poseidon([5, 6]))
    p.run()  # no contradiction: (5, 6) is a solution
    assert all(i not in p.known for i in ins)

"""Poseidon in the circuit, circomlib-compatible: the permutation and the hash of 1..16 field elements.

The constants are read from ``zksvs.poseidon.poseidon_params(t)`` (one source; the native hash and this gadget are
tested against each other and against circomlibjs). Each round adds its t round constants, applies x^5 to every
element (full rounds) or to ``state[0]`` (partial rounds), then multiplies by the MDS matrix.

Cost model: an S-box x ↦ x^5 is 3 constraints (x2 = x·x, x4 = x2·x2, x5 = x4·x). Round constants and the MDS layer
are linear, so they are kept inside the linear combinations and cost nothing; the price is denser rows (a partial
round's ``state[0]`` combines up to t + (partial rounds so far) wires), which adds non-zeros to A and B but no
constraints. The capacity element starts at the constant 0, so round 0's first S-box folds away:

    constraints(t) = 3 · (8·t + N_ROUNDS_P[t − 2] − 1)          (t = n_inputs + 1)

giving 240 for two inputs (DESIGN.md §3's budget: "about 240"). Constant inputs fold further.

References
----------
Grassi et al., "Poseidon", USENIX Security 2021 (eprint 2019/458); circomlib 2.0.5 ``circuits/poseidon.circom``;
circomlibjs 0.1.7 ``src/poseidon_reference.js`` (the round structure followed here).
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.builder import ConstraintBuilder, Var
from zksvs.field import FR_MODULUS
from zksvs.poseidon import N_ROUNDS_F, N_ROUNDS_P, PoseidonParams, poseidon_params
from zksvs.r1cs import LinearCombination

__all__ = ["poseidon_cost", "poseidon_hash", "poseidon_hash2", "poseidon_permutation", "sbox"]

_R = FR_MODULUS


def poseidon_cost(n_inputs: int) -> int:
    """Constraints of ``poseidon_hash`` on ``n_inputs`` non-constant inputs: 3·(8·t + N_ROUNDS_P[t − 2] − 1)."""
    t = n_inputs + 1
    return 3 * (N_ROUNDS_F * t + N_ROUNDS_P[t - 2] - 1)


def sbox(cb: ConstraintBuilder, x: Var) -> Var:
    """x^5 (labels ``x2``, ``x4``, ``x5`` in the current namespace).

    Constrains: x2 = x·x, x4 = x2·x2, x5 = x4·x
    Cost:       3 constraints (0 for a constant)
    Assumes:    nothing
    Rejects:    any wrong intermediate (tested in tests/circuits/test_poseidon.py)
    """
    x2 = cb.mul(x, x, "x2")
    x4 = cb.mul(x2, x2, "x4")
    return cb.mul(x4, x, "x5")


def _mix(row: Sequence[int], state: Sequence[Var]) -> Var:
    """Σ_j row[j]·state[j] as one linear combination (one dict pass instead of t intermediate copies)."""
    terms: dict[int, int] = {}
    value: int | None = 0
    for m, s in zip(row, state):
        for w, c in s.lc.terms.items():
            terms[w] = terms.get(w, 0) + m * c
        value = None if value is None or s.value is None else value + m * s.value
    lc = LinearCombination()
    lc.terms = {w: c % _R for w, c in terms.items() if c % _R}
    return Var(lc, None if value is None else value % _R)


def poseidon_permutation(
    cb: ConstraintBuilder, state: Sequence[Var | int], params: PoseidonParams | None = None, name: str = "poseidon"
) -> list[Var]:
    """The Poseidon permutation of ``state`` (width t = len(state), 2..17), in namespace ``name``.

    Labels: ``name/round[k]/sbox[i]/x2|x4|x5``.

    Constrains: each S-box output (3 constraints per S-box; rounds 0..3 and the last 4 are full, the rest partial)
    Cost:       3 · (8·t + N_ROUNDS_P[t − 2]) constraints for a state with no constant element; fewer when
                elements are constant (each constant element of round 0 saves 3)
    Assumes:    nothing
    Rejects:    any wrong S-box wire (tested in tests/circuits/test_poseidon.py)

    Raises
    ------
    ValueError
        ``params.t`` differs from ``len(state)``, or t is outside [2, 17].
    """
    t = len(state)
    p = params if params is not None else poseidon_params(t)
    if p.t != t:
        raise ValueError(f"Argument 'params' is for t = {p.t}, but the state has {t} elements")
    s = [x if isinstance(x, Var) else Var.constant(x) for x in state]
    if params is not None:
        return _permute(cb, s, p, name)
    return cb.repeat(("poseidon_permutation", t, name), lambda b, xs: _permute(b, xs, p, name), s)


def _permute(cb: ConstraintBuilder, state: list[Var], p: PoseidonParams, name: str) -> list[Var]:
    t, s = p.t, state
    half = p.n_full // 2
    rc = p.round_constants
    with cb.namespace(name):
        for k in range(p.n_rounds):
            s = [x + rc[k * t + i] for i, x in enumerate(s)]
            full = k < half or k >= half + p.n_partial
            with cb.namespace(f"round[{k}]"):
                for i in range(t if full else 1):
                    with cb.namespace(f"sbox[{i}]"):
                        s[i] = sbox(cb, s[i])
            s = [_mix(row, s) for row in p.mds]
    return s


def poseidon_hash(cb: ConstraintBuilder, inputs: Sequence[Var | int], name: str = "poseidon") -> Var:
    """circomlib ``Poseidon(n)`` of 1..16 inputs: ``state[0]`` of the permutation of ``[0, *inputs]``.

    Constrains: the permutation's S-boxes (labels ``name/round[k]/sbox[i]/…``); the digest is a linear
                combination of the last round's S-box outputs (no wire of its own)
    Cost:       3 · (8·t + N_ROUNDS_P[t − 2] − 1) constraints, t = len(inputs) + 1 (``poseidon_cost``):
                n=1: 213, 2: 240, 3: 261, 4: 297, 5: 321, 6: 354, 7: 381, 8: 402, 9: 417, 10: 459,
                11: 465, 12: 504, 13: 543, 14: 537, 15: 573, 16: 609; fewer for constant inputs
    Assumes:    nothing
    Rejects:    a wrong digest, a tampered S-box wire (tested in tests/circuits/test_poseidon.py)

    Raises
    ------
    ValueError
        ``inputs`` holds 0 or more than 16 elements.
    """
    n = len(inputs)
    if not 1 <= n <= len(N_ROUNDS_P):
        raise ValueError(f"Argument 'inputs' must hold 1..{len(N_ROUNDS_P)} elements, not {n}")
    xs = [x if isinstance(x, Var) else Var.constant(x) for x in inputs]
    p = poseidon_params(n + 1)
    return cb.repeat(("poseidon_hash", n, name), lambda b, ins: _permute(b, [Var.constant(0), *ins], p, name)[:1], xs)[
        0
    ]


def poseidon_hash2(cb: ConstraintBuilder, left: Var | int, right: Var | int) -> Var:
    """``poseidon_hash(cb, [left, right])``: the 2-to-1 node hash for ``circuits.gadgets.merkle``.

    Constrains: as ``poseidon_hash`` (namespace ``poseidon``)
    Cost:       240 constraints
    Assumes:    nothing
    Rejects:    as ``poseidon_hash``
    """
    return poseidon_hash(cb, [left, right])

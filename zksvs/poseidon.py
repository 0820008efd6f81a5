"""Native Poseidon over BN254's scalar field, bit-for-bit equal to circomlib / circomlibjs (DESIGN.md §3).

Poseidon-π with width t = n_inputs + 1 (1 ≤ n_inputs ≤ 16), S-box x^5, ``N_ROUNDS_F = 8`` full rounds split 4 + 4
around circomlib's ``N_ROUNDS_P[t − 2]`` partial rounds (S-box on ``state[0]`` only). The state starts as
``[0, *inputs]``; each round adds its t round constants, applies the S-box(es), then multiplies by the MDS matrix;
the digest is ``state[0]``.

Two equivalent evaluations are kept:

- ``PoseidonParams`` (from ``poseidon_params(t)``) holds the constants exactly as ``poseidon_reference.js`` uses
  them; it is what the circuit gadget reads, and ``_permute_reference`` evaluates it literally (tests only).
- ``poseidon`` / ``hash2`` use circomlibjs' optimized constants (``poseidon_opt.js``: the round constants moved
  through the linear layer so that each partial round multiplies by a sparse matrix, the technique of
  filecoin-project/neptune). For t = 3 a partial round then costs 1 S-box + 5 products instead of 1 S-box + 9
  products; ``hash2`` is additionally unrolled over local variables (≈2× faster than the reference loop in
  CPython). Both paths are tested equal to each other and to circomlibjs ``buildPoseidon()``.

The constants come from ``zksvs/data/poseidon_constants.json``, written by ``tools/gen_poseidon_constants.py``
from the pinned circomlibjs; they are never typed in.

References
----------
L. Grassi, D. Khovratovich, C. Rechberger, A. Roy, M. Schofnegger, "Poseidon: A New Hash Function for
Zero-Knowledge Proof Systems", USENIX Security 2021 (eprint 2019/458).
circomlibjs 0.1.7: ``src/poseidon_reference.js``, ``src/poseidon_opt.js``, ``src/poseidon_constants.js``,
``src/poseidon_constants_opt.js``; circomlib ``circuits/poseidon.circom``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from zksvs.field import FR_MODULUS, require_canonical_fr

__all__ = [
    "N_ROUNDS_F",
    "N_ROUNDS_P",
    "OptimizedParams",
    "PoseidonParams",
    "hash2",
    "optimized_params",
    "poseidon",
    "poseidon_params",
]

_P = FR_MODULUS
_DATA = json.loads(resources.files("zksvs").joinpath("data", "poseidon_constants.json").read_text())

#: Full rounds (4 before and 4 after the partial rounds), for every width.
N_ROUNDS_F: int = int(_DATA["n_rounds_f"])
#: Partial rounds for t = 2..17 (``N_ROUNDS_P[t - 2]``), as in circomlibjs ``poseidon_reference.js``.
N_ROUNDS_P: tuple[int, ...] = tuple(int(n) for n in _DATA["n_rounds_p"])

_T_MIN, _T_MAX = 2, 1 + len(N_ROUNDS_P)
assert N_ROUNDS_F == 8 and _T_MAX == 17


@dataclass(frozen=True)
class PoseidonParams:
    """Poseidon constants for one width, as circomlibjs ``poseidon_reference.js`` uses them.

    Attributes
    ----------
    t : int
        Width = number of inputs + 1.
    n_full : int
        Full rounds (8): rounds ``0..3`` and ``n_full/2 + n_partial ..`` apply the S-box to every element.
    n_partial : int
        Partial rounds (S-box on ``state[0]`` only).
    round_constants : tuple of int
        Length ``t · (n_full + n_partial)``; round k adds ``round_constants[k*t:(k+1)*t]`` to the state first.
    mds : tuple of tuple of int
        t × t; after the S-boxes, ``new_state[i] = Σ_j mds[i][j] · state[j]``.
    """

    t: int
    n_full: int
    n_partial: int
    round_constants: tuple[int, ...]
    mds: tuple[tuple[int, ...], ...]

    @property
    def n_rounds(self) -> int:
        """Total rounds, ``n_full + n_partial``."""
        return self.n_full + self.n_partial


def _check_t(t: int) -> None:
    if not isinstance(t, int) or not _T_MIN <= t <= _T_MAX:
        raise ValueError(f"Argument 't' must be an int in [{_T_MIN}, {_T_MAX}] (1..16 inputs), not {t!r}")


@lru_cache(maxsize=None, typed=True)
def poseidon_params(t: int) -> PoseidonParams:
    """Reference constants for width ``t`` (cached).

    Raises
    ------
    ValueError
        ``t`` is not an int in [2, 17].
    """
    _check_t(t)
    ref = _DATA["reference"]
    return PoseidonParams(
        t=t,
        n_full=N_ROUNDS_F,
        n_partial=N_ROUNDS_P[t - 2],
        round_constants=tuple(int(c) for c in ref["C"][t - 2]),
        mds=tuple(tuple(int(m) for m in row) for row in ref["M"][t - 2]),
    )


@dataclass(frozen=True)
class OptimizedParams:
    """circomlibjs ``poseidon_constants_opt.js`` for one width, rows laid out for ``new[i] = Σ_j rows[i][j]·s[j]``.

    ``c``: constants (t for the first round, t per remaining first-half round, 1 per partial round, t per
    second-half round except the last, which has none); ``mds``/``pre``: the MDS matrix and the dense matrix
    ``P`` ending the first half (both transposed from circomlibjs' ``M[j][i]`` use); ``sparse``: per partial round
    ``2t − 1`` values, the first row ``w`` (``t``) then the column ``v[1..t−1]``.
    """

    t: int
    n_partial: int
    c: tuple[int, ...]
    mds: tuple[tuple[int, ...], ...]
    pre: tuple[tuple[int, ...], ...]
    sparse: tuple[int, ...]


@cache
def _opt_params(t: int) -> OptimizedParams:
    opt = _DATA["optimized"]
    i = t - 2

    def rows(m: list[list[str]]) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(m[j][k]) for j in range(t)) for k in range(t))  # transpose

    return OptimizedParams(
        t=t,
        n_partial=N_ROUNDS_P[i],
        c=tuple(int(x) for x in opt["C"][i]),
        mds=rows(opt["M"][i]),
        pre=rows(opt["P"][i]),
        sparse=tuple(int(x) for x in opt["S"][i]),
    )


def optimized_params(t: int) -> OptimizedParams:
    """circomlibjs's optimised constants for width ``t`` (cached), in the layout ``OptimizedParams`` documents.

    What fast evaluations outside this module (``accel.poseidon``) load, so the constants are read in one place.

    Raises
    ------
    ValueError
        ``t`` is not an int in [2, 17].
    """
    _check_t(t)
    return _opt_params(t)


def _permute_opt(state: list[int], o: OptimizedParams) -> int:
    """Return ``state[0]`` after the Poseidon permutation, evaluated as circomlibjs ``poseidon_opt.js`` does."""
    p, t, c = _P, o.t, o.c
    half = N_ROUNDS_F // 2
    rng = range(t)

    def pow5(x: int) -> int:
        x2 = x * x % p
        return x2 * x2 % p * x % p

    def mix(s: list[int], m: tuple[tuple[int, ...], ...]) -> list[int]:
        return [sum(mi * si for mi, si in zip(row, s)) % p for row in m]

    s = [(x + c[i]) % p for i, x in enumerate(state)]
    k = t
    for r in range(half):
        s = [pow5(x) for x in s]
        s = [(s[i] + c[k + i]) for i in rng]
        k += t
        s = mix(s, o.pre if r == half - 1 else o.mds)
    w_len = 2 * t - 1
    sp = o.sparse
    for r in range(o.n_partial):
        x0 = (pow5(s[0]) + c[k]) % p
        k += 1
        off = r * w_len
        s0 = x0 * sp[off]
        for j in range(1, t):
            s0 += sp[off + j] * s[j]
            s[j] = (s[j] + x0 * sp[off + t + j - 1]) % p
        s[0] = s0 % p
    for _ in range(half - 1):
        s = [pow5(x) for x in s]
        s = [(s[i] + c[k + i]) for i in rng]
        k += t
        s = mix(s, o.mds)
    assert k == len(c)
    s = [pow5(x) for x in s]
    return sum(mi * si for mi, si in zip(o.mds[0], s)) % p


def _permute_reference(state: Sequence[int], params: PoseidonParams) -> list[int]:
    """The whole permutation, literally as ``poseidon_reference.js`` (slow; for tests and the gadget's cross-check)."""
    p, t, rc, mds = _P, params.t, params.round_constants, params.mds
    half = params.n_full // 2
    s = list(state)
    for r in range(params.n_rounds):
        s = [(x + rc[r * t + i]) % p for i, x in enumerate(s)]
        if r < half or r >= half + params.n_partial:
            s = [pow(x, 5, p) for x in s]
        else:
            s[0] = pow(s[0], 5, p)
        s = [sum(m * x for m, x in zip(row, s)) % p for row in mds]
    return s


def _check_inputs(inputs: Sequence[int]) -> list[int]:
    n = len(inputs)
    if not 1 <= n <= _T_MAX - 1:
        raise ValueError(f"Argument 'inputs' must hold 1..{_T_MAX - 1} field elements, not {n}")
    return [require_canonical_fr(x, f"inputs[{i}]") for i, x in enumerate(inputs)]


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib ``Poseidon(n)`` of 1..16 field elements: ``state[0]`` after permuting ``[0, *inputs]``.

    Raises
    ------
    ValueError
        ``inputs`` holds 0 or more than 16 elements.
    NonCanonicalFieldElement
        An input is not an int in [0, r).
    """
    xs = _check_inputs(inputs)
    t = len(xs) + 1
    if t == 3:
        return _hash2(xs[0], xs[1])
    return _permute_opt([0, *xs], _opt_params(t))


def _make_hash2():
    """Build the unrolled t = 3 permutation with every constant bound as a local (closure) variable."""
    o = _opt_params(3)
    p = _P
    c = o.c
    n_partial = o.n_partial
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = o.mds
    (p00, p01, p02), (p10, p11, p12), (p20, p21, p22) = o.pre
    c0, c1, c2 = c[0:3]
    first = tuple(tuple(c[3 * (r + 1) : 3 * (r + 2)]) for r in range(4))  # added after the S-boxes of rounds 0..3
    k = 3 * 5
    partial = tuple(
        (c[k + r], *o.sparse[5 * r : 5 * r + 5])  # (constant, w0, w1, w2, v1, v2)
        for r in range(n_partial)
    )
    k += n_partial
    second = tuple(tuple(c[k + 3 * r : k + 3 * r + 3]) for r in range(3))
    assert k + 9 == len(c)

    def hash2_unchecked(a: int, b: int) -> int:
        # first half: round 0's constants are added up front; rounds 0..3 then S-box, add next constants, mix
        x0 = c0
        x1 = a + c1
        x2 = b + c2
        for k0, k1, k2 in first[:3]:
            y = x0 * x0 % p
            x0 = y * y % p * x0 + k0
            y = x1 * x1 % p
            x1 = y * y % p * x1 + k1
            y = x2 * x2 % p
            x2 = y * y % p * x2 + k2
            x0, x1, x2 = (
                (m00 * x0 + m01 * x1 + m02 * x2) % p,
                (m10 * x0 + m11 * x1 + m12 * x2) % p,
                (m20 * x0 + m21 * x1 + m22 * x2) % p,
            )
        k0, k1, k2 = first[3]
        y = x0 * x0 % p
        x0 = y * y % p * x0 + k0
        y = x1 * x1 % p
        x1 = y * y % p * x1 + k1
        y = x2 * x2 % p
        x2 = y * y % p * x2 + k2
        x0, x1, x2 = (
            (p00 * x0 + p01 * x1 + p02 * x2) % p,
            (p10 * x0 + p11 * x1 + p12 * x2) % p,
            (p20 * x0 + p21 * x1 + p22 * x2) % p,
        )
        # partial rounds: S-box on x0, one constant, then the sparse matrix [[w0 w1 w2], [v1 1 0], [v2 0 1]]
        for k0, w0, w1, w2, v1, v2 in partial:
            y = x0 * x0 % p
            x0 = y * y % p * x0 % p + k0
            x0, x1, x2 = (w0 * x0 + w1 * x1 + w2 * x2) % p, (x1 + v1 * x0) % p, (x2 + v2 * x0) % p
        # second half: S-box, add constants, mix; the last round has no constants and only state[0] is needed
        for k0, k1, k2 in second:
            y = x0 * x0 % p
            x0 = y * y % p * x0 + k0
            y = x1 * x1 % p
            x1 = y * y % p * x1 + k1
            y = x2 * x2 % p
            x2 = y * y % p * x2 + k2
            x0, x1, x2 = (
                (m00 * x0 + m01 * x1 + m02 * x2) % p,
                (m10 * x0 + m11 * x1 + m12 * x2) % p,
                (m20 * x0 + m21 * x1 + m22 * x2) % p,
            )
        y = x0 * x0 % p
        x0 = y * y % p * x0
        y = x1 * x1 % p
        x1 = y * y % p * x1
        y = x2 * x2 % p
        x2 = y * y % p * x2
        return (m00 * x0 + m01 * x1 + m02 * x2) % p

    return hash2_unchecked


_hash2 = _make_hash2()


def hash2(left: int, right: int) -> int:
    """``poseidon([left, right])``, the Merkle node hash (t = 3, unrolled fast path).

    Raises
    ------
    NonCanonicalFieldElement
        ``left`` or ``right`` is not an int in [0, r).
    """
    if not (type(left) is int and type(right) is int and 0 <= left < _P and 0 <= right < _P):
        require_canonical_fr(left, "left")
        require_canonical_fr(right, "right")
    return _hash2(left, right)

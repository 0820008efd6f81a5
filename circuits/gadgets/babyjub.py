"""Baby Jubjub in the circuit: curve checks, complete Edwards addition, and the two scalar multiplications EdDSA needs.

Curve and constants: ``zksvs.babyjub`` (a·x² + y² = 1 + d·x²·y² over Fr, a = 168700, d = 168696; its Montgomery form
v² = u³ + 168698·u² + u, B = 1). Edwards formulas are complete (a square, d not), so ``edwards_add`` and friends need
no case analysis. Scalar multiplications run on the Montgomery form, whose affine addition costs 3 constraints and
doubling 4 (Edwards: 6 and 5), but whose addition fails when the two points share u (P = ±Q).

**How the scalar multiplications avoid that case for every input.** Both keep their accumulator in the coset
T + ⟨Base8⟩, where T = (0, 0) is the Montgomery point of order 2 (Edwards (0, −1)): they start from T (or a
constant table entry that contains T) and only ever add points of the odd-order subgroup. Each addend lies in the
subgroup and is not the identity, and the accumulator never does (its T component cannot cancel), so accumulator and
addend never share u: no exceptional addition, whatever the bits, with no segments and no hash argument (circomlib
``escalarmulany.circom`` instead splits the scalar into 148-bit segments whose partial sums cannot wrap the order).
The identity also never has to be represented: the accumulator reads T + O = (0, 0) then. At the end the
accumulator maps back to Edwards, where adding T is (x, y) ↦ (−x, −y), a free linear step.

- ``base8_scalar_mul``: k·Base8 with constant tables in 3-bit windows: window i adds (w_i + 1)·8^i·Base8 (a lookup
  in 8 constants: 3 constraints), the offsets Σ 8^i are taken out of the last window's table, and T sits in the
  first window's table. 6 constraints per 3 bits.
- ``subgroup_scalar_mul``: k·Q for Q of odd prime order l (a ``SubgroupPoint``, made by ``mul8``): right to left,
  with signed digits d_j = 2·k_{j+1} − 1 ∈ {−1, +1} on the doubling chain 2^j·Q (negating a Montgomery point negates
  v: 1 constraint instead of the 2 of a selection), then k_0 and the digit offset put back at the end. 8 constraints
  per bit (circomlib: 9).
- ``mul8``: 8·A for a public key A, with the on-curve check and the rejection of the eight small-order points.

References
----------
D. J. Bernstein, P. Birkner, M. Joye, T. Lange, C. Peters, "Twisted Edwards curves", AFRICACRYPT 2008 (completeness,
the Montgomery map); P. L. Montgomery, "Speeding the Pollard and elliptic curve methods of factorization", Math.
Comp. 48 (1987) (the curve form); circomlib 2.0.5 ``circuits/babyjub.circom`` (``BabyAdd``, ``BabyDbl``,
``BabyCheck``), ``montgomery.circom``, ``escalarmulfix.circom``, ``escalarmulany.circom`` (the circuits these
replace, and their costs: 6, 6, 523 for 253 bits, 2,310 for 254 bits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from circuits.builder import Bool, ConstraintBuilder, Mode, Var
from circuits.gadgets.boolean import and_, require_bool, select
from zksvs import babyjub as bj
from zksvs.field import FR_MODULUS

__all__ = [
    "EdwardsPoint",
    "SubgroupPoint",
    "alloc_point",
    "assert_edwards_sum",
    "assert_on_curve",
    "base8_scalar_mul",
    "base8_scalar_mul_cost",
    "edwards_add",
    "edwards_double",
    "mul8",
    "subgroup_scalar_mul",
    "subgroup_scalar_mul_cost",
]

_P = FR_MODULUS
_A, _D = bj.A, bj.D
_MA = bj.MONT_A  # the Montgomery form's A; its B is 1 (asserted in zksvs.babyjub)
_T2_MONT = (0, 0)


def _div(a: int, b: int) -> int:
    """a / b in Fr, or 0 when b = 0 (a hint must give *some* value; the constraint then fails)."""
    return a * pow(b, -1, _P) % _P if b % _P else 0


@dataclass(frozen=True)
class EdwardsPoint:
    """A point (x, y) of the circuit in Edwards coordinates; nothing is implied about it (see ``assert_on_curve``)."""

    x: Var
    y: Var

    @classmethod
    def constant(cls, p: tuple[int, int]) -> EdwardsPoint:
        """The constant point ``p`` (no wires)."""
        return cls(Var.constant(p[0]), Var.constant(p[1]))

    @property
    def value(self) -> tuple[int, int] | None:
        """(x, y) under the current witness, or None when unknown."""
        if self.x.value is None or self.y.value is None:
            return None
        return self.x.value, self.y.value


@dataclass(frozen=True)
class SubgroupPoint:
    """A Montgomery point (u, v) constrained to be on the curve and of odd prime order l (never the identity).

    Only ``mul8`` makes one; ``subgroup_scalar_mul`` takes nothing else, so its exception-freeness obligation is
    carried by the type (as ``Bool`` carries booleanity).
    """

    u: Var
    v: Var


def alloc_point(cb: ConstraintBuilder, name: str, value: tuple[int, int] | None, mode: Mode) -> EdwardsPoint:
    """Allocate (x, y) as inputs ``name.x``, ``name.y`` (constant, public or private); no constraint."""
    x = cb.alloc(f"{name}.x", None if value is None else value[0], mode)
    y = cb.alloc(f"{name}.y", None if value is None else value[1], mode)
    return EdwardsPoint(x, y)


def assert_on_curve(cb: ConstraintBuilder, p: EdwardsPoint, name: str = "on_curve") -> tuple[Var, Var]:
    """Constrain ``p`` to lie on Baby Jubjub; return (x², y²) for reuse (circomlib ``BabyCheck``).

    Constrains: x2 = x·x, y2 = y·y, (d·x2)·y2 = a·x2 + y2 − 1 (label ``name/curve``)
    Cost:       3 constraints (0 for a constant point)
    Assumes:    nothing
    Rejects:    (x, y + 1) for a curve point (x, y) (tested in tests/circuits/test_babyjub.py)
    """
    with cb.namespace(name):
        x2 = cb.mul(p.x, p.x, "x2")
        y2 = cb.mul(p.y, p.y, "y2")
        cb.enforce(x2 * _D, y2, x2 * _A + y2 - 1, "curve")
    return x2, y2


def _edwards_sum_rows(
    cb: ConstraintBuilder, p: EdwardsPoint, q: EdwardsPoint, out: EdwardsPoint | None
) -> EdwardsPoint:
    x1, y1, x2, y2 = p.x, p.y, q.x, q.y
    beta = cb.mul(x1, y2, "beta")
    gamma = cb.mul(y1, x2, "gamma")
    delta = cb.mul(y1 - x1 * _A, x2 + y2, "delta")
    tau = cb.mul(beta, gamma, "tau")
    num_y = delta + beta * _A - gamma  # y1·y2 − a·x1·x2
    if out is None:
        out = EdwardsPoint(
            cb.hint("x", lambda b, g, t: _div(b + g, 1 + _D * t), beta, gamma, tau),
            cb.hint("y", lambda n, t: _div(n, 1 - _D * t), num_y, tau),
        )
    cb.enforce(out.x, tau * _D + 1, beta + gamma, "x")
    cb.enforce(out.y, 1 - tau * _D, num_y, "y")
    return out


def edwards_add(cb: ConstraintBuilder, p: EdwardsPoint, q: EdwardsPoint, name: str = "add") -> EdwardsPoint:
    """p + q by the complete twisted Edwards law (circomlib ``BabyAdd``).

    x3·(1 + d·τ) = β + γ,  y3·(1 − d·τ) = δ + a·β − γ,  β = x1·y2, γ = y1·x2, δ = (y1 − a·x1)(x2 + y2), τ = β·γ

    Constrains: beta, gamma, delta, tau as above; x, y (labels ``name/…``)
    Cost:       6 constraints; 3 when ``q`` (or ``p``) is constant
    Assumes:    nothing (for points on the curve the denominators never vanish; off the curve the rows still
                determine the output, or cannot be satisfied)
    Rejects:    a wrong x or y (tested in tests/circuits/test_babyjub.py)
    """
    with cb.namespace(name):
        return _edwards_sum_rows(cb, p, q, None)


def assert_edwards_sum(
    cb: ConstraintBuilder, p: EdwardsPoint, q: EdwardsPoint, out: EdwardsPoint, name: str = "sum"
) -> None:
    """Constrain out = p + q (``edwards_add``'s rows with ``out`` in place of new wires).

    Constrains: as ``edwards_add``, with x3, y3 := out (labels ``name/x``, ``name/y``)
    Cost:       6 constraints
    Assumes:    nothing
    Rejects:    out ≠ p + q for p, q on the curve (tested in tests/circuits/test_babyjub.py)
    """
    with cb.namespace(name):
        _edwards_sum_rows(cb, p, q, out)


def edwards_double(cb: ConstraintBuilder, p: EdwardsPoint, name: str = "double") -> EdwardsPoint:
    """2·p: ``edwards_add(p, p)`` with β = γ shared (circomlib ``BabyDbl`` costs 6).

    Constrains: beta = x·y, delta = (y − a·x)(x + y), tau = β², x·(1 + d·τ) = 2β, y·(1 − d·τ) = δ + (a − 1)·β
    Cost:       5 constraints
    Assumes:    nothing
    Rejects:    a wrong x or y (tested in tests/circuits/test_babyjub.py)
    """
    x, y = p.x, p.y
    with cb.namespace(name):
        beta = cb.mul(x, y, "beta")
        delta = cb.mul(y - x * _A, x + y, "delta")
        tau = cb.mul(beta, beta, "tau")
        num_y = delta + beta * (_A - 1)
        x3 = cb.hint("x", lambda b, t: _div(2 * b, 1 + _D * t), beta, tau)
        y3 = cb.hint("y", lambda n, t: _div(n, 1 - _D * t), num_y, tau)
        cb.enforce(x3, tau * _D + 1, beta * 2, "x")
        cb.enforce(y3, 1 - tau * _D, num_y, "y")
    return EdwardsPoint(x3, y3)


# --- Montgomery arithmetic (private: each caller states why its inputs avoid the exceptional cases) ---------------

_Mont = tuple[Var, Var]


def _mont_add(cb: ConstraintBuilder, p: _Mont, q: _Mont, name: str) -> _Mont:
    """p + q on the Montgomery curve, for points on it with u_p ≠ u_q (3 constraints: lambda, u, v).

    With u_p = u_q and v_p ≠ v_q the rows cannot be satisfied; with p = q λ would be free: callers exclude both.
    """
    (u1, v1), (u2, v2) = p, q
    with cb.namespace(name):
        lam = cb.hint("lambda", lambda a, b, c, d: _div(d - b, c - a), u1, v1, u2, v2)
        cb.enforce(lam, u2 - u1, v2 - v1, "lambda")
        u3 = cb.hint("u", lambda m, a, c: m * m - _MA - a - c, lam, u1, u2)
        cb.enforce(lam, lam, u3 + _MA + u1 + u2, "u")
        v3 = cb.hint("v", lambda m, a, b, w: m * (a - w) - b, lam, u1, v1, u3)
        cb.enforce(lam, u1 - u3, v3 + v1, "v")
    return u3, v3


def _mont_double(cb: ConstraintBuilder, p: _Mont, name: str) -> _Mont:
    """2·p on the Montgomery curve, for p on it (4 constraints: u2, lambda, u, v).

    v = 0 (the point of order 2) leaves the lambda row 0 = 3u² + 2Au + 1 = 1: unsatisfiable, never free.
    """
    u, v = p
    with cb.namespace(name):
        u2 = cb.mul(u, u, "u2")
        num = u2 * 3 + u * (2 * _MA) + 1
        lam = cb.hint("lambda", lambda n, w: _div(n, 2 * w), num, v)
        cb.enforce(lam, v * 2, num, "lambda")
        u3 = cb.hint("u", lambda m, a: m * m - _MA - 2 * a, lam, u)
        cb.enforce(lam, lam, u3 + _MA + u * 2, "u")
        v3 = cb.hint("v", lambda m, a, b, w: m * (a - w) - b, lam, u, v, u3)
        cb.enforce(lam, u - u3, v3 + v, "v")
    return u3, v3


def _coset_to_edwards(cb: ConstraintBuilder, p: _Mont, name: str) -> EdwardsPoint:
    """The Edwards point E with T + E = p, for p on the Montgomery curve (3 constraints: u2, x, y).

    Maps p to Edwards by x = v/(u² + A·u + 1) (equal to u/v on the curve, because v² = u·(u² + A·u + 1); and
    u² + A·u + 1 never vanishes, A² − 4 being a non-square) and y = (u − 1)/(u + 1) (u = −1 is on no curve point,
    d being a non-square), then subtracts T: (x, y) ↦ (−x, −y). Unlike circomlib's x = u/v this also pins
    p = (0, 0) (then E is the identity), so every row determines its wire.
    """
    u, v = p
    with cb.namespace(name):
        u2 = cb.mul(u, u, "u2")
        den = u2 + u * _MA + 1
        x = cb.hint("x", lambda a, b: _div(a, b), v, den)
        cb.enforce(x, den, v, "x")
        y = cb.hint("y", lambda a: _div(a - 1, a + 1), u)
        cb.enforce(y, u + 1, u - 1, "y")
    return EdwardsPoint(-x, -y)


# --- 8·A for a public key -------------------------------------------------------------------------------------------


def mul8(cb: ConstraintBuilder, p: EdwardsPoint, name: str = "mul8") -> SubgroupPoint:
    """8·p in Montgomery form, refusing p off the curve or of small order (circomlib: 3 ``BabyDbl`` + ``IsZero``).

    p must lie on the curve and have x ≠ 0 (which excludes the identity and the point of order 2); its Montgomery
    image (u, v) = ((1 + y)/(1 − y), u/x) is then doubled three times. A point of order 4 doubles to (0, 0), whose
    doubling cannot be satisfied (``dbl[1]``); one of order 8 fails at ``dbl[2]``. Every other curve point has a
    non-zero component in the order-l subgroup, so 8·p has order exactly l.

    Constrains: p on the curve (``name/on_curve``); x·x_inv = 1 (``name/x_nonzero``); u·(1 − y) = 1 + y (``name/u``);
                v = u·x_inv (``name/v``); three Montgomery doublings (``name/dbl[i]/…``)
    Cost:       18 constraints (3 + 1 + 1 + 1 + 3·4)
    Assumes:    nothing
    Rejects:    p off the curve; each of the 8 points of order dividing 8 (tested in tests/circuits/test_babyjub.py)
    """
    with cb.namespace(name):
        assert_on_curve(cb, p, "on_curve")
        x_inv = cb.hint("x_inv", lambda a: _div(1, a), p.x)
        cb.enforce(p.x, x_inv, 1, "x_nonzero")
        u = cb.hint("u", lambda b: _div(1 + b, 1 - b), p.y)
        cb.enforce(u, 1 - p.y, p.y + 1, "u")
        v = cb.mul(u, x_inv, "v")
        m: _Mont = (u, v)
        for i in range(3):
            m = _mont_double(cb, m, f"dbl[{i}]")
    return SubgroupPoint(*m)


# --- k·Q for Q in the subgroup --------------------------------------------------------------------------------------


def subgroup_scalar_mul_cost(n_bits: int) -> int:
    """Constraints of ``subgroup_scalar_mul`` for ``n_bits`` non-constant bits: 8·(n − 1) + 11."""
    return 8 * (n_bits - 1) + 11


def subgroup_scalar_mul(
    cb: ConstraintBuilder, q: SubgroupPoint, bits: Sequence[Bool], name: str = "mul_any"
) -> EdwardsPoint:
    """k·Q in Edwards coordinates, for k = Σ bits[i]·2^i (little-endian, n ≥ 2 bits) and Q of order l.

    With D_j = 2^j·Q and d_j = 2·bits[j+1] − 1, the accumulator runs T → T + Σ_{j<n−1} d_j·D_j
    = T + (2·⌊k/2⌋ − 2^(n−1) + 1)·Q; adding D_{n−1} gives T + (2⌊k/2⌋ + 1)·Q, and when bits[0] = 0 one more −Q
    (selected) gives T + k·Q. Every addition adds ±(a non-identity subgroup point) to a point of the coset T + ⟨Q⟩,
    so none is exceptional (module docstring); every doubling doubles a point of order l (v ≠ 0).

    Constrains: per digit j: neg[j] = d_j·v(D_j), add[j] (3 rows), dbl[j] (4 rows); then add_top, sub_q (3 each),
                the bits[0] selection (2), and the map back to Edwards (``name/edwards``, 3)
    Cost:       8·(n − 1) + 11 constraints (2,035 for n = 254; circomlib ``EscalarMulAny(254)``: 2,310)
    Assumes:    nothing (the bits are ``Bool``; Q is a ``SubgroupPoint``)
    Rejects:    a wrong intermediate wire (tested in tests/circuits/test_babyjub.py)

    Raises
    ------
    ValueError
        Fewer than 2 bits.
    TypeError
        ``q`` is not a ``SubgroupPoint`` or a bit is not a ``Bool``.
    """
    if not isinstance(q, SubgroupPoint):
        raise TypeError(f"Argument 'q' must be a SubgroupPoint (made by mul8), not {type(q).__name__}")
    b = [require_bool(x, f"bits[{i}]") for i, x in enumerate(bits)]
    n = len(b)
    if n < 2:
        raise ValueError(f"Argument 'bits' must hold at least 2 bits, not {n}")
    with cb.namespace(name):
        acc: _Mont = (Var.constant(0), Var.constant(0))  # T
        d: _Mont = (q.u, q.v)
        for j in range(n - 1):
            neg_v = cb.mul(b[j + 1] * 2 - 1, d[1], f"neg[{j}]")
            acc = _mont_add(cb, acc, (d[0], neg_v), f"add[{j}]")
            d = _mont_double(cb, d, f"dbl[{j}]")
        top = _mont_add(cb, acc, d, "add_top")
        low = _mont_add(cb, top, (q.u, -q.v), "sub_q")
        res = (select(cb, b[0], top[0], low[0], "sel_u"), select(cb, b[0], top[1], low[1], "sel_v"))
        return _coset_to_edwards(cb, res, "edwards")


# --- k·Base8 -----------------------------------------------------------------------------------------------------


@cache
def _base8_tables(n_bits: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Montgomery tables of ``base8_scalar_mul`` for ``n_bits``: one per 3-bit window (the last may be shorter).

    Window i < last: T + (w + 1)·8^i·Base8 for i = 0, else (w + 1)·8^i·Base8, for w = 0..7. The last window's
    entries are w·8^i·Base8 − (Σ_{j<i} 8^j)·Base8 (+ T if it is also the first), which removes the +1 offsets.
    Every entry of a window after the first is a non-identity subgroup point (asserted).
    """
    n_windows = -(-n_bits // 3)
    t2 = bj.ORDER_TWO
    offset = sum(8**j for j in range(n_windows - 1))
    tables = []
    for i in range(n_windows):
        width = min(3, n_bits - 3 * i)
        last = i == n_windows - 1
        entries = []
        for w in range(1 << width):
            k = (w * 8**i - offset) % bj.SUBORDER if last else (w + 1) * 8**i
            e = bj.base8_mul(k)
            if i == 0:
                e = bj.add(e, t2)
            else:
                assert e != bj.IDENTITY, (n_bits, i, w)  # would need the identity in Montgomery form
            entries.append(_T2_MONT if e == t2 else bj.to_montgomery(e))
        tables.append(tuple(entries))
    return tuple(tables)


def _lookup(cb: ConstraintBuilder, bits: Sequence[Bool], table: Sequence[tuple[int, int]]) -> _Mont:
    """table[Σ bits[i]·2^i] for constant entries, 1 to 3 bits: 0, 1 or 3 constraints (b0·b1, then b2·(…) per
    coordinate); labels ``b01``, ``u``, ``v``."""
    n = len(bits)
    b01 = and_(cb, bits[0], bits[1], "b01") if n >= 2 else None
    out = []
    for c, coord in ((0, "u"), (1, "v")):
        vals = [e[c] for e in table]

        def low(k: int, vals: list[int] = vals) -> Var:  # the 2-bit (or 1-bit) table starting at entry k
            if n == 1:
                return bits[0] * (vals[k + 1] - vals[k]) + vals[k]
            assert b01 is not None
            c0, c1, c2, c3 = vals[k : k + 4]
            return bits[0] * (c1 - c0) + bits[1] * (c2 - c0) + b01 * (c3 - c2 - c1 + c0) + c0

        if n == 3:
            lo, hi = low(0), low(4)
            out.append(cb.mul(bits[2], hi - lo, coord) + lo)
        else:
            out.append(low(0))
    return out[0], out[1]


def base8_scalar_mul_cost(n_bits: int) -> int:
    """Constraints of ``base8_scalar_mul`` for ``n_bits`` non-constant bits."""
    n_windows = -(-n_bits // 3)
    lookups = [(0, 0, 1, 3)[min(3, n_bits - 3 * i)] for i in range(n_windows)]
    return sum(lookups) + 3 * (n_windows - 1) + 3


def base8_scalar_mul(cb: ConstraintBuilder, bits: Sequence[Bool], name: str = "mul_base8") -> EdwardsPoint:
    """k·Base8 in Edwards coordinates, for k = Σ bits[i]·2^i (little-endian, any n ≥ 1; k mod l is what counts).

    Windows of 3 bits look up constant Montgomery points (``_base8_tables``) and add them to an accumulator in the
    coset T + ⟨Base8⟩ (module docstring: no exceptional addition for any bits), then map back to Edwards.

    Constrains: per window i: the lookup (``name/win[i]/b01``, ``…/u``, ``…/v``) and, for i ≥ 1, one Montgomery
                addition (``name/add[i]/…``, 3 rows); the map to Edwards (``name/edwards``, 3 rows)
    Cost:       ``base8_scalar_mul_cost(n)``: 6 per 3-bit window after the first, 3 for the first, + 3;
                502 for n = 251 (circomlib ``EscalarMulFix(253)``: 523)
    Assumes:    nothing (the bits are ``Bool``)
    Rejects:    a wrong intermediate wire (tested in tests/circuits/test_babyjub.py)

    Raises
    ------
    ValueError
        No bits.
    TypeError
        A bit is not a ``Bool``.
    """
    b = [require_bool(x, f"bits[{i}]") for i, x in enumerate(bits)]
    if not b:
        raise ValueError("Argument 'bits' must hold at least 1 bit, not 0")
    tables = _base8_tables(len(b))
    with cb.namespace(name):
        acc: _Mont | None = None
        for i, table in enumerate(tables):
            with cb.namespace(f"win[{i}]"):
                e = _lookup(cb, b[3 * i : 3 * i + 3], table)
            acc = e if acc is None else _mont_add(cb, acc, e, f"add[{i}]")
        assert acc is not None
        return _coset_to_edwards(cb, acc, "edwards")

"""Baby Jubjub: the twisted Edwards curve over BN254's scalar field Fr that EdDSA-Poseidon signs on (native, ints).

    a·x² + y² = 1 + d·x²·y²   over Fr,   a = 168700, d = 168696

The group has order 8·l (l prime, 251 bits) and is cyclic; ``BASE8`` = 8·``GENERATOR`` generates the order-l
subgroup that keys and signatures live in. a is a square and d is not, so the affine addition law below is complete
(no exceptional pair of points, no point at infinity). The birational map u = (1 + y)/(1 − y), v = u/x takes the
curve to the Montgomery curve B·v² = u³ + A·u² + u with A = 2(a + d)/(a − d) = 168698 and B = 4/(a − d) = 1, where
the circuit does its scalar multiplications (``circuits.gadgets.babyjub``).

Points are affine ``tuple[int, int]`` (x, y) of canonical Fr ints; the identity is (0, 1) and the only point of
order 2 is (0, −1). Scalar multiplication runs internally in extended coordinates (X : Y : T : Z), x = X/Z,
y = Y/Z, T = X·Y/Z (one inversion per result), with 4-bit windows, and ``base8_mul`` reads a precomputed table of
BASE8's multiples (built on first use, ~1k points).

The constants are circomlibjs 0.1.7's (``src/babyjub.js``); ``tests/core/test_babyjub.py`` checks them against
circomlibjs run by node and derives what can be derived (BASE8 = 8·GENERATOR, l prime, l·BASE8 = O, the order of
GENERATOR). The cheap facts are asserted at import below.

References
----------
B. WhiteHat, J. Baylina, M. Bellés, "Baby Jubjub Elliptic Curve", ERC-2494 (2020); circomlibjs 0.1.7
``src/babyjub.js`` (constants, ``addPoint``, ``inCurve``); D. J. Bernstein, P. Birkner, M. Joye, T. Lange,
C. Peters, "Twisted Edwards curves", AFRICACRYPT 2008 (completeness, the Montgomery map); H. Hisil, K. K.-H. Wong,
G. Carter, E. Dawson, "Twisted Edwards curves revisited", ASIACRYPT 2008 (extended coordinates: add-2008-hwcd,
dbl-2008-hwcd).
"""

from __future__ import annotations

from functools import cache

from zksvs.field import FR_MODULUS

__all__ = [
    "BASE8",
    "GENERATOR",
    "IDENTITY",
    "MONT_A",
    "MONT_B",
    "ORDER",
    "ORDER_TWO",
    "SUBORDER",
    "A",
    "D",
    "Point",
    "add",
    "base8_mul",
    "base8_mul_equals",
    "double",
    "from_montgomery",
    "in_subgroup",
    "is_on_curve",
    "is_small_order",
    "mul_cofactor",
    "negate",
    "scalar_mul",
    "to_montgomery",
]

Point = tuple[int, int]

#: The base field of Baby Jubjub: BN254's scalar field r.
P: int = FR_MODULUS
#: Curve coefficients (circomlibjs ``babyjub.js``: ``this.A``, ``this.D``).
A: int = 168700
D: int = 168696
#: A generator of the whole group, order 8·l (circomlibjs ``this.Generator``).
GENERATOR: Point = (
    995203441582195749578291179787384436505546430278305826713579947235728471134,
    5472060717959818805561601436314318772137091100104008585924551046643952123905,
)
#: 8·GENERATOR: generates the order-l subgroup; public keys and R8 are its multiples (circomlibjs ``this.Base8``).
BASE8: Point = (
    5299619240641551281634865583518297030282874472190772894086521144482721001553,
    16950150798460657717958625567821834550301663161624707787222815936182638968203,
)
#: Order of the group, 8·l (circomlibjs ``this.order``).
ORDER: int = 21888242871839275222246405745257275088614511777268538073601725287587578984328
#: l, the prime order of BASE8's subgroup (circomlibjs ``this.subOrder = order >> 3``); 251 bits.
SUBORDER: int = ORDER >> 3
#: The identity (0, 1) and the point of order 2 (0, −1).
IDENTITY: Point = (0, 1)
ORDER_TWO: Point = (0, P - 1)
#: The Montgomery form B·v² = u³ + MONT_A·u² + u: MONT_A = 2(a + d)/(a − d), MONT_B = 4/(a − d).
MONT_A: int = 2 * (A + D) * pow(A - D, -1, P) % P
MONT_B: int = 4 * pow(A - D, -1, P) % P

assert ORDER == 8 * SUBORDER and SUBORDER.bit_length() == 251
assert (MONT_A, MONT_B) == (168698, 1)
# completeness of the addition law: a is a square in Fr, d is not (Euler's criterion)
assert pow(A, (P - 1) // 2, P) == 1 and pow(D, (P - 1) // 2, P) == P - 1


def is_on_curve(p: Point) -> bool:
    """True when ``p`` = (x, y) satisfies a·x² + y² = 1 + d·x²·y² (coordinates taken mod r).

    circomlibjs ``inCurve``. Says nothing about the subgroup: see ``in_subgroup``.
    """
    x, y = p
    x2, y2 = x * x % P, y * y % P
    return (A * x2 + y2 - 1 - D * x2 * y2) % P == 0


def add(p: Point, q: Point) -> Point:
    """p + q by the complete affine law (circomlibjs ``addPoint``); both points are assumed on the curve.

    x3 = (x1·y2 + y1·x2)/(1 + d·x1·x2·y1·y2),  y3 = (y1·y2 − a·x1·x2)/(1 − d·x1·x2·y1·y2)

    Raises
    ------
    ZeroDivisionError
        A denominator vanished, which happens only for points off the curve.
    """
    x1, y1 = p
    x2, y2 = q
    t = D * x1 * x2 % P * y1 * y2 % P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, -1, P) % P
    y3 = (y1 * y2 - A * x1 * x2) * pow(1 - t, -1, P) % P
    return x3, y3


def double(p: Point) -> Point:
    """2·p (``add(p, p)``)."""
    return add(p, p)


def negate(p: Point) -> Point:
    """−p = (−x, y)."""
    return (-p[0]) % P, p[1]


# --- extended coordinates (X : Y : T : Z) ------------------------------------------------------------------------

_Ext = tuple[int, int, int, int]
_EXT_ZERO: _Ext = (0, 1, 0, 1)


def _to_ext(p: Point) -> _Ext:
    return p[0], p[1], p[0] * p[1] % P, 1


def _from_ext(e: _Ext) -> Point:
    zi = pow(e[3], -1, P)
    return e[0] * zi % P, e[1] * zi % P


def _ext_add(e1: _Ext, e2: _Ext) -> _Ext:
    """add-2008-hwcd: unified, complete on this curve (a square, d non-square)."""
    x1, y1, t1, z1 = e1
    x2, y2, t2, z2 = e2
    a = x1 * x2 % P
    b = y1 * y2 % P
    c = D * t1 * t2 % P
    d = z1 * z2 % P
    e = ((x1 + y1) * (x2 + y2) - a - b) % P
    f = d - c
    g = d + c
    h = b - A * a
    return e * f % P, g * h % P, e * h % P, f * g % P


def _ext_double(e1: _Ext) -> _Ext:
    """dbl-2008-hwcd."""
    x1, y1, _, z1 = e1
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    d = A * a % P
    e = ((x1 + y1) * (x1 + y1) - a - b) % P
    g = d + b
    f = g - c
    h = d - b
    return e * f % P, g * h % P, e * h % P, f * g % P


def _ext_mul(e: _Ext, k: int) -> _Ext:
    """k·e for k ≥ 0: a 4-bit fixed window, most significant window first."""
    table = [_EXT_ZERO, e]
    for _ in range(14):
        table.append(_ext_add(table[-1], e))
    acc = _EXT_ZERO
    for shift in range(((k.bit_length() + 3) // 4 - 1) * 4, -1, -4):
        acc = _ext_double(_ext_double(_ext_double(_ext_double(acc))))
        w = (k >> shift) & 15
        if w:
            acc = _ext_add(acc, table[w])
    return acc


def scalar_mul(p: Point, k: int) -> Point:
    """k·p for any int k ≥ 0 (p on the curve); circomlibjs ``mulPointEscalar``.

    Raises
    ------
    ValueError
        ``k`` is negative.
    """
    if k < 0:
        raise ValueError(f"Argument 'k' must be non-negative, not {k}")
    return _from_ext(_ext_mul(_to_ext(p), k))


_WINDOWS = 64  # 4-bit windows of the base-8 table: scalars below 2^256


@cache
def _base8_table() -> tuple[tuple[_Ext, ...], ...]:
    """table[i][j] = j·16^i·BASE8 in extended coordinates with Z = 1 (so additions from it are cheaper)."""
    rows = []
    b = _to_ext(BASE8)
    for _ in range(_WINDOWS):
        row = [_EXT_ZERO, b]
        for _ in range(14):
            row.append(_ext_add(row[-1], b))
        rows.append(tuple(_to_ext(_from_ext(x)) for x in row))
        b = _ext_double(_ext_double(_ext_double(_ext_double(b))))
    return tuple(rows)


def _base8_mul_ext(k: int) -> _Ext:
    table = _base8_table()
    k %= SUBORDER
    acc = _EXT_ZERO
    i = 0
    while k:
        w = k & 15
        if w:
            acc = _ext_add(acc, table[i][w])
        k >>= 4
        i += 1
    return acc


def base8_mul(k: int) -> Point:
    """k·BASE8 for any int k ≥ 0 (taken mod l, BASE8's order), from the precomputed window table.

    Raises
    ------
    ValueError
        ``k`` is negative.
    """
    if k < 0:
        raise ValueError(f"Argument 'k' must be non-negative, not {k}")
    return _from_ext(_base8_mul_ext(k))


def is_small_order(p: Point) -> bool:
    """True when 8·p is the identity (p is one of the 8 points of order dividing 8); p on the curve."""
    e = _to_ext(p)
    e = _ext_double(_ext_double(_ext_double(e)))
    return e[0] % P == 0 and (e[1] - e[3]) % P == 0


def in_subgroup(p: Point) -> bool:
    """True when ``p`` is on the curve and l·p is the identity (circomlibjs ``inSubgroup``)."""
    if not is_on_curve(p):
        return False
    e = _ext_mul(_to_ext(p), SUBORDER)
    return e[0] % P == 0 and (e[1] - e[3]) % P == 0


def to_montgomery(p: Point) -> Point:
    """The Montgomery image (u, v) = ((1 + y)/(1 − y), u/x) of a curve point with x ≠ 0.

    circomlib ``Edwards2Montgomery``.

    Raises
    ------
    ValueError
        x = 0 (the identity and the point of order 2 have no affine image).
    """
    x, y = p
    if x % P == 0:
        raise ValueError(f"Argument 'p' must have x ≠ 0 to map to the Montgomery curve, not {p}")
    u = (1 + y) * pow(1 - y, -1, P) % P
    return u, u * pow(x, -1, P) % P


def from_montgomery(m: Point) -> Point:
    """The Edwards point (x, y) = (u/v, (u − 1)/(u + 1)) of a Montgomery point with v ≠ 0.

    circomlib ``Montgomery2Edwards``.

    Raises
    ------
    ValueError
        v = 0 (the Montgomery point of order 2, (0, 0), is the image of no affine Edwards point with x ≠ 0).
    """
    u, v = m
    if v % P == 0:
        raise ValueError(f"Argument 'm' must have v ≠ 0 to map back to the Edwards curve, not {m}")
    return u * pow(v, -1, P) % P, (u - 1) * pow(u + 1, -1, P) % P


def mul_cofactor(p: Point) -> Point:
    """8·p (three doublings): the identity exactly when p has small order; otherwise a point of order l."""
    return _from_ext(_ext_double(_ext_double(_ext_double(_to_ext(p)))))


def base8_mul_equals(s: int, r: Point, h: int, q: Point) -> bool:
    """True when s·BASE8 = r + h·q (all points on the curve; s, h ≥ 0): the EdDSA verification equation.

    Compared in projective form, so the check costs one table multiplication, one windowed multiplication and no
    inversion.
    """
    left = _base8_mul_ext(s)
    right = _ext_add(_to_ext(r), _ext_mul(_to_ext(q), h))
    return (left[0] * right[3] - right[0] * left[3]) % P == 0 and (left[1] * right[3] - right[1] * left[3]) % P == 0

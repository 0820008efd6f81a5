"""Fr / Fq / Fq2 numba kernels (accel/field.py) against Python-int arithmetic.

Oracle: Python's arbitrary-precision ints (``*``, ``%``, ``pow``) with the moduli from py_ecc (via zksvs.field).
Inputs: the edge values of STYLE.md §7 (0, 1, m − 1, (m − 1)/2, 2^64 − 1, 2^192, R^-1, values with all-ones limbs
that still fit under m) plus seeded random values.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from numba import njit

from accel import field as fk
from tests.prover import kernel_arrays as ka
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.limbs import ints_to_limbs, limbs_to_ints

R = 1 << 256
FIELDS = {"fr": FR_MODULUS, "fq": FQ_MODULUS}


def _edges(m: int) -> list[int]:
    rinv = pow(R, -1, m)
    return sorted(
        {
            0,
            1,
            2,
            m - 1,
            m - 2,
            (m - 1) // 2,
            (m + 1) // 2,
            2**64 - 1,
            2**64,
            2**128 - 1,
            2**192,
            2**192 - 1,
            2**253 - 1,  # every limb all-ones below the top: worst-case carries
            m - 2**64,
            R % m,
            rinv,
            (R * R) % m,
        }
    )


def _values(m: int, n_random: int = 40) -> list[int]:
    rng = random.Random(hash(m) & 0xFFFF)
    return _edges(m) + [rng.randrange(m) for _ in range(n_random)]


def _pairs(m: int) -> tuple[list[int], list[int]]:
    vals = _values(m)
    xs = [a for a in vals for _ in vals]
    ys = [b for _ in vals for b in vals]
    return xs, ys


def _arr(vals: list[int]) -> np.ndarray:
    return ints_to_limbs(vals)


def _array_op(name: str, op: str):
    """The product's array kernel (``accel.field``) when it has one, else the test-only wrapper (``kernel_arrays``)."""
    if hasattr(fk, f"{name}_{op}"):
        return getattr(fk, f"{name}_{op}")
    f = ka.FR if name == "fr" else ka.FQ
    binary = {"add_arr": 1, "sub_arr": 2}
    unary = {"sqr_arr": 0, "inv_arr": 2}
    if op in binary:
        return lambda a, b: ka.binary_arr(f, binary[op], a, b, False)
    if op in unary:
        return lambda a: ka.unary_arr(f, unary[op], a)
    if op == "scale_arr":
        return lambda a, k: ka.binary_arr(f, 0, a, k.reshape(1, 4), True)
    if op == "pow_arr":
        return lambda a, e: ka.binary_arr(f, 3, a, e.reshape(1, 4), True)
    if op == "batch_inv_arr":
        return lambda a: ka.batch_inv_arr(f, a)
    raise AttributeError(op)


@pytest.fixture(params=sorted(FIELDS), ids=lambda f: f)
def field(request):
    name = request.param
    return name, FIELDS[name], lambda op: _array_op(name, op)


def test_constants_match_moduli():
    for m, limbs, r1, r2, inv in (
        (FR_MODULUS, fk.FR_LIMBS, fk.FR_MONT_R, fk.FR_MONT_R2, fk.FR_MONT_INV),
        (FQ_MODULUS, fk.FQ_LIMBS, fk.FQ_MONT_R, fk.FQ_MONT_R2, fk.FQ_MONT_INV),
    ):
        assert limbs_to_ints(limbs.reshape(1, 4)) == [m]
        assert r1 == R % m and r2 == R * R % m
        assert (m * inv) % 2**64 == 2**64 - 1


def test_mul_matches_montgomery_product(field):
    _, m, op = field
    xs, ys = _pairs(m)
    got = limbs_to_ints(op("mul_arr")(_arr(xs), _arr(ys)))
    rinv = pow(R, -1, m)
    assert got == [x * y * rinv % m for x, y in zip(xs, ys)]


def test_sqr_matches_mul(field):
    _, m, op = field
    xs = _values(m)
    rinv = pow(R, -1, m)
    assert limbs_to_ints(op("sqr_arr")(_arr(xs))) == [x * x * rinv % m for x in xs]


def test_add_sub_neg(field):
    _, m, op = field
    xs, ys = _pairs(m)
    a, b = _arr(xs), _arr(ys)
    assert limbs_to_ints(op("add_arr")(a, b)) == [(x + y) % m for x, y in zip(xs, ys)]
    assert limbs_to_ints(op("sub_arr")(a, b)) == [(x - y) % m for x, y in zip(xs, ys)]
    assert limbs_to_ints(op("neg_arr")(a)) == [(-x) % m for x in xs]


def test_montgomery_round_trip(field):
    _, m, op = field
    xs = _values(m)
    mont = op("to_mont_arr")(_arr(xs))
    assert limbs_to_ints(mont) == [x * R % m for x in xs]
    assert limbs_to_ints(op("from_mont_arr")(mont)) == xs


def test_mul_in_montgomery_domain_is_field_mul(field):
    _, m, op = field
    xs, ys = _pairs(m)
    prod = op("mul_arr")(op("to_mont_arr")(_arr(xs)), op("to_mont_arr")(_arr(ys)))
    assert limbs_to_ints(op("from_mont_arr")(prod)) == [x * y % m for x, y in zip(xs, ys)]


def test_scale(field):
    _, m, op = field
    xs = _values(m)
    k = 0x1234_5678_9ABC_DEF0_1234 % m
    got = op("scale_arr")(op("to_mont_arr")(_arr(xs)), op("to_mont_arr")(_arr([k]))[0])
    assert limbs_to_ints(op("from_mont_arr")(got)) == [x * k % m for x in xs]


def test_inverse_and_batch_inverse(field):
    _, m, op = field
    xs = _values(m)
    mont = op("to_mont_arr")(_arr(xs))
    want = [0 if x == 0 else pow(x, -1, m) for x in xs]
    assert limbs_to_ints(op("from_mont_arr")(op("inv_arr")(mont))) == want
    assert limbs_to_ints(op("from_mont_arr")(op("batch_inv_arr")(mont))) == want


def test_batch_inverse_empty_and_all_zero(field):
    _, _, op = field
    assert op("batch_inv_arr")(np.zeros((0, 4), dtype=np.uint64)).shape == (0, 4)
    assert not op("batch_inv_arr")(np.zeros((3, 4), dtype=np.uint64)).any()


def test_pow(field):
    _, m, op = field
    xs = _values(m)[:20]
    mont = op("to_mont_arr")(_arr(xs))
    for e in (0, 1, 2, 5, (m - 1) // 2, m - 1, R - 1):
        got = op("from_mont_arr")(op("pow_arr")(mont, _arr([e])[0]))
        assert limbs_to_ints(got) == [pow(x, e, m) for x in xs], e


@njit
def _element_ops_fr(a, b):
    a0, a1, a2, a3 = a[0], a[1], a[2], a[3]
    b0, b1, b2, b3 = b[0], b[1], b[2], b[3]
    return (
        fk.fr_dbl(a0, a1, a2, a3),
        fk.fr_eq(a0, a1, a2, a3, b0, b1, b2, b3),
        fk.fr_is_zero(a0, a1, a2, a3),
        fk.fr_from_mont(*fk.fr_to_mont(a0, a1, a2, a3)),
        fk.fr_one(),
    )


@njit
def _element_ops_fq(a, b):
    a0, a1, a2, a3 = a[0], a[1], a[2], a[3]
    b0, b1, b2, b3 = b[0], b[1], b[2], b[3]
    return (
        fk.fq_dbl(a0, a1, a2, a3),
        fk.fq_eq(a0, a1, a2, a3, b0, b1, b2, b3),
        fk.fq_is_zero(a0, a1, a2, a3),
        fk.fq_from_mont(*fk.fq_to_mont(a0, a1, a2, a3)),
        fk.fq_one(),
    )


def test_element_level_helpers(field):
    name, m, _ = field
    fn = _element_ops_fr if name == "fr" else _element_ops_fq
    for x in _values(m, 5):
        for y in (x, (x + 1) % m):
            dbl, eq, is_zero, rt, one = fn(_arr([x])[0], _arr([y])[0])
            assert limbs_to_ints(np.array(dbl, dtype=np.uint64).reshape(1, 4)) == [2 * x % m]
            assert eq == (x == y) and is_zero == (x == 0)
            assert limbs_to_ints(np.array(rt, dtype=np.uint64).reshape(1, 4)) == [x]
            assert limbs_to_ints(np.array(one, dtype=np.uint64).reshape(1, 4)) == [R % m]


# --- Fq2 --------------------------------------------------------------------------------------------------------------


def _fq2_mul(a, b):
    q = FQ_MODULUS
    return ((a[0] * b[0] - a[1] * b[1]) % q, (a[0] * b[1] + a[1] * b[0]) % q)


def _fq2_arr(vals):
    flat = [c for v in vals for c in v]
    return fk.fq_to_mont_arr(ints_to_limbs(flat)).reshape(len(vals), 2, 4)


def _fq2_ints(arr):
    flat = limbs_to_ints(fk.fq_from_mont_arr(np.ascontiguousarray(arr).reshape(-1, 4)))
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _fq2_values():
    q = FQ_MODULUS
    rng = random.Random(2)
    edges = [0, 1, q - 1, (q - 1) // 2, 2**64 - 1, 2**192]
    vals = [(a, b) for a in edges for b in edges]
    return vals + [(rng.randrange(q), rng.randrange(q)) for _ in range(30)]


@njit
def _fq2_ops(a, b):
    x = (a[0, 0], a[0, 1], a[0, 2], a[0, 3], a[1, 0], a[1, 1], a[1, 2], a[1, 3])
    y = (b[0, 0], b[0, 1], b[0, 2], b[0, 3], b[1, 0], b[1, 1], b[1, 2], b[1, 3])
    out = np.empty((8, 2, 4), dtype=np.uint64)
    res = (
        fk.fq2_add(*x, *y),
        fk.fq2_sub(*x, *y),
        fk.fq2_neg(*x),
        fk.fq2_dbl(*x),
        fk.fq2_sqr(*x),
        fk.fq2_mul(*x, *y),
        fk.fq2_inv(*x),
        fk.fq2_mul_fq(*x, y[0], y[1], y[2], y[3]),
    )
    for k in range(8):
        r = res[k]
        out[k, 0, 0], out[k, 0, 1], out[k, 0, 2], out[k, 0, 3] = r[0], r[1], r[2], r[3]
        out[k, 1, 0], out[k, 1, 1], out[k, 1, 2], out[k, 1, 3] = r[4], r[5], r[6], r[7]
    return out, fk.fq2_is_zero(*x)


def test_fq2_element_ops():
    q = FQ_MODULUS
    vals = _fq2_values()
    rng = random.Random(3)
    for a in vals:
        b = vals[rng.randrange(len(vals))]
        out, is_zero = _fq2_ops(_fq2_arr([a])[0], _fq2_arr([b])[0])
        got = _fq2_ints(out)
        norm = (a[0] ** 2 + a[1] ** 2) % q
        inv = (0, 0) if norm == 0 else (a[0] * pow(norm, -1, q) % q, -a[1] * pow(norm, -1, q) % q)
        assert got == [
            ((a[0] + b[0]) % q, (a[1] + b[1]) % q),
            ((a[0] - b[0]) % q, (a[1] - b[1]) % q),
            ((-a[0]) % q, (-a[1]) % q),
            (2 * a[0] % q, 2 * a[1] % q),
            _fq2_mul(a, a),
            _fq2_mul(a, b),
            inv,
            (a[0] * b[0] % q, a[1] * b[0] % q),
        ]
        assert is_zero == (a == (0, 0))


def test_fq2_arrays():
    vals = _fq2_values()
    rng = random.Random(4)
    others = [vals[rng.randrange(len(vals))] for _ in vals]
    assert _fq2_ints(ka.fq2_mul_arr(_fq2_arr(vals), _fq2_arr(others))) == [_fq2_mul(a, b) for a, b in zip(vals, others)]
    inv = _fq2_ints(ka.fq2_inv_arr(_fq2_arr(vals)))
    for a, ai in zip(vals, inv):
        assert _fq2_mul(a, ai) == ((0, 0) if a == (0, 0) else (1, 0))

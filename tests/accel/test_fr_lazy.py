"""``accel.fr_lazy`` (512-bit products, one Montgomery reduction per sum of products) against Python integers.

The reference is plain integer arithmetic: a·b, Σ a_i·b_i and T·2^-256 mod r computed with Python ints, on the
edges 0, 1, r − 1, r − 2, 2^64 − 1, R mod r and random elements; the largest sum a REDC accepts (``LAZY_TERMS``
products of r − 1) is checked explicitly.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from accel import fr_lazy as lz
from zksvs.field import FR_MODULUS
from zksvs.limbs import int_to_limbs

R = FR_MODULUS
MONT = 1 << 256
MONT_INV = pow(MONT, -1, R)
EDGES = [0, 1, R - 1, R - 2, (1 << 64) - 1, MONT % R]


def _limbs(x: int) -> tuple[np.uint64, ...]:
    return tuple(np.uint64(v) for v in int_to_limbs(x))


def _u(t) -> tuple[np.uint64, ...]:  # numba returns Python ints; pass them back as uint64
    return tuple(np.uint64(v) for v in t)


def _value(t) -> int:
    return sum(int(v) << (64 * i) for i, v in enumerate(t))


def _elements(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return EDGES + [rng.randrange(R) for _ in range(n)]


def test_products_and_reduction_equal_integer_arithmetic():
    xs = _elements(40, 1)
    for a in xs:
        la = _limbs(a)
        for b in xs[::3]:
            lb = _limbs(b)
            wide = lz.wide_mul(*la, *lb)
            assert _value(wide) == a * b
            assert _value(lz.redc(*_u(wide))) == a * b * MONT_INV % R


@pytest.mark.parametrize("n_terms", range(1, lz.LAZY_TERMS + 1))
def test_sums_of_products_reduce_once(n_terms):
    rng = random.Random(n_terms)
    xs = _elements(50, 2)
    for trial in range(60):
        pairs = [(rng.choice(xs), rng.choice(xs)) for _ in range(n_terms)]
        if trial == 0:
            pairs = [(R - 1, R - 1)] * n_terms  # the largest sum a REDC must accept
        acc = _u(lz.wide_mul(*_limbs(pairs[0][0]), *_limbs(pairs[0][1])))
        for a, b in pairs[1:]:
            acc = _u(lz.wide_mac(*acc, *_limbs(a), *_limbs(b)))
        total = sum(a * b for a, b in pairs)
        assert _value(acc) == total
        assert _value(lz.redc(*acc)) == total * MONT_INV % R

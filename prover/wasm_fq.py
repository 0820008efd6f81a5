"""snarkjs's wasm Fq arithmetic on raw 256-bit words, reproduced in Python ints (for one quirk of its circuit hash).

wasmcurves ``build_f1m.js`` works on Montgomery words with one conditional subtraction of q after an add or a
multiplication and one addition of q after a borrowing subtraction. On non-reduced input the words wrap modulo
2^256, which is not congruent modulo q, so a computation on garbage words differs from field arithmetic. snarkjs's
``hashHPoints`` runs into exactly that when a circuit's domain equals the ptau's power (``prover.circuit_hash``): it
subtracts a real point from 64 bytes that are not a point. This module reproduces that one computation word for
word.

Functions::

    wasm_sub_affine(p1, p2) -> (x, y) | None     ``g1m_subAffine`` then ``batchToAffine`` on raw Montgomery words
                                                 (x, y as ints < 2^256); result in normal form, None for ∞

References
----------
wasmcurves 0.2 ``src/build_f1m.js`` (add, sub, mul), ``src/build_curve_jacobian_a0.js`` (subAffine);
snarkjs 0.7.6 ``src/zkey_new.js`` (``hashHPoints``).
"""

from __future__ import annotations

from zksvs.field import FQ_MODULUS

_Q = FQ_MODULUS
_W = 1 << 256
#: −q^-1 mod 2^256: the word-level Montgomery reduction's factor.
_Q_NEG_INV_W = (-pow(_Q, -1, _W)) % _W
#: 2^-256 mod q: Montgomery form → normal form once the words are reduced.
_MONT_R_INV_Q = pow(_W, -1, _Q)


def _w_add(x: int, y: int) -> int:
    t = x + y
    if t >= _W:
        return (t - _W - _Q) % _W
    return t - _Q if t >= _Q else t


def _w_sub(x: int, y: int) -> int:
    return x - y if x >= y else (x - y + _W + _Q) % _W


def _w_mul(x: int, y: int) -> int:
    m = (x * y * _Q_NEG_INV_W) % _W
    t = (x * y + m * _Q) >> 256
    return t - _Q if t >= _Q else t


def wasm_sub_affine(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int] | None:
    """``g1m_subAffine`` then ``batchToAffine`` on raw Montgomery words: normal-form affine (x, y), or None (∞)."""
    (x1, y1), (x2, y2) = p1, p2
    y2 = _w_sub(0, y2)
    h = _w_sub(x2, x1)
    r = _w_sub(y2, y1)
    i = _w_add(_w_mul(h, h), _w_mul(h, h))
    i = _w_add(i, i)
    j = _w_mul(h, i)
    r = _w_add(r, r)
    v = _w_mul(x1, i)
    x3 = _w_sub(_w_sub(_w_mul(r, r), j), _w_add(v, v))
    y1j = _w_mul(y1, j)
    y3 = _w_sub(_w_mul(_w_sub(v, x3), r), _w_add(y1j, y1j))
    z3 = _w_add(h, h)
    # batchToAffine multiplies each coordinate by a reduced inverse, so from here the field values are exact
    xv, yv, zv = (c * _MONT_R_INV_Q % _Q for c in (x3, y3, z3))
    if zv == 0:
        return None
    zi = pow(zv, -1, _Q)
    return xv * zi * zi % _Q, yv * zi * zi * zi % _Q


__all__ = ["wasm_sub_affine"]

"""``zksvs.groth16``'s uncontributed-key check: δ₂ = the G2 generator (py_ecc ``bn128.G2``) is the one test."""

from __future__ import annotations

import warnings

import pytest
from py_ecc import bn128

from zksvs.errors import UncontributedKey
from zksvs.groth16 import (
    G2_GENERATOR,
    UncontributedKeyWarning,
    VerifyingKey,
    check_contributed,
    is_uncontributed,
)


def _g2(p) -> tuple:
    return tuple(tuple(int(c) for c in v.coeffs) for v in p)


def _vk(delta) -> VerifyingKey:
    g1 = (int(bn128.G1[0].n), int(bn128.G1[1].n))
    return VerifyingKey(alpha_g1=g1, beta_g2=G2_GENERATOR, gamma_g2=G2_GENERATOR, delta_g2=delta, ic=(g1, g1))


def test_g2_generator_is_py_eccs():
    assert _g2(bn128.G2) == G2_GENERATOR


def test_is_uncontributed_looks_at_delta_only():
    assert is_uncontributed(_vk(G2_GENERATOR))
    assert not is_uncontributed(_vk(_g2(bn128.multiply(bn128.G2, 7))))
    assert not is_uncontributed(_vk(_g2(bn128.neg(bn128.G2))))


def test_check_contributed_warns_or_refuses():
    contributed = _vk(_g2(bn128.multiply(bn128.G2, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_contributed(contributed, strict=True) is False
    with pytest.warns(UncontributedKeyWarning, match="anyone can forge proofs"):
        assert check_contributed(_vk(G2_GENERATOR)) is True
    with pytest.raises(UncontributedKey, match=r"my\.zkey: refused \(--strict\): INSECURE key"):
        check_contributed(_vk(G2_GENERATOR), strict=True, what="my.zkey")

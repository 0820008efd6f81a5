"""The BN254 moduli (derived from the BN parameter u in zksvs.field) and the zkey reader's on-curve checks (Python
ints), against py_ecc 8 (code this project did not write)."""

from __future__ import annotations

import pytest
from py_ecc import bn128
from py_ecc.bn128 import bn128_pairing

from zksvs.errors import FormatError
from zksvs.field import BN_U, FQ_MODULUS, FR_MODULUS
from zksvs.formats import zkey_file


def test_moduli_equal_py_ecc():
    assert bn128.curve_order == FR_MODULUS
    assert bn128.field_modulus == FQ_MODULUS
    assert bn128_pairing.ate_loop_count == 6 * BN_U + 2


def test_zkey_on_curve_checks_agree_with_py_ecc():
    g1 = bn128.multiply(bn128.G1, 1234567)
    p1 = (int(g1[0].n), int(g1[1].n))
    assert zkey_file._check_g1(p1, "f", "x") == p1
    g2 = bn128.multiply(bn128.G2, 7654321)
    p2 = (tuple(int(c) for c in g2[0].coeffs), tuple(int(c) for c in g2[1].coeffs))
    assert zkey_file._check_g2(p2, "f", "x") == p2
    assert zkey_file._check_g1(None, "f", "x") is None and zkey_file._check_g2(None, "f", "x") is None
    with pytest.raises(FormatError, match="G1 curve"):
        zkey_file._check_g1((p1[0], p1[1] + 1), "f", "x")
    with pytest.raises(FormatError, match="G2 twist"):
        zkey_file._check_g2((p2[0], (p2[1][0], p2[1][1] + 1)), "f", "x")
    # a G1 point is not on the twist (b differs): the G2 check must not accept it
    with pytest.raises(FormatError, match="G2 twist"):
        zkey_file._check_g2(((p1[0], 0), (p1[1], 0)), "f", "x")

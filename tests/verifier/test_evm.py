"""EVM encodings: Keccak-256, EIP-196/197 point words (G2 imaginary part first), ``verifyProof`` calldata, EIP-2028.

Oracles: ``hashlib.sha3_256`` (the same Keccak-f[1600] sponge with SHA-3's padding byte), published Keccak-256
vectors, and snarkjs 0.7.6's ``zkey export soliditycalldata`` on the anchors in ``shared/anchors/snarkjs-examples``.
"""

from __future__ import annotations

import hashlib
import json
import random

import pytest
from py_ecc import optimized_bn128 as ob

from tests.oracles.node import snarkjs
from tests.verifier.test_groth16_verify import EXAMPLES, NAMES, load_example, twist_point_outside_g2
from verifier.evm import (
    calldata_gas,
    g1_from_evm,
    g1_to_evm,
    g2_from_evm,
    g2_to_evm,
    keccak256,
    verifier_calldata,
    verify_proof_selector,
    verify_proof_signature,
)
from zksvs.errors import MalformedPoint
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.keccak import _keccak256_sponge


def test_keccak256_known_vectors():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"transfer(address,uint256)")[:4].hex() == "a9059cbb"  # ERC-20 transfer selector


@pytest.mark.parametrize("n", [0, 1, 31, 135, 136, 137, 271, 272, 500])
def test_keccak_sponge_matches_hashlib_sha3_with_sha3_padding(n):
    data = random.Random(n).randbytes(n)
    assert _keccak256_sponge(data, 0x06) == hashlib.sha3_256(data).digest()


def test_verify_proof_selector_is_keccak_of_canonical_signature():
    assert verify_proof_signature(3) == "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[3])"
    assert verify_proof_selector(3) == keccak256(verify_proof_signature(3).encode())[:4]
    with pytest.raises(ValueError, match="must be an int ≥ 1"):
        verify_proof_selector(0)


def test_g2_to_evm_puts_imaginary_part_first():
    x, y = ob.normalize(ob.multiply(ob.G2, 5))
    p = (tuple(x.coeffs), tuple(y.coeffs))
    words = [int.from_bytes(g2_to_evm(p)[i : i + 32], "big") for i in range(0, 128, 32)]
    assert words == [p[0][1], p[0][0], p[1][1], p[1][0]]
    assert g2_from_evm(g2_to_evm(p)) == p


def test_g1_round_trip_and_infinity():
    x, y = ob.normalize(ob.multiply(ob.G1, 9))
    assert g1_from_evm(g1_to_evm((x.n, y.n))) == (x.n, y.n)
    assert g1_to_evm(None) == bytes(64) and g1_from_evm(bytes(64)) is None
    assert g2_to_evm(None) == bytes(128) and g2_from_evm(bytes(128)) is None


def test_evm_decoders_reject_bad_points():
    with pytest.raises(MalformedPoint, match="is not below q"):
        g1_from_evm(FQ_MODULUS.to_bytes(32, "big") + (2).to_bytes(32, "big"))
    with pytest.raises(MalformedPoint, match="is not on the curve"):
        g1_from_evm((1).to_bytes(32, "big") + (3).to_bytes(32, "big"))
    with pytest.raises(MalformedPoint, match="must be 64 bytes, got 63"):
        g1_from_evm(bytes(63))
    (x0, x1), (y0, y1) = twist_point_outside_g2()
    off = g2_to_evm(((x0, x1), (y0, (y1 + 1) % FQ_MODULUS)))
    with pytest.raises(MalformedPoint, match="is not on the twist"):
        g2_from_evm(off)
    # Swapping the halves (real first) gives a different element of Fq2, almost never on the twist.
    on = g2_to_evm(twist_point_outside_g2())
    swapped = on[32:64] + on[:32] + on[96:] + on[64:96]
    with pytest.raises(MalformedPoint, match="is not on the twist"):
        g2_from_evm(swapped)


@pytest.mark.parametrize("name", NAMES)
def test_verifier_calldata_layout(name):
    _, proof, public = load_example(name)
    data = verifier_calldata(proof, public)
    assert len(data) == 4 + 32 * (8 + len(public))
    assert data[:4] == verify_proof_selector(len(public))
    words = [int.from_bytes(data[i : i + 32], "big") for i in range(4, len(data), 32)]
    (bx0, bx1), (by0, by1) = proof.b
    assert words == [*proof.a, bx1, bx0, by1, by0, *proof.c, *public]


@pytest.mark.node
@pytest.mark.parametrize("name", NAMES)
def test_verifier_calldata_matches_snarkjs_soliditycalldata(name, node_tools):
    d = EXAMPLES / name
    out = snarkjs("zkey", "export", "soliditycalldata", d / "public.json", d / "proof.json").stdout
    a, b, c, inputs = json.loads(f"[{out}]")
    theirs = [int(v, 16) for v in (*a, *b[0], *b[1], *c, *inputs)]
    _, proof, public = load_example(name)
    data = verifier_calldata(proof, public)
    assert [int.from_bytes(data[i : i + 32], "big") for i in range(4, len(data), 32)] == theirs


def test_verifier_calldata_encodes_non_canonical_input_but_not_out_of_range():
    _, proof, _ = load_example("multiplier")
    # ≥ r is encodable (the Solidity verifier's checkField rejects it); ≥ 2^256 or negative is not a uint256.
    assert verifier_calldata(proof, [FR_MODULUS, 1])[-64:-32] == FR_MODULUS.to_bytes(32, "big")
    with pytest.raises(ValueError, match=r"public_inputs\[1\]' must be an int in \[0, 2\^256\)"):
        verifier_calldata(proof, [1, -1])
    with pytest.raises(ValueError, match="must be an int ≥ 1"):
        verifier_calldata(proof, [])


def test_calldata_gas_eip2028():
    assert calldata_gas(b"") == 0
    assert calldata_gas(bytes([0, 1, 0, 255])) == 4 + 16 + 4 + 16
    _, proof, public = load_example("multiplier")
    data = verifier_calldata(proof, public)
    zeros = data.count(0)
    assert calldata_gas(data) == 4 * zeros + 16 * (len(data) - zeros)
    assert zeros >= 62  # public = [102, 11]: two words with 31 zero bytes each

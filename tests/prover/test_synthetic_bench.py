"""The 2^20 benchmark's circuit (bench.synthetic.mixed_chain, our own R1CS as matrices) at small sizes: it is a
satisfied R1CS with both witness shapes, keys made from matrices alone prove it, and snarkjs verifies the files the
benchmark writes (.zkey, .wtns, verification_key.json) — the same files snarkjs and groth16py then prove from.

Oracles: the R1CS definition evaluated in Python ints; ``snarkjs groth16 verify`` (0.7.6)."""

from __future__ import annotations

import json

import pytest

from bench.synthetic import N_PUBLIC, mixed_chain
from tests.oracles.node import snarkjs
from zksvs.field import FR_MODULUS
from zksvs.limbs import limbs_to_ints

pytestmark = pytest.mark.prover


def _check_in_python_ints(m, values) -> None:
    def rowsums(sm):
        acc = [0] * m.n_constraints
        for r, w, c in zip(sm.rows, sm.wires, limbs_to_ints(sm.coeffs)):
            acc[int(r)] = (acc[int(r)] + c * values[int(w)]) % FR_MODULUS
        return acc

    a, b, c = rowsums(m.A), rowsums(m.B), rowsums(m.C)
    assert all(x * y % FR_MODULUS == z for x, y, z in zip(a, b, c))


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_mixed_chain_is_satisfied_with_bits_and_field_elements(n):
    m, values = mixed_chain(n)
    assert (m.n_constraints, m.n_public, len(values)) == (n, N_PUBLIC, m.n_wires)
    assert values[0] == 1 and values[2] == 3
    _check_in_python_ints(m, values)
    if n >= 50:  # seed 3 squares to full width after 8 squarings (3^256 > r)
        bits = sum(v in (0, 1) for v in values[3:])
        wide = sum(v.bit_length() > 128 for v in values[3:])
        assert bits >= n // 3 and wide >= n // 3 - 8


@pytest.mark.node
def test_mixed_chain_keys_from_matrices_prove_and_snarkjs_verifies(node_tools, tmp_path):
    import warnings

    from prover import InsecureSetupWarning, prove_from_zkey, setup
    from zksvs.formats.snarkjs_json import write_proof, write_public_inputs, write_verifying_key
    from zksvs.formats.wtns_file import write_wtns
    from zksvs.formats.zkey_file import write_zkey

    m, values = mixed_chain(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup(m, seed="synthetic-test")
    write_zkey(pk, m, tmp_path / "c.zkey")
    write_wtns(values, tmp_path / "w.wtns")
    write_verifying_key(pk.vk, tmp_path / "vk.json")
    proof, public, _ = prove_from_zkey(tmp_path / "c.zkey", tmp_path / "w.wtns")
    assert public == values[1 : 1 + N_PUBLIC]
    write_proof(proof, tmp_path / "proof.json")
    write_public_inputs(public, tmp_path / "public.json")
    assert "OK" in snarkjs("groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json",
                           tmp_path / "proof.json").stdout  # fmt: skip
    # snarkjs proves from the same files and agrees on the public signals
    snarkjs("groth16", "prove", tmp_path / "c.zkey", tmp_path / "w.wtns", tmp_path / "p2.json", tmp_path / "pub2.json")
    assert json.loads((tmp_path / "pub2.json").read_text()) == [str(v) for v in public]

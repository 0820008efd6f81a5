"""Groth16 phase 2 from a prepared .ptau (``prover.setup_from_ptau``) against ``snarkjs groth16 setup``.

Oracles: snarkjs 0.7.6 (``groth16 setup`` makes the reference ``_0000.zkey`` from the same .r1cs and .ptau; ``zkey
verify`` judges our written key; ``groth16 prove``/``verify`` judge proofs), py_ecc (sparse sums of random points,
the wNAF kernel's digits as Python ints). Anchors: ../shared/anchors/snarkjs-examples (circom 2 circuits with
.r1cs/.wtns) and ../shared/anchors/ptau (pot8, pot14 prepared by snarkjs). The bigger run builds our Merkle-membership
circuit (circuits/merkle_membership.py, 5,103 constraints) and times both setups in the same run; ratios are
printed, never asserted.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from prover import prove_from_zkey, setup_from_ptau
from prover.glv import glv, glv_split
from prover.kernels.curve import jac_to_affine_arr
from prover.kernels.sparse_sums import odd_multiples, sparse_sums, wnaf
from prover.sparse_sums import signed_naf
from tests.oracles.node import ROOT, snarkjs
from zksvs.errors import CircuitTooLarge
from zksvs.field import FR_MODULUS
from zksvs.formats.ptau_file import read_ptau
from zksvs.formats.r1cs_file import read_r1cs, write_r1cs
from zksvs.formats.snarkjs_json import write_proof, write_public_inputs
from zksvs.formats.zkey_file import circuit_hash_of, read_zkey, write_zkey
from zksvs.groth16 import g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import R1CS, Constraint, LinearCombination

pytestmark = pytest.mark.prover

R = FR_MODULUS
ANCHORS = ROOT.parent / "shared" / "anchors"
EXAMPLES = ANCHORS / "snarkjs-examples"
POT8 = ANCHORS / "ptau" / "pot8_final.ptau"
POT14 = ANCHORS / "ptau" / "pot14_final.ptau"
POT16 = ANCHORS / "ptau" / "pot16_final.ptau"
CIRCUITS = ["multiplier", "poseidon_preimage"]
POINT_FIELDS = ("a_query", "b_g1_query", "b_g2_query", "c_query", "h_query")
HEADER_FIELDS = ("n_wires", "n_public", "domain_size", "alpha_g1", "beta_g1", "delta_g1", "beta_g2", "delta_g2")


def _r1cs_path(name: str) -> Path:
    return EXAMPLES / name / f"{name}.r1cs"


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _assert_same_key(ours, zkey_file) -> None:
    theirs = zkey_file.proving_key
    for f in HEADER_FIELDS:
        assert getattr(ours, f) == getattr(theirs, f), f
    for f in POINT_FIELDS:
        a, b = np.asarray(getattr(ours, f)), np.asarray(getattr(theirs, f))
        assert a.shape == b.shape, f
        bad = np.flatnonzero((a != b).reshape(a.shape[0], -1).any(axis=1))
        assert bad.size == 0, f"{f}: {bad.size} points differ, first at {bad[:5]}"
    assert ours.vk == theirs.vk
    assert ours.cs_hash == circuit_hash_of(zkey_file)


def _snarkjs_verify(zkey: Path, proof: Path, public: Path, work: Path) -> subprocess.CompletedProcess:
    snarkjs("zkey", "export", "verificationkey", zkey, work / "vk.json")
    return snarkjs("groth16", "verify", work / "vk.json", public, proof, check=False)


# --- kernels against Python ints / py_ecc ---------------------------------------------------------------------


@pytest.mark.parametrize("w", [2, 4, 5, 7, 8])
def test_wnaf_digits_recompose_and_are_sparse(w):
    rng = random.Random(w)
    values = [0, 1, 2, 3, (1 << w) - 1, 1 << 64, (1 << 64) - 1, R // 2, (R - 1) // 2] + [
        rng.randrange(R // 2) for _ in range(40)
    ]
    digits, top = wnaf(ints_to_limbs(values).reshape(-1, 4), w, 256)
    for v, ds, t in zip(values, digits, top):
        nz = np.flatnonzero(ds)
        assert sum(int(ds[i]) << int(i) for i in nz) == v
        assert t == (nz[-1] if nz.size else -1)
        assert all(int(ds[i]) % 2 == 1 and abs(int(ds[i])) < (1 << (w - 1)) for i in nz)
        assert all(b - a >= w for a, b in itertools.pairwise(nz))


def test_signed_naf_takes_the_short_side():
    # width 4: odd digits in (-8, 8); 9 = 16 - 7 needs two digits, -5 = (r - 5) - r one
    digits, top = signed_naf([1, R - 1, R - 5, 9], 4)
    assert [int(t) for t in top] == [0, 0, 0, 4]
    assert [sum(int(d) << i for i, d in enumerate(row)) for row in digits] == [1, -1, -5, 9]


def test_glv_split_is_short_and_exact():
    # φ(x, y) = (β·x, y) is λ·(x, y) on G1 (py_ecc), and k = k1 + k2·λ with |k1|, |k2| < 2^128
    lam, beta = glv().lam, glv().beta_g1
    g = bn.normalize(bn.G1)
    lam_g = bn.normalize(bn.multiply(bn.G1, lam))
    assert (int(lam_g[0].n), int(lam_g[1].n)) == (beta * int(g[0].n) % bn.field_modulus, int(g[1].n))
    rng = random.Random(5)
    for k in [0, 1, R - 1, 2, R - 2, lam, R // 2] + [rng.randrange(R) for _ in range(200)]:
        k1, k2 = glv_split(k)
        assert (k1 + k2 * lam - k) % R == 0
        assert abs(k1) < 1 << 128 and abs(k2) < 1 << 128
    assert glv_split(1) == (1, 0) and glv_split(R - 1) == (-1, 0)


def _random_sparse_case(seed: int, n_points: int, n_out: int, n_entries: int):
    rng = random.Random(seed)
    scalars_g = [rng.randrange(1, R) for _ in range(n_points)]
    coeffs = [0, 1, R - 1, 2, R - 2, 3, 1 << 70, R - (1 << 70)] + [rng.randrange(R) for _ in range(8)]
    entries = [(rng.randrange(n_out), rng.randrange(n_points), rng.randrange(len(coeffs))) for _ in range(n_entries)]
    entries.sort(key=lambda e: e[0])
    out = np.array([e[0] for e in entries], dtype=np.int64)
    ptr = np.zeros(n_out + 1, dtype=np.int64)
    np.cumsum(np.bincount(out, minlength=n_out), out=ptr[1:])
    base = np.array([e[1] for e in entries], dtype=np.int64)
    val = np.array([e[2] for e in entries], dtype=np.int64)
    expect = [sum(coeffs[v] * scalars_g[b] for o2, b, v in entries if o2 == o) % R for o in range(n_out)]
    return scalars_g, coeffs, ptr, base, val, expect


@pytest.mark.parametrize("w", [2, 5])
def test_g1_sparse_sums_match_py_ecc(w):
    sg, coeffs, ptr, base, val, expect = _random_sparse_case(10 + w, 6, 7, 30)
    pts = [bn.normalize(bn.multiply(bn.G1, k)) for k in sg]
    aff = g1_to_limbs([(int(p[0].n), int(p[1].n)) for p in pts])
    n_odd = 1 << (w - 2)
    offs = np.arange(len(aff) + 1, dtype=np.int64) * n_odd
    table = odd_multiples(aff, offs, 2)
    digits, top = signed_naf(coeffs, w)
    got = g1_from_limbs(jac_to_affine_arr(sparse_sums(table, offs, ptr, base, val, digits, top)))
    for o, e in enumerate(expect):
        ref = None if e == 0 else tuple(int(c.n) for c in bn.normalize(bn.multiply(bn.G1, e)))
        assert got[o] == ref, o


def test_g2_sparse_sums_match_py_ecc():
    w = 4
    sg, coeffs, ptr, base, val, expect = _random_sparse_case(3, 4, 5, 14)
    pts = [bn.normalize(bn.multiply(bn.G2, k)) for k in sg]
    aff = g2_to_limbs([tuple(tuple(int(c) for c in q.coeffs) for q in p) for p in pts])
    n_odd = 1 << (w - 2)
    offs = np.arange(len(aff) + 1, dtype=np.int64) * n_odd
    table = odd_multiples(aff, offs, 2)
    digits, top = signed_naf(coeffs, w)
    got = g2_from_limbs(jac_to_affine_arr(sparse_sums(table, offs, ptr, base, val, digits, top)))
    for o, e in enumerate(expect):
        ref = None
        if e:
            p = bn.normalize(bn.multiply(bn.G2, e))
            ref = tuple(tuple(int(c) for c in q.coeffs) for q in p)
        assert got[o] == ref, o


# --- against snarkjs on the anchors -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snarkjs_keys(node_tools, tmp_path_factory):
    work = tmp_path_factory.mktemp("snarkjs-setup")
    out = {}
    for name in CIRCUITS:
        zkey = work / f"{name}_0000.zkey"
        snarkjs("groth16", "setup", _r1cs_path(name), POT8, zkey)
        out[name] = zkey
    return out


@pytest.mark.node
@pytest.mark.parametrize("name", CIRCUITS)
def test_setup_from_ptau_equals_snarkjs_groth16_setup(name, snarkjs_keys):
    ours = setup_from_ptau(read_r1cs(_r1cs_path(name)), POT8)
    _assert_same_key(ours, read_zkey(snarkjs_keys[name]))


@pytest.mark.node
def test_setup_from_ptau_accepts_a_read_ptau(snarkjs_keys):
    ours = setup_from_ptau(read_r1cs(_r1cs_path("multiplier")), read_ptau(POT8))
    _assert_same_key(ours, read_zkey(snarkjs_keys["multiplier"]))


@pytest.mark.node
@pytest.mark.parametrize("name", CIRCUITS)
def test_zksvs_setup_passes_snarkjs_zkey_verify_and_proves(name, node_tools, tmp_path):
    zkey = tmp_path / f"{name}.zkey"
    proc = _cli("setup", _r1cs_path(name), POT8, zkey)
    assert proc.returncode == 0, proc.stderr
    check = snarkjs("zkey", "verify", _r1cs_path(name), POT8, zkey, check=False)
    assert check.returncode == 0 and "ZKey Ok!" in check.stdout + check.stderr, check.stdout + check.stderr
    # our prover on our key, judged by snarkjs
    proof, public, _ = prove_from_zkey(zkey, EXAMPLES / name / f"{name}.wtns")
    write_proof(proof, tmp_path / "proof.json")
    write_public_inputs(public, tmp_path / "public.json")
    ok = _snarkjs_verify(zkey, tmp_path / "proof.json", tmp_path / "public.json", tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    expected_public = json.loads((EXAMPLES / name / "public.json").read_text())
    assert [str(v) for v in public] == expected_public


@pytest.mark.node
def test_snarkjs_zkey_verify_rejects_our_key_for_another_circuit(node_tools, tmp_path):
    zkey = tmp_path / "m.zkey"
    r1cs = read_r1cs(_r1cs_path("multiplier"))
    write_zkey(setup_from_ptau(r1cs, POT8), r1cs.to_matrices(include_c=False), zkey)
    check = snarkjs("zkey", "verify", _r1cs_path("poseidon_preimage"), POT8, zkey, check=False)
    assert "ZKey Ok!" not in check.stdout + check.stderr


@pytest.mark.node
def test_zksvs_prove_cli_on_our_setup_key_verifies_in_snarkjs(node_tools, tmp_path):
    name = "poseidon_preimage"
    zkey = tmp_path / "k.zkey"
    assert _cli("setup", _r1cs_path(name), POT8, zkey).returncode == 0
    proc = _cli("prove", zkey, EXAMPLES / name / f"{name}.wtns", tmp_path / "proof.json", tmp_path / "public.json")
    assert proc.returncode == 0, proc.stderr
    ok = _snarkjs_verify(zkey, tmp_path / "proof.json", tmp_path / "public.json", tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    # a wrong public input is refused by snarkjs (the check can fail)
    public = json.loads((tmp_path / "public.json").read_text())
    (tmp_path / "bad.json").write_text(json.dumps([str((int(public[0]) + 1) % R)]))
    bad = _snarkjs_verify(zkey, tmp_path / "proof.json", tmp_path / "bad.json", tmp_path)
    assert "OK" not in bad.stdout


def _chain(n_constraints: int) -> R1CS:
    """x_{k+1} = x_k · x_k with wire 1 public: n_constraints rows, n_constraints + 2 wires."""
    cons = [
        Constraint(LinearCombination.wire(k + 1), LinearCombination.wire(k + 1), LinearCombination.wire(k + 2))
        for k in range(n_constraints)
    ]
    return R1CS(n_wires=n_constraints + 2, n_public=1, constraints=cons)


def test_setup_from_ptau_rejects_a_circuit_too_large_for_the_ptau():
    # 254 + 1 + 1 = 256 rows fit 2^8; one more constraint needs 2^9
    setup_from_ptau(_chain(254), POT8)
    with pytest.raises(
        CircuitTooLarge, match=r"circuit of 255 constraints \(needs 2\^9\) exceeds the domain limit 2\^8"
    ):
        setup_from_ptau(_chain(255), POT8)


@pytest.mark.node
def test_snarkjs_also_refuses_the_too_large_circuit(node_tools, tmp_path):
    write_r1cs(_chain(255), tmp_path / "c.r1cs")
    proc = snarkjs("groth16", "setup", tmp_path / "c.r1cs", POT8, tmp_path / "c.zkey", check=False)
    assert "circuit too big" in (proc.stdout + proc.stderr).lower()
    proc = _cli("setup", tmp_path / "c.r1cs", POT8, tmp_path / "ours.zkey")
    assert proc.returncode != 0 and "exceeds the domain limit 2^8" in proc.stderr


# --- development keys: snarkjs proves and verifies with them -----------------------------------------------------


@pytest.mark.node
@pytest.mark.parametrize("name", CIRCUITS)
def test_devsetup_key_works_with_snarkjs_prove_and_verify(name, node_tools, tmp_path):
    zkey = tmp_path / "dev.zkey"
    proc = _cli("devsetup", _r1cs_path(name), zkey, "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    assert "INSECURE" in proc.stderr
    snarkjs("groth16", "prove", zkey, EXAMPLES / name / f"{name}.wtns", tmp_path / "proof.json", tmp_path / "pub.json")
    ok = _snarkjs_verify(zkey, tmp_path / "proof.json", tmp_path / "pub.json", tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    # not from the ptau: zkey verify must say so
    check = snarkjs("zkey", "verify", _r1cs_path(name), POT8, zkey, check=False)
    assert "ZKey Ok!" not in check.stdout + check.stderr


# --- a bigger circuit: time against snarkjs in the same run ------------------------------------------------------


@pytest.mark.node
@pytest.mark.slow
def test_merkle_membership_setup_equals_snarkjs_and_is_timed(node_tools, tmp_path):
    from circuits.merkle_membership import build_merkle_membership

    r1cs, _ = build_merkle_membership()
    path = tmp_path / "merkle.r1cs"
    write_r1cs(r1cs, path)
    r1cs = read_r1cs(path)
    setup_from_ptau(read_r1cs(_r1cs_path("multiplier")), POT8)  # kernels compiled / loaded from cache
    t0 = time.perf_counter()
    ours = setup_from_ptau(r1cs, POT14)
    ours_s = time.perf_counter() - t0
    zkey = tmp_path / "merkle_0000.zkey"
    t0 = time.perf_counter()
    snarkjs("groth16", "setup", path, POT14, zkey)
    theirs_s = time.perf_counter() - t0
    _assert_same_key(ours, read_zkey(zkey))
    print(
        f"\nsetup of {r1cs.n_constraints} constraints (domain 2^{ours.domain_size.bit_length() - 1}, pot14): "
        f"zksvs {ours_s:.1f} s, snarkjs {theirs_s:.1f} s, ratio {ours_s / theirs_s:.3f}"
    )


@pytest.mark.node
@pytest.mark.slow
def test_domain_at_the_ptau_power_reproduces_snarkjs_circuit_hash(node_tools, tmp_path):
    # 40,000 + 1 + 1 rows → domain 2^16 = 2^power of pot16: snarkjs hashes 2^16 H points (chunks of 2^14), the last
    # one made from the 64 bytes after section tauG1; zkey verify compares exactly this hash.
    r1cs = _chain(40_000)
    path = tmp_path / "chain.r1cs"
    write_r1cs(r1cs, path)
    t0 = time.perf_counter()
    ours = setup_from_ptau(read_r1cs(path), POT16)
    ours_s = time.perf_counter() - t0
    zkey = tmp_path / "chain_0000.zkey"
    t0 = time.perf_counter()
    snarkjs("groth16", "setup", path, POT16, zkey)
    theirs_s = time.perf_counter() - t0
    assert ours.domain_size == 1 << 16
    _assert_same_key(ours, read_zkey(zkey))
    print(f"\nsetup of a 40,000-constraint chain (pot16): zksvs {ours_s:.1f} s, snarkjs {theirs_s:.1f} s")

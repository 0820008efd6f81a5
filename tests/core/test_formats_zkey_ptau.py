"""snarkjs Groth16 .zkey read/write and .ptau reading.

Oracles: the anchor ``_final.zkey`` files and their ``verification_key.json`` (snarkjs 0.7.6), the anchor ``.r1cs``
and witness, the anchor ``pot8_final.ptau`` (the phase 1 those zkeys were made from: their α and β match), py_ecc
for the curve identities, and ``snarkjs zkey export verificationkey`` / ``groth16 prove`` / ``groth16 verify`` on
zkeys we write.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from py_ecc import bn128 as b
from py_ecc import optimized_bn128 as ob

from tests.oracles.node import snarkjs
from zksvs.errors import FormatError, NonCanonicalFieldElement, TruncatedFile, WrongFileType
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.binfile import to_bytes
from zksvs.formats.ptau_file import read_ptau, read_ptau_header
from zksvs.formats.r1cs_file import read_r1cs
from zksvs.formats.snarkjs_json import read_verifying_key, verifying_key_from_json
from zksvs.formats.zkey_file import empty_contributions, export_verifying_key, read_zkey, write_zkey
from zksvs.groth16 import ProvingKey, g1_from_limbs, g2_from_limbs
from zksvs.limbs import limbs_to_ints

ANCHORS = Path(__file__).resolve().parents[2].parent / "shared" / "anchors"
EXAMPLES = ANCHORS / "snarkjs-examples"
POT8 = ANCHORS / "ptau" / "pot8_final.ptau"
POT14 = ANCHORS / "ptau" / "pot14_final.ptau"
CIRCUITS = ["multiplier", "poseidon_preimage"]


def _zkey_path(name: str) -> Path:
    return EXAMPLES / name / f"{name}_final.zkey"


def _witness(name: str) -> list[int]:
    return [int(v) for v in json.loads((EXAMPLES / name / "witness.json").read_text())]


def _sections(data: bytes) -> list[tuple[int, int, int]]:
    """(id, data offset, size) of each section, parsed independently of the code under test."""
    n = struct.unpack_from("<I", data, 8)[0]
    pos, out = 12, []
    for _ in range(n):
        sid, size = struct.unpack_from("<IQ", data, pos)
        out.append((sid, pos + 12, size))
        pos += 12 + size
    return out


def _g1(p):
    return None if p is None else (b.FQ(p[0]), b.FQ(p[1]))


def _g2(p):
    return None if p is None else (b.FQ2(list(p[0])), b.FQ2(list(p[1])))


def _sum(points, add=b.add):
    acc = None
    for p in points:
        if p is not None:
            acc = add(acc, p) if acc is not None else p
    return acc


# --- zkey -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CIRCUITS)
def test_zkey_verifying_key_equals_anchor_json(name):
    expected = read_verifying_key(EXAMPLES / name / "verification_key.json")
    z = read_zkey(_zkey_path(name))
    assert z.verifying_key == expected
    assert export_verifying_key(_zkey_path(name)) == expected
    assert export_verifying_key(z) == expected


@pytest.mark.parametrize("name", CIRCUITS)
def test_zkey_matrices_equal_r1cs_and_hold_for_witness(name):
    z = read_zkey(_zkey_path(name))
    cs = read_r1cs(EXAMPLES / name / f"{name}.r1cs")
    ref = cs.to_matrices()
    m = z.matrices
    assert (m.n_constraints, m.n_wires, m.n_public, m.C) == (cs.n_constraints, cs.n_wires, cs.n_public, None)
    for got, want in ((m.A, ref.A), (m.B, ref.B)):
        np.testing.assert_array_equal(got.rows, want.rows)
        np.testing.assert_array_equal(got.wires, want.wires)
        np.testing.assert_array_equal(got.coeffs, want.coeffs)
    w = _witness(name)

    def mat_vec(sm) -> list[int]:
        out = [0] * m.n_constraints
        for r, s, c in zip(sm.rows.tolist(), sm.wires.tolist(), limbs_to_ints(sm.coeffs)):
            out[r] = (out[r] + c * w[s]) % FR_MODULUS
        return out

    aw, bw, cw = mat_vec(m.A), mat_vec(m.B), mat_vec(ref.C)
    assert [x * y % FR_MODULUS for x, y in zip(aw, bw)] == cw
    w[-1] += 1
    assert [x * y % FR_MODULUS for x, y in zip(mat_vec(m.A), mat_vec(m.B))] != mat_vec(ref.C)


@pytest.mark.parametrize("name", CIRCUITS)
def test_write_zkey_reproduces_anchor_bytes(name):
    path = _zkey_path(name)
    z = read_zkey(path)
    assert to_bytes(write_zkey, z.proving_key, z.matrices, contributions=z.contributions) == path.read_bytes()
    # the matrices of the .r1cs (ordered by constraint) give the same coefficients section
    m = read_r1cs(EXAMPLES / name / f"{name}.r1cs").to_matrices(include_c=False)
    assert to_bytes(write_zkey, z.proving_key, m, contributions=z.contributions) == path.read_bytes()


def test_zkey_a_and_b2_points_are_lagrange_combinations_from_ptau():
    """A_s = Σ_rows A[row][s]·L_row(τ)·G1 over the circuit and input rows (zkey_new.js); B2 likewise in G2."""
    z = read_zkey(_zkey_path("multiplier"))
    pk, m = z.proving_key, z.matrices
    ptau = read_ptau(POT8)
    log_n = pk.domain_size.bit_length() - 1
    lg1 = g1_from_limbs(ptau.lagrange_tau_g1(log_n))
    lg2 = g2_from_limbs(ptau.lagrange_tau_g2(log_n))
    terms_a = [(r, s, c) for r, s, c in zip(m.A.rows.tolist(), m.A.wires.tolist(), limbs_to_ints(m.A.coeffs))]
    terms_a += [(m.n_constraints + s, s, 1) for s in range(m.n_public + 1)]
    terms_b = list(zip(m.B.rows.tolist(), m.B.wires.tolist(), limbs_to_ints(m.B.coeffs)))
    a_pts, b2_pts = g1_from_limbs(pk.a_query), g2_from_limbs(pk.b_g2_query)
    for s in range(pk.n_wires):
        exp_a = _sum(b.multiply(_g1(lg1[r]), c) for r, w, c in terms_a if w == s)
        assert exp_a == _g1(a_pts[s]), f"A[{s}]"
        exp_b = _sum(b.multiply(_g2(lg2[r]), c) for r, w, c in terms_b if w == s)
        assert exp_b == _g2(b2_pts[s]), f"B2[{s}]"


def test_zkey_point_sections_are_views():
    z = read_zkey(_zkey_path("poseidon_preimage"))
    pk = z.proving_key
    assert pk.a_query.shape == (243, 2, 4) and pk.b_g2_query.shape == (243, 2, 2, 4)
    assert pk.c_query.shape == (243 - 1 - 1, 2, 4) and pk.h_query.shape == (256, 2, 4)
    for arr in (pk.a_query, pk.b_g1_query, pk.b_g2_query, pk.c_query, pk.h_query):
        assert arr.dtype == np.dtype("<u8") and not arr.flags.owndata and not arr.flags.writeable


@pytest.mark.node
@pytest.mark.parametrize("name", CIRCUITS)
def test_snarkjs_accepts_our_written_zkey(node_tools, tmp_path, name):
    z = read_zkey(_zkey_path(name))
    pk = z.proving_key
    # rebuild the key from copies, with no contributions, so nothing is carried over from the file as raw bytes
    fields = {k: getattr(pk, k) for k in ProvingKey.__dataclass_fields__}
    for k in ("a_query", "b_g1_query", "b_g2_query", "c_query", "h_query"):
        fields[k] = np.array(fields[k], copy=True)
    ours = tmp_path / "ours.zkey"
    write_zkey(ProvingKey(**fields), z.matrices, ours, contributions=empty_contributions())
    assert read_zkey(ours).verifying_key == pk.vk

    snarkjs("zkey", "export", "verificationkey", ours, tmp_path / "vk.json")
    exported = json.loads((tmp_path / "vk.json").read_text())
    assert exported == json.loads((EXAMPLES / name / "verification_key.json").read_text())
    assert verifying_key_from_json(exported) == pk.vk

    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    snarkjs("groth16", "prove", ours, EXAMPLES / name / f"{name}.wtns", proof, public)
    out = snarkjs("groth16", "verify", EXAMPLES / name / "verification_key.json", public, proof)
    assert "OK!" in out.stdout


def _zkey_cuts() -> list[tuple[int, str]]:
    data = _zkey_path("multiplier").read_bytes()
    names = {1: "header", 2: "groth16 header", 3: "IC", 4: "coefficients", 5: "A", 6: "B1", 7: "B2", 8: "C"}
    names.update({9: "H", 10: "contributions"})
    cuts = [(5, "file header"), (11, "file header")]
    for sid, off, size in _sections(data):
        cuts.append((off + size // 2, names[sid]))  # inside the section's bytes
        cuts.append((off - 6, names[sid]))  # inside its section header (id readable)
        cuts.append((off - 12, names[sid]))  # at the boundary: the section is missing
    return cuts


@pytest.mark.parametrize(("cut", "section"), _zkey_cuts())
def test_read_zkey_truncated_names_section(cut, section):
    data = _zkey_path("multiplier").read_bytes()[:cut]
    with pytest.raises(TruncatedFile, match=f"section '{section}' is truncated") as e:
        read_zkey(data)
    assert e.value.section == section and e.value.got_bytes < e.value.expected_bytes


@pytest.mark.parametrize(("protocol", "name"), [(2, "plonk"), (10, "fflonk"), (7, "unknown")])
def test_read_zkey_rejects_other_protocols(protocol, name):
    data = bytearray(_zkey_path("multiplier").read_bytes())
    sid, off, _ = _sections(bytes(data))[0]
    assert sid == 1 and struct.unpack_from("<I", data, off)[0] == 1
    struct.pack_into("<I", data, off, protocol)
    with pytest.raises(WrongFileType, match=rf"protocol id is {protocol} \({name}\), expected 1 \(groth16\)"):
        read_zkey(bytes(data))
    with pytest.raises(WrongFileType, match="protocol id"):
        export_verifying_key(bytes(data))


def test_read_zkey_rejects_wrong_curve_and_magic():
    data = bytearray(_zkey_path("multiplier").read_bytes())
    _, off, _ = _sections(bytes(data))[1]
    data[off + 4] ^= 1  # q
    with pytest.raises(WrongFileType, match="base field"):
        read_zkey(bytes(data))
    with pytest.raises(WrongFileType, match="magic"):
        read_zkey(POT8)


def test_read_zkey_rejects_noncanonical_point_and_coefficient():
    clean = _zkey_path("multiplier").read_bytes()
    secs = {sid: (off, size) for sid, off, size in _sections(clean)}
    data = bytearray(clean)
    off = secs[5][0] + 64 + 32  # A[1].y
    data[off : off + 32] = (FQ_MODULUS + 1).to_bytes(32, "little")
    with pytest.raises(NonCanonicalFieldElement, match=r"A point coordinate\[1\]\[1\]"):
        read_zkey(bytes(data))
    data = bytearray(clean)
    off = secs[4][0] + 4 + 12  # value of coefficient 0
    data[off : off + 32] = FR_MODULUS.to_bytes(32, "little")
    with pytest.raises(NonCanonicalFieldElement, match=r"coefficients value\[0\]"):
        read_zkey(bytes(data))


def test_read_zkey_rejects_wrong_section_size():
    data = bytearray(_zkey_path("multiplier").read_bytes())
    _, off, _ = _sections(bytes(data))[1]
    struct.pack_into("<I", data, off + 4 + 32 + 4 + 32, 6)  # nVars 5 -> 6: section A is now one point short
    with pytest.raises(TruncatedFile, match=r"section 'IC'|section 'A'"):
        read_zkey(bytes(data))


def test_write_zkey_rejects_mismatched_matrices():
    z = read_zkey(_zkey_path("multiplier"))
    other = read_r1cs(EXAMPLES / "poseidon_preimage" / "poseidon_preimage.r1cs").to_matrices()
    with pytest.raises(ValueError, match=r"matrices have \(n_wires, n_public\)"):
        to_bytes(write_zkey, z.proving_key, other)


# --- ptau -------------------------------------------------------------------------------------------------------


def test_read_ptau_pot8_shapes_and_generators():
    p = read_ptau(POT8)
    assert (p.power, p.ceremony_power, p.prepared) == (8, 8, True)
    assert p.tau_g1.shape == (511, 2, 4) and p.tau_g2.shape == (256, 2, 2, 4)
    assert p.alpha_tau_g1.shape == p.beta_tau_g1.shape == (256, 2, 4) and p.beta_g2.shape == (2, 2, 4)
    assert p.l_tau_g1.shape == (1023, 2, 4) and p.l_tau_g2.shape == (511, 2, 2, 4)
    assert p.l_alpha_tau_g1.shape == p.l_beta_tau_g1.shape == (511, 2, 4)
    assert _g1(g1_from_limbs(p.tau_g1[:1])[0]) == b.G1
    assert _g2(g2_from_limbs(p.tau_g2[:1])[0]) == b.G2


def test_read_ptau_powers_pair_consistently():
    """e(τ·G1, G2) = e(G1, τ·G2) and e(β·G1, G2) = e(G1, β·G2), via py_ecc; τ² in place of τ fails."""
    p = read_ptau(POT8)
    t1 = g1_from_limbs(p.tau_g1[:3])
    t2 = g2_from_limbs(p.tau_g2[:2])
    beta1 = g1_from_limbs(p.beta_tau_g1[:1])[0]
    beta2 = g2_from_limbs(p.beta_g2[None])[0]

    def P1(q):
        return (ob.FQ(q[0]), ob.FQ(q[1]), ob.FQ.one())

    def P2(q):
        return (ob.FQ2(list(q[0])), ob.FQ2(list(q[1])), ob.FQ2.one())

    def equal_pairings(a1, a2, c1, c2) -> bool:
        f = ob.pairing(P2(a2), P1(a1), final_exponentiate=False)
        g = ob.pairing(P2(c2), ob.neg(P1(c1)), final_exponentiate=False)
        return ob.final_exponentiate(f * g) == ob.FQ12.one()

    assert equal_pairings(t1[1], t2[0], t1[0], t2[1])
    assert equal_pairings(beta1, t2[0], t1[0], beta2)
    assert not equal_pairings(t1[2], t2[0], t1[0], t2[1])


@pytest.mark.parametrize("log_n", [0, 1, 3, 8, 9])
def test_ptau_lagrange_g1_sums_to_generator(log_n):
    """Σ_i L_i(τ) = 1 on every domain, so Σ_i lTauG1[i] = G1 (also at the top level 2^(p+1))."""
    p = read_ptau(POT8)
    level = p.lagrange_tau_g1(log_n)
    assert level.shape == (1 << log_n, 2, 4)
    assert _sum(_g1(q) for q in g1_from_limbs(level)) == b.G1


def test_ptau_lagrange_g2_and_alpha_sum_to_their_constants():
    p = read_ptau(POT8)
    assert _sum(_g2(q) for q in g2_from_limbs(p.lagrange_tau_g2(4))) == b.G2
    alpha = _g1(g1_from_limbs(p.alpha_tau_g1[:1])[0])
    assert _sum(_g1(q) for q in g1_from_limbs(p.lagrange_alpha_tau_g1(5))) == alpha
    with pytest.raises(ValueError, match=r"'log_n' must be in \[0, 8\]"):
        p.lagrange_tau_g2(9)


def test_read_ptau_header_pot14():
    h = read_ptau_header(POT14)
    assert (h.power, h.ceremony_power) == (14, 14)


@pytest.mark.parametrize("section", ["tauG2", "contributions", "lTauG1", "lBetaTauG1"])
def test_read_ptau_truncated_names_section(section):
    data = POT8.read_bytes()
    ids = {"tauG2": 3, "contributions": 7, "lTauG1": 12, "lBetaTauG1": 15}
    (off, size) = next((o, s) for sid, o, s in _sections(data) if sid == ids[section])
    for cut in (off + size - 1, off - 12):
        with pytest.raises(TruncatedFile, match=f"section '{section}' is truncated"):
            read_ptau(data[:cut])


def test_read_ptau_rejects_noncanonical_point_and_other_files():
    data = bytearray(POT8.read_bytes())
    (off, _) = next((o, s) for sid, o, s in _sections(bytes(data)) if sid == 13)
    data[off + 64 : off + 96] = (FQ_MODULUS + 3).to_bytes(32, "little")
    with pytest.raises(NonCanonicalFieldElement, match=r"lTauG2 coordinate\[0\]\[1\]\[0\]"):
        read_ptau(bytes(data))
    read_ptau(bytes(data), check=False)
    with pytest.raises(WrongFileType, match="magic"):
        read_ptau(_zkey_path("multiplier"))
    with pytest.raises(FormatError, match="header"):
        read_ptau(POT8.read_bytes()[:30])


@pytest.mark.node
def test_read_zkey_of_snarkjs_setup_on_our_r1cs(node_tools, tmp_path):
    """A fresh ``snarkjs groth16 setup`` key (no contributions) for an R1CS we wrote, with an empty-A/B row."""
    from zksvs.formats.r1cs_file import write_r1cs
    from zksvs.r1cs import R1CS, Constraint
    from zksvs.r1cs import LinearCombination as L

    # wires: 0 = 1, 1 = out (public output), 2 = x (public input), 3 = y, 4 = y²
    cons = [
        Constraint(L.wire(3), L.wire(3), L.wire(4), "sq"),
        Constraint(L(), L(), L({1: 1, 4: FR_MODULUS - 1, 2: 2**200, 0: FR_MODULUS - 5}), "linear"),
        Constraint(L.wire(2) + 1, L.wire(3, 3), L.wire(1) + L.wire(4), "mix"),
    ]
    cs = R1CS(n_wires=5, n_public=2, constraints=cons, n_outputs=1, n_private_inputs=1)
    write_r1cs(cs, tmp_path / "c.r1cs")
    snarkjs("groth16", "setup", tmp_path / "c.r1cs", POT8, tmp_path / "c.zkey")
    snarkjs("zkey", "export", "verificationkey", tmp_path / "c.zkey", tmp_path / "vk.json")
    z = read_zkey(tmp_path / "c.zkey")
    assert z.verifying_key == read_verifying_key(tmp_path / "vk.json")
    ref = cs.to_matrices(include_c=False)
    assert (z.matrices.n_constraints, z.proving_key.domain_size) == (3, 8)
    for got, want in ((z.matrices.A, ref.A), (z.matrices.B, ref.B)):
        np.testing.assert_array_equal(got.rows, want.rows)
        np.testing.assert_array_equal(got.wires, want.wires)
        np.testing.assert_array_equal(got.coeffs, want.coeffs)
    assert z.contributions[64:] == struct.pack("<I", 0)
    # a fresh setup writes its sections in the order 1, 2, 4, 3, 9, 8, 5, 6, 7, 10 (zkey_new.js); ours are 1 … 10
    # (as after `zkey contribute`), so compare section by section
    theirs = (tmp_path / "c.zkey").read_bytes()
    ours = to_bytes(write_zkey, z.proving_key, z.matrices, contributions=z.contributions)
    assert [sid for sid, _, _ in _sections(theirs)] == [1, 2, 4, 3, 9, 8, 5, 6, 7, 10]
    by_id = {sid: theirs[o : o + n] for sid, o, n in _sections(theirs)}
    assert [(sid, ours[o : o + n]) for sid, o, n in _sections(ours)] == [(sid, by_id[sid]) for sid in range(1, 11)]

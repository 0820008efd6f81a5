"""Phase-2 contributions (``prover.contribute``, ``prover.zkey_verify``, ``prover.contribution_key``,
``prover.kernels.scale``, ``zksvs.formats.zkey_contributions``) against snarkjs 0.7.6 and py_ecc.

Oracles: ffjavascript 0.3.1 (snarkjs's own copy, run by node in the test) draws the reference ChaCha words,
``Fr/G1/G2.fromRng`` values and ``TextEncoder`` name bytes; snarkjs makes the ``_0000`` keys (``groth16 setup``),
its own contributions (``zkey contribute``/``beacon``) and judges every key (``zkey verify``); py_ecc computes the
reference multiples for the scaling kernel and the tampered (on-curve) points. Anchors: the multiplier and
poseidon_preimage circuits and pot8 from ../shared/anchors.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from prover.contribute import beacon, contribute, parse_beacon_hex
from prover.contribution_key import ChaCha, beacon_digest, fr_from_rng, g1_from_rng, g2_from_rng, hash_to_g2
from prover.kernels.scale import batch_scale, naf_digits
from prover.zkey_verify import verify_zkey
from tests.oracles.node import ROOT, run_node_script, snarkjs
from zksvs.errors import FormatError, InputError, NonCanonicalFieldElement, TruncatedFile
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.binfile import read_binfile
from zksvs.formats.zkey_contributions import (
    BEACON,
    CONTRIBUTION,
    Contribution,
    Contributions,
    parse_contributions,
    serialize_contributions,
    snarkjs_name_bytes,
)
from zksvs.formats.zkey_file import MAGIC, SECTION_NAMES, VERSION, read_zkey
from zksvs.groth16 import g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs

pytestmark = pytest.mark.prover

R = FR_MODULUS
Q = FQ_MODULUS
ANCHORS = ROOT.parent / "shared" / "anchors"
POT8 = ANCHORS / "ptau" / "pot8_final.ptau"
CIRCUIT = "poseidon_preimage"
R1CS_PATH = ANCHORS / "snarkjs-examples" / CIRCUIT / f"{CIRCUIT}.r1cs"
BEACON_HEX = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

_FFJS = 'const ff = require(require.resolve("ffjavascript", {paths: [require.resolve("snarkjs")]}));\n'


def _g1(p) -> tuple[int, int] | None:
    if bn.is_inf(p):
        return None
    x, y = bn.normalize(p)
    return int(x.n), int(y.n)


def _g2(p):
    if bn.is_inf(p):
        return None
    x, y = bn.normalize(p)
    return (int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1]))


# --- the contribution key: ChaCha and fromRng as ffjavascript ---------------------------------------------------------

_RNG_SCRIPT = (
    _FFJS
    + """
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const curve = await ff.buildBn128(true);
  const out = [];
  for (const seed of cases.seeds) {
    const rng = new ff.ChaCha(seed);
    const words = [rng.nextU32(), rng.nextU32(), rng.nextU32()];
    const fr = curve.Fr.toObject(curve.Fr.fromRng(rng)).toString();
    const g1 = curve.G1.toObject(curve.G1.toAffine(curve.G1.fromRng(rng))).slice(0, 2).map(String);
    const g2 = curve.G2.toObject(curve.G2.toAffine(curve.G2.fromRng(rng))).slice(0, 2).map(c => c.map(String));
    out.push({words, fr, g1, g2, after: rng.nextU32()});
  }
  await curve.terminate();
  console.log(JSON.stringify(out));
})();
"""
)


@pytest.mark.node
def test_contribution_key_draws_equal_ffjavascript(node_tools):
    # seeds chosen to cover the counter carry of ChaCha's word 12 (2^32 − 1 blocks is out of reach, so only the
    # ordinary path) and several redraws of fromRng
    seeds = [[0] * 8, [1, 2, 3, 4, 5, 6, 7, 8], [0xFFFFFFFF] * 8] + [
        [random.Random(s).getrandbits(32) for _ in range(8)] for s in range(5)
    ]
    ref = run_node_script(_RNG_SCRIPT, {"seeds": seeds})
    for seed, want in zip(seeds, ref):
        rng = ChaCha(seed)
        assert [rng.next_u32() for _ in range(3)] == want["words"]
        assert fr_from_rng(rng) == int(want["fr"])
        assert g1_from_rng(rng) == tuple(int(c) for c in want["g1"])
        assert g2_from_rng(rng) == tuple(tuple(int(c) for c in v) for v in want["g2"])
        assert rng.next_u32() == want["after"]


def test_hash_to_g2_is_in_g2_and_depends_on_the_transcript():
    a = hash_to_g2(bytes(64))
    b = hash_to_g2(bytes([1]) + bytes(63))
    for p in (a, b):
        pt = (bn.FQ2(list(p[0])), bn.FQ2(list(p[1])), bn.FQ2.one())
        assert bn.is_on_curve(pt, bn.b2) and bn.is_inf(bn.multiply(pt, R))
    assert a != b
    assert hash_to_g2(bytes(32) + bytes([7]) * 32) == a  # only the first 32 bytes seed the stream


def test_beacon_digest_iterates_sha256():
    h = b"\x01\x02"
    for _ in range(1 << 10):
        h = hashlib.sha256(h).digest()
    assert beacon_digest(b"\x01\x02", 10) == h


# --- the scaling kernel against py_ecc --------------------------------------------------------------------------------


@pytest.mark.parametrize("w", [2, 4, 5, 7])
def test_naf_digits_recompose(w):
    rng = random.Random(w)
    for k in [0, 1, 2, 3, 7, 8, (1 << w) - 1, 1 << 200, R - 1, R // 2] + [rng.randrange(R) for _ in range(30)]:
        digits, top = naf_digits(k, w)
        nz = np.flatnonzero(digits)
        assert sum(int(digits[i]) << int(i) for i in nz) == k
        assert top == (int(nz[-1]) if nz.size else -1)
        assert all(abs(int(digits[i])) < 1 << (w - 1) and int(digits[i]) % 2 for i in nz)


@pytest.mark.parametrize("k", [0, 1, 2, R - 1, R - 2, 1 << 128, 0x5EED5EED, "random"])
def test_batch_scale_g1_matches_py_ecc(k):
    rng = random.Random(str(k))
    k = rng.randrange(R) if k == "random" else k
    ks = [rng.randrange(1, R) for _ in range(9)]
    pts = [_g1(bn.multiply(bn.G1, s)) for s in ks] + [None, _g1(bn.G1), _g1(bn.neg(bn.G1))]
    got = g1_from_limbs(batch_scale(g1_to_limbs(pts), k, n_threads=3))
    want = [None if p is None else _g1(bn.multiply((bn.FQ(p[0]), bn.FQ(p[1]), bn.FQ.one()), k % R)) for p in pts]
    assert got == want


@pytest.mark.parametrize("k", [0, 1, R - 1, "random"])
def test_batch_scale_g2_matches_py_ecc(k):
    rng = random.Random(str(k) + "g2")
    k = rng.randrange(R) if k == "random" else k
    pts = [_g2(bn.multiply(bn.G2, rng.randrange(1, R))) for _ in range(3)] + [None, _g2(bn.G2)]
    got = g2_from_limbs(batch_scale(g2_to_limbs(pts), k, n_threads=2))
    want = []
    for p in pts:
        pt = None if p is None else (bn.FQ2(list(p[0])), bn.FQ2(list(p[1])), bn.FQ2.one())
        want.append(None if pt is None else _g2(bn.multiply(pt, k % R)))
    assert got == want


def test_batch_scale_rejects_a_non_point_array():
    with pytest.raises(ValueError, match=r"must have shape \(n, 2, 4\) or \(n, 2, 2, 4\)"):
        batch_scale(np.zeros((3, 4), dtype=np.uint64), 5)


# --- section 10 -------------------------------------------------------------------------------------------------------


_NAME_SCRIPT = """
const names = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(names.map(n => Array.from(new TextEncoder("utf-8").encode(n.substring(0, 64))))));
"""


@pytest.mark.node
def test_names_are_cut_and_encoded_as_snarkjs(node_tools):
    names = ["alice", "x" * 100, "é" * 70, "🎉" * 40, "a" + "🎉" * 40, "日本語の名前" * 12, ""]
    want = run_node_script(_NAME_SCRIPT, names)
    assert [list(snarkjs_name_bytes(n)) for n in names] == want


def _contribution(seed: int, ctype: int = CONTRIBUTION, **params) -> Contribution:
    rng = random.Random(seed)
    g1 = [_g1(bn.multiply(bn.G1, rng.randrange(1, R))) for _ in range(3)]
    return Contribution(*g1, _g2(bn.multiply(bn.G2, rng.randrange(1, R))), rng.randbytes(64), ctype, **params)


def test_contributions_round_trip():
    params = Contributions(
        bytes(range(64)),
        (
            _contribution(1, name="first"),
            _contribution(2),
            _contribution(3, BEACON, name="b", num_iterations_exp=10, beacon_hash=b"\x01\x02"),
        ),
    )
    raw = serialize_contributions(params)
    assert parse_contributions(raw) == params
    assert serialize_contributions(parse_contributions(raw)) == raw


def test_contributions_parse_rejects_malformed_sections():
    good = serialize_contributions(Contributions(bytes(64), (_contribution(4, name="n"),)))
    with pytest.raises(TruncatedFile, match=r"contributions \(contribution 1"):
        parse_contributions(good[:-3])
    with pytest.raises(FormatError, match="bytes after its 1 contributions"):
        parse_contributions(good + b"\0")
    params_at = 64 + 4 + 3 * 64 + 128 + 64 + 4
    unknown = bytearray(good)
    unknown[params_at + 4] = 9
    with pytest.raises(FormatError, match="unknown parameter type 9"):
        parse_contributions(bytes(unknown))
    # two name parameters: not strictly increasing
    twice = good[:params_at] + struct.pack("<I", 6) + b"\x01\x01n\x01\x01n"
    with pytest.raises(FormatError, match="strictly increasing, found 1 after 1"):
        parse_contributions(twice)
    beacon_without_params = bytearray(good)
    beacon_without_params[params_at - 4 : params_at] = struct.pack("<I", BEACON)
    with pytest.raises(FormatError, match="beacon without its iteration count"):
        parse_contributions(bytes(beacon_without_params))
    big = bytearray(good)
    big[68 : 68 + 32] = b"\xff" * 32
    with pytest.raises(NonCanonicalFieldElement, match="contribution 1 G1 point coordinate"):
        parse_contributions(bytes(big))


# --- against snarkjs: contribute, beacon, verify ----------------------------------------------------------------------


def _snarkjs_ok(zkey: Path) -> tuple[bool, str]:
    proc = snarkjs("zkey", "verify", R1CS_PATH, POT8, zkey, check=False)
    out = proc.stdout + proc.stderr
    return proc.returncode == 0 and "ZKey Ok!" in out, out


@pytest.fixture(scope="module")
def key0(node_tools, tmp_path_factory) -> Path:
    """snarkjs's fresh key (no contribution) for the poseidon_preimage anchor."""
    path = tmp_path_factory.mktemp("zkey") / "k_0000.zkey"
    snarkjs("groth16", "setup", R1CS_PATH, POT8, path)
    return path


@pytest.fixture(scope="module")
def chain(key0, tmp_path_factory) -> dict[str, Path]:
    """0000 → ours (1) → snarkjs (2) → ours (3); plus snarkjs's own chain of one (s1) and two (s2) contributions."""
    d = tmp_path_factory.mktemp("chain")
    out = {"k0": key0, **{k: d / f"{k}.zkey" for k in ("k1", "k2", "k3", "s1", "s2")}}
    contribute(key0, out["k1"], name="zksvs first", entropy="test entropy")
    snarkjs("zkey", "contribute", out["k1"], out["k2"], "--name=snarkjs second", "-e=more entropy")
    contribute(out["k2"], out["k3"], name="zksvs third")
    snarkjs("zkey", "contribute", key0, out["s1"], "--name=snarkjs only", "-e=x")
    snarkjs("zkey", "contribute", out["s1"], out["s2"], "--name=snarkjs again", "-e=y")
    return out


@pytest.mark.node
def test_snarkjs_verifies_our_contributions_and_lists_them(chain):
    ok, out = _snarkjs_ok(chain["k3"])
    assert ok, out
    for i, name in ((1, "zksvs first"), (2, "snarkjs second"), (3, "zksvs third")):
        assert f"contribution #{i} {name}:" in out
    listed = verify_zkey(R1CS_PATH, POT8, chain["k3"])
    assert listed.ok and not listed.uncontributed
    # the hash snarkjs prints for each contribution is ours
    for i, h in enumerate(listed.contribution_hashes):
        words = " ".join(h[j : j + 4].hex() for j in range(0, 16, 4))
        assert words in out.split(f"contribution #{i + 1} ")[1], i


@pytest.mark.node
@pytest.mark.parametrize("on", ["k0", "k2"])
@pytest.mark.parametrize("name", [None, "final beacon"])
def test_beacon_equals_snarkjs_byte_for_byte(chain, tmp_path, on, name):
    ours, theirs = tmp_path / "ours.zkey", tmp_path / "theirs.zkey"
    args = [f"-n={name}"] if name else []
    snarkjs("zkey", "beacon", chain[on], theirs, BEACON_HEX, "10", *args)
    res = beacon(chain[on], ours, parse_beacon_hex(BEACON_HEX), 10, name=name)
    assert ours.read_bytes() == theirs.read_bytes()
    assert res.contribution.type == BEACON and res.contribution.beacon_hash == bytes.fromhex(BEACON_HEX)
    v = verify_zkey(R1CS_PATH, POT8, ours)
    assert v.ok, v.reason


@pytest.mark.node
@pytest.mark.parametrize("key", ["k0", "k1", "k2", "k3", "s1", "s2"])
def test_verify_agrees_with_snarkjs_on_valid_keys(chain, key):
    ours = verify_zkey(R1CS_PATH, POT8, chain[key])
    assert ours.ok, ours.reason
    assert ours.uncontributed == (key == "k0")
    assert _snarkjs_ok(chain[key])[0]


def test_contribute_in_place_and_beacon_input_checks(key0, tmp_path):
    k = tmp_path / "k.zkey"
    shutil.copyfile(key0, k)
    contribute(k, k, name="in place")
    assert verify_zkey(R1CS_PATH, POT8, k).ok
    assert [p.name for p in tmp_path.iterdir()] == ["k.zkey"]  # no temporary file left
    for bad in ("0x0102", "abc", "zz", ""):
        with pytest.raises(InputError, match="even number of hex digits"):
            parse_beacon_hex(bad)
    with pytest.raises(InputError, match="at most 255"):
        parse_beacon_hex("00" * 256)
    with pytest.raises(InputError, match=r"must be in \[10, 63\]"):
        beacon(key0, tmp_path / "b.zkey", b"\x01", 9)


# --- tampered keys: both verifiers refuse -----------------------------------------------------------------------------


def _section(path: Path, sid: int) -> tuple[int, int]:
    bf = read_binfile(path, MAGIC, (VERSION,), SECTION_NAMES)
    return bf.sections[sid][0]


def _g1_bytes(p) -> bytes:
    return g1_to_limbs([p]).astype("<u8").tobytes()


def _g2_bytes(p) -> bytes:
    return g2_to_limbs([p]).astype("<u8").tobytes()


def _g1_at(data: bytes, off: int):
    return g1_from_limbs(np.frombuffer(data[off : off + 64], dtype="<u8").astype(np.uint64).reshape(1, 2, 4))[0]


def _g2_at(data: bytes, off: int):
    return g2_from_limbs(np.frombuffer(data[off : off + 128], dtype="<u8").astype(np.uint64).reshape(1, 2, 2, 4))[0]


def _double_g1(p):
    return _g1(bn.double((bn.FQ(p[0]), bn.FQ(p[1]), bn.FQ.one())))


def _double_g2(p):
    return _g2(bn.double((bn.FQ2(list(p[0])), bn.FQ2(list(p[1])), bn.FQ2.one())))


_HEADER_DELTA1 = 84 + 64 + 64 + 128 + 128
_HEADER_DELTA2 = _HEADER_DELTA1 + 64
_C1 = 64 + 4  # the first contribution in section 10
TAMPERS = {  # what is changed: (section, offset in it, how), and the first check that must fail
    "L point doubled": (8, 64 * 3, "g1", "L section does not match"),
    "H point doubled": (9, 64 * 5, "g1", "H section does not match"),
    "delta1 doubled": (2, _HEADER_DELTA1, "g1", "invalid delta1"),
    "delta2 doubled": (2, _HEADER_DELTA2, "g2", "invalid delta2"),
    "deltaAfter doubled": (10, _C1, "g1", "contribution #1: deltaAfter does not follow the public key"),
    "g1_s doubled": (10, _C1 + 64, "g1", "contribution #1: inconsistent transcript"),
    "g1_sx doubled": (10, _C1 + 128, "g1", "contribution #1: inconsistent transcript"),
    "g2_spx doubled": (10, _C1 + 192, "g2", "contribution #1: public key G1 and G2 do not have the same ratio"),
    "transcript byte": (10, _C1 + 320, "byte", "contribution #1: inconsistent transcript"),
    "circuit hash byte": (10, 5, "byte", "contribution #1: inconsistent transcript"),
    "IC point doubled": (3, 64, "g1", "IC section is not identical"),
}


def _tampered(src: Path, dst: Path, how: str) -> Path:
    sid, rel, kind, _ = TAMPERS[how]
    data = bytearray(src.read_bytes())
    off = _section(src, sid)[0] + rel
    if kind == "g1":
        data[off : off + 64] = _g1_bytes(_double_g1(_g1_at(bytes(data), off)))
    elif kind == "g2":
        data[off : off + 128] = _g2_bytes(_double_g2(_g2_at(bytes(data), off)))
    else:
        data[off] ^= 0x01
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.node
@pytest.mark.parametrize("how", list(TAMPERS))
def test_verify_refuses_tampered_keys_as_snarkjs(chain, tmp_path, how):
    bad = _tampered(chain["k3"], tmp_path / "bad.zkey", how)
    ours = verify_zkey(R1CS_PATH, POT8, bad)
    assert not ours.ok and TAMPERS[how][3] in ours.reason
    theirs, out = _snarkjs_ok(bad)
    assert not theirs, out


@pytest.mark.node
def test_verify_of_a_key_cut_short_raises_and_snarkjs_fails(chain, tmp_path):
    data = chain["k3"].read_bytes()
    off, size = _section(chain["k3"], 9)
    cut = tmp_path / "cut.zkey"
    cut.write_bytes(data[: off + size // 2])
    with pytest.raises(TruncatedFile, match="section 'H' is truncated"):
        verify_zkey(R1CS_PATH, POT8, cut)
    assert not _snarkjs_ok(cut)[0]


@pytest.mark.node
def test_verify_refuses_another_circuits_key(chain):
    other = ANCHORS / "snarkjs-examples" / "multiplier" / "multiplier.r1cs"
    v = verify_zkey(other, POT8, chain["k1"])
    assert not v.ok and v.reason
    proc = snarkjs("zkey", "verify", other, POT8, chain["k1"], check=False)
    assert "ZKey Ok!" not in proc.stdout + proc.stderr


@pytest.mark.node
def test_verify_refuses_a_devsetup_key(tmp_path):
    from prover import setup
    from zksvs.formats.r1cs_file import read_r1cs
    from zksvs.formats.zkey_file import write_zkey

    r1cs = read_r1cs(R1CS_PATH)
    with pytest.warns(UserWarning, match="INSECURE"):
        pk = setup(r1cs, seed=1)
    path = tmp_path / "dev.zkey"
    write_zkey(pk, r1cs.to_matrices(include_c=False), path)
    v = verify_zkey(R1CS_PATH, POT8, path)
    assert not v.ok
    assert not _snarkjs_ok(path)[0]


def test_contribute_output_reads_back(chain):
    zk = read_zkey(chain["k3"])
    params = parse_contributions(zk.contributions)
    assert [c.name for c in params.contributions] == ["zksvs first", "snarkjs second", "zksvs third"]
    assert params.contributions[-1].delta_after == zk.proving_key.delta_g1

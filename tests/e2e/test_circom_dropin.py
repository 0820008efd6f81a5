"""zksvs as a drop-in for snarkjs on circom circuits (issue 5): prove, verify, devsetup, setup, bad files, compare.

Oracles: circom2 0.2.23 compiles circomlib 2.0.5 circuits in the test run (``tests/e2e/circom_build.py``); snarkjs
0.7.6 makes the keys, its own proofs and public signals, and judges ours (``groth16 verify``, ``zkey verify``);
circomlibjs 0.1.7 makes the EdDSA signature and the SMT opening. py_ecc computes the tampered (on-curve) points.
The regression-compare tests at the end are pure Python on synthetic JSON; their expected verdicts follow from plain
arithmetic on the numbers written in each test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from py_ecc import bn128

from bench.circom.build import zksvs_cli
from bench.dropin import BadProof, check_proofs, run_process
from pipeline.bench import compare
from tests.e2e.circom_build import PTAU_SMALL, SPECS, built, copy_into, fresh_dir, snarkjs_run
from tests.oracles.node import ROOT, snarkjs
from zksvs.field import FR_MODULUS

CIRCUITS = list(SPECS)


def zksvs(*args) -> subprocess.CompletedProcess:
    """Run the zksvs CLI of this checkout as a user would (a fresh process); never raises on a non-zero exit."""
    cmd = [*zksvs_cli(), *map(str, args)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{proc.stderr}"
    assert lines[0].startswith("zksvs: error:"), lines[0]
    return lines[0]


# --- tampering (on-curve changes, so both verifiers reach the pairing check) ----------------------------------------


def _g1(p: list[str]) -> tuple:
    return (bn128.FQ(int(p[0])), bn128.FQ(int(p[1])))


def _g1_json(p: tuple) -> list[str]:
    return [str(p[0].n), str(p[1].n), "1"]


def _tamper(name: str, proof: dict, public: list[str]) -> tuple[dict, list[str]]:
    proof, public = json.loads(json.dumps(proof)), list(public)
    if name == "public_input_plus_one":
        public[0] = str((int(public[0]) + 1) % FR_MODULUS)
    elif name == "pi_a_doubled":
        proof["pi_a"] = _g1_json(bn128.double(_g1(proof["pi_a"])))
    elif name == "pi_c_is_pi_a":
        proof["pi_c"] = list(proof["pi_a"])
    elif name != "valid":
        raise AssertionError(name)
    return proof, public


TAMPERS = ["valid", "public_input_plus_one", "pi_a_doubled", "pi_c_is_pi_a"]


def _both_verdicts(vk, proof: dict, public: list[str], tag: str) -> tuple[int, int]:
    work = fresh_dir(f"verify-{tag}-")
    (work / "proof.json").write_text(json.dumps(proof))
    (work / "public.json").write_text(json.dumps(public))
    ours = zksvs("verify", vk, work / "public.json", work / "proof.json").returncode
    theirs = snarkjs("groth16", "verify", vk, work / "public.json", work / "proof.json", check=False).returncode
    return ours, theirs


# --- circuits built as expected ---------------------------------------------------------------------------------------


@pytest.mark.node
def test_poseidon_chain_costs_240_constraints_per_link(node_tools):
    b = built("poseidon_chain")
    info = snarkjs("r1cs", "info", b.compiled.r1cs).stdout
    assert "# of Constraints: 720" in info  # 3 links · 240 (bench sizing relies on 240 per link)
    assert "# of Outputs: 1" in info
    assert "# of Public Inputs: 1" in info
    assert b.compiled.info.n_constraints == 720


# --- zksvs prove on snarkjs keys -------------------------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.prover
@pytest.mark.parametrize("name", CIRCUITS)
def test_zksvs_prove_on_snarkjs_zkey_verifies_in_snarkjs(node_tools, name, tmp_path):
    ref = snarkjs_run(name)
    b = ref.built
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    proc = zksvs("prove", b.keys.zkey, b.wtns, proof, public)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(public.read_text()) == ref.public_signals
    ok = snarkjs("groth16", "verify", b.keys.vk, public, proof, check=False)
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    assert zksvs("verify", b.keys.vk, public, proof).returncode == 0
    bad_proof, bad_public = _tamper("public_input_plus_one", json.loads(proof.read_text()), ref.public_signals)
    assert _both_verdicts(b.keys.vk, bad_proof, bad_public, name) == (1, 1)


@pytest.mark.node
@pytest.mark.parametrize("tamper", TAMPERS)
@pytest.mark.parametrize("name", CIRCUITS)
def test_zksvs_verify_agrees_with_snarkjs(node_tools, name, tamper):
    ref = snarkjs_run(name)
    proof, public = _tamper(tamper, json.loads(ref.proof.read_text()), ref.public_signals)
    expected = 0 if tamper == "valid" else 1
    assert _both_verdicts(ref.built.keys.vk, proof, public, f"{name}-{tamper}") == (expected, expected)


# --- key generation -----------------------------------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.prover
def test_devsetup_keys_work_with_snarkjs_prove_and_verify(node_tools, tmp_path):
    b = built("poseidon_chain")
    zkey = tmp_path / "dev.zkey"
    proc = zksvs("devsetup", b.compiled.r1cs, zkey, "--seed", "7")
    assert proc.returncode == 0, proc.stderr
    assert "INSECURE" in proc.stderr
    snarkjs("zkey", "export", "verificationkey", zkey, tmp_path / "vk_snarkjs.json")
    assert zksvs("export", "verificationkey", zkey, tmp_path / "vk_zksvs.json").returncode == 0
    theirs = json.loads((tmp_path / "vk_snarkjs.json").read_text())
    ours = json.loads((tmp_path / "vk_zksvs.json").read_text())
    for k in ("protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"):
        assert ours[k] == theirs[k], k
    snarkjs("groth16", "prove", zkey, b.wtns, tmp_path / "proof.json", tmp_path / "public.json")
    ok = snarkjs("groth16", "verify", tmp_path / "vk_snarkjs.json", tmp_path / "public.json", tmp_path / "proof.json")
    assert "OK" in ok.stdout
    assert json.loads((tmp_path / "public.json").read_text()) == snarkjs_run("poseidon_chain").public_signals
    public = json.loads((tmp_path / "public.json").read_text())
    proof, _ = _tamper("pi_a_doubled", json.loads((tmp_path / "proof.json").read_text()), public)
    assert _both_verdicts(tmp_path / "vk_snarkjs.json", proof, public, "dev") == (1, 1)


@pytest.mark.node
@pytest.mark.prover
def test_setup_from_ptau_passes_snarkjs_zkey_verify(node_tools, tmp_path):
    b = built("poseidon_chain")
    zkey = tmp_path / "setup.zkey"
    proc = zksvs("setup", b.compiled.r1cs, PTAU_SMALL, zkey)
    assert proc.returncode == 0, proc.stderr
    check = snarkjs("zkey", "verify", b.compiled.r1cs, PTAU_SMALL, zkey, check=False)
    assert check.returncode == 0 and "ZKey Ok!" in check.stdout + check.stderr, check.stdout + check.stderr
    snarkjs("zkey", "export", "verificationkey", zkey, tmp_path / "vk.json")
    snarkjs("groth16", "prove", zkey, b.wtns, tmp_path / "proof.json", tmp_path / "public.json")
    assert zksvs("verify", tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json").returncode == 0


# --- bad files ------------------------------------------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.prover
def test_prove_rejects_truncated_zkey(node_tools):
    b = built("poseidon_chain")
    work = fresh_dir("truncated-")
    zkey = work / "truncated.zkey"
    data = b.keys.zkey.read_bytes()
    zkey.write_bytes(data[: len(data) * 2 // 3])
    proc = zksvs("prove", zkey, b.wtns, work / "proof.json", work / "public.json")
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert str(zkey) in line and "section" in line and "truncated" in line, line
    assert not (work / "proof.json").exists()


@pytest.mark.node
@pytest.mark.prover
def test_prove_rejects_witness_of_another_circuit(node_tools):
    b, other = built("poseidon_chain"), built("smt_verifier")
    work = fresh_dir("otherwtns-")
    wtns = copy_into(other.wtns, work, "smt.wtns")
    proc = zksvs("prove", b.keys.zkey, wtns, work / "proof.json", work / "public.json")
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert "smt.wtns" in line, line
    assert str(other.compiled.info.n_wires) in line and str(b.compiled.info.n_wires) in line, line


@pytest.mark.node
@pytest.mark.prover
def test_prove_rejects_witness_over_another_prime(node_tools):
    b = built("poseidon_chain")
    work = fresh_dir("primewtns-")
    data = bytearray(b.wtns.read_bytes())
    bn254_r = FR_MODULUS.to_bytes(32, "little")
    at = data.index(bn254_r)  # header section: n8 (u32) then the prime, little-endian
    bls12_381_r = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
    data[at : at + 32] = bls12_381_r.to_bytes(32, "little")
    wtns = work / "bls.wtns"
    wtns.write_bytes(bytes(data))
    proc = zksvs("prove", b.keys.zkey, wtns, work / "proof.json", work / "public.json")
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert str(wtns) in line and "prime" in line, line


@pytest.mark.node
@pytest.mark.prover
def test_prove_rejects_plonk_zkey(node_tools):
    b = built("poseidon_chain")
    work = fresh_dir("plonk-")
    zkey = work / "plonk.zkey"
    snarkjs("plonk", "setup", b.compiled.r1cs, PTAU_SMALL, zkey)
    proc = zksvs("prove", zkey, b.wtns, work / "proof.json", work / "public.json")
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert str(zkey) in line and "plonk" in line and "groth16" in line, line


# --- the bench harness: a bad proof fails the benchmark, RSS is the child's -----------------------------------------


@pytest.mark.node
def test_bench_check_proofs_fails_on_a_bad_proof(node_tools):
    ref = snarkjs_run("poseidon_chain")
    work = fresh_dir("badproof-")
    proof, _ = _tamper("pi_c_is_pi_a", json.loads(ref.proof.read_text()), ref.public_signals)
    (work / "bad.json").write_text(json.dumps(proof))
    good = {"snarkjs": [(ref.proof, ref.public)]}
    assert check_proofs(ref.built, good, ref.public) == {"snarkjs": True}
    with pytest.raises(BadProof, match=r"rejected: other round 1 \(bad.json\)"):
        check_proofs(ref.built, {**good, "other": [(ref.proof, None), (work / "bad.json", None)]}, ref.public)
    (work / "public.json").write_text(json.dumps(_tamper("public_input_plus_one", {}, ref.public_signals)[1]))
    with pytest.raises(BadProof, match=r"zksvs round 0: public.json"):
        check_proofs(ref.built, {"zksvs": [(ref.proof, work / "public.json")]}, ref.public)


def test_run_process_reports_the_childs_peak_rss():
    mib = 1024 * 1024
    big = run_process([sys.executable, "-c", "b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"])
    small = run_process([sys.executable, "-c", "pass"])
    assert big.returncode == 0 and small.returncode == 0
    assert big.peak_rss_bytes >= 300 * mib
    assert small.peak_rss_bytes < 100 * mib  # the child's own peak, not this (larger) pytest process's
    failing = run_process([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"])
    assert (failing.returncode, failing.stdout) == (3, "out\n")


def test_bench_finds_the_checkouts_harness_without_the_checkout_on_sys_path(tmp_path):
    """`zksvs bench` from an installed script: sys.path has the packages, not the checkout root (was a traceback)."""
    pkgs = tmp_path / "site"  # as an editable install maps them: the packages alone, by their real paths
    pkgs.mkdir()
    for name in ("pipeline", "zksvs"):
        (pkgs / name).symlink_to(ROOT / name)
    code = (
        "import sys, pathlib; root = pathlib.Path(sys.argv[1]).resolve();"
        " sys.path[:] = [sys.argv[2]] + [p for p in sys.path if p and pathlib.Path(p).resolve() != root];"
        " import pipeline.bench as b; print(b._dropin().__file__)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cmd = [sys.executable, "-c", code, str(ROOT), str(pkgs)]
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str((ROOT / "bench" / "dropin.py").resolve())


@pytest.mark.parametrize(
    "args, says",
    [
        (["--sizes", "x"], "'x' is not a list of log2 sizes"),
        (["--sizes", "30"], "each size must be 8..20"),
        (["--provers", "snarkjs,foo"], "unknown prover(s) ['foo']"),
    ],
)
def test_bench_bad_options_are_one_line_exit_2(args, says):
    proc = zksvs("bench", *args)
    assert proc.returncode == 2
    assert says in _one_error_line(proc)


# --- regression compare (pure Python, synthetic JSON) ---------------------------------------------------------------


def _result(sizes: dict[int, dict[str, dict]], cpu_count: int = 2) -> dict:
    return {
        "machine": {"cpu_count": cpu_count, "numba_num_threads": cpu_count},
        "sizes": [{"log_n": k, "provers": provers} for k, provers in sizes.items()],
    }


def _prover(times, stages=None) -> dict:
    return {"times_s": list(times), "stages_s": {k: list(v) for k, v in (stages or {}).items()}}


def test_compare_flags_a_stage_slower_beyond_threshold_and_noise():
    base = _result({16: {"zksvs-inproc": _prover([2.0, 2.1, 2.0], {"msm_h": [1.00, 1.01, 0.99], "ntt": [0.30] * 3})}})
    cur = _result({16: {"zksvs-inproc": _prover([2.4, 2.5, 2.4], {"msm_h": [1.30, 1.31, 1.29], "ntt": [0.31] * 3})}})
    cmp = compare(cur, base, threshold=0.15, mad_k=3.0)
    # total 2.0 → 2.4 (+20 %, MAD 0.0 → noise 0), msm_h 1.00 → 1.30 (+30 %, noise 0.01 < 0.3/3); ntt +3 % stays quiet
    got = [(r.log_n, r.prover, r.stage) for r in cmp.slower]
    assert got == [(16, "zksvs-inproc", "msm_h"), (16, "zksvs-inproc", "total")]
    assert cmp.slower[0].baseline_s == 1.00 and cmp.slower[0].current_s == 1.30
    assert cmp.slower[0].ratio == pytest.approx(1.30)
    assert cmp.faster == [] and cmp.notes == []


def test_compare_ignores_a_slowdown_within_noise():
    # +20 % on the median, but the samples scatter by 0.2 s (MAD) and 3·MAD = 0.6 s > the 0.4 s change
    base = _result({14: {"snarkjs": _prover([2.0, 1.8, 2.2, 2.0, 2.4])}})
    cur = _result({14: {"snarkjs": _prover([2.4, 2.2, 2.6, 2.4, 2.0])}})
    assert compare(cur, base).slower == []
    assert [r.stage for r in compare(cur, base, mad_k=1.0).slower] == ["total"]


def test_compare_ignores_a_slowdown_under_the_threshold():
    base = _result({12: {"zksvs": _prover([1.00, 1.00, 1.00])}})
    cur = _result({12: {"zksvs": _prover([1.10, 1.10, 1.10])}})  # +10 %, no noise at all
    assert compare(cur, base, threshold=0.15).slower == []
    assert [r.ratio for r in compare(cur, base, threshold=0.05).slower] == [pytest.approx(1.10)]


def test_compare_reports_faster_and_one_sided_entries():
    base = _result({12: {"zksvs": _prover([2.0] * 3, {"read": [0.5] * 3})}, 14: {"zksvs": _prover([4.0] * 3)}})
    cur = _result({12: {"zksvs": _prover([1.0] * 3), "groth16py": _prover([0.5] * 3)}}, cpu_count=4)
    cmp = compare(cur, base)
    assert [(r.log_n, r.stage, r.ratio) for r in cmp.faster] == [(12, "total", 0.5)]
    assert cmp.slower == []
    assert cmp.notes == [
        "machine differs: cpu_count 2 (baseline) vs 4 (current)",
        "machine differs: numba_num_threads 2 (baseline) vs 4 (current)",
        "2^12 groth16py: only in the current run",
        "2^12 zksvs stage 'read': only in the baseline run",
        "2^14: only in the baseline run",
    ]


def test_compare_rejects_negative_threshold():
    with pytest.raises(ValueError, match="threshold and mad_k must be ≥ 0"):
        compare(_result({}), _result({}), threshold=-0.1)


def _full_prover(mode: str, times: list[float], rss: int, stages=None) -> dict:
    return {
        "mode": mode, "times_s": times, "min_s": min(times), "median_s": sorted(times)[len(times) // 2],
        "peak_rss_max_bytes": rss, "verified": True, "stages_s": stages or {},
    }  # fmt: skip


def test_bench_table_and_plot_from_synthetic_results(tmp_path):
    from rich.console import Console

    from pipeline.bench import results_table, stages_table, write_plot

    sizes = []
    for k, scale in ((12, 1.0), (14, 4.0)):
        sizes.append({
            "log_n": k, "n_constraints": 240 * (2 ** (k - 8)),
            "provers": {
                "snarkjs": _full_prover("process", [2.0 * scale, 2.2 * scale, 2.1 * scale], 200 * 2**20),
                "groth16py": _full_prover("in-process", [0.5 * scale] * 3, 40 * 2**20),
                "zksvs-inproc": _full_prover("in-process", [0.5 * scale, 0.6 * scale, 0.4 * scale], 100 * 2**20,
                                             {"read_zkey": [0.1 * scale] * 3, "msm_h": [0.2 * scale] * 3}),
            },
            "unavailable": {"zksvs": "not built"},
        })  # fmt: skip
    results = {"machine": {"cpu_count": 2}, "runs": 3, "warmup": 1, "sizes": sizes}
    console = Console(record=True, width=200)
    console.print(results_table(results))
    console.print(stages_table(results))
    text = console.export_text()
    # zksvs-inproc median 0.5 s vs snarkjs 2.1 s → 0.238; vs groth16py 0.5 s → 1; ns/constraint at 2^12: 0.5e9/3840
    assert "0.238" in text and "130,208.3" in text and "not built" in text
    assert "read_zkey" in text and "msm_h" in text
    png = write_plot(results, tmp_path / "plot.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

"""Issue 11: a proving ``zksvs run`` as a user meets it — reusing a folder, the output streams, the state file, the
report and its plot, the snarkjs-shaped commands on the files it wrote, and SIGINT.

The run (``reused_run``): a 1-batch run with ``--force`` into a folder that held a 2-batch run, a file of the user's
and the run's own inputs (K = 2, B = 1, D = 2, M = 1: one transfer fills batch 0; a second line reuses its nonce).
Oracles: the balances are worked out by hand from the two lines; snarkjs 0.7.6 (``r1cs info``, ``wtns check``,
``groth16 verify``) judges the files the run wrote and our verdicts on them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from tests.e2e.cli_helpers import ROOT, TINY_GENESIS, error_line, zksvs
from tests.helpers.signing import signed_line
from tests.oracles.node import snarkjs
from zksvs.field import FR_MODULUS
from zksvs.formats.wtns_file import read_wtns, write_wtns

pytestmark = [pytest.mark.prover]

LINES = [
    signed_line('{"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": "5", "nonce": 0}'),  # 100 → 95, 0 → 5
    signed_line('{"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": 1, "nonce": 0}'),  # bad_nonce
]


def _plain(text: str) -> str:
    """snarkjs's log lines without their ANSI colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture(scope="module")
def reused_run(tmp_path_factory):
    """``zksvs -v run out/txs.jsonl --genesis out/genesis.json --out out --force --plot``; (process, folder)."""
    out = tmp_path_factory.mktemp("reuse") / "out"
    for n in (0, 1):  # what a 2-batch run left
        d = out / f"batch-{n}" / "rollup-0"
        d.mkdir(parents=True)
        (d / "proof.json").write_text("{}")
    for name in ("settlement.json", "state.json", "run.json", "sequencer.sqlite"):
        (out / name).write_text("old run")
    (out / "notes.txt").write_text("the user's")
    (out / "genesis.json").write_text(json.dumps(TINY_GENESIS))
    (out / "txs.jsonl").write_text("\n".join(LINES) + "\n")
    proc = zksvs("-v", "run", out / "txs.jsonl", "--genesis", out / "genesis.json", "--out", out, "--force", "--plot")
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc, out


def test_force_replaces_the_old_run_and_keeps_the_users_files(reused_run):
    _, out = reused_run
    assert sorted(p.name for p in out.iterdir()) == [
        "batch-0",
        "genesis.json",
        "keys",
        "l1.json",
        "notes.txt",
        "report.png",
        "run.json",
        "sequencer.sqlite",
        "settlement.json",
        "state.json",
        "txs.jsonl",
    ]
    assert (out / "notes.txt").read_text() == "the user's"
    assert (out / "txs.jsonl").read_text().startswith(LINES[0])
    assert sorted(p.name for p in (out / "batch-0").iterdir()) == ["cross", "rollup-0", "rollup-1"]
    assert len(json.loads((out / "settlement.json").read_text())["settlements"]) == 1


def test_results_on_stdout_progress_and_one_insecure_warning_on_stderr(reused_run):
    proc, out = reused_run
    assert "proofs (one per rollup per shared batch" in proc.stdout and "L1 settlement" in proc.stdout
    assert "prover stages (seconds)" in proc.stdout  # -v
    assert "2 transactions: 1 included, 1 rejected; 1 shared batch, all settled on L1" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1] == f"output folder: {out.resolve()}"
    assert "Traceback" not in proc.stderr and "UserWarning" not in proc.stderr and "warnings.warn" not in proc.stderr
    insecure = [ln for ln in proc.stderr.splitlines() if "INSECURE" in ln]
    assert len(insecure) == 1 and insecure[0].startswith("zksvs: warning: INSECURE development setup"), insecure
    assert "txs.jsonl:2: rejected (bad_nonce)" in proc.stderr
    assert "MSM" in proc.stderr  # -v names the prover's stages
    assert "proofs (one" not in proc.stderr


def test_state_file_and_command_show_what_the_batch_did(reused_run):
    _, out = reused_run
    state = json.loads((out / "state.json").read_text())
    final = {
        r["chain_id"]: {a["index"]: (a["balance"], a["nonce"]) for a in r["accounts"]}
        for r in state["final"]["rollups"]
    }
    assert final == {0: {0: ("95", "1"), 1: ("5", "0")}, 1: {0: ("50", "0"), 3: ("1", "0")}}
    assert state["batches"][0]["rollups"][0]["changed_accounts"][0]["balance"] == "95"
    assert state["batches"][0]["rollups"][1]["changed_accounts"] == []
    public = json.loads((out / "batch-0" / "rollup-0" / "public.json").read_text())
    assert state["final"]["rollups"][0]["state_root"] == public[2]  # new_state_root of the proof

    proc = zksvs("state", out, "--chain", "0")
    assert proc.returncode == 0, proc.stderr
    assert "rollup 0 after shared batch 0: 2 accounts" in proc.stdout and "rollup 1" not in proc.stdout
    rows = [[c.strip() for c in ln.split("│")[1:-1]] for ln in proc.stdout.splitlines() if ln.startswith("│")]
    assert [r[:3] for r in rows] == [["0", "95", "1"], ["1", "5", "0"]]
    proc = zksvs("state", out, "--chain", "1", "--json")
    assert json.loads(proc.stdout)["rollups"][0]["accounts"][0]["balance"] == "50"


def test_report_prints_the_tables_again_and_draws_the_plot(reused_run, tmp_path):
    proc, out = reused_run
    png = tmp_path / "again.png"
    rep = zksvs("report", out, "--png", png)
    assert rep.returncode == 0, rep.stderr
    assert rep.stdout.split("L1 settlement")[1].split("time per stage")[0] in proc.stdout
    for p in (png, out / "report.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rep.stderr.strip() == f"plot written to {png}"


def test_groth16_verify_is_verify(reused_run):
    _, out = reused_run
    d = out / "batch-0" / "rollup-0"
    for cmd in (["verify"], ["groth16", "verify"]):
        proc = zksvs(*cmd, d / "verification_key.json", d / "public.json", d / "proof.json")
        assert (proc.returncode, proc.stdout.strip()) == (0, "OK!"), proc.stderr
    from pipeline.cli import main

    assert main.commands["groth16"].commands["prove"] is main.commands["prove"]
    assert main.commands["groth16"].commands["setup"] is main.commands["setup"]


@pytest.mark.node
def test_r1cs_info_says_what_snarkjs_says(reused_run, node_tools):
    _, out = reused_run
    for d in (out / "batch-0" / "rollup-0", out / "batch-0" / "cross"):
        theirs = _plain(snarkjs("r1cs", "info", d / "circuit.r1cs").stdout)
        expected = [ln.split("snarkJS: ", 1)[1] for ln in theirs.splitlines() if "snarkJS: " in ln]
        assert len(expected) == 7, theirs
        proc = zksvs("r1cs", "info", d / "circuit.r1cs")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == expected


@pytest.mark.node
def test_wtns_check_agrees_with_snarkjs_on_a_good_and_a_tampered_witness(reused_run, node_tools, tmp_path):
    _, out = reused_run
    d = out / "batch-0" / "rollup-0"
    proc = zksvs("wtns", "check", d / "circuit.r1cs", d / "witness.wtns")
    assert proc.returncode == 0, proc.stderr
    assert "WITNESS IS CORRECT" in snarkjs("wtns", "check", d / "circuit.r1cs", d / "witness.wtns").stdout

    values = list(read_wtns(d / "witness.wtns").values)
    values[len(values) // 2] = (values[len(values) // 2] + 1) % FR_MODULUS
    bad = tmp_path / "bad.wtns"
    write_wtns(values, bad)
    theirs = snarkjs("wtns", "check", d / "circuit.r1cs", bad, check=False)
    text = _plain(theirs.stdout + theirs.stderr)
    assert "WITNESS IS NOT CORRECT" in text
    index = int(text.split("aborting checking process at constraint ")[1].split()[0])
    proc = zksvs("wtns", "check", d / "circuit.r1cs", bad)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith(f"zksvs: constraint {index} of ")


def test_wtns_check_of_a_witness_of_another_circuit_is_exit_2(reused_run):
    _, out = reused_run
    proc = zksvs(
        "wtns", "check", out / "batch-0" / "rollup-0" / "circuit.r1cs", out / "batch-0" / "cross" / "witness.wtns"
    )
    assert proc.returncode == 2
    assert "the witness is not of this circuit" in error_line(proc)


def test_devsetup_says_insecure_once_and_no_python_warning(tmp_path):
    from zksvs.formats.r1cs_file import write_r1cs
    from zksvs.r1cs import R1CS, Constraint, LinearCombination

    lc = LinearCombination.wire
    write_r1cs(R1CS(n_wires=3, n_public=1, constraints=[Constraint(lc(1), lc(1), lc(2))]), tmp_path / "c.r1cs")
    proc = zksvs("devsetup", tmp_path / "c.r1cs", tmp_path / "c.zkey")
    assert proc.returncode == 0, proc.stderr
    # a first use on this machine announces the kernel compile before anything else (announced, never silent)
    lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith("compiling ")]
    assert [ln for ln in lines if "INSECURE" in ln] == [lines[0]] and lines[0].startswith("zksvs: warning: INSECURE")
    assert "UserWarning" not in proc.stderr and "warnings.warn" not in proc.stderr and "WARNING:" not in proc.stderr
    assert lines[-1].startswith(f"development key written to {tmp_path / 'c.zkey'}")
    assert (tmp_path / "c.zkey").stat().st_size > 0


def test_sigint_exits_130_in_one_line_and_leaves_no_half_written_folder(tmp_path):
    (tmp_path / "genesis.json").write_text(json.dumps(TINY_GENESIS))
    (tmp_path / "txs.jsonl").write_text(LINES[0] + "\n")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "txs.jsonl", "--genesis", "genesis.json", "--out", str(out)]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        # as from a terminal: a test run started in the background inherits SIGINT ignored, and Python keeps it so
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = []
    for line in proc.stderr:  # progress lines; interrupt once the run is past sequencing
        seen.append(line)
        if "compiling prover kernels" in line or "building the batch circuit" in line:
            assert out.is_dir()  # the run had started writing
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    proc.wait(timeout=600)
    assert proc.returncode == 130, "".join(seen) + rest
    assert rest.strip().splitlines()[-1] == "zksvs: interrupted"
    assert "Traceback" not in rest and "Aborted!" not in rest and "KeyboardInterrupt" not in rest
    assert not out.exists()
    assert proc.stdout.read() == ""

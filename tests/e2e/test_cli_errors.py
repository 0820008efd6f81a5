"""Issue 11: the CLI on unusable input and unusable output paths, as a user meets them (subprocesses, no proving).

Each case: the exit status the help documents (2 for unusable input, 3 for nothing to prove), exactly one line on
stderr naming what is wrong and where, no traceback, and nothing written (or, for a run that completes without a
transaction, a whole record). Expected messages are written here by hand from the inputs.
"""

from __future__ import annotations

import codecs
import json
import os

import pytest

from tests.e2e.cli_helpers import TINY_GENESIS, error_line, zksvs
from tests.helpers.readonly import read_only_dir
from tests.helpers.signing import signed_line

GOOD_LINE = signed_line('{"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": 5, "nonce": 0}')


@pytest.fixture
def inputs(tmp_path):
    """genesis.json and txs.jsonl (one good line) in tmp_path; returns tmp_path."""
    (tmp_path / "genesis.json").write_text(json.dumps(TINY_GENESIS))
    (tmp_path / "txs.jsonl").write_text(GOOD_LINE + "\n")
    return tmp_path


def _run(d, *extra):
    return zksvs("run", d / "txs.jsonl", "--genesis", d / "genesis.json", *extra)


# --- bug 1: missing input files ---------------------------------------------------------------------------------


def test_verify_of_a_missing_file_is_exit_2_in_one_line(tmp_path):
    proc = zksvs("verify", "nope.json", "public.json", "proof.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "'nope.json' does not exist" in error_line(proc)


def test_verify_without_arguments_in_an_empty_folder_is_exit_2(tmp_path):
    proc = zksvs("verify", cwd=tmp_path)
    assert proc.returncode == 2
    assert "'verification_key.json' does not exist" in error_line(proc)


def test_verify_of_a_file_that_is_not_json_is_exit_2(tmp_path):
    for name in ("vk.json", "public.json", "proof.json"):
        (tmp_path / name).write_text("{not json")
    proc = zksvs("verify", "vk.json", "public.json", "proof.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "vk.json: not valid JSON" in error_line(proc)


@pytest.mark.parametrize("args", [["frob"], ["run", "--no-such-option"], ["run"], ["demo", "--rollups", "9"]])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args):
    proc = zksvs(*args, cwd=tmp_path)
    assert proc.returncode == 2
    error_line(proc)


# --- bug 2: output paths that cannot be written, checked before the work ------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["prove", "z.zkey", "w.wtns", "nodir/p.json", "nodir/pub.json"],
        ["groth16", "prove", "z.zkey", "w.wtns", "p.json", "nodir/pub.json"],
        ["export", "verificationkey", "z.zkey", "nodir/vk.json"],
        ["setup", "c.r1cs", "pot.ptau", "nodir/x.zkey"],
        ["devsetup", "c.r1cs", "nodir/x.zkey"],
    ],
    ids=["prove", "groth16-prove", "export-vk", "setup", "devsetup"],
)
def test_an_output_file_in_a_missing_folder_is_refused_before_reading_the_inputs(tmp_path, args):
    # the inputs are not key files at all: reading them would fail differently, so the refusal came first
    for name in ("z.zkey", "w.wtns", "c.r1cs", "pot.ptau"):
        (tmp_path / name).write_text("not a key")
    proc = zksvs(*args, cwd=tmp_path)
    assert proc.returncode == 2
    line = error_line(proc)
    assert "folder" in line and "nodir/ does not exist" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.r1cs", "pot.ptau", "w.wtns", "z.zkey"]


def test_run_out_below_a_file_is_refused(inputs):
    (inputs / "afile").write_text("x")
    proc = _run(inputs, "--out", inputs / "afile" / "sub")
    assert proc.returncode == 2
    assert "cannot create it" in error_line(proc) and "afile is a file, not a folder" in proc.stderr
    assert (inputs / "afile").read_text() == "x"


def test_run_out_in_a_read_only_folder_is_refused_before_the_work(inputs):
    ro = inputs / "ro"
    ro.mkdir()
    with read_only_dir(ro):
        for out in (ro, ro / "new"):
            proc = _run(inputs, "--out", out)
            assert proc.returncode == 2
            assert f"no file can be created in {ro}/" in error_line(proc)
            assert "compiling" not in proc.stderr  # refused before the JIT step
        assert list(ro.iterdir()) == []


# --- bug 4: a non-empty --out -------------------------------------------------------------------------------------


def test_run_into_a_non_empty_folder_is_refused_and_the_folder_left_alone(inputs):
    out = inputs / "out"
    (out / "batch-1" / "rollup-0").mkdir(parents=True)
    (out / "settlement.json").write_text("old")
    proc = _run(inputs, "--out", out)
    assert proc.returncode == 2
    line = error_line(proc)
    assert "folder is not empty (batch-1/, settlement.json)" in line and "--force" in line
    assert (out / "settlement.json").read_text() == "old" and (out / "batch-1" / "rollup-0").is_dir()


# --- bug 5 and the genesis: bad text, bad values --------------------------------------------------------------------


def test_a_non_utf8_transactions_file_is_one_line_naming_file_and_offset(inputs):
    (inputs / "txs.jsonl").write_bytes(GOOD_LINE.encode() + b"\n" + b'{"kind": "tr\xe9nsfer"}\n')
    proc = _run(inputs, "--out", inputs / "out")
    assert proc.returncode == 2
    offset = len(GOOD_LINE) + 1 + len('{"kind": "tr')
    assert error_line(proc) == (
        f"zksvs: error: {inputs / 'txs.jsonl'}: not UTF-8 text: byte 0xe9 at offset {offset} (line 2); save it as UTF-8"
    )
    assert not (inputs / "out").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"n_rollups": 3},
            "$.rollups lists 2 of the n_rollups = 3 chains: chain_id 2 missing (list a rollup without accounts as "
            '{"chain_id": 2, "accounts": []})',
        ),
        (
            {"rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": "1e3"}]}, {"chain_id": 1}]},
            "$.rollups[0].accounts[0].balance '1e3' is not an integer: no decimal point or exponent "
            '(a decimal string holds digits only, e.g. "10")',
        ),
        (
            {"rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": " 10"}]}, {"chain_id": 1}]},
            "$.rollups[0].accounts[0].balance ' 10' has spaces around it "
            '(a decimal string holds digits only, e.g. "10")',
        ),
        (
            {"rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": 10.5}]}, {"chain_id": 1}]},
            "$.rollups[0].accounts[0].balance must be an integer or a decimal string, not float 10.5",
        ),
    ],
    ids=["rollups-missing", "exponent", "spaces", "float"],
)
def test_genesis_errors_name_the_file_and_json_path(inputs, change, message):
    (inputs / "genesis.json").write_text(json.dumps(TINY_GENESIS | change))
    proc = _run(inputs, "--out", inputs / "out")
    assert proc.returncode == 2
    assert error_line(proc) == f"zksvs: error: {inputs / 'genesis.json'}: {message}"
    assert not (inputs / "out").exists()


# --- bug 3: nothing to prove; --strict ------------------------------------------------------------------------------


def test_an_empty_transactions_file_says_so_and_exits_3(inputs):
    (inputs / "txs.jsonl").write_bytes(codecs.BOM_UTF8 + b"\n  \n")
    out = inputs / "out"
    proc = _run(inputs, "--out", out)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f"zksvs: nothing to prove: {inputs / 'txs.jsonl'} holds no transactions (exit status 3)"
    )
    assert "proofs" not in proc.stdout  # no empty tables
    assert "0 transactions: 0 included, 0 rejected; no shared batch" in proc.stdout
    assert f"output folder: {out.resolve()}" in proc.stdout
    # a whole record of an empty run: the genesis state, no settlement
    assert json.loads((out / "settlement.json").read_text()) == {"settlements": []}
    state = json.loads((out / "state.json").read_text())
    assert state["final"]["after_batch"] is None
    assert [a["balance"] for a in state["final"]["rollups"][0]["accounts"]] == ["100", "0"]
    assert not list(out.glob("batch-*"))


def test_a_file_whose_lines_are_all_rejected_says_so_and_exits_3(inputs):
    # both signed anew, so each is refused for what it says (the signature is checked first)
    bad = [
        signed_line(GOOD_LINE.replace('"amount": 5', '"amount": 500')),
        GOOD_LINE.replace('"chain": 0', '"chain": 7'),
    ]
    (inputs / "txs.jsonl").write_text("\n".join(bad) + "\n")
    proc = _run(inputs, "--out", inputs / "out", "--json")
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "zksvs: nothing to prove: all 2 transactions were rejected (exit status 3)"
    )
    report = json.loads(proc.stdout)
    assert [(r["arrival"], r["reason"]) for r in report["rejections"]] == [(1, "overdraft"), (2, "unknown_rollup")]
    assert report["proofs"] == [] and report["settlements"] == [] and report["all_settled"] is False
    assert json.loads((inputs / "out" / "run.json").read_text()) == report


def test_strict_refuses_a_run_with_a_rejected_line_before_proving_and_leaves_nothing(inputs):
    (inputs / "txs.jsonl").write_text(GOOD_LINE + "\n" + GOOD_LINE + "\n")  # line 2: the nonce is used
    out = inputs / "deep" / "out"
    proc = _run(inputs, "--out", out, "--strict")
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and "compiling" not in proc.stderr
    assert lines[-2] == f"{inputs / 'txs.jsonl'}:2: rejected (bad_nonce): " + lines[-2].split("(bad_nonce): ")[1]
    assert lines[-1] == "zksvs: error: --strict: 1 of 2 transactions were rejected; nothing was proven"
    assert proc.stdout == ""
    assert not (inputs / "deep").exists()  # the folders the run made are gone


# --- reading run folders ----------------------------------------------------------------------------------------------


def test_state_and_report_of_a_folder_without_a_run_are_exit_2(tmp_path):
    for cmd in ("state", "report"):
        proc = zksvs(cmd, tmp_path)
        assert proc.returncode == 2
        assert "not a zksvs run folder" in error_line(proc)
        proc = zksvs(cmd, tmp_path / "nope")
        assert proc.returncode == 2
        assert "folder does not exist" in error_line(proc)


def test_quiet_and_verbose_go_before_or_after_the_command(tmp_path):
    for args in (["-q", "verify", "nope.json"], ["verify", "nope.json", "-q"], ["verify", "-v", "nope.json"]):
        proc = zksvs(*args, cwd=tmp_path)
        assert proc.returncode == 2
        assert "'nope.json' does not exist" in error_line(proc)


def test_help_documents_units_and_exit_statuses():
    demo = " ".join(zksvs("demo", "-h").stdout.split())
    assert "depth of each rollup's account tree (room for 2^D accounts)" in demo
    assert "slots (transactions) per rollup batch" in demo
    run = " ".join(zksvs("run", "-h").stdout.split())
    assert "--genesis GENESIS.json" in run and "initial accounts" in run
    top = " ".join(zksvs("-h").stdout.split())
    assert "2 unusable input, 3 nothing to prove, 130 interrupted" in top


def test_output_path_checks_need_no_privilege_to_pass(tmp_path):
    # the probe the checks use leaves nothing behind in a writable folder
    (tmp_path / "genesis.json").write_text(json.dumps(TINY_GENESIS))
    (tmp_path / "txs.jsonl").write_text("")
    proc = zksvs("run", "txs.jsonl", "--genesis", "genesis.json", "--out", ".", "--force", "-q", cwd=tmp_path)
    assert proc.returncode == 3
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".zksvs-probe")]
    assert {"genesis.json", "txs.jsonl", "state.json", "run.json"} <= set(os.listdir(tmp_path))

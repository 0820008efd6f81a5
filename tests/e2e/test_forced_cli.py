"""Issue 10 §3 from the command line: ``zksvs enqueue`` against a run folder's L1 state, ``zksvs run`` processing the
queue it prepared, and ``zksvs demo --censor`` ending with a shared batch the L1 refuses at ``forced_inclusion``."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli_helpers import TINY_GENESIS, error_line, zksvs
from tests.helpers.signing import signed_obj

TX = {"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": 7, "nonce": 0}


@pytest.fixture
def genesis_file(tmp_path):
    p = tmp_path / "genesis.json"
    p.write_text(json.dumps(TINY_GENESIS))
    return p


def _write(tmp_path, name: str, obj) -> str:
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return str(p)


def test_enqueue_starts_and_extends_a_run_folders_l1_state(tmp_path, genesis_file) -> None:
    run = tmp_path / "run"
    tx = _write(tmp_path, "tx.json", signed_obj(TX))
    proc = zksvs("enqueue", tx, "--run", run, "--genesis", genesis_file)
    assert proc.returncode == 0, proc.stderr
    assert "rollup 0, entry 0, at shared batch 0" in proc.stdout and "by shared batch 2" in proc.stdout
    l1 = json.loads((run / "l1.json").read_text())
    assert l1["format"] == "zksvs-l1/2" and l1["batch_number"] == 0
    (entry,) = l1["forced_queue"]["queues"][0]["entries"]
    assert entry["tx"]["amount"] == 7 and entry["enqueued_at"] == 0
    # a second one, into the existing file (no --genesis needed)
    tx2 = _write(tmp_path, "tx2.json", signed_obj({**TX, "nonce": 1}))
    proc = zksvs("enqueue", tx2, "--run", run)
    assert proc.returncode == 0 and "entry 1" in proc.stdout, proc.stderr
    assert len(json.loads((run / "l1.json").read_text())["forced_queue"]["queues"][0]["entries"]) == 2


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not JSON"),
        (json.dumps(TX), "signature"),  # unsigned: the L1 refuses it by name
        ({**TX, "chain": 5}, "rollup"),
        ({**TX, "from": 9}, "transaction"),  # account index outside [0, 2^D)
        ({**TX, "kind": "mint"}, "kind"),
    ],
)
def test_enqueue_bad_input_is_one_line_and_exit_2(tmp_path, genesis_file, content, needle) -> None:
    obj = content if isinstance(content, str) else signed_obj(content)
    tx = _write(tmp_path, "tx.json", obj)
    proc = zksvs("enqueue", tx, "--run", tmp_path / "run", "--genesis", genesis_file)
    assert proc.returncode == 2
    assert needle in error_line(proc)
    assert not (tmp_path / "run" / "l1.json").exists()


def test_enqueue_refuses_a_version_1_l1_state_in_one_line(tmp_path, genesis_file) -> None:
    """``zksvs-l1/1`` queues held messages, not the entry hashes that bind the signature: refused, not misread."""
    run = tmp_path / "run"
    tx = _write(tmp_path, "tx.json", signed_obj(TX))
    assert zksvs("enqueue", tx, "--run", run, "--genesis", genesis_file).returncode == 0
    l1 = json.loads((run / "l1.json").read_text())
    l1["format"] = "zksvs-l1/1"
    (run / "l1.json").write_text(json.dumps(l1))
    proc = zksvs("enqueue", tx, "--run", run)
    assert proc.returncode == 2
    line = error_line(proc)
    assert "zksvs-l1/1" in line and "zksvs-l1/2" in line and "l1.json" in line


def test_enqueue_without_state_or_genesis(tmp_path) -> None:
    tx = _write(tmp_path, "tx.json", signed_obj(TX))
    proc = zksvs("enqueue", tx, "--run", tmp_path / "run")
    assert proc.returncode == 2 and "--genesis" in error_line(proc)


@pytest.mark.slow
@pytest.mark.prover
def test_run_processes_the_prepared_queue(tmp_path, genesis_file) -> None:
    run = tmp_path / "run"
    assert (
        zksvs(
            "enqueue", _write(tmp_path, "tx.json", signed_obj(TX)), "--run", run, "--genesis", genesis_file
        ).returncode
        == 0
    )
    txs = _write(
        tmp_path, "txs.jsonl", json.dumps(signed_obj({**TX, "chain": 1, "from": 0, "to": 3, "amount": 1})) + "\n"
    )
    proc = zksvs("run", txs, "--genesis", genesis_file, "--out", run, "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["all_settled"]
    (forced,) = report["forced"]
    assert forced["status"] == "accepted" and forced["chain"] == 0 and forced["forced"] == 0
    assert "L1 queue of rollup 0, entry 0: forced, included" in proc.stderr
    l1 = json.loads((run / "l1.json").read_text())
    assert l1["batch_number"] == len(report["settlements"]) and l1["forced_queue"]["queues"][0]["head"] == 1
    # a finished run's L1 state is not a starting point (kept, as the command's input, even with --force)
    again = zksvs("run", txs, "--genesis", genesis_file, "--out", run, "--force")
    assert again.returncode == 2 and "the L1 state after a run" in error_line(again)
    # but more can be queued on it, at its batch number
    proc = zksvs("enqueue", _write(tmp_path, "tx3.json", signed_obj({**TX, "nonce": 1})), "--run", run)
    assert proc.returncode == 0 and f"at shared batch {l1['batch_number']}" in proc.stdout


@pytest.mark.slow
@pytest.mark.prover
def test_demo_censor_ends_with_forced_inclusion(tmp_path) -> None:
    out = tmp_path / "out"
    args = ["--rollups", 2, "--txs", 4, "--capacity", 2, "--account-depth", 3, "--bridge-depth", 2]
    # on both L1s (the run stops if their verdicts ever differ): the EVM contract refuses it too
    proc = zksvs("demo", *args, "--censor", "1:3", "--l1", "both", "--out", out, "--json")
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["forced"] == []  # censored: never processed
    failed = [s for s in report["settlements"] if not s["accepted"]]
    assert failed and (failed[0]["failed_check"], failed[0]["chain_id"]) == ("forced_inclusion", 1)
    assert (failed[0]["evm"]["failed_check"], failed[0]["evm"]["chain_id"]) == ("forced_inclusion", 1)
    assert "deadline was batch 2" in failed[0]["detail"]
    n = failed[0]["batch_number"]
    assert n == 2 and all(s["accepted"] for s in report["settlements"][:n])
    # the table names the check
    table = zksvs("report", out)
    assert table.returncode == 0 and "forced_inclusion" in table.stdout


@pytest.mark.slow
@pytest.mark.prover
def test_demo_forced_settles_its_forced_transaction(tmp_path) -> None:
    out = tmp_path / "out"
    args = ["--rollups", 2, "--txs", 4, "--capacity", 2, "--account-depth", 3, "--bridge-depth", 2]
    proc = zksvs("demo", *args, "--forced", "--out", out, "--json")  # on the EVM (the default L1)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "settling on the model" not in proc.stderr
    report = json.loads(proc.stdout)
    assert all(s["accepted"] and s["evm"]["accepted"] for s in report["settlements"])
    (forced,) = report["forced"]
    assert forced["status"] == "accepted" and forced["forced"] == 0 and forced["batch_number"] == 0
    l1 = json.loads((out / "l1.json").read_text())
    assert l1["batch_number"] == len(report["settlements"])
    assert l1["forced_queue"]["queues"][forced["chain"]]["head"] == 1


def test_demo_censor_bad_value(tmp_path) -> None:
    proc = zksvs("demo", "--rollups", 2, "--censor", "5:0", "--out", tmp_path / "o")
    assert proc.returncode == 2 and "--censor" in error_line(proc)

"""Issues 4 and 11: ``zksvs run TXS.jsonl --genesis G`` on bad input, as a user runs it (``python -m pipeline.cli``).

A TXS.jsonl with good lines around bad ones (an overdraft, a line that is not JSON, an unknown chain, a negative
amount, a bad nonce, a blank line, a decimal-string amount), saved as Windows editors do (UTF-8 with a byte-order
mark, CRLF line ends): each bad line is reported with its line number and reason, the good lines before and after
them are included, the run settles (exit 0), and each rejection is booked on the shared batch that was open when its
line arrived (issue 11, bug 8). A bad genesis file stops the command before any work with one clear line on stderr and
exit status 2 (click's usage errors use 2 as well).

Expected reasons, line numbers and batches are written here by hand from the file below; the shape is the smallest
the circuits allow for two batches (K = 2, B = 1, D = 2, M = 1), so the run proves 2 × 3 small circuits.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.prover]

ROOT = Path(__file__).resolve().parents[2]

GENESIS = {
    "n_rollups": 2,
    "account_depth": 2,
    "bridge_depth": 1,
    "capacity": 1,
    "rollups": [
        {"chain_id": 0, "accounts": [{"index": 0, "balance": 100}, {"index": 1, "balance": 0}]},
        {"chain_id": 1, "accounts": [{"index": 0, "balance": 50}, {"index": 3, "balance": 1}]},
    ],
}

TXS_LINES = [
    '{"kind": "transfer", "chain": 1, "from": 0, "to": 3, "amount": 60, "nonce": 0}',  # 1: overdraft (50), batch 0
    '{"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": 5, "nonce": 0}',  # 2: included; fills batch 0
    '{"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount"',  # 3: not JSON
    '{"kind": "transfer", "chain": 5, "from": 0, "to": 1, "amount": 1, "nonce": 1}',  # 4: unknown chain
    '{"kind": "transfer", "chain": 1, "from": 0, "to": 3, "amount": -3, "nonce": 0}',  # 5: negative amount
    '{"kind": "transfer", "chain": 1, "from": 0, "to": 3, "amount": 1, "nonce": 5}',  # 6: bad nonce
    '{"kind": "transfer", "chain": 1, "from": 0, "to": 3, "amount": "7", "nonce": 0}',  # 7: included; fills batch 1
    '{"kind": "transfer", "chain": 1, "from": 0, "to": 3, "amount": 44, "nonce": 1}',  # 8: overdraft (43 left)
    "",  # 9: blank, skipped
]

EXPECTED = {
    1: ("overdraft", "balance 50, amount 60"),
    3: ("malformed", "invalid JSON"),
    4: ("unknown_rollup", "chain 5 is not in [0, 2)"),
    5: ("amount_out_of_u64", "not -3"),
    6: ("bad_nonce", "expects 0, got 5"),
    8: ("overdraft", "balance 43, amount 44"),
}

#: line → (shared batch open when it arrived, rollup it names): batch 0 closes at line 2, batch 1 at line 7; line 8
#: comes after the last batch closed; lines 3 to 5 are booked on no rollup (3 and 5 cannot be parsed, 4 names none
#: of the set).
BOOKED = {1: (0, 1), 3: (1, None), 4: (1, None), 5: (1, None), 6: (1, 1), 8: (None, 1)}


def _zksvs(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pipeline.cli", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=1200)


@pytest.fixture(scope="module")
def bad_lines_run(tmp_path_factory):
    """``zksvs run txs.jsonl --genesis genesis.json --json`` on the file above; (process, report, folder)."""
    d = tmp_path_factory.mktemp("run-cli")
    (d / "genesis.json").write_text(json.dumps(GENESIS))
    (d / "txs.jsonl").write_bytes(codecs.BOM_UTF8 + ("\r\n".join(TXS_LINES) + "\r\n").encode())
    out = d / "out"
    proc = _zksvs("run", str(d / "txs.jsonl"), "--genesis", str(d / "genesis.json"), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc, json.loads(proc.stdout), out


def test_run_reports_each_bad_line_with_number_and_reason(bad_lines_run):
    _, report, _ = bad_lines_run
    got = {r["arrival"]: r for r in report["rejections"]}
    assert sorted(got) == sorted(EXPECTED)
    for line, (reason, in_message) in EXPECTED.items():
        assert got[line]["reason"] == reason, got[line]
        assert in_message in got[line]["message"], got[line]
    assert got[3]["tx"] is None  # nothing could be parsed from it


def test_run_books_each_rejection_on_the_batch_open_when_its_line_arrived(bad_lines_run):
    _, report, out = bad_lines_run
    assert {r["arrival"]: (r["batch_number"], r["chain_id"]) for r in report["rejections"]} == BOOKED
    # the table `zksvs report` prints from the saved run: rollup 1 has one rejection in batch 0 and one in batch 1
    proc = _zksvs("report", str(out), "--png", str(out.parent / "report.png"))
    assert proc.returncode == 0, proc.stderr
    rows = {}
    for line in proc.stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 9 and cells[0].isdigit() and cells[1].split()[0] in ("rollup", "cross"):
            rows[(int(cells[0]), cells[1])] = cells[3]
    assert rows == {
        (0, "rollup 0"): "0",
        (0, "rollup 1"): "1",
        (0, "cross"): "",
        (1, "rollup 0"): "0",
        (1, "rollup 1"): "1",
        (1, "cross"): "",
    }
    assert "4 rejected line(s) are in no row" in " ".join(proc.stdout.split())


def test_run_includes_the_good_lines_and_settles(bad_lines_run):
    _, report, out = bad_lines_run
    assert report["receipts"] == 2
    assert report["all_settled"] is True
    # lines 2 and 7 each fill their rollup's single slot: two shared batches, both accepted
    assert [(s["batch_number"], s["accepted"]) for s in report["settlements"]] == [(0, True), (1, True)]
    saved = json.loads((out / "settlement.json").read_text())["settlements"]
    assert [s["accepted"] for s in saved] == [True, True]
    batch_proofs = [p for p in report["proofs"] if p["chain_id"] is not None]
    slots = {(p["batch_number"], p["chain_id"]): p["included_slots"] for p in batch_proofs}
    assert slots == {(0, 0): 1, (0, 1): 0, (1, 0): 0, (1, 1): 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"n_rollups": 2, "account_depth": 2,', "invalid JSON"),
        (json.dumps({**GENESIS, "n_rollups": 9}), "n_rollups must be in [2, 8], not 9"),
        (json.dumps({**GENESIS, "colour": "blue"}), "unknown field 'colour'"),
        (json.dumps({k: v for k, v in GENESIS.items() if k != "capacity"}), "missing field 'capacity'"),
        (
            json.dumps({**GENESIS, "rollups": [{"chain_id": 0, "accounts": [{"index": 4, "balance": 1}]}]}),
            "index must be in [0, 3], not 4",
        ),
    ],
    ids=["not-json", "too-many-rollups", "unknown-field", "missing-field", "account-outside-tree"],
)
def test_run_bad_genesis_is_a_clear_error_with_status_2(tmp_path, text, message):
    (tmp_path / "genesis.json").write_text(text)
    (tmp_path / "txs.jsonl").write_text(TXS_LINES[0] + "\n")
    out = tmp_path / "out"
    proc = _zksvs("run", str(tmp_path / "txs.jsonl"), "--genesis", str(tmp_path / "genesis.json"), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("zksvs: error: ") and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not out.exists()  # nothing was run


def test_run_missing_genesis_file_is_a_usage_error(tmp_path):
    (tmp_path / "txs.jsonl").write_text(TXS_LINES[0] + "\n")
    proc = _zksvs("run", str(tmp_path / "txs.jsonl"), "--genesis", str(tmp_path / "nope.json"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_run_human_output_names_every_bad_line(tmp_path):
    # without --json, the report on stderr must still name each bad line with its number and reason ("A bad line is
    # reported with its line number and reason"); only bad lines here, so nothing is proven and the command says so
    # and ends with status 3 (nothing to prove)
    (tmp_path / "genesis.json").write_text(json.dumps(GENESIS))
    expected = {n: EXPECTED[n] for n in (3, 4, 5, 6)}  # lines 1 to 6 with lines 1 and 2 left blank
    (tmp_path / "txs.jsonl").write_text("\n".join(["", "", *TXS_LINES[2:6]]) + "\n")
    env = {**os.environ, "COLUMNS": "400"}
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(tmp_path / "txs.jsonl")]
    cmd += ["--genesis", str(tmp_path / "genesis.json"), "--out", str(tmp_path / "out")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=1200, env=env)
    assert proc.returncode == 3, proc.stderr[-4000:]
    lines = proc.stderr.splitlines()
    for n, (reason, in_message) in expected.items():
        where = f"txs.jsonl:{n}:"
        hits = [line for line in lines if where in line]
        assert hits, f"line {n} ({reason}) is not reported:\n{proc.stderr[-3000:]}"
        assert any(in_message in line for line in hits), hits
    assert lines[-1] == "zksvs: nothing to prove: all 4 transactions were rejected (exit status 3)"
    assert "Traceback" not in proc.stderr

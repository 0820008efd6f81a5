"""``python -m sequencer`` in-process: bad lines are reported with their line number and reason, the others go on."""

from __future__ import annotations

import json

from sequencer.__main__ import main
from sequencer.genesis import dump_genesis
from tests.sequencer.conftest import small_genesis


def test_run_reports_bad_lines_and_goes_on(tmp_path, capsys):
    g = tmp_path / "g.json"
    dump_genesis(small_genesis(), g)
    lines = [
        '{"kind": "transfer", "chain": 0, "from": 1, "to": 2, "amount": 5, "nonce": 0}',
        "{nope",
        '{"kind": "transfer", "chain": 9, "from": 1, "to": 2, "amount": 5, "nonce": 0}',
        "",
        '{"kind": "transfer", "chain": 0, "from": 1, "to": 2, "amount": -5, "nonce": 1}',
        '{"kind": "burn", "chain": 0, "to_chain": 1, "from": 1, "to": 2, "amount": 5, "nonce": 1}',
    ]
    work = tmp_path / "w.jsonl"
    work.write_text("\n".join(lines))
    assert main(["run", str(work), "--genesis", str(g), "--db", str(tmp_path / "s.sqlite")]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    got = [(r["arrival"], r["status"], r.get("reason")) for r in out[:-1]]
    assert got == [
        (1, "accepted", None),
        (2, "rejected", "malformed"),
        (3, "rejected", "unknown_rollup"),
        (5, "rejected", "amount_out_of_u64"),
        (6, "accepted", None),
    ]
    assert "invalid JSON" in out[1]["message"] and out[-1]["done"] and out[-1]["batches"] == 1
    # a second run on the same database has nothing left to do and ends in the same state
    assert main(["run", str(work), "--genesis", str(g), "--db", str(tmp_path / "s.sqlite")]) == 0
    again = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(again) == 1 and again[0]["state_roots"] == out[-1]["state_roots"]
    assert main(["summary", "--db", str(tmp_path / "s.sqlite")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [s for s, _ in summary["accepted"]] == [0, 4] and summary["state_roots"] == out[-1]["state_roots"]


def test_summary_of_a_missing_database_fails(tmp_path, capsys):
    assert main(["summary", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no sequencer database" in capsys.readouterr().err

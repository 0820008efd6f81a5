"""state.json (``pipeline.state``) against the sequencer's own state; the report tables and plot from run.json."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from pipeline.plot import write_plot
from pipeline.report import prove_stage_table, report_tables, summary_line
from pipeline.state import StateFileError, read_state, state_document, state_tables
from pipeline.workload import demo_workload
from sequencer import Sequencer, demo_genesis
from sequencer.genesis import find_whale


@pytest.fixture(scope="module")
def sequenced():
    """A demo genesis (K = 3) and 16 demo transactions sequenced with capacity 2: several shared batches."""
    g = demo_genesis(3, accounts_per_rollup=4, account_depth=3, bridge_depth=3, capacity=2, seed=5)
    seq = Sequencer(g)
    roots = seq.state_roots()
    for i, tx in enumerate(demo_workload(g.balances(), 16, 5, whale=find_whale(g)), start=1):
        seq.submit(tx, i)
    seq.close_batch()
    return g, roots, seq, seq.pop_closed()


def test_state_document_ends_in_the_sequencers_state(sequenced):
    g, roots, seq, batches = sequenced
    assert len(batches) >= 3
    doc = state_document(g, roots, batches)
    assert doc["final"]["after_batch"] == batches[-1].batch_number
    for r in doc["final"]["rollups"]:
        c = r["chain_id"]
        assert r["state_root"] == str(seq.state_roots()[c])
        for a in r["accounts"]:
            acc = seq.account(c, a["index"])
            assert (a["balance"], a["nonce"]) == (str(acc.balance), str(acc.nonce))
        assert len(r["accounts"]) == len(g.accounts[c])  # no account is ever created
    # every boundary's roots are the batch traces' new roots, in order
    for b, shared in zip(doc["batches"], batches, strict=True):
        assert [x["state_root"] for x in b["rollups"]] == [str(v) for v in shared.new_state_roots()]
    assert [x["state_root"] for x in doc["genesis"]] == [str(v) for v in roots]


def test_changed_accounts_replay_to_the_final_accounts(sequenced):
    g, roots, _, batches = sequenced
    doc = state_document(g, roots, batches)
    for c in range(3):
        acc = {i: {"balance": str(a.balance), "nonce": str(a.nonce)} for i, a in g.accounts[c]}
        for b in doc["batches"]:
            for a in b["rollups"][c]["changed_accounts"]:
                acc[a["index"]] = {"balance": a["balance"], "nonce": a["nonce"]}
        final = {
            a["index"]: {"balance": a["balance"], "nonce": a["nonce"]} for a in doc["final"]["rollups"][c]["accounts"]
        }
        assert acc == final


def test_a_run_with_no_batch_states_the_genesis(sequenced):
    g, roots, _, _ = sequenced
    doc = state_document(g, roots, [])
    assert doc["final"]["after_batch"] is None and doc["batches"] == []
    assert [r["state_root"] for r in doc["final"]["rollups"]] == [str(v) for v in roots]


def test_state_tables_and_errors(sequenced, tmp_path):
    g, roots, _, batches = sequenced
    (tmp_path / "state.json").write_text(json.dumps(state_document(g, roots, batches)))
    doc = read_state(tmp_path)
    out = io.StringIO()
    console = Console(file=out, width=120)
    for t in state_tables(doc, chain=2):
        console.print(t)
    text = out.getvalue()
    assert "rollup 2 after shared batch" in text and "rollup 0" not in text
    with pytest.raises(StateFileError, match=r"--chain 3: the run has rollups 0\.\.2"):
        state_tables(doc, chain=3)
    with pytest.raises(StateFileError, match=r"no state\.json in it"):
        read_state(tmp_path / "..")
    (tmp_path / "state.json").write_text('{"format": "other"}')
    with pytest.raises(StateFileError, match="not a zksvs-state/1 document"):
        read_state(tmp_path)


def _gas(tx_total: int) -> dict:
    return {"per_rollup": {"tx_total": tx_total}, "shared_batch": {"tx_total": 3 * tx_total}}


def _run_doc() -> dict:
    """A run.json of K = 2 over two shared batches, with rejections booked on (batch, chain) by hand."""
    proofs = []
    for n in (0, 1):
        for c in (0, 1, None):
            proofs.append(
                {
                    "batch_number": n,
                    "chain_id": c,
                    "circuit": "batch" if c is not None else "cross",
                    "n_constraints": 100,
                    "included_slots": 1,
                    "witness_s": 0.1,
                    "prove_s": 1.0,
                    "verify_s": 0.5,
                    "prove_stages_s": {"witness map (QAP)": 0.2, "MSM A": 0.3, "MSM B2": 0.4},
                    "directory": f"out/batch-{n}/x",
                }
            )
    gas = {m: _gas(g) for m, g in (("openings", 500_000), ("proof", 400_000), ("both", 600_000))}
    rej = [(1, 0), (1, 1), (1, 1), (None, 1), (0, None)]  # (batch, chain)
    return {
        "format": "zksvs-run/1",
        "n_rollups": 2,
        "shape": {"n_rollups": 2, "capacity": 1, "account_depth": 2, "bridge_depth": 1},
        "root_check": "both",
        "transactions": 9,
        "receipts": 4,
        "rejections": [{"arrival": i, "batch_number": n, "chain_id": c} for i, (n, c) in enumerate(rej)],
        "all_settled": True,
        "jit_first_call_s": 1.0,
        "stage_seconds": {"sequence": 0.1, "prove": 6.0},
        "wall_s": 9.0,
        "proofs": proofs,
        "settlements": [
            {"batch_number": n, "accepted": True, "failed_check": None, "chain_id": None, "gas": gas} for n in (0, 1)
        ],
    }


def test_report_books_each_rejection_on_its_batch_and_rollup():
    run = _run_doc()
    proofs, settlement, _ = report_tables(run)
    cells = [list(col.cells) for col in proofs.columns]
    rows = list(zip(*cells, strict=True))
    booked = {(r[0], r[1]): r[3] for r in rows}
    assert booked == {
        ("0", "rollup 0"): "0",
        ("0", "rollup 1"): "0",
        ("0", "cross"): "",
        ("1", "rollup 0"): "1",
        ("1", "rollup 1"): "2",
        ("1", "cross"): "",
    }
    assert "2 rejected line(s) are in no row" in proofs.caption
    assert "share (1/K)" in proofs.caption and "used 'both'" in settlement.caption
    assert [r[8] for r in rows] == ["600,000", "600,000", ""] * 2  # each rollup's share, none for the cross row
    assert summary_line(run) == "9 transactions: 4 included, 5 rejected; 2 shared batches, all settled on L1"
    assert prove_stage_table(run).columns[2].header == "witness map (QAP)"


def test_report_of_a_run_without_proofs_has_no_tables():
    run = _run_doc() | {"proofs": [], "settlements": [], "receipts": 0}
    assert report_tables(run) == []
    assert summary_line(run).endswith("0 included, 5 rejected; no shared batch")


def test_plot_is_a_png(tmp_path):
    p = write_plot(_run_doc(), tmp_path / "report.png")
    data = p.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000

"""The closing report of ``zksvs demo`` / ``zksvs run`` / ``zksvs report``: tables and a summary, from run.json.

Everything here reads the run.json form (``RunResult.to_json``), so a live run and ``zksvs report DIR`` on a saved
folder print the same thing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rich.table import Table

from pipeline.progress import render_table
from zksvs.errors import InputError

#: ``format`` of run.json.
RUN_FORMAT = "zksvs-run/1"


class RunFileError(InputError):
    """A folder has no readable run.json."""


def read_run(folder: str | Path) -> dict:
    """The run.json of a run folder.

    Raises
    ------
    RunFileError
        The folder or its run.json is missing, not JSON, or not a ``zksvs-run/1`` document.
    """
    p = Path(folder) / "run.json"
    if not p.is_file():
        what = "folder does not exist" if not Path(folder).is_dir() else "no run.json in it (not a zksvs run folder?)"
        raise RunFileError(f"{folder}: {what}")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RunFileError(f"{p}: not JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != RUN_FORMAT:
        raise RunFileError(f"{p}: not a {RUN_FORMAT} document")
    return doc


def summary_line(run: dict) -> str:
    """One sentence: transactions in, included, rejected; shared batches and their verdicts."""
    n_txs, included, rejected = run["transactions"], run["receipts"], len(run["rejections"])
    s = run["settlements"]
    accepted = sum(x["accepted"] for x in s)
    if not s:
        verdict = "no shared batch"
    elif accepted == len(s):
        verdict = f"{len(s)} shared batch{'es' if len(s) != 1 else ''}, all settled on L1"
    else:
        verdict = f"{len(s)} shared batches, {len(s) - accepted} REJECTED by the L1"
    return f"{n_txs} transactions: {included} included, {rejected} rejected; {verdict}"


def report_tables(run: dict) -> list[Table]:
    """Proofs (per rollup per shared batch, and the cross-rollup proof), L1 settlement, time per stage.

    No tables when nothing was proven (the summary line says why).
    """
    if not run["proofs"]:
        return []
    mode = run["root_check"]
    k = run["n_rollups"]
    gas = {s["batch_number"]: s["gas"] for s in run["settlements"]}
    rejected = Counter((r["batch_number"], r["chain_id"]) for r in run["rejections"])
    rows = []
    for p in run["proofs"]:
        n, c = p["batch_number"], p["chain_id"]
        g = gas.get(n)
        if c is None:
            who, used, rej, share = "cross", "", "", ""
        else:
            who, used, rej = f"rollup {c}", p["included_slots"], rejected.get((n, c), 0)
            share = g[mode]["per_rollup"]["tx_total"] if g else ""
        rows.append((n, who, used, rej, p["n_constraints"], p["witness_s"], p["prove_s"], p["verify_s"], share))
    elsewhere = sum(v for (n, c), v in rejected.items() if c is None or n is None)
    note = (
        f" {elsewhere} rejected line(s) are in no row: they name no rollup of the set, or came after the last shared "
        "batch closed."
        if elsewhere
        else ""
    )
    proofs = render_table(
        "proofs (one per rollup per shared batch, plus the cross-rollup proof)",
        ["batch", "circuit", "slots used", "rejected", "constraints", "witness s", "prove s", "verify s", "gas"],
        rows,
        caption=(
            f"gas: the rollup's own share of settling with root check '{mode}' if its batch were settled alone: its "
            f"proof checked by itself, its batch commitment, 1/K of the root updates in storage"
            + (", its 2(K−1) = " + str(2 * (k - 1)) + " burn/mint root openings" if mode != "proof" else "")
            + (" and 1/K of the cross-rollup proof" if mode != "openings" else "")
            + ". The L1 table below gives the whole shared batch in one transaction, where the K proofs are checked "
            "together (one pairing product), so it costs less than the sum of the rollups' shares. rejected: lines "
            "rejected while that shared batch was open, on the rollup they name." + note
        ),
        min_width=118,
    )
    srows = []
    for s in run["settlements"]:
        verdict = "ACCEPTED" if s["accepted"] else f"REJECTED: {s['failed_check']}"
        where = "" if s["chain_id"] is None else f"rollup {s['chain_id']}"
        g = s["gas"]
        srows.append(
            (
                s["batch_number"],
                verdict,
                where,
                *(g[m]["shared_batch"]["tx_total"] if g else "" for m in ("openings", "proof", "both")),
            )
        )
    settlement = render_table(
        "L1 settlement (all rollups of a shared batch, or none)",
        ["batch", "verdict", "failed at", "gas: openings", "gas: proof", "gas: both"],
        srows,
        caption=(
            f"gas of the whole shared batch in one L1 transaction (21,000 + calldata + execution; EIP-1108 prices, "
            f"model calibrated on snarkjs's Solidity verifier) under each root check: 'openings' checks the burn/mint "
            f"roots by Merkle openings, 'proof' by the cross-rollup proof, 'both' does both. This run used "
            f"'{mode}'."
        ),
        min_width=100,
    )
    names = {"jit": "jit (load, or compile once, the prover kernels)"}
    stages = render_table(
        "time per stage",
        ["stage", "seconds"],
        [(names.get(n, n), round(v, 2)) for n, v in run["stage_seconds"].items()]
        + [("total (wall)", round(run["wall_s"], 2))],
    )
    return [proofs, settlement, stages]


def prove_stage_table(run: dict) -> Table:
    """Seconds per prover stage for every proof (``-v``)."""
    names: list[str] = []
    for p in run["proofs"]:
        names += [n for n in p["prove_stages_s"] if n not in names]
    rows = []
    for p in run["proofs"]:
        who = "cross" if p["chain_id"] is None else f"rollup {p['chain_id']}"
        rows.append((p["batch_number"], who, *(round(p["prove_stages_s"].get(n, 0.0), 3) for n in names)))
    return render_table("prover stages (seconds)", ["batch", "circuit", *names], rows)

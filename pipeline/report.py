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
    evm = {s["batch_number"]: s["evm"]["gas_used"] for s in run["settlements"] if "evm" in s}
    included = Counter()
    for p in run["proofs"]:
        if p["chain_id"] is not None:
            included[p["batch_number"]] += p["included_slots"]
    rejected = Counter((r["batch_number"], r["chain_id"]) for r in run["rejections"])
    rows = []
    for p in run["proofs"]:
        n, c = p["batch_number"], p["chain_id"]
        g = gas.get(n)
        if c is None:
            who, used, rej, share = "cross", "", "", ""
        else:
            who, used, rej = f"rollup {c}", p["included_slots"], rejected.get((n, c), 0)
            measured = evm.get(n)
            share = measured // k if measured is not None else (g[mode]["per_rollup"]["tx_total"] if g else "")
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
            f"gas: the rollup's share (1/K) of settling its shared batch with root check '{mode}' "
            + ("as measured on the EVM" if any("evm" in x for x in run["settlements"]) else "(the gas model)")
            + ". rejected: lines rejected while that shared batch was open, on the rollup they name."
            + note
        ),
        min_width=118,
    )
    srows = []
    measured = bool(evm)
    for s in run["settlements"]:
        verdict = "ACCEPTED" if s["accepted"] else f"REJECTED: {s['failed_check']}"
        where = "" if s["chain_id"] is None else f"rollup {s['chain_id']}"
        g = s["gas"]
        n = s["batch_number"]
        on_evm = ()
        if measured:
            used = evm.get(n)
            on_evm = (
                used if used is not None else "",
                used // k if used is not None else "",
                used // included[n] if used is not None and included[n] else "",
            )
        srows.append(
            (
                n,
                verdict,
                where,
                *on_evm,
                *(g[m]["shared_batch"]["tx_total"] if g else "" for m in ("openings", "proof", "both")),
            )
        )
    evm_cols = ["EVM gas", "per rollup", "per tx"] if measured else []
    settlement = render_table(
        "L1 settlement (all rollups of a shared batch, or none)",
        ["batch", "verdict", "failed at", *evm_cols, "model: openings", "model: proof", "model: both"],
        srows,
        caption=(
            (
                f"EVM gas: measured on SharedSettlement.sol (pyrevm, Cancun rules, cold state) for root check "
                f"'{mode}': the whole shared batch in one L1 transaction (21,000 + calldata + execution), per rollup "
                f"(1/K) and per included transaction. "
                if measured
                else ""
            )
            + "model: the gas model (verifier.gas, calibrated on the contract) of the same shared batch under each "
            "root check: 'openings' opens the burn/mint roots in the state roots (Poseidon on L1), 'proof' checks the "
            f"cross-rollup proof instead, 'both' does both. This run used '{mode}'."
        ),
        min_width=100,
    )
    names = {
        "jit sequencer": "jit (load, or compile once, the sequencer kernels)",
        "jit": "jit (load, or compile once, the prover kernels)",
    }
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

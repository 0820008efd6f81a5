"""The closing tables of ``zksvs demo`` / ``zksvs run``: per rollup per shared batch, settlement, stages."""

from __future__ import annotations

from rich.table import Table

from pipeline.progress import render_table
from pipeline.run import RunResult


def report_tables(result: RunResult, wall_s: float) -> list[Table]:
    """Three tables: proofs (per rollup per shared batch, and the cross-rollup proof), settlement, stage times."""
    mode = result.root_check
    gas_by_batch = {s.batch_number: s.gas for s in result.settlements}
    rows = []
    for p in result.proofs:
        gas = gas_by_batch.get(p.batch_number)
        if p.chain_id is None:
            who, included, rejected = "cross", "", ""
            g = gas.cross_proof.tx_total if gas and mode != "openings" else ""
        else:
            who = f"rollup {p.chain_id}"
            included = p.included_slots
            rejected = result.rejected_by_chain.get(p.chain_id, 0) if p.batch_number == 0 else ""
            g = gas.per_rollup(mode).tx_total if gas else ""
        rows.append(
            (p.batch_number, who, included, rejected, p.n_constraints, round(p.prove_s, 2), round(p.verify_s, 2), g)
        )
    proofs = render_table(
        "proofs (per rollup per shared batch)",
        ["batch", "circuit", "slots used", "rejected txs", "constraints", "prove s", "verify s", "gas"],
        rows,
        caption=f"gas per rollup with root check '{mode}' (EIP-1108 model, calibrated on snarkjs's verifier); "
        "rejected txs counted once, on the chain they were sent to",
    )
    srows = []
    for s in result.settlements:
        verdict = "ACCEPTED" if s.accepted else f"REJECTED: {s.failed_check}"
        where = "" if s.chain_id is None else f"rollup {s.chain_id}"
        g = s.gas
        srows.append(
            (
                s.batch_number,
                verdict,
                where,
                g.shared_batch("openings").tx_total if g else "",
                g.shared_batch("proof").tx_total if g else "",
                g.shared_batch("both").tx_total if g else "",
            )
        )
    settlement = render_table(
        "L1 settlement (all rollups of a shared batch, or none)",
        ["batch", "verdict", "failed at", "gas: openings", "gas: proof", "gas: both"],
        srows,
        caption=f"{result.receipts} txs included, {len(result.rejections)} rejected; settled with root check '{mode}'",
    )
    st = dict(result.stage_seconds)
    stages = render_table(
        "time per stage",
        ["stage", "seconds"],
        [(k, round(v, 2)) for k, v in st.items()] + [("total (wall)", round(wall_s, 2))],
        caption=f"first-call JIT of the prover kernels: {result.jit_first_call_s:.2f} s "
        "(cached on disk: later runs load them)",
    )
    return [proofs, settlement, stages]

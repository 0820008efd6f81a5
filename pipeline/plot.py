"""The results plot of a run (``zksvs demo --plot``, ``zksvs report DIR``): a PNG drawn from run.json.

Three panels: seconds per stage per rollup (witness, the prover's QAP and MSM stages, verify; summed over the shared
batches), L1 gas per shared batch under each root check, and where the run's wall time went. matplotlib with the Agg
backend (no display needed).
"""

from __future__ import annotations

from pathlib import Path

#: Prover stages folded into one bar segment each (names of ``prover.STAGES``; others go to "prove: other").
_PROVE_GROUPS = (
    ("prove: QAP (NTTs)", ("witness map (QAP)",)),
    ("prove: MSMs G1", ("MSM A", "MSM B1", "MSM C", "MSM H")),
    ("prove: MSM G2", ("MSM B2",)),
)
_COLOURS = ("#8da0cb", "#66c2a5", "#fc8d62", "#e78ac3", "#a6d854", "#ffd92f", "#b3b3b3")


def _segments(run: dict) -> tuple[list[str], dict[str, list[float]]]:
    """Circuit labels (rollup 0..K−1, cross) and, per segment name, seconds summed over the shared batches."""
    k = run["n_rollups"]
    labels = [f"rollup {c}" for c in range(k)] + ["cross"]
    names = ["witness", *(g for g, _ in _PROVE_GROUPS), "prove: other", "verify"]
    seg = {n: [0.0] * len(labels) for n in names}
    for p in run["proofs"]:
        i = k if p["chain_id"] is None else p["chain_id"]
        seg["witness"][i] += p["witness_s"]
        seg["verify"][i] += p["verify_s"]
        grouped = 0.0
        for g, members in _PROVE_GROUPS:
            v = sum(p["prove_stages_s"].get(m, 0.0) for m in members)
            seg[g][i] += v
            grouped += v
        seg["prove: other"][i] += max(0.0, p["prove_s"] - grouped)
    return labels, seg


def write_plot(run: dict, path: str | Path) -> Path:
    """Draw the three panels of the module docstring for ``run`` (a run.json document) into the PNG ``path``.

    Returns
    -------
    Path
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    shape = run["shape"]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.8), dpi=110, gridspec_kw={"width_ratios": [1.25, 1.1, 1.0]})
    fig.suptitle(
        f"zksvs: K = {shape['n_rollups']} rollups, capacity B = {shape['capacity']}, account depth "
        f"D = {shape['account_depth']}, bridge depth M = {shape['bridge_depth']}; {run['receipts']} of "
        f"{run['transactions']} transactions included in {len(run['settlements'])} shared batches",
        fontsize=12,
    )

    ax = axes[0]
    labels, seg = _segments(run)
    bottom = [0.0] * len(labels)
    for (name, values), colour in zip(seg.items(), _COLOURS, strict=False):
        if not any(values):
            continue
        ax.bar(labels, values, bottom=bottom, label=name, color=colour, edgecolor="white", linewidth=0.5)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for x, total in enumerate(bottom):
        ax.annotate(
            f"{total:.2f} s",
            (x, total),
            ha="center",
            va="bottom",
            fontsize=9,
            xytext=(0, 2),
            textcoords="offset points",
        )
    n_batches = len(run["settlements"])
    ax.set_title(f"time per stage per rollup (summed over {n_batches} shared batch{'es' if n_batches != 1 else ''})")
    ax.set_ylabel("seconds")
    ax.set_ylim(0, max(bottom or [1.0]) * 1.15 or 1.0)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3, frameon=False)
    ax.grid(axis="y", alpha=0.3)

    ax = axes[1]
    modes = ("openings", "proof", "both")
    batches = [s["batch_number"] for s in run["settlements"] if s["gas"]]
    width = 0.26
    for j, m in enumerate(modes):
        gas_m = [s["gas"][m]["shared_batch"]["tx_total"] / 1e6 for s in run["settlements"] if s["gas"]]
        used = m == run["root_check"]
        bars = ax.bar(
            [b + (j - 1) * width for b in batches],
            gas_m,
            width,
            label=f"{m} (used)" if used else m,
            color=_COLOURS[j + 1],
            edgecolor="black" if used else "white",
            linewidth=1.4 if used else 0.5,
            hatch="//" if used else None,
        )
        for rect, v in zip(bars, gas_m, strict=True):
            ax.annotate(
                f"{v:.2f}",
                (rect.get_x() + rect.get_width() / 2, v),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
    ax.set_xticks(batches, [f"batch {b}" for b in batches])
    ax.set_title("L1 gas per shared batch, by root check")
    ax.set_ylabel("million gas (one L1 transaction)")
    top = max(
        (s["gas"][m]["shared_batch"]["tx_total"] for s in run["settlements"] if s["gas"] for m in modes), default=1e6
    )
    ax.set_ylim(0, top / 1e6 * 1.2)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    rejected = [s for s in run["settlements"] if not s["accepted"]]
    if rejected:
        ax.text(
            0.5,
            0.95,
            "REJECTED: " + ", ".join(f"batch {s['batch_number']} ({s['failed_check']})" for s in rejected),
            transform=ax.transAxes,
            ha="center",
            color="red",
            fontsize=9,
        )

    ax = axes[2]
    stages = [(n, v) for n, v in run["stage_seconds"].items() if v > 0]
    names = [n for n, _ in stages][::-1]
    values = [v for _, v in stages][::-1]
    ax.barh(names, values, color=_COLOURS[0])
    for y, v in enumerate(values):
        ax.annotate(f"{v:.2f} s", (v, y), va="center", fontsize=8, xytext=(3, 0), textcoords="offset points")
    ax.set_title(f"where the wall time went ({run['wall_s']:.1f} s in all)")
    ax.set_xlabel("seconds")
    ax.set_xlim(0, max(values or [1.0]) * 1.25)
    ax.grid(axis="x", alpha=0.3)

    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path

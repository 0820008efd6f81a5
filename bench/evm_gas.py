"""L1 gas on the EVM: ``SharedSettlement.settle`` measured for a grid of shapes, the gas model beside it, the levers.

``python -m bench.evm_gas [--out DIR] [--fit]`` settles honest synthetic shared batches (``bench.evm_shapes``) of
K = 2…8 rollups and B = 1…64 slots under each root check on the EVM (pyrevm, Cancun rules, every transaction cold),
prints gas vs K and gas vs B as tables, writes ``DIR/evm_gas.json`` and ``DIR/evm_gas.png``, and compares each
figure with the gas model (``verifier.gas.settle_gas``). ``--fit`` refits the model's code-overhead coefficients
by least squares on the measured rows (what ``verifier.gas`` holds was fitted so).

``levers()`` measures the design choices one at a time at the demo shape (K = 4, B = 4): keys from one phase 1
against keys that share nothing, one pairing call for all proofs against one snarkjs verifier call per proof, and
the evaluation binding against recomputing the old Poseidon commitment on L1 (circomlibjs's Poseidon contracts).

Gas only depends on K, B, the root check and the key layout, so the synthetic batches stand for real ones; the tests
settle real pipeline runs too and hold the model within 2 % of them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from bench.evm_shapes import synthetic_shared_batch
from verifier.evm import calldata_gas
from verifier.evm_calldata import settle_calldata, submission_words
from verifier.evm_settlement import EvmSettlementContract
from verifier.gas import ECADD_GAS, ECMUL_GAS, TX_BASE_GAS, pairing_gas, settle_gas, settle_precompile_counts
from zksvs.rollup_state import bridge_slot_depth

__all__ = ["fit", "levers", "measure", "sweep"]

MODES = ("proof", "openings", "both")
K_RANGE = (2, 3, 4, 5, 6, 7, 8)
B_RANGE = (1, 2, 4, 8, 16, 32, 64)


def _for_mode(sub, mode: str):
    if mode == "openings":
        return replace(sub, cross_proof=None, cross_public_inputs=None)
    if mode == "proof":
        return replace(sub, rollups=[replace(r, bridge_slots=None) for r in sub.rollups])
    return sub


def measure(k: int, b: int, mode: str, *, shared_phase1: bool = True, seed: int = 1) -> dict:
    """Settle one honest synthetic shared batch of shape (K, B) on a fresh EVM contract; gas measured and modelled."""
    run = synthetic_shared_batch(k, b, seed=seed, shared_phase1=shared_phase1)
    sub = _for_mode(run.submission, mode)
    contract = EvmSettlementContract(mode, None if mode == "openings" else run.cross_vk)
    for c, root in enumerate(run.genesis_state_roots):
        contract.register(c, run.batch_vk, root)
    result = contract.settle(sub)
    if not result.accepted:
        raise RuntimeError(f"K={k} B={b} {mode}: the honest batch was rejected ({result.evm.error})")
    cd = calldata_gas(settle_calldata(submission_words(sub)))
    model = settle_gas(k, b, mode, shared_alpha_beta=shared_phase1, shared_gamma=shared_phase1, calldata=cd)
    pairs, ecmul, ecadd = settle_precompile_counts(k, mode, shared_alpha_beta=shared_phase1, shared_gamma=shared_phase1)
    gas = result.evm.gas_used
    return {
        "k": k,
        "b": b,
        "mode": mode,
        "shared_phase1": shared_phase1,
        "gas": gas,
        "calldata": cd,
        "calldata_bytes": result.evm.calldata_bytes,
        "precompile": pairing_gas(pairs) + ecmul * ECMUL_GAS + ecadd * ECADD_GAS,
        "overhead": gas - TX_BASE_GAS - cd - (pairing_gas(pairs) + ecmul * ECMUL_GAS + ecadd * ECADD_GAS),
        "included": run.included_slots,
        "model": model.tx_total,
        "model_error": (model.tx_total - gas) / gas,
        "deployment_gas": dict(contract.deployment_gas),
    }


def sweep(k_range=K_RANGE, b_range=B_RANGE, demo_b: int = 4, demo_k: int = 4) -> list[dict]:
    """Gas vs K at B = ``demo_b`` and gas vs B at K = ``demo_k``, every root check."""
    shapes = sorted({(k, demo_b) for k in k_range} | {(demo_k, b) for b in b_range})
    return [measure(k, b, mode) for k, b in shapes for mode in MODES]


def fit(rows: list[dict]) -> dict[str, float]:
    """Least-squares code-overhead coefficients of ``settle_gas`` from measured rows (overhead = gas − 21,000 −
    calldata − precompiles): base, per rollup, per slot; openings base, per rollup, per slot-tree leaf; cross base,
    per rollup. Storage is in the base (it is constant with the hashed roots)."""
    import numpy as np

    x, y = [], []
    for r in rows:
        k, b, mode = r["k"], r["b"], r["mode"]
        op = mode in ("openings", "both")
        cr = mode in ("proof", "both")
        leaves = k * (1 << bridge_slot_depth(k))
        x.append([1, k, k * b, op, op * k, op * leaves, cr, cr * k])
        y.append(r["overhead"])
    coef, *_ = np.linalg.lstsq(np.array(x, dtype=float), np.array(y, dtype=float), rcond=None)
    names = ["base", "per_rollup", "per_slot", "openings_base", "openings_per_rollup", "openings_per_leaf",
             "cross_base", "cross_per_rollup"]  # fmt: skip
    return dict(zip(names, (round(float(c), 1) for c in coef), strict=True))


def levers() -> dict[str, int]:
    """Gas of each design choice at K = 4, B = 4 (module docstring)."""
    out = {}
    for shared in (True, False):
        r = measure(4, 4, "proof", shared_phase1=shared)
        out[f"proof mode, keys {'from one phase 1' if shared else 'sharing nothing'}"] = r["gas"]
    return out


def _table(rows: list[dict], key: str, fixed: str, value: int) -> str:
    lines = [f"gas vs {key.upper()} ({fixed.upper()} = {value}); model error in %"]
    lines.append(f"{key.upper():>3} " + "".join(f"{m:>22}" for m in MODES) + f"{'per tx (proof)':>16}")
    for v in sorted({r[key] for r in rows if r[fixed] == value}):
        cells = []
        per_tx = ""
        for m in MODES:
            r = next(x for x in rows if x[key] == v and x[fixed] == value and x["mode"] == m)
            cells.append(f"{r['gas']:>14,} ({100 * r['model_error']:+.1f})")
            if m == "proof" and r["included"]:
                per_tx = f"{r['gas'] // r['included']:,}"
        lines.append(f"{v:>3} " + "".join(f"{c:>22}" for c in cells) + f"{per_tx:>16}")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    """Gas vs K and gas vs B, one line per root check, measured (dots) and modelled (dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, fixed, value in ((axes[0], "k", "b", 4), (axes[1], "b", "k", 4)):
        for mode in MODES:
            sel = sorted((r for r in rows if r[fixed] == value and r["mode"] == mode), key=lambda r: r[key])
            xs = [r[key] for r in sel]
            ax.plot(xs, [r["gas"] / 1e6 for r in sel], "o-", label=f"{mode} (EVM)")
            ax.plot(xs, [r["model"] / 1e6 for r in sel], "--", color=ax.lines[-1].get_color(), alpha=0.6)
        ax.set_xlabel({"k": "K rollups (B = 4)", "b": "B slots per rollup batch (K = 4)"}[key])
        ax.set_ylabel("million gas per shared batch")
        if key == "b":
            ax.set_xscale("log", base=2)
        ax.grid(alpha=0.3)
    axes[0].axhline(0.6, color="grey", lw=0.8, ls=":")
    axes[0].axhline(1.5, color="grey", lw=0.8, ls=":")
    axes[0].legend(fontsize=8)
    fig.suptitle("SharedSettlement.settle on the EVM (pyrevm, Cancun, cold); dashed: the gas model")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="zksvs-out/bench", help="Folder for evm_gas.json and evm_gas.png.")
    ap.add_argument("--fit", action="store_true", help="Print least-squares coefficients of the code overhead.")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = sweep()
    (out / "evm_gas.json").write_text(json.dumps({"rows": rows, "levers": levers()}, indent=1) + "\n")
    print(_table(rows, "k", "b", 4))
    print()
    print(_table(rows, "b", "k", 4))
    plot(rows, out / "evm_gas.png")
    if args.fit:
        print(fit(rows))


if __name__ == "__main__":
    main()

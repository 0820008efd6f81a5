"""Run the SMT uniqueness and domain sweep (``tests.soundness.sweep``) and print its table; write the rows as JSON.

Usage (from the repository root; needs the ``test`` extra, which brings ``cvc5-gpl``)::

    python tools/smt_sweep.py                  # the fast tier (what the default test run checks)
    python tools/smt_sweep.py --full           # every shape: K ∈ {2, 3, 4}, capacity 1–2, depths 2–3
    python tools/smt_sweep.py -k batch --json build/smt_sweep.json --timeout 30

Columns: circuit or gadget, shape, query, verdict (``unique`` / ``in domain`` are proofs; ``counterexample`` is a
model checked on the full R1CS; ``candidate`` a model of a slice or an abstraction, unconfirmed; ``unknown`` the
solver gave up: not safe), seconds, wires fixed by propagation, wires proved by the solver, solver calls, and
whether the verdict is the expected one (mutants must give counterexamples; known findings on main are marked).
Exit status 0 when every verdict is as expected (known findings included), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tests.soundness.sweep import all_cases, row  # noqa: E402

_STYLE = {"unique": "green", "in domain": "green", "counterexample": "red", "candidate": "yellow", "unknown": "magenta"}


def markdown(rows: list[dict]) -> str:
    """The table as Markdown (for docs/uniqueness.md)."""
    head = "| circuit / gadget | shape | query | verdict | s | propagation | solver | calls | expected |"
    lines = [head, "|" + " --- |" * 9]
    for r in rows:
        expected = "yes" if r["as_expected"] else ("finding on main" if r["finding"] else "**NO**")
        lines.append(
            f"| {r['circuit']} | {r['shape']} | {r['query']} | {r['status']} | {r['seconds']:.2f} | "
            f"{r['fixed_by_propagation']} | {r['fixed_by_solver']} | {r['solver_calls']} | {expected} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="every shape (default: the fast tier)")
    ap.add_argument("-k", dest="match", default="", help="only cases whose 'circuit [shape] query' contains this")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per solver call (default 20)")
    ap.add_argument("--json", dest="json_path", default="build/smt_sweep.json", help="where to write the rows")
    ap.add_argument("--details", action="store_true", help="print every counterexample trace after the table")
    ap.add_argument("--markdown", default=None, help="also write the table as Markdown to this file")
    args = ap.parse_args(argv)

    console = Console()
    cases = [c for c in all_cases(full=args.full) if args.match in c.key]
    table = Table(title=f"SMT sweep ({'full' if args.full else 'fast'} tier, {len(cases)} queries)")
    for col in ("circuit / gadget", "shape", "query", "verdict", "s", "propagation", "solver", "calls", "expected"):
        table.add_column(col, justify="right" if col in ("s", "propagation", "solver", "calls") else "left")
    rows = []
    t0 = time.perf_counter()
    with console.status("running") as status:
        for i, case in enumerate(cases):
            status.update(f"[{i + 1}/{len(cases)}] {case.key}")
            res = case.run(args.timeout)
            r = row(case, res)
            rows.append(r)
            if r["as_expected"]:
                expected = "yes"
            elif case.finding:
                expected = "[yellow]finding on main[/]"
            else:
                expected = "[bold red]NO[/]"
            table.add_row(
                case.circuit, case.shape, case.query, f"[{_STYLE.get(res.status, '')}]{res.status}[/]",
                f"{res.seconds:.2f}", str(r["fixed_by_propagation"]), str(r["fixed_by_solver"]),
                str(res.solver_calls), expected,
            )  # fmt: skip
    total = time.perf_counter() - t0
    console.print(table)
    if args.details:
        for r in rows:
            if r["status"] not in ("unique", "in domain"):
                console.print(f"[bold]{r['circuit']} [{r['shape']}] {r['query']}[/]: {r['status']}\n{r['detail']}\n")
    unexpected = [r for r in rows if not r["as_expected"] and not r["finding"]]
    findings = [r for r in rows if not r["as_expected"] and r["finding"]]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    console.print(
        f"{len(rows)} queries in {total:.1f} s (load {load:.2f}); {len(findings)} fail on known findings, "
        f"{len(unexpected)} unexpected"
    )
    out = Path(args.json_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"tier": "full" if args.full else "fast", "seconds": round(total, 1), "load": load, "timeout": args.timeout}
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1, ensure_ascii=False))
    console.print(f"wrote {out}")
    if args.markdown:
        Path(args.markdown).write_text(markdown(rows))
        console.print(f"wrote {args.markdown}")
    return 0 if not unexpected else 1


if __name__ == "__main__":
    sys.exit(main())

"""Running ``zksvs`` as a user does (a fresh ``python -m pipeline.cli`` process of this checkout) and reading its
stderr the way issue 11 asks: one line per error, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: A genesis of the smallest shape the circuits allow for two batches (K = 2, B = 1, D = 2, M = 1).
TINY_GENESIS = {
    "n_rollups": 2,
    "account_depth": 2,
    "bridge_depth": 1,
    "capacity": 1,
    "rollups": [
        {"chain_id": 0, "accounts": [{"index": 0, "balance": 100}, {"index": 1, "balance": 0}]},
        {"chain_id": 1, "accounts": [{"index": 0, "balance": 50}, {"index": 3, "balance": 1}]},
    ],
}


def zksvs(*args: object, cwd: Path | None = None, timeout: float = 1200) -> subprocess.CompletedProcess:
    """Run the CLI with ``args`` in ``cwd`` (default: the checkout); never raises on a non-zero exit."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "pipeline.cli", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd or ROOT, capture_output=True, text=True, check=False, timeout=timeout, env=env)


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one line of stderr of a failed command (asserted: exactly one non-blank line, ``zksvs: error: …``)."""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1, f"expected one error line, got:\n{proc.stderr}"
    assert lines[0].startswith("zksvs: error: "), lines[0]
    return lines[0]

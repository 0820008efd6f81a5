"""Runs the outside tools (snarkjs, circomlibjs, circom2) that tests use as oracles.

The node packages are pinned in package.json + package-lock.json at the project root and installed with ``npm ci``
by ``ensure_node_modules()`` (called from the session fixture ``node_tools``), never by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
_STAMP = NODE_MODULES / ".zksvs-lock-stamp"
_lock = threading.Lock()


def ensure_node_modules() -> Path:
    """Install the pinned node packages with ``npm ci`` unless the installed tree matches package-lock.json.

    Returns the node_modules path. Raises ``RuntimeError`` (with npm's output) if node/npm are missing or the
    install fails: a missing oracle is an error, never a skip.
    """
    with _lock:
        lock_text = (ROOT / "package-lock.json").read_text()
        if _STAMP.exists() and _STAMP.read_text() == lock_text:
            return NODE_MODULES
        if shutil.which("node") is None or shutil.which("npm") is None:
            raise RuntimeError("node and npm are needed for the oracle tests (snarkjs, circomlibjs): install Node.js")
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"npm ci failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        _STAMP.write_text(lock_text)
        return NODE_MODULES


def snarkjs(*args: str | os.PathLike, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``snarkjs ARGS`` from the pinned install; returns the completed process (stdout/stderr as text)."""
    ensure_node_modules()
    cli = NODE_MODULES / "snarkjs" / "build" / "cli.cjs"
    proc = subprocess.run(
        ["node", str(cli), *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        cmd = " ".join(map(str, args))
        raise RuntimeError(f"snarkjs {cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_node_script(source: str, payload: object | None = None, cwd: Path | None = None) -> object:
    """Run a CommonJS node script (``source``) with ``payload`` as JSON on stdin; parse its stdout as JSON.

    The script runs with the project root on its module path, so ``require("circomlibjs")`` and
    ``require("snarkjs")`` resolve to the pinned packages.
    """
    ensure_node_modules()
    env = dict(os.environ, NODE_PATH=str(NODE_MODULES))
    proc = subprocess.run(
        ["node", "-e", source],
        input=json.dumps(payload),
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"node script failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout)

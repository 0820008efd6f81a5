"""The import table of STYLE.md §5: three floors (core, stages, pipeline), no import upward or sideways.

Every module of every package is parsed with ``ast``; each import is checked against its package's table. A
subprocess also checks that importing the numba-free packages leaves numba out of ``sys.modules``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"zksvs", "accel", "circuits", "prover", "verifier", "sequencer", "pipeline"}

# package -> project packages (or dotted prefixes) it may import; None = any public API
ALLOWED: dict[str, set[str]] = {
    "zksvs": {"zksvs"},
    "accel": {"zksvs", "accel"},
    "circuits": {"zksvs"},
    "prover": {
        "zksvs.r1cs",
        "zksvs.witness",
        "zksvs.groth16",
        "zksvs.field",
        "zksvs.formats",
        "zksvs.errors",
        "zksvs.limbs",
        "accel",
        "prover",
    },
    "verifier": {
        "zksvs.groth16",
        "zksvs.formats.snarkjs_json",
        "zksvs.merkle",
        "zksvs.poseidon",
        "zksvs.rollup_state",
        "zksvs.statement",
        "zksvs.keccak",
        "zksvs.field",
        "zksvs.errors",
        # the forced-inclusion queue (issue 10 §3): the L1 checks queued signed transactions and their messages
        "zksvs.babyjub",
        "zksvs.eddsa",
        "zksvs.forced",
        "zksvs.tx_message",
        "verifier",
    },
    "sequencer": {"zksvs", "accel", "sequencer"},
    "pipeline": {"zksvs", "circuits", "prover", "verifier", "sequencer", "pipeline"},
}
# the L1 model, the circuits and the core never load numba; the sequencer's fast paths (accel.merkle.NativeHasher,
# the batch signature verifier accel.babyjub) do
NO_NUMBA = {"zksvs", "circuits", "verifier"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}:{node.lineno}: relative import; use absolute imports")
    return out


def _allowed(pkg: str, name: str) -> bool:
    top = name.split(".")[0]
    if top == "numba":
        return pkg not in NO_NUMBA
    if top not in PROJECT:
        return True
    if pkg == "pipeline":
        parts = name.split(".")
        if top == "accel":
            return False
        return not (len(parts) > 1 and parts[1] == "kernels") and not any(p.startswith("_") for p in parts)
    return any(name == a or name.startswith(a + ".") for a in ALLOWED[pkg] | {pkg})


@pytest.mark.parametrize("pkg", sorted(ALLOWED))
def test_package_imports_follow_the_table(pkg):
    files = sorted((ROOT / pkg).rglob("*.py"))
    assert files, f"package {pkg} has no modules"
    bad = [
        f"{f.relative_to(ROOT)}:{line}: {name}" for f in files for line, name in _imports(f) if not _allowed(pkg, name)
    ]
    assert not bad, f"{pkg} imports outside STYLE.md §5:\n" + "\n".join(bad)


def test_boundary_checker_catches_a_forbidden_import():
    assert not _allowed("verifier", "prover.prove")
    assert not _allowed("circuits", "sequencer.tx")
    assert not _allowed("zksvs", "numba")
    assert not _allowed("pipeline", "prover.kernels.msm")
    assert not _allowed("pipeline", "accel.field")
    assert not _allowed("verifier", "accel.field")
    assert not _allowed("circuits", "accel")
    assert _allowed("prover", "accel.field")
    assert _allowed("sequencer", "accel.merkle")
    assert not _allowed("sequencer", "prover.prove")
    assert not _allowed("zksvs", "accel.poseidon")
    assert _allowed("sequencer", "numba")
    assert not _allowed("verifier", "numba")
    assert _allowed("pipeline", "prover.prove")


def test_numba_free_packages_do_not_load_numba():
    # the L1 model and the circuits (and the core they stand on) never load numba, whatever they touch
    code = (
        "import sys, zksvs, zksvs.merkle, zksvs.rollup_state, verifier, circuits\n"
        "from zksvs.merkle import SparseMerkleTree\n"
        "SparseMerkleTree(4).set(3, 7)\n"
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_the_sequencer_loads_numba_only_when_a_sequencer_is_made():
    # ``import sequencer`` stays light (the pipeline imports it for its types); a Sequencer loads the native hasher
    code = (
        "import sys, sequencer\n"
        "before = 'numba' in sys.modules\n"
        "sequencer.Sequencer(sequencer.demo_genesis(2))\n"
        "print(before, 'numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"], out.stderr

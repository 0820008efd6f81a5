"""The L1's build tools: the pinned node packages (solc-js, snarkjs) and Solidity compilation cached by source hash.

Compilation is a build step run on first use, never a checked-in blob: ``compile_solidity`` hands the sources to
solc-js (npm ``solc``, pinned) with fixed settings and keeps solc's output under the cache folder, keyed by the
SHA-256 of the compiler version and the whole standard-JSON input (sources and settings), so a changed source
recompiles and an unchanged one costs a file read.

Where the node packages come from (``node_modules``), first match wins:

1. ``$ZKSVS_NODE_MODULES``, if it holds the pinned versions;
2. the ``node_modules`` folder of a source checkout (``npm ci`` at the project root, what the tests install);
3. ``<cache>/node/node_modules``, installed on first use by ``npm ci`` from ``verifier/node/package-lock.json``
   (shipped as package data, so ``pip install . && zksvs demo`` works on a fresh machine with node and npm).

The cache folder is ``$ZKSVS_CACHE_DIR``, else ``$XDG_CACHE_HOME/zksvs``, else ``~/.cache/zksvs``.

Pinned settings: solc-js 0.8.37, optimizer on with 200 runs, ``evmVersion`` cancun (PUSH0, MCOPY; the EVM runs
the Cancun rules, ``verifier.evm_chain``). The gas anchors (``shared/anchors/evm_gas.md``) were compiled for paris;
``compile_solidity(..., evm_version="paris")`` reproduces them exactly (tested).

References
----------
Solidity documentation, "Using the Compiler: Compiler Input and Output JSON Description" (standard JSON);
npm ``solc`` 0.8.37 README (``solc.compile`` takes and returns standard JSON).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from zksvs.errors import ToolchainError

__all__ = [
    "EVM_VERSION",
    "OPTIMIZER_RUNS",
    "SNARKJS_VERSION",
    "SOLC_VERSION",
    "CompiledContract",
    "cache_dir",
    "compile_solidity",
    "contract_source",
    "is_cached",
    "node_modules",
]

SOLC_VERSION = "0.8.37"
SNARKJS_VERSION = "0.7.6"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200

Say = Callable[[str], None]

_CHECKOUT_NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
_COMPILE_SCRIPT = (
    "const solc = require(process.argv[1]);"
    "let input = '';"
    "process.stdin.on('data', (d) => { input += d; });"
    "process.stdin.on('end', () => { process.stdout.write(solc.compile(input)); });"
)


def cache_dir() -> Path:
    """The zksvs cache folder (module docstring); not created here."""
    if os.environ.get("ZKSVS_CACHE_DIR"):
        return Path(os.environ["ZKSVS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zksvs"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (two processes must not install or write one cache entry at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _package_version(nm: Path, name: str) -> str | None:
    try:
        return json.loads((nm / name / "package.json").read_text()).get("version")
    except (OSError, ValueError):
        return None


def _has_pinned_tools(nm: Path) -> bool:
    return _package_version(nm, "solc") == SOLC_VERSION and _package_version(nm, "snarkjs") == SNARKJS_VERSION


def _require_node() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise ToolchainError(
            "node and npm are needed to compile the L1 contracts (solc-js): install Node.js ≥ 18, "
            "or settle on the Python model with --l1 model"
        )


def _install_into_cache(say: Say) -> Path:
    """``npm ci`` of the shipped lock into ``<cache>/node`` (once; a stamp holds the lock it was made from)."""
    target = cache_dir() / "node"
    nm = target / "node_modules"
    pkg = resources.files("verifier").joinpath("node")
    lock_text = pkg.joinpath("package-lock.json").read_text()
    stamp = target / ".zksvs-lock-stamp"
    with _file_lock(target / ".install.lock"):
        if stamp.exists() and stamp.read_text() == lock_text and _has_pinned_tools(nm):
            return nm
        _require_node()
        say(f"installing solc-js {SOLC_VERSION} and snarkjs {SNARKJS_VERSION} into {target} (npm ci, once)")
        target.mkdir(parents=True, exist_ok=True)
        (target / "package.json").write_text(pkg.joinpath("package.json").read_text())
        (target / "package-lock.json").write_text(lock_text)
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=target,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not _has_pinned_tools(nm):
            raise ToolchainError(
                f"npm ci in {target} failed (exit {proc.returncode}); npm said: {(proc.stderr or proc.stdout).strip()}"
            )
        stamp.write_text(lock_text)
        return nm


def node_modules(say: Say | None = None) -> Path:
    """A ``node_modules`` folder holding the pinned solc-js and snarkjs, installing them into the cache if needed.

    Parameters
    ----------
    say : callable, optional
        Called with one progress line before an install (the only slow case).

    Raises
    ------
    ToolchainError
        node/npm are missing, or ``npm ci`` failed.
    """
    env = os.environ.get("ZKSVS_NODE_MODULES")
    for nm in ([Path(env)] if env else []) + [_CHECKOUT_NODE_MODULES]:
        if _has_pinned_tools(nm):
            return nm
    return _install_into_cache(say or (lambda _line: None))


@dataclass(frozen=True)
class CompiledContract:
    """One contract as solc compiled it.

    Attributes
    ----------
    name : str
        The contract name.
    abi : list[dict]
        Its ABI (functions, events, custom errors).
    bytecode : bytes
        Creation code (constructor arguments are appended to it when deploying).
    runtime : bytes
        Runtime code as solc emits it (immutables still zero).
    """

    name: str
    abi: list[dict]
    bytecode: bytes
    runtime: bytes


def contract_source(file_name: str) -> str:
    """The text of a Solidity source shipped in ``verifier/contracts`` (e.g. ``"SharedSettlement.sol"``)."""
    return resources.files("verifier").joinpath("contracts", file_name).read_text()


def _standard_json(sources: Mapping[str, str], evm_version: str, optimize: bool, runs: int) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {name: {"content": text} for name, text in sorted(sources.items())},
            "settings": {
                "optimizer": {"enabled": optimize, "runs": runs},
                "evmVersion": evm_version,
                "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
            },
        },
        sort_keys=True,
    )


def _cache_path(sources: Mapping[str, str], evm_version: str, optimize: bool, runs: int) -> tuple[str, Path]:
    text = _standard_json(sources, evm_version, optimize, runs)
    key = hashlib.sha256(f"solc-js {SOLC_VERSION}\n{text}".encode()).hexdigest()
    return text, cache_dir() / "solc" / f"{key}.json"


def is_cached(
    sources: Mapping[str, str], *, evm_version: str = EVM_VERSION, optimize: bool = True, runs: int = OPTIMIZER_RUNS
) -> bool:
    """True when ``compile_solidity`` with these arguments would read the cache (and need no node)."""
    return _cache_path(sources, evm_version, optimize, runs)[1].exists()


def compile_solidity(
    sources: Mapping[str, str],
    *,
    evm_version: str = EVM_VERSION,
    optimize: bool = True,
    runs: int = OPTIMIZER_RUNS,
    say: Say | None = None,
) -> dict[str, CompiledContract]:
    """Compile Solidity ``sources`` (file name → text) with the pinned solc-js; cached by input hash.

    Parameters
    ----------
    sources : Mapping[str, str]
        File name → source text. The file name enters solc's metadata hash, so it changes the bytecode.
    evm_version : str
        solc's ``evmVersion`` (default the pinned ``EVM_VERSION``).
    optimize, runs : bool, int
        solc's optimizer and its ``runs`` (how often the code is expected to run: a high value prices runtime gas
        over code size, e.g. it keeps 32-byte constants as PUSH32 instead of copying them from the code).
    say : callable, optional
        Progress lines (an install of the node tools, a compilation).

    Returns
    -------
    dict[str, CompiledContract]
        Every contract of every source, by contract name.

    Raises
    ------
    ToolchainError
        node/npm missing, the install failed, solc reported an error (messages included), or two contracts share
        a name.
    """
    text, path = _cache_path(sources, evm_version, optimize, runs)
    if not path.exists():
        nm = node_modules(say)
        if say is not None:
            say(f"compiling {', '.join(sorted(sources))} with solc-js {SOLC_VERSION} (cached after the first time)")
        proc = subprocess.run(
            ["node", "-e", _COMPILE_SCRIPT, str(nm / "solc")],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise ToolchainError(f"solc-js failed (exit {proc.returncode}): {proc.stderr.strip()}")
        out = json.loads(proc.stdout)
        errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
        if errors:
            raise ToolchainError("solc: " + "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
        with _file_lock(path.parent / ".write.lock"):
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(out["contracts"]))
            os.replace(tmp, path)
    contracts: dict[str, CompiledContract] = {}
    for file_contracts in json.loads(path.read_text()).values():
        for name, c in file_contracts.items():
            if name in contracts:
                raise ToolchainError(f"two contracts are named {name!r}; contract names must be unique")
            contracts[name] = CompiledContract(
                name=name,
                abi=c["abi"],
                bytecode=bytes.fromhex(c["evm"]["bytecode"]["object"]),
                runtime=bytes.fromhex(c["evm"]["deployedBytecode"]["object"]),
            )
    return contracts

"""Regenerate ``zksvs/data/poseidon_constants.json`` from the pinned circomlibjs (never retype constants by hand).

Reads, through node, from ``node_modules/circomlibjs`` (version pinned in package-lock.json):

- ``src/poseidon_constants.js``: ``C`` (round constants) and ``M`` (MDS matrices), as ``poseidon_reference.js`` uses
  them, one entry per width t = 2..17;
- ``src/poseidon_constants_opt.js``: ``C``, ``S``, ``M``, ``P``, the optimized form used by ``poseidon_opt.js``
  (sparse partial-round matrices, after filecoin-project/neptune);
- ``src/poseidon_reference.js``: the ``N_ROUNDS_F`` and ``N_ROUNDS_P`` literals (parsed from the source text).

Every number is written as a decimal string. Usage (from the repository root)::

    python tools/gen_poseidon_constants.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.oracles.node import NODE_MODULES, run_node_script  # noqa: E402

OUT = ROOT / "zksvs" / "data" / "poseidon_constants.json"

_SCRIPT = r"""
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");
const src = path.join(process.env.NODE_PATH, "circomlibjs", "src");
const dec = (o) => Array.isArray(o) ? o.map(dec) : BigInt(o).toString(10);
(async () => {
  const version = JSON.parse(fs.readFileSync(path.join(process.env.NODE_PATH, "circomlibjs", "package.json"))).version;
  const ref = (await import(pathToFileURL(path.join(src, "poseidon_constants.js")))).default;
  const opt = (await import(pathToFileURL(path.join(src, "poseidon_constants_opt.js")))).default;
  const text = fs.readFileSync(path.join(src, "poseidon_reference.js"), "utf8");
  const nF = text.match(/const N_ROUNDS_F\s*=\s*(\d+)\s*;/);
  const nP = text.match(/const N_ROUNDS_P\s*=\s*\[([0-9,\s]+)\]\s*;/);
  if (!nF || !nP) throw new Error("N_ROUNDS_F / N_ROUNDS_P not found in poseidon_reference.js");
  process.stdout.write(JSON.stringify({
    version,
    n_rounds_f: Number(nF[1]),
    n_rounds_p: nP[1].split(",").map((s) => Number(s.trim())),
    reference: { C: dec(ref.C), M: dec(ref.M) },
    optimized: { C: dec(opt.C), S: dec(opt.S), M: dec(opt.M), P: dec(opt.P) },
  }));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def main() -> None:
    data = run_node_script(_SCRIPT)
    n_p = data["n_rounds_p"]
    assert data["n_rounds_f"] == 8 and len(n_p) == 16, (data["n_rounds_f"], n_p)
    for name in ("reference", "optimized"):
        for key, table in data[name].items():
            assert len(table) == 16, f"{name}.{key}: {len(table)} widths, expected 16 (t = 2..17)"
    for i, (c, m) in enumerate(zip(data["reference"]["C"], data["reference"]["M"])):
        t = i + 2
        assert len(c) == t * (8 + n_p[i]) and len(m) == t, (t, len(c), len(m))
    out = {
        "source": {
            "package": "circomlibjs",
            "version": data["version"],
            "files": {
                "reference": "src/poseidon_constants.js",
                "optimized": "src/poseidon_constants_opt.js",
                "round_counts": "src/poseidon_reference.js",
            },
            "generator": "tools/gen_poseidon_constants.py",
            "note": "index i of every per-width table is width t = i + 2 (t = n_inputs + 1)",
        },
        "n_rounds_f": data["n_rounds_f"],
        "n_rounds_p": n_p,
        "reference": data["reference"],
        "optimized": data["optimized"],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(
        f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes) from circomlibjs {data['version']} "
        f"in {NODE_MODULES}"
    )


if __name__ == "__main__":
    main()

"""µs per Poseidon hash of ``accel.poseidon.poseidon_limbs`` (the batch kernel behind ``NativeHasher.many``): this
checkout against another one, alternately, in one command.

Run: ``python bench/poseidon_rows.py --base DIR [--rounds R] [--reps N]``, where DIR is a checkout of the code to
compare with (e.g. ``git worktree add DIR main``; its numba cache warms in a first, untimed call). Each round runs base
then this checkout in fresh processes (``PYTHONPATH`` = the checkout). A process times, for rows of 2 inputs (the
Merkle node hash) and 4 inputs (the account leaf) in batches of 1, 8 and 64 rows, ``poseidon_limbs`` as a caller sees
it (dispatch included; 64 rows take the ``prange`` kernel, so that line depends on the other core's load), and the
serial kernel alone over 4096 rows (``_hash_rows``): the best of 5 timings of ``N / rows`` calls, in µs per hash.
Printed: both sides' per-round means, the ratio base/this (> 1: this checkout is faster) and the 1-minute load
average before and after each process. Both sides hash the same seeded rows and must give the same digests
(asserted through a digest of all outputs). No timing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = [(a, n) for a in (2, 4) for n in (1, 8, 64)] + [(2, 4096), (4, 4096)]


def _worker(reps: int) -> dict:
    import numpy as np

    import accel.poseidon as ap
    from zksvs.field import FR_MODULUS

    out: dict = {"us": {}, "load": [round(os.getloadavg()[0], 2)]}
    digest = hashlib.sha256()
    for a, n in CASES:
        rng = random.Random(n * 17 + a)
        x = np.array(ap._to_limbs([rng.randrange(FR_MODULUS) for _ in range(n * a)])).reshape(n, a, 4)

        def f(x=x, n=n):
            return ap._hash_rows(x, ap._CONSTS, ap._LAYOUT) if n == 4096 else ap.poseidon_limbs(x)  # serial: 4096

        digest.update(f().tobytes())
        calls = max(1, reps // n)
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(calls):
                f()
            best = min(best, time.perf_counter() - t0)
        out["us"][f"{a}x{n}"] = best / calls / n * 1e6
    out["load"].append(round(os.getloadavg()[0], 2))
    out["digest"] = digest.hexdigest()
    return out


def _run(checkout: Path, reps: int) -> dict:
    env = os.environ | {"PYTHONPATH": str(checkout)}
    cmd = [sys.executable, str(ROOT / "bench" / "poseidon_rows.py"), "--worker", "--reps", str(reps)]
    proc = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, help="checkout of the code to compare with")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2000, help="rows hashed per timing (at least one call)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args.reps)))
        return 0
    if args.base is None:
        ap.error("--base DIR is required")
    sides = {"base": args.base.resolve(), "this": ROOT}
    for checkout in sides.values():  # warm both numba caches, untimed
        _run(checkout, 1)
    runs: dict[str, list[dict]] = {"base": [], "this": []}
    for r in range(args.rounds):
        for name, checkout in sides.items():
            run = _run(checkout, args.reps)
            runs[name].append(run)
            print(f"round {r + 1} {name}: load {run['load'][0]} → {run['load'][1]}", flush=True)
    assert runs["base"][0]["digest"] == runs["this"][0]["digest"], "the two checkouts hash differently"
    print(f"{'inputs':>6} {'rows':>5} {'base µs/hash':>13} {'this µs/hash':>13} {'base/this':>10}")
    for a, n in CASES:
        key = f"{a}x{n}"
        b = sum(run["us"][key] for run in runs["base"]) / args.rounds
        t = sum(run["us"][key] for run in runs["this"]) / args.rounds
        label = f"{n} serial" if n == 4096 else str(n)
        print(f"{a:>6} {label:>10} {b:>9.2f} {t:>13.2f} {b / t:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

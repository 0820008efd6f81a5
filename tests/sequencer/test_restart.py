"""Restart: ``python -m sequencer run`` as a real subprocess, killed with SIGKILL mid-workload (twice), restarted from
its sqlite file, finishes with the same roots and accepted transactions as an uninterrupted run, and every receipt
printed before a kill is still there."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from sequencer.genesis import demo_genesis, dump_genesis

ROOT = Path(__file__).resolve().parents[2]
N_LINES = 90


def _workload(genesis, n: int, seed: int) -> list[str]:
    """Seeded JSONL lines: funded transfers and burns with the right nonces, plus bad lines of every sort."""
    rnd = random.Random(seed)
    bal = genesis.balances()
    nonce = {c: dict.fromkeys(a, 0) for c, a in bal.items()}
    k = genesis.shape.n_rollups
    lines = []
    for i in range(n):
        c = rnd.randrange(k)
        frm = rnd.choice(sorted(bal[c]))
        to = rnd.choice(sorted(bal[c]))
        if i % 15 == 7:
            lines.append(["{broken", json.dumps({"kind": "mint", "chain": c}), json.dumps({"kind": "transfer"})][i % 3])
            continue
        if i % 11 == 5:  # bad nonce
            lines.append(json.dumps({"kind": "transfer", "chain": c, "from": frm, "to": to, "amount": 1,
                                     "nonce": nonce[c][frm] + 3}))  # fmt: skip
            continue
        amount = rnd.randrange(1, 50)
        if rnd.random() < 0.4:
            dst = rnd.choice([x for x in range(k) if x != c])
            to = rnd.choice(sorted(bal[dst]))
            obj = {"kind": "burn", "chain": c, "to_chain": dst, "from": frm, "to": to, "amount": amount}
        else:
            obj = {"kind": "transfer", "chain": c, "from": frm, "to": to, "amount": amount}
        obj["nonce"] = nonce[c][frm]
        nonce[c][frm] += 1
        lines.append(json.dumps(obj))
    return lines


def _cmd(*args) -> list[str]:
    return [sys.executable, "-m", "sequencer", *map(str, args)]


def _env() -> dict:
    return os.environ | {"PYTHONPATH": str(ROOT)}


def _run_to_end(work, genesis_path, db) -> list[dict]:
    out = subprocess.run(_cmd("run", work, "--genesis", genesis_path, "--db", db), cwd=ROOT, env=_env(),
                         capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    return [json.loads(x) for x in out.stdout.splitlines()]


def _run_and_kill(work, genesis_path, db, after: int) -> list[dict]:
    """Start the runner, read ``after`` result lines, SIGKILL it; return what it printed."""
    p = subprocess.Popen(_cmd("run", work, "--genesis", genesis_path, "--db", db, "--sleep", "0.01"), cwd=ROOT,
                         env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen = []
    try:
        for line in p.stdout:
            seen.append(json.loads(line))
            if len(seen) >= after:
                break
    finally:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
        p.stdout.close()
        p.stderr.close()
    assert p.returncode == -signal.SIGKILL
    assert not any(r.get("done") for r in seen), "the run finished before it could be killed"
    return seen


def _summary(db) -> dict:
    out = subprocess.run(_cmd("summary", "--db", db), cwd=ROOT, env=_env(), capture_output=True, text=True,
                         check=True, timeout=300)  # fmt: skip
    return json.loads(out.stdout)


def test_sigkill_mid_workload_then_restart_equals_an_uninterrupted_run(tmp_path):
    genesis = demo_genesis(3, accounts_per_rollup=5, account_depth=4, bridge_depth=6, capacity=3, seed=11, signed=False)
    gpath = tmp_path / "genesis.json"
    dump_genesis(genesis, gpath)
    work = tmp_path / "txs.jsonl"
    work.write_text("\n".join(_workload(genesis, N_LINES, seed=5)) + "\n")

    ref_out = _run_to_end(work, gpath, tmp_path / "ref.sqlite")
    assert ref_out[-1]["done"] and len(ref_out) == N_LINES + 1
    statuses = {r["status"] for r in ref_out[:-1]}
    assert statuses == {"accepted", "rejected"}

    db = tmp_path / "killed.sqlite"
    printed = _run_and_kill(work, gpath, db, after=20)
    printed += _run_and_kill(work, gpath, db, after=25)  # resumes after line ~20, killed again
    assert len(printed) == 45 and printed[20]["arrival"] > printed[19]["arrival"]
    rest = _run_to_end(work, gpath, db)
    assert rest[-1]["done"] and rest[0]["arrival"] > printed[-1]["arrival"]

    want, got = _summary(tmp_path / "ref.sqlite"), _summary(db)
    assert got["state_roots"] == want["state_roots"] == ref_out[-1]["state_roots"]
    assert got["accepted"] == want["accepted"]
    assert got["batch_roots"] == want["batch_roots"] and got["next_seq"] == want["next_seq"] == N_LINES
    # no receipt printed before a kill is lost: each is in the final accepted list under its seq
    accepted = {seq: tx for seq, tx in got["accepted"]}
    for r in printed:
        if r["status"] == "accepted":
            assert accepted[r["seq"]] == r["tx"]
    # and every result printed by the interrupted runs is the uninterrupted run's, field for field
    ref_by_seq = {r["seq"]: r for r in ref_out[:-1]}
    for r in printed + rest[:-1]:
        assert r == ref_by_seq[r["seq"]]

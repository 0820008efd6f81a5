"""A small resumable runner: feed a JSONL workload through a sqlite-backed ``Sequencer``, one receipt per line.

    python -m sequencer run TXS.jsonl --genesis GENESIS.json --db SEQ.sqlite [--sleep S]
    python -m sequencer summary --db SEQ.sqlite

``run`` prints one JSON object per submission (``Receipt.to_obj`` / ``Rejection.to_obj``, with the line number as
``arrival``) and flushes it after the submission is committed. Started again on the same database, it replays it
and goes on after the last line recorded (a line is recorded before its output is printed), so a run killed at any
moment and restarted ends in the same state as an uninterrupted one. At the end of the workload it closes the open
shared batch and prints ``{"done": true, "state_roots": [...], "batches": n}``.

``summary`` prints the database's state roots, closed batches and accepted transactions as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from sequencer.genesis import load_genesis
from sequencer.sequencer import Sequencer
from sequencer.tx import read_jsonl


def _run(args: argparse.Namespace) -> int:
    genesis = load_genesis(args.genesis)
    seq = Sequencer(genesis, args.db)
    done = seq.last_arrival()
    for line, tx in read_jsonl(args.workload):
        if done is not None and line <= done:
            continue
        result = seq.submit(tx, arrival=line)
        print(json.dumps(result.to_obj()), flush=True)
        if args.sleep:
            time.sleep(args.sleep)
    seq.close_batch()
    print(json.dumps(_summary(seq, txs=False) | {"done": True}), flush=True)
    seq.close()
    return 0


def _summary(seq: Sequencer, txs: bool = True) -> dict:
    out = {
        "state_roots": [str(r) for r in seq.state_roots()],
        "batches": len(seq.closed_batches),
        "batch_roots": [[str(r) for r in b.new_state_roots()] for b in seq.closed_batches],
        "next_seq": seq.next_seq,
    }
    if txs:
        out["accepted"] = [[s, tx.to_obj()] for s, tx in seq.accepted_txs()]
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sequencer``; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m sequencer", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run (or resume) a JSONL workload")
    r.add_argument("workload")
    r.add_argument("--genesis", required=True)
    r.add_argument("--db", required=True)
    r.add_argument("--sleep", type=float, default=0.0, help="seconds to wait after each submission")
    s = sub.add_parser("summary", help="print a database's roots, batches and accepted transactions")
    s.add_argument("--db", required=True)
    args = p.parse_args(argv)
    if args.command == "run":
        return _run(args)
    if not os.path.exists(args.db):
        print(f"no sequencer database at {args.db}", file=sys.stderr)
        return 2
    seq = Sequencer.open(args.db)
    print(json.dumps(_summary(seq)))
    seq.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

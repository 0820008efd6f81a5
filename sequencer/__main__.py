"""A small resumable runner and server: feed JSONL transactions through a sqlite-backed ``Sequencer``.

    python -m sequencer run TXS.jsonl --genesis GENESIS.json --db SEQ.sqlite [--sleep S]
    python -m sequencer serve --genesis GENESIS.json --db SEQ.sqlite      (transactions on stdin)
    python -m sequencer summary --db SEQ.sqlite

``run`` prints one JSON object per submission (``Receipt.to_obj`` / ``Rejection.to_obj``, with the line number as
``arrival``) once the submission is committed (group commit: submissions go on while earlier ones are flushed; a
result is printed only after its group's COMMIT). Started again on the same database, it replays it and goes on
after the last line recorded, so a run killed at any moment and restarted ends in the same state as an
uninterrupted one. At the end of the workload it closes the open shared batch and prints
``{"done": true, "state_roots": [...], "batches": n}``.

``serve`` is the same loop on a stream: it first prints ``{"ready": true, "next_arrival": a, "next_seq": s}`` (a =
one past the last arrival the database holds), then reads one transaction per line from stdin, line k (from 1)
getting arrival a − 1 + k, and prints each result once committed. A client that was cut off (the server killed)
restarts it and sends its stream again from arrival ``next_arrival``: every result it was sent is in the database,
and nothing after ``next_arrival − 1`` is. On end of input it closes the open shared batch and prints the ``done``
line as ``run`` does.

``summary`` prints the database's state roots, closed batches and accepted transactions as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable

from sequencer.genesis import load_genesis
from sequencer.sequencer import Receipt, Rejection, Sequencer
from sequencer.tx import read_jsonl


def _printer(out):
    def on_durable(results: list[Receipt | Rejection], _t: float) -> None:
        out.write("".join(json.dumps(r.to_obj()) + "\n" for r in results))
        out.flush()

    return on_durable


def _feed(seq: Sequencer, items: Iterable, sleep: float) -> None:
    for line, tx in items:
        seq.submit_nowait(tx, arrival=line)
        seq.pop_closed()  # nobody proves here: drop closed batches
        if sleep:
            time.sleep(sleep)


def _finish(seq: Sequencer) -> None:
    seq.close_batch()
    seq.flush()
    print(json.dumps(_summary(seq, txs=False) | {"done": True}), flush=True)
    seq.close()


def _run(args: argparse.Namespace) -> int:
    genesis = load_genesis(args.genesis)
    seq = Sequencer(genesis, args.db, history=False, on_durable=_printer(sys.stdout))
    done = seq.last_arrival()
    _feed(seq, ((n, tx) for n, tx in read_jsonl(args.workload) if done is None or n > done), args.sleep)
    _finish(seq)
    return 0


def _stdin_items(first: int) -> Iterable:
    """``(arrival, tx)`` of each stdin line as it arrives (line k gets ``first − 1 + k``; blank lines skipped)."""
    for k, line in enumerate(sys.stdin, start=first):
        for _, tx in read_jsonl([line.rstrip("\n")]):
            yield k, tx


def _serve(args: argparse.Namespace) -> int:
    genesis = load_genesis(args.genesis)
    seq = Sequencer(genesis, args.db, history=False, on_durable=_printer(sys.stdout))
    first = (seq.last_arrival() or 0) + 1
    print(json.dumps({"ready": True, "next_arrival": first, "next_seq": seq.next_seq}), flush=True)
    _feed(seq, _stdin_items(first), 0.0)
    _finish(seq)
    return 0


def _summary(seq: Sequencer, txs: bool = True) -> dict:
    out = {
        "state_roots": [str(r) for r in seq.state_roots()],
        "batches": seq.batch_number,
        "next_seq": seq.next_seq,
    }
    if seq.history:
        out["batch_roots"] = [[str(r) for r in b.new_state_roots()] for b in seq.closed_batches]
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
    v = sub.add_parser("serve", help="sequence transactions read from stdin (resumes the database)")
    v.add_argument("--genesis", required=True)
    v.add_argument("--db", required=True)
    s = sub.add_parser("summary", help="print a database's roots, batches and accepted transactions")
    s.add_argument("--db", required=True)
    args = p.parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "serve":
        return _serve(args)
    if not os.path.exists(args.db):
        print(f"no sequencer database at {args.db}", file=sys.stderr)
        return 2
    seq = Sequencer.open(args.db)
    print(json.dumps(_summary(seq)))
    seq.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

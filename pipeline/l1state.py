"""A run's L1 state file, ``DIR/l1.json``: the L1 model's shared-batch number, state roots and forced-inclusion queue.

``zksvs enqueue TX.json --run DIR`` adds a signed transaction to it (creating it for a new run folder from the
genesis: batch 0, the genesis roots, empty queues); ``zksvs run … --out DIR`` starts from a prepared file (batch 0)
and hands its queue to the sequencer, and every run writes the L1's state after it there. Format
(docs/formats.md, "l1.json")::

    {"format": "zksvs-l1/2", "batch_number": 0, "state_roots": ["…", …],
     "forced_queue": {"n_rollups": 4, "account_depth": 8, "deadline": 2,
                      "queues": [{"head": 0, "entries": [{"entry_hash": "0x…", "enqueued_at": 0, "tx": {…}}]}, …]}}

``zksvs-l1/1`` (entries kept the transaction's message, not the entry hash that binds its signature) is refused
with one line: its queue cannot be checked the current way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from verifier.forced_queue import ForcedQueue
from zksvs.errors import InputError

__all__ = ["L1_FILE", "L1_FORMAT", "L1State", "load_l1_state"]

#: The file's name in a run folder.
L1_FILE = "l1.json"
#: The ``format`` tag.
L1_FORMAT = "zksvs-l1/2"
#: The format before forced slots committed the queued signature (issue 10 §3): refused.
_OLD_FORMATS = ("zksvs-l1/1",)


@dataclass
class L1State:
    """What ``l1.json`` holds (module docstring)."""

    batch_number: int
    state_roots: list[int]
    queue: ForcedQueue

    def to_obj(self) -> dict:
        """JSON form."""
        return {
            "format": L1_FORMAT,
            "batch_number": self.batch_number,
            "state_roots": [str(r) for r in self.state_roots],
            "forced_queue": self.queue.to_obj(),
        }

    def write(self, path: str | Path) -> None:
        """Write the file (whole, then renamed over the old one)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.to_obj(), indent=1) + "\n")
        tmp.replace(p)


def load_l1_state(path: str | Path) -> L1State:
    """Read ``l1.json``.

    Raises
    ------
    InputError
        The file cannot be read or is not the format (one line naming the file and what is wrong).
    """
    p = Path(path)
    try:
        obj = json.loads(p.read_text())
    except OSError as e:
        raise InputError(f"{p}: cannot read it ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{p}: not JSON ({e.msg} at line {e.lineno})") from None
    if isinstance(obj, dict) and obj.get("format") in _OLD_FORMATS:
        raise InputError(
            f"{p}: format {obj['format']!r} is from before queue entries bound the signature; this zksvs reads "
            f"{L1_FORMAT!r} (start the run folder again: zksvs enqueue creates it)"
        )
    if not isinstance(obj, dict) or obj.get("format") != L1_FORMAT:
        raise InputError(f"{p}: not an L1 state file (format {L1_FORMAT!r})")
    try:
        queue = ForcedQueue.from_obj(obj["forced_queue"])
        n = obj["batch_number"]
        roots = [int(r) for r in obj["state_roots"]]
        if type(n) is not int or n < 0 or len(roots) != queue.n_rollups:
            raise ValueError("batch_number or state_roots")
    except (KeyError, TypeError, ValueError, InputError) as e:
        raise InputError(f"{p}: malformed L1 state ({e})") from None
    return L1State(n, roots, queue)

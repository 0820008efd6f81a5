"""Global order across rollups: first come, first served by arrival, with a deterministic tie-break (DESIGN.md §5).

The arrival key is what the caller knows of arrival: ``Sequencer.submit`` numbers submissions itself (so its order
is the call order), ``zksvs run`` uses the line number, a network front end would use its receive tick. When two
transactions share an arrival key (one tick, several inputs merged), they are ordered by

    (arrival, chain, sender, nonce, kind, to_chain, recipient, amount, program, payload)

with ``kind`` transfer < burn < call, ``to_chain`` = chain for a transfer, program and payload 0 but for a call,
and a malformed item (no fields to compare)
before any transaction of its key. The tuple is a total order on distinct transactions, so the result never depends
on the input order; sorting is stable, so exact duplicates keep theirs. Ordering by (chain, sender, nonce) keeps one
sender's transactions in nonce order within a tick, so a tie never turns valid transactions into ``bad_nonce``
rejections.
"""

from __future__ import annotations

from collections.abc import Iterable

from sequencer.tx import Call, Transfer, UserTx
from zksvs.errors import MalformedTransaction

#: Sort key of one arrival.
OrderKey = tuple[int, int, int, int, int, int, int, int, int, int]

_KIND_RANK = {"transfer": 0, "burn": 1, "call": 2}


def order_key(arrival: int, tx: UserTx | MalformedTransaction) -> OrderKey:
    """The sort key of ``tx`` arrived at ``arrival`` (module docstring)."""
    if isinstance(tx, MalformedTransaction):
        return (arrival, -1, -1, -1, -1, -1, -1, -1, -1, -1)
    to_chain = tx.chain if isinstance(tx, Transfer) else tx.to_chain
    program, payload = (int(tx.program), tx.payload) if isinstance(tx, Call) else (0, 0)
    return (arrival, tx.chain, tx.sender, tx.nonce, _KIND_RANK[tx.kind], to_chain, tx.recipient, tx.amount, program,
            payload)  # fmt: skip


def in_arrival_order(
    items: Iterable[tuple[int, UserTx | MalformedTransaction]],
) -> list[tuple[int, UserTx | MalformedTransaction]]:
    """``(arrival, tx)`` pairs sorted into the global order (stable; see the module docstring)."""
    return sorted(items, key=lambda item: order_key(item[0], item[1]))

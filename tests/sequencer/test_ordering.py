"""Global order: arrival first, then the documented tie-break; independent of input order."""

from __future__ import annotations

import random

from sequencer.ordering import in_arrival_order, order_key
from sequencer.sequencer import Receipt, Sequencer
from sequencer.tx import Burn, Transfer
from zksvs.errors import MalformedTransaction


def test_arrival_comes_first():
    a = (5, Transfer(0, 1, 2, 3, 0))
    b = (2, Transfer(2, 9, 2, 3, 7))
    assert in_arrival_order([a, b]) == [b, a]


def test_ties_break_by_chain_sender_nonce_kind():
    items = [
        (1, Burn(0, 1, 1, 2, 5, 0)),
        (1, Transfer(1, 0, 2, 5, 0)),
        (1, Transfer(0, 1, 2, 5, 1)),
        (1, Transfer(0, 1, 2, 5, 0)),
        (1, Transfer(0, 0, 2, 5, 9)),
        (1, MalformedTransaction("bad")),
    ]
    out = in_arrival_order(items)
    assert isinstance(out[0][1], MalformedTransaction)
    assert [x for _, x in out[1:]] == [
        Transfer(0, 0, 2, 5, 9),
        Transfer(0, 1, 2, 5, 0),
        Burn(0, 1, 1, 2, 5, 0),
        Transfer(0, 1, 2, 5, 1),
        Transfer(1, 0, 2, 5, 0),
    ]


def test_order_does_not_depend_on_input_order():
    rnd = random.Random(1)
    items = [(rnd.randrange(3), Transfer(rnd.randrange(3), rnd.randrange(4), 0, rnd.randrange(9), rnd.randrange(3)))
             for _ in range(40)]  # fmt: skip
    want = in_arrival_order(items)
    for _ in range(5):
        rnd.shuffle(items)
        assert in_arrival_order(items) == want
    keys = [order_key(a, t) for a, t in want]
    assert keys == sorted(keys)


def test_submit_many_keeps_one_senders_nonces_in_order(genesis):
    seq = Sequencer(genesis)
    same_tick = [(0, Transfer(0, 1, 2, 1, n)) for n in (2, 0, 1)]
    out = seq.submit_many(same_tick)
    assert all(isinstance(r, Receipt) for r in out)
    assert [r.tx.nonce for r in out] == [0, 1, 2] and [r.seq for r in out] == [0, 1, 2]

"""sqlite3 persistence: commit before receipt, replay to the same roots, refusal of a foreign or tampered file."""

from __future__ import annotations

import json
import sqlite3

import pytest

from sequencer.sequencer import Receipt, Rejection, Sequencer
from sequencer.store import StoreMismatch
from sequencer.tx import Burn, Transfer
from tests.sequencer.conftest import small_genesis


def _workload():
    return [
        Transfer(0, 1, 2, 5, 0),
        Burn(0, 1, 1, 3, 7, 1),
        Transfer(0, 1, 2, 10**9, 2),  # overdraft
        Burn(1, 2, 0, 6, 500, 0),  # mint overflow
        Burn(1, 2, 0, 4, 5, 0),
        {"kind": "mint", "chain": 0},  # malformed
        Transfer(2, 3, 3, 1, 0),
        Transfer(1, 2, 0, 9, 0),
        Burn(2, 0, 1, 0, 11, 0),
        Transfer(0, 9, 1, 1, 0),  # unknown account
        Transfer(0, 1, 2, 5, 2),
    ]


def _state(seq: Sequencer):
    return (
        seq.state_roots(),
        seq.accepted_txs(),
        [(b.batch_number, b.old_state_roots(), b.new_state_roots()) for b in seq.closed_batches],
        seq.next_seq,
        seq.batch_number,
        seq.included,
        seq.rejected,
        seq.rejected_elsewhere,
    )


def test_reopen_replays_to_the_same_state_and_resumes(tmp_path, genesis):
    db = tmp_path / "seq.sqlite"
    ref = Sequencer(genesis)
    seq = Sequencer(genesis, db)
    txs = _workload()
    for i, tx in enumerate(txs[:7]):
        a, b = ref.submit(tx, arrival=i), seq.submit(tx, arrival=i)
        assert a == b
        if i == 4:
            assert ref.close_batch() == seq.close_batch() is not None  # an on-demand close is replayed too
    want = _state(seq)
    seq.close()
    again = Sequencer.open(db, genesis)
    assert _state(again) == want
    assert again.pop_closed() == []  # replayed batches were handed out before the restart
    assert again.last_arrival() == 6
    for i, tx in enumerate(txs[7:], start=7):
        assert again.submit(tx, arrival=i) == ref.submit(tx, arrival=i)
    assert again.close_batch() == ref.close_batch()
    assert _state(again) == _state(ref)
    again.close()
    assert _state(Sequencer.open(db)) == _state(ref)  # genesis read back from the file


def test_each_submission_is_committed_before_it_returns(tmp_path, genesis):
    db = tmp_path / "seq.sqlite"
    seq = Sequencer(genesis, db)
    other = sqlite3.connect(db)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    r = seq.submit(Transfer(0, 1, 2, 5, 0), arrival=10)
    row = other.execute("SELECT seq, arrival, status, tx, batch_number, chain, slot FROM submissions").fetchall()
    assert row == [(0, 10, "accepted", json.dumps(r.tx.to_obj(), sort_keys=True), 0, 0, 0)]
    x = seq.submit(Transfer(0, 1, 2, 5, 0))
    assert isinstance(x, Rejection)
    row = other.execute("SELECT status, reason, message, chain FROM submissions WHERE seq = 1").fetchone()
    assert row == ("rejected", "bad_nonce", x.message, 0)
    seq.submit(Transfer(0, 1, 2, 5, 1))
    seq.submit(Transfer(0, 1, 2, 5, 2))  # fills chain 0: the batch row is in the same commit
    assert other.execute("SELECT batch_number, after_seq, trigger FROM batches").fetchall() == [(0, 3, "full")]
    other.close()


def test_open_refuses_a_file_of_another_genesis(tmp_path, genesis):
    db = tmp_path / "seq.sqlite"
    Sequencer(genesis, db).submit(Transfer(0, 1, 2, 5, 0))
    with pytest.raises(StoreMismatch, match="belongs to another genesis"):
        Sequencer.open(db, small_genesis(capacity=4))
    with pytest.raises(FileNotFoundError, match="no sequencer database"):
        Sequencer.open(tmp_path / "missing.sqlite")


def test_open_refuses_a_tampered_file(tmp_path, genesis):
    db = tmp_path / "seq.sqlite"
    seq = Sequencer(genesis, db)
    for tx in _workload():
        seq.submit(tx)
    seq.close()
    con = sqlite3.connect(db)
    (tx,) = con.execute("SELECT tx FROM submissions WHERE seq = 0").fetchone()
    con.execute("UPDATE submissions SET tx = ? WHERE seq = 0", (tx.replace('"amount": 5', '"amount": 6'),))
    con.commit()
    con.close()
    # roots are hashed per batch close (sequencer.batch): the batch that holds the tampered submission is caught
    with pytest.raises(StoreMismatch, match="shared batch 0 replays to other state roots"):
        Sequencer.open(db, genesis)


def test_open_refuses_a_file_whose_accepted_tx_is_now_rejected(tmp_path, genesis):
    db = tmp_path / "seq.sqlite"
    seq = Sequencer(genesis, db)
    assert isinstance(seq.submit(Transfer(0, 1, 2, 5, 0)), Receipt)
    seq.close()
    con = sqlite3.connect(db)
    con.execute("UPDATE submissions SET tx = replace(tx, '\"nonce\": 0', '\"nonce\": 4') WHERE seq = 0")
    con.commit()
    con.close()
    with pytest.raises(StoreMismatch, match="accepted submission 0 is rejected on replay: bad nonce"):
        Sequencer.open(db, genesis)

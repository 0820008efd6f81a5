"""Group commit: results released only once durable, groups formed under load, failures reach every waiter, several
submitting threads share commits, ``history=False`` keeps memory flat, and a group-committed file replays exactly."""

from __future__ import annotations

import gc
import sqlite3
import threading

import pytest

from sequencer.sequencer import PendingResult, Receipt, Rejection, Sequencer
from sequencer.store import GroupCommitter, StoreFailure
from sequencer.tx import Burn, Transfer
from tests.sequencer.conftest import small_genesis


def _txs(n: int) -> list:
    """Transfers and burns on chains 0..2 from accounts 0..4 with the right nonces, and every 7th a bad nonce."""
    nonce = {(c, a): 0 for c in range(3) for a in range(5)}
    out = []
    for i in range(n):
        c, a = i % 3, (i // 3) % 5
        if i % 7 == 6:
            out.append(Transfer(c, a, (a + 1) % 5, 1, nonce[c, a] + 5))
            continue
        if i % 4 == 1:
            out.append(Burn(c, (c + 1) % 3, a, (a + 2) % 5, 1 + i % 9, nonce[c, a]))
        else:
            out.append(Transfer(c, a, (a + 1) % 5, 1 + i % 11, nonce[c, a]))
        nonce[c, a] += 1
    return out


def _state(seq: Sequencer):
    return seq.state_roots(), seq.next_seq, seq.batch_number, seq.included, seq.rejected


def test_nowait_results_equal_submit_and_come_in_groups(tmp_path):
    g = small_genesis(capacity=4, bridge_depth=6)
    txs = _txs(300)
    ref = Sequencer(g)
    want = [ref.submit(tx, arrival=i) for i, tx in enumerate(txs)]
    seq = Sequencer(g, tmp_path / "s.sqlite")
    pending = [seq.submit_nowait(tx, arrival=i) for i, tx in enumerate(txs)]
    assert all(isinstance(p, PendingResult) for p in pending)
    assert [p.result() for p in pending] == want
    assert all(p.done() for p in pending) and [p.seq for p in pending] == list(range(300))
    groups, writes, cpu_s, busy_s = seq.commit_stats
    assert writes == 300 and groups < writes  # submissions that arrived during a flush shared its successor
    assert cpu_s > 0 and busy_s > 0
    assert _state(seq) == _state(ref)
    seq.close()
    assert _state(Sequencer.open(tmp_path / "s.sqlite")) == _state(ref)


def test_a_result_is_released_only_after_its_rows_are_committed(tmp_path):
    db = tmp_path / "s.sqlite"
    seen: list[tuple[int, int]] = []

    def on_durable(results, _t):
        # another connection already sees every row of the group: COMMIT returned before the release
        con = sqlite3.connect(db)
        n = con.execute("SELECT COUNT(*) FROM submissions WHERE seq <= ?", (results[-1].seq,)).fetchone()[0]
        con.close()
        seen.append((results[-1].seq, n))

    seq = Sequencer(small_genesis(), db, on_durable=on_durable)
    pending = [seq.submit_nowait(tx) for tx in _txs(60)]
    last = pending[-1].result()
    assert seen and all(n == s + 1 for s, n in seen) and seen[-1][0] == last.seq
    seq.close()


def test_a_failed_commit_reaches_every_waiter_and_stops_the_sequencer(tmp_path):
    db = tmp_path / "s.sqlite"
    seq = Sequencer(small_genesis(), db)
    assert isinstance(seq.submit(Transfer(0, 1, 2, 5, 0)), Receipt)
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON submissions WHEN NEW.seq >= 3 "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    con.commit()
    con.close()
    pending = []
    with pytest.raises(StoreFailure, match="disk on fire"):  # from a waiter, or from a later submission
        for tx in _txs(300):
            pending.append(seq.submit_nowait(tx))
        pending[-1].result()
    assert pending
    with pytest.raises(StoreFailure, match="disk on fire"):
        pending[-1].result()
    with pytest.raises(StoreFailure, match="group commit failed"):
        seq.submit(Transfer(0, 1, 2, 5, 1))
    with pytest.raises(StoreFailure):
        seq.close()
    # the file holds a prefix without the failed group: a reopened sequencer resumes from it
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER fail")
    con.commit()
    n = con.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    con.close()
    again = Sequencer.open(db)
    assert again.next_seq == n and 1 <= n <= 3
    again.close()


def test_threads_share_commits_and_end_in_the_sequential_state(tmp_path):
    # each thread moves value between its own accounts of its own chain: any interleaving ends in the same roots
    g = small_genesis(capacity=5)
    per_thread = {c: [Transfer(c, 0, 1, 1 + k % 3, k) for k in range(40)] for c in range(3)}
    ref = Sequencer(g)
    for c in range(3):
        for tx in per_thread[c]:
            assert isinstance(ref.submit(tx), Receipt)
    seq = Sequencer(g, tmp_path / "s.sqlite")
    results: dict[int, list] = {}

    def client(c: int) -> None:
        results[c] = [seq.submit(tx) for tx in per_thread[c]]

    threads = [threading.Thread(target=client, args=(c,)) for c in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, Receipt) for rs in results.values() for r in rs)
    assert sorted(r.seq for rs in results.values() for r in rs) == list(range(120))
    assert seq.state_roots() == ref.state_roots()
    seq.close()
    assert Sequencer.open(tmp_path / "s.sqlite").state_roots() == ref.state_roots()


def test_history_off_drops_popped_batches_and_reads_accepted_txs_from_the_file(tmp_path):
    g = small_genesis(capacity=2)
    txs = _txs(40)
    seq = Sequencer(g, tmp_path / "s.sqlite", history=False)
    results = [seq.submit(tx) for tx in txs]
    closed = seq.pop_closed()
    assert closed and seq.closed_batches == () and seq.pop_closed() == []
    assert seq.accepted_txs() == [(r.seq, r.tx) for r in results if isinstance(r, Receipt)]
    seq.close()
    with pytest.raises(RuntimeError, match="history=True or a database"):
        Sequencer(g, history=False).accepted_txs()
    reopened = Sequencer(g, tmp_path / "s.sqlite", history=False)
    assert reopened.closed_batches == () and reopened.batch_number == len(closed)
    reopened.close()


def test_committer_with_one_pending_slot_still_commits_everything(tmp_path):
    g = small_genesis(bridge_depth=6)
    seq = Sequencer(g, tmp_path / "s.sqlite", max_pending=1)
    results = seq.submit_many(list(enumerate(_txs(50))))
    assert len(results) == 50 and any(isinstance(r, Rejection) for r in results)
    seq.close()
    assert Sequencer.open(tmp_path / "s.sqlite").next_seq == 50
    with pytest.raises(ValueError, match="max_pending"):
        GroupCommitter(tmp_path / "s.sqlite", max_pending=0)


def test_a_waiting_writer_ends_the_committers_gathering(tmp_path):
    # group_delay of an hour: only the rules that end a gathering (a waiter, a full target, close) can commit, so a
    # wait that returns within its timeout shows that a waiter ended it; every row is then in the file
    Sequencer(small_genesis(), tmp_path / "s.sqlite").close()  # the schema
    c = GroupCommitter(tmp_path / "s.sqlite", group_delay=3600.0, group_target=10**6)
    try:
        tickets = [c.put(None, (), i) for i in range(3)]  # ≥ 2 queued: the committer gathers
        c.wait(tickets[-1], timeout=60)
        assert c.is_durable(tickets[-1])
        more = [c.put(None, (), i) for i in range(3, 20)]
        c.wait(more[-1], timeout=60)
    finally:
        c.close()
    assert c.stats().writes == 20


@pytest.mark.parametrize("group_delay", [0.0, 0.5])
def test_group_delay_changes_grouping_not_results(tmp_path, group_delay):
    g = small_genesis(capacity=4, bridge_depth=6)
    txs = _txs(200)
    ref = Sequencer(g)
    want = [ref.submit(tx, arrival=i) for i, tx in enumerate(txs)]
    seq = Sequencer(g, tmp_path / "s.sqlite", group_delay=group_delay)
    assert seq.submit_many(list(enumerate(txs))) == want
    assert seq.commit_stats.writes == 200
    seq.close()
    assert _state(Sequencer.open(tmp_path / "s.sqlite")) == _state(ref)


def test_a_closed_sequencer_refuses_submissions(tmp_path):
    seq = Sequencer(small_genesis(), tmp_path / "s.sqlite")
    seq.submit(Transfer(0, 1, 2, 5, 0))
    seq.close()
    with pytest.raises(StoreFailure, match="closed"):
        seq.submit(Transfer(0, 1, 2, 5, 1))


def test_a_dropped_sequencer_commits_what_is_pending_and_stops_its_thread(tmp_path):
    def committers() -> int:
        return sum(t.name == "zksvs-group-commit" for t in threading.enumerate())

    gc.collect()
    before = committers()
    seq = Sequencer(small_genesis(bridge_depth=6), tmp_path / "s.sqlite")
    for tx in _txs(80):
        seq.submit_nowait(tx)
    assert committers() == before + 1
    del seq
    gc.collect()
    assert committers() == before
    again = Sequencer.open(tmp_path / "s.sqlite")
    assert again.next_seq == 80
    again.close()

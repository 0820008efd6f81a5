"""The pipelined run (pipeline.run, pipeline.producer): same folder on every executor, overlap, order, backpressure.

- Every executor writes the same run folder for the same proof seed: every file but run.json byte for byte, and
  run.json equal once its timings are set aside; ``snarkjs groth16 verify`` accepts a proof the pool wrote.
- A worker killed mid-run (the test-only crash marker, through ``ZKSVS_TEST_CRASH_ONCE``) changes nothing in the
  folder; with no retries left the run stops with ``ProofTaskFailed`` and settles nothing past the lost proof.
- The sequencer does not wait for proofs: proving starts while the transaction source is still open, and a proof
  may wait for transactions that come after its batch (a sequential run deadlocks there; the test's timeouts turn
  that into a failure).
- The queue is bounded: with proofs held back, the sequencer stops ``in_flight + queue_depth + 1`` batches ahead.
- After an L1 rejection, later shared batches are still proven and submitted in order, and the L1 refuses each at
  ``batch_number``: nothing settles past the rejected batch.
"""

from __future__ import annotations

import filecmp
import json
import sqlite3
import subprocess
import threading
import time
import warnings
from pathlib import Path

import pytest

from pipeline.executors import LocalExecutor, ProcessExecutor, ProofTaskFailed
from pipeline.run import run_pipeline
from prover import InsecureSetupWarning
from tests.e2e.conftest import SETUP_SEED, SMALL_TXS, small_genesis
from tests.helpers.signing import signed_obj
from tests.pipeline.conftest import PROOF_SEED
from verifier.settlement import SettlementContract, SettlementResult

pytestmark = [pytest.mark.prover, pytest.mark.filterwarnings("ignore::prover.dev_setup.InsecureSetupWarning")]

#: run.json fields that hold timings, worker names or the executor's own description.
_VARYING = {"wall_s", "stage_seconds", "jit_first_call_s", "executor", "timeline", "out_dir"}
_PROOF_TIMINGS = {"witness_s", "prove_s", "verify_s", "prove_stages_s", "directory"}


def _run(out: Path, executor, txs=None, **kw):
    txs = list(enumerate(SMALL_TXS, start=1)) if txs is None else txs
    return run_pipeline(
        small_genesis(), txs, out, setup_seed=SETUP_SEED, executor=executor, proof_seed=PROOF_SEED, **kw
    )


def _files(d: Path) -> list[str]:
    return sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file())


def _stable_run_json(d: Path) -> dict:
    doc = json.loads((d / "run.json").read_text())
    for k in _VARYING:
        doc.pop(k)
    for p in doc["proofs"]:
        for k in _PROOF_TIMINGS:
            p.pop(k)
    return doc


def assert_same_run_folder(a: Path, b: Path) -> None:
    """Every file of ``a`` is in ``b`` with the same bytes, except run.json, equal apart from timings."""
    assert _files(a) == _files(b)
    names = [f for f in _files(a) if f != "run.json"]
    _same, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    assert _stable_run_json(a) == _stable_run_json(b)


@pytest.fixture(scope="module")
def local_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    run = _run(out, "local")
    assert run.all_settled and len(run.settlements) == 2 and len(run.proofs) == 6
    assert run.executor["name"] == "local" and [t["batch_number"] for t in run.timeline] == [0, 1]
    return out


def test_the_process_pool_writes_the_in_process_folder_and_snarkjs_accepts_it(local_folder, tmp_path, node_tools):
    out = tmp_path / "out"
    run = _run(out, "processes")
    assert run.all_settled and run.executor["name"] == "processes" and run.executor["task_retries"] == 0
    assert_same_run_folder(local_folder, out)
    d = out / "batch-1" / "rollup-0"
    proc = subprocess.run(
        [
            "node",
            str(node_tools / "snarkjs" / "build" / "cli.cjs"),
            "groth16",
            "verify",
            str(d / "verification_key.json"),
            str(d / "public.json"),
            str(d / "proof.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and "OK!" in proc.stdout, proc.stdout + proc.stderr


def test_ray_writes_the_in_process_folder(local_folder, tmp_path, ray_cluster):
    out = tmp_path / "out"
    run = _run(out, "ray")
    assert run.all_settled and run.executor["name"] == "ray"
    assert_same_run_folder(local_folder, out)


@pytest.mark.parametrize("kind", ["processes", "ray"])
def test_a_worker_killed_mid_run_changes_nothing(kind, local_folder, tmp_path, monkeypatch, request):
    if kind == "ray":
        request.getfixturevalue("ray_cluster")
    marker = tmp_path / "crashed"
    monkeypatch.setenv("ZKSVS_TEST_CRASH_ONCE", f"{marker}:1:0")  # shared batch 1, rollup 0
    out = tmp_path / "out"
    run = _run(out, kind)
    assert marker.exists(), "the crash hook did not fire: nothing was tested"
    assert run.all_settled
    if kind == "processes":
        assert run.executor["task_retries"] >= 1
    assert_same_run_folder(local_folder, out)


def test_a_proof_that_cannot_be_made_stops_the_run_before_its_batch_settles(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKSVS_TEST_CRASH_ONCE", f"{tmp_path / 'crashed'}:1:cross")
    settled: list[int] = []
    real = SettlementContract.settle

    def spy(self, submission):
        settled.append(submission.batch_number)
        return real(self, submission)

    monkeypatch.setattr(SettlementContract, "settle", spy)
    with ProcessExecutor(max_retries=0) as ex, pytest.raises(ProofTaskFailed):
        _run(tmp_path / "out", ex, l1="model")  # the spy is on the model's settle
    assert settled == [0]  # batch 1 lost a proof: it is never submitted
    assert not (tmp_path / "out" / "settlement.json").exists()


class _GatedExecutor(LocalExecutor):
    """The in-process executor, with hooks: an event when the first task is submitted, and results that wait."""

    def __init__(self, release: threading.Event, timeout: float = 600.0) -> None:
        super().__init__()
        self.first_submit = threading.Event()
        self.release = release
        self.timeout = timeout
        self.released_in_time = True

    def submit(self, task):
        self.first_submit.set()
        return super().submit(task)

    def result(self, handle):
        if not self.release.wait(self.timeout):
            self.released_in_time = False
        return super().result(handle)


def test_the_sequencer_does_not_wait_for_proofs(local_folder, tmp_path):
    """Batch 0 proves while the source is still open, and its result waits for the last transaction."""
    all_sent = threading.Event()
    ex = _GatedExecutor(release=all_sent)
    report: dict = {}

    def source():
        yield from enumerate(SMALL_TXS[:2], start=1)  # these two fill rollup 0's batch: shared batch 0 closes
        report["proving_began_before_the_rest"] = ex.first_submit.wait(600.0)
        yield from enumerate(SMALL_TXS[2:], start=3)
        all_sent.set()

    out = tmp_path / "out"
    run = _run(out, ex, txs=source())
    assert report["proving_began_before_the_rest"], "nothing was proven until the sequencer had every transaction"
    assert ex.released_in_time, "a proof's result was needed before the sequencer could go on"
    assert run.all_settled
    assert_same_run_folder(local_folder, out)


def _closed_batches(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return 0
    try:
        return con.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        con.close()


class _Stop(Exception):
    pass


def test_the_queue_bounds_how_far_the_sequencer_runs_ahead(tmp_path):
    """With shared batch 0's proofs held back, the sequencer stops ``in_flight + queue_depth + 1`` batches ahead."""
    # 14 transfers on rollup 0 (capacity 2): 7 shared batches if nothing held the sequencer back
    txs = [
        (i + 1, signed_obj({"kind": "transfer", "chain": 0, "from": 0, "to": 1, "amount": 1, "nonce": i}))
        for i in range(14)
    ]
    out = tmp_path / "out"
    hold = threading.Event()
    seen: dict = {}

    class Held(_GatedExecutor):
        def result(self, handle):
            bound = 2 + 1 + 1  # in_flight, queue_depth, the batch the sequencer holds while it waits for room
            deadline = time.monotonic() + 600
            while _closed_batches(out / "sequencer.sqlite") < bound and time.monotonic() < deadline:
                time.sleep(0.05)
            seen["reached"] = _closed_batches(out / "sequencer.sqlite")
            time.sleep(2.0)  # the sequencer had every chance to run further
            seen["after_wait"] = _closed_batches(out / "sequencer.sqlite")
            raise _Stop

    with pytest.raises(_Stop):
        _run(out, Held(hold), txs=txs, queue_depth=1, in_flight=2)
    assert seen == {"reached": 4, "after_wait": 4}


def test_after_an_l1_rejection_nothing_settles_past_it(tmp_path, monkeypatch):
    real = SettlementContract.settle
    order: list[int] = []

    def reject_batch_0(self, submission):
        order.append(submission.batch_number)
        if submission.batch_number == 0:  # as if the L1 had refused it; its state stays at genesis
            return SettlementResult(False, 0, "proof", 1, "refused by the test")
        return real(self, submission)

    monkeypatch.setattr(SettlementContract, "settle", reject_batch_0)
    run = _run(tmp_path / "out", "local", l1="model")  # the refusal is patched into the model's settle
    assert order == [0, 1]
    assert [(s.batch_number, s.accepted, s.failed_check) for s in run.settlements] == [
        (0, False, "proof"),
        (1, False, "batch_number"),
    ]
    assert not run.all_settled
    assert len(run.proofs) == 6  # every batch still proven, its files written
    saved = json.loads((tmp_path / "out" / "settlement.json").read_text())["settlements"]
    assert [s["failed_check"] for s in saved] == ["proof", "batch_number"]


def test_strict_refuses_before_any_proving(tmp_path):
    from pipeline.run import RejectedTransactions

    bad = signed_obj({"kind": "transfer", "chain": 0, "from": 1, "to": 0, "amount": 10**9, "nonce": 0})
    with pytest.raises(RejectedTransactions), warnings.catch_warnings():
        warnings.simplefilter("error", InsecureSetupWarning)  # a setup would warn: nothing may be set up
        _run(tmp_path / "out", "local", txs=[(1, SMALL_TXS[0]), (2, bad), (3, SMALL_TXS[1])], strict=True)
    assert not list((tmp_path / "out").glob("batch-*"))


def test_a_cold_sequencer_compile_is_announced_and_timed_apart(tmp_path, monkeypatch):
    """A first use on a machine compiles the sequencer's kernels: said before sequencing, in its own stage row."""
    import pipeline.run as run_module
    from prover.warmup import KernelCacheState

    calls = []
    monkeypatch.setattr(run_module, "kernel_cache_state", lambda group: KernelCacheState(group, ("Poseidon",)))
    monkeypatch.setattr(run_module, "prepare_kernels", lambda group: calls.append(group))
    lines = []
    run = _run(tmp_path / "out", "local", txs=[], stage=lambda name, level=1: lines.append(name))
    assert calls == ["sequencer"]
    said = [i for i, line in enumerate(lines) if line.startswith("compiling sequencer kernels (once per machine")]
    assert said and said[0] < next(i for i, line in enumerate(lines) if line.startswith("sequencing"))
    assert list(run.stage_seconds)[:2] == ["jit sequencer", "sequence"]


def test_a_warm_sequencer_is_loaded_without_an_announcement(tmp_path):
    lines = []
    run = _run(tmp_path / "out", "local", txs=[], stage=lambda name, level=1: lines.append(name))
    assert not [line for line in lines if "compiling" in line]
    assert "jit sequencer" in run.stage_seconds

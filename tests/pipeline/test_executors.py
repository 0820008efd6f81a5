"""The executors (pipeline.executors): the same outcomes everywhere, a dead worker's task run again, never dropped.

Each executor proves the K + 1 tasks of the small shape's shared batch 0 and must return exactly the in-process
outcomes (proof, public inputs, witness file). A worker is killed mid-task through the test-only crash marker (its
first attempt exits the process, as SIGKILL would); the task must come back, identical. With no retries left, the
failure must surface as ``ProofTaskFailed`` instead of a missing proof. Ray runs on a local cluster started in the
test run (``ray_cluster``).
"""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.executors import (
    ExecutorUnavailable,
    LocalExecutor,
    ProcessExecutor,
    ProofTaskFailed,
    RayExecutor,
    crash_marker_for,
    make_executor,
)
from tests.pipeline.conftest import batch_tasks
from zksvs.errors import InputError, UnsatisfiedConstraint

pytestmark = pytest.mark.prover


def _key(o):
    return (o.batch_number, o.chain_id, o.proof, o.public_inputs, o.wtns, o.n_constraints, o.included_slots)


@pytest.fixture(scope="module")
def local_outcomes(small_kits, small_batches):
    with LocalExecutor() as ex:
        ex.start(small_kits)
        return [_key(ex.result(ex.submit(t))) for t in batch_tasks(small_batches[0])]


def _make(kind: str, **kw):
    return ProcessExecutor(**kw) if kind == "processes" else RayExecutor(**kw)


@pytest.fixture(params=["processes", "ray"])
def kind(request):
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
    return request.param


def test_the_executor_returns_the_in_process_outcomes(kind, small_kits, small_batches, local_outcomes):
    with _make(kind) as ex:
        ex.start(small_kits)
        assert ex.workers >= 1
        handles = [ex.submit(t) for t in batch_tasks(small_batches[0])]
        outcomes = [ex.result(h) for h in handles]
        assert [_key(o) for o in outcomes] == local_outcomes
        assert ex.describe()["name"] == kind
        if kind == "processes":
            assert ex.retries == 0 and len({o.worker for o in outcomes}) <= ex.workers


def test_a_task_whose_worker_dies_is_run_again(kind, small_kits, small_batches, local_outcomes, tmp_path):
    marker = tmp_path / "crashed"
    tasks = batch_tasks(small_batches[0], crash={(0, 1): str(marker)})
    with _make(kind) as ex:
        ex.start(small_kits)
        outcomes = [ex.result(h) for h in [ex.submit(t) for t in tasks]]
        assert marker.exists(), "the crash hook did not fire: nothing was tested"
        assert "exits on its first attempt" in marker.read_text()
        assert [_key(o) for o in outcomes] == local_outcomes
        if kind == "processes":
            assert ex.retries >= 1  # the dead worker's task, and any other the broken pool held
        # the executor goes on working after the loss
        again = ex.result(ex.submit(batch_tasks(small_batches[0])[0]))
        assert _key(again) == local_outcomes[0]


def test_a_task_that_cannot_be_completed_fails_loudly(kind, small_kits, small_batches, tmp_path):
    tasks = batch_tasks(small_batches[0], crash={(0, None): str(tmp_path / "crashed")})
    with _make(kind, max_retries=0) as ex, pytest.raises(ProofTaskFailed, match="attempt"):
        ex.start(small_kits)
        for h in [ex.submit(t) for t in tasks]:
            ex.result(h)


def test_a_task_error_comes_back_typed_and_is_not_retried(kind, small_kits, small_batches):
    task = batch_tasks(small_batches[0])[0]
    trace = task.traces[0]
    wrong = dataclasses.replace(task, traces=(dataclasses.replace(trace, old_state_root=trace.old_state_root + 1),))
    with _make(kind) as ex:
        ex.start(small_kits)
        with pytest.raises(UnsatisfiedConstraint):
            ex.result(ex.submit(wrong))
        if kind == "processes":
            assert ex.retries == 0


def test_the_local_executor_ignores_the_crash_marker(small_kits, small_batches, tmp_path, local_outcomes):
    marker = tmp_path / "crashed"
    tasks = batch_tasks(small_batches[0], crash={(0, 0): str(marker)})
    with LocalExecutor() as ex:
        ex.start(small_kits)
        assert _key(ex.result(ex.submit(tasks[0]))) == local_outcomes[0]
    assert not marker.exists()


def test_the_crash_hook_names_one_task(monkeypatch):
    monkeypatch.delenv("ZKSVS_TEST_CRASH_ONCE", raising=False)
    assert crash_marker_for(0, 1) is None
    monkeypatch.setenv("ZKSVS_TEST_CRASH_ONCE", "/tmp/x:y/m:2:cross")
    assert crash_marker_for(2, None) == "/tmp/x:y/m"
    assert crash_marker_for(2, 0) is None and crash_marker_for(1, None) is None


def test_make_executor_refuses_unknown_names_and_misplaced_addresses():
    with pytest.raises(InputError, match="executor must be one of local, processes, ray, not 'gpu'"):
        make_executor("gpu")
    with pytest.raises(InputError, match="--ray-address is for --executor ray, not processes"):
        make_executor("processes", ray_address="127.0.0.1:6379")
    assert isinstance(make_executor("ray", ray_address="127.0.0.1:6379"), RayExecutor)
    assert issubclass(ExecutorUnavailable, InputError)


def test_typed_errors_cross_process_boundaries_intact():
    import pickle

    from zksvs.errors import CircuitTooLarge, MalformedProof, SettlementRejected, TruncatedFile, ZksvsError

    errors = [
        UnsatisfiedConstraint(7, "slot[0]/debit/balance_range/bit[64]"),
        SettlementRejected("proof", 1, "batch proof does not verify"),
        CircuitTooLarge(1 << 29, 28, 29),
        MalformedProof("proof.b", "not in the order-r subgroup"),
        TruncatedFile("x.zkey", "section 3", 96, 12),
        ProofTaskFailed("batch 0, cross: died"),
        ZksvsError("plain"),
    ]
    for e in errors:
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e) and str(back) == str(e) and back.__dict__ == e.__dict__

"""Where proof tasks run: in the driver's process (``local``), a local process pool (``processes``), or Ray (``ray``).

Every executor runs ``pipeline.proving.Prover.run`` on a ``ProofTask`` and hands back its ``ProofOutcome``; they
differ only in where, and so the proofs are byte-identical whichever runs them (the task fixes the blinding
scalars). The life of an executor::

    ex = make_executor("processes")      # or "local", "ray" (address=...)
    ex.start(kits)                       # the proving kits travel once; workers start and load the kernels
    h = ex.submit(task)                  # any number of tasks, from one driver thread
    outcome = ex.result(h)               # waits; a task whose worker died is run again
    ex.close()

- ``local``: ``submit`` proves at once in the calling thread (numba's threads: every core). The reference.
- ``processes``: a ``concurrent.futures.ProcessPoolExecutor`` (``spawn``: the driver has threads, and a forked
  numba thread pool is not safe), kept for the whole run. Each worker receives the kits once (its initializer),
  builds the circuits, loads the kernels from numba's cache, lowers its priority (``WORKER_NICENESS``, as Ray does
  for its workers), and proves with ``threads_per_task`` numba threads
  (default 1: K proofs side by side use the cores better than one proof on all of them, since witness building,
  checks and verification are single-threaded Python). A worker that dies breaks the whole pool (Python's
  design): the pool is replaced, warmed again, and every task it held is submitted again, each at most
  ``max_retries`` times (``ProofTaskFailed`` after that).
- ``ray``: Ray tasks (``num_cpus = threads_per_task``, ``max_retries``). The kits are ``ray.put`` once; a task gets
  their object reference inside a list (so Ray does not fetch them per call), and each worker process fetches and
  prepares them on its first task only. Ray runs a task again when its worker dies. Without an address, a local
  Ray instance is started with this machine's CPUs (and stopped by ``close``); with one (``ray://…`` or
  ``host:port``) the driver joins that cluster, which must have the same zksvs installed on every node
  (docs/scaling.md).

Test-only hook: with ``ZKSVS_TEST_CRASH_ONCE=PATH:BATCH:CHAIN`` in the driver's environment (CHAIN a chain id or
``cross``), that task carries ``PATH`` as its crash marker, and the worker that first runs it exits the process
(``pipeline.proving.crash_if_marked``). The in-process executor ignores the marker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.proving import ProofOutcome, ProofTask, Prover, ProvingKit, crash_if_marked, make_provers
from zksvs.errors import InputError, ZksvsError

EXECUTORS = ("local", "processes", "ray")

#: Environment variable of the test-only crash hook (module docstring).
CRASH_ONCE_ENV = "ZKSVS_TEST_CRASH_ONCE"

#: Seconds a new pool's workers may take to start, load the kits and the kernels (a cold numba cache compiles).
WARM_TIMEOUT_S = 1800.0

#: Niceness of the pool's workers, as Ray gives its workers: the driver's serial work (settlement, files, the
#: sequencer) is the pipeline's critical path and must not queue behind proofs for a core (measured: with workers at
#: the driver's priority on 2 busy cores, settling a K = 4 batch took 2.5× longer than beside Ray's niced workers).
WORKER_NICENESS = 15


class ProofTaskFailed(ZksvsError):
    """A proof task could not be completed: its worker died more often than the executor retries.

    Attributes
    ----------
    exit_code : int
        4, the CLI's "proving failed" status.
    """

    exit_code = 4


class ExecutorUnavailable(InputError):
    """The chosen executor cannot start: Ray is not installed, or the cluster at ``--ray-address`` cannot be joined."""


def crash_marker_for(batch_number: int, chain_id: int | None) -> str | None:
    """The test hook's marker for this task, from ``ZKSVS_TEST_CRASH_ONCE`` (None when unset or another task)."""
    spec = os.environ.get(CRASH_ONCE_ENV)
    if not spec:
        return None
    path, batch, chain = spec.rsplit(":", 2)
    who = "cross" if chain_id is None else str(chain_id)
    return path if (batch, chain) == (str(batch_number), who) else None


class Executor(ABC):
    """Runs proof tasks (module docstring). One driver thread submits and collects; not thread-safe.

    Attributes
    ----------
    name : str
        ``"local"``, ``"processes"`` or ``"ray"``.
    workers : int
        Tasks it runs at once.
    threads_per_task : int
        numba threads each task proves with.
    """

    name: str = ""

    def __init__(self, workers: int, threads_per_task: int) -> None:
        self.workers = workers
        self.threads_per_task = threads_per_task

    def connect(self) -> None:  # noqa: B027 (optional hook: only Ray has a cluster to join)
        """Join the cluster, if there is one: called before any other work, so a bad address fails at once."""

    @abstractmethod
    def start(self, kits: dict[str, ProvingKit]) -> None:
        """Send the kits to the workers (once) and warm them: processes started, circuits built, kernels loaded."""

    @abstractmethod
    def submit(self, task: ProofTask) -> Any:
        """Queue ``task``; returns a handle for ``result``."""

    @abstractmethod
    def result(self, handle: Any) -> ProofOutcome:
        """The outcome of a submitted task (waits for it).

        Raises
        ------
        ProofTaskFailed
            Its worker died on every attempt.
        Exception
            Whatever the task raised (a proof that does not verify is a ``RuntimeError``: a bug, not retried).
        """

    @property
    def retries(self) -> int | None:
        """Task attempts run again because a worker died (None when the engine does not tell)."""
        return 0

    def close(self) -> None:  # noqa: B027 (optional hook: the in-process executor has nothing to release)
        """Stop the workers (idempotent)."""

    def describe(self) -> dict:
        """What run.json records about the executor."""
        return {
            "name": self.name,
            "workers": self.workers,
            "threads_per_task": self.threads_per_task,
            "task_retries": self.retries,
        }

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Proves each task in the calling thread when it is submitted (numba's threads: every core)."""

    name = "local"

    def __init__(self) -> None:
        super().__init__(1, _numba_threads())
        self._provers: dict[str, Prover] = {}

    def start(self, kits: dict[str, ProvingKit]) -> None:
        self._provers = make_provers(kits)

    def submit(self, task: ProofTask) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(self._provers[task.circuit].run(replace(task, crash_marker=None)))
        except Exception as e:  # delivered by result(), as the other executors deliver a task's exception
            fut.set_exception(e)
        return fut

    def result(self, handle: Future) -> ProofOutcome:
        return handle.result()


def _numba_threads() -> int:
    import numba

    return numba.get_num_threads()


# --- processes ---------------------------------------------------------------------------------------------------

#: A pool worker's provers (set by its initializer) and the barrier its warm-up meets at.
_worker_provers: dict[str, Prover] = {}
_worker_barrier: Any = None


def _pool_init(kits: dict[str, ProvingKit], threads: int, barrier: Any) -> None:
    import numba

    from prover import warmup

    global _worker_provers, _worker_barrier
    os.nice(max(0, WORKER_NICENESS - os.nice(0)))
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    warmup(("prove", "check"))  # a worker proves and checks; setups run in the driver
    _worker_provers = make_provers(kits)
    _worker_barrier = barrier


def _pool_warm() -> int:
    # every worker holds one of these until all have started: so each worker runs exactly one, all initialised
    _worker_barrier.wait(WARM_TIMEOUT_S)
    return os.getpid()


def _pool_task(task: ProofTask) -> ProofOutcome:
    crash_if_marked(task)
    return _worker_provers[task.circuit].run(task)


@dataclass
class _PoolHandle:
    task: ProofTask
    future: Future
    generation: int
    attempts: int = 1


class ProcessExecutor(Executor):
    """A local pool of worker processes kept for the run (module docstring).

    Parameters
    ----------
    workers : int, optional
        Worker processes; default ``os.cpu_count() // threads_per_task`` (at least 1).
    threads_per_task : int
        numba threads per worker (default 1).
    max_retries : int
        Times a task is submitted again after its pool broke (default 3, as Ray's ``max_retries``).
    """

    name = "processes"

    def __init__(self, workers: int | None = None, threads_per_task: int = 1, max_retries: int = 3) -> None:
        super().__init__(workers or max(1, (os.cpu_count() or 1) // threads_per_task), threads_per_task)
        self.max_retries = max_retries
        self._kits: dict[str, ProvingKit] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        self._pending: list[_PoolHandle] = []
        self._retries = 0

    @property
    def retries(self) -> int:
        return self._retries

    def start(self, kits: dict[str, ProvingKit]) -> None:
        self._kits = {name: kit.portable() for name, kit in kits.items()}
        self._new_pool()

    def _new_pool(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(self.workers)
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=ctx,
            initializer=_pool_init,
            initargs=(self._kits, self.threads_per_task, barrier),
        )
        self._generation += 1
        warm = [self._pool.submit(_pool_warm) for _ in range(self.workers)]
        try:
            pids = {f.result() for f in warm}
        except BrokenProcessPool as e:
            raise ProofTaskFailed(f"the process pool's workers could not start: {e}") from e
        assert len(pids) == self.workers, pids

    def submit(self, task: ProofTask) -> _PoolHandle:
        assert self._pool is not None, "start() first"
        h = _PoolHandle(task, self._pool.submit(_pool_task, task), self._generation)
        self._pending.append(h)
        return h

    def result(self, handle: _PoolHandle) -> ProofOutcome:
        while True:
            try:
                outcome = handle.future.result()
            except BrokenProcessPool:
                self._recover(handle.generation)
                continue
            self._pending.remove(handle)
            return outcome

    def _recover(self, broken_generation: int) -> None:
        """Replace the broken pool (once) and submit again every task it held that had not finished."""
        if broken_generation == self._generation:
            old = self._pool
            self._new_pool()
            if old is not None:
                old.shutdown(wait=False, cancel_futures=True)
        for h in self._pending:
            if h.generation == self._generation:
                continue
            if h.future.done() and not isinstance(h.future.exception(), BrokenProcessPool):
                continue  # finished before the pool broke: its outcome (or its own error) stands
            if h.attempts > self.max_retries:
                raise ProofTaskFailed(
                    f"{h.task.name}: the worker proving it died on each of {h.attempts} attempts "
                    f"(the process pool broke each time)"
                )
            h.attempts += 1
            self._retries += 1
            h.future = self._pool.submit(_pool_task, h.task)
            h.generation = self._generation

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# --- ray ---------------------------------------------------------------------------------------------------------

#: A Ray worker's provers, per object reference of the kits (fetched on the worker's first task of a run).
_ray_provers: dict[str, dict[str, Prover]] = {}
_ray_lock = threading.Lock()


def _ray_provers_for(kits_box: list, threads: int) -> dict[str, Prover]:
    import numba
    import ray

    ref = kits_box[0]
    key = ref.hex()
    with _ray_lock:  # a worker may run tasks on threads; prepare once
        if key not in _ray_provers:
            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
            _ray_provers.clear()  # an earlier run's kits
            _ray_provers[key] = make_provers(ray.get(ref))
        return _ray_provers[key]


def _ray_warm(kits_box: list, threads: int) -> str:
    from prover import warmup

    warmup(("prove", "check"))  # a worker proves and checks; setups run in the driver
    _ray_provers_for(kits_box, threads)
    return f"{os.uname().nodename}:{os.getpid()}"


def _ray_task(kits_box: list, threads: int, task: ProofTask) -> ProofOutcome:
    provers = _ray_provers_for(kits_box, threads)
    crash_if_marked(task)
    return provers[task.circuit].run(task)


def repo_root() -> str:
    """The folder holding this checkout's packages (``pipeline/``'s parent): what local Ray workers import from."""
    return str(Path(__file__).resolve().parents[1])


def init_local_ray(num_cpus: int | None = None) -> None:
    """Start a local Ray instance for this process (this machine's CPUs, no dashboard), if none is connected.

    Its workers import zksvs from this checkout (``PYTHONPATH``), log nothing to the driver's streams (stdout stays
    for ``--json``), and the object store is left at Ray's default size.

    Raises
    ------
    ExecutorUnavailable
        Ray is not installed.
    """
    ray = _import_ray()
    if ray.is_initialized():
        return
    path = os.pathsep.join(p for p in (repo_root(), os.environ.get("PYTHONPATH", "")) if p)
    ray.init(
        address="local",  # a new instance, never one a `ray start` left on this machine
        num_cpus=num_cpus or os.cpu_count(),
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )


def _probe(address: str, timeout: float = 5.0) -> None:
    """Fail at once when nothing listens at ``address`` (``host:port`` or ``ray://host:port``): Ray itself retries
    an unreachable head for minutes. Other forms (``auto``) are left to Ray."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not port.isdigit():
        return
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as e:
        raise ExecutorUnavailable(
            f"--ray-address {address}: nothing answers at {host or '127.0.0.1'}:{port} ({e.strerror or e})"
        ) from None


def _import_ray():
    try:
        import ray
    except ImportError as e:
        raise ExecutorUnavailable(f"--executor ray needs the ray package: pip install 'zksvs[ray]' ({e})") from None
    return ray


class RayExecutor(Executor):
    """Proof tasks as Ray tasks (module docstring).

    Parameters
    ----------
    address : str, optional
        A running cluster (``ray://head:10001`` or ``head:6379``); default: the instance this process is connected
        to, else a new local one.
    threads_per_task : int
        numba threads per task, and the CPUs Ray reserves for it (default 1).
    max_retries : int
        Ray's ``max_retries``: times a task runs again after its worker died (default 3).
    """

    name = "ray"

    def __init__(self, address: str | None = None, threads_per_task: int = 1, max_retries: int = 3) -> None:
        super().__init__(0, threads_per_task)
        self.address = address
        self.max_retries = max_retries
        self._started_ray = False
        self._kits_box: list = []
        self._remote: Any = None

    @property
    def retries(self) -> None:
        return None  # Ray retries on its own and does not count them for the caller

    def connect(self) -> None:
        ray = _import_ray()
        if ray.is_initialized():
            return
        self._started_ray = True
        if self.address is None:
            init_local_ray()
            return
        _probe(self.address)
        try:
            ray.init(address=self.address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as e:  # ConnectionError, ValueError, RuntimeError: whatever Ray raises
            self._started_ray = False
            raise ExecutorUnavailable(
                f"--ray-address {self.address}: cannot join the Ray cluster ({' '.join(str(e).split())[:200]})"
            ) from None

    def start(self, kits: dict[str, ProvingKit]) -> None:
        import ray

        self.connect()
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, cpus // self.threads_per_task)
        self._kits_box = [ray.put({name: kit.portable() for name, kit in kits.items()})]
        opts = {"num_cpus": self.threads_per_task, "max_retries": self.max_retries}
        self._remote = ray.remote(**opts)(_ray_task)
        warm = ray.remote(**opts)(_ray_warm)
        ray.get([warm.remote(self._kits_box, self.threads_per_task) for _ in range(self.workers)])

    def submit(self, task: ProofTask) -> Any:
        return self._remote.remote(self._kits_box, self.threads_per_task, task)

    def result(self, handle: Any) -> ProofOutcome:
        import ray
        from ray.exceptions import RayError, RayTaskError

        try:
            return ray.get(handle)
        except RayTaskError as e:  # the task itself raised: the same error as in-process
            raise e.as_instanceof_cause() from None
        except RayError as e:  # its worker or node died on every attempt, or its result was lost
            detail = " ".join(str(e).split())[:300]
            raise ProofTaskFailed(
                f"a proof task failed on each of its {self.max_retries + 1} attempts ({type(e).__name__}: {detail})"
            ) from None

    def close(self) -> None:
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False
        self._kits_box = []


def make_executor(name: str, *, ray_address: str | None = None) -> Executor:
    """The executor called ``name`` (``EXECUTORS``); ``ray_address`` only with ``"ray"``.

    Raises
    ------
    InputError
        An unknown name, or an address for another executor.
    """
    if name not in EXECUTORS:
        raise InputError(f"executor must be one of {', '.join(EXECUTORS)}, not {name!r}")
    if ray_address is not None and name != "ray":
        raise InputError(f"--ray-address is for --executor ray, not {name}")
    if name == "local":
        return LocalExecutor()
    if name == "processes":
        return ProcessExecutor()
    return RayExecutor(ray_address)


__all__ = [
    "CRASH_ONCE_ENV",
    "EXECUTORS",
    "Executor",
    "ExecutorUnavailable",
    "LocalExecutor",
    "ProcessExecutor",
    "ProofTaskFailed",
    "RayExecutor",
    "crash_marker_for",
    "init_local_ray",
    "make_executor",
    "repo_root",
]

"""Fixtures of the executor and pipeline tests: the small shape's proving kits, its shared batches, a Ray cluster.

The shape is ``tests/e2e/conftest.py``'s small run (K = 2, B = 2, D = 3, M = 2; 4 transactions, 2 shared batches).
``ray_cluster`` starts a local Ray instance in the test run with this machine's CPUs and no dashboard
(``pipeline.executors.init_local_ray``), once per session; the Ray executors of the tests join it.
"""

from __future__ import annotations

import os
import warnings

import pytest

from circuits.batch import build_batch_circuit
from circuits.cross import build_cross_circuit
from pipeline.executors import init_local_ray
from pipeline.proving import ProofTask, ProvingKit, proof_randomness
from pipeline.run import dev_setup
from prover import InsecureSetupWarning
from sequencer import Sequencer, SharedBatch
from tests.e2e.conftest import SETUP_SEED, SMALL_TXS, small_genesis

#: The proof seed of the tests' runs: every executor must write the same proofs for it.
PROOF_SEED = bytes.fromhex("5eed")


@pytest.fixture(scope="session")
def small_kits() -> dict[str, ProvingKit]:
    """The batch and cross-rollup kits of the small shape, with the keys ``run_pipeline`` makes for ``SETUP_SEED``."""
    shape = small_genesis().shape
    kits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        for name, circuit in (
            ("batch", build_batch_circuit(shape)),
            ("cross", build_cross_circuit(shape.n_rollups, shape.bridge_depth)),
        ):
            pk = dev_setup(circuit.r1cs, SETUP_SEED, name)
            kits[name] = ProvingKit(name, shape, pk, circuit.r1cs.to_matrices(include_c=True), built=circuit)
    return kits


@pytest.fixture(scope="session")
def small_batches() -> list[SharedBatch]:
    """The small run's two shared batches, sequenced in memory."""
    seq = Sequencer(small_genesis())
    for arrival, tx in enumerate(SMALL_TXS, start=1):
        seq.submit(tx, arrival)
    seq.close_batch()
    batches = seq.pop_closed()
    assert len(batches) == 2
    return batches


def batch_tasks(shared: SharedBatch, seed: bytes = PROOF_SEED, crash: dict | None = None) -> list[ProofTask]:
    """The K + 1 tasks of ``shared`` as ``run_pipeline`` makes them; ``crash`` maps (batch, chain) to a marker."""
    n = shared.batch_number
    crash = crash or {}
    out = [
        ProofTask(n, "batch", (t,), *proof_randomness(seed, n, t.chain_id), crash.get((n, t.chain_id)))
        for t in shared.traces
    ]
    out.append(ProofTask(n, "cross", tuple(shared.traces), *proof_randomness(seed, n, None), crash.get((n, None))))
    return out


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray instance for the session: this machine's CPUs, no dashboard."""
    import ray

    init_local_ray(os.cpu_count())
    yield ray
    ray.shutdown()

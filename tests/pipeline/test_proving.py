"""One proof task (pipeline.proving): its blinding comes from the run's seed, so the proof is a function of the task.

Proofs are checked by our verifier here (the tasks do it themselves); ``tests/pipeline/test_pipelined_run.py`` has
``snarkjs groth16 verify`` accept the files an executor wrote.
"""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.proving import ProofTask, Prover, proof_randomness
from tests.pipeline.conftest import PROOF_SEED, batch_tasks
from verifier.groth16 import verify_proof
from zksvs.errors import UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.formats.wtns_file import read_wtns


def test_proof_randomness_is_a_function_of_the_seed_the_batch_and_the_proof():
    seen = set()
    for seed in (b"", b"\x00", PROOF_SEED, bytes(32)):
        for n in range(3):
            for c in (None, 0, 1, 7):
                r, s = proof_randomness(seed, n, c)
                assert (r, s) == proof_randomness(seed, n, c)
                assert 0 <= r < FR_MODULUS and 0 <= s < FR_MODULUS
                seen.update((r, s))
    assert len(seen) == 2 * 4 * 3 * 4  # no two proofs, scalars or seeds share a value
    # the seed's length is framed: b"" + label and b"\x00" + label are different inputs
    assert proof_randomness(b"", 0, 0) != proof_randomness(b"\x00", 0, 0)


@pytest.fixture(scope="module")
def provers(small_kits):
    return {name: Prover(kit) for name, kit in small_kits.items()}


@pytest.mark.prover
def test_a_task_gives_the_same_verified_proof_every_time_and_other_randomness_another(provers, small_batches):
    task = batch_tasks(small_batches[0])[1]  # rollup 1 of shared batch 0
    a = provers["batch"].run(task)
    b = provers["batch"].run(task)
    assert (a.proof, a.public_inputs, a.wtns) == (b.proof, b.public_inputs, b.wtns)
    assert a.public_inputs == small_batches[0].traces[1].statement().public_inputs()
    assert verify_proof(provers["batch"].vk, a.proof, a.public_inputs)
    n_pub = len(a.public_inputs)
    assert list(read_wtns(a.wtns).values[1 : 1 + n_pub]) == a.public_inputs  # the witness file holds the statement
    other = provers["batch"].run(dataclasses.replace(task, r=task.r + 1))
    assert other.proof != a.proof and other.public_inputs == a.public_inputs
    assert verify_proof(provers["batch"].vk, other.proof, other.public_inputs)


@pytest.mark.prover
def test_the_cross_task_proves_the_k_new_state_roots(provers, small_batches):
    shared = small_batches[1]
    out = provers["cross"].run(batch_tasks(shared)[-1])
    assert out.chain_id is None and out.included_slots == 0
    assert out.public_inputs == list(shared.new_state_roots())
    assert verify_proof(provers["cross"].vk, out.proof, out.public_inputs)


def test_a_wrong_trace_is_named_by_its_constraint_not_proven(provers, small_batches):
    task = batch_tasks(small_batches[0])[0]
    trace = task.traces[0]
    wrong = dataclasses.replace(task, traces=(dataclasses.replace(trace, new_state_root=trace.new_state_root + 1),))
    with pytest.raises(UnsatisfiedConstraint, match="constraint"):
        provers["batch"].run(wrong)


def test_a_task_for_the_other_circuit_is_refused(provers, small_batches):
    task = batch_tasks(small_batches[0])[-1]
    with pytest.raises(RuntimeError, match="a cross task sent to the batch prover"):
        provers["batch"].run(task)


def test_a_worker_whose_circuit_differs_from_the_drivers_refuses_to_prove(small_kits):
    kit = small_kits["batch"]
    other = dataclasses.replace(kit, shape=dataclasses.replace(kit.shape, capacity=1), built=None)
    with pytest.raises(RuntimeError, match="not the driver's"):
        Prover(other)


def test_the_portable_kit_leaves_the_circuit_behind(small_kits):
    kit = small_kits["batch"]
    assert kit.built is not None and kit.portable().built is None
    assert kit.portable().proving_key is kit.proving_key


def test_task_names(small_batches):
    tasks = batch_tasks(small_batches[1])
    assert [t.name for t in tasks] == ["batch 1, rollup 0", "batch 1, rollup 1", "batch 1, cross"]
    assert [t.chain_id for t in tasks] == [0, 1, None]
    assert isinstance(tasks[0], ProofTask)

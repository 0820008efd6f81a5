"""One proof as a task: the proving kit a worker receives once, the task it receives per proof, and what it does.

A shared batch of K rollups needs K + 1 independent proofs (K batch proofs, one cross-rollup proof). Each is a
``ProofTask``; the executors of ``pipeline.executors`` run them in-process, in a local process pool or as Ray tasks,
all through ``Prover.run``, so every executor computes the same thing:

1. the witness, from the trace (``circuits.batch.assign_batch_witness`` / ``circuits.cross.assign_cross_witness``):
   built in the task because a trace is small (Merkle openings: about B·(2D + 2M) field elements, a few KB at the
   demo shape) while the witness is every wire (32 bytes each, 1.9 MB at the demo shape) and costs Python time
   that would otherwise be spent one rollup after another in the driver;
2. the Groth16 proof, with blinding scalars r, s fixed by the task (``proof_randomness``), so every executor writes
   byte-identical ``proof.json`` files for the same run seed;
3. the proof checked with our verifier on the public inputs of the trace's statement (a proof that does not verify
   is a bug: ``RuntimeError``, never retried);
4. the witness serialised as ``.wtns`` bytes, which travel back once for ``witness.wtns``.

A ``ProvingKit`` is what travels to each worker once per run: the proving key and the constraint matrices (numpy
arrays: zero-copy in Ray's object store). The R1CS itself does not travel: a worker builds the circuit from its shape
(deterministic; 1.1 s at the demo shape, against 1.9 s to unpickle its 29 MB) once per process.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from dataclasses import dataclass, field, replace
from typing import Literal

from circuits.batch import BatchCircuit, assign_batch_witness, build_batch_circuit
from circuits.cross import CrossCircuit, assign_cross_witness, build_cross_circuit, cross_statement
from prover import prove_with_timings
from verifier.groth16 import PreparedVerifyingKey, prepare_verifying_key, verify_proof
from zksvs.field import FR_MODULUS
from zksvs.formats.binfile import to_bytes
from zksvs.formats.wtns_file import write_wtns
from zksvs.groth16 import Proof, ProvingKey
from zksvs.r1cs import ConstraintMatrices
from zksvs.statement import SlotKind
from zksvs.trace import BatchShape, BatchTrace

CircuitName = Literal["batch", "cross"]

#: Domain separation of ``proof_randomness`` (a new version gives other proofs for the same seed).
_RANDOMNESS_TAG = b"zksvs/proof-randomness/v1\x00"


def proof_randomness(seed: bytes, batch_number: int, chain_id: int | None) -> tuple[int, int]:
    """The blinding scalars (r, s) of one proof of a run, derived from the run's proof seed.

    Each scalar is SHA-512 of (tag, seed, batch, rollup, which) reduced mod r: 512 bits reduced modulo a 254-bit
    prime leave a bias below 2^-256 (the wide reduction of RFC 9380 §5, ``hash_to_field``). Distinct
    (batch, rollup, which) never share an input.

    Parameters
    ----------
    seed : bytes
        The run's proof seed. Secret and fresh per run in production (``secrets.token_bytes(32)``, the default of
        ``run_pipeline``): whoever knows it can strip the blinding and learn about the witness. A fixed seed
        (tests, ``--proof-seed``) makes every executor write the same proofs.
    batch_number : int
        The shared batch.
    chain_id : int or None
        The rollup of a batch proof; None for the cross-rollup proof.

    Returns
    -------
    (int, int)
        r and s, in [0, r).
    """
    who = "cross" if chain_id is None else f"rollup-{chain_id}"

    def scalar(which: str) -> int:
        label = f"{batch_number}/{who}/{which}".encode()
        digest = hashlib.sha512(_RANDOMNESS_TAG + len(seed).to_bytes(4, "big") + seed + label).digest()
        return int.from_bytes(digest, "big") % FR_MODULUS

    return scalar("r"), scalar("s")


@dataclass(frozen=True)
class ProvingKit:
    """Everything a worker needs to prove one circuit of a run; sent to each worker once.

    Attributes
    ----------
    circuit : {"batch", "cross"}
        Which circuit.
    shape : BatchShape
        The shared set's shape (the cross circuit uses its K and M).
    proving_key : ProvingKey
        The (development) proving key; its ``vk`` is what the worker verifies with.
    matrices : ConstraintMatrices
        A, B and C of the circuit (with C, the prover checks the witness with numba mat-vecs before proving).
    built : BatchCircuit or CrossCircuit, optional
        The driver's own circuit, so the in-process executor does not build it twice; ``portable()`` drops it.
    """

    circuit: CircuitName
    shape: BatchShape
    proving_key: ProvingKey
    matrices: ConstraintMatrices
    built: BatchCircuit | CrossCircuit | None = field(default=None, repr=False, compare=False)

    @property
    def nbytes(self) -> int:
        """Bytes of its arrays (the key's five queries, the three matrices): what travels to each worker."""
        pk, m = self.proving_key, self.matrices
        arrays = [pk.a_query, pk.b_g1_query, pk.b_g2_query, pk.c_query, pk.h_query]
        for mat in (m.A, m.B, m.C):
            if mat is not None:
                arrays += [mat.rows, mat.wires, mat.coeffs]
        return sum(a.nbytes for a in arrays)

    def portable(self) -> ProvingKit:
        """The kit as it travels to another process: without the built circuit (a worker builds its own)."""
        return replace(self, built=None)


@dataclass(frozen=True)
class ProofTask:
    """One proof to make: which shared batch and circuit, the trace(s) it reads, its blinding scalars.

    Attributes
    ----------
    batch_number : int
        The shared batch.
    circuit : {"batch", "cross"}
        The batch circuit of ``traces[0]``'s rollup, or the cross-rollup circuit over all K traces.
    traces : tuple[BatchTrace, ...]
        One trace (batch proof) or the K traces of the shared batch (cross proof).
    r, s : int
        The prover's blinding scalars (``proof_randomness``).
    crash_marker : str, optional
        Test-only hook (``pipeline.executors``): a worker that starts this task and can create this file exits the
        process at once, as a killed worker would; the retried attempt finds the file and proves.
    """

    batch_number: int
    circuit: CircuitName
    traces: tuple[BatchTrace, ...]
    r: int
    s: int
    crash_marker: str | None = None

    @property
    def chain_id(self) -> int | None:
        """The rollup of a batch proof; None for the cross-rollup proof."""
        return self.traces[0].chain_id if self.circuit == "batch" else None

    @property
    def name(self) -> str:
        """``"batch 3, rollup 1"`` or ``"batch 3, cross"``, for messages."""
        who = "cross" if self.chain_id is None else f"rollup {self.chain_id}"
        return f"batch {self.batch_number}, {who}"


@dataclass(frozen=True)
class ProofOutcome:
    """What a worker returns for one task: the verified proof, its public inputs, the witness file, timings.

    Attributes
    ----------
    batch_number : int
    chain_id : int or None
        As ``ProofTask``.
    proof : Proof
        Verified by the worker on ``public_inputs``.
    public_inputs : list[int]
        The statement's public inputs (public.json).
    wtns : bytes
        The witness as an iden3 ``.wtns`` file.
    n_constraints : int
        The circuit's constraints.
    included_slots : int
        Slots holding a transaction (batch proofs; 0 for the cross proof).
    witness_s, prove_s, verify_s : float
        Seconds to build the witness, to prove (``ProveTiming.total``), to verify.
    cpu_s : float
        CPU seconds of the worker's process during the task (all its threads; in the driver's own process, the
        sequencer thread's too).
    prove_stages : dict[str, float]
        Seconds per prover stage (``prover.STAGES``).
    worker : str
        ``host:pid`` of the process that made it.
    """

    batch_number: int
    chain_id: int | None
    proof: Proof
    public_inputs: list[int]
    wtns: bytes = field(repr=False)
    n_constraints: int
    included_slots: int
    witness_s: float
    prove_s: float
    verify_s: float
    prove_stages: dict[str, float]
    worker: str
    cpu_s: float = 0.0


class Prover:
    """A worker's prover of one circuit: the kit, the circuit (the driver's, or built here once), the prepared key.

    Parameters
    ----------
    kit : ProvingKit
        Its ``built`` circuit is used when present; otherwise the circuit is built from ``kit.shape``.
    """

    def __init__(self, kit: ProvingKit) -> None:
        self.kit = kit
        if kit.built is not None:
            self.circuit = kit.built
        elif kit.circuit == "batch":
            self.circuit = build_batch_circuit(kit.shape)
        else:
            self.circuit = build_cross_circuit(kit.shape.n_rollups, kit.shape.bridge_depth)
        r1cs = self.circuit.r1cs
        m = kit.matrices
        if (r1cs.n_constraints, r1cs.n_wires, r1cs.n_public) != (m.n_constraints, m.n_wires, m.n_public):
            raise RuntimeError(
                f"the {kit.circuit} circuit built here ({r1cs.n_constraints} constraints, {r1cs.n_wires} wires) is "
                f"not the driver's ({m.n_constraints}, {m.n_wires}): another version of zksvs on this worker?"
            )
        self.vk: PreparedVerifyingKey = prepare_verifying_key(kit.proving_key.vk)

    def run(self, task: ProofTask) -> ProofOutcome:
        """Witness, proof, check, ``.wtns`` bytes for ``task`` (module docstring).

        Raises
        ------
        RuntimeError
            The proof does not verify (a bug in the circuit, the prover or the trace); the task is for another
            circuit.
        UnsatisfiedConstraint
            The trace gives a witness that violates a constraint (named by its label).
        """
        if task.circuit != self.kit.circuit:
            raise RuntimeError(f"{task.name}: a {task.circuit} task sent to the {self.kit.circuit} prover")
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        if task.circuit == "batch":
            (trace,) = task.traces
            witness = assign_batch_witness(self.circuit, trace)
            public = trace.statement().public_inputs()
            included = sum(s.kind != SlotKind.NOOP for s in trace.slots)
        else:
            witness = assign_cross_witness(self.circuit, task.traces)
            public = cross_statement(task.traces).public_inputs()
            included = 0
        witness_s = time.perf_counter() - t0
        proof, timing = prove_with_timings(
            self.circuit.r1cs, self.kit.proving_key, witness, r=task.r, s=task.s, matrices=self.kit.matrices
        )
        t0 = time.perf_counter()
        ok = verify_proof(self.vk, proof, public)
        verify_s = time.perf_counter() - t0
        if not ok:
            raise RuntimeError(f"{task.name}: our own proof does not verify")
        return ProofOutcome(
            batch_number=task.batch_number,
            chain_id=task.chain_id,
            proof=proof,
            public_inputs=public,
            wtns=to_bytes(write_wtns, witness),
            n_constraints=self.circuit.r1cs.n_constraints,
            included_slots=included,
            witness_s=witness_s,
            prove_s=timing.total,
            verify_s=verify_s,
            prove_stages=dict(timing.stages),
            worker=f"{socket.gethostname()}:{os.getpid()}",
            cpu_s=time.process_time() - cpu0,
        )


def make_provers(kits: dict[str, ProvingKit]) -> dict[str, Prover]:
    """One ``Prover`` per kit (what a worker holds for the whole run)."""
    return {name: Prover(kit) for name, kit in kits.items()}


def crash_if_marked(task: ProofTask) -> None:
    """The test-only crash hook: exit this process at once if ``task.crash_marker`` can be created (first attempt).

    ``os._exit`` skips every handler, as SIGKILL or the OOM killer would; the executors must notice the dead
    worker and run the task again, where the marker exists and the task proves normally. Called by the worker entry
    points of the process pool and Ray, never in the driver's own process.
    """
    if task.crash_marker is None:
        return
    try:
        fd = os.open(task.crash_marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, f"{task.name}: worker {os.getpid()} exits on its first attempt\n".encode())
    os.close(fd)
    os._exit(70)


__all__ = [
    "CircuitName",
    "ProofOutcome",
    "ProofTask",
    "Prover",
    "ProvingKit",
    "crash_if_marked",
    "make_provers",
    "proof_randomness",
]

"""The pipeline: transactions → sequencer → batch circuits (witness) → Groth16 proofs → L1 settlement.

``run_pipeline`` carries each arrow of the design and writes the run folder (docs/formats.md describes each file):

    DIR/batch-<n>/rollup-<chain_id>/  circuit.r1cs witness.wtns verification_key.json proof.json public.json
    DIR/batch-<n>/cross/              the same for the cross-rollup circuit
    DIR/settlement.json               the verdict of every shared batch (accepted or first failed check) and gas
    DIR/state.json                    every rollup's roots after each shared batch, its accounts at the end
    DIR/run.json                      the whole report (what ``--json`` prints; ``zksvs report`` reads it)
    DIR/sequencer.sqlite              the sequencer's durable log (accepted txs, rejections, closed batches)

All rollups of a shape share one batch circuit, so one (development, INSECURE) setup serves them all; the keys are
made once per run. When no transaction is included, nothing is compiled or proven: the folder then holds the log,
``state.json`` (the genesis state), an empty ``settlement.json`` and ``run.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from circuits.batch import assign_batch_witness, build_batch_circuit
from circuits.cross import assign_cross_witness, build_cross_circuit, cross_statement
from pipeline.progress import StageTimer, write_json
from pipeline.report import RUN_FORMAT
from pipeline.state import state_document
from prover import prove_with_timings, setup, warmup
from sequencer import Genesis, Receipt, Rejection, Sequencer
from verifier.groth16 import PreparedVerifyingKey, prepare_verifying_key, verify_proof
from verifier.settlement import (
    ROOT_CHECKS,
    RollupSubmission,
    SettlementContract,
    SettlementResult,
    SharedBatchSubmission,
    bridge_openings_for,
)
from zksvs.errors import ZksvsError
from zksvs.formats.binfile import to_bytes
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.snarkjs_json import verifying_key_to_json, write_proof, write_public_inputs
from zksvs.formats.wtns_file import write_wtns
from zksvs.groth16 import Proof, ProvingKey, VerifyingKey
from zksvs.r1cs import R1CS, ConstraintMatrices
from zksvs.statement import SlotKind
from zksvs.witness import Witness

#: Progress callback: ``stage(name, level)``; level 1 names a step of the run, level 2 a detail (a prover stage).
Stage = Callable[..., None]


class RejectedTransactions(ZksvsError):
    """``run_pipeline(strict=True)``: some transactions were rejected, so nothing was proven.

    Attributes
    ----------
    rejections : list[dict]
        The rejections, in the form of ``RunResult.rejections``.
    total : int
        Transactions submitted.
    exit_code : int
        3, the CLI's "nothing to prove" status.
    """

    exit_code = 3

    def __init__(self, rejections: list[dict], total: int) -> None:
        self.rejections = rejections
        self.total = total
        super().__init__(f"--strict: {len(rejections)} of {total} transactions were rejected; nothing was proven")


@dataclass
class ProofResult:
    """One proof of the run: which circuit, its size, and how long each step took (seconds)."""

    batch_number: int
    chain_id: int | None
    n_constraints: int
    witness_s: float
    prove_s: float
    verify_s: float
    prove_stages: dict[str, float]
    directory: str
    public_inputs: list[int]
    included_slots: int = 0


@dataclass
class RunResult:
    """Everything ``run_pipeline`` did, ready for the tables and ``--json`` (``to_json``, saved as run.json)."""

    n_rollups: int
    shape: dict
    root_check: str
    receipts: int
    rejections: list[dict]
    proofs: list[ProofResult] = field(default_factory=list)
    settlements: list[SettlementResult] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    jit_first_call_s: float = 0.0
    final_state_roots: list[int] = field(default_factory=list)
    out_dir: str = ""
    wall_s: float = 0.0
    #: What was handed to the L1, with the keys and genesis roots to rebuild a contract (for tests and tools).
    submissions: list[SharedBatchSubmission] = field(default_factory=list, repr=False)
    batch_vk: VerifyingKey | None = field(default=None, repr=False)
    cross_vk: VerifyingKey | None = field(default=None, repr=False)
    genesis_state_roots: list[int] = field(default_factory=list, repr=False)

    @property
    def all_settled(self) -> bool:
        """True when every shared batch was accepted (and there was at least one)."""
        return bool(self.settlements) and all(s.accepted for s in self.settlements)

    def to_json(self) -> dict:
        """A JSON-ready dict (field elements as decimal strings); docs/formats.md (run.json) has the schema."""
        return {
            "format": RUN_FORMAT,
            "n_rollups": self.n_rollups,
            "shape": self.shape,
            "root_check": self.root_check,
            "transactions": self.receipts + len(self.rejections),
            "receipts": self.receipts,
            "rejections": self.rejections,
            "all_settled": self.all_settled,
            "jit_first_call_s": round(self.jit_first_call_s, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            "wall_s": round(self.wall_s, 3),
            "final_state_roots": [str(r) for r in self.final_state_roots],
            "proofs": [
                {
                    "batch_number": p.batch_number,
                    "chain_id": p.chain_id,
                    "circuit": "batch" if p.chain_id is not None else "cross",
                    "n_constraints": p.n_constraints,
                    "included_slots": p.included_slots,
                    "witness_s": round(p.witness_s, 3),
                    "prove_s": round(p.prove_s, 3),
                    "verify_s": round(p.verify_s, 3),
                    "prove_stages_s": {k: round(v, 4) for k, v in p.prove_stages.items()},
                    "directory": p.directory,
                }
                for p in self.proofs
            ],
            "settlements": [s.to_json() for s in self.settlements],
            "out_dir": self.out_dir,
        }


@dataclass
class _Prepared:
    """One circuit ready to prove: R1CS, keys, matrices, and its files serialised once (all rollups share them)."""

    r1cs: R1CS
    pk: ProvingKey
    vk: PreparedVerifyingKey
    matrices: ConstraintMatrices
    r1cs_bytes: bytes
    vk_json: str

    @classmethod
    def make(cls, r1cs: R1CS, seed: str) -> _Prepared:
        pk = setup(r1cs, seed=seed)
        return cls(
            r1cs,
            pk,
            prepare_verifying_key(pk.vk),
            r1cs.to_matrices(include_c=True),  # with C, prove checks the witness with numba mat-vecs
            to_bytes(write_r1cs, r1cs),
            json.dumps(verifying_key_to_json(pk.vk), indent=1) + "\n",
        )

    def prove(
        self, witness: Witness, public: list[int], d: Path, clock: StageTimer, on_stage: Stage
    ) -> tuple[Proof, ProofResult]:
        """Prove, check the proof with our verifier, write the five snarkjs-format files into ``d``."""
        with clock.stage("prove"):
            proof, timing = prove_with_timings(self.r1cs, self.pk, witness, matrices=self.matrices, progress=on_stage)
        on_stage("verify")
        with clock.stage("verify"):
            t0 = time.perf_counter()
            ok = verify_proof(self.vk, proof, public)
            verify_s = time.perf_counter() - t0
        if not ok:
            raise RuntimeError(f"{d}: our own proof does not verify")
        with clock.stage("write"):
            d.mkdir(parents=True, exist_ok=True)
            (d / "circuit.r1cs").write_bytes(self.r1cs_bytes)
            (d / "verification_key.json").write_text(self.vk_json)
            write_wtns(witness, d / "witness.wtns")
            write_proof(proof, d / "proof.json")
            write_public_inputs(public, d / "public.json")
        result = ProofResult(
            -1, None, self.r1cs.n_constraints, 0.0, timing.total, verify_s, dict(timing.stages), str(d), public
        )
        return proof, result


def run_pipeline(
    genesis: Genesis,
    txs: Sequence[tuple[int, object]],
    out_dir: str | Path,
    *,
    root_check: str = "both",
    setup_seed: str = "zksvs-demo-setup",
    stage: Stage | None = None,
    strict: bool = False,
) -> RunResult:
    """Sequence ``txs`` on ``genesis``, prove every rollup batch and the cross-rollup statement, settle on the L1 model.

    Parameters
    ----------
    genesis : Genesis
        The shared set's shape and initial accounts.
    txs : sequence of (arrival, tx)
        Transactions (``sequencer.read_jsonl`` output or JSONL-form dicts) with their arrival keys; a parse error in
        place of a tx is recorded as a ``malformed`` rejection.
    out_dir : path
        Output folder (module docstring); created, files in it overwritten (``pipeline.outdir.RunFolder`` makes sure
        no earlier run's files are left beside them).
    root_check : {"openings", "proof", "both"}
        How the L1 checks burn/mint root equality (docs/protocol.md).
    setup_seed : str
        Seed of the development setup's toxic waste (INSECURE: development keys only).
    stage : callable, optional
        ``stage(name, level)``: called with a human-readable name as each step (level 1) or prover stage (level 2)
        starts (the CLI's progress display).
    strict : bool
        Stop after sequencing when any transaction was rejected (``RejectedTransactions``), before any proving.

    Returns
    -------
    RunResult
        Its ``rejections`` carry, besides ``Rejection.to_obj()``, ``chain_id`` (the rollup the line names, None when
        it names none of the set or could not be parsed) and ``batch_number`` (the shared batch open when the line
        was processed; None when it came after the last shared batch closed).

    Raises
    ------
    RejectedTransactions
        ``strict`` and a transaction was rejected (the folder then holds only the sequencer's log).
    """
    if root_check not in ROOT_CHECKS:
        raise ValueError(f"Argument 'root_check' must be one of {ROOT_CHECKS}, not {root_check!r}")
    t_start = time.perf_counter()
    say = stage or (lambda _name, _level=1: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clock = StageTimer()
    shape = genesis.shape
    k = shape.n_rollups

    db = out / "sequencer.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    seq = Sequencer(genesis, db_path=db)
    genesis_roots = seq.state_roots()
    say(f"sequencing {len(txs)} transactions over {k} rollups")
    with clock.stage("sequence"):
        results: list[Receipt | Rejection] = []
        #: the shared batch open when each rejected line was processed (the batch "during which it arrived")
        rejected_during: list[int] = []
        for arrival, tx in txs:
            r = seq.submit(tx, arrival)
            results.append(r)
            if isinstance(r, Rejection):
                rejected_during.append(seq.batch_number)
        seq.close_batch()
    batches = seq.pop_closed()
    final_roots = list(seq.state_roots())
    seq.close()

    rejections = []
    for r, n in zip((r for r in results if isinstance(r, Rejection)), rejected_during, strict=True):
        c = None if r.tx is None else r.tx.chain
        chain_id = c if type(c) is int and 0 <= c < k else None
        rejections.append(r.to_obj() | {"chain_id": chain_id, "batch_number": n if n < len(batches) else None})
    run = RunResult(
        n_rollups=k,
        shape={
            "n_rollups": k,
            "capacity": shape.capacity,
            "account_depth": shape.account_depth,
            "bridge_depth": shape.bridge_depth,
        },
        root_check=root_check,
        receipts=sum(isinstance(r, Receipt) for r in results),
        rejections=rejections,
        final_state_roots=final_roots,
        out_dir=str(out),
        genesis_state_roots=list(genesis_roots),
    )
    if strict and rejections:
        raise RejectedTransactions(rejections, len(results))
    if batches:
        _prove_and_settle(run, genesis, batches, out, root_check, setup_seed, clock, say)
    run.stage_seconds = clock.seconds
    write_json({"settlements": [s.to_json() for s in run.settlements]}, out / "settlement.json")
    write_json(state_document(genesis, genesis_roots, batches), out / "state.json")
    run.wall_s = time.perf_counter() - t_start
    write_json(run.to_json(), out / "run.json")
    return run


def _prove_and_settle(
    run: RunResult,
    genesis: Genesis,
    batches: list,
    out: Path,
    root_check: str,
    setup_seed: str,
    clock: StageTimer,
    say: Stage,
) -> None:
    """Compile, set up, prove every rollup batch and cross statement of ``batches``, settle each on the L1 model."""
    shape = genesis.shape
    k = shape.n_rollups
    genesis_roots = run.genesis_state_roots
    say("compiling prover kernels (cached after the first run)")
    with clock.stage("jit"):
        warmup(("prove", "check", "setup"))  # the kernels a run calls (not phase 2 from a .ptau)
    # the clock's figure: summing warmup()'s dict counted its "total" entry twice (the demo's 57 s vs 115 s)
    run.jit_first_call_s = clock.seconds["jit"]
    say(f"building the batch circuit (K={k}, B={shape.capacity}, D={shape.account_depth}, M={shape.bridge_depth})")
    with clock.stage("circuits"):
        batch_circuit = build_batch_circuit(shape)
        cross_circuit = build_cross_circuit(k, shape.bridge_depth)
    say(f"development setup of the batch circuit ({batch_circuit.n_constraints:,} constraints)")
    with clock.stage("setup"):
        batch = _Prepared.make(batch_circuit.r1cs, f"{setup_seed}/batch")
    say(f"development setup of the cross-rollup circuit ({cross_circuit.n_constraints:,} constraints)")
    with clock.stage("setup"):
        cross = _Prepared.make(cross_circuit.r1cs, f"{setup_seed}/cross")
    run.batch_vk, run.cross_vk = batch.pk.vk, cross.pk.vk

    contract = SettlementContract(root_check=root_check, cross_vk=cross.pk.vk)
    for c in range(k):
        contract.register(c, batch.pk.vk, genesis_roots[c])

    for shared in batches:
        n = shared.batch_number
        subs: list[RollupSubmission] = []
        for trace in shared.traces:
            c = trace.chain_id
            say(f"batch {n}: rollup {c}: witness and proof")
            with clock.stage("witness"):
                t0 = time.perf_counter()
                witness = assign_batch_witness(batch_circuit, trace)
                witness_s = time.perf_counter() - t0
            public = trace.statement().public_inputs()
            d = out / f"batch-{n}" / f"rollup-{c}"
            proof, result = batch.prove(
                witness, public, d, clock, lambda name, n=n, c=c: say(f"batch {n}: prove rollup {c}: {name}", 2)
            )
            result.batch_number, result.chain_id, result.witness_s = n, c, witness_s
            result.included_slots = sum(s.kind != SlotKind.NOOP for s in trace.slots)
            run.proofs.append(result)
            subs.append(
                RollupSubmission(
                    chain_id=c,
                    proof=proof,
                    public_inputs=public,
                    batch_data=trace.slot_data(),
                    bridge_openings=bridge_openings_for(c, k, trace.final_bridge_slots, trace.new_accounts_root),
                )
            )

        say(f"batch {n}: cross-rollup witness and proof")
        with clock.stage("witness"):
            t0 = time.perf_counter()
            cross_w = assign_cross_witness(cross_circuit, shared.traces)
            witness_s = time.perf_counter() - t0
        cross_public = cross_statement(shared.traces).public_inputs()
        cross_dir = out / f"batch-{n}" / "cross"
        cross_proof, result = cross.prove(
            cross_w, cross_public, cross_dir, clock, lambda name, n=n: say(f"batch {n}: cross: {name}", 2)
        )
        result.batch_number, result.witness_s = n, witness_s
        run.proofs.append(result)

        say(f"batch {n}: settlement on L1 (root check: {root_check})")
        submission = SharedBatchSubmission(n, subs, cross_proof, cross_public)
        with clock.stage("settle"):
            run.settlements.append(contract.settle(submission))
        run.submissions.append(submission)

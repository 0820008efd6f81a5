"""The pipeline: transactions → sequencer → batch circuits (witness) → Groth16 proofs → L1 settlement.

``run_pipeline`` carries each arrow of DESIGN.md §1 and writes the output folder of DESIGN.md §9:

    DIR/batch-<n>/rollup-<chain_id>/  circuit.r1cs witness.wtns verification_key.json proof.json public.json
    DIR/batch-<n>/cross/              the same for the cross-rollup circuit (DESIGN.md §6b)
    DIR/settlement.json               the verdict of every shared batch (accepted or first failed check) and gas
    DIR/sequencer.sqlite              the sequencer's durable log (accepted txs, rejections, closed batches)

All rollups of a shape share one batch circuit, so one (development, INSECURE) setup serves them all; the keys are
made once per run.
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
from zksvs.formats.binfile import to_bytes
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.snarkjs_json import verifying_key_to_json, write_proof, write_public_inputs
from zksvs.formats.wtns_file import write_wtns
from zksvs.groth16 import Proof, ProvingKey, VerifyingKey
from zksvs.r1cs import R1CS, ConstraintMatrices
from zksvs.statement import SlotKind
from zksvs.witness import Witness

Stage = Callable[[str], None]


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
    """Everything ``run_pipeline`` did, ready for the table and ``--json``."""

    n_rollups: int
    shape: dict
    root_check: str
    receipts: int
    rejections: list[dict]
    rejected_by_chain: dict[int, int]
    proofs: list[ProofResult] = field(default_factory=list)
    settlements: list[SettlementResult] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    jit_first_call_s: float = 0.0
    final_state_roots: list[int] = field(default_factory=list)
    out_dir: str = ""
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
        """A JSON-ready dict (field elements as decimal strings)."""
        return {
            "n_rollups": self.n_rollups,
            "shape": self.shape,
            "root_check": self.root_check,
            "receipts": self.receipts,
            "rejections": self.rejections,
            "all_settled": self.all_settled,
            "jit_first_call_s": round(self.jit_first_call_s, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
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
        Output folder (module docstring); created, files in it overwritten.
    root_check : {"openings", "proof", "both"}
        How the L1 checks burn/mint root equality (DESIGN.md §6b, §7).
    setup_seed : str
        Seed of the development setup's toxic waste (INSECURE: development keys only).
    stage : callable, optional
        Called with a human-readable stage name as each step starts (the CLI's progress display).

    Returns
    -------
    RunResult
    """
    if root_check not in ROOT_CHECKS:
        raise ValueError(f"Argument 'root_check' must be one of {ROOT_CHECKS}, not {root_check!r}")
    say = stage or (lambda _name: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clock = StageTimer()

    say("compiling prover kernels (cached after the first run)")
    with clock.stage("jit"):
        jit_s = warmup(("prove", "check", "setup")).total_s

    db = out / "sequencer.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    seq = Sequencer(genesis, db_path=db)
    genesis_roots = seq.state_roots()
    say(f"sequencing {len(txs)} transactions over {genesis.shape.n_rollups} rollups")
    with clock.stage("sequence"):
        results: list[Receipt | Rejection] = [seq.submit(tx, arrival) for arrival, tx in txs]
        seq.close_batch()
    batches = seq.pop_closed()
    final_roots = list(seq.state_roots())
    rejected_by_chain = dict(enumerate(seq.rejected))
    seq.close()

    shape = genesis.shape
    k = shape.n_rollups
    say(f"building the batch circuit (K={k}, B={shape.capacity}, D={shape.account_depth}, M={shape.bridge_depth})")
    with clock.stage("circuits"):
        batch_circuit = build_batch_circuit(shape)
        cross_circuit = build_cross_circuit(k)
    say(f"development setup (INSECURE) of the batch circuit ({batch_circuit.n_constraints:,} constraints)")
    with clock.stage("setup"):
        batch = _Prepared.make(batch_circuit.r1cs, f"{setup_seed}/batch")
    say(f"development setup (INSECURE) of the cross-rollup circuit ({cross_circuit.n_constraints:,} constraints)")
    with clock.stage("setup"):
        cross = _Prepared.make(cross_circuit.r1cs, f"{setup_seed}/cross")

    contract = SettlementContract(root_check=root_check, cross_vk=cross.pk.vk)
    for c in range(k):
        contract.register(c, batch.pk.vk, genesis_roots[c])

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
        rejections=[r.to_obj() for r in results if isinstance(r, Rejection)],
        rejected_by_chain=rejected_by_chain,
        jit_first_call_s=jit_s,
        final_state_roots=final_roots,
        out_dir=str(out),
        batch_vk=batch.pk.vk,
        cross_vk=cross.pk.vk,
        genesis_state_roots=list(genesis_roots),
    )

    for shared in batches:
        n = shared.batch_number
        subs: list[RollupSubmission] = []
        for trace in shared.traces:
            c = trace.chain_id
            say(f"batch {n}: witness of rollup {c}")
            with clock.stage("witness"):
                t0 = time.perf_counter()
                witness = assign_batch_witness(batch_circuit, trace)
                witness_s = time.perf_counter() - t0
            public = trace.statement().public_inputs()
            d = out / f"batch-{n}" / f"rollup-{c}"
            proof, result = batch.prove(
                witness, public, d, clock, lambda name, n=n, c=c: say(f"batch {n}: prove rollup {c}: {name}")
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
            cross_w, cross_public, cross_dir, clock, lambda name, n=n: say(f"batch {n}: cross: {name}")
        )
        result.batch_number, result.witness_s = n, witness_s
        run.proofs.append(result)

        say(f"batch {n}: settlement on L1 (root check: {root_check})")
        submission = SharedBatchSubmission(n, subs, cross_proof, cross_public)
        with clock.stage("settle"):
            run.settlements.append(contract.settle(submission))
        run.submissions.append(submission)

    run.stage_seconds = clock.seconds
    write_json({"settlements": [s.to_json() for s in run.settlements]}, out / "settlement.json")
    return run

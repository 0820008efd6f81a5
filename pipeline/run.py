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

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from circuits.batch import assign_batch_witness, build_batch_circuit
from circuits.cross import assign_cross_witness, build_cross_circuit, cross_statement
from pipeline.progress import write_json
from prover import prove_with_timings, setup, warmup
from sequencer import Genesis, Receipt, Rejection, Sequencer
from verifier.groth16 import prepare_verifying_key, verify_proof
from verifier.settlement import (
    ROOT_CHECKS,
    RollupSubmission,
    SettlementContract,
    SettlementResult,
    SharedBatchSubmission,
    bridge_openings_for,
)
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.snarkjs_json import write_proof, write_public_inputs, write_verifying_key
from zksvs.formats.wtns_file import write_wtns
from zksvs.groth16 import Proof, ProvingKey
from zksvs.r1cs import R1CS
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
class _Keys:
    r1cs: R1CS
    proving_key: ProvingKey


def _write_proof_files(
    d: Path, r1cs: R1CS, witness: Witness, pk: ProvingKey, proof: Proof, public_inputs: Sequence[int]
) -> None:
    d.mkdir(parents=True, exist_ok=True)
    write_r1cs(r1cs, d / "circuit.r1cs")
    write_wtns(witness, d / "witness.wtns")
    write_verifying_key(pk.vk, d / "verification_key.json")
    write_proof(proof, d / "proof.json")
    write_public_inputs(list(public_inputs), d / "public.json")


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
    timer: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], object]) -> object:
        t0 = time.perf_counter()
        value = fn()
        timer[name] = timer.get(name, 0.0) + time.perf_counter() - t0
        return value

    say("compiling prover kernels (cached after the first run)")
    jit = timed("jit", warmup)
    jit_s = float(sum(jit.values())) if isinstance(jit, dict) else 0.0

    db = out / "sequencer.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    seq = Sequencer(genesis, db_path=db)
    genesis_roots = seq.state_roots()
    say(f"sequencing {len(txs)} transactions over {genesis.shape.n_rollups} rollups")
    results: list[Receipt | Rejection] = timed("sequence", lambda: [seq.submit(tx, arrival) for arrival, tx in txs])
    timed("sequence", seq.close_batch)
    batches = seq.pop_closed()
    final_roots = list(seq.state_roots())
    seq.close()
    rejections = [r.to_obj() for r in results if isinstance(r, Rejection)]

    shape = genesis.shape
    k = shape.n_rollups
    say(f"building the batch circuit (K={k}, B={shape.capacity}, D={shape.account_depth}, M={shape.bridge_depth})")
    batch_circuit = timed("circuits", lambda: build_batch_circuit(shape))
    cross_circuit = timed("circuits", lambda: build_cross_circuit(k))
    say(f"development setup (INSECURE) of the batch circuit ({batch_circuit.n_constraints:,} constraints)")
    batch_pk = timed("setup", lambda: setup(batch_circuit.r1cs, seed=f"{setup_seed}/batch"))
    say(f"development setup (INSECURE) of the cross-rollup circuit ({cross_circuit.n_constraints:,} constraints)")
    cross_pk = timed("setup", lambda: setup(cross_circuit.r1cs, seed=f"{setup_seed}/cross"))
    batch_keys = _Keys(batch_circuit.r1cs, batch_pk)
    batch_matrices = batch_circuit.r1cs.to_matrices(include_c=False)
    cross_matrices = cross_circuit.r1cs.to_matrices(include_c=False)
    batch_vk = prepare_verifying_key(batch_pk.vk)
    cross_vk = prepare_verifying_key(cross_pk.vk)

    contract = SettlementContract(root_check=root_check, cross_vk=cross_pk.vk)
    for c in range(k):
        contract.register(c, batch_pk.vk, genesis_roots[c])

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
        rejected_by_chain={c: seq.rejected[c] for c in range(k)},
        jit_first_call_s=jit_s,
        final_state_roots=final_roots,
        out_dir=str(out),
    )

    for batch in batches:
        n = batch.batch_number
        subs: list[RollupSubmission] = []
        for trace in batch.traces:
            c = trace.chain_id
            say(f"batch {n}: witness of rollup {c}")
            t0 = time.perf_counter()
            witness = assign_batch_witness(batch_circuit, trace)
            witness_s = time.perf_counter() - t0
            timer["witness"] = timer.get("witness", 0.0) + witness_s
            public = trace.statement().public_inputs()

            def on_stage(name: str, n: int = n, c: int = c) -> None:
                say(f"batch {n}: prove rollup {c}: {name}")

            proof, timing = timed(
                "prove",
                lambda w=witness, cb=on_stage: prove_with_timings(
                    batch_keys.r1cs, batch_keys.proving_key, w, matrices=batch_matrices, progress=cb
                ),
            )
            say(f"batch {n}: verify rollup {c}")
            t0 = time.perf_counter()
            if not verify_proof(batch_vk, proof, public):
                raise RuntimeError(f"batch {n}, rollup {c}: our own proof does not verify")
            verify_s = time.perf_counter() - t0
            timer["verify"] = timer.get("verify", 0.0) + verify_s
            d = out / f"batch-{n}" / f"rollup-{c}"
            timed(
                "write",
                lambda d=d, w=witness, p=proof, pub=public: _write_proof_files(
                    d, batch_keys.r1cs, w, batch_keys.proving_key, p, pub
                ),
            )
            run.proofs.append(
                ProofResult(
                    n,
                    c,
                    batch_circuit.n_constraints,
                    witness_s,
                    timing.total,
                    verify_s,
                    dict(timing.stages),
                    str(d),
                    public,
                    sum(s.kind != SlotKind.NOOP for s in trace.slots),
                )
            )
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
        t0 = time.perf_counter()
        cross_w = assign_cross_witness(cross_circuit, batch.traces)
        cross_witness_s = time.perf_counter() - t0
        cross_public = cross_statement(batch.traces).public_inputs()
        cross_proof, cross_timing = timed(
            "prove",
            lambda w=cross_w: prove_with_timings(cross_circuit.r1cs, cross_pk, w, matrices=cross_matrices),
        )
        t0 = time.perf_counter()
        if not verify_proof(cross_vk, cross_proof, cross_public):
            raise RuntimeError(f"batch {n}: our own cross-rollup proof does not verify")
        cross_verify_s = time.perf_counter() - t0
        d = out / f"batch-{n}" / "cross"
        _write_proof_files(d, cross_circuit.r1cs, cross_w, cross_pk, cross_proof, cross_public)
        run.proofs.append(
            ProofResult(
                n,
                None,
                cross_circuit.n_constraints,
                cross_witness_s,
                cross_timing.total,
                cross_verify_s,
                dict(cross_timing.stages),
                str(d),
                cross_public,
            )
        )

        say(f"batch {n}: settlement on L1 (root check: {root_check})")
        result = timed(
            "settle",
            lambda subs=subs, n=n, cp=cross_proof, cpub=cross_public: contract.settle(
                SharedBatchSubmission(n, subs, cp, cpub)
            ),
        )
        run.settlements.append(result)

    run.stage_seconds = timer
    write_json({"settlements": [s.to_json() for s in run.settlements]}, out / "settlement.json")
    return run

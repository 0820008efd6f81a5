"""The pipeline: transactions → sequencer → batch circuits (witness) → Groth16 proofs → L1 settlement.

``run_pipeline`` carries each arrow of the design and writes the run folder (docs/formats.md describes each file):

    DIR/batch-<n>/rollup-<chain_id>/  circuit.r1cs witness.wtns verification_key.json proof.json public.json
    DIR/batch-<n>/cross/              the same for the cross-rollup circuit
    DIR/keys/batch.zkey, cross.zkey   the circuits' proving keys (snarkjs .zkey: re-prove, export a verifier)
    DIR/settlement.json               the verdict of every shared batch (accepted or first failed check), the model's
                                      gas and, settled on the EVM, the EVM's verdict and measured gas ("evm")
    DIR/state.json                    every rollup's roots after each shared batch, its accounts at the end
    DIR/l1.json                       the L1's state after the run: batch number, roots, forced queue
    DIR/run.json                      the whole report (what ``--json`` prints; ``zksvs report`` reads it)
    DIR/sequencer.sqlite              the sequencer's durable log (accepted txs, rejections, closed batches)

All rollups of a shape share one batch circuit, so one (development, INSECURE) setup serves them all; the keys are
made once per run, both from one development phase 1 (τ, α, β, γ from ``<seed>/phase1``; δ per circuit), as keys
made from one ptau are: the L1 then merges their α/β and γ terms into one pair each.

The L1 (``l1``): ``evm`` settles on ``SharedSettlement.sol`` in an EVM (pyrevm; verdict and measured gas from the
EVM), ``model`` on the Python model, ``both`` on both, raising if their verdicts differ. Settlement runs in the driver,
in order; only proofs come back from the executor.

When no transaction is included, nothing is compiled or proven: the folder then holds the log, ``state.json`` (the
genesis state), an empty ``settlement.json`` and ``run.json``.

The run is a pipeline (docs/scaling.md):

    sequencer thread ──closed shared batches──▶ bounded queue ──▶ driver: K + 1 proof tasks per shared batch
    (pipeline.producer)                          (queue_depth)      on an executor (pipeline.executors), at most
                                                                    ``in_flight`` shared batches proving at once
                                                                ──▶ driver: files and L1 settlement, in order

The sequencer does not wait for proofs: while shared batch n proves, n + 1 is sequenced. The keys are made when the
first shared batch closes (so a run that includes nothing compiles nothing) and sent to the workers once. Shared
batches settle strictly in order, each only with all of its K + 1 proofs (a task whose worker died is run again;
one that cannot be completed stops the run with ``ProofTaskFailed``).

After an L1 rejection the run goes on to the end, as the in-process run always did: every later shared batch is still
proven and submitted in order, and the L1 refuses each at its first check (``batch_number``: its counter did not
advance, so nothing can settle past the rejected batch or out of order). The folder then holds every batch's proofs
and settlement.json every verdict; the exit status is 1.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any

from circuits.batch import build_batch_circuit
from circuits.cross import build_cross_circuit
from pipeline.executors import Executor, crash_marker_for, make_executor
from pipeline.l1state import L1_FILE, L1State
from pipeline.producer import PREFETCH, SequencerThread
from pipeline.progress import StageTimer, write_json
from pipeline.proving import ProofOutcome, ProofTask, ProvingKit, proof_randomness
from pipeline.report import RUN_FORMAT
from pipeline.state import state_document
from prover import setup_with_toxic_waste, toxic_waste_from_seed, warmup
from prover.warmup import kernel_cache_state
from prover.warmup import prepare as prepare_kernels
from sequencer import Genesis, Receipt, SharedBatch, parse_tx
from sequencer.forced import ForcedTx
from verifier.forced_queue import ForcedQueue
from verifier.settlement import (
    ROOT_CHECKS,
    RollupSubmission,
    SettlementContract,
    SettlementResult,
    SharedBatchSubmission,
    bridge_slots_for,
)
from zksvs.errors import InputError, MalformedTransaction, ZksvsError
from zksvs.forced import DEFAULT_FORCED_DEADLINE
from zksvs.formats.binfile import to_bytes
from zksvs.formats.r1cs_file import write_r1cs
from zksvs.formats.snarkjs_json import verifying_key_to_json, write_proof, write_public_inputs
from zksvs.formats.zkey_file import write_zkey
from zksvs.groth16 import ProvingKey, VerifyingKey
from zksvs.r1cs import R1CS

#: Progress callback: ``stage(name, level)``; level 1 names a step of the run, level 2 a detail (a prover stage).
Stage = Callable[..., None]
#: Where a run settles its shared batches.
L1_CHOICES = ("evm", "model", "both")


def dev_setup(r1cs: R1CS, setup_seed: str, circuit: str) -> ProvingKey:
    """The run's development keys of ``circuit`` ("batch" or "cross"): τ, α, β, γ from ``<setup_seed>/phase1``
    (shared by both circuits, as one ptau's are), δ from ``<setup_seed>/<circuit>``. INSECURE."""
    phase1 = toxic_waste_from_seed(f"{setup_seed}/phase1")
    own = toxic_waste_from_seed(f"{setup_seed}/{circuit}")
    return setup_with_toxic_waste(r1cs, replace(phase1, delta=own.delta))


class UnsignedGenesis(InputError):
    """The genesis lists no public keys (protocol v1): the batch circuit verifies a signature in every user slot, so
    its batches have no proof; ``run_pipeline`` refuses it (the ``Sequencer`` alone runs it, unsigned)."""


def require_signed(genesis: Genesis, where: str = "genesis") -> None:
    """Refuse an unsigned genesis (``UnsignedGenesis``, one line naming ``where``).

    Raises
    ------
    UnsignedGenesis
        ``genesis.signed`` is False.
    """
    if not genesis.signed:
        raise UnsignedGenesis(
            f"{where}: the genesis lists no public keys (protocol v1); the batch circuit checks a signature in every "
            "user slot, so give every account a key ('pubkey', from zksvs keys new) and sign the transactions "
            "(zksvs sign)"
        )


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
    wtns_bytes: int = 0


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
    #: The forced transactions the sequencer processed (``Receipt``/``Rejection.to_obj()`` with their queue index).
    forced: list[dict] = field(default_factory=list)
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
    #: Where the proofs ran (``Executor.describe()``) and the proving throughput (``to_json``: ``executor``).
    executor: dict = field(default_factory=dict)
    #: Per shared batch: seconds since the run started when it closed, when its proofs were all in, when it settled.
    timeline: list[dict] = field(default_factory=list)

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
            "forced": self.forced,
            "all_settled": self.all_settled,
            "jit_first_call_s": round(self.jit_first_call_s, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            "wall_s": round(self.wall_s, 3),
            "executor": self.executor,
            "timeline": self.timeline,
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
class _Circuit:
    """One circuit ready to prove: its kit (what workers get) and its files, serialised once for every batch."""

    kit: ProvingKit
    vk: VerifyingKey
    r1cs_bytes: bytes
    vk_json: str

    @classmethod
    def make(cls, name: str, circuit: Any, shape: Any, seed: str) -> _Circuit:
        """Set up ``circuit`` (keys from ``dev_setup(r1cs, seed, name)``) and serialise its files."""
        pk = dev_setup(circuit.r1cs, seed, name)
        # with C, the prover checks each witness with numba mat-vecs before proving
        kit = ProvingKit(name, shape, pk, circuit.r1cs.to_matrices(include_c=True), built=circuit)  # type: ignore[arg-type]
        return cls(
            kit,
            pk.vk,
            to_bytes(write_r1cs, circuit.r1cs),
            json.dumps(verifying_key_to_json(pk.vk), indent=1) + "\n",
        )

    def write(self, outcome: ProofOutcome, d: Path) -> None:
        """The five snarkjs-format files of one proof into ``d``."""
        d.mkdir(parents=True, exist_ok=True)
        (d / "circuit.r1cs").write_bytes(self.r1cs_bytes)
        (d / "verification_key.json").write_text(self.vk_json)
        (d / "witness.wtns").write_bytes(outcome.wtns)
        write_proof(outcome.proof, d / "proof.json")
        write_public_inputs(outcome.public_inputs, d / "public.json")


def run_pipeline(
    genesis: Genesis,
    txs: Iterable[tuple[int, object]],
    out_dir: str | Path,
    *,
    root_check: str = "both",
    setup_seed: str = "zksvs-demo-setup",
    stage: Stage | None = None,
    strict: bool = False,
    executor: str | Executor = "local",
    ray_address: str | None = None,
    proof_seed: bytes | None = None,
    queue_depth: int = 2,
    in_flight: int = 2,
    l1: str = "evm",
    queue: ForcedQueue | None = None,
    censor: Sequence[tuple[int, int]] = (),
) -> RunResult:
    """Sequence ``txs`` on ``genesis``, prove every rollup batch and the cross-rollup statement, settle on the L1 model.

    Parameters
    ----------
    genesis : Genesis
        The shared set's shape and initial accounts.
    txs : iterable of (arrival, tx)
        Transactions (``sequencer.read_jsonl`` output or JSONL-form dicts) with their arrival keys; a parse error in
        place of a tx is recorded as a ``malformed`` rejection. Read lazily by the sequencer thread.
    out_dir : path
        Output folder (module docstring); created, files in it overwritten (``pipeline.outdir.RunFolder`` makes sure
        no earlier run's files are left beside them).
    root_check : {"openings", "proof", "both"}
        How the L1 checks burn/mint root equality (docs/protocol.md).
    setup_seed : str
        Seed of the development setup's toxic waste (INSECURE: development keys only).
    stage : callable, optional
        ``stage(name, level)``: called with a human-readable name as each step (level 1) or detail (level 2)
        starts (the CLI's progress display); always from the calling thread.
    strict : bool
        Stop after sequencing when any transaction was rejected (``RejectedTransactions``), before any proving.
    executor : {"local", "processes", "ray"} or Executor
        Where the proof tasks run (``pipeline.executors``). A name: the executor is made, started and closed here;
        an ``Executor``: it is started here and left open for the caller to close.
    ray_address : str, optional
        With ``executor="ray"``: the cluster to join (default: a local Ray instance).
    proof_seed : bytes, optional
        Seed of every proof's blinding scalars (``pipeline.proving.proof_randomness``); default 32 fresh random
        bytes. Fixed, it makes the proofs (and so every file but run.json) the same whichever executor runs them.
    queue_depth : int
        Closed shared batches that may wait for the prover before the sequencer waits (≥ 1).
    in_flight : int
        Shared batches proving at once (≥ 1): 2 lets workers start on batch n + 1 while batch n settles.
    l1 : {"evm", "model", "both"}
        Where to settle (module docstring). The forced-inclusion queue is enqueued on the EVM contract too (its
        entries, in order, before the first shared batch), which checks ``forced_inclusion`` as the model does.
    queue : ForcedQueue, optional
        The L1's forced-inclusion queue at the start (``verifier.forced_queue``; from ``l1.json`` or the demo):
        its unprocessed entries are handed to the sequencer, and the L1 settles against it. Default: empty.
        The L1's state after the run is written to ``DIR/l1.json`` (``pipeline.l1state``).
    censor : sequence of (chain, account)
        Make the sequencer censor these senders' queued transactions (``Sequencer(censor=…)``). Once the input is
        sequenced, the sequencer keeps closing shared batches (of no-ops if need be) until every pending queue entry
        is past its deadline, so the L1's ``forced_inclusion`` check has a batch to refuse.

    Returns
    -------
    RunResult
        Its ``rejections`` carry, besides ``Rejection.to_obj()``, ``chain_id`` (the rollup the line names, None when
        it names none of the set or could not be parsed) and ``batch_number`` (the shared batch open when the line
        was processed; None when it came after the last shared batch closed).

    Raises
    ------
    UnsignedGenesis
        ``genesis`` lists no public keys (protocol v1: no proof exists for its batches).
    RejectedTransactions
        ``strict`` and a transaction was rejected (the folder then holds only the sequencer's log).
    ProofTaskFailed
        A proof task's worker died on every attempt (nothing after the last complete batch is settled).
    ExecutorUnavailable
        The executor cannot start (Ray missing, or ``ray_address`` unreachable).
    InputError
        ``queue`` is for another shape (K, D), or one of its entries is not a transaction the sequencer parses.
    """
    if root_check not in ROOT_CHECKS:
        raise ValueError(f"Argument 'root_check' must be one of {ROOT_CHECKS}, not {root_check!r}")
    if l1 not in L1_CHOICES:
        raise ValueError(f"Argument 'l1' must be one of {L1_CHOICES}, not {l1!r}")
    if queue_depth < 1 or in_flight < 1:
        raise ValueError(f"queue_depth and in_flight must be at least 1, not {queue_depth} and {in_flight}")
    require_signed(genesis)
    t_start = time.perf_counter()
    say = stage or (lambda _name, _level=1: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clock = StageTimer()
    clock.seconds["jit sequencer"] = 0.0  # the report's first rows, whenever they finish
    clock.seconds["sequence"] = 0.0
    shape = genesis.shape
    k = shape.n_rollups
    if queue is None:
        queue = ForcedQueue(k, shape.account_depth)
    forced = _forced_entries(queue, k, shape.account_depth)
    run = RunResult(
        n_rollups=k,
        shape={
            "n_rollups": k,
            "capacity": shape.capacity,
            "account_depth": shape.account_depth,
            "bridge_depth": shape.bridge_depth,
        },
        root_check=root_check,
        receipts=0,
        rejections=[],
        out_dir=str(out),
    )
    own = not isinstance(executor, Executor)
    ex = make_executor(executor, ray_address=ray_address) if own else executor  # type: ignore[arg-type]
    db = out / "sequencer.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    batches: list[SharedBatch] = []
    proving = None
    try:
        ex.connect()  # a cluster that cannot be joined fails the run before any work
        # the sequencer's hashing and signature kernels: a first use on a machine compiles them (~1 min), said
        # and timed apart, so that "sequence" is the sequencing alone
        cache = kernel_cache_state("sequencer")
        if cache.cold:
            say(cache.message.rstrip("…"))
        with clock.stage("jit sequencer"):
            prepare_kernels("sequencer")
        n_txs = f"{len(txs)} " if hasattr(txs, "__len__") else ""
        say(f"sequencing {n_txs}transactions over {k} rollups")
        # a list is read ahead to batch its signature checks; a stream one by one (it may wait on this pipeline)
        ahead = PREFETCH if isinstance(txs, list | tuple) else 1
        producer = SequencerThread(
            genesis,
            txs,
            db,
            depth=0 if strict else queue_depth,
            prefetch=ahead,
            forced=forced,
            censor=censor,
            deadline=queue.deadline,
        ).start()
        run.genesis_state_roots = list(producer.genesis_roots)
        try:
            stream = producer.batches()
            first = next(stream, None)
            if strict:
                rest = list(stream)  # the whole log, before anything is proven
                _book_sequencing(run, producer, len(rest) + (first is not None))
                if run.rejections:
                    raise RejectedTransactions(run.rejections, len(producer.results))
                stream = iter(rest)
            if first is not None:
                seed = proof_seed or secrets.token_bytes(32)
                proving = _Proving(run, genesis, out, root_check, ex, seed, clock, say, l1, queue)
                proving.prepare(setup_seed)
                proving.run(chain([first], stream), batches, in_flight, t_start, producer.closed_at)
            producer.join()
        finally:
            producer.stop()
    finally:
        if own:
            ex.close()
    clock.seconds["sequence"] = producer.busy_s
    _book_sequencing(run, producer, len(batches))
    run.forced = [f.to_obj() for f in producer.forced_results]
    contracts = getattr(proving, "contracts", [])
    # the model's state where it ran, else the EVM contract's (its queue mirrored in the model's form)
    l1c = next((c for c in contracts if isinstance(c, SettlementContract)), contracts[0] if contracts else None)
    if l1c is None:  # nothing proven: the L1 stayed at its start
        state = L1State(0, list(producer.genesis_roots), queue)
    else:
        state = L1State(l1c.batch_number, [l1c.state_root(c) for c in range(k)], l1c.queue)
    state.write(out / L1_FILE)
    run.stage_seconds = clock.seconds
    write_json({"settlements": [s.to_json() for s in run.settlements]}, out / "settlement.json")
    write_json(state_document(genesis, producer.genesis_roots, batches), out / "state.json")
    run.wall_s = time.perf_counter() - t_start
    write_json(run.to_json(), out / "run.json")
    return run


def _book_sequencing(run: RunResult, producer: SequencerThread, n_batches: int) -> None:
    """The sequencer's side of the result: receipts, rejections (with their rollup and batch), final roots."""
    k = run.n_rollups
    rejected = [r for r in producer.results if not isinstance(r, Receipt)]
    run.rejections = []
    for r, n in zip(rejected, producer.rejected_during, strict=True):
        c = None if r.tx is None else r.tx.chain
        chain_id = c if type(c) is int and 0 <= c < k else None
        run.rejections.append(r.to_obj() | {"chain_id": chain_id, "batch_number": n if n < n_batches else None})
    run.receipts = len(producer.results) - len(rejected)
    run.final_state_roots = list(producer.final_roots)


def _l1_contracts(
    l1: str, root_check: str, batch_vk, cross_vk, genesis_roots, say: Stage, queue: ForcedQueue | None = None
) -> list:
    """The settlement contracts of ``l1``, registered: the EVM's first (its verdict is the run's), the model's."""
    out = []
    if l1 in ("evm", "both"):
        from verifier.evm_settlement import EvmSettlementContract

        say("L1 on the EVM: compiling and deploying SharedSettlement (solc-js, cached)")
        d, t = (queue.account_depth, queue.deadline) if queue is not None else (32, DEFAULT_FORCED_DEADLINE)
        evm = EvmSettlementContract(
            root_check=root_check, cross_vk=cross_vk, say=lambda line: say(line, 2), account_depth=d, deadline=t
        )
        out.append(evm)
    if l1 in ("model", "both"):
        out.append(SettlementContract(root_check=root_check, cross_vk=cross_vk, queue=queue))
    for contract in out:
        for c, root in enumerate(genesis_roots):
            contract.register(c, batch_vk, root)
    if l1 in ("evm", "both") and queue is not None and any(queue.entries):
        _enqueue_on_evm(out[0], queue)
    return out


def _enqueue_on_evm(evm, queue: ForcedQueue) -> None:
    """Send the queue's entries to the fresh EVM contract in order (at its batch 0), as anyone enqueues them.

    Raises
    ------
    InputError
        The queue is not a starting one (an entry processed, or enqueued after batch 0), or the contract refuses an
        entry the model accepted (the rule it names).
    """
    for c in range(queue.n_rollups):
        if queue.heads[c] or any(e.enqueued_at for e in queue.entries[c]):
            raise InputError(f"the L1 queue of rollup {c} is not at its start (batch 0, nothing processed)")
        for i, e in enumerate(queue.entries[c]):
            tx = parse_tx(e.calldata)
            result = evm.enqueue(tx.chain, tx.fields(), tx.signature, e.calldata)
            if not result.accepted or result.index != i:
                raise InputError(f"L1 queue entry {i} of rollup {c}: the EVM contract refuses it: {result.detail}")


def _settle(contracts: list, submission: SharedBatchSubmission) -> SettlementResult:
    """Settle on every contract; with two (EVM and model), their verdicts must agree (else a bug: RuntimeError)."""
    results = [c.settle(submission) for c in contracts]
    first = results[0]
    for other in results[1:]:
        if (other.accepted, other.failed_check, other.chain_id) != (first.accepted, first.failed_check, first.chain_id):
            raise RuntimeError(
                f"shared batch {submission.batch_number}: the EVM and the model disagree: "
                f"{(first.accepted, first.failed_check, first.chain_id)} vs "
                f"{(other.accepted, other.failed_check, other.chain_id)}"
            )
    if len(results) == 2:  # the model's result with the EVM's verdict and measured gas beside it
        return replace(results[1], evm=first.evm)
    return first


class _Proving:
    """The driver's side of proving: keys, the executor, K + 1 tasks per shared batch, files and settlement in order."""

    def __init__(
        self,
        run: RunResult,
        genesis: Genesis,
        out: Path,
        root_check: str,
        executor: Executor,
        proof_seed: bytes,
        clock: StageTimer,
        say: Stage,
        l1: str = "evm",
        queue: ForcedQueue | None = None,
    ) -> None:
        self.run_result = run
        self.l1 = l1
        self.queue = queue
        self.shape = genesis.shape
        self.out = out
        self.root_check = root_check
        self.executor = executor
        self.proof_seed = proof_seed
        self.clock = clock
        self.say = say

    def prepare(self, setup_seed: str) -> None:
        """Kernels, circuits, the two development setups, the L1 contract; then the executor gets the kits."""
        run, shape, clock, say = self.run_result, self.shape, self.clock, self.say
        k = shape.n_rollups
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
            self.batch = _Circuit.make("batch", batch_circuit, shape, setup_seed)
        say(f"development setup of the cross-rollup circuit ({cross_circuit.n_constraints:,} constraints)")
        with clock.stage("setup"):
            self.cross = _Circuit.make("cross", cross_circuit, shape, setup_seed)
        run.batch_vk, run.cross_vk = self.batch.vk, self.cross.vk
        with clock.stage("write"):  # C is not in a .zkey (snarkjs recomputes it): the kit's matrices serve
            (self.out / "keys").mkdir(exist_ok=True)
            for c in (self.batch, self.cross):
                write_zkey(c.kit.proving_key, c.kit.matrices, self.out / "keys" / f"{c.kit.circuit}.zkey")
        self.contracts = _l1_contracts(
            self.l1, self.root_check, self.batch.vk, self.cross.vk, run.genesis_state_roots, say, self.queue
        )
        say(f"starting the {self.executor.name} executor (proving keys sent once)")
        with clock.stage("executor"):
            self.executor.start({"batch": self.batch.kit, "cross": self.cross.kit})

    def _tasks(self, shared: SharedBatch) -> list[ProofTask]:
        n = shared.batch_number
        tasks = []
        for trace in shared.traces:
            r, s = proof_randomness(self.proof_seed, n, trace.chain_id)
            tasks.append(ProofTask(n, "batch", (trace,), r, s, crash_marker_for(n, trace.chain_id)))
        r, s = proof_randomness(self.proof_seed, n, None)
        tasks.append(ProofTask(n, "cross", tuple(shared.traces), r, s, crash_marker_for(n, None)))
        return tasks

    def run(
        self,
        stream: Iterator[SharedBatch],
        batches: list[SharedBatch],
        in_flight: int,
        t_start: float,
        closed_at: dict[int, float],
    ) -> None:
        """Submit each shared batch's tasks as it arrives (at most ``in_flight`` batches proving); settle in order.

        ``closed_at`` maps a batch number to the ``perf_counter`` time the sequencer closed it (for the timeline).
        """
        self.cpu0, self.task_cpu_s = time.process_time(), 0.0
        pending: deque[tuple[SharedBatch, list, dict]] = deque()
        t_first_submit: float | None = None
        for shared in stream:
            batches.append(shared)
            self.say(f"batch {shared.batch_number}: {self.shape.n_rollups + 1} proof tasks on {self.executor.name}")
            now = time.perf_counter()
            t_first_submit = t_first_submit or now
            times = {"closed_s": closed_at[shared.batch_number] - t_start, "submitted_s": now - t_start}
            pending.append((shared, [self.executor.submit(t) for t in self._tasks(shared)], times))
            while len(pending) >= in_flight:
                self._settle(*pending.popleft(), t_start)
        while pending:
            self._settle(*pending.popleft(), t_start)
        run = self.run_result
        wtns = [p.wtns_bytes for p in run.proofs]
        run.executor = (
            self.executor.describe()
            | {
                "kit_bytes": self.batch.kit.nbytes + self.cross.kit.nbytes,
                "wtns_bytes_per_task": round(sum(wtns) / len(wtns)) if wtns else 0,
                "task_cpu_s": round(self.task_cpu_s, 3),
                "driver_cpu_s": round(time.process_time() - self.cpu0, 3),
            }
            | _throughput(run.timeline, t_first_submit, t_start)
        )

    def _settle(self, shared: SharedBatch, handles: list, times: dict, t_start: float) -> None:
        """Wait for every proof of ``shared``, write its files, settle it on the L1."""
        run, clock, say = self.run_result, self.clock, self.say
        n, k = shared.batch_number, self.shape.n_rollups
        say(f"batch {n}: waiting for its {k + 1} proofs")
        outcomes = [self.executor.result(h) for h in handles]  # rollups 0..K−1, then cross
        proven_s = time.perf_counter() - t_start
        subs: list[RollupSubmission] = []
        for trace, o in zip(shared.traces, outcomes[:k], strict=True):
            c = trace.chain_id
            d = self.out / f"batch-{n}" / f"rollup-{c}"
            self._book(o, d, self.batch)
            subs.append(
                RollupSubmission(
                    chain_id=c,
                    proof=o.proof,
                    public_inputs=o.public_inputs,
                    batch_data=trace.slot_data(),
                    bridge_slots=bridge_slots_for(trace.final_bridge_slots, trace.new_accounts_root),
                )
            )
        cross = outcomes[k]
        self._book(cross, self.out / f"batch-{n}" / "cross", self.cross)
        say(f"batch {n}: settlement on L1 ({self.l1}, root check: {self.root_check})")
        submission = SharedBatchSubmission(n, subs, cross.proof, cross.public_inputs)
        with clock.stage("settle"):
            run.settlements.append(_settle(self.contracts, submission))
        run.submissions.append(submission)
        times |= {"proven_s": proven_s, "settled_s": time.perf_counter() - t_start}
        run.timeline.append({"batch_number": n} | {k: round(v, 3) for k, v in times.items()})

    def _book(self, o: ProofOutcome, d: Path, circuit: _Circuit) -> None:
        """Write one proof's files; count its task's seconds in the witness/prove/verify stages."""
        who = "cross" if o.chain_id is None else f"rollup {o.chain_id}"
        self.say(f"batch {o.batch_number}: {who} proven on {o.worker}: witness {o.witness_s:.2f} s", 2)
        for name, sec in o.prove_stages.items():
            self.say(f"batch {o.batch_number}: prove {who}: {name} {sec:.2f} s", 2)
        with self.clock.stage("write"):
            circuit.write(o, d)
        self.task_cpu_s += o.cpu_s
        for name, s in (("witness", o.witness_s), ("prove", o.prove_s), ("verify", o.verify_s)):
            self.clock.seconds[name] = self.clock.seconds.get(name, 0.0) + s
        self.run_result.proofs.append(
            ProofResult(
                batch_number=o.batch_number,
                chain_id=o.chain_id,
                n_constraints=o.n_constraints,
                witness_s=o.witness_s,
                prove_s=o.prove_s,
                verify_s=o.verify_s,
                prove_stages=o.prove_stages,
                directory=str(d),
                public_inputs=o.public_inputs,
                included_slots=o.included_slots,
                wtns_bytes=len(o.wtns),
            )
        )


def _throughput(timeline: list[dict], t_first_submit: float | None, t_start: float) -> dict:
    """Proving wall time (first task submitted → last batch settled) and shared batches settled per minute over it
    (start-up excluded, the pipeline's filling included: the steady rate for many batches is somewhat higher)."""
    if not timeline or t_first_submit is None:
        return {"proving_wall_s": 0.0, "shared_batches_per_min": None}
    wall = timeline[-1]["settled_s"] - (t_first_submit - t_start)
    return {"proving_wall_s": round(wall, 3), "shared_batches_per_min": round(60.0 * len(timeline) / wall, 3)}


def _forced_entries(queue: ForcedQueue, n_rollups: int, account_depth: int) -> list[ForcedTx]:
    """The unprocessed entries of ``queue`` as the sequencer takes them (their calldata parsed).

    Raises
    ------
    InputError
        The queue is for another shape, or an entry's calldata is not a transaction ``parse_tx`` accepts.
    """
    if (queue.n_rollups, queue.account_depth) != (n_rollups, account_depth):
        raise InputError(
            f"the L1 queue is for K = {queue.n_rollups}, D = {queue.account_depth}; the genesis has K = {n_rollups}, "
            f"D = {account_depth}"
        )
    out = []
    for c in range(n_rollups):
        for i, e in queue.unprocessed(c):
            try:
                tx = parse_tx(e.calldata)
            except MalformedTransaction as err:
                raise InputError(f"L1 queue entry {i} of rollup {c}: {err}") from None
            out.append(ForcedTx(c, i, tx, e.enqueued_at))
    return out

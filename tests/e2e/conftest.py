"""Session fixtures of the end-to-end and settlement tests: one small honest pipeline run, made once per session.

The run (``small_run``) is ``pipeline.run.run_pipeline`` on a hand-written genesis of K = 2 rollups (capacity 2,
account depth 3, bridge depth 2) and four transactions that close two shared batches, each by a full rollup batch:

    batch 0: burn 0→1 (its mint on rollup 1) and a transfer on rollup 0
    batch 1: a transfer on rollup 1 and a burn 1→0 (its mint on rollup 0)

``no_mint_rollup1`` is an honest proof of rollup 1's batch 0 from another sequencing of the same genesis, one in
which the burn 0→1 never happened (rollup 1's batch is all padding): valid for its own state, but its mint root 0→1
differs from rollup 0's burn root 0→1 in ``small_run``'s batch 0. It is proven under ``small_run``'s batch key: the
development setup is deterministic in its seed, and ``pipeline.run.dev_setup`` makes the run's keys (the fixture
checks that the keys are equal).

The run settles on the EVM and on the model (``l1="both"``): any disagreement between the two fails it.

Tests outside ``tests/e2e`` call the builders ``small_pipeline_run`` and ``no_mint_submission`` from their own
fixtures; the builders cache their result per process, so the pipeline runs once per session however many modules
use it.
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pytest

from circuits.batch import assign_batch_witness, build_batch_circuit
from pipeline.run import RunResult, dev_setup, run_pipeline
from prover import InsecureSetupWarning, prove
from sequencer import Sequencer
from sequencer.genesis import Genesis, genesis_from_obj
from verifier.settlement import RollupSubmission, bridge_slots_for

#: The genesis of every small run (JSON form of sequencer.genesis).
SMALL_GENESIS = {
    "n_rollups": 2,
    "account_depth": 3,
    "bridge_depth": 2,
    "capacity": 2,
    "rollups": [
        {"chain_id": 0, "accounts": [{"index": 0, "balance": 1000}, {"index": 1, "balance": 500}]},
        {"chain_id": 1, "accounts": [{"index": 0, "balance": 700}, {"index": 2, "balance": 300}]},
    ],
}

BURN_0_TO_1 = {"kind": "burn", "chain": 0, "to_chain": 1, "from": 0, "to": 2, "amount": 100, "nonce": 0}
TRANSFER_ON_0 = {"kind": "transfer", "chain": 0, "from": 1, "to": 0, "amount": 50, "nonce": 0}
SMALL_TXS = [
    BURN_0_TO_1,
    TRANSFER_ON_0,
    {"kind": "transfer", "chain": 1, "from": 0, "to": 2, "amount": 10, "nonce": 0},
    {"kind": "burn", "chain": 1, "to_chain": 0, "from": 2, "to": 1, "amount": 20, "nonce": 0},
]

SETUP_SEED = "tests/e2e small run"

_cache: dict[str, object] = {}


def small_genesis() -> Genesis:
    """``SMALL_GENESIS`` as a ``Genesis``."""
    return genesis_from_obj(SMALL_GENESIS)


def small_pipeline_run(out_dir: Path) -> RunResult:
    """The small honest run (module docstring), made on the first call of the process into ``out_dir``."""
    if "run" not in _cache:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            _cache["run"] = run_pipeline(
                small_genesis(), list(enumerate(SMALL_TXS, start=1)), out_dir, setup_seed=SETUP_SEED, l1="both"
            )
    return _cache["run"]  # type: ignore[return-value]


def other_history_submission(run: RunResult, txs: list[dict], chain_id: int) -> RollupSubmission:
    """Rollup ``chain_id``'s shared-batch-0 submission from another sequencing of the small genesis (``txs`` arriving
    in order, then the batch closed), honestly proven under ``run``'s batch key (cached per arguments)."""
    key = f"other/{chain_id}/{txs!r}"
    if key not in _cache:
        genesis = small_genesis()
        seq = Sequencer(genesis)
        for arrival, tx in enumerate(txs, start=1):
            seq.submit(tx, arrival)
        shared = seq.close_batch()
        assert shared is not None and shared.batch_number == 0
        trace = shared.traces[chain_id]
        circuit = build_batch_circuit(genesis.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            pk = dev_setup(circuit.r1cs, SETUP_SEED, "batch")
        assert pk.vk == run.batch_vk, "run_pipeline no longer makes its keys with pipeline.run.dev_setup"
        witness = assign_batch_witness(circuit, trace)
        proof = prove(circuit.r1cs, pk, witness, rng=random.Random(11))
        _cache[key] = RollupSubmission(
            chain_id=chain_id,
            proof=proof,
            public_inputs=trace.statement().public_inputs(),
            batch_data=trace.slot_data(),
            bridge_slots=bridge_slots_for(trace.final_bridge_slots, trace.new_accounts_root),
        )
    return _cache[key]  # type: ignore[return-value]


def no_mint_submission(run: RunResult) -> RollupSubmission:
    """Rollup 1's batch-0 submission from the history without the burn 0→1, under ``run``'s batch key."""
    return other_history_submission(run, [TRANSFER_ON_0], 1)


def no_burn_submission(run: RunResult) -> RollupSubmission:
    """Rollup 0's batch-0 submission from the same history without the burn 0→1 (its burn root 0→1 stays empty)."""
    return other_history_submission(run, [TRANSFER_ON_0], 0)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> RunResult:
    """The honest two-batch run of the module docstring (its output folder is a session tmp dir)."""
    return small_pipeline_run(tmp_path_factory.mktemp("small-run"))


@pytest.fixture(scope="session")
def no_mint_rollup1(small_run) -> RollupSubmission:
    """Rollup 1's honest batch-0 proof from the history without the burn 0→1 (module docstring)."""
    return no_mint_submission(small_run)

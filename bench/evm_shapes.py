"""Honest shared batches of any shape (K rollups, B slots) for the L1's gas, without proving a batch circuit.

The settlement contract never sees a circuit: it checks the statement (old root, batch data binding, bridge slots,
cross-rollup roots) and the Groth16 pairing equation under the registered keys. So the gas of an honest shared batch
depends on K, B and the root check, not on the circuits' size. ``synthetic_shared_batch`` builds one with *toy*
circuits that have the real public-input layout (6 batch public inputs, K cross public inputs) and keys from one
development phase 1 (α, β, γ, τ shared; δ per circuit, as keys made from one ptau); every statement is consistent
(real slot words and their binding, real bridge slots hashing to the new state roots, burn root i→j = mint root
i→j for every pair). Its proofs are real Groth16 proofs of the toy circuits, checked by the contract like any other.
What this cannot show is whether the batch circuit accepts the data: that is the pipeline's business
(``tests/evm`` settles real pipeline runs too).

``measure_sweep`` settles such batches on the EVM and on the model for a grid of shapes and returns one row per
(K, B, root check): measured gas, the model's estimate, their ratio.

INSECURE keys (toxic waste from a seed): for measuring gas only.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, replace
from functools import cache

from circuits.builder import ConstraintBuilder
from prover import InsecureSetupWarning, prove, setup_with_toxic_waste, toxic_waste_from_seed
from verifier.settlement import RollupSubmission, SharedBatchSubmission, bridge_slots_for
from zksvs.field import FR_MODULUS
from zksvs.groth16 import ProvingKey
from zksvs.merkle import zero_hashes
from zksvs.r1cs import R1CS
from zksvs.rollup_state import bridge_root, bridge_slot_depth, burn_slot, mint_slot, state_root
from zksvs.statement import N_BATCH_PUBLIC, BatchStatement, SlotData, SlotKind

__all__ = ["SyntheticRun", "synthetic_shared_batch", "toy_keys"]

_BRIDGE_DEPTH = 4


def _toy_circuit(n_public: int, values: list[int] | None = None) -> tuple[R1CS, object]:
    """n_public public inputs, each squared into a private wire (so every wire is constrained)."""
    cb = ConstraintBuilder(with_values=values is not None)
    xs = [cb.public(f"x[{i}]", None if values is None else values[i]) for i in range(n_public)]
    for i, x in enumerate(xs):
        cb.mul(x, x, f"sq[{i}]")
    r1cs = cb.build()
    return r1cs, (cb.witness() if values is not None else None)


@cache
def toy_keys(
    n_rollups: int, shared_phase1: bool = True, seed: str = "bench/evm_shapes"
) -> tuple[ProvingKey, ProvingKey]:
    """Development keys of the toy batch circuit (6 inputs) and toy cross circuit (K inputs).

    ``shared_phase1``: both keys from one phase 1 (τ, α, β, γ from one seed, δ per circuit), as keys made from one
    ptau are; else every toxic scalar per circuit.
    """
    batch_tw = toxic_waste_from_seed(f"{seed}/batch")
    cross_tw = toxic_waste_from_seed(f"{seed}/cross")
    if shared_phase1:
        p1 = toxic_waste_from_seed(f"{seed}/phase1")
        batch_tw = replace(p1, delta=batch_tw.delta)
        cross_tw = replace(p1, delta=cross_tw.delta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        batch_pk = setup_with_toxic_waste(_toy_circuit(N_BATCH_PUBLIC)[0], batch_tw)
        cross_pk = setup_with_toxic_waste(_toy_circuit(n_rollups)[0], cross_tw)
    return batch_pk, cross_pk


def _random_slots(rng: random.Random, chain: int, k: int, b: int) -> list[SlotData]:
    out = []
    for _ in range(b):
        kind = rng.choice([SlotKind.TRANSFER, SlotKind.BURN, SlotKind.MINT, SlotKind.NOOP])
        if kind == SlotKind.NOOP:
            out.append(SlotData.noop())
            continue
        peer = 0 if kind == SlotKind.TRANSFER else rng.choice([c for c in range(k) if c != chain])
        out.append(
            SlotData(kind, rng.randrange(256), rng.randrange(256), rng.randrange(1, 10**9), rng.randrange(50), peer)
        )
    return out


@dataclass(frozen=True)
class SyntheticRun:
    """One honest shared batch and what a contract needs to settle it (as ``pipeline.run.RunResult`` has them)."""

    n_rollups: int
    capacity: int
    batch_vk: object
    cross_vk: object
    genesis_state_roots: list[int]
    submission: SharedBatchSubmission
    included_slots: int


def synthetic_shared_batch(
    n_rollups: int, capacity: int, *, seed: int = 1, shared_phase1: bool = True, noop_fraction: float | None = None
) -> SyntheticRun:
    """An honest shared batch 0 of K = ``n_rollups`` rollups with B = ``capacity`` slots each (module docstring)."""
    k, b = n_rollups, capacity
    rng = random.Random(f"{seed}/{k}/{b}")
    batch_pk, cross_pk = toy_keys(k, shared_phase1)
    n_slots = 1 << bridge_slot_depth(k)
    empty = zero_hashes(_BRIDGE_DEPTH)[_BRIDGE_DEPTH]
    burn = {(i, j): rng.randrange(FR_MODULUS) for i in range(k) for j in range(k) if i != j}
    genesis = [rng.randrange(FR_MODULUS) for _ in range(k)]
    rollups = []
    new_roots = []
    included = 0
    for c in range(k):
        slots = [0] * n_slots
        for j in range(k):
            slots[burn_slot(j)] = burn[(c, j)] if j != c else empty
            slots[mint_slot(j)] = burn[(j, c)] if j != c else empty
        accounts_root = rng.randrange(FR_MODULUS)
        new_root = state_root(accounts_root, bridge_root(slots))
        data = _random_slots(rng, c, k, b)
        if noop_fraction is not None:
            data = [SlotData.noop() if rng.random() < noop_fraction else s for s in data]
        included += sum(s.kind != SlotKind.NOOP for s in data)
        st = BatchStatement.for_batch(c, genesis[c], new_root, data)
        _, w = _toy_circuit(N_BATCH_PUBLIC, st.public_inputs())
        r1cs = _toy_circuit(N_BATCH_PUBLIC)[0]
        proof = prove(r1cs, batch_pk, w, rng=rng)
        rollups.append(RollupSubmission(c, proof, st.public_inputs(), data, bridge_slots_for(slots, accounts_root)))
        new_roots.append(new_root)
    cross_r1cs, cross_w = _toy_circuit(k, new_roots)
    cross_proof = prove(cross_r1cs, cross_pk, cross_w, rng=rng)
    sub = SharedBatchSubmission(0, rollups, cross_proof, list(new_roots))
    return SyntheticRun(k, b, batch_pk.vk, cross_pk.vk, genesis, sub, included)

"""The L1 settlement model with proofs replaced by R1CS satisfiability (the outside audit's harness, issue 8).

A Groth16 proof shows that its prover knows a witness satisfying the circuit's R1CS with the given public inputs;
``WitnessProof`` carries that witness itself and ``R1csKey`` the R1CS, and ``use_r1cs_proofs(monkeypatch)`` makes
``verifier.settlement`` verify a "proof" by checking ``r1cs.is_satisfied(witness)`` and the public inputs. What the
contract accepts under this harness is what it would accept from a prover who can prove any satisfying witness: a
forged witness that satisfies the R1CS is a forged proof, without a trusted-setup break. Every other check of the
contract runs unchanged; only the uncontributed-key warning is skipped (a stand-in key has no δ to look at).

Submissions are made from ``zksvs.trace.BatchTrace``\\ s and their witnesses by ``submission``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pytest

import verifier.settlement as settlement
from verifier.settlement import RollupSubmission, SharedBatchSubmission, bridge_slots_for
from zksvs.groth16 import Proof
from zksvs.r1cs import R1CS
from zksvs.trace import BatchTrace


@dataclass(frozen=True, eq=False)
class R1csKey:
    """Stands in for a verifying key: the circuit's R1CS (hashed by identity)."""

    r1cs: R1CS

    @property
    def n_public(self) -> int:
        """Public inputs of the circuit."""
        return self.r1cs.n_public


@dataclass(frozen=True, eq=False)
class WitnessProof(Proof):
    """Stands in for a proof: the full witness (hashed by identity). A ``Proof`` (so the contract's type checks
    pass) whose group elements are unused; make it with ``WitnessProof.of(values)``."""

    values: tuple[int, ...] = ()

    # Identity, not Proof's field equality: every stand-in has the same (unused) group elements.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @classmethod
    def of(cls, values: Sequence[int]) -> WitnessProof:
        """The stand-in proof of ``values``."""
        return cls(None, None, None, tuple(values))  # type: ignore[arg-type]


@cache
def _satisfied(key: R1csKey, proof: WitnessProof) -> bool:
    return key.r1cs.is_satisfied(proof.values)


def r1cs_verify(key: R1csKey, proof: WitnessProof, public_inputs: Sequence[int]) -> bool:
    """True when the witness's public inputs are ``public_inputs`` and it satisfies the key's R1CS."""
    n = key.n_public
    return list(proof.values[1 : 1 + n]) == [int(v) for v in public_inputs] and _satisfied(key, proof)


def use_r1cs_proofs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch ``verifier.settlement`` (for one test) so that proofs are ``WitnessProof``\\ s checked against
    ``R1csKey``\\ s."""
    monkeypatch.setattr(settlement, "prepare_verifying_key", lambda vk: vk)
    monkeypatch.setattr(settlement, "check_contributed", lambda vk, **kw: False)  # no δ: nothing to check
    monkeypatch.setattr(settlement, "verify_proof", r1cs_verify)
    monkeypatch.setattr(settlement, "verify_proofs_batched", lambda items: all(r1cs_verify(*i) for i in items))


def submission(
    batch_number: int,
    traces: Sequence[BatchTrace],
    witnesses: Sequence[Sequence[int]],
    cross_witness: Sequence[int] | None,
) -> SharedBatchSubmission:
    """The shared-batch submission of ``traces`` (chain order) with ``witnesses`` as their proofs and
    ``cross_witness`` (None: no cross-rollup proof) as the cross-rollup proof; batch data, public inputs and openings
    as the pipeline makes them."""
    rollups = [
        RollupSubmission(
            chain_id=t.chain_id,
            proof=WitnessProof.of(w),
            public_inputs=t.statement().public_inputs(),
            batch_data=t.slot_data(),
            bridge_slots=bridge_slots_for(t.final_bridge_slots, t.new_accounts_root),
        )
        for t, w in zip(traces, witnesses)
    ]
    if cross_witness is None:
        return SharedBatchSubmission(batch_number, rollups)
    return SharedBatchSubmission(
        batch_number, rollups, WitnessProof.of(cross_witness), [t.new_state_root for t in traces]
    )

"""Groth16 over BN254: the development setup and the prover (numba kernels for NTTs and MSMs).

Public API::

    setup(r1cs, seed) -> ProvingKey                      INSECURE development setup (toxic waste from the seed)
    setup_with_toxic_waste(r1cs, toxic_waste) -> ProvingKey
    setup_from_ptau(r1cs, ptau) -> ProvingKey             phase 2 from a prepared .ptau (``prover.ptau_setup``)
    setup_from_ptau(r1cs, ptau) -> PtauProvingKey        phase 2 from a prepared .ptau, as snarkjs groth16 setup
    prove(r1cs, proving_key, witness, *, r=None, s=None, rng=None, matrices=None, progress=None) -> Proof
    prove_with_timings(...) -> (Proof, ProveTiming)      the same, with seconds per named stage (STAGES)
    prove_from_matrices(matrices, proving_key, witness_limbs, ...) -> (Proof, ProveTiming)
    prove_from_zkey(zkey, wtns, ...) -> (Proof, public_inputs, stage_seconds)   drop-in for snarkjs groth16 prove
    warmup() -> dict[str, float]                          compile/load every kernel; first-call seconds per step
    contribute(src, dest, *, name, entropy) -> ContributionResult      phase-2 contribution (snarkjs zkey contribute)
    beacon(src, dest, beacon_hash, num_iterations_exp, *, name)       phase-2 beacon, byte-equal to snarkjs's
    verify_zkey(r1cs, ptau, zkey) -> ZkeyVerification                 snarkjs zkey verify (``prover.zkey_verify``)

Proofs and keys are ``zksvs.groth16`` types; keys use the snarkjs ``.zkey`` point layout and the QAP is snarkjs's
odd-coset reduction (``prover.qap``), so keys, proofs and verifiers interoperate with snarkjs.

Boundary: may import the zksvs core (``r1cs``, ``witness``, ``groth16``, ``field``, ``formats``, ``errors``,
``limbs``), numpy, numba and py_ecc (generator points only). Must not import circuits, verifier, sequencer or
pipeline. ``prover.kernels`` is private to this package: pipeline uses the names exported here.
"""

from prover.contribute import ContributionResult, beacon, contribute, parse_beacon_hex
from prover.prove import STAGES, ProveTiming, prove, prove_from_matrices, prove_from_zkey, prove_with_timings
from prover.ptau_setup import PtauProvingKey, circuit_hash, setup_from_ptau
from prover.setup import InsecureSetupWarning, ToxicWaste, setup, setup_with_toxic_waste, toxic_waste_from_seed
from prover.warmup import cache_report, warmup
from prover.zkey_verify import ZkeyVerification, verify_zkey

__all__ = [
    "STAGES",
    "ContributionResult",
    "InsecureSetupWarning",
    "ProveTiming",
    "PtauProvingKey",
    "ToxicWaste",
    "ZkeyVerification",
    "beacon",
    "cache_report",
    "circuit_hash",
    "contribute",
    "parse_beacon_hex",
    "prove",
    "prove_from_matrices",
    "prove_from_zkey",
    "prove_with_timings",
    "setup",
    "setup_from_ptau",
    "setup_with_toxic_waste",
    "toxic_waste_from_seed",
    "verify_zkey",
    "warmup",
]

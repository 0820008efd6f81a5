"""Groth16 over BN254: the development setup, phase 2 from a .ptau, and the prover (numba kernels for NTTs and MSMs).

Public API::

    setup(r1cs, seed) -> ProvingKey                      INSECURE development setup (toxic waste from the seed)
    setup_with_toxic_waste(r1cs, toxic_waste) -> ProvingKey
    setup_from_ptau(r1cs, ptau) -> PtauProvingKey        phase 2 from a prepared .ptau, as snarkjs groth16 setup
    circuit_hash(proving_key, ptau) -> bytes             snarkjs's csHash of a fresh phase-2 key
    prove(r1cs, proving_key, witness, *, r=None, s=None, rng=None, matrices=None, progress=None) -> Proof
    prove_with_timings(...) -> (Proof, ProveTiming)      the same, with seconds per named stage (STAGES)
    prove_from_matrices(matrices, proving_key, witness_limbs, ...) -> (Proof, ProveTiming)
    prove_from_zkey(zkey, wtns, ...) -> (Proof, public_inputs, stage_seconds)   drop-in for snarkjs groth16 prove
    ZkeyProver(zkey).prove(wtns, ...) -> the same, the key read once for many proofs (``zksvs serve``)
    check_witness(r1cs, witness_limbs) -> None           raises UnsatisfiedConstraint (the first failing constraint)
    warmup(...) -> WarmupReport                          compile/load every kernel; seconds per kernel
    kernel_cache_state(group) -> KernelCacheState        is numba's cache warm for the prove (or setup) kernels?
    contribute(src, dest, *, name, entropy) -> ContributionResult      phase-2 contribution (snarkjs zkey contribute)
    beacon(src, dest, beacon_hash, num_iterations_exp, *, name)       phase-2 beacon, byte-equal to snarkjs's
    verify_zkey(r1cs, ptau, zkey) -> ZkeyVerification                 snarkjs zkey verify (``prover.zkey_verify``)

Proofs and keys are ``zksvs.groth16`` types; keys use the snarkjs ``.zkey`` point layout and the QAP is snarkjs's
odd-coset reduction (``prover.qap``), so keys, proofs and verifiers interoperate with snarkjs.

Names are loaded on first use (PEP 562): ``from prover import prove_from_zkey`` imports the prove path only (no
py_ecc, no setup kernels), which keeps a one-proof process short.

Boundary: may import the zksvs core (``r1cs``, ``witness``, ``groth16``, ``field``, ``formats``, ``errors``,
``limbs``), ``accel``, numpy, numba and py_ecc (generator points only). Must not import circuits, verifier,
sequencer or pipeline. ``prover.kernels`` is private to this package: pipeline uses the names exported here.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_EXPORTS = {
    "STAGES": "prover.prove",
    "ProveTiming": "prover.prove",
    "prove": "prover.prove",
    "prove_from_matrices": "prover.prove",
    "prove_from_zkey": "prover.prove",
    "prove_with_timings": "prover.prove",
    "check_witness": "prover.prove",
    "ZkeyProver": "prover.prove",
    "PtauProvingKey": "prover.phase2",
    "setup_from_ptau": "prover.phase2",
    "circuit_hash": "prover.circuit_hash",
    "InsecureSetupWarning": "prover.dev_setup",
    "ToxicWaste": "prover.dev_setup",
    "setup": "prover.dev_setup",
    "setup_with_toxic_waste": "prover.dev_setup",
    "toxic_waste_from_seed": "prover.dev_setup",
    "KernelCacheState": "prover.warmup",
    "WarmupReport": "prover.warmup",
    "cache_report": "prover.warmup",
    "kernel_cache_state": "prover.warmup",
    "warmup": "prover.warmup",
    "ContributionResult": "prover.contribute",
    "beacon": "prover.contribute",
    "contribute": "prover.contribute",
    "parse_beacon_hex": "prover.contribute",
    "ZkeyVerification": "prover.zkey_verify",
    "verify_zkey": "prover.zkey_verify",
}

__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """The import system binds a submodule to its package's attribute after running it; where a public function has
    its module's name (``prove``, ``warmup``, ``circuit_hash``), the package keeps the function there, as the eager
    ``from prover.prove import prove`` of an ordinary ``__init__`` would."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'prover' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

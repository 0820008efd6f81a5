"""The L1 verifier: Groth16 verification on py_ecc (single and batched), EVM calldata encoding and an EIP-1108 gas
model calibrated on a real EVM (DESIGN.md §7).

Boundary: may import the zksvs core (``groth16``, ``formats.snarkjs_json``, ``merkle``, ``poseidon``,
``rollup_state``, ``statement``, ``field``, ``errors``) and py_ecc. Must not import prover, circuits, sequencer,
pipeline or numba.

Modules: ``verifier.groth16`` (point checks, ``verify_proof``, ``verify_proofs_batched``, ``find_invalid_proofs``),
``verifier.evm`` (EIP-196/197 encodings, ``verifier_calldata``, EIP-2028 calldata gas), ``verifier.gas``
(``GasReport``; Groth16, batched, Merkle-opening and Poseidon gas).
"""

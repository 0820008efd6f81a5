"""The L1 verifier: the settlement contract in Solidity on a real EVM and its Python model (the reference), Groth16
verification on py_ecc (single and batched), EVM encodings and the gas model calibrated on the EVM.

Boundary: may import the zksvs core (``groth16``, ``formats.snarkjs_json``,
``keccak``, ``merkle``, ``poseidon``, ``rollup_state``, ``statement``, ``field``, ``errors``), py_ecc, pyrevm and
eth-abi. Must not import prover, circuits, sequencer, pipeline or numba.

Modules: ``verifier.settlement`` (the model: ``SettlementContract``, submissions, ``SettlementResult``),
``verifier.groth16`` (point checks, ``verify_proof``, ``verify_proofs_batched``, ``find_invalid_proofs``),
``verifier.evm`` (EIP-196/197 encodings, ``verifier_calldata``, EIP-2028 calldata gas), ``verifier.gas``
(``GasReport``; ``settle_gas``/``settlement_gas`` of the contract; Groth16, Merkle-opening and Poseidon gas),
``verifier.contracts`` (``SharedSettlement.sol``, ``PoseidonT3.sol``), ``verifier.evm_toolchain`` (pinned solc-js
and snarkjs, compilation cached by input hash), ``verifier.evm_chain`` (a cold-state L1 on pyrevm),
``verifier.evm_calldata`` (the contract's calldata), ``verifier.evm_settlement`` (the contract behind the model's
interface), ``verifier.evm_poseidon`` (generates PoseidonT3.sol), ``verifier.evm_export`` (snarkjs-compatible
Solidity verifier and calldata, the settlement contracts of a shape).
"""

"""circom circuits for the drop-in benchmarks and end-to-end tests (circom2 + circomlib, keys by snarkjs or zksvs).

``build.py`` compiles the ``.circom`` sources here with circom2 (WASI) after copying circomlib's circuits below the
compiler's working directory, computes witnesses with the generated wasm, and makes Groth16 keys, caching every
artifact under ``build/circom/`` keyed by content hashes.
"""

pragma circom 2.0.0;

// circomlib's EdDSA-Poseidon signature verifier (eddsaposeidon.circom) on Baby Jubjub, used as-is; the main component
// is declared by the builder (bench/circom/build.py) with its public signals.

include "circomlib/circuits/eddsaposeidon.circom";

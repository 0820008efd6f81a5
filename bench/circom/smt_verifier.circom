pragma circom 2.0.0;

// circomlib's sparse-Merkle-tree verifier (smt/smtverifier.circom), used as-is; the main component is declared by
// the builder (bench/circom/build.py) with its nLevels and public signals.

include "circomlib/circuits/smt/smtverifier.circom";

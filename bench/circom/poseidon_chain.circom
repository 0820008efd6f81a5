pragma circom 2.0.0;

// A chain of Poseidon(2) hashes: acc[0] = seed, acc[i+1] = Poseidon(acc[i], salt), out = acc[n].
// With --O2 each link costs 240 constraints (circomlib Poseidon, t = 3) and no linear constraints remain.
// Public signals (snarkjs order): [out, seed]; salt is private.

include "circomlib/circuits/poseidon.circom";

template PoseidonChain(n) {
    signal input seed;
    signal input salt;
    signal output out;

    component h[n];
    signal acc[n + 1];
    acc[0] <== seed;
    for (var i = 0; i < n; i++) {
        h[i] = Poseidon(2);
        h[i].inputs[0] <== acc[i];
        h[i].inputs[1] <== salt;
        acc[i + 1] <== h[i].out;
    }
    out <== acc[n];
}

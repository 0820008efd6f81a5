pragma circom 2.0.0;

// A chain of MiMC7 hashes (circomlib MiMC7(91): x ↦ (x + k + c_i)^7 per round, 4 constraints a round):
// acc[0] = seed, acc[i+1] = MiMC7(acc[i], key), out = acc[n]. Full-width field elements in every wire.
// Public signals (snarkjs order): [out, seed]; key is private.

include "circomlib/circuits/mimc.circom";

template MiMCChain(n) {
    signal input seed;
    signal input key;
    signal output out;

    component h[n];
    signal acc[n + 1];
    acc[0] <== seed;
    for (var i = 0; i < n; i++) {
        h[i] = MiMC7(91);
        h[i].x_in <== acc[i];
        h[i].k <== key;
        acc[i + 1] <== h[i].out;
    }
    out <== acc[n];
}

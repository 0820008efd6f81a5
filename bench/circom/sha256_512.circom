pragma circom 2.0.0;

// SHA-256 of a 512-bit message (circomlib Sha256(512): two compression blocks). The witness is almost all bits, the
// boolean-heavy shape of real circuits. Public signals (snarkjs order): the 256 output bits.

include "circomlib/circuits/sha256/sha256.circom";

template Sha256Of512() {
    signal input in[512];
    signal output out[256];

    component h = Sha256(512);
    for (var i = 0; i < 512; i++) {
        h.in[i] <== in[i];
    }
    for (var i = 0; i < 256; i++) {
        out[i] <== h.out[i];
    }
}

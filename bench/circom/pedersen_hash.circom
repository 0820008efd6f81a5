pragma circom 2.0.0;

// circomlib Pedersen(n) over n message bits (windowed fixed-base scalar multiplications on Baby Jubjub, in Fr):
// mixed witnesses, bits and curve coordinates. Public signals: the hash point (out[0], out[1]).

include "circomlib/circuits/pedersen.circom";

template PedersenOf(n) {
    signal input in[n];
    signal output out[2];

    component h = Pedersen(n);
    for (var i = 0; i < n; i++) {
        h.in[i] <== in[i];
    }
    out[0] <== h.out[0];
    out[1] <== h.out[1];
}

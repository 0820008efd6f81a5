pragma circom 2.0.0;

// k independent circomlib Pedersen(n) hashes of n message bits each (windowed fixed-base scalar multiplications on
// Baby Jubjub, in Fr; circomlib has base points for at most 1000 bits a hash): mixed witnesses, bits and curve
// coordinates. Public signals: the k hash points (out[i][0], out[i][1]).

include "circomlib/circuits/pedersen.circom";

template PedersenMany(k, n) {
    signal input in[k][n];
    signal output out[k][2];

    component h[k];
    for (var j = 0; j < k; j++) {
        h[j] = Pedersen(n);
        for (var i = 0; i < n; i++) {
            h[j].in[i] <== in[j][i];
        }
        out[j][0] <== h[j].out[0];
        out[j][1] <== h[j].out[1];
    }
}

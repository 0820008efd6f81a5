// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title BabyJubjub: the two point checks the L1's forced-inclusion queue makes at enqueue
/// @notice Baby Jubjub is the twisted Edwards curve a·x² + y² = 1 + d·x²·y² over BN254's Fr with a = 168700,
///         d = 168696 (circomlib 2.0.5 `circuits/babyjub.circom`; EIP-2494), of order 8·l. The queue refuses what
///         no batch could process (verifier/forced_queue.py): a signature whose R8 is not on the curve, and a named
///         recipient key that cannot sign, i.e. not on the curve or of small order (8·P is the identity).
/// @dev    Internal functions only: they are inlined into the contract that uses them. `mulCofactor` doubles three
///         times in projective coordinates (X : Y : Z), x = X/Z, y = Y/Z, so no field inversion is needed: the
///         doubling is "dbl-2008-bbjlp" of the Explicit-Formulas Database (Bernstein, Birkner, Joye, Lange,
///         Peters, "Twisted Edwards curves", AFRICACRYPT 2008, §6), which is exact for every point of the curve
///         because a is a square and d is not (then F = a·x² + y² = 1 + d·x²·y² and J = d·x²·y² − 1 never vanish).
library BabyJubjub {
    uint256 internal constant P = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;
    /// l: the order of the prime-order subgroup (the curve's order is 8·l).
    uint256 internal constant SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041;

    /// a·x² + y² = 1 + d·x²·y² with the coordinates taken mod P (zksvs.babyjub.is_on_curve, circomlibjs inCurve).
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 x2 = mulmod(x, x, P);
        uint256 y2 = mulmod(y, y, P);
        uint256 lhs = addmod(mulmod(A, x2, P), y2, P);
        uint256 rhs = addmod(1, mulmod(D, mulmod(x2, y2, P), P), P);
        return lhs == rhs;
    }

    /// 2·(X : Y : Z) (dbl-2008-bbjlp: B = (X+Y)², C = X², D' = Y², E = a·C, F = E + D', H = Z², J = F − 2H,
    /// X3 = (B − C − D')·J, Y3 = F·(E − D'), Z3 = F·J).
    function double(uint256 x, uint256 y, uint256 z) internal pure returns (uint256, uint256, uint256) {
        uint256 b = mulmod(addmod(x, y, P), addmod(x, y, P), P);
        uint256 c = mulmod(x, x, P);
        uint256 d = mulmod(y, y, P);
        uint256 e = mulmod(A, c, P);
        uint256 f = addmod(e, d, P);
        uint256 h = mulmod(z, z, P);
        uint256 j = addmod(f, P - addmod(h, h, P), P);
        return (
            mulmod(addmod(b, P - addmod(c, d, P), P), j, P), mulmod(f, addmod(e, P - d, P), P), mulmod(f, j, P)
        );
    }

    /// True when the curve point (x, y) (coordinates < P) has small order: 8·(x, y) is the identity (0, 1), i.e.
    /// X = 0 and Y = Z in projective coordinates (zksvs.babyjub.mul_cofactor(p) == IDENTITY).
    function hasSmallOrder(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 z = 1;
        (x, y, z) = double(x, y, z);
        (x, y, z) = double(x, y, z);
        (x, y, z) = double(x, y, z);
        return x == 0 && y == z;
    }

    /// A key that can sign: on the curve and not of small order (verifier/forced_queue.py `_usable`).
    function isUsableKey(uint256 x, uint256 y) internal pure returns (bool) {
        return x < P && y < P && isOnCurve(x, y) && !hasSmallOrder(x, y);
    }
}

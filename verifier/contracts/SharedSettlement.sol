// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {BabyJubjub} from "./BabyJubjub.sol";

/// @title SharedSettlement: the zksvs L1 — all-or-none settlement of a shared batch of K rollups
/// @notice The Solidity form of verifier/settlement.py (the reference): the same checks, in the same order, with
///         the same names, each failure reverting with a custom error that names the check and the rollup, so no
///         storage changes unless every check passes. All Groth16 proofs of a shared batch (the K batch proofs and
///         the cross-rollup proof) are checked in one call of the EIP-197 pairing precompile, weighted by
///         Fiat–Shamir weights drawn from a hash of the verifying keys and the whole submission.
/// @dev    Submission layout (the flat word array `s` of `settle`, built by verifier/evm_settlement.py):
///           s[0] batch_number, s[1] n entries, then per entry:
///             chain_id; proof A.x A.y B.x1 B.x0 B.y1 B.y0 C.x C.y (EIP-197 order); the counts word n_public +
///             n_slots·2^64 + n_sparse·2^128 + n_bridge·2^192; the public inputs (n_public PUB_L1_BINDING: the first
///             four, eval_point and eval_value being the L1's own); the n_sparse words of the sparse slot encoding
///             (per slot a head word, word 0 plus a presence mask in bits 248-255, then its non-zero words
///             1..SLOT_WORDS−1; zksvs.statement.sparse_words); the n_bridge bridge words (accounts_root, then the
///             2^S bridge slot values);
///           then the cross-rollup proof: has_cross (0/1/2) and, if 1, its 8 proof words, n_cross_public, inputs;
///           if 2, its 8 proof words alone (its inputs are the K new state roots in chain order, from the entries).
///         Batch public inputs (zksvs/statement.py): chain_id, old_state_root, new_state_root, batch_commitment,
///         eval_point, eval_value. The batch data are bound by evaluation (EIP-4844's "proof of equivalence"):
///         eval_point = keccak256(batch_commitment, sparse slot words as received) mod r and eval_value =
///         Σ_k word_k·eval_point^k over the decoded words (zero words skipped). The decoded words of each entry stay
///         in memory for later checks (E_WORDS: SLOT_WORDS words a slot, zeros filled in).
///         Verifying keys live in the code of a data contract (`verifyingKeys`, read with one EXTCODECOPY):
///           words 0..27 the batch key: α (2), β, γ, δ (4 each, EIP-197 order), IC_0..IC_6 (2 each);
///           then, unless rootCheck is OPENINGS, the cross-rollup key: α, β, γ, δ, IC_0..IC_K.
///         Precompiles are called with exactly their EIP-1108 price, so an invalid point costs that price and the
///         contract goes on to name the culprit (a failing precompile keeps all the gas it was given).
contract SharedSettlement {
    // --- the checks (verifier/settlement.py names), in order; NO_CHAIN where no rollup is named ---------------
    error BatchNumber(uint256 expected, uint256 got);
    error RollupSet(uint256 chainId);
    error PublicInputs(uint256 chainId);
    error OldRoot(uint256 chainId);
    error BatchData(uint256 chainId);
    error BatchCommitment(uint256 chainId);
    error Proof(uint256 chainId);
    error BridgeOpening(uint256 chainId);
    error BurnMintEquality(uint256 srcChain, uint256 dstChain);
    error CrossProof();
    /// forced_inclusion (after batch_data): the forced slots of the rollup's batch are not the next entries of its
    /// queue, in order, or an entry is left unprocessed past its deadline.
    error ForcedInclusion(uint256 chainId);
    // --- enqueue's refusals (verifier/forced_queue.py check names) ------------------------------------------------
    error Rollup(uint256 chainId);
    error Transaction(uint256 chainId);
    error Signature(uint256 chainId);
    /// The word array is not laid out as the dev comment says (never produced by verifier/evm_settlement.py).
    error MalformedSubmission(uint256 wordIndex);
    // --- administration ----------------------------------------------------------------------------------------
    error NotOwner();
    error AlreadyRegistered();
    error BadRegistration(uint256 what);

    event Registered(address verifyingKeys, uint256[] genesisStateRoots);
    event SharedBatchSettled(uint256 indexed batchNumber, uint256[] newStateRoots);
    /// A signed transfer queued for `chainId` as entry `index` at shared batch `batchNumber` (its fields and
    /// signature are this transaction's calldata); `entryHash` is what the forced slot processing it must hash to.
    event Enqueued(uint256 indexed chainId, uint256 index, uint256 batchNumber, bytes32 entryHash);

    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 internal constant NO_CHAIN = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    /// In a chain-id, proof or slot position: "not a value of this kind at all" (the encoder's marker for a Python
    /// object of the wrong type); it fails the check that reads it, as the model's type checks do.
    uint256 internal constant NOT_A_VALUE = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 internal constant N_BATCH_PUBLIC = 6;
    uint256 internal constant MAX_ROLLUPS = 8;
    /// A slot is SLOT_WORDS words (zksvs.statement.SLOT_WORDS; tests/evm hold the two equal). Word 0 packs the
    /// kind (byte 0: one bit per kind, transfer 1, burn 2, action 4, call 8, no-op 0), peer_chain (byte 1), the
    /// program (byte 2: one bit per program, MINT 1, COND 2, SWAP 4, none 0), account_a (bytes 3-6), account_b
    /// (7-10), amount (11-18), nonce (19-26), forced (27) and reason (28), little end first: below 2^232. Word 1
    /// packs a SWAP action's msg_sender (bytes 0-3), msg_target (4-7) and msg_value (8-15): below 2^128. Words 2, 3,
    /// 4 are the payload and the named key (x, y); every word from 2 on is a field element.
    uint256 internal constant SLOT_WORDS = 8;
    uint256 internal constant SLOT_WORD0_BITS = 232;
    uint256 internal constant SLOT_WORD1_BITS = 128;
    /// Sparse slot encoding in calldata (verifier/evm_calldata.py): a slot is its head word, word 0 plus the
    /// presence mask in the top byte (bit j − 1 set: word j follows), then its present words in order. Words
    /// 1..SLOT_WORDS−1 are mostly zero, so a slot's zero words cost neither calldata nor a multiply-add.
    uint256 internal constant MASK_SHIFT = 248;
    uint256 internal constant WORD0_OF_HEAD = 0x00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 internal constant U64_MAX = 0xffffffffffffffff;
    /// The presence-mask bits of words 5, 6, 7: a forced slot's signature (R8.x, R8.y, S), zero on other slots.
    uint256 internal constant SIG_WORDS_MASK = 0x70;
    /// The slot rules as tables. Bit kind + 16·program + 128·forced of KIND_PROGRAM_OK is set iff the native
    /// rules allow that kind byte, program byte and forced byte together (no-op: nothing; transfer: no program;
    /// burn: MINT; call: MINT, COND or SWAP; action: the same, never forced; forced only on transfer, burn and
    /// call). Bit forced + 2·reason of FORCED_REASON_OK is set iff reason is 0, or one bit ≤ 64 on a forced slot.
    /// SLOT_RANGE_BITS: the bits of a head's word 0 that must be 0 for the tables' index ranges (kind < 16,
    /// program < 8, forced < 2, reason < 128) and for word 0 < 2^232. tests/evm derive all three.
    uint256 internal constant KIND_PROGRAM_OK = 0x100000001000104000200000000000001100000011001140003;
    uint256 internal constant FORCED_REASON_OK = 0x20000000000000002000000020002022b;
    uint256 internal constant SLOT_RANGE_BITS = 0xffff80fe000000000000000000000000000000000000000000000000f800f0;
    uint8 public constant ROOT_CHECK_OPENINGS = 0;
    uint8 public constant ROOT_CHECK_PROOF = 1;
    uint8 public constant ROOT_CHECK_BOTH = 2;
    uint256 internal constant BATCH_VK_WORDS = 28;
    uint256 internal constant CROSS_VK = 28; // first word of the cross key
    // EIP-1108 prices: the gas each precompile call gets
    uint256 internal constant ECADD_GAS = 150;
    uint256 internal constant ECMUL_GAS = 6000;
    // entry table (memory): 8 words per entry
    uint256 internal constant E_CHAIN = 0;
    uint256 internal constant E_PROOF = 32; // calldata offset of the 8 proof words
    uint256 internal constant E_PUB = 64; // calldata offset of the public inputs
    uint256 internal constant E_NPUB = 96;
    uint256 internal constant E_SLOTS = 128; // calldata offset of the sparse slot words
    uint256 internal constant E_NSLOTS = 160; // slots
    uint256 internal constant E_BRIDGE = 192;
    uint256 internal constant E_NBRIDGE = 224;
    uint256 internal constant E_NSPARSE = 256; // sparse slot words in calldata
    /// Memory pointer of the entry's decoded slot words (written by batch_data): E_NSLOTS·SLOT_WORDS words, slot
    /// after slot, word j of slot t at E_WORDS + 32·(SLOT_WORDS·t + j), absent words 0.
    uint256 internal constant E_WORDS = 288;
    uint256 internal constant E_BOUND = 320; // 1 iff the entry's eval_point and eval_value bind its words
    uint256 internal constant E_OMIT = 352; // 1: eval_point and eval_value not sent (PUB_L1_BINDING)
    uint256 internal constant E_Z = 384; // eval_point and eval_value as the L1 computed them
    uint256 internal constant E_Y = 416;
    uint256 internal constant E_SIZE = 448;
    /// An n_public word of PUB_L1_BINDING: only chain_id, old_state_root, new_state_root and batch_commitment
    /// follow, and the proof is checked against the eval_point and eval_value the L1 computes from the words it
    /// received (the encoder sends this when the submission's own pair equals them: 64 calldata bytes less).
    uint256 internal constant PUB_L1_BINDING = 0x104;

    address public immutable owner;
    uint8 public immutable rootCheck;
    /// The PoseidonT3 contract that opens bridge slots (root check OPENINGS or BOTH).
    address public immutable poseidon;

    /// D: account indices of a queued transaction are below 2^D.
    uint8 public immutable accountDepth;
    /// T: a queue entry enqueued at shared batch e must be processed by shared batch e + T.
    uint64 public immutable forcedDeadline;

    // slot 0 (one SLOAD): batch number, K, the verifying-key data contract, and the rollups whose forced-inclusion
    // queue has unprocessed entries (bit c): settle reads the queues only for those
    uint64 public batchNumber;
    uint8 public nRollups;
    address public verifyingKeys;
    uint8 public pendingQueues;
    /// slot 1: keccak256 of the K current state roots in chain order. The roots themselves are in the last
    /// SharedBatchSettled event (or Registered): one storage word instead of K, and a submission carries the old
    /// roots anyway (its public inputs), so checking them costs one hash.
    bytes32 public stateRootsHash;

    /// A parsed submission: the entry table and where the cross-rollup proof is.
    struct Sub {
        uint256 tab; // memory pointer of the entry table
        uint256 n; // entries
        uint256 k; // registered rollups
        uint256 cross; // calldata offset of the cross proof words (0: none)
        uint256 crossPub;
        uint256 nCrossPub;
        uint256 vk; // memory pointer of the key words
        uint256 vkWords;
        uint256 roots; // memory uint256[]: the K new state roots by chain (set before the pairing)
    }

    /// A rollup's forced-inclusion queue: entries [0, length) were enqueued, [0, head) processed by settled
    /// batches (one storage word).
    struct Queue {
        uint64 head;
        uint64 length;
    }

    /// A queue entry: keccak256 of the 8 slot words its forced slot must carry (reason byte 0), and the shared
    /// batch number at enqueue.
    struct Entry {
        bytes32 hash;
        uint64 enqueuedAt;
    }

    mapping(uint256 => Queue) public queues;
    mapping(uint256 => mapping(uint256 => Entry)) public queueEntries;

    constructor(uint8 rootCheck_, address poseidon_, uint8 accountDepth_, uint64 forcedDeadline_) {
        if (rootCheck_ > ROOT_CHECK_BOTH) revert BadRegistration(0);
        if (accountDepth_ == 0 || accountDepth_ > 32 || forcedDeadline_ == 0) revert BadRegistration(6);
        assert(SLOT_STRIDE == 32 * SLOT_WORDS);
        owner = msg.sender;
        rootCheck = rootCheck_;
        poseidon = poseidon_;
        accountDepth = accountDepth_;
        forcedDeadline = forcedDeadline_;
    }

    // ============================================================================================================
    // registration
    // ============================================================================================================

    /// @notice Register the K rollups (chain ids 0..K-1) with their genesis state roots and the verifying keys.
    /// @param vkData  a contract whose code is 0x00 followed by the key words (contract dev comment)
    function register(address vkData, uint256[] calldata genesisRoots) external {
        if (msg.sender != owner) revert NotOwner();
        if (nRollups != 0) revert AlreadyRegistered();
        uint256 k = genesisRoots.length;
        if (k == 0 || k > MAX_ROLLUPS) revert BadRegistration(1);
        (bool sized, uint256 vk,) = _loadKeys(vkData, k);
        if (!sized) revert BadRegistration(2);
        // every G1 point on the curve (α, IC), every G2 point valid (β, γ, δ): the precompiles check them
        _checkKey(vk, 0, N_BATCH_PUBLIC + 1, 3);
        if (rootCheck != ROOT_CHECK_OPENINGS) _checkKey(vk, CROSS_VK, k + 1, 4);
        for (uint256 c = 0; c < k; c++) {
            if (genesisRoots[c] >= R) revert BadRegistration(5);
        }
        stateRootsHash = keccak256(abi.encodePacked(genesisRoots));
        nRollups = uint8(k);
        verifyingKeys = vkData;
        emit Registered(vkData, genesisRoots);
    }

    /// The key words copied from the data contract's code (after its leading STOP byte) to memory at `vk`.
    function _loadKeys(address vkData, uint256 k) internal view returns (bool sized, uint256 vk, uint256 words) {
        words = rootCheck == ROOT_CHECK_OPENINGS ? BATCH_VK_WORDS : CROSS_VK + 14 + 2 * (k + 1);
        assembly ("memory-safe") {
            sized := eq(extcodesize(vkData), add(mul(words, 32), 1))
            vk := mload(0x40)
            mstore(0x40, add(vk, mul(words, 32)))
            extcodecopy(vkData, vk, 1, mul(words, 32))
        }
    }

    function _checkKey(uint256 vk, uint256 base, uint256 nIc, uint256 what) internal view {
        bool ok = true;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let a := add(vk, mul(base, 32))
            // α ≠ ∞ and on the curve: ecAdd(α, ∞) succeeds only for a curve point
            ok := iszero(iszero(or(mload(a), mload(add(a, 32)))))
            mcopy(m, a, 64)
            mstore(add(m, 64), 0)
            mstore(add(m, 96), 0)
            ok := and(ok, staticcall(ECADD_GAS, 6, m, 128, m, 64))
            for { let j := 0 } lt(j, nIc) { j := add(j, 1) } {
                mcopy(m, add(a, mul(add(14, mul(2, j)), 32)), 64)
                mstore(add(m, 64), 0)
                mstore(add(m, 96), 0)
                ok := and(ok, staticcall(ECADD_GAS, 6, m, 128, m, 64))
            }
            // β, γ, δ ≠ 0 and valid G2 points: a one-pair pairing call with the G1 generator succeeds only then
            for { let g := 0 } lt(g, 3) { g := add(g, 1) } {
                let src := add(a, mul(add(2, mul(4, g)), 32))
                ok := and(ok, iszero(iszero(or(or(mload(src), mload(add(src, 32))), or(mload(add(src, 64)), mload(add(src, 96)))))))
                mstore(m, 1)
                mstore(add(m, 32), 2)
                mcopy(add(m, 64), src, 128)
                ok := and(ok, staticcall(79000, 8, m, 192, m, 32))
            }
        }
        if (!ok) revert BadRegistration(what);
    }

    // ============================================================================================================
    // settlement
    // ============================================================================================================

    /// @notice Settle one shared batch, or revert naming the first failed check (contract dev comment).
    function settle(uint256[] calldata s) external {
        Sub memory x;
        x.k = nRollups;
        uint256 expected = batchNumber;
        // 1. batch_number
        if (s.length == 0) revert MalformedSubmission(0);
        if (s[0] != expected) revert BatchNumber(expected, s[0]);
        _parse(x, s);
        // the pairing weights' seed, while memory is small (its copy of s is scratch the checks reuse)
        uint256 seed = _seed(s);
        // 2. rollup_set
        _checkRollupSet(x);
        // 3. public_inputs, 4. old_root, 5. batch_data
        _checkPublicInputs(x);
        _checkOldRoots(x);
        bool anyForced = _checkBatchData(x);
        // 6. forced_inclusion: the new queue heads (applied below only if every check passes); nothing to check
        // unless a queue has pending entries or a slot claims one
        uint256 pending = pendingQueues;
        uint256[] memory heads;
        if (pending != 0 || anyForced) heads = _checkForcedInclusion(x, pending, expected);
        _checkBatchCommitments(x);
        // 7. batch_commitment above; 8. proof: every proof of the submission in one pairing check; on failure, one by one to name it
        _checkProofWords(x);
        (, x.vk, x.vkWords) = _loadKeys(verifyingKeys, x.k);
        bool withCross = rootCheck != ROOT_CHECK_OPENINGS && _crossWellFormed(x);
        uint256[] memory roots = _rootsByChain(x, 64);
        assembly {
            mstore(add(x, 256), roots) // x.roots
        }
        bool allOk = _batchedPairing(x, seed, withCross);
        if (!allOk) {
            for (uint256 i = 0; i < x.n; i++) {
                if (!_verifyOne(x.vk, 0, _e(x, i, E_PROOF), _batchInputs(x, i), N_BATCH_PUBLIC)) {
                    revert Proof(_e(x, i, E_CHAIN));
                }
            }
        }
        // 9. bridge_opening, 10. burn_mint_equality
        if (rootCheck != ROOT_CHECK_PROOF) {
            _checkOpenings(x);
            _checkBurnMint(x);
        }
        // 11. cross_proof
        if (rootCheck != ROOT_CHECK_OPENINGS) {
            if (!withCross) revert CrossProof();
            if (!allOk && !_verifyOne(x.vk, CROSS_VK, x.cross, x.roots + 32, x.k)) revert CrossProof();
        }
        // the combined check failed yet every proof verifies alone: no such submission exists
        if (!allOk) revert Proof(NO_CHAIN);
        // all passed: advance every rollup together
        stateRootsHash = keccak256(abi.encodePacked(roots));
        batchNumber = uint64(expected + 1);
        if (pending != 0) _advanceQueues(heads, pending);
        emit SharedBatchSettled(expected, roots);
    }

    function _cd(uint256 off) internal pure returns (uint256 v) {
        assembly {
            v := calldataload(off)
        }
    }

    /// Field `f` of entry `i` of the entry table.
    function _e(Sub memory x, uint256 i, uint256 f) internal pure returns (uint256 v) {
        uint256 tab = x.tab;
        assembly {
            v := mload(add(add(tab, mul(i, E_SIZE)), f))
        }
    }

    /// Walks the entries (chain ids and part offsets) and the cross proof; the layout must fill `s` exactly.
    function _parse(Sub memory x, uint256[] calldata s) internal pure {
        bytes4 malformed = MalformedSubmission.selector;
        uint256 tab;
        uint256 n;
        uint256 cross;
        uint256 crossPub;
        uint256 nCrossPub;
        assembly ("memory-safe") {
            function fail(sel, at, base) {
                mstore(0, sel)
                mstore(4, shr(5, sub(at, base)))
                revert(0, 36)
            }
            // byte offsets in calldata; `end` is the first byte after s
            let base := s.offset
            let end := add(base, mul(s.length, 32))
            if lt(s.length, 2) { fail(malformed, add(base, 32), base) }
            n := calldataload(add(base, 32))
            if gt(n, 64) { fail(malformed, add(base, 32), base) }
            tab := mload(0x40)
            mstore(0x40, add(tab, mul(n, E_SIZE)))
            let at := add(base, 64)
            for { let e := tab } lt(e, add(tab, mul(n, E_SIZE))) { e := add(e, E_SIZE) } {
                if gt(add(at, 320), end) { fail(malformed, at, base) }
                mstore(e, calldataload(at))
                mstore(add(e, E_PROOF), add(at, 32))
                // the counts word: n_public, n_slots, n_sparse, n_bridge (64 bits each, low first)
                let cnt := calldataload(add(at, 288))
                let m := and(cnt, U64_MAX)
                if or(or(gt(and(shr(64, cnt), U64_MAX), s.length), gt(and(shr(128, cnt), U64_MAX), s.length)), gt(shr(192, cnt), s.length)) {
                    fail(malformed, add(at, 288), base)
                }
                mstore(add(e, E_PUB), add(at, 320))
                // PUB_L1_BINDING: the first four inputs follow; eval_point and eval_value are the L1's own
                switch eq(m, PUB_L1_BINDING)
                case 1 {
                    mstore(add(e, E_NPUB), N_BATCH_PUBLIC)
                    mstore(add(e, E_OMIT), 1)
                    m := 4
                }
                default {
                    if gt(m, s.length) { fail(malformed, add(at, 288), base) }
                    mstore(add(e, E_NPUB), m)
                    mstore(add(e, E_OMIT), 0)
                }
                at := add(at, add(320, shl(5, m)))
                // the n_sparse words of the sparse slot encoding (decoded by batch_data), the bridge words
                mstore(add(e, E_NSLOTS), and(shr(64, cnt), U64_MAX))
                mstore(add(e, E_SLOTS), at)
                m := and(shr(128, cnt), U64_MAX)
                mstore(add(e, E_NSPARSE), m)
                at := add(at, shl(5, m))
                mstore(add(e, E_BRIDGE), at)
                mstore(add(e, E_NBRIDGE), shr(192, cnt))
                at := add(at, shl(5, shr(192, cnt)))
                if gt(at, end) { fail(malformed, at, base) }
            }
            if iszero(lt(at, end)) { fail(malformed, at, base) }
            switch calldataload(at)
            case 0 { at := add(at, 32) }
            case 1 {
                if gt(add(at, 320), end) { fail(malformed, at, base) }
                cross := add(at, 32)
                nCrossPub := calldataload(add(at, 288))
                if gt(nCrossPub, s.length) { fail(malformed, at, base) }
                crossPub := add(at, 320)
                at := add(at, add(320, shl(5, nCrossPub)))
            }
            case 2 {
                // the cross proof's inputs are the K new state roots in chain order (not sent)
                if gt(add(at, 288), end) { fail(malformed, at, base) }
                cross := add(at, 32)
                nCrossPub := mload(add(x, 64)) // x.k
                at := add(at, 288)
            }
            default { fail(malformed, at, base) }
            if iszero(eq(at, end)) { fail(malformed, at, base) }
        }
        x.tab = tab;
        x.n = n;
        x.cross = cross;
        x.crossPub = crossPub;
        x.nCrossPub = nCrossPub;
    }

    uint256 internal constant NONE = type(uint256).max;

    /// Every registered chain exactly once, nothing else; names the least missing, else unknown, else repeated id.
    function _checkRollupSet(Sub memory x) internal pure {
        uint256 k = x.k;
        if (k == 0) revert RollupSet(NO_CHAIN);
        uint256 tab = x.tab;
        uint256 n = x.n;
        uint256 seen;
        uint256 twice;
        uint256 unknown = NO_CHAIN;
        bool typed = true;
        assembly {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let c := mload(add(tab, mul(i, E_SIZE)))
                if eq(c, NOT_A_VALUE) { typed := 0 }
                switch lt(c, k)
                case 0 { if lt(c, unknown) { unknown := c } }
                default {
                    let bit := shl(c, 1)
                    switch and(seen, bit)
                    case 0 { seen := or(seen, bit) }
                    default { twice := or(twice, bit) }
                }
            }
        }
        if (!typed) revert RollupSet(NO_CHAIN);
        uint256 all = (1 << k) - 1;
        if (seen != all) revert RollupSet(_lowestBit(all & ~seen));
        if (unknown != NO_CHAIN) revert RollupSet(unknown);
        if (twice != 0) revert RollupSet(_lowestBit(twice));
    }

    function _lowestBit(uint256 v) internal pure returns (uint256 i) {
        while (v & 1 == 0) {
            v >>= 1;
            i++;
        }
    }

    /// Six public inputs, each < r, the first naming the entry's own chain.
    function _checkPublicInputs(Sub memory x) internal pure {
        uint256 tab = x.tab;
        uint256 n = x.n;
        uint256 bad = NONE;
        assembly {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let e := add(tab, mul(i, E_SIZE))
                let p := mload(add(e, E_PUB))
                let ok := and(eq(mload(add(e, E_NPUB)), N_BATCH_PUBLIC), eq(calldataload(p), mload(e)))
                ok := and(ok, and(lt(calldataload(p), R), lt(calldataload(add(p, 32)), R)))
                ok := and(ok, and(lt(calldataload(add(p, 64)), R), lt(calldataload(add(p, 96)), R)))
                if iszero(mload(add(e, E_OMIT))) {
                    ok := and(ok, and(lt(calldataload(add(p, 128)), R), lt(calldataload(add(p, 160)), R)))
                }
                if iszero(ok) {
                    bad := i
                    break
                }
            }
        }
        if (bad != NONE) revert PublicInputs(_e(x, bad, E_CHAIN));
    }

    /// The K old state roots (public input 1 of each entry), in chain order, hash to the stored stateRootsHash. A
    /// mismatch cannot say which root is stale: the contract holds only their hash.
    function _checkOldRoots(Sub memory x) internal view {
        if (keccak256(abi.encodePacked(_rootsByChain(x, 32))) != stateRootsHash) revert OldRoot(NO_CHAIN);
    }

    /// The public input at byte offset `at` of every entry, ordered by chain id (rollup_set made the entries a
    /// permutation of 0..K−1).
    function _rootsByChain(Sub memory x, uint256 at) internal pure returns (uint256[] memory roots) {
        roots = new uint256[](x.k);
        uint256 tab = x.tab;
        uint256 n = x.n;
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let e := add(tab, mul(i, E_SIZE))
                mstore(add(roots, mul(add(mload(e), 1), 32)), calldataload(add(mload(add(e, E_PUB)), at)))
            }
        }
    }

    /// Decodes each entry's sparse slot words into memory (E_WORDS, zeros where a word is absent), checks that each
    /// slot follows the native rules of its kind (zksvs.statement.check_slot_data) and, in the same pass, evaluates
    /// the binding for batch_commitment (E_BOUND). The rules: word 0 below 2^232 (its forced byte 0 or 1, only on
    /// a user kind, its reason byte 0 or one bit, only if forced), word 1 below 2^128, words 2.. below r; kind byte
    /// 0 (NOOP: every word 0), 1 (TRANSFER: peer, program, payload and word 1 all 0), 2 (BURN), 8 (CALL) or 4
    /// (ACTION) with a peer in [0, K) other than its own chain and a program byte 1, 2 or 4 (a BURN: 1 with payload
    /// 0), a COND's payload (its cap) a u64, word 1 zero but in a SWAP ACTION. A word the mask marks present counts
    /// as non-zero for these rules (the encoder sends only non-zero words), and the slots must use up the entry's
    /// sparse words exactly. The binding: eval_point z = keccak256(batch_commitment ‖ the sparse words as received)
    /// mod r, and eval_value y = Σ word·z^(SLOT_WORDS·t + j) over the present words only (word j of slot t), with z^j
    /// from a table and the slot stride z^SLOT_WORDS multiplied in once a slot (zksvs.statement.eval_point).
    /// Returns whether any slot is forced (forced_inclusion reads the queues only then, or if entries are pending).
    function _checkBatchData(Sub memory x) internal pure returns (bool anyForced) {
        uint256 tab = x.tab;
        uint256 n = x.n;
        uint256 k = x.k;
        uint256 bad = NONE;
        assembly ("memory-safe") {
            mstore(0, 0) // the OR of every word 0 (scratch word: a local more is too deep a stack here)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let e := add(tab, mul(i, E_SIZE))
                let p := mload(add(e, E_SLOTS))
                let q := mload(0x40)
                let qend := add(q, mul(mload(add(e, E_NSLOTS)), mul(SLOT_WORDS, 32)))
                // z from the commitment and the sparse words, in scratch memory past the slot words; then the
                // table z^0..z^SLOT_WORDS there
                let zp := qend
                {
                    let len := shl(5, mload(add(e, E_NSPARSE)))
                    mstore(zp, calldataload(add(mload(add(e, E_PUB)), 96)))
                    calldatacopy(add(zp, 32), p, len)
                    let z := mod(keccak256(zp, add(len, 32)), R)
                    mstore(add(e, E_BOUND), z)
                    mstore(zp, 1)
                    mstore(add(zp, 32), z)
                    for { let j := 64 } lt(j, mul(add(SLOT_WORDS, 1), 32)) { j := add(j, 32) } {
                        mstore(add(zp, j), mulmod(mload(add(zp, sub(j, 32))), z, R))
                    }
                }
                mstore(0x40, qend)
                mstore(add(e, E_WORDS), q)
                // the slot words: zeros copied from past the end of calldata
                calldatacopy(q, calldatasize(), sub(qend, q))
                // the peers a message may name, [0, K) less the entry's own chain (rollup_set: it is below K),
                // with bit 0 flipped: the set is xor(1, isMsg·pkx), {0} for a no-op or transfer
                let pkx := xor(xor(sub(shl(k, 1), 1), shl(mload(e), 1)), 1)
                let b := 0
                let y := 0
                let zt := 1 // z^(SLOT_WORDS·t)
                for {} lt(q, qend) { q := add(q, mul(SLOT_WORDS, 32)) } {
                    let w := calldataload(p)
                    p := add(p, 32)
                    let mask := shr(MASK_SHIFT, w)
                    w := and(w, WORD0_OF_HEAD)
                    mstore(q, w)
                    mstore(0, or(mload(0), w))
                    // field ranges (word 0; kind, program, forced, reason bytes; the mask), the two tables, a no-op
                    // all 0, the peer: 0 but on a message kind (kind & 14: burn, action, call)
                    b := or(
                        or(b, or(and(w, SLOT_RANGE_BITS), shr(sub(SLOT_WORDS, 1), mask))),
                        or(
                            or(
                                iszero(and(shr(or(or(and(w, 0xf), and(shr(12, w), 0x70)), and(shr(209, w), 0x80)), KIND_PROGRAM_OK), 1)),
                                iszero(and(shr(or(and(shr(216, w), 1), and(shr(223, w), 0xfe)), FORCED_REASON_OK), 1))
                            ),
                            or(
                                and(iszero(and(w, 0xf)), iszero(iszero(or(w, mask)))),
                                iszero(and(shr(and(shr(8, w), 0xff), xor(1, mul(iszero(iszero(and(w, 14))), pkx))), 1))
                            )
                        )
                    )
                    if mask {
                        mask := and(mask, sub(shl(sub(SLOT_WORDS, 1), 1), 1))
                        // words 5-7 (the signature) only on a forced slot (forced inclusion: zero on every other slot)
                        if and(mask, SIG_WORDS_MASK) { b := or(b, iszero(and(shr(216, w), 1))) }
                        // word 1 only in a SWAP action; a payload only on an action or call (kind & 12)
                        b := or(b, or(and(and(mask, 1), iszero(eq(and(w, 0xff00ff), 0x040004))), and(shr(1, and(mask, 2)), iszero(and(w, 12)))))
                        // the present words: word 1 below 2^128, the others below r
                        if and(mask, 1) {
                            let v := calldataload(p)
                            p := add(p, 32)
                            b := or(b, shr(SLOT_WORD1_BITS, v))
                            mstore(add(q, 32), v)
                            w := addmod(w, mulmod(v, mload(add(zp, 32)), R), R)
                        }
                        let t := 64
                        for { let m := shr(1, mask) } m { m := shr(1, m) } {
                            if and(m, 1) {
                                let v := calldataload(p)
                                p := add(p, 32)
                                b := or(b, iszero(lt(v, R)))
                                mstore(add(q, t), v)
                                w := addmod(w, mulmod(v, mload(add(zp, t)), R), R)
                            }
                            t := add(t, 32)
                        }
                        // a COND's payload (its cap) a u64
                        b := or(b, and(eq(and(shr(16, mload(q)), 0xff), 2), gt(mload(add(q, 64)), U64_MAX)))
                    }
                    y := addmod(y, mulmod(w, zt, R), R)
                    zt := mulmod(zt, mload(add(zp, mul(SLOT_WORDS, 32))), R)
                }
                if or(b, iszero(eq(p, add(mload(add(e, E_SLOTS)), shl(5, mload(add(e, E_NSPARSE))))))) {
                    bad := i
                    break
                }
                // E_Z, E_Y: the L1's (z, y); E_BOUND: 1 iff they are the entry's eval_point and eval_value
                let z := mload(add(e, E_BOUND))
                mstore(add(e, E_Z), z)
                mstore(add(e, E_Y), y)
                let pub := mload(add(e, E_PUB))
                let bound := and(eq(z, calldataload(add(pub, 128))), eq(y, calldataload(add(pub, 160))))
                mstore(add(e, E_BOUND), or(mload(add(e, E_OMIT)), bound))
            }
        }
        if (bad != NONE) revert BatchData(_e(x, bad, E_CHAIN));
        assembly {
            anyForced := iszero(iszero(and(shr(FORCED_SHIFT, mload(0)), 0xff)))
        }
    }

    /// Each entry's eval_point and eval_value are those the L1 computed from the words it received
    /// (``_checkBatchData`` evaluated them: E_BOUND).
    function _checkBatchCommitments(Sub memory x) internal pure {
        for (uint256 i = 0; i < x.n; i++) {
            if (_e(x, i, E_BOUND) == 0) revert BatchCommitment(_e(x, i, E_CHAIN));
        }
    }

    /// A proof the encoder marked as "not a proof" (its first word NOT_A_VALUE) is named before any pairing, as the
    /// model's type check does.
    function _checkProofWords(Sub memory x) internal pure {
        uint256 tab = x.tab;
        uint256 n = x.n;
        uint256 bad = NONE;
        assembly {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if eq(calldataload(mload(add(add(tab, mul(i, E_SIZE)), E_PROOF))), NOT_A_VALUE) {
                    bad := i
                    break
                }
            }
        }
        if (bad != NONE) revert Proof(_e(x, bad, E_CHAIN));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Groth16: the batched check and the single check
    // ------------------------------------------------------------------------------------------------------------

    /// The cross-rollup proof is present and its inputs are the K new state roots in chain order.
    function _crossWellFormed(Sub memory x) internal pure returns (bool ok) {
        if (x.cross == 0 || x.nCrossPub != x.k) return false;
        if (x.crossPub == 0) return true; // the new roots themselves (has_cross 2)
        uint256 tab = x.tab;
        uint256 n = x.n;
        uint256 crossPub = x.crossPub;
        ok = true;
        assembly {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let e := add(tab, mul(i, E_SIZE))
                let newRoot := calldataload(add(mload(add(e, E_PUB)), 64))
                ok := and(ok, eq(calldataload(add(crossPub, mul(mload(e), 32))), newRoot))
            }
        }
    }

    /// keccak256(the keys' code hash ‖ the whole submission): the weights are fixed only once both are.
    function _seed(uint256[] calldata s) internal view returns (uint256 seed) {
        address keys = verifyingKeys;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, extcodehash(keys))
            calldatacopy(add(m, 32), s.offset, mul(s.length, 32))
            seed := keccak256(m, mul(add(s.length, 1), 32))
        }
    }

    // scratch layout of the batched check (byte offsets from the free memory pointer)
    uint256 internal constant B_SC = 128; // s_0..s_6: Σ_i w_i·x_ij (x_i0 = 1), then W at B_SC
    uint256 internal constant B_ACC_C = 352; // Σ w_i·C_i
    uint256 internal constant B_IC = 416; // Σ_j s_j·IC_j (both keys' terms when they share γ)
    uint256 internal constant B_ICC = 480; // the cross key's input terms
    uint256 internal constant B_WALPHA = 544; // the weight sum that multiplies α
    uint256 internal constant B_PAIRS = 576; // the pairing input, 192 bytes a pair

    /// Σ_i w_i·(Groth16 equation of proof i) in one pairing call, w_0 = 1 and w_i = (keccak256(seed, i) >> 128) | 1:
    /// e(−w_i·A_i, B_i) per proof; e(Σ w_i·C_i, δ) per key; e(Σ_j s_j·IC_j, γ) with s_j = Σ_i w_i·x_ij (one ecMul
    /// per input position, not per proof); e(W·α, β), W = Σ w_i. Keys made from one phase 1 share α, β and γ
    /// (snarkjs: γ is the G2 generator), and then their terms merge into one pair each.
    function _batchedPairing(Sub memory x, uint256 seed, bool withCross) internal view returns (bool ok) {
        uint256 scr;
        assembly ("memory-safe") {
            scr := mload(0x40)
            for { let t := add(scr, B_SC) } lt(t, add(scr, B_PAIRS)) { t := add(t, 32) } { mstore(t, 0) }
        }
        uint256 p;
        (ok, p) = _batchTerms(x.tab, x.n, seed, scr);
        uint256 vk = x.vk;
        ok = _icTerms(vk, scr) && ok;
        p = _pair(p, scr + B_ACC_C, vk + 320); // (Σ w_i·C_i, δ_batch)
        if (withCross) (ok, p) = _addCross(x, ok, p, _weight(seed, x.n, scr), scr);
        p = _pair(p, scr + B_IC, vk + 192); // (Σ_j s_j·IC_j, γ)
        uint256 walpha;
        assembly {
            walpha := mload(add(scr, B_WALPHA))
        }
        ok = _mulTo(p, _word(vk, 0), _word(vk, 1), walpha, scr) && ok;
        p = _pair(p, p, vk + 64); // (W·α, β)
        if (!ok) return false;
        assembly ("memory-safe") {
            let pairs := add(scr, B_PAIRS)
            let nPairs := div(sub(p, pairs), 192)
            // (Yul evaluates arguments right to left: the call first, then its output)
            let success := staticcall(add(45000, mul(34000, nPairs)), 8, pairs, sub(p, pairs), scr, 32)
            ok := and(success, eq(mload(scr), 1))
        }
    }

    /// Per batch proof: the pair (−w_i·A_i, B_i) from scr + B_PAIRS on, Σ w_i·C_i, s_j += w_i·x_ij, W += w_i.
    function _batchTerms(uint256 tab, uint256 n, uint256 seed, uint256 scr) internal view returns (bool ok, uint256 p) {
        assembly ("memory-safe") {
            p := add(scr, B_PAIRS)
            ok := 1
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let e := add(tab, mul(i, E_SIZE))
                let prf := mload(add(e, E_PROOF))
                let w := 1
                if i {
                    mstore(scr, seed)
                    mstore(add(scr, 32), i)
                    w := or(shr(128, keccak256(scr, 64)), 1)
                }
                // (−w·A, B)
                let ax := calldataload(prf)
                let ay := calldataload(add(prf, 32))
                ok := and(ok, and(lt(ax, Q), lt(ay, Q)))
                switch w
                case 1 {
                    mstore(p, ax)
                    mstore(add(p, 32), ay)
                }
                default {
                    mstore(scr, ax)
                    mstore(add(scr, 32), ay)
                    mstore(add(scr, 64), w)
                    ok := and(ok, staticcall(ECMUL_GAS, 7, scr, 96, p, 64))
                }
                let y := mload(add(p, 32))
                if y { mstore(add(p, 32), sub(Q, y)) }
                calldatacopy(add(p, 64), add(prf, 64), 128)
                for { let t := 64 } lt(t, 192) { t := add(t, 32) } { ok := and(ok, lt(calldataload(add(prf, t)), Q)) }
                p := add(p, 192)
                // Σ w·C
                switch w
                case 1 { calldatacopy(add(scr, 64), add(prf, 192), 64) }
                default {
                    calldatacopy(scr, add(prf, 192), 64)
                    mstore(add(scr, 64), w)
                    ok := and(ok, staticcall(ECMUL_GAS, 7, scr, 96, add(scr, 64), 64))
                }
                mcopy(scr, add(scr, B_ACC_C), 64)
                ok := and(ok, staticcall(ECADD_GAS, 6, scr, 128, add(scr, B_ACC_C), 64))
                // s_j += w·x_j, W += w
                let sc := add(scr, B_SC)
                mstore(sc, addmod(mload(sc), w, R))
                // inputs 0-3 from calldata; eval_point and eval_value as the L1 computed them (equal to the sent
                // ones, if sent: batch_commitment passed)
                let pub := mload(add(e, E_PUB))
                for { let j := 0 } lt(j, 4) { j := add(j, 1) } {
                    let at := add(sc, mul(add(j, 1), 32))
                    mstore(at, addmod(mload(at), mulmod(w, calldataload(add(pub, mul(j, 32))), R), R))
                }
                let at := add(sc, 160)
                mstore(at, addmod(mload(at), mulmod(w, mload(add(e, E_Z)), R), R))
                at := add(sc, 192)
                mstore(at, addmod(mload(at), mulmod(w, mload(add(e, E_Y)), R), R))
            }
            mstore(add(scr, B_WALPHA), mload(add(scr, B_SC)))
        }
    }

    /// Σ_j s_j·IC_j of the batch key into scr + B_IC.
    function _icTerms(uint256 vk, uint256 scr) internal view returns (bool ok) {
        assembly ("memory-safe") {
            ok := 1
            for { let j := 0 } lt(j, add(N_BATCH_PUBLIC, 1)) { j := add(j, 1) } {
                mcopy(scr, add(vk, mul(add(14, mul(2, j)), 32)), 64)
                mstore(add(scr, 64), mload(add(add(scr, B_SC), mul(j, 32))))
                ok := and(ok, staticcall(ECMUL_GAS, 7, scr, 96, add(scr, 64), 64))
                mcopy(scr, add(scr, B_IC), 64)
                ok := and(ok, staticcall(ECADD_GAS, 6, scr, 128, add(scr, B_IC), 64))
            }
        }
    }

    /// Appends the cross-rollup proof's terms (weight `wc`), merged with the batch key's where the keys share α, β
    /// or γ.
    function _addCross(Sub memory x, bool ok, uint256 p, uint256 wc, uint256 scr) internal view returns (bool, uint256) {
        uint256 vk = x.vk;
        uint256 cv = vk + 32 * CROSS_VK;
        uint256 cross = x.cross;
        uint256 roots = x.roots; // the K new roots by chain: the cross inputs (cross_proof's well-formedness)
        uint256 k = x.k;
        bool good;
        assembly ("memory-safe") {
            good := 1
            // (−w_c·A, B)
            calldatacopy(scr, cross, 64)
            mstore(add(scr, 64), wc)
            good := and(good, staticcall(ECMUL_GAS, 7, scr, 96, p, 64))
            let y := mload(add(p, 32))
            if y { mstore(add(p, 32), sub(Q, y)) }
            calldatacopy(add(p, 64), add(cross, 64), 128)
            for { let t := 64 } lt(t, 192) { t := add(t, 32) } { good := and(good, lt(calldataload(add(cross, t)), Q)) }
            p := add(p, 192)
            // (w_c·C, δ_cross)
            calldatacopy(scr, add(cross, 192), 64)
            mstore(add(scr, 64), wc)
            good := and(good, staticcall(ECMUL_GAS, 7, scr, 96, p, 64))
            mcopy(add(p, 64), add(cv, 320), 128)
            p := add(p, 192)
            // w_c·(IC_0 + Σ_j root_j·IC_{j+1}) of the cross key into scr + B_ICC
            let icc := add(scr, B_ICC)
            for { let j := 0 } lt(j, add(k, 1)) { j := add(j, 1) } {
                mcopy(scr, add(cv, mul(add(14, mul(2, j)), 32)), 64)
                let sj := wc
                if j { sj := mulmod(wc, mload(add(roots, mul(j, 32))), R) }
                mstore(add(scr, 64), sj)
                good := and(good, staticcall(ECMUL_GAS, 7, scr, 96, add(scr, 64), 64))
                mcopy(scr, icc, 64)
                good := and(good, staticcall(ECADD_GAS, 6, scr, 128, icc, 64))
            }
            // the same γ: both keys' input terms in one pair; the same α, β: both α terms in one pair
            switch eq(keccak256(add(vk, 192), 128), keccak256(add(cv, 192), 128))
            case 1 {
                mcopy(scr, add(scr, B_IC), 64)
                mcopy(add(scr, 64), icc, 64)
                good := and(good, staticcall(ECADD_GAS, 6, scr, 128, add(scr, B_IC), 64))
            }
            default {
                mcopy(p, icc, 64)
                mcopy(add(p, 64), add(cv, 192), 128)
                p := add(p, 192)
            }
            switch eq(keccak256(vk, 192), keccak256(cv, 192))
            case 1 {
                let at := add(scr, B_WALPHA)
                mstore(at, addmod(mload(at), wc, R))
            }
            default {
                mcopy(scr, cv, 64)
                mstore(add(scr, 64), wc)
                good := and(good, staticcall(ECMUL_GAS, 7, scr, 96, p, 64))
                mcopy(add(p, 64), add(cv, 64), 128)
                p := add(p, 192)
            }
        }
        return (ok && good, p);
    }

    /// Writes the pair (the G1 point at memory `g1`, the G2 point at memory `g2`) at `p`; returns the next pair.
    function _pair(uint256 p, uint256 g1, uint256 g2) internal pure returns (uint256) {
        assembly ("memory-safe") {
            mcopy(p, g1, 64)
            mcopy(add(p, 64), g2, 128)
        }
        return p + 192;
    }

    /// w_i ∈ [1, 2^128): the high half of keccak256(seed, i), odd.
    function _weight(uint256 seed, uint256 i, uint256 scr) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            mstore(scr, seed)
            mstore(add(scr, 32), i)
            w := or(shr(128, keccak256(scr, 64)), 1)
        }
    }

    function _word(uint256 vk, uint256 i) internal pure returns (uint256 v) {
        assembly {
            v := mload(add(vk, mul(i, 32)))
        }
    }

    /// s·(x, y) into memory `dst` (ecMul, given exactly its price); false for an invalid point.
    function _mulTo(uint256 dst, uint256 px, uint256 py, uint256 s, uint256 scr) internal view returns (bool r) {
        assembly ("memory-safe") {
            mstore(scr, px)
            mstore(add(scr, 32), py)
            mstore(add(scr, 64), s)
            r := staticcall(ECMUL_GAS, 7, scr, 96, dst, 64)
        }
    }

    /// The six public inputs of entry `i` in memory: the four sent, then eval_point and eval_value as the L1
    /// computed them (equal to the sent ones if sent: batch_commitment passed).
    function _batchInputs(Sub memory x, uint256 i) internal pure returns (uint256 inputs) {
        uint256 pub = _e(x, i, E_PUB);
        uint256 z = _e(x, i, E_Z);
        uint256 y = _e(x, i, E_Y);
        assembly ("memory-safe") {
            inputs := mload(0x40)
            mstore(0x40, add(inputs, 192))
            calldatacopy(inputs, pub, 128)
            mstore(add(inputs, 128), z)
            mstore(add(inputs, 160), y)
        }
    }

    /// One proof under the key at word `base` with `nPub` inputs at memory `pub` (the fallback that names it).
    function _verifyOne(uint256 vk, uint256 base, uint256 proof, uint256 pub, uint256 nPub)
        internal
        view
        returns (bool ok)
    {
        assembly ("memory-safe") {
            let scr := mload(0x40)
            let ic := add(scr, 128)
            let pairs := add(ic, 64)
            let kv := add(vk, mul(base, 32))
            // (−A, B)
            let ax := calldataload(proof)
            let ay := calldataload(add(proof, 32))
            ok := and(lt(ax, Q), lt(ay, Q))
            mstore(pairs, ax)
            mstore(add(pairs, 32), mod(sub(Q, ay), Q))
            calldatacopy(add(pairs, 64), add(proof, 64), 128)
            for { let t := 64 } lt(t, 256) { t := add(t, 32) } { ok := and(ok, lt(calldataload(add(proof, t)), Q)) }
            // (IC_0 + Σ x_j·IC_j, γ)
            mcopy(ic, add(kv, 448), 64)
            for { let j := 0 } lt(j, nPub) { j := add(j, 1) } {
                let pt := add(kv, mul(add(16, mul(2, j)), 32))
                mstore(scr, mload(pt))
                mstore(add(scr, 32), mload(add(pt, 32)))
                mstore(add(scr, 64), mload(add(pub, mul(j, 32))))
                ok := and(ok, staticcall(ECMUL_GAS, 7, scr, 96, add(scr, 64), 64))
                mcopy(scr, ic, 64)
                ok := and(ok, staticcall(ECADD_GAS, 6, scr, 128, ic, 64))
            }
            mcopy(add(pairs, 192), ic, 64)
            mcopy(add(pairs, 256), add(kv, 192), 128)
            // (C, δ)
            calldatacopy(add(pairs, 384), add(proof, 192), 64)
            mcopy(add(pairs, 448), add(kv, 320), 128)
            // (α, β)
            mcopy(add(pairs, 576), kv, 192)
            if ok {
                let success := staticcall(181000, 8, pairs, 768, scr, 32)
                ok := and(success, eq(mload(scr), 1))
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // bridge openings
    // ------------------------------------------------------------------------------------------------------------

    /// Each entry's bridge words (accounts_root and the 2^S slot values, all < r) hash to its new state root.
    /// The entries before the first malformed one are hashed in one call of the Poseidon contract.
    function _checkOpenings(Sub memory x) internal view {
        uint256 depth = _slotDepth(x.k);
        uint256 want = 1 + (1 << depth);
        uint256 n = x.n;
        uint256 good = n; // entries before the first malformed one
        for (uint256 i = 0; i < n && good == n; i++) {
            uint256 off = _e(x, i, E_BRIDGE);
            bool ok = _e(x, i, E_NBRIDGE) == want;
            assembly {
                for { let j := 0 } lt(j, want) { j := add(j, 1) } { ok := and(ok, lt(calldataload(add(off, mul(j, 32))), R)) }
            }
            if (!ok) good = i;
        }
        if (good > 0) {
            uint256 len = 32 * want;
            bytes memory input = new bytes(32 + len * good);
            assembly ("memory-safe") {
                mstore(add(input, 32), depth)
            }
            for (uint256 i = 0; i < good; i++) {
                uint256 src = _e(x, i, E_BRIDGE);
                assembly ("memory-safe") {
                    calldatacopy(add(add(input, 64), mul(i, len)), src, len)
                }
            }
            (bool ok, bytes memory roots) = poseidon.staticcall(input);
            if (!ok || roots.length != 32 * good) revert BridgeOpening(NO_CHAIN);
            for (uint256 i = 0; i < good; i++) {
                uint256 root;
                assembly ("memory-safe") {
                    root := mload(add(roots, mul(add(i, 1), 32)))
                }
                if (root != _cd(_e(x, i, E_PUB) + 64)) revert BridgeOpening(_e(x, i, E_CHAIN));
            }
        }
        if (good < n) revert BridgeOpening(_e(x, good, E_CHAIN));
    }

    /// ceil(log2(2K)): the depth of the bridge slot tree (zksvs/rollup_state.py).
    function _slotDepth(uint256 k) internal pure returns (uint256 d) {
        while ((1 << d) < 2 * k) d++;
    }

    /// For every ordered pair i ≠ j in chain order: burn root i→j (slot 2j of rollup i) == mint root i→j (slot
    /// 2i+1 of rollup j).
    function _checkBurnMint(Sub memory x) internal pure {
        uint256 k = x.k;
        uint256[] memory at = new uint256[](k); // slot values' calldata offset, by chain id
        for (uint256 i = 0; i < x.n; i++) {
            at[_e(x, i, E_CHAIN)] = _e(x, i, E_BRIDGE) + 32; // after accounts_root
        }
        for (uint256 i = 0; i < k; i++) {
            for (uint256 j = 0; j < k; j++) {
                if (i != j && _cd(at[i] + 64 * j) != _cd(at[j] + 32 * (2 * i + 1))) revert BurnMintEquality(i, j);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // forced inclusion (verifier/forced_queue.py; docs/protocol.md "Forced inclusion")
    // ------------------------------------------------------------------------------------------------------------

    /// Word 0's forced byte (27) and reason byte (28) (zksvs/statement.py SLOT_WORD_LAYOUT).
    uint256 internal constant FORCED_SHIFT = 216;
    uint256 internal constant REASON_MASK = 0xff << 224;
    /// Words of a queue entry: the 8 slot words of its forced slot.
    uint256 internal constant ENTRY_WORDS = SLOT_WORDS;

    /// @notice Queue the signed transfer `t` with signature `sig` for rollup `chainId` at the current shared batch.
    /// @param t    the signed fields (zksvs.tx_message.TxFields): chain, kind, program, from, to, to_chain,
    ///             amount, nonce, payload, to_pubkey x, to_pubkey y
    /// @param sig  R8.x, R8.y, S (well formed is checked here; valid or not is the batch's business: it may reject
    ///             the transaction as bad_signature)
    /// @return index the entry's index in the rollup's queue
    /// @dev Refuses as verifier/forced_queue.py `ForcedQueue.enqueue`, with its check names: `Rollup` (no such
    ///      rollup), `Transaction` (another rollup's, not a transfer — only transfers are queued —, a named key
    ///      that cannot sign, a field outside its range), `Signature` (R8 not on Baby Jubjub, S ≥ l).
    function enqueue(uint256 chainId, uint256[11] calldata t, uint256[3] calldata sig)
        external
        returns (uint256 index)
    {
        if (chainId >= nRollups) revert Rollup(chainId);
        if (!_queueableTransfer(chainId, t)) revert Transaction(chainId);
        if (sig[0] >= R || sig[1] >= R || !BabyJubjub.isOnCurve(sig[0], sig[1]) || sig[2] >= BabyJubjub.SUBORDER) {
            revert Signature(chainId);
        }
        bytes32 h = _entryHash(t, sig);
        Queue storage q = queues[chainId];
        index = q.length;
        uint64 batch = batchNumber;
        queueEntries[chainId][index] = Entry(h, batch);
        q.length = uint64(index + 1);
        pendingQueues |= uint8(1 << chainId);
        emit Enqueued(chainId, index, batch, h);
    }

    /// The model's transaction rules (ForcedQueue._check_tx) for a transfer on rollup `c`: its own chain, kind
    /// TRANSFER (1) with no program, a named key (0, 0) or usable, accounts < 2^D, amount and nonce u64, payload and
    /// key < r, to_chain = c and payload 0.
    function _queueableTransfer(uint256 c, uint256[11] calldata t) internal view returns (bool) {
        uint256 n = uint256(1) << accountDepth;
        if (t[0] != c || t[1] != 1 || t[2] != 0) return false;
        if (t[3] >= n || t[4] >= n || t[5] != c || t[6] > U64_MAX || t[7] > U64_MAX || t[8] != 0) return false;
        if (t[9] >= R || t[10] >= R) return false;
        return (t[9] == 0 && t[10] == 0) || BabyJubjub.isUsableKey(t[9], t[10]);
    }

    /// keccak256 of the 8 words the forced slot of transfer `t` carries, reason byte 0 (zksvs.statement.pack_slot
    /// of a forced TRANSFER: word 0 = kind bit 1 | from << 24 | to << 56 | amount << 88 | nonce << 152 | 1 << 216;
    /// word 1 = 0; payload; to_pubkey x, y; R8.x, R8.y, S).
    function _entryHash(uint256[11] calldata t, uint256[3] calldata sig) internal pure returns (bytes32 h) {
        uint256 w0 = 1 | (t[3] << 24) | (t[4] << 56) | (t[6] << 88) | (t[7] << 152) | (uint256(1) << FORCED_SHIFT);
        h = keccak256(abi.encode(w0, uint256(0), t[8], t[9], t[10], sig[0], sig[1], sig[2]));
    }

    /// Memory pointer of entry `i`'s decoded slot words (E_WORDS, written by batch_data: slot t at + 32·SLOT_WORDS·t)
    /// and its number of slots. The one place the forced-inclusion check learns where slot words are (with
    /// `_checkBatchData`, which ORs the word 0s it decodes, so that a batch with nothing queued and nothing forced
    /// skips this check).
    function _slots(Sub memory x, uint256 i) internal pure returns (uint256 words, uint256 nSlots) {
        return (_e(x, i, E_WORDS), _e(x, i, E_NSLOTS));
    }

    uint256 internal constant SLOT_STRIDE = 256; // 32·SLOT_WORDS bytes (inline assembly takes only literal constants)

    /// True when one of the `nSlots` slots at memory `words` has its forced byte set.
    function _anyForcedIn(uint256 words, uint256 nSlots) internal pure returns (bool any) {
        assembly {
            let acc := 0
            for { let end := add(words, mul(nSlots, SLOT_STRIDE)) } lt(words, end) { words := add(words, SLOT_STRIDE) } {
                acc := or(acc, mload(words))
            }
            any := iszero(iszero(and(shr(FORCED_SHIFT, acc), 0xff)))
        }
    }

    function _mload(uint256 at) internal pure returns (uint256 v) {
        assembly {
            v := mload(at)
        }
    }

    /// forced_inclusion, per entry in submission order (the model's order): the slots whose forced byte is set are
    /// entries head, head+1, … of the rollup's queue (each slot's 8 words, reason byte masked, hash to the stored
    /// entry hash), and the first entry left unprocessed is not overdue (enqueued at e, overdue at batch n when
    /// e + T ≤ n). A rollup with nothing pending (bit c of `pending` clear) must have no forced slot. Called only
    /// when a queue has pending entries or a slot is forced (settle); returns the new heads by chain.
    function _checkForcedInclusion(Sub memory x, uint256 pending, uint256 batch)
        internal
        view
        returns (uint256[] memory heads)
    {
        uint256 n = x.n;
        heads = new uint256[](x.k);
        for (uint256 i = 0; i < n; i++) {
            uint256 c = _e(x, i, E_CHAIN);
            (uint256 words, uint256 nSlots) = _slots(x, i);
            if ((pending >> c) & 1 == 0) {
                if (_anyForcedIn(words, nSlots)) revert ForcedInclusion(c);
                continue;
            }
            Queue memory q = queues[c];
            uint256 h = q.head;
            for (uint256 end = words + nSlots * SLOT_STRIDE; words < end; words += SLOT_STRIDE) {
                if ((_mload(words) >> FORCED_SHIFT) & 0xff == 0) continue;
                if (h >= q.length || _forcedSlotHash(words) != queueEntries[c][h].hash) revert ForcedInclusion(c);
                h++;
            }
            if (h < q.length && uint256(queueEntries[c][h].enqueuedAt) + forcedDeadline <= batch) {
                revert ForcedInclusion(c);
            }
            heads[c] = h;
        }
    }

    /// keccak256 of the forced slot's 8 words at memory `slot`, word 0's reason byte zeroed (the words themselves
    /// are left as they are: batch_commitment hashes them next).
    function _forcedSlotHash(uint256 slot) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let w0 := mload(slot)
            mstore(slot, and(w0, not(REASON_MASK)))
            h := keccak256(slot, mul(ENTRY_WORDS, 32))
            mstore(slot, w0)
        }
    }

    /// After an accepted shared batch: the new heads of the rollups with pending entries, and their pending bits.
    function _advanceQueues(uint256[] memory heads, uint256 pending) internal {
        uint256 stillPending = pending;
        for (uint256 c = 0; c < heads.length; c++) {
            if ((pending >> c) & 1 == 0) continue;
            Queue storage q = queues[c];
            uint256 h = heads[c];
            if (h != q.head) q.head = uint64(h);
            if (h == q.length) stillPending &= ~(uint256(1) << c);
        }
        if (stillPending != pending) pendingQueues = uint8(stillPending);
    }
}

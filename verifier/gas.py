"""L1 gas model: EIP-1108 precompile prices, EIP-2028 calldata and each contract's own overhead, calibrated on a real
EVM (``shared/anchors/evm_gas.md``: @ethereumjs/vm 10.1.3, solc 0.8.37, snarkjs 0.7.6's ``Groth16Verifier``,
circomlibjs 0.1.7's Poseidon contract).

Every figure is a ``GasReport``: ``precompile`` (ecAdd 150, ecMul 6,000, pairing 45,000 + 34,000·k; EIP-1108),
``overhead`` (the rest of the execution: STATICCALLs, memory, field checks, Poseidon arithmetic) and ``calldata``
(EIP-2028); ``execution = precompile + overhead`` and ``tx_total = 21,000 + calldata + execution``.

Calibration (what is measured and what is modelled):
- snarkjs verifier, ℓ public inputs: precompiles 45,000 + 4·34,000 + ℓ·(6,000 + 150) are exact; the measured rest is
  1,327 + 495.6·ℓ (anchor fit, residual < 60 gas). Calldata is 4 + 32·(8 + ℓ) bytes, priced as all non-zero when the
  bytes are unknown (an upper bound: random field elements have a zero byte now and then, the anchor's ℓ = 1
  transaction paid 12 gas less); pass the actual calldata for the exact figure.
- Poseidon (circomlibjs contract), t = n + 1, R = 8 + P_t rounds (P_t: circomlib's partial rounds): gas ≈
  92.9·(8·t + P_t) [S-boxes] + 34.3·R·t² [MDS products] + 7.2·R·t [round constants]; least-squares fit of those
  three counts to the six measured arities (max residual 0.04 %), so it extends to t ≤ 17 by the same structure.
- Merkle opening of depth M (Poseidon(2) per level): 3,047 + 29,800.6·M execution, 512 calldata per sibling; a
  bridge opening adds its value and slot words to the calldata.
- Storage (not measured; EIP-2929/3529 prices): each stored root and the batch counter are read cold and rewritten,
  5,000 gas each.
- Batched Groth16 (not measured: no batched Solidity verifier was run): precompiles counted exactly for the
  product in ``verifier.groth16`` as a contract must do it (α/β as a pairing pair: the EVM has no GT power); the
  per-proof overhead is the single verifier's; weight derivation is priced from opcode costs (KECCAK256 30 + 6 per
  word, CALLDATACOPY 3 per word, MULMOD/ADDMOD 8 each plus stack work).

References
----------
EIP-1108 (alt_bn128 repricing), EIP-2028 (calldata), EIP-196/197; ``shared/anchors/evm_gas.md``; circomlib 2.0.5
``poseidon_constants`` partial-round counts (via ``zksvs.poseidon.N_ROUNDS_P``).
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.evm import CALLDATA_NONZERO_BYTE_GAS, CALLDATA_ZERO_BYTE_GAS, WORD_BYTES, calldata_gas
from zksvs.poseidon import N_ROUNDS_F, N_ROUNDS_P

__all__ = [
    "ECADD_GAS",
    "ECMUL_GAS",
    "PAIRING_BASE_GAS",
    "PAIRING_PER_PAIR_GAS",
    "TX_BASE_GAS",
    "GasReport",
    "batched_verify_gas",
    "bridge_opening_gas",
    "groth16_verify_gas",
    "merkle_opening_gas",
    "pairing_gas",
    "poseidon_gas",
    "storage_update_gas",
]

# EIP-1108 (Istanbul) precompile prices, gas.
ECADD_GAS = 150
ECMUL_GAS = 6_000
PAIRING_BASE_GAS = 45_000
PAIRING_PER_PAIR_GAS = 34_000
#: Intrinsic gas of a transaction.
TX_BASE_GAS = 21_000
# EIP-2929 / EIP-3529 storage prices (Berlin, London): a cold SLOAD, then an SSTORE that changes a non-zero slot
# to another non-zero value (the slot is warm after the SLOAD).
COLD_SLOAD_GAS = 2_100
SSTORE_RESET_GAS = 2_900

# snarkjs verifier execution outside the precompiles: 1,327 + 495.6·ℓ (anchor fit).
_SNARKJS_OVERHEAD_BASE = 1_327
_SNARKJS_OVERHEAD_PER_INPUT = 495.6
# Poseidon contract gas per S-box, per MDS product term (R·t²), per round-constant addition (R·t); anchor fit.
_POSEIDON_PER_SBOX = 92.9
_POSEIDON_PER_MDS_TERM = 34.3
_POSEIDON_PER_ROUND_CONSTANT = 7.2
# Merkle opening (Poseidon(2) per level): 3,047 + 29,800.6·M execution.
_MERKLE_BASE = 3_047
_MERKLE_PER_LEVEL = 29_800.6
# Batch weight derivation, from opcode prices (not measured).
_KECCAK_BASE, _KECCAK_PER_WORD, _COPY_PER_WORD = 30, 6, 3
_MULMOD_ADDMOD_WITH_STACK = 30
# An ABI dynamic array head (offset word + length word): all zero bytes but about two.
_DYNAMIC_ARRAY_HEAD_GAS = 2 * CALLDATA_NONZERO_BYTE_GAS + 62 * 4
_SELECTOR_BYTES = 4


@dataclass(frozen=True)
class GasReport:
    """Gas of one L1 operation, split by where it goes (gas units).

    Attributes
    ----------
    precompile : int
        EIP-1108 ecAdd / ecMul / pairing precompile gas.
    overhead : int
        The rest of the execution: the contract's own code (all of it for Poseidon and Merkle openings).
    calldata : int
        EIP-2028 calldata gas.
    """

    precompile: int
    overhead: int
    calldata: int

    @property
    def execution(self) -> int:
        """Execution gas: precompiles plus overhead."""
        return self.precompile + self.overhead

    @property
    def tx_total(self) -> int:
        """Gas of a transaction doing just this: 21,000 + calldata + execution."""
        return TX_BASE_GAS + self.calldata + self.execution

    def __add__(self, other: GasReport) -> GasReport:
        """Both operations in one transaction (the 21,000 is paid once by ``tx_total``)."""
        return GasReport(
            self.precompile + other.precompile, self.overhead + other.overhead, self.calldata + other.calldata
        )

    def scaled(self, n: int) -> GasReport:
        """``n`` copies of this operation in one transaction."""
        return GasReport(n * self.precompile, n * self.overhead, n * self.calldata)

    def to_json(self) -> dict[str, int]:
        """Plain dict for ``settlement.json`` and tables."""
        return {
            "precompile": self.precompile,
            "overhead": self.overhead,
            "execution": self.execution,
            "calldata": self.calldata,
            "tx_total": self.tx_total,
        }


ZERO_GAS = GasReport(0, 0, 0)


def pairing_gas(n_pairs: int) -> int:
    """EIP-1108 pairing-check gas for ``n_pairs`` pairs: 45,000 + 34,000·k."""
    return PAIRING_BASE_GAS + PAIRING_PER_PAIR_GAS * n_pairs


def _check_count(name: str, v: int, minimum: int) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise ValueError(f"Argument '{name}' must be an int ≥ {minimum}, not {v!r}")


def _full_width_calldata_gas(n_bytes: int) -> int:
    """Calldata gas of ``n_bytes`` unknown full-width bytes, priced as non-zero (upper bound)."""
    return CALLDATA_NONZERO_BYTE_GAS * n_bytes


def groth16_verify_gas(n_public: int, calldata: bytes | None = None) -> GasReport:
    """Gas of one ``verifyProof`` call on snarkjs's exported Groth16 verifier with ``n_public`` inputs.

    Parameters
    ----------
    n_public : int
        ℓ ≥ 1, full-width field elements.
    calldata : bytes, optional
        The actual calldata (``verifier.evm.verifier_calldata``) for its exact EIP-2028 price; default: the
        4 + 32·(8 + ℓ) bytes priced as non-zero.

    Returns
    -------
    GasReport
        precompile = 45,000 + 4·34,000 + ℓ·(6,000 + 150); overhead = 1,327 + 495.6·ℓ (rounded).
    """
    _check_count("n_public", n_public, 1)
    precompile = pairing_gas(4) + n_public * (ECMUL_GAS + ECADD_GAS)
    overhead = round(_SNARKJS_OVERHEAD_BASE + _SNARKJS_OVERHEAD_PER_INPUT * n_public)
    if calldata is None:
        cd = _full_width_calldata_gas(_SELECTOR_BYTES + WORD_BYTES * (8 + n_public))
    else:
        cd = calldata_gas(calldata)
    return GasReport(precompile, overhead, cd)


def batched_verify_gas(n_proofs: int, n_public_each: int, *, n_keys: int = 1, n_gamma_points: int = 1) -> GasReport:
    """Gas a Solidity batch verifier would spend on K proofs with one pairing check (DESIGN.md §7; modelled).

    The product of ``verifier.groth16.verify_proofs_batched`` with α/β as pairing pairs (the EVM has no GT power):
    K + 2·n_keys + n_gamma_points pairs (B_i; β_k and δ_k per key; one per distinct γ, since the IC sums of keys
    sharing γ add up in G1 — snarkjs keys all use the G2 generator as γ), ecMul 2K + n_keys·(ℓ + 2) (w_i·A_i,
    w_i·C_i; per key W_k·α_k and the ℓ + 1 aggregated IC terms), ecAdd (K − n_keys) + n_keys·ℓ +
    (n_keys − n_gamma_points).

    What it shows (ℓ = 4): with one key (DESIGN's K + 3 pairs) each proof past the first costs one pair, two ecMul
    and an ecAdd (~47,000) instead of a whole verification (~209,000); with one key per rollup a proof saves the
    45,000 pairing base and its γ pair (79,000 in all) but pays four more ecMul (24,000), so K = 4 costs ~17 % less
    than 4 single calls; with distinct γ as well it saves only the base, which breaks even near K = 3.

    Parameters
    ----------
    n_proofs : int
        K ≥ 1.
    n_public_each : int
        ℓ ≥ 1 per proof.
    n_keys : int
        Distinct verifying keys among the K proofs, 1 ≤ n_keys ≤ K (K when every rollup has its own key).
    n_gamma_points : int
        Distinct γ points among those keys, 1 ≤ n_gamma_points ≤ n_keys (1 for snarkjs keys).

    Returns
    -------
    GasReport
        overhead = K·(1,327 + 495.6·ℓ) + weight derivation (Keccak over the calldata, one Keccak and ℓ + 1
        MULMOD/ADDMOD pairs per proof); calldata = selector + dynamic-array head + K·(8 + ℓ) full-width words.
    """
    _check_count("n_proofs", n_proofs, 1)
    _check_count("n_public_each", n_public_each, 1)
    _check_count("n_keys", n_keys, 1)
    _check_count("n_gamma_points", n_gamma_points, 1)
    if n_keys > n_proofs:
        raise ValueError(f"Argument 'n_keys' must be at most n_proofs ({n_proofs}), not {n_keys}")
    if n_gamma_points > n_keys:
        raise ValueError(f"Argument 'n_gamma_points' must be at most n_keys ({n_keys}), not {n_gamma_points}")
    k, ell = n_proofs, n_public_each
    n_pairs = k + 2 * n_keys + n_gamma_points
    n_ecmul = 2 * k + n_keys * (ell + 2)
    n_ecadd = (k - n_keys) + n_keys * ell + (n_keys - n_gamma_points)
    precompile = pairing_gas(n_pairs) + n_ecmul * ECMUL_GAS + n_ecadd * ECADD_GAS
    words = k * (8 + ell)
    weights = (
        _KECCAK_BASE
        + (_KECCAK_PER_WORD + _COPY_PER_WORD) * words
        + k * (_KECCAK_BASE + 2 * _KECCAK_PER_WORD)
        + k * (ell + 1) * _MULMOD_ADDMOD_WITH_STACK
    )
    overhead = round(k * (_SNARKJS_OVERHEAD_BASE + _SNARKJS_OVERHEAD_PER_INPUT * ell) + weights)
    cd = _full_width_calldata_gas(_SELECTOR_BYTES + WORD_BYTES * words) + _DYNAMIC_ARRAY_HEAD_GAS
    return GasReport(precompile, overhead, cd)


def poseidon_gas(n_inputs: int) -> int:
    """Execution gas of one Poseidon hash of ``n_inputs`` inputs on circomlibjs's Poseidon contract (model above).

    Raises
    ------
    ValueError
        ``n_inputs`` outside [1, 16] (circomlib's widths t = 2..17).
    """
    if not isinstance(n_inputs, int) or not 1 <= n_inputs <= len(N_ROUNDS_P):
        raise ValueError(f"Argument 'n_inputs' must be an int in [1, {len(N_ROUNDS_P)}], not {n_inputs!r}")
    t = n_inputs + 1
    partial = N_ROUNDS_P[t - 2]
    rounds = N_ROUNDS_F + partial
    return round(
        _POSEIDON_PER_SBOX * (N_ROUNDS_F * t + partial)
        + _POSEIDON_PER_MDS_TERM * rounds * t * t
        + _POSEIDON_PER_ROUND_CONSTANT * rounds * t
    )


def storage_update_gas(n_slots: int) -> GasReport:
    """Gas of reading and rewriting ``n_slots`` non-zero storage words once each: (2,100 + 2,900)·n.

    The settlement contract reads each stored state root (to compare the old root) and the batch counter, then
    writes them back changed: 5,000·(K + 1) per shared batch (EIP-2929 cold SLOAD, EIP-3529 SSTORE reset price).
    """
    _check_count("n_slots", n_slots, 0)
    return GasReport(precompile=0, overhead=n_slots * (COLD_SLOAD_GAS + SSTORE_RESET_GAS), calldata=0)


def bridge_opening_gas(slot_tree_depth: int) -> GasReport:
    """Gas of checking one bridge opening (``zksvs.rollup_state.BridgeOpening``) against a state root.

    S = ``slot_tree_depth`` Poseidon(2) levels of the slot tree plus the state-root hash Poseidon(accounts_root,
    bridge_root): a depth S + 1 Merkle opening whose last sibling is the accounts root, and in calldata also the
    opened value (a full-width word) and the slot index (one non-zero byte in a word: 31·4 + 16).
    """
    _check_count("slot_tree_depth", slot_tree_depth, 1)
    path = merkle_opening_gas(slot_tree_depth + 1)
    slot_word = 31 * CALLDATA_ZERO_BYTE_GAS + CALLDATA_NONZERO_BYTE_GAS
    return path + GasReport(0, 0, _full_width_calldata_gas(WORD_BYTES) + slot_word)


def merkle_opening_gas(depth: int) -> GasReport:
    """Gas of checking one depth-M Poseidon(2) Merkle opening in Solidity: 3,047 + 29,800.6·M execution,
    512 calldata per 32-byte sibling (no precompiles)."""
    _check_count("depth", depth, 0)
    return GasReport(
        precompile=0,
        overhead=round(_MERKLE_BASE + _MERKLE_PER_LEVEL * depth),
        calldata=_full_width_calldata_gas(WORD_BYTES * depth),
    )


# --- SharedSettlement.sol: one shared batch in one transaction ---------------------------------------------------

# SharedSettlement.settle's execution outside precompiles and storage, least-squares fit (``python -m bench.evm_gas
# --fit``) on 42 honest settlements measured on the EVM (K = 2…8 at B = 4, B = 1…64 at K = 4, each root check; protocol
# v2's eight-word slots in the sparse encoding, the forced-inclusion queue empty): parsing, the checks, the one-pass
# decoding and evaluation (per slot), the precompile calls' set-up; with openings, the Poseidon contract (per slot-tree
# leaf: one Poseidon(2) each, ~15,200 gas); with the cross proof, its terms. The negative openings base offsets the
# per-leaf slope over the padded leaves of K = 3. Base and per-rollup are the fit's less the storage and log (which
# ``settle_gas`` adds exactly: 14,237 + 256·K); max residual 1.0 % of the transaction (K = 2, openings).
_SETTLE_BASE = 10348.6
_SETTLE_PER_ROLLUP = 5054.4
_SETTLE_PER_SLOT = 724.5
_SETTLE_OPENINGS_BASE = -11073.4
_SETTLE_OPENINGS_PER_ROLLUP = 7461.9
_SETTLE_OPENINGS_PER_LEAF = 15193.4
_SETTLE_CROSS_BASE = 3165.1
_SETTLE_CROSS_PER_ROLLUP = 467.1
# EIP-2929 cold account access (the verifying-key contract), LOG2 with K + 2 data words (EIP-1108-era log prices).
_COLD_ACCOUNT_GAS = 2_600
_LOG_BASE_GAS, _LOG_TOPIC_GAS, _LOG_BYTE_GAS = 375, 375, 8
ROOT_CHECK_MODES = ("openings", "proof", "both")


@dataclass(frozen=True)
class SettlementGas:
    """What settling one shared batch costs on L1 per root check, one transaction of ``SharedSettlement.settle``.

    Attributes
    ----------
    n_rollups, capacity : int
        K rollups, B slots per batch.
    modes : dict[str, GasReport]
        Root check → the whole shared batch: EIP-1108 precompiles (counted exactly), overhead (storage, Poseidon
        hashing and the contract's code, calibrated on the EVM) and EIP-2028 calldata (exact when the submission
        was given).
    """

    n_rollups: int
    capacity: int
    modes: dict[str, GasReport]

    def shared_batch(self, root_check: str) -> GasReport:
        """The whole shared batch in one L1 transaction."""
        return self.modes[root_check]

    def per_rollup(self, root_check: str) -> GasReport:
        """One rollup's share: the shared batch divided by K (rounded down)."""
        g, k = self.modes[root_check], max(self.n_rollups, 1)
        return GasReport(g.precompile // k, g.overhead // k, g.calldata // k)

    def to_json(self) -> dict:
        """Per root check: gas per rollup and per shared batch (``tx_total`` and its parts)."""
        return {
            mode: {"per_rollup": self.per_rollup(mode).to_json(), "shared_batch": self.shared_batch(mode).to_json()}
            for mode in self.modes
        }


def settle_precompile_counts(
    n_rollups: int, root_check: str, *, shared_alpha_beta: bool = True, shared_gamma: bool = True
) -> tuple[int, int, int]:
    """(pairs, ecMul, ecAdd) of one honest ``settle``: the batched check of SharedSettlement.sol.

    K batch proofs under one key: K proof pairs (−w_i·A_i, B_i), (Σ w_i·C_i, δ), (Σ_j s_j·IC_j, γ), (W·α, β);
    w_0 = 1 saves the ecMul of A_0 and C_0: ecMul 2(K − 1) + 7 (IC_0..IC_6) + 1 (α), ecAdd K + 7. The cross proof
    (root checks ``proof``/``both``) adds its pair, (w_c·C, δ_cross), its K + 1 input terms (ecMul and ecAdd each),
    and a pair for γ_cross unless γ is shared (then one more ecAdd merges the input sums) and a pair and an ecMul
    for α_cross unless α, β are shared.
    """
    k = n_rollups
    pairs, ecmul, ecadd = k + 3, 2 * (k - 1) + 8, k + 7
    if root_check in ("proof", "both"):
        pairs += 2 + (0 if shared_gamma else 1) + (0 if shared_alpha_beta else 1)
        ecmul += 2 + (k + 1) + (0 if shared_alpha_beta else 1)
        ecadd += (k + 1) + (1 if shared_gamma else 0)
    return pairs, ecmul, ecadd


def settle_gas(
    n_rollups: int,
    capacity: int,
    root_check: str,
    *,
    shared_alpha_beta: bool = True,
    shared_gamma: bool = True,
    calldata: int | None = None,
) -> GasReport:
    """Gas of one honest ``SharedSettlement.settle`` transaction for K rollups of B slots (model of the contract).

    Precompiles are counted exactly (``settle_precompile_counts``). Overhead = storage and log, exact (cold SLOAD
    of the header word and of the roots' hash, 2,900 to rewrite each, the key contract's cold access, the LOG2 of
    the K new roots) + the contract's code, fitted on the EVM (module constants ``_SETTLE_*``; with openings, K·2^S
    Poseidon hashes in PoseidonT3.sol, S = ceil(log2(2K))). tests/evm hold it within 2 % of the measured gas.
    Calldata: the exact EIP-2028 price of the transaction's data when given, else an estimate from word counts.
    """
    from zksvs.rollup_state import bridge_slot_depth

    k, b = n_rollups, capacity
    pairs, ecmul, ecadd = settle_precompile_counts(
        k, root_check, shared_alpha_beta=shared_alpha_beta, shared_gamma=shared_gamma
    )
    precompile = pairing_gas(pairs) + ecmul * ECMUL_GAS + ecadd * ECADD_GAS
    storage = (
        2 * (COLD_SLOAD_GAS + SSTORE_RESET_GAS)
        + _COLD_ACCOUNT_GAS
        + _LOG_BASE_GAS
        + 2 * _LOG_TOPIC_GAS
        + _LOG_BYTE_GAS * WORD_BYTES * (k + 2)
    )
    code = _SETTLE_BASE + _SETTLE_PER_ROLLUP * k + _SETTLE_PER_SLOT * k * b
    n_slots = 1 << bridge_slot_depth(k)
    if root_check in ("openings", "both"):
        code += _SETTLE_OPENINGS_BASE + _SETTLE_OPENINGS_PER_ROLLUP * k + _SETTLE_OPENINGS_PER_LEAF * k * n_slots
    if root_check in ("proof", "both"):
        code += _SETTLE_CROSS_BASE + _SETTLE_CROSS_PER_ROLLUP * k
    if calldata is None:
        calldata = _settle_calldata_estimate(k, b, root_check, n_slots)
    return GasReport(precompile, round(storage + code), calldata)


def _settle_calldata_estimate(k: int, b: int, root_check: str, n_slots: int) -> int:
    """Calldata of a typical honest submission: full-width words priced non-zero (per entry the 8 proof words and
    3 public inputs: eval_point and eval_value are the L1's own, the cross inputs are the entries' new roots); per
    slot its sparse head word (word 0, about half zero bytes) and no other word (keys, payloads and message fields
    are the exception)."""
    full = k * (8 + 3) + (8 if root_check != "openings" else 0)
    if root_check != "proof":
        full += k * (1 + n_slots)
    small = 4 + 6 * k + (1 if root_check != "openings" else 0)  # head, counts, chain ids, flags
    slot_bytes = k * b * 32  # the head word of each slot
    return (
        _SELECTOR_BYTES * CALLDATA_NONZERO_BYTE_GAS
        + full * WORD_BYTES * CALLDATA_NONZERO_BYTE_GAS
        + small * (31 * CALLDATA_ZERO_BYTE_GAS + CALLDATA_NONZERO_BYTE_GAS)
        + slot_bytes // 2 * (CALLDATA_ZERO_BYTE_GAS + CALLDATA_NONZERO_BYTE_GAS)
    )


def settlement_gas(
    n_rollups: int,
    capacity: int,
    *,
    shared_alpha_beta: bool = True,
    shared_gamma: bool = True,
    submission: object | None = None,
) -> SettlementGas:
    """``settle_gas`` for every root check; with ``submission`` its exact calldata (encoded per root check: the
    bridge slots only where openings are checked, the cross proof only where it is)."""
    modes = {}
    for mode in ROOT_CHECK_MODES:
        cd = _submission_calldata_gas(submission, mode) if submission is not None else None
        modes[mode] = settle_gas(
            n_rollups, capacity, mode, shared_alpha_beta=shared_alpha_beta, shared_gamma=shared_gamma, calldata=cd
        )
    return SettlementGas(n_rollups, capacity, modes)


def _submission_calldata_gas(submission: object, root_check: str) -> int | None:
    """Exact calldata gas of ``submission`` as settled under ``root_check`` (None if it is no submission)."""
    from dataclasses import replace

    from verifier.evm_calldata import settle_calldata, submission_words
    from verifier.settlement import RollupSubmission, SharedBatchSubmission

    if not isinstance(submission, SharedBatchSubmission) or not isinstance(submission.rollups, list | tuple):
        return None
    sub = submission
    if root_check == "openings":
        sub = replace(sub, cross_proof=None, cross_public_inputs=None)
    if root_check == "proof":
        sub = replace(
            sub, rollups=[replace(r, bridge_slots=None) if isinstance(r, RollupSubmission) else r for r in sub.rollups]
        )
    return calldata_gas(settle_calldata(submission_words(sub)))

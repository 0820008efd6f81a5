"""The L1 on a real EVM: ``SharedSettlement.sol`` deployed on ``verifier.evm_chain.Chain``, driven like the model.

``EvmSettlementContract`` has the interface of ``verifier.settlement.SettlementContract`` (``register``,
``settle``, ``state_root``, ``chain_ids``, ``batch_number``) and returns the same ``SettlementResult``, with the
verdict taken from the EVM: an accepted transaction, or the custom error it reverted with, decoded into the model's
check name and rollup (``EvmVerdict``: gas used, calldata bytes). Nothing here decides a verdict; the encoder only
lays the submission out as the contract reads it (``submission_words``, the layout of the contract's dev comment).

A submission that is not what the checks expect (a wrong type, ``None``, a float, a value ≥ 2^256) is still
encoded, never refused here: such a value becomes the word ``NOT_A_VALUE`` = 2^256 − 1 in its position (or a
count of 0 for a list that is not a list), which the contract rejects at the same check as the model's type checks
(a chain id: ``rollup_set``; a public input: ``public_inputs``; a slot: ``batch_data``; a proof: ``proof``; an
opening: ``bridge_opening``; the cross proof: ``cross_proof``).

Deployment happens on the first ``settle`` (the model registers rollups one by one; the contract registers the
set at once): ``PoseidonT3`` (root checks ``openings``/``both``), the verifying keys as the code of a data contract
(0x00 then the key words, read by the settlement contract with one EXTCODECOPY), ``SharedSettlement`` and its
``register`` transaction. Their gas is in ``deployment_gas``.

References
----------
Solidity ABI specification (``settle(uint256[])``, custom errors: 4-byte selector and ABI-encoded arguments);
EIP-197 (G2 words imaginary part first); ``shared/EVM_NOTES.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verifier.evm import g1_to_evm, g2_to_evm, keccak256
from verifier.evm_chain import Chain
from verifier.evm_poseidon import CONTRACT_FILE as POSEIDON_FILE
from verifier.evm_toolchain import CompiledContract, Say, compile_solidity, contract_source
from zksvs.errors import MalformedSlotData
from zksvs.field import FQ_MODULUS
from zksvs.groth16 import Proof, VerifyingKey
from zksvs.statement import N_BATCH_PUBLIC, pack_slot

__all__ = [
    "NOT_A_VALUE",
    "ROOT_CHECK_CODES",
    "EvmSettlementContract",
    "EvmVerdict",
    "compile_settlement",
    "key_data_initcode",
    "settle_calldata",
    "submission_words",
    "verifying_key_words",
]

#: The word that stands for "not a value of this kind" in a submission (contract constant NOT_A_VALUE).
NOT_A_VALUE = (1 << 256) - 1
_UINT256 = 1 << 256
_NO_CHAIN = NOT_A_VALUE
#: rootCheck constructor argument of SharedSettlement.
ROOT_CHECK_CODES = {"openings": 0, "proof": 1, "both": 2}
SETTLEMENT_FILE = "SharedSettlement.sol"
_SETTLE_SELECTOR = keccak256(b"settle(uint256[])")[:4]
# Custom error → (check name of verifier.settlement, index of the argument naming the rollup or None).
_CHECKS = {
    "BatchNumber": ("batch_number", None),
    "RollupSet": ("rollup_set", 0),
    "PublicInputs": ("public_inputs", 0),
    "OldRoot": ("old_root", 0),
    "BatchData": ("batch_data", 0),
    "BatchCommitment": ("batch_commitment", 0),
    "Proof": ("proof", 0),
    "BridgeOpening": ("bridge_opening", 0),
    "BurnMintEquality": ("burn_mint_equality", 0),
    "CrossProof": ("cross_proof", None),
    "MalformedSubmission": ("malformed_submission", None),
}


def compile_settlement(say: Say | None = None) -> dict[str, CompiledContract]:
    """``SharedSettlement`` (optimizer on) and ``PoseidonT3`` (optimizer off: its hand-scheduled Yul keeps r on the
    stack, which the optimizer would replace by a CODECOPY per use), compiled with the pinned solc-js (cached)."""
    out = dict(compile_solidity({SETTLEMENT_FILE: contract_source(SETTLEMENT_FILE)}, say=say))
    out.update(compile_solidity({POSEIDON_FILE: contract_source(POSEIDON_FILE)}, optimize=False, say=say))
    return out


# --- encodings -------------------------------------------------------------------------------------------------


def _g2_words(p) -> list[int]:
    return [int.from_bytes(g2_to_evm(p)[i : i + 32], "big") for i in range(0, 128, 32)]


def _g1_words(p) -> list[int]:
    return [int.from_bytes(g1_to_evm(p)[i : i + 32], "big") for i in range(0, 64, 32)]


def verifying_key_words(vk: VerifyingKey) -> list[int]:
    """α (2), β, γ, δ (4 each, EIP-197 order: imaginary part first), IC_0..IC_ℓ (2 each)."""
    words = _g1_words(vk.alpha_g1)
    for p in (vk.beta_g2, vk.gamma_g2, vk.delta_g2):
        words += _g2_words(p)
    for p in vk.ic:
        words += _g1_words(p)
    return words


def key_data_initcode(words: Sequence[int]) -> bytes:
    """Creation code of a data contract whose code is 0x00 (STOP: it cannot be called into) followed by ``words``.

    PUSH2 n, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN (10 bytes), then the code to return.
    """
    runtime = b"\x00" + b"".join(w.to_bytes(32, "big") for w in words)
    n = len(runtime)
    if n >= 1 << 16:
        raise ValueError(f"key data of {n} bytes does not fit PUSH2")
    return bytes([0x61, n >> 8, n & 0xFF, 0x80, 0x60, 0x0A, 0x5F, 0x39, 0x5F, 0xF3]) + runtime


def _word(v: object) -> int:
    """An exact int in [0, 2^256) as itself; anything else (bool, float, None, out of range) as NOT_A_VALUE."""
    return v if type(v) is int and 0 <= v < _UINT256 else NOT_A_VALUE


def _coordinate(v: object) -> int:
    """A point coordinate; a value that is no uint256 becomes q, an invalid coordinate the precompiles refuse."""
    return v if type(v) is int and 0 <= v < _UINT256 else FQ_MODULUS


def _proof_words(proof: object) -> list[int]:
    """A, B (imaginary parts first), C; a non-Proof is NOT_A_VALUE then zeros; a malformed point invalid words."""
    if not isinstance(proof, Proof):
        return [NOT_A_VALUE] + [0] * 7
    out: list[int] = []
    for p, n in ((proof.a, 2), (proof.b, 4), (proof.c, 2)):
        try:
            if p is None:
                vals = [0] * n
            elif n == 2:
                x, y = p
                vals = [_coordinate(x), _coordinate(y)]
            else:
                (x0, x1), (y0, y1) = p
                vals = [_coordinate(x1), _coordinate(x0), _coordinate(y1), _coordinate(y0)]
        except (TypeError, ValueError):
            vals = [FQ_MODULUS] * n
        out += vals
    # a coordinate that happens to equal the marker is an invalid point, not "no proof"
    if out[0] == NOT_A_VALUE:
        out[0] = FQ_MODULUS
    return out


def _list(v: object) -> list | None:
    return list(v) if isinstance(v, list | tuple) else None


def _slot_word(slot: object) -> int:
    try:
        return pack_slot(slot)  # type: ignore[arg-type]
    except MalformedSlotData:
        return NOT_A_VALUE


def _bridge_words(r: object) -> list[int]:
    """accounts_root then the slot values of the entry's ``bridge_slots``; [] if it has none or they are no list."""
    bs = getattr(r, "bridge_slots", None)
    slots = _list(getattr(bs, "slots", None))
    if bs is None or slots is None:
        return []
    return [_word(getattr(bs, "accounts_root", None))] + [_word(v) for v in slots]


def _entry_words(r: object) -> list[int]:
    from verifier.settlement import RollupSubmission

    if not isinstance(r, RollupSubmission):
        return [NOT_A_VALUE] + [0] * 8 + [0, 0, 0]
    pub = _list(r.public_inputs)
    words = [_word(r.chain_id), *_proof_words(r.proof)]
    words += [0] if pub is None else [len(pub), *map(_word, pub)]
    data = _list(r.batch_data)
    words += [1, NOT_A_VALUE] if data is None else [len(data), *map(_slot_word, data)]
    bridge = _bridge_words(r)
    return [*words, len(bridge), *bridge]


def submission_words(sub: object) -> list[int]:
    """The flat word array ``settle`` reads (contract dev comment); never raises (module docstring)."""
    from verifier.settlement import SharedBatchSubmission

    if not isinstance(sub, SharedBatchSubmission):
        return [NOT_A_VALUE, 0, 0]
    rollups = _list(sub.rollups)
    entries = [_entry_words(r) for r in rollups] if rollups is not None else [_entry_words(None)]
    words = [_word(sub.batch_number), len(entries)]
    for e in entries:
        words += e
    if sub.cross_proof is None or sub.cross_public_inputs is None:
        return [*words, 0]
    cross_pub = _list(sub.cross_public_inputs)
    words += [1, *_proof_words(sub.cross_proof)]
    words += [0] if cross_pub is None else [len(cross_pub), *map(_word, cross_pub)]
    return words


def settle_calldata(words: Sequence[int]) -> bytes:
    """ABI calldata of ``settle(uint256[] s)``: selector, offset 32, length, the words."""
    head = (32).to_bytes(32, "big") + len(words).to_bytes(32, "big")
    return _SETTLE_SELECTOR + head + b"".join(w.to_bytes(32, "big") for w in words)


# --- verdicts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvmVerdict:
    """What the EVM said about one settle transaction.

    Attributes
    ----------
    accepted : bool
    failed_check : str | None
        The model's check name of the custom error it reverted with (``None`` when accepted).
    chain_id : int | None
        The rollup the error names.
    gas_used : int
        Gas of the transaction, measured cold (Cancun rules: 21,000 + calldata + execution).
    calldata_bytes : int
        Size of its calldata.
    error : str
        The decoded custom error, e.g. ``"Proof(1)"``; empty when accepted.
    """

    accepted: bool
    failed_check: str | None
    chain_id: int | None
    gas_used: int
    calldata_bytes: int
    error: str = ""

    def to_json(self) -> dict:
        """The ``"evm"`` entry of settlement.json."""
        return {
            "accepted": self.accepted,
            "failed_check": self.failed_check,
            "chain_id": self.chain_id,
            "gas_used": self.gas_used,
            "calldata_bytes": self.calldata_bytes,
        }


def _error_table(abi: list[dict]) -> dict[bytes, tuple[str, list[str]]]:
    table = {}
    for item in abi:
        if item.get("type") == "error":
            types = [i["type"] for i in item["inputs"]]
            table[keccak256(f"{item['name']}({','.join(types)})".encode())[:4]] = (item["name"], types)
    return table


def decode_revert(output: bytes, errors: dict[bytes, tuple[str, list[str]]]) -> tuple[str, str | None, int | None]:
    """(decoded error, check name, chain id) of revert data; unknown data gives ("0x…", None, None)."""
    from eth_abi import decode

    entry = errors.get(output[:4])
    if entry is None:
        return f"0x{output.hex()}", None, None
    name, types = entry
    args = list(decode(types, output[4:])) if types else []
    check, who = _CHECKS.get(name, (None, None))
    chain = None if who is None or args[who] == _NO_CHAIN else int(args[who])
    shown = ", ".join("NO_CHAIN" if a == _NO_CHAIN else str(a) for a in args)
    return f"{name}({shown})", check, chain


# --- the contract ----------------------------------------------------------------------------------------------


@dataclass
class _Deployed:
    settlement: str
    poseidon: str | None
    key_data: str


@dataclass
class EvmSettlementContract:
    """``SharedSettlement`` on an EVM, with the model's interface (module docstring).

    Parameters
    ----------
    root_check : {"openings", "proof", "both"}
    cross_vk : VerifyingKey | None
        Required unless ``root_check == "openings"``.
    chain : Chain | None
        The L1 to deploy on (default a fresh ``Chain``).
    say : callable, optional
        Progress lines (node tools install, compilation).

    Raises
    ------
    ValueError
        As the model: an unknown root check, or no cross key for ``proof``/``both``.
    ToolchainError
        pyrevm, node or solc-js is missing.
    """

    root_check: str = "both"
    cross_vk: VerifyingKey | None = None
    chain: Chain | None = None
    say: Say | None = None
    deployment_gas: dict[str, int] = field(default_factory=dict)
    _batch_vk: VerifyingKey | None = None
    _genesis: dict[int, int] = field(default_factory=dict)
    _deployed: _Deployed | None = None

    def __post_init__(self) -> None:
        if self.root_check not in ROOT_CHECK_CODES:
            raise ValueError(f"Argument 'root_check' must be one of {tuple(ROOT_CHECK_CODES)}, not {self.root_check!r}")
        if self.root_check != "openings" and self.cross_vk is None:
            raise ValueError(f"root_check {self.root_check!r} needs the cross-rollup verifying key (cross_vk)")
        self.chain = self.chain or Chain()
        self._artifacts = compile_settlement(self.say)
        self._errors = _error_table(self._artifacts["SharedSettlement"].abi)

    # --- registration (recorded; deployed on the first settle) -----------------------------------------------

    def register(self, chain_id: int, vk: VerifyingKey, genesis_state_root: int) -> None:
        """Register a rollup, as the model's ``register``; the contract takes the set at the first ``settle``.

        Raises
        ------
        ValueError
            As the model (a chain registered twice, a key without 6 public inputs); also a chain id other than the
            next one (the contract's chains are 0..K−1), a key other than the first rollup's (one batch key for
            the shared set: its input terms combine across rollups), or a registration after the first settle.
        """
        if self._deployed is not None:
            raise ValueError("the EVM contract is deployed: rollups register before the first settle")
        if chain_id in self._genesis:
            raise ValueError(f"rollup {chain_id} is already registered")
        if vk.n_public != N_BATCH_PUBLIC:
            raise ValueError(f"a batch verifying key has {N_BATCH_PUBLIC} public inputs, not {vk.n_public}")
        if chain_id != len(self._genesis):
            raise ValueError(f"the EVM contract registers chains 0..K-1 in order: expected {len(self._genesis)}")
        if self._batch_vk is not None and vk != self._batch_vk:
            raise ValueError("the EVM contract takes one batch verifying key for every rollup of the shared set")
        self._batch_vk = vk
        self._genesis[chain_id] = genesis_state_root

    def _deploy(self) -> _Deployed:
        if self._deployed is not None:
            return self._deployed
        chain = self.chain
        poseidon = None
        if self.root_check != "proof":
            poseidon, r = chain.deploy(self._artifacts["PoseidonT3"].bytecode)
            self.deployment_gas["PoseidonT3"] = r.gas_used
        words = verifying_key_words(self._batch_vk) if self._batch_vk else []
        if self.root_check != "openings":
            words += verifying_key_words(self.cross_vk)
        key_data, r = chain.deploy(key_data_initcode(words))
        self.deployment_gas["verifying_keys"] = r.gas_used
        from eth_abi import encode

        code = self._artifacts["SharedSettlement"].bytecode + encode(
            ["uint8", "address"], [ROOT_CHECK_CODES[self.root_check], poseidon or "0x" + "00" * 20]
        )
        settlement, r = chain.deploy(code)
        self.deployment_gas["SharedSettlement"] = r.gas_used
        roots = [self._genesis[c] for c in range(len(self._genesis))]
        data = keccak256(b"register(address,uint256[])")[:4] + encode(["address", "uint256[]"], [key_data, roots])
        r = chain.transact(settlement, data)
        if not r.success:
            raise RuntimeError(f"register reverted: {decode_revert(r.output, self._errors)[0]}")
        self.deployment_gas["register"] = r.gas_used
        self._deployed = _Deployed(settlement, poseidon, key_data)
        return self._deployed

    @property
    def address(self) -> str:
        """The SharedSettlement address (deploys it first if needed)."""
        return self._deploy().settlement

    # --- state ---------------------------------------------------------------------------------------------------

    def _view(self, signature: str, *args: int) -> int:
        data = keccak256(signature.encode())[:4] + b"".join(a.to_bytes(32, "big") for a in args)
        r = self.chain.call(self.address, data)
        return int.from_bytes(r.output[:32], "big")

    @property
    def batch_number(self) -> int:
        """The next shared batch number the contract expects."""
        return self._view("batchNumber()")

    @property
    def chain_ids(self) -> list[int]:
        """Registered chain ids (0..K−1)."""
        return sorted(self._genesis)

    def state_root(self, chain_id: int) -> int:
        """The stored state root of ``chain_id``."""
        return self._view("stateRoots(uint256)", chain_id)

    def storage(self) -> dict[int, int]:
        """Every non-zero storage slot of the settlement contract (what a rejection must leave unchanged)."""
        return self.chain.storage_of(self.address)

    # --- settlement ----------------------------------------------------------------------------------------------

    def settle_on_evm(self, submission: object) -> tuple[EvmVerdict, dict[int, int]]:
        """Send ``submission`` to ``settle``; the verdict and, if accepted, the new roots by chain."""
        words = submission_words(submission)
        data = settle_calldata(words)
        r = self.chain.transact(self._deploy().settlement, data)
        if r.success:
            roots = {c: self.state_root(c) for c in self.chain_ids}
            return EvmVerdict(True, None, None, r.gas_used, len(data)), roots
        if r.halt_reason is not None:
            return EvmVerdict(False, "out_of_gas", None, r.gas_used, len(data), r.halt_reason), {}
        shown, check, chain_id = decode_revert(r.output, self._errors)
        return EvmVerdict(False, check, chain_id, r.gas_used, len(data), shown), {}

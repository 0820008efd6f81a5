"""The L1 on a real EVM: ``SharedSettlement.sol`` deployed on ``verifier.evm_chain.Chain``, driven like the model.

``EvmSettlementContract`` has the interface of ``verifier.settlement.SettlementContract`` (``register``,
``settle``, ``state_root``, ``chain_ids``, ``batch_number``) and returns the same ``SettlementResult``, with the
verdict taken from the EVM: an accepted transaction, or the custom error it reverted with, decoded into the model's
check name and rollup (``verifier.settlement.EvmVerdict``: gas used, calldata bytes). Nothing here decides a
verdict: ``verifier.evm_calldata`` only lays the submission out as the contract reads it, whatever it holds (a
value of the wrong type becomes a marker the contract rejects at the model's check), and the revert is decoded.

The contract stores the hash of the K state roots and logs the roots; ``state_root`` follows the accepted
submissions and checks them against that hash after each one.

Deployment happens on the first ``settle`` (the model registers rollups one by one; the contract registers the
set at once): ``PoseidonT3`` (root checks ``openings``/``both``), the verifying keys as the code of a data contract
(0x00 then the key words, read by the settlement contract with one EXTCODECOPY), ``SharedSettlement`` and its
``register`` transaction. Their gas is in ``deployment_gas``.

References
----------
Solidity ABI specification (``settle(uint256[])``, custom errors: 4-byte selector and ABI-encoded arguments);
EIP-197 (G2 words imaginary part first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.evm import keccak256
from verifier.evm_calldata import (
    NOT_A_VALUE,
    key_data_initcode,
    settle_calldata,
    submission_words,
    verifying_key_words,
)
from verifier.evm_chain import Chain
from verifier.evm_poseidon import CONTRACT_FILE as POSEIDON_FILE
from verifier.evm_queue import enqueue_calldata, enqueue_result
from verifier.evm_toolchain import CompiledContract, Say, compile_solidity, contract_source
from verifier.forced_queue import EnqueueResult, ForcedQueue
from verifier.gas import SettlementGas, settlement_gas
from verifier.settlement import EvmVerdict, SettlementResult, capacity_of
from zksvs.forced import DEFAULT_FORCED_DEADLINE
from zksvs.groth16 import VerifyingKey
from zksvs.statement import N_BATCH_PUBLIC

__all__ = [
    "ROOT_CHECK_CODES",
    "EvmSettlementContract",
    "compile_settlement",
    "decode_revert",
    "evm_unavailable_reason",
]

_NO_CHAIN = NOT_A_VALUE
#: rootCheck constructor argument of SharedSettlement.
ROOT_CHECK_CODES = {"openings": 0, "proof": 1, "both": 2}
SETTLEMENT_FILE = "SharedSettlement.sol"
#: The Baby Jubjub library SharedSettlement imports (the queue's point checks).
BABYJUBJUB_FILE = "BabyJubjub.sol"
#: solc optimizer runs for SharedSettlement (compile_settlement says why).
SETTLEMENT_OPTIMIZER_RUNS = 1_000_000
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
    "ForcedInclusion": ("forced_inclusion", 0),
    "MalformedSubmission": ("malformed_submission", None),
}


def evm_unavailable_reason() -> str | None:
    """Why the EVM settlement cannot run here (no pyrevm wheel, or no node to compile with), or None if it can.

    Compiling needs node only once: a source already compiled is read from the cache.
    """
    from zksvs.errors import ToolchainError

    try:
        from verifier.evm_chain import load_pyrevm

        load_pyrevm()
        compile_settlement_cached_or_node()
    except ToolchainError as e:
        return str(e)
    return None


def compile_settlement_cached_or_node() -> None:
    """Raise ToolchainError unless the contracts are compiled already or node and npm are present to compile them."""
    import shutil

    from zksvs.errors import ToolchainError

    if is_compiled():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise ToolchainError(
            "node and npm are needed once to compile the L1 contracts (solc-js): install Node.js ≥ 18, or settle on "
            "the Python model with --l1 model"
        )


def is_compiled() -> bool:
    """True when both contracts are in the compilation cache (no node needed)."""
    from verifier.evm_toolchain import is_cached

    return is_cached(_settlement_sources(), runs=SETTLEMENT_OPTIMIZER_RUNS) and is_cached(
        {POSEIDON_FILE: contract_source(POSEIDON_FILE)}, optimize=False
    )


def _settlement_sources() -> dict[str, str]:
    return {name: contract_source(name) for name in (SETTLEMENT_FILE, BABYJUBJUB_FILE)}


def compile_settlement(say: Say | None = None) -> dict[str, CompiledContract]:
    """``SharedSettlement`` and ``PoseidonT3``, compiled with the pinned solc-js (cached).

    SharedSettlement: optimizer on with ``SETTLEMENT_OPTIMIZER_RUNS`` (it runs once per shared batch forever; at 200
    runs solc copies r and q from the code at every use, ~30 gas each, instead of a 3-gas PUSH32). PoseidonT3:
    optimizer off (its hand-scheduled Yul keeps r on the stack, which the optimizer would replace the same way).
    """
    out = dict(compile_solidity(_settlement_sources(), runs=SETTLEMENT_OPTIMIZER_RUNS, say=say))
    out.update(compile_solidity({POSEIDON_FILE: contract_source(POSEIDON_FILE)}, optimize=False, say=say))
    return out


# --- verdicts --------------------------------------------------------------------------------------------------


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
    account_depth, deadline : int
        D and T of the forced-inclusion queue (constructor arguments of the contract; the model's
        ``ForcedQueue`` defaults: D = 32, the widest the slot data allows, and T = ``DEFAULT_FORCED_DEADLINE``).

    Attributes
    ----------
    queue : ForcedQueue
        What the contract's queue holds, mirrored in the model's form (the pipeline reads the entries' calldata
        and writes ``l1.json`` from it): an entry is added when the contract accepts ``enqueue``, and the heads are
        read back from the contract after each accepted ``settle``. No verdict comes from it.
    enqueue_gas : list[int]
        Gas of every ``enqueue`` transaction sent, in order.

    Raises
    ------
    ValueError
        As the model: an unknown root check, or no cross key for ``proof``/``both``; D outside [1, 32], T < 1.
    ToolchainError
        pyrevm, node or solc-js is missing.
    """

    root_check: str = "both"
    cross_vk: VerifyingKey | None = None
    chain: Chain | None = None
    say: Say | None = None
    account_depth: int = 32
    deadline: int = DEFAULT_FORCED_DEADLINE
    deployment_gas: dict[str, int] = field(default_factory=dict)
    enqueue_gas: list[int] = field(default_factory=list)
    _batch_vk: VerifyingKey | None = None
    _genesis: dict[int, int] = field(default_factory=dict)
    _deployed: _Deployed | None = None
    _roots: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.root_check not in ROOT_CHECK_CODES:
            raise ValueError(f"Argument 'root_check' must be one of {tuple(ROOT_CHECK_CODES)}, not {self.root_check!r}")
        if self.root_check != "openings" and self.cross_vk is None:
            raise ValueError(f"root_check {self.root_check!r} needs the cross-rollup verifying key (cross_vk)")
        if type(self.account_depth) is not int or not 1 <= self.account_depth <= 32:
            raise ValueError(f"Argument 'account_depth' must be an int in [1, 32], not {self.account_depth!r}")
        if type(self.deadline) is not int or not 1 <= self.deadline < 1 << 64:
            raise ValueError(f"Argument 'deadline' must be an int in [1, 2^64), not {self.deadline!r}")
        self.queue = ForcedQueue(0, self.account_depth, self.deadline)
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
            ["uint8", "address", "uint8", "uint64"],
            [ROOT_CHECK_CODES[self.root_check], poseidon or "0x" + "00" * 20, self.account_depth, self.deadline],
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
        self.queue = ForcedQueue(len(self._genesis), self.account_depth, self.deadline)
        self._roots = dict(self._genesis)
        self._check_roots_hash()
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
        """The current state root of ``chain_id``: the contract stores the hash of the K roots and logs the roots;
        this follows the accepted submissions and is checked against that hash after each one."""
        self._deploy()
        return self._roots[chain_id]

    def _check_roots_hash(self) -> None:
        roots = b"".join(self._roots[c].to_bytes(32, "big") for c in self.chain_ids)
        if keccak256(roots) != self._view("stateRootsHash()").to_bytes(32, "big"):
            raise RuntimeError("the contract's stateRootsHash is not the hash of the roots it accepted")

    def storage(self) -> dict[int, int]:
        """Every non-zero storage slot of the settlement contract (what a rejection must leave unchanged)."""
        return self.chain.storage_of(self.address)

    # --- the forced-inclusion queue ----------------------------------------------------------------------------

    def enqueue(
        self, chain_id: object, fields: object, signature: object, calldata: dict | None = None
    ) -> EnqueueResult:
        """Send ``enqueue`` (``verifier.evm_queue``): the model's ``EnqueueResult`` with the contract's verdict.
        Never raises on its input: a refusal names the rule (``rollup``, ``transaction``, ``signature``).

        Raises
        ------
        RuntimeError
            The contract accepted a transaction the model's queue refuses, or gave another index (a bug: the
            mirror ``queue`` would go wrong).
        """
        r = self.chain.transact(self._deploy().settlement, enqueue_calldata(chain_id, fields, signature))
        self.enqueue_gas.append(r.gas_used)
        result = enqueue_result(chain_id, r.success, r.output, self._errors)
        if result.accepted:
            mirrored = self.queue.enqueue(chain_id, fields, signature, self.batch_number, calldata)
            if mirrored.index != result.index:
                raise RuntimeError(f"the contract queued entry {result.index}; the model's queue says {mirrored}")
        return result

    def queue_state(self, chain_id: int) -> tuple[int, int]:
        """``(head, length)`` of ``chain_id``'s queue as the contract stores it."""
        data = keccak256(b"queues(uint256)")[:4] + chain_id.to_bytes(32, "big")
        out = self.chain.call(self.address, data).output
        return int.from_bytes(out[:32], "big"), int.from_bytes(out[32:64], "big")

    def entry(self, chain_id: int, index: int) -> tuple[int, int]:
        """``(entry hash, batch number at enqueue)`` of entry ``index`` of ``chain_id``'s queue, as stored."""
        selector = keccak256(b"queueEntries(uint256,uint256)")[:4]
        data = selector + chain_id.to_bytes(32, "big") + index.to_bytes(32, "big")
        out = self.chain.call(self.address, data).output
        return int.from_bytes(out[:32], "big"), int.from_bytes(out[32:64], "big")

    # --- settlement ----------------------------------------------------------------------------------------------

    def settle(self, submission: object) -> SettlementResult:
        """Settle ``submission`` on the EVM: the model's ``SettlementResult``, the verdict the EVM's (``evm`` holds
        its measured gas; ``gas`` the model's estimate, for comparison). Never raises for a bad submission."""
        verdict, roots = self.settle_on_evm(submission)
        number = getattr(submission, "batch_number", None)
        number = number if type(number) is int else -1
        gas = self.gas_model(submission)
        if verdict.accepted:
            return SettlementResult(True, number, gas=gas, new_state_roots=roots, evm=verdict)
        return SettlementResult(False, number, verdict.failed_check, verdict.chain_id, verdict.error, gas, evm=verdict)

    def gas_model(self, submission: object | None = None) -> SettlementGas:
        """The model's gas figures (``verifier.gas.settlement_gas``) for this contract's keys and ``submission``."""
        k = len(self._genesis)
        keys = [self._batch_vk, self.cross_vk] if self.cross_vk is not None else [self._batch_vk]
        same = lambda name: len({getattr(vk, name) for vk in keys}) == 1  # noqa: E731
        return settlement_gas(
            k,
            capacity_of(submission),
            shared_alpha_beta=same("alpha_g1") and same("beta_g2"),
            shared_gamma=same("gamma_g2"),
            submission=submission,
        )

    def settle_on_evm(self, submission: object) -> tuple[EvmVerdict, dict[int, int]]:
        """Send ``submission`` to ``settle``; the verdict and, if accepted, the new roots by chain."""
        words = submission_words(submission)
        data = settle_calldata(words)
        r = self.chain.transact(self._deploy().settlement, data)
        if r.success:
            roots = {e.chain_id: e.public_inputs[2] for e in submission.rollups}  # accepted: well formed
            self._roots.update(roots)
            self._check_roots_hash()
            self.queue.advance({c: self.queue_state(c)[0] for c in self.chain_ids})
            return EvmVerdict(True, None, None, r.gas_used, len(data)), roots
        if r.halt_reason is not None:
            return EvmVerdict(False, "out_of_gas", None, r.gas_used, len(data), r.halt_reason), {}
        shown, check, chain_id = decode_revert(r.output, self._errors)
        return EvmVerdict(False, check, chain_id, r.gas_used, len(data), shown), {}

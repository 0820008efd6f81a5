"""The L1 settlement model (DESIGN.md §7): accept a shared batch as a whole, or change nothing.

``SettlementContract`` holds, per registered rollup, its verifying key, current state root and batch number, and
the verifying key of the cross-rollup circuit (DESIGN.md §6b). ``settle(submission)`` runs the checks below in
order and stops at the first failure; only when all pass do all rollups' roots advance together.

Checks (the names ``SettlementResult.failed_check`` reports):

1. ``batch_number``   — the submission's batch number is the next one (a replayed shared batch fails here);
2. ``rollup_set``     — every registered rollup appears exactly once, no unregistered chain;
3. ``public_inputs``  — each proof's public inputs are well formed and name its own chain_id;
4. ``old_root``       — the K old_state_roots equal the stored roots (the contract stores their hash, so this check
                        names no rollup: ``chain_id`` is None, the detail lists the stale ones);
5. ``batch_data``     — each slot of the batch data follows the native rules of its kind, with exact integers
                        (``zksvs.statement.check_slot_data``: known kind, fields within their slot-word widths, a
                        burn's or mint's peer chain in [0, K) and not its own chain, forced and reason codes);
6. ``forced_inclusion`` — the forced slots of each batch are the next entries of its rollup's L1 queue, in order,
                        and no queue entry is left unprocessed past its deadline (``verifier.forced_queue``; the
                        contract's ``enqueue`` and ``ForcedInclusion``, docs/evm.md);
7. ``batch_commitment`` — each proof's eval_point and eval_value equal what the L1 computes from the slot words it
                        received: z = keccak256(batch_commitment ‖ words) mod r, y = Σ words_k·z^k
                        (``zksvs.statement``: the proof's batch_commitment is the Poseidon sponge of its words, so
                        other words give another polynomial, which meets the committed one at z only by chance);
8. ``proof``          — every batch proof verifies (all K at once with random weights; one by one only to name
                        the failed rollup);
9. ``bridge_opening`` — (root check ``openings``/``both``) each rollup's bridge slots (all 2^S values and its
                        accounts root, ``zksvs.rollup_state.BridgeSlots``) hash to its new_state_root;
10. ``burn_mint_equality`` — (``openings``/``both``) for every pair i≠j, burn root i→j == mint root i→j;
11. ``cross_proof``   — (``proof``/``both``) the cross-rollup proof verifies on the same K new state roots.

``settle`` never raises on a submission: whatever it is given (wrong types, ``None``, floats, values ≥ r, slot lists
of the wrong length), it returns a rejection naming the check and the rollup, as a contract reverts with a named
error.

This model is the reference of the Solidity contract ``verifier/contracts/SharedSettlement.sol`` (run on an EVM by
``verifier.evm_settlement``): the same checks in the same order with the same names, tested equal verdict for verdict.
Its gas report (``settlement_gas``) is calibrated on that contract's measured gas.

References
----------
Shared Validity Sequencing (Umbra Research; shared/reference/004): the ZK-rollup variant, where the L1 checks the
burn/mint roots by Merkle proofs against the claimed state roots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verifier.forced_queue import EnqueueResult, ForcedQueue
from verifier.gas import SettlementGas, settlement_gas
from verifier.groth16 import prepare_verifying_key, verify_proof, verify_proofs_batched
from zksvs.errors import FormatError, InputError, SettlementRejected
from zksvs.groth16 import Proof, VerifyingKey, check_contributed
from zksvs.rollup_state import BridgeSlots, burn_slot, check_bridge_slots, mint_slot
from zksvs.statement import (
    N_BATCH_PUBLIC,
    BatchStatement,
    SlotData,
    batch_words,
    check_slot_data,
    eval_point,
    eval_value,
)

ROOT_CHECKS = ("openings", "proof", "both")


@dataclass(frozen=True)
class RollupSubmission:
    """One rollup's part of a shared batch as the L1 receives it.

    Attributes
    ----------
    chain_id : int
    proof : Proof
        The batch proof.
    public_inputs : list[int]
        ``[chain_id, old_state_root, new_state_root, batch_commitment, eval_point, eval_value]`` (zksvs.statement).
    batch_data : list[SlotData]
        The batch's slots; their words must evaluate to the public eval_value at the public eval_point.
    bridge_slots : BridgeSlots | None
        Every bridge slot value and the accounts root after the batch (root checks ``openings``/``both``): opens the
        burn root 2j and the mint root 2j+1 of every peer j in the new state root.
    """

    chain_id: int
    proof: Proof
    public_inputs: list[int]
    batch_data: list[SlotData]
    bridge_slots: BridgeSlots | None = None

    @property
    def statement(self) -> BatchStatement:
        """The public inputs as a BatchStatement."""
        return BatchStatement.from_public_inputs(self.public_inputs)


@dataclass(frozen=True)
class SharedBatchSubmission:
    """A shared batch: every rollup's submission plus the cross-rollup proof on their new state roots."""

    batch_number: int
    rollups: list[RollupSubmission]
    cross_proof: Proof | None = None
    cross_public_inputs: list[int] | None = None


@dataclass(frozen=True)
class EvmVerdict:
    """What the EVM said about one ``settle`` transaction of ``SharedSettlement.sol`` (``verifier.evm_settlement``).

    Attributes
    ----------
    accepted : bool
    failed_check : str | None
        The check name of the custom error it reverted with (the model's names), None when accepted.
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


@dataclass(frozen=True)
class SettlementResult:
    """The verdict: ``accepted``, or the first failed check (and rollup) with a detail; plus the gas report and, when
    the shared batch was also settled on the EVM, the EVM's verdict and measured gas (``evm``)."""

    accepted: bool
    batch_number: int
    failed_check: str | None = None
    chain_id: int | None = None
    detail: str = ""
    gas: SettlementGas | None = None
    new_state_roots: dict[int, int] = field(default_factory=dict)
    evm: EvmVerdict | None = None

    def to_json(self) -> dict:
        """A JSON-ready dict (roots as decimal strings)."""
        out = {
            "batch_number": self.batch_number,
            "accepted": self.accepted,
            "failed_check": self.failed_check,
            "chain_id": self.chain_id,
            "detail": self.detail,
            "new_state_roots": {str(k): str(v) for k, v in self.new_state_roots.items()},
            "gas": self.gas.to_json() if self.gas else None,
        }
        if self.evm is not None:
            out["evm"] = self.evm.to_json()
        return out


@dataclass
class _Registered:
    vk: VerifyingKey
    prepared: object
    state_root: int
    batches: int = 0


class SettlementContract:
    """All-or-none settlement of shared batches (module docstring lists the checks).

    Parameters
    ----------
    root_check : {"openings", "proof", "both"}
        How burn/mint root equality is checked: Merkle openings on L1, the cross-rollup proof, or both (default).
    cross_vk : VerifyingKey | None
        Verifying key of the cross-rollup circuit; required unless ``root_check == "openings"``.
    """

    def __init__(
        self, root_check: str = "both", cross_vk: VerifyingKey | None = None, *, queue: ForcedQueue | None = None
    ) -> None:
        if root_check not in ROOT_CHECKS:
            raise ValueError(f"Argument 'root_check' must be one of {ROOT_CHECKS}, not {root_check!r}")
        if root_check != "openings" and cross_vk is None:
            raise ValueError(f"root_check {root_check!r} needs the cross-rollup verifying key (cross_vk)")
        self.root_check = root_check
        if cross_vk is not None:
            check_contributed(cross_vk)  # warns (once) on a key anyone can forge proofs for
        self._cross_key = cross_vk
        self._cross_vk = prepare_verifying_key(cross_vk) if cross_vk is not None else None
        self._rollups: dict[int, _Registered] = {}
        self.batch_number = 0
        self._queue = queue

    @property
    def queue(self) -> ForcedQueue:
        """The forced-inclusion queues (``verifier.forced_queue``): the one given, else one made for the registered
        rollups at first use (account depth 32, the widest the slot data allows; T = the default)."""
        if self._queue is None:
            self._queue = ForcedQueue(len(self._rollups), 32)
        return self._queue

    def enqueue(
        self, chain_id: object, fields: object, signature: object, calldata: dict | None = None
    ) -> EnqueueResult:
        """Queue a signed transaction for ``chain_id`` now (``ForcedQueue.enqueue`` at this contract's batch number).
        Never raises on its input: a refusal names the rule."""
        return self.queue.enqueue(chain_id, fields, signature, self.batch_number, calldata)

    def register(self, chain_id: int, vk: VerifyingKey, genesis_state_root: int) -> None:
        """Register a rollup with its batch-circuit verifying key and genesis state root.

        Raises
        ------
        ValueError
            ``chain_id`` is already registered, or the key does not have the batch circuit's 6 public inputs.
        """
        if chain_id in self._rollups:
            raise ValueError(f"rollup {chain_id} is already registered")
        if vk.n_public != N_BATCH_PUBLIC:
            raise ValueError(f"a batch verifying key has {N_BATCH_PUBLIC} public inputs, not {vk.n_public}")
        check_contributed(vk)  # warns (once) on a key anyone can forge proofs for
        self._rollups[chain_id] = _Registered(vk, prepare_verifying_key(vk), genesis_state_root)

    def state_root(self, chain_id: int) -> int:
        """The current state root of ``chain_id``."""
        return self._rollups[chain_id].state_root

    @property
    def chain_ids(self) -> list[int]:
        """Registered chain ids, sorted."""
        return sorted(self._rollups)

    def settle(self, submission: SharedBatchSubmission) -> SettlementResult:
        """Check ``submission`` and, only if every check passes, advance every rollup's state root.

        Returns a ``SettlementResult``: accepted, or the first failed check and rollup. Never raises for a bad
        submission, whatever its types: anything that is not what the checks expect (a wrong type, ``None``, a
        float where an int belongs, a value ≥ r, an opening of the wrong depth) is a failed check naming the rollup,
        as a contract reverts with a named error. Nothing changes unless every check passes.
        """
        gas = (
            settlement_gas(
                n_rollups=len(self._rollups),
                capacity=capacity_of(submission),
                shared_alpha_beta=self._shares("alpha_g1") and self._shares("beta_g2"),
                shared_gamma=self._shares("gamma_g2"),
                submission=submission,
            )
            if self._rollups
            else None
        )
        number = getattr(submission, "batch_number", None)
        number = number if type(number) is int else -1
        try:
            roots = self._check(submission)
        except SettlementRejected as e:
            return SettlementResult(False, number, e.check, e.chain_id, e.detail, gas)
        roots, heads = roots
        self.queue.advance(heads)
        for chain_id, root in roots.items():
            reg = self._rollups[chain_id]
            reg.state_root = root
            reg.batches += 1
        self.batch_number += 1
        return SettlementResult(True, number, gas=gas, new_state_roots=roots)

    def _check(self, sub: object) -> tuple[dict[int, int], dict[int, int]]:
        """Every check in order (module docstring); returns the new state roots and queue heads, or raises
        ``SettlementRejected``."""
        if not isinstance(sub, SharedBatchSubmission):
            raise SettlementRejected("batch_number", None, f"not a shared batch submission: {type(sub).__name__}")
        if type(sub.batch_number) is not int or sub.batch_number != self.batch_number:
            raise SettlementRejected(
                "batch_number", None, f"expected shared batch {self.batch_number}, got {sub.batch_number!r}"
            )
        rollups = self._check_rollup_set(sub)
        statements = {r.chain_id: self._check_public_inputs(r) for r in rollups}
        stale = [c for c in self.chain_ids if statements[c].old_state_root != self._rollups[c].state_root]
        if stale:
            # the contract stores the hash of the K roots, so it can say that an old root is stale, not which one
            # (the detail here does)
            raise SettlementRejected("old_root", None, f"the old state roots of rollups {stale} are stale")
        for r in rollups:
            self._check_batch_data(r)
        heads = {r.chain_id: self.queue.check_batch(r.chain_id, r.batch_data, sub.batch_number) for r in rollups}
        for r in rollups:
            self._check_binding(r, statements[r.chain_id])
        self._check_proofs(rollups)
        new_roots = {c: st.new_state_root for c, st in statements.items()}
        if self.root_check in ("openings", "both"):
            self._check_openings(rollups, new_roots)
        if self.root_check in ("proof", "both"):
            self._check_cross_proof(sub, new_roots)
        return new_roots, heads

    def _check_rollup_set(self, sub: SharedBatchSubmission) -> list[RollupSubmission]:
        """``rollup_set``: a list of ``RollupSubmission``, every registered chain exactly once, no other."""
        if not self._rollups:
            raise SettlementRejected("rollup_set", None, "no rollup is registered")
        if not isinstance(sub.rollups, (list, tuple)):
            raise SettlementRejected("rollup_set", None, f"rollups must be a list, not {type(sub.rollups).__name__}")
        for i, r in enumerate(sub.rollups):
            if not isinstance(r, RollupSubmission) or type(r.chain_id) is not int:
                what = type(r).__name__ if not isinstance(r, RollupSubmission) else f"chain_id {r.chain_id!r}"
                raise SettlementRejected("rollup_set", None, f"rollups[{i}] is not a rollup submission ({what})")
        ids = [r.chain_id for r in sub.rollups]
        if sorted(ids) != self.chain_ids:
            missing = sorted(set(self.chain_ids) - set(ids))
            extra = sorted(set(ids) - set(self.chain_ids))
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise SettlementRejected(
                "rollup_set", (missing or extra or dup or [None])[0], f"missing {missing}, unknown {extra}, twice {dup}"
            )
        return list(sub.rollups)

    @staticmethod
    def _check_public_inputs(r: RollupSubmission) -> BatchStatement:
        """``public_inputs``: four canonical field elements (a list of exact ints) naming the rollup's own chain."""
        pi = r.public_inputs
        if not isinstance(pi, (list, tuple)):
            raise SettlementRejected("public_inputs", r.chain_id, f"must be a list, not {type(pi).__name__}")
        try:
            st = BatchStatement.from_public_inputs(list(pi))
        except (ValueError, FormatError, InputError) as e:
            raise SettlementRejected("public_inputs", r.chain_id, str(e)) from e
        if st.chain_id != r.chain_id:
            raise SettlementRejected(
                "public_inputs", r.chain_id, f"proof is for chain_id {st.chain_id}, submitted for {r.chain_id}"
            )
        return st

    def _check_batch_data(self, r: RollupSubmission) -> None:
        """``batch_data``: a list of ``SlotData`` each allowed by the native rules (``check_slot_data``)."""
        data = r.batch_data
        if not isinstance(data, (list, tuple)):
            raise SettlementRejected("batch_data", r.chain_id, f"must be a list of slots, not {type(data).__name__}")
        for k, slot in enumerate(data):
            try:
                check_slot_data(slot, r.chain_id, len(self._rollups))
            except InputError as e:
                raise SettlementRejected("batch_data", r.chain_id, f"slot {k}: {e}") from e

    @staticmethod
    def _check_binding(r: RollupSubmission, st: BatchStatement) -> None:
        """``batch_commitment``: the proof's eval_point and eval_value are those of the received slot words."""
        try:
            # batch_data passed, so every slot packs and these are pack_slot's words; the unchecked form keeps the
            # check total even without that check (the audit harness turns it off to reach the proof check)
            words = batch_words(r.batch_data)
        except (TypeError, ValueError, AttributeError) as e:
            raise SettlementRejected("batch_commitment", r.chain_id, f"batch data that cannot be packed: {e}") from e
        z = eval_point(st.batch_commitment, words)
        if z != st.eval_point or eval_value(words, z) != st.eval_value:
            raise SettlementRejected(
                "batch_commitment", r.chain_id, "the batch data does not evaluate to the proof's eval_point/eval_value"
            )

    def _shares(self, name: str) -> bool:
        """Whether every batch key and the cross key have the same point ``name`` (one phase 1: α, β, γ)."""
        keys = [reg.vk for reg in self._rollups.values()] + ([self._cross_key] if self._cross_key is not None else [])
        return len({getattr(vk, name, None) for vk in keys}) == 1

    def _check_proofs(self, rollups: list[RollupSubmission]) -> None:
        """``proof``: every batch proof verifies; all at once, one by one only to name the first failing rollup."""
        for r in rollups:
            if not isinstance(r.proof, Proof):
                raise SettlementRejected("proof", r.chain_id, f"not a Groth16 proof: {type(r.proof).__name__}")
        items = [(self._rollups[r.chain_id].prepared, r.proof, list(r.public_inputs)) for r in rollups]
        try:
            if verify_proofs_batched(items):
                return
        except _MALFORMED:
            pass  # a malformed item: the one-by-one pass below names it
        for r, item in zip(rollups, items):
            try:
                ok = verify_proof(*item)
            except _MALFORMED as e:
                raise SettlementRejected("proof", r.chain_id, f"malformed proof: {e}") from e
            if not ok:
                raise SettlementRejected("proof", r.chain_id, "the Groth16 pairing check fails")
        raise RuntimeError("the batched check failed but every proof verifies alone")

    def _check_openings(self, rollups: list[RollupSubmission], new_roots: dict[int, int]) -> None:
        """``bridge_opening`` then ``burn_mint_equality``: every rollup's bridge slots hash to its new state root,
        then for every pair i ≠ j (chain order) burn root i→j (slot 2j of i) == mint root i→j (slot 2i+1 of j)."""
        k = len(self._rollups)
        values: dict[int, tuple[int, ...]] = {}
        for r in rollups:
            try:
                bs = check_bridge_slots(r.bridge_slots, k)
            except InputError as e:
                raise SettlementRejected("bridge_opening", r.chain_id, str(e)) from e
            if bs.state_root() != new_roots[r.chain_id]:
                raise SettlementRejected(
                    "bridge_opening", r.chain_id, "the bridge slots and accounts root do not hash to the new state root"
                )
            values[r.chain_id] = tuple(bs.slots)
        for i in self.chain_ids:
            for j in self.chain_ids:
                if i != j and values[i][burn_slot(j)] != values[j][mint_slot(i)]:
                    raise SettlementRejected(
                        "burn_mint_equality", i, f"burn root {i}→{j} on rollup {i} ≠ mint root {i}→{j} on rollup {j}"
                    )

    def _check_cross_proof(self, sub: SharedBatchSubmission, new_roots: dict[int, int]) -> None:
        """``cross_proof``: the cross-rollup proof verifies on exactly the K new state roots, in chain order."""
        expected = [new_roots[c] for c in self.chain_ids]
        if sub.cross_proof is None or sub.cross_public_inputs is None:
            raise SettlementRejected("cross_proof", None, "no cross-rollup proof submitted")
        if not isinstance(sub.cross_proof, Proof):
            raise SettlementRejected("cross_proof", None, f"not a Groth16 proof: {type(sub.cross_proof).__name__}")
        if not isinstance(sub.cross_public_inputs, (list, tuple)) or list(sub.cross_public_inputs) != expected:
            raise SettlementRejected(
                "cross_proof", None, "cross-rollup proof is on other state roots than the batch proofs"
            )
        try:
            ok = verify_proof(self._cross_vk, sub.cross_proof, expected)
        except _MALFORMED as e:
            raise SettlementRejected("cross_proof", None, f"malformed proof: {e}") from e
        if not ok:
            raise SettlementRejected("cross_proof", None, "the cross-rollup Groth16 pairing check fails")


#: What a malformed proof can raise inside the pairing code (py_ecc raises TypeError/ValueError on garbage points;
#: our checks raise typed errors). A bug is none of these types' business: RuntimeError/AssertionError propagate.
_MALFORMED = (FormatError, InputError, ValueError, TypeError, AttributeError, IndexError)


def _capacity(data: object) -> int:
    return len(data) if isinstance(data, (list, tuple)) else 0


def capacity_of(sub: object) -> int:
    """Slots per batch as submitted (for the gas report), whatever the submission's shape."""
    rollups = getattr(sub, "rollups", None)
    if not isinstance(rollups, (list, tuple)):
        return 0
    return max((_capacity(getattr(r, "batch_data", None)) for r in rollups), default=0)


def bridge_slots_for(slot_values: Sequence[int], accounts_root: int) -> BridgeSlots:
    """The bridge slots a rollup submits: its final bridge slot values (``BatchTrace.final_bridge_slots``) and new
    accounts root."""
    return BridgeSlots(accounts_root, tuple(slot_values))

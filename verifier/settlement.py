"""The L1 settlement model (DESIGN.md §7): accept a shared batch as a whole, or change nothing.

``SettlementContract`` holds, per registered rollup, its verifying key, current state root and batch number, and
the verifying key of the cross-rollup circuit (DESIGN.md §6b). ``settle(submission)`` runs the checks below in
order and stops at the first failure; only when all pass do all rollups' roots advance together.

Checks (the names ``SettlementResult.failed_check`` reports):

1. ``batch_number``   — the submission's batch number is the next one (a replayed shared batch fails here);
2. ``rollup_set``     — every registered rollup appears exactly once, no unregistered chain;
3. ``public_inputs``  — each proof's public inputs are well formed and name its own chain_id;
4. ``old_root``       — each old_state_root equals the stored root;
5. ``batch_data``     — each slot of the batch data follows the native rules of its kind, with exact integers
                        (``zksvs.statement.check_slot_data``: known kind, u64 fields, a burn's or mint's peer chain
                        in [0, K) and not its own chain);
6. ``batch_commitment`` — each batch_commitment equals Poseidon over the batch data the L1 received;
7. ``proof``          — every batch proof verifies (all K at once with random weights; one by one only to name
                        the failed rollup);
8. ``bridge_opening`` — (root check ``openings``/``both``) each burn/mint root opening has exactly the slot tree's
                        depth and a slot in [0, 2K), and verifies against its rollup's new_state_root;
9. ``burn_mint_equality`` — (``openings``/``both``) for every pair i≠j, burn root i→j == mint root i→j;
10. ``cross_proof``   — (``proof``/``both``) the cross-rollup proof verifies on the same K new state roots.

``settle`` never raises on a submission: whatever it is given (wrong types, ``None``, floats, values ≥ r, openings of
the wrong depth), it returns a rejection naming the check and the rollup, as a contract reverts with a named error.

References
----------
Shared Validity Sequencing (Umbra Research; shared/reference/004): the ZK-rollup variant, where the L1 checks the
burn/mint roots by Merkle proofs against the claimed state roots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verifier.gas import (
    GasReport,
    batched_verify_gas,
    bridge_opening_gas,
    groth16_verify_gas,
    poseidon_gas,
    storage_update_gas,
)
from verifier.groth16 import prepare_verifying_key, verify_proof, verify_proofs_batched
from zksvs.errors import FormatError, InputError, SettlementRejected
from zksvs.groth16 import Proof, VerifyingKey, check_contributed
from zksvs.rollup_state import (
    BridgeOpening,
    bridge_opening,
    bridge_slot_depth,
    burn_slot,
    mint_slot,
    verify_bridge_opening,
)
from zksvs.statement import N_BATCH_PUBLIC, BatchStatement, SlotData, batch_commitment, check_slot_data

ROOT_CHECKS = ("openings", "proof", "both")


@dataclass(frozen=True)
class SettlementGas:
    """What settling one shared batch costs on L1 (gas units, EIP-1108/2028 model of verifier.gas).

    Attributes
    ----------
    n_rollups, capacity : int
        K rollups, B slots per batch.
    proof_single : GasReport
        One batch proof verified alone (snarkjs verifier, 4 public inputs).
    proofs_batched : GasReport
        All K batch proofs in one pairing product with random weights (DESIGN.md §7).
    commitment_per_rollup : GasReport
        Recomputing one batch_commitment from the received slot data: B·(Poseidon-6 + Poseidon-2), plus calldata.
    openings_per_rollup : GasReport
        The 2(K−1) burn/mint root openings of one rollup in its state root (slot tree depth + 1 levels each, with the
        value and slot words in calldata).
    cross_proof : GasReport
        The cross-rollup proof (K public inputs).
    storage : GasReport
        Reading and rewriting the K stored state roots and the batch counter (5,000 gas each).
    """

    n_rollups: int
    capacity: int
    proof_single: GasReport
    proofs_batched: GasReport
    commitment_per_rollup: GasReport
    openings_per_rollup: GasReport
    cross_proof: GasReport
    storage: GasReport

    def per_rollup(self, root_check: str) -> GasReport:
        """One rollup's share when its batch is settled with root check ``root_check`` (the cross proof and the
        storage updates split K ways)."""
        k = self.n_rollups
        g = self.proof_single + self.commitment_per_rollup + _share(self.storage, k)
        if root_check in ("openings", "both"):
            g = g + self.openings_per_rollup
        if root_check in ("proof", "both"):
            g = g + _share(self.cross_proof, k)
        return g

    def shared_batch(self, root_check: str) -> GasReport:
        """The whole shared batch in one L1 transaction, proofs verified together."""
        k = self.n_rollups
        g = self.proofs_batched + self.commitment_per_rollup.scaled(k) + self.storage
        if root_check in ("openings", "both"):
            g = g + self.openings_per_rollup.scaled(k)
        if root_check in ("proof", "both"):
            g = g + self.cross_proof
        return g

    def to_json(self) -> dict:
        """Per root-check mode: gas per rollup and per shared batch (``tx_total`` and its parts)."""
        return {
            mode: {"per_rollup": self.per_rollup(mode).to_json(), "shared_batch": self.shared_batch(mode).to_json()}
            for mode in ROOT_CHECKS
        }


def _share(g: GasReport, k: int) -> GasReport:
    """One of ``k`` equal shares of ``g`` (rounded down)."""
    return GasReport(g.precompile // k, g.overhead // k, g.calldata // k)


def settlement_gas(n_rollups: int, capacity: int, slot_tree_depth: int, n_keys: int = 1) -> SettlementGas:
    """The gas model of one shared batch (see ``SettlementGas``)."""
    words = 6 * 32 * capacity
    commitment = GasReport(0, capacity * (poseidon_gas(6) + poseidon_gas(2)), 16 * words)
    one_opening = bridge_opening_gas(slot_tree_depth)
    return SettlementGas(
        n_rollups=n_rollups,
        capacity=capacity,
        proof_single=groth16_verify_gas(N_BATCH_PUBLIC),
        proofs_batched=batched_verify_gas(n_rollups, N_BATCH_PUBLIC, n_keys=min(n_keys, n_rollups)),
        commitment_per_rollup=commitment,
        openings_per_rollup=one_opening.scaled(2 * (n_rollups - 1)),
        cross_proof=groth16_verify_gas(n_rollups),
        storage=storage_update_gas(n_rollups + 1),
    )


@dataclass(frozen=True)
class RollupSubmission:
    """One rollup's part of a shared batch as the L1 receives it.

    Attributes
    ----------
    chain_id : int
    proof : Proof
        The batch proof.
    public_inputs : list[int]
        ``[chain_id, old_state_root, new_state_root, batch_commitment]`` (zksvs.statement order).
    batch_data : list[SlotData]
        The batch's slots; their commitment must equal the public batch_commitment.
    bridge_openings : list[BridgeOpening]
        For every peer j ≠ chain_id: the opening of the burn slot 2j and of the mint slot 2j+1 in the new state root.
    """

    chain_id: int
    proof: Proof
    public_inputs: list[int]
    batch_data: list[SlotData]
    bridge_openings: list[BridgeOpening]

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
class SettlementResult:
    """The verdict: ``accepted``, or the first failed check (and rollup) with a detail; plus the gas report."""

    accepted: bool
    batch_number: int
    failed_check: str | None = None
    chain_id: int | None = None
    detail: str = ""
    gas: SettlementGas | None = None
    new_state_roots: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-ready dict (roots as decimal strings)."""
        return {
            "batch_number": self.batch_number,
            "accepted": self.accepted,
            "failed_check": self.failed_check,
            "chain_id": self.chain_id,
            "detail": self.detail,
            "new_state_roots": {str(k): str(v) for k, v in self.new_state_roots.items()},
            "gas": self.gas.to_json() if self.gas else None,
        }


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

    def __init__(self, root_check: str = "both", cross_vk: VerifyingKey | None = None) -> None:
        if root_check not in ROOT_CHECKS:
            raise ValueError(f"Argument 'root_check' must be one of {ROOT_CHECKS}, not {root_check!r}")
        if root_check != "openings" and cross_vk is None:
            raise ValueError(f"root_check {root_check!r} needs the cross-rollup verifying key (cross_vk)")
        self.root_check = root_check
        if cross_vk is not None:
            check_contributed(cross_vk)  # warns (once) on a key anyone can forge proofs for
        self._cross_vk = prepare_verifying_key(cross_vk) if cross_vk is not None else None
        self._rollups: dict[int, _Registered] = {}
        self.batch_number = 0

    def register(self, chain_id: int, vk: VerifyingKey, genesis_state_root: int) -> None:
        """Register a rollup with its batch-circuit verifying key and genesis state root.

        Raises
        ------
        ValueError
            ``chain_id`` is already registered, or the key does not have the batch circuit's 4 public inputs.
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
                capacity=_capacity_of(submission),
                slot_tree_depth=bridge_slot_depth(len(self._rollups)),
                n_keys=len({reg.vk for reg in self._rollups.values()}),
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
        for chain_id, root in roots.items():
            reg = self._rollups[chain_id]
            reg.state_root = root
            reg.batches += 1
        self.batch_number += 1
        return SettlementResult(True, number, gas=gas, new_state_roots=roots)

    def _check(self, sub: object) -> dict[int, int]:
        """Every check in order (module docstring); returns the new state roots or raises ``SettlementRejected``."""
        if not isinstance(sub, SharedBatchSubmission):
            raise SettlementRejected("batch_number", None, f"not a shared batch submission: {type(sub).__name__}")
        if type(sub.batch_number) is not int or sub.batch_number != self.batch_number:
            raise SettlementRejected(
                "batch_number", None, f"expected shared batch {self.batch_number}, got {sub.batch_number!r}"
            )
        rollups = self._check_rollup_set(sub)
        statements = {r.chain_id: self._check_public_inputs(r) for r in rollups}
        for r in rollups:
            stored = self._rollups[r.chain_id].state_root
            if statements[r.chain_id].old_state_root != stored:
                raise SettlementRejected(
                    "old_root", r.chain_id, f"old_state_root {statements[r.chain_id].old_state_root} ≠ stored {stored}"
                )
        for r in rollups:
            self._check_batch_data(r)
        for r in rollups:
            if batch_commitment(r.batch_data) != statements[r.chain_id].batch_commitment:
                raise SettlementRejected("batch_commitment", r.chain_id, "batch data does not match the commitment")
        self._check_proofs(rollups)
        new_roots = {c: st.new_state_root for c, st in statements.items()}
        if self.root_check in ("openings", "both"):
            self._check_openings(rollups, new_roots)
        if self.root_check in ("proof", "both"):
            self._check_cross_proof(sub, new_roots)
        return new_roots

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
        """``bridge_opening`` then ``burn_mint_equality``: depth-exact openings of every burn/mint slot of a pair."""
        k = len(self._rollups)
        slots: dict[tuple[int, int], int] = {}
        for r in rollups:
            if not isinstance(r.bridge_openings, (list, tuple)):
                raise SettlementRejected(
                    "bridge_opening", r.chain_id, f"must be a list, not {type(r.bridge_openings).__name__}"
                )
            for op in r.bridge_openings:
                try:
                    ok = verify_bridge_opening(new_roots[r.chain_id], op, k)
                except InputError as e:
                    raise SettlementRejected("bridge_opening", r.chain_id, str(e)) from e
                if not ok:
                    raise SettlementRejected(
                        "bridge_opening", r.chain_id, f"opening of slot {op.slot} does not match the new state root"
                    )
                slots[(r.chain_id, op.slot)] = op.value
        for i in self.chain_ids:
            for j in self.chain_ids:
                if i == j:
                    continue
                burn = slots.get((i, burn_slot(j)))
                mint = slots.get((j, mint_slot(i)))
                if burn is None or mint is None:
                    who = i if burn is None else j
                    raise SettlementRejected("bridge_opening", who, f"no opening for the pair {i}→{j}")
                if burn != mint:
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


def _capacity_of(sub: object) -> int:
    """Slots per batch as submitted (for the gas report), whatever the submission's shape."""
    rollups = getattr(sub, "rollups", None)
    if not isinstance(rollups, (list, tuple)):
        return 0
    return max((_capacity(getattr(r, "batch_data", None)) for r in rollups), default=0)


def bridge_openings_for(
    chain_id: int, n_rollups: int, slot_values: Sequence[int], accounts_root: int
) -> list[BridgeOpening]:
    """The openings a rollup submits: burn slot 2j and mint slot 2j+1 for every peer j ≠ chain_id."""
    out = []
    for j in range(n_rollups):
        if j != chain_id:
            out.append(bridge_opening(slot_values, burn_slot(j), accounts_root))
            out.append(bridge_opening(slot_values, mint_slot(j), accounts_root))
    return out

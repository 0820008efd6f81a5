"""The forced-inclusion queue of SharedSettlement.sol (issue 10 §3) agrees with the model's (verifier.forced_queue):
``enqueue`` accepts and refuses the same transactions with the same check names (every refusal rule, Baby Jubjub's
curve and small-order checks included), stores the entry hash that ``zksvs.forced`` defines, and a refusal leaves
every storage slot as it was; ``settle``'s ``forced_inclusion`` check gives the model's verdict on forced slots
(honest included and rejected, skipped, reordered, claimed but not queued, overdue, another signature).

The verdicts are the contract's own: the Python side only encodes (verifier.evm_queue, verifier.evm_calldata) and
decodes the revert. Submissions here carry no valid proof: a submission that passes ``forced_inclusion`` is then
refused at the next check (``batch_commitment``) by both L1s; the accepted path with real proofs is
tests/e2e/test_forced_cli.py's run on the EVM.
"""

from __future__ import annotations

from dataclasses import replace

import py_ecc.bn128 as bn
import pytest

from sequencer import Transfer, sign
from tests.sequencer.conftest import key
from verifier.evm_settlement import EvmSettlementContract
from verifier.forced_queue import ForcedQueue
from verifier.settlement import RollupSubmission, SettlementContract, SharedBatchSubmission
from zksvs import babyjub as bj
from zksvs.eddsa import Signature
from zksvs.field import FR_MODULUS
from zksvs.forced import entry_hash, entry_words
from zksvs.groth16 import Proof, VerifyingKey
from zksvs.statement import SlotData, SlotKind, unpack_slot
from zksvs.tx_message import Program, TxFields, TxKind

# the toy key's delta is the G2 generator: the model warns that proofs for it can be forged (none is made here)
pytestmark = [pytest.mark.node, pytest.mark.filterwarnings("ignore::zksvs.groth16.UncontributedKeyWarning")]

K, D, T = 3, 3, 2
R = FR_MODULUS
L = bj.SUBORDER
T8 = bj.scalar_mul(bj.GENERATOR, L)  # a point of order 8


def _toy_vk() -> VerifyingKey:
    """Generators for every point: a key the contract registers (valid points); no proof here verifies under it."""
    g1 = (1, 2)
    g2 = tuple((c.coeffs[0].n, c.coeffs[1].n) for c in bn.G2[:2])
    return VerifyingKey(g1, g2, g2, g2, (g1,) * 7)


def _evm() -> EvmSettlementContract:
    c = EvmSettlementContract("openings", account_depth=D, deadline=T)
    for chain in range(K):
        c.register(chain, _toy_vk(), GENESIS[chain])
    c.address  # noqa: B018  deployed
    return c


GENESIS = [1000, 1001, 1002]


@pytest.fixture
def evm(settlement_artifacts) -> EvmSettlementContract:
    """A fresh contract: K = 3, D = 3, T = 2, root check openings."""
    return _evm()


def _tx(chain: int, sender: int, to: int, amount: int, nonce: int, **kw):
    return sign(Transfer(chain, sender, to, amount, nonce, **kw), key(chain, sender))


GOOD = _tx(0, 1, 2, 5, 0)
F, S = GOOD.fields(), GOOD.signature


def _f(**changes) -> TxFields:
    base = {n: getattr(F, n) for n in ("kind", "chain", "sender", "recipient", "to_chain", "amount", "nonce")}
    return TxFields(**(base | changes))


ENQUEUE_CASES = {
    "valid": (0, F, S),
    "valid, named key": (0, _tx(0, 1, 2, 5, 0, to_pubkey=bj.BASE8).fields(), S),
    "valid, named key of order 8l": (0, _f(recipient_pubkey=bj.GENERATOR), S),
    "valid, a signature that does not verify": (0, F, _tx(0, 1, 2, 6, 0).signature),
    "valid, S = l - 1": (0, F, Signature(S.r8, L - 1)),
    "rollup K": (K, F, S),
    "rollup -1": (-1, F, S),
    "rollup str": ("0", F, S),
    "rollup None": (None, F, S),
    "rollup 2^256": (1 << 256, F, S),
    "not fields": (0, "transfer", S),
    "another rollup's transaction": (1, F, S),
    "a burn": (0, TxFields(TxKind.BURN, 0, 1, 2, 1, 5, 0), S),
    "a call": (0, TxFields(TxKind.CALL, 0, 1, 2, 1, 5, 0, program=Program.MINT), S),
    "unknown kind": (0, TxFields(7, 0, 1, 2, 0, 5, 0, program=Program.MINT), S),
    "key: the identity (small order)": (0, _f(recipient_pubkey=bj.IDENTITY), S),
    "key: order 2": (0, _f(recipient_pubkey=bj.ORDER_TWO), S),
    "key: order 8": (0, _f(recipient_pubkey=T8), S),
    "key: order 4": (0, _f(recipient_pubkey=bj.scalar_mul(T8, 2)), S),
    "key: off the curve": (0, _f(recipient_pubkey=(1, 2)), S),
    "key: x + r": (0, _f(recipient_pubkey=(bj.BASE8[0] + R, bj.BASE8[1])), S),
    "from 2^D": (0, _f(sender=1 << D), S),
    "to 2^D": (0, _f(recipient=1 << D), S),
    "to -1": (0, _f(recipient=-1), S),
    "amount 2^64": (0, _f(amount=1 << 64), S),
    "valid, amount 2^64 - 1": (0, _f(amount=(1 << 64) - 1), S),
    "amount 1.0": (0, _f(amount=1.0), S),
    "nonce 2^64": (0, _f(nonce=1 << 64), S),
    "transfer to another chain": (0, _f(to_chain=1), S),
    "transfer with payload": (0, _f(payload=3), S),
    "unsigned": (0, F, None),
    "not a signature": (0, F, (S.r8, S.s)),
    "R8 off the curve": (0, F, Signature((1, 2), S.s)),
    "R8 (0, 0)": (0, F, Signature((0, 0), S.s)),
    "S = l": (0, F, Signature(S.r8, L)),
    "S + 2^251": (0, F, Signature(S.r8, S.s + 2**251)),
    "S = 2^300": (0, F, Signature(S.r8, 1 << 300)),
}


@pytest.mark.parametrize("name", ENQUEUE_CASES)
def test_enqueue_agrees_with_the_model(evm, name):
    chain, fields, sig = ENQUEUE_CASES[name]
    model = ForcedQueue(K, D, T)
    want = model.enqueue(chain, fields, sig, 0)
    before = evm.storage()
    got = evm.enqueue(chain, fields, sig)
    assert (got.accepted, got.failed_check, got.index) == (want.accepted, want.failed_check, want.index), got.detail
    assert want.accepted == name.startswith("valid"), want.detail
    if not want.accepted:
        assert evm.storage() == before
        assert got.detail.startswith(f"the contract reverted with {want.failed_check.capitalize()}(")
        return
    c = chain
    assert evm.queue_state(c) == (0, 1)
    stored = evm.entry(c, 0)
    assert stored == (entry_hash(entry_words(fields, sig)), 0) == (model.entries[c][0].entry_hash, 0)


def test_enqueue_indexes_and_batch_numbers(evm):
    model = ForcedQueue(K, D, T)
    txs = [_tx(1, 0, 1, 5, n) for n in range(3)] + [_tx(2, 3, 4, 1, 0)]
    for tx in txs:
        got = evm.enqueue(tx.chain, tx.fields(), tx.signature, tx.to_obj())
        want = model.enqueue(tx.chain, tx.fields(), tx.signature, 0, tx.to_obj())
        assert (got.accepted, got.index) == (True, want.index)
    assert [evm.queue_state(c) for c in range(K)] == [(0, 0), (0, 3), (0, 1)]
    assert evm.queue.to_obj() == model.to_obj()
    assert len(evm.enqueue_gas) == 4 and all(g > 21_000 for g in evm.enqueue_gas)


# --- settlement: forced_inclusion ---------------------------------------------------------------------------------

A = _tx(1, 0, 1, 5, 0)  # rollup 1's queue: A, B (enqueued at batch 0); rollup 2's: C
B = _tx(1, 2, 3, 7, 0, to_pubkey=bj.BASE8)
C = _tx(2, 4, 0, 1, 0)
QUEUED = (A, B, C)


def _forced(tx, reason: int = 0, **changes) -> SlotData:
    """The forced slot of ``tx`` (``entry_words`` unpacked), with ``reason`` and any field changed."""
    return replace(unpack_slot(entry_words(tx.fields(), tx.signature)), reason=reason, **changes)


def _transfer(chain: int) -> SlotData:
    return SlotData(SlotKind.TRANSFER, account_a=0, account_b=1, amount=1, nonce=0)


def _submission(batch_number: int, slots: dict[int, list[SlotData]]) -> SharedBatchSubmission:
    """Every rollup's batch (the given slots, else one ordinary transfer; in the dict's order, then the others) with
    the genesis old roots and no valid proof: both L1s get as far as forced_inclusion and, past it, refuse at
    batch_commitment."""
    g1, g2 = (1, 2), _toy_vk().beta_g2
    rollups = [
        RollupSubmission(c, Proof(g1, g2, g1), [c, GENESIS[c], 0, 0, 0, 0], slots.get(c, [_transfer(c)]))
        for c in [*slots, *(c for c in range(K) if c not in slots)]
    ]
    return SharedBatchSubmission(batch_number, rollups)


def _l1s(batch_number: int = 0) -> tuple[SettlementContract, EvmSettlementContract]:
    """The model and the EVM contract with QUEUED enqueued at batch 0, both at ``batch_number`` afterwards."""
    model = SettlementContract("openings", queue=ForcedQueue(K, D, T))
    for c in range(K):
        model.register(c, _toy_vk(), GENESIS[c])
    evm = _evm()
    for tx in QUEUED:
        assert model.enqueue(tx.chain, tx.fields(), tx.signature).accepted
        assert evm.enqueue(tx.chain, tx.fields(), tx.signature).accepted
    if batch_number:
        # the L1s as after `batch_number` accepted shared batches that processed nothing (no proofs here to get
        # there by settling): the model's counter, and the contract's batchNumber (slot 0, low 8 bytes)
        model.batch_number = batch_number
        account = evm.chain._accounts[evm.address.lower()]
        account.storage[0] = account.storage[0] - (account.storage[0] & (2**64 - 1)) + batch_number
        assert evm.batch_number == batch_number
    return model, evm


FIRST = "the first rollup submitted"
SETTLE_CASES = {
    # forced_inclusion passes: the next check refuses (no valid proofs here)
    "no forced slot, nothing overdue": (0, {}, ("batch_commitment", FIRST)),
    "honest: A, B included": (0, {1: [_forced(A), _forced(B)]}, ("batch_commitment", FIRST)),
    "honest: A, B, C, slots between": (
        0,
        {1: [_transfer(1), _forced(A), _transfer(1), _forced(B)], 2: [_forced(C)]},
        ("batch_commitment", FIRST),
    ),
    "honest: A rejected (bad_nonce), B (overdraft)": (
        0,
        {1: [_forced(A, reason=3), _forced(B, reason=4)]},
        ("batch_commitment", FIRST),
    ),
    "honest: only A, B not yet due": (1, {1: [_forced(A)], 2: [_forced(C)]}, ("batch_commitment", FIRST)),
    # refused
    "skipped: B without A": (0, {1: [_forced(B)]}, ("forced_inclusion", 1)),
    "reordered: B, A": (0, {1: [_forced(B), _forced(A)]}, ("forced_inclusion", 1)),
    "claimed, not queued (rollup 0)": (0, {0: [_forced(_tx(0, 1, 2, 5, 0))]}, ("forced_inclusion", 0)),
    "claimed more than queued: A, B, A": (
        0,
        {1: [_forced(A), _forced(B), _forced(A)]},
        ("forced_inclusion", 1),
    ),
    "another transaction in A's place": (0, {1: [_forced(A, amount=6)]}, ("forced_inclusion", 1)),
    "another named key": (0, {1: [_forced(A), _forced(B, pubkey_x=0, pubkey_y=0)]}, ("forced_inclusion", 1)),
    "another signature: S": (0, {1: [_forced(A, sig_s=A.signature.s + 1)]}, ("forced_inclusion", 1)),
    "another signature: R8": (0, {1: [_forced(A, sig_r8x=B.signature.r8[0])]}, ("forced_inclusion", 1)),
    "another signature: A's words with B's": (
        0,
        {1: [_forced(A, sig_r8x=B.signature.r8[0], sig_r8y=B.signature.r8[1], sig_s=B.signature.s)]},
        ("forced_inclusion", 1),
    ),
    "a signature that verifies for another rollup's slot": (0, {2: [_forced(A)]}, ("forced_inclusion", 2)),
    "overdue: nothing processed at batch T": (T, {}, ("forced_inclusion", 1)),
    "overdue: A processed, B left at batch T": (T, {1: [_forced(A)], 2: [_forced(C)]}, ("forced_inclusion", 1)),
    "overdue: rollup 2's C left at batch T": (T, {1: [_forced(A), _forced(B)]}, ("forced_inclusion", 2)),
    "all processed at batch T": (T, {1: [_forced(A), _forced(B)], 2: [_forced(C)]}, ("batch_commitment", FIRST)),
    "not overdue at batch T - 1": (T - 1, {}, ("batch_commitment", FIRST)),
    # batch_data (before forced_inclusion): the signature words are 0 on a slot that is not forced, < r on one that is
    "a signature word on a slot that is not forced": (0, {1: [replace(_transfer(1), sig_s=5)]}, ("batch_data", 1)),
    "a forced slot's S + r": (0, {1: [_forced(A, sig_s=A.signature.s + R)]}, ("batch_data", 1)),
    "the first refused rollup in submission order": (
        0,
        {2: [_forced(B)], 1: [_forced(C)]},
        ("forced_inclusion", 2),
    ),
    "submitted in another order, honest": (0, {2: [_forced(C)], 0: [], 1: [_forced(A)]}, ("batch_commitment", FIRST)),
}


@pytest.mark.parametrize("name", SETTLE_CASES)
def test_settle_forced_inclusion_agrees_with_the_model(settlement_artifacts, name):
    batch, slots, (check, chain_id) = SETTLE_CASES[name]
    model, evm = _l1s(batch)
    sub = _submission(batch, slots)
    chain_id = sub.rollups[0].chain_id if chain_id == FIRST else chain_id
    want = model.settle(sub)
    assert (want.accepted, want.failed_check, want.chain_id) == (False, check, chain_id), want.detail
    before = evm.storage()
    got = evm.settle(sub)
    assert (got.accepted, got.failed_check, got.chain_id) == (False, check, chain_id), got.detail
    assert evm.storage() == before
    assert [evm.queue_state(c) for c in range(K)] == [(0, 0), (0, 2), (0, 1)]


# --- BabyJubjub.sol against circomlibjs ------------------------------------------------------------------------------


def test_baby_jubjub_checks_agree_with_circomlibjs(evm):
    """A named key is queued iff circomlibjs says it is on the curve and 8·P is not the identity; an R8 iff it is on
    the curve (circomlibjs 0.1.7 babyJub.inCurve / mulPointEscalar)."""
    from tests.oracles.eddsa import circomlibjs, point

    g8 = bj.BASE8
    points = [bj.scalar_mul(T8, k) for k in range(8)]  # the small-order points
    points += [g8, bj.GENERATOR, bj.scalar_mul(g8, 12345), bj.add(bj.scalar_mul(g8, 99), T8)]
    points += [(1, 2), (g8[0], (g8[1] + 1) % R), (0, 5), (5, 0)]  # off the curve ((0, 0) names no key)
    answers = circomlibjs([q for p in points for q in ({"op": "in_curve", "p": p}, {"op": "mul", "p": p, "k": 8})])
    for i, p in enumerate(points):
        on_curve, eight_p = answers[2 * i], point(answers[2 * i + 1])
        usable = on_curve and eight_p != (0, 1)
        got = evm.enqueue(0, _f(recipient_pubkey=p), S)
        assert (got.accepted, got.failed_check) == ((True, None) if usable else (False, "transaction")), p
        got = evm.enqueue(0, F, Signature(p, S.s))
        assert (got.accepted, got.failed_check) == ((True, None) if on_curve else (False, "signature")), p

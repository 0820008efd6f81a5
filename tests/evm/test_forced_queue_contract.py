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

import py_ecc.bn128 as bn
import pytest

from sequencer import Transfer, sign
from tests.sequencer.conftest import key
from verifier.evm_settlement import EvmSettlementContract
from verifier.forced_queue import ForcedQueue
from zksvs import babyjub as bj
from zksvs.eddsa import Signature
from zksvs.field import FR_MODULUS
from zksvs.forced import entry_hash, entry_words
from zksvs.groth16 import VerifyingKey
from zksvs.tx_message import Program, TxFields, TxKind

pytestmark = [pytest.mark.node]

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

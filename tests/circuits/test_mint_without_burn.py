"""Finding 1 of the outside audit (issue 8): a mint without a burn when K is a power of two.

The append bound the peer chain only by ``2·peer + is_mint == slot`` (mod r) and skipped ``peer < K`` when K is a
power of two. A MINT on chain c with peer = (2c − 1)/2 mod r then writes bridge slot 2c, the burn tree c→c, which no
pair check compares: batch circuit, cross-rollup circuit and L1 accepted a mint of 10^18 from nothing. The mirror, a
BURN with peer = (2c + 1)/2, writes the mint tree c→c: the debit happens, the message goes nowhere.

Each forgery is written as the audit did: a cheating prover's trace (``tests.helpers.forge.Forge``: every opening
and root consistent with what it wrote, the peer, slot bits and paths moved together) assigned by the circuit's own
builder, for K = 2, 4, 8. Shown here: the batch R1CS has no satisfying witness (the peer's range check names it),
the cross-rollup circuit refuses a non-empty c→c slot, and the L1 model with proofs replaced by R1CS
satisfiability (``tests.helpers.r1cs_l1``) rejects the shared batch in every root-check mode while it accepts the
honest one, both with its own ``batch_data`` check and without it (then the batch proof refuses it).
"""

from __future__ import annotations

from functools import cache

import pytest

import verifier.settlement as settlement
from circuits.batch import BatchCircuit, assign_batch_witness, build_batch_circuit
from circuits.cross import CrossCircuit, assign_cross_witness, build_cross_circuit
from sequencer import Receipt, Sequencer, SharedBatch, Transfer
from sequencer.genesis import Genesis, demo_genesis
from tests.helpers.forge import Forge
from tests.helpers.r1cs_l1 import R1csKey, submission, use_r1cs_proofs
from verifier.settlement import ROOT_CHECKS, SettlementContract, SharedBatchSubmission
from zksvs.field import FR_MODULUS
from zksvs.statement import SlotKind
from zksvs.trace import BatchShape, BatchTrace

R = FR_MODULUS
HALF = pow(2, -1, R)
MINTED = 10**18


def shape_of(k: int) -> BatchShape:
    return BatchShape(n_rollups=k, capacity=1, account_depth=2, bridge_depth=2)


@cache
def batch_circuit_of(k: int) -> BatchCircuit:
    return build_batch_circuit(shape_of(k))


@cache
def cross_circuit_of(k: int) -> CrossCircuit:
    return build_cross_circuit(k, shape_of(k).bridge_depth)


@cache
def honest(k: int) -> tuple[Genesis, SharedBatch]:
    """One honest shared batch of K rollups: a transfer on chain 0 fills it (capacity 1); every other chain pads."""
    g = demo_genesis(k, accounts_per_rollup=2, account_depth=2, bridge_depth=2, capacity=1, seed=8, whale=False)
    seq = Sequencer(g)
    assert isinstance(seq.submit(Transfer(0, 0, 1, 1, 0)), Receipt)
    (batch,) = seq.pop_closed()
    return g, batch


def forged_trace(k: int, kind: SlotKind) -> BatchTrace:
    """Chain c = K − 1's batch with the forged slot: a MINT of 10^18 (peer (2c − 1)/2, slot 2c) to its account 1,
    or a BURN of account 0's whole balance (peer (2c + 1)/2, slot 2c + 1)."""
    g, _ = honest(k)
    c = k - 1
    accounts = dict(g.accounts[c])
    forge = Forge(shape_of(k), c, accounts)
    if kind == SlotKind.MINT:
        forge.cheat(SlotKind.MINT, 0, 1, MINTED, (2 * c - 1) * HALF % R)
        assert forge.slots[0].append.slot == 2 * c
    else:
        forge.cheat(SlotKind.BURN, 0, 0, accounts[0].balance, (2 * c + 1) * HALF % R)
        assert forge.slots[0].append.slot == 2 * c + 1
    return forge.trace()


def shared_traces(k: int, kind: SlotKind) -> list[BatchTrace]:
    """The honest shared batch with chain K − 1's trace replaced by the forged one."""
    _, batch = honest(k)
    return [*batch.traces[:-1], forged_trace(k, kind)]


KS = pytest.mark.parametrize("k", [2, 4, 8], ids=lambda k: f"K={k}")
KINDS = pytest.mark.parametrize("kind", [SlotKind.MINT, SlotKind.BURN], ids=["mint_to_slot_2c", "burn_to_slot_2c+1"])


@KS
@KINDS
def test_batch_rejects_a_peer_that_lands_on_the_self_pair(k, kind):
    circuit = batch_circuit_of(k)
    _, honest_batch = honest(k)
    assert circuit.r1cs.is_satisfied(assign_batch_witness(circuit, honest_batch.traces[k - 1]).values)
    bad = circuit.r1cs.first_unsatisfied(assign_batch_witness(circuit, forged_trace(k, kind)).values)
    assert bad is not None, f"the batch circuit accepts a forged {kind.name}"
    assert bad[1] == "slot[0]/data/peer_range/recompose"


@KS
@KINDS
def test_cross_rejects_a_nonempty_self_pair_slot(k, kind):
    cross = cross_circuit_of(k)
    _, honest_batch = honest(k)
    assert cross.r1cs.is_satisfied(assign_cross_witness(cross, honest_batch.traces).values)
    c = k - 1
    slot = 2 * c if kind == SlotKind.MINT else 2 * c + 1
    bad = cross.r1cs.first_unsatisfied(assign_cross_witness(cross, shared_traces(k, kind)).values)
    assert bad is not None, f"the cross-rollup circuit accepts a non-empty slot {slot} on rollup {c}"
    assert bad[1] == f"rollup[{c}]/empty[{slot}]"


@cache
def keys(k: int) -> tuple[R1csKey, R1csKey]:
    """The stand-in verifying keys (one object per circuit, so each witness is checked once per session)."""
    return R1csKey(batch_circuit_of(k).r1cs), R1csKey(cross_circuit_of(k).r1cs)


@cache
def submitted(k: int, kind: SlotKind | None, with_cross: bool) -> SharedBatchSubmission:
    """The honest shared batch (``kind`` None) or the forged one, with witnesses as proofs."""
    traces = list(honest(k)[1].traces) if kind is None else shared_traces(k, kind)
    witnesses = [assign_batch_witness(batch_circuit_of(k), t).values for t in traces]
    cross = assign_cross_witness(cross_circuit_of(k), traces).values if with_cross else None
    return submission(0, traces, witnesses, cross)


@KS
@KINDS
@pytest.mark.parametrize("root_check", ROOT_CHECKS)
@pytest.mark.parametrize("batch_data_check", [True, False], ids=["full_l1", "l1_without_batch_data_check"])
def test_l1_rejects_the_forged_shared_batch(k, kind, root_check, batch_data_check, monkeypatch):
    """The L1 model, proofs replaced by R1CS satisfiability: the honest shared batch settles, the forged one does
    not and changes nothing. Two independent layers refuse it: the L1's ``batch_data`` check (its peer_chain is not
    a chain) and, with that check switched off, the batch proof itself (its R1CS has no satisfying witness)."""
    use_r1cs_proofs(monkeypatch)
    if not batch_data_check:
        monkeypatch.setattr(settlement, "check_slot_data", lambda slot, chain_id, n_rollups: slot)
    batch_key, cross_key = keys(k)
    with_cross = root_check != "openings"

    def contract() -> SettlementContract:
        con = SettlementContract(root_check=root_check, cross_vk=cross_key if with_cross else None)
        for c, root in enumerate(honest(k)[1].old_state_roots()):
            con.register(c, batch_key, root)
        return con

    good = contract()
    assert good.settle(submitted(k, None, with_cross)).accepted
    bad = contract()
    before = [bad.state_root(c) for c in range(k)]
    result = bad.settle(submitted(k, kind, with_cross))
    assert not result.accepted, f"the L1 settled a forged {kind.name} ({root_check})"
    assert (result.failed_check, result.chain_id) == ("batch_data" if batch_data_check else "proof", k - 1)
    assert [bad.state_root(c) for c in range(k)] == before and bad.batch_number == 0

"""Random workloads (hypothesis; the seeded ``ci`` profile of tests/conftest.py), against a dict model written here.

After every submission: the outcome and its reason equal the model's, a rejection changed no root on any rollup,
total supply is conserved. After every shared batch: burn root i→j == mint root i→j for every pair, and every
trace verifies opening by opening and chains to the previous batch (tests/sequencer/trace_check.py).
"""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from sequencer.sequencer import Receipt, Rejection, Sequencer
from sequencer.tx import Burn, Transfer
from tests.sequencer.conftest import small_genesis
from tests.sequencer.trace_check import check_burn_equals_mint, check_shared_batch

U64_MAX = 2**64 - 1
D = 3
M = 2


class Model:
    """Balances, nonces and message counts in dicts; predicts each outcome with the rules of DESIGN.md §5."""

    def __init__(self, genesis):
        self.k = genesis.shape.n_rollups
        self.acc = {(c, i): [a.balance, a.nonce] for c, accs in enumerate(genesis.accounts) for i, a in accs}
        self.messages = {}

    def apply(self, tx) -> str | None:
        """Return the rejection reason, or None after applying ``tx``."""
        burn = isinstance(tx, Burn)
        if not 0 <= tx.amount <= U64_MAX:
            return "amount_out_of_u64"
        if not 0 <= tx.chain < self.k or (burn and not 0 <= tx.to_chain < self.k):
            return "unknown_rollup"
        if burn and tx.to_chain == tx.chain:
            return "malformed"
        if tx.sender >= 1 << D or tx.recipient >= 1 << D:
            return "unknown_account"
        s = self.acc.get((tx.chain, tx.sender))
        if s is None:
            return "unknown_account"
        if tx.nonce != s[1]:
            return "bad_nonce"
        if s[0] < tx.amount:
            return "overdraft"
        dst = tx.to_chain if burn else tx.chain
        r = self.acc.get((dst, tx.recipient))
        if not burn:
            if r is None:
                return "unknown_account"
            if r is not s and r[0] + tx.amount > U64_MAX:
                return "balance_overflow"
        else:
            if self.messages.get((tx.chain, dst), 0) >= 1 << M:
                return "bridge_full"
            if r is None or r[0] + tx.amount > U64_MAX:
                return "action_failed"  # the MINT action on dst: no account, or it would overflow
            self.messages[(tx.chain, dst)] = self.messages.get((tx.chain, dst), 0) + 1
        s[0] -= tx.amount
        s[1] += 1
        r[0] += tx.amount
        return None


def _rarely(draw) -> bool:
    """True about one time in eight (hypothesis shrinks towards 0, so the rare branch is the largest value)."""
    return draw(st.integers(0, 7)) == 7


@st.composite
def _ops(draw, k: int):
    """One operation: mostly well-formed and funded; now and then an unknown chain or account, a self-burn,
    an overdraft, an overflow at the whale (account 6), a wrong nonce."""
    chain = draw(st.integers(0, k)) if _rarely(draw) else draw(st.integers(0, k - 1))
    burn = draw(st.booleans())
    to_chain = (chain + draw(st.integers(1, k - 1))) % k
    if _rarely(draw):
        to_chain = draw(st.integers(0, k))
    sender = draw(st.sampled_from([5, 6, 7, 8])) if _rarely(draw) else draw(st.integers(0, 4))
    recipient = draw(st.sampled_from([5, 6, 7, 8])) if _rarely(draw) else draw(st.integers(0, 4))
    amount = draw(st.sampled_from([101, 5000, U64_MAX, 2**64])) if _rarely(draw) else draw(st.integers(0, 1100))
    nonce = draw(st.sampled_from(["high", "low"])) if _rarely(draw) else "ok"
    return burn, chain, to_chain, sender, recipient, amount, nonce


@given(data=st.data(), k=st.integers(2, 3), capacity=st.integers(1, 3))
def test_random_workloads_keep_svs_invariants(data, k, capacity):
    ops = data.draw(st.lists(_ops(k), min_size=4, max_size=16), label="ops")
    genesis = small_genesis(n_rollups=k, capacity=capacity, account_depth=D, bridge_depth=M)
    seq = Sequencer(genesis)
    model = Model(genesis)
    supply = genesis.total_supply()
    prev_roots = seq.state_roots()
    for burn, chain, to_chain, sender, recipient, amount, nonce_kind in ops:
        n = model.acc.get((chain, sender), [0, 0])[1]
        nonce = {"ok": n, "high": n + 1, "low": max(0, n - 1) if n else n + 2}[nonce_kind]
        tx = Burn(chain, to_chain, sender, recipient, amount, nonce) if burn else Transfer(
            chain, sender, recipient, amount, nonce)  # fmt: skip
        roots_before = [r.roots() for r in seq.rollups]
        want = model.apply(tx)
        got = seq.submit(tx)
        event(f"outcome: {want or 'accepted'}")
        if want is None:
            assert isinstance(got, Receipt), (tx, got)
        else:
            assert isinstance(got, Rejection) and got.reason.value == want, (tx, got, want)
            assert [r.roots() for r in seq.rollups] == roots_before, "a rejected tx changed a root"
        assert seq.total_supply() == supply
        for batch in seq.pop_closed():
            check_burn_equals_mint(batch.traces)
            check_shared_batch(batch, prev_roots)
            prev_roots = batch.new_state_roots()
    last = seq.close_batch()
    if last is not None:
        check_shared_batch(last, prev_roots)
        prev_roots = last.new_state_roots()
    assert prev_roots == seq.state_roots()
    for (c, i), (bal, nonce) in model.acc.items():
        a = seq.account(c, i)
        assert (a.balance, a.nonce) == (bal, nonce)

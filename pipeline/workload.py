"""The demo's seeded workload: transfers on every rollup, cross-rollup burns in several directions, and
transactions that must be rejected, so the closing table shows Shared Validity Sequencing at work.

The generator keeps a small model of balances and nonces only to make most transactions valid; the sequencer is
the authority on what is included. Rejected-on-purpose transactions are: an overdraft, a bad nonce, and a burn
whose mint must fail because the recipient's balance would pass 2^64 − 1 (the SVS rule: the burn is then dropped).
"""

from __future__ import annotations

import random
from collections.abc import Mapping

U64_MAX = (1 << 64) - 1


def demo_workload(
    balances: Mapping[int, Mapping[int, int]], n_txs: int, seed: int, whale: tuple[int, int] | None = None
) -> list[dict]:
    """``n_txs`` transactions in the JSONL form of DESIGN.md §9 (dicts), seeded.

    Parameters
    ----------
    balances : {chain_id: {account_index: balance}}
        Genesis accounts (u64 balances).
    n_txs : int
        Total transactions, including about one in eight that must be rejected (at least one of each reason when
        ``n_txs`` ≥ 8).
    seed : int
        Seed of the generator.
    whale : (chain_id, account_index) | None
        An account whose balance is near 2^64 − 1: a burn minting to it must be rejected.
    """
    rnd = random.Random(seed)
    bal = {c: dict(a) for c, a in balances.items()}
    nonce = {c: dict.fromkeys(a, 0) for c, a in balances.items()}
    chains = sorted(bal)
    txs: list[dict] = []
    bad_kinds = ["overdraft", "bad_nonce", "mint_overflow"] if whale else ["overdraft", "bad_nonce"]
    n_bad = max(len(bad_kinds), n_txs // 8) if n_txs >= 8 else 0
    bad_at = set(rnd.sample(range(1, n_txs), min(n_bad, n_txs - 1))) if n_bad else set()
    bad_cycle = 0

    def funded(c: int) -> list[int]:
        return [a for a, b in bal[c].items() if b > 1 and (whale is None or (c, a) != whale)]

    for i in range(n_txs):
        c = chains[i % len(chains)]
        senders = funded(c)
        if not senders:
            continue
        frm = rnd.choice(senders)
        if i in bad_at:
            kind = bad_kinds[bad_cycle % len(bad_kinds)]
            bad_cycle += 1
            if kind == "overdraft":
                to = rnd.choice([a for a in bal[c] if a != frm] or [frm])
                txs.append(_transfer(c, frm, to, bal[c][frm] + 1 + rnd.randrange(1000), nonce[c][frm]))
            elif kind == "bad_nonce":
                to = rnd.choice([a for a in bal[c] if a != frm] or [frm])
                txs.append(_transfer(c, frm, to, 1, nonce[c][frm] + 1 + rnd.randrange(3)))
            else:
                burn = _overflowing_burn(rnd, bal, nonce, whale, chains)  # type: ignore[arg-type]
                if burn is not None:
                    txs.append(burn)
            continue
        amount = rnd.randrange(1, max(2, bal[c][frm] // 4))
        if i % 3 == 1 and len(chains) > 1:
            dst = rnd.choice([x for x in chains if x != c])
            to = rnd.choice([a for a in bal[dst] if whale is None or (dst, a) != whale])
            txs.append(_burn(c, dst, frm, to, amount, nonce[c][frm]))
            bal[dst][to] += amount
        else:
            to = rnd.choice([a for a in bal[c] if a != frm and (whale is None or (c, a) != whale)] or [frm])
            txs.append(_transfer(c, frm, to, amount, nonce[c][frm]))
            bal[c][to] += amount
        bal[c][frm] -= amount
        nonce[c][frm] += 1
    return txs


def _overflowing_burn(
    rnd: random.Random,
    bal: dict[int, dict[int, int]],
    nonce: dict[int, dict[int, int]],
    whale: tuple[int, int],
    chains: list[int],
) -> dict | None:
    """A burn the sender can pay whose mint would push the whale's balance past 2^64 − 1 (None if nobody can pay)."""
    wc, wa = whale
    need = U64_MAX - bal[wc][wa] + 1
    payers = [(c, a) for c in chains if c != wc for a, b in bal[c].items() if b >= need]
    if not payers:
        return None
    src, s = rnd.choice(payers)
    amount = need + rnd.randrange(min(100, bal[src][s] - need + 1))
    return _burn(src, wc, s, wa, amount, nonce[src][s])


def _transfer(chain: int, frm: int, to: int, amount: int, nonce: int) -> dict:
    return {"kind": "transfer", "chain": chain, "from": frm, "to": to, "amount": amount, "nonce": nonce}


def _burn(chain: int, dst: int, frm: int, to: int, amount: int, nonce: int) -> dict:
    return {"kind": "burn", "chain": chain, "to_chain": dst, "from": frm, "to": to, "amount": amount, "nonce": nonce}

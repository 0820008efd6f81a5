"""Seeded workloads: transfers on every rollup, cross-rollup burns in several directions, and transactions that must
be rejected, so the closing table shows Shared Validity Sequencing at work; at any size for the sequencer's load
runs (``zksvs workload``).

The generator keeps a small model of balances and nonces only to make most transactions valid; the sequencer is
the authority on what is included. Rejected-on-purpose transactions are: an overdraft, a bad nonce, and a burn
whose mint must fail because the recipient's balance would pass 2^64 − 1 (the SVS rule: the burn is then dropped).

Signatures (protocol v2) do not exist yet. ``write_workload`` takes a ``TxSigner``: once they land, a signer gives
each genesis account its public key and signs each transaction object before it is written; nothing else here
changes (the generator's random stream does not depend on it).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

U64_MAX = (1 << 64) - 1


def demo_workload(
    balances: Mapping[int, Mapping[int, int]], n_txs: int, seed: int, whale: tuple[int, int] | None = None
) -> list[dict]:
    """``n_txs`` transactions in the JSONL form of DESIGN.md §9 (dicts), seeded (``iter_workload`` as a list)."""
    return list(iter_workload(balances, n_txs, seed, whale))


def iter_workload(
    balances: Mapping[int, Mapping[int, int]], n_txs: int, seed: int, whale: tuple[int, int] | None = None
) -> Iterator[dict]:
    """``n_txs`` transactions in the JSONL form of DESIGN.md §9 (dicts), seeded, one at a time (any size).

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
                yield _transfer(c, frm, to, bal[c][frm] + 1 + rnd.randrange(1000), nonce[c][frm])
            elif kind == "bad_nonce":
                to = rnd.choice([a for a in bal[c] if a != frm] or [frm])
                yield _transfer(c, frm, to, 1, nonce[c][frm] + 1 + rnd.randrange(3))
            else:
                burn = _overflowing_burn(rnd, bal, nonce, whale, chains)  # type: ignore[arg-type]
                if burn is not None:
                    yield burn
            continue
        amount = rnd.randrange(1, max(2, bal[c][frm] // 4))
        if i % 3 == 1 and len(chains) > 1:
            dst = rnd.choice([x for x in chains if x != c])
            to = rnd.choice([a for a in bal[dst] if whale is None or (dst, a) != whale])
            yield _burn(c, dst, frm, to, amount, nonce[c][frm])
            bal[dst][to] += amount
        else:
            to = rnd.choice([a for a in bal[c] if a != frm and (whale is None or (c, a) != whale)] or [frm])
            yield _transfer(c, frm, to, amount, nonce[c][frm])
            bal[c][to] += amount
        bal[c][frm] -= amount
        nonce[c][frm] += 1


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


class TxSigner(Protocol):
    """What signs a workload once transactions are signed (protocol v2, DESIGN.md §11); not used before.

    ``public_key(chain, index)`` is the key the genesis gives account ``index`` of rollup ``chain``; ``sign(tx)``
    returns the transaction object with its signature fields added (their names are the signature format's).
    """

    def public_key(self, chain: int, index: int) -> tuple[int, int]: ...

    def sign(self, tx: dict) -> dict: ...


@dataclass(frozen=True)
class WorkloadFiles:
    """What ``write_workload`` wrote.

    Attributes
    ----------
    genesis, txs : Path
        ``DIR/genesis.json`` and ``DIR/txs.jsonl``.
    n_txs : int
        Lines written (a few fewer than asked when no sender could pay a rejected-on-purpose burn).
    n_burns : int
        Burn lines (a rejected-on-purpose one included).
    bridge_depth : int
        M of the genesis: the one asked, or the least (≥ 4) whose 2^M holds every burn of the busiest pair.
    """

    genesis: Path
    txs: Path
    n_txs: int
    n_burns: int
    bridge_depth: int


def write_workload(
    out: str | os.PathLike,
    n_rollups: int,
    n_txs: int,
    seed: int,
    *,
    accounts_per_rollup: int = 32,
    account_depth: int = 8,
    capacity: int = 32,
    bridge_depth: int | None = None,
    signer: TxSigner | None = None,
) -> WorkloadFiles:
    """Write a seeded ``genesis.json`` (``sequencer.demo_genesis``, a whale on the last rollup) and ``txs.jsonl``
    (``iter_workload``: transfers, burns between every pair, one in eight rejected on purpose), streamed, any size.

    Parameters
    ----------
    out : path
        Folder (created); ``genesis.json`` and ``txs.jsonl`` in it are overwritten.
    n_rollups, n_txs, seed : int
        K (2..8), transactions, seed of genesis balances and workload.
    accounts_per_rollup, account_depth, capacity : int
        Accounts 0..n−1 per rollup, D, B.
    bridge_depth : int, optional
        M; by default the least M ≥ 4 with room for every burn of the busiest pair (no ``bridge_full``).
    signer : TxSigner, optional
        Signs every transaction and gives every account its public key (protocol v2; module docstring).

    Raises
    ------
    InvalidGenesis
        The shape is invalid (K outside 2..8, more accounts than 2^D, a depth outside 1..32).
    OSError
        ``out`` cannot be written.
    """
    from sequencer.genesis import demo_genesis, dump_genesis, find_whale, genesis_from_obj

    def genesis_for(m: int):
        g = demo_genesis(
            n_rollups,
            accounts_per_rollup=accounts_per_rollup,
            account_depth=account_depth,
            bridge_depth=m,
            capacity=capacity,
            seed=seed,
        )
        if signer is None:
            return g
        obj = g.to_obj()
        for r in obj["rollups"]:
            for a in r["accounts"]:
                a["pubkey_x"], a["pubkey_y"] = signer.public_key(r["chain_id"], a["index"])
        return genesis_from_obj(obj)

    genesis = genesis_for(bridge_depth or 4)  # balances do not depend on M: the same seed draws the same ones
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    txs_path = folder / "txs.jsonl"
    burns: dict[tuple[int, int], int] = {}
    n_written = 0
    with open(txs_path, "w", encoding="utf-8") as f:
        for tx in iter_workload(genesis.balances(), n_txs, seed, whale=find_whale(genesis)):
            if tx["kind"] == "burn":
                pair = (tx["chain"], tx["to_chain"])
                burns[pair] = burns.get(pair, 0) + 1
            f.write(json.dumps(tx if signer is None else signer.sign(tx)) + "\n")
            n_written += 1
    m = bridge_depth if bridge_depth is not None else max(4, max(burns.values(), default=0).bit_length())
    genesis_path = folder / "genesis.json"
    dump_genesis(genesis if m == genesis.shape.bridge_depth else genesis_for(m), genesis_path)
    return WorkloadFiles(genesis_path, txs_path, n_written, sum(burns.values()), m)

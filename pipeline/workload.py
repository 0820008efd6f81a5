"""Seeded workloads: signed transfers on every rollup, cross-rollup burns and calls of every program (MINT, COND,
SWAP) in several directions, payments that create accounts, and transactions that must be rejected, so the closing
table shows Shared Validity Sequencing at work; at any size for the sequencer's load runs (``zksvs workload``).

The generator keeps a small model of balances, nonces and accounts only to make most transactions valid; the
sequencer is the authority on what is included. Rejected-on-purpose transactions are: an overdraft, a bad nonce, a
burn whose mint must fail because the recipient's balance would pass 2^64 − 1 (``action_failed``: the SVS rule, the
burn is then dropped), a COND call whose cap its target already passes (``action_failed``), and, when the workload
is signed, a transaction whose signature does not verify (``bad_signature``: signed over another amount).

Signing (protocol v2) goes through a ``TxSigner``: it gives each genesis account its public key and signs each
transaction object (a SWAP call's order by its counterparty, then the call by its sender). ``DemoSigner`` holds the
seeded keys of ``sequencer.genesis.demo_genesis``. Without a signer the workload is unsigned (protocol v1 genesis,
the "without signatures" baseline of the throughput runs).
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


class TxSigner(Protocol):
    """What signs a workload (protocol v2, DESIGN.md §11).

    ``public_key(chain, index)`` is the key the genesis gives account ``index`` of rollup ``chain`` (also for
    accounts a payment creates); ``sign(tx)`` returns the transaction object with its signature fields added (and a
    SWAP call's order signed by its counterparty).
    """

    def public_key(self, chain: int, index: int) -> tuple[int, int]: ...

    def sign(self, tx: dict) -> dict: ...


class DemoSigner:
    """The seeded keys of ``demo_genesis(seed=seed)`` (``sequencer.genesis.demo_private_key``): INSECURE, anyone who
    knows the seed can sign; for demos, tests and load runs."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def public_key(self, chain: int, index: int) -> tuple[int, int]:
        """The key of account ``index`` on ``chain``."""
        from sequencer.genesis import demo_public_key

        return demo_public_key(self.seed, chain, index)

    def sign(self, tx: dict) -> dict:
        """``tx`` (JSONL form) signed by its sender's seeded key; a SWAP call's order by its counterparty's first."""
        from dataclasses import replace

        from sequencer.genesis import demo_private_key
        from sequencer.tx import Call, parse_tx, sign
        from zksvs.eddsa import sign_poseidon

        parsed = parse_tx(tx)
        if isinstance(parsed, Call) and parsed.order is not None:
            order_key = demo_private_key(self.seed, parsed.order.chain, parsed.order.sender)
            parsed = replace(parsed, order_signature=sign_poseidon(order_key, parsed.order.message()))
        return sign(parsed, demo_private_key(self.seed, parsed.chain, parsed.sender)).to_obj()


def demo_workload(
    balances: Mapping[int, Mapping[int, int]],
    n_txs: int,
    seed: int,
    whale: tuple[int, int] | None = None,
    *,
    signer: TxSigner | None = None,
    account_depth: int | None = None,
) -> list[dict]:
    """``n_txs`` transactions in the JSONL form of DESIGN.md §9 (dicts), seeded (``iter_workload`` as a list)."""
    return list(iter_workload(balances, n_txs, seed, whale, signer=signer, account_depth=account_depth))


def iter_workload(
    balances: Mapping[int, Mapping[int, int]],
    n_txs: int,
    seed: int,
    whale: tuple[int, int] | None = None,
    *,
    signer: TxSigner | None = None,
    account_depth: int | None = None,
) -> Iterator[dict]:
    """``n_txs`` transactions in the JSONL form of DESIGN.md §9 (dicts), seeded, one at a time (any size).

    Parameters
    ----------
    balances : {chain_id: {account_index: balance}}
        Genesis accounts (u64 balances).
    n_txs : int
        Total transactions, including about one in eight that must be rejected (at least one of each reason when
        ``n_txs`` ≥ 8 … 10).
    seed : int
        Seed of the generator.
    whale : (chain_id, account_index) | None
        An account whose balance is near 2^64 − 1: a burn minting to it must be rejected.
    signer : TxSigner | None
        Signs every transaction (one forged on purpose); None: unsigned.
    account_depth : int | None
        D of the genesis: with a signer, some payments go to unused indices below 2^D and create them (naming the
        signer's key for them); None: no account is created.
    """
    rnd = random.Random(seed)
    bal = {c: dict(a) for c, a in balances.items()}
    nonce = {c: dict.fromkeys(a, 0) for c, a in balances.items()}
    chains = sorted(bal)
    bad_kinds = ["overdraft", "bad_nonce"] + (["mint_overflow"] if whale else [])
    if len(chains) > 1:
        bad_kinds.append("cond_over_cap")
    if signer is not None:
        bad_kinds.append("forged")
    n_bad = max(len(bad_kinds), n_txs // 8) if n_txs >= 8 else 0
    bad_at = set(rnd.sample(range(1, n_txs), min(n_bad, n_txs - 1))) if n_bad else set()
    bad_cycle = 0
    free = {c: [i for i in range(1 << account_depth) if i not in bal[c]] for c in chains} if account_depth else {}

    def funded(c: int) -> list[int]:
        return [a for a, b in bal[c].items() if b > 1 and (whale is None or (c, a) != whale)]

    def out(tx: dict) -> dict:
        return tx if signer is None else signer.sign(tx)

    for i in range(n_txs):
        c = chains[i % len(chains)]
        senders = funded(c)
        if not senders:
            continue
        frm = rnd.choice(senders)
        others = [x for x in chains if x != c]
        if i in bad_at:
            kind = bad_kinds[bad_cycle % len(bad_kinds)]
            bad_cycle += 1
            if kind == "overdraft":
                to = rnd.choice([a for a in bal[c] if a != frm] or [frm])
                yield out(_transfer(c, frm, to, bal[c][frm] + 1 + rnd.randrange(1000), nonce[c][frm]))
            elif kind == "bad_nonce":
                to = rnd.choice([a for a in bal[c] if a != frm] or [frm])
                yield out(_transfer(c, frm, to, 1, nonce[c][frm] + 1 + rnd.randrange(3)))
            elif kind == "mint_overflow":
                burn = _overflowing_burn(rnd, bal, nonce, whale, chains)  # type: ignore[arg-type]
                if burn is not None:
                    yield out(burn)
            elif kind == "cond_over_cap":
                dst = rnd.choice(others)
                to = rnd.choice(list(bal[dst]))
                yield out(_call(c, dst, frm, to, 1, nonce[c][frm], "cond", bal[dst][to]))  # cap < balance + 1
            else:  # forged: signed over another amount, so the signature does not verify
                to = rnd.choice([a for a in bal[c] if a != frm] or [frm])
                tx = _transfer(c, frm, to, 1, nonce[c][frm])
                yield {**signer.sign({**tx, "amount": 2}), "amount": 1}  # type: ignore[union-attr]
            continue
        amount = rnd.randrange(1, max(2, bal[c][frm] // 4))
        roll = i % 6
        if roll in (1, 4) and others:
            dst = rnd.choice(others)
            to, pk = _payee(rnd, bal, free, signer, dst, whale)
            if roll == 1:
                yield out(_burn(c, dst, frm, to, amount, nonce[c][frm], pk))
            elif i % 12 == 4:  # a COND call whose cap leaves room
                cap = bal[dst].get(to, 0) + amount + rnd.randrange(0, 1000)
                yield out(_call(c, dst, frm, to, amount, nonce[c][frm], "cond", cap, pk))
            else:  # a MINT call (its payload is free: a memo here)
                yield out(_call(c, dst, frm, to, amount, nonce[c][frm], "mint", rnd.randrange(1 << 64), pk))
            bal[dst][to] = bal[dst].get(to, 0) + amount
            nonce[dst].setdefault(to, 0)
        elif roll == 3 and others and signer is not None:
            swap = _swap(rnd, bal, nonce, c, frm, amount, rnd.choice(others), whale)
            if swap is None:
                continue
            yield out(swap)
        else:
            to, pk = _payee(rnd, bal, free, signer, c, whale, exclude=frm)
            yield out(_transfer(c, frm, to, amount, nonce[c][frm], pk))
            bal[c][to] = bal[c].get(to, 0) + amount
            nonce[c].setdefault(to, 0)
        bal[c][frm] -= amount
        nonce[c][frm] += 1


def _payee(
    rnd: random.Random,
    bal: dict[int, dict[int, int]],
    free: dict[int, list[int]],
    signer: TxSigner | None,
    c: int,
    whale: tuple[int, int] | None,
    exclude: int | None = None,
) -> tuple[int, tuple[int, int] | None]:
    """A recipient on ``c`` and the key to name for it: now and then a new account (created by the payment, its key
    named), else an existing one (no key named)."""
    if signer is not None and free.get(c) and rnd.random() < 0.1:
        index = free[c].pop(0)
        return index, signer.public_key(c, index)
    pool = [a for a in bal[c] if a != exclude and (whale is None or (c, a) != whale)] or [exclude]
    return rnd.choice(pool), None


def _swap(
    rnd: random.Random,
    bal: dict[int, dict[int, int]],
    nonce: dict[int, dict[int, int]],
    c: int,
    frm: int,
    amount: int,
    dst: int,
    whale: tuple[int, int] | None,
) -> dict | None:
    """X = ``frm`` on ``c`` pays ``amount`` to Y on ``c`` if Z on ``dst`` pays b to W on ``dst`` (the model is updated
    for both legs); None when nobody on ``dst`` can pay."""
    payers = [a for a, b in bal[dst].items() if b > 1 and (whale is None or (dst, a) != whale)]
    if not payers:
        return None
    z = rnd.choice(payers)
    w = rnd.choice([a for a in bal[dst] if a != z and (whale is None or (dst, a) != whale)] or [z])
    y = rnd.choice([a for a in bal[c] if a != frm and (whale is None or (c, a) != whale)] or [frm])
    b = rnd.randrange(1, max(2, bal[dst][z] // 4))
    tx = {
        "kind": "call", "chain": c, "to_chain": dst, "from": frm, "to": y, "amount": amount, "nonce": nonce[c][frm],
        "program": "swap",
        "order": {
            "kind": "swap_order", "chain": dst, "to_chain": c, "from": z, "to": w, "amount": b, "nonce": nonce[dst][z],
            "counter_from": frm, "counter_to": y, "counter_amount": amount,
        },
    }  # fmt: skip
    bal[c][y] += amount
    bal[dst][z] -= b
    bal[dst][w] += b
    nonce[dst][z] += 1
    return tx


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


def _key(pk: tuple[int, int] | None) -> dict:
    return {} if pk is None else {"to_pubkey": [str(pk[0]), str(pk[1])]}


def _transfer(chain: int, frm: int, to: int, amount: int, nonce: int, pk: tuple[int, int] | None = None) -> dict:
    return {"kind": "transfer", "chain": chain, "from": frm, "to": to, "amount": amount, "nonce": nonce, **_key(pk)}


def _burn(chain: int, dst: int, frm: int, to: int, amount: int, nonce: int, pk: tuple[int, int] | None = None) -> dict:
    return {"kind": "burn", "chain": chain, "to_chain": dst, "from": frm, "to": to, "amount": amount, "nonce": nonce,
            **_key(pk)}  # fmt: skip


def _call(
    chain: int, dst: int, frm: int, to: int, amount: int, nonce: int, program: str, payload: int,
    pk: tuple[int, int] | None = None,
) -> dict:  # fmt: skip
    return {"kind": "call", "chain": chain, "to_chain": dst, "from": frm, "to": to, "amount": amount, "nonce": nonce,
            "program": program, "payload": str(payload), **_key(pk)}  # fmt: skip


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
    signed: bool = True,
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
        Signs every transaction and gives every account its public key (protocol v2; module docstring); by default
        ``DemoSigner(seed)``, the seeded keys of ``demo_genesis``.
    signed : bool
        False: an unsigned (protocol v1) genesis and workload (the "without signatures" throughput baseline).

    Raises
    ------
    InvalidGenesis
        The shape is invalid (K outside 2..8, more accounts than 2^D, a depth outside 1..32).
    OSError
        ``out`` cannot be written.
    """
    from sequencer.genesis import demo_genesis, dump_genesis, find_whale, genesis_from_obj

    custom = signer is not None
    if signed and signer is None:
        signer = DemoSigner(seed)
    if not signed:
        signer = None

    def genesis_for(m: int):
        g = demo_genesis(
            n_rollups,
            accounts_per_rollup=accounts_per_rollup,
            account_depth=account_depth,
            bridge_depth=m,
            capacity=capacity,
            seed=seed,
            signed=signer is not None and not custom,
        )
        if not custom or signer is None:
            return g
        obj = g.to_obj()
        for r in obj["rollups"]:
            for a in r["accounts"]:
                a["pubkey"] = [str(v) for v in signer.public_key(r["chain_id"], a["index"])]
        return genesis_from_obj(obj)

    genesis = genesis_for(bridge_depth or 4)  # balances do not depend on M: the same seed draws the same ones
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    txs_path = folder / "txs.jsonl"
    burns: dict[tuple[int, int], int] = {}
    n_written = 0
    with open(txs_path, "w", encoding="utf-8") as f:
        for tx in iter_workload(
            genesis.balances(), n_txs, seed, whale=find_whale(genesis), signer=signer, account_depth=account_depth
        ):
            if tx["kind"] in ("burn", "call"):
                pair = (tx["chain"], tx["to_chain"])
                burns[pair] = burns.get(pair, 0) + 1
            f.write(json.dumps(tx) + "\n")
            n_written += 1
    m = bridge_depth if bridge_depth is not None else max(4, max(burns.values(), default=0).bit_length())
    genesis_path = folder / "genesis.json"
    dump_genesis(genesis if m == genesis.shape.bridge_depth else genesis_for(m), genesis_path)
    return WorkloadFiles(genesis_path, txs_path, n_written, sum(burns.values()), m)


def demo_forced_tx(balances: Mapping[int, Mapping[int, int]], chain: int, sender: int, *, signer: TxSigner) -> dict:
    """The transaction the demo enqueues on the L1's forced-inclusion queue: ``sender`` on ``chain`` pays a tenth of
    its balance to another account of ``chain`` (nonce 0: the workload never spends from ``sender``), signed."""
    to = next(i for i in sorted(balances[chain]) if i != sender)
    amount = max(1, balances[chain][sender] // 10)
    tx = {"kind": "transfer", "chain": chain, "from": sender, "to": to, "amount": amount, "nonce": 0}
    return signer.sign(tx)

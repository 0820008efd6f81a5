"""Signing test transactions with the seeded keys of ``sequencer.genesis.demo_genesis(seed=…)``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from sequencer.genesis import demo_private_key
from sequencer.tx import Call, UserTx, sign
from zksvs.eddsa import sign_poseidon


def demo_signer(seed: int) -> Callable[[UserTx], UserTx]:
    """``tx ↦ tx`` signed by its sender's key in ``demo_genesis(seed=seed)``; a SWAP call's order is signed too, by
    its counterparty's key on the call's destination chain."""

    def signed(tx: UserTx) -> UserTx:
        if isinstance(tx, Call) and tx.order is not None and tx.order_signature is None:
            order_key = demo_private_key(seed, tx.order.chain, tx.order.sender)
            tx = replace(tx, order_signature=sign_poseidon(order_key, tx.order.message()))
        return sign(tx, demo_private_key(seed, tx.chain, tx.sender))

    return signed


#: The seed of the test keys of ``keyed_genesis`` / ``signed_obj`` (``demo_private_key(TEST_KEY_SEED, chain, index)``).
TEST_KEY_SEED = 2026


def keyed_genesis(obj: dict, seed: int = TEST_KEY_SEED) -> dict:
    """A genesis JSON object with every account keyed: ``"pubkey"`` of ``demo_private_key(seed, chain, index)``."""
    from sequencer.genesis import demo_public_key

    out = json.loads(json.dumps(obj))
    for r in out.get("rollups", []):
        for a in r.get("accounts", []):
            a.setdefault("pubkey", [str(v) for v in demo_public_key(seed, r["chain_id"], a["index"])])
    return out


def signed_obj(obj: object, seed: int = TEST_KEY_SEED) -> object:
    """A transaction's JSON object with its sender's signature (``demo_private_key(seed, chain, from)``) added,
    every other field kept as written (decimal strings stay strings); anything ``parse_tx`` refuses, unchanged."""
    from sequencer.tx import parse_tx
    from zksvs.errors import MalformedTransaction

    try:
        tx = parse_tx(obj)
    except MalformedTransaction:
        return obj
    return {**obj, "signature": demo_signer(seed)(tx).signature.to_obj()}  # type: ignore[dict-item]


def signed_line(line: str, seed: int = TEST_KEY_SEED) -> str:
    """``signed_obj`` of a JSONL line (a line that is not JSON, unchanged)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return line
    return json.dumps(signed_obj(obj, seed))

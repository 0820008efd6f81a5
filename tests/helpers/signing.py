"""Signing test transactions with the seeded keys of ``sequencer.genesis.demo_genesis(seed=…)``."""

from __future__ import annotations

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

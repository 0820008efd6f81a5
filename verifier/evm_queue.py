"""The forced-inclusion queue of ``SharedSettlement.sol`` from Python: ``enqueue``'s calldata and its verdict.

``enqueue(uint256 chainId, uint256[11] t, uint256[3] sig)`` takes the signed transaction's fields in the order
``TX_FIELD_ORDER`` and the signature (R8.x, R8.y, S). As ``verifier.evm_calldata`` does for ``settle``, this
module only lays the words out, whatever they hold: a value that is no uint256 (a wrong type, a negative int, an int
≥ 2^256) becomes ``NOT_A_VALUE``, which every range rule of the contract refuses, and an object that is not a
signature becomes (0, 0, 0), whose R8 is not on Baby Jubjub; so the contract refuses it at the model's check
(``verifier.forced_queue``: ``rollup``, ``transaction``, ``signature``). The verdict is the contract's: an accepted
transaction (the entry's index, its return value) or the custom error it reverted with, decoded here.

References
----------
Solidity ABI specification (static arrays are encoded in place; custom errors: selector and arguments).
"""

from __future__ import annotations

from verifier.evm import keccak256
from verifier.evm_calldata import NOT_A_VALUE
from verifier.forced_queue import EnqueueResult
from zksvs.eddsa import Signature
from zksvs.tx_message import TxFields

__all__ = ["ENQUEUE_CHECKS", "TX_FIELD_ORDER", "enqueue_calldata", "enqueue_result", "enqueue_words"]

#: The signed fields in the order of ``enqueue``'s array ``t`` (``zksvs.tx_message.TxFields`` attribute names; the
#: named key is two words).
TX_FIELD_ORDER = (
    "chain",
    "kind",
    "program",
    "sender",
    "recipient",
    "to_chain",
    "amount",
    "nonce",
    "payload",
    "recipient_pubkey[0]",
    "recipient_pubkey[1]",
)
#: enqueue's custom errors → the model's check names.
ENQUEUE_CHECKS = {"Rollup": "rollup", "Transaction": "transaction", "Signature": "signature"}
_SELECTOR = keccak256(b"enqueue(uint256,uint256[11],uint256[3])")[:4]
_UINT256 = 1 << 256


def _word(v: object) -> int:
    """An int in [0, 2^256) (an IntEnum as its value) as itself; anything else (bool, float, None, out of range)
    as NOT_A_VALUE."""
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < _UINT256:
        return int(v)
    return NOT_A_VALUE


def enqueue_words(chain_id: object, fields: object, signature: object) -> tuple[int, list[int], list[int]]:
    """``(chainId, t, sig)`` as the contract reads them (module docstring)."""
    if isinstance(fields, TxFields):
        key = fields.recipient_pubkey
        pair = list(key) if isinstance(key, tuple | list) and len(key) == 2 else [None, None]
        values = [getattr(fields, name) for name in TX_FIELD_ORDER[:9]] + pair
        t = [_word(v) for v in values]
    else:
        t = [NOT_A_VALUE] * len(TX_FIELD_ORDER)
    sig = [0, 0, 0]
    if isinstance(signature, Signature):
        sig = [_word(signature.r8[0]), _word(signature.r8[1]), _word(signature.s)]
    return _word(chain_id), t, sig


def enqueue_calldata(chain_id: object, fields: object, signature: object) -> bytes:
    """The calldata of ``enqueue`` (selector, then 1 + 11 + 3 words in place)."""
    c, t, sig = enqueue_words(chain_id, fields, signature)
    return _SELECTOR + b"".join(w.to_bytes(32, "big") for w in (c, *t, *sig))


def enqueue_result(chain_id: object, success: bool, output: bytes, errors: dict) -> EnqueueResult:
    """The model's ``EnqueueResult`` of an ``enqueue`` transaction: accepted with the entry's index (its return
    value), or the check its custom error names (``detail`` the decoded error; revert data naming no check: None)."""
    c = chain_id if type(chain_id) is int else None
    if success:
        return EnqueueResult(True, c, int.from_bytes(output[:32], "big"))
    from verifier.evm_settlement import decode_revert

    shown, _, _ = decode_revert(output, errors)
    check = ENQUEUE_CHECKS.get(shown.split("(")[0])
    return EnqueueResult(False, c, failed_check=check, detail=f"the contract reverted with {shown}")

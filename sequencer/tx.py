"""Transactions: the kinds a user submits (``Transfer``, ``Burn``), the ones the sequencer makes (``Mint``,
``Noop``), their JSONL form (DESIGN.md §9) and its parser.

JSONL form, one object a line::

    {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
    {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}

Every field is required and no other is allowed; numbers must be JSON integers (``true``, ``10.0`` and ``"10"`` are
refused); ``amount`` and ``nonce`` are u64; chain ids and account indices are non-negative (whether they exist is the
sequencer's call: ``unknown_rollup`` / ``unknown_account``). ``"mint"`` is never accepted from a user: mints are made
by the sequencer. A burn to its own chain is malformed (the c→c bridge trees exist only to fill their slots).

Self-transfers (``from == to``) are allowed: the slot's debit and credit update the same leaf one after the other
(the credit opens the leaf the debit wrote), so the balance is unchanged and the nonce advances by one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar, Union

from zksvs.errors import MalformedTransaction
from zksvs.rollup_state import U64_MAX


class RejectReason(str, Enum):
    """Why a submitted transaction was not included (the ``reason`` of a ``Rejection``)."""

    MALFORMED = "malformed"
    AMOUNT_OUT_OF_U64 = "amount_out_of_u64"
    UNKNOWN_ROLLUP = "unknown_rollup"
    UNKNOWN_ACCOUNT = "unknown_account"
    OVERDRAFT = "overdraft"
    BAD_NONCE = "bad_nonce"
    BALANCE_OVERFLOW = "balance_overflow"
    MINT_OVERFLOW = "mint_overflow"
    BRIDGE_FULL = "bridge_full"


class AmountOutOfRange(MalformedTransaction):
    """``amount`` is not a u64 (negative or ≥ 2^64).

    Attributes
    ----------
    amount : int
        The offending amount.
    """

    reason: ClassVar[RejectReason] = RejectReason.AMOUNT_OUT_OF_U64

    def __init__(self, amount: int) -> None:
        self.amount = amount
        super().__init__(f"amount must be in [0, 2^64 − 1], not {amount}")


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount`` from account ``sender`` to account ``recipient`` inside rollup ``chain``."""

    kind: ClassVar[str] = "transfer"
    chain: int
    sender: int
    recipient: int
    amount: int
    nonce: int

    def to_obj(self) -> dict:
        """The JSONL object (DESIGN.md §9)."""
        return {
            "kind": "transfer",
            "chain": self.chain,
            "from": self.sender,
            "to": self.recipient,
            "amount": self.amount,
            "nonce": self.nonce,
        }


@dataclass(frozen=True, slots=True)
class Burn:
    """Burn ``amount`` of ``sender`` on ``chain``; the sequencer mints it to ``recipient`` on ``to_chain`` at once."""

    kind: ClassVar[str] = "burn"
    chain: int
    to_chain: int
    sender: int
    recipient: int
    amount: int
    nonce: int

    def to_obj(self) -> dict:
        """The JSONL object (DESIGN.md §9)."""
        return {
            "kind": "burn",
            "chain": self.chain,
            "to_chain": self.to_chain,
            "from": self.sender,
            "to": self.recipient,
            "amount": self.amount,
            "nonce": self.nonce,
        }


@dataclass(frozen=True, slots=True)
class Mint:
    """The sequencer-made half of a burn: credit ``recipient`` on ``chain`` (= the burn's ``to_chain``).

    ``message_nonce`` is the message's index in burn tree from_chain→chain (and in mint tree from_chain→chain).
    """

    kind: ClassVar[str] = "mint"
    chain: int
    from_chain: int
    sender: int
    recipient: int
    amount: int
    message_nonce: int


@dataclass(frozen=True, slots=True)
class Noop:
    """A padding slot on ``chain``."""

    kind: ClassVar[str] = "noop"
    chain: int


#: What a user may submit.
UserTx = Union[Transfer, Burn]  # noqa: UP007 (a runtime alias used in isinstance checks)
#: Any slot's transaction.
Tx = Union[Transfer, Burn, Mint, Noop]  # noqa: UP007

_FIELDS = {
    "transfer": ("kind", "chain", "from", "to", "amount", "nonce"),
    "burn": ("kind", "chain", "to_chain", "from", "to", "amount", "nonce"),
}


def _int_field(obj: dict, name: str) -> int:
    v = obj[name]
    if type(v) is not int:  # bool is a subclass of int; floats and strings are refused too
        raise MalformedTransaction(f"field '{name}' must be an integer, not {type(v).__name__} {v!r}")
    if v < 0:
        raise MalformedTransaction(f"field '{name}' must be ≥ 0, not {v}")
    return v


def parse_tx(obj: object) -> UserTx:
    """Parse one JSONL object into a ``Transfer`` or ``Burn``.

    Parameters
    ----------
    obj : dict
        One decoded JSON line (module docstring for the form).

    Returns
    -------
    Transfer | Burn

    Raises
    ------
    AmountOutOfRange
        ``amount`` is negative or ≥ 2^64 (a ``MalformedTransaction``).
    MalformedTransaction
        ``obj`` is not an object; ``kind`` is missing, unknown or ``"mint"``; a field is missing or unknown; a number
        is not a JSON integer (bool, float, string); a chain, account or nonce is negative; the nonce is ≥ 2^64;
        a burn names its own chain as ``to_chain``.
    """
    if not isinstance(obj, dict):
        raise MalformedTransaction(f"a transaction must be a JSON object, not {type(obj).__name__}")
    if "kind" not in obj:
        raise MalformedTransaction("missing field 'kind'")
    kind = obj["kind"]
    if kind == "mint":
        raise MalformedTransaction("kind 'mint' cannot be submitted: mints are made by the sequencer")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise MalformedTransaction(f"unknown kind {kind!r}: expected 'transfer' or 'burn'")
    fields = _FIELDS[kind]
    for name in fields:
        if name not in obj:
            raise MalformedTransaction(f"missing field '{name}' in a {kind}")
    extra = sorted(str(k) for k in obj if k not in fields)
    if extra:
        raise MalformedTransaction(f"unknown field '{extra[0]}' in a {kind}")
    amount = obj["amount"]
    if type(amount) is not int:
        raise MalformedTransaction(f"field 'amount' must be an integer, not {type(amount).__name__} {amount!r}")
    if not 0 <= amount <= U64_MAX:
        raise AmountOutOfRange(amount)
    chain = _int_field(obj, "chain")
    sender = _int_field(obj, "from")
    recipient = _int_field(obj, "to")
    nonce = _int_field(obj, "nonce")
    if nonce > U64_MAX:
        raise MalformedTransaction(f"field 'nonce' must be in [0, 2^64 − 1], not {nonce}")
    if kind == "transfer":
        return Transfer(chain, sender, recipient, amount, nonce)
    to_chain = _int_field(obj, "to_chain")
    if to_chain == chain:
        raise MalformedTransaction(f"a burn must go to another chain, not to its own chain {chain}")
    return Burn(chain, to_chain, sender, recipient, amount, nonce)


def read_jsonl(source: str | os.PathLike | Iterable[str]) -> list[tuple[int, UserTx | MalformedTransaction]]:
    """Parse a JSONL workload, keeping every line's number; a bad line is reported and the others go on.

    Parameters
    ----------
    source : path or iterable of str
        A file path (``str`` or ``os.PathLike``), or the lines themselves (any other iterable of ``str``).

    Returns
    -------
    list of (line_number, Transfer | Burn | MalformedTransaction)
        1-based line numbers; blank lines are skipped. A line that is not JSON, or not a valid transaction, gives
        its ``MalformedTransaction`` (message e.g. ``"invalid JSON: Expecting value (column 1)"``) in place of a
        transaction; nothing is raised for bad lines.

    Raises
    ------
    OSError
        ``source`` is a path that cannot be read.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as f:
            lines = f.read().splitlines()
    else:
        lines = list(source)
    out: list[tuple[int, UserTx | MalformedTransaction]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            out.append((n, MalformedTransaction(f"invalid JSON: {e.msg} (column {e.colno})")))
            continue
        try:
            out.append((n, parse_tx(obj)))
        except MalformedTransaction as e:
            out.append((n, e))
    return out

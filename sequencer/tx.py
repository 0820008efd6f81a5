"""Transactions: the kinds a user submits (``Transfer``, ``Burn``), the ones the sequencer makes (``Mint``,
``Noop``), their JSONL form (DESIGN.md §9) and its parser.

JSONL form, one object a line::

    {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
    {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}

Every field is required and no other is allowed. ``amount`` and ``nonce`` are u64, given as JSON integers or as
decimal strings (``"amount": "10"``, circom's ``input.json`` habit and the only exact form above 2^53 in JavaScript;
``sequencer.jsonio.json_uint`` says which strings are refused and why). Chain ids and account indices are
non-negative JSON integers (identifiers, never strings; whether they exist is the sequencer's call:
``unknown_rollup`` / ``unknown_account``). ``true`` and ``10.0`` are refused everywhere. ``"mint"`` is never accepted
from a user: mints are made by the sequencer. A burn to its own chain is malformed (the c→c bridge trees exist only to
fill their slots).

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

from sequencer.jsonio import json_uint, read_text, strip_bom
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


#: Fields that may be decimal strings (u64 values; identifiers stay JSON integers).
_STRING_OK = frozenset({"amount", "nonce"})


def _int_value(obj: dict, name: str) -> int:
    try:
        return json_uint(obj[name], f"field '{name}'", strings=name in _STRING_OK)
    except ValueError as e:
        raise MalformedTransaction(str(e)) from None


def _int_field(obj: dict, name: str) -> int:
    v = _int_value(obj, name)
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
        is not a JSON integer (bool, float; a string other than a canonical decimal one for ``amount``/``nonce``); a
        chain, account or nonce is negative; the nonce is ≥ 2^64; a burn names its own chain as ``to_chain``.
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
    amount = _int_value(obj, "amount")
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
        A file path (``str`` or ``os.PathLike``): UTF-8 with or without a byte-order mark, or UTF-16/32 with one
        (``sequencer.jsonio``); or the lines themselves (any other iterable of ``str``). A U+FEFF at the start of a
        line is dropped (concatenated files with BOMs).

    Returns
    -------
    list of (line_number, Transfer | Burn | MalformedTransaction)
        1-based line numbers; blank lines are skipped. A line that is not JSON, or not a valid transaction, gives
        its ``MalformedTransaction`` (message e.g. ``"invalid JSON: Expecting value (column 1)"``) in place of a
        transaction; nothing is raised for bad lines.

    Raises
    ------
    TextEncodingError
        ``source`` is a file that is not UTF-8 text (the byte offset and line are named).
    OSError
        ``source`` is a path that cannot be read.
    """
    if isinstance(source, (str, os.PathLike)):
        # "\n" only (with "\r\n"): the line numbers editors show; str.splitlines would also split at U+2028
        lines = [line.removesuffix("\r") for line in read_text(source).split("\n")]
    else:
        lines = list(source)
    out: list[tuple[int, UserTx | MalformedTransaction]] = []
    for n, raw in enumerate(lines, start=1):
        line = strip_bom(raw)
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

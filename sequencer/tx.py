"""Transactions: the kinds a user submits (``Transfer``, ``Burn``, ``Call``), the padding the sequencer makes
(``Noop``), their JSONL form (DESIGN.md §9, docs/formats.md) and its parser.

JSONL form, one object a line::

    {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0, "signature": {…}}
    {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1, "signature": {…}}
    {"kind": "call", "chain": 0, "to_chain": 1, "from": 3, "to": 9, "amount": 5, "nonce": 2, "program": "cond",
     "payload": "1000", "signature": {…}}

The fields of each kind are required and no other is allowed, except the optional ``to_pubkey`` (the recipient's key:
names the owner of an existing account, or creates an empty one), ``signature`` (``{"r8": [x, y], "s": S}``,
``zksvs.tx_message``; required by a signed genesis), ``pubkey`` (the signer's key ``zksvs sign`` prints:
informative, checked for form and otherwise ignored: the sequencer verifies against the key in the sender's leaf),
and, for a SWAP call, ``order`` (the counterparty's signed ``zksvs.tx_message.SwapOrder``; the call's ``payload``
may then be left out: it is the order's message). ``amount`` and ``nonce`` are u64, given as JSON integers or as
decimal strings (``"amount": "10"``, circom's ``input.json`` habit and the only exact form above 2^53 in JavaScript;
``sequencer.jsonio.json_uint`` says which strings are refused and why); payloads and key coordinates are field
elements, decimal strings or JSON integers. Chain ids and account indices are non-negative JSON integers
(identifiers, never strings; whether they exist is the sequencer's call: ``unknown_rollup`` / ``unknown_account``).
``true`` and ``10.0`` are refused everywhere. ``"mint"`` is never accepted from a user: actions (a burn's mint
included) are made by the sequencer. A burn or call to its own chain is malformed (the c→c bridge trees exist only
to fill their slots).

Self-transfers (``from == to``) are allowed: the slot's debit and credit update the same leaf one after the other
(the credit opens the leaf the debit wrote), so the balance is unchanged and the nonce advances by one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from typing import ClassVar, Union

from sequencer.jsonio import json_uint, read_text, strip_bom
from zksvs.eddsa import Signature, pubkey_from_obj, sign_poseidon
from zksvs.errors import MalformedKey, MalformedSignature, MalformedTransaction, ZksvsError
from zksvs.field import FR_MODULUS
from zksvs.rollup_state import U64_MAX
from zksvs.tx_message import (
    PROGRAM_NAMES,
    SIGNATURE_FIELDS,
    Program,
    SwapOrder,
    TxFields,
    TxKind,
    parse_signed_order,
    remember_messages,
)


class RejectReason(str, Enum):
    """Why a submitted transaction was not included (the ``reason`` of a ``Rejection``)."""

    MALFORMED = "malformed"
    AMOUNT_OUT_OF_U64 = "amount_out_of_u64"
    UNKNOWN_ROLLUP = "unknown_rollup"
    UNKNOWN_ACCOUNT = "unknown_account"
    OVERDRAFT = "overdraft"
    BAD_NONCE = "bad_nonce"
    BALANCE_OVERFLOW = "balance_overflow"
    BRIDGE_FULL = "bridge_full"
    BAD_SIGNATURE = "bad_signature"
    BAD_RECIPIENT_KEY = "bad_recipient_key"
    RECIPIENT_KEY_MISMATCH = "recipient_key_mismatch"
    ACTION_FAILED = "action_failed"
    #: Only inside an ``action_failed`` message: a COND action's target would pass its cap.
    CAP_EXCEEDED = "cap_exceeded"


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


def _signed_obj(obj: dict, to_pubkey: tuple[int, int], signature: Signature | None) -> dict:
    if to_pubkey != (0, 0):
        obj["to_pubkey"] = [str(to_pubkey[0]), str(to_pubkey[1])]
    if signature is not None:
        obj["signature"] = signature.to_obj()
    return obj


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount`` from account ``sender`` to account ``recipient`` inside rollup ``chain``.

    ``to_pubkey`` is the recipient's key when the sender names one ((0, 0) otherwise); ``signature`` the sender's
    signature of ``fields().message()`` (None when unsigned).
    """

    kind: ClassVar[str] = "transfer"
    chain: int
    sender: int
    recipient: int
    amount: int
    nonce: int
    to_pubkey: tuple[int, int] = (0, 0)
    signature: Signature | None = None

    def fields(self) -> TxFields:
        """The signed fields (``zksvs.tx_message``)."""
        return TxFields(
            TxKind.TRANSFER, self.chain, self.sender, self.recipient, self.chain, self.amount, self.nonce,
            recipient_pubkey=self.to_pubkey,
        )  # fmt: skip

    def to_obj(self) -> dict:
        """The JSONL object (module docstring)."""
        obj = {
            "kind": "transfer",
            "chain": self.chain,
            "from": self.sender,
            "to": self.recipient,
            "amount": self.amount,
            "nonce": self.nonce,
        }
        return _signed_obj(obj, self.to_pubkey, self.signature)


@dataclass(frozen=True, slots=True)
class Burn:
    """Burn ``amount`` of ``sender`` on ``chain``; the sequencer mints it to ``recipient`` on ``to_chain`` at once.

    A call of program MINT with payload 0 (docs/protocol.md), with its own kind code in the signed message.
    """

    kind: ClassVar[str] = "burn"
    chain: int
    to_chain: int
    sender: int
    recipient: int
    amount: int
    nonce: int
    to_pubkey: tuple[int, int] = (0, 0)
    signature: Signature | None = None

    program: ClassVar[int] = Program.MINT
    payload: ClassVar[int] = 0

    def fields(self) -> TxFields:
        """The signed fields (``zksvs.tx_message``)."""
        return TxFields(
            TxKind.BURN, self.chain, self.sender, self.recipient, self.to_chain, self.amount, self.nonce,
            recipient_pubkey=self.to_pubkey,
        )  # fmt: skip

    def to_obj(self) -> dict:
        """The JSONL object (module docstring)."""
        obj = {
            "kind": "burn",
            "chain": self.chain,
            "to_chain": self.to_chain,
            "from": self.sender,
            "to": self.recipient,
            "amount": self.amount,
            "nonce": self.nonce,
        }
        return _signed_obj(obj, self.to_pubkey, self.signature)


@dataclass(frozen=True, slots=True)
class Call:
    """A general cross-rollup message: the trigger on ``chain``, whose action runs ``program`` on ``to_chain``.

    Attributes
    ----------
    chain, to_chain, sender, recipient, amount, nonce : int
        As a burn's; ``recipient`` is the target (for SWAP: the account on ``chain`` that receives ``amount``).
    program : Program
        MINT, COND or SWAP.
    payload : int
        A field element: COND's cap (a u64), SWAP's order message, free for MINT.
    to_pubkey, signature
        As a transfer's.
    order : SwapOrder | None
        SWAP only: the counterparty's order (its counter leg is this call).
    order_signature : Signature | None
        The counterparty's signature of ``order.message()``.
    """

    kind: ClassVar[str] = "call"
    chain: int
    to_chain: int
    sender: int
    recipient: int
    amount: int
    nonce: int
    program: Program
    payload: int = 0
    to_pubkey: tuple[int, int] = (0, 0)
    signature: Signature | None = None
    order: SwapOrder | None = None
    order_signature: Signature | None = None

    def fields(self) -> TxFields:
        """The signed fields (``zksvs.tx_message``).

        Raises
        ------
        MalformedTransaction
            ``program`` is not a program.
        """
        return TxFields(
            TxKind.CALL, self.chain, self.sender, self.recipient, self.to_chain, self.amount, self.nonce,
            self.payload, self.to_pubkey, self.program,
        )  # fmt: skip

    def to_obj(self) -> dict:
        """The JSONL object (module docstring); ``order`` with its signature when the call carries one."""
        obj = {
            "kind": "call",
            "chain": self.chain,
            "to_chain": self.to_chain,
            "from": self.sender,
            "to": self.recipient,
            "amount": self.amount,
            "nonce": self.nonce,
            "program": Program(self.program).name.lower() if self.program in tuple(Program) else self.program,
            "payload": str(self.payload),
        }
        obj = _signed_obj(obj, self.to_pubkey, self.signature)
        if self.order is not None:
            order = self.order.to_obj()
            if self.order_signature is not None:
                order["signature"] = self.order_signature.to_obj()
            obj["order"] = order
        return obj


@dataclass(frozen=True, slots=True)
class Noop:
    """A padding slot on ``chain``."""

    kind: ClassVar[str] = "noop"
    chain: int


#: What a user may submit.
UserTx = Union[Transfer, Burn, Call]  # noqa: UP007 (a runtime alias used in isinstance checks)
#: What a user may submit that sends a message (a trigger; the sequencer makes its action).
TriggerTx = Union[Burn, Call]  # noqa: UP007
#: Any slot's transaction made from a user's (a no-op pads).
Tx = Union[Transfer, Burn, Call, Noop]  # noqa: UP007


def sign(tx: UserTx, private_key: bytes) -> UserTx:
    """``tx`` signed by ``private_key`` (the sender's key): its ``signature`` over ``tx.fields().message()``.

    Raises
    ------
    MalformedKey
        ``private_key`` is not 32 bytes.
    NonCanonicalFieldElement
        A field is not a canonical Fr element.
    """
    return replace(tx, signature=sign_poseidon(private_key, tx.fields().message()))


def swap_call(
    chain: int,
    to_chain: int,
    sender: int,
    recipient: int,
    amount: int,
    nonce: int,
    order_sender: int,
    order_recipient: int,
    order_amount: int,
    order_nonce: int,
    order_key: bytes | None = None,
    to_pubkey: tuple[int, int] = (0, 0),
) -> Call:
    """A SWAP call and its counterparty's order (signed by ``order_key`` when given), the payload the order's
    message: X = ``sender`` on ``chain`` pays ``amount`` to Y = ``recipient`` on ``chain`` if Z = ``order_sender``
    on ``to_chain`` pays ``order_amount`` to W = ``order_recipient`` there. Sign the call itself with ``sign``.
    """
    order = SwapOrder(
        to_chain, chain, order_sender, order_recipient, order_amount, order_nonce, sender, recipient, amount
    )
    sig = None if order_key is None else sign_poseidon(order_key, order.message())
    return Call(
        chain, to_chain, sender, recipient, amount, nonce, Program.SWAP, order.message(), to_pubkey, None, order, sig
    )


_FIELDS = {
    "transfer": ("kind", "chain", "from", "to", "amount", "nonce"),
    "burn": ("kind", "chain", "to_chain", "from", "to", "amount", "nonce"),
    "call": ("kind", "chain", "to_chain", "from", "to", "amount", "nonce", "program", "payload"),
}
#: Fields any kind may add (``order``: a SWAP call only).
_OPTIONAL = ("to_pubkey", "signature", "pubkey")


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


def _fr_value(v: object, what: str) -> int:
    try:
        x = json_uint(v, what, strings=True)
    except ValueError as e:
        raise MalformedTransaction(str(e)) from None
    if not 0 <= x < FR_MODULUS:
        raise MalformedTransaction(f"{what} must be a field element in [0, r), not {x}")
    return x


def _pubkey_field(obj: dict, name: str) -> tuple[int, int]:
    pk = obj[name]
    if not isinstance(pk, list) or len(pk) != 2:
        raise MalformedTransaction(f"field '{name}' must be a list [x, y] of field elements, not {pk!r}")
    return _fr_value(pk[0], f"field '{name}[0]'"), _fr_value(pk[1], f"field '{name}[1]'")


def parse_tx(obj: object) -> UserTx:
    """Parse one JSONL object into a ``Transfer``, ``Burn`` or ``Call``.

    Parameters
    ----------
    obj : dict
        One decoded JSON line (module docstring for the form).

    Returns
    -------
    Transfer | Burn | Call

    Raises
    ------
    AmountOutOfRange
        ``amount`` is negative or ≥ 2^64 (a ``MalformedTransaction``).
    MalformedTransaction
        ``obj`` is not an object; ``kind`` is missing, unknown or ``"mint"``; a field is missing or unknown; a number
        is not a JSON integer (bool, float; a string other than a canonical decimal one for ``amount``/``nonce``); a
        chain, account or nonce is negative; the nonce is ≥ 2^64; a burn or call names its own chain as
        ``to_chain``; an unknown program; a payload or key coordinate that is not a field element; a COND payload
        above 2^64 − 1; a malformed ``signature``, ``pubkey`` or ``order``; an order that does not match its call
        or a SWAP call's payload other than its order's message.
    """
    if not isinstance(obj, dict):
        raise MalformedTransaction(f"a transaction must be a JSON object, not {type(obj).__name__}")
    if "kind" not in obj:
        raise MalformedTransaction("missing field 'kind'")
    kind = obj["kind"]
    if kind == "mint":
        raise MalformedTransaction("kind 'mint' cannot be submitted: mints are made by the sequencer")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise MalformedTransaction(f"unknown kind {kind!r}: expected 'transfer', 'burn' or 'call'")
    fields = _FIELDS[kind]
    swap_with_order = kind == "call" and obj.get("program") == "swap" and "order" in obj
    optional = _OPTIONAL + (("order",) if kind == "call" else ())
    for name in fields:
        if name not in obj and not (name == "payload" and swap_with_order):
            raise MalformedTransaction(f"missing field '{name}' in a {kind}")
    extra = sorted(str(k) for k in obj if k not in fields and k not in optional)
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
    to_pubkey = _pubkey_field(obj, "to_pubkey") if "to_pubkey" in obj else (0, 0)
    try:
        signature = Signature.from_obj(obj["signature"]) if "signature" in obj else None
        if "pubkey" in obj:
            pubkey_from_obj(obj["pubkey"])  # informative: checked for form only
    except (MalformedSignature, MalformedKey) as e:
        raise MalformedTransaction(str(e)) from None
    if kind == "transfer":
        return Transfer(chain, sender, recipient, amount, nonce, to_pubkey, signature)
    to_chain = _int_field(obj, "to_chain")
    if to_chain == chain:
        raise MalformedTransaction(f"a {kind} must go to another chain, not to its own chain {chain}")
    if kind == "burn":
        return Burn(chain, to_chain, sender, recipient, amount, nonce, to_pubkey, signature)
    name = obj["program"]
    if not isinstance(name, str) or name not in PROGRAM_NAMES:
        raise MalformedTransaction(f"field 'program' must be one of {sorted(PROGRAM_NAMES)}, not {name!r}")
    program = PROGRAM_NAMES[name]
    payload = _fr_value(obj["payload"], "field 'payload'") if "payload" in obj else None
    if program is Program.COND and payload > U64_MAX:
        raise MalformedTransaction(f"a COND call's payload is its cap, a u64, not {payload}")
    order = order_sig = None
    if "order" in obj:
        if program is not Program.SWAP:
            raise MalformedTransaction(f"unknown field 'order' in a {name} call (only a swap carries one)")
        try:
            o = obj["order"]
            if isinstance(o, dict) and "signature" not in o:  # unsigned: the action refuses it in a signed set
                order, order_sig = SwapOrder.from_obj(o, ignore=frozenset({"pubkey"})), None
            else:
                order, order_sig, _ = parse_signed_order(o)
        except (MalformedSignature, MalformedKey) as e:
            raise MalformedTransaction(f"field 'order': {e}") from None
        if payload is None:
            payload = order.message()
    call = Call(
        chain, to_chain, sender, recipient, amount, nonce, program, payload, to_pubkey, signature, order, order_sig
    )
    check_order(call)
    return call


def check_order(call: Call) -> None:
    """The rules binding a SWAP call to its order: the order is the call's counter leg and the payload its message.

    Raises
    ------
    MalformedTransaction
        A SWAP call without an order, an order on a call of another program, an order whose chains or counter leg
        are not the call's, a payload other than the order's message.
    """
    if call.program != Program.SWAP:
        if call.order is not None:
            raise MalformedTransaction("only a swap call carries an order")
        return
    order = call.order
    if order is None:
        raise MalformedTransaction("a swap call needs its counterparty's signed order (field 'order')")
    want = SwapOrder.for_call(call.fields(), order.sender, order.recipient, order.amount, order.nonce)
    if order != want:
        raise MalformedTransaction(
            "the swap order does not match its call: its chain must be the call's to_chain, its to_chain the call's "
            "chain, its counter_from, counter_to and counter_amount the call's from, to and amount"
        )
    if call.payload != order.message():
        raise MalformedTransaction("a swap call's payload must be its order's message")


def read_jsonl(
    source: str | os.PathLike | Iterable[str],
    hash_rows: Callable[[list[tuple[int, ...]]], list[int]] | None = None,
) -> list[tuple[int, UserTx | MalformedTransaction]]:
    """Parse a JSONL workload, keeping every line's number; a bad line is reported and the others go on.

    Parameters
    ----------
    source : path or iterable of str
        A file path (``str`` or ``os.PathLike``): UTF-8 with or without a byte-order mark, or UTF-16/32 with one
        (``sequencer.jsonio``); or the lines themselves (any other iterable of ``str``). A U+FEFF at the start of a
        line is dropped (concatenated files with BOMs).
    hash_rows : callable, optional
        A Poseidon of many rows in one call (``accel.poseidon.poseidon_many``): the swap orders' messages, which
        parsing checks against their calls, are then hashed with it in one call
        (``zksvs.tx_message.remember_messages``) instead of one pure-Python Poseidon each. Same results either way.

    Returns
    -------
    list of (line_number, Transfer | Burn | Call | MalformedTransaction)
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
    objs: list[tuple[int, object]] = []
    for n, raw in enumerate(lines, start=1):
        line = strip_bom(raw)
        if not line.strip():
            continue
        try:
            objs.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            objs.append((n, MalformedTransaction(f"invalid JSON: {e.msg} (column {e.colno})")))
    if hash_rows is not None:
        remember_messages(_order_rows(obj for _, obj in objs), hash_rows)
    out: list[tuple[int, UserTx | MalformedTransaction]] = []
    for n, obj in objs:
        if isinstance(obj, MalformedTransaction):
            out.append((n, obj))
            continue
        try:
            out.append((n, parse_tx(obj)))
        except MalformedTransaction as e:
            out.append((n, e))
    return out


def _order_rows(objs: Iterable[object]) -> Iterator[tuple[int, ...]]:
    """The Poseidon inputs of every well-formed swap order in these JSON objects (the others are left to
    ``parse_tx`` to reject)."""
    for obj in objs:
        order = obj.get("order") if isinstance(obj, dict) else None
        if order is None:
            continue
        try:
            yield SwapOrder.from_obj(order, ignore=SIGNATURE_FIELDS).inputs()
        except (ZksvsError, TypeError, ValueError):
            continue

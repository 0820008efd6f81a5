"""The signed messages of protocol v2, defined here once: a user transaction's and a swap order's.

    message = Poseidon(TX_DOMAIN_TAG, chain, kind, program, from, to, to_chain, amount, nonce, payload,
                       to_pubkey_x, to_pubkey_y)

(circomlib Poseidon, 12 inputs, every input a canonical Fr element.) The sender signs ``message`` with EdDSA-Poseidon
(``zksvs.eddsa.sign_poseidon``); the sequencer and the batch circuit verify it against the public key in the sender's
account leaf. Every field a transaction carries is an input, so nobody who relays it can change any of them.

Fields, in input order:

==============  ========================================================================================
TX_DOMAIN_TAG   the constant ``int.from_bytes(b"zksvs/tx/v2", "big")``: separates transaction signatures from
                any other Poseidon message a key might sign, and versions the layout (a v3 layout changes it)
chain           the rollup the transaction runs on (its sender's chain)
kind            ``TxKind`` code: TRANSFER = 1, BURN = 2, CALL = 4 (3 is the sequencer-made ACTION, never signed;
                the codes equal ``zksvs.statement.SlotKind``'s where both exist; 5 is reserved for forced
                inclusion)
program         ``Program`` code: 0 for a TRANSFER, MINT (1) for a BURN (a burn is a call of program MINT with
                payload 0), the program the CALL runs on ``to_chain``: MINT = 1, COND = 2, SWAP = 3
from            the sender's account index on ``chain``
to              the recipient's account index (TRANSFER: on ``chain``; BURN: on ``to_chain``; CALL: the target,
                on ``to_chain`` for MINT and COND, on ``chain`` for SWAP: the account that receives ``amount``)
to_chain        the destination chain: ``chain`` itself for a TRANSFER, the peer chain for BURN and CALL
amount          u64 (TRANSFER, BURN: the amount moved; CALL: the value it carries)
nonce           the sender's nonce (u64)
payload         one field element: 0 for TRANSFER and BURN; for CALL the program's input: free for MINT, the cap
                (a u64) for COND, the swap order's message (``SwapOrder.message``) for SWAP
to_pubkey_x/_y  the recipient's public key when the transaction names one (a payment to an empty account index
                creates the account with this key; a payment to an existing one must name its key); (0, 0) when it
                names none
==============  ========================================================================================

A **swap order** is what the counterparty Z of an atomic swap signs (``SwapOrder``): Z on chain B pays b to W on B
if X on chain A pays a to Y on A, in the same 12-input layout under its own tag::

    order = Poseidon(ORDER_DOMAIN_TAG, B, 3, 3, Z, W, A, b, z_nonce, X, Y, a)

(kind 3 = the ACTION that runs it, program 3 = SWAP; the last three positions hold the counter leg.) X's call to B
carries ``payload = order`` and the signed order, so X signs the whole swap and Z signs it too.

The JSON form (``TxFields.from_obj`` / ``to_obj``) extends DESIGN.md §9's lines::

    {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
    {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}
    {"kind": "call", "chain": 0, "to_chain": 1, "from": 3, "to": 9, "amount": 0, "nonce": 2, "program": "cond",
     "payload": "1234"}

plus an optional ``"to_pubkey": ["x", "y"]`` on any kind; a SWAP call also carries ``"order"``, the signed swap
order (``SwapOrder.to_obj`` plus its signature), and may leave ``payload`` out (it is then the order's message).
Identifiers (chain, from, to) are JSON integers; amount and nonce JSON integers or decimal strings; field elements
(payload, key coordinates) decimal strings (JSON integers are accepted too). A signed transaction (``sign_tx``,
``parse_signed_tx``, ``zksvs sign``) adds ``"pubkey": ["x", "y"]`` (the signer's key, informative: the sequencer
verifies against the key in the sender's leaf) and ``"signature": {"r8": ["x", "y"], "s": "S"}``;
docs/signatures.md documents it.

References
----------
circomlib 2.0.5 ``circuits/poseidon.circom`` / circomlibjs 0.1.7 ``poseidon`` (the hash, ``zksvs.poseidon``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import IntEnum

from zksvs.eddsa import Signature, private_to_public, pubkey_from_obj, pubkey_to_obj, sign_poseidon
from zksvs.errors import MalformedSignature, MalformedTransaction
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.poseidon import poseidon

__all__ = [
    "ORDER_DOMAIN_TAG",
    "SIGNATURE_FIELDS",
    "TX_DOMAIN_TAG",
    "TX_MESSAGE_INPUTS",
    "Program",
    "SignedOrder",
    "SwapOrder",
    "TxFields",
    "TxKind",
    "parse_signed_order",
    "parse_signed_tx",
    "remember_messages",
    "sign_order",
    "sign_tx",
    "tx_message",
]

#: First Poseidon input of every transaction message: the ASCII bytes "zksvs/tx/v2" read big-endian (88 bits).
TX_DOMAIN_TAG: int = int.from_bytes(b"zksvs/tx/v2", "big")
#: First Poseidon input of every swap order: the ASCII bytes "zksvs/order/v2" read big-endian (112 bits).
ORDER_DOMAIN_TAG: int = int.from_bytes(b"zksvs/order/v2", "big")
#: Number of Poseidon inputs of a message and of an order (the circuit hashes the same 12).
TX_MESSAGE_INPUTS: int = 12
#: The ACTION slot kind's code (``zksvs.statement.SlotKind.ACTION``), the kind input of a swap order.
_ACTION_KIND = 3

_U64 = (1 << 64) - 1


class TxKind(IntEnum):
    """Kind codes of user transactions (the values of ``zksvs.statement.SlotKind`` where both exist)."""

    TRANSFER = 1
    BURN = 2
    CALL = 4


class Program(IntEnum):
    """The built-in programs an action runs on its destination chain (docs/protocol.md, "General messages").

    MINT credits the target by the value; COND does so only if the target's balance after stays ≤ the payload (a
    cap); SWAP runs the counter leg of an atomic swap (the payload is the counterparty's order). 0 is "no program"
    (a transfer, a slot without a message).
    """

    MINT = 1
    COND = 2
    SWAP = 3


#: JSON names of the programs (``"program": "cond"``).
PROGRAM_NAMES: dict[str, Program] = {p.name.lower(): p for p in Program}


#: Messages remembered by their inputs (insertion order: the oldest is dropped first), at most ``_MESSAGES_MAX``.
_MESSAGES: dict[tuple[int, ...], int] = {}
_MESSAGES_MAX = 8192
_MESSAGES_LOCK = threading.Lock()  # several threads parse (the pipeline's producer and the main thread)


def _remember(inputs: tuple[int, ...], value: int) -> None:
    with _MESSAGES_LOCK:
        if len(_MESSAGES) >= _MESSAGES_MAX:
            del _MESSAGES[next(iter(_MESSAGES))]
        _MESSAGES[inputs] = value


def _message(inputs: tuple[int, ...]) -> int:
    """Poseidon of a message's inputs, remembered: a swap order's message is needed where it is parsed, checked
    against its call, executed and verified (four pure-Python hashes of 12 inputs, ~1.5 ms each, for one value)."""
    value = _MESSAGES.get(inputs)
    if value is None:
        value = poseidon(list(inputs))
        _remember(inputs, value)
    return value


def remember_messages(rows: Iterable[tuple[int, ...]], hash_rows: Callable[[list[tuple[int, ...]]], list[int]]) -> None:
    """Hash these message input rows (``TxFields.inputs()``, ``SwapOrder.inputs()``) in one call of ``hash_rows``,
    an implementation of circomlib's Poseidon (one value per row, equal to ``zksvs.poseidon.poseidon`` on each: the
    sequencer passes ``accel.poseidon.poseidon_many``, tested against circomlibjs), and remember them, so that
    ``message()`` of these transactions and orders costs a look-up instead of a pure-Python hash. Rows already
    remembered are skipped; at most the newest ``_MESSAGES_MAX`` are kept."""
    todo = list(dict.fromkeys(r for r in rows if r not in _MESSAGES))
    if todo:
        for r, v in zip(todo[-_MESSAGES_MAX:], hash_rows(todo[-_MESSAGES_MAX:]), strict=True):
            _remember(r, v)


@dataclass(frozen=True)
class TxFields:
    """The signed fields of one user transaction (see the module docstring for each field's meaning).

    Attributes
    ----------
    kind : TxKind
    chain, sender, recipient, to_chain : int
        Chain ids and account indices (``sender`` is JSON ``from``, ``recipient`` is JSON ``to``).
    amount, nonce : int
        u64.
    payload : int
        A canonical Fr element (0 unless ``kind`` is CALL).
    recipient_pubkey : tuple[int, int]
        The recipient's public key, or (0, 0).
    program : int | None
        The ``Program`` code; None means the kind's own: 0 for a TRANSFER, MINT for a BURN (a CALL must name one).
        Stored normalised (``TxFields(TxKind.BURN, …).program == Program.MINT``).

    Raises
    ------
    MalformedTransaction
        ``program`` does not fit the kind: a TRANSFER with a program, a BURN with one other than MINT, a CALL
        without one in {MINT, COND, SWAP}.
    """

    kind: TxKind
    chain: int
    sender: int
    recipient: int
    to_chain: int
    amount: int
    nonce: int
    payload: int = 0
    recipient_pubkey: tuple[int, int] = (0, 0)
    program: int | None = None

    def __post_init__(self) -> None:
        kind, program = self.kind, self.program
        if kind == TxKind.TRANSFER:
            ok, default = program in (None, 0), 0
        elif kind == TxKind.BURN:
            ok, default = program in (None, Program.MINT), Program.MINT
        else:
            ok, default = type(program) in (int, Program) and program in tuple(Program), None
        if not ok:
            name = TxKind(kind).name if kind in tuple(TxKind) else kind
            raise MalformedTransaction(
                f"a {name} cannot run program {program!r} (transfer: none; burn: MINT; call: MINT, COND or SWAP)"
            )
        object.__setattr__(self, "program", Program(program) if program else default)

    def inputs(self) -> tuple[int, ...]:
        """The 12 Poseidon inputs in order, each checked canonical.

        Raises
        ------
        NonCanonicalFieldElement
            A field is not an int in [0, r) (named in the message).
        """
        named = (
            ("tag", TX_DOMAIN_TAG),
            ("chain", self.chain),
            ("kind", int(self.kind)),
            ("program", int(self.program)),
            ("from", self.sender),
            ("to", self.recipient),
            ("to_chain", self.to_chain),
            ("amount", self.amount),
            ("nonce", self.nonce),
            ("payload", self.payload),
            ("to_pubkey[0]", self.recipient_pubkey[0]),
            ("to_pubkey[1]", self.recipient_pubkey[1]),
        )
        return tuple(require_canonical_fr(v, f"transaction field '{name}'") for name, v in named)

    def message(self) -> int:
        """Poseidon(inputs()): the value the sender signs."""
        return _message(self.inputs())

    def to_obj(self) -> dict:
        """The JSON object (module docstring); ``to_chain`` is left out for a transfer, ``program`` and ``payload``
        unless CALL."""
        obj: dict = {"kind": self.kind.name.lower(), "chain": self.chain}
        if self.kind is not TxKind.TRANSFER:
            obj["to_chain"] = self.to_chain
        obj.update({"from": self.sender, "to": self.recipient, "amount": self.amount, "nonce": self.nonce})
        if self.kind is TxKind.CALL:
            obj["program"] = Program(self.program).name.lower()
            obj["payload"] = str(self.payload)
        if self.recipient_pubkey != (0, 0):
            obj["to_pubkey"] = [str(self.recipient_pubkey[0]), str(self.recipient_pubkey[1])]
        return obj

    @classmethod
    def from_obj(cls, obj: object, ignore: frozenset[str] = frozenset()) -> TxFields:
        """Parse a transaction's JSON object (module docstring); keys in ``ignore`` are skipped (e.g. a signature).

        A SWAP call whose object holds an ``"order"`` (in ``ignore`` or not) may leave ``payload`` out: it is then
        the order's message (``SwapOrder.message``); a payload that is given must equal it.

        Raises
        ------
        MalformedTransaction
            Not an object; unknown kind (``"mint"`` included: mints are made by the sequencer); a missing or
            unexpected field; a number that is not a JSON integer (amount and nonce: or a decimal string),
            negative, or (amount, nonce) above 2^64 − 1; a transfer with ``to_chain``, or a burn or call to its own
            chain; an unknown program; a payload or key that is not a canonical Fr element (decimal string or
            integer); a COND payload above 2^64 − 1; a SWAP whose order is malformed or does not match the call.
        """
        if not isinstance(obj, dict):
            raise MalformedTransaction(f"a transaction must be a JSON object, not {type(obj).__name__}")
        kind_name = obj.get("kind")
        kinds = {k.name.lower(): k for k in TxKind}
        if kind_name not in kinds:
            why = " (mints are made by the sequencer, never signed)" if kind_name == "mint" else ""
            raise MalformedTransaction(f"field 'kind' must be one of {sorted(kinds)}, not {kind_name!r}{why}")
        kind = kinds[kind_name]
        required = {"kind", "chain", "from", "to", "amount", "nonce"}
        optional = {"to_pubkey"}
        if kind is not TxKind.TRANSFER:
            required.add("to_chain")
        if kind is TxKind.CALL:
            required |= {"program", "payload"}
            optional.add("order")
        keys = set(obj) - ignore
        if kind is TxKind.CALL and obj.get("program") == "swap" and "order" in obj:
            required.discard("payload")
            optional.add("payload")
        missing, extra = required - keys, keys - required - optional
        if missing:
            raise MalformedTransaction(f"{kind_name}: missing field(s) {sorted(missing)}")
        if extra:
            raise MalformedTransaction(f"{kind_name}: unexpected field(s) {sorted(extra)}")
        chain = _int(obj, "chain")
        to_chain = _int(obj, "to_chain") if "to_chain" in required else chain
        if kind is not TxKind.TRANSFER and to_chain == chain:
            raise MalformedTransaction(f"{kind_name}: 'to_chain' must differ from 'chain' ({chain})")
        pubkey = (0, 0)
        if "to_pubkey" in obj:
            pk = obj["to_pubkey"]
            if not isinstance(pk, list) or len(pk) != 2:
                raise MalformedTransaction(f"field 'to_pubkey' must be a list [x, y], not {pk!r}")
            pubkey = (_fr(pk[0], "to_pubkey[0]"), _fr(pk[1], "to_pubkey[1]"))
        program = None
        if kind is TxKind.CALL:
            name = obj["program"]
            if name not in PROGRAM_NAMES:
                raise MalformedTransaction(f"field 'program' must be one of {sorted(PROGRAM_NAMES)}, not {name!r}")
            program = PROGRAM_NAMES[name]
        fields = cls(
            kind=kind,
            chain=chain,
            sender=_int(obj, "from"),
            recipient=_int(obj, "to"),
            to_chain=to_chain,
            amount=_u64(obj, "amount"),
            nonce=_u64(obj, "nonce"),
            payload=_fr(obj["payload"], "payload") if "payload" in obj and kind is TxKind.CALL else 0,
            recipient_pubkey=pubkey,
            program=program,
        )
        if program is Program.COND and fields.payload > _U64:
            raise MalformedTransaction(f"call: a COND payload is a cap, a u64, not {fields.payload}")
        if program is Program.SWAP and "order" in obj:
            order = parse_signed_order(obj["order"])[0]
            if order != SwapOrder.for_call(fields, order.sender, order.recipient, order.amount, order.nonce):
                raise MalformedTransaction(
                    "call: the swap order does not match the call (its chain must be the call's to_chain, its "
                    "counter leg the call's chain, from, to and amount)"
                )
            if "payload" not in obj:
                fields = replace(fields, payload=order.message())
            elif fields.payload != order.message():
                raise MalformedTransaction("call: 'payload' of a swap must be its order's message")
        return fields


@dataclass(frozen=True)
class SwapOrder:
    """The counterparty's side of an atomic swap: Z on ``chain`` (B) pays ``amount`` (b) to ``recipient`` (W) on B,
    if X (``counter_sender``) on ``counter_chain`` (A) pays ``counter_amount`` (a) to ``counter_recipient`` (Y) on A.

    Z signs ``message()`` with the key of its account on B; ``nonce`` is Z's nonce there (the action advances it, so
    an order runs once). The counter leg is X's SWAP call: its chain, ``from``, ``to`` and ``amount``
    (``for_call``).
    """

    chain: int
    counter_chain: int
    sender: int
    recipient: int
    amount: int
    nonce: int
    counter_sender: int
    counter_recipient: int
    counter_amount: int

    def inputs(self) -> tuple[int, ...]:
        """The 12 Poseidon inputs (module docstring), each checked canonical.

        Raises
        ------
        NonCanonicalFieldElement
            A field is not an int in [0, r).
        """
        named = (
            ("tag", ORDER_DOMAIN_TAG),
            ("chain", self.chain),
            ("kind", _ACTION_KIND),
            ("program", int(Program.SWAP)),
            ("from", self.sender),
            ("to", self.recipient),
            ("to_chain", self.counter_chain),
            ("amount", self.amount),
            ("nonce", self.nonce),
            ("counter_from", self.counter_sender),
            ("counter_to", self.counter_recipient),
            ("counter_amount", self.counter_amount),
        )
        return tuple(require_canonical_fr(v, f"swap order field '{name}'") for name, v in named)

    def message(self) -> int:
        """Poseidon(inputs()): the value Z signs, and the payload of X's call."""
        return _message(self.inputs())

    @classmethod
    def for_call(cls, call: TxFields, sender: int, recipient: int, amount: int, nonce: int) -> SwapOrder:
        """The order whose counter leg is ``call`` (a SWAP call on chain A to ``call.to_chain``)."""
        return cls(
            call.to_chain, call.chain, sender, recipient, amount, nonce, call.sender, call.recipient, call.amount
        )

    def to_obj(self) -> dict:
        """``{"kind": "swap_order", "chain": B, "to_chain": A, "from": Z, "to": W, "amount": b, "nonce": n,
        "counter_from": X, "counter_to": Y, "counter_amount": a}``."""
        return {
            "kind": "swap_order",
            "chain": self.chain,
            "to_chain": self.counter_chain,
            "from": self.sender,
            "to": self.recipient,
            "amount": self.amount,
            "nonce": self.nonce,
            "counter_from": self.counter_sender,
            "counter_to": self.counter_recipient,
            "counter_amount": self.counter_amount,
        }

    @classmethod
    def from_obj(cls, obj: object, ignore: frozenset[str] = frozenset()) -> SwapOrder:
        """Parse ``to_obj``'s form (keys in ``ignore`` skipped).

        Raises
        ------
        MalformedTransaction
            Not that form: a missing or unexpected field, a number that is not a non-negative integer (amounts and
            the nonce: or a decimal string, at most 2^64 − 1), both chains equal.
        """
        if not isinstance(obj, dict) or obj.get("kind") != "swap_order":
            raise MalformedTransaction(f'a swap order is an object with "kind": "swap_order", not {obj!r}')
        names = {"kind", "chain", "to_chain", "from", "to", "amount", "nonce", "counter_from", "counter_to",
                 "counter_amount"}  # fmt: skip
        keys = set(obj) - ignore
        if keys != names:
            raise MalformedTransaction(
                f"swap order: missing field(s) {sorted(names - keys)}, unexpected field(s) {sorted(keys - names)}"
            )
        order = cls(
            _int(obj, "chain"),
            _int(obj, "to_chain"),
            _int(obj, "from"),
            _int(obj, "to"),
            _u64(obj, "amount"),
            _u64(obj, "nonce"),
            _int(obj, "counter_from"),
            _int(obj, "counter_to"),
            _u64(obj, "counter_amount"),
        )
        if order.chain == order.counter_chain:
            raise MalformedTransaction(f"swap order: 'to_chain' must differ from 'chain' ({order.chain})")
        return order


def _int(obj: dict, name: str, maximum: int = FR_MODULUS - 1) -> int:
    v = obj[name]
    if type(v) is not int:  # bool is an int subclass; floats and strings are refused too
        raise MalformedTransaction(f"field '{name}' must be an integer, not {type(v).__name__} {v!r}")
    if not 0 <= v <= maximum:
        raise MalformedTransaction(f"field '{name}' must be in [0, {maximum}], not {v}")
    return v


def _u64(obj: dict, name: str) -> int:
    """A u64 given as a JSON integer or a canonical decimal string (docs/formats.md)."""
    v = obj[name]
    if isinstance(v, str) and v.isascii() and v.isdigit() and (v == "0" or not v.startswith("0")):
        v = int(v)
    if type(v) is not int:
        raise MalformedTransaction(f"field '{name}' must be an integer or a decimal string, not {v!r}")
    if not 0 <= v <= _U64:
        raise MalformedTransaction(f"field '{name}' must be in [0, {_U64}], not {v}")
    return v


def _fr(v: object, name: str) -> int:
    if type(v) is int:
        x = v
    elif isinstance(v, str) and v.isascii() and v.isdigit():
        x = int(v)
    else:
        raise MalformedTransaction(f"field '{name}' must be a decimal string or an integer, not {v!r}")
    if x >= FR_MODULUS:
        raise MalformedTransaction(f"field '{name}' must be below r, not {x}")
    return x


def tx_message(
    kind: TxKind,
    chain: int,
    sender: int,
    recipient: int,
    to_chain: int,
    amount: int,
    nonce: int,
    payload: int = 0,
    recipient_pubkey: tuple[int, int] = (0, 0),
    program: int | None = None,
) -> int:
    """The message a transaction's sender signs: ``TxFields(...).message()`` (module docstring).

    Raises
    ------
    NonCanonicalFieldElement
        A field is not an int in [0, r).
    ValueError
        ``kind`` is not a ``TxKind`` code.
    MalformedTransaction
        ``program`` does not fit ``kind``.
    """
    return TxFields(
        TxKind(kind), chain, sender, recipient, to_chain, amount, nonce, payload, recipient_pubkey, program
    ).message()


#: The keys a signed transaction (or order) adds to the JSON object.
SIGNATURE_FIELDS: frozenset[str] = frozenset({"pubkey", "signature"})


def sign_tx(fields: TxFields, private_key: bytes, order: dict | None = None) -> dict:
    """The signed JSON object of ``fields``: ``fields.to_obj()`` plus ``"pubkey"`` and ``"signature"`` (and the
    signed swap order ``order``, as ``sign_order`` returned it, for a SWAP call).

    Raises
    ------
    MalformedKey
        ``private_key`` is not 32 bytes.
    NonCanonicalFieldElement
        A field is not a canonical Fr element.
    """
    sig = sign_poseidon(private_key, fields.message())
    obj = {**fields.to_obj(), "pubkey": pubkey_to_obj(private_to_public(private_key)), "signature": sig.to_obj()}
    if order is not None:
        obj["order"] = order
    return obj


def parse_signed_tx(obj: object) -> tuple[TxFields, Signature, tuple[int, int] | None]:
    """(fields, signature, the ``"pubkey"`` it names or None) of a signed transaction's JSON object.

    Verifying is the caller's job (``zksvs.eddsa.verify_poseidon(fields.message(), signature, key)``, with the key
    from the sender's account leaf). A SWAP call's order is ``parse_signed_order(obj["order"])``.

    Raises
    ------
    MalformedTransaction
        The transaction fields are malformed (``TxFields.from_obj``).
    MalformedSignature
        ``"signature"`` is missing or malformed.
    MalformedKey
        ``"pubkey"`` is present and malformed.
    """
    fields = TxFields.from_obj(obj, ignore=SIGNATURE_FIELDS)
    assert isinstance(obj, dict)
    return fields, *_signature_of(obj)


#: A swap order with Z's signature and the key it names (or None): what ``parse_signed_order`` returns.
SignedOrder = tuple[SwapOrder, Signature, "tuple[int, int] | None"]


def sign_order(order: SwapOrder, private_key: bytes) -> dict:
    """The signed JSON object of a swap order: ``order.to_obj()`` plus ``"pubkey"`` and ``"signature"``.

    Raises
    ------
    MalformedKey
        ``private_key`` is not 32 bytes.
    NonCanonicalFieldElement
        A field is not a canonical Fr element.
    """
    sig = sign_poseidon(private_key, order.message())
    return {**order.to_obj(), "pubkey": pubkey_to_obj(private_to_public(private_key)), "signature": sig.to_obj()}


def parse_signed_order(obj: object) -> SignedOrder:
    """(order, Z's signature, the ``"pubkey"`` it names or None) of a signed swap order's JSON object.

    Raises
    ------
    MalformedTransaction
        The order fields are malformed (``SwapOrder.from_obj``).
    MalformedSignature
        ``"signature"`` is missing or malformed.
    MalformedKey
        ``"pubkey"`` is present and malformed.
    """
    order = SwapOrder.from_obj(obj, ignore=SIGNATURE_FIELDS)
    assert isinstance(obj, dict)
    return order, *_signature_of(obj, "swap order")


def _signature_of(obj: dict, what: str = "signed transaction") -> tuple[Signature, tuple[int, int] | None]:
    if "signature" not in obj:
        raise MalformedSignature(f"a {what} needs a field 'signature'")
    sig = Signature.from_obj(obj["signature"])
    key = pubkey_from_obj(obj["pubkey"]) if "pubkey" in obj else None
    return sig, key

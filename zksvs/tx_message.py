"""The signed message of a user transaction: one Poseidon hash over all its fields, defined here once.

    message = Poseidon(TX_DOMAIN_TAG, chain, kind, from, to, to_chain, amount, nonce, payload, to_pubkey_x, to_pubkey_y)

(circomlib Poseidon, 11 inputs, every input a canonical Fr element.) The sender signs ``message`` with EdDSA-Poseidon
(``zksvs.eddsa.sign_poseidon``); the sequencer and the batch circuit verify it against the public key in the sender's
account leaf. Every field a transaction carries is an input, so nobody who relays it can change any of them.

Fields, in input order:

==============  ========================================================================================
TX_DOMAIN_TAG   the constant ``int.from_bytes(b"zksvs/tx/v2", "big")``: separates transaction signatures from
                any other Poseidon message a key might sign, and versions the layout (a v3 layout changes it)
chain           the rollup the transaction runs on (its sender's chain)
kind            ``TxKind`` code: TRANSFER = 1, BURN = 2, CALL = 4 (3 is the sequencer-made MINT, never signed;
                the codes equal ``zksvs.statement.SlotKind``'s where both exist; 5 and up are free for new kinds)
from            the sender's account index on ``chain``
to              the recipient's account index (TRANSFER: on ``chain``; BURN: on ``to_chain``; CALL: the target)
to_chain        the destination chain: ``chain`` itself for a TRANSFER, the peer chain for BURN and CALL
amount          u64 (TRANSFER, BURN: the amount moved; CALL: the value it carries)
nonce           the sender's nonce (u64)
payload         one field element: 0 for TRANSFER and BURN; for CALL the digest of its input, as the call kind
                defines it
to_pubkey_x/_y  the recipient's public key when the transaction names one (a payment to an empty account index
                creates the account with this key); (0, 0) when it names none
==============  ========================================================================================

The JSON form (``TxFields.from_obj`` / ``to_obj``) extends DESIGN.md §9's lines::

    {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
    {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}
    {"kind": "call", "chain": 0, "to_chain": 1, "from": 3, "to": 9, "amount": 0, "nonce": 2, "payload": "1234"}

plus an optional ``"to_pubkey": ["x", "y"]`` on any kind. Numbers are JSON integers; field elements (payload, key
coordinates) are decimal strings (JSON integers are accepted too). A signed transaction (``sign_tx``,
``parse_signed_tx``, ``zksvs sign``) adds ``"pubkey": ["x", "y"]`` (the signer's key, informative: the sequencer
verifies against the key in the sender's leaf) and ``"signature": {"r8": ["x", "y"], "s": "S"}``;
docs/signatures.md documents it.

References
----------
circomlib 2.0.5 ``circuits/poseidon.circom`` / circomlibjs 0.1.7 ``poseidon`` (the hash, ``zksvs.poseidon``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from zksvs.eddsa import Signature, private_to_public, pubkey_from_obj, pubkey_to_obj, sign_poseidon
from zksvs.errors import MalformedSignature, MalformedTransaction
from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.poseidon import poseidon

__all__ = [
    "SIGNATURE_FIELDS",
    "TX_DOMAIN_TAG",
    "TX_MESSAGE_INPUTS",
    "TxFields",
    "TxKind",
    "parse_signed_tx",
    "sign_tx",
    "tx_message",
]

#: First Poseidon input of every transaction message: the ASCII bytes "zksvs/tx/v2" read big-endian (88 bits).
TX_DOMAIN_TAG: int = int.from_bytes(b"zksvs/tx/v2", "big")
#: Number of Poseidon inputs of a message (the circuit hashes the same 11).
TX_MESSAGE_INPUTS: int = 11

_U64 = (1 << 64) - 1


class TxKind(IntEnum):
    """Kind codes of user transactions (the values of ``zksvs.statement.SlotKind`` where both exist)."""

    TRANSFER = 1
    BURN = 2
    CALL = 4


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

    def inputs(self) -> tuple[int, ...]:
        """The 11 Poseidon inputs in order, each checked canonical.

        Raises
        ------
        NonCanonicalFieldElement
            A field is not an int in [0, r) (named in the message).
        """
        named = (
            ("tag", TX_DOMAIN_TAG),
            ("chain", self.chain),
            ("kind", int(self.kind)),
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
        return poseidon(list(self.inputs()))

    def to_obj(self) -> dict:
        """The JSON object (module docstring); ``to_chain`` is left out for a transfer, ``payload`` unless CALL."""
        obj: dict = {"kind": self.kind.name.lower(), "chain": self.chain}
        if self.kind is not TxKind.TRANSFER:
            obj["to_chain"] = self.to_chain
        obj.update({"from": self.sender, "to": self.recipient, "amount": self.amount, "nonce": self.nonce})
        if self.kind is TxKind.CALL:
            obj["payload"] = str(self.payload)
        if self.recipient_pubkey != (0, 0):
            obj["to_pubkey"] = [str(self.recipient_pubkey[0]), str(self.recipient_pubkey[1])]
        return obj

    @classmethod
    def from_obj(cls, obj: object, ignore: frozenset[str] = frozenset()) -> TxFields:
        """Parse a transaction's JSON object (module docstring); keys in ``ignore`` are skipped (e.g. a signature).

        Raises
        ------
        MalformedTransaction
            Not an object; unknown kind (``"mint"`` included: mints are made by the sequencer); a missing or
            unexpected field; a number that is not a JSON integer, negative, or (amount, nonce) above 2^64 − 1;
            a transfer with ``to_chain``, or a burn to its own chain; a payload or key that is not a canonical Fr
            element (decimal string or integer).
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
        if kind is not TxKind.TRANSFER:
            required.add("to_chain")
        if kind is TxKind.CALL:
            required.add("payload")
        keys = set(obj) - ignore
        missing, extra = required - keys, keys - required - {"to_pubkey"}
        if missing:
            raise MalformedTransaction(f"{kind_name}: missing field(s) {sorted(missing)}")
        if extra:
            raise MalformedTransaction(f"{kind_name}: unexpected field(s) {sorted(extra)}")
        chain = _int(obj, "chain")
        to_chain = _int(obj, "to_chain") if "to_chain" in required else chain
        if kind is TxKind.BURN and to_chain == chain:
            raise MalformedTransaction(f"burn: 'to_chain' must differ from 'chain' ({chain})")
        pubkey = (0, 0)
        if "to_pubkey" in obj:
            pk = obj["to_pubkey"]
            if not isinstance(pk, list) or len(pk) != 2:
                raise MalformedTransaction(f"field 'to_pubkey' must be a list [x, y], not {pk!r}")
            pubkey = (_fr(pk[0], "to_pubkey[0]"), _fr(pk[1], "to_pubkey[1]"))
        return cls(
            kind=kind,
            chain=chain,
            sender=_int(obj, "from"),
            recipient=_int(obj, "to"),
            to_chain=to_chain,
            amount=_int(obj, "amount", _U64),
            nonce=_int(obj, "nonce", _U64),
            payload=_fr(obj["payload"], "payload") if kind is TxKind.CALL else 0,
            recipient_pubkey=pubkey,
        )


def _int(obj: dict, name: str, maximum: int = FR_MODULUS - 1) -> int:
    v = obj[name]
    if type(v) is not int:  # bool is an int subclass; floats and strings are refused too
        raise MalformedTransaction(f"field '{name}' must be an integer, not {type(v).__name__} {v!r}")
    if not 0 <= v <= maximum:
        raise MalformedTransaction(f"field '{name}' must be in [0, {maximum}], not {v}")
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
) -> int:
    """The message a transaction's sender signs: ``TxFields(...).message()`` (module docstring).

    Raises
    ------
    NonCanonicalFieldElement
        A field is not an int in [0, r).
    ValueError
        ``kind`` is not a ``TxKind`` code.
    """
    return TxFields(
        TxKind(kind), chain, sender, recipient, to_chain, amount, nonce, payload, recipient_pubkey
    ).message()


#: The keys a signed transaction adds to the JSON object.
SIGNATURE_FIELDS: frozenset[str] = frozenset({"pubkey", "signature"})


def sign_tx(fields: TxFields, private_key: bytes) -> dict:
    """The signed JSON object of ``fields``: ``fields.to_obj()`` plus ``"pubkey"`` and ``"signature"``.

    Raises
    ------
    MalformedKey
        ``private_key`` is not 32 bytes.
    NonCanonicalFieldElement
        A field is not a canonical Fr element.
    """
    sig = sign_poseidon(private_key, fields.message())
    return {**fields.to_obj(), "pubkey": pubkey_to_obj(private_to_public(private_key)), "signature": sig.to_obj()}


def parse_signed_tx(obj: object) -> tuple[TxFields, Signature, tuple[int, int] | None]:
    """(fields, signature, the ``"pubkey"`` it names or None) of a signed transaction's JSON object.

    Verifying is the caller's job (``zksvs.eddsa.verify_poseidon(fields.message(), signature, key)``, with the key
    from the sender's account leaf).

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
    if "signature" not in obj:
        raise MalformedSignature("a signed transaction needs a field 'signature'")
    sig = Signature.from_obj(obj["signature"])
    key = pubkey_from_obj(obj["pubkey"]) if "pubkey" in obj else None
    return fields, sig, key

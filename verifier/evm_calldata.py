"""The calldata of ``SharedSettlement``: verifying-key words, the submission word array, ``settle(uint256[])``.

Pure encoding (no EVM, no compiler), shared by the EVM adapter (``verifier.evm_settlement``) and the gas model
(``verifier.gas``, which prices the exact calldata of a submission).

The encoder never refuses a submission (the L1 decides): a value that is not what its position holds (a wrong type,
``None``, a float, a value outside [0, 2^256)) becomes the word ``NOT_A_VALUE`` = 2^256 − 1 there, and a list that
is not a list becomes a count of 0 (batch data: one ``NOT_A_VALUE`` slot); the contract then rejects it at the same
check as the model's type checks: a chain id at ``rollup_set``, a public input at ``public_inputs``, a slot at
``batch_data``, a proof at ``proof``, bridge slots at ``bridge_opening``, the cross proof at ``cross_proof``. A point
coordinate that is no uint256 becomes q, an invalid coordinate the precompiles refuse.

Layout (SharedSettlement.sol's dev comment): batch_number, n entries, per entry chain_id, the 8 proof words (A, B
imaginary parts first, C; EIP-197), the counts word (n_public + n_slots·2^64 + n_sparse·2^128 + n_bridge·2^192),
the public inputs (or, with n_public ``PUB_L1_BINDING``, the first four, when eval_point and eval_value are exactly
those the contract computes from the slots: it then uses its own), the n_sparse words of the sparse slot encoding
(``zksvs.statement.sparse_words`` of each slot's ``pack_slot`` words, slot after slot: a head word with a presence
mask, then only the non-zero words; eval_point hashes exactly these) and the n_bridge bridge words (accounts_root,
then the 2^S slot values); then has_cross and, if 1, the cross proof's 8 words, n_cross_public and its inputs; if
2, the cross proof's 8 words alone (its inputs are the K new state roots in chain order, which the contract takes
from the entries).

References
----------
Solidity ABI specification (``uint256[]``: offset, length, words); EIP-196/197 (point encodings).
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.evm import g1_to_evm, g2_to_evm, keccak256
from zksvs.errors import MalformedSlotData
from zksvs.field import FQ_MODULUS
from zksvs.groth16 import Proof, VerifyingKey
from zksvs.rollup_state import BridgeSlots
from zksvs.statement import N_BATCH_PUBLIC, eval_point, eval_value, pack_slot, sparse_words

__all__ = [
    "NOT_A_VALUE",
    "key_data_initcode",
    "settle_calldata",
    "submission_words",
    "verifying_key_words",
]

#: The word that stands for "not a value of this kind" in a submission (contract constant NOT_A_VALUE).
NOT_A_VALUE = (1 << 256) - 1
_UINT256 = 1 << 256
#: n_public word meaning "chain_id, old root, new root, commitment follow; eval_point and eval_value are the
#: L1's own" (contract constant PUB_L1_BINDING).
PUB_L1_BINDING = 0x104
_SETTLE_SELECTOR = keccak256(b"settle(uint256[])")[:4]


def _g2_words(p) -> list[int]:
    return [int.from_bytes(g2_to_evm(p)[i : i + 32], "big") for i in range(0, 128, 32)]


def _g1_words(p) -> list[int]:
    return [int.from_bytes(g1_to_evm(p)[i : i + 32], "big") for i in range(0, 64, 32)]


def verifying_key_words(vk: VerifyingKey) -> list[int]:
    """α (2), β, γ, δ (4 each, EIP-197 order: imaginary part first), IC_0..IC_ℓ (2 each)."""
    words = _g1_words(vk.alpha_g1)
    for p in (vk.beta_g2, vk.gamma_g2, vk.delta_g2):
        words += _g2_words(p)
    for p in vk.ic:
        words += _g1_words(p)
    return words


def key_data_initcode(words: Sequence[int]) -> bytes:
    """Creation code of a data contract whose code is 0x00 (STOP: it cannot be called into) followed by ``words``.

    PUSH2 n, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN (10 bytes), then the code to return.
    """
    runtime = b"\x00" + b"".join(w.to_bytes(32, "big") for w in words)
    n = len(runtime)
    if n >= 1 << 16:
        raise ValueError(f"key data of {n} bytes does not fit PUSH2")
    return bytes([0x61, n >> 8, n & 0xFF, 0x80, 0x60, 0x0A, 0x5F, 0x39, 0x5F, 0xF3]) + runtime


def _word(v: object) -> int:
    """An exact int in [0, 2^256) as itself; anything else (bool, float, None, out of range) as NOT_A_VALUE."""
    return v if type(v) is int and 0 <= v < _UINT256 else NOT_A_VALUE


def _coordinate(v: object) -> int:
    """A point coordinate; a value that is no uint256 becomes q, an invalid coordinate the precompiles refuse."""
    return v if type(v) is int and 0 <= v < _UINT256 else FQ_MODULUS


def _proof_words(proof: object) -> list[int]:
    """A, B (imaginary parts first), C; a non-Proof is NOT_A_VALUE then zeros; a malformed point invalid words."""
    if not isinstance(proof, Proof):
        return [NOT_A_VALUE] + [0] * 7
    out: list[int] = []
    for p, n in ((proof.a, 2), (proof.b, 4), (proof.c, 2)):
        try:
            if p is None:
                vals = [0] * n
            elif n == 2:
                x, y = p
                vals = [_coordinate(x), _coordinate(y)]
            else:
                (x0, x1), (y0, y1) = p
                vals = [_coordinate(x1), _coordinate(x0), _coordinate(y1), _coordinate(y0)]
        except (TypeError, ValueError):
            vals = [FQ_MODULUS] * n
        out += vals
    # a coordinate that happens to equal the marker is an invalid point, not "no proof"
    if out[0] == NOT_A_VALUE:
        out[0] = FQ_MODULUS
    return out


def _list(v: object) -> list | None:
    return list(v) if isinstance(v, list | tuple) else None


def _slot_words(slot: object) -> list[int]:
    """The sparse words of a slot; a slot that does not pack: NOT_A_VALUE alone (a head whose reserved bits are
    set: ``batch_data`` refuses it)."""
    try:
        return sparse_words(pack_slot(slot))  # type: ignore[arg-type]
    except MalformedSlotData:
        return [NOT_A_VALUE]


def _bridge_words(r: object) -> list[int]:
    """accounts_root then the slot values of the entry's ``bridge_slots``; [] if it has none or they are no list."""
    bs = getattr(r, "bridge_slots", None)
    slots = _list(getattr(bs, "slots", None))
    if not isinstance(bs, BridgeSlots) or slots is None:
        return []
    return [_word(getattr(bs, "accounts_root", None))] + [_word(v) for v in slots]


def _binding_is_the_l1s(pub: list, data: list | None) -> bool:
    """Are the public eval_point and eval_value (inputs 4, 5) the ones the contract computes from the slots' words?
    Then they are left out (``PUB_L1_BINDING``) and the contract uses its own."""
    if len(pub) != N_BATCH_PUBLIC or data is None or any(_word(v) == NOT_A_VALUE for v in pub):
        return False
    try:
        words = [w for s in data for w in pack_slot(s)]
    except MalformedSlotData:
        return False
    z = eval_point(pub[3], words)
    return pub[4] == z and pub[5] == eval_value(words, z)


def _new_roots_by_chain(entries: list) -> list[int] | None:
    """The entries' new state roots (input 2) by chain id, if their chain ids are 0..n−1 each once and every
    new root is a word; else None."""
    from verifier.settlement import RollupSubmission

    roots: dict[int, int] = {}
    for r in entries:
        pub = _list(getattr(r, "public_inputs", None)) if isinstance(r, RollupSubmission) else None
        if pub is None or len(pub) < 3 or type(r.chain_id) is not int or _word(pub[2]) == NOT_A_VALUE:
            return None
        roots[r.chain_id] = pub[2]
    if sorted(roots) != list(range(len(entries))):
        return None
    return [roots[c] for c in range(len(entries))]


def _counts(n_public: int, n_slots: int, n_sparse: int, n_bridge: int) -> int:
    """The counts word of an entry: n_public + n_slots·2^64 + n_sparse·2^128 + n_bridge·2^192."""
    return n_public | n_slots << 64 | n_sparse << 128 | n_bridge << 192


def _entry_words(r: object) -> list[int]:
    from verifier.settlement import RollupSubmission

    if not isinstance(r, RollupSubmission):
        return [NOT_A_VALUE] + [0] * 8 + [_counts(0, 0, 0, 0)]
    pub = _list(r.public_inputs)
    data = _list(r.batch_data)
    if pub is None:
        n_public, inputs = 0, []
    elif _binding_is_the_l1s(pub, data):
        n_public, inputs = PUB_L1_BINDING, [_word(v) for v in pub[:4]]
    else:
        n_public, inputs = len(pub), [_word(v) for v in pub]
    sparse = [NOT_A_VALUE] if data is None else [w for s in data for w in _slot_words(s)]
    bridge = _bridge_words(r)
    counts = _counts(n_public, 1 if data is None else len(data), len(sparse), len(bridge))
    return [_word(r.chain_id), *_proof_words(r.proof), counts, *inputs, *sparse, *bridge]


def submission_words(sub: object) -> list[int]:
    """The flat word array ``settle`` reads (module docstring); never raises."""
    from verifier.settlement import SharedBatchSubmission

    if not isinstance(sub, SharedBatchSubmission):
        return [NOT_A_VALUE, 0, 0]
    rollups = _list(sub.rollups)
    entries = [_entry_words(r) for r in rollups] if rollups is not None else [_entry_words(None)]
    words = [_word(sub.batch_number), len(entries)]
    for e in entries:
        words += e
    if sub.cross_proof is None or sub.cross_public_inputs is None:
        return [*words, 0]
    cross_pub = _list(sub.cross_public_inputs)
    if rollups is not None and cross_pub is not None and cross_pub == _new_roots_by_chain(rollups):
        # the inputs are the K new roots in chain order: the contract takes them from the entries
        return [*words, 2, *_proof_words(sub.cross_proof)]
    words += [1, *_proof_words(sub.cross_proof)]
    words += [0] if cross_pub is None else [len(cross_pub), *map(_word, cross_pub)]
    return words


def settle_calldata(words: Sequence[int]) -> bytes:
    """ABI calldata of ``settle(uint256[] s)``: selector, offset 32, length, the words."""
    head = (32).to_bytes(32, "big") + len(words).to_bytes(32, "big")
    return _SETTLE_SELECTOR + head + b"".join(w.to_bytes(32, "big") for w in words)

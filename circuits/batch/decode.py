"""Read a batch witness back into slots: what each slot of a (satisfying) witness says it did.

The inverse of ``circuits.batch.witness``: given the batch circuit and any full assignment of its wires, return the
public statement, the starting roots and, per slot, the kind and program, the committed fields, both account updates
(index, leaves, account fields before and after, roots after), the append (bridge slot, message index, appended
leaf, roots) and the signature. Values are read from the wires the constraints act on (the Merkle direction bits,
not a claimed index), and returned as field elements exactly as the witness holds them: nothing is reduced, checked
or refused here.

What it is for: a satisfying witness is a proof's secret, and the batch circuit is sound exactly when every
satisfying witness decodes to slots that the native rules (``sequencer.execute``) accept from the old state and
replay to the public new state root (the semantic differential, ``tests/circuits/test_differential.py``). A value
outside its native domain (a peer chain ≥ K, an account index ≥ 2^D, a nonce ≥ 2^64) in a decoded satisfying
witness is an under-constrained circuit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.batch.circuit import PUBLIC_INPUTS, BatchCircuit
from circuits.batch.slots import PROVABLE_CODES
from zksvs.field import FR_MODULUS
from zksvs.statement import SlotKind

__all__ = ["DecodedAccount", "DecodedAppend", "DecodedBatch", "DecodedSlot", "decode_batch_witness"]


@dataclass(frozen=True)
class DecodedAccount:
    """One account part as the witness holds it (field elements; account fields are 0 when the part is off).

    Attributes
    ----------
    index : int
        The leaf index its Merkle path turns by (Σ direction bits · 2^i).
    leaf_before, leaf_after, root_after : int
        The leaf read and written, and the accounts root after the part.
    pubkey_x, pubkey_y, balance_before, nonce_before, balance_after, nonce_after : int
        The account before and after (``nonce_after`` = ``nonce_before`` for a credit).
    """

    index: int
    leaf_before: int
    leaf_after: int
    root_after: int
    pubkey_x: int
    pubkey_y: int
    balance_before: int
    nonce_before: int
    balance_after: int
    nonce_after: int


@dataclass(frozen=True)
class DecodedAppend:
    """The append part as the witness holds it.

    Attributes
    ----------
    slot : int
        The bridge slot its slot-tree path turns by.
    index : int
        The message index its tree path turns by.
    leaf : int
        The leaf written at ``index`` (0 when the part is off).
    tree_root_before, tree_root_after, bridge_root_after : int
        The tree's root (the slot's value) before and after, and the bridge root after.
    """

    slot: int
    index: int
    leaf: int
    tree_root_before: int
    tree_root_after: int
    bridge_root_after: int


@dataclass(frozen=True)
class DecodedSlot:
    """One slot: its kind and program selectors, committed fields, three parts and signature.

    Attributes
    ----------
    selectors : tuple[int, int, int, int, int]
        noop, transfer, burn, action, call.
    program_selectors : tuple[int, int, int]
        mint, cond, swap.
    account_a, account_b, amount, nonce, peer_chain, payload, pubkey_x, pubkey_y, msg_sender, msg_target,
    msg_value : int
        The committed fields (``zksvs.statement.SlotData``) as field elements.
    debit, credit : DecodedAccount
    append : DecodedAppend
    r8, s : tuple[int, int], int
        The signature the slot's verifier checked (0s when its debit is off).
    forced, reason : int
        The forced-inclusion flag and reason code (``zksvs.forced``).
    sig_words : tuple[int, int, int]
        Slot words 5-7 (``SlotData.sig_r8x, sig_r8y, sig_s``): forced·(r8, s).
    """

    selectors: tuple[int, int, int, int, int]
    program_selectors: tuple[int, int, int]
    account_a: int
    account_b: int
    amount: int
    nonce: int
    peer_chain: int
    payload: int
    pubkey_x: int
    pubkey_y: int
    msg_sender: int
    msg_target: int
    msg_value: int
    debit: DecodedAccount
    credit: DecodedAccount
    append: DecodedAppend
    r8: tuple[int, int] = (0, 0)
    s: int = 0
    forced: int = 0
    reason: int = 0
    sig_words: tuple[int, int, int] = (0, 0, 0)

    @property
    def kind(self) -> SlotKind | None:
        """The kind whose selector is 1 when the selectors are one-hot 0/1 values, else None."""
        if sorted(self.selectors) != [0, 0, 0, 0, 1]:
            return None
        return SlotKind(self.selectors.index(1))

    @property
    def program(self) -> int | None:
        """The program id (1, 2, 3; 0 when no program selector is set) when the selectors are 0/1 with at most one
        set, else None."""
        sels = self.program_selectors
        if any(v not in (0, 1) for v in sels) or sum(sels) > 1:
            return None
        return sels.index(1) + 1 if 1 in sels else 0


@dataclass(frozen=True)
class DecodedBatch:
    """A decoded batch witness: the public statement, the starting roots and the slots in order."""

    chain_id: int
    old_state_root: int
    new_state_root: int
    batch_commitment: int
    old_accounts_root: int
    old_bridge_root: int
    slots: tuple[DecodedSlot, ...]


class _Reader:
    """Wire values by label."""

    def __init__(self, circuit: BatchCircuit, values: Sequence[int]) -> None:
        labels = circuit.r1cs.wire_labels
        if labels is None or len(values) != circuit.r1cs.n_wires:
            raise ValueError(f"a witness of this batch circuit has {circuit.r1cs.n_wires} values, not {len(values)}")
        self.wire = {label: w for w, label in enumerate(labels)}
        self.values = values

    def __call__(self, label: str) -> int:
        return int(self.values[self.wire[label]])

    def bits(self, prefix: str, n: int) -> int:
        return sum(self(f"{prefix}[{i}]") << i for i in range(n))


def _account(read: _Reader, p: str, index_bits: str, depth: int, *, is_debit: bool) -> DecodedAccount:
    nonce_before = read(f"{p}/nonce_before")
    return DecodedAccount(
        index=read.bits(index_bits, depth),
        leaf_before=read(f"{p}/leaf_before"),
        leaf_after=read(f"{p}/leaf_after"),
        root_after=read(f"{p}/root_after"),
        pubkey_x=read(f"{p}/pubkey_x"),
        pubkey_y=read(f"{p}/pubkey_y"),
        balance_before=read(f"{p}/balance_before"),
        nonce_before=nonce_before,
        balance_after=read(f"{p}/balance_after"),
        nonce_after=read(f"{p}/nonce_after") if is_debit else nonce_before,
    )


_DATA = ("account_a", "account_b", "amount", "nonce", "peer_chain", "payload", "pubkey_x", "pubkey_y", "msg_sender",
         "msg_target", "msg_value")  # fmt: skip


def decode_batch_witness(circuit: BatchCircuit, values: Sequence[int]) -> DecodedBatch:
    """Decode ``values`` (a full assignment of ``circuit``'s wires) into a ``DecodedBatch``.

    Parameters
    ----------
    circuit : BatchCircuit
        The batch circuit (its R1CS must carry wire labels, as ``build_batch_circuit`` makes it).
    values : Sequence[int]
        One value per wire, wire 0 = 1 (``Witness.values``). Meant for satisfying witnesses; for any other the
        decoded fields are whatever the wires hold.

    Returns
    -------
    DecodedBatch

    Raises
    ------
    ValueError
        ``values`` has the wrong length, or the R1CS has no wire labels.
    """
    read = _Reader(circuit, values)
    shape = circuit.shape
    public = {name: read(name) for name in PUBLIC_INPUTS}
    d, n_peer_bits = shape.account_depth, shape.slot_tree_depth - 1
    chain_bits = [read(f"chain_range/bit[{i}]") for i in range(n_peer_bits)]
    slots = []
    for k in range(shape.capacity):
        p = f"slot[{k}]"
        app = f"{p}/append"
        # The slot path's bits: the action selector, then select(active, peer bit, chain bit) = chain bit + slot_sel.
        high = [(c + read(f"{app}/slot_sel[{i}]")) % FR_MODULUS for i, c in enumerate(chain_bits)]
        slots.append(
            DecodedSlot(
                selectors=tuple(read(f"{p}/kind/{n}") for n in ("noop", "transfer", "burn", "action", "call")),
                program_selectors=tuple(read(f"{p}/kind/program_{n}") for n in ("mint", "cond", "swap")),
                **{n: read(f"{p}/data/{n}") for n in _DATA},
                debit=_account(read, f"{p}/debit", f"{p}/data/account_a_range/bit", d, is_debit=True),
                credit=_account(read, f"{p}/credit", f"{p}/data/account_b_range/bit", d, is_debit=False),
                r8=(read(f"{p}/signature/r8x"), read(f"{p}/signature/r8y")),
                s=read(f"{p}/signature/s"),
                forced=read(f"{p}/data/forced"),
                sig_words=tuple(read(f"{p}/signature/word/{n}") for n in ("r8x", "r8y", "s")),
                reason=sum(k * read(f"{p}/data/reason_bit[{k}]") for k in PROVABLE_CODES) % FR_MODULUS,
                append=DecodedAppend(
                    slot=read(f"{p}/kind/action") + sum(b << (i + 1) for i, b in enumerate(high)),
                    index=read.bits(f"{app}/index_bits", shape.bridge_depth),
                    leaf=read(f"{app}/leaf"),
                    tree_root_before=read(f"{app}/tree_root_before"),
                    tree_root_after=read(f"{app}/tree_root_after"),
                    bridge_root_after=read(f"{app}/bridge_root_after"),
                ),
            )
        )
    return DecodedBatch(
        chain_id=public["chain_id"],
        old_state_root=public["old_state_root"],
        new_state_root=public["new_state_root"],
        batch_commitment=public["batch_commitment"],
        old_accounts_root=read("old_accounts_root"),
        old_bridge_root=read("old_bridge_root"),
        slots=tuple(slots),
    )

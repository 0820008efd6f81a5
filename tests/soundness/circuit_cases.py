"""The batch and cross-rollup circuits for the checker: circuits, honest witnesses from the sequencer, and queries.

Uniqueness (batch): the public inputs are fixed, and the signatures (R8, S) of the slots that are not forced
(``signature_wires``: many valid signatures exist for one message, and any of them is fine; a disabled verifier pins
its to 0); every other wire must be unique, a forced slot's (R8, S) included: its slot words 5-7 are forced·(R8, S),
so the committed words fix the signature its verifier checks (the queued one, issue 10 §3). What makes that
decidable is the collision resistance of Poseidon (``tests.soundness.propagate``, rule ``collision``): the batch
commitment fixes every slot word, hence (``bits``) every committed field, the old and new state roots fix the roots
and, down each Merkle path, the leaves and siblings the trace supplied. No trace value is fixed by hand.

Domains (batch, one slot): each interpreted wire against its native domain, the inputs free except what the L1 or
the trees guarantee: chain_id ∈ [0, K) (the L1 sets it), and every leaf read from a tree holds a u64 balance and
nonce (the tree invariant: every leaf the circuit writes is range-checked, genesis leaves are u64).

Uniqueness (cross-rollup): the K new state roots fixed. Domains: the c→c slots (never compared by any pair) must
hold the empty tree's root; the padding slots 0.

Honest witnesses come from signed ``sequencer.Sequencer`` runs (transfers, burns with their mints, a second message on
a pair so a previous-leaf opening is non-empty, protocol v2's calls of every program with their actions: COND,
SWAP, a MINT call creating its target, a transfer creating its recipient; no-op padding), never from the circuit.

Domains of protocol v2 (issue 10): the program selectors (one-hot with a message, none without), a SWAP action's
message fields (msg_sender, msg_target < 2^D, msg_value < 2^64), a COND's cap (cond·payload < 2^64).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from functools import lru_cache

from circuits.batch import BatchCircuit, assign_batch_witness, build_batch_circuit
from circuits.cross import assign_cross_witness, build_cross_circuit
from sequencer import Burn, Call, Receipt, Sequencer, Transfer, swap_call
from sequencer.forced import ForcedTx
from sequencer.genesis import demo_genesis, demo_public_key
from tests.helpers.signing import demo_signer
from tests.soundness.domains import Below, Domain, InSet, NotIn, OneHot, in_range
from tests.soundness.structure import R1CSIndex, Terms
from zksvs.field import FR_MODULUS
from zksvs.merkle import zero_hashes
from zksvs.r1cs import R1CS
from zksvs.trace import BatchShape, BatchTrace
from zksvs.tx_message import Program

U64 = Below(1 << 64, "< 2^64")


def shape_text(shape: BatchShape) -> str:
    """``K=2 B=1 D=2 M=2``."""
    return f"K={shape.n_rollups} B={shape.capacity} D={shape.account_depth} M={shape.bridge_depth}"


@lru_cache(maxsize=8)
def batch_circuit(shape: BatchShape) -> BatchCircuit:
    """The batch circuit of ``shape`` (cached)."""
    return build_batch_circuit(shape)


@lru_cache(maxsize=8)
def batch_traces(shape: BatchShape) -> tuple[BatchTrace, ...]:
    """Every trace of the shared batches of a short signed sequencer run on ``shape`` (every slot kind and program).

    Chain 0 transfers, then burns to chain 1 twice (the second message sits at index 1 of the 0→1 trees); chain 1
    calls chain 0 with COND, chain 0 swaps with chain 1 (account 1 of chain 1 pays), chain 1 calls chain 0 with MINT
    creating account 2^D − 1 there, chain 1 transfers to create its account 2^D − 1 (D ≥ 2); with K ≥ 3 chain 2 burns to
    chain 0. Before them, two forced transfers of chain 0's L1 queue are rejected (an overdraft, a bad signature).
    Batches close when full and once at the end. Every user transaction is accepted.
    """
    k, d, m = shape.n_rollups, shape.account_depth, shape.bridge_depth
    g = demo_genesis(
        k, accounts_per_rollup=min(3, 1 << d), account_depth=d, bridge_depth=m, capacity=shape.capacity, seed=3,
        whale=False,
    )  # fmt: skip
    seq = Sequencer(g)
    last = (1 << d) - 1
    txs = [
        Transfer(0, 0, 1, 10, 0),
        Burn(0, 1, 1, 2, 5, 0),
        Burn(0, 1, 0, 1, 3, 1),
        Call(1, 0, 0, 2, 4, 0, Program.COND, 10**9),
        swap_call(0, 1, 2, 0, 6, 0, order_sender=1, order_recipient=2, order_amount=8, order_nonce=0),
        Call(1, 0, 2, last, 9, 0, Program.MINT, 77, demo_public_key(4, 0, last)),
        Transfer(1, 1, last, 2, 1, demo_public_key(4, 1, last)),  # Z's second transaction on chain 1
    ]
    if k >= 3:
        txs.append(Burn(2, 0, 0, 1, 7, 0))
    signed = demo_signer(3)
    # forced inclusion: two queued transfers of chain 0 rejected, each with its proof (an overdraft, which reads
    # both leaves; a signature that does not verify, the check's output 0); they change no state
    forged = replace(signed(Transfer(0, 2, 1, 1, 0)), signature=signed(Transfer(0, 2, 1, 2, 0)).signature)
    seq.enqueue_forced([ForcedTx(0, 0, signed(Transfer(0, 2, 0, 10**12, 0))), ForcedTx(0, 1, forged)])
    for tx in txs:
        assert isinstance(seq.submit(signed(tx)), Receipt), tx
    seq.close_batch()
    return tuple(t for b in seq.pop_closed() for t in b.traces)


def trace_text(trace: BatchTrace) -> str:
    """``chain 0: transfer, burn``."""
    return f"chain {trace.chain_id}: " + ", ".join(s.kind.name.lower() for s in trace.slots)


def signature_wires(r1cs: R1CS, except_slots: Collection[int] = ()) -> list[int]:
    """The signature inputs (R8x, R8y, S) of every slot but ``except_slots``: the signer's free choice (EdDSA's
    per-signature nonce gives many valid signatures of one message), so uniqueness is asked with them fixed beside
    the public inputs. A forced slot's are not a free choice (its words commit them): pass the forced slots."""
    names = {"r8x", "r8y", "s"}
    skip = {f"slot[{k}]" for k in except_slots}
    return [
        w
        for w, label in enumerate(r1cs.wire_labels or [])
        if label.startswith("slot[") and label.count("/") == 2 and label.split("/")[1] == "signature"
        and label.split("/")[2] in names and label.split("/")[0] not in skip
    ]  # fmt: skip


@lru_cache(maxsize=16)
def batch_reference(shape: BatchShape, i: int) -> tuple[list[int], R1CSIndex]:
    """The witness of trace ``i`` of ``batch_traces(shape)`` and an index of the circuit built with it."""
    circuit = batch_circuit(shape)
    w = list(assign_batch_witness(circuit, batch_traces(shape)[i]).values)
    return w, R1CSIndex(circuit.r1cs, w)


@dataclass
class DomainQuery:
    """One interpreted value against its native domain."""

    what: str
    targets: list[Terms]
    domain: Domain
    assumptions: dict[int, Domain] = field(default_factory=dict)
    when: Terms | None = None


def _wire(labels: dict[str, int], name: str) -> Terms:
    return {labels[name]: 1}


def _path_bits(r1cs: R1CS, prefix: str) -> list[Terms] | None:
    """The direction bits of the Merkle path under ``prefix`` (the A side of its ``level[i]/swap`` rows)."""
    pat = re.compile(re.escape(prefix) + r"/level\[(\d+)\]/swap$")
    found = {}
    for con in r1cs.constraints:
        m = pat.match(con.label)
        if m:
            found[int(m.group(1))] = dict(con.a.terms)
    if not found or sorted(found) != list(range(len(found))):
        return None
    return [found[i] for i in range(len(found))]


def _weighted(bits: list[Terms]) -> Terms:
    out: Terms = {}
    for i, b in enumerate(bits):
        for w, c in b.items():
            out[w] = out.get(w, 0) + (c << i)
    return out


def batch_domain_queries(shape: BatchShape, slot: int = 0) -> list[DomainQuery]:
    """The domain queries of slot ``slot`` (see the module docstring for the assumptions)."""
    r1cs = batch_circuit(shape).r1cs
    labels = {lab: w for w, lab in enumerate(r1cs.wire_labels or [])}
    k, d, m = shape.n_rollups, shape.account_depth, shape.bridge_depth
    s = f"slot[{slot}]"
    assume: dict[int, Domain] = {labels["chain_id"]: in_range(0, k, "chain id")}
    for part in ("debit", "credit"):
        for fld in ("balance_before", "nonce_before"):
            if f"{s}/{part}/{fld}" in labels:
                assume[labels[f"{s}/{part}/{fld}"]] = U64
    sel = {n: _wire(labels, f"{s}/kind/{n}") for n in ("noop", "transfer", "burn", "action", "call")}
    active = {**sel["burn"], **sel["action"], **sel["call"]}  # a forced rejection is a transfer: never a message
    progs = [_wire(labels, f"{s}/kind/program_{n}") for n in ("mint", "cond", "swap")]
    no_program = {labels[f"{s}/kind/{n}"]: 1 for n in ("noop", "transfer")}  # 1 exactly when no program is set
    out = [
        DomainQuery("kind selectors", list(sel.values()), OneHot(), assume),
        DomainQuery("program selectors", [no_program, *progs], OneHot(), assume),
        DomainQuery("msg_sender", [_wire(labels, f"{s}/data/msg_sender")], Below(1 << d, f"< 2^{d}"), assume),
        DomainQuery("msg_target", [_wire(labels, f"{s}/data/msg_target")], Below(1 << d, f"< 2^{d}"), assume),
        DomainQuery("msg_value", [_wire(labels, f"{s}/data/msg_value")], U64, assume),
        # cond·payload, the cap a COND compares with (= payload exactly when the program is COND)
        DomainQuery("COND cap", [_wire(labels, f"{s}/cond/cap")], U64, assume),
        DomainQuery("peer_chain", [_wire(labels, f"{s}/data/peer_chain")], in_range(0, k, f"∈ [0, {k})"), assume),
        DomainQuery("amount", [_wire(labels, f"{s}/data/amount")], U64, assume),
        DomainQuery("debit balance_after", [_wire(labels, f"{s}/debit/balance_after")], U64, assume),
        DomainQuery("credit balance_after", [_wire(labels, f"{s}/credit/balance_after")], U64, assume),
        DomainQuery("debit nonce_after", [_wire(labels, f"{s}/debit/nonce_after")], U64, assume),
        DomainQuery("account_a", [_wire(labels, f"{s}/data/account_a")], Below(1 << d, f"< 2^{d}"), assume),
        DomainQuery("account_b", [_wire(labels, f"{s}/data/account_b")], Below(1 << d, f"< 2^{d}"), assume),
        # slot words 5-7 = forced·(R8, S): 0 on a slot that is not forced (when 1 − forced = 1)
        *(DomainQuery(f"signature word {n} unless forced", [_wire(labels, f"{s}/signature/word/{n}")],
                      InSet(frozenset({0}), "= 0"), assume, when={0: 1, labels[f"{s}/data/forced"]: FR_MODULUS - 1})
          for n in ("r8x", "r8y", "s")),
    ]  # fmt: skip
    slot_bits = _path_bits(r1cs, f"{s}/append/slot_path_before")
    if slot_bits is not None:
        slot_lc = _weighted(slot_bits)
        out.append(DomainQuery("bridge slot", [slot_lc], in_range(0, 2 * k, f"∈ [0, {2 * k})"), assume))
        own = dict(slot_lc)
        own[labels["chain_id"]] = own.get(labels["chain_id"], 0) - 2
        out.append(
            DomainQuery("append slot − 2·chain_id", [own], NotIn(frozenset({0, 1}), "∉ {0, 1} (not a c→c tree)"),
                        assume, when=active)
        )  # fmt: skip
    index_bits = _path_bits(r1cs, f"{s}/append/path_leaf")
    if index_bits is not None:
        out.append(DomainQuery("message index", [_weighted(index_bits)], Below(1 << m, f"< 2^{m}"), assume))
    return out


# --- cross-rollup ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def cross_reference(shape: BatchShape) -> tuple[R1CS, list[int], R1CSIndex]:
    """The cross circuit for ``shape`` with the witness of the first shared batch of ``batch_traces(shape)``."""
    circuit = build_cross_circuit(shape.n_rollups, shape.bridge_depth)
    traces = batch_traces(shape)[: shape.n_rollups]
    w = list(assign_cross_witness(circuit, traces).values)
    return circuit.r1cs, w, R1CSIndex(circuit.r1cs, w)


def cross_domain_queries(shape: BatchShape) -> list[DomainQuery]:
    """c→c slots hold the empty tree's root; padding slots hold 0."""
    r1cs = build_cross_circuit(shape.n_rollups, shape.bridge_depth).r1cs
    labels = {lab: w for w, lab in enumerate(r1cs.wire_labels or [])}
    k, m = shape.n_rollups, shape.bridge_depth
    empty = zero_hashes(m)[m]
    out = []
    for c in range(k):
        for s in (2 * c, 2 * c + 1):
            out.append(
                DomainQuery(f"rollup[{c}] slot {s} (c→c)", [_wire(labels, f"rollup[{c}]/slots[{s}]")],
                            InSet(frozenset({empty}), "= empty root"))
            )  # fmt: skip
        for s in range(2 * k, 1 << shape.slot_tree_depth):
            out.append(
                DomainQuery(f"rollup[{c}] slot {s} (padding)", [_wire(labels, f"rollup[{c}]/slots[{s}]")],
                            InSet(frozenset({0}), "= 0"))
            )  # fmt: skip
    return out

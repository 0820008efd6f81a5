"""The run's state file (``state.json``): every rollup's roots at each shared-batch boundary, its accounts at the end.

Built from the genesis and the closed shared batches' traces alone (no sequencer internals): an account's fields after
a batch are the ``after`` of the last update of its leaf in that batch's slots. Schema (docs/formats.md)::

    {"format": "zksvs-state/1", "shape": {...},
     "genesis": [{"chain_id", "state_root", "accounts_root", "bridge_root"}, ...],
     "batches": [{"batch_number", "rollups": [{"chain_id", "state_root", "accounts_root", "bridge_root",
                                               "burn_roots", "mint_roots", "changed_accounts": [account, ...]}]}],
     "final": {"after_batch": n | null,
               "rollups": [{"chain_id", "state_root", "accounts_root", "bridge_root", "burn_roots", "mint_roots",
                            "accounts": [account, ...]}]}}

    account = {"index": i, "balance": "…", "nonce": "…", "pubkey_x": "…", "pubkey_y": "…"}

Roots, balances, nonces and public-key coordinates are decimal strings (exact in every JSON reader; JavaScript's
numbers stop at 2^53); indices and chain ids are numbers. ``burn_roots[j]`` is the root of burn tree c→j,
``mint_roots[j]`` the root of mint tree j→c (peers j ≠ c).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from pipeline.progress import render_table
from sequencer import Genesis, SharedBatch
from zksvs.errors import InputError
from zksvs.merkle import SparseMerkleTree
from zksvs.rollup_state import AccountState, bridge_root, empty_bridge_slots
from zksvs.trace import BatchTrace

STATE_FORMAT = "zksvs-state/1"


class StateFileError(InputError):
    """A run folder has no readable state.json."""


def _account(index: int, a: AccountState) -> dict:
    return {
        "index": index,
        "balance": str(a.balance),
        "nonce": str(a.nonce),
        "pubkey_x": str(a.pubkey_x),
        "pubkey_y": str(a.pubkey_y),
    }


def _peer_roots(chain: int, k: int, slots: Sequence[int]) -> tuple[dict, dict]:
    burn = {str(j): str(slots[2 * j]) for j in range(k) if j != chain}
    mint = {str(j): str(slots[2 * j + 1]) for j in range(k) if j != chain}
    return burn, mint


def _changes(trace: BatchTrace) -> dict[int, AccountState]:
    """Account index → its fields after the batch, for every account a slot of ``trace`` wrote."""
    out: dict[int, AccountState] = {}
    for slot in trace.slots:
        for upd in (slot.debit, slot.credit):
            if upd.active and upd.after is not None:
                out[upd.index] = upd.after
    return out


def _genesis_roots(genesis: Genesis) -> list[tuple[int, int]]:
    """``(accounts_root, bridge_root)`` per chain at genesis (D Poseidon hashes per account)."""
    shape = genesis.shape
    empty_bridge = bridge_root(empty_bridge_slots(shape.n_rollups, shape.bridge_depth))
    out = []
    for accs in genesis.accounts:
        tree = SparseMerkleTree(shape.account_depth)
        for index, a in accs:
            tree.set(index, a.leaf())
        out.append((tree.root, empty_bridge))
    return out


def state_document(genesis: Genesis, genesis_state_roots: Sequence[int], batches: Sequence[SharedBatch]) -> dict:
    """The state.json object (module docstring) of a run of ``batches`` from ``genesis``.

    Parameters
    ----------
    genesis : Genesis
    genesis_state_roots : sequence of int
        The sequencer's state root of each chain before the first transaction.
    batches : sequence of SharedBatch
        Every closed shared batch, in order.

    Raises
    ------
    RuntimeError
        The genesis roots computed here differ from the sequencer's (a bug: both hash the same leaves).
    """
    shape = genesis.shape
    k = shape.n_rollups
    accounts = [dict(accs) for accs in genesis.accounts]
    roots = _genesis_roots(genesis)
    first = []
    for c, (acc_root, br_root) in enumerate(roots):
        if batches and (batches[0].traces[c].old_accounts_root, batches[0].traces[c].old_bridge_root) != (
            acc_root,
            br_root,
        ):
            raise RuntimeError(f"chain {c}: genesis roots differ from the first batch's old roots")
        first.append(
            {
                "chain_id": c,
                "state_root": str(genesis_state_roots[c]),
                "accounts_root": str(acc_root),
                "bridge_root": str(br_root),
            }
        )
    slots = [list(empty_bridge_slots(k, shape.bridge_depth)) for _ in range(k)]
    state_roots = list(genesis_state_roots)
    bridge_roots = [br for _, br in roots]
    accounts_roots = [ar for ar, _ in roots]
    out_batches = []
    for shared in batches:
        rows = []
        for trace in shared.traces:
            c = trace.chain_id
            changed = _changes(trace)
            accounts[c].update(changed)
            slots[c] = list(trace.final_bridge_slots)
            state_roots[c], accounts_roots[c], bridge_roots[c] = (
                trace.new_state_root,
                trace.new_accounts_root,
                trace.new_bridge_root,
            )
            burn, mint = _peer_roots(c, k, slots[c])
            rows.append(
                {
                    "chain_id": c,
                    "state_root": str(trace.new_state_root),
                    "accounts_root": str(trace.new_accounts_root),
                    "bridge_root": str(trace.new_bridge_root),
                    "burn_roots": burn,
                    "mint_roots": mint,
                    "changed_accounts": [_account(i, a) for i, a in sorted(changed.items())],
                }
            )
        out_batches.append({"batch_number": shared.batch_number, "rollups": rows})
    final = []
    for c in range(k):
        burn, mint = _peer_roots(c, k, slots[c])
        final.append(
            {
                "chain_id": c,
                "state_root": str(state_roots[c]),
                "accounts_root": str(accounts_roots[c]),
                "bridge_root": str(bridge_roots[c]),
                "burn_roots": burn,
                "mint_roots": mint,
                "accounts": [_account(i, a) for i, a in sorted(accounts[c].items())],
            }
        )
    return {
        "format": STATE_FORMAT,
        "shape": {
            "n_rollups": k,
            "capacity": shape.capacity,
            "account_depth": shape.account_depth,
            "bridge_depth": shape.bridge_depth,
        },
        "genesis": first,
        "batches": out_batches,
        "final": {"after_batch": batches[-1].batch_number if batches else None, "rollups": final},
    }


def read_state(folder: str | Path) -> dict:
    """The state.json of a run folder.

    Raises
    ------
    StateFileError
        No state.json in ``folder``, not JSON, or not a ``zksvs-state/1`` document.
    """
    p = Path(folder) / "state.json"
    if not p.is_file():
        what = "folder does not exist" if not Path(folder).is_dir() else "no state.json in it (not a zksvs run folder?)"
        raise StateFileError(f"{folder}: {what}")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StateFileError(f"{p}: not JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        raise StateFileError(f"{p}: not a {STATE_FORMAT} document")
    return doc


def _short(v: str, n: int = 12) -> str:
    return v if len(v) <= n else f"{v[: n - 1]}…"


def state_tables(doc: dict, chain: int | None = None, full: bool = False) -> list[Table]:
    """Per rollup (or only ``chain``): a table of its accounts and, in the caption, its roots.

    Parameters
    ----------
    doc : dict
        A state.json document.
    chain : int, optional
        Only this rollup.
    full : bool
        Print roots and public keys whole (default: shortened to 12 characters).

    Raises
    ------
    StateFileError
        ``chain`` is not a rollup of the document.
    """
    rollups = doc["final"]["rollups"]
    if chain is not None:
        rollups = [r for r in rollups if r["chain_id"] == chain]
        if not rollups:
            raise StateFileError(f"--chain {chain}: the run has rollups 0..{len(doc['final']['rollups']) - 1}")
    after = doc["final"]["after_batch"]
    when = "at genesis (no shared batch)" if after is None else f"after shared batch {after}"
    cut = (lambda v: v) if full else _short
    tables = []
    for r in rollups:
        rows = []
        for a in r["accounts"]:
            x, y = a["pubkey_x"], a["pubkey_y"]
            key = "—" if x == y == "0" else f"({cut(x)}, {cut(y)})"
            rows.append((a["index"], int(a["balance"]), int(a["nonce"]), key))
        burn = ", ".join(f"{j}: {cut(v)}" for j, v in r["burn_roots"].items())
        mint = ", ".join(f"{j}: {cut(v)}" for j, v in r["mint_roots"].items())
        caption = (
            f"state root {cut(r['state_root'])} = Poseidon(accounts root {cut(r['accounts_root'])}, "
            f"bridge root {cut(r['bridge_root'])}); burn roots to peer {burn}; mint roots from peer {mint}"
        )
        tables.append(
            render_table(
                f"rollup {r['chain_id']} {when}: {len(rows)} accounts",
                ["index", "balance", "nonce", "public key (x, y)"],
                rows,
                caption=caption,
                min_width=90 if not full else None,
            )
        )
    return tables

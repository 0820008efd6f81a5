"""Genesis: the shared set's shape and every rollup's initial accounts (the ``--genesis`` file of ``zksvs run``).

JSON form (docs/formats.md has the full schema)::

    {"n_rollups": 2, "account_depth": 8, "bridge_depth": 4, "capacity": 4,
     "rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": 1000}, {"index": 3, "balance": "50"}]},
                 {"chain_id": 1, "accounts": []}]}

``n_rollups`` (K, 2..8), ``account_depth`` (D), ``bridge_depth`` (M) and ``capacity`` (B) make the
``zksvs.trace.BatchShape``. ``rollups`` lists every chain 0..K−1 exactly once (in any order; an empty or missing
``accounts`` list is a rollup with no account). Each account may also give ``nonce``, ``pubkey_x``, ``pubkey_y``
(default 0); ``balance``, ``nonce``, ``pubkey_x`` and ``pubkey_y`` may be JSON integers or decimal strings
(``sequencer.jsonio.json_uint``), the shape and the identifiers are JSON integers. Every bridge tree starts empty.
An account exists when its leaf is non-zero, which every listed account's is (Poseidon of its fields), so a listed
account with balance 0 exists; an account not listed does not exist, and no transaction can create one.

Errors name the JSON path of the bad value (``$.rollups[1].accounts[0].balance``) and, from ``load_genesis``, the
file.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass

from sequencer.jsonio import json_uint, read_text
from zksvs.errors import InputError
from zksvs.rollup_state import U64_MAX, AccountState
from zksvs.trace import BatchShape

#: Largest account / bridge tree depth a genesis may ask for (indices stay far below r; circuits stay buildable).
MAX_TREE_DEPTH = 32

_TOP_KEYS = {"n_rollups", "account_depth", "bridge_depth", "capacity", "rollups"}
_ACCOUNT_KEYS = {"index", "balance", "nonce", "pubkey_x", "pubkey_y"}


class InvalidGenesis(InputError):
    """A genesis file or object does not follow the format (module docstring); the message names the JSON path."""


@dataclass(frozen=True)
class Genesis:
    """The shared set at batch 0.

    Attributes
    ----------
    shape : BatchShape
        K, B, D, M.
    accounts : tuple of tuple of (int, AccountState)
        Per chain_id (length K), its initial accounts as ``(index, state)`` sorted by index.
    """

    shape: BatchShape
    accounts: tuple[tuple[tuple[int, AccountState], ...], ...]

    def balances(self) -> dict[int, dict[int, int]]:
        """``{chain_id: {index: balance}}`` (the form ``pipeline.workload.demo_workload`` takes)."""
        return {c: {i: a.balance for i, a in accs} for c, accs in enumerate(self.accounts)}

    def total_supply(self) -> int:
        """Sum of every balance on every rollup."""
        return sum(a.balance for accs in self.accounts for _, a in accs)

    def to_obj(self) -> dict:
        """The JSON object (module docstring); fields equal to their default are left out."""
        rollups = []
        for c, accs in enumerate(self.accounts):
            out = []
            for i, a in accs:
                d = {"index": i, "balance": a.balance}
                for name in ("nonce", "pubkey_x", "pubkey_y"):
                    if getattr(a, name):
                        d[name] = getattr(a, name)
                out.append(d)
            rollups.append({"chain_id": c, "accounts": out})
        s = self.shape
        return {
            "n_rollups": s.n_rollups,
            "account_depth": s.account_depth,
            "bridge_depth": s.bridge_depth,
            "capacity": s.capacity,
            "rollups": rollups,
        }

    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON: identifies the genesis a sequencer database belongs to."""
        text = json.dumps(self.to_obj(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _int(v: object, what: str, lo: int, hi: int, *, strings: bool = False) -> int:
    try:
        n = json_uint(v, what, strings=strings)
    except ValueError as e:
        raise InvalidGenesis(str(e)) from None
    if not lo <= n <= hi:
        raise InvalidGenesis(f"{what} must be in [{lo}, {hi}], not {n}")
    return n


def genesis_from_obj(obj: object) -> Genesis:
    """Validate and convert a decoded genesis JSON object.

    Raises
    ------
    InvalidGenesis
        Not an object; a key is missing or unknown; a number is not an integer (or, for balances, nonces and public
        keys, a canonical decimal string) or is out of range (K in [2, 8], depths in [1, 32], capacity in
        [1, 2^20], balances and nonces u64, public-key coordinates below 2^253, account index in [0, 2^D)); a
        chain_id is out of [0, K) or listed twice; ``rollups`` does not list all K chains; an account index is
        listed twice in one rollup. The message starts with the JSON path of the bad value (``$.capacity``).
    """
    if not isinstance(obj, dict):
        raise InvalidGenesis(f"$: a genesis must be a JSON object, not {type(obj).__name__}")
    for k in ("n_rollups", "account_depth", "bridge_depth", "capacity", "rollups"):
        if k not in obj:
            raise InvalidGenesis(f"$: missing field '{k}'")
    extra = sorted(set(obj) - _TOP_KEYS)
    if extra:
        raise InvalidGenesis(f"$: unknown field '{extra[0]}'")
    k_rollups = _int(obj["n_rollups"], "$.n_rollups", 2, 8)
    depth = _int(obj["account_depth"], "$.account_depth", 1, MAX_TREE_DEPTH)
    bridge_depth = _int(obj["bridge_depth"], "$.bridge_depth", 1, MAX_TREE_DEPTH)
    capacity = _int(obj["capacity"], "$.capacity", 1, 1 << 20)
    shape = BatchShape(n_rollups=k_rollups, capacity=capacity, account_depth=depth, bridge_depth=bridge_depth)
    rollups = obj["rollups"]
    if not isinstance(rollups, list):
        raise InvalidGenesis(f"$.rollups must be a list, not {type(rollups).__name__}")
    per_chain: list[dict[int, AccountState] | None] = [None] * k_rollups
    for r_i, r in enumerate(rollups):
        where = f"$.rollups[{r_i}]"
        if not isinstance(r, dict):
            raise InvalidGenesis(f"{where} must be an object, not {type(r).__name__}")
        extra = sorted(set(r) - {"chain_id", "accounts"})
        if extra:
            raise InvalidGenesis(f"{where}: unknown field '{extra[0]}'")
        if "chain_id" not in r:
            raise InvalidGenesis(f"{where}: missing field 'chain_id'")
        c = _int(r["chain_id"], f"{where}.chain_id", 0, k_rollups - 1)
        if per_chain[c] is not None:
            raise InvalidGenesis(f"{where}: chain_id {c} is listed twice")
        accs = r.get("accounts", [])
        if not isinstance(accs, list):
            raise InvalidGenesis(f"{where}.accounts must be a list, not {type(accs).__name__}")
        found: dict[int, AccountState] = {}
        for a_i, a in enumerate(accs):
            aw = f"{where}.accounts[{a_i}]"
            if not isinstance(a, dict):
                raise InvalidGenesis(f"{aw} must be an object, not {type(a).__name__}")
            for key in ("index", "balance"):
                if key not in a:
                    raise InvalidGenesis(f"{aw}: missing field '{key}'")
            extra = sorted(set(a) - _ACCOUNT_KEYS)
            if extra:
                raise InvalidGenesis(f"{aw}: unknown field '{extra[0]}'")
            idx = _int(a["index"], f"{aw}.index", 0, (1 << depth) - 1)
            if idx in found:
                raise InvalidGenesis(f"{aw}: account index {idx} is listed twice on chain {c}")
            found[idx] = AccountState(
                balance=_int(a["balance"], f"{aw}.balance", 0, U64_MAX, strings=True),
                nonce=_int(a.get("nonce", 0), f"{aw}.nonce", 0, U64_MAX, strings=True),
                pubkey_x=_int(a.get("pubkey_x", 0), f"{aw}.pubkey_x", 0, (1 << 253) - 1, strings=True),
                pubkey_y=_int(a.get("pubkey_y", 0), f"{aw}.pubkey_y", 0, (1 << 253) - 1, strings=True),
            )
        per_chain[c] = found
    missing = [c for c, p in enumerate(per_chain) if p is None]
    if missing:
        raise InvalidGenesis(
            f"$.rollups lists {k_rollups - len(missing)} of the n_rollups = {k_rollups} chains: chain_id "
            f"{', '.join(map(str, missing))} missing (list a rollup without accounts as "
            f'{{"chain_id": {missing[0]}, "accounts": []}})'
        )
    accounts = tuple(tuple(sorted((p or {}).items())) for p in per_chain)
    return Genesis(shape, accounts)


def load_genesis(path: str | os.PathLike) -> Genesis:
    """Read a genesis JSON file (UTF-8, a byte-order mark allowed: ``sequencer.jsonio.read_text``).

    Raises
    ------
    InvalidGenesis
        The file is not JSON or does not follow the format (see ``genesis_from_obj``); the message starts with the
        file's path, then the JSON path of the bad value.
    TextEncodingError
        The file is not UTF-8 text.
    OSError
        The file cannot be read.
    """
    name = os.fspath(path)
    text = read_text(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidGenesis(f"{name}: invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    try:
        return genesis_from_obj(obj)
    except InvalidGenesis as e:
        raise InvalidGenesis(f"{name}: {e}") from None


def dump_genesis(genesis: Genesis, path: str | os.PathLike) -> None:
    """Write ``genesis`` as JSON (``load_genesis`` reads it back equal)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(genesis.to_obj(), f, indent=1)
        f.write("\n")


def demo_genesis(
    n_rollups: int = 4,
    *,
    accounts_per_rollup: int = 8,
    account_depth: int = 8,
    bridge_depth: int = 4,
    capacity: int = 4,
    seed: int = 0,
    whale: bool = True,
) -> Genesis:
    """A seeded genesis for the demo: ``accounts_per_rollup`` accounts (indices 0..n−1) per rollup.

    Balances are drawn from [1,000, 1,000,000]. With ``whale``, the last account of the last rollup holds
    2^64 − 1 − 1,000, so a burn that mints more than 1,000 to it must be rejected (``mint_overflow``); find it with
    ``find_whale``.

    Raises
    ------
    InvalidGenesis
        The parameters make no valid genesis (e.g. more accounts than 2^account_depth).
    """
    rnd = random.Random(seed)
    if accounts_per_rollup < 1 or accounts_per_rollup > (1 << account_depth):
        raise InvalidGenesis(
            f"accounts_per_rollup must be in [1, 2^account_depth = {1 << account_depth}], not {accounts_per_rollup}"
        )
    rollups = []
    for c in range(n_rollups):
        accs = [{"index": i, "balance": rnd.randint(1_000, 1_000_000)} for i in range(accounts_per_rollup)]
        if whale and c == n_rollups - 1:
            accs[-1]["balance"] = U64_MAX - 1_000
        rollups.append({"chain_id": c, "accounts": accs})
    return genesis_from_obj(
        {
            "n_rollups": n_rollups,
            "account_depth": account_depth,
            "bridge_depth": bridge_depth,
            "capacity": capacity,
            "rollups": rollups,
        }
    )


def find_whale(genesis: Genesis) -> tuple[int, int] | None:
    """The first ``(chain_id, index)`` whose balance exceeds 2^63 (a mint to it can overflow), or None."""
    for c, accs in enumerate(genesis.accounts):
        for i, a in accs:
            if a.balance > 1 << 63:
                return c, i
    return None

"""A minimal L1 on a real EVM (pyrevm, i.e. revm): accounts kept here, every transaction run cold in a fresh EVM.

pyrevm never closes a transaction: accounts and storage slots touched by one call stay warm (EIP-2929) for the
next, and SSTORE prices compare with the values from when the EVM was made, so a second call into the same
contract is charged too little (``shared/EVM_NOTES.md``, pitfall 1: a storage write 5 → 6 charged 378 instead of
5,278). ``Chain`` therefore owns the state (code, nonce, balance and storage of every account) and runs each
transaction in a new ``pyrevm.EVM`` with that state inserted, so every account and slot starts cold and every
SSTORE sees its committed value, as on a real chain. (Inserting storage takes care too: pyrevm's
``insert_account_storage`` warms the account and writes every slot after the first through revm's journal, warm and
"dirty", so a measured SSTORE would cost 100 instead of 2,900 + 2,100; each insert is therefore undone from the
journal by ``snapshot``/``revert``, which keeps the value in the database.) After a successful transaction it reads
back what changed:
revm's journal (``EVM.journal_str``, pinned pyrevm 0.3.7) names each written storage key and each created
account; a reverted transaction changes nothing.

Other pitfalls handled here: ``spec_id`` must be CamelCase or pyrevm silently uses its latest spec (``SPEC_ID`` is
checked against the names revm knows); the default gas limit is 2^64 − 1, so every call passes ``gas``; a revert
raises ``RuntimeError("Revert { gas_used: N, output: 0x… }")`` and a halt ``RuntimeError("Halt { reason: …,
gas_used: N }")``, both parsed into ``TxResult``; ``message_call`` does not bump the sender's nonce, ``deploy``
does (kept as revm reports it); ``get_code`` returns the code with revm's 33 bytes of analysis padding, removed
here.

Gas figures follow the Cancun rules: 21,000 per transaction, EIP-2028 calldata (4 per zero byte, 16 otherwise;
revm 8 has no EIP-7623 floor), EIP-2929 cold/warm access, EIP-1108 precompile prices.

References
----------
EIP-2929 (cold/warm access), EIP-2200/3529 (SSTORE), EIP-2028 (calldata); revm 8.0 ``JournaledState``;
``shared/EVM_NOTES.md`` (measured pitfalls of pyrevm 0.3.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from zksvs.errors import ToolchainError

__all__ = ["BLOCK_GAS_LIMIT", "SPEC_ID", "Chain", "TxResult", "load_pyrevm"]

#: The hard fork whose rules every transaction runs under.
SPEC_ID = "Cancun"
#: Block (and default transaction) gas limit.
BLOCK_GAS_LIMIT = 30_000_000
# revm's hard-fork names as pyrevm 0.3.7 accepts them; any other string silently means the latest spec.
_KNOWN_SPECS = ("Frontier", "Homestead", "Byzantium", "Petersburg", "Istanbul", "Berlin", "London", "Merge",
                "Shanghai", "Cancun", "Prague")  # fmt: skip
_ANALYSIS_PADDING = 33  # revm pads analysed legacy bytecode with 33 zero bytes (get_code returns them)
_DEFAULT_SENDER = "0x" + "5e" * 20
_FUNDS = 10**24

_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-fA-F]*) \}")
_HALT = re.compile(r"Halt \{ reason: (.*), gas_used: (\d+) \}")
_STORAGE_CHANGE = re.compile(r"StorageChange \{ address: (0x[0-9a-fA-F]{40}), key: (\d+),")
_ACCOUNT_CREATED = re.compile(r"AccountCreated \{ address: (0x[0-9a-fA-F]{40}) \}")
_ADDRESS = re.compile(r"address: (0x[0-9a-fA-F]{40})")


def load_pyrevm():
    """Import pyrevm, or raise a ToolchainError that says why and what to do instead.

    pyrevm 0.3.7 ships wheels for CPython 3.11/3.12 on Linux x86-64 only (no other platform can install it).
    """
    try:
        import pyrevm
    except ImportError as e:
        raise ToolchainError(
            "the EVM settlement needs pyrevm 0.3.7, which has wheels for CPython 3.11/3.12 on Linux x86-64 only "
            f"({e}); settle on the Python model instead (--l1 model)"
        ) from e
    return pyrevm


@dataclass(frozen=True)
class TxResult:
    """The outcome of one transaction.

    Attributes
    ----------
    success : bool
        False when it reverted or halted.
    output : bytes
        Return data, or the revert data (a custom error's selector and arguments); empty after a halt.
    gas_used : int
        Gas charged: 21,000 + calldata + execution (Cancun rules, after refunds).
    calldata_bytes : int
        Length of the transaction's data (for a deployment: the creation code with its arguments).
    halt_reason : str | None
        revm's reason for a halt (e.g. ``OutOfGas(Basic)``), None otherwise.
    """

    success: bool
    output: bytes
    gas_used: int
    calldata_bytes: int
    halt_reason: str | None = None


@dataclass
class _Account:
    nonce: int = 0
    balance: int = 0
    code: bytes = b""
    storage: dict[int, int] = field(default_factory=dict)


def _addr(a: str) -> str:
    if not isinstance(a, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", a):
        raise ValueError(f"Argument 'address' must be a 0x-prefixed 20-byte hex string, not {a!r}")
    return a.lower()


class Chain:
    """Accounts, code and storage of a one-node L1; each transaction runs cold (module docstring).

    Parameters
    ----------
    spec_id : str
        revm hard fork, CamelCase (default ``SPEC_ID``).
    gas_limit : int
        Block gas limit (and the largest transaction).

    Raises
    ------
    ToolchainError
        pyrevm cannot be imported on this platform.
    ValueError
        ``spec_id`` is not a name revm knows (pyrevm would silently run its latest spec instead).
    """

    def __init__(self, spec_id: str = SPEC_ID, gas_limit: int = BLOCK_GAS_LIMIT) -> None:
        if spec_id not in _KNOWN_SPECS:
            raise ValueError(f"Argument 'spec_id' must be one of {_KNOWN_SPECS} (CamelCase), not {spec_id!r}")
        self._pyrevm = load_pyrevm()
        self.spec_id = spec_id
        self.gas_limit = gas_limit
        self._accounts: dict[str, _Account] = {_DEFAULT_SENDER: _Account(balance=_FUNDS)}

    @property
    def default_sender(self) -> str:
        """A funded externally owned account."""
        return _DEFAULT_SENDER

    # --- reading state --------------------------------------------------------------------------------------------

    def code(self, address: str) -> bytes:
        """The runtime code at ``address`` (empty for none)."""
        acc = self._accounts.get(_addr(address))
        return acc.code if acc else b""

    def storage(self, address: str, slot: int) -> int:
        """The committed value of storage ``slot`` of ``address`` (0 if never written)."""
        acc = self._accounts.get(_addr(address))
        return acc.storage.get(slot, 0) if acc else 0

    def storage_of(self, address: str) -> dict[int, int]:
        """Every non-default storage slot of ``address`` (a copy): what a test compares before and after."""
        acc = self._accounts.get(_addr(address))
        return {k: v for k, v in acc.storage.items() if v} if acc else {}

    def nonce(self, address: str) -> int:
        """The nonce of ``address``."""
        acc = self._accounts.get(_addr(address))
        return acc.nonce if acc else 0

    # --- transactions ---------------------------------------------------------------------------------------------

    def _fresh_evm(self):
        p = self._pyrevm
        evm = p.EVM(spec_id=self.spec_id, gas_limit=self.gas_limit)
        for address, acc in self._accounts.items():
            evm.insert_account_info(address, p.AccountInfo(nonce=acc.nonce, code=acc.code or None))
            if acc.balance:
                evm.set_balance(address, acc.balance)
            for slot, value in acc.storage.items():
                # insert_account_storage loads the account into revm's journal (warm) and writes every later slot
                # through it (warm, and "dirty": SSTORE then costs 100); undoing the journal entry after each
                # insert leaves the value in the database and the account and slot cold
                checkpoint = evm.snapshot()
                evm.insert_account_storage(address, slot, value)
                evm.revert(checkpoint)
        return evm

    def _commit(self, evm) -> None:
        journal = evm.journal_str
        created = {a.lower() for a in _ACCOUNT_CREATED.findall(journal)}
        for address in {a.lower() for a in _ADDRESS.findall(journal)}:
            acc = self._accounts.setdefault(address, _Account())
            info = evm.basic(address)
            acc.nonce, acc.balance = int(info.nonce), int(info.balance)
            if address in created:
                code = bytes(evm.get_code(address) or b"")
                acc.code = code[:-_ANALYSIS_PADDING] if len(code) >= _ANALYSIS_PADDING else code
        for address, key in _STORAGE_CHANGE.findall(journal):
            address, slot = address.lower(), int(key)
            self._accounts[address].storage[slot] = int(evm.storage(address, slot))

    def _run(self, evm, fn, calldata_bytes: int) -> tuple[TxResult, object]:
        try:
            out = fn()
        except RuntimeError as e:
            msg = str(e)
            if m := _REVERT.search(msg):
                return TxResult(False, bytes.fromhex(m.group(2)), int(m.group(1)), calldata_bytes), None
            if m := _HALT.search(msg):
                return TxResult(False, b"", int(m.group(2)), calldata_bytes, halt_reason=m.group(1)), None
            raise
        return TxResult(True, bytes(out) if isinstance(out, bytes | bytearray) else b"", 0, calldata_bytes), out

    def transact(self, to: str, data: bytes, *, gas: int | None = None, sender: str | None = None) -> TxResult:
        """Send a transaction calling ``to`` with ``data``; commit its state changes if it succeeds.

        Parameters
        ----------
        to : str
            Callee address.
        data : bytes
            Calldata.
        gas : int, optional
            Transaction gas limit (default the block gas limit).
        sender : str, optional
            Caller (default ``default_sender``).

        Returns
        -------
        TxResult
            Cold gas, output or revert data. State is unchanged unless ``success``.
        """
        return self._call(to, bytes(data), gas, sender, commit=True)

    def call(self, to: str, data: bytes, *, gas: int | None = None, sender: str | None = None) -> TxResult:
        """Run a call as a transaction would (cold, same gas) and discard its state changes."""
        return self._call(to, bytes(data), gas, sender, commit=False)

    def _call(self, to: str, data: bytes, gas: int | None, sender: str | None, *, commit: bool) -> TxResult:
        evm = self._fresh_evm()
        caller = _addr(sender or _DEFAULT_SENDER)
        res, _ = self._run(evm, lambda: evm.message_call(caller, _addr(to), data, gas=gas or self.gas_limit), len(data))
        if res.success:
            res = TxResult(True, res.output, int(evm.result.gas_used), len(data))
            if commit:
                self._commit(evm)
        return res

    def deploy(self, initcode: bytes, *, gas: int | None = None, sender: str | None = None) -> tuple[str, TxResult]:
        """Deploy ``initcode`` (creation code with its constructor arguments appended) and commit the new account.

        Returns
        -------
        (str, TxResult)
            The new contract's address (lower-case hex) and the deployment's outcome.

        Raises
        ------
        RuntimeError
            The deployment reverted or halted (its reason included): deployments here are ours, a failure is a bug.
        """
        evm = self._fresh_evm()
        deployer = _addr(sender or _DEFAULT_SENDER)
        res, address = self._run(
            evm, lambda: evm.deploy(deployer, bytes(initcode), gas=gas or self.gas_limit), len(initcode)
        )
        if not res.success:
            raise RuntimeError(f"deployment failed: {res.halt_reason or 'reverted'} (output 0x{res.output.hex()})")
        res = TxResult(True, b"", int(evm.result.gas_used), len(initcode))
        self._commit(evm)
        address = _addr(address)
        # revm reports the created account in its journal; make sure the code is there even if the format changes
        if not self._accounts.get(address) or not self._accounts[address].code:
            raise RuntimeError(f"deployment at {address} left no code in the journal")
        return address, res

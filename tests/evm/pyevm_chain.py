"""A second EVM for cross-checks: py-evm (the Ethereum Foundation's Python EVM, Cancun rules) behind the interface of
``verifier.evm_chain.Chain`` that ``EvmSettlementContract`` uses (deploy, transact, call, storage).

Each transaction is signed by a fixed test key, mined into a block of its own (so receipt gas is that
transaction's), and runs with its own EIP-2929 access sets, as on a chain. py-evm computes the pairing precompile
with py_ecc (seconds a call): tests that use it are marked slow.
"""

from __future__ import annotations

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.tools.builder.chain import build, cancun_at, disable_pow_check, genesis
from eth_keys import keys

from verifier.evm_chain import TxResult

_GAS_PRICE = 10**10


class PyEvmChain:
    """py-evm with the Chain interface (module docstring)."""

    def __init__(self, gas_limit: int = 30_000_000) -> None:
        self._key = keys.PrivateKey(b"\x07" * 32)
        me = self._key.public_key.to_canonical_address()
        state = {me: {"balance": 10**30, "nonce": 0, "code": b"", "storage": {}}}
        params = {"gas_limit": gas_limit, "difficulty": 0, "nonce": b"\x00" * 8}
        self._chain = build(
            MiningChain, cancun_at(0), disable_pow_check(), genesis(db=AtomicDB(), params=params, state=state)
        )
        self._nonce = 0
        self.gas_limit = gas_limit

    @property
    def default_sender(self) -> str:
        return "0x" + self._key.public_key.to_canonical_address().hex()

    def _tx(self, to: bytes, data: bytes, gas: int | None):
        vm = self._chain.get_vm()
        tx = vm.create_unsigned_transaction(
            nonce=self._nonce, gas_price=_GAS_PRICE, gas=gas or 15_000_000, to=to, value=0, data=data
        ).as_signed_transaction(self._key)
        return tx

    def _apply(self, to: bytes, data: bytes, gas: int | None):
        tx = self._tx(to, data, gas)
        _, receipt, computation = self._chain.apply_transaction(tx)
        self._chain.mine_block()
        self._nonce += 1
        return receipt.gas_used, computation

    def deploy(self, initcode: bytes, *, gas: int | None = None, sender: str | None = None) -> tuple[str, TxResult]:
        used, comp = self._apply(b"", bytes(initcode), gas)
        if comp.is_error:
            raise RuntimeError(f"deployment failed: {comp.error}")
        return "0x" + comp.msg.storage_address.hex(), TxResult(True, b"", used, len(initcode))

    def transact(self, to: str, data: bytes, *, gas: int | None = None, sender: str | None = None) -> TxResult:
        used, comp = self._apply(bytes.fromhex(to[2:]), bytes(data), gas)
        if comp.is_error:
            out = bytes(comp.output) if comp.is_error and hasattr(comp, "output") else b""
            halt = None if "Revert" in type(comp.error).__name__ else type(comp.error).__name__
            return TxResult(False, out if halt is None else b"", used, len(data), halt_reason=halt)
        return TxResult(True, bytes(comp.output), used, len(data))

    def call(self, to: str, data: bytes, *, gas: int | None = None, sender: str | None = None) -> TxResult:
        state = self._chain.get_vm().state
        snap = state.snapshot()
        comp = state.apply_transaction(self._tx(bytes.fromhex(to[2:]), bytes(data), gas))
        state.revert(snap)
        return TxResult(not comp.is_error, bytes(comp.output), 0, len(data))

    def storage(self, address: str, slot: int) -> int:
        return self._chain.get_vm().state.get_storage(bytes.fromhex(address[2:]), slot)

    def storage_of(self, address: str) -> dict[int, int]:
        """The settlement contract's two slots (header word, roots' hash): all it has."""
        return {s: v for s in (0, 1) if (v := self.storage(address, s))}

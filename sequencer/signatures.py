"""Signature checks ahead of execution: batch-verify the signatures of a group of transactions in one call.

The sequencer checks every signature before it touches state (``sequencer.execute.check_signature``). One by one,
``zksvs.eddsa.verify_poseidon`` costs a few milliseconds of pure Python; ``accel.babyjub.verify_batch`` verifies a
batch in a numba ``prange`` kernel (the curve arithmetic, on every core). ``SignatureCache.prefetch`` does that for a
group that arrived together (``Sequencer.submit_many``): for each transaction whose sender exists now, its message,
signature and the sender's current key go into one batch; the verdicts are kept, and ``__call__`` (the builder's
verifier) answers from them when the same (message, signature, key) is checked at execution. A key the prefetch did
not see (an account created earlier in the same group, a swap order's counterparty) is verified on the spot, so a
verdict is always ``verify_poseidon``'s for the key the transaction is executed against.

Keys never change once an account exists (credits and debits keep the leaf's key), so a verdict prefetched for the
sender's key is the verdict at execution time.

References
----------
``accel.babyjub`` (why per-signature checks and not a random linear combination).
"""

from __future__ import annotations

from collections.abc import Sequence

from zksvs.eddsa import Signature, verify_poseidon

__all__ = ["BATCH_THRESHOLD", "SignatureCache"]

#: Below this many signatures the numba kernel's call overhead is not worth it: verify one by one.
BATCH_THRESHOLD = 8

_Key = tuple[int, tuple[int, int], int, tuple[int, int]]


def _key(msg: int, sig: Signature, pubkey: tuple[int, int]) -> _Key:
    return (msg, sig.r8, sig.s, (int(pubkey[0]), int(pubkey[1])))


class SignatureCache:
    """Verdicts of signatures verified ahead in batches; a ``sequencer.execute.Verifier``.

    Each prefetched verdict is used once (popped), so the cache holds at most one group's verdicts.

    Attributes
    ----------
    batched, single : int
        Signatures verified in batches and one by one (for the throughput report).
    """

    def __init__(self) -> None:
        self._verdicts: dict[_Key, bool] = {}
        self.batched = 0
        self.single = 0

    def prefetch(self, items: Sequence[tuple[int, Signature, tuple[int, int]]]) -> None:
        """Verify ``(message, signature, pubkey)`` triples now, in one batch when there are enough of them.

        Parameters
        ----------
        items : sequence of (int, Signature, (int, int))
            Messages are canonical Fr elements, keys pairs of them (a malformed entry raises, as
            ``verify_poseidon`` does).
        """
        items = [it for it in items if _key(*it) not in self._verdicts]
        if not items:
            return
        if len(items) < BATCH_THRESHOLD:
            for it in items:
                self._verdicts[_key(*it)] = verify_poseidon(*it)
            self.single += len(items)
            return
        from accel.babyjub import verify_batch  # numba: loaded by the first batch, not by ``import sequencer``

        msgs, sigs, keys = zip(*items, strict=True)
        for it, ok in zip(items, verify_batch(msgs, sigs, keys), strict=True):
            self._verdicts[_key(*it)] = bool(ok)
        self.batched += len(items)

    def __call__(self, msg: int, sig: Signature, pubkey: tuple[int, int]) -> bool:
        """``verify_poseidon(msg, sig, pubkey)``, from a prefetched verdict when there is one."""
        verdict = self._verdicts.pop(_key(msg, sig, pubkey), None)
        if verdict is None:
            self.single += 1
            return verify_poseidon(msg, sig, pubkey)
        return verdict

    def clear(self) -> None:
        """Drop every prefetched verdict (e.g. after a group whose transactions were not all executed)."""
        self._verdicts.clear()

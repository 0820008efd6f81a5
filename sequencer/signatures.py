"""Signature checks ahead of execution: verify a group's signatures on another thread while the group executes.

The sequencer checks every signature before it touches state (``sequencer.execute.check_signature``, and a SWAP
order's in ``apply_action``). One by one in pure Python, ``zksvs.eddsa.verify_poseidon`` costs a few milliseconds.
``SignatureCache.prefetch`` takes a group that arrived together (a chunk of ``zksvs sequence``'s lines,
``Sequencer.submit_many``): for each signature whose signer exists now, the (message, signature, signer's current
key) triple is checked and laid out for the kernel (``accel.babyjub.prepare_batch``, Python, on the calling thread)
in slices of ``SLICE`` signatures, and each slice is verified on one worker thread by a serial ``nogil`` kernel
(``accel.babyjub.verify_prepared``: the challenge hashes and the curve checks). So the second core verifies slice
i + 1 while the sequencer's thread executes the transactions of slice i. ``__call__`` (the builder's verifier) takes
the verdict when the same triple is checked at execution, waiting for its slice if it is not done yet. A triple the
prefetch did not see (an account created earlier in the same group) is verified on the spot by the same kernel.

The rules do not change: a verdict is always ``verify_poseidon``'s for the key the transaction is executed against
(keys never change once an account exists: credits and debits keep the leaf's key, so a verdict prefetched for the
signer's key is the verdict at execution time), it is asked for at the same point of execution as before (a bad
signature rejects before state is touched), and receipts are still released only after their group commit.

``native=False`` (a sequencer on ``zksvs.merkle.PYTHON_HASHER``) keeps numba out: every triple is checked by
``verify_poseidon`` when it is asked for.

References
----------
``accel.babyjub`` (why per-signature checks and not a random linear combination).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from zksvs.eddsa import Signature, verify_poseidon

__all__ = ["SLICE", "SignatureCache"]

#: Signatures per kernel call on the worker: small enough that the sequencer's thread waits for at most one slice
#: (~32 × 0.25 ms) at the start of a group, large enough that a call's overhead (~10 µs) does not count.
SLICE = 32

_Key = tuple[int, tuple[int, int], int, tuple[int, int]]

_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's one verification thread (shared by every sequencer: the work is a pure function)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zksvs-verify")
        return _worker


def _key(msg: int, sig: Signature, pubkey: tuple[int, int]) -> _Key:
    return (msg, sig.r8, sig.s, (int(pubkey[0]), int(pubkey[1])))


class SignatureCache:
    """Verdicts of signatures verified ahead, on a worker thread; a ``sequencer.execute.Verifier``.

    Each prefetched verdict is used once (popped), so the cache holds at most one group's verdicts.

    Parameters
    ----------
    native : bool
        Verify with ``accel.babyjub``'s kernels (prefetched slices on the worker thread, the rest on the caller's);
        False: ``zksvs.eddsa.verify_poseidon`` on the caller's thread, nothing prefetched (no numba).

    Attributes
    ----------
    batched, single : int
        Signatures verified ahead (on the worker) and on the spot (for the throughput report).
    waits : int
        Verdicts the caller had to wait for (their slice was not done when asked).
    """

    def __init__(self, native: bool = True) -> None:
        self.native = native
        self._verdicts: dict[_Key, tuple[Future, int]] = {}
        self._futures: list[Future] = []
        self.batched = 0
        self.single = 0
        self.waits = 0

    def prefetch(self, items: Sequence[tuple[int, Signature, tuple[int, int]]]) -> None:
        """Start verifying ``(message, signature, pubkey)`` triples on the worker thread, ``SLICE`` a kernel call.

        Returns once every slice is queued (the Python checks and the layout are done here); the verdicts are
        taken by ``__call__``.

        Parameters
        ----------
        items : sequence of (int, Signature, (int, int))
            Messages are canonical Fr elements, keys pairs of them (a malformed entry raises, as
            ``verify_poseidon`` does).
        """
        if not self.native:
            return
        from accel.babyjub import prepare_batch, verify_prepared  # numba: loaded here, not by ``import sequencer``

        seen = self._verdicts
        todo: list[tuple[_Key, tuple[int, Signature, tuple[int, int]]]] = []
        for it in items:
            k = _key(*it)
            if k not in seen:
                seen[k] = None  # type: ignore[assignment]  # placeholder: a duplicate in the group is skipped
                todo.append((k, it))
        pool = _pool()
        self._futures = [f for f in self._futures if not f.done()]
        for lo in range(0, len(todo), SLICE):
            part = todo[lo : lo + SLICE]
            try:
                batch = prepare_batch(*zip(*(it for _, it in part), strict=True))
            except BaseException:
                for k, _ in todo[lo:]:
                    seen.pop(k, None)
                raise
            fut = pool.submit(verify_prepared, batch)
            self._futures.append(fut)
            for j, (k, _) in enumerate(part):
                seen[k] = (fut, j)
            self.batched += len(part)

    def __call__(self, msg: int, sig: Signature, pubkey: tuple[int, int]) -> bool:
        """``verify_poseidon(msg, sig, pubkey)``, from a prefetched verdict when there is one."""
        entry = self._verdicts.pop(_key(msg, sig, pubkey), None)
        if entry is None:
            self.single += 1
            if not self.native:
                return verify_poseidon(msg, sig, pubkey)
            from accel.babyjub import prepare_batch, verify_prepared

            return bool(verify_prepared(prepare_batch([msg], [sig], [pubkey]))[0])
        fut, j = entry
        if not fut.done():
            self.waits += 1
        return bool(fut.result()[j])

    def clear(self) -> None:
        """Drop every prefetched verdict (e.g. after a group whose transactions were not all executed); slices not
        started yet are cancelled."""
        for fut in self._futures:
            fut.cancel()
        self._futures.clear()
        self._verdicts.clear()

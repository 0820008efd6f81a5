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
from typing import NamedTuple

from zksvs.eddsa import Signature, verify_poseidon

__all__ = ["SLICE", "Ahead", "SignatureCache"]

#: Signatures per kernel call on the worker: small enough that the sequencer's thread waits for at most one slice
#: (~32 × 0.25 ms) at the start of a group, large enough that a call's overhead (~10 µs) does not count.
SLICE = 32

#: A verdict is looked up by the signature and the key; the message it was computed for is compared on use.
_Key = tuple[tuple[int, int], int, tuple[int, int]]

_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's one verification thread (shared by every sequencer: the work is a pure function)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zksvs-verify")
        return _worker


def _key(sig: Signature, pubkey: tuple[int, int]) -> _Key:
    return (sig.r8, sig.s, (int(pubkey[0]), int(pubkey[1])))


def _int(limbs) -> int:
    return int(limbs[0]) | int(limbs[1]) << 64 | int(limbs[2]) << 128 | int(limbs[3]) << 192


class Ahead(NamedTuple):
    """One prefetched entry: its slice's future (``(messages uint64[n, 4], verdicts bool[n])``) and its row."""

    future: Future
    index: int

    def message(self) -> int:
        """Poseidon of the entry's inputs (waits for its slice)."""
        return _int(self.future.result()[0][self.index])


class SignatureCache:
    """Verdicts (and messages) of signatures verified ahead, on a worker thread; a ``sequencer.execute.Verifier``.

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
        self._verdicts: dict[_Key, Ahead | None] = {}
        self._futures: list[Future] = []
        self.batched = 0
        self.single = 0
        self.waits = 0

    def prefetch(self, items: Sequence[tuple[Sequence[int], Signature, tuple[int, int]]]) -> list[Ahead | None]:
        """Start verifying ``(message inputs, signature, pubkey)`` entries on the worker thread, ``SLICE`` a kernel
        call: each signs Poseidon(inputs) (a transaction's or a swap order's 12, ``zksvs.tx_message``), which the
        kernel hashes too.

        Returns once every slice is queued (the Python checks and the layout are done here); the verdicts are
        taken by ``__call__``, the messages through the returned handles.

        Parameters
        ----------
        items : sequence of (inputs, Signature, (int, int))
            Inputs: 12 canonical Fr elements; keys: pairs of them (a malformed entry raises, as
            ``verify_poseidon`` does).

        Returns
        -------
        list of Ahead or None
            Per entry, its handle (``Ahead.message()``), or None where nothing was prefetched (not ``native``, or
            the same signature and key already in this group).
        """
        out: list[Ahead | None] = [None] * len(items)
        if not self.native:
            return out
        from accel.babyjub import prepare_signed, verify_signed  # numba: loaded here, not by ``import sequencer``

        seen = self._verdicts
        todo: list[tuple[int, _Key]] = []
        for i, (_, sig, pub) in enumerate(items):
            k = _key(sig, pub)
            if k not in seen:
                seen[k] = None  # a duplicate in the group is left to ``__call__``
                todo.append((i, k))
        pool = _pool()
        self._futures = [f for f in self._futures if not f.done()]
        for lo in range(0, len(todo), SLICE):
            part = todo[lo : lo + SLICE]
            try:
                batch = prepare_signed(*zip(*(items[i] for i, _ in part), strict=True))
            except BaseException:
                for _, k in todo[lo:]:
                    seen.pop(k, None)
                raise
            fut = pool.submit(verify_signed, batch)
            self._futures.append(fut)
            for j, (i, k) in enumerate(part):
                seen[k] = out[i] = Ahead(fut, j)
            self.batched += len(part)
        return out

    def __call__(self, msg: int, sig: Signature, pubkey: tuple[int, int]) -> bool:
        """``verify_poseidon(msg, sig, pubkey)``, from a prefetched verdict when there is one for this message."""
        ahead = self._verdicts.pop(_key(sig, pubkey), None)
        if ahead is not None:
            if not ahead.future.done():
                self.waits += 1
            messages, verdicts = ahead.future.result()
            if _int(messages[ahead.index]) == msg:  # the verdict is for this very message
                return bool(verdicts[ahead.index])
        self.single += 1
        if not self.native:
            return verify_poseidon(msg, sig, pubkey)
        from accel.babyjub import prepare_batch, verify_prepared

        return bool(verify_prepared(prepare_batch([msg], [sig], [pubkey]))[0])

    def clear(self) -> None:
        """Drop every prefetched verdict (e.g. after a group whose transactions were not all executed); slices not
        started yet are cancelled."""
        for fut in self._futures:
            fut.cancel()
        self._futures.clear()
        self._verdicts.clear()

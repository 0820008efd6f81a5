"""The shared sequencer: orders and executes the transactions of K rollups with Shared Validity Sequencing.

Every user transaction is signed by its sender's key (EdDSA-Poseidon, checked before any state is touched; an
unsigned, protocol v1 genesis skips the checks). A trigger on rollup src (a burn, or a call of a built-in program)
is included if and only if its matching action on rollup dst succeeds (SVS block building, reference/004); both are
executed at once and rolled back together when either fails, so a rejected transaction never changes any root.
Accepted transactions fill per-rollup batches of capacity B; a shared batch closes when one rollup's batch is full
or on demand, carries every rollup of the set (padded with no-ops) and hands the circuits a
``zksvs.trace.BatchTrace`` per rollup. Accepted transactions, rejections and closed batches are kept in sqlite3, so a
restarted sequencer replays to the same state roots and loses no accepted transaction.

Modules: ``tx`` (transaction kinds, JSONL parsing), ``genesis`` (the shared set's shape and initial accounts),
``rollup`` (one rollup's trees with snapshot/revert), ``execute`` (the rules and the slot traces), ``ordering``
(arrival order and its tie-break), ``batch`` (shared batches), ``signatures`` (verification ahead of
execution, on a worker thread), ``store`` (sqlite3), ``sequencer`` (the facade).

Boundary: may import the standard library, the zksvs core and ``accel`` (the native hasher, ``accel.merkle``,
loaded when the first ``Sequencer`` is made, and the signature kernels, ``accel.babyjub``, loaded by the first
signature verified; so ``import sequencer`` does not load numba). Must not import circuits, prover, verifier or
pipeline.
"""

from sequencer.batch import SharedBatch, SharedBatchBuilder
from sequencer.execute import RejectReason
from sequencer.genesis import Genesis, demo_genesis, dump_genesis, load_genesis
from sequencer.sequencer import PendingResult, Receipt, Rejection, Sequencer
from sequencer.tx import Burn, Call, Noop, Transfer, parse_tx, read_jsonl, sign, swap_call

__all__ = [
    "Burn",
    "Call",
    "Genesis",
    "Noop",
    "PendingResult",
    "Receipt",
    "RejectReason",
    "Rejection",
    "Sequencer",
    "SharedBatch",
    "SharedBatchBuilder",
    "Transfer",
    "demo_genesis",
    "dump_genesis",
    "load_genesis",
    "parse_tx",
    "read_jsonl",
    "sign",
    "swap_call",
]

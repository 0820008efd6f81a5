"""The batch circuit of one rollup (DESIGN.md §6): ``build_batch_circuit(shape)`` and ``assign_batch_witness``.

``circuit`` declares the circuit (public block, root chaining), ``slots`` holds one function per rule (kind
selectors, slot data, no-op, debit, credit, append), ``binding`` binds the proof to the batch data (slot words,
commitment sponge, evaluation), ``witness`` reads a ``zksvs.trace.BatchTrace``, ``decode`` reads a witness back
into slots (for the semantic differential of ``docs/soundness.md``).

Boundary: may import the zksvs core and ``circuits`` only. Must not import prover, verifier, sequencer, pipeline or
numba.
"""

from circuits.batch.circuit import BatchCircuit, BatchInputs, build_batch_circuit, define_batch, wire_groups
from circuits.batch.decode import DecodedBatch, decode_batch_witness
from circuits.batch.witness import assign_batch_witness, batch_inputs

__all__ = [
    "BatchCircuit",
    "BatchInputs",
    "DecodedBatch",
    "assign_batch_witness",
    "batch_inputs",
    "build_batch_circuit",
    "decode_batch_witness",
    "define_batch",
    "wire_groups",
]

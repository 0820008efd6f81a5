"""Shared core of zksvs: what must agree across the four stages (DESIGN.md §2–§6).

Field constants, the R1CS and witness types, Groth16 key and proof types, Poseidon, Merkle trees, the rollup
statement, the batch trace and the file formats. Everything above builds on these definitions.

Boundary: may import the standard library, numpy and py_ecc. Must not import circuits, prover, verifier,
sequencer, pipeline or numba.
"""

__version__ = "0.1.0"

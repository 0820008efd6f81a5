"""Circuits: turn statements into R1CS + witness with a constraint builder and a small gadget library. Never proves.

``circuits.builder.ConstraintBuilder`` allocates wires in circom order, computes the witness as it goes (or builds the
shape only), folds constants and labels every constraint with its namespace path, so that
``R1CS.first_unsatisfied()`` names the rule a bad witness breaks. ``circuits.gadgets`` holds the reusable pieces
(boolean, bits, range, compare, Poseidon, Merkle); ``circuits.merkle_membership`` is the issue-3 demonstration
circuit; ``circuits.batch`` the per-rollup batch circuit (DESIGN.md §6).

Boundary: may import the zksvs core only. Must not import prover, verifier, sequencer, pipeline or numba.
"""

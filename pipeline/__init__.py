"""The face of zksvs: carries data sequencer → circuits → prover → verifier, the CLI, progress and tables.

Boundary: may import the public APIs of the core (``zksvs``) and of all four stages. Must not import
``prover.kernels`` or any ``_private`` name. Nothing else imports this package.
"""

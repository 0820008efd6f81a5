"""numba kernels for the Groth16 prover: G1/G2 Jacobian arithmetic, MSM, NTT (field arithmetic: ``accel.field``).

Boundary: may import zksvs core, ``accel``, numpy, numba, llvmlite. Must not import circuits, verifier, sequencer,
pipeline (and pipeline must not import this package: it is the prover's private engine; ``prover.msm`` is the public
face).

Modules: ``g1``, ``g2`` (Jacobian curve arithmetic), ``msm`` (Pippenger), ``fixed_base`` (windowed fixed-base batch
multiplication), ``ntt``. Every kernel is ``@njit(cache=True)``: a second process loads the compiled code from
numba's cache.
"""

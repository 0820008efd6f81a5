"""numba kernels for the Groth16 prover: Fr/Fq/Fq2 Montgomery arithmetic, G1/G2 Jacobian arithmetic, MSM.

Boundary: may import zksvs core, numpy, numba, llvmlite. Must not import circuits, verifier, sequencer, pipeline
(and pipeline must not import this package: it is the prover's private engine; ``prover.msm`` is the public face).

Modules: ``field`` (Fr, Fq, Fq2: element-level and array kernels; read its docstring for signatures), ``g1``, ``g2``
(Jacobian curve arithmetic), ``msm`` (Pippenger), ``fixed_base`` (windowed fixed-base batch multiplication).
Every kernel is ``@njit(cache=True)``: a second process loads the compiled code from numba's cache.
"""

"""numba kernels shared below the stages: Montgomery field arithmetic for the prover and the sequencer's fast paths.

The prover (Groth16: NTT, curve arithmetic, MSM) and the sequencer (native Poseidon and Merkle paths) both need
fast BN254 field arithmetic; it lives here once, below both, so neither stage imports the other.

Boundary: may import the zksvs core, numpy, numba, llvmlite. May be imported by ``prover`` and ``sequencer`` only
(never by the core, ``circuits``, ``verifier`` or ``pipeline``: the L1 model and the circuits never load numba, and
the pipeline reaches these kernels only through the stages' public APIs).

Modules: ``field`` (Fr, Fq, Fq2 Montgomery arithmetic on 4 × 64-bit limbs: element-level and array kernels; read its
docstring for signatures), ``poseidon`` (circomlib-compatible Poseidon of every width 1..16 inputs, whole Merkle paths
per call, batch entry points), ``merkle`` (``NativeHasher``: the ``zksvs.merkle.Hasher`` the sequencer injects into
its trees), ``babyjub`` (batch EdDSA-Poseidon verification on Baby Jubjub, whose base field is Fr). Every kernel is
``@njit(cache=True)``: a second process loads the compiled code from numba's cache.
"""

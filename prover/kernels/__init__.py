"""numba kernels for the Groth16 prover: G1/G2 Jacobian arithmetic, MSM, NTT (field arithmetic: ``accel.field``).

Boundary: may import zksvs core, ``accel``, numpy, numba, llvmlite. Must not import circuits, verifier, sequencer,
pipeline (and pipeline must not import this package: it is the prover's private engine; ``prover.msm`` is the public
face).

Modules: ``fe`` (Fq/Fq2 behind one set of names, chosen by type), ``curve`` (Jacobian arithmetic, G1 and G2 written
once), ``msm`` (Pippenger), ``glv`` (the endomorphism's split and map), ``fixed_base`` (windowed fixed-base batch
multiplication), ``sparse_sums`` (phase 2), ``ntt``, ``qap`` (the witness map). Every kernel is
``@njit(cache=True)``: a second process loads the compiled code from numba's cache.

OpenMP waits passively here unless the user says otherwise (``OMP_WAIT_POLICY``): the kernels open a few coarse
parallel regions per proof, so a thread's wake-up latency does not matter, while spinning threads burn the CPU a
busy machine's other processes (and our own other thread) need — measured on the shared 2-vCPU machine under load
~10: a 2^14 proof 3.4 s passive against 4.4 s spinning, best of 3, same run.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

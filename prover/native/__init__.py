"""The prover's native library: the prove-path numba kernels as one shared object per machine, loaded without numba.

``entries`` (numba entry points with pointer arguments), ``build`` (links numba's cached object code with
``runtime.c``), ``library`` (key, location, ``ctypes`` loading; imports neither numba nor llvmlite), ``schedule``
(the prove stages at once on threads when the library runs them).
"""

"""The one place that says which engine runs the prove path's kernels: numba's dispatchers or the native library.

The prove path (``prover.domain``'s tables, ``prover.qap.witness_map``, ``prover.msm``'s MSMs) calls its kernels
through the functions here. By default they are the numba kernels of ``prover.kernels`` (imported on first call);
after ``use_native(library)`` they are the same kernels in ``prover.native``'s shared library, called through
``ctypes`` with no numba in the process. The native functions run on one thread each and release the GIL, so
``prover.prove`` runs independent stages on threads instead (``native()`` tells it which engine is in use).

The native engine is for one-proof processes (``zksvs prove``, through ``prover.startup.prepare_process``); a
warm process (``zksvs serve``, library users, the sequencer's pipeline) keeps numba's parallel kernels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_native: Any = None  # a prover.native.library.NativeLibrary, or None for numba


def use_native(library: Any) -> None:
    """Run the prove path's kernels in ``library`` (a ``prover.native.library.NativeLibrary``) from now on."""
    global _native
    _native = library


def use_numba() -> None:
    """Run the prove path's kernels with numba (the default)."""
    global _native
    _native = None


def native() -> Any:
    """The native library in use, or None (numba)."""
    return _native


#: The largest domain (log2) the native engine proves; above it a proof uses numba's parallel kernels. Measured on
#: 2 CPUs (``zksvs bench``, Poseidon chains, docs/prover.md): the native engine's whole process wins at 2^12, 2^14
#: and 2^16 (0.30 / 0.57 / 1.45 s against numba's 0.57 / 0.75 / 1.83 s); larger domains were not measured.
NATIVE_MAX_LOG_SIZE = 16
#: With more CPUs than this the native engine stops at 2^14: its five single-threaded stages use at most five CPUs
#: and wait for MSM B2 (about a third of the work), while numba's MSMs use every CPU; at 2^14 the start-up numba
#: pays (~0.25 s) still outweighs that. A model, not a measurement (the machine at hand has 2 CPUs).
NATIVE_MANY_CPUS = 4


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def native_suits(log_size: int) -> bool:
    """Whether a proof over a 2^log_size domain should run on the native engine (when one is loaded)."""
    limit = NATIVE_MAX_LOG_SIZE if usable_cpus() <= NATIVE_MANY_CPUS else min(NATIVE_MAX_LOG_SIZE, 14)
    return log_size <= limit


def num_threads() -> int:
    """Threads one kernel call may use: 1 on the native engine, else ``numba.get_num_threads()``."""
    if _native is not None:
        return 1
    import numba

    return numba.get_num_threads()


def powers(base: np.ndarray, start: np.ndarray, count: int) -> np.ndarray:
    """``prover.kernels.ntt.powers``: ``uint64[count, 4]``, entry i = start·base^i (Montgomery)."""
    if _native is not None:
        return _native.powers(base, start, count)
    from prover.kernels.ntt import powers as kernel

    return kernel(base, start, count)


def stage_twiddles(pw: np.ndarray, log_n: int) -> np.ndarray:
    """``prover.kernels.ntt.stage_twiddles``: the per-stage twiddle table ``uint64[2^log_n, 4]``."""
    if _native is not None:
        return _native.stage_twiddles(pw, log_n)
    from prover.kernels.ntt import stage_twiddles as kernel

    return kernel(pw, log_n)


def bit_reversed(table: np.ndarray, log_n: int) -> np.ndarray:
    """``prover.kernels.ntt.bit_reversed``: ``out[j] = table[rev(j)]``."""
    if _native is not None:
        return _native.bit_reversed(table, log_n)
    from prover.kernels.ntt import bit_reversed as kernel

    return kernel(table, log_n)


def witness_map(*args: Any) -> np.ndarray:
    """``prover.kernels.qap.witness_map`` (same arguments): the H scalars ``uint64[n, 4]``, normal form."""
    if _native is not None:
        return _native.witness_map(*args)
    from prover.kernels.qap import witness_map as kernel

    return kernel(*args)


def msm_affine(*args: Any) -> np.ndarray:
    """``prover.kernels.msm.msm_affine`` (same arguments): the affine sum, zeros for ∞."""
    if _native is not None:
        return _native.msm_affine(*args)
    from prover.kernels.msm import msm_affine as kernel

    return kernel(*args)


__all__ = [
    "NATIVE_MANY_CPUS",
    "NATIVE_MAX_LOG_SIZE",
    "bit_reversed",
    "msm_affine",
    "native",
    "native_suits",
    "num_threads",
    "powers",
    "stage_twiddles",
    "usable_cpus",
    "use_native",
    "use_numba",
    "witness_map",
]

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


__all__ = ["bit_reversed", "msm_affine", "native", "num_threads", "powers", "stage_twiddles", "use_native",
           "use_numba", "witness_map"]  # fmt: skip

"""A lean numba start-up for one-proof processes: skip the optional imports numba makes and the prover never uses.

numba initialises its typing and target contexts on the first compile or cache load. Two parts of that import
packages the prover's kernels never touch: ``numba.np.arraymath`` probes for BLAS by importing
``scipy.linalg.cython_blas`` (for ``np.dot`` and ``np.linalg`` in jitted code; ~0.3 s with SciPy installed), and
``numba.core.typing.cffi_utils`` imports cffi and pycparser (to type cffi functions; ~50 ms). ``lean_numba()``
hides those two packages while numba initialises, then puts everything back: numba records "no BLAS, no cffi" for
this process (jitted code here cannot call ``np.dot`` or cffi functions, which no kernel of this project does), and a
later ``import scipy`` or ``import cffi`` works as usual.

It is used by the commands that exist to run one proof quickly (``zksvs prove``); library users and the test suite
get numba's usual start-up.

References
----------
numba 0.60–0.68 ``numba/np/arraymath.py`` (``_check_blas``), ``numba/core/typing/cffi_utils.py`` (``SUPPORTED``),
``numba/core/cpu.py`` (``load_additional_registries``).
"""

from __future__ import annotations

import sys

_OPTIONAL = ("scipy", "cffi")


def lean_numba() -> bool:
    """Initialise numba's contexts with SciPy and cffi hidden; True when it did, False when numba was already loaded
    (then nothing changes)."""
    if "numba" in sys.modules:
        return False
    hidden = [m for m in _OPTIONAL if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]  # makes `import m` raise ImportError
    try:
        from numba.core.registry import cpu_target

        cpu_target.typing_context.refresh()
        cpu_target.target_context.refresh()
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return True


__all__ = ["lean_numba"]

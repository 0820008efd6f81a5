"""A lean numba start-up for one-proof processes: load the cached kernels without what only a compile needs.

numba initialises its typing and target contexts on the first compile or cache load (``BaseContext.refresh``):
it imports and registers the implementations and typing templates of everything jitted code may call (NumPy
functions, ``math``, typed containers, jitclass, …; ~0.2 s of CPU), and on the way ``numba.np.arraymath`` probes
for BLAS by importing ``scipy.linalg.cython_blas`` (~0.3 s when SciPy is installed) and
``numba.core.typing.cffi_utils`` imports cffi and pycparser (~50 ms). Loading machine code from the cache needs
none of that — only the runtime (NRT) — since nothing is typed or lowered.

``prepare_process(group)`` therefore:

1. imports numba with SciPy and cffi hidden (numba records "no BLAS, no cffi" for this process: jitted code here
   cannot call ``np.dot`` or cffi functions, which no kernel of this project does; a later ``import scipy`` works);
2. asks numba's cache whether every kernel of the group is there (``prover.warmup.kernel_cache_state``);
3. if so, loads them with the contexts' registries left out (the runtime is initialised), then restores numba's
   own ``refresh`` so that any later compile finds a complete numba; if not, announces the compile and compiles
   with the usual contexts.

It is used by the commands that exist to run one proof quickly (``zksvs prove``); library users and the test suite
get numba's usual start-up.

References
----------
numba 0.60–0.68 ``numba/core/config.py`` (optional yaml), ``numba/core/base.py`` and ``numba/core/typing/context.py``
(``refresh``), ``numba/core/cpu.py`` (``load_additional_registries``: ``rtsys.initialize`` then the implementation
imports),
``numba/np/arraymath.py`` (``_check_blas``), ``numba/core/typing/cffi_utils.py``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

_OPTIONAL = ("scipy", "cffi", "yaml")  # yaml: numba.core.config's .numba_config.yaml support


@contextlib.contextmanager
def _hidden_optional_imports() -> Iterator[None]:
    hidden = [m for m in _OPTIONAL if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]  # makes `import m` raise ImportError
    try:
        yield
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]


@contextlib.contextmanager
def _registries_left_out() -> Iterator[None]:
    """numba's contexts initialise only the runtime while inside (cache loads only; no compile may happen)."""
    from numba.core import cpu
    from numba.core.runtime import rtsys
    from numba.core.typing import context as typing_context

    saved = (
        cpu.CPUContext.load_additional_registries,
        typing_context.Context.load_additional_registries,
        typing_context.BaseContext.refresh,
    )
    cpu.CPUContext.load_additional_registries = lambda self: rtsys.initialize(self)
    typing_context.Context.load_additional_registries = lambda self: None
    typing_context.BaseContext.refresh = lambda self: None
    try:
        yield
    finally:
        (
            cpu.CPUContext.load_additional_registries,
            typing_context.Context.load_additional_registries,
            typing_context.BaseContext.refresh,
        ) = saved


def prepare_process(group: str = "prove", announce: Callable[[str], Any] | None = None) -> Any:
    """Load (or compile, announced) the kernels of ``group`` for a one-proof process; see the module docstring.

    Parameters
    ----------
    group : str
        A signature group of ``prover.warmup`` (``"prove"``, ``"check"``).
    announce : callable, optional
        Called with the one-line compile message (``KernelCacheState.message``) before a first-use compile.

    Returns
    -------
    prover.warmup.WarmupReport
        One row per kernel (compiled or loaded, seconds).
    """
    from prover.warmup import kernel_cache_state, prepare

    with _hidden_optional_imports():
        import numba  # noqa: F401  (imported here, with the optional packages hidden)

        state = kernel_cache_state(group)
        if state.cold or state.unknown:
            if state.message and announce is not None:
                announce(state.message)
            return prepare(group)
        try:
            with _registries_left_out():
                return prepare(group)
        except Exception:
            # not what the cache said: compile with numba's usual contexts (restored on leaving the block above)
            return prepare(group)


__all__ = ["prepare_process"]

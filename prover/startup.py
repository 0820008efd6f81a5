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

While it loads from the cache it also leaves out three costs of numba's cache reader that only a compile or
object-mode code needs (``_lean_cache_reads``):

- llvmlite's lock callbacks: numba times every LLVM call as a ``numba:llvm_lock`` event, thousands per kernel;
- the parse of each library's bitcode copy (``CPUCodeLibrary._unserialize``), kept to link the library into a later
  compile and read for the names of the symbols it defines. The names come from the object code's ELF symbol table
  instead (``_elf_defined_symbols``), the bitcode is parsed only if a later compile links the library, and where the
  object code is not ELF (macOS, Windows) numba's own reader runs;
- imports for environments: a cache entry names the module of every function compiled into it, for the globals of
  that function's environment, and numba's reader imports it: for numba's own array implementations that is
  ``numba.np.arrayobj`` (with ``charseq`` and ``unicode``, ~20 ms). Only object-mode code reads an environment's
  globals, and these kernels are nopython, so a numba module not yet imported gets an environment whose globals are
  its name alone; those serve the loaded code only (they leave numba's environment table afterwards, so a later
  compile builds its own from the real module).

With ``native=True`` (``zksvs prove``) it first looks for this machine's native library of the prove kernels
(``prover.native``: numba's machine code for them, linked once per machine into a shared object) and, when there is
one, makes it the prove path's engine (``prover.backend``) and returns without importing numba at all; when there is
none it takes the numba path above and then builds the library (announced, once), for the next process. A library
that cannot be loaded is announced and rebuilt; a build that fails (no C compiler) is announced once and remembered
(``build_native``).

It is used by the commands that exist to run one proof quickly (``zksvs prove``, its ``--check --r1cs``, and ``zksvs
serve`` once at start); library users and the test suite get numba's usual start-up.

References
----------
numba 0.60–0.68 ``numba/core/config.py`` (optional yaml), ``numba/core/base.py`` and ``numba/core/typing/context.py``
(``refresh``), ``numba/core/cpu.py`` (``load_additional_registries``: ``rtsys.initialize`` then the implementation
imports),
``numba/np/arraymath.py`` (``_check_blas``), ``numba/core/typing/cffi_utils.py``, ``numba/core/codegen.py``
(``CPUCodeLibrary._unserialize``, ``_get_module_for_linking``, ``JitEngine._load_defined_symbols``),
``numba/core/environment.py`` (``_rebuild_env``), ``numba/core/pythonapi.py`` (object mode reads ``env.globals``);
llvmlite ``binding/ffi.py`` (``_LLVMLock`` callbacks); the ELF-64 object format (System V ABI, "Object Files": section
header and ``Elf64_Sym`` layouts).
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


_SHN_UNDEF = 0
_SYM_KINDS = (0, 1, 2)  # STT_NOTYPE, STT_OBJECT, STT_FUNC (not sections or file names)


def _elf_defined_symbols(obj: bytes) -> set[str] | None:
    """The names an ELF-64 little-endian object file defines (its ``.symtab`` entries with a section), else None.

    These are the names numba's reader would collect from the library's bitcode (every function and global that is
    not a declaration), as far as a lookup can ask for them: the entry points and wrappers are external symbols.
    """
    import numpy as np

    if len(obj) < 64 or obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:  # ELFCLASS64, ELFDATA2LSB
        return None
    shoff = int.from_bytes(obj[0x28:0x30], "little")
    shentsize = int.from_bytes(obj[0x3A:0x3C], "little")
    shnum = int.from_bytes(obj[0x3C:0x3E], "little")
    if shentsize != 64 or shoff + shnum * 64 > len(obj):
        return None
    fields = ("name", "type", "flags", "addr", "offset", "size", "link", "info", "align", "entsize")
    sh = np.dtype(list(zip(fields, ("<u4", "<u4", "<u8", "<u8", "<u8", "<u8", "<u4", "<u4", "<u8", "<u8"))))
    sections = np.frombuffer(obj, sh, shnum, shoff)
    symtabs = np.flatnonzero(sections["type"] == 2)  # SHT_SYMTAB
    if len(symtabs) != 1:
        return None
    tab = sections[symtabs[0]]
    if int(tab["link"]) >= shnum:
        return None
    strtab = sections[int(tab["link"])]
    sym = np.dtype([("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"), ("value", "<u8"),
                    ("size", "<u8")])  # fmt: skip
    if int(tab["entsize"]) != 24 or int(tab["offset"]) + int(tab["size"]) > len(obj):
        return None
    syms = np.frombuffer(obj, sym, int(tab["size"]) // 24, int(tab["offset"]))
    keep = (syms["shndx"] != _SHN_UNDEF) & np.isin(syms["info"] & 0xF, _SYM_KINDS) & (syms["name"] != 0)
    s0, s1 = int(strtab["offset"]), int(strtab["offset"]) + int(strtab["size"])
    strings = obj[s0:s1]
    names = set()
    for off in syms["name"][keep].tolist():
        end = strings.find(b"\0", off)
        if end < 0:
            return None
        names.add(strings[off:end].decode())
    return names


@contextlib.contextmanager
def _lean_cache_reads() -> Iterator[None]:
    """numba's cache reader without llvmlite's lock callbacks, without parsing each library's bitcode and without
    importing numba modules only object mode would need (see the module docstring)."""
    import llvmlite.binding as ll
    from llvmlite.binding import ffi
    from numba.core import codegen, environment

    cls = codegen.CPUCodeLibrary
    numba_unserialize = cls.__dict__["_unserialize"]

    def unserialize(cls_, cg, state):
        name, kind, data = state
        names = _elf_defined_symbols(data[0]) if kind == "object" else None
        if names is None:
            return numba_unserialize.__func__(cls_, cg, state)
        object_code, bitcode = data
        lib = cg.create_library(name)
        lib.enable_object_caching()
        lib._set_compiled_object(object_code)

        def module_for_linking():
            if lib._shared_module is None:
                lib._shared_module = ll.parse_bitcode(bitcode)
            return lib._shared_module

        lib._get_module_for_linking = module_for_linking
        lib._finalize_final_module()
        cg._engine._defined_symbols |= names
        return lib

    numba_rebuild_env = environment._rebuild_env
    stand_ins: list[str] = []

    def rebuild_env(modname, consts, env_name):
        if not modname.startswith("numba.") or modname in sys.modules or environment.lookup_environment(env_name):
            return numba_rebuild_env(modname, consts, env_name)
        env = environment.Environment({"__name__": modname})
        env.consts[:] = consts
        env.env_name = env_name
        environment.Environment._memo[env_name] = env
        stand_ins.append(env_name)
        return env

    callbacks = list(ffi.lib._lock._cblist)
    cls._unserialize = classmethod(unserialize)
    environment._rebuild_env = rebuild_env  # what the cache entries' pickles name
    ffi.lib._lock._cblist.clear()
    try:
        yield
    finally:
        cls._unserialize = numba_unserialize
        environment._rebuild_env = numba_rebuild_env
        ffi.lib._lock._cblist[:] = callbacks
        for env_name in stand_ins:  # the loaded code keeps its own reference
            environment.Environment._memo.pop(env_name, None)


def prepare_process(group: str = "prove", announce: Callable[[str], Any] | None = None, native: bool = False) -> Any:
    """Load (or compile, announced) the kernels of ``group`` for a one-proof process; see the module docstring.

    Parameters
    ----------
    group : str
        A signature group of ``prover.warmup`` (``"prove"``, ``"check"``).
    announce : callable, optional
        Called with a one-line message before a first-use compile (``KernelCacheState.message``), a native
        library build, or when a native library is unusable.
    native : bool
        For ``"prove"``: use the native library (``prover.native``) when this machine has one, with no numba in the
        process (``prover.backend.use_native``); otherwise load the numba kernels and then build the library once
        (announced), for the next process.

    Returns
    -------
    prover.warmup.WarmupReport
        One row per kernel (compiled or loaded, seconds), or one row for the native library.
    """
    if native and group == "prove":
        report, unusable = _load_native(announce)
        if report is not None:
            return report
    else:
        unusable = False
    report = _prepare_numba(group, announce)
    if native and group == "prove":
        build_native(announce, quiet=unusable)
    return report


def _load_native(announce: Callable[[str], Any] | None) -> tuple[Any, bool]:
    """(report, unusable): the native library made the prove path's engine, or (None, whether a file was there)."""
    import time

    from prover import backend
    from prover.native import library
    from prover.warmup import KernelRow, WarmupReport

    if not library.enabled():
        return None, False
    t0 = time.perf_counter()
    key = library.library_key()
    if key is None:
        return None, False
    try:
        lib = library.load(key)
    except OSError as e:
        if announce is not None:
            announce(f"native prover library {library.library_path(key)} is unusable ({e}); proving with numba and "
                     "rebuilding it")  # fmt: skip
        return None, True
    if lib is None:
        return None, False
    backend.use_native(lib)
    row = KernelRow("native library", "prove", lib.path.name, "loaded", time.perf_counter() - t0)
    return WarmupReport([row]), False


def build_native(announce: Callable[[str], Any] | None = None, quiet: bool = False) -> Any:
    """Build this machine's native library unless it exists or a build failed before (``prover.native.build``).

    A failed build (no C compiler, a link error) is announced once and remembered beside the library's path
    (``.failed``, the reason inside), so later processes take the numba path without trying again; deleting the
    file (or the cache folder) tries again.

    Parameters
    ----------
    announce : callable, optional
        Called with one line before a build and when it fails.
    quiet : bool
        Announce nothing before the build (the caller has said why it is rebuilding).

    Returns
    -------
    prover.warmup.KernelRow or None
        ``status`` "built" (seconds), "present", or "failed: <reason>"; None when the native path is off or has no
        key on this machine.
    """
    from prover.native import library
    from prover.native.build import BUILD_ESTIMATE_S, build, compiler
    from prover.warmup import KernelRow
    from zksvs.errors import NativeLibraryError

    if not library.enabled():
        return None
    key = library.library_key()
    if key is None:
        return None
    path = library.library_path(key)
    failed = path.with_suffix(".failed")
    if failed.exists():
        return KernelRow("native library", "prove", path.name, f"failed: {failed.read_text().strip()}", 0.0)
    if path.is_file() and not quiet:
        try:
            library.load(key)
            return KernelRow("native library", "prove", path.name, "present", 0.0)
        except OSError:
            pass
    if announce is not None and not quiet and compiler() is not None:
        announce(f"compiling the native prover library (once per machine, ~{BUILD_ESTIMATE_S:.0f} s at most)…")
    try:
        result = build(key)
    except NativeLibraryError as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        try:
            failed.parent.mkdir(parents=True, exist_ok=True)
            failed.write_text(str(e) + "\n")
        except OSError:
            pass
        if announce is not None:
            announce(f"native prover library not built ({reason}); proving with numba")
        return KernelRow("native library", "prove", path.name, f"failed: {reason}", 0.0)
    return KernelRow("native library", "prove", result.path.name, "built", result.seconds)


def _prepare_numba(group: str, announce: Callable[[str], Any] | None) -> Any:
    from prover.warmup import kernel_cache_state, prepare

    with _hidden_optional_imports():
        import numba  # noqa: F401  (imported here, with the optional packages hidden)

        state = kernel_cache_state(group)
        if state.cold or state.unknown:
            if state.message and announce is not None:
                announce(state.message)
            return prepare(group)
        try:
            with _registries_left_out(), _lean_cache_reads():
                return prepare(group)
        except Exception:
            # not what the cache said: compile with numba's usual contexts (restored on leaving the block above)
            return prepare(group)


__all__ = ["build_native", "prepare_process"]

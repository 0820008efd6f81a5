"""Build the prover's native library: numba's machine code for the prove path, linked with a small C runtime.

The entry points of ``prover.native.entries`` are ``@njit(cache=True)`` with explicit signatures, so compiling
them (first use on a machine) or loading them from numba's cache gives each one's **object code**: the entry and
every kernel it calls, compiled for this CPU (numba links callee libraries into each one; the callees are
``linkonce_odr``, so the objects of several entries link together). ``build()``:

1. compiles or loads the six entries and reads each one's object code from numba's cache entry;
2. writes a C file of thin exports — ``int32_t zksvs_msm_g1(…, void **exc)`` calls the entry by its numba symbol
   (``__asm__`` names) in numba's calling convention (``status fn(ret*, excinfo**, args…)``) and returns the status;
3. links the objects, the exports and ``runtime.c`` (NRT allocation, the reshape helper, stubs that stop the
   process if numba's threading layer or Python wrapper were ever entered) with ``cc -shared``;
4. moves the result into place under its key (a temporary name, then ``os.replace``: a concurrent process never
   loads half a file).

Why a C runtime (not an llvmlite module): a linker is needed anyway (``cc``), and the runtime's few functions are
clearer as C than as IR built in Python. ``$CC`` names another compiler driver. Without a compiler, or if the
build fails, ``NativeLibraryError`` says why and the prover keeps its numba path.

References
----------
numba 0.68 ``numba/core/callconv.py`` (``CPUCallConv``: return code, exception info struct),
``numba/core/codegen.py`` (``CPUCodeLibrary``: object caching, ``_get_module_for_linking``),
``numba/core/runtime/nrt.cpp`` (MemInfo layout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from prover.native.library import library_key, library_path
from zksvs.errors import NativeLibraryError

_RUNTIME = Path(__file__).with_name("runtime.c")

#: Rough seconds for a build whose entries numba must compile (none cached): ~70 s on the 2-vCPU machine
#: (numba 0.68, load ~1); with the entries in numba's cache the build is the link alone (~1 s).
BUILD_ESTIMATE_S = 70.0


@dataclass(frozen=True)
class BuildResult:
    """A built library: where, under which key, and the seconds the build took (compiling included)."""

    path: Path
    key: str
    seconds: float


def compiler() -> str | None:
    """The C compiler driver to link with (``$CC``, else ``cc``), or None if it is not on PATH."""
    return shutil.which(os.environ.get("CC", "cc"))


def _library_state(payload: object, depth: int = 0) -> tuple | None:
    """A cache entry's ``(name, "object", (object_code, bitcode))`` (``serialize_using_object_code``)."""
    if isinstance(payload, tuple) and len(payload) == 3 and payload[1] == "object":
        return payload
    if isinstance(payload, (tuple, list)) and depth < 3:
        for item in payload:
            if (found := _library_state(item, depth + 1)) is not None:
                return found
    return None


def entry_objects() -> dict[str, tuple[str, list[str], bytes]]:
    """C name → (numba symbol, C argument types, object code) for each entry, compiling it on a cold cache.

    The object code is read from numba's cache entry of the entry point (what a later process would load).

    Raises
    ------
    NativeLibraryError
        numba's cache has no object code for an entry (an unwritable cache folder).
    """
    from numba import types as nt

    from prover.native.entries import ENTRIES  # compiles (and caches) the entries on first use

    ctype = {nt.CPointer(nt.uint64): "uint64_t *", nt.CPointer(nt.int64): "int64_t *", nt.int64: "int64_t"}
    out = {}
    for name, disp in ENTRIES.items():
        sig = disp.signatures[0]
        cres = disp.overloads[sig]
        try:
            cache = disp._cache
            payload = cache._cache_file.load(cache._index_key(cres.signature, disp.targetctx.codegen()))
        except Exception as e:  # numba's cache layout (private API): say so rather than guess
            raise NativeLibraryError(f"entry {name}: numba's cache entry could not be read ({e})") from None
        state = _library_state(payload)
        if state is None:
            raise NativeLibraryError(f"entry {name}: numba's cache holds no object code for it")
        out[name] = (cres.fndesc.llvm_func_name, [ctype[a] for a in sig], bytes(state[2][0]))
    return out


def _exports_c(objects: dict[str, tuple[str, list[str], bytes]]) -> str:
    lines = ["#include <stdint.h>", "typedef struct excinfo excinfo;"]
    for name, (symbol, args, _) in objects.items():
        params = ", ".join(f"{t} a{i}" for i, t in enumerate(args))
        names = ", ".join(f"a{i}" for i in range(len(args)))
        lines += [
            f'extern int32_t {name}_numba(int64_t *ret, excinfo **exc, {params}) __asm__("{symbol}");',
            f"int32_t {name}({params}, excinfo **exc) {{",
            "    int64_t ret = 0;",
            "    *exc = 0;",
            f"    return {name}_numba(&ret, exc, {names});",
            "}",
        ]
    return "\n".join(lines) + "\n"


def build(key: str | None = None) -> BuildResult:
    """Compile (or load) the entries, link the library and move it into place under its key.

    The entries load from numba's cache when it holds them (the link alone, ~1 s); otherwise numba compiles them
    (``BUILD_ESTIMATE_S``). Call it in a process that has not called the entries (``prover.warmup`` does).

    Raises
    ------
    NativeLibraryError
        No C compiler, no key (no ``/proc/cpuinfo``), the link failed (the compiler's message), or the cache
        folder cannot be written.
    """
    t0 = time.perf_counter()
    cc = compiler()
    if cc is None:
        raise NativeLibraryError(f"no C compiler ({os.environ.get('CC', 'cc')!r} is not on PATH)")
    key = key or library_key()
    if key is None:
        raise NativeLibraryError("no key for this machine (no /proc/cpuinfo, or numba/llvmlite versions not found)")
    objects = entry_objects()
    dest = library_path(key)
    try:
        _link(cc, objects, dest)
    except OSError as e:  # an unwritable cache folder, a compiler that cannot run: the build failed, numba proves
        raise NativeLibraryError(f"the native library could not be written or linked ({e})") from None
    return BuildResult(dest, key, time.perf_counter() - t0)


def _link(cc: str, objects: dict[str, tuple[str, list[str], bytes]], dest: Path) -> None:
    """Link the entries' objects, their exports and the runtime into ``dest`` (a temporary name, then a rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zksvs-native-") as tmp:
        paths = []
        for name, (_, _, obj) in objects.items():
            p = Path(tmp) / f"{name}.o"
            p.write_bytes(obj)
            paths.append(str(p))
        exports = Path(tmp) / "exports.c"
        exports.write_text(_exports_c(objects))
        out = Path(tmp) / "prover.so"
        cmd = [cc, "-shared", "-fPIC", "-O2", "-o", str(out), str(exports), str(_RUNTIME), *paths, "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise NativeLibraryError(f"linking the native library failed: {proc.stderr.strip()[-2000:]}")
        fd, staged = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        shutil.copyfile(out, staged)
        os.replace(staged, dest)


__all__ = ["BUILD_ESTIMATE_S", "BuildResult", "build", "compiler", "entry_objects"]

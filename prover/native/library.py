"""Find and load the prover's native library (the prove-path kernels as one shared object), without numba.

``prover.native.build`` links numba's machine code for the entry points of ``prover.native.entries`` into one
shared library per machine; this module finds it under its key and calls it through ``ctypes`` (which releases
the GIL for each call, so independent stages can run on threads). Nothing here imports numba or llvmlite: a
one-proof process that finds the library skips numba's import and kernel loading altogether.

The key hashes everything that changes the machine code: the bytes of the kernel sources (``KEY_FILES``), the
numba and llvmlite versions (their ``dist-info`` folder names, read without importing them), the Python
implementation, and the CPU (numba compiles for the host: ``/proc/cpuinfo``'s model name and flags). Where there
is no ``/proc/cpuinfo`` (not Linux) there is no key and no native path. The library lives in
``$ZKSVS_CACHE_DIR/native`` (else ``$XDG_CACHE_HOME/zksvs/native``, else ``~/.cache/zksvs/native``), named
``prover-<key>.so``; ``ZKSVS_NATIVE=0`` turns the native path off.

Functions mirror the numba entry points they replace (``prover.backend``): numpy arrays in, a new array out, one
thread each. A kernel that raises inside returns a non-zero status: ``NativeKernelError`` with numba's message.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zksvs.errors import NativeKernelError

_ROOT = Path(__file__).resolve().parents[2]

#: The sources whose bytes key the library: the prove path's kernels and everything they import, the entry
#: points, the runtime and the build (tests/prover/test_native.py checks this covers what the entries import).
KEY_FILES: tuple[str, ...] = (
    "accel/__init__.py",
    "accel/field.py",
    "prover/kernels/__init__.py",
    "prover/kernels/curve.py",
    "prover/kernels/fe.py",
    "prover/kernels/glv.py",
    "prover/kernels/msm.py",
    "prover/kernels/ntt.py",
    "prover/kernels/qap.py",
    "prover/native/build.py",
    "prover/native/entries.py",
    "prover/native/library.py",
    "prover/native/runtime.c",
    "zksvs/field.py",
    "zksvs/limbs.py",
)


def cache_dir() -> Path:
    """The folder of native libraries (module docstring); not created here."""
    base = os.environ.get("ZKSVS_CACHE_DIR")
    if base:
        return Path(base) / "native"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "zksvs" / "native"


def enabled() -> bool:
    """False when ``ZKSVS_NATIVE`` is ``0``/``off``/``no``/``false``."""
    return os.environ.get("ZKSVS_NATIVE", "1").strip().lower() not in ("0", "off", "no", "false")


def _dist_version(name: str) -> str | None:
    """``name``'s installed version from its ``dist-info`` folder beside the package (no import, no metadata scan)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    found = sorted(p.name for p in site.glob(f"{name}-*.dist-info"))
    return found[-1] if len(found) == 1 else None


def _cpu() -> bytes | None:
    try:
        text = Path("/proc/cpuinfo").read_bytes()
    except OSError:
        return None
    first = text.split(b"\n\n", 1)[0]
    lines = [ln for ln in first.splitlines() if ln.split(b":", 1)[0].strip() in (b"model name", b"flags")]
    return b"\n".join(lines) if lines else None


def library_key(root: Path = _ROOT) -> str | None:
    """The hex key of the library for these sources, this numba/llvmlite, Python and CPU; None if unknowable."""
    cpu = _cpu()
    versions = [_dist_version("numba"), _dist_version("llvmlite")]
    if cpu is None or None in versions:
        return None
    h = hashlib.sha256()
    for rel in KEY_FILES:
        try:
            h.update(rel.encode() + b"\0" + (root / rel).read_bytes() + b"\0")
        except OSError:  # an installation without the sources: no native path
            return None
    for part in (*versions, sys.implementation.cache_tag, sys.platform, cpu):
        h.update(str(part).encode() + b"\0")
    return h.hexdigest()[:32]


def library_path(key: str, folder: Path | None = None) -> Path:
    """Where the library of ``key`` lives (in ``folder``, a cache folder, default ``cache_dir()``'s)."""
    return (cache_dir() if folder is None else Path(folder) / "native") / f"prover-{key}.so"


_P = ctypes.c_void_p
_I = ctypes.c_int64
#: C name → argument types after the kernel's own (each entry ends with ``void **exc``: numba's exception info).
SIGNATURES: dict[str, tuple] = {
    "zksvs_powers": (_P, _P, _I, _P),
    "zksvs_stage_twiddles": (_P, _I, _I, _P),
    "zksvs_bit_reversed": (_P, _I, _P),
    "zksvs_witness_map": (_P, _P, _P, _I, _P, _P, _P, _I, _P, _I, _I, _I, _P, _P, _P, _I, _P),
    "zksvs_msm_g1": (_P, _P, _I, _I, _P, _P, _P),
    "zksvs_msm_g2": (_P, _P, _I, _I, _P, _P, _P),
}


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


def _c(a: np.ndarray, dtype: Any = np.uint64) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype)


@dataclass
class NativeLibrary:
    """The loaded library: its path and its functions (``ctypes``, argument types set)."""

    path: Path
    cdll: Any

    def _call(self, name: str, *args: Any) -> None:
        exc = ctypes.c_void_p()
        status = getattr(self.cdll, name)(*args, ctypes.byref(exc))
        if status not in (0, -2):
            raise NativeKernelError(f"native kernel {name} failed: {_describe(status, exc)}")

    def powers(self, base: np.ndarray, start: np.ndarray, count: int) -> np.ndarray:
        """As ``prover.kernels.ntt.powers``."""
        base, start = _c(base), _c(start)
        out = np.empty((max(count, 0), 4), dtype=np.uint64)
        self._call("zksvs_powers", _ptr(base), _ptr(start), count, _ptr(out))
        return out

    def stage_twiddles(self, pw: np.ndarray, log_n: int) -> np.ndarray:
        """As ``prover.kernels.ntt.stage_twiddles``."""
        pw = _c(pw)
        out = np.empty((1 << log_n, 4), dtype=np.uint64)
        self._call("zksvs_stage_twiddles", _ptr(pw), pw.shape[0], log_n, _ptr(out))
        return out

    def bit_reversed(self, table: np.ndarray, log_n: int) -> np.ndarray:
        """As ``prover.kernels.ntt.bit_reversed`` (``table`` has 2^log_n rows)."""
        table = _c(table)
        if table.shape[0] != 1 << log_n:
            raise ValueError(f"Argument 'table' must have {1 << log_n} rows, not {table.shape[0]}")
        out = np.empty((1 << log_n, 4), dtype=np.uint64)
        self._call("zksvs_bit_reversed", _ptr(table), log_n, _ptr(out))
        return out

    def witness_map(self, rows_a, wires_a, vals_a, rows_b, wires_b, vals_b, w, n_constraints, n_public, tw_inv,
                    scale_br, tw, log_n, n_threads=1) -> np.ndarray:  # fmt: skip
        """As ``prover.kernels.qap.witness_map``, always serial (``n_threads`` is ignored)."""
        ra, wa, va = _c(rows_a, np.int64), _c(wires_a, np.int64), _c(vals_a)
        rb, wb, vb = _c(rows_b, np.int64), _c(wires_b, np.int64), _c(vals_b)
        w, tw_inv, scale_br, tw = _c(w), _c(tw_inv), _c(scale_br), _c(tw)
        n = 1 << log_n
        if not (tw_inv.shape[0] == scale_br.shape[0] == tw.shape[0] == n):
            raise ValueError(f"the domain tables must have {n} rows")
        if not (ra.shape[0] == wa.shape[0] == va.shape[0] and rb.shape[0] == wb.shape[0] == vb.shape[0]):
            raise ValueError("the matrices' rows, wires and values must have the same lengths")
        out = np.empty((n, 4), dtype=np.uint64)
        self._call("zksvs_witness_map", _ptr(ra), _ptr(wa), _ptr(va), ra.shape[0], _ptr(rb), _ptr(wb), _ptr(vb),
                   rb.shape[0], _ptr(w), w.shape[0], n_constraints, n_public, _ptr(tw_inv), _ptr(scale_br), _ptr(tw),
                   log_n, _ptr(out))  # fmt: skip
        return out

    def msm_affine(self, bases, scalars, window_bits, n_threads, exact_threads, beta, glv_consts) -> np.ndarray:
        """As ``prover.kernels.msm.msm_affine`` on G1 (``bases`` 3-d) or G2 (4-d), one thread (``n_threads`` and
        ``exact_threads`` are ignored)."""
        bases, scalars, beta, consts = _c(bases), _c(scalars), _c(beta), _c(glv_consts)
        if bases.shape[0] != scalars.shape[0]:
            raise ValueError("Arguments 'bases' and 'scalars' must have the same length")
        g2 = bases.ndim == 4
        out = np.empty((2, 2, 4) if g2 else (2, 4), dtype=np.uint64)
        self._call("zksvs_msm_g2" if g2 else "zksvs_msm_g1", _ptr(bases), _ptr(scalars), bases.shape[0],
                   window_bits, _ptr(beta), _ptr(consts), _ptr(out))  # fmt: skip
        return out


def _describe(status: int, exc: ctypes.c_void_p) -> str:
    """numba's exception info (``numba.core.callconv``: a pickled ``(class, args, location)`` and its length)."""
    if status >= 1 and exc.value:
        try:
            info = ctypes.cast(exc, ctypes.POINTER(ctypes.c_void_p))
            data = ctypes.string_at(info[0], ctypes.cast(exc.value + 8, ctypes.POINTER(ctypes.c_int32))[0])
            import pickle

            cls, args, loc = pickle.loads(data)
            where = f" ({loc[0]}, {Path(loc[1]).name}:{loc[2]})" if loc else ""
            return f"{cls.__name__}: {', '.join(map(str, args))}{where}"
        except Exception:  # a dynamic exception's arguments need numba to decode: say what is known
            pass
    return f"status {status}"


def _check_elf_extent(path: Path) -> None:
    """Raise OSError unless ``path`` is an ELF-64 little-endian file whose segments and section table lie inside it.

    The dynamic loader maps segments without checking them against the file's size: a truncated library would load
    and then stop the process (SIGBUS) on first touch, where this check makes it an error.
    """
    import struct

    with open(path, "rb") as f:
        head = f.read(64)
        size = f.seek(0, 2)
        if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            raise OSError(f"{path}: not an ELF-64 little-endian shared object")
        phoff, shoff = struct.unpack_from("<QQ", head, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", head, 0x36)
        if shoff + shnum * shentsize > size or phoff + phnum * phentsize > size or phentsize < 56:
            raise OSError(f"{path}: truncated ({size} bytes)")
        f.seek(phoff)
        table = f.read(phnum * phentsize)
    for i in range(phnum):
        offset, _, _, filesz = struct.unpack_from("<QQQQ", table, i * phentsize + 8)
        if offset + filesz > size:
            raise OSError(f"{path}: truncated ({size} bytes, a segment ends at {offset + filesz})")


def load(key: str | None = None) -> NativeLibrary | None:
    """The native library of this machine and these sources, or None when there is none (not built, no key).

    Raises
    ------
    OSError
        The file exists but cannot be loaded (truncated, corrupt, a missing symbol).
    """
    key = key or library_key()
    if key is None:
        return None
    return load_from(library_path(key))


def load_from(path: Path) -> NativeLibrary | None:
    """The library at ``path``, or None if there is no such file.

    Raises
    ------
    OSError
        The file cannot be loaded (truncated, corrupt, a missing symbol).
    """
    if not Path(path).is_file():
        return None
    _check_elf_extent(Path(path))
    cdll = ctypes.CDLL(str(path))
    for name, args in SIGNATURES.items():
        fn = getattr(cdll, name)
        fn.argtypes = (*args, ctypes.POINTER(ctypes.c_void_p))
        fn.restype = ctypes.c_int32
    return NativeLibrary(path, cdll)


__all__ = ["KEY_FILES", "NativeLibrary", "cache_dir", "enabled", "library_key", "library_path",
           "load", "load_from"]  # fmt: skip

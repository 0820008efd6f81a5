"""The iden3 section file shared by ``.r1cs``, ``.wtns``, ``.zkey`` and ``.ptau``: reader, writer, limb views.

Layout (``@iden3/binfileutils``): 4-byte magic (``b"r1cs"``, ``b"wtns"``, ``b"zkey"``, ``b"ptau"``), u32 version,
u32 section count, then for each section a u32 id, a u64 byte size and the bytes. All integers are little-endian;
field elements are ``n8``-byte little-endian integers, so a section of them is a ``uint64[n, 4]`` limb array with no
copy. Sections may come in any order (circom writes ``.r1cs`` constraints before the header).

Reading maps a path with ``np.memmap`` (read-only, nothing is loaded until touched) or reads a binary file-like
object / bytes-like value whole (snarkjs's ``{type: "mem"}``). Section views are read-only ``uint8`` arrays into
that buffer; limb views made from them may be unaligned (sections start at any multiple of 4), which numpy and
numba both accept.

References
----------
iden3/binfileutils ``src/binfileutils.js`` (readBinFile, startWriteSection, endWriteSection).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from zksvs.errors import FormatError, NonCanonicalFieldElement, TruncatedFile, WrongFileType
from zksvs.field import FIELD_BYTES, FR_MODULUS

Source = str | os.PathLike | BinaryIO | bytes | bytearray | memoryview
Dest = str | os.PathLike | BinaryIO
Chunk = bytes | bytearray | memoryview | np.ndarray

MEMORY = "<memory>"
_FILE_HEADER_BYTES = 12
_SECTION_HEADER_BYTES = 12


def source_name(src: object) -> str:
    """The name used in error messages: the path, a file object's ``name``, or ``"<memory>"``."""
    if isinstance(src, (str, os.PathLike)):
        return os.fspath(src)
    name = getattr(src, "name", None)
    return name if isinstance(name, str) else MEMORY


def read_bn254_field_header(cur: Cursor, path: str) -> tuple[int, int]:
    """Read iden3's field header (``n8``, then the prime) and require BN254's scalar field r; returns both.

    Raises
    ------
    WrongFileType
        ``n8`` is not 32 or the prime is not r.
    """
    n8 = cur.u32()
    if n8 != FIELD_BYTES:
        raise WrongFileType(f"{path}: field size n8 = {n8}, expected {FIELD_BYTES} (BN254)")
    prime = cur.bigint(n8)
    if prime != FR_MODULUS:
        raise WrongFileType(f"{path}: prime is {prime}, expected BN254's r = {FR_MODULUS}")
    return n8, prime


def load_bytes(src: Source) -> tuple[np.ndarray, str]:
    """The whole of ``src`` as a read-only ``uint8`` array (memory-mapped for paths) and its name for messages."""
    if isinstance(src, (str, os.PathLike)):
        path = os.fspath(src)
        if os.path.getsize(path) == 0:
            return np.zeros(0, dtype=np.uint8), path
        return np.asarray(np.memmap(path, dtype=np.uint8, mode="r")), path
    if isinstance(src, (bytes, bytearray, memoryview)):
        arr = np.frombuffer(bytes(src) if not isinstance(src, bytes) else src, dtype=np.uint8)
        return arr, MEMORY
    if hasattr(src, "read"):
        data = src.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"Argument 'src' must be a binary file object, but read() returned {type(data).__name__}")
        return np.frombuffer(bytes(data), dtype=np.uint8), source_name(src)
    raise TypeError(f"Argument 'src' must be a path, a binary file object or bytes, not {type(src).__name__}")


@dataclass
class Cursor:
    """Sequential little-endian reads inside one section, raising ``TruncatedFile`` past its end."""

    data: np.ndarray
    path: str
    section: str
    pos: int = 0

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes."""
        if self.pos + n > len(self.data):
            raise TruncatedFile(self.path, self.section, self.pos + n, len(self.data))
        out = self.data[self.pos : self.pos + n].tobytes()
        self.pos += n
        return out

    def u32(self) -> int:
        """The next little-endian u32."""
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        """The next little-endian u64."""
        return struct.unpack("<Q", self.take(8))[0]

    def bigint(self, n8: int) -> int:
        """The next ``n8``-byte little-endian integer."""
        return int.from_bytes(self.take(n8), "little")

    def expect_end(self) -> None:
        """Raise ``FormatError`` if the section has bytes left over."""
        if self.pos != len(self.data):
            raise FormatError(f"{self.path}: section '{self.section}' has {len(self.data)} bytes, expected {self.pos}")


@dataclass
class BinFile:
    """A parsed iden3 section file: its buffer and section table.

    Attributes
    ----------
    path : str
        Name for messages (the path or ``"<memory>"``).
    data : uint8[size]
        The whole file, read-only.
    version : int
    sections : dict[int, list[tuple[int, int]]]
        Section id → (offset, size) of each occurrence, in file order.
    names : Mapping[int, str]
        Section names for messages.
    incomplete : bool
        The file ended before the section count in its header was reached (cut at a section boundary).
    """

    path: str
    data: np.ndarray
    version: int
    sections: dict[int, list[tuple[int, int]]]
    names: Mapping[int, str] = field(default_factory=dict)
    incomplete: bool = False

    def name(self, sid: int) -> str:
        """The section's name, e.g. ``"header"``, or ``"section <id>"``."""
        return self.names.get(sid, f"section {sid}")

    def has(self, sid: int) -> bool:
        """True when the section is present."""
        return sid in self.sections

    def section(self, sid: int, expected: int | None = None) -> np.ndarray:
        """The bytes of the unique section ``sid`` as a read-only ``uint8`` view.

        Raises
        ------
        TruncatedFile
            The section is missing from a file that ended early, or is shorter than ``expected``.
        FormatError
            The section is missing from a complete file, appears twice, or is longer than ``expected``.
        """
        occ = self.sections.get(sid)
        if not occ:
            if self.incomplete:
                raise TruncatedFile(self.path, self.name(sid), expected if expected is not None else 1, 0)
            raise FormatError(f"{self.path}: missing section {sid} ('{self.name(sid)}')")
        if len(occ) > 1:
            raise FormatError(f"{self.path}: section {sid} ('{self.name(sid)}') appears {len(occ)} times")
        off, size = occ[0]
        if expected is not None and size != expected:
            if size < expected:
                raise TruncatedFile(self.path, self.name(sid), expected, size)
            raise FormatError(f"{self.path}: section '{self.name(sid)}' has {size} bytes, expected {expected}")
        return self.data[off : off + size]

    def cursor(self, sid: int) -> Cursor:
        """A ``Cursor`` over section ``sid``."""
        return Cursor(self.section(sid), self.path, self.name(sid))


def read_binfile(src: Source, magic: bytes, versions: Iterable[int], names: Mapping[int, str]) -> BinFile:
    """Parse the file header and section table of an iden3 section file.

    Parameters
    ----------
    src : path, binary file object or bytes
    magic : bytes
        The 4-byte file type, e.g. ``b"wtns"``.
    versions : iterable of int
        Accepted versions.
    names : mapping
        Section id → name, used in messages.

    Raises
    ------
    TruncatedFile
        The file header, a section header or a section's bytes end early (the cut section is named).
    WrongFileType
        The magic or version is not the one expected.
    """
    data, path = load_bytes(src)
    size = len(data)
    if size < 4:
        raise TruncatedFile(path, "file header", _FILE_HEADER_BYTES, size)
    got_magic = data[:4].tobytes()
    if got_magic != magic:
        raise WrongFileType(f"{path}: not a .{magic.decode()} file: magic is {got_magic!r}, expected {magic!r}")
    if size < _FILE_HEADER_BYTES:
        raise TruncatedFile(path, "file header", _FILE_HEADER_BYTES, size)
    version, n_sections = struct.unpack("<II", data[4:12].tobytes())
    accepted = sorted(versions)
    if version not in accepted:
        raise WrongFileType(f"{path}: .{magic.decode()} version {version} is not supported (expected {accepted})")
    sections: dict[int, list[tuple[int, int]]] = {}
    pos = _FILE_HEADER_BYTES
    incomplete = False
    for k in range(n_sections):
        if pos == size:
            incomplete = True
            break
        if pos + _SECTION_HEADER_BYTES > size:
            sid_txt = (
                names.get(struct.unpack("<I", data[pos : pos + 4].tobytes())[0], "section table")
                if pos + 4 <= size
                else f"section table (entry {k} of {n_sections})"
            )
            raise TruncatedFile(path, sid_txt, _SECTION_HEADER_BYTES, size - pos)
        sid, ssize = struct.unpack("<IQ", data[pos : pos + 12].tobytes())
        pos += _SECTION_HEADER_BYTES
        if pos + ssize > size:
            raise TruncatedFile(path, names.get(sid, f"section {sid}"), ssize, size - pos)
        sections.setdefault(sid, []).append((pos, ssize))
        pos += ssize
    if pos != size and not incomplete:
        raise FormatError(f"{path}: {size - pos} bytes after the last of {n_sections} sections")
    return BinFile(path, data, version, sections, names, incomplete)


# --- writing ----------------------------------------------------------------------------------------------------


def _as_bytes_view(chunk: Chunk) -> memoryview:
    if isinstance(chunk, np.ndarray):
        return memoryview(np.ascontiguousarray(chunk)).cast("B")
    return memoryview(chunk).cast("B")


@contextmanager
def open_dest(dest: Dest):
    """Yield a binary writable file for a path (created/truncated) or pass a file object through."""
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "wb") as f:
            yield f
    elif hasattr(dest, "write"):
        yield dest
    else:
        raise TypeError(f"Argument 'dest' must be a path or a binary file object, not {type(dest).__name__}")


def write_binfile(dest: Dest, magic: bytes, version: int, sections: Sequence[tuple[int, Sequence[Chunk]]]) -> None:
    """Write an iden3 section file: ``sections`` is a list of (id, chunks) in file order.

    Chunks are bytes-like values or numpy arrays (written in C order, no copy when already contiguous).
    """
    assert len(magic) == 4
    with open_dest(dest) as f:
        f.write(magic + struct.pack("<II", version, len(sections)))
        for sid, chunks in sections:
            views = [_as_bytes_view(c) for c in chunks]
            f.write(struct.pack("<IQ", sid, sum(v.nbytes for v in views)))
            for v in views:
                f.write(v)


def to_bytes(write_fn, *args, **kwargs) -> bytes:
    """Run a ``write_*(obj, dest)`` function into memory and return the bytes (for tests and round trips)."""
    buf = io.BytesIO()
    write_fn(*args, buf, **kwargs)
    return buf.getvalue()


# --- limb helpers -----------------------------------------------------------------------------------------------


def limb_view(section: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``uint64`` little-endian view of a ``uint8`` section, reshaped to ``shape`` (last axis 4 limbs); no copy."""
    return section.view("<u8").reshape(shape)


def modulus_limbs(modulus: int) -> np.ndarray:
    """``modulus`` as ``uint64[4]`` little-endian limbs."""
    return np.frombuffer(modulus.to_bytes(32, "little"), dtype="<u8").copy()


def limbs_below(arr: np.ndarray, modulus: int) -> np.ndarray:
    """Elementwise ``value < modulus`` for ``uint64[..., 4]`` little-endian limbs (vectorised, no Python ints)."""
    m = modulus_limbs(modulus)
    lt = np.zeros(arr.shape[:-1], dtype=bool)
    eq = np.ones(arr.shape[:-1], dtype=bool)
    for k in (3, 2, 1, 0):
        col = arr[..., k]
        lt |= eq & (col < m[k])
        eq &= col == m[k]
    return lt


def require_below(arr: np.ndarray, modulus: int, path: str, what: str) -> None:
    """Raise ``NonCanonicalFieldElement`` naming the first element of ``arr`` (limbs) that is ≥ ``modulus``.

    ``what`` names the array in the message, e.g. ``"witness"``; the index is the position over the leading axes.
    """
    ok = limbs_below(arr, modulus)
    if not ok.all():
        idx = np.unravel_index(int(np.flatnonzero(~ok.reshape(-1))[0]), ok.shape)
        where = "".join(f"[{int(i)}]" for i in idx)
        value = int.from_bytes(np.ascontiguousarray(arr[idx]).astype("<u8").tobytes(), "little")
        raise NonCanonicalFieldElement(f"{path}: {what}{where} = {value} is not below the modulus {modulus}")


def unique_rows(rows: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Distinct values of ``uint64[n, 4]`` limbs as Python ints, plus the index of each row into them.

    Circuits use few distinct coefficients (1, −1, powers of two, a few hundred Poseidon constants), so converting
    only the distinct values keeps the Python-int work small on large matrices.
    """
    if len(rows) == 0:
        return [], np.zeros(0, dtype=np.int64)
    flat = np.ascontiguousarray(rows, dtype="<u8")
    keys = flat.view(np.dtype((np.void, 32))).reshape(-1)
    uniq, inverse = np.unique(keys, return_inverse=True)
    values = [int.from_bytes(u.tobytes(), "little") for u in uniq]
    return values, inverse.reshape(-1).astype(np.int64)

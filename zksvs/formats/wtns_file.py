"""iden3 ``.wtns`` (version 2) read/write: the witness file of circom's witness generators and snarkjs.

Sections (snarkjs ``src/wtns_utils.js``):
- 1 header: u32 n8 (= 32), prime r (n8 bytes LE), u32 nWitness (40 bytes);
- 2 witness: nWitness × n8-byte values, little-endian, normal form (not Montgomery), each < r.

The witness section is exactly a ``uint64[nWitness, 4]`` limb array, so ``read_wtns_limbs`` hands the prover a
zero-copy view of the file. The format is canonical: ``write_wtns(read_wtns(f))`` reproduces ``f`` byte for byte.

References
----------
snarkjs 0.7.6 ``src/wtns_utils.js``; circom 2 ``generate_witness.js`` (``writeBin``).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zksvs.errors import FormatError
from zksvs.field import FR_MODULUS
from zksvs.formats.binfile import (
    Dest,
    Source,
    limb_view,
    read_binfile,
    read_bn254_field_header,
    require_below,
    write_binfile,
)
from zksvs.limbs import ints_to_limbs, limbs_to_ints
from zksvs.witness import Witness

MAGIC = b"wtns"
VERSION = 2
SECTION_NAMES = {1: "header", 2: "witness"}
_N8 = 32
_HEADER_BYTES = 4 + _N8 + 4


@dataclass(frozen=True)
class WtnsHeader:
    """The ``.wtns`` header section."""

    n8: int
    prime: int
    n_witness: int


def _open(src: Source):
    bf = read_binfile(src, MAGIC, (VERSION,), SECTION_NAMES)
    cur = bf.cursor(1)
    n8, prime = read_bn254_field_header(cur, bf.path)
    n = cur.u32()
    cur.expect_end()
    return bf, WtnsHeader(n8, prime, n)


def read_wtns_header(src: Source) -> WtnsHeader:
    """The header of a ``.wtns`` file (see ``read_wtns_limbs`` for errors)."""
    return _open(src)[1]


def read_wtns_limbs(src: Source) -> np.ndarray:
    """The witness as ``uint64[n, 4]`` little-endian limbs, normal form: a read-only view of the file, no copy.

    For a path the view is memory-mapped. The view may be unaligned (the values start at byte 76 of a snarkjs file);
    numpy and numba accept that, and ``np.ascontiguousarray``/``.copy()`` gives an aligned copy if needed.

    Raises
    ------
    WrongFileType
        Not a wtns v2 file, or its field size / prime is not BN254's Fr.
    TruncatedFile
        The header or the witness section is shorter than nWitness × 32 bytes (the section is named).
    NonCanonicalFieldElement
        A value is ≥ r (the message gives its index).
    FormatError
        The witness section is longer than the header says.
    """
    bf, h = _open(src)
    values = limb_view(bf.section(2, h.n_witness * _N8), (h.n_witness, 4))
    require_below(values, FR_MODULUS, bf.path, "witness")
    return values


def read_wtns(src: Source) -> Witness:
    """Read a ``.wtns`` file into a ``Witness`` (Python ints).

    Raises
    ------
    FormatError
        As ``read_wtns_limbs``; also when the file is empty or ``witness[0] != 1``.
    """
    limbs = read_wtns_limbs(src)
    values = limbs_to_ints(limbs)
    if not values or values[0] != 1:
        first = values[0] if values else "missing"
        raise FormatError(f"witness[0] must be 1 (the constant wire), not {first}")
    return Witness(values)


def write_wtns(witness: Witness | Sequence[int] | np.ndarray, dest: Dest) -> None:
    """Write a witness as a ``.wtns`` v2 file that snarkjs (``wtns check``, ``groth16 prove``) reads.

    Parameters
    ----------
    witness : Witness, sequence of int, or uint64[n, 4] limbs (normal form)
        A plain sequence is validated as a ``Witness`` (canonical values, ``witness[0] == 1``).
    dest : path or binary file object

    Raises
    ------
    NonCanonicalFieldElement
        A value is ≥ r (also for limb input).
    ValueError
        ``witness[0] != 1`` or a limb array of the wrong shape.
    """
    if isinstance(witness, np.ndarray):
        if witness.ndim != 2 or witness.shape[1] != 4:
            raise ValueError(f"Argument 'witness' limbs must be uint64[n, 4], not shape {witness.shape}")
        limbs = np.ascontiguousarray(witness, dtype="<u8")
        require_below(limbs, FR_MODULUS, "<witness>", "witness")
        if len(limbs) == 0 or limbs[0].tolist() != [1, 0, 0, 0]:
            raise ValueError("witness[0] must be 1 (the constant wire)")
    else:
        w = witness if isinstance(witness, Witness) else Witness(witness)
        limbs = ints_to_limbs(w.values).astype("<u8", copy=False)
    header = struct.pack("<I", _N8) + FR_MODULUS.to_bytes(_N8, "little") + struct.pack("<I", len(limbs))
    assert len(header) == _HEADER_BYTES
    write_binfile(dest, MAGIC, VERSION, [(1, [header]), (2, [limbs])])


__all__ = ["WtnsHeader", "read_wtns", "read_wtns_header", "read_wtns_limbs", "write_wtns"]

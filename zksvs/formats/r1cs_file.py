"""iden3 ``.r1cs`` (version 1) read/write: circom's and snarkjs's constraint-system file.

Sections (``r1csfile/src/r1csfile.js``):
- 1 header: u32 n8 (= 32), prime r (n8 bytes LE), u32 nWires, u32 nPubOut, u32 nPubIn, u32 nPrvIn, u64 nLabels,
  u32 mConstraints (64 bytes);
- 2 constraints: for each constraint, A, B, C as linear combinations: u32 nTerms, then nTerms × (u32 wire,
  n8-byte coefficient, LE, normal form, < r);
- 3 wire2LabelId: nWires × u64 (the .sym label id of each wire);
- 4, 5 custom gates (circom PLONK extensions): rejected here, Groth16 cannot use them.

Mapping to ``zksvs.r1cs.R1CS``: ``n_wires = nWires``, ``n_public = nPubOut + nPubIn``, ``n_outputs = nPubOut``,
``n_private_inputs = nPrvIn``; constraint labels are empty (the file has none; circom's are in ``.sym``).

Writing puts the sections in circom's order (constraints, header, wire map), so ``write_r1cs`` of a circom file read
with ``read_r1cs_file`` gives back the same bytes; readers accept any order.

References
----------
iden3/r1csfile 0.0.48 ``src/r1csfile.js``; circom 2 ``constraint_writers/src/r1cs_writer.rs`` (section order).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from zksvs.errors import FormatError
from zksvs.field import FR_MODULUS
from zksvs.formats.binfile import (
    BinFile,
    Dest,
    Source,
    read_binfile,
    read_bn254_field_header,
    require_below,
    unique_rows,
    write_binfile,
)
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import R1CS, Constraint, ConstraintMatrices, LinearCombination, SparseMatrix

MAGIC = b"r1cs"
VERSION = 1
SECTION_NAMES = {1: "header", 2: "constraints", 3: "wire2LabelId", 4: "customGatesList", 5: "customGatesUses"}
_N8 = 32
_HEADER_BYTES = 4 + _N8 + 4 * 4 + 8 + 4
_TERM_BYTES = 4 + _N8
_TERM = np.dtype([("wire", "<u4"), ("coeff", "<u8", (4,))])
assert _TERM.itemsize == _TERM_BYTES


@dataclass(frozen=True)
class R1csHeader:
    """The ``.r1cs`` header section (names as in the iden3 format)."""

    n8: int
    prime: int
    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    n_labels: int
    n_constraints: int

    @property
    def n_public(self) -> int:
        """Public wires after wire 0: outputs, then public inputs (snarkjs ``nPublic``)."""
        return self.n_pub_out + self.n_pub_in


@dataclass(frozen=True)
class R1csTerms:
    """Every term of the constraints section in file order, as flat arrays.

    Attributes
    ----------
    matrix : int8[k]
        0 = A, 1 = B, 2 = C.
    rows, wires : int64[k]
    coeffs : uint64[k, 4]
        Little-endian limbs, normal form (a copy: the terms are interleaved with counts in the file).
    lc_counts : int64[3 · m]
        Terms per linear combination, in file order (A₀, B₀, C₀, A₁, …).
    """

    matrix: np.ndarray
    rows: np.ndarray
    wires: np.ndarray
    coeffs: np.ndarray
    lc_counts: np.ndarray


@dataclass(frozen=True)
class R1csFile:
    """A whole ``.r1cs`` file: the header, the R1CS and the wire → label-id map (kept for exact rewriting)."""

    header: R1csHeader
    r1cs: R1CS
    wire_to_label: np.ndarray


def _open(src: Source) -> tuple[BinFile, R1csHeader]:
    bf = read_binfile(src, MAGIC, (VERSION,), SECTION_NAMES)
    if bf.has(4) or bf.has(5):
        raise FormatError(f"{bf.path}: custom gates (sections 4/5) are not supported: Groth16 needs a plain R1CS")
    cur = bf.cursor(1)
    n8, prime = read_bn254_field_header(cur, bf.path)
    n_wires, n_out, n_pub_in, n_prv_in = (cur.u32() for _ in range(4))
    n_labels = cur.u64()
    n_constraints = cur.u32()
    cur.expect_end()
    if n_wires < 1 + n_out + n_pub_in + n_prv_in:
        raise FormatError(
            f"{bf.path}: header has nWires = {n_wires} < 1 + nPubOut + nPubIn + nPrvIn = "
            f"{1 + n_out + n_pub_in + n_prv_in}"
        )
    return bf, R1csHeader(n8, prime, n_wires, n_out, n_pub_in, n_prv_in, n_labels, n_constraints)


def read_r1cs_header(src: Source) -> R1csHeader:
    """The header of a ``.r1cs`` file (sizes only; constraints are not parsed).

    Raises
    ------
    WrongFileType
        Not an r1cs v1 file, or its field is not BN254's Fr.
    TruncatedFile, FormatError
        Bad or cut header.
    """
    return _open(src)[1]


def _read_terms(bf: BinFile, h: R1csHeader) -> R1csTerms:
    sec = bf.section(2)
    size = len(sec)
    n_lc = 3 * h.n_constraints
    counts = np.empty(n_lc, dtype=np.int64)
    hdr_pos = np.empty(n_lc, dtype=np.int64)
    mv = memoryview(sec)
    unpack = struct.Struct("<I").unpack_from
    pos = 0
    # A Python walk over the 3·m term counts only (the record lengths are data-dependent); the terms themselves are
    # then the section with those 4-byte counts cut out, viewed as (wire, coefficient) records by numpy.
    for k in range(n_lc):
        if pos + 4 > size:
            raise FormatError(
                f"{bf.path}: section 'constraints' ends inside constraint {k // 3} "
                f"(needs more than {size} bytes for {h.n_constraints} constraints)"
            )
        n = unpack(mv, pos)[0]
        counts[k] = n
        hdr_pos[k] = pos
        pos += 4 + n * _TERM_BYTES
    if pos != size:
        raise FormatError(
            f"{bf.path}: section 'constraints' has {size} bytes, but its {h.n_constraints} constraints take {pos}"
        )
    total = int(counts.sum())
    is_count = np.zeros(size, dtype=bool)
    is_count[(hdr_pos[:, None] + np.arange(4)).reshape(-1)] = True
    rec = sec[~is_count].view(_TERM)
    wires = rec["wire"].astype(np.int64)
    coeffs = np.ascontiguousarray(rec["coeff"]).astype(np.uint64, copy=False)
    lc_of_term = np.repeat(np.arange(n_lc, dtype=np.int64), counts)
    require_below(coeffs, FR_MODULUS, bf.path, "constraints coefficient")
    if total and int(wires.max()) >= h.n_wires:
        bad = int(np.flatnonzero(wires >= h.n_wires)[0])
        raise FormatError(
            f"{bf.path}: constraint {int(lc_of_term[bad] // 3)} uses wire {int(wires[bad])}, "
            f"but the header has nWires = {h.n_wires}"
        )
    if total > 1:
        key = np.sort(lc_of_term * h.n_wires + wires)
        dup = np.flatnonzero(key[1:] == key[:-1])
        if len(dup):
            k = int(key[dup[0]] // h.n_wires)
            raise FormatError(
                f"{bf.path}: constraint {k // 3} repeats wire {int(key[dup[0]] % h.n_wires)} in its "
                f"{'ABC'[k % 3]} combination"
            )
    return R1csTerms((lc_of_term % 3).astype(np.int8), lc_of_term // 3, wires, coeffs, counts)


def read_r1cs_terms(src: Source) -> tuple[R1csHeader, R1csTerms]:
    """Header and all constraint terms as flat numpy arrays (the fast path under ``read_r1cs_matrices``)."""
    bf, h = _open(src)
    return h, _read_terms(bf, h)


def read_r1cs_matrices(src: Source, include_c: bool = True) -> ConstraintMatrices:
    """The A, B (and C) matrices of a ``.r1cs`` file without building Python objects per term.

    Returns
    -------
    ConstraintMatrices
        Entries in file order; coefficients ``uint64[k, 4]`` little-endian limbs, normal form.

    Raises
    ------
    WrongFileType, TruncatedFile, FormatError, NonCanonicalFieldElement
        As ``read_r1cs``.
    """
    h, t = read_r1cs_terms(src)

    def pick(m: int) -> SparseMatrix:
        sel = t.matrix == m
        return SparseMatrix(t.rows[sel], t.wires[sel], np.ascontiguousarray(t.coeffs[sel]))

    return ConstraintMatrices(h.n_constraints, h.n_wires, h.n_public, pick(0), pick(1), pick(2) if include_c else None)


def read_r1cs_file(src: Source) -> R1csFile:
    """The whole ``.r1cs`` file: header, ``R1CS`` and wire → label-id map.

    Raises
    ------
    WrongFileType
        Magic, version, field size or prime is not r1cs v1 over BN254's Fr.
    TruncatedFile
        The file or a section is cut short (the section is named).
    NonCanonicalFieldElement
        A coefficient is ≥ r.
    FormatError
        Inconsistent sizes, a wire index ≥ nWires, a wire repeated inside one linear combination, custom gates.
    """
    bf, h = _open(src)
    t = _read_terms(bf, h)
    values, inverse = unique_rows(t.coeffs)
    coeffs = [values[i] for i in inverse.tolist()]
    terms = zip(t.wires.tolist(), coeffs)
    lcs: list[LinearCombination] = []
    new_lc = LinearCombination.__new__
    for n in t.lc_counts.tolist():
        lc = new_lc(LinearCombination)
        # wires are distinct per combination (checked) and coefficients canonical; zeros are dropped as
        # LinearCombination does
        lc.terms = {w: c for w, c in islice(terms, n) if c}
        lcs.append(lc)
    constraints = [Constraint(lcs[3 * i], lcs[3 * i + 1], lcs[3 * i + 2]) for i in range(h.n_constraints)]
    r1cs = R1CS(
        n_wires=h.n_wires,
        n_public=h.n_public,
        constraints=constraints,
        n_outputs=h.n_pub_out,
        n_private_inputs=h.n_prv_in,
    )
    wire_to_label = bf.section(3, 8 * h.n_wires).view("<u8") if bf.has(3) else np.arange(h.n_wires, dtype=np.uint64)
    return R1csFile(h, r1cs, wire_to_label)


def read_r1cs(src: Source) -> R1CS:
    """Read an iden3 ``.r1cs`` v1 file into an ``R1CS`` (see ``read_r1cs_file`` for errors)."""
    return read_r1cs_file(src).r1cs


def _constraints_section(r1cs: R1CS) -> np.ndarray:
    counts: list[int] = []
    wires: list[int] = []
    coeffs: list[int] = []
    for con in r1cs.constraints:
        for lc in (con.a, con.b, con.c):
            counts.append(len(lc.terms))
            wires.extend(lc.terms.keys())
            coeffs.extend(lc.terms.values())
    cnt = np.asarray(counts, dtype=np.int64)
    hdr_pos = 4 * np.arange(len(cnt), dtype=np.int64) + _TERM_BYTES * (np.cumsum(cnt) - cnt)
    rec = np.zeros(len(wires), dtype=_TERM)
    if wires:
        w = np.asarray(wires, dtype=np.int64)
        if int(w.max()) >= r1cs.n_wires or int(w.min()) < 0:
            raise ValueError(f"R1CS uses wire {int(w.max())} but has n_wires = {r1cs.n_wires}")
        rec["wire"] = w
        rec["coeff"] = ints_to_limbs(coeffs)
    out = np.empty(4 * len(cnt) + rec.nbytes, dtype=np.uint8)
    is_count = np.zeros(len(out), dtype=bool)
    is_count[(hdr_pos[:, None] + np.arange(4)).reshape(-1)] = True
    out[is_count] = cnt.astype("<u4").view(np.uint8)
    out[~is_count] = rec.view(np.uint8)
    return out


def write_r1cs(
    r1cs: R1CS,
    dest: Dest,
    *,
    wire_to_label: Sequence[int] | np.ndarray | None = None,
    n_labels: int | None = None,
) -> None:
    """Write ``r1cs`` as an iden3 ``.r1cs`` v1 file that circom tools and snarkjs read.

    Parameters
    ----------
    r1cs : R1CS
        Its ``n_outputs`` public wires become nPubOut, the rest of ``n_public`` nPubIn.
    dest : path or binary file object
    wire_to_label : sequence of int, optional
        Label id per wire (default: the identity, wire i ↦ label i).
    n_labels : int, optional
        The header's nLabels (default: ``max(wire_to_label) + 1``, i.e. ``n_wires`` for the identity).

    Raises
    ------
    ValueError
        Inconsistent sizes (outputs > public wires, a wire ≥ n_wires, a map of the wrong length).
    """
    if not 0 <= r1cs.n_outputs <= r1cs.n_public <= r1cs.n_wires - 1:
        raise ValueError(
            f"R1CS needs 0 ≤ n_outputs ≤ n_public ≤ n_wires − 1, got {r1cs.n_outputs}, {r1cs.n_public}, {r1cs.n_wires}"
        )
    labels = (
        np.arange(r1cs.n_wires, dtype="<u8")
        if wire_to_label is None
        else np.asarray(wire_to_label, dtype=np.uint64).astype("<u8")
    )
    if labels.shape != (r1cs.n_wires,):
        raise ValueError(f"Argument 'wire_to_label' must have {r1cs.n_wires} entries, not {labels.shape[0]}")
    if n_labels is None:
        n_labels = int(labels.max()) + 1 if len(labels) else 0
    header = struct.pack("<I", _N8) + FR_MODULUS.to_bytes(_N8, "little")
    header += struct.pack(
        "<IIIIQI",
        r1cs.n_wires,
        r1cs.n_outputs,
        r1cs.n_public - r1cs.n_outputs,
        r1cs.n_private_inputs,
        n_labels,
        r1cs.n_constraints,
    )
    assert len(header) == _HEADER_BYTES
    write_binfile(dest, MAGIC, VERSION, [(2, [_constraints_section(r1cs)]), (1, [header]), (3, [labels])])


__all__ = [
    "R1csFile",
    "R1csHeader",
    "R1csTerms",
    "read_r1cs",
    "read_r1cs_file",
    "read_r1cs_header",
    "read_r1cs_matrices",
    "read_r1cs_terms",
    "write_r1cs",
]

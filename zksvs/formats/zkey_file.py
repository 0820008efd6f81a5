"""snarkjs Groth16 ``.zkey`` (version 1) read/write, with the point sections as numpy views.

Sections (snarkjs 0.7.6 ``src/zkey_utils.js``, ``src/zkey_new.js``):

===  ===============  ==========================================================================================
 id  name             contents
===  ===============  ==========================================================================================
  1  header           u32 protocol id: 1 = Groth16 (2 = PLONK, 10 = FFLONK are refused)
  2  groth16 header   u32 n8q, q, u32 n8r, r, u32 nVars, u32 nPublic, u32 domainSize, then α₁, β₁, β₂, γ₂, δ₁, δ₂
  3  IC               (nPublic + 1) G1
  4  coefficients     u32 n, then n × (u32 matrix 0 = A / 1 = B, u32 row, u32 wire, 32-byte value)
  5  A                nVars G1: u_i(τ)·G1
  6  B1               nVars G1: v_i(τ)·G1
  7  B2               nVars G2: v_i(τ)·G2
  8  C                (nVars − nPublic − 1) G1, private wires only
  9  H                domainSize G1 (odd-indexed Lagrange points of the 2n domain, / δ)
 10  contributions    csHash (64 bytes), u32 count, MPC contributions: raw bytes here, parsed by
                      ``zksvs.formats.zkey_contributions``
===  ===============  ==========================================================================================

Encodings, checked against the anchor files:
- points are affine, each Fq coordinate 32 bytes little-endian in **Montgomery form** (a·2²⁵⁶ mod q); G2
  coordinates are (c0, c1), real part first; the point at infinity is all zeros. This is exactly the
  ``zksvs.groth16.ProvingKey`` limb layout, so sections 5–9 are handed over as views (read-only, possibly unaligned);
- section-4 values are stored as c·R² mod r (R = 2²⁵⁶, "Montgomery twice": a Montgomery product with a normal-form
  witness value then yields the Montgomery form of c·w). They are converted to normal form for
  ``ConstraintMatrices``;
- section 4 also holds snarkjs's nPublic + 1 input rows (A[nConstraints + s][s] = 1); they are stripped on reading
  (``ConstraintMatrices`` excludes them) and added back on writing. nConstraints is not stored: it is the last A row
  minus nPublic;
- ``write_zkey`` puts the sections in the order 1 … 10, as ``zkey contribute`` leaves them (so a contributed key
  round-trips byte for byte); a fresh ``groth16 setup`` writes 1, 2, 4, 3, 9, 8, 5, 6, 7, 10 with the same section
  bytes. Readers accept any order. ``write_contributed_zkey`` writes a key after a phase-2 contribution as
  ``zkey contribute`` does (sections 1–7 copied but δ, new 8, 9, 10).

References
----------
snarkjs 0.7.6 ``src/zkey_utils.js`` (readZKey, writeZKey, readFr2), ``src/zkey_new.js`` (processConstraints,
writeHs), ``src/groth16_prove.js`` (buildABC1); Groth16, eprint 2016/260.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from zksvs.errors import FormatError, WrongFileType
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.binfile import (
    BinFile,
    Dest,
    Source,
    limb_view,
    read_binfile,
    require_below,
    unique_rows,
    write_binfile,
)
from zksvs.groth16 import (
    G1Affine,
    G2Affine,
    ProvingKey,
    VerifyingKey,
    g1_from_limbs,
    g1_to_limbs,
    g2_from_limbs,
    g2_to_limbs,
)
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import ConstraintMatrices, SparseMatrix

MAGIC = b"zkey"
VERSION = 1
GROTH16_PROTOCOL_ID = 1
PROTOCOL_NAMES = {1: "groth16", 2: "plonk", 10: "fflonk"}
SECTION_NAMES = {
    1: "header",
    2: "groth16 header",
    3: "IC",
    4: "coefficients",
    5: "A",
    6: "B1",
    7: "B2",
    8: "C",
    9: "H",
    10: "contributions",
}
_N8 = 32
_G1 = 2 * _N8
_G2 = 4 * _N8
_HEADER2_BYTES = 4 + _N8 + 4 + _N8 + 3 * 4 + 3 * _G1 + 3 * _G2
_COEF = np.dtype([("matrix", "<u4"), ("row", "<u4"), ("wire", "<u4"), ("value", "<u8", (4,))])
assert _COEF.itemsize == 12 + _N8
_R2 = pow(2, 512, FR_MODULUS)
_R2_INV = pow(_R2, -1, FR_MODULUS)
_ONE_R2 = ints_to_limbs([_R2])[0]


@dataclass(frozen=True)
class ZkeyFile:
    """A Groth16 ``.zkey``: the proving key (limb views into the file), the A/B matrices and the raw contributions.

    Attributes
    ----------
    proving_key : ProvingKey
        ``a_query``, ``b_g1_query``: ``uint64[n_wires, 2, 4]``; ``b_g2_query``: ``uint64[n_wires, 2, 2, 4]``;
        ``c_query``: ``uint64[n_wires − n_public − 1, 2, 4]``; ``h_query``: ``uint64[domain_size, 2, 4]``;
        affine, Fq Montgomery form, little-endian limbs, zeros = ∞; read-only views (may be unaligned).
    matrices : ConstraintMatrices or None
        A and B without snarkjs's input rows, coefficients in normal form; ``C`` is None (snarkjs sets C = A∘B).
        None when read with ``read_zkey(..., matrices=False)``.
    contributions : bytes
        Section 10 as stored (csHash, MPC contributions).
    path : str
    coefficients : ZkeyCoefficients or None
        Section 4 as stored (the same entries as ``matrices``, values c·R²).
    """

    proving_key: ProvingKey
    matrices: ConstraintMatrices | None
    contributions: bytes
    path: str = "<memory>"
    coefficients: ZkeyCoefficients | None = None

    @property
    def verifying_key(self) -> VerifyingKey:
        """The verifying key (``snarkjs zkey export verificationkey``)."""
        return self.proving_key.vk


def _g1_points(raw: np.ndarray, n: int) -> np.ndarray:
    return limb_view(raw, (n, 2, 4))


def _g2_points(raw: np.ndarray, n: int) -> np.ndarray:
    return limb_view(raw, (n, 2, 2, 4))


# On-curve checks in Python ints (py_ecc's would cost a proof's start-up its ~0.1 s import). G1: y² = x³ + 3;
# G2: y² = x³ + 3/(9 + u) over Fq2 = Fq[u]/(u² + 1), and 1/(9 + u) = (9 − u)/82.
_Q = FQ_MODULUS
_INV82 = pow(82, -1, _Q)
_B2 = (27 * _INV82 % _Q, -3 * _INV82 % _Q)


def _fq2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return (a[0] * b[0] - a[1] * b[1]) % _Q, (a[0] * b[1] + a[1] * b[0]) % _Q


def _check_g1(p: G1Affine, path: str, what: str) -> G1Affine:
    if p is not None and (p[1] * p[1] - p[0] ** 3 - 3) % _Q:
        raise FormatError(f"{path}: {what} is not on the BN254 G1 curve")
    return p


def _check_g2(p: G2Affine, path: str, what: str) -> G2Affine:
    if p is not None:
        x, y = p
        rhs = _fq2_mul(_fq2_mul(x, x), x)
        if _fq2_mul(y, y) != ((rhs[0] + _B2[0]) % _Q, (rhs[1] + _B2[1]) % _Q):
            raise FormatError(f"{path}: {what} is not on the BN254 G2 twist")
    return p


def _read_header(bf: BinFile) -> dict:
    cur = bf.cursor(1)
    protocol = cur.u32()
    cur.expect_end()
    if protocol != GROTH16_PROTOCOL_ID:
        name = PROTOCOL_NAMES.get(protocol, "unknown")
        raise WrongFileType(f"{bf.path}: zkey protocol id is {protocol} ({name}), expected 1 (groth16)")
    raw = bf.section(2, _HEADER2_BYTES)
    cur = bf.cursor(2)
    n8q = cur.u32()
    q = cur.bigint(n8q) if n8q == _N8 else None
    if n8q != _N8 or q != FQ_MODULUS:
        raise WrongFileType(f"{bf.path}: zkey base field is (n8q = {n8q}, q = {q}), expected BN254's q")
    n8r = cur.u32()
    r = cur.bigint(n8r)
    if n8r != _N8 or r != FR_MODULUS:
        raise WrongFileType(f"{bf.path}: zkey scalar field is (n8r = {n8r}, r = {r}), expected BN254's r")
    n_vars, n_public, domain_size = cur.u32(), cur.u32(), cur.u32()
    if n_vars < n_public + 1:
        raise FormatError(f"{bf.path}: zkey nVars = {n_vars} < nPublic + 1 = {n_public + 1}")
    if domain_size < 1 or domain_size & (domain_size - 1):
        raise FormatError(f"{bf.path}: zkey domainSize = {domain_size} is not a power of two")
    # after the 84-byte prefix: α₁ (64 bytes), β₁ (64), β₂ (128), γ₂ (128), δ₁ (64), δ₂ (128)
    pts = raw[cur.pos :]
    spans = {"alpha1": (0, _G1), "beta1": (_G1, _G1), "beta2": (2 * _G1, _G2), "gamma2": (2 * _G1 + _G2, _G2)}
    spans.update({"delta1": (2 * _G1 + 2 * _G2, _G1), "delta2": (3 * _G1 + 2 * _G2, _G2)})
    g1 = _g1_points(np.concatenate([pts[o : o + n] for o, n in (spans[k] for k in ("alpha1", "beta1", "delta1"))]), 3)
    g2 = _g2_points(np.concatenate([pts[o : o + n] for o, n in (spans[k] for k in ("beta2", "gamma2", "delta2"))]), 3)
    require_below(g1, FQ_MODULUS, bf.path, "groth16 header G1 coordinate")
    require_below(g2, FQ_MODULUS, bf.path, "groth16 header G2 coordinate")
    alpha1, beta1, delta1 = (
        _check_g1(p, bf.path, n) for p, n in zip(g1_from_limbs(g1), ("alpha_1", "beta_1", "delta_1"))
    )
    beta2, gamma2, delta2 = (
        _check_g2(p, bf.path, n) for p, n in zip(g2_from_limbs(g2), ("beta_2", "gamma_2", "delta_2"))
    )
    return dict(
        n_vars=n_vars,
        n_public=n_public,
        domain_size=domain_size,
        alpha1=alpha1,
        beta1=beta1,
        delta1=delta1,
        beta2=beta2,
        gamma2=gamma2,
        delta2=delta2,
    )


def _read_ic(bf: BinFile, h: dict) -> tuple[G1Affine, ...]:
    ic = _g1_points(bf.section(3, (h["n_public"] + 1) * _G1), h["n_public"] + 1)
    require_below(ic, FQ_MODULUS, bf.path, "IC coordinate")
    return tuple(_check_g1(p, bf.path, f"IC[{i}]") for i, p in enumerate(g1_from_limbs(ic)))


@dataclass(frozen=True)
class ZkeyCoefficients:
    """Section 4 as columns, values as stored (c·R² mod r, "Montgomery twice"), the input rows removed.

    The prover multiplies these values by normal-form witness values directly (the Montgomery product of c·R² and
    w is c·w in Montgomery form), so it needs neither the normal-form conversion nor ``ConstraintMatrices``.

    Attributes
    ----------
    matrix : int64[nnz]
        0 for A, 1 for B.
    rows, wires : int64[nnz]
        Constraint and wire of each entry (rows < n_constraints, wires < nVars: checked).
    values_r2 : uint64[nnz, 4]
        c·2^512 mod r, canonical (checked), little-endian limbs, C-contiguous.
    n_constraints : int
        The last A row minus nPublic (snarkjs does not store it).
    """

    matrix: np.ndarray
    rows: np.ndarray
    wires: np.ndarray
    values_r2: np.ndarray
    n_constraints: int


def _read_coefficients(bf: BinFile, h: dict) -> ZkeyCoefficients:
    sec = bf.section(4)
    if len(sec) < 4:
        raise FormatError(f"{bf.path}: section 'coefficients' has {len(sec)} bytes, expected at least 4")
    n = struct.unpack("<I", sec[:4].tobytes())[0]
    bf.section(4, 4 + n * _COEF.itemsize)
    rec = sec[4:].view(_COEF)
    matrix = rec["matrix"].astype(np.int64)
    rows = rec["row"].astype(np.int64)
    wires = rec["wire"].astype(np.int64)
    stored = np.ascontiguousarray(rec["value"], dtype=np.uint64)
    n_vars, n_public = h["n_vars"], h["n_public"]
    if n and (int(matrix.max()) > 1):
        raise FormatError(
            f"{bf.path}: section 'coefficients' has matrix id {int(matrix.max())}, expected 0 (A) or 1 (B)"
        )
    if n and int(wires.max()) >= n_vars:
        raise FormatError(f"{bf.path}: section 'coefficients' uses wire {int(wires.max())} ≥ nVars = {n_vars}")
    require_below(stored, FR_MODULUS, bf.path, "coefficients value")

    is_a = matrix == 0
    if not is_a.any():
        raise FormatError(f"{bf.path}: section 'coefficients' has no A entries (the input rows are missing)")
    n_constraints = int(rows[is_a].max()) - n_public
    # snarkjs's input rows: A[n_constraints + s][s] = 1 for s = 0 … nPublic, nothing else at or past n_constraints.
    tail = rows >= n_constraints
    t_rows, t_wires, t_mat = rows[tail], wires[tail], matrix[tail]
    ok = (
        n_constraints >= 0
        and int(tail.sum()) == n_public + 1
        and bool((t_mat == 0).all())
        and np.array_equal(np.sort(t_rows - n_constraints), np.arange(n_public + 1))
        and bool((t_wires == t_rows - n_constraints).all())
        and bool((stored[tail] == _ONE_R2).all())
    )
    if not ok:
        raise FormatError(
            f"{bf.path}: section 'coefficients' does not end with the {n_public + 1} input rows "
            f"A[nConstraints + s][s] = 1 that snarkjs adds"
        )
    keep = ~tail
    return ZkeyCoefficients(matrix[keep], rows[keep], wires[keep], np.ascontiguousarray(stored[keep]), n_constraints)


def _matrices(c: ZkeyCoefficients, h: dict) -> ConstraintMatrices:
    values, inverse = unique_rows(c.values_r2)
    normal = ints_to_limbs([v * _R2_INV % FR_MODULUS for v in values])
    coeffs = normal[inverse] if len(c.rows) else np.zeros((0, 4), dtype=np.uint64)

    def pick(m: int) -> SparseMatrix:
        sel = c.matrix == m
        return SparseMatrix(c.rows[sel], c.wires[sel], np.ascontiguousarray(coeffs[sel]))

    return ConstraintMatrices(c.n_constraints, h["n_vars"], h["n_public"], pick(0), pick(1), None)


def read_zkey(src: Source, *, matrices: bool = True) -> ZkeyFile:
    """Read a snarkjs Groth16 ``.zkey``.

    Parameters
    ----------
    src : path, binary file object or bytes
        A path is memory-mapped: the point sections are not read until used.
    matrices : bool
        Build ``ZkeyFile.matrices`` (normal-form coefficients: one Python-int conversion per distinct value and a
        sort of all entries). The prover passes False and reads ``ZkeyFile.coefficients`` as stored instead.

    Raises
    ------
    WrongFileType
        Not a zkey v1, not Groth16 (e.g. a PLONK key), or not over BN254.
    TruncatedFile
        The file or a section is shorter than the header implies; the section is named (``"A"``, ``"H"`` …).
    NonCanonicalFieldElement
        A point coordinate ≥ q or a coefficient ≥ r.
    FormatError
        Inconsistent header, a header/IC point off its curve, malformed coefficients or input rows.
    """
    bf = read_binfile(src, MAGIC, (VERSION,), SECTION_NAMES)
    h = _read_header(bf)
    n_vars, n_public, n = h["n_vars"], h["n_public"], h["domain_size"]
    ic = _read_ic(bf, h)
    coefficients = _read_coefficients(bf, h)
    if coefficients.n_constraints + n_public + 1 > n:
        raise FormatError(
            f"{bf.path}: domainSize {n} < nConstraints + nPublic + 1 = {coefficients.n_constraints + n_public + 1}"
        )
    a = _g1_points(bf.section(5, n_vars * _G1), n_vars)
    b1 = _g1_points(bf.section(6, n_vars * _G1), n_vars)
    b2 = _g2_points(bf.section(7, n_vars * _G2), n_vars)
    n_priv = n_vars - n_public - 1
    c = _g1_points(bf.section(8, n_priv * _G1), n_priv)
    hq = _g1_points(bf.section(9, n * _G1), n)
    for arr, name in ((a, "A"), (b1, "B1"), (b2, "B2"), (c, "C"), (hq, "H")):
        require_below(arr, FQ_MODULUS, bf.path, f"{name} point coordinate")
    contributions = bf.section(10).tobytes()
    vk = VerifyingKey(alpha_g1=h["alpha1"], beta_g2=h["beta2"], gamma_g2=h["gamma2"], delta_g2=h["delta2"], ic=ic)
    pk = ProvingKey(
        n_wires=n_vars,
        n_public=n_public,
        domain_size=n,
        alpha_g1=h["alpha1"],
        beta_g1=h["beta1"],
        delta_g1=h["delta1"],
        beta_g2=h["beta2"],
        delta_g2=h["delta2"],
        a_query=a,
        b_g1_query=b1,
        b_g2_query=b2,
        c_query=c,
        h_query=hq,
        vk=vk,
    )
    return ZkeyFile(pk, _matrices(coefficients, h) if matrices else None, contributions, bf.path, coefficients)


def export_verifying_key(zkey: ZkeyFile | Source) -> VerifyingKey:
    """The verifying key of a ``ZkeyFile`` or of a ``.zkey`` (reads only the headers and IC, as snarkjs does)."""
    if isinstance(zkey, ZkeyFile):
        return zkey.verifying_key
    bf = read_binfile(zkey, MAGIC, (VERSION,), SECTION_NAMES)
    h = _read_header(bf)
    return VerifyingKey(h["alpha1"], h["beta2"], h["gamma2"], h["delta2"], _read_ic(bf, h))


def empty_contributions() -> bytes:
    """A section-10 body with no contributions: a zero csHash (64 bytes) and a count of 0.

    ``snarkjs groth16 prove`` and ``zkey export verificationkey`` do not read section 10; ``zkey verify`` would
    report the circuit hash as mismatching, which is right for a key that did not come from a ceremony.
    """
    return bytes(64) + struct.pack("<I", 0)


def initial_contributions(cs_hash: bytes) -> bytes:
    """A section-10 body for a fresh phase-2 key: the 64-byte circuit hash and a count of 0 (``zkey_new.js``).

    With the csHash that snarkjs computes for the same ``.r1cs`` and ``.ptau`` (``prover.setup_from_ptau`` gives
    it as ``cs_hash``), ``snarkjs zkey verify`` accepts the key.

    Raises
    ------
    ValueError
        ``cs_hash`` is not 64 bytes.
    """
    if not isinstance(cs_hash, (bytes, bytearray)) or len(cs_hash) != 64:
        raise ValueError(f"Argument 'cs_hash' must be 64 bytes, not {cs_hash!r:.80}")
    return bytes(cs_hash) + struct.pack("<I", 0)


def circuit_hash_of(zkey: ZkeyFile) -> bytes:
    """The csHash stored in a key's section 10 (64 bytes; zeros for keys written without one)."""
    return zkey.contributions[:64]


def _coef_section(m: ConstraintMatrices) -> np.ndarray:
    n_c, n_pub = m.n_constraints, m.n_public
    mats = [m.A, m.B]
    matrix = np.concatenate([np.full(x.nnz, i, dtype=np.int64) for i, x in enumerate(mats)])
    rows = np.concatenate([np.asarray(x.rows, dtype=np.int64) for x in mats])
    wires = np.concatenate([np.asarray(x.wires, dtype=np.int64) for x in mats])
    coeffs = np.concatenate([np.asarray(x.coeffs, dtype=np.uint64).reshape(-1, 4) for x in mats])
    if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= n_c):
        raise ValueError(f"matrix rows must be in [0, {n_c}), found {int(rows.min())}..{int(rows.max())}")
    if len(wires) and (int(wires.min()) < 0 or int(wires.max()) >= m.n_wires):
        raise ValueError(f"matrix wires must be in [0, {m.n_wires}), found up to {int(wires.max())}")
    require_below(coeffs, FR_MODULUS, "<matrices>", "coefficient")
    # snarkjs's order (zkey_new.js): per constraint its A entries then its B entries, then the input rows.
    order = np.lexsort((matrix, rows))
    s = np.arange(n_pub + 1, dtype=np.int64)
    matrix = np.concatenate([matrix[order], np.zeros(n_pub + 1, dtype=np.int64)])
    rows = np.concatenate([rows[order], n_c + s])
    wires = np.concatenate([wires[order], s])
    one = np.zeros((n_pub + 1, 4), dtype=np.uint64)
    one[:, 0] = 1
    coeffs = np.concatenate([coeffs[order], one])
    values, inverse = unique_rows(coeffs)
    stored = ints_to_limbs([v * _R2 % FR_MODULUS for v in values])
    rec = np.zeros(len(rows), dtype=_COEF)
    rec["matrix"], rec["row"], rec["wire"] = matrix, rows, wires
    rec["value"] = stored[inverse] if len(rows) else stored
    out = np.empty(4 + rec.nbytes, dtype=np.uint8)
    out[:4] = np.frombuffer(struct.pack("<I", len(rec)), dtype=np.uint8)
    out[4:] = rec.view(np.uint8)
    return out


def _points(arr: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    a = np.asarray(arr)
    if a.shape != shape:
        raise ValueError(f"proving key {what} must have shape {shape}, not {a.shape}")
    return np.ascontiguousarray(a, dtype="<u8")


def _default_contributions(pk: ProvingKey) -> bytes:
    cs_hash = getattr(pk, "cs_hash", b"")
    return initial_contributions(cs_hash) if cs_hash else empty_contributions()


def write_zkey(
    proving_key: ProvingKey,
    matrices: ConstraintMatrices,
    dest: Dest,
    *,
    contributions: bytes | None = None,
) -> None:
    """Write a Groth16 ``.zkey`` that ``snarkjs groth16 prove`` and ``zkey export verificationkey`` accept.

    Parameters
    ----------
    proving_key : ProvingKey
        Point arrays in the zkey layout (see ``ZkeyFile``); ``c_query`` covers private wires only.
    matrices : ConstraintMatrices
        A and B in normal form, without input rows (``C`` is ignored: snarkjs recomputes C = A∘B).
    dest : path or binary file object
    contributions : bytes, optional
        Section 10 as stored. Default: ``initial_contributions(proving_key.cs_hash)`` when the key carries a
        non-empty ``cs_hash`` (keys from ``prover.setup_from_ptau``, so ``snarkjs zkey verify`` passes), else
        ``empty_contributions()``.

    Raises
    ------
    ValueError
        Sizes of the key and the matrices disagree, or the domain is too small for the constraints.
    NonCanonicalFieldElement
        A coefficient ≥ r.
    """
    pk = proving_key
    nv, npub, n = pk.n_wires, pk.n_public, pk.domain_size
    if (matrices.n_wires, matrices.n_public) != (nv, npub):
        raise ValueError(
            f"matrices have (n_wires, n_public) = ({matrices.n_wires}, {matrices.n_public}), key has ({nv}, {npub})"
        )
    if n & (n - 1) or matrices.n_constraints + npub + 1 > n:
        raise ValueError(f"domain_size {n} must be a power of two ≥ n_constraints + n_public + 1")
    if len(pk.vk.ic) != npub + 1:
        raise ValueError(f"vk.ic has {len(pk.vk.ic)} points, expected n_public + 1 = {npub + 1}")
    header2 = struct.pack("<I", _N8) + FQ_MODULUS.to_bytes(_N8, "little")
    header2 += struct.pack("<I", _N8) + FR_MODULUS.to_bytes(_N8, "little")
    header2 += struct.pack("<III", nv, npub, n)
    g1 = g1_to_limbs([pk.alpha_g1, pk.beta_g1])
    g2 = g2_to_limbs([pk.beta_g2, pk.vk.gamma_g2])
    parts = [g1.astype("<u8"), g2.astype("<u8"), g1_to_limbs([pk.delta_g1]).astype("<u8")]
    parts.append(g2_to_limbs([pk.delta_g2]).astype("<u8"))
    sections = [
        (1, [struct.pack("<I", GROTH16_PROTOCOL_ID)]),
        (2, [header2, *parts]),
        (3, [g1_to_limbs(list(pk.vk.ic)).astype("<u8")]),
        (4, [_coef_section(matrices)]),
        (5, [_points(pk.a_query, (nv, 2, 4), "a_query")]),
        (6, [_points(pk.b_g1_query, (nv, 2, 4), "b_g1_query")]),
        (7, [_points(pk.b_g2_query, (nv, 2, 2, 4), "b_g2_query")]),
        (8, [_points(pk.c_query, (nv - npub - 1, 2, 4), "c_query")]),
        (9, [_points(pk.h_query, (n, 2, 4), "h_query")]),
        (10, [contributions if contributions is not None else _default_contributions(pk)]),
    ]
    write_binfile(dest, MAGIC, VERSION, sections)


def write_contributed_zkey(
    src: Source,
    dest: Dest,
    *,
    delta_g1: G1Affine,
    delta_g2: G2Affine,
    c_query: np.ndarray,
    h_query: np.ndarray,
    contributions: bytes,
) -> None:
    """Write ``src``'s key after a phase-2 contribution: new δ₁, δ₂, C (L) and H sections and section 10.

    As snarkjs 0.7.6 ``zkey contribute`` / ``zkey beacon`` write it: sections 1 … 10 in order; the groth16 header
    keeps every byte but the δ points; IC, coefficients, A, B1, B2 are copied byte for byte.

    Parameters
    ----------
    src : path, binary file object or bytes
        The key before the contribution. ``dest`` must not be the same file (write elsewhere, then rename).
    dest : path or binary file object
    delta_g1, delta_g2 : G1Affine, G2Affine
    c_query, h_query : uint64[n, 2, 4]
        Affine Montgomery limbs (∞ = zeros), the same counts as in ``src``.
    contributions : bytes
        The new section-10 body (``zksvs.formats.zkey_contributions.serialize_contributions``).

    Raises
    ------
    FormatError
        As ``read_zkey`` for ``src``'s headers (wrong type, truncated, inconsistent).
    ValueError
        ``c_query`` or ``h_query`` has the wrong shape.
    """
    bf = read_binfile(src, MAGIC, (VERSION,), SECTION_NAMES)
    h = _read_header(bf)
    n_priv = h["n_vars"] - h["n_public"] - 1
    header2 = bf.section(2, _HEADER2_BYTES)
    deltas = [g1_to_limbs([delta_g1]).astype("<u8"), g2_to_limbs([delta_g2]).astype("<u8")]
    sections = [
        (1, [bf.section(1)]),
        (2, [header2[: _HEADER2_BYTES - _G1 - _G2], *deltas]),
        *((sid, [bf.section(sid)]) for sid in (3, 4, 5, 6, 7)),
        (8, [_points(c_query, (n_priv, 2, 4), "c_query")]),
        (9, [_points(h_query, (h["domain_size"], 2, 4), "h_query")]),
        (10, [contributions]),
    ]
    write_binfile(dest, MAGIC, VERSION, sections)


__all__ = [
    "GROTH16_PROTOCOL_ID",
    "ZkeyCoefficients",
    "ZkeyFile",
    "circuit_hash_of",
    "empty_contributions",
    "export_verifying_key",
    "initial_contributions",
    "read_zkey",
    "write_contributed_zkey",
    "write_zkey",
]

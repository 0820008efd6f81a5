"""snarkjs powers-of-tau (``.ptau``, version 1) reader: the phase-1 points and the prepared phase-2 Lagrange sections.

Sections (snarkjs 0.7.6 ``src/powersoftau_new.js``, ``src/powersoftau_preparephase2.js``), with p = power:

===  ==============  ==============================  ========================================================
 id  name            points                          contents
===  ==============  ==============================  ========================================================
  1  header          —                               u32 n8 (= 32), q, u32 power, u32 ceremonyPower
  2  tauG1           2^(p+1) − 1 G1                  τ^i·G1
  3  tauG2           2^p G2                          τ^i·G2
  4  alphaTauG1      2^p G1                          α·τ^i·G1
  5  betaTauG1       2^p G1                          β·τ^i·G1
  6  betaG2          1 G2                            β·G2
  7  contributions   —                               ceremony transcript, kept raw
 12  lTauG1          2^(p+2) − 1 G1                  L_i(τ)·G1 for the domains 2^0, 2^1, …, 2^(p+1)
 13  lTauG2          2^(p+1) − 1 G2                  L_i(τ)·G2 for the domains 2^0 … 2^p
 14  lAlphaTauG1     2^(p+1) − 1 G1                  α·L_i(τ)·G1, same levels
 15  lBetaTauG1      2^(p+1) − 1 G1                  β·L_i(τ)·G1, same levels
===  ==============  ==============================  ========================================================

Sections 12–15 exist only after ``snarkjs powersoftau prepare phase2``. Level k (domain size 2^k) of a Lagrange
section starts at point 2^k − 1, as ``zkey_new.js`` reads it. The last level of lTauG1 (2^(p+1)) is built from
tauG1 with its missing top power replaced by ∞, so it is *not* an exact Lagrange basis; snarkjs uses only its odd
points (the H section of a zkey).

Points are affine, Fq coordinates 32-byte little-endian **Montgomery form**, G2 as (c0, c1), ∞ = zeros: the same
layout as ``.zkey`` point sections and ``zksvs.groth16.ProvingKey``, so every section is a ``uint64`` view.

References
----------
snarkjs 0.7.6 ``src/powersoftau_utils.js`` (readPTauHeader), ``src/powersoftau_preparephase2.js``,
``src/zkey_new.js`` (which sections and offsets a Groth16 setup reads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zksvs.errors import WrongFileType
from zksvs.field import FQ_MODULUS, FR_TWO_ADICITY
from zksvs.formats.binfile import BinFile, Source, limb_view, read_binfile, require_below

MAGIC = b"ptau"
VERSION = 1
SECTION_NAMES = {
    1: "header",
    2: "tauG1",
    3: "tauG2",
    4: "alphaTauG1",
    5: "betaTauG1",
    6: "betaG2",
    7: "contributions",
    12: "lTauG1",
    13: "lTauG2",
    14: "lAlphaTauG1",
    15: "lBetaTauG1",
}
_N8 = 32
_G1 = 2 * _N8
_G2 = 4 * _N8


@dataclass(frozen=True)
class PtauHeader:
    """The ``.ptau`` header: ``power`` (this file's points) and ``ceremony_power`` (the ceremony's, ≥ power)."""

    power: int
    ceremony_power: int


@dataclass(frozen=True)
class Ptau:
    """A powers-of-tau file as limb views (read-only, possibly unaligned; see the module table for shapes).

    G1 arrays are ``uint64[k, 2, 4]``, G2 arrays ``uint64[k, 2, 2, 4]``: affine, Fq Montgomery form, zeros = ∞.
    The ``l_*`` arrays are None for a file not prepared for phase 2.
    """

    power: int
    ceremony_power: int
    tau_g1: np.ndarray
    tau_g2: np.ndarray
    alpha_tau_g1: np.ndarray
    beta_tau_g1: np.ndarray
    beta_g2: np.ndarray
    contributions: bytes
    l_tau_g1: np.ndarray | None = None
    l_tau_g2: np.ndarray | None = None
    l_alpha_tau_g1: np.ndarray | None = None
    l_beta_tau_g1: np.ndarray | None = None
    path: str = "<memory>"
    tau_g1_trailer: bytes = bytes(64)
    """The 64 bytes that follow section tauG1's data in the file (zero-padded at the end of the file): snarkjs reads
    them as the point tauG1[2^(p+1) − 1] when it hashes a circuit whose domain is 2^power (``zkey_new.js``
    ``hashHPoints``), so a setup that reproduces its circuit hash needs them."""

    @property
    def prepared(self) -> bool:
        """True when the phase-2 Lagrange sections (12–15) are present."""
        return self.l_tau_g1 is not None

    def _level(self, arr: np.ndarray | None, log_n: int, max_log_n: int, name: str) -> np.ndarray:
        if arr is None:
            raise ValueError(f"{self.path}: powers of tau not prepared for phase 2 (no section '{name}')")
        if not 0 <= log_n <= max_log_n:
            raise ValueError(f"Argument 'log_n' must be in [0, {max_log_n}] for '{name}', not {log_n}")
        return arr[(1 << log_n) - 1 : (1 << (log_n + 1)) - 1]

    def lagrange_tau_g1(self, log_n: int) -> np.ndarray:
        """L_i(τ)·G1 for the domain of size 2^log_n (log_n ≤ power + 1; the top level is inexact, see module doc)."""
        return self._level(self.l_tau_g1, log_n, self.power + 1, "lTauG1")

    def lagrange_tau_g2(self, log_n: int) -> np.ndarray:
        """L_i(τ)·G2 for the domain of size 2^log_n (log_n ≤ power)."""
        return self._level(self.l_tau_g2, log_n, self.power, "lTauG2")

    def lagrange_alpha_tau_g1(self, log_n: int) -> np.ndarray:
        """α·L_i(τ)·G1 for the domain of size 2^log_n (log_n ≤ power)."""
        return self._level(self.l_alpha_tau_g1, log_n, self.power, "lAlphaTauG1")

    def lagrange_beta_tau_g1(self, log_n: int) -> np.ndarray:
        """β·L_i(τ)·G1 for the domain of size 2^log_n (log_n ≤ power)."""
        return self._level(self.l_beta_tau_g1, log_n, self.power, "lBetaTauG1")


def _header(bf: BinFile) -> PtauHeader:
    cur = bf.cursor(1)
    n8 = cur.u32()
    q = cur.bigint(n8)
    if n8 != _N8 or q != FQ_MODULUS:
        raise WrongFileType(f"{bf.path}: ptau curve has (n8 = {n8}, q = {q}), expected BN254 (bn128)")
    power, ceremony_power = cur.u32(), cur.u32()
    cur.expect_end()
    if not 1 <= power <= FR_TWO_ADICITY:
        raise WrongFileType(f"{bf.path}: ptau power {power} is outside [1, {FR_TWO_ADICITY}]")
    return PtauHeader(power, ceremony_power)


def read_ptau_header(src: Source) -> PtauHeader:
    """Only the header (power, ceremony power) of a ``.ptau``; the rest of the file is not touched."""
    return _header(read_binfile(src, MAGIC, (VERSION,), SECTION_NAMES))


def read_ptau(src: Source, *, check: bool = True) -> Ptau:
    """Read a ``.ptau`` file.

    Parameters
    ----------
    src : path, binary file object or bytes
        A path is memory-mapped.
    check : bool
        Check every coordinate is below q (vectorised; about 0.1 s per million points). On-curve checks are not
        made here: a setup that uses the points is checked by its proofs.

    Raises
    ------
    WrongFileType
        Not a ptau v1 file, or not over BN254.
    TruncatedFile
        The file or a section is shorter than ``power`` implies (the section is named).
    NonCanonicalFieldElement
        A coordinate ≥ q (with ``check``).
    FormatError
        A section longer than ``power`` implies, missing or repeated.
    """
    bf = read_binfile(src, MAGIC, (VERSION,), SECTION_NAMES)
    h = _header(bf)
    n = 1 << h.power

    def g1(sid: int, k: int) -> np.ndarray:
        arr = limb_view(bf.section(sid, k * _G1), (k, 2, 4))
        if check:
            require_below(arr, FQ_MODULUS, bf.path, f"{SECTION_NAMES[sid]} coordinate")
        return arr

    def g2(sid: int, k: int) -> np.ndarray:
        arr = limb_view(bf.section(sid, k * _G2), (k, 2, 2, 4))
        if check:
            require_below(arr, FQ_MODULUS, bf.path, f"{SECTION_NAMES[sid]} coordinate")
        return arr

    # A file cut at a section boundary must not pass for an unprepared one: then the first missing section is named.
    prepared = bf.incomplete or any(bf.has(s) for s in (12, 13, 14, 15))
    tau_g1 = g1(2, 2 * n - 1)
    off, size = bf.sections[2][0]
    return Ptau(
        power=h.power,
        ceremony_power=h.ceremony_power,
        tau_g1=tau_g1,
        tau_g2=g2(3, n),
        alpha_tau_g1=g1(4, n),
        beta_tau_g1=g1(5, n),
        beta_g2=g2(6, 1)[0],
        contributions=bf.section(7).tobytes(),
        l_tau_g1=g1(12, 4 * n - 1) if prepared else None,
        l_tau_g2=g2(13, 2 * n - 1) if prepared else None,
        l_alpha_tau_g1=g1(14, 2 * n - 1) if prepared else None,
        l_beta_tau_g1=g1(15, 2 * n - 1) if prepared else None,
        path=bf.path,
        tau_g1_trailer=bf.data[off + size : off + size + 2 * _N8].tobytes().ljust(2 * _N8, b"\0"),
    )


__all__ = ["Ptau", "PtauHeader", "read_ptau", "read_ptau_header"]

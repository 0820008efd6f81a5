"""Groth16 phase 2 from a prepared powers-of-tau file: the key ``snarkjs groth16 setup`` writes (``_0000.zkey``).

snarkjs 0.7.6 ``zkey_new.js`` builds every key point as a short sparse sum of the ptau's Lagrange points: with
d = 2^log_n the QAP domain (log_n = ⌈log2(n_constraints + n_public + 1)⌉) and L_c = L_c(τ)·G the level-log_n
points of the Lagrange sections,

=====================  ============================================================  ==========================
zkey section           point for wire s                                              ptau section read
=====================  ============================================================  ==========================
A (5)                  Σ_c A[c][s]·L_c(τ)·G1      (+ L_{n+s} for s ≤ n_public)        lTauG1 (12)
B1 (6), B2 (7)         Σ_c B[c][s]·L_c(τ)·G1, ·G2                                    lTauG1 (12), lTauG2 (13)
IC (3) s ≤ n_public,   Σ_c A[c][s]·β·L_c + B[c][s]·α·L_c + C[c][s]·L_c               lBetaTauG1 (15),
C (8) s > n_public     (+ β·L_{n+s} for s ≤ n_public)                                lAlphaTauG1 (14), lTauG1
H (9)                  odd points L_{2d, 2j+1}(τ)·G1 of the 2d domain, j < d          lTauG1 (12), level log_n + 1
=====================  ============================================================  ==========================

(n = n_constraints; rows n … n + n_public are the input rows A[n + s][s] = 1.) γ and δ are 1: γ₂ = δ₂ = G2, δ₁ = G1,
α₁ = alphaTauG1[0], β₁ = betaTauG1[0], β₂ = betaG2, so the key equals snarkjs's fresh ``_0000.zkey`` point for
point. The section-10 circuit hash (``cs_hash``, ``prover.circuit_hash``) is computed as ``zkey_new.js`` does, so
``snarkjs zkey verify`` of the written file against the same ``.r1cs`` and ``.ptau`` passes.

Algorithm (why it is fast): each output point is a sparse sum Σ coef·P over a few Lagrange points, with
coefficients that are mostly ±1 or one of a few hundred distinct constants. Per Lagrange point a table of odd
multiples P, 3P, …, (2^(w−1) − 1)·P (affine, one shared inversion per thread) is built once and shared by every
entry of that row; each distinct coefficient is written once in width-w NAF (signed, sign chosen so |coef| ≤ r/2,
so −1 costs one subtraction); each output runs one doubling chain of the longest NAF among its entries with one
mixed add per non-zero digit (Straus interleaving). In G1 each coefficient is split by GLV, k = k1 + k2·λ with
|k1|, |k2| < 2^128, the k2 part read from the table of φ(P) = (β·x, y), so the doubling chains are ~127 long.
Outputs run under ``prange``. Cost ≈ Σ_entries bits/(w + 1) mixed adds + Σ_outputs max-bits doublings, against
snarkjs's per-wire multi-exponentiations. Measured here (2 cores, load ~2): circom Poseidon chain of 16,320
constraints from pot14, 7.5 s against snarkjs's 58 s; 65,520 constraints from pot16, 21 s (peak RSS 0.8 GB).

Public API::

    setup_from_ptau(r1cs, ptau) -> PtauProvingKey      (a ProvingKey with ``cs_hash``, ``prover.circuit_hash``)

The sums run in ``kernels.sparse_sums`` (planned by ``prover.sparse_sums``); GLV is ``prover.glv``.

References
----------
snarkjs 0.7.6 ``src/zkey_new.js`` (processConstraints, composeAndWritePoints, writeHs, hashHPoints),
``src/zkey_verify_frominit.js`` (what ``zkey verify`` compares); Groth16, eprint 2016/260; Möller, "Algorithms for
multi-exponentiation", SAC 2001 (interleaved width-w NAF).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from prover.circuit_hash import circuit_hash
from prover.dev_setup import G1_GENERATOR, G2_GENERATOR
from prover.glv import glv, glv_split
from prover.kernels.curve import jac_to_affine_arr
from prover.kernels.glv import phi_arr
from prover.kernels.sparse_sums import odd_multiples, sparse_sums
from prover.sparse_sums import Entries, choose_naf, csr, magnitudes
from zksvs.errors import CircuitTooLarge, SetupError
from zksvs.field import FQ_MODULUS, FR_MODULUS, FR_TWO_ADICITY
from zksvs.formats.binfile import unique_rows
from zksvs.formats.ptau_file import Ptau, read_ptau
from zksvs.groth16 import ProvingKey, VerifyingKey, g1_from_limbs, g2_from_limbs
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import R1CS

__all__ = ["PtauProvingKey", "setup_from_ptau"]

_R = FR_MODULUS


@dataclass(frozen=True)
class PtauProvingKey(ProvingKey):
    """A ``ProvingKey`` from ``setup_from_ptau``, with the circuit hash ``snarkjs zkey verify`` checks.

    Attributes
    ----------
    cs_hash : bytes
        64 bytes, BLAKE2b-512 over the fresh key as ``zkey_new.js`` hashes it. ``write_zkey`` stores it in section
        10 with zero contributions.
    """

    cs_hash: bytes = b""


def _log_domain(r1cs: R1CS, ptau: Ptau) -> int:
    rows = r1cs.n_constraints + r1cs.n_public + 1
    log_n = max(1, (rows - 1).bit_length())
    if log_n > ptau.power:
        raise CircuitTooLarge(r1cs.n_constraints, ptau.power, log_n)
    if log_n > FR_TWO_ADICITY:
        raise CircuitTooLarge(r1cs.n_constraints, FR_TWO_ADICITY, log_n)
    return log_n


def _glv_expand(
    out: np.ndarray, base: np.ndarray, val: np.ndarray, values: list[int], n_table_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Entry (o, b, v) → (o, b, k1) and, when k2 ≠ 0, (o, b + n_table_rows, k2): table row b + n_table_rows holds
    φ(P_b). Values k1 of value i sit at index i, k2 at len(values) + i, both as elements of Fr (k mod r)."""
    split = [glv_split(v) for v in values]
    glv_values = [k1 % _R for k1, _ in split] + [k2 % _R for _, k2 in split]
    sel = np.array([k2 != 0 for _, k2 in split], dtype=np.bool_)[val]
    return (
        np.concatenate([out, out[sel]]),
        np.concatenate([base, base[sel] + n_table_rows]),
        np.concatenate([val, val[sel] + len(values)]),
        glv_values,
    )


def _beta_g1_mont() -> np.ndarray:
    """GLV's β for G1 as Fq Montgomery limbs (``uint64[4]``)."""
    return ints_to_limbs([glv().beta_g1 * (1 << 256) % FQ_MODULUS])[0]


def setup_from_ptau(r1cs: R1CS, ptau: str | Path | Ptau, *, n_threads: int | None = None) -> PtauProvingKey:
    """Groth16 phase 2 from a prepared ``.ptau``: exactly the key ``snarkjs groth16 setup`` writes (δ = γ = 1).

    Parameters
    ----------
    r1cs : R1CS
        The circuit (circom wire order: wire 0 = 1, then ``n_public`` public wires, then private ones).
    ptau : path or Ptau
        A powers-of-tau file prepared for phase 2 (``snarkjs powersoftau prepare phase2``), or one read by
        ``zksvs.formats.ptau_file.read_ptau``.
    n_threads : int, optional
        Threads for the kernels (default ``numba.get_num_threads()``).

    Returns
    -------
    PtauProvingKey
        A ``ProvingKey`` in the ``.zkey`` layout (affine, Fq Montgomery, little-endian limbs, zeros = ∞) with
        ``domain_size`` = 2^⌈log2(n_constraints + n_public + 1)⌉, plus ``cs_hash`` (64 bytes).

    Raises
    ------
    CircuitTooLarge
        n_constraints + n_public + 1 > 2^power of the ptau (snarkjs: "circuit too big for this power of tau").
    SetupError
        The ptau is not prepared for phase 2 (no Lagrange sections).
    FormatError
        From reading the ptau (truncated, wrong type, non-canonical coordinates).
    """
    if not isinstance(ptau, Ptau):
        ptau = read_ptau(ptau)
    if not ptau.prepared:
        raise SetupError(
            f"{ptau.path}: powers of tau not prepared for phase 2 (run snarkjs powersoftau prepare phase2)"
        )
    t = numba.get_num_threads() if n_threads is None else n_threads
    log_n = _log_domain(r1cs, ptau)
    d = 1 << log_n
    n_c, n_pub, n_wires = r1cs.n_constraints, r1cs.n_public, r1cs.n_wires
    n_rows = n_c + n_pub + 1
    m = r1cs.to_matrices(include_c=True)

    # distinct coefficients (plus the 1 of the input rows) → signed NAF digits
    mats = (m.A, m.B, m.C)
    coeffs = [np.asarray(x.coeffs, dtype=np.uint64).reshape(-1, 4) for x in mats]
    one = np.zeros((1, 4), dtype=np.uint64)
    one[0, 0] = 1
    values, inverse = unique_rows(np.concatenate([*coeffs, one]))
    splits = np.cumsum([len(c) for c in coeffs])
    val_a, val_b, val_c, val_one = np.split(inverse, splits)
    rows_a, rows_b, rows_c = (np.asarray(x.rows, dtype=np.int64) for x in mats)
    wires_a, wires_b, wires_c = (np.asarray(x.wires, dtype=np.int64) for x in mats)
    s = np.arange(n_pub + 1, dtype=np.int64)
    ones = np.full(n_pub + 1, val_one[0], dtype=np.int64)

    # G1: table rows [0, n_rows) = L(τ), [n_rows, 2·n_rows) = β·L(τ), [2·n_rows, 3·n_rows) = α·L(τ);
    # outputs [0, n_wires) = A, [n_wires, 2·n_wires) = B1, [2·n_wires, 3·n_wires) = IC ‖ C.
    g1 = Entries()
    g1.add(wires_a, rows_a, val_a)
    g1.add(s, n_c + s, ones)
    g1.add(n_wires + wires_b, rows_b, val_b)
    g1.add(2 * n_wires + wires_a, n_rows + rows_a, val_a)
    g1.add(2 * n_wires + s, n_rows + n_c + s, ones)
    g1.add(2 * n_wires + wires_b, 2 * n_rows + rows_b, val_b)
    g1.add(2 * n_wires + wires_c, rows_c, val_c)
    # GLV halves every doubling chain (≈ 127 instead of 253): rows [3·n_rows, 6·n_rows) hold φ of the first three.
    out1, base1, val1, glv_values = _glv_expand(*g1.arrays(), values, 3 * n_rows)
    ptr, base, val = csr(out1, base1, val1, 3 * n_wires)
    glv_mags, glv_signs = magnitudes(glv_values)
    naf = choose_naf(glv_mags, glv_signs, base, val, 6 * n_rows)
    lag = np.concatenate(
        [
            ptau.lagrange_tau_g1(log_n)[:n_rows],
            ptau.lagrange_beta_tau_g1(log_n)[:n_rows],
            ptau.lagrange_alpha_tau_g1(log_n)[:n_rows],
        ]
    )
    # a row and its φ row get the same slots, so the φ half of the table is φ of the first half (one mul a point)
    half = 3 * n_rows
    both = naf.need[:half] | naf.need[half:]
    naf.need[:half] = both
    naf.need[half:] = both
    offs = naf.offsets
    table = odd_multiples(np.ascontiguousarray(lag), offs[: half + 1], t)
    table = np.concatenate([table, phi_arr(table, _beta_g1_mont())])
    del lag
    g1_points = jac_to_affine_arr(sparse_sums(table, offs, ptr, base, val, naf.digits, naf.top))
    del table
    a_query = g1_points[:n_wires]
    b_g1_query = g1_points[n_wires : 2 * n_wires]
    ic_c = g1_points[2 * n_wires :]

    g2 = Entries()
    g2.add(wires_b, rows_b, val_b)
    ptr2, base2, val2 = g2.csr(n_wires)
    mags, signs = magnitudes(values)
    naf2 = choose_naf(mags, signs, base2, val2, n_rows, point_bytes=128)
    offs2 = naf2.offsets
    table2 = odd_multiples(np.ascontiguousarray(ptau.lagrange_tau_g2(log_n)[:n_rows]), offs2, t)
    b_g2_query = jac_to_affine_arr(sparse_sums(table2, offs2, ptr2, base2, val2, naf2.digits, naf2.top))
    del table2

    if log_n < FR_TWO_ADICITY:
        h_query = np.ascontiguousarray(ptau.lagrange_tau_g1(log_n + 1)[1::2])
    else:  # zkey_new.js: at the curve's 2-adicity the second half of the top level
        h_query = np.ascontiguousarray(ptau.lagrange_tau_g1(log_n + 1)[d:])

    alpha_g1 = g1_from_limbs(ptau.alpha_tau_g1[:1])[0]
    beta_g1 = g1_from_limbs(ptau.beta_tau_g1[:1])[0]
    beta_g2 = g2_from_limbs(ptau.beta_g2.reshape(1, 2, 2, 4))[0]
    ic = tuple(g1_from_limbs(ic_c[: n_pub + 1]))
    vk = VerifyingKey(alpha_g1=alpha_g1, beta_g2=beta_g2, gamma_g2=G2_GENERATOR, delta_g2=G2_GENERATOR, ic=ic)
    pk = PtauProvingKey(
        n_wires=n_wires,
        n_public=n_pub,
        domain_size=d,
        alpha_g1=alpha_g1,
        beta_g1=beta_g1,
        delta_g1=G1_GENERATOR,
        beta_g2=beta_g2,
        delta_g2=G2_GENERATOR,
        a_query=a_query,
        b_g1_query=b_g1_query,
        b_g2_query=b_g2_query,
        c_query=np.ascontiguousarray(ic_c[n_pub + 1 :]),
        h_query=h_query,
        vk=vk,
    )
    return PtauProvingKey(**{**pk.__dict__, "cs_hash": circuit_hash(pk, ptau)})

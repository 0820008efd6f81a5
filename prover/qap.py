"""The witness map: R1CS matrices + witness → the quotient's evaluations, by snarkjs's odd-coset reduction.

Symbols (Groth16, eprint 2016/260, §3; snarkjs 0.7.6 ``src/groth16_prove.js``) → names:

==========================================  ===================================================================
paper / snarkjs                             here
==========================================  ===================================================================
n (``domainSize``), ω, ω_{2n} (``inc``)     ``domain.size``, ``domain.omega``, ``domain.coset_shift``
A·w, B·w per row (``buildABC1``)            ``abc[0]``, ``abc[1]`` (Montgomery limbs, n rows)
C = A∘B pointwise (``buildABC1``)           ``abc[2]``
input rows (``zkey_new.js``)                row ``n_constraints + s`` has A-coefficient 1 on wire s, s = 0..n_public
``ifft`` → ``batchApplyKey(1, inc)`` → ``fft``  ``EvaluationDomain.intt_to_coset_ntt_inplace``
``joinABC`` (A·B − C, from Montgomery)      ``_join_abc`` → the H scalars, normal form
zkey section 9 (odd 2n-Lagrange points/δ)   ``ProvingKey.h_query``
==========================================  ===================================================================

Why the odd coset: P = A·B − C has degree ≤ 2n − 2 and vanishes on ⟨ω⟩ (the even points of the 2n-domain), so
P(τ) = Σ_i P(ω_{2n}^{2i+1})·L_{2n,2i+1}(τ). With h_query[i] = L_{2n,2i+1}(τ)/δ·G1 the prover MSMs the odd-point
evaluations directly and never divides by Z. (arkworks and gnark divide by Z on a generator coset instead; only the
snarkjs form works with ``.zkey`` files.) For n = 2^28 snarkjs uses ``Fr.shift`` as the coset; so does
``EvaluationDomain``, and ``prover.setup`` builds h_query for any coset, but sizes that large are never run here.

References
----------
snarkjs 0.7.6 ``src/groth16_prove.js`` (``buildABC1``, ``joinABC``), ``src/zkey_new.js`` (input rows, ``writeHs``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from accel.field import fr_add, fr_from_mont, fr_mul, fr_sub, fr_to_mont_arr
from prover.domain import EvaluationDomain, _chunks
from zksvs.r1cs import ConstraintMatrices, SparseMatrix


@njit(cache=True)
def _sparse_rows_inplace(rows, wires, coeffs, w_r2, out):
    # out[row] += coeff·w for each entry. coeff is normal form and w_r2 = w·2^512, so the Montgomery product is
    # coeff·w·2^256: the sum lands in Montgomery form with no per-entry conversion.
    for k in range(rows.shape[0]):
        s = wires[k]
        if (w_r2[s, 0] | w_r2[s, 1] | w_r2[s, 2] | w_r2[s, 3]) == 0:
            continue  # witness vectors are mostly 0/1: skip the zeros
        i = rows[k]
        p0, p1, p2, p3 = fr_mul(
            coeffs[k, 0], coeffs[k, 1], coeffs[k, 2], coeffs[k, 3], w_r2[s, 0], w_r2[s, 1], w_r2[s, 2], w_r2[s, 3]
        )
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_add(out[i, 0], out[i, 1], out[i, 2], out[i, 3], p0, p1, p2, p3)


@njit(cache=True)
def _pointwise_c_range(abc, start, end):
    for i in range(start, end):
        abc[2, i, 0], abc[2, i, 1], abc[2, i, 2], abc[2, i, 3] = fr_mul(
            abc[0, i, 0], abc[0, i, 1], abc[0, i, 2], abc[0, i, 3],
            abc[1, i, 0], abc[1, i, 1], abc[1, i, 2], abc[1, i, 3],
        )  # fmt: skip


@njit(cache=True)
def _join_range(abc, out, start, end):
    # A·B − C per point, Montgomery in → normal form out (the MSM takes plain scalars)
    for i in range(start, end):
        t0, t1, t2, t3 = fr_mul(
            abc[0, i, 0], abc[0, i, 1], abc[0, i, 2], abc[0, i, 3],
            abc[1, i, 0], abc[1, i, 1], abc[1, i, 2], abc[1, i, 3],
        )  # fmt: skip
        t0, t1, t2, t3 = fr_sub(t0, t1, t2, t3, abc[2, i, 0], abc[2, i, 1], abc[2, i, 2], abc[2, i, 3])
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_from_mont(t0, t1, t2, t3)


@njit(cache=True, parallel=True)
def _pointwise_c_parallel(abc, n_chunks):
    n = abc.shape[1]
    for c in prange(n_chunks):
        _pointwise_c_range(abc, c * n // n_chunks, (c + 1) * n // n_chunks)


@njit(cache=True, parallel=True)
def _join_parallel(abc, out, n_chunks):
    n = abc.shape[1]
    for c in prange(n_chunks):
        _join_range(abc, out, c * n // n_chunks, (c + 1) * n // n_chunks)


def _pointwise_c_inplace(abc: np.ndarray, n_chunks: int) -> None:
    if n_chunks <= 1:
        _pointwise_c_range(abc, 0, abc.shape[1])
    else:
        _pointwise_c_parallel(abc, n_chunks)


def _join_abc(abc: np.ndarray, n_chunks: int) -> np.ndarray:
    out = np.empty((abc.shape[1], 4), dtype=np.uint64)
    if n_chunks <= 1:
        _join_range(abc, out, 0, abc.shape[1])
    else:
        _join_parallel(abc, out, n_chunks)
    return out


@njit(cache=True)
def _first_unequal_row(ab, c, n_rows):
    # smallest row k < n_rows with (A·w)_k·(B·w)_k ≠ (C·w)_k (all Montgomery), or −1
    for k in range(n_rows):
        p0, p1, p2, p3 = fr_mul(ab[0, k, 0], ab[0, k, 1], ab[0, k, 2], ab[0, k, 3],
                                ab[1, k, 0], ab[1, k, 1], ab[1, k, 2], ab[1, k, 3])  # fmt: skip
        if p0 != c[k, 0] or p1 != c[k, 1] or p2 != c[k, 2] or p3 != c[k, 3]:
            return k
    return -1


def _check_matrix(name: str, m: SparseMatrix, n_rows: int, n_wires: int) -> None:
    if m.coeffs.dtype != np.uint64 or m.coeffs.shape != (m.nnz, 4):
        raise ValueError(f"matrix {name}: coeffs must be uint64[{m.nnz}, 4], not {m.coeffs.dtype}{m.coeffs.shape}")
    if m.nnz and (int(m.rows.max()) >= n_rows or int(m.rows.min()) < 0):
        raise ValueError(f"matrix {name}: row index out of [0, {n_rows})")
    if m.nnz and (int(m.wires.max()) >= n_wires or int(m.wires.min()) < 0):
        raise ValueError(f"matrix {name}: wire index out of [0, {n_wires})")


def evaluate_ab_rows(
    matrices: ConstraintMatrices,
    witness_limbs: np.ndarray,
    domain: EvaluationDomain,
    *,
    n_chunks: int | None = None,
) -> np.ndarray:
    """A·w, B·w and C = A∘B on every row of the domain (snarkjs ``buildABC1``), input rows included.

    Parameters
    ----------
    matrices : ConstraintMatrices
        A and B in coordinate form (C is not read).
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form, little-endian limbs.
    domain : EvaluationDomain
        At least ``n_constraints + n_public + 1`` rows.
    n_chunks : int, optional
        Ranges the pointwise product is split into; default one per thread from 2^14 elements, else 1.

    Returns
    -------
    uint64[3, n, 4]
        A·w, B·w, (A·w)∘(B·w) per row, Montgomery form; rows past the input rows are 0.
    """
    n_rows = matrices.n_constraints + matrices.n_public + 1
    if domain.size < n_rows:
        raise ValueError(f"domain of size {domain.size} is smaller than the {n_rows} QAP rows")
    w = np.ascontiguousarray(witness_limbs, dtype=np.uint64)
    if w.shape != (matrices.n_wires, 4):
        raise ValueError(f"Invalid witness length. Circuit: {matrices.n_wires}, witness: {w.shape[0]}")
    for name, m in (("A", matrices.A), ("B", matrices.B)):
        _check_matrix(name, m, matrices.n_constraints, matrices.n_wires)
    w_mont = fr_to_mont_arr(w)
    w_r2 = fr_to_mont_arr(w_mont)
    abc = np.zeros((3, domain.size, 4), dtype=np.uint64)
    for k, m in ((0, matrices.A), (1, matrices.B)):
        _sparse_rows_inplace(
            np.ascontiguousarray(m.rows, dtype=np.int64),
            np.ascontiguousarray(m.wires, dtype=np.int64),
            np.ascontiguousarray(m.coeffs),
            w_r2,
            abc[k],
        )
    nc, npub = matrices.n_constraints, matrices.n_public
    abc[0, nc : nc + npub + 1] = w_mont[: npub + 1]
    _pointwise_c_inplace(abc, _chunks(n_chunks, 3 * domain.size))
    return abc


def first_unsatisfied_row(matrices: ConstraintMatrices, witness_limbs: np.ndarray) -> int | None:
    """The first constraint k with ⟨A_k, w⟩·⟨B_k, w⟩ ≠ ⟨C_k, w⟩, or None: the R1CS check as numba kernels.

    Same answer as ``R1CS.first_unsatisfied`` (its index), at the cost of three sparse mat-vecs instead of Python-int
    evaluation of every linear combination (~100× faster at 2^16 constraints).

    Parameters
    ----------
    matrices : ConstraintMatrices
        Must include C (``R1CS.to_matrices(include_c=True)``).
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form, canonical.

    Raises
    ------
    ValueError
        ``matrices.C`` is None, the witness length differs from ``n_wires``, or an index is out of range.
    """
    if matrices.C is None:
        raise ValueError("Argument 'matrices' must include C (R1CS.to_matrices(include_c=True)) to check a witness")
    nc = matrices.n_constraints
    w = np.ascontiguousarray(witness_limbs, dtype=np.uint64)
    if w.shape != (matrices.n_wires, 4):
        raise ValueError(f"Invalid witness length. Circuit: {matrices.n_wires}, witness: {w.shape[0]}")
    w_r2 = fr_to_mont_arr(fr_to_mont_arr(w))
    ab = np.zeros((2, max(nc, 1), 4), dtype=np.uint64)
    c = np.zeros((max(nc, 1), 4), dtype=np.uint64)
    for name, m, out in (("A", matrices.A, ab[0]), ("B", matrices.B, ab[1]), ("C", matrices.C, c)):
        _check_matrix(name, m, nc, matrices.n_wires)
        _sparse_rows_inplace(
            np.ascontiguousarray(m.rows, dtype=np.int64),
            np.ascontiguousarray(m.wires, dtype=np.int64),
            np.ascontiguousarray(m.coeffs),
            w_r2,
            out,
        )
    k = int(_first_unequal_row(ab, c, nc))
    return None if k < 0 else k


def snarkjs_reduction(
    matrices: ConstraintMatrices,
    witness_limbs: np.ndarray,
    domain: EvaluationDomain | None = None,
    *,
    n_chunks: int | None = None,
) -> np.ndarray:
    """The H-MSM scalars: (A·w)(x)·(B·w)(x) − C(x) on the coset g·⟨ω⟩ (snarkjs's odd coset of the 2n-domain).

    Parameters
    ----------
    matrices : ConstraintMatrices
        A and B of the circuit (input rows are added here, C is A∘B pointwise).
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form.
    domain : EvaluationDomain, optional
        Default ``EvaluationDomain.for_constraints(n_constraints, n_public)``.
    n_chunks : int, optional
        Ranges each NTT stage is split into; default ``numba.get_num_threads()``.

    Returns
    -------
    uint64[n, 4]
        P(g·ω^i) for i < n, normal form (little-endian limbs), C-contiguous.

    Raises
    ------
    ValueError
        The witness length differs from ``n_wires`` ("Invalid witness length. Circuit: N, witness: M"), a matrix
        index is out of range, or the domain is too small.
    CircuitTooLarge
        The default domain would exceed 2^28.
    """
    if domain is None:
        domain = EvaluationDomain.for_constraints(matrices.n_constraints, matrices.n_public)
    abc = evaluate_ab_rows(matrices, witness_limbs, domain, n_chunks=n_chunks)
    domain.intt_to_coset_ntt_inplace(abc, n_chunks)
    return _join_abc(abc, _chunks(n_chunks, 3 * domain.size))

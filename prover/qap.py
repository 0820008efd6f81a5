"""The witness map: R1CS matrices + witness → the quotient's evaluations, by snarkjs's odd-coset reduction.

Symbols (Groth16, eprint 2016/260, §3; snarkjs 0.7.6 ``src/groth16_prove.js``) → names:

==========================================  ===================================================================
paper / snarkjs                             here
==========================================  ===================================================================
n (``domainSize``), ω, ω_{2n} (``inc``)     ``domain.size``, ``domain.omega``, ``domain.coset_shift``
A·w, B·w per row (``buildABC1``)            ``abc[0]``, ``abc[1]`` (Montgomery limbs, n rows)
C = A∘B pointwise (``buildABC1``)           ``abc[2]``
input rows (``zkey_new.js``)                row ``n_constraints + s`` has A-coefficient 1 on wire s, s = 0..n_public
``ifft`` → ``batchApplyKey(1, inc)`` → ``fft``  ``kernels.ntt`` coset move (DIF, ×n^-1·g^i, DIT)
``joinABC`` (A·B − C, from Montgomery)      fused into DIT's last stage → the H scalars, normal form
zkey section 9 (odd 2n-Lagrange points/δ)   ``ProvingKey.h_query``
==========================================  ===================================================================

Why the odd coset: P = A·B − C has degree ≤ 2n − 2 and vanishes on ⟨ω⟩ (the even points of the 2n-domain), so
P(τ) = Σ_i P(ω_{2n}^{2i+1})·L_{2n,2i+1}(τ). With h_query[i] = L_{2n,2i+1}(τ)/δ·G1 the prover MSMs the odd-point
evaluations directly and never divides by Z. (arkworks and gnark divide by Z on a generator coset instead; only the
snarkjs form works with ``.zkey`` files.) For n = 2^28 snarkjs uses ``Fr.shift`` as the coset; so does
``EvaluationDomain``, and ``prover.dev_setup`` builds h_query for any coset, but sizes that large are never run here.

References
----------
snarkjs 0.7.6 ``src/groth16_prove.js`` (``buildABC1``, ``joinABC``), ``src/zkey_new.js`` (input rows, ``writeHs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prover import backend
from prover.domain import EvaluationDomain, _chunks
from zksvs.errors import FormatError
from zksvs.r1cs import ConstraintMatrices, SparseMatrix


@dataclass(frozen=True)
class QapMatrices:
    """A and B (and, for checking a witness, C) in the form the QAP kernel reads: coordinates and c·2^512 mod r.

    Attributes
    ----------
    n_constraints, n_wires, n_public : int
    a, b : tuple (rows int64[nnz], wires int64[nnz], vals_r2 uint64[nnz, 4])
        C-contiguous; input rows not included (the kernel sets them).
    c : same, or None
    """

    n_constraints: int
    n_wires: int
    n_public: int
    a: tuple[np.ndarray, np.ndarray, np.ndarray]
    b: tuple[np.ndarray, np.ndarray, np.ndarray]
    c: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_matrices(cls, m: ConstraintMatrices) -> QapMatrices:
        """Convert normal-form matrices (two Montgomery products per coefficient); indices are checked.

        Raises
        ------
        ValueError
            A coefficient array of the wrong shape, or a row or wire index out of range.
        """

        def conv(name: str, x: SparseMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            from prover.kernels.qap import to_r2

            _check_matrix(name, x, m.n_constraints, m.n_wires)
            rows = np.ascontiguousarray(x.rows, dtype=np.int64)
            wires = np.ascontiguousarray(x.wires, dtype=np.int64)
            return rows, wires, to_r2(np.ascontiguousarray(x.coeffs, dtype=np.uint64))

        c = conv("C", m.C) if m.C is not None else None
        return cls(m.n_constraints, m.n_wires, m.n_public, conv("A", m.A), conv("B", m.B), c)

    @classmethod
    def from_zkey_coefficients(
        cls, matrix: np.ndarray, rows: np.ndarray, wires: np.ndarray, vals_r2: np.ndarray, n_constraints: int,
        n_wires: int, n_public: int, path: str = "<memory>",
    ) -> QapMatrices:  # fmt: skip
        """From a .zkey's section-4 columns (matrix 0 = A / 1 = B, values as stored: c·2^512 mod r), input rows
        already removed; indices are checked.

        Raises
        ------
        FormatError
            A row ≥ n_constraints or a wire ≥ n_wires (the file is named).
        """
        out = []
        for m_id, name in ((0, "A"), (1, "B")):
            sel = matrix == m_id
            r, w = np.ascontiguousarray(rows[sel], dtype=np.int64), np.ascontiguousarray(wires[sel], dtype=np.int64)
            if r.size and (int(r.max()) >= n_constraints or int(w.max()) >= n_wires):
                raise FormatError(f"{path}: section 'coefficients' has a {name} entry out of range")
            out.append((r, w, np.ascontiguousarray(vals_r2[sel], dtype=np.uint64)))
        return cls(n_constraints, n_wires, n_public, out[0], out[1])


def _check_matrix(name: str, m: SparseMatrix, n_rows: int, n_wires: int) -> None:
    if m.coeffs.dtype != np.uint64 or m.coeffs.shape != (m.nnz, 4):
        raise ValueError(f"matrix {name}: coeffs must be uint64[{m.nnz}, 4], not {m.coeffs.dtype}{m.coeffs.shape}")
    if m.nnz and (int(m.rows.max()) >= n_rows or int(m.rows.min()) < 0):
        raise ValueError(f"matrix {name}: row index out of [0, {n_rows})")
    if m.nnz and (int(m.wires.max()) >= n_wires or int(m.wires.min()) < 0):
        raise ValueError(f"matrix {name}: wire index out of [0, {n_wires})")


def _witness(qm: QapMatrices, witness_limbs: np.ndarray) -> np.ndarray:
    w = np.require(witness_limbs, dtype=np.uint64, requirements=("C", "A"))
    if w.shape != (qm.n_wires, 4):
        raise ValueError(f"Invalid witness length. Circuit: {qm.n_wires}, witness: {w.shape[0]}")
    return w


def witness_map(
    qm: QapMatrices, witness_limbs: np.ndarray, domain: EvaluationDomain, *, n_threads: int | None = None
) -> np.ndarray:
    """The H-MSM scalars: (A·w)(x)·(B·w)(x) − C(x) on the coset g·⟨ω⟩ (snarkjs's odd coset of the 2n-domain).

    Parameters
    ----------
    qm : QapMatrices
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form, canonical.
    domain : EvaluationDomain
        At least ``n_constraints + n_public + 1`` rows.
    n_threads : int, optional
        1 = serial (no parallel region); default ``numba.get_num_threads()``, or 1 below 2^14 elements in all.

    Returns
    -------
    uint64[n, 4]
        P(g·ω^i) for i < n, normal form, C-contiguous.

    Raises
    ------
    ValueError
        Witness length ≠ n_wires ("Invalid witness length. Circuit: N, witness: M"), or the domain is too small.
    """
    n_rows = qm.n_constraints + qm.n_public + 1
    if domain.size < n_rows:
        raise ValueError(f"domain of size {domain.size} is smaller than the {n_rows} QAP rows")
    w = _witness(qm, witness_limbs)
    t = domain.tables
    n_threads = _chunks(n_threads, 3 * domain.size)
    return backend.witness_map(*qm.a, *qm.b, w, qm.n_constraints, qm.n_public, t.twiddles_inv, t.coset_scale_br,
                               t.twiddles, domain.log_size, n_threads)  # fmt: skip


def snarkjs_reduction(
    matrices: ConstraintMatrices,
    witness_limbs: np.ndarray,
    domain: EvaluationDomain | None = None,
    *,
    n_chunks: int | None = None,
) -> np.ndarray:
    """``witness_map`` from normal-form ``ConstraintMatrices`` (C is not read; snarkjs takes C = A∘B pointwise).

    Parameters
    ----------
    matrices : ConstraintMatrices
        A and B of the circuit, without the input rows.
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form.
    domain : EvaluationDomain, optional
        Default ``EvaluationDomain.for_constraints(n_constraints, n_public)``.
    n_chunks : int, optional
        Threads (1 = serial); default ``numba.get_num_threads()`` from 2^14 elements.

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
    m = ConstraintMatrices(matrices.n_constraints, matrices.n_wires, matrices.n_public, matrices.A, matrices.B, None)
    return witness_map(QapMatrices.from_matrices(m), witness_limbs, domain, n_threads=n_chunks)


def evaluate_ab_rows(matrices: ConstraintMatrices, witness_limbs: np.ndarray, domain: EvaluationDomain) -> np.ndarray:
    """A·w, B·w and C = A∘B on every row of the domain (snarkjs ``buildABC1``), input rows included (a reference view
    of the QAP kernel's first step, Montgomery form ``uint64[3, n, 4]``; rows past the input rows are 0)."""
    from accel.field import fr_mul_arr, fr_to_mont_arr
    from prover.kernels import qap as _k

    m = ConstraintMatrices(matrices.n_constraints, matrices.n_wires, matrices.n_public, matrices.A, matrices.B, None)
    qm = QapMatrices.from_matrices(m)
    w = _witness(qm, witness_limbs)
    abc = np.zeros((3, domain.size, 4), dtype=np.uint64)
    _k.sparse_rows_r2(*qm.a, w, abc[0])
    _k.sparse_rows_r2(*qm.b, w, abc[1])
    nc, npub = qm.n_constraints, qm.n_public
    abc[0, nc : nc + npub + 1] = fr_to_mont_arr(np.ascontiguousarray(w[: npub + 1]))
    abc[2] = fr_mul_arr(abc[0], abc[1])
    return abc


def first_unsatisfied_row(matrices: ConstraintMatrices | QapMatrices, witness_limbs: np.ndarray) -> int | None:
    """The first constraint k with ⟨A_k, w⟩·⟨B_k, w⟩ ≠ ⟨C_k, w⟩, or None: the R1CS check as numba kernels.

    Same answer as ``R1CS.first_unsatisfied`` (its index), at the cost of three sparse mat-vecs instead of Python-int
    evaluation of every linear combination (~100× faster at 2^16 constraints).

    Parameters
    ----------
    matrices : ConstraintMatrices or QapMatrices
        Must include C (``R1CS.to_matrices(include_c=True)``).
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form, canonical.

    Raises
    ------
    ValueError
        ``matrices.C`` is None, the witness length differs from ``n_wires``, or an index is out of range.
    """
    qm = matrices if isinstance(matrices, QapMatrices) else None
    if qm is None:
        if matrices.C is None:
            raise ValueError("Argument 'matrices' must include C (R1CS.to_matrices(include_c=True)) to check a witness")
        qm = QapMatrices.from_matrices(matrices)
    if qm.c is None:
        raise ValueError("Argument 'matrices' must include C to check a witness")
    from prover.kernels import qap as _k

    w = _witness(qm, witness_limbs)
    k = int(_k.first_unequal_row(*qm.a, *qm.b, *qm.c, w, qm.n_constraints))
    return None if k < 0 else k


__all__ = ["QapMatrices", "evaluate_ab_rows", "first_unsatisfied_row", "snarkjs_reduction", "witness_map"]

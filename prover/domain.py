"""The QAP's evaluation domain: the multiplicative subgroup of Fr of size n = 2^log_size, its twiddle tables and NTTs.

Symbols → names: n → ``size``; log2 n → ``log_size``; ω (a primitive n-th root of unity, as ffjavascript's
``Fr.w[log_size]`` = 5^((r−1)/n)) → ``omega``; n^{-1} → ``size_inv``; the coset generator g of the quotient's
evaluation points → ``coset_shift``. snarkjs evaluates A·B − C on g·⟨ω⟩ with g = ω_{2n} (``inc = Fr.w[power+1]``),
the **odd coset of the 2n-domain**; only for n = 2^28, where no 2n-th root exists, it uses ``Fr.shift`` = 5² (the
square of the smallest non-residue). We follow both rules; n = 2^28 needs ~8 GiB per vector and is not a size we
run, but it is the last size that exists (Fr's 2-adicity is 28).

References
----------
snarkjs 0.7.6 ``src/zkey_new.js`` (domain sizing), ``src/groth16_prove.js``; ffjavascript ``src/wasm_field1.js``
(``w``, ``nqr``, ``shift``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from prover import backend
from zksvs.errors import CircuitTooLarge
from zksvs.field import FR_GENERATOR, FR_MODULUS, FR_TWO_ADICITY, fr_root_of_unity
from zksvs.limbs import ints_to_limbs

_R = FR_MODULUS
#: ffjavascript's ``Fr.shift`` = nqr², nqr = 5 the smallest quadratic non-residue of r (= FR_GENERATOR).
FR_SHIFT: int = FR_GENERATOR * FR_GENERATOR % _R
assert pow(FR_GENERATOR, (_R - 1) // 2, _R) == _R - 1


def _to_mont_limbs(values: list[int]) -> np.ndarray:
    return ints_to_limbs([(v << 256) % _R for v in values])


@dataclass(frozen=True)
class DomainTables:
    """Precomputed Montgomery tables of one domain size (see ``prover.kernels.ntt`` for the layout).

    Attributes
    ----------
    twiddles, twiddles_inv : uint64[n, 4]
        Per-stage twiddles of ω and ω^{-1}, Montgomery form.
    coset_scale_br : uint64[n, 4]
        n^{-1}·g^{rev(j)} at j (bit-reversed order), Montgomery form: multiplying the unscaled inverse NTT's output
        (bit-reversed after DIF) by this finishes the inverse transform and moves the polynomial to the coset g·⟨ω⟩
        in one multiplication per element.
    coset_scale : uint64[n, 4]
        g^i, Montgomery form.
    """

    twiddles: np.ndarray
    twiddles_inv: np.ndarray
    coset_scale_br: np.ndarray
    coset_scale: np.ndarray


@dataclass(frozen=True)
class EvaluationDomain:
    """The subgroup ⟨ω⟩ of Fr* of size n = 2^log_size, with the coset used for the quotient.

    Attributes
    ----------
    size : int
        n, a power of two (snarkjs ``domainSize``).
    log_size : int
        log2 n, in [0, 28].
    omega, omega_inv : int
        ω = 5^((r−1)/n) and ω^{-1}, normal-form Python ints.
    size_inv : int
        n^{-1} mod r.
    coset_shift : int
        g: ω_{2n} = 5^((r−1)/2n) for log_size < 28 (then g^n = −1), ffjavascript's ``Fr.shift`` = 25 at 28.
    """

    size: int
    log_size: int
    omega: int
    omega_inv: int
    size_inv: int
    coset_shift: int

    @classmethod
    def of_log_size(cls, log_size: int) -> EvaluationDomain:
        """The domain of size 2^log_size.

        Raises
        ------
        ValueError
            ``log_size`` is outside [0, 28] (Fr has no larger power-of-two subgroup).
        """
        return _domain(log_size)

    @classmethod
    def for_constraints(cls, n_constraints: int, n_public: int) -> EvaluationDomain:
        """The domain snarkjs picks for a circuit: 2^ceil(log2(n_constraints + n_public + 1)), at least 2.

        The ``n_public + 1`` extra rows are the QAP's input rows (one per public wire and wire 0). snarkjs writes it as
        ``log2(nConstraints + nPubInputs + nOutputs + 1 − 1) + 1`` with a floor log2, which is the same for every
        count ≥ 2 and gives 2 (not 1) for a single row.

        Raises
        ------
        CircuitTooLarge
            The domain would exceed 2^28.
        """
        rows = n_constraints + n_public + 1
        log_size = max(1, (rows - 1).bit_length())
        if log_size > FR_TWO_ADICITY:
            raise CircuitTooLarge(n_constraints, FR_TWO_ADICITY, log_size)
        return _domain(log_size)

    def elements(self) -> list[int]:
        """ω^i for i < n, normal-form ints (for references and setup)."""
        out = [1] * self.size
        for i in range(1, self.size):
            out[i] = out[i - 1] * self.omega % _R
        return out

    @property
    def tables(self) -> DomainTables:
        """Twiddle and coset tables, built on first use and cached per size."""
        return _tables(self.log_size)

    # -- transforms on Montgomery limb arrays (in place; numba kernels, imported on first use) -------------------

    def ntt_inplace(self, x: np.ndarray, n_chunks: int | None = None) -> None:
        """Coefficients → evaluations on ⟨ω⟩: X_k = Σ_j x_j ω^{jk}, in place.

        Parameters
        ----------
        x : uint64[n, 4] or uint64[m, n, 4]
            Montgomery form, C-contiguous; batches are transformed row by row in one parallel region per stage.
        n_chunks : int, optional
            Ranges each stage is split into (1 = single thread); default ``numba.get_num_threads()``, or 1 below
            ``PARALLEL_MIN_ELEMENTS`` elements in all.
        """
        from prover.kernels.ntt import bit_reverse_batch_inplace, dit_batch_inplace

        xb = self._batch(x)
        chunks = _chunks(n_chunks, xb.shape[0] * xb.shape[1])
        bit_reverse_batch_inplace(xb, self.log_size, chunks)
        dit_batch_inplace(xb, self.tables.twiddles, self.log_size, chunks)

    def intt_inplace(self, x: np.ndarray, n_chunks: int | None = None) -> None:
        """Evaluations on ⟨ω⟩ → coefficients: x_j = n^{-1}·Σ_k X_k ω^{-jk}, in place (shapes as ``ntt_inplace``)."""
        from prover.kernels.ntt import bit_reverse_batch_inplace, dif_batch_inplace, scale_batch_inplace

        xb = self._batch(x)
        chunks = _chunks(n_chunks, xb.shape[0] * xb.shape[1])
        dif_batch_inplace(xb, self.tables.twiddles_inv, self.log_size, chunks)
        bit_reverse_batch_inplace(xb, self.log_size, chunks)
        scale_batch_inplace(xb, _size_inv_table(self.log_size), chunks)

    def coset_ntt_inplace(self, x: np.ndarray, n_chunks: int | None = None) -> None:
        """Coefficients → evaluations on g·⟨ω⟩ (g = ``coset_shift``), in place."""
        from prover.kernels.ntt import bit_reverse_batch_inplace, dit_batch_inplace, scale_batch_inplace

        xb = self._batch(x)
        chunks = _chunks(n_chunks, xb.shape[0] * xb.shape[1])
        scale_batch_inplace(xb, self.tables.coset_scale, chunks)
        bit_reverse_batch_inplace(xb, self.log_size, chunks)
        dit_batch_inplace(xb, self.tables.twiddles, self.log_size, chunks)

    def intt_to_coset_ntt_inplace(self, x: np.ndarray, n_chunks: int | None = None) -> None:
        """Evaluations on ⟨ω⟩ → evaluations on g·⟨ω⟩ of the same degree < n polynomial, in place.

        This is snarkjs's ``ifft`` → ``batchApplyKey(1, inc)`` → ``fft``, as DIF with ω^{-1}, one multiplication by
        n^{-1}·g^i in bit-reversed order, and DIT with ω: no bit-reversal pass (``kernels.ntt``).
        """
        from prover.kernels.ntt import coset_move_batch_inplace

        xb = self._batch(x)
        chunks = _chunks(n_chunks, xb.shape[0] * xb.shape[1])
        t = self.tables
        coset_move_batch_inplace(xb, t.twiddles_inv, t.coset_scale_br, t.twiddles, self.log_size, chunks)

    def _batch(self, x: np.ndarray) -> np.ndarray:
        if x.dtype != np.uint64 or not x.flags.c_contiguous:
            raise ValueError("Argument 'x' must be a C-contiguous uint64 array of Montgomery limbs")
        xb = x.reshape(1, *x.shape) if x.ndim == 2 else x
        if xb.ndim != 3 or xb.shape[1] != self.size or xb.shape[2] != 4:
            raise ValueError(f"Argument 'x' must have shape ({self.size}, 4) or (m, {self.size}, 4), not {x.shape}")
        return xb


#: Below this many elements (all vectors together) the default is one thread: a parallel region costs a thread
#: wake-up and a barrier (tens of µs idle, milliseconds on a loaded machine), more than ~2^14 butterflies' worth.
PARALLEL_MIN_ELEMENTS = 1 << 14


def _chunks(n_chunks: int | None, n_elements: int | None = None) -> int:
    if n_chunks is not None:
        return max(1, int(n_chunks))
    if n_elements is not None and n_elements < PARALLEL_MIN_ELEMENTS:
        return 1
    return backend.num_threads()


@functools.cache
def _domain(log_size: int) -> EvaluationDomain:
    if not 0 <= log_size <= FR_TWO_ADICITY:
        raise ValueError(f"Argument 'log_size' must be in [0, {FR_TWO_ADICITY}], not {log_size}")
    omega = fr_root_of_unity(log_size)
    shift = fr_root_of_unity(log_size + 1) if log_size < FR_TWO_ADICITY else FR_SHIFT
    size = 1 << log_size
    return EvaluationDomain(
        size=size,
        log_size=log_size,
        omega=omega,
        omega_inv=pow(omega, -1, _R),
        size_inv=pow(size, -1, _R),
        coset_shift=shift,
    )


@functools.lru_cache(maxsize=8)
def _tables(log_size: int) -> DomainTables:
    d = _domain(log_size)
    n = d.size
    omega, omega_inv, size_inv, g = _to_mont_limbs([d.omega, d.omega_inv, d.size_inv, d.coset_shift])
    one = _to_mont_limbs([1])[0]
    half = max(1, n // 2)
    b = backend  # numba kernels or the native library (prover.backend)
    tw = b.stage_twiddles(b.powers(omega, one, half), log_size)
    tw_inv = b.stage_twiddles(b.powers(omega_inv, one, half), log_size)
    return DomainTables(
        twiddles=tw,
        twiddles_inv=tw_inv,
        coset_scale_br=b.bit_reversed(b.powers(g, size_inv, n), log_size),
        coset_scale=b.powers(g, one, n),
    )


@functools.lru_cache(maxsize=8)
def _size_inv_table(log_size: int) -> np.ndarray:
    d = _domain(log_size)
    return np.repeat(_to_mont_limbs([d.size_inv]), d.size, axis=0)

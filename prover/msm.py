"""Multi-scalar multiplication, fixed-base batch multiplication and a few point helpers: the prover's curve API.

Point forms (as ``zksvs.groth16``):
- affine Python ints: G1 ``(x, y)``, G2 ``((x_c0, x_c1), (y_c0, y_c1))``, ``None`` for ∞;
- limb arrays in the proving-key layout: G1 ``uint64[n, 2, 4]``, G2 ``uint64[n, 2, 2, 4]``, affine, Fq in Montgomery
  form (a·2^256 mod q), little-endian 64-bit limbs, all zeros for ∞.
Scalars are ``uint64[n, 4]`` little-endian limbs in **normal** form (not Montgomery), canonical (< r).

Public API::

    msm_g1(bases, scalars, *, window_bits=None, n_threads=None) -> G1Affine
    msm_g2(bases, scalars, *, window_bits=None, n_threads=None) -> G2Affine
    fixed_base_g1(point: G1Affine, scalars, *, window_bits=None, n_threads=None) -> uint64[n, 2, 4]
    fixed_base_g2(point: G2Affine, scalars, *, window_bits=None, n_threads=None) -> uint64[n, 2, 2, 4]
    g1_add(p, q), g1_neg(p), g1_mul(p, k: int) -> G1Affine
    g2_add(p, q), g2_neg(p), g2_mul(p, k: int) -> G2Affine

The heavy lifting is in ``prover.kernels`` (numba, cached; imported on first use), the MSM through ``prover.backend``
(numba, or the native library in a one-proof process); ``n_threads`` defaults to ``numba.get_num_threads()``.

References
----------
See ``prover/kernels/msm.py`` (Pippenger with signed digits and per-thread buckets) and
``prover/kernels/fixed_base.py`` (windowed fixed-base tables).
"""

from __future__ import annotations

import functools

import numpy as np

from prover import backend
from prover.glv import beta_limbs, split_constants
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.binfile import limbs_below
from zksvs.groth16 import G1Affine, G2Affine, g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs
from zksvs.limbs import ints_to_limbs, limbs_to_ints

__all__ = [
    "fixed_base_g1",
    "fixed_base_g2",
    "g1_add",
    "g1_mul",
    "g1_neg",
    "g2_add",
    "g2_mul",
    "g2_neg",
    "msm_g1",
    "msm_g2",
]


def _check_scalars(scalars: np.ndarray, what: str = "scalars") -> np.ndarray:
    if not isinstance(scalars, np.ndarray):
        raise ValueError(f"Argument '{what}' must be a numpy array of dtype uint64, not {type(scalars).__name__}")
    if scalars.dtype != np.uint64:
        raise ValueError(f"Argument '{what}' must have dtype uint64, not {scalars.dtype}")
    if scalars.ndim != 2 or scalars.shape[1] != 4:
        raise ValueError(f"Argument '{what}' must have shape (n, 4), not {scalars.shape}")
    ok = limbs_below(scalars, FR_MODULUS)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        value = limbs_to_ints(scalars[i])[0]
        raise NonCanonicalFieldElement(f"Argument '{what}' must hold canonical Fr elements (< r); row {i} is {value}")
    return kernel_input(scalars)


def kernel_input(a: np.ndarray) -> np.ndarray:
    """``a`` as the kernels' one input type: uint64, C-contiguous, aligned and read-only (a view when it already is
    all of that but writeable, a copy otherwise). One type per argument means one compiled signature per kernel, so
    ``prover.warmup`` can load exactly what a proof will call."""
    a = np.require(a, dtype=np.uint64, requirements=("C", "A"))
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _check_bases(bases: np.ndarray, g2: bool, what: str = "bases") -> np.ndarray:
    shape = "(n, 2, 2, 4)" if g2 else "(n, 2, 4)"
    if not isinstance(bases, np.ndarray):
        raise ValueError(f"Argument '{what}' must be a numpy array of dtype uint64, not {type(bases).__name__}")
    if bases.dtype != np.uint64:
        raise ValueError(f"Argument '{what}' must have dtype uint64, not {bases.dtype}")
    if bases.shape[1:] != ((2, 2, 4) if g2 else (2, 4)):
        raise ValueError(f"Argument '{what}' must have shape {shape}, not {bases.shape}")
    return kernel_input(bases)


def _threads(n_threads: int | None) -> int:
    if n_threads is None:
        return backend.num_threads()
    if not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"Argument 'n_threads' must be a positive int, not {n_threads!r}")
    return n_threads


def _window(window_bits: int | None, lo: int, hi: int) -> int | None:
    if window_bits is not None and (not isinstance(window_bits, int) or not lo <= window_bits <= hi):
        raise ValueError(f"Argument 'window_bits' must be an int in [{lo}, {hi}], not {window_bits!r}")
    return window_bits


@functools.cache
def _glv_args(group: int) -> tuple[np.ndarray, np.ndarray]:
    return kernel_input(beta_limbs(group)), kernel_input(split_constants())


def _msm(bases, scalars, window_bits, n_threads, g2):
    bases = _check_bases(bases, g2)
    scalars = _check_scalars(scalars)
    if bases.shape[0] != scalars.shape[0]:
        raise ValueError(f"Arguments 'bases' and 'scalars' must have the same length, not {bases.shape[0]} and "
                         f"{scalars.shape[0]}")  # fmt: skip
    _window(window_bits, 1, 24)
    t = _threads(n_threads)
    beta, consts = _glv_args(2 if g2 else 1)
    aff = backend.msm_affine(bases, scalars, window_bits or 0, t, n_threads is not None, beta, consts)
    return g2_from_limbs(aff.reshape(1, *aff.shape))[0] if g2 else g1_from_limbs(aff.reshape(1, *aff.shape))[0]


def msm_g1(
    bases: np.ndarray, scalars: np.ndarray, *, window_bits: int | None = None, n_threads: int | None = None
) -> G1Affine:
    """Σ scalars[i]·bases[i] in G1.

    Parameters
    ----------
    bases : uint64[n, 2, 4]
        Affine G1 points, Fq in Montgomery form, little-endian limbs, zeros for ∞ (the proving-key layout).
    scalars : uint64[n, 4]
        Fr elements in normal form (not Montgomery), little-endian limbs, each < r.
    window_bits : int, optional
        Pippenger window c in [1, 24]; by default chosen from n, the scalars' bit length and the thread count.
    n_threads : int, optional
        Threads; default ``numba.get_num_threads()``, or 1 for small jobs (< 2^14 point additions). Given explicitly,
        exactly that many.

    Returns
    -------
    G1Affine
        Affine Python ints ``(x, y)``, or ``None`` for ∞ (also for n = 0).

    Raises
    ------
    ValueError
        Wrong type, dtype or shape, different lengths, bad ``window_bits``/``n_threads``.
    NonCanonicalFieldElement
        A scalar is ≥ r.
    """
    return _msm(bases, scalars, window_bits, n_threads, g2=False)


def msm_g2(
    bases: np.ndarray, scalars: np.ndarray, *, window_bits: int | None = None, n_threads: int | None = None
) -> G2Affine:
    """Σ scalars[i]·bases[i] in G2; ``bases`` is ``uint64[n, 2, 2, 4]`` (x, y; c0, c1; limb), else as ``msm_g1``.

    Returns affine Python ints ``((x_c0, x_c1), (y_c0, y_c1))`` or ``None`` for ∞. Raises as ``msm_g1``.
    """
    return _msm(bases, scalars, window_bits, n_threads, g2=True)


def _fixed(point, scalars, window_bits, n_threads, g2):
    from prover.kernels import curve as _curve
    from prover.kernels import fixed_base as _fb

    scalars = _check_scalars(scalars)
    _window(window_bits, 1, 16)
    t = _threads(n_threads)
    n = scalars.shape[0]
    if point is None:
        return np.zeros((n, 2, 2, 4) if g2 else (n, 2, 4), dtype=np.uint64)
    if window_bits is None:
        window_bits = _fb.choose_fixed_window_bits(n, 254)
    base = _curve.affine_to_jac_arr(g2_to_limbs([point]) if g2 else g1_to_limbs([point]))
    return _fb.fixed_base(base, scalars, window_bits, t)


def fixed_base_g1(
    point: G1Affine, scalars: np.ndarray, *, window_bits: int | None = None, n_threads: int | None = None
) -> np.ndarray:
    """scalars[i]·point for every i, as the proving-key limb layout.

    Parameters
    ----------
    point : G1Affine
        Affine Python ints (x, y), or None (∞). Not checked to be on the curve.
    scalars : uint64[n, 4]
        Normal-form Fr elements, little-endian limbs, each < r.
    window_bits, n_threads : int, optional
        Table window w in [1, 16] (default from the cost model, ≤ 12) and per-thread chunks.

    Returns
    -------
    uint64[n, 2, 4]
        Affine points, Fq in Montgomery form, little-endian limbs, zeros for ∞.

    Raises
    ------
    ValueError, NonCanonicalFieldElement
        As ``msm_g1``.
    """
    return _fixed(point, scalars, window_bits, n_threads, g2=False)


def fixed_base_g2(
    point: G2Affine, scalars: np.ndarray, *, window_bits: int | None = None, n_threads: int | None = None
) -> np.ndarray:
    """scalars[i]·point in G2 → ``uint64[n, 2, 2, 4]`` (affine, Montgomery, zeros = ∞); else as ``fixed_base_g1``."""
    return _fixed(point, scalars, window_bits, n_threads, g2=True)


# --- a few points at a time (kernels; each call ~0.1–1 ms) ------------------------------------------------------------


def _check_int(k: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool):
        raise ValueError(f"Argument 'k' must be an int, not {type(k).__name__}")
    return k % FR_MODULUS


def _scalar_limbs(k: int) -> np.ndarray:
    return ints_to_limbs([k])


def g1_add(p: G1Affine, q: G1Affine) -> G1Affine:
    """p + q on affine Python ints (None = ∞)."""
    from prover.kernels import curve as _curve

    jac = _curve.affine_to_jac_arr(g1_to_limbs([p]))
    return g1_from_limbs(_curve.jac_to_affine_arr(_curve.madd_arr(jac, g1_to_limbs([q]))))[0]


def g1_neg(p: G1Affine) -> G1Affine:
    """−p (None = ∞)."""
    return None if p is None else (p[0], (-p[1]) % FQ_MODULUS)


def g1_mul(p: G1Affine, k: int) -> G1Affine:
    """k·p for any Python int k (taken mod r; G1 has prime order r)."""
    from prover.kernels import curve as _curve

    jac = _curve.mul_arr(g1_to_limbs([p]), _scalar_limbs(_check_int(k)))
    return g1_from_limbs(_curve.jac_to_affine_arr(jac))[0]


def g2_add(p: G2Affine, q: G2Affine) -> G2Affine:
    """p + q on affine G2 Python ints (None = ∞)."""
    from prover.kernels import curve as _curve

    jac = _curve.affine_to_jac_arr(g2_to_limbs([p]))
    return g2_from_limbs(_curve.jac_to_affine_arr(_curve.madd_arr(jac, g2_to_limbs([q]))))[0]


def g2_neg(p: G2Affine) -> G2Affine:
    """−p (None = ∞)."""
    return None if p is None else (p[0], ((-p[1][0]) % FQ_MODULUS, (-p[1][1]) % FQ_MODULUS))


def g2_mul(p: G2Affine, k: int) -> G2Affine:
    """k·p for any Python int k, taken mod r (valid for points of the order-r subgroup, which G2 keys are)."""
    from prover.kernels import curve as _curve

    jac = _curve.mul_arr(g2_to_limbs([p]), _scalar_limbs(_check_int(k)))
    return g2_from_limbs(_curve.jac_to_affine_arr(jac))[0]

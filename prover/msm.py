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

The heavy lifting is in ``prover.kernels`` (numba, cached); ``n_threads`` defaults to ``numba.get_num_threads()``.

References
----------
See ``prover/kernels/msm.py`` (Pippenger with signed digits and per-thread buckets) and
``prover/kernels/fixed_base.py`` (windowed fixed-base tables).
"""

from __future__ import annotations

import numba
import numpy as np

from prover.kernels import fixed_base as _fb
from prover.kernels import g1 as _g1
from prover.kernels import g2 as _g2
from prover.kernels import msm as _kmsm
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.groth16 import G1Affine, G2Affine, g1_from_limbs, g1_to_limbs, g2_from_limbs, g2_to_limbs

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

#: Below this many point additions (unit pass + bucket adds) an MSM runs on one thread.
_PARALLEL_MIN_ADDS = 1 << 14

_R_LIMBS = np.array([(FR_MODULUS >> (64 * i)) & (2**64 - 1) for i in range(4)], dtype=np.uint64)


def _check_scalars(scalars: np.ndarray, what: str = "scalars") -> np.ndarray:
    if not isinstance(scalars, np.ndarray):
        raise ValueError(f"Argument '{what}' must be a numpy array of dtype uint64, not {type(scalars).__name__}")
    if scalars.dtype != np.uint64:
        raise ValueError(f"Argument '{what}' must have dtype uint64, not {scalars.dtype}")
    if scalars.ndim != 2 or scalars.shape[1] != 4:
        raise ValueError(f"Argument '{what}' must have shape (n, 4), not {scalars.shape}")
    scalars = np.ascontiguousarray(scalars)
    # lexicographic compare from the top limb: a row is non-canonical when it is >= r
    gt = np.zeros(scalars.shape[0], dtype=bool)
    eq = np.ones(scalars.shape[0], dtype=bool)
    for k in (3, 2, 1, 0):
        gt |= eq & (scalars[:, k] > _R_LIMBS[k])
        eq &= scalars[:, k] == _R_LIMBS[k]
    bad = np.flatnonzero(gt | eq)
    if bad.size:
        i = int(bad[0])
        value = sum(int(scalars[i, k]) << (64 * k) for k in range(4))
        raise NonCanonicalFieldElement(f"Argument '{what}' must hold canonical Fr elements (< r); row {i} is {value}")
    return scalars


def _check_bases(bases: np.ndarray, g2: bool, what: str = "bases") -> np.ndarray:
    shape = "(n, 2, 2, 4)" if g2 else "(n, 2, 4)"
    if not isinstance(bases, np.ndarray):
        raise ValueError(f"Argument '{what}' must be a numpy array of dtype uint64, not {type(bases).__name__}")
    if bases.dtype != np.uint64:
        raise ValueError(f"Argument '{what}' must have dtype uint64, not {bases.dtype}")
    if bases.shape[1:] != ((2, 2, 4) if g2 else (2, 4)):
        raise ValueError(f"Argument '{what}' must have shape {shape}, not {bases.shape}")
    return np.ascontiguousarray(bases)


def _threads(n_threads: int | None) -> int:
    if n_threads is None:
        return numba.get_num_threads()
    if not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"Argument 'n_threads' must be a positive int, not {n_threads!r}")
    return n_threads


def _window(window_bits: int | None, lo: int, hi: int) -> int | None:
    if window_bits is not None and (not isinstance(window_bits, int) or not lo <= window_bits <= hi):
        raise ValueError(f"Argument 'window_bits' must be an int in [{lo}, {hi}], not {window_bits!r}")
    return window_bits


def _msm(bases, scalars, window_bits, n_threads, g2):
    bases = _check_bases(bases, g2)
    scalars = _check_scalars(scalars)
    if bases.shape[0] != scalars.shape[0]:
        raise ValueError(f"Arguments 'bases' and 'scalars' must have the same length, not {bases.shape[0]} and "
                         f"{scalars.shape[0]}")  # fmt: skip
    _window(window_bits, 1, 24)
    t = _threads(n_threads)
    base_inf = _kmsm._bases_inf_g2(bases) if g2 else _kmsm._bases_inf_g1(bases)
    kinds, big, max_bits = _kmsm.classify_scalars(scalars, base_inf)
    # the window depends on how many scalars are not 0/±1 and on their bit length (u64 witnesses need fewer)
    c = window_bits or _kmsm.choose_window_bits(len(big), max_bits, t)
    if n_threads is None and t > 1:
        # small jobs run on one thread: waking a second one costs more than it saves (tens of ms on a busy machine)
        work = int(np.count_nonzero(kinds)) + len(big) * ((max_bits + c) // c)
        if work < _PARALLEL_MIN_ADDS:
            t = 1
            c = window_bits or _kmsm.choose_window_bits(len(big), max_bits, t)
    window_bits = c
    if g2:
        jac = _kmsm.g2_msm(bases, scalars, window_bits, t)
        return g2_from_limbs(_g2.g2_jac_to_affine_arr(jac.reshape(1, 3, 2, 4)))[0]
    jac = _kmsm.g1_msm(bases, scalars, window_bits, t)
    return g1_from_limbs(_g1.g1_jac_to_affine_arr(jac.reshape(1, 3, 4)))[0]


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
        Per-thread chunks; default ``numba.get_num_threads()``, or 1 for small jobs (< 2^14 point additions).

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
    scalars = _check_scalars(scalars)
    _window(window_bits, 1, 16)
    t = _threads(n_threads)
    n = scalars.shape[0]
    if point is None:
        return np.zeros((n, 2, 2, 4) if g2 else (n, 2, 4), dtype=np.uint64)
    if window_bits is None:
        window_bits = _fb.choose_fixed_window_bits(n, 254)
    if g2:
        base = _g2.g2_affine_to_jac_arr(g2_to_limbs([point]))[0]
        return _fb.g2_fixed_base(base, scalars, window_bits, t)
    base = _g1.g1_affine_to_jac_arr(g1_to_limbs([point]))[0]
    return _fb.g1_fixed_base(base, scalars, window_bits, t)


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
    return np.array([[(k >> (64 * i)) & (2**64 - 1) for i in range(4)]], dtype=np.uint64)


def g1_add(p: G1Affine, q: G1Affine) -> G1Affine:
    """p + q on affine Python ints (None = ∞)."""
    jac = _g1.g1_affine_to_jac_arr(g1_to_limbs([p]))
    return g1_from_limbs(_g1.g1_jac_to_affine_arr(_g1.g1_madd_arr(jac, g1_to_limbs([q]))))[0]


def g1_neg(p: G1Affine) -> G1Affine:
    """−p (None = ∞)."""
    return None if p is None else (p[0], (-p[1]) % FQ_MODULUS)


def g1_mul(p: G1Affine, k: int) -> G1Affine:
    """k·p for any Python int k (taken mod r; G1 has prime order r)."""
    jac = _g1.g1_mul_arr(g1_to_limbs([p]), _scalar_limbs(_check_int(k)))
    return g1_from_limbs(_g1.g1_jac_to_affine_arr(jac))[0]


def g2_add(p: G2Affine, q: G2Affine) -> G2Affine:
    """p + q on affine G2 Python ints (None = ∞)."""
    jac = _g2.g2_affine_to_jac_arr(g2_to_limbs([p]))
    return g2_from_limbs(_g2.g2_jac_to_affine_arr(_g2.g2_madd_arr(jac, g2_to_limbs([q]))))[0]


def g2_neg(p: G2Affine) -> G2Affine:
    """−p (None = ∞)."""
    return None if p is None else (p[0], ((-p[1][0]) % FQ_MODULUS, (-p[1][1]) % FQ_MODULUS))


def g2_mul(p: G2Affine, k: int) -> G2Affine:
    """k·p for any Python int k, taken mod r (valid for points of the order-r subgroup, which G2 keys are)."""
    jac = _g2.g2_mul_arr(g2_to_limbs([p]), _scalar_limbs(_check_int(k)))
    return g2_from_limbs(_g2.g2_jac_to_affine_arr(jac))[0]

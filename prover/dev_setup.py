"""The development trusted setup: Groth16 keys from toxic waste derived from a seed. INSECURE by construction.

Anyone who knows the seed knows τ, α, β, γ, δ and can forge proofs for any statement. This setup exists so that
tests, demos and benchmarks get keys at any size in seconds; a real setup starts from a powers-of-tau ceremony file.

The keys are the ones snarkjs's ``zkey new`` (plus one phase-2 contribution δ) would derive from a ptau made with
the same τ, α, β, so our proofs, snarkjs's prover and both verifiers agree on them.

Symbols (Groth16, eprint 2016/260, §3.2; arkworks ``groth16/src/generator.rs``) → names:

=============================================  ===========================================================
paper                                          here
=============================================  ===========================================================
τ, α, β, γ, δ                                  ``ToxicWaste.tau``, ``.alpha``, ``.beta``, ``.gamma``, ``.delta``
u_i(τ), v_i(τ), w_i(τ)                         ``u``, ``v``, ``w`` (A, B, C columns at τ; u has the input rows)
u_i(τ)·G1                                      ``a_query[i]`` (all wires)
v_i(τ)·G1, v_i(τ)·G2                           ``b_g1_query[i]``, ``b_g2_query[i]`` (all wires)
(β·u_i + α·v_i + w_i)(τ)/γ · G1, i ≤ ℓ         ``vk.ic[i]`` (wire 0 and the public wires)
(β·u_i + α·v_i + w_i)(τ)/δ · G1, i > ℓ         ``c_query[i − ℓ − 1]`` (private wires)
Z(τ)·L^{g⟨ω⟩}_j(τ)/((g^n − 1)·δ) · G1          ``h_query[j]``; for the odd coset this is L_{2n,2j+1}(τ)/δ
=============================================  ===========================================================

Here ℓ = ``n_public`` and L_j are Lagrange polynomials. ``h_query`` is exactly snarkjs's ``writeHs`` (the odd points
of the 2n-domain's Lagrange basis, divided by δ in phase 2), so the prover multiplies it by the odd-coset
evaluations of A·B − C with no division by Z (``prover.qap``).

References
----------
Groth16, eprint 2016/260; snarkjs 0.7.6 ``src/zkey_new.js`` (sections 4–9, ``writeHs``); arkworks
``groth16/src/generator.rs`` (``generate_parameters_with_qap``).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from py_ecc.bn128 import G1 as _PY_ECC_G1
from py_ecc.bn128 import G2 as _PY_ECC_G2

from accel.field import fr_from_mont_arr
from prover.domain import EvaluationDomain
from prover.kernels.qap import sparse_rows_r2
from prover.msm import fixed_base_g1, fixed_base_g2, g1_mul, g2_mul, kernel_input
from prover.qap import QapMatrices
from zksvs.errors import SetupError
from zksvs.field import FR_MODULUS
from zksvs.groth16 import G1Affine, G2Affine, ProvingKey, VerifyingKey, g1_from_limbs
from zksvs.limbs import ints_to_limbs, limbs_to_ints
from zksvs.r1cs import R1CS, ConstraintMatrices

_R = FR_MODULUS

#: Generators as affine ints (py_ecc's ``bn128.G1``/``G2``, the EIP-196/197 generators; never retyped).
G1_GENERATOR: G1Affine = (int(_PY_ECC_G1[0].n), int(_PY_ECC_G1[1].n))
G2_GENERATOR: G2Affine = (
    (int(_PY_ECC_G2[0].coeffs[0]), int(_PY_ECC_G2[0].coeffs[1])),
    (int(_PY_ECC_G2[1].coeffs[0]), int(_PY_ECC_G2[1].coeffs[1])),
)

_SEED_TAG = b"zksvs/dev-setup/v1/"
INSECURE_MESSAGE = (
    "INSECURE development setup: the toxic waste (tau, alpha, beta, gamma, delta) is derived from the seed, so "
    "anyone who knows the seed can forge proofs. Never use these keys for anything of value."
)


class InsecureSetupWarning(UserWarning):
    """Keys were made by the development setup (toxic waste known to whoever knows the seed)."""


@dataclass(frozen=True)
class ToxicWaste:
    """The setup's secret scalars τ, α, β, γ, δ in Fr (all non-zero).

    Attributes
    ----------
    tau, alpha, beta, gamma, delta : int
        Normal-form Python ints in [1, r).
    """

    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int

    def __post_init__(self) -> None:
        for name in ("tau", "alpha", "beta", "gamma", "delta"):
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 < v < _R:
                raise ValueError(f"Argument '{name}' must be an int in [1, r), not {v!r}")


def _seed_bytes(seed: int | bytes | str) -> bytes:
    # a type tag keeps the int 5, the bytes b"5" and the str "5" apart
    if isinstance(seed, bytes):
        return b"b:" + seed
    if isinstance(seed, str):
        return b"s:" + seed.encode()
    if isinstance(seed, int) and not isinstance(seed, bool):
        return b"i:" + str(seed).encode()
    raise TypeError(f"Argument 'seed' must be an int, bytes or str, not {type(seed).__name__}")


def toxic_waste_from_seed(seed: int | bytes | str) -> ToxicWaste:
    """Derive τ, α, β, γ, δ from ``seed`` deterministically (SHA-512 per name, reduced mod r; 0 is skipped).

    The 512-bit digest makes the reduction mod r uniform to within 2^-258. A str seed (the CLI's ``--seed``) is
    taken as its UTF-8 bytes, tagged so that it never collides with the same bytes or int.

    Raises
    ------
    TypeError
        ``seed`` is not an int, bytes or str.
    """
    tag = _SEED_TAG + _seed_bytes(seed)

    def draw(name: str) -> int:
        counter = 0
        while True:
            digest = hashlib.sha512(tag + b"/" + name.encode() + b"/" + counter.to_bytes(4, "big")).digest()
            v = int.from_bytes(digest, "big") % _R
            if v:
                return v
            counter += 1

    return ToxicWaste(*(draw(n) for n in ("tau", "alpha", "beta", "gamma", "delta")))


def _batch_inverse(values: Sequence[int]) -> list[int]:
    # Montgomery's trick: 3 multiplications per element and one inversion (all values non-zero).
    n = len(values)
    prefix = [1] * (n + 1)
    acc = 1
    for i, v in enumerate(values):
        acc = acc * v % _R
        prefix[i + 1] = acc
    inv = pow(acc, -1, _R)
    out = [0] * n
    for i in range(n - 1, -1, -1):
        out[i] = inv * prefix[i] % _R
        inv = inv * values[i] % _R
    return out


def _powers(base: int, n: int, start: int = 1) -> list[int]:
    out = [0] * n
    acc = start
    for i in range(n):
        out[i] = acc
        acc = acc * base % _R
    return out


def lagrange_basis_at(domain: EvaluationDomain, tau: int) -> list[int]:
    """L_j(τ) for the n-domain, j < n: ω^j·(τ^n − 1)/(n·(τ − ω^j)), in O(n) with one inversion.

    Raises
    ------
    SetupError
        τ is in the domain (probability ~n/r for a random τ).
    """
    n = domain.size
    pw = _powers(domain.omega, n)
    z = (pow(tau, n, _R) - 1) % _R
    if z == 0:
        raise SetupError("tau lies in the evaluation domain; pick another seed")
    inv = _batch_inverse([(tau - x) % _R for x in pw])
    k = z * domain.size_inv % _R
    return [k * pw[j] % _R * inv[j] % _R for j in range(n)]


def h_query_scalars(domain: EvaluationDomain, tau: int) -> list[int]:
    """The H basis at τ before the division by δ: Z(τ)·L^{g⟨ω⟩}_j(τ)/(g^n − 1), j < n (g = ``coset_shift``).

    P = A·B − C vanishes on ⟨ω⟩, so P = Z·h with deg h ≤ n − 2 and h(x_j) = P(x_j)/(g^n − 1) on x_j = g·ω^j.
    Then P(τ) = Z(τ)·Σ_j h(x_j)·L^{coset}_j(τ) = Σ_j P(x_j)·h_query_scalars[j], with the coset Lagrange polynomial
    L^{coset}_j(τ) = x_j·(τ^n − g^n)/(n·g^n·(τ − x_j)). For g = ω_{2n} (g^n = −1) this is L_{2n,2j+1}(τ), the odd
    points of the 2n-domain's Lagrange basis (snarkjs ``writeHs``).

    Raises
    ------
    SetupError
        τ is in ⟨ω⟩ or in the coset.
    """
    n = domain.size
    g = domain.coset_shift
    gn = pow(g, n, _R)
    tn = pow(tau, n, _R)
    xs = _powers(domain.omega, n, start=g)
    if (tn - 1) % _R == 0 or (tn - gn) % _R == 0:
        raise SetupError("tau lies in the evaluation domain or its coset; pick another seed")
    inv = _batch_inverse([(tau - x) % _R for x in xs])
    k = (tn - 1) * (tn - gn) % _R * pow(n * gn % _R * ((gn - 1) % _R) % _R, -1, _R) % _R
    return [k * xs[j] % _R * inv[j] % _R for j in range(n)]


def wire_polynomials_at(
    matrices: ConstraintMatrices, domain: EvaluationDomain, tau: int
) -> tuple[list[int], list[int], list[int]]:
    """u_i(τ), v_i(τ), w_i(τ) for every wire: Σ_k A[k][i]·L_k(τ) etc., with the input rows in u (snarkjs).

    Row ``n_constraints + s`` has A-coefficient 1 on wire s for s = 0..n_public (``zkey_new.js``), which makes
    the public wires' u_i linearly independent: the verifier's IC points cannot be combined to fake an input.
    The sums are transposed sparse mat-vecs in numba (``kernels.qap.sparse_rows_r2`` with rows and wires swapped),
    so a 2^20-constraint circuit needs no Python loop over its entries.

    Parameters
    ----------
    matrices : ConstraintMatrices
        A, B and C (C may be None: then w is all zeros).
    """
    lag = ints_to_limbs(lagrange_basis_at(domain, tau))
    n_wires = matrices.n_wires
    out = []
    for m in (matrices.A, matrices.B, matrices.C):
        acc = np.zeros((n_wires, 4), dtype=np.uint64)
        if m is not None and m.nnz:
            qm = QapMatrices.from_matrices(ConstraintMatrices(matrices.n_constraints, n_wires, matrices.n_public, m, m))
            rows, wires, vals = qm.a
            sparse_rows_r2(wires, rows, vals, kernel_input(lag), acc)  # acc[wire] += c·L_row (Montgomery)
        out.append(acc)
    u, v, w = (limbs_to_ints(fr_from_mont_arr(x)) for x in out)
    for s in range(matrices.n_public + 1):
        u[s] = (u[s] + limbs_to_ints(lag[matrices.n_constraints + s])[0]) % _R
    return u, v, w


def _announce() -> None:
    # a warning only: the zksvs CLI shows each distinct warning once per command as one stderr line, where a print
    # here repeated it for every key (issue 11, bug 6)
    warnings.warn(INSECURE_MESSAGE, InsecureSetupWarning, stacklevel=3)


def setup_with_toxic_waste(r1cs: R1CS | ConstraintMatrices, toxic_waste: ToxicWaste) -> ProvingKey:
    """Groth16 keys for ``r1cs`` from explicit toxic waste (arkworks ``generate_parameters_with_qap`` style).

    Parameters
    ----------
    r1cs : R1CS or ConstraintMatrices
        The circuit (circom wire order: wire 0 = 1, then ``n_public`` public wires, then private ones); matrices
        with C are enough (no Python object per constraint: how ``zksvs bench`` keys a 2^20 circuit).
    toxic_waste : ToxicWaste
        τ, α, β, γ, δ.

    Returns
    -------
    ProvingKey
        Point arrays in the snarkjs ``.zkey`` layout (affine, Fq Montgomery, little-endian limbs, zeros = ∞);
        ``vk`` holds α·G1, β·G2, γ·G2, δ·G2 and the ``n_public + 1`` IC points.

    Raises
    ------
    CircuitTooLarge
        The QAP domain would exceed 2^28.
    SetupError
        τ falls in the domain or its coset (never for a seed in practice).

    Warns
    -----
    InsecureSetupWarning
        Always: whoever knows the toxic waste can forge proofs.
    """
    _announce()
    return _build_keys(r1cs, toxic_waste)


def setup(r1cs: R1CS | ConstraintMatrices, seed: int | bytes | str) -> ProvingKey:
    """The development setup: toxic waste from ``seed`` (``toxic_waste_from_seed``), then the keys.

    INSECURE: anyone who knows the seed can forge proofs. Same seed and circuit → same keys.

    Raises
    ------
    TypeError
        ``seed`` is not an int, bytes or str.
    CircuitTooLarge, SetupError
        As ``setup_with_toxic_waste``.

    Warns
    -----
    InsecureSetupWarning
        Always.
    """
    tw = toxic_waste_from_seed(seed)
    _announce()
    return _build_keys(r1cs, tw)


def _fixed_g1(scalars: list[int]) -> np.ndarray:
    if not scalars:
        return np.zeros((0, 2, 4), dtype=np.uint64)
    return fixed_base_g1(G1_GENERATOR, ints_to_limbs(scalars))


def _build_keys(r1cs: R1CS | ConstraintMatrices, tw: ToxicWaste) -> ProvingKey:
    m = r1cs.to_matrices(include_c=True) if isinstance(r1cs, R1CS) else r1cs
    domain = EvaluationDomain.for_constraints(m.n_constraints, m.n_public)
    u, v, w = wire_polynomials_at(m, domain, tw.tau)
    h = h_query_scalars(domain, tw.tau)
    gamma_inv = pow(tw.gamma, -1, _R)
    delta_inv = pow(tw.delta, -1, _R)
    n_pub = m.n_public
    lc = [(tw.beta * u[i] + tw.alpha * v[i] + w[i]) % _R for i in range(m.n_wires)]
    ic_scalars = [x * gamma_inv % _R for x in lc[: n_pub + 1]]
    c_scalars = [x * delta_inv % _R for x in lc[n_pub + 1 :]]
    h_scalars = [x * delta_inv % _R for x in h]

    # one fixed-base run for every G1 point (one table, one parallel launch), then split
    parts = (u, v, c_scalars, h_scalars, ic_scalars)
    g1_all = _fixed_g1([x for part in parts for x in part])
    bounds = np.cumsum([0, *map(len, parts)])
    a_query, b_g1_query, c_query, h_query, ic_limbs = (
        np.ascontiguousarray(g1_all[bounds[k] : bounds[k + 1]]) for k in range(len(parts))
    )
    ic = tuple(g1_from_limbs(ic_limbs))
    b_g2_query = fixed_base_g2(G2_GENERATOR, ints_to_limbs(v))

    vk = VerifyingKey(
        alpha_g1=g1_mul(G1_GENERATOR, tw.alpha),
        beta_g2=g2_mul(G2_GENERATOR, tw.beta),
        gamma_g2=g2_mul(G2_GENERATOR, tw.gamma),
        delta_g2=g2_mul(G2_GENERATOR, tw.delta),
        ic=ic,
    )
    return ProvingKey(
        n_wires=m.n_wires,
        n_public=n_pub,
        domain_size=domain.size,
        alpha_g1=vk.alpha_g1,
        beta_g1=g1_mul(G1_GENERATOR, tw.beta),
        delta_g1=g1_mul(G1_GENERATOR, tw.delta),
        beta_g2=vk.beta_g2,
        delta_g2=vk.delta_g2,
        a_query=a_query,
        b_g1_query=b_g1_query,
        b_g2_query=b_g2_query,
        c_query=c_query,
        h_query=h_query,
        vk=vk,
    )

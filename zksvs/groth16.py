"""Groth16 key and proof types over BN254 (no arithmetic here: the prover computes, the verifier checks).

Symbols (Groth16, eprint 2016/260, §3.2) → names:
  α·G1 → ``alpha_g1``; β·G1, β·G2 → ``beta_g1``, ``beta_g2``; γ·G2 → ``gamma_g2``; δ·G1, δ·G2 → ``delta_g1``,
  ``delta_g2``; (β·u_i(τ) + α·v_i(τ) + w_i(τ))/γ · G1 for public i → ``ic`` (snarkjs ``IC``, arkworks
  ``gamma_abc_g1``); u_i(τ)·G1 → ``a_query``; v_i(τ)·G1, ·G2 → ``b_g1_query``, ``b_g2_query``; the private wires'
  (β·u_i + α·v_i + w_i)(τ)/δ · G1 → ``c_query``; the H basis → ``h_query`` (snarkjs: odd-coset Lagrange points of the
  2n domain, divided by δ; STYLE.md §2).

Point forms:
- affine Python ints: G1 ``(x, y)``; G2 ``((x_c0, x_c1), (y_c0, y_c1))`` (real part first, as snarkjs JSON);
  the point at infinity is ``None`` (as py_ecc's ``bn128``).
- limb arrays in the proving key: G1 ``uint64[n, 2, 4]``, G2 ``uint64[n, 2, 2, 4]``, affine, Fq in Montgomery form,
  little-endian limbs, all-zero for infinity: exactly the point layout of a snarkjs ``.zkey`` section.

Uncontributed keys: a key straight out of a phase-2 setup (snarkjs ``groth16 setup``'s ``_0000.zkey``, ``zksvs
setup``) has δ = γ = 1, i.e. ``delta_g2`` = ``gamma_g2`` = the G2 generator. Then the check e(A, B) = e(α, β)·
e(IC_x, γ)·e(C, δ) reads e(A, B) = e(α, β)·e(IC_x + C, G2), which A = α, B = β, C = −IC_x satisfies for *any* public
inputs. ``is_uncontributed`` is the one test for this (used by ``zksvs prove``, ``zksvs verify`` and the settlement
model); ``check_contributed`` warns (``UncontributedKeyWarning``) or, when strict, raises ``UncontributedKey``.

References
----------
Groth16, eprint 2016/260; snarkjs 0.7.6 ``src/zkey_new.js``, ``src/groth16_prove.js``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zksvs.errors import UncontributedKey
from zksvs.field import FQ_MODULUS
from zksvs.limbs import from_montgomery, ints_to_limbs, limbs_to_ints, to_montgomery

G1Affine = tuple[int, int] | None
Fq2 = tuple[int, int]
G2Affine = tuple[Fq2, Fq2] | None

#: The G2 generator (EIP-197; py_ecc ``bn128.G2``, checked in tests/core/test_groth16_keys.py), affine ints. Written
#: out rather than read from py_ecc, whose import (~50 ms) a one-proof process would otherwise pay.
G2_GENERATOR: G2Affine = (
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)
UNCONTRIBUTED_KEY_MESSAGE = (
    "INSECURE key: its delta is the G2 generator (no phase-2 contribution), so anyone can forge proofs for it; "
    "add one with `zksvs zkey contribute` (or snarkjs zkey contribute) before use"
)


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof (A ∈ G1, B ∈ G2, C ∈ G1), affine Python ints."""

    a: G1Affine
    b: G2Affine
    c: G1Affine


@dataclass(frozen=True)
class VerifyingKey:
    """A Groth16 verifying key; ``len(ic) == n_public + 1``."""

    alpha_g1: G1Affine
    beta_g2: G2Affine
    gamma_g2: G2Affine
    delta_g2: G2Affine
    ic: tuple[G1Affine, ...]

    @property
    def n_public(self) -> int:
        """Number of public inputs the key expects."""
        return len(self.ic) - 1


@dataclass(frozen=True)
class ProvingKey:
    """A Groth16 proving key in snarkjs's layout (see module docstring for the limb forms).

    Attributes
    ----------
    n_wires, n_public, domain_size : int
        Wires (incl. wire 0), public wires after wire 0, and the QAP domain size 2^log_n.
    alpha_g1, beta_g1, delta_g1 : G1Affine
    beta_g2, delta_g2 : G2Affine
    a_query, b_g1_query : uint64[n_wires, 2, 4]
    b_g2_query : uint64[n_wires, 2, 2, 4]
    c_query : uint64[n_wires - n_public - 1, 2, 4]
        Private wires only (wire n_public + 1 onward).
    h_query : uint64[domain_size, 2, 4]
    vk : VerifyingKey
    """

    n_wires: int
    n_public: int
    domain_size: int
    alpha_g1: G1Affine
    beta_g1: G1Affine
    delta_g1: G1Affine
    beta_g2: G2Affine
    delta_g2: G2Affine
    a_query: np.ndarray
    b_g1_query: np.ndarray
    b_g2_query: np.ndarray
    c_query: np.ndarray
    h_query: np.ndarray
    vk: VerifyingKey


def g1_to_limbs(points: Sequence[G1Affine]) -> np.ndarray:
    """Affine G1 points (None = ∞) → ``uint64[n, 2, 4]`` Montgomery limbs (∞ → zeros)."""
    flat: list[int] = []
    for p in points:
        flat.extend((0, 0) if p is None else to_montgomery(p, FQ_MODULUS))
    return ints_to_limbs(flat).reshape(len(points), 2, 4)


def g1_from_limbs(arr: np.ndarray) -> list[G1Affine]:
    """``uint64[n, 2, 4]`` Montgomery limbs → affine G1 points (zeros → None)."""
    vals = from_montgomery(limbs_to_ints(arr), FQ_MODULUS)
    return [None if vals[i] == 0 and vals[i + 1] == 0 else (vals[i], vals[i + 1]) for i in range(0, len(vals), 2)]


def g2_to_limbs(points: Sequence[G2Affine]) -> np.ndarray:
    """Affine G2 points (None = ∞) → ``uint64[n, 2, 2, 4]`` Montgomery limbs (∞ → zeros)."""
    flat: list[int] = []
    for p in points:
        flat.extend((0, 0, 0, 0) if p is None else to_montgomery((*p[0], *p[1]), FQ_MODULUS))
    return ints_to_limbs(flat).reshape(len(points), 2, 2, 4)


def g2_from_limbs(arr: np.ndarray) -> list[G2Affine]:
    """``uint64[n, 2, 2, 4]`` Montgomery limbs → affine G2 points (zeros → None)."""
    v = from_montgomery(limbs_to_ints(arr), FQ_MODULUS)
    out: list[G2Affine] = []
    for i in range(0, len(v), 4):
        out.append(None if not any(v[i : i + 4]) else ((v[i], v[i + 1]), (v[i + 2], v[i + 3])))
    return out


class UncontributedKeyWarning(UserWarning):
    """A key with δ = the G2 generator is in use (``UNCONTRIBUTED_KEY_MESSAGE``)."""


def is_uncontributed(vk: VerifyingKey) -> bool:
    """True when ``vk.delta_g2`` is the G2 generator: no phase-2 contribution, proofs are forgeable (module doc)."""
    return vk.delta_g2 == G2_GENERATOR


def check_contributed(vk: VerifyingKey, *, strict: bool = False, what: str = "key") -> bool:
    """Warn about, or with ``strict`` refuse, a key that ``is_uncontributed``; returns whether it is.

    The warning (``UncontributedKeyWarning``, ``UNCONTRIBUTED_KEY_MESSAGE``) has the same text and source line for
    every key and caller, so Python's default filter shows it once per process however many keys are checked.

    Raises
    ------
    UncontributedKey
        ``strict`` and the key is uncontributed; the message names ``what``.
    """
    if not is_uncontributed(vk):
        return False
    if strict:
        raise UncontributedKey(f"{what}: refused (--strict): {UNCONTRIBUTED_KEY_MESSAGE}")
    warnings.warn(UNCONTRIBUTED_KEY_MESSAGE, UncontributedKeyWarning, stacklevel=1)
    return True

"""Groth16 verification over BN254 with py_ecc: point checks, one product of Miller loops, batch verification.

The check (Groth16, eprint 2016/260, §3.2; snarkjs 0.7.6 ``src/groth16_verify.js``): a proof (A, B, C) is valid for
public inputs x_1..x_ℓ under a key (α, β, γ, δ, IC) when

    e(−A, B) · e(IC_x, γ) · e(C, δ) · e(α, β) = 1,        IC_x = IC_0 + Σ x_i·IC_i.

It is computed as one product of Miller loops and one final exponentiation. The Miller loop of e(α, β) does not
depend on the proof, so ``prepare_verifying_key`` computes it once (arkworks ``prepare_verifying_key`` keeps e(α, β)
and −γ, −δ; here A is negated instead of γ and δ, which is free in G1), leaving three Miller loops per proof.

Point checks (DESIGN.md §7), none of which py_ecc's ``pairing`` does itself:
- coordinates are ints in [0, q); G1 points (A, C, α, IC_i) lie on y² = x³ + 3, which suffices because G1's cofactor
  is 1; G2 points (B, β, γ, δ) lie on the twist y² = x³ + 3/(9 + u) **and** r·P = ∞ (the twist's cofactor is
  about 2^254, so a point on it is almost never in G2);
- public inputs are ints in [0, r), as snarkjs's ``publicInputsAreValid``;
- the point at infinity (``None``) is accepted for A, B, C and IC_i, as snarkjs (``isValid`` returns true for zero)
  and EIP-196/197 (the all-zero encoding) accept it: it is an element of the group, and soundness does not rest on
  excluding it. It is refused for α, β, γ, δ: with γ = ∞ the public inputs drop out of the check and with δ = ∞ so
  does C, so any such key is degenerate.

Batch verification (DESIGN.md §7) of K statements (vk_i, proof_i, x_i) with weights w_i ∈ [1, 2^128): the K
equations e(A_i, B_i) = e(α_i, β_i)·e(IC_x,i, γ_i)·e(C_i, δ_i) are raised to w_i and multiplied. With keys k (each a
distinct verifying key, holding the set S_k of statement indices) that gives one check,

    Π_i e(−w_i·A_i, B_i) · Π_k e(Σ_{i∈S_k} w_i·IC_x,i, γ_k) · Π_k e(Σ_{i∈S_k} w_i·C_i, δ_k)
        · Π_k e(α_k, β_k)^{W_k} = 1,                      W_k = Σ_{i∈S_k} w_i,

where Σ_{i∈S_k} w_i·IC_x,i = Σ_j (Σ_{i∈S_k} w_i·x_{i,j})·IC_{k,j} (x_{i,0} = 1) is one ℓ+1-term sum per key, not
one per proof. Terms whose G2 points are equal are merged before the Miller loops (bilinearity in the G1 argument):
snarkjs keys all use the G2 generator as γ, so K statements under n distinct snarkjs keys cost K + 1 + n Miller
loops (B_i's; γ; δ_k's), and under one key K + 2. The e(α_k, β_k)^{W_k} factors reuse the prepared Miller loop of
e(α_k, β_k) raised to W_k before the single final exponentiation (final_exp(f^W) = final_exp(f)^W): a ~130-bit
power in GT costs about a seventh of a Miller loop in py_ecc. So this is DESIGN's "K + 3 pairs" with the α/β pair
replaced by a GT power. If any statement is false, the check passes with probability at most 2^-128 over w_i (the
weights are below 2^128 < r, so distinct w_i give distinct powers of a non-trivial GT element).

Weights are derived by Fiat–Shamir (``fiat_shamir_weights``): SHA-256 over every key, proof and public input of the
batch, domain-separated; deterministic, so runs are reproducible, and what a Solidity verifier would have to do
(it has no private randomness). A caller who wants fresh verifier-side randomness passes ``random_weights(k)``
(from ``secrets``). Either way the weights are fixed only after the whole batch is, so a submitter cannot aim at
them: to make a false statement pass it must hit a 2^-128 event per attempt.

Symbols → names: A, B, C → ``proof.a``, ``proof.b``, ``proof.c``; α, β, γ, δ → ``alpha_g1``, ``beta_g2``,
``gamma_g2``, ``delta_g2``; IC_j → ``ic[j]``; x_i → ``public_inputs[i - 1]``; w_i → ``weights[i]``.
Point forms: inputs are affine Python ints as in ``zksvs.groth16`` (``None`` = ∞, G2 real part first); internally
py_ecc ``optimized_bn128`` homogeneous projective points (``Z1``/``Z2`` = ∞).

References
----------
Groth16, eprint 2016/260; snarkjs 0.7.6 ``src/groth16_verify.js``; arkworks groth16 ``src/verifier.rs`` (prepared
key, ``Ok(false)`` vs errors); ethereum/execution-specs ``vm/precompiled_contracts/alt_bn128.py`` (subgroup check
by r·P = ∞); batch verification by random linear combination: Bellare, Garay, Rabin, "Fast batch verification for
modular exponentiation and digital signatures", EUROCRYPT 1998 (small-exponents test).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from py_ecc import optimized_bn128 as ob

from zksvs.errors import MalformedPoint, MalformedProof, MalformedVerifyingKey, PublicInputCountMismatch
from zksvs.field import FQ_MODULUS, FR_MODULUS, require_canonical_fr
from zksvs.groth16 import G1Affine, G2Affine, Proof, VerifyingKey

__all__ = [
    "WEIGHT_BITS",
    "PreparedVerifyingKey",
    "fiat_shamir_weights",
    "find_invalid_proofs",
    "prepare_verifying_key",
    "random_weights",
    "verify_proof",
    "verify_proofs_batched",
]

#: Batch weights are drawn from [1, 2^WEIGHT_BITS): a false batch passes with probability ≤ 2^-128.
WEIGHT_BITS = 128
_FS_DOMAIN = b"zksvs/groth16-batch-weights/v1"

# py_ecc optimized_bn128 homogeneous projective points (x, y, z); z = 0 is the point at infinity.
_G1 = tuple[ob.FQ, ob.FQ, ob.FQ]
_G2 = tuple[ob.FQ2, ob.FQ2, ob.FQ2]
_ErrorType = type[MalformedPoint]


@dataclass(frozen=True, eq=False)
class PreparedVerifyingKey:
    """A verifying key whose points were checked and converted once, with the Miller loop of e(α, β) precomputed.

    Attributes
    ----------
    vk : VerifyingKey
        The key it was made from (affine Python ints).
    alpha_g1, ic : py_ecc projective G1 points
        α and IC_0..IC_ℓ, each checked on the curve.
    beta_g2, gamma_g2, delta_g2 : py_ecc projective G2 points
        Each checked on the twist and in the order-r subgroup.
    alpha_beta_miller : py_ecc FQ12
        The Miller loop of e(α, β) before the final exponentiation.
    """

    vk: VerifyingKey
    alpha_g1: _G1
    beta_g2: _G2
    gamma_g2: _G2
    delta_g2: _G2
    ic: tuple[_G1, ...]
    alpha_beta_miller: ob.FQ12

    @property
    def n_public(self) -> int:
        """Number of public inputs the key expects."""
        return len(self.ic) - 1


AnyVerifyingKey = VerifyingKey | PreparedVerifyingKey
Statement = tuple[AnyVerifyingKey, Proof, Sequence[int]]


# --- point checks -----------------------------------------------------------------------------------------------


def _coordinate(v: object, what: str, name: str, error: _ErrorType) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < FQ_MODULUS:
        raise error(what, f"coordinate {name} must be an int in [0, q), not {v!r}")
    return v


def _g1_point(p: G1Affine, what: str, error: _ErrorType) -> _G1:
    """Affine G1 (None = ∞) → py_ecc projective, after the range and curve checks."""
    if p is None:
        return ob.Z1
    try:
        x, y = p
    except (TypeError, ValueError):
        raise error(what, f"must be an affine pair (x, y) or None, not {p!r}") from None
    pt = (ob.FQ(_coordinate(x, what, "x", error)), ob.FQ(_coordinate(y, what, "y", error)), ob.FQ.one())
    if not ob.is_on_curve(pt, ob.b):
        raise error(what, "is not on the curve y² = x³ + 3")
    return pt


def _g2_point(p: G2Affine, what: str, error: _ErrorType) -> _G2:
    """Affine G2 ((x_c0, x_c1), (y_c0, y_c1)) (None = ∞) → py_ecc projective, after range, twist and subgroup checks."""
    if p is None:
        return ob.Z2
    try:
        (x0, x1), (y0, y1) = p
    except (TypeError, ValueError):
        raise error(what, f"must be ((x_c0, x_c1), (y_c0, y_c1)) or None, not {p!r}") from None
    coords = [_coordinate(v, what, n, error) for v, n in ((x0, "x.c0"), (x1, "x.c1"), (y0, "y.c0"), (y1, "y.c1"))]
    pt = (ob.FQ2(coords[:2]), ob.FQ2(coords[2:]), ob.FQ2.one())
    if not ob.is_on_curve(pt, ob.b2):
        raise error(what, "is not on the twist y² = x³ + 3/(9 + u)")
    # ~0.1 s in py_ecc (254 doublings in Fq2); the check execution-specs' pairing precompile does.
    if not ob.is_inf(ob.multiply(pt, FR_MODULUS)):
        raise error(what, "is on the twist but not in the order-r subgroup G2 (r·P ≠ ∞)")
    return pt


def prepare_verifying_key(vk: VerifyingKey) -> PreparedVerifyingKey:
    """Check every point of ``vk`` and precompute what does not depend on the proof.

    Costs three G2 subgroup checks and one Miller loop (about 0.5–0.8 s in py_ecc); prepare once per key and pass
    the result to ``verify_proof`` / ``verify_proofs_batched`` for every proof under it.

    Parameters
    ----------
    vk : VerifyingKey
        Affine Python ints (``None`` = ∞; G2 real part first).

    Returns
    -------
    PreparedVerifyingKey

    Raises
    ------
    MalformedVerifyingKey
        A coordinate is not an int in [0, q); α or an IC point is not on the curve; β, γ or δ is not on the twist or
        not in G2; α, β, γ or δ is the point at infinity; ``ic`` is empty.
    """
    if not isinstance(vk, VerifyingKey):
        raise TypeError(f"Argument 'vk' must be a VerifyingKey, not {type(vk).__name__}")
    for name in ("alpha_g1", "beta_g2", "gamma_g2", "delta_g2"):
        if getattr(vk, name) is None:
            raise MalformedVerifyingKey(f"vk.{name}", "must not be the point at infinity (the key would be degenerate)")
    if len(vk.ic) == 0:
        raise MalformedVerifyingKey("vk.ic", "must hold at least IC_0, got 0 points")
    alpha = _g1_point(vk.alpha_g1, "vk.alpha_g1", MalformedVerifyingKey)
    beta = _g2_point(vk.beta_g2, "vk.beta_g2", MalformedVerifyingKey)
    gamma = _g2_point(vk.gamma_g2, "vk.gamma_g2", MalformedVerifyingKey)
    delta = _g2_point(vk.delta_g2, "vk.delta_g2", MalformedVerifyingKey)
    ic = tuple(_g1_point(p, f"vk.ic[{j}]", MalformedVerifyingKey) for j, p in enumerate(vk.ic))
    return PreparedVerifyingKey(
        vk=vk,
        alpha_g1=alpha,
        beta_g2=beta,
        gamma_g2=gamma,
        delta_g2=delta,
        ic=ic,
        alpha_beta_miller=ob.pairing(beta, alpha, final_exponentiate=False),
    )


def _as_prepared(vk: AnyVerifyingKey) -> PreparedVerifyingKey:
    return vk if isinstance(vk, PreparedVerifyingKey) else prepare_verifying_key(vk)


@dataclass(frozen=True)
class _CheckedStatement:
    """A proof and its public inputs after every check, ready for the pairing product."""

    pvk: PreparedVerifyingKey
    a: _G1
    b: _G2
    c: _G1
    inputs: tuple[int, ...]


def _check_statement(
    pvk: PreparedVerifyingKey, proof: Proof, public_inputs: Sequence[int], where: str
) -> _CheckedStatement:
    """Sizes first, then canonical inputs, then the proof points (cheapest checks first)."""
    if not isinstance(proof, Proof):
        raise TypeError(f"Argument 'proof' must be a Proof, not {type(proof).__name__}")
    inputs = tuple(public_inputs)
    if len(inputs) != pvk.n_public:
        raise PublicInputCountMismatch(pvk.n_public, len(inputs), what=f"{where}public_inputs")
    for i, x in enumerate(inputs):
        require_canonical_fr(x, f"{where}public_inputs[{i}]")
    return _CheckedStatement(
        pvk=pvk,
        a=_g1_point(proof.a, f"{where}proof.a", MalformedProof),
        c=_g1_point(proof.c, f"{where}proof.c", MalformedProof),
        b=_g2_point(proof.b, f"{where}proof.b", MalformedProof),
        inputs=inputs,
    )


def _msm(points: Sequence[_G1], scalars: Iterable[int]) -> _G1:
    """Σ s_j·P_j by one scalar multiplication per non-trivial term (ℓ is a handful; no Pippenger needed)."""
    acc = ob.Z1
    for p, s in zip(points, scalars, strict=True):
        s %= FR_MODULUS
        if s:
            acc = ob.add(acc, p if s == 1 else ob.multiply(p, s))
    return acc


def _is_one_after_final_exp(f: ob.FQ12) -> bool:
    return ob.final_exponentiate(f) == ob.FQ12.one()


# --- single proof -----------------------------------------------------------------------------------------------


def verify_proof(vk: AnyVerifyingKey, proof: Proof, public_inputs: Sequence[int]) -> bool:
    """Check one Groth16 proof: e(−A, B)·e(IC_x, γ)·e(C, δ)·e(α, β) = 1 (see the module docstring).

    Parameters
    ----------
    vk : VerifyingKey | PreparedVerifyingKey
        A plain key is prepared (and its points checked) on every call; prepare once for repeated use.
    proof : Proof
        Affine Python ints (``None`` = ∞ is accepted, as snarkjs and EIP-197 do).
    public_inputs : Sequence[int]
        x_1..x_ℓ in snarkjs ``public.json`` order (outputs, then public inputs), ints in [0, r).

    Returns
    -------
    bool
        True for a valid proof; False for a well-formed proof that does not verify.

    Raises
    ------
    PublicInputCountMismatch
        ``len(public_inputs) != vk.n_public`` (checked first).
    NonCanonicalFieldElement
        A public input is not an int in [0, r); the message names its index.
    MalformedProof
        A proof coordinate is not an int in [0, q); A or C is not on the curve; B is not on the twist or not in G2.
    MalformedVerifyingKey
        As ``prepare_verifying_key``, when a plain key is passed.

    References
    ----------
    Groth16, eprint 2016/260; snarkjs 0.7.6 ``src/groth16_verify.js``.
    """
    return _pairing_check(_check_statement(_as_prepared(vk), proof, public_inputs, where=""))


def _pairing_check(st: _CheckedStatement) -> bool:
    """Three Miller loops, the prepared one of e(α, β), one final exponentiation."""
    pvk = st.pvk
    ic_x = _msm(pvk.ic, (1, *st.inputs))
    f = (
        ob.pairing(st.b, ob.neg(st.a), final_exponentiate=False)
        * ob.pairing(pvk.gamma_g2, ic_x, final_exponentiate=False)
        * ob.pairing(pvk.delta_g2, st.c, final_exponentiate=False)
        * pvk.alpha_beta_miller
    )
    return _is_one_after_final_exp(f)


# --- batches ----------------------------------------------------------------------------------------------------


def _absorb_g1(h, p: G1Affine) -> None:
    h.update(b"\x00" if p is None else b"\x01" + p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big"))


def _absorb_g2(h, p: G2Affine) -> None:
    if p is None:
        h.update(b"\x00")
        return
    (x0, x1), (y0, y1) = p
    h.update(b"\x01" + b"".join(v.to_bytes(32, "big") for v in (x0, x1, y0, y1)))


def fiat_shamir_weights(items: Sequence[Statement]) -> list[int]:
    """Batch weights derived by hashing every key, proof and public input of ``items`` (Fiat–Shamir).

    seed = SHA-256(domain ‖ K ‖ for each item: vk points ‖ proof points ‖ ℓ ‖ inputs), points as 32-byte big-endian
    coordinates behind a 1-byte tag (0 = ∞); w_i = (SHA-256(seed ‖ i) mod (2^128 − 1)) + 1, so w_i ∈ [1, 2^128).

    Parameters
    ----------
    items : Sequence[tuple[VerifyingKey | PreparedVerifyingKey, Proof, Sequence[int]]]
        Already checked: coordinates and inputs must be ints in [0, 2^256).

    Returns
    -------
    list[int]
        One weight per item.
    """
    h = hashlib.sha256(_FS_DOMAIN)
    h.update(len(items).to_bytes(4, "big"))
    for vk, proof, inputs in items:
        key = vk.vk if isinstance(vk, PreparedVerifyingKey) else vk
        _absorb_g1(h, key.alpha_g1)
        for p2 in (key.beta_g2, key.gamma_g2, key.delta_g2):
            _absorb_g2(h, p2)
        h.update(len(key.ic).to_bytes(4, "big"))
        for p1 in key.ic:
            _absorb_g1(h, p1)
        _absorb_g1(h, proof.a)
        _absorb_g2(h, proof.b)
        _absorb_g1(h, proof.c)
        h.update(len(inputs).to_bytes(4, "big") + b"".join(x.to_bytes(32, "big") for x in inputs))
    seed = h.digest()
    return [
        int.from_bytes(hashlib.sha256(seed + i.to_bytes(4, "big")).digest(), "big") % ((1 << WEIGHT_BITS) - 1) + 1
        for i in range(len(items))
    ]


def random_weights(k: int) -> list[int]:
    """``k`` batch weights drawn from ``secrets`` in [1, 2^128): fresh verifier-side randomness."""
    return [secrets.randbelow((1 << WEIGHT_BITS) - 1) + 1 for _ in range(k)]


def _check_weights(weights: Sequence[int], k: int) -> list[int]:
    ws = list(weights)
    if len(ws) != k:
        raise ValueError(f"Argument 'weights' must hold one weight per item ({k}), not {len(ws)}")
    for i, w in enumerate(ws):
        if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w < FR_MODULUS:
            raise ValueError(f"Argument 'weights[{i}]' must be an int in [1, r), not {w!r}")
    return ws


def _prepare_items(items: Sequence[Statement]) -> list[PreparedVerifyingKey]:
    """One prepared key per item; a key object shared by several items is prepared once."""
    cache: dict[int, PreparedVerifyingKey] = {}
    out = []
    for vk, _, _ in items:
        if id(vk) not in cache:
            cache[id(vk)] = _as_prepared(vk)
        out.append(cache[id(vk)])
    return out


def _check_items(items: Sequence[Statement]) -> list[_CheckedStatement]:
    if len(items) == 0:
        raise ValueError("Argument 'items' must hold at least one (vk, proof, public_inputs), not 0")
    pvks = _prepare_items(items)
    return [
        _check_statement(pvk, proof, inputs, where=f"items[{i}].")
        for i, (pvk, (_, proof, inputs)) in enumerate(zip(pvks, items, strict=True))
    ]


class _PairingProduct:
    """Σ of G1 points per distinct G2 point, then one Miller loop per G2 point (bilinearity in the G1 argument)."""

    def __init__(self) -> None:
        self._terms: dict[tuple[int, ...], list] = {}

    def add(self, q: _G2, p: _G1) -> None:
        # Every G2 point here was built from affine coordinates (z = 1) or is Z2, so equal points have equal keys.
        q_key = tuple(int(c) for coord in q for c in coord.coeffs)
        if q_key in self._terms:
            self._terms[q_key][1] = ob.add(self._terms[q_key][1], p)
        else:
            self._terms[q_key] = [q, p]

    def miller_loops(self) -> ob.FQ12:
        """The product of one Miller loop per distinct G2 point (no final exponentiation)."""
        f = ob.FQ12.one()
        for q, p in self._terms.values():
            f = f * ob.pairing(q, p, final_exponentiate=False)
        return f


def verify_proofs_batched(items: Sequence[Statement], *, weights: Sequence[int] | None = None) -> bool:
    """Check K Groth16 proofs, possibly under different keys, with one final exponentiation.

    The product, its cost and the weights are derived in the module docstring. True means every proof is valid
    (except with probability ≤ 2^-128); on False, ``find_invalid_proofs`` names the culprits.

    Parameters
    ----------
    items : Sequence[tuple[VerifyingKey | PreparedVerifyingKey, Proof, Sequence[int]]]
        The statements; items that share a key object share its preparation and its γ/δ/IC terms.
    weights : Sequence[int], optional
        One weight per item, ints in [1, r); default ``fiat_shamir_weights(items)``. Use ``random_weights(K)`` for
        verifier-side randomness. Weights a submitter can choose make the check unsound.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        ``items`` is empty, or ``weights`` has the wrong length or a weight outside [1, r).
    PublicInputCountMismatch, NonCanonicalFieldElement, MalformedProof, MalformedVerifyingKey
        As ``verify_proof``, for the first malformed item; the error names it (``items[i]. …``).
    """
    checked = _check_items(items)
    ws = fiat_shamir_weights(items) if weights is None else _check_weights(weights, len(items))

    product = _PairingProduct()
    keys: dict[int, PreparedVerifyingKey] = {}
    ic_scalars: dict[int, list[int]] = {}  # per key: Σ_i w_i·x_{i,j} for j = 0..ℓ (x_{i,0} = 1)
    for st, w in zip(checked, ws, strict=True):
        product.add(st.b, ob.multiply(ob.neg(st.a), w))
        product.add(st.pvk.delta_g2, ob.multiply(st.c, w))
        keys[id(st.pvk)] = st.pvk
        scalars = ic_scalars.setdefault(id(st.pvk), [0] * len(st.pvk.ic))
        for j, x in enumerate((1, *st.inputs)):
            scalars[j] = (scalars[j] + w * x) % FR_MODULUS

    f = ob.FQ12.one()
    for key_id, scalars in ic_scalars.items():
        pvk = keys[key_id]
        product.add(pvk.gamma_g2, _msm(pvk.ic, scalars))
        # scalars[0] = Σ w_i = W_k (mod r): e(α_k, β_k)^{W_k} as a power of the prepared Miller loop.
        f = f * pvk.alpha_beta_miller ** scalars[0]
    return _is_one_after_final_exp(f * product.miller_loops())


def find_invalid_proofs(items: Sequence[Statement]) -> list[int]:
    """Indices of the items whose proof does not verify, by one ``verify_proof`` per item (the batch fallback).

    Parameters
    ----------
    items : Sequence[tuple[VerifyingKey | PreparedVerifyingKey, Proof, Sequence[int]]]

    Returns
    -------
    list[int]
        Ascending; empty when every proof verifies.

    Raises
    ------
    ValueError, PublicInputCountMismatch, NonCanonicalFieldElement, MalformedProof, MalformedVerifyingKey
        As ``verify_proofs_batched``: malformed input is an error, not an invalid proof.
    """
    return [i for i, st in enumerate(_check_items(items)) if not _pairing_check(st)]

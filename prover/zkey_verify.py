"""``zkey verify``: does a Groth16 ``.zkey`` come from this circuit and this powers of tau through valid contributions?

The checks are snarkjs 0.7.6's (``zkey_verify_fromr1cs.js`` → ``zkey_verify_frominit.js``), in its order, against
the fresh key ``prover.setup_from_ptau`` makes from the same ``.r1cs`` and ``.ptau`` (the ``_0000.zkey``, "init"):

1. each contribution i (δ_0 = G1, sp_i = hash_to_g2(transcript_i)):
   transcript_i = BLAKE2b-512(csHash ‖ public keys 1 … i−1 ‖ g1_s ‖ g1_sx); same ratio (g1_s, g1_sx; sp_i, g2_spx)
   (knowledge of x_i); same ratio (δ_{i−1}, deltaAfter_i; sp_i, g2_spx) (δ moved by x_i); a beacon's g1_s and g1_sx
   are recomputed from its hash and iteration count;
2. nVars, nPublic, domainSize, α₁, β₁, β₂, γ₂ as in init; δ₁ = the last deltaAfter; same ratio (G1, δ₁; G2, δ₂);
3. csHash as in init; sections IC, coefficients, A, B1, B2 byte for byte as in init;
4. L (section 8): same ratio (Σ ρ_i·L_i^init, Σ ρ_i·L_i; δ₂, G2) with random ρ_i;
5. H (section 9): with random ρ_i (i < d − 1, ρ_{d−1} = 0) and ρ(X) = Σ ρ_i X^i, p(X) = ρ(X)·(X^d − 1) vanishes on
   ⟨ω⟩, so p = Σ_j p(g·ω^j)·L_{2d,2j+1} with g = ω_{2d}: same ratio (Σ ρ_i·(τ^{d+i} − τ^i)·G1 from the ptau,
   Σ_j c_j·H_j; δ₂, G2) with c_j = (g^d − 1)·ρ(g·ω^j), one coset NTT.

"Same ratio (a, b; A, B)" is e(a, B) = e(b, A) with none of the four points ∞ (snarkjs ``sameRatio``). Each such
check is deferred and all are decided together: with random 128-bit weights w_k, Π_k e(w_k·a_k, B_k)·e(−w_k·b_k, A_k)
= 1, the G1 terms summed per distinct G2 point, so 2 + 2·(contributions) Miller loops and one final exponentiation
(py_ecc). Only when that fails are the checks run one by one, to name the first failure in snarkjs's order.

Differences from snarkjs, all in the safe direction (we may refuse what it accepts, never the reverse): points are
checked to be on their curves and G2 points (δ₂, each g2_spx) to be in the order-r subgroup; the random combinations
use 64-bit (L) and 253-bit (H) coefficients where snarkjs uses 32-bit and full-width; a beacon whose replay needs
more than 2^MAX_BEACON_REPLAY_EXP hashes is not replayed (``BeaconTooCostly``). A key with no contribution (δ = γ =
the generator, e.g. snarkjs's ``_0000.zkey`` or ``zksvs setup``'s output) passes as it does in snarkjs, with
``ZkeyVerification.uncontributed`` set: anyone can forge proofs for it.

Public API::

    verify_zkey(r1cs, ptau, zkey) -> ZkeyVerification

References
----------
snarkjs 0.7.6 ``src/zkey_verify_frominit.js``, ``src/misc.js`` (sameRatio); Bowe, Gabizon, Miers, eprint 2017/1050
(same-ratio checks of phase 2); Bellare, Garay, Rabin, EUROCRYPT 1998 (small-exponent batch test).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from py_ecc import optimized_bn128 as _ob

from accel.field import fq_add_arr, fq_mul_arr, fq_neg_arr, fq_sqr_arr, fr_from_mont_arr, fr_to_mont_arr
from prover.contribution_key import fr_from_rng, g1_from_rng, hash_to_g2, rng_from_beacon
from prover.dev_setup import G1_GENERATOR
from prover.domain import EvaluationDomain
from prover.kernels.curve import affine_to_jac_arr, jac_to_affine_arr, madd_arr
from prover.msm import g1_mul, msm_g1
from prover.phase2 import setup_from_ptau
from zksvs.errors import BeaconTooCostly, SetupError
from zksvs.field import FQ_MODULUS, FR_MODULUS, FR_TWO_ADICITY
from zksvs.formats.binfile import read_binfile, to_bytes
from zksvs.formats.ptau_file import Ptau, read_ptau
from zksvs.formats.r1cs_file import read_r1cs
from zksvs.formats.zkey_contributions import (
    BEACON,
    Contribution,
    contribution_hash,
    g1_uncompressed,
    hash_public_key,
    parse_contributions,
)
from zksvs.formats.zkey_file import MAGIC, SECTION_NAMES, VERSION, ZkeyFile, read_zkey, write_zkey
from zksvs.groth16 import G2_GENERATOR, G1Affine, G2Affine, is_uncontributed
from zksvs.limbs import ints_to_limbs
from zksvs.r1cs import R1CS

__all__ = ["MAX_BEACON_REPLAY_EXP", "ZkeyVerification", "verify_zkey"]

_Q = int(FQ_MODULUS)
_R = FR_MODULUS
#: beacons are replayed up to 2^28 SHA-256 calls (about 3 minutes here); snarkjs's docs use 2^10
MAX_BEACON_REPLAY_EXP = 28
_L_COEFF_BYTES = 8  # 64-bit random coefficients for the L combination
_WEIGHT_BITS = 128  # weights of the batched same-ratio check
_THREE_MONT = ints_to_limbs([(3 << 256) % _Q])[0]


@dataclass(frozen=True)
class ZkeyVerification:
    """The verdict of ``verify_zkey``.

    Attributes
    ----------
    ok : bool
        True exactly when every check passed (snarkjs would print "ZKey Ok!").
    reason : str or None
        The first failed check, in snarkjs's order (None when ``ok``).
    cs_hash : bytes
        The key's circuit hash (64 bytes).
    contributions : tuple of Contribution
        Section 10's contributions, oldest first.
    contribution_hashes : tuple of bytes
        Their 64-byte hashes (the ones snarkjs lists).
    uncontributed : bool
        The key's δ₂ is the G2 generator: no contribution, anyone can forge proofs (``zksvs.groth16``).
    """

    ok: bool
    reason: str | None
    cs_hash: bytes
    contributions: tuple[Contribution, ...] = field(default_factory=tuple)
    contribution_hashes: tuple[bytes, ...] = field(default_factory=tuple)
    uncontributed: bool = False


# --- points: validity and py_ecc forms --------------------------------------------------------------------------------


def _ob_g1(p: G1Affine):
    return _ob.Z1 if p is None else (_ob.FQ(p[0]), _ob.FQ(p[1]), _ob.FQ.one())


def _ob_g2(p: G2Affine):
    return _ob.Z2 if p is None else (_ob.FQ2(list(p[0])), _ob.FQ2(list(p[1])), _ob.FQ2.one())


def _g1_valid(p: G1Affine) -> bool:
    # G1's cofactor is 1: on the curve is in the group
    return p is None or (min(p) >= 0 and max(p) < _Q and _ob.is_on_curve(_ob_g1(p), _ob.b))


def _g2_valid(p: G2Affine) -> bool:
    if p is None:
        return True
    pt = _ob_g2(p)
    return _ob.is_on_curve(pt, _ob.b2) and _ob.is_inf(_ob.multiply(pt, _R))


def _off_curve_g1(points: np.ndarray) -> int:
    """Index of the first affine G1 point (Montgomery limbs, ∞ = zeros) not on y² = x³ + 3, or −1."""
    pts = np.ascontiguousarray(points, dtype=np.uint64)
    if len(pts) == 0:
        return -1
    x, y = np.ascontiguousarray(pts[:, 0]), np.ascontiguousarray(pts[:, 1])
    rhs = fq_add_arr(fq_mul_arr(fq_sqr_arr(x), x), np.tile(_THREE_MONT, (len(pts), 1)))
    bad = ~(fq_sqr_arr(y) == rhs).all(axis=1) & (pts.reshape(len(pts), -1) != 0).any(axis=1)
    idx = np.flatnonzero(bad)
    return int(idx[0]) if idx.size else -1


# --- same-ratio checks, batched ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ratio:
    """e(a, B) = e(b, A): "a and b have the same ratio as A and B"."""

    reason: str
    a: G1Affine
    b: G1Affine
    big_a: G2Affine
    big_b: G2Affine


def _ratio_holds(k: _Ratio) -> bool:
    f = _ob.pairing(_ob_g2(k.big_b), _ob_g1(k.a), final_exponentiate=False)
    f = f * _ob.pairing(_ob_g2(k.big_a), _ob.neg(_ob_g1(k.b)), final_exponentiate=False)
    return _ob.final_exponentiate(f) == _ob.FQ12.one()


def _first_failed(ratios: list[_Ratio]) -> str | None:
    """The reason of the first ratio that fails, or None when all hold (one batched pairing product first)."""
    if not ratios:
        return None
    by_g2: dict[G2Affine, object] = {}
    for k in ratios:
        w = secrets.randbits(_WEIGHT_BITS) | 1
        for g2, g1 in ((k.big_b, g1_mul(k.a, w)), (k.big_a, g1_mul(k.b, _R - w))):
            by_g2[g2] = _ob.add(by_g2.get(g2, _ob.Z1), _ob_g1(g1))
    f = _ob.FQ12.one()
    for g2, g1 in by_g2.items():
        if not _ob.is_inf(g1):
            f = f * _ob.pairing(_ob_g2(g2), g1, final_exponentiate=False)
    if _ob.final_exponentiate(f) == _ob.FQ12.one():
        return None
    for k in ratios:
        if not _ratio_holds(k):
            return k.reason
    raise AssertionError("the batched same-ratio check failed but every single check holds")


class _Checks:
    """Checks in snarkjs's order: cheap ones decided at once, same-ratio ones deferred (module docstring)."""

    def __init__(self) -> None:
        self.pending: list[_Ratio] = []

    def same_ratio(self, reason: str, a: G1Affine, b: G1Affine, big_a: G2Affine, big_b: G2Affine) -> str | None:
        """Defer the check; returns a failure (``fail(reason)``) only when a point is ∞, else None."""
        if a is None or b is None or big_a is None or big_b is None:  # snarkjs sameRatio: false on any ∞
            return self.fail(reason)
        self.pending.append(_Ratio(reason, a, b, big_a, big_b))
        return None

    def fail(self, reason: str) -> str:
        """``reason``, unless a deferred check before it fails (then that one's reason)."""
        return _first_failed(self.pending) or reason

    def finish(self) -> str | None:
        return _first_failed(self.pending)


# --- the checks -------------------------------------------------------------------------------------------------------


def _check_contributions(chk: _Checks, cs_hash: bytes, contributions, delta_g1_init: G1Affine):
    """Step 1. Returns (failure or None, δ after the last contribution)."""
    acc = hashlib.blake2b(digest_size=64)
    acc.update(cs_hash)
    cur_delta = delta_g1_init
    for i, c in enumerate(contributions):
        tag = f"contribution #{i + 1}"
        ours = acc.copy()
        ours.update(g1_uncompressed(c.g1_s))
        ours.update(g1_uncompressed(c.g1_sx))
        if ours.digest() != c.transcript:
            return chk.fail(f"{tag}: inconsistent transcript"), cur_delta
        for name, p in (("g1_s", c.g1_s), ("g1_sx", c.g1_sx), ("deltaAfter", c.delta_after)):
            if not _g1_valid(p):
                return chk.fail(f"{tag}: {name} is not a point of G1"), cur_delta
        if not _g2_valid(c.g2_spx):
            return chk.fail(f"{tag}: g2_spx is not a point of G2 (off the twist or the order-r subgroup)"), cur_delta
        sp = hash_to_g2(c.transcript)
        bad = chk.same_ratio(f"{tag}: public key G1 and G2 do not have the same ratio", c.g1_s, c.g1_sx, sp, c.g2_spx)
        bad = bad or chk.same_ratio(
            f"{tag}: deltaAfter does not follow the public key", cur_delta, c.delta_after, sp, c.g2_spx
        )
        if bad:
            return bad, cur_delta
        if c.type == BEACON:
            if c.num_iterations_exp > MAX_BEACON_REPLAY_EXP:
                raise BeaconTooCostly(
                    f"{tag} is a beacon of 2^{c.num_iterations_exp} SHA-256 iterations; zkey verify replays at most "
                    f"2^{MAX_BEACON_REPLAY_EXP}"
                )
            rng = rng_from_beacon(c.beacon_hash, c.num_iterations_exp)
            x = fr_from_rng(rng)
            g1_s = g1_from_rng(rng)
            if g1_s != c.g1_s:
                return chk.fail(f"{tag}: key of the beacon does not match (g1_s)"), cur_delta
            if g1_mul(g1_s, x) != c.g1_sx:
                return chk.fail(f"{tag}: key of the beacon does not match (g1_sx)"), cur_delta
        hash_public_key(acc, c)
        cur_delta = c.delta_after
    return None, cur_delta


def _section_mismatch(zkey_path: str | Path, init_bytes: bytes) -> str | None:
    ours = read_binfile(zkey_path, MAGIC, (VERSION,), SECTION_NAMES)
    init = read_binfile(init_bytes, MAGIC, (VERSION,), SECTION_NAMES)
    for sid, what in ((3, "IC"), (4, "coefficients"), (5, "A"), (6, "B1"), (7, "B2")):
        if not np.array_equal(ours.section(sid), init.section(sid)):
            return f"{what} section is not identical to the one the circuit and ptau give"
    return None


def _random_scalars(n: int, n_bytes: int) -> np.ndarray:
    """``uint64[n, 4]`` normal-form scalars from ``os.urandom``: ``n_bytes`` ≤ 8 random low bytes, or 253 bits."""
    out = np.zeros((n, 4), dtype=np.uint64)
    if n_bytes <= 8:
        raw = np.frombuffer(os.urandom(8 * n), dtype="<u8").astype(np.uint64)
        out[:, 0] = raw >> np.uint64(64 - 8 * n_bytes)
    else:
        out[:] = np.frombuffer(os.urandom(32 * n), dtype="<u8").astype(np.uint64).reshape(n, 4)
        out[:, 3] &= np.uint64((1 << 61) - 1)  # < 2^253 < r
    return out


def _l_combinations(init_l: np.ndarray, l_query: np.ndarray) -> tuple[G1Affine, G1Affine]:
    rho = _random_scalars(len(l_query), _L_COEFF_BYTES)
    return msm_g1(np.ascontiguousarray(init_l), rho), msm_g1(np.ascontiguousarray(l_query), rho)


def _h_combinations(ptau: Ptau, h_query: np.ndarray, d: int) -> tuple[G1Affine, G1Affine]:
    log_n = d.bit_length() - 1
    if log_n >= FR_TWO_ADICITY:
        raise SetupError(f"zkey verify of a 2^{log_n} domain is not supported (the H check needs a 2^{log_n + 1} one)")
    rho = _random_scalars(d, 32)
    rho[d - 1] = 0  # the top τ power is not in the ptau (snarkjs: "last one is zero")
    # Σ ρ_i·(τ^{d+i} − τ^i)·G1 over i < d − 1
    hi = np.ascontiguousarray(ptau.tau_g1[d : 2 * d - 1])
    lo = np.array(ptau.tau_g1[: d - 1], dtype=np.uint64)
    lo[:, 1] = fq_neg_arr(np.ascontiguousarray(lo[:, 1]))
    diff = jac_to_affine_arr(madd_arr(affine_to_jac_arr(hi), lo))
    r1 = msm_g1(diff, np.ascontiguousarray(rho[: d - 1]))
    # c_j = ρ(g·ω^j) by one coset NTT; the factor (g^d − 1) goes on R2 afterwards
    dom = EvaluationDomain.of_log_size(log_n)
    evals = fr_to_mont_arr(rho)
    dom.coset_ntt_inplace(evals)
    r2 = msm_g1(np.ascontiguousarray(h_query), fr_from_mont_arr(evals))
    return r1, g1_mul(r2, (pow(dom.coset_shift, d, _R) - 1) % _R)


def verify_zkey(r1cs: R1CS | str | Path, ptau: Ptau | str | Path, zkey: str | Path) -> ZkeyVerification:
    """Check ``zkey`` against the circuit and the powers of tau as ``snarkjs zkey verify`` does (module docstring).

    Parameters
    ----------
    r1cs : R1CS or path
    ptau : Ptau or path
        Prepared for phase 2 (the one the key was set up from).
    zkey : path

    Returns
    -------
    ZkeyVerification
        ``ok`` and, when not, the first failed check.

    Raises
    ------
    FormatError
        A file is unreadable: wrong type, truncated, non-canonical, malformed section 10, a header point off its
        curve (``read_zkey``).
    SetupError
        The ptau is not prepared for phase 2 or too small for the circuit (``CircuitTooLarge``): snarkjs fails too.
    BeaconTooCostly
        A beacon's replay would take more than 2^MAX_BEACON_REPLAY_EXP hashes.
    """
    zk: ZkeyFile = read_zkey(zkey)
    params = parse_contributions(zk.contributions, zk.path)
    pk = zk.proving_key
    hashes = tuple(contribution_hash(c) for c in params.contributions)

    def verdict(reason: str | None) -> ZkeyVerification:
        return ZkeyVerification(
            reason is None, reason, params.cs_hash, params.contributions, hashes, is_uncontributed(pk.vk)
        )

    chk = _Checks()
    bad, cur_delta = _check_contributions(chk, params.cs_hash, params.contributions, G1_GENERATOR)
    if bad:
        return verdict(bad)

    if not isinstance(r1cs, R1CS):
        r1cs = read_r1cs(r1cs)
    if not isinstance(ptau, Ptau):
        ptau = read_ptau(ptau)
    init = setup_from_ptau(r1cs, ptau)

    if (pk.n_wires, pk.n_public, pk.domain_size) != (init.n_wires, init.n_public, init.domain_size):
        return verdict(chk.fail("different circuit parameters (nVars, nPublic or domainSize)"))
    for name, ours, theirs in (
        ("alpha1", pk.alpha_g1, init.alpha_g1),
        ("beta1", pk.beta_g1, init.beta_g1),
        ("beta2", pk.beta_g2, init.beta_g2),
        ("gamma2", pk.vk.gamma_g2, init.vk.gamma_g2),
    ):
        if ours != theirs:
            return verdict(chk.fail(f"invalid {name}"))
    if pk.delta_g1 != cur_delta:
        return verdict(chk.fail("invalid delta1: not the last contribution's deltaAfter"))
    if not _g2_valid(pk.delta_g2):
        return verdict(chk.fail("invalid delta2: not a point of G2 (off the twist or the order-r subgroup)"))
    bad = chk.same_ratio(
        "invalid delta2: delta1 and delta2 do not match", G1_GENERATOR, cur_delta, G2_GENERATOR, pk.delta_g2
    )
    if bad:
        return verdict(bad)
    if params.cs_hash != init.cs_hash:
        return verdict(chk.fail("circuit does not match (circuit hash differs from the one of this r1cs and ptau)"))
    mismatch = _section_mismatch(zkey, to_bytes(write_zkey, init, r1cs.to_matrices(include_c=False)))
    if mismatch:
        return verdict(chk.fail(mismatch))

    for name, arr in (("L", pk.c_query), ("H", pk.h_query)):
        i = _off_curve_g1(arr)
        if i >= 0:
            return verdict(chk.fail(f"{name} section point {i} is not on the curve"))
    if len(pk.c_query):
        r1, r2 = _l_combinations(init.c_query, pk.c_query)
        bad = chk.same_ratio("L section does not match", r1, r2, pk.delta_g2, init.delta_g2)
        if bad:
            return verdict(bad)
    r1, r2 = _h_combinations(ptau, pk.h_query, pk.domain_size)
    return verdict(chk.same_ratio("H section does not match", r1, r2, pk.delta_g2, init.delta_g2) or chk.finish())

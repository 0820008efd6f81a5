"""Groth16 phase 2: add one contribution (random, or a public beacon) to a ``.zkey``, as snarkjs does.

A contribution with secret x = δ' (drawn by ``prover.contribution_key``) turns the key's

=================  ================================  ==================================================
part               before                            after
=================  ================================  ==================================================
δ₁, δ₂ (header)    δ·G1, δ·G2                        x·δ·G1, x·δ·G2
C / L (section 8)  (β·u_i + α·v_i + w_i)(τ)/δ · G1   the same / x       (each point times x⁻¹)
H (section 9)      L_{2n,2j+1}(τ)/δ · G1             the same / x
section 10         csHash, contributions             + (x·δ·G1, s·G1, x·s·G1, x·sp, transcript, type, params)
=================  ================================  ==================================================

and copies everything else byte for byte, so a proof made with the new key needs the new δ, which nobody knows if
any one contributor forgot their x. A *beacon* contribution draws x from a public random value (SHA-256 iterated
2^e times from BEACON_HEX), so anyone can recompute it: it closes a ceremony without trusting its last contributor
(who cannot predict the beacon), and it is byte-for-byte reproducible: ``beacon`` writes the same file as
``snarkjs zkey beacon`` with the same inputs.

Public API::

    contribute(src, dest, *, name=None, entropy="") -> ContributionResult
    beacon(src, dest, beacon_hash: bytes, num_iterations_exp: int, *, name=None) -> ContributionResult
    parse_beacon_hex(text: str) -> bytes

References
----------
snarkjs 0.7.6 ``src/zkey_contribute.js``, ``src/zkey_beacon.js``, ``src/mpc_applykey.js``; Bowe, Gabizon, Miers,
"Scalable multi-party computation for zk-SNARK parameters in the random beacon model", eprint 2017/1050 (phase 2).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numba

from prover.contribution_key import (
    BEACON_MAX_EXP,
    BEACON_MIN_EXP,
    ChaCha,
    ContributionKey,
    rng_from_beacon,
    rng_from_entropy,
)
from prover.kernels.scale import batch_scale
from prover.msm import g1_mul, g2_mul
from zksvs.errors import InputError
from zksvs.field import FR_MODULUS
from zksvs.formats.zkey_contributions import (
    BEACON,
    BEACON_HASH_MAX_BYTES,
    CONTRIBUTION,
    Contribution,
    contribution_hash,
    parse_contributions,
    serialize_contributions,
)
from zksvs.formats.zkey_file import read_zkey, write_contributed_zkey

__all__ = ["ContributionResult", "beacon", "contribute", "parse_beacon_hex"]

_HEX = re.compile(r"[0-9a-fA-F]+")


@dataclass(frozen=True)
class ContributionResult:
    """What a contribution did.

    Attributes
    ----------
    cs_hash : bytes
        The key's circuit hash (64 bytes; all zeros for a key that did not come from a ptau setup).
    contribution : Contribution
        The new entry of section 10.
    contribution_hash : bytes
        64 bytes, the hash ``zkey verify`` lists for it.
    index : int
        Its number in the key, from 1.
    """

    cs_hash: bytes
    contribution: Contribution
    contribution_hash: bytes
    index: int


def _apply(src: str | os.PathLike, dest: str | os.PathLike, rng: ChaCha, make, n_threads: int | None):
    """Draw the key from ``rng``, build the section-10 entry with ``make(delta_g1, key)``, rescale, write."""
    zkey = read_zkey(src)
    prior = parse_contributions(zkey.contributions, zkey.path)
    key = ContributionKey.draw(rng, prior)
    x_inv = pow(key.secret, -1, FR_MODULUS)
    pk = zkey.proving_key
    t = numba.get_num_threads() if n_threads is None else n_threads
    delta_g1 = g1_mul(pk.delta_g1, key.secret)
    c = make(delta_g1, key)
    params = prior.appended(c)
    c_query = batch_scale(pk.c_query, x_inv, n_threads=t)
    h_query = batch_scale(pk.h_query, x_inv, n_threads=t)
    # a temporary file beside dest, renamed at the end: dest may be src (still mapped), and no half-written key is left
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write_contributed_zkey(
                src,
                f,
                delta_g1=delta_g1,
                delta_g2=g2_mul(pk.delta_g2, key.secret),
                c_query=c_query,
                h_query=h_query,
                contributions=serialize_contributions(params),
            )
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ContributionResult(prior.cs_hash, c, contribution_hash(c), len(params.contributions))


def contribute(
    src: str | os.PathLike,
    dest: str | os.PathLike,
    *,
    name: str | None = None,
    entropy: str = "",
    n_threads: int | None = None,
) -> ContributionResult:
    """Add a random contribution to ``src`` and write the key to ``dest`` (``snarkjs zkey contribute``).

    Parameters
    ----------
    src, dest : path
        ``dest`` may equal ``src`` (written to a temporary file beside it, then renamed).
    name : str, optional
        Recorded in the key (its first 64 UTF-16 code units, as snarkjs); not covered by any hash.
    entropy : str
        Extra text mixed with 64 bytes from ``os.urandom`` (which alone is enough); snarkjs asks for it.
    n_threads : int, optional
        Threads for the point multiplications.

    Returns
    -------
    ContributionResult

    Raises
    ------
    FormatError
        ``src`` is not a readable Groth16 BN254 ``.zkey`` (truncated, wrong type, malformed section 10 …).
    """
    rng = rng_from_entropy(entropy)

    def make(delta_g1, key: ContributionKey) -> Contribution:
        return Contribution(delta_g1, key.g1_s, key.g1_sx, key.g2_spx, key.transcript, CONTRIBUTION, name or None)

    return _apply(src, dest, rng, make, n_threads)


def parse_beacon_hex(text: str) -> bytes:
    """A beacon hash given as hex digits (``snarkjs zkey beacon``'s BEACON_HEX: no ``0x``, even length, 1–255 bytes).

    Raises
    ------
    InputError
        Anything else (snarkjs says "Invalid Beacon Hash" / "Maximum length of beacon hash is 255 bytes").
    """
    if not isinstance(text, str) or not _HEX.fullmatch(text) or len(text) % 2:
        raise InputError(f"beacon hash must be an even number of hex digits without 0x (as snarkjs), not {text!r:.80}")
    raw = bytes.fromhex(text)
    if len(raw) > BEACON_HASH_MAX_BYTES:
        raise InputError(f"beacon hash has {len(raw)} bytes, at most {BEACON_HASH_MAX_BYTES} (snarkjs's limit)")
    return raw


def beacon(
    src: str | os.PathLike,
    dest: str | os.PathLike,
    beacon_hash: bytes,
    num_iterations_exp: int,
    *,
    name: str | None = None,
    n_threads: int | None = None,
) -> ContributionResult:
    """Add a beacon contribution (x drawn from SHA-256^(2^e)(beacon_hash)): the same file as ``snarkjs zkey beacon``.

    Parameters
    ----------
    src, dest : path
    beacon_hash : bytes
        1–255 bytes (``parse_beacon_hex`` reads the CLI's hex).
    num_iterations_exp : int
        e in [10, 63]: SHA-256 runs 2^e times (2^20 takes about a second here).
    name : str, optional
    n_threads : int, optional

    Raises
    ------
    InputError
        ``beacon_hash`` empty or longer than 255 bytes, or e outside [10, 63] (snarkjs's limits).
    FormatError
        As ``contribute``.
    """
    if not isinstance(beacon_hash, (bytes, bytearray)) or not 1 <= len(beacon_hash) <= BEACON_HASH_MAX_BYTES:
        raise InputError(f"beacon hash must be 1 to {BEACON_HASH_MAX_BYTES} bytes, not {beacon_hash!r:.80}")
    if isinstance(num_iterations_exp, bool) or not isinstance(num_iterations_exp, int):
        raise InputError(f"beacon iterations exponent must be an int, not {num_iterations_exp!r}")
    if not BEACON_MIN_EXP <= num_iterations_exp <= BEACON_MAX_EXP:
        raise InputError(
            f"beacon iterations exponent must be in [{BEACON_MIN_EXP}, {BEACON_MAX_EXP}] (as snarkjs), "
            f"not {num_iterations_exp}"
        )
    beacon_hash = bytes(beacon_hash)
    rng = rng_from_beacon(beacon_hash, num_iterations_exp)

    def make(delta_g1, key: ContributionKey) -> Contribution:
        return Contribution(
            delta_g1,
            key.g1_s,
            key.g1_sx,
            key.g2_spx,
            key.transcript,
            BEACON,
            name or None,
            num_iterations_exp,
            beacon_hash,
        )

    return _apply(src, dest, rng, make, n_threads)

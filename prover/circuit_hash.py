"""snarkjs's circuit hash (csHash) of a fresh phase-2 key: what ``snarkjs zkey verify`` compares in section 10.

Functions::

    circuit_hash(proving_key, ptau) -> bytes    64 bytes, BLAKE2b-512 as ``zkey_new.js`` computes it

References
----------
snarkjs 0.7.6 ``src/zkey_new.js`` (``hashHPoints``, the csHash updates), ``src/zkey_verify_frominit.js``;
``@noble/hashes`` ``blake2b`` (dkLen 64 is plain BLAKE2b-512, as ``hashlib.blake2b``).
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np

from accel.field import fq_from_mont_arr, fq_neg_arr
from prover.kernels.curve import affine_to_jac_arr, jac_to_affine_arr, madd_arr
from prover.wasm_fq import wasm_sub_affine
from zksvs.formats.ptau_file import Ptau, read_ptau
from zksvs.groth16 import ProvingKey, g1_to_limbs, g2_to_limbs
from zksvs.limbs import limbs_to_ints

#: snarkjs hashes the H points in chunks of 2^14 and (a quirk of ``hashHPoints``) rounds the count up to whole chunks.
_HASH_CHUNK = 1 << 14


def _u_g1(points: np.ndarray) -> bytes:
    """snarkjs ``batchLEMtoU`` for G1: each coordinate in normal form, 32 bytes big-endian; ∞ → 64 zero bytes."""
    pts = np.ascontiguousarray(points, dtype=np.uint64).reshape(-1, 4)
    normal = fq_from_mont_arr(pts) if len(pts) else pts
    return np.ascontiguousarray(normal.astype("<u8").view(np.uint8).reshape(-1, 32)[:, ::-1]).tobytes()


def _u_g2(points: np.ndarray) -> bytes:
    """G2: each Fq2 coordinate c0 ‖ c1 (LE) byte-reversed as a whole, i.e. c1 then c0, each 32 bytes big-endian."""
    pts = np.ascontiguousarray(points, dtype=np.uint64).reshape(-1, 4)
    normal = fq_from_mont_arr(pts) if len(pts) else pts
    return np.ascontiguousarray(normal.astype("<u8").view(np.uint8).reshape(-1, 64)[:, ::-1]).tobytes()


def _h_hash_points(ptau: Ptau, d: int) -> bytes:
    """τ^i·(τ^d − 1)·G1 = tauG1[d + i] − tauG1[i] in snarkjs's uncompressed form, as ``hashHPoints`` hashes them.

    snarkjs writes the count d − 1 but hashes whole chunks of 2^14 points, so above 2^14 it hashes d points; when
    d = 2^power the last one reads the 64 bytes after section tauG1 (the next section's header and the start of
    tauG2[0]: ``Ptau.tau_g1_trailer``) and subtracts tauG1[d − 1] from them with its wasm field arithmetic
    (``prover.wasm_fq``).
    """
    count = d - 1 if d - 1 <= _HASH_CHUNK else -(-(d - 1) // _HASH_CHUNK) * _HASH_CHUNK
    tau_g1 = ptau.tau_g1
    n_inside = min(count, tau_g1.shape[0] - d)
    hi = np.ascontiguousarray(tau_g1[d : d + n_inside])
    lo = np.array(tau_g1[:n_inside], dtype=np.uint64)
    lo[:, 1] = fq_neg_arr(np.ascontiguousarray(lo[:, 1]))
    out = _u_g1(jac_to_affine_arr(madd_arr(affine_to_jac_arr(hi), lo)))
    if n_inside < count:
        assert count - n_inside == 1
        raw = ptau.tau_g1_trailer
        garbage = (int.from_bytes(raw[:32], "little"), int.from_bytes(raw[32:], "little"))
        x, y = limbs_to_ints(tau_g1[d - 1])  # raw Montgomery words, as the wasm code reads them
        p = wasm_sub_affine(garbage, (x, y))
        out += bytes(64) if p is None else p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big")
    return out


def circuit_hash(proving_key: ProvingKey, ptau: str | Path | Ptau) -> bytes:
    """The csHash of a fresh phase-2 key (section 10 of snarkjs's ``_0000.zkey``; ``zkey verify`` compares it).

    BLAKE2b-512 over, in order: α₁, β₁, β₂, γ₂, δ₁, δ₂; then for IC, H, C, A, B1, B2 a big-endian u32 count and the
    points. Points are in snarkjs's uncompressed form (normal-form coordinates, big-endian; G2 coordinates c1 before
    c0; ∞ = zeros). The H part is not the key's H section but tauG1[d + i] − tauG1[i] for i < d − 1
    (``hashHPoints``), with the count d − 1 written but, above 2^14, rounded up to whole chunks of 2^14 points
    (``_h_hash_points``).

    Raises
    ------
    FormatError
        From reading the ptau when it is given as a path.
    """
    if not isinstance(ptau, Ptau):
        ptau = read_ptau(ptau)
    pk = proving_key
    h = hashlib.blake2b(digest_size=64)
    h.update(_u_g1(g1_to_limbs([pk.alpha_g1, pk.beta_g1])))
    h.update(_u_g2(g2_to_limbs([pk.beta_g2, pk.vk.gamma_g2])))
    h.update(_u_g1(g1_to_limbs([pk.delta_g1])))
    h.update(_u_g2(g2_to_limbs([pk.delta_g2])))
    h.update(struct.pack(">I", len(pk.vk.ic)))
    h.update(_u_g1(g1_to_limbs(list(pk.vk.ic))))
    h.update(struct.pack(">I", pk.domain_size - 1))
    h.update(_h_hash_points(ptau, pk.domain_size))
    for arr, is_g2 in ((pk.c_query, False), (pk.a_query, False), (pk.b_g1_query, False), (pk.b_g2_query, True)):
        h.update(struct.pack(">I", arr.shape[0]))
        h.update(_u_g2(arr) if is_g2 else _u_g1(arr))
    return h.digest()


__all__ = ["circuit_hash"]

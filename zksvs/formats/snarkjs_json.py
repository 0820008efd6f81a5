"""snarkjs JSON: ``verification_key.json``, ``proof.json``, ``public.json`` ⇄ ``zksvs.groth16`` types.

Encoding (snarkjs 0.7.6, ffjavascript ``wasm_curve.js`` ``toObject``/``fromObject``):
- numbers are decimal strings;
- G1 is ``[x, y, z]`` with z = "1" (affine); the point at infinity is ``["0", "1", "0"]``;
- G2 is ``[[x_c0, x_c1], [y_c0, y_c1], [z_c0, z_c1]]`` (real part c0 first) with z = ["1", "0"]; infinity is
  ``[["0", "0"], ["1", "0"], ["0", "0"]]``. snarkjs's ``fromObject`` reads any z as Jacobian (x/z², y/z³), and
  so does this module; z = 0 is infinity;
- ``vk_alphabeta_12`` = e(α, β) ∈ Fq12 as ``[[[c0, c1] × 3] × 2]``: Fq12 = Fq6[w]/(w² − v),
  Fq6 = Fq2[v]/(v³ − (9 + u)), Fq2 = Fq[u]/(u² + 1). snarkjs's value is e(α, β)^(2x(6x² + 3x + 1)) in py_ecc's
  terms (ffjavascript's final exponentiation computes that fixed power of the usual one). ``snarkjs groth16 verify``
  does not read it; we write it so our files match snarkjs's byte for byte, and ignore it when reading.

JSON names (``vk_alpha_1``, ``pi_a``, ``IC`` …) appear only in this module (STYLE.md §4).
Reading checks structure, that numbers are decimal strings, coordinates < q, points on their curve, and public
inputs < r; errors name the key. Subgroup checks (G2) are the verifier's job.

References
----------
snarkjs 0.7.6 ``src/zkey_export_verificationkey.js``, ``src/groth16_prove.js``, ``src/groth16_verify.js``;
ffjavascript ``src/wasm_curve.js``; py_ecc 8.0 ``bn128``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any, BinaryIO, TextIO

from zksvs.errors import FormatError, NonCanonicalFieldElement, WrongFileType
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.groth16 import G1Affine, G2Affine, Proof, VerifyingKey

JsonSource = str | os.PathLike | TextIO | BinaryIO
JsonDest = str | os.PathLike | TextIO

PROTOCOL = "groth16"
CURVE = "bn128"
_DECIMAL = re.compile(r"[0-9]+\Z")
_Q = FQ_MODULUS
#: BN254's curve parameter x (u in some papers): q and r are polynomials in it (q = 36x⁴ + 36x³ + 24x² + 6x + 1).
BN_X = 4965661367192848881


def _bn():
    """py_ecc's bn128, imported on first use: only reading JSON points needs it, and writing a proof must not pay
    its import (~0.1 s of a proof's start-up)."""
    from py_ecc import bn128

    return bn128


#: e_snarkjs = e_py_ecc ** this, for vk_alphabeta_12 (checked against snarkjs's files in tests).
assert 36 * BN_X**4 + 36 * BN_X**3 + 24 * BN_X**2 + 6 * BN_X + 1 == FQ_MODULUS
_FFJS_GT_EXPONENT = 2 * BN_X * (6 * BN_X * BN_X + 3 * BN_X + 1) % FR_MODULUS


# --- numbers and points -----------------------------------------------------------------------------------------


def _dec(x: Any, what: str, modulus: int = _Q) -> int:
    if not isinstance(x, str) or not _DECIMAL.match(x):
        raise FormatError(f"{what} must be a decimal string, not {json.dumps(x)[:80]}")
    v = int(x)
    if v >= modulus:
        raise NonCanonicalFieldElement(f"{what} = {v} is not below the modulus {modulus}")
    return v


def _list(x: Any, n: int, what: str) -> list:
    if not isinstance(x, list) or len(x) != n:
        raise FormatError(f"{what} must be a list of {n} entries, not {json.dumps(x)[:80]}")
    return x


def g1_to_json(p: G1Affine) -> list[str]:
    """An affine G1 point as snarkjs's ``[x, y, "1"]`` (``["0", "1", "0"]`` for infinity)."""
    if p is None:
        return ["0", "1", "0"]
    return [str(p[0]), str(p[1]), "1"]


def g2_to_json(p: G2Affine) -> list[list[str]]:
    """An affine G2 point as ``[[x_c0, x_c1], [y_c0, y_c1], ["1", "0"]]`` (infinity: z = ["0", "0"])."""
    if p is None:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    (x0, x1), (y0, y1) = p
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def _fq2(x: Any, what: str) -> Any:  # py_ecc bn128.FQ2
    a = _list(x, 2, what)
    return _bn().FQ2([_dec(a[0], f"{what}[0]"), _dec(a[1], f"{what}[1]")])


def g1_from_json(obj: Any, what: str = "point") -> G1Affine:
    """Parse a snarkjs G1 point (``[x, y]`` or ``[x, y, z]``, Jacobian z) into affine ints; checks < q and on curve.

    Raises
    ------
    FormatError
        Wrong shape, a non-decimal entry, or a point off y² = x³ + 3 (the message names ``what``).
    NonCanonicalFieldElement
        A coordinate ≥ q.
    """
    if not isinstance(obj, list) or len(obj) not in (2, 3):
        raise FormatError(f"{what} must be a list [x, y, z] of decimal strings, not {json.dumps(obj)[:80]}")
    x, y = _dec(obj[0], f"{what}[0]"), _dec(obj[1], f"{what}[1]")
    z = _dec(obj[2], f"{what}[2]") if len(obj) == 3 else 1
    if z == 0:
        return None
    if z != 1:
        zi = pow(z, -1, _Q)
        x, y = x * zi * zi % _Q, y * zi * zi * zi % _Q
    bn = _bn()
    if not bn.is_on_curve((bn.FQ(x), bn.FQ(y)), bn.b):
        raise FormatError(f"{what} = ({x}, {y}) is not on the BN254 G1 curve")
    return (x, y)


def g2_from_json(obj: Any, what: str = "point") -> G2Affine:
    """Parse a snarkjs G2 point (``[[x_c0, x_c1], [y_c0, y_c1], [z_c0, z_c1]]``) into affine ints.

    Raises
    ------
    FormatError
        Wrong shape, a non-decimal entry, or a point off the twist y² = x³ + 3/(9 + u).
    NonCanonicalFieldElement
        A coordinate ≥ q.
    """
    if not isinstance(obj, list) or len(obj) not in (2, 3):
        raise FormatError(f"{what} must be a list [[x0, x1], [y0, y1], [z0, z1]], not {json.dumps(obj)[:80]}")
    x, y = _fq2(obj[0], f"{what}[0]"), _fq2(obj[1], f"{what}[1]")
    z = _fq2(obj[2], f"{what}[2]") if len(obj) == 3 else _bn().FQ2.one()
    if z == _bn().FQ2.zero():
        return None
    if z != _bn().FQ2.one():
        zi = z.inv()
        x, y = x * zi * zi, y * zi * zi * zi
    if not _bn().is_on_curve((x, y), _bn().b2):
        raise FormatError(f"{what} is not on the BN254 G2 twist")
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


# --- Fq12 (vk_alphabeta_12) -------------------------------------------------------------------------------------


def fq12_to_json(coeffs: Sequence[int]) -> list[list[list[str]]]:
    """py_ecc's Fq12 (12 coefficients over Fq[w]/(w¹² − 18w⁶ + 82)) as snarkjs's tower ``[[[a, b] × 3] × 2]``.

    In py_ecc u = w⁶ − 9 and v = w², so the tower entry [i][j] = a + b·u multiplies w^(i + 2j), and
    (a + b·u)·w^k = (a − 9b)·w^k + b·w^(k+6): hence b = c[k+6], a = c[k] + 9·c[k+6] with k = i + 2j.
    """
    c = [int(v) % _Q for v in coeffs]
    out: list[list[list[str]]] = []
    for i in range(2):
        row = []
        for j in range(3):
            k = i + 2 * j
            b = c[k + 6]
            a = (c[k] + 9 * b) % _Q
            row.append([str(a), str(b)])
        out.append(row)
    return out


def alphabeta_12(vk: VerifyingKey) -> list[list[list[str]]]:
    """e(α, β) in snarkjs's ``vk_alphabeta_12`` form, computed with py_ecc (about half a second)."""
    from py_ecc import optimized_bn128 as ob

    if vk.alpha_g1 is None or vk.beta_g2 is None:
        return fq12_to_json([1] + [0] * 11)
    a = (ob.FQ(vk.alpha_g1[0]), ob.FQ(vk.alpha_g1[1]), ob.FQ.one())
    (x0, x1), (y0, y1) = vk.beta_g2
    b = (ob.FQ2([x0, x1]), ob.FQ2([y0, y1]), ob.FQ2.one())
    # ffjavascript's final exponentiation (Fuentes-Castañeda et al. hard part) returns e^(2x(6x² + 3x + 1)) where
    # py_ecc returns e = f^((q¹² − 1)/r); raising to that fixed power reproduces snarkjs's value bit for bit.
    e = ob.pairing(b, a) ** _FFJS_GT_EXPONENT
    return fq12_to_json([int(v) for v in e.coeffs])


# --- verification key -------------------------------------------------------------------------------------------


def _require_keys(obj: Any, keys: Sequence[str], what: str) -> dict:
    if not isinstance(obj, dict):
        raise FormatError(f"{what} must be a JSON object, not {type(obj).__name__}")
    for k in keys:
        if k not in obj:
            raise FormatError(f"{what} is missing the key '{k}'")
    return obj


def _check_header(obj: dict, what: str) -> None:
    if obj["protocol"] != PROTOCOL:
        raise WrongFileType(f"{what}: 'protocol' is {obj['protocol']!r}, expected '{PROTOCOL}'")
    if obj["curve"] != CURVE:
        raise WrongFileType(f"{what}: 'curve' is {obj['curve']!r}, expected '{CURVE}' (BN254)")


def verifying_key_to_json(vk: VerifyingKey, *, include_alphabeta: bool = True) -> dict:
    """``vk`` as snarkjs's verification_key.json object (same keys, same order as ``zkey export``)."""
    out: dict[str, Any] = {
        "protocol": PROTOCOL,
        "curve": CURVE,
        "nPublic": vk.n_public,
        "vk_alpha_1": g1_to_json(vk.alpha_g1),
        "vk_beta_2": g2_to_json(vk.beta_g2),
        "vk_gamma_2": g2_to_json(vk.gamma_g2),
        "vk_delta_2": g2_to_json(vk.delta_g2),
    }
    if include_alphabeta:
        out["vk_alphabeta_12"] = alphabeta_12(vk)
    out["IC"] = [g1_to_json(p) for p in vk.ic]
    return out


def verifying_key_from_json(obj: Any, what: str = "verification_key") -> VerifyingKey:
    """Parse a verification_key.json object.

    Raises
    ------
    WrongFileType
        ``protocol`` is not "groth16" or ``curve`` not "bn128".
    FormatError
        A key is missing, a value has the wrong shape, a point is off its curve, ``nPublic != len(IC) − 1``.
    NonCanonicalFieldElement
        A coordinate ≥ q.
    """
    keys = ("protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC")
    obj = _require_keys(obj, keys, what)
    _check_header(obj, what)
    ic_raw = obj["IC"]
    if not isinstance(ic_raw, list) or not ic_raw:
        raise FormatError(f"{what}: 'IC' must be a non-empty list of G1 points")
    n_public = obj["nPublic"]
    if not isinstance(n_public, int) or isinstance(n_public, bool) or n_public != len(ic_raw) - 1:
        raise FormatError(
            f"{what}: 'nPublic' is {n_public!r}, but 'IC' has {len(ic_raw)} points (expected nPublic + 1)"
        )
    return VerifyingKey(
        alpha_g1=g1_from_json(obj["vk_alpha_1"], f"{what}.vk_alpha_1"),
        beta_g2=g2_from_json(obj["vk_beta_2"], f"{what}.vk_beta_2"),
        gamma_g2=g2_from_json(obj["vk_gamma_2"], f"{what}.vk_gamma_2"),
        delta_g2=g2_from_json(obj["vk_delta_2"], f"{what}.vk_delta_2"),
        ic=tuple(g1_from_json(p, f"{what}.IC[{i}]") for i, p in enumerate(ic_raw)),
    )


# --- proof ------------------------------------------------------------------------------------------------------


def proof_to_json(proof: Proof) -> dict:
    """``proof`` as snarkjs's proof.json object."""
    return {
        "pi_a": g1_to_json(proof.a),
        "pi_b": g2_to_json(proof.b),
        "pi_c": g1_to_json(proof.c),
        "protocol": PROTOCOL,
        "curve": CURVE,
    }


def proof_from_json(obj: Any, what: str = "proof") -> Proof:
    """Parse a proof.json object (``protocol``/``curve`` are checked when present, as snarkjs omits neither).

    Raises
    ------
    WrongFileType, FormatError, NonCanonicalFieldElement
        As ``verifying_key_from_json``, naming ``pi_a``/``pi_b``/``pi_c``.
    """
    obj = _require_keys(obj, ("pi_a", "pi_b", "pi_c"), what)
    if "protocol" in obj and obj["protocol"] != PROTOCOL:
        raise WrongFileType(f"{what}: 'protocol' is {obj['protocol']!r}, expected '{PROTOCOL}'")
    if "curve" in obj and obj["curve"] != CURVE:
        raise WrongFileType(f"{what}: 'curve' is {obj['curve']!r}, expected '{CURVE}' (BN254)")
    return Proof(
        a=g1_from_json(obj["pi_a"], f"{what}.pi_a"),
        b=g2_from_json(obj["pi_b"], f"{what}.pi_b"),
        c=g1_from_json(obj["pi_c"], f"{what}.pi_c"),
    )


# --- public inputs ----------------------------------------------------------------------------------------------


def public_inputs_to_json(values: Sequence[int]) -> list[str]:
    """Public inputs as snarkjs's public.json list of decimal strings.

    Raises
    ------
    NonCanonicalFieldElement
        A value is not an int in [0, r) (the message gives its index).
    """
    out = []
    for i, v in enumerate(values):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < FR_MODULUS:
            raise NonCanonicalFieldElement(f"public input [{i}] must be an int in [0, r), not {v!r}")
        out.append(str(v))
    return out


def public_inputs_from_json(obj: Any, what: str = "public") -> list[int]:
    """Parse public.json: a list of decimal strings, each < r.

    Raises
    ------
    FormatError
        Not a list, or an entry that is not a decimal string (named by index).
    NonCanonicalFieldElement
        An entry ≥ r (named by index).
    """
    if not isinstance(obj, list):
        raise FormatError(f"{what} must be a JSON list of decimal strings, not {type(obj).__name__}")
    return [_dec(v, f"{what}[{i}]", FR_MODULUS) for i, v in enumerate(obj)]


# --- files ------------------------------------------------------------------------------------------------------


def _load(src: JsonSource) -> tuple[Any, str]:
    if isinstance(src, (str, os.PathLike)):
        name = os.fspath(src)
        with open(name, "rb") as f:
            text = f.read()
    else:
        name = getattr(src, "name", "<memory>")
        name = name if isinstance(name, str) else "<memory>"
        text = src.read()
    try:
        return json.loads(text), name
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise FormatError(f"{name}: not valid JSON: {e}") from None


def _dump(obj: Any, dest: JsonDest) -> None:
    # JSON.stringify(obj, null, 1), as snarkjs's CLI writes, with no trailing newline: files compare byte-equal.
    text = json.dumps(obj, indent=1)
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "w", encoding="ascii") as f:
            f.write(text)
    else:
        try:
            dest.write(text)
        except TypeError:
            dest.write(text.encode("ascii"))


def write_verifying_key(vk: VerifyingKey, dest: JsonDest, *, include_alphabeta: bool = True) -> None:
    """Write verification_key.json (``include_alphabeta=False`` skips the ~0.5 s e(α, β) that snarkjs ignores)."""
    _dump(verifying_key_to_json(vk, include_alphabeta=include_alphabeta), dest)


def read_verifying_key(src: JsonSource) -> VerifyingKey:
    """Read verification_key.json (errors as ``verifying_key_from_json``, prefixed with the file name)."""
    obj, name = _load(src)
    return verifying_key_from_json(obj, name)


def write_proof(proof: Proof, dest: JsonDest) -> None:
    """Write proof.json."""
    _dump(proof_to_json(proof), dest)


def read_proof(src: JsonSource) -> Proof:
    """Read proof.json (errors as ``proof_from_json``)."""
    obj, name = _load(src)
    return proof_from_json(obj, name)


def write_public_inputs(values: Sequence[int], dest: JsonDest) -> None:
    """Write public.json."""
    _dump(public_inputs_to_json(values), dest)


def read_public_inputs(src: JsonSource) -> list[int]:
    """Read public.json (errors as ``public_inputs_from_json``)."""
    obj, name = _load(src)
    return public_inputs_from_json(obj, name)


__all__ = [
    "alphabeta_12",
    "fq12_to_json",
    "g1_from_json",
    "g1_to_json",
    "g2_from_json",
    "g2_to_json",
    "proof_from_json",
    "proof_to_json",
    "public_inputs_from_json",
    "public_inputs_to_json",
    "read_proof",
    "read_public_inputs",
    "read_verifying_key",
    "verifying_key_from_json",
    "verifying_key_to_json",
    "write_proof",
    "write_public_inputs",
    "write_verifying_key",
]

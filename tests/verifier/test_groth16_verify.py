"""Groth16 verification: acceptance of snarkjs-made proofs, rejection of every kind of tampering, batch checks.

Oracle: the proofs, keys and public inputs in ``shared/anchors/snarkjs-examples/{multiplier,poseidon_preimage}``
were made by snarkjs 0.7.6 and pass ``snarkjs groth16 verify`` (their README). Tampered variants are built here from
them; points off the twist or outside G2 are constructed below and checked with py_ecc.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from py_ecc import optimized_bn128 as ob

from verifier.groth16 import (
    PreparedVerifyingKey,
    fiat_shamir_weights,
    find_invalid_proofs,
    prepare_verifying_key,
    random_weights,
    verify_proof,
    verify_proofs_batched,
)
from zksvs.errors import MalformedProof, MalformedVerifyingKey, NonCanonicalFieldElement, PublicInputCountMismatch
from zksvs.field import FQ_MODULUS, FR_MODULUS
from zksvs.formats.snarkjs_json import read_proof, read_public_inputs, read_verifying_key
from zksvs.groth16 import Proof

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "anchors" / "snarkjs-examples"
NAMES = ("multiplier", "poseidon_preimage")


def load_example(name: str):
    """(VerifyingKey, Proof, public inputs) of one snarkjs example."""
    d = EXAMPLES / name
    return (
        read_verifying_key(d / "verification_key.json"),
        read_proof(d / "proof.json"),
        read_public_inputs(d / "public.json"),
    )


def _affine(p) -> tuple:
    x, y = ob.normalize(p)
    return (x.n, y.n)


def _affine_g2(p) -> tuple:
    x, y = ob.normalize(p)
    return (tuple(x.coeffs), tuple(y.coeffs))


def _g1_mul(p: tuple, k: int) -> tuple:
    return _affine(ob.multiply((ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one()), k))


def _g2_mul(p: tuple, k: int) -> tuple:
    return _affine_g2(ob.multiply((ob.FQ2(p[0]), ob.FQ2(p[1]), ob.FQ2.one()), k))


def rekey(vk, proof, seed: int, *, new_delta: bool = True, new_gamma: bool = False):
    """Another valid (key, proof) pair from one, keeping every pairing of the check: A' = v·A, B' = B/v; with
    ``new_delta`` δ' = s·δ, C' = C/s; with ``new_gamma`` γ' = t·γ, IC'_j = IC_j/t. So the two anchors give K
    distinct keys (one per rollup; γ left as snarkjs's G2 generator unless asked), or, with neither, K distinct
    proofs under one key."""
    rng = random.Random(seed)
    s, t, v = (rng.randrange(2, FR_MODULUS) for _ in range(3))
    inv = lambda x: pow(x, -1, FR_MODULUS)  # noqa: E731
    c = proof.c
    if new_gamma:
        vk = replace(vk, gamma_g2=_g2_mul(vk.gamma_g2, t), ic=tuple(_g1_mul(p, inv(t)) for p in vk.ic))
    if new_delta:
        vk, c = replace(vk, delta_g2=_g2_mul(vk.delta_g2, s)), _g1_mul(c, inv(s))
    return vk, Proof(a=_g1_mul(proof.a, v), b=_g2_mul(proof.b, inv(v)), c=c)


def _fq_sqrt(a: int) -> int | None:
    s = pow(a, (FQ_MODULUS + 1) // 4, FQ_MODULUS)  # q ≡ 3 (mod 4)
    return s if s * s % FQ_MODULUS == a % FQ_MODULUS else None


def _fq2_sqrt(a0: int, a1: int) -> tuple[int, int] | None:
    """A square root of a0 + a1·u in Fq2 = Fq[u]/(u² + 1), or None (the norm method)."""
    q = FQ_MODULUS
    n = _fq_sqrt((a0 * a0 + a1 * a1) % q)
    if n is None:
        return None
    half = pow(2, q - 2, q)
    for cand in ((a0 + n) * half % q, (a0 - n) * half % q):
        x0 = _fq_sqrt(cand)
        if x0:
            x1 = a1 * pow(2 * x0, q - 2, q) % q
            return (x0, x1)
    return None


def twist_point_outside_g2() -> tuple:
    """An affine point on the twist y² = x³ + b' whose order is not r (the cofactor is not cleared)."""
    b0, b1 = ob.b2.coeffs
    q = FQ_MODULUS
    for x0 in range(1, 100):
        # (x0 + u)³ = x0³ − 3x0 + (3x0² − 1)·u
        rhs = ((x0**3 - 3 * x0 + b0) % q, (3 * x0 * x0 - 1 + b1) % q)
        y = _fq2_sqrt(*rhs)
        if y is not None:
            return ((x0, 1), y)
    raise AssertionError("no twist point found for x0 < 100")


@pytest.fixture(scope="module")
def examples():
    return {name: load_example(name) for name in NAMES}


@pytest.fixture(scope="module")
def prepared(examples):
    return {name: prepare_verifying_key(vk) for name, (vk, _, _) in examples.items()}


# --- acceptance ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_verify_proof_accepts_snarkjs_proof(name, examples, prepared):
    _, proof, public = examples[name]
    assert verify_proof(prepared[name], proof, public) is True


def test_verify_proof_accepts_plain_verifying_key(examples):
    vk, proof, public = examples["multiplier"]
    assert verify_proof(vk, proof, public) is True


def test_prepare_verifying_key_keeps_key_and_counts(examples, prepared):
    pvk = prepared["multiplier"]
    assert isinstance(pvk, PreparedVerifyingKey)
    assert pvk.vk is examples["multiplier"][0]
    assert pvk.n_public == 2 == len(examples["multiplier"][2])


# --- well-formed but false: False ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "index"), [("multiplier", 0), ("multiplier", 1), ("poseidon_preimage", 0)])
def test_verify_proof_rejects_changed_public_input(name, index, examples, prepared):
    _, proof, public = examples[name]
    changed = list(public)
    changed[index] = (changed[index] + 1) % FR_MODULUS
    assert verify_proof(prepared[name], proof, changed) is False


@pytest.mark.parametrize("field", ["a", "b", "c"])
def test_verify_proof_rejects_point_replaced_by_other_valid_point(field, examples, prepared):
    _, proof, public = examples["multiplier"]
    other = _affine_g2(ob.multiply(ob.G2, 7)) if field == "b" else _affine(ob.multiply(ob.G1, 7))
    assert verify_proof(prepared["multiplier"], replace(proof, **{field: other}), public) is False


def test_verify_proof_rejects_a_and_c_swapped(examples, prepared):
    _, proof, public = examples["multiplier"]
    assert verify_proof(prepared["multiplier"], Proof(a=proof.c, b=proof.b, c=proof.a), public) is False


def test_verify_proof_rejects_proof_of_other_circuit(examples, prepared):
    _, proof, _ = examples["poseidon_preimage"]
    assert verify_proof(prepared["multiplier"], proof, examples["multiplier"][2]) is False


@pytest.mark.parametrize("field", ["a", "b", "c"])
def test_verify_proof_point_at_infinity_is_well_formed_and_false(field, examples, prepared):
    # snarkjs's isValid and EIP-197 accept ∞; the check then fails (it is not a proof of this statement).
    _, proof, public = examples["multiplier"]
    assert verify_proof(prepared["multiplier"], replace(proof, **{field: None}), public) is False


# --- malformed: typed errors --------------------------------------------------------------------------------------


def test_verify_proof_rejects_public_input_equal_to_r(examples, prepared):
    _, proof, public = examples["multiplier"]
    with pytest.raises(NonCanonicalFieldElement, match=r"public_inputs\[1\] must be in \[0, r\)"):
        verify_proof(prepared["multiplier"], proof, [public[0], FR_MODULUS])


def test_verify_proof_rejects_negative_public_input(examples, prepared):
    _, proof, _ = examples["multiplier"]
    with pytest.raises(NonCanonicalFieldElement, match=r"public_inputs\[0\]"):
        verify_proof(prepared["multiplier"], proof, [-1, 11])


@pytest.mark.parametrize("n", [1, 3])
def test_verify_proof_rejects_wrong_number_of_public_inputs(n, examples, prepared):
    _, proof, public = examples["multiplier"]
    with pytest.raises(PublicInputCountMismatch, match=f"expects 2, got {n}") as e:
        verify_proof(prepared["multiplier"], proof, ([*public, 5])[:n])
    assert (e.value.expected, e.value.got) == (2, n)


def test_verify_proof_checks_input_count_before_points(examples, prepared):
    _, proof, _ = examples["multiplier"]
    with pytest.raises(PublicInputCountMismatch):
        verify_proof(prepared["multiplier"], replace(proof, a=(1, 3)), [1])


@pytest.mark.parametrize("field", ["a", "c"])
def test_verify_proof_rejects_g1_point_off_curve(field, examples, prepared):
    _, proof, public = examples["multiplier"]
    x, y = getattr(proof, field)
    with pytest.raises(MalformedProof, match=rf"proof\.{field}: is not on the curve"):
        verify_proof(prepared["multiplier"], replace(proof, **{field: (x, (y + 1) % FQ_MODULUS)}), public)


def test_verify_proof_rejects_coordinate_not_below_q(examples, prepared):
    _, proof, public = examples["multiplier"]
    x, y = proof.a
    with pytest.raises(MalformedProof, match=r"proof\.a: coordinate x must be an int in \[0, q\)"):
        verify_proof(prepared["multiplier"], replace(proof, a=(x + FQ_MODULUS, y)), public)


def test_verify_proof_rejects_b_off_twist(examples, prepared):
    _, proof, public = examples["multiplier"]
    (x, (y0, y1)) = proof.b
    with pytest.raises(MalformedProof, match=r"proof\.b: is not on the twist"):
        verify_proof(prepared["multiplier"], replace(proof, b=(x, (y0, (y1 + 1) % FQ_MODULUS))), public)


def test_verify_proof_rejects_b_on_twist_outside_g2(examples, prepared):
    _, proof, public = examples["multiplier"]
    bad = twist_point_outside_g2()
    pt = (ob.FQ2(bad[0]), ob.FQ2(bad[1]), ob.FQ2.one())
    assert ob.is_on_curve(pt, ob.b2)
    assert not ob.is_inf(ob.multiply(pt, ob.curve_order))
    with pytest.raises(MalformedProof, match=r"proof\.b: is on the twist but not in the order-r subgroup"):
        verify_proof(prepared["multiplier"], replace(proof, b=bad), public)


def test_verify_proof_rejects_non_point_shape(examples, prepared):
    _, proof, public = examples["multiplier"]
    with pytest.raises(MalformedProof, match=r"proof\.a: must be an affine pair"):
        verify_proof(prepared["multiplier"], replace(proof, a=(1, 2, 1)), public)


def test_prepare_verifying_key_rejects_g2_outside_subgroup(examples):
    vk = examples["multiplier"][0]
    with pytest.raises(MalformedVerifyingKey, match=r"vk\.delta_g2: is on the twist but not in the order-r"):
        prepare_verifying_key(replace(vk, delta_g2=twist_point_outside_g2()))


@pytest.mark.parametrize("field", ["alpha_g1", "beta_g2", "gamma_g2", "delta_g2"])
def test_prepare_verifying_key_rejects_infinity(field, examples):
    vk = examples["multiplier"][0]
    with pytest.raises(MalformedVerifyingKey, match=rf"vk\.{field}: must not be the point at infinity"):
        prepare_verifying_key(replace(vk, **{field: None}))


def test_prepare_verifying_key_rejects_ic_off_curve(examples):
    vk = examples["multiplier"][0]
    x, y = vk.ic[2]
    with pytest.raises(MalformedVerifyingKey, match=r"vk\.ic\[2\]: is not on the curve"):
        prepare_verifying_key(replace(vk, ic=(*vk.ic[:2], (x, (y + 1) % FQ_MODULUS))))


# --- batches ------------------------------------------------------------------------------------------------------


def _items(examples, prepared, names):
    return [(prepared[n], examples[n][1], examples[n][2]) for n in names]


BATCHES = {
    2: ("multiplier", "poseidon_preimage"),
    3: ("poseidon_preimage", "multiplier", "multiplier"),
    4: ("multiplier", "poseidon_preimage", "multiplier", "poseidon_preimage"),
}


@pytest.mark.parametrize("k", sorted(BATCHES))
def test_verify_proofs_batched_accepts_valid_proofs(k, examples, prepared):
    items = _items(examples, prepared, BATCHES[k])
    assert verify_proofs_batched(items) is True


def test_rekey_gives_valid_proofs_bound_to_their_key(examples, prepared):
    vk, proof, public = examples["multiplier"]
    same_key_vk, same_key_proof = rekey(vk, proof, 7, new_delta=False)
    assert same_key_vk == vk and same_key_proof.a != proof.a and same_key_proof.c == proof.c
    assert verify_proof(prepared["multiplier"], same_key_proof, public) is True
    new_vk, new_proof = rekey(vk, proof, 7)
    assert verify_proof(prepared["multiplier"], new_proof, public) is False
    assert verify_proof(new_vk, proof, public) is False


@pytest.mark.parametrize("new_gamma", [False, True], ids=["shared-gamma", "distinct-gamma"])
def test_verify_proofs_batched_one_key_per_proof(new_gamma, examples):
    # K = 3 distinct keys (as K rollups with a key each), no two G2 points equal when γ is redrawn too.
    items = []
    for seed, name in enumerate(("multiplier", "poseidon_preimage", "multiplier")):
        vk, proof, public = examples[name]
        vk2, proof2 = rekey(vk, proof, seed, new_gamma=new_gamma)
        assert vk2.delta_g2 != vk.delta_g2 and proof2 != proof
        items.append((prepare_verifying_key(vk2), proof2, public))
    assert verify_proofs_batched(items) is True
    pvk, proof, public = items[1]
    items[1] = (pvk, proof, [(public[0] + 1) % FR_MODULUS])
    assert verify_proofs_batched(items) is False
    assert find_invalid_proofs(items) == [1]


def test_verify_proofs_batched_accepts_plain_keys_and_random_weights(examples):
    vk, proof, public = examples["multiplier"]
    items = [(vk, proof, public), (vk, proof, public)]
    assert verify_proofs_batched(items, weights=random_weights(2)) is True


@pytest.mark.parametrize(("k", "bad"), [(2, 1), (4, 0)])
def test_verify_proofs_batched_rejects_one_tampered_proof_and_names_it(k, bad, examples, prepared):
    items = _items(examples, prepared, BATCHES[k])
    pvk, proof, public = items[bad]
    items[bad] = (pvk, proof, [(public[0] + 1) % FR_MODULUS, *public[1:]])
    assert verify_proofs_batched(items) is False
    assert find_invalid_proofs(items) == [bad]


def test_find_invalid_proofs_names_every_failure(examples, prepared):
    items = _items(examples, prepared, BATCHES[3])
    items[0] = (items[0][0], replace(items[0][1], c=items[0][1].a), items[0][2])
    items[2] = (items[2][0], items[2][1], [1, 2])
    assert find_invalid_proofs(items) == [0, 2]


def test_verify_proofs_batched_needs_unpredictable_weights(examples, prepared):
    # Two false proofs whose C errors cancel: C + D and C − D. Equal weights (which a submitter could predict)
    # accept them; Fiat–Shamir weights do not.
    _, proof, public = examples["multiplier"]
    c = (ob.FQ(proof.c[0]), ob.FQ(proof.c[1]), ob.FQ.one())
    plus = replace(proof, c=_affine(ob.add(c, ob.G1)))
    minus = replace(proof, c=_affine(ob.add(c, ob.neg(ob.G1))))
    pvk = prepared["multiplier"]
    items = [(pvk, plus, public), (pvk, minus, public)]
    assert verify_proofs_batched(items, weights=[1, 1]) is True
    assert verify_proofs_batched(items) is False
    assert find_invalid_proofs(items) == [0, 1]


def test_verify_proofs_batched_names_malformed_item(examples, prepared):
    items = _items(examples, prepared, BATCHES[2])
    pvk, proof, public = items[1]
    items[1] = (pvk, replace(proof, b=twist_point_outside_g2()), public)
    with pytest.raises(MalformedProof, match=r"items\[1\]\.proof\.b: is on the twist but not in the order-r"):
        verify_proofs_batched(items)
    items[1] = (pvk, proof, [FR_MODULUS])
    with pytest.raises(NonCanonicalFieldElement, match=r"items\[1\]\.public_inputs\[0\]"):
        find_invalid_proofs(items)
    items[1] = (pvk, proof, [])
    with pytest.raises(PublicInputCountMismatch, match=r"items\[1\]\.public_inputs: .*expects 1, got 0"):
        verify_proofs_batched(items)


def test_verify_proofs_batched_rejects_bad_arguments(examples, prepared):
    items = _items(examples, prepared, BATCHES[2])
    with pytest.raises(ValueError, match="at least one"):
        verify_proofs_batched([])
    with pytest.raises(ValueError, match=r"one weight per item \(2\), not 1"):
        verify_proofs_batched(items, weights=[5])
    with pytest.raises(ValueError, match=r"weights\[1\]' must be an int in \[1, r\), not 0"):
        verify_proofs_batched(items, weights=[5, 0])


def test_fiat_shamir_weights_bind_every_input(examples, prepared):
    items = _items(examples, prepared, BATCHES[2])
    w = fiat_shamir_weights(items)
    assert len(w) == 2 and all(1 <= x < 2**128 for x in w) and w[0] != w[1]
    assert fiat_shamir_weights(items) == w
    pvk, proof, public = items[1]
    assert fiat_shamir_weights([items[0], (pvk, proof, [public[0] + 1])]) != w
    assert fiat_shamir_weights([items[0], (pvk, replace(proof, a=proof.c), public)]) != w
    assert fiat_shamir_weights([items[0], (examples["poseidon_preimage"][0], proof, public)]) == w  # same key
    assert fiat_shamir_weights([items[1], items[0]])[0] != w[1]  # order matters

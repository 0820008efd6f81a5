"""The issue-3 membership circuit (depth 20): a valid instance satisfies; each kind of wrong witness fails by label.

The instances come from ``zksvs.merkle.SparseMerkleTree`` and native ``zksvs.poseidon``, never from the circuit.
"""

import pytest

from circuits.merkle_membership import (
    build_instance,
    build_merkle_membership,
    make_membership_instance,
    membership_cost,
)
from tests.helpers.circuit_check import assert_same_shape, perturbation_probe
from zksvs.field import FR_MODULUS
from zksvs.merkle import root_from_opening

R = FR_MODULUS


@pytest.fixture(scope="module")
def instance():
    return make_membership_instance(seed=2026, depth=20)


@pytest.fixture(scope="module")
def valid(instance):
    return build_instance(instance)


def test_membership_instance_is_a_real_opening(instance):
    assert instance.depth == 20
    assert root_from_opening(instance.leaf, instance.index, instance.siblings) == instance.root


def test_membership_valid_instance_satisfies(valid, instance):
    r1cs, witness = valid
    assert r1cs.first_unsatisfied(witness.values) is None
    assert r1cs.n_public == 1 and witness.public_inputs(1) == [instance.root]
    assert r1cs.n_constraints == membership_cost(20, 3) == 5103
    assert r1cs.unconstrained_wires() == []


def test_membership_shape_only_build_is_identical(valid):
    shape, witness = build_merkle_membership(20)
    assert witness is None
    assert_same_shape(valid[0], shape)


def test_membership_every_private_wire_is_checked(valid):
    assert perturbation_probe(*valid) == []


def _rejected_at(instance, **changes) -> str:
    overrides = changes.pop("overrides", None)
    values = dict(preimage=instance.preimage, index=instance.index, siblings=instance.siblings, root=instance.root)
    values.update(changes)
    r1cs, witness = build_merkle_membership(instance.depth, overrides=overrides, **values)
    bad = r1cs.first_unsatisfied(witness.values)
    assert bad is not None, f"accepted a wrong witness: {changes} {overrides}"
    return bad[1]


def test_membership_rejects_wrong_sibling(instance):
    for k in (0, 7, 19):
        sibs = list(instance.siblings)
        sibs[k] = (sibs[k] + 1) % R
        assert _rejected_at(instance, siblings=sibs) == "membership/path/root"


def test_membership_rejects_wrong_preimage(instance):
    pre = list(instance.preimage)
    pre[1] = (pre[1] + 1) % R
    assert _rejected_at(instance, preimage=pre) == "membership/path/root"


def test_membership_rejects_wrong_root(instance):
    assert _rejected_at(instance, root=(instance.root + 1) % R) == "membership/path/root"


def test_membership_rejects_wrong_index(instance):
    assert _rejected_at(instance, index=instance.index ^ (1 << 5)) == "membership/path/root"
    # an index past the tree: its bits cannot recompose within 20 bits
    assert _rejected_at(instance, index=instance.index + (1 << 20)) == "membership/index/recompose"


def test_membership_rejects_non_boolean_direction_bit(instance):
    # The strongest form: bit k = 2 with bit k + 1 lowered from 1 to 0, so that Σ bits·2^i still equals the index;
    # only booleanity stops it.
    idx = instance.index
    k = next(k for k in range(19) if not (idx >> k) & 1 and (idx >> (k + 1)) & 1)
    overrides = {f"membership/index/bit[{k}]": 2, f"membership/index/bit[{k + 1}]": 0}
    assert _rejected_at(instance, overrides=overrides) == f"membership/index/bit[{k}]"
    # a lone non-boolean bit (−1 or 2) fails the same way
    bit = (idx >> 3) & 1
    label = _rejected_at(instance, overrides={"membership/index/bit[3]": 2 if bit == 0 else R - 1})
    assert label == "membership/index/bit[3]"


def test_membership_rejects_tampered_hash_wire(instance):
    label = _rejected_at(instance, overrides={"membership/path/level[4]/poseidon/round[10]/sbox[0]/x5": 1})
    assert label == "membership/path/level[4]/poseidon/round[10]/sbox[0]/x5"
    label = _rejected_at(instance, overrides={"membership/path/level[2]/swap": 0})
    assert label.startswith("membership/path/level[2]/")


def test_membership_argument_errors(instance):
    with pytest.raises(ValueError, match="must be given together"):
        build_merkle_membership(20, root=instance.root)
    with pytest.raises(ValueError, match="must hold depth = 21 elements, not 20"):
        build_merkle_membership(21, preimage=instance.preimage, index=0, siblings=instance.siblings, root=instance.root)

"""Native Poseidon (``zksvs.poseidon``) against circomlibjs 0.1.7.

Oracles: circomlibjs ``buildPoseidon()`` run by node inside the test (one node call for every batched input), and
the fixed vectors in ``../shared/anchors/poseidon_vectors.json`` (made with the same circomlibjs). The optimized
evaluation (``poseidon``, ``hash2``) is also compared with the literal reference evaluation of the constants in
``PoseidonParams`` (``_permute_reference``, ``poseidon_reference.js``), which the circuit gadget uses.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.oracles.node import run_node_script
from zksvs.errors import NonCanonicalFieldElement
from zksvs.field import FR_MODULUS
from zksvs.poseidon import (
    N_ROUNDS_F,
    N_ROUNDS_P,
    PoseidonParams,
    _permute_reference,
    hash2,
    poseidon,
    poseidon_params,
)

R = FR_MODULUS
ANCHORS = Path(__file__).resolve().parents[2].parent / "shared" / "anchors"

_CIRCOMLIBJS_POSEIDON = r"""
const { buildPoseidon } = require("circomlibjs");
let data = "";
process.stdin.on("data", (d) => (data += d));
process.stdin.on("end", async () => {
  const poseidon = await buildPoseidon();
  const out = JSON.parse(data).map((xs) => poseidon.F.toObject(poseidon(xs.map(BigInt))).toString());
  process.stdout.write(JSON.stringify(out));
});
"""


def circomlibjs_poseidon(batch: list[list[int]]) -> list[int]:
    """circomlibjs ``buildPoseidon()`` on every input list of ``batch``, in one node call."""
    out = run_node_script(_CIRCOMLIBJS_POSEIDON, [[str(x) for x in xs] for xs in batch])
    return [int(y) for y in out]


def _batch() -> list[list[int]]:
    rng = random.Random(0x905E1D0)
    edges = [0, 1, R - 1]
    batch: list[list[int]] = []
    for n in range(1, 17):
        batch += [[e] * n for e in edges]
        batch.append([edges[i % 3] for i in range(n)])
        batch += [[rng.randrange(R) for _ in range(n)] for _ in range(4)]
    batch += [[rng.randrange(R), rng.randrange(R)] for _ in range(40)]
    return batch


@pytest.mark.node
def test_poseidon_matches_circomlibjs(node_tools):
    batch = _batch()
    expected = circomlibjs_poseidon(batch)
    assert [poseidon(xs) for xs in batch] == expected
    assert [hash2(*xs) for xs in batch if len(xs) == 2] == [e for xs, e in zip(batch, expected) if len(xs) == 2]


def test_poseidon_matches_anchor_vectors():
    vectors = json.loads((ANCHORS / "poseidon_vectors.json").read_text())
    assert vectors
    for v in vectors:
        xs = [int(x) for x in v["inputs"]]
        assert poseidon(xs) == int(v["output"]), xs
        if len(xs) == 2:
            assert hash2(*xs) == int(v["output"])


@pytest.mark.parametrize("n_inputs", range(1, 17))
def test_poseidon_optimized_equals_reference_params(n_inputs):
    rng = random.Random(n_inputs)
    params = poseidon_params(n_inputs + 1)
    for xs in ([0] * n_inputs, [R - 1] * n_inputs, [rng.randrange(R) for _ in range(n_inputs)]):
        assert poseidon(xs) == _permute_reference([0, *xs], params)[0]


def test_poseidon_params_shape():
    assert N_ROUNDS_F == 8
    assert len(N_ROUNDS_P) == 16
    for t in range(2, 18):
        p = poseidon_params(t)
        assert isinstance(p, PoseidonParams)
        assert (p.t, p.n_full, p.n_partial) == (t, 8, N_ROUNDS_P[t - 2])
        assert len(p.round_constants) == t * (p.n_full + p.n_partial)
        assert len(p.mds) == t and all(len(row) == t for row in p.mds)
        assert all(0 <= c < R for c in p.round_constants)
        assert poseidon_params(t) is p  # cached


@pytest.mark.parametrize("t", [0, 1, 18, 3.0])
def test_poseidon_params_rejects_bad_width(t):
    with pytest.raises(ValueError, match=rf"'t' must be an int in \[2, 17\].*not {t!r}"):
        poseidon_params(t)


@pytest.mark.parametrize("n", [0, 17])
def test_poseidon_rejects_arity(n):
    with pytest.raises(ValueError, match=rf"1\.\.16 field elements, not {n}"):
        poseidon([1] * n)


@pytest.mark.parametrize("bad", [R, R + 5, -1, True, 1.0, "1"])
def test_poseidon_rejects_non_canonical(bad):
    with pytest.raises(NonCanonicalFieldElement, match=r"inputs\[1\]"):
        poseidon([0, bad, 0])
    with pytest.raises(NonCanonicalFieldElement, match="right"):
        hash2(0, bad)
    with pytest.raises(NonCanonicalFieldElement, match="left"):
        hash2(bad, 0)

"""Groth16 verification cost on py_ecc: one proof, and K proofs one by one vs one batched check (DESIGN.md §7).

Run: ``python -m pytest bench/bench_verify.py --benchmark-only``. Each round is seconds long, so rounds are few
(``pedantic``, 2 rounds, keys prepared before timing). Statements come from the two snarkjs anchors through ``rekey``
(tests): ``key-per-proof`` gives each of the K proofs its own verifying key (one per rollup; γ is snarkjs's G2
generator in all, so the batch runs 2K + 1 Miller loops instead of 3K); ``one-key`` gives K distinct proofs under one
key (K + 2 Miller loops). ``singles`` is K ``verify_proof`` calls (3 Miller loops and a final exponentiation each).
Every benchmark checks its verdict. Per-proof time and the singles/batched ratio go to ``extra_info`` (the ratio
when the singles of that K ran earlier in the session), never asserted.
"""

from __future__ import annotations

import pytest

from tests.verifier.test_groth16_verify import NAMES, load_example, rekey
from verifier.groth16 import prepare_verifying_key, verify_proof, verify_proofs_batched

_ROUNDS = 2
_SINGLES_MEAN_S: dict[int, float] = {}


def _statements(k: int, keys: str) -> list:
    """K (prepared key, proof, public inputs): each under its own key, or all under the multiplier's key."""
    if keys == "one-key":
        vk, proof, public = load_example("multiplier")
        pvk = prepare_verifying_key(vk)
        return [(pvk, rekey(vk, proof, seed=i, new_delta=False)[1], public) for i in range(k)]
    out = []
    for i in range(k):
        vk, proof, public = load_example(NAMES[i % len(NAMES)])
        vk, proof = rekey(vk, proof, seed=i)
        out.append((prepare_verifying_key(vk), proof, public))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_verify_single(benchmark, name):
    benchmark.group = "groth16 verify, one proof"
    vk, proof, public = load_example(name)
    pvk = prepare_verifying_key(vk)
    ok = benchmark.pedantic(verify_proof, args=(pvk, proof, public), rounds=_ROUNDS + 1, iterations=1)
    assert ok is True
    benchmark.extra_info["impl"] = "py_ecc"
    benchmark.extra_info["n_public"] = len(public)


def test_prepare_verifying_key(benchmark):
    benchmark.group = "groth16 prepare verifying key"
    vk, _, _ = load_example("multiplier")
    pvk = benchmark.pedantic(prepare_verifying_key, args=(vk,), rounds=_ROUNDS, iterations=1)
    assert pvk.n_public == len(vk.ic) - 1


@pytest.mark.parametrize("mode", ["singles", "batched-key-per-proof", "batched-one-key"])
@pytest.mark.parametrize("k", [2, 4])
def test_verify_k_proofs(benchmark, k, mode):
    benchmark.group = f"groth16 verify K={k}"
    if mode == "singles":
        items = _statements(k, "key-per-proof")
        run = lambda: all([verify_proof(*item) for item in items])  # noqa: E731 (all K, no short cut)
    else:
        items = _statements(k, mode.removeprefix("batched-"))
        run = lambda: verify_proofs_batched(items)  # noqa: E731
    assert benchmark.pedantic(run, rounds=_ROUNDS, iterations=1) is True
    mean = benchmark.stats.stats.mean
    benchmark.extra_info.update(impl="py_ecc", k=k, mode=mode, per_proof_s=mean / k)
    if mode == "singles":
        _SINGLES_MEAN_S[k] = mean
    elif k in _SINGLES_MEAN_S:
        benchmark.extra_info["ratio_singles_over_batched"] = _SINGLES_MEAN_S[k] / mean

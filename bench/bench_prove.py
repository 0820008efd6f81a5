"""Full Groth16 proving (and the development setup) at 2^12, 2^14 and, with ``--bench-full``, 2^16 constraints.

Run: ``python -m pytest bench/bench_prove.py`` (2^12, 2^14); ``--bench-full`` (defined in ``bench/conftest.py``) adds
2^16. Names: ``test_prove[numba-log_n=14]``, ``benchmark.group = "prove n=2^14"``; ``extra_info["stages_s"]`` holds
the median seconds of each named stage (``prover.STAGES``) and of the witness check (``"r1cs check"``);
``extra_info["ns_per_constraint"]`` is the normalised figure (arkworks ``benches/bench.rs``).

Circuit: a squaring chain (x_{k+1} = x_k², PERF_NOTES.md's peer workload for groth16py/zksnake) with one public
output out = x_last + x_0, sized so that the QAP domain is exactly 2^log_n (n_constraints = 2^log_n − 2). Every
witness value is a full-size field element, which is the worst case for the A/B/C MSMs; circuits of bits and u64s
prove faster. Keys come from ``prover.dev_setup`` (INSECURE development setup), built once per size outside the timing
(``test_dev_setup`` times that separately, one round).

Correctness: every proof is checked with py_ecc's pairing (e(−A, B)·e(α, β)·e(IC, γ)·e(C, δ) = 1, four Miller loops
and one final exponentiation), outside the timing.
"""

from __future__ import annotations

import random
import statistics
import warnings
from functools import cache

import pytest
from py_ecc import optimized_bn128 as bn

import prover
from prover.dev_setup import InsecureSetupWarning
from prover.prove import STAGES, prove_with_timings
from zksvs.field import FR_MODULUS
from zksvs.r1cs import R1CS, Constraint, LinearCombination

R = FR_MODULUS
SIZES = (12, 14)
FULL_SIZES = (16,)
# 2^16 runs only with --bench-full: bench/conftest.py deselects ``bench_full`` items otherwise
_SIZE_PARAMS = [pytest.param(k, id=f"numba-log_n={k}") for k in SIZES] + [
    pytest.param(k, id=f"numba-log_n={k}", marks=pytest.mark.bench_full) for k in FULL_SIZES
]


@cache
def _chain(log_n: int) -> tuple[R1CS, list[int]]:
    L = LinearCombination
    n_constraints = (1 << log_n) - 2  # + 1 public + wire 0 = 2^log_n QAP rows
    rnd = random.Random(log_n)
    x0 = rnd.randrange(R)
    values = [1, 0, x0]
    cons = []
    for k in range(n_constraints - 1):
        w = len(values) - 1
        cons.append(Constraint(L({w: 1}), L({w: 1}), L({w + 1: 1}), f"square[{k}]"))
        values.append(values[w] * values[w] % R)
    cons.append(Constraint(L({len(values) - 1: 1, 2: 1}), L.constant(1), L.wire(1), "out"))
    values[1] = (values[-1] + x0) % R
    return R1CS(n_wires=len(values), n_public=1, constraints=cons), values


@cache
def _keys(log_n: int):
    r1cs, _ = _chain(log_n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        return prover.setup(r1cs, seed=f"bench-{log_n}")


def _verifies(vk, proof, public) -> bool:
    def g1(p):
        return bn.Z1 if p is None else (bn.FQ(p[0]), bn.FQ(p[1]), bn.FQ.one())

    def g2(p):
        return bn.Z2 if p is None else (bn.FQ2(list(p[0])), bn.FQ2(list(p[1])), bn.FQ2.one())

    ic = g1(vk.ic[0])
    for x, pt in zip(public, vk.ic[1:], strict=True):
        ic = bn.add(ic, bn.multiply(g1(pt), x))
    acc = bn.FQ12.one()
    for q, p in ((g2(proof.b), bn.neg(g1(proof.a))), (g2(vk.beta_g2), g1(vk.alpha_g1)),
                 (g2(vk.gamma_g2), ic), (g2(vk.delta_g2), g1(proof.c))):  # fmt: skip
        acc = acc * bn.pairing(q, p, final_exponentiate=False)
    return bn.final_exponentiate(acc) == bn.FQ12.one()


@pytest.fixture(scope="module")
def jit_first_call_s() -> float:
    return prover.warmup().total_s


def _run_prove(benchmark, log_n: int, jit: float) -> None:
    r1cs, witness = _chain(log_n)
    pk = _keys(log_n)
    matrices = r1cs.to_matrices()  # with C: the witness check runs as numba mat-vecs
    timings = []

    def run():
        proof, timing = prove_with_timings(r1cs, pk, witness, matrices=matrices)
        timings.append(timing)
        return proof

    benchmark.group = f"prove n=2^{log_n}"
    proof = benchmark.pedantic(run, rounds=3 if log_n >= 16 else 5, iterations=1, warmup_rounds=1)
    stages = {name: statistics.median(t.stages[name] for t in timings) for name in STAGES}
    stages["r1cs check"] = statistics.median(t.check_seconds for t in timings)
    benchmark.extra_info.update(
        {
            "impl": "numba",
            "n_constraints": r1cs.n_constraints,
            "stages_s": stages,
            "ns_per_constraint": benchmark.stats.stats.median * 1e9 / r1cs.n_constraints,
            "jit_first_call_s": jit,
        }
    )
    assert _verifies(pk.vk, proof, witness[1:2])


@pytest.mark.prover
@pytest.mark.parametrize("log_n", _SIZE_PARAMS)
def test_prove(benchmark, log_n, jit_first_call_s):
    _run_prove(benchmark, log_n, jit_first_call_s)


@pytest.mark.prover
@pytest.mark.parametrize("log_n", _SIZE_PARAMS)
def test_dev_setup(benchmark, log_n, jit_first_call_s):
    r1cs, witness = _chain(log_n)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            return prover.setup(r1cs, seed=f"bench-setup-{log_n}")

    benchmark.group = f"dev setup n=2^{log_n}"
    pk = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update({"impl": "numba", "n_constraints": r1cs.n_constraints})
    proof, _ = prove_with_timings(r1cs, pk, witness)
    assert _verifies(pk.vk, proof, witness[1:2])

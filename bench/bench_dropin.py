"""Groth16 prove on circom circuits: snarkjs vs groth16py vs zksvs on the same .zkey + .wtns (issue 5, item 4).

Run: ``python -m pytest bench/bench_dropin.py`` (2^12, 2^14, 2^16 constraints); ``--bench-full`` adds 2^18 and 2^20
(keys by ``zksvs devsetup``: no prepared ptau holds them). Circuits, witnesses and keys come from
``bench.circom.build`` (circom2 + circomlib Poseidon(2) chain filling the domain; cached under ``build/circom``).

Each test is ``test_prove[<impl>-log_n=<k>]`` in group ``"prove circom poseidon chain 2^k"``, with
``benchmark.pedantic(rounds=3, iterations=1, warmup_rounds=1)``:

- ``snarkjs`` and ``zksvs``: one whole process per round (``node snarkjs groth16 prove`` / ``zksvs prove``); the
  round's peak RSS comes from ``os.wait4`` and the maximum goes to ``extra_info["peak_rss_max_bytes"]``.
- ``groth16py``: ``prove_wtns`` in this process after ``import_zkey`` (timed apart, ``extra_info["load_s"]``).
- ``zksvs-inproc``: ``prover.prove_from_zkey`` in this process; the first call (numba JIT / cache load) is made
  before timing and recorded as ``extra_info["jit_first_call_s"]``; stage medians go to ``extra_info["stages_s"]``.

Every proof of every round is verified with snarkjs afterwards (and zksvs's public.json must equal snarkjs's), so a
bad proof fails the benchmark. No timing is asserted. For the ratios, the table, JSON, PNG plot and the baseline
compare use ``zksvs bench`` (``pipeline.bench.run_bench``), which runs all provers on one size back to back.
groth16py is GPL-3.0 and bench-only (the ``bench`` extra); the product never imports it.
"""

from __future__ import annotations

import functools
import itertools
import json
import statistics
import time
from pathlib import Path

from bench.circom.build import Built, build, poseidon_chain_for_log_n, scratch_dir
from bench.dropin import _PROCESS_CMDS, OTHER_STAGE, check_proofs, evm_proof_to_snarkjs, run_process
from tests.oracles.node import snarkjs

SIZES = (12, 14, 16)
LARGE_SIZES = (18, 20)
IMPLS = ("snarkjs", "groth16py", "zksvs", "zksvs-inproc")


def pytest_generate_tests(metafunc):
    """Ids ``<impl>-log_n=<k>`` (STYLE.md §8); sizes 2^12, 2^14, 2^16, with ``--bench-full`` also 2^18, 2^20."""
    if "log_n" in metafunc.fixturenames:
        metafunc.parametrize("impl", IMPLS)
        sizes = SIZES + (LARGE_SIZES if metafunc.config.getoption("--bench-full") else ())
        metafunc.parametrize("log_n", sizes, ids=[f"log_n={k}" for k in sizes])


@functools.cache
def _built(log_n: int) -> Built:
    return build(poseidon_chain_for_log_n(log_n), keys="auto")


@functools.cache
def _snarkjs_public(log_n: int) -> Path:
    """snarkjs's public.json for the size's witness: the reference every other prover must match."""
    b = _built(log_n)
    work = scratch_dir(f"ref-{log_n}-")
    snarkjs("groth16", "prove", b.keys.zkey, b.wtns, work / "ref-proof.json", work / "ref-public.json")
    return work / "ref-public.json"


def test_prove(benchmark, impl, log_n, tmp_path_factory):
    b = _built(log_n)
    work = tmp_path_factory.mktemp(f"prove-{impl}-{log_n}")
    benchmark.group = f"prove circom poseidon chain 2^{log_n}"
    benchmark.extra_info.update(
        circuit=b.compiled.spec.name, n_constraints=b.n_constraints, domain_log_n=b.log_n, keys=b.keys.source
    )
    counter = itertools.count()
    proofs: list[tuple[Path, Path | None]] = []

    if impl in _PROCESS_CMDS:
        rss: list[int] = []

        def one_round():
            i = next(counter)
            proof, public = work / f"{i}-proof.json", work / f"{i}-public.json"
            r = run_process(_PROCESS_CMDS[impl](b.keys.zkey, b.wtns, proof, public))
            assert r.returncode == 0, r.stderr[-3000:]
            proofs.append((proof, public))
            rss.append(r.peak_rss_bytes)

        benchmark.pedantic(one_round, rounds=3, iterations=1, warmup_rounds=1)
        benchmark.extra_info["peak_rss_max_bytes"] = max(rss)
    elif impl == "groth16py":
        import groth16py  # bench-only peer, GPL-3.0

        t0 = time.perf_counter()
        pk, _vk = groth16py.import_zkey(str(b.keys.zkey))
        benchmark.extra_info["load_s"] = time.perf_counter() - t0

        def one_round():
            proof = work / f"{next(counter)}-proof.json"
            proof.write_text(json.dumps(evm_proof_to_snarkjs(groth16py.prove_wtns(pk, str(b.wtns)))))
            proofs.append((proof, None))

        benchmark.pedantic(one_round, rounds=3, iterations=1, warmup_rounds=1)
    else:
        from prover import prove_from_zkey
        from zksvs.formats.snarkjs_json import write_proof, write_public_inputs

        stages: dict[str, list[float]] = {}

        def one_round():
            i = next(counter)
            t0 = time.perf_counter()
            proof_obj, public_inputs, stage_seconds = prove_from_zkey(str(b.keys.zkey), str(b.wtns))
            total = time.perf_counter() - t0
            for name, s in {**stage_seconds, OTHER_STAGE: total - sum(stage_seconds.values())}.items():
                stages.setdefault(name, []).append(float(s))
            proof, public = work / f"{i}-proof.json", work / f"{i}-public.json"
            write_proof(proof_obj, proof)
            write_public_inputs(public_inputs, public)
            proofs.append((proof, public))

        t0 = time.perf_counter()
        one_round()  # JIT compile or cache load, outside the timing (STYLE.md §8)
        benchmark.extra_info["jit_first_call_s"] = time.perf_counter() - t0
        stages.clear()
        benchmark.pedantic(one_round, rounds=3, iterations=1, warmup_rounds=0)
        benchmark.extra_info["stages_s"] = {k: statistics.median(v) for k, v in stages.items()}

    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ns_per_constraint"] = benchmark.stats.stats.median * 1e9 / b.n_constraints
    reference = _snarkjs_public(log_n)
    assert check_proofs(b, {impl: proofs}, reference) == {impl: True}

"""Phase-2 ceremony commands against snarkjs on a circom circuit at 2^14: ``zkey contribute`` and ``zkey verify``.

Run: ``python -m pytest bench/bench_zkey.py -s`` (``--bench-full`` adds 2^16). The circuit, its witness and its
snarkjs key (``groth16 setup`` from pot14 + one ``zkey contribute``) come from ``bench.circom.build`` (a circomlib
Poseidon(2) chain filling the domain). Each round runs, each as a whole process (``bench.dropin.run_process``: wall
time and peak RSS), in alternating order so that load drifts hit both tools alike:

- ``snarkjs zkey contribute K S.zkey`` and ``zksvs zkey contribute K Z.zkey`` on the same input key;
- ``snarkjs zkey verify R1CS PTAU Z.zkey`` and ``zksvs zkey verify R1CS PTAU S.zkey``: each verifies the *other*
  tool's contribution, so every round also checks interoperability (a non-zero exit fails the benchmark).

The table gives the best and the median of the rounds per tool, the ratio zksvs / snarkjs of the medians, and the
load average (``os.getloadavg``) before and after; results also go to ``zksvs-out/bench/bench-zkey.json``. No
timing is asserted.
"""

from __future__ import annotations

import json
import os
import statistics

import pytest

from bench.circom.build import PTAU_DIR, build, poseidon_chain_for_log_n, smallest_ptau, zksvs_cli
from bench.dropin import run_process
from tests.oracles.node import NODE_MODULES, ROOT

ROUNDS = 3
OUT = ROOT / "zksvs-out" / "bench" / "bench-zkey.json"


def pytest_generate_tests(metafunc):
    if "log_n" in metafunc.fixturenames:
        sizes = (14, 16) if metafunc.config.getoption("--bench-full") else (14,)
        metafunc.parametrize("log_n", sizes, ids=[f"log_n={k}" for k in sizes])


def _snarkjs(*args) -> list[str]:
    return ["node", str(NODE_MODULES / "snarkjs" / "build" / "cli.cjs"), *map(str, args)]


def _zksvs(*args) -> list[str]:
    return [*zksvs_cli(), *map(str, args)]


def _run(cmd: list[str]):
    r = run_process(cmd)
    assert r.returncode == 0, f"{' '.join(cmd[:4])} … failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r


def test_zkey_contribute_and_verify_vs_snarkjs(log_n, tmp_path):
    b = build(poseidon_chain_for_log_n(log_n), keys="snarkjs")
    ptau = smallest_ptau(b.log_n, PTAU_DIR)
    key = b.keys.zkey
    # warm-up: numba's cache for this worktree, node's module cache (not timed)
    _run(_zksvs("zkey", "contribute", key, tmp_path / "warm.zkey", "-e", "warm"))
    load_before = os.getloadavg()
    times: dict[str, list[tuple[float, int]]] = {}
    for i in range(ROUNDS):
        s_out, z_out = tmp_path / f"s{i}.zkey", tmp_path / f"z{i}.zkey"
        pair = [
            ("contribute snarkjs", _snarkjs("zkey", "contribute", key, s_out, "--name=s", f"-e=bench {i}")),
            ("contribute zksvs", _zksvs("zkey", "contribute", key, z_out, "--name", "z", "-e", f"bench {i}")),
        ]
        for name, cmd in pair if i % 2 == 0 else pair[::-1]:
            r = _run(cmd)
            times.setdefault(name, []).append((r.seconds, r.peak_rss_bytes))
        pair = [
            ("verify snarkjs", _snarkjs("zkey", "verify", b.compiled.r1cs, ptau, z_out)),
            ("verify zksvs", _zksvs("zkey", "verify", b.compiled.r1cs, ptau, s_out)),
        ]
        for name, cmd in pair if i % 2 == 0 else pair[::-1]:
            r = _run(cmd)
            assert "ZKey Ok!" in r.stdout + r.stderr
            times.setdefault(name, []).append((r.seconds, r.peak_rss_bytes))
    load_after = os.getloadavg()

    result = {
        "circuit": b.compiled.spec.name,
        "n_constraints": b.n_constraints,
        "domain_log_n": b.log_n,
        "ptau": ptau.name,
        "rounds": ROUNDS,
        "cpu_count": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "ops": {},
    }
    lines = [
        f"\nzkey ceremony, {b.compiled.spec.name}: {b.n_constraints} constraints, domain 2^{b.log_n}, {ptau.name}, "
        f"{ROUNDS} rounds, load {load_before[0]:.1f} → {load_after[0]:.1f} on {os.cpu_count()} CPUs",
        f"{'op':<12}{'snarkjs med s':>15}{'zksvs med s':>13}{'best s/z':>16}{'ratio z/s':>11}{'RSS MiB s/z':>15}",
    ]
    for op in ("contribute", "verify"):
        s = [t for t, _ in times[f"{op} snarkjs"]]
        z = [t for t, _ in times[f"{op} zksvs"]]
        rss_s = max(m for _, m in times[f"{op} snarkjs"]) >> 20
        rss_z = max(m for _, m in times[f"{op} zksvs"]) >> 20
        ratio = statistics.median(z) / statistics.median(s)
        result["ops"][op] = {"snarkjs_s": s, "zksvs_s": z, "ratio_median": ratio, "peak_rss_mib": [rss_s, rss_z]}
        lines.append(
            f"{op:<12}{statistics.median(s):>15.2f}{statistics.median(z):>13.2f}"
            f"{f'{min(s):.2f}/{min(z):.2f}':>16}{ratio:>11.3f}{f'{rss_s}/{rss_z}':>15}"
        )
    print("\n".join(lines))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-s", "-q"]))

"""``zksvs workload`` and ``zksvs sequence`` through the CLI (subprocess), and the pieces behind them.

The sequence run is checked against the sequencer itself, independently: its reported roots and counts equal an
in-memory ``Sequencer`` fed the same file, and a ``Sequencer`` reopened from the database it wrote (a replay).
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.sequence import LatencyHistogram
from pipeline.workload import DemoSigner, demo_workload, iter_workload, write_workload
from sequencer import Receipt, Sequencer, load_genesis, read_jsonl

ROOT = Path(__file__).resolve().parents[2]


def _zksvs(*args, check: bool = True) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
    )


def test_workload_then_sequence_reports_what_the_sequencer_decides(tmp_path):
    w = tmp_path / "w"
    _zksvs("workload", "--rollups", 3, "--txs", 400, "--seed", 5, "--out", w, "--capacity", 4, "--accounts", 6)
    genesis = load_genesis(w / "genesis.json")
    lines = (w / "txs.jsonl").read_text().splitlines()
    assert len(lines) == 400 and genesis.shape.n_rollups == 3 and genesis.shape.capacity == 4
    # the JSON figures under the names the issue gives, and the results of the sequencer itself
    out = json.loads(_zksvs("sequence", w / "txs.jsonl", "--genesis", w / "genesis.json", "--out", tmp_path / "o",
                            "--json").stdout)  # fmt: skip
    for name in ("txs_per_s", "txs_per_cpu_s", "txs_per_main_thread_cpu_s", "p50_ms", "p99_ms", "max_ms"):
        assert out[name] > 0
    assert out["p50_ms"] <= out["p99_ms"] <= out["max_ms"] * 1.01
    ref = Sequencer(genesis)
    results = [ref.submit(tx, arrival=n) for n, tx in read_jsonl(w / "txs.jsonl")]
    ref.close_batch()
    accepted = sum(isinstance(r, Receipt) for r in results)
    assert (out["txs"], out["accepted"], out["rejected"]) == (400, accepted, 400 - accepted)
    assert set(out["rejected_by_reason"]) == {"overdraft", "bad_nonce", "action_failed", "bad_signature"}
    assert out["state_roots"] == [str(r) for r in ref.state_roots()]
    assert out["shared_batches"] == ref.batch_number
    replay = Sequencer.open(tmp_path / "o" / "sequencer.sqlite")
    assert [str(r) for r in replay.state_roots()] == out["state_roots"]
    assert replay.next_seq == 400
    replay.close()
    # the table form names the same figures
    text = _zksvs("sequence", w / "txs.jsonl", "--genesis", w / "genesis.json", "--out", tmp_path / "o2").stdout
    assert "tx/s" in text and "p50 / p99" in text and out["state_roots"][0] in text


def test_sequence_and_workload_refuse_a_used_folder_in_one_line_unless_forced(tmp_path):
    w = tmp_path / "w"
    _zksvs("workload", "--rollups", 2, "--txs", 20, "--out", w, "--accounts", 4)
    again = _zksvs("workload", "--rollups", 2, "--txs", 20, "--out", w, check=False)
    assert again.returncode == 2 and "folder is not empty" in again.stderr
    args = ("sequence", w / "txs.jsonl", "--genesis", w / "genesis.json", "--out", tmp_path / "o", "--json")
    first = json.loads(_zksvs(*args).stdout)
    again = _zksvs(*args, check=False)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().count("\n") == 0 and "folder is not empty" in again.stderr
    assert "Traceback" not in again.stderr
    forced = json.loads(_zksvs(*args, "--force").stdout)
    assert forced["state_roots"] == first["state_roots"]
    # the inputs may live in --out: --force never removes a file the command reads
    inside = _zksvs("sequence", w / "txs.jsonl", "--genesis", w / "genesis.json", "--out", w, "--force", "--json")
    assert json.loads(inside.stdout)["state_roots"] == first["state_roots"] and (w / "txs.jsonl").exists()


def test_workload_is_seeded_and_gives_every_burn_room(tmp_path):
    a = write_workload(tmp_path / "a", 4, 3000, seed=9, accounts_per_rollup=8)
    b = write_workload(tmp_path / "b", 4, 3000, seed=9, accounts_per_rollup=8)
    assert a.txs.read_bytes() == b.txs.read_bytes() and a.genesis.read_bytes() == b.genesis.read_bytes()
    txs = [json.loads(x) for x in a.txs.read_text().splitlines()]
    pairs: dict[tuple[int, int], int] = {}
    for t in txs:
        if t["kind"] in ("burn", "call"):
            pairs[t["chain"], t["to_chain"]] = pairs.get((t["chain"], t["to_chain"]), 0) + 1
    assert a.n_burns == sum(pairs.values()) > 0 and len(pairs) == 12  # every ordered pair of K = 4
    m = load_genesis(a.genesis).shape.bridge_depth
    assert m == a.bridge_depth and 2**m > max(pairs.values()) and (m == 4 or 2 ** (m - 1) <= max(pairs.values()))
    assert (
        write_workload(tmp_path / "c", 4, 3000, seed=10, accounts_per_rollup=8).txs.read_bytes() != a.txs.read_bytes()
    )


def test_the_streamed_generator_is_the_demo_workload():
    g = {0: {0: 10**6, 1: 5000}, 1: {0: 3000, 1: 2**64 - 1001}}
    assert list(iter_workload(g, 50, 3, whale=(1, 1))) == demo_workload(g, 50, 3, whale=(1, 1))


class _OtherSeedSigner(DemoSigner):
    """A signer with other keys than the genesis seed's (the hook is not tied to ``demo_genesis``'s keys)."""

    def __init__(self) -> None:
        super().__init__(seed=777)


def test_the_signer_keys_the_genesis_and_signs_every_line(tmp_path):
    signer = _OtherSeedSigner()
    files = write_workload(tmp_path, 2, 40, seed=1, accounts_per_rollup=4, signer=signer)
    genesis = load_genesis(files.genesis)
    assert genesis.signed and all(
        (a.pubkey_x, a.pubkey_y) == signer.public_key(c, i) for c, accs in enumerate(genesis.accounts) for i, a in accs
    )
    txs = [json.loads(x) for x in files.txs.read_text().splitlines()]
    assert txs and all("signature" in t for t in txs)
    seq = Sequencer(genesis)
    results = [seq.submit(tx, n) for n, tx in read_jsonl(files.txs)]
    bad = [r for r in results if not isinstance(r, Receipt) and r.reason.value == "bad_signature"]
    assert len(bad) == 1 and "does not verify" in bad[0].message  # the one forged on purpose
    plain = write_workload(tmp_path / "plain", 2, 40, seed=1, accounts_per_rollup=4, signed=False)
    assert not load_genesis(plain.genesis).signed
    assert not any("signature" in json.loads(x) for x in plain.txs.read_text().splitlines())


@pytest.mark.parametrize("seed", range(4))
def test_latency_histogram_quantiles_are_within_one_percent(seed):
    rnd = random.Random(seed)
    xs = [rnd.lognormvariate(-6, 1.5) for _ in range(5000)] + [2e-7, 150.0]
    h = LatencyHistogram()
    for x in xs:
        h.add(x)
    ordered = sorted(xs)
    for q in (0.5, 0.9, 0.99):
        exact = ordered[math.ceil(q * len(xs)) - 1]
        assert exact <= h.quantile(q) <= exact * 1.0101
    assert h.max == 150.0 and h.n == len(xs) and LatencyHistogram().quantile(0.5) == 0.0


def test_warmup_sequencer_group_loads_the_poseidon_kernels_by_signature():
    # the signatures must be the ones NativeHasher calls with, or `zksvs sequence` would compile a second variant
    first = json.loads(_zksvs("warmup", "--group", "sequencer", "--json").stdout)
    names = {row["kernel"] for row in first["kernels"]}
    assert {"accel.poseidon._path", "accel.poseidon._hash_rows"} <= names
    assert {row["step"] for row in first["kernels"]} == {"Poseidon", "EdDSA verify"}
    again = json.loads(_zksvs("warmup", "--group", "sequencer", "--json").stdout)
    assert again["compiled"] == 0
    import accel.babyjub as ab
    import accel.poseidon as ap
    from prover.warmup import kernels
    from zksvs.eddsa import private_to_public, sign_poseidon

    hot = (ap._path, ap._hash_rows, ab._verify_signed_rows, ab._verify_rows)
    before = {k.py_func.__name__: set(map(tuple, k.signatures)) for k in hot}  # other tests may have compiled some
    ap.merkle_path_unchecked(1, 2, [3, 4])  # the hot path's calls, as NativeHasher makes them
    ap.poseidon_unchecked([1, 2, 3, 4])
    sig, pub = sign_poseidon(bytes(32), 1), private_to_public(bytes(32))
    ab.verify_signed(ab.prepare_signed([(1,) * 12], [sig], [pub]))  # as sequencer.signatures calls them
    ab.verify_prepared(ab.prepare_batch([1], [sig], [pub]))
    signature = {k.dispatcher.py_func.__name__: k.signature for k in kernels("sequencer")}
    for kernel in hot:
        name = kernel.py_func.__name__
        used = set(map(tuple, kernel.signatures))
        assert signature[name] in used  # the hot path ran the warmed variant ...
        assert used - before[name] <= {signature[name]}  # ... and compiled no other one

"""EdDSA-Poseidon sign and verify: native (pure Python) and batch (numba) against circomlibjs 0.1.7 in the same run.

Run: ``python -m pytest bench/bench_eddsa.py --benchmark-only``. The peer is circomlibjs's ``signPoseidon`` /
``verifyPoseidon`` timed inside one node process (``circomlibjs`` fixture: ``buildEddsa()`` and a warm-up outside
the timing, then ``N_JS`` operations, ``process.hrtime``), on the same keys and messages; each native benchmark
records the peer's seconds per operation and the ratio native / circomlibjs in ``extra_info`` (reported, not
asserted). ``verify`` also records the part of its time spent in the native Poseidon(5) hash, the floor of any
speed-up of the curve arithmetic alone. ``verify_batch`` times ``accel.babyjub.verify_batch`` on ``N_BATCH``
signatures (hashes in Python, curve arithmetic in one ``prange`` kernel; JIT warm-up outside the timing) and records
signatures per second, the same for the kernel alone, and the per-signature ratio against circomlibjs. Every benchmark
checks its result (the signature equals circomlibjs's, every verdict is True). ``verify_signed`` times the sequencer's
worker path (``sequencer.signatures``): ``prepare_signed`` (Python, on the sequencer's thread) and ``verify_signed``
(one serial ``nogil`` kernel: each message's Poseidon(12), its challenge and the curve checks) on ``SLICE``-sized
slices, and records the CPU of each half per signature (thread CPU time) next to circomlibjs. ``test_gadget_build``
times one verifier gadget with its witness (what a batch circuit pays per signed slot).
"""

from __future__ import annotations

import itertools
import os
import random
import time

import numpy as np
import pytest

from accel.babyjub import _mont, _table, _verify_kernel, prepare_signed, verify_batch, verify_signed
from circuits.builder import ConstraintBuilder, Mode
from circuits.gadgets.babyjub import alloc_point
from circuits.gadgets.boolean import alloc_bool
from circuits.gadgets.eddsa import eddsa_poseidon_cost, eddsa_poseidon_verify
from tests.oracles.node import run_node_script
from zksvs.eddsa import Signature, private_to_public, sign_poseidon, verify_poseidon
from zksvs.field import FR_MODULUS
from zksvs.limbs import int_to_limbs
from zksvs.poseidon import poseidon

N_KEYS = 16
N_JS = 200
N_BATCH = 256
_RNG = random.Random(0xBE4C)
KEYS = [_RNG.randbytes(32) for _ in range(N_KEYS)]
MSGS = [_RNG.randrange(FR_MODULUS) for _ in range(N_KEYS)]

_JS = r"""
const { buildEddsa } = require("circomlibjs");
let data = "";
process.stdin.on("data", (d) => (data += d));
process.stdin.on("end", async () => {
  const p = JSON.parse(data);
  const eddsa = await buildEddsa();
  const F = eddsa.babyJub.F;
  const keys = p.keys.map((k) => Buffer.from(k, "hex"));
  const msgs = p.msgs.map((m) => F.e(BigInt(m)));
  const pubs = keys.map((k) => eddsa.prv2pub(k));
  const sigs = keys.map((k, i) => eddsa.signPoseidon(k, msgs[i]));
  const n = keys.length;
  for (let i = 0; i < 20; i++) eddsa.verifyPoseidon(msgs[i % n], sigs[i % n], pubs[i % n]);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < p.n; i++) eddsa.signPoseidon(keys[i % keys.length], msgs[i % keys.length]);
  const sign_s = Number(process.hrtime.bigint() - t0) / 1e9 / p.n;
  t0 = process.hrtime.bigint();
  let ok = 0;
  for (let i = 0; i < p.n; i++) {
    const j = i % keys.length;
    if (eddsa.verifyPoseidon(msgs[j], sigs[j], pubs[j])) ok++;
  }
  const verify_s = Number(process.hrtime.bigint() - t0) / 1e9 / p.n;
  process.stdout.write(JSON.stringify({
    sign_s, verify_s, ok,
    sigs: sigs.map((s) => ({ r8: s.R8.map((e) => F.toObject(e).toString()), s: s.S.toString() })),
  }));
  process.exit(0);
});
"""


@pytest.fixture(scope="module")
def circomlibjs() -> dict:
    """circomlibjs's seconds per sign / verify (timed inside node) and its signatures of KEYS × MSGS."""
    out = run_node_script(_JS, {"keys": [k.hex() for k in KEYS], "msgs": [str(m) for m in MSGS], "n": N_JS})
    assert out["ok"] == N_JS
    out["sigs"] = [Signature((int(s["r8"][0]), int(s["r8"][1])), int(s["s"])) for s in out["sigs"]]
    return out


def _ratio(benchmark, peer_s: float) -> None:
    benchmark.extra_info["circomlibjs_s_per_op"] = peer_s
    benchmark.extra_info["load_avg"] = os.getloadavg()
    if benchmark.stats is not None:
        benchmark.extra_info["ratio_vs_circomlibjs"] = benchmark.stats.stats.mean / peer_s


def test_sign(benchmark, circomlibjs):
    benchmark.group = "eddsa-poseidon sign"
    cases = itertools.cycle(range(N_KEYS))
    benchmark(lambda: sign_poseidon(KEYS[(i := next(cases))], MSGS[i]))
    assert [sign_poseidon(k, m) for k, m in zip(KEYS, MSGS, strict=True)] == circomlibjs["sigs"]
    _ratio(benchmark, circomlibjs["sign_s"])


def test_verify(benchmark, circomlibjs):
    benchmark.group = "eddsa-poseidon verify"
    pubs = [private_to_public(k) for k in KEYS]
    sigs = circomlibjs["sigs"]
    cases = itertools.cycle(range(N_KEYS))
    benchmark(lambda: verify_poseidon(MSGS[(i := next(cases))], sigs[i], pubs[i]))
    assert all(verify_poseidon(m, s, p) for m, s, p in zip(MSGS, sigs, pubs, strict=True))
    t0 = time.perf_counter()
    for m, s, p in zip(MSGS, sigs, pubs, strict=True):
        poseidon([*s.r8, *p, m])
    benchmark.extra_info["poseidon5_s"] = (time.perf_counter() - t0) / N_KEYS
    _ratio(benchmark, circomlibjs["verify_s"])


def test_verify_batch(benchmark, circomlibjs):
    benchmark.group = "eddsa-poseidon verify"
    pubs = [private_to_public(k) for k in KEYS]
    idx = [i % N_KEYS for i in range(N_BATCH)]
    msgs = [MSGS[i] for i in idx]
    sigs = [circomlibjs["sigs"][i] for i in idx]
    keys = [pubs[i] for i in idx]
    verify_batch(msgs[:2], sigs[:2], keys[:2])  # JIT (or cache load) outside the timing
    out = benchmark.pedantic(verify_batch, (msgs, sigs, keys), rounds=3, iterations=1, warmup_rounds=1)
    assert out.all()
    # the kernel alone, on the arrays verify_batch prepares
    a = np.array([[_mont(p[0]), _mont(p[1])] for p in keys], dtype=np.uint64)
    r = np.array([[_mont(s.r8[0]), _mont(s.r8[1])] for s in sigs], dtype=np.uint64)
    s_ = np.array([int_to_limbs(s.s) for s in sigs], dtype=np.uint64)
    h = np.array([int_to_limbs(poseidon([*s.r8, *p, m])) for m, s, p in zip(msgs, sigs, keys)], dtype=np.uint64)
    t0 = time.perf_counter()
    assert _verify_kernel(a, r, s_, h, np.ones(N_BATCH, dtype=np.bool_), _table()).all()
    kernel_s = time.perf_counter() - t0
    per_sig = benchmark.stats.stats.mean / N_BATCH
    benchmark.extra_info.update(
        {
            "n_signatures": N_BATCH,
            "signatures_per_s": 1 / per_sig,
            "kernel_signatures_per_s": N_BATCH / kernel_s,
            "circomlibjs_s_per_op": circomlibjs["verify_s"],
            "ratio_vs_circomlibjs": per_sig / circomlibjs["verify_s"],
            "load_avg": os.getloadavg(),
        }
    )


def test_verify_signed(benchmark, circomlibjs):
    from sequencer.signatures import SLICE

    benchmark.group = "eddsa-poseidon verify"
    rng = random.Random(0xBE4D)
    rows = [tuple(rng.randrange(2**64) for _ in range(12)) for _ in range(N_KEYS)]
    sigs = [sign_poseidon(k, poseidon(list(row))) for k, row in zip(KEYS, rows, strict=True)]
    pubs = [private_to_public(k) for k in KEYS]
    idx = [i % N_KEYS for i in range(N_BATCH)]
    slices = [[(rows[i], sigs[i], pubs[i]) for i in idx[lo : lo + SLICE]] for lo in range(0, N_BATCH, SLICE)]
    verify_signed(prepare_signed(*zip(*slices[0][:2], strict=True)))  # JIT (or cache load) outside the timing

    def run():
        t_prep = t_kernel = 0.0
        ok = []
        for part in slices:
            t0 = time.thread_time()
            batch = prepare_signed(*zip(*part, strict=True))
            t1 = time.thread_time()
            ok += verify_signed(batch)[1].tolist()
            t_prep, t_kernel = t_prep + t1 - t0, t_kernel + time.thread_time() - t1
        return ok, t_prep, t_kernel

    ok, t_prep, t_kernel = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert all(ok) and len(ok) == N_BATCH
    benchmark.extra_info.update(
        {
            "n_signatures": N_BATCH,
            "slice": SLICE,
            "prepare_cpu_us_per_signature": t_prep / N_BATCH * 1e6,
            "kernel_cpu_us_per_signature": t_kernel / N_BATCH * 1e6,
            "circomlibjs_s_per_op": circomlibjs["verify_s"],
            "ratio_vs_circomlibjs": (t_prep + t_kernel) / N_BATCH / circomlibjs["verify_s"],
            "load_avg": os.getloadavg(),
        }
    )


def test_gadget_build(benchmark):
    """Build time of one verifier with its witness (what a batch circuit pays per signed slot)."""
    benchmark.group = "eddsa-poseidon gadget build"
    key = KEYS[0]
    sig, pub = sign_poseidon(key, MSGS[0]), private_to_public(key)

    def build() -> int:
        cb = ConstraintBuilder()
        e = alloc_bool(cb, "enabled", 1)
        eddsa_poseidon_verify(
            cb, e, alloc_point(cb, "a", pub, Mode.PRIVATE), alloc_point(cb, "r8", sig.r8, Mode.PRIVATE),
            cb.private("s", sig.s), cb.private("m", MSGS[0]),
        )  # fmt: skip
        return cb.n_constraints

    assert benchmark(build) == eddsa_poseidon_cost() + 1

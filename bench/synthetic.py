"""Large benchmark circuits without circom: our own R1CS as matrices, development keys, written as .zkey + .wtns.

circom2 needs more than half an hour to compile a 2^20 Poseidon chain on 2 cores, and the drop-in benchmark only
needs the files every prover reads: a .zkey and a .wtns (snarkjs, groth16py and zksvs all prove from them). So the
2^20 size is a circuit built here directly as ``ConstraintMatrices``:

    mixed chain: x_0 = seed (public), and for i ≥ 0 alternately
        x_{i+1} = x_i · x_i                 (a squaring: full-width witness values)
        b_i · (b_i − 1) = 0 with x_{i+1} = x_i + b_i   (a boolean and an add: 0/1 witness values)

so the witness has the two shapes real circuits have (field elements and bits) and every MSM meets both. Public
signals: [out, seed] (snarkjs order: outputs first). The keys come from ``prover.dev_setup`` (INSECURE development
setup, seeded) on the matrices — no Python object per constraint, so 2^20 constraints stay within a few hundred MB —
and the verifying key is written as snarkjs ``verification_key.json``. Everything is cached under
``build/synthetic/`` by the circuit's shape and the code's version.

Public API::

    mixed_chain(n_constraints, seed=3) -> (ConstraintMatrices, witness ints)
    build_synthetic(log_n) -> SyntheticBuilt     (.keys.zkey, .keys.vk, .wtns, .n_constraints, .log_n: the fields
                                                   ``bench.dropin.bench_size`` reads from a circom ``Built``)

References
----------
snarkjs 0.7.6 ``zkey_new.js`` (the domain rule n_constraints + n_public + 1 ≤ 2^log_n); ``prover.dev_setup``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.circom.build import _locked
from tests.oracles.node import ROOT

BUILD_ROOT = ROOT / "build" / "synthetic"
_VERSION = "mixed-chain/1"
N_PUBLIC = 2  # out, seed


def mixed_chain(n_constraints: int, seed: int = 3):
    """The mixed chain's A, B, C (``ConstraintMatrices``) and its witness (Python ints), n_constraints rows.

    Wires: 0 = 1, 1 = out, 2 = seed, then x_1, x_2, … and the bits. A squaring row k: A = x, B = x, C = x'.
    A boolean row: A = b, B = b − 1, C = 0; the add x' = x + b is folded into the next row's linear combination
    (x' is not a wire: the next row reads x + b directly), so each boolean costs one constraint.
    """
    from zksvs.field import FR_MODULUS
    from zksvs.limbs import ints_to_limbs
    from zksvs.r1cs import ConstraintMatrices, SparseMatrix

    r = FR_MODULUS
    n = n_constraints
    # wire layout: 0 one, 1 out, 2 seed, then per row one new wire (x for squarings, b for booleans)
    n_wires = 3 + n
    values = [0] * n_wires
    values[0], values[2] = 1, seed % r
    rows_a, wires_a, co_a = [], [], []
    rows_b, wires_b, co_b = [], [], []
    rows_c, wires_c, co_c = [], [], []
    # the current x as a linear combination: list of (wire, coeff)
    cur = [(2, 1)]
    cur_val = values[2]
    for k in range(n):
        w = 3 + k
        if k == n - 1:  # last row: out = cur·cur
            w = 1
        if k % 2 == 0 or k == n - 1:
            for wire, c in cur:
                rows_a.append(k), wires_a.append(wire), co_a.append(c)
                rows_b.append(k), wires_b.append(wire), co_b.append(c)
            rows_c.append(k), wires_c.append(w), co_c.append(1)
            cur_val = cur_val * cur_val % r
            values[w] = cur_val
            cur = [(w, 1)]
        else:
            bit = (cur_val >> 7) & 1  # a data-dependent bit
            values[w] = bit
            rows_a.append(k), wires_a.append(w), co_a.append(1)
            rows_b.append(k), wires_b.append(w), co_b.append(1)
            rows_b.append(k), wires_b.append(0), co_b.append(r - 1)
            cur = [*cur, (w, 1)]
            cur_val = (cur_val + bit) % r

    def sm(rows, wires, co):
        return SparseMatrix(np.array(rows, dtype=np.int64), np.array(wires, dtype=np.int64), ints_to_limbs(co))

    m = ConstraintMatrices(n, n_wires, N_PUBLIC, sm(rows_a, wires_a, co_a), sm(rows_b, wires_b, co_b),
                           sm(rows_c, wires_c, co_c))  # fmt: skip
    return m, values


@dataclass(frozen=True)
class _Keys:
    zkey: Path
    vk: Path
    source: str = "zksvs-dev"


@dataclass(frozen=True)
class _Spec:
    name: str


@dataclass(frozen=True)
class _Info:
    n_public: int


@dataclass(frozen=True)
class _Compiled:
    spec: _Spec
    info: _Info


@dataclass(frozen=True)
class SyntheticBuilt:
    """What ``bench.dropin.bench_size`` needs from a built circuit (the attributes of ``bench.circom.build.Built``)."""

    compiled: _Compiled
    wtns: Path
    keys: _Keys
    n_constraints: int
    log_n: int


def n_constraints_for(log_n: int) -> int:
    """The most constraints whose domain is 2^log_n: n + n_public + 1 ≤ 2^log_n."""
    return (1 << log_n) - N_PUBLIC - 1


def build_synthetic(log_n: int, seed: int = 3) -> SyntheticBuilt:
    """The mixed chain filling 2^log_n, its witness and development keys (cached; minutes at 2^20, once)."""
    import warnings

    n = n_constraints_for(log_n)
    key = hashlib.sha256(f"{_VERSION}\0{n}\0{seed}".encode()).hexdigest()[:16]
    out = BUILD_ROOT / f"mixed_chain-{log_n}-{key}"
    name = f"mixed_chain-2^{log_n}"
    with _locked(out):
        if not (out / ".complete").exists():
            from prover import InsecureSetupWarning, setup
            from zksvs.formats.snarkjs_json import write_verifying_key
            from zksvs.formats.wtns_file import write_wtns
            from zksvs.formats.zkey_file import write_zkey

            out.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            m, values = mixed_chain(n, seed)
            write_wtns(values, out / "witness.wtns")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsecureSetupWarning)
                pk = setup(m, seed=f"bench-synthetic-{log_n}")
            write_zkey(pk, m, out / "circuit.zkey")
            write_verifying_key(pk.vk, out / "verification_key.json")
            (out / ".complete").write_text(f"{key} {time.perf_counter() - t0:.1f}s\n")
    return SyntheticBuilt(
        _Compiled(_Spec(name), _Info(N_PUBLIC)),
        out / "witness.wtns",
        _Keys(out / "circuit.zkey", out / "verification_key.json"),
        n,
        log_n,
    )

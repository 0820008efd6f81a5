"""µs per Poseidon hash of the batch kernels (``accel.poseidon.poseidon_limbs``) against the one-row-at-a-time kernels.

Run: ``PYTHONPATH=. python bench/poseidon_rows.py [--reps N]``. For rows of 2 and 4 inputs in batches of 1, 8, 64
(and 4096, serial, the kernel alone) it times, alternately in one process, the peer (``_hash_rows``: one permutation
a row, ``prange`` from 64 rows, what ``poseidon_limbs`` ran before multi-buffer hashing) and ``poseidon_limbs`` as it
is now, and prints the best-of-5 µs per hash of each and the ratio peer/now, with the 1-minute load average. Both
sides' outputs are compared (asserted equal) before timing. No timing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import numpy as np

import accel.poseidon as ap
from zksvs.field import FR_MODULUS


def _rows(n: int, a: int, seed: int) -> np.ndarray:
    rng = random.Random(seed)
    return np.array(ap._to_limbs([rng.randrange(FR_MODULUS) for _ in range(n * a)])).reshape(n, a, 4)


def _peer(x: np.ndarray) -> np.ndarray:
    kernel = ap._hash_rows_par if x.shape[0] >= ap._PARALLEL_MIN_ROWS else ap._hash_rows
    return kernel(x, ap._CONSTS, ap._LAYOUT)


def _serial_peer(x: np.ndarray) -> np.ndarray:
    return ap._hash_rows(x, ap._CONSTS, ap._LAYOUT)


def _serial_now(x: np.ndarray) -> np.ndarray:
    kernel = ap._hash_pairs if x.shape[1] == 2 else ap._hash_rows
    return kernel(x, ap._CONSTS, ap._LAYOUT)


def _best_us(f, x: np.ndarray, reps: int) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            f(x)
        best = min(best, time.perf_counter() - t0)
    return best / reps / x.shape[0] * 1e6


def main() -> None:
    ap_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap_.add_argument("--reps", type=int, default=2000, help="kernel calls per timing for a 1-row batch (scaled)")
    args = ap_.parse_args()
    print(f"load {os.getloadavg()[0]:.2f}")
    print(f"{'inputs':>6} {'rows':>5} {'peer µs/hash':>13} {'now µs/hash':>12} {'peer/now':>9}")
    cases = [(a, n, _peer, ap.poseidon_limbs) for a in (2, 4) for n in (1, 8, 64)]
    cases += [(a, 4096, _serial_peer, _serial_now) for a in (2, 4)]
    for a, n, peer, now in cases:
        x = _rows(n, a, seed=n * 17 + a)
        assert np.array_equal(peer(x), now(x))
        reps = max(1, args.reps // n)
        p, q = _best_us(peer, x, reps), _best_us(now, x, reps)
        label = f"{n}s" if n == 4096 else str(n)
        print(f"{a:>6} {label:>5} {p:>13.2f} {q:>12.2f} {p / q:>9.2f}")
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

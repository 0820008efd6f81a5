"""The prove path's numba kernels behind C-ABI-friendly entry points: raw pointers and sizes in, caller's buffers out.

Each entry wraps one kernel of ``prover.warmup``'s ``"prove"`` group (the domain tables, the witness map, the G1 and
G2 MSM) with pointer arguments (``numba.carray`` views) and writes the result into a buffer the caller owns, serially
(``n_threads = 1``; the native path runs independent stages on threads instead). They are ``@njit(cache=True)`` with
explicit signatures, so the machine code numba caches for them (entry + every callee, linked) is what
``prover.native.build`` links into the shared library; in the numba calling convention each returns a status
(0 = done, else an exception was raised inside; ``prover.native.library`` turns it into ``NativeKernelError``).

The entry names (``ENTRIES``) are the C names the library exports.
"""

from __future__ import annotations

from numba import carray, njit
from numba import types as nt
from numba.np.ufunc.parallel import _launch_threads

# the entries are compiled (or loaded) on import, and their code names numba's threading layer (the kernels'
# parallel paths, never taken here): it must be registered first, as numba does before a parallel kernel's first call
_launch_threads()

from prover.kernels import msm as _msm  # noqa: E402
from prover.kernels import ntt as _ntt  # noqa: E402
from prover.kernels import qap as _qap  # noqa: E402

_U = nt.CPointer(nt.uint64)
_I = nt.CPointer(nt.int64)
_i = nt.int64


@njit(nt.int64(_U, _U, _i, _U), cache=True)
def powers(base_p, start_p, count, out_p):
    """out[i] = start·base^i, i < count (``uint64[4]`` Montgomery in, ``uint64[count, 4]`` out)."""
    out = carray(out_p, (count, 4))
    out[:] = _ntt.powers(carray(base_p, (4,)), carray(start_p, (4,)), count)
    return 0


@njit(nt.int64(_U, _i, _i, _U), cache=True)
def stage_twiddles(pw_p, n_pw, log_n, out_p):
    """The per-stage twiddle table ``uint64[2^log_n, 4]`` from ``pw: uint64[n_pw, 4]`` (``kernels.ntt``)."""
    out = carray(out_p, (1 << log_n, 4))
    out[:] = _ntt.stage_twiddles(carray(pw_p, (n_pw, 4)), log_n)
    return 0


@njit(nt.int64(_U, _i, _U), cache=True)
def bit_reversed(table_p, log_n, out_p):
    """out[j] = table[rev(j)], ``uint64[2^log_n, 4]``."""
    n = 1 << log_n
    out = carray(out_p, (n, 4))
    out[:] = _ntt.bit_reversed(carray(table_p, (n, 4)), log_n)
    return 0


@njit(nt.int64(_I, _I, _U, _i, _I, _I, _U, _i, _U, _i, _i, _i, _U, _U, _U, _i, _U), cache=True)
def witness_map(rows_a, wires_a, vals_a, nnz_a, rows_b, wires_b, vals_b, nnz_b, w_p, n_wires, n_constraints, n_public,
                tw_inv_p, scale_br_p, tw_p, log_n, out_p):  # fmt: skip
    """``kernels.qap.witness_map`` serially: the H scalars ``uint64[2^log_n, 4]`` (normal form) into ``out``."""
    n = 1 << log_n
    out = carray(out_p, (n, 4))
    out[:] = _qap.witness_map(
        carray(rows_a, (nnz_a,)), carray(wires_a, (nnz_a,)), carray(vals_a, (nnz_a, 4)),
        carray(rows_b, (nnz_b,)), carray(wires_b, (nnz_b,)), carray(vals_b, (nnz_b, 4)),
        carray(w_p, (n_wires, 4)), n_constraints, n_public,
        carray(tw_inv_p, (n, 4)), carray(scale_br_p, (n, 4)), carray(tw_p, (n, 4)), log_n, 1,
    )  # fmt: skip
    return 0


@njit(nt.int64(_U, _U, _i, _i, _U, _U, _U), cache=True)
def msm_g1(bases_p, scalars_p, n, window_bits, beta_p, consts_p, out_p):
    """``kernels.msm.msm_affine`` on G1 bases ``uint64[n, 2, 4]``, one thread: the affine sum into ``uint64[2, 4]``."""
    out = carray(out_p, (2, 4))
    out[:] = _msm.msm_affine(carray(bases_p, (n, 2, 4)), carray(scalars_p, (n, 4)), window_bits, 1, True,
                             carray(beta_p, (4,)), carray(consts_p, (6, 4)))  # fmt: skip
    return 0


@njit(nt.int64(_U, _U, _i, _i, _U, _U, _U), cache=True)
def msm_g2(bases_p, scalars_p, n, window_bits, beta_p, consts_p, out_p):
    """As ``msm_g1`` on G2 (``uint64[n, 2, 2, 4]`` bases, ``uint64[2, 2, 4]`` out)."""
    out = carray(out_p, (2, 2, 4))
    out[:] = _msm.msm_affine(carray(bases_p, (n, 2, 2, 4)), carray(scalars_p, (n, 4)), window_bits, 1, True,
                             carray(beta_p, (4,)), carray(consts_p, (6, 4)))  # fmt: skip
    return 0


#: C name (exported by the library) → numba dispatcher.
ENTRIES = {
    "zksvs_powers": powers,
    "zksvs_stage_twiddles": stage_twiddles,
    "zksvs_bit_reversed": bit_reversed,
    "zksvs_witness_map": witness_map,
    "zksvs_msm_g1": msm_g1,
    "zksvs_msm_g2": msm_g2,
}

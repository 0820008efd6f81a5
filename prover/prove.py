"""Groth16 proving over BN254 with the snarkjs QAP reduction, in named, timed stages.

Symbols (Groth16, eprint 2016/260, §3.2; snarkjs 0.7.6 ``src/groth16_prove.js``) → names:

=========================================================  ===============================================
paper / snarkjs                                            here
=========================================================  ===============================================
w (the full assignment, w_0 = 1), ℓ public wires           ``witness``, ``proving_key.n_public``
r, s (the prover's blinding scalars)                       ``r``, ``s`` (from ``secrets`` unless given)
A = α + Σ w_i·u_i(τ) + r·δ                  (G1)           ``Proof.a``   (MSM A over ``a_query``)
B = β + Σ w_i·v_i(τ) + s·δ                  (G2; and G1)   ``Proof.b``   (MSM B2; MSM B1 gives ``b_g1``)
C = Σ_{i>ℓ} w_i·c_i + Σ_j h_j·H_j + s·A + r·B1 − r·s·δ     ``Proof.c``   (MSM C, MSM H; snarkjs's order)
h_j = (A·B − C)(ω_{2n}^{2j+1}) (``joinABC``)                ``prover.qap.snarkjs_reduction``
=========================================================  ===============================================

Stages, in order (snarkjs's logger labels in brackets): ``"witness map (QAP)"`` [IFFT_A … FFT_C, joinABC],
``"MSM A"`` [multiexp A], ``"MSM B1"``, ``"MSM B2"``, ``"MSM C"``, ``"MSM H"``, ``"finish"`` (blinding and the
additions, as three- to five-point MSMs through the same kernels, so the last stage loads nothing new). Before
them, ``prove`` checks sizes and that the witness satisfies the R1CS (three sparse mat-vecs in numba,
``prover.qap.first_unsatisfied_row``; Python ints when the matrices lack C), so a wrong witness is named by its
constraint label instead of yielding a proof that fails later. ``prove_from_zkey`` has no C matrix and checks
nothing (as snarkjs); ``check_witness`` does it from the circuit's R1CS.

Kernel loading is not a stage: the stages call 4 numba entry points (the witness map, the domain tables, the G1 and
G2 MSM), which ``prover.warmup.prepare("prove")`` compiles or loads before the first stage (``ProveTiming.
kernel_seconds``; nothing the second time in a process), so stage times measure proving only. On the native engine
(``prover.backend``: the same kernels in a shared library, a one-proof process) there is nothing to load, and the
five stages before "finish" run at once on threads (``ProveTiming.overlapped``).

References
----------
Groth16, eprint 2016/260; snarkjs 0.7.6 ``src/groth16_prove.js``; arkworks ``groth16/src/prover.rs``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from prover import backend
from prover.domain import EvaluationDomain
from prover.msm import kernel_input, msm_g1, msm_g2
from prover.qap import QapMatrices, first_unsatisfied_row, witness_map
from zksvs.errors import FormatError, InvalidWitness, NonCanonicalFieldElement, UnsatisfiedConstraint
from zksvs.field import FR_MODULUS
from zksvs.formats.binfile import limbs_below
from zksvs.groth16 import Proof, ProvingKey, g1_to_limbs, g2_to_limbs
from zksvs.limbs import ints_to_limbs, limbs_to_ints
from zksvs.r1cs import R1CS, ConstraintMatrices
from zksvs.witness import Witness

_R = FR_MODULUS

STAGES: tuple[str, ...] = ("witness map (QAP)", "MSM A", "MSM B1", "MSM B2", "MSM C", "MSM H", "finish")

ProgressCallback = Callable[[str], Any]


@dataclass
class ProveTiming:
    """Seconds spent per named stage of one proof (``STAGES`` order), plus the checks before them.

    Attributes
    ----------
    stages : dict[str, float]
        Stage name → wall-clock seconds.
    check_seconds : float
        Witness conversion, matrices (when not given) and the R1CS satisfaction check (0 when proving from matrices).
    kernel_seconds : float
        Compiling (first use on a machine) or loading (first proof in a process) the stages' numba kernels; not a
        stage, and not in ``total``.
    overlapped : bool
        The stages ran at once on threads (the native engine, ``prover.backend``): each stage's seconds are its
        own wall time, their sum exceeds the proof's; ``wall_seconds`` is the time all of them took.
    wall_seconds : float
        Wall-clock seconds from the first stage's start to the end of "finish".
    """

    stages: dict[str, float] = field(default_factory=dict)
    check_seconds: float = 0.0
    kernel_seconds: float = 0.0
    overlapped: bool = False
    wall_seconds: float = 0.0

    @property
    def total(self) -> float:
        """The check plus the stages' wall time (their sum when they ran one after another), in seconds."""
        return self.check_seconds + (self.wall_seconds if self.overlapped else sum(self.stages.values()))


def _witness_values(witness: Witness | Sequence[int]) -> tuple[int, ...]:
    return witness.values if isinstance(witness, Witness) else Witness(witness).values


def _random_scalar(rng: Any) -> int:
    if rng is None:
        return secrets.randbelow(_R)
    return rng.randrange(_R)


def _check_key(pk: ProvingKey, n_wires: int, n_public: int, domain_size: int) -> None:
    if pk.n_wires != n_wires:
        raise ValueError(f"proving key is for {pk.n_wires} wires, the circuit has {n_wires}")
    if pk.n_public != n_public:
        raise ValueError(f"proving key has {pk.n_public} public wires, the circuit {n_public}")
    if pk.domain_size != domain_size:
        raise ValueError(f"proving key's domain size {pk.domain_size} differs from the circuit's {domain_size}")
    n_priv = n_wires - n_public - 1
    shapes = {
        "a_query": (pk.a_query, (n_wires, 2, 4)),
        "b_g1_query": (pk.b_g1_query, (n_wires, 2, 4)),
        "b_g2_query": (pk.b_g2_query, (n_wires, 2, 2, 4)),
        "c_query": (pk.c_query, (n_priv, 2, 4)),
        "h_query": (pk.h_query, (domain_size, 2, 4)),
    }
    for name, (arr, shape) in shapes.items():
        if arr.shape != shape:
            raise ValueError(f"proving key's {name} must have shape {shape}, not {arr.shape}")


def _check_canonical(w: np.ndarray) -> None:
    # the QAP kernel assumes canonical inputs; the MSMs check too, but only after the NTTs have run
    ok = limbs_below(w, FR_MODULUS)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise NonCanonicalFieldElement(f"witness[{i}] must be in [0, r), not {limbs_to_ints(w[i])[0]}")


def _prove(qm: QapMatrices, pk: ProvingKey, w: np.ndarray, r: int, s: int, progress: ProgressCallback | None
           ) -> tuple[Proof, ProveTiming]:  # fmt: skip
    domain = EvaluationDomain.for_constraints(qm.n_constraints, qm.n_public)
    _check_key(pk, qm.n_wires, qm.n_public, domain.size)
    _check_canonical(w)
    w = kernel_input(w)
    native = backend.native()
    if native is not None and not backend.native_suits(domain.log_size):
        from prover.startup import prepare_process

        backend.use_numba()  # for this proof: numba's parallel kernels win on a domain this large
        try:
            loaded = prepare_process("prove")  # numba's lean cache load, as a numba-path `zksvs prove` does
            proof, timing = _prove(qm, pk, w, r, s, progress)
            timing.kernel_seconds += loaded.total_s
            return proof, timing
        finally:
            backend.use_native(native)
    if native is not None:
        from prover.native.schedule import native_stages

        timing = ProveTiming(overlapped=True)
        sums = native_stages(qm, pk, w, domain, timing, progress)
    else:
        from prover.warmup import prepare

        timing = ProveTiming(kernel_seconds=prepare("prove").total_s)
        sums = _numba_stages(qm, pk, w, domain, timing, progress)
    a_sums, b1_sums, b2_sums, c_sums, h_sums = sums  # each a list of partial sums (one per piece of the MSM)

    def finish() -> Proof:
        # A = Σ w·A_i + α + r·δ, B = Σ w·B_i + β + s·δ (G2 and G1), C = Σ w·C_i + Σ h·H_i + s·A + r·B1 − r·s·δ
        def ones(k: int) -> list[int]:
            return [1] * k

        a = msm_g1(g1_to_limbs([*a_sums, pk.alpha_g1, pk.delta_g1]), ints_to_limbs([*ones(len(a_sums) + 1), r]))
        b = msm_g2(g2_to_limbs([*b2_sums, pk.beta_g2, pk.delta_g2]), ints_to_limbs([*ones(len(b2_sums) + 1), s]))
        b1 = msm_g1(g1_to_limbs([*b1_sums, pk.beta_g1, pk.delta_g1]), ints_to_limbs([*ones(len(b1_sums) + 1), s]))
        c_bases = g1_to_limbs([*c_sums, *h_sums, a, b1, pk.delta_g1])
        c = msm_g1(c_bases, ints_to_limbs([*ones(len(c_sums) + len(h_sums)), s, r, (-r * s) % _R]))
        return Proof(a=a, b=b, c=c)

    if progress is not None:
        progress(STAGES[6])
    t0 = time.perf_counter()
    proof = finish()
    timing.stages[STAGES[6]] = time.perf_counter() - t0
    timing.wall_seconds += timing.stages[STAGES[6]]
    return proof, timing


def _numba_stages(qm, pk, w, domain, timing: ProveTiming, progress: ProgressCallback | None) -> tuple:
    """The stages one after another, each on numba's threads; the MSMs' sums as one-element lists."""
    jobs: list[tuple[str, Callable[[], Any]]] = [
        (STAGES[0], lambda: witness_map(qm, w, domain)),
        (STAGES[1], lambda: msm_g1(pk.a_query, w)),
        (STAGES[2], lambda: msm_g1(pk.b_g1_query, w)),
        (STAGES[3], lambda: msm_g2(pk.b_g2_query, w)),
        (STAGES[4], lambda: msm_g1(pk.c_query, w[pk.n_public + 1 :])),
        (STAGES[5], lambda: msm_g1(pk.h_query, out[STAGES[0]])),
    ]
    out: dict[str, Any] = {}
    t_all = time.perf_counter()
    for name, fn in jobs:
        if progress is not None:
            progress(name)
        t0 = time.perf_counter()
        out[name] = fn()
        timing.stages[name] = time.perf_counter() - t0
    timing.wall_seconds = time.perf_counter() - t_all
    return tuple([out[name]] for name in STAGES[1:6])


def prove_from_matrices(
    matrices: ConstraintMatrices,
    proving_key: ProvingKey,
    witness_limbs: np.ndarray,
    *,
    r: int | None = None,
    s: int | None = None,
    rng: Any = None,
    progress: ProgressCallback | None = None,
) -> tuple[Proof, ProveTiming]:
    """Prove from A, B matrices and witness limbs alone (no R1CS object; e.g. a snarkjs .zkey's section 4).

    The witness is **not** checked against the constraints here (the matrices have no C); ``prove`` does that.

    Parameters
    ----------
    matrices : ConstraintMatrices
        A and B (C is ignored), without the input rows.
    proving_key : ProvingKey
        Keys for this circuit (sizes are checked).
    witness_limbs : uint64[n_wires, 4]
        The full witness, normal form, little-endian limbs, each < r.
    r, s : int, optional
        The blinding scalars (for deterministic tests); by default drawn from ``rng`` or ``secrets``.
    rng : random.Random-like, optional
        Source of r and s (``rng.randrange(r)``) when they are not given; default ``secrets``.
    progress : callable, optional
        Called with each stage name as the stage starts.

    Returns
    -------
    (Proof, ProveTiming)
        The proof (affine Python ints) and the seconds per stage.

    Raises
    ------
    ValueError
        Witness length, key sizes or domain size do not match ("Invalid witness length. Circuit: N, witness: M").
    NonCanonicalFieldElement
        A witness value is ≥ r.
    """
    w = np.require(witness_limbs, dtype=np.uint64, requirements=("C", "A"))
    if w.ndim != 2 or w.shape[1] != 4:
        raise ValueError(f"Argument 'witness_limbs' must have shape (n_wires, 4), not {w.shape}")
    if w.shape[0] != matrices.n_wires:
        raise ValueError(f"Invalid witness length. Circuit: {matrices.n_wires}, witness: {w.shape[0]}")
    m = ConstraintMatrices(matrices.n_constraints, matrices.n_wires, matrices.n_public, matrices.A, matrices.B, None)
    r = _random_scalar(rng) if r is None else r % _R
    s = _random_scalar(rng) if s is None else s % _R
    return _prove(QapMatrices.from_matrices(m), proving_key, w, r, s, progress)


def prove_with_timings(
    r1cs: R1CS,
    proving_key: ProvingKey,
    witness: Witness | Sequence[int],
    *,
    r: int | None = None,
    s: int | None = None,
    rng: Any = None,
    matrices: ConstraintMatrices | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[Proof, ProveTiming]:
    """``prove``, also returning the seconds spent per stage (``ProveTiming``); arguments as ``prove``."""
    t0 = time.perf_counter()
    values = _witness_values(witness)
    if len(values) != r1cs.n_wires:
        raise ValueError(f"Invalid witness length. Circuit: {r1cs.n_wires}, witness: {len(values)}")
    if matrices is None:
        matrices = r1cs.to_matrices(include_c=True)
    elif (matrices.n_constraints, matrices.n_wires, matrices.n_public) != (
        r1cs.n_constraints,
        r1cs.n_wires,
        r1cs.n_public,
    ):
        raise ValueError("Argument 'matrices' does not describe this R1CS (constraint, wire or public counts differ)")
    w = ints_to_limbs(values)
    qm = QapMatrices.from_matrices(matrices)
    if qm.c is not None:
        bad = first_unsatisfied_row(qm, w)  # numba mat-vecs; same first row as R1CS.first_unsatisfied
        if bad is not None:
            raise UnsatisfiedConstraint(bad, r1cs.constraints[bad].label)
    else:
        r1cs.check(values)  # Python-int evaluation
    check_s = time.perf_counter() - t0
    r = _random_scalar(rng) if r is None else r % _R
    s = _random_scalar(rng) if s is None else s % _R
    proof, timing = _prove(qm, proving_key, w, r, s, progress)
    timing.check_seconds = check_s
    return proof, timing


def prove(
    r1cs: R1CS,
    proving_key: ProvingKey,
    witness: Witness | Sequence[int],
    *,
    r: int | None = None,
    s: int | None = None,
    rng: Any = None,
    matrices: ConstraintMatrices | None = None,
    progress: ProgressCallback | None = None,
) -> Proof:
    """A Groth16 proof that ``witness`` satisfies ``r1cs``, under ``proving_key``.

    Parameters
    ----------
    r1cs : R1CS
        The circuit.
    proving_key : ProvingKey
        Keys for this circuit (``prover.dev_setup`` or a snarkjs .zkey).
    witness : Witness or sequence of int
        The full assignment (wire 0 = 1), canonical values in [0, r).
    r, s : int, optional
        Blinding scalars, for deterministic tests only; by default drawn from ``rng`` or ``secrets``.
    rng : random.Random-like, optional
        Source of r and s when not given (``rng.randrange(r)``); default ``secrets`` (never a seeded rng in
        production: r and s hide the witness).
    matrices : ConstraintMatrices, optional
        ``r1cs.to_matrices()``, when the caller already has it (saves rebuilding it per proof). With C included
        (the default of ``to_matrices``) the witness check runs as numba mat-vecs; without C, in Python ints.
    progress : callable, optional
        Called with each stage name (``STAGES``) as it starts.

    Returns
    -------
    Proof
        A, B, C as affine Python ints; public inputs are ``witness[1 : 1 + n_public]``.

    Raises
    ------
    ValueError
        Wrong witness length ("Invalid witness length. Circuit: N, witness: M"), ``witness[0] != 1``, or keys or
        matrices that do not match the circuit.
    NonCanonicalFieldElement
        A witness value is outside [0, r).
    UnsatisfiedConstraint
        The witness violates a constraint (the first one, with its label).
    """
    proof, _ = prove_with_timings(r1cs, proving_key, witness, r=r, s=s, rng=rng, matrices=matrices, progress=progress)
    return proof


def prove_from_zkey(
    zkey: Any,
    wtns: Any,
    *,
    r: int | None = None,
    s: int | None = None,
    rng: Any = None,
    progress: ProgressCallback | None = None,
) -> tuple[Proof, list[int], dict[str, float]]:
    """Prove from a snarkjs Groth16 ``.zkey`` and a ``.wtns`` (drop-in for ``snarkjs groth16 prove``).

    The zkey's section 4 gives A and B as stored (c·R², ``zksvs.formats.zkey_file.ZkeyCoefficients``), which the
    witness map multiplies by the normal-form witness directly; the point sections are memory-mapped views. As with
    snarkjs, the witness is not checked against the constraints (the file has no C matrix): a wrong witness gives a
    proof that fails verification (``check_witness`` with the circuit's R1CS names the failing constraint).

    Parameters
    ----------
    zkey, wtns : path, binary file object or bytes
        The proving key and the witness (``zksvs.formats`` sources).
    r, s, rng, progress
        As ``prove_from_matrices``.

    Returns
    -------
    (Proof, list[int], dict[str, float])
        The proof, the public inputs ``witness[1 : 1 + n_public]`` (public.json) and the seconds per stage.

    Raises
    ------
    FormatError
        A file is malformed (``WrongFileType``, ``TruncatedFile``, ``NonCanonicalFieldElement``, …), or the
        witness has another length than the circuit has wires (a .wtns of another circuit; both files named).
    ValueError
        A key inconsistent with its matrices.
    """
    return ZkeyProver(zkey).prove(wtns, r=r, s=s, rng=rng, progress=progress)


class ZkeyProver:
    """A snarkjs .zkey read once, for many proofs (a resident prover: ``zksvs serve``).

    Parameters
    ----------
    zkey : path, binary file object or bytes
        Read with its coefficients as stored (no ``ConstraintMatrices``); the point sections stay memory-mapped.

    Raises
    ------
    FormatError
        As ``prove_from_zkey``.
    """

    def __init__(self, zkey: Any) -> None:
        from zksvs.formats.zkey_file import read_zkey

        self.zkey = read_zkey(zkey, matrices=False)
        c, pk = self.zkey.coefficients, self.zkey.proving_key
        self.source = zkey
        self.last_timing: ProveTiming | None = None  # of the latest proof (overlap, wall seconds)
        self.qap = QapMatrices.from_zkey_coefficients(
            c.matrix, c.rows, c.wires, c.values_r2, c.n_constraints, pk.n_wires, pk.n_public, self.zkey.path
        )

    def prove(
        self,
        wtns: Any,
        *,
        r: int | None = None,
        s: int | None = None,
        rng: Any = None,
        progress: ProgressCallback | None = None,
    ) -> tuple[Proof, list[int], dict[str, float]]:
        """One proof from a .wtns: ``(Proof, public inputs, seconds per stage)``, as ``prove_from_zkey``.

        Raises
        ------
        FormatError
            The .wtns is malformed or of another circuit (both files named).
        """
        from zksvs.formats.binfile import source_name
        from zksvs.formats.wtns_file import read_wtns_limbs

        pk = self.zkey.proving_key
        w = np.array(read_wtns_limbs(wtns), dtype=np.uint64, order="C")
        if w.shape[0] != pk.n_wires:
            raise FormatError(
                f"{source_name(wtns)}: witness of another circuit: it has {w.shape[0]} values, the circuit of "
                f"{source_name(self.source)} has {pk.n_wires} wires (Invalid witness length)"
            )
        r = _random_scalar(rng) if r is None else r % _R
        s = _random_scalar(rng) if s is None else s % _R
        proof, timing = _prove(self.qap, pk, w, r, s, progress)
        self.last_timing = timing
        return proof, limbs_to_ints(w[1 : 1 + pk.n_public]), dict(timing.stages)


def check_witness(r1cs: R1CS, witness_limbs: np.ndarray) -> None:
    """Raise ``UnsatisfiedConstraint`` naming the first constraint the witness leaves unsatisfied (numba mat-vecs).

    Parameters
    ----------
    r1cs : R1CS
        The circuit (e.g. ``zksvs.formats.r1cs_file.read_r1cs``); its constraint labels name the failure (empty for
        a circom .r1cs, which has none).
    witness_limbs : uint64[n_wires, 4]
        Normal form, canonical.

    Raises
    ------
    UnsatisfiedConstraint
        With the constraint's index and label.
    InvalidWitness
        The witness length differs from the circuit's wire count.
    """
    if len(witness_limbs) != r1cs.n_wires:
        raise InvalidWitness(f"the witness has {len(witness_limbs)} values, the circuit {r1cs.n_wires} wires")
    bad = first_unsatisfied_row(r1cs.to_matrices(include_c=True), witness_limbs)
    if bad is not None:
        raise UnsatisfiedConstraint(bad, r1cs.constraints[bad].label)


__all__ = [
    "STAGES",
    "ProveTiming",
    "ZkeyProver",
    "check_witness",
    "prove",
    "prove_from_matrices",
    "prove_from_zkey",
    "prove_with_timings",
]

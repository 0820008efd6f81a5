"""The native prover library (``prover.native``): the same answers as the numba kernels and as py_ecc / Python ints,
a ``zksvs prove`` with it imports neither numba nor llvmlite and snarkjs accepts its proof, and every way it can be
missing or broken (another key, a corrupt file, no C compiler) ends on the numba path with one line on stderr.

Oracles: py_ecc (curve sums), Python-int references (``tests.prover.reference``: the domain, the QAP), snarkjs 0.7.6
``groth16 verify`` and its anchor files. The library is built once per test session into a temporary
``ZKSVS_CACHE_DIR`` (numba's cache of the entry points is shared, so that is the link alone after the first run).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from prover import backend
from prover.native import library
from prover.native.build import build
from tests.oracles.node import ROOT, snarkjs
from tests.prover import reference as ref
from tests.prover.test_cli_prove import _files
from tests.prover.test_msm import GROUPS, _bases, _expected, _points, _scalars
from zksvs.errors import NativeKernelError
from zksvs.field import FR_MODULUS
from zksvs.limbs import from_montgomery, ints_to_limbs, limbs_to_ints

pytestmark = pytest.mark.prover

R = FR_MODULUS


@pytest.fixture(scope="session")
def native_cache(tmp_path_factory) -> Path:
    """A cache folder holding this checkout's library (built here once)."""
    folder = tmp_path_factory.mktemp("zksvs-cache")
    saved = os.environ.get("ZKSVS_CACHE_DIR")
    os.environ["ZKSVS_CACHE_DIR"] = str(folder)
    try:
        build()
    finally:
        if saved is None:
            del os.environ["ZKSVS_CACHE_DIR"]
        else:
            os.environ["ZKSVS_CACHE_DIR"] = saved
    return folder


@pytest.fixture(scope="session")
def lib(native_cache) -> library.NativeLibrary:
    key = library.library_key()
    loaded = library.load_from(library.library_path(key, native_cache))
    assert loaded is not None
    return loaded


@pytest.fixture
def on_native(lib):
    backend.use_native(lib)
    yield lib
    backend.use_numba()


# --- the kernels, against numba and against the outside references ------------------------------------------------


def _mont(values: list[int]) -> np.ndarray:
    return ints_to_limbs([(v << 256) % R for v in values])


def test_domain_tables_match_numba_and_python_ints(lib):
    from prover.kernels import ntt

    rng = random.Random(3)
    base, start = rng.randrange(R), rng.randrange(R)
    b, s = _mont([base])[0], _mont([start])[0]
    for count in (0, 1, 17):
        got = lib.powers(b, s, count)
        assert np.array_equal(got, ntt.powers(b, s, count))
        assert from_montgomery(limbs_to_ints(got), R) == [start * pow(base, i, R) % R for i in range(count)]
    for log_n in (1, 3, 6):
        omega = ref.domain_elements(log_n)[1]
        pw = _mont([pow(omega, i, R) for i in range(max(1, (1 << log_n) // 2))])
        assert np.array_equal(lib.stage_twiddles(pw, log_n), ntt.stage_twiddles(pw, log_n))
        table = _mont([rng.randrange(R) for _ in range(1 << log_n)])
        want = [limbs_to_ints(table[int(format(j, f"0{log_n}b")[::-1], 2)])[0] for j in range(1 << log_n)]
        assert limbs_to_ints(lib.bit_reversed(table, log_n)) == want


@pytest.mark.parametrize(("n_constraints", "n_public", "seed"), [(3, 1, 1), (20, 2, 2), (60, 3, 3)])
def test_witness_map_matches_numba_and_the_reference(on_native, n_constraints, n_public, seed):
    from prover.domain import EvaluationDomain
    from prover.qap import QapMatrices
    from prover.qap import witness_map as witness_map_api

    r1cs, witness = ref.random_circuit(n_constraints, n_public, seed=seed)
    m = r1cs.to_matrices(include_c=False)
    qm, w = QapMatrices.from_matrices(m), ints_to_limbs(witness)
    d = EvaluationDomain.for_constraints(r1cs.n_constraints, r1cs.n_public)
    got = witness_map_api(qm, w, d)  # through prover.backend: the native library
    backend.use_numba()
    assert np.array_equal(got, witness_map_api(qm, w, d, n_threads=1))
    assert np.array_equal(got, witness_map_api(qm, w, d, n_threads=2))
    pa, pb, pc = ref.qap_polynomials(r1cs, witness, d.log_size)
    p = ref.poly_sub(ref.poly_mul(pa, pb), pc)
    w2n = ref.domain_elements(d.log_size + 1)[1]
    assert limbs_to_ints(got) == [ref.poly_eval(p, pow(w2n, 2 * i + 1, R)) for i in range(d.size)]


@pytest.mark.parametrize("name", sorted(GROUPS))
@pytest.mark.parametrize("dist", ["random", "bits", "edges"])
def test_msm_matches_numba_and_py_ecc(on_native, name, dist):
    g = GROUPS[name]
    rng = random.Random(f"{name}-{dist}")
    pts = _points(name)
    for n in (0, 1, 2, 40):
        base_idx = [rng.randrange(-1, len(pts)) for _ in range(n)]  # repeated bases and some ∞
        ks = _scalars(dist, n, rng)
        bases, scalars = _bases(g, base_idx, pts).reshape(n, *g["to_limbs"]([None]).shape[1:]), ints_to_limbs(ks)
        scalars = scalars.reshape(n, 4)
        got = g["msm"](bases, scalars)  # prover.msm through the native library
        assert got == _expected(g, base_idx, ks, pts), n
        backend.use_numba()
        assert got == g["msm"](bases, scalars)
        backend.use_native(on_native)


def test_msm_zero_scalars_and_infinity(on_native):
    for name, g in GROUPS.items():
        p = g["aff"](_points(name)[0])
        bases = g["to_limbs"]([p, p, None])
        assert g["msm"](bases, ints_to_limbs([0, 0, 0])) is None, name
        assert g["msm"](bases, ints_to_limbs([1, R - 1, 5])) is None, name


def test_an_exception_inside_a_kernel_is_a_typed_error(lib):
    one = _mont([1])[0]
    with pytest.raises(NativeKernelError, match="negative dimensions"):
        lib.powers(one, one, -1)  # numba's np.empty raises inside the kernel: a status, never a crash


# --- the key --------------------------------------------------------------------------------------------------------


def test_key_covers_every_source_the_entries_import():
    code = "import sys, prover.native.entries; print('\\n'.join(m.__file__ for m in list(sys.modules.values()) " \
           "if getattr(m, '__file__', None)))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = [Path(f).resolve() for f in out.split()]
    ours = {f.relative_to(ROOT).as_posix() for f in files if f.is_relative_to(ROOT)}
    not_code = {"prover/__init__.py", "prover/native/__init__.py", "zksvs/__init__.py", "zksvs/errors.py"}
    assert ours - not_code <= set(library.KEY_FILES)


def test_key_changes_with_a_source_byte(tmp_path):
    for rel in library.KEY_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes((ROOT / rel).read_bytes())
    assert library.library_key(tmp_path) == library.library_key()
    (tmp_path / "prover/kernels/msm.py").write_bytes((ROOT / "prover/kernels/msm.py").read_bytes() + b"\n")
    assert library.library_key(tmp_path) != library.library_key()


# --- zksvs prove, as a user runs it -----------------------------------------------------------------------------


def _prove(tmp_path: Path, env: dict, *extra: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
    zkey, wtns, _ = _files("poseidon_preimage")
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    proof.unlink(missing_ok=True)
    cmd = [sys.executable, "-X", "importtime", "-m", "pipeline.cli", "prove", zkey, wtns, proof, public, *extra]
    proc = subprocess.run(list(map(str, cmd)), cwd=ROOT, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, proof, public


def _imported(proc: subprocess.CompletedProcess) -> set[str]:
    return {ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if ln.startswith("import time:")}


def _messages(proc: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("import time:")]


def _verifies(tmp_path: Path, proof: Path, public: Path) -> bool:
    zkey = _files("poseidon_preimage")[0]
    vk = tmp_path / "vk.json"
    if not vk.exists():
        snarkjs("zkey", "export", "verificationkey", zkey, vk)
    return "OK" in snarkjs("groth16", "verify", vk, public, proof).stdout


@pytest.mark.node
def test_prove_with_the_library_imports_neither_numba_nor_llvmlite(native_cache, node_tools, tmp_path):
    env = {**os.environ, "ZKSVS_CACHE_DIR": str(native_cache)}
    proc, proof, public = _prove(tmp_path, env, "--timings")
    imported = _imported(proc)
    assert "prover.native.library" in imported and "prover.msm" in imported  # the listing is complete
    assert not {m for m in imported if m.split(".")[0] in ("numba", "llvmlite")}
    assert "load native library" in proc.stderr and "stages wall time" in proc.stderr
    assert _messages(proc)[0].strip().startswith("prove stages")  # nothing announced before the table
    assert _verifies(tmp_path, proof, public)


@pytest.mark.node
def test_a_new_key_builds_once_then_loads(native_cache, node_tools, tmp_path):
    # another cache folder is what a changed key looks like to the loader: no library under it
    env = {**os.environ, "ZKSVS_CACHE_DIR": str(tmp_path / "cache")}
    first, proof, public = _prove(tmp_path, env)
    assert [m for m in _messages(first) if "native" in m] == [m for m in _messages(first) if m.startswith(
        "compiling the native prover library")] and len(_messages(first)) == 1  # fmt: skip
    assert "numba" in _imported(first) and _verifies(tmp_path, proof, public)
    assert list((tmp_path / "cache" / "native").glob("prover-*.so"))
    second, proof, public = _prove(tmp_path, env)
    assert _messages(second) == [] and "numba" not in _imported(second)
    assert _verifies(tmp_path, proof, public)


@pytest.mark.node
@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_library_falls_back_to_numba_and_is_rebuilt(native_cache, node_tools, tmp_path, damage):
    cache = tmp_path / "cache"
    key = library.library_key()
    good = library.library_path(key, native_cache)
    bad = library.library_path(key, cache)
    bad.parent.mkdir(parents=True)
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 3] if damage == "truncated" else b"not a shared object" * 100)
    env = {**os.environ, "ZKSVS_CACHE_DIR": str(cache)}
    first, proof, public = _prove(tmp_path, env)
    msgs = _messages(first)
    assert len(msgs) == 1 and "is unusable" in msgs[0] and "proving with numba" in msgs[0]
    assert "numba" in _imported(first) and _verifies(tmp_path, proof, public)
    second, proof, public = _prove(tmp_path, env)  # rebuilt by the first
    assert _messages(second) == [] and "numba" not in _imported(second)
    assert _verifies(tmp_path, proof, public)


@pytest.mark.node
def test_no_c_compiler_means_numba_announced_once(node_tools, tmp_path):
    env = {**os.environ, "ZKSVS_CACHE_DIR": str(tmp_path / "cache"), "CC": "no-such-cc-zksvs"}
    first, proof, public = _prove(tmp_path, env)
    msgs = _messages(first)
    assert len(msgs) == 1 and "not built (no C compiler" in msgs[0] and "proving with numba" in msgs[0]
    assert _verifies(tmp_path, proof, public)
    second, proof, public = _prove(tmp_path, env)
    assert _messages(second) == [] and "numba" in _imported(second)  # announced once; numba each time
    assert _verifies(tmp_path, proof, public)


def test_an_unwritable_cache_folder_means_numba_announced(node_tools, tmp_path):
    """A cache folder that cannot be made (its parent is a file) fails the build, not the proof."""
    (tmp_path / "file").write_text("")
    env = {**os.environ, "ZKSVS_CACHE_DIR": str(tmp_path / "file" / "cache")}
    proc, proof, public = _prove(tmp_path, env)
    msgs = _messages(proc)  # the build is announced, then its failure
    assert len(msgs) == 2 and msgs[0].startswith("compiling the native prover library"), msgs
    assert "not built (the native library could not be written" in msgs[1] and "proving with numba" in msgs[1]
    assert "numba" in _imported(proc)
    assert _verifies(tmp_path, proof, public)


def test_native_off_keeps_numba(native_cache, tmp_path):
    env = {**os.environ, "ZKSVS_CACHE_DIR": str(native_cache), "ZKSVS_NATIVE": "0"}
    proc, _, _ = _prove(tmp_path, env)
    assert "numba" in _imported(proc) and _messages(proc) == []


# --- the runtime's reshape helper, against numpy ---------------------------------------------------------------------


def test_nocopy_reshape_agrees_with_numpy(lib):
    """``numba_attempt_nocopy_reshape`` (runtime.c) says "no copy" exactly when numpy's reshape returns a view, with
    numpy's strides (up to axes of length 1, whose stride is never used)."""
    import ctypes

    fn = lib.cdll.numba_attempt_nocopy_reshape
    p = ctypes.POINTER(ctypes.c_ssize_t)
    fn.argtypes = (ctypes.c_ssize_t, p, p, ctypes.c_ssize_t, p, p, ctypes.c_ssize_t, ctypes.c_int)
    fn.restype = ctypes.c_int
    rng = random.Random(5)
    arr = lambda v: (ctypes.c_ssize_t * max(1, len(v)))(*v)  # noqa: E731
    checked = 0
    for _ in range(400):
        base = np.arange(2 * 3 * 4 * 5, dtype=np.uint64).reshape(2, 3, 4, 5)
        view = base[tuple(slice(None, None, rng.choice([1, 1, 2])) for _ in range(4))]
        view = view.transpose(rng.sample(range(4), 4)) if rng.random() < 0.3 else view
        dims = list(view.shape)
        size = int(np.prod(dims))
        factors = [f for f in (1, 2, 3, 4, 5, 6, 8, 10, 12) if size % f == 0]
        new, rest = [], size
        while rest > 1 and len(new) < 4:
            f = rng.choice([f for f in factors if rest % f == 0])
            new.append(f)
            rest //= f
        new.append(rest)
        out = arr([0] * len(new))
        ok = fn(len(dims), arr(dims), arr(view.strides), len(new), arr(new), out, 8, 0)
        reshaped = view.reshape(new)
        is_view = np.shares_memory(reshaped, base)
        assert bool(ok) == is_view, (dims, view.strides, new)
        if ok:
            checked += 1
            got = [s for s, d in zip(list(out)[: len(new)], new, strict=True) if d != 1]
            assert got == [s for s, d in zip(reshaped.strides, new, strict=True) if d != 1]
    assert checked > 50
    zero = arr([0] * 2)
    assert fn(2, arr([0, 3]), arr([24, 8]), 2, arr([3, 0]), zero, 8, 0) == 1  # zero-size: any strides, no crash


def test_both_engines_give_the_same_proof_and_large_domains_use_numba(on_native, monkeypatch):
    """With the blinding fixed, the native engine's proof equals numba's bit for bit, whether its MSMs are cut in
    pieces or not; a domain above ``NATIVE_MAX_LOG_SIZE`` is proved by numba (stages one after another) and the
    native engine stays loaded."""
    from prover.prove import ZkeyProver

    zkey, wtns, _ = _files("poseidon_preimage")
    zp = ZkeyProver(zkey)
    native_proof, public, _ = zp.prove(wtns, r=12345, s=67890)
    assert zp.last_timing.overlapped
    from prover.native import schedule

    for k in (2, 3):  # every MSM cut into k pieces, the pieces' sums added in "finish"
        monkeypatch.setattr(schedule, "native_pieces", lambda *args, k=k: dict.fromkeys(schedule._MSMS, k))
        assert zp.prove(wtns, r=12345, s=67890)[0] == native_proof
    monkeypatch.undo()
    monkeypatch.setattr(backend, "NATIVE_MAX_LOG_SIZE", 1)
    numba_proof, public2, _ = zp.prove(wtns, r=12345, s=67890)
    assert not zp.last_timing.overlapped and backend.native() is on_native
    assert numba_proof == native_proof and public2 == public


def test_only_a_stage_that_would_hold_the_proof_up_is_cut():
    from types import SimpleNamespace

    from prover.native import schedule

    rng = random.Random(9)
    domain, pk = SimpleNamespace(size=1 << 12), SimpleNamespace(n_public=1)
    full = ints_to_limbs([rng.randrange(R) for _ in range(4000)])
    assert set(schedule.native_pieces(None, pk, full, domain, 2).values()) == {1}  # full width: the stages balance
    boolean = ints_to_limbs([rng.randrange(2) for _ in range(4000)])
    pieces = schedule.native_pieces(None, pk, boolean, domain, 2)  # SHA-256-like: MSM H is most of the work
    assert pieces == {"MSM A": 1, "MSM B1": 1, "MSM B2": 1, "MSM C": 1, "MSM H": 2}

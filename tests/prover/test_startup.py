"""``prover.startup``'s lean cache loads: the symbol names it reads from the object code are the ones numba reads
from the bitcode, and a process that loaded that way still compiles, links and runs new code against the kernels.

Oracle: numba's own reader (``llvmlite.binding.parse_bitcode`` of the library's bitcode copy, the defined functions
and globals, as ``JitEngine._load_defined_symbols`` collects them) on the same cache entries.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from prover.native.build import _library_state
from prover.startup import _elf_defined_symbols
from prover.warmup import kernels, prepare
from tests.oracles.node import ROOT

pytestmark = pytest.mark.prover


def test_object_symbols_are_the_bitcode_definitions() -> None:
    import llvmlite.binding as ll

    prepare("prove")  # fills numba's cache if it is cold
    for k in kernels("prove"):
        cache = k.dispatcher._cache
        payload = cache._cache_file.load(cache._index_key(k.signature, k.dispatcher.targetctx.codegen()))
        state = _library_state(payload)
        assert state is not None, k.name
        object_code, bitcode = state[2]
        module = ll.parse_bitcode(bitcode)
        expected = {g.name for gs in (module.functions, module.global_variables) for g in gs if not g.is_declaration}
        assert _elf_defined_symbols(object_code) == expected, k.name


@pytest.mark.parametrize("blob", [b"", b"\x7fELF" + bytes(60), b"\xcf\xfa\xed\xfe" + bytes(200), b"\x7fELF\x01\x01"])
def test_not_elf64_le_gives_none(blob: bytes) -> None:
    # a Mach-O header, a 32-bit or truncated ELF: numba's own reader then runs
    assert _elf_defined_symbols(blob) is None


def test_lean_loaded_kernels_run_and_link_into_a_new_compile() -> None:
    prepare("prove")
    code = textwrap.dedent(
        """
        import sys

        import numpy as np
        from numba import njit
        from numba.core.environment import Environment
        from prover.startup import prepare_process
        from prover.kernels import ntt

        report = prepare_process("prove")
        assert report.rows and all(r.status == "loaded" for r in report.rows), report.rows
        assert "numba.np.arrayobj" not in sys.modules  # the kernels' environments did not need it
        base = np.array([3, 0, 0, 0], dtype=np.uint64)
        start = np.array([5, 0, 0, 0], dtype=np.uint64)
        c = ntt.powers(base, start, 7)  # allocates its result (numba's array implementation, loaded)

        @njit
        def twice(base, start, count):  # compiled here: links the loaded library of ntt.powers
            extra = np.zeros((count, 4), dtype=np.uint64)
            return ntt.powers(base, start, count), ntt.powers(base, start, count) + extra

        a, b = twice(base, start, 7)
        assert np.array_equal(a, c) and np.array_equal(b, c) and c.shape == (7, 4)
        assert "numba.np.arrayobj" in sys.modules
        # no stand-in environment (globals = the module's name alone) is left for later compiles to find
        assert all(len(env.globals) > 1 for env in Environment._memo.values())
        print("ok")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "ok"


def test_prove_command_imports_nothing_a_proof_does_not_need(tmp_path) -> None:
    # what `python -X importtime` lists is every module the process imported; the proof itself is checked by snarkjs
    # in test_cli_prove.py (SciPy and cffi are listed too: prover.startup hides them, and the attempt shows)
    from tests.prover.test_cli_prove import _files

    prepare("prove")
    zkey, wtns, _ = _files("poseidon_preimage")
    # the numba path (ZKSVS_NATIVE=0); with the native library numba is not imported at all (test_native.py)
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli", "prove", zkey, wtns,
         tmp_path / "proof.json", tmp_path / "public.json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "ZKSVS_NATIVE": "0"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "numba" in imported and "prover.kernels.msm" in imported  # the listing is complete
    for unneeded in ("py_ecc", "galois", "rich", "matplotlib", "prover.dev_setup", "prover.phase2", "verifier"):
        assert unneeded not in imported, unneeded

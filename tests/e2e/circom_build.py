"""Session-cached circom artifacts for the end-to-end tests: small circomlib circuits, their witnesses and snarkjs keys.

Everything is built by ``bench.circom.build`` (circom2 ``--O2 --r1cs --wasm`` from circomlib 2.0.5 copied below the
compiler's working directory; witnesses from the generated wasm; keys from ``snarkjs groth16 setup`` on the prepared
``pot14_final.ptau`` + one fixed-entropy ``zkey contribute``) and cached under ``build/circom/`` by content hash, so
only the first session pays for it. The circuits are kept small (≤ 2^13 domain) so the default test run stays modest:

=================  ===========  ===========================================================  ==============
name               constraints  circuit                                                      public signals
=================  ===========  ===========================================================  ==============
``poseidon_chain`` 720          3 links of circomlib Poseidon(2) (bench/circom/...circom)    [out, seed]
``smt_verifier``   4,063        circomlib ``SMTVerifier(10)``, inclusion, circomlibjs tree   [root, key]
``eddsa_poseidon`` 4,217        circomlib ``EdDSAPoseidonVerifier()``, circomlibjs signature [Ax, Ay, M]
=================  ===========  ===========================================================  ==============

(Constraint counts as circom2 0.2.23 reports them; the tests read them from the .r1cs rather than assume them.)
"""

from __future__ import annotations

import functools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from bench.circom.build import (
    PTAU_DIR,
    Built,
    CircuitSpec,
    build,
    eddsa_poseidon,
    poseidon_chain,
    scratch_dir,
    smt_verifier,
)
from tests.oracles.node import snarkjs

SPECS: dict[str, CircuitSpec] = {
    "poseidon_chain": poseidon_chain(3),
    "smt_verifier": smt_verifier(10),
    "eddsa_poseidon": eddsa_poseidon(),
}
PTAU_SMALL = PTAU_DIR / "pot14_final.ptau"


@dataclass(frozen=True)
class SnarkjsRun:
    """A circuit built with snarkjs keys, plus snarkjs's own proof and public signals for its witness."""

    built: Built
    proof: Path
    public: Path

    @property
    def public_signals(self) -> list[str]:
        return json.loads(self.public.read_text())


@functools.cache
def built(name: str) -> Built:
    """``SPECS[name]`` compiled, with its witness and snarkjs keys (cached on disk and per session)."""
    return build(SPECS[name], keys="snarkjs")


@functools.cache
def snarkjs_run(name: str) -> SnarkjsRun:
    """``snarkjs groth16 prove`` on ``built(name)``; the proof is checked with ``snarkjs groth16 verify``."""
    b = built(name)
    work = scratch_dir(f"snarkjs-{name}-")
    proof, public = work / "proof.json", work / "public.json"
    snarkjs("groth16", "prove", b.keys.zkey, b.wtns, proof, public)
    snarkjs("groth16", "verify", b.keys.vk, public, proof)
    return SnarkjsRun(b, proof, public)


def fresh_dir(prefix: str) -> Path:
    """A new scratch folder under ``build/circom/tmp`` (below the project root, where node and circom2 can reach)."""
    return scratch_dir(prefix)


def copy_into(src: Path, dst_dir: Path, name: str | None = None) -> Path:
    """Copy ``src`` into ``dst_dir`` (as ``name``) and return the new path."""
    dst = dst_dir / (name or src.name)
    shutil.copyfile(src, dst)
    return dst

"""Compile circomlib-based circuits with circom2, compute their witnesses and make Groth16 keys, with a content cache.

The pipeline per circuit (each step cached under ``build/circom/`` by a content hash, so a rerun is instant):

1. **Compile** (``compile_circuit``): circom2 0.2.23 runs under WASI and sees only files below its working directory,
   so circomlib's ``circuits/`` (from ``node_modules/circomlib``) and the sources in this folder are copied into
   ``build/circom/src/`` and compiled there with ``--O2 --r1cs --wasm``. The cache key hashes the generated main file,
   every source and circomlib file, the circom2 version and the flags.
2. **Witness** (``compute_witness``): the inputs (``CircuitSpec.make_input``; EdDSA signatures and SMT openings come
   from circomlibjs) go through the generated ``generate_witness.js`` (CommonJS; a ``{"type": "commonjs"}``
   package.json is written next to it, see anchors/snarkjs-examples/README.md) → ``.wtns``.
3. **Keys**: ``snarkjs_keys`` runs ``snarkjs groth16 setup`` from the smallest prepared ptau in
   ``../shared/anchors/ptau`` that fits (power ≤ 16), then one ``zkey contribute`` with a fixed entropy string and
   ``zkey export verificationkey``; ``dev_keys`` runs ``zksvs devsetup`` (for 2^17 and above, where no prepared ptau
   exists). Both are test keys, never for anything that needs security.

Circuit sizes: ``poseidon_chain_for_log_n(k)`` picks the most Poseidon(2) links (240 constraints each with --O2) such
that ``n_constraints + n_public + 1 ≤ 2^k`` (snarkjs's domain rule, STYLE.md §2) with n_public = 2:
2^12 → 17 links (4,080), 2^14 → 68 (16,320), 2^16 → 273 (65,520), 2^18 → 1,092 (262,080), 2^20 → 4,369 (1,048,560).

References: circom 2 (iden3/circom) and circomlib 2.0.5 (``poseidon.circom``, ``smt/smtverifier.circom``,
``eddsaposeidon.circom``); snarkjs 0.7.6 CLI (``groth16 setup``, ``zkey contribute``); circomlibjs 0.1.7
(``buildEddsa().signPoseidon``, ``newMemEmptyTrie().find``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.oracles.node import NODE_MODULES, ROOT, ensure_node_modules, run_node_script, snarkjs

HERE = Path(__file__).resolve().parent
BUILD_ROOT = ROOT / "build" / "circom"
PTAU_DIR = Path(os.environ.get("ZKSVS_PTAU_DIR", ROOT.parent / "shared" / "anchors" / "ptau"))
CIRCOM_FLAGS = ("--O2", "--r1cs", "--wasm")
POSEIDON2_CONSTRAINTS = 240
"""Constraints of one circomlib ``Poseidon(2)`` with ``--O2`` (anchors/snarkjs-examples: poseidon_preimage)."""

_CHAIN_N_PUBLIC = 2  # out, seed


# --- circuit specifications ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CircuitSpec:
    """What to compile and with which inputs.

    Attributes
    ----------
    name : str
        Folder-safe name, e.g. ``"poseidon_chain-17"``.
    source : str
        File in ``bench/circom/`` that defines the template.
    main : str
        The ``component main ...`` line appended to ``include "<source>";``.
    make_input : Callable[[], dict]
        Returns the circuit's input signals as JSON-able values (decimal strings or ints, nested lists).
    """

    name: str
    source: str
    main: str
    make_input: Callable[[], dict] = field(compare=False, repr=False)

    def main_text(self) -> str:
        """The main ``.circom`` file compiled for this spec."""
        return f'pragma circom 2.0.0;\ninclude "{self.source}";\n{self.main}\n'


def poseidon_chain_links(log_n: int, n_public: int = _CHAIN_N_PUBLIC) -> int:
    """Most Poseidon(2) links whose constraints fit a 2^log_n domain: ``240·links + n_public + 1 ≤ 2^log_n``."""
    links = (2**log_n - n_public - 1) // POSEIDON2_CONSTRAINTS
    if links < 1:
        raise ValueError(f"log_n={log_n} is too small for one Poseidon(2) link (240 constraints)")
    return links


def poseidon_chain(links: int, seed: int = 1, salt: int = 2) -> CircuitSpec:
    """A chain of ``links`` Poseidon(2) hashes (poseidon_chain.circom): 240·links constraints, public [out, seed]."""
    return CircuitSpec(
        name=f"poseidon_chain-{links}",
        source="poseidon_chain.circom",
        main=f"component main {{public [seed]}} = PoseidonChain({links});",
        make_input=lambda: {"seed": str(seed), "salt": str(salt)},
    )


def poseidon_chain_for_log_n(log_n: int) -> CircuitSpec:
    """The Poseidon chain that best fills a 2^log_n domain (see ``poseidon_chain_links``)."""
    return poseidon_chain(poseidon_chain_links(log_n))


_SMT_INPUT_JS = r"""
const fs = require("fs");
const { newMemEmptyTrie } = require("circomlibjs");
(async () => {
  const p = JSON.parse(fs.readFileSync(0, "utf8"));
  const tree = await newMemEmptyTrie();
  const F = tree.F;
  for (const [k, v] of p.leaves) await tree.insert(k, v);
  const res = await tree.find(p.key);
  if (!res.found) throw new Error("key not in tree");
  const siblings = res.siblings.map((s) => F.toObject(s).toString());
  if (siblings.length > p.n_levels) throw new Error("tree deeper than n_levels");
  while (siblings.length < p.n_levels) siblings.push("0");
  process.stdout.write(JSON.stringify({
    enabled: "1", fnc: "0", root: F.toObject(tree.root).toString(), siblings,
    oldKey: "0", oldValue: "0", isOld0: "0", key: String(p.key), value: F.toObject(res.foundValue).toString(),
  }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def smt_verifier(n_levels: int = 10, n_leaves: int = 8, key: int = 5) -> CircuitSpec:
    """circomlib ``SMTVerifier(n_levels)`` proving inclusion of ``key`` in a circomlibjs sparse Merkle tree.

    The tree holds keys 1..n_leaves with value 11·key; public signals: [root, key]. The opening (root, siblings)
    comes from circomlibjs 0.1.7 ``newMemEmptyTrie`` (an outside implementation, not ours).
    """
    payload = {"leaves": [[k, 11 * k] for k in range(1, n_leaves + 1)], "key": key, "n_levels": n_levels}
    return CircuitSpec(
        name=f"smt_verifier-{n_levels}",
        source="smt_verifier.circom",
        main=f"component main {{public [root, key]}} = SMTVerifier({n_levels});",
        make_input=lambda: run_node_script(_SMT_INPUT_JS, payload),
    )


_EDDSA_INPUT_JS = r"""
const fs = require("fs");
const { buildEddsa } = require("circomlibjs");
(async () => {
  const p = JSON.parse(fs.readFileSync(0, "utf8"));
  const eddsa = await buildEddsa();
  const F = eddsa.babyJub.F;
  const prv = Buffer.from(p.prv_hex, "hex");
  const pub = eddsa.prv2pub(prv);
  const msg = F.e(p.msg);
  const sig = eddsa.signPoseidon(prv, msg);
  if (!eddsa.verifyPoseidon(msg, sig, pub)) throw new Error("circomlibjs rejected its own signature");
  process.stdout.write(JSON.stringify({
    enabled: "1", Ax: F.toObject(pub[0]).toString(), Ay: F.toObject(pub[1]).toString(), S: sig.S.toString(),
    R8x: F.toObject(sig.R8[0]).toString(), R8y: F.toObject(sig.R8[1]).toString(), M: F.toObject(msg).toString(),
  }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def eddsa_poseidon(msg: int = 1234, prv_hex: str = "0001020304050607080900010203040506070809000102030405060708090001"):
    """circomlib ``EdDSAPoseidonVerifier()`` on a circomlibjs signature of ``msg``; public signals: [Ax, Ay, M]."""
    payload = {"prv_hex": prv_hex, "msg": msg}
    return CircuitSpec(
        name="eddsa_poseidon",
        source="eddsa_poseidon.circom",
        main="component main {public [Ax, Ay, M]} = EdDSAPoseidonVerifier();",
        make_input=lambda: run_node_script(_EDDSA_INPUT_JS, payload),
    )


def sha256_512(seed: int = 7) -> CircuitSpec:
    """circomlib ``Sha256(512)`` on 512 seeded random bits (sha256_512.circom); ~59k constraints, a 2^16 domain."""
    import random

    rng = random.Random(seed)
    bits = [str(rng.randrange(2)) for _ in range(512)]
    return CircuitSpec(
        name="sha256_512",
        source="sha256_512.circom",
        main="component main = Sha256Of512();",
        make_input=lambda: {"in": bits},
    )


MIMC7_CONSTRAINTS = 364
"""Constraints of one circomlib ``MiMC7(91)`` with --O2 (4 per round: t², t⁴, t⁶, t⁷)."""


def mimc_chain(links: int, seed: int = 3, key: int = 5) -> CircuitSpec:
    """A chain of ``links`` MiMC7(91) hashes (mimc_chain.circom); public [out, seed]."""
    return CircuitSpec(
        name=f"mimc_chain-{links}",
        source="mimc_chain.circom",
        main=f"component main {{public [seed]}} = MiMCChain({links});",
        make_input=lambda: {"seed": str(seed), "key": str(key)},
    )


def pedersen_hash(k: int = 4, n_bits: int = 1000, seed: int = 11) -> CircuitSpec:
    """k circomlib ``Pedersen(n_bits)`` hashes of seeded random bits (pedersen_hash.circom; circomlib's base points
    cover at most 1000 bits a hash): 1,769 constraints each at 1000 bits; public: the k hash points."""
    import random

    rng = random.Random(seed)
    bits = [[str(rng.randrange(2)) for _ in range(n_bits)] for _ in range(k)]
    return CircuitSpec(
        name=f"pedersen-{k}x{n_bits}",
        source="pedersen_hash.circom",
        main=f"component main = PedersenMany({k}, {n_bits});",
        make_input=lambda: {"in": bits},
    )


def held_out_specs() -> list[CircuitSpec]:
    """The held-out circom circuits of ``zksvs bench --held-out`` (issue 12): mostly-boolean (SHA-256, Pedersen) and
    full-width (MiMC) witnesses, none of them the Poseidon chain the prover was tuned on."""
    return [mimc_chain(45), pedersen_hash(4), sha256_512()]


# --- cache helpers ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock on ``path.lock`` (several helpers share this tree and its build folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _run(cmd: list[str], cwd: Path, what: str, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return proc


def _circom2_version() -> str:
    return json.loads((NODE_MODULES / "circom2" / "package.json").read_text())["version"]


# --- r1cs header ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class R1csInfo:
    """The counts snarkjs ``r1cs info`` prints, read from the .r1cs header section (iden3 r1cs format, type 1)."""

    n_wires: int
    n_outputs: int
    n_public_inputs: int
    n_private_inputs: int
    n_constraints: int

    @property
    def n_public(self) -> int:
        """snarkjs ``nPublic``: outputs + public inputs."""
        return self.n_outputs + self.n_public_inputs

    @property
    def domain_log_n(self) -> int:
        """log2 of snarkjs's domain: ``ceil(log2(n_constraints + n_public + 1))``."""
        return max(1, (self.n_constraints + self.n_public + 1 - 1).bit_length())


def read_r1cs_info(path: Path) -> R1csInfo:
    """Read the header counts of an iden3 ``.r1cs`` file (magic ``r1cs``, version 1, section 1)."""
    data = Path(path).read_bytes()
    if data[:4] != b"r1cs":
        raise ValueError(f"{path}: not an r1cs file (magic {data[:4]!r})")
    n_sections = struct.unpack_from("<I", data, 8)[0]
    pos = 12
    for _ in range(n_sections):
        sid, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if sid == 1:
            n8 = struct.unpack_from("<I", data, pos)[0]
            q = pos + 4 + n8
            n_wires, n_out, n_pub, n_prv = struct.unpack_from("<IIII", data, q)
            (n_constraints,) = struct.unpack_from("<I", data, q + 16 + 8)
            return R1csInfo(n_wires, n_out, n_pub, n_prv, n_constraints)
        pos += size
    raise ValueError(f"{path}: no header section")


# --- compile ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A compiled circuit: ``<dir>/main.r1cs`` and ``<dir>/main_js/{main.wasm, generate_witness.js}``."""

    spec: CircuitSpec
    dir: Path
    info: R1csInfo

    @property
    def r1cs(self) -> Path:
        return self.dir / "main.r1cs"

    @property
    def wasm(self) -> Path:
        return self.dir / "main_js" / "main.wasm"


def _prepare_sources(build_root: Path) -> tuple[Path, str]:
    """Copy circomlib's circuits and this folder's sources below ``build_root/src``; return (src dir, their hash)."""
    ensure_node_modules()
    h = hashlib.sha256()
    files: list[tuple[Path, Path]] = []
    lib = NODE_MODULES / "circomlib" / "circuits"
    for p in sorted(lib.rglob("*.circom")):
        files.append((p, Path("circomlib/circuits") / p.relative_to(lib)))
    for p in sorted(HERE.glob("*.circom")):
        files.append((p, Path(p.name)))
    for p, rel in files:
        h.update(str(rel).encode() + b"\0" + p.read_bytes() + b"\0")
    digest = h.hexdigest()[:16]
    src = build_root / f"src-{digest}"
    with _locked(src):
        if not (src / ".complete").exists():
            for p, rel in files:
                (src / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, src / rel)
            (src / ".complete").write_text(digest)
    return src, digest


def compile_circuit(spec: CircuitSpec, build_root: Path = BUILD_ROOT) -> Compiled:
    """Compile ``spec`` with circom2 (``--O2 --r1cs --wasm``), cached by the hash of all inputs to the compiler.

    Returns
    -------
    Compiled
        Paths and the r1cs header counts.

    Raises
    ------
    RuntimeError
        circom2 failed (its output is in the message).
    """
    src, src_digest = _prepare_sources(build_root)
    key = hashlib.sha256(
        "\0".join([spec.main_text(), src_digest, _circom2_version(), *CIRCOM_FLAGS]).encode()
    ).hexdigest()[:16]
    out = build_root / f"{spec.name}-{key}"
    with _locked(out):
        if not (out / ".complete").exists():
            work = src / f"main-{key}"  # circom2 sees only files below its working directory (src)
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            (src / f"main-{key}.circom").write_text(spec.main_text())
            circom2 = ["node", str(NODE_MODULES / "circom2" / "cli.js")]
            _run([*circom2, f"main-{key}.circom", *CIRCOM_FLAGS, "-o", work.name], cwd=src, what=f"circom2 {spec.name}")
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            shutil.move(str(work / f"main-{key}.r1cs"), out / "main.r1cs")
            js = work / f"main-{key}_js"
            (js / f"main-{key}.wasm").rename(js / "main.wasm")
            shutil.move(str(js), out / "main_js")
            (out / "main_js" / "package.json").write_text('{"type": "commonjs"}\n')
            (out / "main.circom").write_text(spec.main_text())
            shutil.rmtree(work, ignore_errors=True)
            (src / f"main-{key}.circom").unlink()
            (out / ".complete").write_text(key)
    return Compiled(spec, out, read_r1cs_info(out / "main.r1cs"))


# --- witness ------------------------------------------------------------------------------------------------------


def compute_witness(compiled: Compiled, inputs: dict | None = None) -> Path:
    """Run the circuit's ``generate_witness.js`` on ``inputs`` (default: ``spec.make_input()``); return the .wtns.

    Cached under the compiled folder by the hash of the input JSON.
    """
    inputs = compiled.spec.make_input() if inputs is None else inputs
    text = json.dumps(inputs, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    wtns = compiled.dir / f"witness-{key}.wtns"
    with _locked(wtns):
        if not wtns.exists():
            (compiled.dir / f"input-{key}.json").write_text(text)
            tmp = wtns.with_suffix(".tmp")
            _run(
                ["node", "main_js/generate_witness.js", "main_js/main.wasm", f"input-{key}.json", tmp.name],
                cwd=compiled.dir,
                what=f"witness {compiled.spec.name}",
            )
            tmp.rename(wtns)
    return wtns


# --- keys ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """A Groth16 key pair: snarkjs ``.zkey`` and ``verification_key.json``; ``source`` is "snarkjs" or "zksvs-dev"."""

    zkey: Path
    vk: Path
    source: str


def smallest_ptau(log_n: int, ptau_dir: Path = PTAU_DIR) -> Path | None:
    """The smallest prepared ``pot<k>_final.ptau`` in ``ptau_dir`` with k ≥ log_n, or None if none is big enough."""
    found = []
    for p in ptau_dir.glob("pot*_final.ptau"):
        with contextlib.suppress(ValueError):
            found.append((int(p.name[3:].split("_")[0]), p))
    fits = sorted((k, p) for k, p in found if k >= log_n)
    return fits[0][1] if fits else None


def snarkjs_keys(compiled: Compiled, ptau: Path | None = None, contribute: bool = True) -> Keys:
    """``snarkjs groth16 setup`` (+ one ``zkey contribute`` with fixed entropy) and ``zkey export verificationkey``.

    Cached by the r1cs hash and the ptau file name. Raises ``ValueError`` when no prepared ptau fits the domain.
    """
    if ptau is None:
        ptau = smallest_ptau(compiled.info.domain_log_n)
        if ptau is None:
            raise ValueError(
                f"{compiled.spec.name}: domain 2^{compiled.info.domain_log_n} is larger than every ptau in {PTAU_DIR};"
                " use dev_keys (zksvs devsetup)"
            )
    key = hashlib.sha256(f"{_sha256_file(compiled.r1cs)}\0{ptau.name}\0{contribute}".encode()).hexdigest()[:16]
    out = compiled.dir / f"keys-snarkjs-{key}"
    with _locked(out):
        if not (out / ".complete").exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            snarkjs("groth16", "setup", compiled.r1cs, ptau, out / "circuit_0000.zkey")
            final = out / "circuit_0000.zkey"
            if contribute:
                final = out / "circuit_final.zkey"
                entropy = "-e=zksvs bench phase2 entropy"
                snarkjs("zkey", "contribute", out / "circuit_0000.zkey", final, "--name=zksvs bench", entropy)
                (out / "circuit_0000.zkey").unlink()
            final.rename(out / "circuit.zkey")
            snarkjs("zkey", "export", "verificationkey", out / "circuit.zkey", out / "verification_key.json")
            (out / "ptau.txt").write_text(str(ptau))
            (out / ".complete").write_text(key)
    return Keys(out / "circuit.zkey", out / "verification_key.json", "snarkjs")


ZKSVS_CLI = [sys.executable, "-c", "from pipeline.cli import main; main(prog_name='zksvs')"]
"""The command that runs this checkout's zksvs CLI (``pipeline.cli:main``, as the ``zksvs`` script does).

Not ``python -m pipeline.cli``: that module has no ``__main__`` guard, so ``-m`` would run nothing and exit 0."""


def zksvs_cli() -> list[str]:
    """``ZKSVS_CLI`` (a fresh list)."""
    return list(ZKSVS_CLI)


def dev_keys(compiled: Compiled, seed: str = "zksvs-bench") -> Keys:
    """``zksvs devsetup`` (INSECURE development key) + ``zksvs export verificationkey``; cached by r1cs hash, seed."""
    key = hashlib.sha256(f"{_sha256_file(compiled.r1cs)}\0{seed}".encode()).hexdigest()[:16]
    out = compiled.dir / f"keys-dev-{key}"
    with _locked(out):
        if not (out / ".complete").exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            zkey, vk = out / "circuit.zkey", out / "verification_key.json"
            _run([*zksvs_cli(), "devsetup", str(compiled.r1cs), str(zkey), "--seed", seed], ROOT, "zksvs devsetup")
            _run([*zksvs_cli(), "export", "verificationkey", str(zkey), str(vk)], ROOT, "zksvs export verificationkey")
            (out / ".complete").write_text(key)
    return Keys(out / "circuit.zkey", out / "verification_key.json", "zksvs-dev")


# --- all together -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """A compiled circuit with one witness and one key pair, ready for ``groth16 prove``."""

    compiled: Compiled
    wtns: Path
    keys: Keys

    @property
    def n_constraints(self) -> int:
        return self.compiled.info.n_constraints

    @property
    def log_n(self) -> int:
        return self.compiled.info.domain_log_n


def build(spec: CircuitSpec, keys: str = "auto", build_root: Path = BUILD_ROOT) -> Built:
    """Compile, compute the witness and make keys for ``spec``.

    Parameters
    ----------
    keys : {"auto", "snarkjs", "dev"}
        "auto": snarkjs keys when a prepared ptau fits the domain (≤ 2^16), else ``zksvs devsetup``.
    """
    compiled = compile_circuit(spec, build_root)
    wtns = compute_witness(compiled)
    if keys == "auto":
        keys = "snarkjs" if smallest_ptau(compiled.info.domain_log_n) is not None else "dev"
    if keys == "snarkjs":
        k = snarkjs_keys(compiled)
    elif keys == "dev":
        k = dev_keys(compiled)
    else:
        raise ValueError(f"keys must be 'auto', 'snarkjs' or 'dev', not {keys!r}")
    return Built(compiled, wtns, k)


def scratch_dir(prefix: str) -> Path:
    """A fresh folder under ``build/circom/tmp`` (below the project, so node tools and circom2 can reach it)."""
    base = BUILD_ROOT / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))

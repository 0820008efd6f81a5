"""The ``zksvs`` command line (click): demo, run, state, report, and snarkjs-shaped key/proof/circuit commands.

docs/cli.md is the reference. Conventions every command keeps:

- results on stdout (tables, ``--json``); progress, warnings and errors on stderr; ``-q`` drops the progress, ``-v``
  adds detail (``-q``/``-v`` go before or after the command name);
- an error is one line on stderr, ``zksvs: error: …``, naming what is wrong and where; never a traceback;
- exit status: 0 success; 1 a negative verdict (``verify``: invalid proof; ``wtns check``: unsatisfied constraint;
  ``run``/``demo``: the L1 rejected a shared batch); 2 unusable input (missing or malformed files, bad options,
  output paths that cannot be written, a non-empty ``--out``); 3 nothing to prove (``run``/``demo``: no transaction
  included, or ``--strict`` with a rejected line); 130 interrupted (SIGINT);
- output paths are checked before any expensive work; a run that fails or is interrupted removes what it wrote.

snarkjs-shaped commands keep snarkjs's argument order and default file names; ``zksvs groth16 prove|verify|setup``
are the same commands under snarkjs's spelling.
"""

from __future__ import annotations

import errno
import os
import sys
import time
import warnings
from pathlib import Path

import click

from zksvs.errors import ZksvsError

EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_NOTHING = 3
EXIT_INTERRUPTED = 130

#: Packages whose warnings are shown as "zksvs: warning: …" (others only with -v).
_OWN_PACKAGES = ("zksvs", "accel", "sequencer", "circuits", "prover", "verifier", "pipeline")


class _Interrupted(Exception):
    """SIGINT arrived while a command ran (raised past click, which would print "Aborted!" and exit 1)."""


def _info(message: str) -> None:
    """A progress/information line on stderr (not with -q)."""
    if _verbosity() >= 1:
        click.echo(message, err=True)


def _say_error(message: str) -> None:
    click.echo(f"zksvs: error: {' '.join(message.split())}", err=True)


# rich is imported by the commands that print tables, not by every command (``zksvs prove`` must start fast)
def make_console(*args, **kwargs):
    from pipeline.progress import make_console as make

    return make(*args, **kwargs)


def render_table(*args, **kwargs):
    from pipeline.progress import render_table as render

    return render(*args, **kwargs)


def write_json(*args, **kwargs):
    from pipeline.progress import write_json as write

    return write(*args, **kwargs)


class _ZksvsGroup(click.Group):
    """Every failure leaves as one line on stderr with the exit status of the module docstring."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        _add_verbosity(self)
        if not standalone_mode:  # click's CliRunner and callers that handle exceptions themselves
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        _route_warnings()
        try:
            rv = super().main(args, prog_name or "zksvs", complete_var, False, **extra)
        except click.UsageError as e:
            hint = f" (see '{e.ctx.command_path} -h')" if e.ctx is not None else ""
            _say_error(e.format_message() + hint)
            sys.exit(EXIT_USAGE)
        except click.ClickException as e:
            _say_error(e.format_message())
            sys.exit(e.exit_code)
        except (_Interrupted, click.Abort, KeyboardInterrupt):
            click.echo("zksvs: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except ZksvsError as e:
            _say_error(str(e))
            sys.exit(getattr(e, "exit_code", EXIT_USAGE))
        except OSError as e:
            if e.errno == errno.EPIPE:  # `zksvs state DIR | head`: the reader left; say nothing more
                sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (replaces stderr for the interpreter's exit)
                sys.exit(141)
            where = f"{e.filename}: " if e.filename else ""
            _say_error(f"{where}{e.strerror or e}")
            sys.exit(EXIT_USAGE)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted from None


_shown_warnings: set[str] = set()


def _route_warnings() -> None:
    """Show each distinct warning of ours once, as one "zksvs: warning: …" line (no Python source line)."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = str(message)
        own = (getattr(category, "__module__", "") or "").split(".")[0] in _OWN_PACKAGES
        if text in _shown_warnings or not (own or _verbosity() >= 2):
            return
        _shown_warnings.add(text)
        click.echo(f"zksvs: warning: {text}", err=True)

    warnings.showwarning = show


# --- verbosity: -q / -v, accepted by the group and by every command -----------------------------------------------


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: object) -> None:
    root = ctx.find_root()
    if param.name == "quiet" and value:
        root.meta["zksvs.verbosity"] = 0
    elif param.name == "verbose" and value:
        root.meta["zksvs.verbosity"] = 1 + int(value)  # type: ignore[call-overload]


def _verbosity() -> int:
    """0 with -q, 1 by default, 2 with -v."""
    ctx = click.get_current_context(silent=True)
    return 1 if ctx is None else ctx.find_root().meta.get("zksvs.verbosity", 1)


def _verbosity_params() -> list[click.Option]:
    return [
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set_verbosity,
            help="No progress on stderr (results, warnings and errors only).",
        ),
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            is_eager=True,
            callback=_set_verbosity,
            help="More detail (run/demo: every prover stage on stderr, a per-proof stage table on stdout).",
        ),
    ]


@click.group(cls=_ZksvsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zksvs")
def main() -> None:
    """zksvs: ZK Shared Validity Sequencing over BN254 — sequencer, batch circuits, Groth16 prover, L1 settlement.

    Exit status: 0 success, 1 negative verdict (invalid proof, unsatisfied witness, a shared batch rejected by the
    L1), 2 unusable input, 3 nothing to prove, 130 interrupted. Reference: docs/cli.md.
    """


class OutputFile(click.Path):
    """A file the command will write: its folder must exist and be writable, checked when the arguments are read."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value, param, ctx):
        from pipeline.outdir import OutputPathError, check_output_file

        value = super().convert(value, param, ctx)
        try:
            check_output_file(value)
        except OutputPathError as e:
            self.fail(str(e), param, ctx)
        return value


def _input_file() -> click.Path:
    return click.Path(exists=True, dir_okay=False)


# --- key safety: the warning / --strict of prove, verify and zkey verify (docs/ceremony.md) ----------------------


def _key_safety(vk, strict: bool, what: str) -> None:
    """The warning (one "zksvs: warning:" line, by ``_route_warnings``) or, with ``strict``, the refusal (exit 2)
    for a key whose δ is the G2 generator (``zksvs.groth16.check_contributed``)."""
    from zksvs.groth16 import check_contributed

    check_contributed(vk, strict=strict, what=what)


_STRICT = click.option("--strict", is_flag=True, help="Refuse a key with no phase-2 contribution (δ = generator).")


def _zkey_vk(zkey_path: str):
    """The verifying key of a .zkey (headers and IC only)."""
    from zksvs.formats.zkey_file import export_verifying_key

    return export_verifying_key(zkey_path)


# --- snarkjs-shaped commands ------------------------------------------------------------------------------------


@main.command()
@click.argument("vk_path", metavar="VK.json", default="verification_key.json", type=_input_file())
@click.argument("public_path", metavar="PUBLIC.json", default="public.json", type=_input_file())
@click.argument("proof_path", metavar="PROOF.json", default="proof.json", type=_input_file())
@_STRICT
def verify(vk_path: str, public_path: str, proof_path: str, strict: bool) -> None:
    """Verify a Groth16 proof (snarkjs JSON files). Exit 0: valid; 1: invalid; 2: unusable input."""
    from verifier.groth16 import verify_proof
    from zksvs.formats.snarkjs_json import read_proof, read_public_inputs, read_verifying_key

    vk = read_verifying_key(vk_path)
    _key_safety(vk, strict, vk_path)
    ok = verify_proof(vk, read_proof(proof_path), read_public_inputs(public_path))
    click.echo("OK!" if ok else "INVALID proof", err=not ok)
    sys.exit(0 if ok else 1)


@main.group()
def export() -> None:
    """Export data from key files."""


@export.command("verificationkey")
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=_input_file())
@click.argument("vk_path", metavar="VK.json", default="verification_key.json", type=OutputFile())
def export_verificationkey(zkey_path: str, vk_path: str) -> None:
    """Write the verifying key of a Groth16 .zkey as snarkjs verification_key.json."""
    from zksvs.formats.snarkjs_json import write_verifying_key
    from zksvs.formats.zkey_file import read_zkey

    write_verifying_key(read_zkey(zkey_path).proving_key.vk, vk_path)
    click.echo(f"verifying key written to {vk_path}", err=True)


@export.command("solidityverifier")
@click.argument("zkey_path", metavar="CIRCUIT.zkey", default="circuit_final.zkey", type=_input_file())
@click.argument("sol_path", metavar="VERIFIER.sol", default="verifier.sol", type=OutputFile())
def export_solidityverifier(zkey_path: str, sol_path: str) -> None:
    """Write the Solidity verifier of a Groth16 .zkey, the text snarkjs writes (its own template, rendered here)."""
    from verifier.evm_export import solidity_verifier
    from zksvs.formats.zkey_file import read_zkey

    text = solidity_verifier(read_zkey(zkey_path).proving_key.vk, say=_info)
    Path(sol_path).write_text(text, encoding="utf-8")
    click.echo(f"Solidity verifier written to {sol_path}", err=True)


@export.command("soliditycalldata")
@click.argument("public_path", metavar="PUBLIC.json", default="public.json", type=_input_file())
@click.argument("proof_path", metavar="PROOF.json", default="proof.json", type=_input_file())
def export_soliditycalldata(public_path: str, proof_path: str) -> None:
    """Print the arguments of the verifier's verifyProof for a proof, as snarkjs prints them."""
    from verifier.evm_export import solidity_calldata
    from zksvs.formats.snarkjs_json import read_proof, read_public_inputs

    click.echo(solidity_calldata(read_proof(proof_path), read_public_inputs(public_path)))


@export.command("settlement")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path(file_okay=False))
@click.option("--batch-zkey", required=True, type=_input_file(), help="The batch circuit's .zkey (every rollup's).")
@click.option("--cross-zkey", type=_input_file(), help="The cross-rollup circuit's .zkey (root checks proof and both).")
@click.option("--root-check", type=click.Choice(["openings", "proof", "both"]), default="both", show_default=True)
def export_settlement_cmd(out_dir: str, batch_zkey: str, cross_zkey: str | None, root_check: str) -> None:
    """Write the L1 contracts for the shape of these keys: SharedSettlement.sol, PoseidonT3.sol, each circuit's
    verifier, the verifying-key contract's creation code, compiled artifacts, and a README (deployment order)."""
    from verifier.evm_export import export_settlement
    from zksvs.errors import InputError
    from zksvs.formats.zkey_file import read_zkey

    if root_check != "openings" and cross_zkey is None:
        raise InputError(f"--root-check {root_check} needs --cross-zkey (the cross-rollup circuit's key)")
    batch_vk = read_zkey(batch_zkey).proving_key.vk
    cross_vk = read_zkey(cross_zkey).proving_key.vk if cross_zkey else None
    for path in export_settlement(out_dir, batch_vk, cross_vk, root_check, say=_info):
        click.echo(str(path))


@main.command()
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=_input_file())
@click.argument("wtns_path", metavar="WITNESS.wtns", type=_input_file())
@click.argument("proof_path", metavar="PROOF.json", default="proof.json", type=OutputFile())
@click.argument("public_path", metavar="PUBLIC.json", default="public.json", type=OutputFile())
@click.option(
    "--timings", is_flag=True, help="Print the time of each proving stage and of loading the kernels (milliseconds)."
)
@click.option(
    "--check",
    is_flag=True,
    help="Refuse an unsatisfying witness (exit 2, nothing written): the proof must pass the key's own verifying key.",
)
@click.option(
    "--r1cs",
    "r1cs_path",
    type=_input_file(),
    help="With --check: the circuit's .r1cs, checked before proving; names the first unsatisfied constraint.",
)
@click.option("--server", is_flag=True, help="Prove in the resident prover of 'zksvs serve' (default socket).")
@click.option(
    "--socket", "socket_path", type=click.Path(dir_okay=False), help="The resident prover's socket (implies --server)."
)
@_STRICT
def prove(
    zkey_path: str,
    wtns_path: str,
    proof_path: str,
    public_path: str,
    timings: bool,
    check: bool,
    r1cs_path: str | None,
    server: bool,
    socket_path: str | None,
    strict: bool,
) -> None:
    """Prove from a snarkjs Groth16 .zkey and a .wtns (drop-in for ``snarkjs groth16 prove``).

    The first run on a machine compiles the prover's kernels (announced on stderr; about a minute); later runs load
    them from numba's cache. --timings shows that apart from the proving stages. With --server the proof is made by
    a running 'zksvs serve' (no start-up in this process).
    """
    _key_safety(_zkey_vk(zkey_path), strict, zkey_path)
    if server or socket_path:
        _prove_on_server(socket_path, zkey_path, wtns_path, proof_path, public_path, timings, check or r1cs_path)
        return
    from prover.startup import prepare_process

    # one proof per process: the native library of the kernels when this machine has one (no numba), else the
    # cached numba kernels without numba's compile-time set-up (prover.startup); a first-use compile or library
    # build is announced on stderr and kept out of the stage timings
    kernels = prepare_process("prove", announce=lambda message: click.echo(message, err=True), native=True)
    if r1cs_path is not None or check:
        _check_witness(zkey_path, wtns_path, r1cs_path)
    from prover import ZkeyProver
    from zksvs.formats.snarkjs_json import write_proof, write_public_inputs

    zkey_prover = ZkeyProver(zkey_path)
    proof, public_inputs, stage_seconds = zkey_prover.prove(wtns_path)
    if check:
        _check_proof(zkey_path, proof, public_inputs)
    write_proof(proof, proof_path)
    write_public_inputs(public_inputs, public_path)
    if timings:
        _print_prove_timings(kernels, stage_seconds, zkey_prover.last_timing)


def _print_prove_timings(kernels, stage_seconds: dict[str, float], timing) -> None:
    native = any(r.step == "native library" for r in kernels.rows)
    if native:
        what = "load native library"
    else:
        what = "compile kernels (once per machine)" if kernels.compiled else "load kernels (numba cache)"
    rows = [(what, round(kernels.total_s * 1000, 1))]
    if native and timing is not None and not timing.overlapped:  # a domain above the native range: numba proved it
        rows.append(("load kernels (numba: domain above the native range)", round(timing.kernel_seconds * 1000, 1)))
    rows += [(name, round(s * 1000, 1)) for name, s in stage_seconds.items()]
    caption = ""
    if timing is not None and timing.overlapped:
        rows.append(("stages wall time", round(timing.wall_seconds * 1000, 1)))
        caption = "the stages before 'finish' ran at once on threads: each row is its own wall time"
    else:
        rows.append(("stages total", round(sum(stage_seconds.values()) * 1000, 1)))
    make_console().print(render_table("prove stages", ["stage", "ms"], rows, caption))


def _prove_on_server(socket_path, zkey_path, wtns_path, proof_path, public_path, timings: bool, check) -> None:
    from pipeline.serve import DEFAULT_SOCKET, ServerError, request

    if check:
        raise ServerError("--check and --r1cs run in this process: use them without --server")
    stage_seconds = request(socket_path or DEFAULT_SOCKET, zkey_path, wtns_path, proof_path, public_path)
    if timings:
        rows = [(name, round(s * 1000, 1)) for name, s in stage_seconds.items()]
        rows.append(("stages total", round(sum(stage_seconds.values()) * 1000, 1)))
        make_console().print(render_table("prove stages (server)", ["stage", "ms"], rows))


@main.command("serve")
@click.option(
    "--socket",
    "socket_path",
    type=click.Path(dir_okay=False),
    help="Unix socket to listen on (default: $XDG_RUNTIME_DIR or /tmp, zksvs-prover-UID.sock).",
)
@click.option("--keys", "max_keys", default=4, show_default=True, type=click.IntRange(1), help="Proving keys kept.")
def serve_cmd(socket_path: str | None, max_keys: int) -> None:
    """A resident prover: load the kernels once, then prove what 'zksvs prove --server' sends, until interrupted."""
    from pipeline.serve import DEFAULT_SOCKET, serve

    serve(socket_path or DEFAULT_SOCKET, announce=lambda message: click.echo(message, err=True), max_keys=max_keys)


def _check_witness(zkey_path: str, wtns_path: str, r1cs_path: str | None) -> None:
    """``prove --check --r1cs``: the R1CS must be the zkey's circuit and the witness must satisfy it (numba check)."""
    if r1cs_path is None:
        return
    from prover import check_witness
    from prover.startup import prepare_process
    from zksvs.errors import InvalidWitness, UnsatisfiedConstraint
    from zksvs.formats.r1cs_file import read_r1cs
    from zksvs.formats.wtns_file import read_wtns_limbs
    from zksvs.formats.zkey_file import read_zkey

    r1cs = read_r1cs(r1cs_path)
    pk = read_zkey(zkey_path, matrices=False)
    have = (r1cs.n_wires, r1cs.n_public, r1cs.n_constraints)
    want = (pk.proving_key.n_wires, pk.proving_key.n_public, pk.coefficients.n_constraints)
    if have != want:
        raise InvalidWitness(
            f"{r1cs_path} is not the circuit of {zkey_path}: (wires, public, constraints) = {have} vs {want}"
        )
    prepare_process("check", announce=lambda message: click.echo(message, err=True))
    try:
        check_witness(r1cs, read_wtns_limbs(wtns_path))
    except InvalidWitness as e:
        raise InvalidWitness(f"{wtns_path}: {e}") from None
    except UnsatisfiedConstraint as e:
        # name the constraint's signals as `wtns check` does (circom's .sym beside the .r1cs), else its label
        from pipeline.circuit_files import default_sym, read_sym

        con = r1cs.constraints[e.index]
        sym = default_sym(r1cs_path)
        names = read_sym(sym) if sym is not None else {}
        wires = sorted({w for lc in (con.a, con.b, con.c) for w in lc.terms if w != 0})
        signals = ", ".join(names.get(w, f"w{w}") for w in wires[:8]) + (" …" if len(wires) > 8 else "")
        label = f" ({e.label!r})" if e.label else ""
        raise InvalidWitness(
            f"{wtns_path}: constraint {e.index}{label} of {r1cs.n_constraints} is not satisfied (signals: "
            f"{signals or 'none'}); nothing written"
        ) from None


def _check_proof(zkey_path: str, proof, public_inputs) -> None:
    """``prove --check``: the new proof must pass the key's verifying key, else nothing is written (exit 2)."""
    from verifier.groth16 import verify_proof
    from zksvs.errors import InvalidWitness
    from zksvs.formats.zkey_file import export_verifying_key

    if not verify_proof(export_verifying_key(zkey_path), proof, public_inputs):
        raise InvalidWitness(
            f"the witness does not satisfy the circuit of {zkey_path}: its proof fails the key's verifying key; "
            "nothing written (add --r1cs CIRCUIT.r1cs to name the first unsatisfied constraint)"
        )


@main.command()
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", type=_input_file())
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=OutputFile())
@click.option("--seed", default="zksvs-devsetup", show_default=True, help="Seed of the (INSECURE) toxic waste.")
def devsetup(r1cs_path: str, zkey_path: str, seed: str) -> None:
    """Development setup (toxic waste from SEED, INSECURE), written as a snarkjs-format .zkey."""
    from prover import setup
    from zksvs.formats.r1cs_file import read_r1cs
    from zksvs.formats.zkey_file import write_zkey

    r1cs = read_r1cs(r1cs_path)
    _announce_compile("setup")
    t0 = time.perf_counter()
    pk = setup(r1cs, seed=seed)
    write_zkey(pk, r1cs.to_matrices(include_c=False), zkey_path)
    click.echo(
        f"development key written to {zkey_path} ({r1cs.n_constraints} constraints, {time.perf_counter() - t0:.1f} s)",
        err=True,
    )


@main.command("setup")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", type=_input_file())
@click.argument("ptau_path", metavar="POT.ptau", type=_input_file())
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=OutputFile())
def setup_cmd(r1cs_path: str, ptau_path: str, zkey_path: str) -> None:
    """Groth16 phase-2 setup from a powers-of-tau file (as ``snarkjs groth16 setup``)."""
    from prover import setup_from_ptau
    from zksvs.formats.r1cs_file import read_r1cs
    from zksvs.formats.zkey_file import write_zkey

    r1cs = read_r1cs(r1cs_path)
    _announce_compile("phase2")
    pk = setup_from_ptau(r1cs, ptau_path)
    write_zkey(pk, r1cs.to_matrices(include_c=False), zkey_path)
    click.echo(f"key written to {zkey_path}", err=True)


def _announce_compile(group: str) -> None:
    """One stderr line before a first-use compile of a kernel group (nothing when numba's cache is warm)."""
    from prover.warmup import kernel_cache_state

    message = kernel_cache_state(group).message
    if message:
        click.echo(message, err=True)


@main.command("warmup")
@click.option(
    "--group",
    "groups",
    multiple=True,
    type=click.Choice(["prove", "check", "setup", "phase2", "sequencer"]),
    help="Only these kernel groups (repeatable; default: all).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def warmup_cmd(groups: tuple[str, ...], as_json: bool) -> None:
    """Compile every prover kernel and the sequencer's Poseidon kernels once (later commands load them from numba's
    cache) and report per kernel."""
    from prover.warmup import GROUPS, kernel_cache_state, warmup

    groups = groups or GROUPS
    estimate = sum(kernel_cache_state(g).estimate_s for g in groups)
    if estimate and not as_json:
        click.echo(f"compiling kernels (once per machine, ~{estimate:.0f} s)…", err=True)
    report = warmup(groups)
    if "prove" in groups:  # and the native library of the prove kernels (prover.native), built once per machine
        from prover.startup import build_native

        row = build_native(announce=None if as_json else lambda message: click.echo(message, err=True))
        if row is not None:
            report.rows.append(row)
    if as_json:
        write_json(report.to_json(), None)
        return
    rows = [(r.kernel, r.group, r.step, r.status, round(r.seconds, 3)) for r in report.rows]
    caption = f"{report.compiled} compiled, {len(report.rows) - report.compiled} loaded or in memory"
    _results_console().print(render_table(
        f"prover kernels: {report.total_s:.1f} s", ["kernel", "group", "step", "status", "s"], rows, caption
    ))  # fmt: skip


@main.group()
def groth16() -> None:
    """snarkjs's spelling: zksvs groth16 prove|verify|setup are zksvs prove|verify|setup."""


# the same command objects, so every option and fix of the commands above applies to both spellings
groth16.add_command(prove)
groth16.add_command(verify)
groth16.add_command(setup_cmd, "setup")


# --- phase-2 ceremony: zksvs zkey contribute | beacon | verify | export (snarkjs's zkey commands) ------------------


@main.group("zkey")
def zkey_group() -> None:
    """Phase-2 ceremony on Groth16 .zkey files, compatible with snarkjs's zkey commands (docs/ceremony.md)."""


zkey_group.add_command(export, "export")


def _print_contribution(result, dest: str) -> None:
    from zksvs.formats.zkey_contributions import format_hash

    click.echo(format_hash(result.cs_hash, "Circuit Hash:"))
    click.echo(format_hash(result.contribution_hash, "Contribution Hash:"))
    _info(f"contribution #{result.index} written to {dest}")
    if not any(result.cs_hash):
        click.echo(
            "zksvs: warning: the key has no circuit hash (not made from a powers of tau): a contribution cannot "
            "make it secure and zkey verify will refuse it",
            err=True,
        )


@zkey_group.command("contribute")
@click.argument("src", metavar="IN.zkey", type=_input_file())
@click.argument("dest", metavar="OUT.zkey", type=OutputFile())
@click.option("--name", "-n", default=None, help="Name recorded with the contribution (first 64 characters).")
@click.option("--entropy", "-e", default="", help="Extra random text, mixed with 64 bytes from the OS.")
def zkey_contribute(src: str, dest: str, name: str | None, entropy: str) -> None:
    """Add a random phase-2 contribution to IN.zkey, written to OUT.zkey (as snarkjs zkey contribute)."""
    from prover import contribute

    _print_contribution(contribute(src, dest, name=name, entropy=entropy), dest)


@zkey_group.command("beacon")
@click.argument("src", metavar="IN.zkey", type=_input_file())
@click.argument("dest", metavar="OUT.zkey", type=OutputFile())
@click.argument("beacon_hex", metavar="BEACON_HEX")
@click.argument("iterations", metavar="ITERATIONS", type=int)
@click.option("--name", "-n", default=None, help="Name recorded with the contribution (first 64 characters).")
def zkey_beacon(src: str, dest: str, beacon_hex: str, iterations: int, name: str | None) -> None:
    """Add the beacon contribution of BEACON_HEX (SHA-256 iterated 2^ITERATIONS times, ITERATIONS in 10..63).

    Deterministic: the same file as snarkjs zkey beacon with the same arguments.
    """
    from prover import beacon, parse_beacon_hex

    _print_contribution(beacon(src, dest, parse_beacon_hex(beacon_hex), iterations, name=name), dest)


@zkey_group.command("verify")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", type=_input_file())
@click.argument("ptau_path", metavar="POT.ptau", type=_input_file())
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=_input_file())
@_STRICT
def zkey_verify(r1cs_path: str, ptau_path: str, zkey_path: str, strict: bool) -> None:
    """Check CIRCUIT.zkey against the circuit and the ptau (as snarkjs zkey verify). Exit 0: OK; 1: INVALID."""
    from prover import verify_zkey
    from zksvs.formats.zkey_contributions import BEACON, format_hash

    res = verify_zkey(r1cs_path, ptau_path, zkey_path)
    if not res.ok:
        click.echo(f"zksvs: INVALID: {zkey_path}: {res.reason}", err=True)
        sys.exit(1)
    if res.uncontributed:
        _key_safety(_zkey_vk(zkey_path), strict, zkey_path)
    click.echo(format_hash(res.cs_hash, "Circuit Hash:"))
    for i in range(len(res.contributions) - 1, -1, -1):
        c = res.contributions[i]
        click.echo("-------------------------")
        click.echo(format_hash(res.contribution_hashes[i], f"contribution #{i + 1} {c.name or ''}:"))
        if c.type == BEACON:
            click.echo(f"Beacon generator: {c.beacon_hash.hex()}")
            click.echo(f"Beacon iterations Exp: {c.num_iterations_exp}")
    click.echo("-------------------------")
    click.echo("ZKey Ok!")


@main.group()
def r1cs() -> None:
    """Inspect circuit files (.r1cs), as snarkjs r1cs does."""


@r1cs.command("info")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", default="circuit.r1cs", type=_input_file())
@click.option("--json", "as_json", is_flag=True, help="Print the counts as a JSON object.")
def r1cs_info_cmd(r1cs_path: str, as_json: bool) -> None:
    """Print a circuit's curve and counts (wires, constraints, inputs, labels, outputs), as snarkjs r1cs info does."""
    from pipeline.circuit_files import INFO_LINES, r1cs_info

    info = r1cs_info(r1cs_path)
    if as_json:
        write_json(info, None)
        return
    for key, name in INFO_LINES:
        click.echo(f"{name}: {info[key]}")


@main.group()
def wtns() -> None:
    """Check witness files (.wtns), as snarkjs wtns does."""


@wtns.command("check")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", default="circuit.r1cs", type=_input_file())
@click.argument("wtns_path", metavar="WITNESS.wtns", default="witness.wtns", type=_input_file())
@click.option(
    "--sym",
    "sym_path",
    type=_input_file(),
    help="circom's .sym file, for signal names (default: CIRCUIT.sym beside the .r1cs, if there is one).",
)
def wtns_check(r1cs_path: str, wtns_path: str, sym_path: str | None) -> None:
    """Check that a witness satisfies every constraint. Exit 0: it does; 1: it does not (the first failing
    constraint is named, with its signals); 2: unusable input."""
    from pipeline.circuit_files import check_witness, default_sym

    res = check_witness(r1cs_path, wtns_path, sym_path or default_sym(r1cs_path))
    if res.ok:
        click.echo(f"OK: the witness satisfies all {res.n_constraints} constraints")
        return
    signals = ", ".join(res.signals[:8]) + (f" and {len(res.signals) - 8} more" if len(res.signals) > 8 else "")
    click.echo(
        f"zksvs: constraint {res.failed} of {res.n_constraints} is not satisfied: A·B ≠ C with A = {res.a}, "
        f"B = {res.b}, C = {res.c}; signals: {signals or 'none (constants only)'}",
        err=True,
    )
    sys.exit(EXIT_NEGATIVE)


# --- the main job: demo, run; their folders: state, report -----------------------------------------------------


def _run_options(f):
    """Options shared by demo and run (applied bottom-up, so they list in this order)."""
    opts = [
        click.option(
            "--out",
            "out",
            default="zksvs-out",
            show_default=True,
            type=click.Path(file_okay=False),
            help="Run folder to write (created; must be empty unless --force).",
        ),
        click.option(
            "--force",
            is_flag=True,
            help="Reuse a non-empty --out: remove the files an earlier run wrote there first (batch-*/, keys/, "
            "settlement.json, state.json, run.json, report.png, sequencer.sqlite*, genesis.json, txs.jsonl); "
            "nothing else is touched.",
        ),
        click.option(
            "--root-check",
            type=click.Choice(["openings", "proof", "both"]),
            default="both",
            show_default=True,
            help="How the L1 checks burn root == mint root: Merkle openings, the cross-rollup proof, or both.",
        ),
        click.option(
            "--l1",
            type=click.Choice(["evm", "model", "both"]),
            default=None,
            help="Where to settle: 'evm' (SharedSettlement.sol on an EVM, gas measured), 'model' (the Python "
            "model), 'both' (and check they agree). Default: evm, or model where the EVM cannot run (said on stderr).",
        ),
        click.option(
            "--strict",
            is_flag=True,
            help="Refuse the run if any transaction is rejected: list them and exit 3 before proving anything.",
        ),
        click.option("--plot", is_flag=True, help="Also draw the results as OUT/report.png."),
        click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout (as OUT/run.json)."),
        click.option(
            "--executor",
            type=click.Choice(["local", "processes", "ray"]),
            default=DEFAULT_EXECUTOR,
            show_default=True,
            help="Where the K + 1 proofs of each shared batch run: this process, a local process pool, or Ray.",
        ),
        click.option(
            "--ray-address", metavar="ADDR", help="With --executor ray: the cluster to join (default: a local one)."
        ),
        click.option(
            "--proof-seed",
            metavar="HEX",
            callback=_hex_seed,
            help="Fix the proofs' blinding (same seed, same proof.json on every executor). For tests: whoever "
            "knows it can unblind the proofs. Default: fresh random.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


#: ``--executor`` default: in-process, until a pool is measured faster on this machine class (docs/scaling.md,
#: "Shared batches per minute": the pool was ahead in 2 of 6 paired runs, within what the load explains).
DEFAULT_EXECUTOR = "local"


def _hex_seed(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise click.BadParameter(f"must be hexadecimal, not {value!r}") from None


@main.command()
@click.option("--rollups", "n_rollups", default=4, show_default=True, type=click.IntRange(2, 8), help="K: rollups.")
@click.option(
    "--txs", "n_txs", default=24, show_default=True, type=click.IntRange(1), help="Transactions in the workload."
)
@click.option(
    "--capacity",
    default=4,
    show_default=True,
    type=click.IntRange(1),
    help="B: slots (transactions) per rollup batch; a shared batch closes when one rollup's batch is full.",
)
@click.option(
    "--account-depth",
    default=8,
    show_default=True,
    type=click.IntRange(1, 32),
    help="D: depth of each rollup's account tree (room for 2^D accounts).",
)
@click.option(
    "--bridge-depth",
    default=4,
    show_default=True,
    type=click.IntRange(1, 32),
    help="M: depth of each burn and mint tree (2^M messages per ordered pair of rollups).",
)
@click.option(
    "--seed", default=1, show_default=True, type=int, help="Seed of the workload and genesis (same seed, same run)."
)
@click.option(
    "--forced",
    is_flag=True,
    help="Also enqueue one signed transfer on the L1's forced-inclusion queue before the first batch; the sequencer "
    "must process it within --forced-deadline shared batches (the EVM contract and the model both check it).",
)
@click.option(
    "--censor",
    metavar="CHAIN:ACCOUNT",
    default=None,
    help="As --forced, with the forced transaction from this account, and make the sequencer censor it: the L1 "
    "refuses the shared batch past its deadline (forced_inclusion; exit status 1).",
)
@click.option(
    "--forced-deadline",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="T: shared batches within which the sequencer must process a transaction queued on the L1.",
)
@_run_options
def demo(
    n_rollups: int,
    n_txs: int,
    capacity: int,
    account_depth: int,
    bridge_depth: int,
    seed: int,
    forced: bool,
    censor: str | None,
    forced_deadline: int,
    out: str,
    force: bool,
    root_check: str,
    l1: str | None,
    strict: bool,
    plot: bool,
    as_json: bool,
    **proving,
) -> None:
    """Run a seeded workload through sequencer → circuits → prover → L1 settlement and print the results.

    The workload is signed with the genesis's seeded keys (INSECURE: demo keys); it has transfers, burns, calls of
    every program (MINT, COND, SWAP), payments that create accounts, and lines rejected on purpose (overdraft, bad
    nonce, failed actions, a forged signature). With --forced (or --censor), one more transfer is enqueued on the L1's
    forced-inclusion queue before the first batch (from the last account of rollup 0, or the --censor account) and
    must be processed within --forced-deadline shared batches. Writes the genesis and the transactions it made
    (OUT/genesis.json, OUT/txs.jsonl) beside the run's files.
    """
    from pipeline.workload import DemoSigner, demo_forced_tx, demo_workload
    from sequencer import demo_genesis, dump_genesis
    from sequencer.genesis import find_whale
    from verifier.forced_queue import ForcedQueue

    n_accounts = min(8, 1 << account_depth)
    forced_from = _parse_censor(censor, n_rollups, n_accounts) if censor else (0, n_accounts - 1)
    genesis = demo_genesis(
        n_rollups,
        accounts_per_rollup=n_accounts,
        account_depth=account_depth,
        bridge_depth=bridge_depth,
        capacity=capacity,
        seed=seed,
    )
    forced = forced or censor is not None
    balances = {c: dict(accs) for c, accs in genesis.balances().items()}
    if forced:
        balances[forced_from[0]].pop(forced_from[1])  # the workload leaves the forced sender alone: its nonce is known
    txs = demo_workload(
        balances, n_txs, seed, whale=find_whale(genesis), signer=DemoSigner(seed), account_depth=account_depth
    )
    queue = None
    if forced:
        forced_tx = demo_forced_tx(genesis.balances(), *forced_from, signer=DemoSigner(seed))
        queue = ForcedQueue(n_rollups, account_depth, forced_deadline)
        _enqueue_obj(queue, forced_tx, 0, "the demo's forced transaction")

    def write_inputs() -> None:
        dump_genesis(genesis, Path(out) / "genesis.json")
        _write_jsonl(txs, Path(out) / "txs.jsonl")

    _run_and_report(
        genesis,
        list(enumerate(txs, start=1)),
        out,
        force=force,
        root_check=root_check,
        l1=l1,
        strict=strict,
        plot=plot,
        as_json=as_json,
        title="zksvs demo",
        source=str(Path(out) / "txs.jsonl"),
        inputs=(),
        before=write_inputs,
        queue=queue,
        censor=[forced_from] if censor else [],
        **proving,
    )


def _parse_censor(text: str, n_rollups: int, n_accounts: int) -> tuple[int, int]:
    """``CHAIN:ACCOUNT`` → (chain, account), both in range (``click.BadParameter`` otherwise: exit 2)."""
    try:
        chain, account = (int(v) for v in text.split(":"))
    except ValueError:
        raise click.BadParameter(f"expected CHAIN:ACCOUNT (integers), not {text!r}", param_hint="--censor") from None
    if not (0 <= chain < n_rollups and 0 <= account < n_accounts):
        raise click.BadParameter(
            f"{text}: the demo has chains [0, {n_rollups}) and accounts [0, {n_accounts})", param_hint="--censor"
        )
    return chain, account


def _enqueue_obj(queue, obj: dict, batch_number: int, what: str) -> object:
    """Parse a signed transaction's JSON object and enqueue it on ``queue`` at ``batch_number``.

    Raises
    ------
    MalformedTransaction
        ``obj`` is not a transaction ``parse_tx`` accepts.
    InputError
        The L1 refuses it (the rule it breaks is named).
    """
    from sequencer import parse_tx
    from zksvs.errors import InputError

    tx = parse_tx(obj)
    result = queue.enqueue(tx.chain, tx.fields(), tx.signature, batch_number, tx.to_obj())
    if not result.accepted:
        raise InputError(f"{what}: the L1 refuses to enqueue it ({result.failed_check}): {result.detail}")
    return result


@main.command()
@click.argument("txs_path", metavar="TXS.jsonl", type=_input_file())
@click.option(
    "--genesis",
    "genesis_path",
    metavar="GENESIS.json",
    required=True,
    type=_input_file(),
    help="The shared set's shape (K, B, D, M) and every rollup's initial accounts (docs/formats.md).",
)
@_run_options
def run(
    txs_path: str,
    genesis_path: str,
    out: str,
    force: bool,
    root_check: str,
    l1: str | None,
    strict: bool,
    plot: bool,
    as_json: bool,
    **proving,
) -> None:
    """Run the transactions of TXS.jsonl (one JSON object a line) on the rollups of --genesis.

    A bad line is reported with its number and reason and the others go on (--strict refuses the run instead).
    Formats: docs/formats.md.
    """
    from pipeline.l1state import L1_FILE, load_l1_state
    from pipeline.run import require_signed
    from sequencer import load_genesis, read_jsonl
    from zksvs.errors import InputError

    genesis = load_genesis(genesis_path)
    require_signed(genesis, genesis_path)
    items = read_jsonl(txs_path)
    l1_path = Path(out) / L1_FILE
    queue, inputs = None, (txs_path, genesis_path)
    if l1_path.is_file():
        prepared = load_l1_state(l1_path)
        if prepared.batch_number != 0:
            raise InputError(
                f"{l1_path}: the L1 state after a run (shared batch {prepared.batch_number}); a run starts from the "
                "genesis: choose a new --out (and 'zksvs enqueue … --run' it) or remove the file"
            )
        queue, inputs = prepared.queue, (*inputs, str(l1_path))
    _run_and_report(
        genesis,
        items,
        out,
        force=force,
        root_check=root_check,
        l1=l1,
        strict=strict,
        plot=plot,
        as_json=as_json,
        title=f"zksvs run {txs_path}",
        source=txs_path,
        inputs=inputs,
        queue=queue,
        **proving,
    )


def _write_jsonl(txs: list[dict], path: Path) -> None:
    import json

    path.write_text("".join(json.dumps(t) + "\n" for t in txs))


def _results_console():
    """Results go to stdout (tables wide enough for logs when stdout is not a terminal)."""
    from rich.console import Console

    console = Console(file=sys.stdout, highlight=False)
    if not console.is_terminal:
        console.width = 120
    return console


def _report_rejections(rejections: list[dict], source: str) -> None:
    for r in rejections:
        click.echo(f"{source}:{r['arrival']}: rejected ({r['reason']}): {r['message']}", err=True)


def _report_forced(forced: list[dict]) -> None:
    for f in forced:
        where = f"L1 queue of rollup {f['chain']}, entry {f['forced']}"
        if f["status"] == "accepted":
            click.echo(f"{where}: forced, included in shared batch {f['batch_number']} slot {f['slot']}", err=True)
        else:
            click.echo(
                f"{where}: forced, rejected ({f['reason']}) in shared batch {f['batch_number']} slot {f['slot']}: "
                f"{f['message']}",
                err=True,
            )


def _resolve_l1(l1: str | None) -> str:
    """An explicit --l1 as given (a missing tool is then an error, exit 2); by default the EVM where it can run,
    else the model, said in one line on stderr."""
    from verifier.evm_settlement import evm_unavailable_reason
    from zksvs.errors import ToolchainError

    reason = evm_unavailable_reason() if l1 in (None, "evm", "both") else None
    if reason is None:
        return l1 or "evm"
    if l1 is not None:
        raise ToolchainError(reason)
    click.echo(f"zksvs: settling on the Python model (--l1 model): {reason}", err=True)
    return "model"


def _run_and_report(
    genesis,
    items,
    out: str,
    *,
    force: bool,
    root_check: str,
    l1: str | None,
    strict: bool,
    plot: bool,
    as_json: bool,
    title: str,
    source: str,
    inputs: tuple[str, ...],
    before=None,
    queue=None,
    censor=(),
    executor: str = DEFAULT_EXECUTOR,
    ray_address: str | None = None,
    proof_seed: bytes | None = None,
) -> None:
    """Claim the folder, run the pipeline with progress on stderr, print the results; the exit status says how it went.

    Exit status: 0 every shared batch settled; 1 the L1 rejected one; 3 no transaction was included (empty file, or
    every line rejected), or --strict and a line was rejected (then nothing is proven and nothing is left in OUT).
    """
    from pipeline.outdir import RunFolder
    from pipeline.report import report_tables, summary_line
    from pipeline.run import RejectedTransactions, run_pipeline

    if ray_address is not None and executor != "ray":
        raise click.UsageError(f"--ray-address is for --executor ray, not --executor {executor}")
    l1 = _resolve_l1(l1)
    folder = RunFolder(out, inputs)
    folder.claim(force)
    verbosity = _verbosity()
    progress = make_console(quiet=verbosity == 0)
    t0 = time.perf_counter()
    try:
        if before is not None:
            before()
        with progress.status(f"[bold]{title}[/bold]: starting") as status:

            def stage(name: str, level: int = 1) -> None:
                status.update(f"[bold]{title}[/bold]: {name}")
                if not progress.is_terminal and level <= verbosity:
                    progress.print(f"  {time.perf_counter() - t0:7.1f} s  {name}", markup=False, highlight=False)

            result = run_pipeline(
                genesis,
                items,
                out,
                root_check=root_check,
                stage=stage,
                strict=strict,
                executor=executor,
                ray_address=ray_address,
                proof_seed=proof_seed,
                l1=l1,
                queue=queue,
                censor=censor,
            )
        report = result.to_json()
        if plot:
            from pipeline.plot import write_plot

            write_plot(report, Path(out) / "report.png")
    except RejectedTransactions as e:
        _report_rejections(e.rejections, source)
        folder.discard()
        raise
    except BaseException:
        folder.discard()
        raise
    _report_rejections(report["rejections"], source)
    _report_forced(report["forced"])
    if as_json:
        write_json(report, None)
    else:
        console = _results_console()
        for table in report_tables(report):
            console.print(table)
        if verbosity >= 2 and report["proofs"]:
            from pipeline.report import prove_stage_table

            console.print(prove_stage_table(report))
        console.print(summary_line(report), markup=False, highlight=False)
        console.print(f"output folder: {Path(out).resolve()}", markup=False, highlight=False, soft_wrap=True)
    if not report["receipts"]:
        what = (
            f"{source} holds no transactions"
            if not report["transactions"]
            else f"all {report['transactions']} transactions were rejected"
        )
        click.echo(f"zksvs: nothing to prove: {what} (exit status {EXIT_NOTHING})", err=True)
        sys.exit(EXIT_NOTHING)
    sys.exit(0 if result.all_settled else EXIT_NEGATIVE)


@main.command()
@click.argument("folder", metavar="DIR", default="zksvs-out", type=click.Path(file_okay=False))
@click.option("--chain", type=click.IntRange(0), help="Only this rollup (its chain_id).")
@click.option("--full", is_flag=True, help="Print roots and public keys whole (default: shortened).")
@click.option("--json", "as_json", is_flag=True, help="Print DIR/state.json's final state as JSON.")
def state(folder: str, chain: int | None, full: bool, as_json: bool) -> None:
    """Print the rollups' accounts (index, balance, nonce, public key) and roots after a run in DIR."""
    from pipeline.state import read_state, state_tables

    doc = read_state(folder)
    tables = state_tables(doc, chain, full=full)  # checks --chain
    if as_json:
        final = doc["final"]
        rollups = [r for r in final["rollups"] if chain is None or r["chain_id"] == chain]
        write_json({"after_batch": final["after_batch"], "rollups": rollups}, None)
        return
    console = _results_console()
    for t in tables:
        console.print(t)


@main.command()
@click.argument("folder", metavar="DIR", default="zksvs-out", type=click.Path(file_okay=False))
@click.option(
    "--png",
    "png_path",
    type=OutputFile(),
    help="Where to draw the plot (default: DIR/report.png).",
)
@click.option("--json", "as_json", is_flag=True, help="Print DIR/run.json instead of the tables.")
def report(folder: str, png_path: str | None, as_json: bool) -> None:
    """Print the results tables of the run in DIR again and draw them as a PNG (time per stage per rollup, gas per
    shared batch)."""
    from pipeline.outdir import check_output_file
    from pipeline.plot import write_plot
    from pipeline.report import read_run, report_tables, summary_line

    run_doc = read_run(folder)
    png = Path(png_path) if png_path else check_output_file(Path(folder) / "report.png", "report")
    if as_json:
        write_json(run_doc, None)
    else:
        console = _results_console()
        for table in report_tables(run_doc):
            console.print(table)
        console.print(summary_line(run_doc), markup=False, highlight=False)
    if run_doc["proofs"]:
        write_plot(run_doc, png)
        _info(f"plot written to {png}")
    else:
        _info("no plot: nothing was proven in this run")


# --- the sequencer alone at load (issue 13): workload, sequence -------------------------------------------------


def _force_option(f):
    return click.option(
        "--force",
        is_flag=True,
        help="Reuse a non-empty --out: remove the files zksvs wrote there first (nothing else is touched).",
    )(f)


@main.command()
@click.option("--rollups", "n_rollups", default=4, show_default=True, type=click.IntRange(2, 8), help="K: rollups.")
@click.option("--txs", "n_txs", default=10_000, show_default=True, type=click.IntRange(1), help="Transactions.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the genesis balances and the workload.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the two files.")
@click.option("--accounts", default=32, show_default=True, type=click.IntRange(1), help="Accounts per rollup.")
@click.option("--account-depth", default=8, show_default=True, type=click.IntRange(1, 32), help="D: levels.")
@click.option("--capacity", default=32, show_default=True, type=click.IntRange(1), help="B: slots per rollup batch.")
@click.option(
    "--bridge-depth",
    default=None,
    type=click.IntRange(1, 32),
    help="M: levels of the burn/mint trees (default: the least M ≥ 4 with room for every burn of the busiest pair).",
)
@click.option(
    "--unsigned",
    is_flag=True,
    help="No keys and no signatures (a protocol v1 genesis): the 'without signatures' baseline of zksvs sequence.",
)
@_force_option
def workload(
    n_rollups: int,
    n_txs: int,
    seed: int,
    out: str,
    accounts: int,
    account_depth: int,
    capacity: int,
    bridge_depth: int | None,
    unsigned: bool,
    force: bool,
) -> None:
    """Write a seeded OUT/genesis.json and OUT/txs.jsonl of any size (signed transfers, burns and calls of every
    program between every pair of rollups, payments that create accounts, one line in eight rejected on purpose), for
    zksvs sequence and zksvs run. The keys are seeded (INSECURE: demo keys)."""
    from pipeline.outdir import RunFolder
    from pipeline.workload import write_workload

    folder = RunFolder(out)
    folder.claim(force)
    try:
        files = write_workload(
            out,
            n_rollups,
            n_txs,
            seed,
            accounts_per_rollup=accounts,
            account_depth=account_depth,
            capacity=capacity,
            bridge_depth=bridge_depth,
            signed=not unsigned,
        )
    except BaseException:
        folder.discard()
        raise
    _info(
        f"{files.n_txs:,} {'unsigned' if unsigned else 'signed'} transactions ({files.n_burns:,} burns and calls) "
        f"written to {files.txs}; genesis (K={n_rollups}, "
        f"D={account_depth}, M={files.bridge_depth}, B={capacity}) to {files.genesis}"
    )


@main.command()
@click.argument("txs_path", metavar="TXS.jsonl", type=_input_file())
@click.option("--genesis", "genesis_path", required=True, type=_input_file(), help="GENESIS.json of the rollups.")
@click.option(
    "--out",
    "out",
    default="zksvs-out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for OUT/sequencer.sqlite (created; must be empty unless --force).",
)
@_force_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def sequence(txs_path: str, genesis_path: str, out: str, force: bool, as_json: bool) -> None:
    """Run the sequencer alone on TXS.jsonl (durable store, group commit, no proving): tx/s, tx per CPU-second,
    receipt latency p50/p99, accepted/rejected counts, final state roots."""
    from pipeline.outdir import RunFolder
    from pipeline.sequence import sequence_workload
    from prover.warmup import prepare
    from sequencer import load_genesis

    genesis = load_genesis(genesis_path)
    folder = RunFolder(out, (txs_path, genesis_path))
    folder.claim(force)
    _announce_compile("sequencer")
    prepare("sequencer")  # compile (cold cache) or load the Poseidon kernels before the clock starts
    progress = make_console(quiet=_verbosity() == 0 or as_json)
    try:
        with progress.status(f"[bold]zksvs sequence {txs_path}[/bold]") as status:
            report = sequence_workload(
                genesis,
                txs_path,
                out,
                on_chunk=lambda n: status.update(f"[bold]zksvs sequence[/bold]: {n:,} submitted"),
            )
    except BaseException:
        folder.discard()
        raise
    j = report.to_json()
    if as_json:
        write_json(j, None)
        return
    rss = j["rss_mib"]
    rows = [
        ("transactions", f"{report.txs:,}"),
        ("accepted / rejected", f"{report.accepted:,} / {report.rejected:,}"),
        ("rejected by reason", ", ".join(f"{k} {v:,}" for k, v in j["rejected_by_reason"].items()) or "-"),
        ("shared batches", f"{report.shared_batches:,}"),
        ("tx/s (wall)", f"{report.txs_per_s:,.0f}"),
        ("tx per CPU-second (all threads)", f"{report.txs_per_cpu_s:,.0f}"),
        ("tx per CPU-second (submitting thread)", f"{report.txs_per_main_thread_cpu_s:,.0f}"),
        ("receipt latency p50 / p99 / max", f"{report.p50_ms:.2f} / {report.p99_ms:.2f} / {report.max_ms:.2f} ms"),
        ("commits (mean group)", f"{report.commit_groups:,} ({report.mean_group:.1f} tx)"),
        ("RSS first / peak / last", "-" if rss is None else f"{rss['first']} / {rss['peak']} / {rss['last']} MiB"),
        ("load average (1 min) start / end", f"{report.load_avg[0]:.2f} / {report.load_avg[1]:.2f}"),
        ("database", report.db_path),
    ]
    console = _results_console()
    console.print(render_table("zksvs sequence", ["", "value"], rows))
    roots = [(c, str(r)) for c, r in enumerate(report.state_roots)]
    console.print(render_table("final state roots", ["rollup", "state root"], roots))


_BENCH_MIN_LOG_N = 8
"""Smallest --sizes entry: a 2^8 domain holds one Poseidon(2) link (240 constraints) and the public inputs."""


@main.command()
@click.option(
    "--sizes", default="12,14,16", show_default=True, help="log2 sizes of the Poseidon chains, comma-separated."
)
@click.option(
    "--full", is_flag=True, help="Add 2^18 and 2^20 (2^20: our own R1CS, not circom; development keys; slow)."
)
@click.option("--runs", default=3, show_default=True, type=click.IntRange(1), help="Timed runs per prover and size.")
@click.option(
    "--warmup",
    "warmup_runs",
    default=1,
    show_default=True,
    type=click.IntRange(0),
    help="Untimed runs per prover and size first (0 for the slow 2^20: every process prover still starts cold).",
)
@click.option(
    "--provers",
    default="snarkjs,groth16py,groth16py-process,zksvs,zksvs-inproc,zksvs-server",
    show_default=True,
    help="Which provers to run (snarkjs always runs: its public.json is the reference).",
)
@click.option(
    "--out",
    "out",
    default="zksvs-out/bench",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for bench-dropin.json and bench-dropin.png.",
)
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Earlier bench-dropin.json to compare.")
@click.option(
    "--held-out",
    is_flag=True,
    help="Instead of the Poseidon chains: circom circuits the prover was not tuned on (MiMC chain, Pedersen, SHA-256).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def bench(
    sizes: str,
    full: bool,
    runs: int,
    warmup_runs: int,
    provers: str,
    out: str,
    baseline: str | None,
    held_out: bool,
    as_json: bool,
) -> None:
    """Benchmark zksvs prove against snarkjs and groth16py on the same .zkey + .wtns (circom Poseidon chains).

    Writes OUT/bench-dropin.json and OUT/bench-dropin.png; with --baseline, lists what got slower beyond noise
    (exit status 1 when something did).
    """
    from pipeline.bench import LARGE_SIZES, run_bench

    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"{sizes!r} is not a list of log2 sizes", param_hint="--sizes") from None
    if not size_list or not all(_BENCH_MIN_LOG_N <= s <= max(LARGE_SIZES) for s in size_list):
        raise click.BadParameter(
            f"{sizes!r}: each size must be {_BENCH_MIN_LOG_N}..{max(LARGE_SIZES)} (a 2^n domain)", param_hint="--sizes"
        )
    if full:
        size_list += [s for s in LARGE_SIZES if s not in size_list]
    try:
        report = run_bench(
            size_list,
            out,
            baseline,
            runs=runs,
            warmup=warmup_runs,
            provers=[p.strip() for p in provers.split(",") if p.strip()],
            console=make_console(quiet=as_json),
            held_out=held_out,
        )
    except ValueError as e:  # an unknown prover, a size with no key source, a baseline that is not a bench JSON
        raise click.UsageError(str(e)) from None
    except (RuntimeError, AssertionError) as e:  # a prover or tool process failed; a proof snarkjs rejects (BadProof)
        raise click.ClickException(f"bench failed: {e}") from None
    if as_json:
        write_json(report.results, None)
    sys.exit(1 if report.regressed else 0)


# --- keys and signatures (docs/signatures.md) -------------------------------------------------------------------


@main.group()
def keys() -> None:
    """EdDSA-Poseidon key pairs on Baby Jubjub (circomlibjs-compatible)."""


@keys.command("new")
@click.option("--seed", default=None, help="Derive the key from this seed (INSECURE: for tests and demos).")
@click.option("--json", "as_json", is_flag=True, help="Print the key pair as one JSON object.")
def keys_new(seed: str | None, as_json: bool) -> None:
    """Make a key pair: the private key (32 bytes, hex) and the public key (x, y as decimal strings)."""
    import json

    from zksvs.eddsa import new_private_key, private_key_from_seed, private_to_public, pubkey_to_obj

    if seed is not None:
        click.echo("zksvs: warning: a key derived from --seed is known to anyone who knows the seed", err=True)
    prv = new_private_key() if seed is None else private_key_from_seed(seed)
    pub = pubkey_to_obj(private_to_public(prv))
    if as_json:
        click.echo(json.dumps({"private_key": prv.hex(), "public_key": pub}))
    else:
        click.echo(f"private key  {prv.hex()}\npublic key   x {pub[0]}\n             y {pub[1]}")


@main.command()
@click.argument("tx_path", metavar="TX.json", type=_input_file())
@click.option(
    "--run",
    "run_dir",
    metavar="DIR",
    required=True,
    type=click.Path(file_okay=False),
    help="The run folder whose L1 state (DIR/l1.json) gets the transaction.",
)
@click.option(
    "--genesis",
    "genesis_path",
    metavar="GENESIS.json",
    type=_input_file(),
    help="Start DIR/l1.json from this genesis when the folder has none yet (batch 0, the genesis roots).",
)
@click.option(
    "--forced-deadline",
    default=None,
    type=click.IntRange(1),
    help="T of a new DIR/l1.json (default 2); an existing file keeps its own.",
)
def enqueue(tx_path: str, run_dir: str, genesis_path: str | None, forced_deadline: int | None) -> None:
    """Put the signed transaction of TX.json on the L1's forced-inclusion queue of its rollup, in DIR/l1.json.

    Anyone can enqueue; the sequencer must process the transaction (include it, or reject it with its reason)
    within T shared batches, or the L1 refuses its shared batch (check forced_inclusion). 'zksvs run … --out DIR'
    starts from the queue prepared here. Exit status 2 when the file is not a signed transaction or the L1 refuses
    it (the rule is named).
    """
    import json

    from pipeline.l1state import L1_FILE, L1State, load_l1_state
    from pipeline.outdir import check_output_file
    from sequencer import load_genesis
    from verifier.forced_queue import ForcedQueue
    from zksvs.errors import InputError, MalformedTransaction
    from zksvs.forced import DEFAULT_FORCED_DEADLINE

    folder = Path(run_dir)
    path = folder / L1_FILE
    if path.is_file():
        l1 = load_l1_state(path)
    elif genesis_path is None:
        raise InputError(f"{path} does not exist: give --genesis GENESIS.json to start the L1 state of a new run")
    else:
        from sequencer import Sequencer
        from zksvs.merkle import PYTHON_HASHER

        genesis = load_genesis(genesis_path)
        roots = list(Sequencer(genesis, hasher=PYTHON_HASHER).state_roots())
        shape = genesis.shape
        queue = ForcedQueue(shape.n_rollups, shape.account_depth, forced_deadline or DEFAULT_FORCED_DEADLINE)
        l1 = L1State(0, roots, queue)
        folder.mkdir(parents=True, exist_ok=True)
    try:
        obj = json.loads(Path(tx_path).read_text())
    except ValueError as e:
        raise MalformedTransaction(f"{tx_path}: not JSON ({e})") from None
    result = _enqueue_obj(l1.queue, obj, l1.batch_number, tx_path)
    check_output_file(path, "--run")
    l1.write(path)
    due = l1.batch_number + l1.queue.deadline
    click.echo(
        f"queued: rollup {result.chain_id}, entry {result.index}, at shared batch {l1.batch_number}; the sequencer "
        f"must process it by shared batch {due} ({path})"
    )


@main.command()
@click.argument("tx_path", metavar="TX.json", type=click.File("r"))
@click.option("--key", "key", required=True, help="Private key: 64 hex digits, or a file written by 'keys new --json'.")
def sign(tx_path, key: str) -> None:
    """Sign the transaction in TX.json ('-' for stdin) and print it signed, as one JSON line.

    TX.json may also hold one transaction a line (JSONL): each is signed with the key, one output line each.
    """
    import json

    from zksvs.errors import MalformedKey, MalformedTransaction
    from zksvs.tx_message import SIGNATURE_FIELDS, TxFields, sign_tx

    path = Path(key)
    if path.is_file():
        try:
            key = json.loads(path.read_text())["private_key"]
        except (ValueError, KeyError, TypeError) as e:
            raise MalformedKey(f"{key}: not a key file with a 'private_key' ({e})") from None
    try:
        prv = bytes.fromhex(key)
    except (ValueError, TypeError):
        raise MalformedKey("--key must be 64 hex digits or a key file") from None
    text = tx_path.read()
    try:
        objs = [json.loads(text)]
    except ValueError as e:  # maybe JSONL: one transaction a line (all signed with the same key)
        lines = [(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]
        if len(lines) < 2:
            raise MalformedTransaction(f"{tx_path.name}: not JSON ({e})") from None
        objs = []
        for n, ln in lines:
            try:
                objs.append(json.loads(ln))
            except ValueError as e2:
                raise MalformedTransaction(f"{tx_path.name}:{n}: not JSON ({e2})") from None
    for obj in objs:
        if isinstance(obj, dict) and SIGNATURE_FIELDS & set(obj):
            raise MalformedTransaction(f"{tx_path.name}: the transaction is already signed")
    click.echo("\n".join(json.dumps(sign_tx(TxFields.from_obj(obj), prv)) for obj in objs))


def _add_verbosity(group: click.Group) -> None:
    """Give the group and every command under it -q/-v (so ``zksvs prove … -q`` works as ``zksvs -q prove …``).

    Done when the command line is read, so commands defined anywhere in this module get them.
    """
    for cmd in [group, *group.commands.values()]:
        if not any(p.name == "quiet" for p in cmd.params):
            cmd.params.extend(_verbosity_params())
        if isinstance(cmd, click.Group) and cmd is not group:
            _add_verbosity(cmd)


if __name__ == "__main__":
    main()

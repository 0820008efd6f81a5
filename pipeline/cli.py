"""The ``zksvs`` command line (click): demo, run, and snarkjs-shaped key/proof commands (DESIGN.md §9).

snarkjs-shaped commands keep snarkjs's argument order and default file names, and ``verify`` exits 0 only for a
valid proof (1 for a rejected one, 2 for unusable input), as ``snarkjs groth16 verify`` does.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zksvs.errors import ZksvsError


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
    """Turns expected failures (ZksvsError) into one clear line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ZksvsError as e:
            click.echo(f"zksvs: error: {e}", err=True)
            ctx.exit(2)


@click.group(cls=_ZksvsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zksvs")
def main() -> None:
    """zksvs: ZK Shared Validity Sequencing over BN254 — sequencer, batch circuits, Groth16 prover, L1 settlement."""


# --- snarkjs-shaped commands ------------------------------------------------------------------------------------


@main.command()
@click.argument("vk_path", metavar="VK.json", default="verification_key.json", type=click.Path(dir_okay=False))
@click.argument("public_path", metavar="PUBLIC.json", default="public.json", type=click.Path(dir_okay=False))
@click.argument("proof_path", metavar="PROOF.json", default="proof.json", type=click.Path(dir_okay=False))
def verify(vk_path: str, public_path: str, proof_path: str) -> None:
    """Verify a Groth16 proof (snarkjs JSON files). Exit 0: valid; 1: invalid; 2: unusable input."""
    from verifier.groth16 import verify_proof
    from zksvs.formats.snarkjs_json import read_proof, read_public_inputs, read_verifying_key

    vk = read_verifying_key(vk_path)
    ok = verify_proof(vk, read_proof(proof_path), read_public_inputs(public_path))
    click.echo("OK!" if ok else "INVALID proof", err=not ok)
    sys.exit(0 if ok else 1)


@main.group()
def export() -> None:
    """Export data from key files."""


@export.command("verificationkey")
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=click.Path(exists=True, dir_okay=False))
@click.argument("vk_path", metavar="VK.json", default="verification_key.json", type=click.Path(dir_okay=False))
def export_verificationkey(zkey_path: str, vk_path: str) -> None:
    """Write the verifying key of a Groth16 .zkey as snarkjs verification_key.json."""
    from zksvs.formats.snarkjs_json import write_verifying_key
    from zksvs.formats.zkey_file import read_zkey

    write_verifying_key(read_zkey(zkey_path).proving_key.vk, vk_path)
    click.echo(f"verifying key written to {vk_path}", err=True)


@main.command()
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=click.Path(exists=True, dir_okay=False))
@click.argument("wtns_path", metavar="WITNESS.wtns", type=click.Path(exists=True, dir_okay=False))
@click.argument("proof_path", metavar="PROOF.json", default="proof.json", type=click.Path(dir_okay=False))
@click.argument("public_path", metavar="PUBLIC.json", default="public.json", type=click.Path(dir_okay=False))
@click.option("--timings", is_flag=True, help="Print the time of each proving stage (and of loading the kernels).")
@click.option(
    "--check",
    is_flag=True,
    help="Refuse an unsatisfying witness (exit 2, nothing written): the proof must pass the key's own verifying key.",
)
@click.option(
    "--r1cs",
    "r1cs_path",
    type=click.Path(exists=True, dir_okay=False),
    help="With --check: the circuit's .r1cs, checked before proving; names the first unsatisfied constraint.",
)
def prove(
    zkey_path: str, wtns_path: str, proof_path: str, public_path: str, timings: bool, check: bool, r1cs_path: str | None
) -> None:
    """Prove from a snarkjs Groth16 .zkey and a .wtns (drop-in for ``snarkjs groth16 prove``).

    The first run on a machine compiles the prover's kernels (announced on stderr; about a minute); later runs load
    them from numba's cache. --timings shows that apart from the proving stages.
    """
    from prover.startup import lean_numba
    from prover.warmup import kernel_cache_state, prepare

    lean_numba()  # one proof per process: skip numba's SciPy/cffi imports (prover.startup)

    state = kernel_cache_state("prove")
    if state.message:
        click.echo(state.message, err=True)
    kernels = prepare("prove")
    if r1cs_path is not None or check:
        _check_witness(zkey_path, wtns_path, r1cs_path)
    from prover import prove_from_zkey
    from zksvs.formats.snarkjs_json import write_proof, write_public_inputs

    proof, public_inputs, stage_seconds = prove_from_zkey(zkey_path, wtns_path)
    if check:
        _check_proof(zkey_path, proof, public_inputs)
    write_proof(proof, proof_path)
    write_public_inputs(public_inputs, public_path)
    if timings:
        what = "compile kernels (once per machine)" if kernels.compiled else "load kernels (numba cache)"
        rows = [(what, round(kernels.total_s * 1000, 1))]
        rows += [(name, round(s * 1000, 1)) for name, s in stage_seconds.items()]
        rows.append(("stages total", round(sum(stage_seconds.values()) * 1000, 1)))
        make_console().print(render_table("prove stages", ["stage", "ms"], rows))


def _check_witness(zkey_path: str, wtns_path: str, r1cs_path: str | None) -> None:
    """``prove --check --r1cs``: the R1CS must be the zkey's circuit and the witness must satisfy it (numba check)."""
    if r1cs_path is None:
        return
    from prover import check_witness
    from prover.warmup import kernel_cache_state, prepare
    from zksvs.errors import InvalidWitness
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
    state = kernel_cache_state("check")
    if state.message:
        click.echo(state.message, err=True)
    prepare("check")
    try:
        check_witness(r1cs, read_wtns_limbs(wtns_path))
    except InvalidWitness as e:
        raise InvalidWitness(f"{wtns_path}: {e}") from None


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
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", type=click.Path(exists=True, dir_okay=False))
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=click.Path(dir_okay=False))
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
        f"INSECURE development key written to {zkey_path} ({r1cs.n_constraints} constraints, "
        f"{time.perf_counter() - t0:.1f} s)",
        err=True,
    )


@main.command("setup")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", type=click.Path(exists=True, dir_okay=False))
@click.argument("ptau_path", metavar="POT.ptau", type=click.Path(exists=True, dir_okay=False))
@click.argument("zkey_path", metavar="CIRCUIT.zkey", type=click.Path(dir_okay=False))
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
    type=click.Choice(["prove", "check", "setup", "phase2"]),
    help="Only these kernel groups (repeatable; default: all).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def warmup_cmd(groups: tuple[str, ...], as_json: bool) -> None:
    """Compile every prover kernel once (later commands load them from numba's cache) and report per kernel."""
    from prover.warmup import GROUPS, kernel_cache_state, warmup

    groups = groups or GROUPS
    estimate = sum(kernel_cache_state(g).estimate_s for g in groups)
    if estimate and not as_json:
        click.echo(f"compiling kernels (once per machine, ~{estimate:.0f} s)…", err=True)
    report = warmup(groups)
    if as_json:
        write_json(report.to_json(), None)
        return
    rows = [(r.kernel, r.group, r.step, r.status, round(r.seconds, 3)) for r in report.rows]
    caption = f"{report.compiled} compiled, {len(report.rows) - report.compiled} loaded or in memory"
    make_console().print(render_table(
        f"prover kernels: {report.total_s:.1f} s", ["kernel", "group", "step", "status", "s"], rows, caption
    ))  # fmt: skip


def _out_dir(out: str | None) -> Path:
    return Path(out) if out else Path("zksvs-out")


# --- the main job -----------------------------------------------------------------------------------------------


def _root_check_option(f):
    return click.option(
        "--root-check",
        type=click.Choice(["openings", "proof", "both"]),
        default="both",
        show_default=True,
        help="How the L1 checks burn root == mint root: Merkle openings, the cross-rollup proof, or both.",
    )(f)


@main.command()
@click.option("--rollups", "n_rollups", default=4, show_default=True, type=click.IntRange(2, 8), help="K rollups.")
@click.option("--txs", "n_txs", default=24, show_default=True, type=click.IntRange(1), help="Transactions.")
@click.option("--capacity", default=4, show_default=True, type=click.IntRange(1), help="B slots per rollup batch.")
@click.option("--account-depth", default=8, show_default=True, type=click.IntRange(1, 32), help="D.")
@click.option("--bridge-depth", default=4, show_default=True, type=click.IntRange(1, 32), help="M.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the workload and genesis.")
@click.option("--out", "out", default="zksvs-out", show_default=True, type=click.Path(file_okay=False))
@_root_check_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def demo(
    n_rollups: int,
    n_txs: int,
    capacity: int,
    account_depth: int,
    bridge_depth: int,
    seed: int,
    out: str,
    root_check: str,
    as_json: bool,
) -> None:
    """Run a seeded workload through sequencer → circuits → prover → L1 settlement and print the results."""
    from pipeline.workload import demo_workload
    from sequencer import demo_genesis, dump_genesis
    from sequencer.genesis import find_whale

    genesis = demo_genesis(
        n_rollups,
        accounts_per_rollup=min(8, 1 << account_depth),
        account_depth=account_depth,
        bridge_depth=bridge_depth,
        capacity=capacity,
        seed=seed,
    )
    txs = demo_workload(genesis.balances(), n_txs, seed, whale=find_whale(genesis))
    Path(out).mkdir(parents=True, exist_ok=True)
    dump_genesis(genesis, Path(out) / "genesis.json")
    _write_jsonl(txs, Path(out) / "txs.jsonl")
    _run_and_report(
        genesis,
        list(enumerate(txs, start=1)),
        out,
        root_check,
        as_json,
        title="zksvs demo",
        source=str(Path(out) / "txs.jsonl"),
    )


@main.command()
@click.argument("txs_path", metavar="TXS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--genesis", "genesis_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", default="zksvs-out", show_default=True, type=click.Path(file_okay=False))
@_root_check_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def run(txs_path: str, genesis_path: str, out: str, root_check: str, as_json: bool) -> None:
    """Run the transactions of TXS.jsonl (one JSON object a line) on the rollups of --genesis."""
    from sequencer import load_genesis, read_jsonl

    genesis = load_genesis(genesis_path)
    items = read_jsonl(txs_path)
    _run_and_report(genesis, items, out, root_check, as_json, title=f"zksvs run {txs_path}", source=txs_path)


def _write_jsonl(txs: list[dict], path: Path) -> None:
    import json

    path.write_text("".join(json.dumps(t) + "\n" for t in txs))


def _run_and_report(genesis, items, out: str, root_check: str, as_json: bool, title: str, source: str) -> None:
    """Run the pipeline with a status line per stage; print every rejected line, the tables (or JSON).

    Exit status 0 when every shared batch settled, 1 otherwise (also when no transaction was included).
    """
    import warnings

    from pipeline.run import run_pipeline
    from prover import InsecureSetupWarning

    # the development setup already says INSECURE on stderr for each key it makes; once is enough here
    warnings.simplefilter("ignore", InsecureSetupWarning)
    console = make_console(quiet=as_json)
    t0 = time.perf_counter()
    with console.status(f"[bold]{title}[/bold]: starting") as status:

        def stage(name: str) -> None:
            status.update(f"[bold]{title}[/bold]: {name}")
            if not console.is_terminal:
                console.print(f"  {time.perf_counter() - t0:7.1f} s  {name}")

        result = run_pipeline(genesis, items, out, root_check=root_check, stage=stage)
    if as_json:
        write_json(result.to_json(), None)
    else:
        for r in result.rejections:
            console.print(
                f"{source}:{r['arrival']}: rejected ({r['reason']}): {r['message']}", markup=False, soft_wrap=True
            )
        _print_report(console, result, time.perf_counter() - t0)
    sys.exit(0 if result.all_settled else 1)


def _print_report(console, result, wall_s: float) -> None:
    from pipeline.report import report_tables

    for table in report_tables(result, wall_s):
        console.print(table)


@main.command()
@click.option(
    "--sizes", default="12,14,16", show_default=True, help="log2 sizes of the Poseidon chains, comma-separated."
)
@click.option(
    "--full", is_flag=True, help="Add 2^18 and 2^20 (2^20: our own R1CS, not circom; development keys; slow)."
)
@click.option("--runs", default=3, show_default=True, type=click.IntRange(1), help="Timed runs per prover and size.")
@click.option(
    "--provers",
    default="snarkjs,groth16py,groth16py-process,zksvs,zksvs-inproc",
    show_default=True,
    help="Which provers to run (snarkjs always runs: its public.json is the reference).",
)
@click.option("--out", "out", default="zksvs-out/bench", show_default=True, type=click.Path(file_okay=False))
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Earlier bench-dropin.json to compare.")
@click.option(
    "--held-out",
    is_flag=True,
    help="Instead of the Poseidon chains: circom circuits the prover was not tuned on (MiMC chain, Pedersen, SHA-256).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def bench(
    sizes: str, full: bool, runs: int, provers: str, out: str, baseline: str | None, held_out: bool, as_json: bool
) -> None:
    """Benchmark zksvs prove against snarkjs and groth16py on the same .zkey + .wtns (circom Poseidon chains).

    Writes OUT/bench-dropin.json and OUT/bench-dropin.png; with --baseline, lists what got slower beyond noise
    (exit status 1 when something did).
    """
    from pipeline.bench import LARGE_SIZES, run_bench

    size_list = [int(s) for s in sizes.split(",") if s.strip()]
    if full:
        size_list += [s for s in LARGE_SIZES if s not in size_list]
    report = run_bench(
        size_list,
        out,
        baseline,
        runs=runs,
        provers=[p.strip() for p in provers.split(",") if p.strip()],
        console=make_console(quiet=as_json),
        held_out=held_out,
    )
    if as_json:
        write_json(report.results, None)
    sys.exit(1 if report.regressed else 0)


if __name__ == "__main__":
    main()

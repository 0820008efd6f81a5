"""The ``zksvs`` command line (click): demo, run, and snarkjs-shaped key/proof commands (DESIGN.md §9).

snarkjs-shaped commands keep snarkjs's argument order and default file names, and ``verify`` exits 0 only for a
valid proof (1 for a rejected one, 2 for unusable input), as ``snarkjs groth16 verify`` does.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from pipeline.progress import make_console, render_table, write_json
from zksvs.errors import ZksvsError


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
@click.option("--timings", is_flag=True, help="Print the time of each proving stage.")
def prove(zkey_path: str, wtns_path: str, proof_path: str, public_path: str, timings: bool) -> None:
    """Prove from a snarkjs Groth16 .zkey and a .wtns (drop-in for ``snarkjs groth16 prove``)."""
    from prover import prove_from_zkey
    from zksvs.formats.snarkjs_json import write_proof, write_public_inputs

    proof, public_inputs, stage_seconds = prove_from_zkey(zkey_path, wtns_path)
    write_proof(proof, proof_path)
    write_public_inputs(public_inputs, public_path)
    if timings:
        console = make_console()
        rows = [(name, round(s * 1000, 1)) for name, s in stage_seconds.items()]
        console.print(render_table("prove stages", ["stage", "ms"], rows))


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
    pk = setup_from_ptau(r1cs, ptau_path)
    write_zkey(pk, r1cs.to_matrices(include_c=False), zkey_path)
    click.echo(f"key written to {zkey_path}", err=True)


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


# --- the sequencer alone at load (issue 13) -----------------------------------------------------------------------


@main.command()
@click.option("--rollups", "n_rollups", default=4, show_default=True, type=click.IntRange(2, 8), help="K rollups.")
@click.option("--txs", "n_txs", default=10_000, show_default=True, type=click.IntRange(1), help="Transactions.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the genesis balances and the workload.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the two files.")
@click.option("--accounts", default=32, show_default=True, type=click.IntRange(1), help="Accounts per rollup.")
@click.option("--account-depth", default=8, show_default=True, type=click.IntRange(1, 32), help="D (levels).")
@click.option("--capacity", default=32, show_default=True, type=click.IntRange(1), help="B slots per rollup batch.")
@click.option(
    "--bridge-depth",
    default=None,
    type=click.IntRange(1, 32),
    help="M (levels); default: the least M ≥ 4 with room for every burn of the busiest pair.",
)
def workload(
    n_rollups: int,
    n_txs: int,
    seed: int,
    out: str,
    accounts: int,
    account_depth: int,
    capacity: int,
    bridge_depth: int | None,
) -> None:
    """Write a seeded OUT/genesis.json and OUT/txs.jsonl of any size (transfers, burns, 1 in 8 rejected on purpose)."""
    from pipeline.workload import write_workload

    files = write_workload(
        out,
        n_rollups,
        n_txs,
        seed,
        accounts_per_rollup=accounts,
        account_depth=account_depth,
        capacity=capacity,
        bridge_depth=bridge_depth,
    )
    click.echo(
        f"{files.n_txs:,} transactions ({files.n_burns:,} burns) written to {files.txs}; genesis (K={n_rollups}, "
        f"D={account_depth}, M={files.bridge_depth}, B={capacity}) to {files.genesis}",
        err=True,
    )


@main.command()
@click.argument("txs_path", metavar="TXS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--genesis", "genesis_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out",
    "out",
    default="zksvs-out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="For sequencer.sqlite.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def sequence(txs_path: str, genesis_path: str, out: str, as_json: bool) -> None:
    """Run the sequencer alone (durable store, no proving) on TXS.jsonl: tx/s, receipt latency, final roots."""
    from pipeline.sequence import sequence_workload
    from sequencer import load_genesis

    genesis = load_genesis(genesis_path)
    console = make_console(quiet=as_json)
    with console.status(f"[bold]zksvs sequence {txs_path}[/bold]") as status:
        report = sequence_workload(
            genesis, txs_path, out, on_chunk=lambda n: status.update(f"[bold]zksvs sequence[/bold]: {n:,} submitted")
        )
    if as_json:
        write_json(report.to_json(), None)
        return
    j = report.to_json()
    rows = [
        ("transactions", f"{report.txs:,}"),
        ("accepted / rejected", f"{report.accepted:,} / {report.rejected:,}"),
        ("rejected by reason", ", ".join(f"{k} {v:,}" for k, v in j["rejected_by_reason"].items()) or "-"),
        ("shared batches", f"{report.shared_batches:,}"),
        ("tx/s (wall)", f"{report.txs_per_s:,.0f}"),
        ("tx per CPU-second", f"{report.txs_per_cpu_s:,.0f}"),
        ("receipt latency p50 / p99 / max", f"{report.p50_ms:.2f} / {report.p99_ms:.2f} / {report.max_ms:.2f} ms"),
        ("commits (mean group)", f"{report.commit_groups:,} ({report.mean_group:.1f} tx)"),
        (
            "RSS first / peak / last",
            "-" if j["rss_mib"] is None else "{first} / {peak} / {last} MiB".format(**j["rss_mib"]),
        ),
        ("load average (1 min) start / end", f"{report.load_avg[0]:.2f} / {report.load_avg[1]:.2f}"),
        ("database", report.db_path),
    ]
    console.print(render_table("zksvs sequence", ["", "value"], rows))
    roots = [(c, str(r)) for c, r in enumerate(report.state_roots)]
    console.print(render_table("final state roots", ["rollup", "state root"], roots))


@main.command()
@click.option(
    "--sizes", default="12,14,16", show_default=True, help="log2 sizes of the Poseidon chains, comma-separated."
)
@click.option("--full", is_flag=True, help="Add 2^18 and 2^20 (keys from zksvs devsetup; slow).")
@click.option("--runs", default=3, show_default=True, type=click.IntRange(1), help="Timed runs per prover and size.")
@click.option(
    "--provers",
    default="snarkjs,groth16py,zksvs,zksvs-inproc",
    show_default=True,
    help="Which provers to run (snarkjs always runs: its public.json is the reference).",
)
@click.option("--out", "out", default="zksvs-out/bench", show_default=True, type=click.Path(file_okay=False))
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Earlier bench-dropin.json to compare.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def bench(sizes: str, full: bool, runs: int, provers: str, out: str, baseline: str | None, as_json: bool) -> None:
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
    )
    if as_json:
        write_json(report.results, None)
    sys.exit(1 if report.regressed else 0)


if __name__ == "__main__":
    main()

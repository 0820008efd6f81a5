"""Issue 4: ``zksvs demo`` end to end, as a user runs it (a subprocess of ``python -m pipeline.cli``).

Small shape (K = 2, B = 2, D = 3, M = 2) and 10 transactions of the seeded demo workload. Checked:
- exit status 0, and the ``--json`` report says every shared batch was accepted;
- the rejected transactions are exactly those a plain-Python model of the rules (balances and nonces as ints, read
  from the genesis.json and txs.jsonl the demo wrote) rejects, with the same reasons, and they include the three
  kinds the workload injects from 8 transactions on: an overdraft, a bad nonce, a burn whose mint would pass 2^64 − 1;
- the output folder of DESIGN.md §9: batch-<n>/rollup-<c>/ and batch-<n>/cross/ with circuit.r1cs, witness.wtns,
  verification_key.json, proof.json and public.json, plus settlement.json, for every shared batch;
- ``snarkjs groth16 verify`` (the oracle) accepts every proof.json written, and the public.json files chain: each
  batch's old roots are the previous batch's new roots, and the cross-rollup proof is on the batch's new roots.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.oracles.node import snarkjs

pytestmark = [pytest.mark.prover, pytest.mark.node, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
K = 2
FILES = {"circuit.r1cs", "witness.wtns", "verification_key.json", "proof.json", "public.json"}
U64_MAX = (1 << 64) - 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Run the demo once; returns (completed process, parsed --json report, output folder)."""
    out = tmp_path_factory.mktemp("demo") / "out"
    cmd = [sys.executable, "-m", "pipeline.cli", "demo", "--rollups", str(K), "--txs", "10", "--capacity", "2"]
    cmd += ["--account-depth", "3", "--bridge-depth", "2", "--out", str(out), "--json"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc, json.loads(proc.stdout), out


def model_rejections(genesis: dict, txs: list[dict], first: list[dict] = ()) -> dict[int, str]:
    """Line number → reason for every transaction the rules of protocol v2 reject (plain ints; SVS: a trigger whose
    action fails is rejected whole). Checks in the order docs/formats.md lists: accounts, signature, nonce, balance,
    then the credit or the action. Transfers, burns (= MINT calls) and COND calls are modelled; anything else fails
    the test (the model must grow with the workload). ``first`` (forced transactions processed before line 1) run
    first, unnumbered."""
    from zksvs.eddsa import verify_poseidon
    from zksvs.tx_message import parse_signed_tx

    def key(a: dict) -> tuple[int, int]:
        return tuple(int(v) for v in a["pubkey"]) if "pubkey" in a else (int(a["pubkey_x"]), int(a["pubkey_y"]))

    bal = {r["chain_id"]: {a["index"]: a["balance"] for a in r["accounts"]} for r in genesis["rollups"]}
    nonce = {r["chain_id"]: {a["index"]: a.get("nonce", 0) for a in r["accounts"]} for r in genesis["rollups"]}
    keys = {r["chain_id"]: {a["index"]: key(a) for a in r["accounts"]} for r in genesis["rollups"]}
    messages = {}
    rejected = {}
    for line, tx in enumerate([*first, *txs], start=1 - len(first)):
        c, frm, to, amount = tx["chain"], tx["from"], tx["to"], int(tx["amount"])
        dst = tx.get("to_chain", c)
        program = tx.get("program", "mint" if tx["kind"] == "burn" else None)
        assert tx["kind"] in ("transfer", "burn", "call") and program in (None, "mint", "cond"), tx
        assert "to_pubkey" not in tx, tx  # account creation is not modelled here
        if c not in bal or dst not in bal:
            rejected[line] = "unknown_rollup"
            continue
        if frm not in bal[c] or to not in bal[dst]:
            rejected[line] = "unknown_account"
            continue
        fields, signature, _ = parse_signed_tx(tx)
        if not verify_poseidon(fields.message(), signature, keys[c][frm]):
            rejected[line] = "bad_signature"
            continue
        if int(tx["nonce"]) != nonce[c][frm]:
            rejected[line] = "bad_nonce"
            continue
        if amount > bal[c][frm]:
            rejected[line] = "overdraft"
            continue
        after_debit = bal[dst][to] - (amount if (dst, to) == (c, frm) else 0)
        if tx["kind"] == "transfer" and after_debit + amount > U64_MAX:
            rejected[line] = "balance_overflow"
            continue
        if tx["kind"] != "transfer":
            if messages.get((c, dst), 0) >= 1 << genesis["bridge_depth"]:
                rejected[line] = "bridge_full"
                continue
            cap = int(tx["payload"]) if program == "cond" else U64_MAX
            if after_debit + amount > min(cap, U64_MAX):  # MINT: overflow; COND: past its cap
                rejected[line] = "action_failed"
                continue
            messages[(c, dst)] = messages.get((c, dst), 0) + 1
        bal[c][frm] -= amount
        bal[dst][to] += amount
        nonce[c][frm] += 1
    return {line: why for line, why in rejected.items() if line >= 1}


def test_demo_settles_every_shared_batch(demo):
    _, report, out = demo
    assert report["all_settled"] is True
    settlements = report["settlements"]
    assert settlements and all(s["accepted"] and s["failed_check"] is None for s in settlements)
    assert [s["batch_number"] for s in settlements] == list(range(len(settlements)))
    saved = json.loads((out / "settlement.json").read_text())["settlements"]
    assert saved == settlements


def test_demo_rejects_what_the_rules_reject(demo):
    _, report, out = demo
    genesis = json.loads((out / "genesis.json").read_text())
    txs = [json.loads(line) for line in (out / "txs.jsonl").read_text().splitlines()]
    assert len(txs) == 10
    # the demo's forced transaction is due at once: it runs before line 1
    forced = [f["tx"] for f in report["forced"] if f["status"] == "accepted"]
    expected = model_rejections(genesis, txs, forced)
    got = {r["arrival"]: r["reason"] for r in report["rejections"]}
    assert got == expected
    assert {"overdraft", "bad_signature", "action_failed"} <= set(got.values())
    assert report["receipts"] == len(txs) - len(expected)
    # every rejection names its transaction and says why
    for r in report["rejections"]:
        assert r["tx"] == txs[r["arrival"] - 1] and r["message"]


def test_demo_without_a_forced_queue_settles_on_the_evm(demo):
    _, report, out = demo
    assert report["forced"] == []
    settlement = json.loads((out / "settlement.json").read_text())
    batches = settlement["settlements"]
    assert batches and all(b["evm"]["accepted"] and b["evm"]["gas_used"] > 0 for b in batches)


def test_demo_writes_the_output_folder(demo):
    _, report, out = demo
    n_batches = len(report["settlements"])
    assert sorted(p.name for p in out.glob("batch-*")) == sorted(f"batch-{n}" for n in range(n_batches))
    for n in range(n_batches):
        circuits = sorted(p.name for p in (out / f"batch-{n}").iterdir())
        assert circuits == ["cross"] + [f"rollup-{c}" for c in range(K)]
        for name in circuits:
            assert {p.name for p in (out / f"batch-{n}" / name).iterdir()} == FILES
    assert (out / "settlement.json").is_file()
    # one proof entry per rollup and per cross circuit per batch, pointing into the folder
    assert sorted((p["batch_number"], p["chain_id"] is None) for p in report["proofs"]) == sorted(
        [(n, False) for n in range(n_batches) for _ in range(K)] + [(n, True) for n in range(n_batches)]
    )


def test_demo_public_inputs_chain_across_batches(demo):
    _, report, out = demo
    n_batches = len(report["settlements"])
    roots = None
    for n in range(n_batches):
        publics = [json.loads((out / f"batch-{n}" / f"rollup-{c}" / "public.json").read_text()) for c in range(K)]
        assert [int(p[0]) for p in publics] == list(range(K))
        if roots is not None:
            assert [p[1] for p in publics] == roots
        roots = [p[2] for p in publics]
        assert json.loads((out / f"batch-{n}" / "cross" / "public.json").read_text()) == roots
        assert report["settlements"][n]["new_state_roots"] == {str(c): roots[c] for c in range(K)}
    assert report["final_state_roots"] == roots


def test_demo_says_insecure_once_and_writes_its_inputs_and_state(demo):
    proc, report, out = demo
    insecure = [ln for ln in proc.stderr.splitlines() if "INSECURE" in ln]
    assert len(insecure) == 1 and insecure[0].startswith("zksvs: warning: INSECURE"), insecure
    assert "UserWarning" not in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads((out / "run.json").read_text()) == report
    state = json.loads((out / "state.json").read_text())
    assert [r["state_root"] for r in state["final"]["rollups"]] == report["final_state_roots"]


def test_snarkjs_verifies_every_proof_the_demo_wrote(demo, node_tools):
    _, report, out = demo
    dirs = sorted(p.parent for p in out.glob("batch-*/*/proof.json"))
    assert len(dirs) == len(report["settlements"]) * (K + 1)
    for d in dirs:
        proc = snarkjs("groth16", "verify", d / "verification_key.json", d / "public.json", d / "proof.json")
        assert "OK!" in proc.stdout, d

"""``zksvs keys new`` and ``zksvs sign`` as a user runs them (``python -m pipeline.cli``, a subprocess each).

Oracle: circomlibjs 0.1.7 (``prv2pub``, ``signPoseidon``, ``verifyPoseidon``) run by node on the private key the
command printed and the message of the transaction (``zksvs.tx_message``, checked against circomlibjs's Poseidon in
tests/core/test_tx_message.py): the printed public key and signature must be circomlibjs's, bit for bit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.oracles.eddsa import circomlibjs, point
from zksvs.tx_message import TxFields

ROOT = Path(__file__).resolve().parents[2]
TX = {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}


def _zksvs(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pipeline.cli", *args]
    return subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, text=True, check=False, timeout=120)


def _one_error_line(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.mark.node
def test_keys_new_and_sign_match_circomlibjs(tmp_path, node_tools):
    new = _zksvs("keys", "new", "--seed", "alice", "--json")
    assert new.returncode == 0 and "warning" in new.stderr
    pair = json.loads(new.stdout)
    assert set(pair) == {"private_key", "public_key"} and len(pair["private_key"]) == 64
    assert _zksvs("keys", "new", "--seed", "alice", "--json").stdout == new.stdout  # deterministic in the seed
    key_file = tmp_path / "alice.json"
    key_file.write_text(new.stdout)
    (tmp_path / "tx.json").write_text(json.dumps(TX))

    signed_file = _zksvs("sign", str(tmp_path / "tx.json"), "--key", str(key_file))
    signed_hex = _zksvs("sign", "-", "--key", pair["private_key"], stdin=json.dumps(TX))
    assert signed_file.returncode == 0 and signed_file.stdout == signed_hex.stdout
    signed = json.loads(signed_file.stdout)
    assert {k: signed[k] for k in TX} == TX and set(signed) == set(TX) | {"pubkey", "signature"}

    prv, msg = bytes.fromhex(pair["private_key"]), TxFields.from_obj(TX).message()
    sig = signed["signature"]
    pub_js, sig_js, ok = circomlibjs(
        [
            {"op": "prv2pub", "prv": prv},
            {"op": "sign", "prv": prv, "msg": msg},
            {"op": "verify", "msg": msg, "r8": point(sig["r8"]), "s": int(sig["s"]), "a": point(signed["pubkey"])},
        ]
    )
    assert pair["public_key"] == signed["pubkey"] == pub_js
    assert sig == {"r8": sig_js["r8"], "s": sig_js["s"]}
    assert ok is True


def test_keys_new_without_seed_is_random_and_readable():
    a, b = _zksvs("keys", "new"), _zksvs("keys", "new", "--json")
    assert a.returncode == b.returncode == 0 and a.stderr == b.stderr == ""
    assert a.stdout.startswith("private key  ") and "public key   x " in a.stdout
    assert json.loads(b.stdout)["private_key"] not in a.stdout


def test_sign_errors_are_one_line_with_exit_2(tmp_path):
    key = "11" * 32
    _one_error_line(_zksvs("sign", "-", "--key", key, stdin="{not json"), "<stdin>: not JSON")
    _one_error_line(_zksvs("sign", "-", "--key", key, stdin='{"kind": "mint"}'), "kind", "mints are made by")
    bad_amount = json.dumps({**TX, "amount": -1})
    _one_error_line(_zksvs("sign", "-", "--key", key, stdin=bad_amount), "field 'amount' must be in")
    _one_error_line(_zksvs("sign", "-", "--key", "zz", stdin=json.dumps(TX)), "--key must be 64 hex digits")
    _one_error_line(_zksvs("sign", "-", "--key", "abcd", stdin=json.dumps(TX)), "private_key must be 32 bytes")
    (tmp_path / "k.json").write_text('{"public_key": []}')
    _one_error_line(_zksvs("sign", "-", "--key", str(tmp_path / "k.json"), stdin=json.dumps(TX)), "not a key file")
    signed = _zksvs("sign", "-", "--key", key, stdin=json.dumps(TX)).stdout
    _one_error_line(_zksvs("sign", "-", "--key", key, stdin=signed), "already signed")
    missing = _zksvs("sign", str(tmp_path / "nope.json"), "--key", key)
    assert missing.returncode == 2 and "nope.json" in missing.stderr and "Traceback" not in missing.stderr


def test_sign_signs_every_line_of_a_jsonl_file():
    key = "22" * 32
    txs = [TX, {**TX, "nonce": 2}, {"kind": "transfer", "chain": 1, "from": 0, "to": 4, "amount": 1, "nonce": 0}]
    proc = _zksvs("sign", "-", "--key", key, stdin="\n".join(json.dumps(t) for t in txs) + "\n\n")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(ln) for ln in proc.stdout.splitlines()]
    one = [json.loads(_zksvs("sign", "-", "--key", key, stdin=json.dumps(t)).stdout) for t in txs]
    assert lines == one
    _one_error_line(_zksvs("sign", "-", "--key", key, stdin=json.dumps(TX) + "\n{bad\n"), "<stdin>:2: not JSON")

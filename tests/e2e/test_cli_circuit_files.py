"""Issue 11: ``zksvs r1cs info`` and ``zksvs wtns check`` on a circom circuit, against snarkjs, with circom's names.

Oracles: circom2 0.2.23 compiles the circuit below with ``--sym`` in the test run; snarkjs 0.7.6 computes its witness
(``wtns calculate``), prints its counts (``r1cs info``) and judges witnesses (``wtns check``). The signal names
expected in our message are written here by hand from the circuit source (circom names them ``main.<signal>``).
"""

from __future__ import annotations

import json
import re

import pytest

from bench.circom.build import NODE_MODULES, scratch_dir
from tests.e2e.cli_helpers import error_line, zksvs
from tests.oracles.node import snarkjs
from zksvs.field import FR_MODULUS
from zksvs.formats.wtns_file import read_wtns, write_wtns

pytestmark = [pytest.mark.node]

CIRCUIT = """pragma circom 2.0.0;
template Mul() {
    signal input a;
    signal input b;
    signal output c;
    signal t;
    t <== a * b;
    c <== t * b + a;
}
component main {public [a]} = Mul();
"""


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture(scope="module")
def mul(node_tools):
    """The compiled circuit, its .sym, and snarkjs's witness for a = 3, b = 5 (so t = 15, c = 78)."""
    import subprocess

    d = scratch_dir("cli-mul-")
    (d / "mul.circom").write_text(CIRCUIT)
    cmd = ["node", str(NODE_MODULES / "circom2" / "cli.js"), "mul.circom", "--r1cs", "--wasm", "--sym", "-o", "."]
    proc = subprocess.run(cmd, cwd=d, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (d / "input.json").write_text(json.dumps({"a": "3", "b": "5"}))
    snarkjs("wtns", "calculate", d / "mul_js" / "mul.wasm", d / "input.json", d / "mul.wtns")
    return d


def test_r1cs_info_prints_what_snarkjs_prints(mul):
    theirs = _plain(snarkjs("r1cs", "info", mul / "mul.r1cs").stdout)
    expected = [ln.split("snarkJS: ", 1)[1] for ln in theirs.splitlines() if "snarkJS: " in ln]
    assert len(expected) == 7, theirs
    proc = zksvs("r1cs", "info", mul / "mul.r1cs")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected
    info = json.loads(zksvs("r1cs", "info", mul / "mul.r1cs", "--json").stdout)
    # one output (c), one public input (a), one private input (b): as the source declares
    assert (info["outputs"], info["public_inputs"], info["private_inputs"]) == (1, 1, 1)


def test_wtns_check_of_the_good_witness(mul):
    assert "WITNESS IS CORRECT" in _plain(snarkjs("wtns", "check", mul / "mul.r1cs", mul / "mul.wtns").stdout)
    proc = zksvs("wtns", "check", mul / "mul.r1cs", mul / "mul.wtns")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK: the witness satisfies all ")


@pytest.mark.parametrize(
    ("wire", "value", "signals"),
    [
        (4, 16, "main.a, main.b, main.t"),  # t = 16: t = a·b fails
        (1, 77, "main.c, main.a, main.b, main.t"),  # c = 77: t = a·b holds, c = t·b + a fails
    ],
    ids=["t-wrong", "c-wrong"],
)
def test_wtns_check_names_the_constraint_snarkjs_names_and_its_signals(mul, tmp_path, wire, value, signals):
    values = list(read_wtns(mul / "mul.wtns").values)
    assert values == [1, 78, 3, 5, 15]  # 1, c, a, b, t: outputs, public inputs, private inputs, the rest
    values[wire] = value % FR_MODULUS
    bad = tmp_path / "bad.wtns"
    write_wtns(values, bad)
    res = snarkjs("wtns", "check", mul / "mul.r1cs", bad, check=False)
    theirs = _plain(res.stdout + res.stderr)
    assert "WITNESS IS NOT CORRECT" in theirs
    index = int(theirs.split("aborting checking process at constraint ")[1].split()[0])
    proc = zksvs("wtns", "check", mul / "mul.r1cs", bad)  # mul.sym sits beside mul.r1cs
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"zksvs: constraint {index} of 2 is not satisfied: A·B ≠ C")
    assert line.endswith(f"signals: {signals}")
    explicit = zksvs("wtns", "check", mul / "mul.r1cs", bad, "--sym", mul / "mul.sym")
    assert explicit.stderr == proc.stderr


def test_wtns_check_without_sym_names_wires(mul, tmp_path):
    r1cs = tmp_path / "mul.r1cs"  # no .sym beside this copy
    r1cs.write_bytes((mul / "mul.r1cs").read_bytes())
    values = list(read_wtns(mul / "mul.wtns").values)
    values[4] = 16
    write_wtns(values, tmp_path / "bad.wtns")
    proc = zksvs("wtns", "check", r1cs, tmp_path / "bad.wtns")
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("signals: w2, w3, w4")


def test_wtns_check_of_a_missing_or_wrong_file_is_exit_2(mul, tmp_path):
    proc = zksvs("wtns", "check", mul / "mul.r1cs", tmp_path / "none.wtns")
    assert proc.returncode == 2 and "does not exist" in error_line(proc)
    (tmp_path / "x.wtns").write_bytes(b"not a witness file at all")
    proc = zksvs("wtns", "check", mul / "mul.r1cs", tmp_path / "x.wtns")
    assert proc.returncode == 2
    assert "x.wtns" in error_line(proc)

"""``zksvs demo|run --executor local|processes|ray [--ray-address ADDR] [--proof-seed HEX]`` as a user runs them.

The same demo through the in-process executor and through Ray (a local instance the command starts and stops)
writes the same folder for the same ``--proof-seed``: every file but run.json byte for byte. With ``--json`` and Ray,
stdout is the JSON document alone (Ray's own logging stays off it). Bad executor options are one line on stderr,
exit 2, before any work; an address where no Ray cluster answers is refused at once.
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.e2e.cli_helpers import error_line, zksvs
from tests.pipeline.test_pipelined_run import assert_same_run_folder

DEMO = ["demo", "--rollups", "2", "--txs", "6", "--capacity", "2", "--account-depth", "3", "--bridge-depth", "2"]
SEED = ["--proof-seed", "c0ffee"]


@pytest.mark.prover
def test_ray_and_in_process_demos_write_the_same_folder(tmp_path):
    runs = {}
    for ex in ("local", "ray"):
        out = tmp_path / ex
        proc = zksvs(*DEMO, *SEED, "--executor", ex, "--out", out, "--json")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        runs[ex] = json.loads(proc.stdout)  # the whole of stdout is the document
        assert runs[ex]["executor"]["name"] == ex
    assert runs["ray"]["all_settled"] and runs["ray"]["executor"]["workers"] >= 1
    assert_same_run_folder(tmp_path / "local", tmp_path / "ray")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "processes", "--ray-address", "127.0.0.1:6379"], "--ray-address is for --executor ray"),
        (["--executor", "gpu"], "Invalid value for '--executor'"),
        (["--proof-seed", "not-hex"], "Invalid value for '--proof-seed': must be hexadecimal"),
        (["--executor", "ray", "--ray-address", "127.0.0.1:{port}"], "nothing answers at 127.0.0.1:"),
    ],
)
def test_bad_executor_options_are_one_line_and_exit_2_before_any_work(tmp_path, args, message):
    args = [a.format(port=_closed_port()) for a in args]
    out = tmp_path / "out"
    proc = zksvs(*DEMO, "--out", out, *args, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert message in error_line(proc)
    assert not out.exists() or not any(out.iterdir())  # nothing left behind

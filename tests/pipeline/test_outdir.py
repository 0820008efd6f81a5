"""Output paths (``pipeline.outdir``): refused before any work, cleared only where zksvs owns the names."""

from __future__ import annotations

import pytest

from pipeline.outdir import OWNED, OutputPathError, RunFolder, check_output_file, owned
from tests.helpers.readonly import read_only_dir


def _stale_run(d):
    """A folder as a 2-batch run leaves it, plus a file of the user's."""
    for n in (0, 1):
        (d / f"batch-{n}" / "rollup-0").mkdir(parents=True)
        (d / f"batch-{n}" / "rollup-0" / "proof.json").write_text("{}")
    for name in ("settlement.json", "state.json", "run.json", "report.png", "sequencer.sqlite", "sequencer.sqlite-wal"):
        (d / name).write_text("old")
    (d / "notes.txt").write_text("mine")


def test_owned_names():
    assert all(owned(n) for n in ("batch-0", "batch-17", "settlement.json", "sequencer.sqlite-shm", "txs.jsonl"))
    assert not any(owned(n) for n in ("notes.txt", "batch", "xbatch-0", "settlement.json.bak", "proof.json"))
    assert "batch-*" in OWNED


def test_a_missing_folder_is_created_with_its_parents_and_discard_removes_them(tmp_path):
    f = RunFolder(tmp_path / "a" / "b" / "out")
    f.claim(force=False)
    assert (tmp_path / "a" / "b" / "out").is_dir()
    (tmp_path / "a" / "b" / "out" / "batch-0").mkdir()
    (tmp_path / "a" / "b" / "out" / "run.json").write_text("{}")
    f.discard()
    assert list(tmp_path.iterdir()) == []


def test_an_empty_existing_folder_is_taken_and_kept_on_discard(tmp_path):
    f = RunFolder(tmp_path)
    f.claim(force=False)
    (tmp_path / "state.json").write_text("{}")
    f.discard()
    assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []


def test_a_non_empty_folder_is_refused_without_force_and_left_alone(tmp_path):
    _stale_run(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(OutputPathError, match=r"folder is not empty \(batch-0/, batch-1/, notes.txt, report.png and "):
        RunFolder(tmp_path).claim(force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_force_clears_only_what_zksvs_owns_and_never_an_input(tmp_path):
    _stale_run(tmp_path)
    (tmp_path / "txs.jsonl").write_text("input")
    (tmp_path / "genesis.json").write_text("input")
    RunFolder(tmp_path, inputs=(tmp_path / "txs.jsonl",)).claim(force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "txs.jsonl"]
    assert (tmp_path / "txs.jsonl").read_text() == "input"


@pytest.mark.parametrize("sub", ["afile", "afile/sub", "afile/sub/deeper"])
def test_a_path_through_a_file_is_refused(tmp_path, sub):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputPathError, match="afile"):
        RunFolder(tmp_path / sub).claim(force=True)
    assert (tmp_path / "afile").read_text() == "x"


def test_a_read_only_folder_is_refused_before_anything_is_written(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    with read_only_dir(d):
        with pytest.raises(OutputPathError, match="no file can be created in"):
            RunFolder(d).claim(force=False)
        with pytest.raises(OutputPathError, match="no file can be created in"):
            RunFolder(d / "new").claim(force=False)
        with pytest.raises(OutputPathError, match="no file can be created in"):
            check_output_file(d / "proof.json")


def test_check_output_file(tmp_path):
    assert check_output_file(tmp_path / "p.json") == tmp_path / "p.json"
    with pytest.raises(OutputPathError, match=r"cannot write .*nodir/p.json: folder .*nodir/ does not exist"):
        check_output_file(tmp_path / "nodir" / "p.json")
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputPathError, match="is a file, not a folder"):
        check_output_file(tmp_path / "f" / "p.json")
    with pytest.raises(OutputPathError, match="is a folder, not a file"):
        check_output_file(tmp_path)

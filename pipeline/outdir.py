"""Output paths checked before any expensive work: the run folder (``--out``) and single output files.

The run folder is refused when it cannot be created or written, or when it is not empty (two runs mixed in one
folder would leave the first run's ``batch-2/`` beside the second run's ``settlement.json``). ``--force`` clears
what zksvs owns in it (``OWNED``) and nothing else; a file the command reads (its transactions or genesis) is never
removed. A run that fails or is interrupted removes what it wrote, so a folder holds a whole run or nothing of one.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
from pathlib import Path

from zksvs.errors import InputError

#: Names zksvs writes in a run folder (glob patterns): ``--force`` and a failed run remove these, nothing else.
OWNED = (
    "batch-*",
    "keys",
    "settlement.json",
    "state.json",
    "run.json",
    "report.png",
    "sequencer.sqlite",
    "sequencer.sqlite-wal",
    "sequencer.sqlite-shm",
    "sequencer.sqlite-journal",
    "genesis.json",
    "txs.jsonl",
)


class OutputPathError(InputError):
    """An output path cannot be used: it cannot be created or written, or it is a non-empty run folder."""


def owned(name: str) -> bool:
    """True when ``name`` (an entry of a run folder) is one zksvs writes."""
    return any(fnmatch.fnmatchcase(name, pat) for pat in OWNED)


def check_writable_dir(d: Path, what: str) -> None:
    """Raise ``OutputPathError`` unless a file can be created in the existing folder ``d``.

    Creates and removes a probe file: ``os.access`` says yes to root on a read-only mount or an immutable folder.
    """
    try:
        fd, probe = tempfile.mkstemp(prefix=".zksvs-probe-", dir=d)
    except OSError as e:
        raise OutputPathError(f"{what}: no file can be created in {d}/ ({e.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def _absolute(p: Path) -> Path:
    return Path(os.path.abspath(p))


def _first_existing(p: Path) -> Path:
    p = _absolute(p)
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_file(path: str | os.PathLike, what: str | None = None) -> Path:
    """Check, before any work, that ``path`` can be written as a file (its folder exists and is writable).

    Parameters
    ----------
    path : path
    what : str, optional
        Prefix of the error message (e.g. ``"--png"``); click names the argument itself.

    Returns
    -------
    Path

    Raises
    ------
    OutputPathError
        The folder does not exist or is a file, the path is a folder, or nothing can be written there.
    """
    p = Path(path)
    pre = f"{what}: " if what else ""
    if p.is_dir():
        raise OutputPathError(f"{pre}{p} is a folder, not a file")
    parent = _absolute(p).parent
    if not parent.exists():
        raise OutputPathError(f"{pre}cannot write {p}: folder {parent}/ does not exist")
    if not parent.is_dir():
        raise OutputPathError(f"{pre}cannot write {p}: {parent} is a file, not a folder")
    check_writable_dir(parent, f"{pre}cannot write {p}")
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputPathError(f"{pre}{p} exists and is not writable")
    return p


class RunFolder:
    """The ``--out`` folder of one run: checked and claimed by ``claim``, cleared by ``discard`` on failure.

    Parameters
    ----------
    path : path
        The folder (created by ``claim`` when missing, with its parents).
    inputs : sequence of path
        Files the command reads; never removed even when their names are owned (``zksvs run out/txs.jsonl``).
    """

    def __init__(self, path: str | os.PathLike, inputs: tuple[str | os.PathLike, ...] = ()) -> None:
        self.path = Path(path)
        self._inputs = [Path(i).resolve() for i in inputs]
        self._created: Path | None = None

    def claim(self, force: bool) -> None:
        """Check the folder and make it ready: created if missing; if not empty, refused, or cleared with ``force``.

        Raises
        ------
        OutputPathError
            The path is a file, or is below a file; the folder cannot be created or written; it is not empty and
            ``force`` is False.
        """
        p = self.path
        what = f"--out {p}"
        if p.exists() and not p.is_dir():
            raise OutputPathError(f"{what}: is a file, not a folder")
        base = _first_existing(p)
        if not base.is_dir():
            raise OutputPathError(f"{what}: cannot create it: {base} is a file, not a folder")
        check_writable_dir(base, what)
        if p.exists():
            entries = sorted(os.listdir(p))
            if entries and not force:
                shown = ", ".join(e + ("/" if (p / e).is_dir() else "") for e in entries[:4])
                more = f" and {len(entries) - 4} more" if len(entries) > 4 else ""
                raise OutputPathError(
                    f"{what}: folder is not empty ({shown}{more}); use --force to replace zksvs's files in it, "
                    "or choose another --out"
                )
            self._clear()
        else:
            try:
                p.mkdir(parents=True)
            except OSError as e:
                raise OutputPathError(f"{what}: cannot create it ({e.strerror})") from None
            # the topmost folder made here, so that discard() removes the whole new branch
            top = _absolute(p)
            while top.parent != base:
                top = top.parent
            self._created = top

    def discard(self) -> None:
        """Remove what this run wrote (owned names only), and the folders ``claim`` created if they are then empty."""
        if not self.path.exists():
            return
        self._clear()
        if self._created is not None:
            q = _absolute(self.path)
            while True:
                try:
                    q.rmdir()
                except OSError:
                    break
                if q == self._created:
                    break
                q = q.parent

    def _clear(self) -> None:
        for name in os.listdir(self.path):
            entry = self.path / name
            real = entry.resolve()
            if not owned(name) or any(i == real or i.is_relative_to(real) for i in self._inputs):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

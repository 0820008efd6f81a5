"""A folder nobody can write in, even root: ``chmod 555``, and ``chattr +i`` when the tests run as root.

Root ignores permission bits, so for root the folder is also made immutable (ext4/xfs/btrfs attribute; needs
CAP_LINUX_IMMUTABLE). If neither works, the helper raises: a test that cannot make its precondition fails, never
skips.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _writable(d: Path) -> bool:
    try:
        fd, p = tempfile.mkstemp(dir=d)
    except OSError:
        return False
    os.close(fd)
    os.unlink(p)
    return True


@contextlib.contextmanager
def read_only_dir(d: Path) -> Iterator[Path]:
    """Make the existing folder ``d`` read-only for the duration of the block (restored afterwards)."""
    d.chmod(0o555)
    immutable = False
    try:
        if _writable(d):
            proc = subprocess.run(["chattr", "+i", str(d)], capture_output=True, text=True, check=False)
            immutable = proc.returncode == 0
            if _writable(d):
                raise RuntimeError(
                    f"cannot make {d} read-only (running as uid {os.geteuid()}; chattr: {proc.stderr.strip()})"
                )
        yield d
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(d)], check=False)
        d.chmod(0o755)

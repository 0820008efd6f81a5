"""Progress display (rich, with stage names) and result tables / JSON output for the CLI."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table


def make_console(quiet: bool = False) -> Console:
    """A console on stderr (stdout stays free for ``--json``); silent when ``quiet``."""
    console = Console(stderr=True, quiet=quiet, highlight=False)
    if not console.is_terminal:
        # logs and CI: rich would wrap the tables at 80 columns
        console.width = 120
    return console


@dataclass
class StageTimer:
    """Wall-clock seconds per named stage, accumulated over the run."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block under ``name`` (added to earlier blocks of the same name)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


class StageProgress:
    """A rich progress bar whose description is the current stage ("prove rollup 2: MSM H").

    Use as a context manager; ``advance(stage)`` moves the bar one step and names the step now running.
    """

    def __init__(self, console: Console, total: int, title: str) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[title]}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=False,
            disable=console.quiet or not console.is_terminal,
        )
        self._console = console
        self._task = self._progress.add_task("", total=total, title=title)

    def __enter__(self) -> StageProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def stage(self, name: str) -> None:
        """Show ``name`` as the step now running (no advance); printed as a line when not on a terminal."""
        self._progress.update(self._task, description=name)
        if not self._console.is_terminal and not self._console.quiet:
            self._console.print(f"  … {name}")

    def advance(self, name: str | None = None) -> None:
        """One step done; optionally name the next one."""
        self._progress.advance(self._task)
        if name is not None:
            self.stage(name)


def render_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "", min_width: int | None = None
) -> Table:
    """A rich table with right-aligned numeric columns; ``min_width`` (characters) leaves room for a long caption."""
    table = Table(
        title=title, caption=caption or None, header_style="bold", min_width=min_width, caption_justify="left"
    )
    first = rows[0] if rows else [None] * len(columns)
    for name, sample in zip(columns, first):
        table.add_column(name, justify="right" if isinstance(sample, int | float) else "left")
    for row in rows:
        table.add_row(*(_fmt(v) for v in row))
    return table


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.3g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def write_json(obj: Any, path: str | Path | None) -> None:
    """Write ``obj`` as indented JSON to ``path``, or to stdout when ``path`` is None or ``"-"``."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=_json_default)
    if path is None or str(path) == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(path).write_text(text + "\n")


def _json_default(o: Any) -> Any:
    if hasattr(o, "__dataclass_fields__"):
        return {k: getattr(o, k) for k in o.__dataclass_fields__}
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"cannot serialise {type(o).__name__} to JSON")

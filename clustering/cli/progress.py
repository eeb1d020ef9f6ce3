"""Progress on a terminal: a Rich bar with the step, units done and the time
left; nothing when stderr is not a terminal (cron, CI, a log file), where a
bar would stand between the command and its one `error:` line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from clustering.progress import Progress, silent


@dataclass(frozen=True)
class Watch:
    """The two callbacks a job takes: `units` for the work inside a step
    (candidates, origins, chunks), `steps` for the job's steps."""

    units: Progress
    steps: Progress


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def watch(
    title: str, *, log_steps: bool = False, console: Console | None = None
) -> Iterator[Watch]:
    """A bar titled `title` on a terminal. Elsewhere silent, except that with
    `log_steps` each step still prints one `  <step> ...` line to stderr, for
    the logs of a scheduled refresh. `console`: where to draw (default stderr)."""
    if console is None and not on_terminal():

        def log(label: str, done: int, total: int) -> None:
            print(f"  {label} ...", file=sys.stderr, flush=True)

        yield Watch(units=silent, steps=log if log_steps else silent)
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    console = console or Console(stderr=True)
    with RichProgress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(title, total=None, label="")

        def units(label: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, label=label)

        def steps(label: str, done: int, total: int) -> None:
            # A new step restarts the bar at the step's place among the job's
            # steps; the step's own units (if it has any) then take over.
            bar.reset(task, total=total, completed=done, description=f"{title}: {label}", label="")

        yield Watch(units=units, steps=steps)

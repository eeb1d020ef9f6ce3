"""How a long job says how far it is: one callback, called after each unit of
work with what was just done (a candidate, a backtest origin, a pipeline
step), the units done and the units in all.

The library never draws anything; the CLI turns the calls into a progress bar
on a terminal and into nothing elsewhere (cron, CI, a log file)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, done_label: str, done: int, total: int) -> None: ...


def silent(done_label: str, done: int, total: int) -> None:
    """The callback of a job nobody watches."""

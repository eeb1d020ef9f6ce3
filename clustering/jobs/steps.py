"""The pipeline steps, named once, and the timer that runs them.

The segment job and the daily refresh are sequences of these steps; their
names appear in progress lines, in the seconds each job reports and in
segments.refresh_runs (build_seconds, score_seconds)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum

from clustering.progress import Progress


class Step(StrEnum):
    BUILD = "build"
    KEYS = "keys"
    FIT = "fit"
    SCORE = "score"
    SEGMENT_CHECKS = "segment checks"
    SEGMENT_TESTS = "segment tests"
    SEGMENT_VIEWS = "segment views"
    MONITOR = "monitor"
    PUBLISH = "publish"
    EXPORT = "export"


class StepTimer:
    """Announces each step of a job as it starts (label, its place among the
    planned steps) and keeps the seconds it took."""

    def __init__(self, planned: Sequence[Step], progress: Progress | None = None) -> None:
        self.planned = tuple(planned)
        self.progress = progress
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: Step) -> Iterator[None]:
        if self.progress:
            done = self.planned.index(step) if step in self.planned else len(self.seconds)
            self.progress(step.value, done, len(self.planned))
        begun = time.perf_counter()
        yield
        self.seconds[step.value] = time.perf_counter() - begun

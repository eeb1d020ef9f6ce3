"""Progress: a bar with the step, units done and time left on a terminal;
nothing (or one line per step of a refresh) when stderr is not one."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from clustering.cli.progress import watch


def test_off_a_terminal_progress_is_silent(capsys) -> None:
    with watch("fit") as watching:
        watching.steps("fit", 0, 4)
        watching.units("kmeans_k3", 1, 10)
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_off_a_terminal_a_refresh_logs_one_line_per_step(capsys) -> None:
    with watch("refresh", log_steps=True) as watching:
        watching.steps("build", 0, 7)
        watching.units("ignored", 1, 2)
        watching.steps("score", 2, 7)
    assert capsys.readouterr().err == "  build ...\n  score ...\n"


def test_on_a_terminal_the_bar_shows_step_count_and_time_left() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system=None)
    with watch("segment job", console=console) as watching:
        watching.steps("fit", 0, 4)
        watching.units("kmeans_k3", 3, 10)
    drawn = screen.getvalue()
    assert "segment job: fit" in drawn
    assert "3/10" in drawn
    assert "kmeans_k3" in drawn
    assert "left" in drawn


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clustering", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    for verb in ("generate", "fit", "segments", "stability", "monitor", "refresh"):
        assert verb in result.stdout

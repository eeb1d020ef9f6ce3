"""The daily cycle (`clustering refresh`) on generated days: what it prints and
publishes, readers querying throughout, refreshes killed with SIGKILL, a
broken day, hostile dates, the lock and rollback. (Hostile paths, thirty days
in a row and the history: tests/test_replay.py.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.jobs.refresh import refresh
from clustering.ops.publishing import Versions, refresh_lock
from clustering.synth import generate
from clustering.synth.days import cut_to_day
from tests.daily_support import copy_published, digest, publish_first_day, query

SCALE = 0.01
FIRST_DAY = date(2018, 3, 1)
NEXT_DAY = FIRST_DAY + timedelta(days=1)
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("complete")
    generate(root, scale=SCALE, seed=3)
    return root


@pytest.fixture(scope="module")
def first_day(complete, tmp_path_factory):
    return publish_first_day(complete, tmp_path_factory.mktemp("first") / "published", FIRST_DAY)


@pytest.fixture(scope="module")
def next_day(complete, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("next") / "input"
    cut_to_day(complete, folder, NEXT_DAY)
    return folder


@pytest.fixture
def published(first_day, tmp_path):
    return copy_published(first_day, tmp_path / "published")


def _as_of(warehouse: Path) -> date:
    return query(warehouse, "select max(as_of_date) from segments.customer_segments")[0][0]


def _refresh_command(input_dir: Path, warehouse: Path, *extra: str) -> list[str]:
    executable = Path(sys.executable).with_name("clustering")
    return [str(executable), "refresh", "--input", str(input_dir), "--warehouse", str(warehouse),
            "--as-of-date", NEXT_DAY.isoformat(), *extra]  # fmt: skip


def _start_readers(warehouse: Path, folder: Path) -> tuple[Path, list]:
    """Three reader processes: two open a new connection per query, one keeps
    a session open throughout."""
    stop = folder / "stop"
    readers = []
    for index, mode in enumerate(("reconnect", "reconnect", "session")):
        out = folder / f"reader-{index}.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.daily_support", str(warehouse), str(stop), str(out),
             mode],
            cwd=PROJECT,
        )  # fmt: skip
        readers.append((mode, out, process))
    return stop, readers


def _check_readers(stop: Path, readers: list) -> None:
    stop.touch()
    for mode, out, process in readers:
        assert process.wait(timeout=60) == 0
        report = json.loads(out.read_text())
        assert report["errors"] == [], mode
        seen = report["seen"]
        assert len(seen) > 20, mode
        assert all(observation["complete"] for observation in seen), mode
        days = [observation["as_of"] for observation in seen]
        # Versions only move forward, and never mix within one query.
        assert days == sorted(days), mode
        if mode == "reconnect":
            assert days[0] == FIRST_DAY.isoformat() and days[-1] == NEXT_DAY.isoformat()
        else:
            # An open session keeps reading the version it opened.
            assert set(days) == {FIRST_DAY.isoformat()}


def test_refresh_publishes_the_day_while_readers_query_and_rolls_back(
    published, next_day, tmp_path
):
    before = digest(published.warehouse)
    stop, readers = _start_readers(published.warehouse, tmp_path)
    time.sleep(2)  # every reader has queried the first day
    result = CliRunner().invoke(
        app,
        ["refresh", "--input", str(next_day), "--warehouse", str(published.warehouse),
         "--as-of-date", NEXT_DAY.isoformat()],
    )  # fmt: skip
    time.sleep(2)  # and the new one
    _check_readers(stop, readers)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"published {published.warehouse} as of {NEXT_DAY}" in out
    assert "loaded " in out and "olist_orders_dataset.csv" in out and "rejected 0" in out
    assert f"membership history since {FIRST_DAY}" in out
    assert "previous version kept as" in out
    # The new version is published, the one before kept whole.
    versions = Versions(published.warehouse)
    assert _as_of(published.warehouse) == NEXT_DAY
    assert digest(versions.previous) == before
    assert not versions.next.exists()
    ((runs, as_of, rejected, input_dir),) = query(
        published.warehouse,
        "select count(*), max(as_of_date), sum(rows_rejected), any_value(input_dir) "
        "from segments.refresh_runs",
    )
    assert (runs, as_of, rejected, input_dir) == (1, NEXT_DAY, 0, str(next_day.resolve()))
    exported = (published.root / "exports" / "customer_segments.csv").read_text()
    assert NEXT_DAY.isoformat() in exported
    # Rollback swaps the two versions; a second rollback undoes the first.
    rolled = CliRunner().invoke(app, ["rollback", "--warehouse", str(published.warehouse)])
    assert rolled.exit_code == 0, rolled.output
    assert _as_of(published.warehouse) == FIRST_DAY
    assert _as_of(versions.previous) == NEXT_DAY
    # ... and the campaign exports follow the published version.
    exported = (published.root / "exports" / "customer_segments.csv").read_text()
    assert FIRST_DAY.isoformat() in exported and NEXT_DAY.isoformat() not in exported
    CliRunner().invoke(app, ["rollback", "--warehouse", str(published.warehouse)])
    assert _as_of(published.warehouse) == NEXT_DAY


def _dbt_processes_of(path: Path) -> list[int]:
    """Processes whose command line names `path` (the refresh's dbt runs)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(path) in command and "dbt" in command:
            found.append(int(entry.name))
    return found


def _kill_during(phase: str, input_dir: Path, warehouse: Path) -> None:
    """Start `clustering refresh` and SIGKILL it once it has announced `phase`."""
    process = subprocess.Popen(
        _refresh_command(input_dir, warehouse),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    announced = []
    for line in process.stderr:
        announced.append(line.strip())
        if line.strip() == f"{phase} ...":
            break
    assert announced[-1] == f"{phase} ...", announced
    if phase == "build":
        time.sleep(4)  # dbt is creating models in the staged copy
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_refreshes_killed_mid_way_leave_the_published_version_intact(published, next_day):
    before = digest(published.warehouse)
    work_dir = Versions(published.warehouse).work_dir
    for phase in ("build", "score", "segment tests"):
        _kill_during(phase, next_day, published.warehouse)
        # Untouched and queryable; no dbt left writing.
        assert digest(published.warehouse) == before, phase
        assert _as_of(published.warehouse) == FIRST_DAY, phase
        deadline = time.monotonic() + 10
        while _dbt_processes_of(work_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _dbt_processes_of(work_dir) == [], phase
    # The next refresh discards the half-built copy and succeeds (its data
    # tests are the other tests' business).
    outcome = refresh(next_day, published.settings, as_of_date=NEXT_DAY, run_tests=False)
    assert outcome.as_of_date == NEXT_DAY
    assert _as_of(published.warehouse) == NEXT_DAY


def test_a_structurally_broken_day_fails_with_one_message_and_publishes_nothing(
    published, next_day, tmp_path
):
    broken = tmp_path / "broken"
    shutil.copytree(next_day, broken)
    orders = broken / "olist_orders_dataset.csv"
    header, rest = orders.read_text(encoding="utf-8").split("\n", 1)
    orders.write_text(header.replace("order_status", "order_state") + "\n" + rest, "utf-8")
    before = digest(published.warehouse)
    result = subprocess.run(
        _refresh_command(broken, published.warehouse), capture_output=True, text=True
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "olist_orders_dataset.csv" in errors[0] and "nothing was published" in errors[0]
    assert digest(published.warehouse) == before
    assert not Versions(published.warehouse).next.exists()
    assert result.stdout == ""


HOSTILE_DATES = [
    "2018-03-02'; drop table segments.customer_segments; --",
    "2018-03-02; select 1",
    "' or 1=1 --",
    "2018-02-30",
]


@pytest.mark.parametrize("value", HOSTILE_DATES)
def test_a_hostile_as_of_date_is_refused_and_changes_nothing(published, next_day, value):
    before = digest(published.warehouse)
    result = CliRunner().invoke(
        app,
        ["refresh", "--input", str(next_day), "--warehouse", str(published.warehouse),
         "--as-of-date", value],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--as-of-date must be a date as YYYY-MM-DD" in result.output
    assert digest(published.warehouse) == before


def test_missing_input_folder_and_an_earlier_day_are_refused_before_building(published, tmp_path):
    before = digest(published.warehouse)
    runner = CliRunner()
    missing = runner.invoke(
        app, ["refresh", "--input", str(tmp_path / "nope"), "--warehouse",
              str(published.warehouse)],
    )  # fmt: skip
    assert missing.exit_code == 2 and "input folder" in missing.output
    earlier = runner.invoke(
        app, ["refresh", "--input", str(tmp_path), "--warehouse", str(published.warehouse),
              "--as-of-date", (FIRST_DAY - timedelta(days=1)).isoformat()],
    )  # fmt: skip
    assert earlier.exit_code == 2
    assert f"already refreshed to {FIRST_DAY}" in earlier.output
    assert digest(published.warehouse) == before


def test_a_second_refresh_while_one_runs_is_refused(published, next_day):
    with refresh_lock(Versions(published.warehouse)):
        result = CliRunner().invoke(
            app, ["refresh", "--input", str(next_day), "--warehouse", str(published.warehouse)]
        )
    assert result.exit_code == 2
    assert "another refresh" in result.output and str(os.getpid()) in result.output


def test_check_refresh_waits_for_no_refresh_and_says_so(published, next_day):
    """check-refresh takes the refresh lock: while a refresh holds it, the check
    is refused before it rebuilds anything (a version published halfway through
    would make the comparison meaningless)."""
    versions = Versions(published.warehouse)
    with refresh_lock(versions):
        result = CliRunner().invoke(
            app,
            ["check-refresh", "--input", str(next_day), "--warehouse", str(published.warehouse)],
        )
    assert result.exit_code == 2
    assert "another refresh (or check-refresh)" in result.output
    assert str(os.getpid()) in result.output
    assert not (versions.work_dir / "rebuilt.duckdb").exists()


def test_rollback_without_a_previous_version_says_so(published):
    result = CliRunner().invoke(app, ["rollback", "--warehouse", str(published.warehouse)])
    assert result.exit_code == 2
    assert "nothing to roll back to" in result.output

"""Run the dbt project that builds the warehouse.

One job: turn an input directory of Olist CSV files into a DuckDB warehouse
file by running the real `dbt build` (or another dbt command) with the
project's settings. Tests, benchmarks and the CLI all build through here, so
they run exactly what an operator runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


class BuildError(RuntimeError):
    """dbt failed; the message carries dbt's own error lines."""


@dataclass(frozen=True)
class BuildResult:
    """Outcome of one dbt invocation."""

    command: tuple[str, ...]
    returncode: int
    seconds: float
    output: str = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def find_project_dir(start: Path | None = None) -> Path:
    """The directory holding dbt_project.yml: from `start` (or the working
    directory) upwards, else the repository this package lives in."""
    candidates = [start or Path.cwd()]
    candidates += list(candidates[0].resolve().parents)
    candidates.append(Path(__file__).resolve().parent.parent)
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate.resolve()
    raise BuildError(
        "no dbt_project.yml found above the working directory or beside the clustering "
        "package; run from the repository root"
    )


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's virtualenv)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def run_dbt(
    args: list[str],
    *,
    input_dir: Path,
    warehouse: Path,
    vars: dict[str, object] | None = None,
    project_dir: Path | None = None,
    work_dir: Path | None = None,
    check: bool = True,
) -> BuildResult:
    """Run `dbt <args>` on the project against `input_dir` into `warehouse`.

    `vars` are passed as JSON (never pasted into SQL text by this code; the
    project quotes them as literals). `work_dir` holds dbt's target/ and
    logs/ (default: beside the warehouse) so parallel builds do not collide.
    Raises BuildError with dbt's error lines when `check` and dbt fails.
    """
    project = project_dir or find_project_dir()
    warehouse = Path(warehouse).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    work = Path(work_dir) if work_dir else warehouse.parent / f".{warehouse.stem}-dbt"
    temp_dir = work / "spill"
    temp_dir.mkdir(parents=True, exist_ok=True)
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    if vars:
        command += ["--vars", json.dumps(vars)]
    env = {
        **os.environ,
        "OLIST_INPUT_DIR": str(Path(input_dir).resolve()),
        "OLIST_WAREHOUSE": str(warehouse),
        "OLIST_TEMP_DIR": str(temp_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "NO_COLOR": "1",
    }
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    result = BuildResult(
        command=tuple(command),
        returncode=completed.returncode,
        seconds=time.perf_counter() - started,
        output=completed.stdout + completed.stderr,
    )
    if check and not result.ok:
        raise BuildError(f"dbt {' '.join(args)} failed: {summarize_errors(result.output)}")
    return result


def build_warehouse(
    input_dir: Path,
    warehouse: Path,
    *,
    as_of_date: str | None = None,
    full_refresh: bool = False,
    extra_args: list[str] | None = None,
    **kwargs: object,
) -> BuildResult:
    """`dbt build`: seeds, models and every data and unit test."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    args += extra_args or []
    vars = {"as_of_date": as_of_date} if as_of_date else None
    return run_dbt(args, input_dir=input_dir, warehouse=warehouse, vars=vars, **kwargs)


_ERROR_LINE = re.compile(r"(Error|error|FAIL|Failure|missing table)")


def summarize_errors(output: str, limit: int = 12) -> str:
    """The lines of dbt's output that explain a failure, joined on one line."""
    lines = [line.strip() for line in output.splitlines() if _ERROR_LINE.search(line)]
    lines = [re.sub(r"^\x1b\[[0-9;]*m|^\d\d:\d\d:\d\d\s+", "", line) for line in lines]
    return " | ".join(dict.fromkeys(lines[:limit])) or output.strip()[-2000:]

"""Run the dbt project that builds the warehouse.

One job: turn an input directory of Olist CSV files into a DuckDB warehouse
file by running the real `dbt build` (or another dbt command) with the
project's settings. Tests, benchmarks and the CLI all build through here, so
they run exactly what an operator runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clustering.errors import BuildError


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


def _die_with_parent() -> None:
    """In the dbt child, before exec: be killed when the parent dies.

    A refresh killed mid-build must not leave dbt writing on; Linux only
    (elsewhere the child finishes its build into a file nobody publishes)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


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
    env: dict[str, str] | None = None,
    in_process: bool | None = None,
    check: bool = True,
) -> BuildResult:
    """Run `dbt <args>` on the project against `input_dir` into `warehouse`.

    `vars` are passed as JSON (never pasted into SQL text by this code; the
    project quotes them as literals); `env` adds environment variables the
    project reads (OLIST_AS_OF_DATE). `work_dir` holds dbt's target/ and
    logs/ (default: beside the warehouse) so parallel builds do not collide.
    `in_process` runs dbt inside this process (see _invoke_in_process); None
    means as the environment variable OLIST_DBT_IN_PROCESS says (1: inside,
    anything else: a dbt command), for processes that run dbt many times
    (the test suite).
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
    settings = {
        "OLIST_INPUT_DIR": str(Path(input_dir).resolve()),
        "OLIST_WAREHOUSE": str(warehouse),
        "OLIST_TEMP_DIR": str(temp_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "NO_COLOR": "1",
        **(env or {}),
    }
    started = time.perf_counter()
    if in_process is None:
        in_process = os.environ.get("OLIST_DBT_IN_PROCESS") == "1"
    if in_process:
        returncode, output = _invoke_in_process(command[1:], settings)
    else:
        completed = subprocess.run(
            command,
            cwd=project,
            env={**os.environ, **settings},
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=_die_with_parent,
        )
        returncode, output = completed.returncode, completed.stdout + completed.stderr
    result = BuildResult(
        command=tuple(command),
        returncode=returncode,
        seconds=time.perf_counter() - started,
        output=output,
    )
    if check and not result.ok:
        raise BuildError(f"dbt {' '.join(args)} failed: {summarize_errors(result.output)}")
    return result


def _invoke_in_process(args: list[str], settings: dict[str, str]) -> tuple[int, str]:
    """dbt's programmatic entry point (dbtRunner) in this process.

    Spares the interpreter start and dbt's import (a few seconds a call,
    which matter when one process refreshes day after day), and dies with
    this process. The project's environment variables are set for the call
    and restored after; dbt's messages of info level and above (what its
    console shows, without the times) and the exception that stopped it make
    the output. dbt-duckdb keeps the database open between calls, and DuckDB
    refuses a second handle on the file from the same process, so it is
    closed after each call."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    messages: list[str] = []

    def collect(event) -> None:
        # What dbt prints on the console (results, failures, the summary),
        # without the debug log.
        if event.info.level in ("info", "warn", "error"):
            messages.append(event.info.msg)

    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        manifest, failed = _parsed_project(args, settings, collect)
        if failed is not None:
            outcome = failed
        else:
            outcome = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(
                [*args, "--log-level", "none"]
            )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None
    # The exception that stopped dbt, unless an event said it already.
    if outcome.exception is not None and str(outcome.exception) not in "\n".join(messages):
        messages.append(f"Encountered an error:\n{outcome.exception}")
    return (0 if outcome.success else 1), "\n".join(messages)


# The projects this process parsed, newest last (see _parsed_project).
_PARSED: list[tuple[tuple, dict[str, str], bytes]] = []
_PARSED_KEPT = 4
# What dbt reads to parse a project (dbt_project.yml's *-paths, and the files
# beside it); anything else changing is not a reason to parse again.
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml", "packages.yml")
_PROJECT_DIRS = ("models", "macros", "seeds", "analysis", "data-tests", "snapshots")
# The options of a dbt command that change what parsing produces, and the
# environment variables dbt takes two of them from.
_PARSE_OPTIONS = ("--vars", "--target", "-t", "--profile", "--project-dir", "--profiles-dir")
_PARSE_ENVIRONMENT = ("DBT_TARGET", "DBT_PROFILE")


def _project_fingerprint(project: Path) -> str:
    """A digest of every project file's path and content (dbt compares file
    checksums too; a few MB, about 10 ms)."""
    digest = hashlib.blake2b(digest_size=16)
    paths = [project / name for name in _PROJECT_FILES if (project / name).is_file()]
    for folder in _PROJECT_DIRS:
        for root, dirs, files in os.walk(project / folder):
            dirs.sort()
            paths += [Path(root, name) for name in sorted(files)]
    for path in paths:
        digest.update(str(path.relative_to(project)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _parsed_project(
    args: list[str], settings: dict[str, str], collect: Callable[[object], None]
) -> tuple[object, object]:
    """The parsed project for this dbt command, parsed once per process.

    Parsing the project costs 5-8 s a dbt call on this machine, the same each
    time for the same files, options and environment; a process that runs dbt
    many times (a refresh, the segment job, the test suite) parses it once
    and hands dbt the result (dbtRunner's `manifest`). The result is reused
    only when dbt would have reused it itself (its partial-parse rules, and
    stricter): the same project files unchanged, the same vars, target and
    profile (options or DBT_TARGET, DBT_PROFILE), the same warehouse name
    (dbt-duckdb names the database after the file) and the same value of
    every environment variable the project read while parsing (dbt records
    them: OLIST_INPUT_FORMAT names the audit's files). Where the input files
    are and the as-of date are read when the models run, not while parsing,
    so other folders and days share a parse.
    dbt writes into the parsed project as it runs (compiled SQL, variables
    read, ephemeral models' CTEs), so each call gets a copy of its own (about
    0.2 s; _copy_manifest). A call that reuses a parse writes no target/manifest.json (the
    parse that made it did).
    Returns (manifest, None), or (None, the failed parse's result)."""
    from dbt.cli.main import dbtRunner

    key = _parse_key(args, settings)
    options = list(key[0])
    for entry in reversed(_PARSED):
        entry_key, read, frozen = entry
        if entry_key == key and all(
            os.environ.get(name, _UNSET) == value for name, value in read.items()
        ):
            return _copy_manifest(frozen), None
    paths = []
    for option in ("--target-path", "--log-path"):
        if option in args:
            paths += [option, args[args.index(option) + 1]]
    outcome = dbtRunner(callbacks=[collect]).invoke(
        ["parse", *options, *paths, "--log-level", "none"]
    )
    if not outcome.success:
        return None, outcome
    manifest = outcome.result
    read = {name: _unset_or(value) for name, value in manifest.env_vars.items()}
    _PARSED.append((key, read, _frozen_manifest(manifest)))
    del _PARSED[: max(0, len(_PARSED) - _PARSED_KEPT)]
    return manifest, None


# Manifest fields that are not the parse's result: a lock, and two caches
# dbt rebuilds from `macros` when first asked.
_MANIFEST_RUNTIME_FIELDS = ("_lock", "_macros_by_name", "_macros_by_package")


def _frozen_manifest(manifest: object) -> bytes:
    """The parse's result, kept as bytes that no dbt call can write into.

    Not copy.deepcopy or pickle of the manifest itself: both go through
    Manifest.__reduce_ex__, whose positional arguments skip `fixtures` in
    dbt 1.11, so every field after it lands one place off (`fixtures`
    becomes None, each lookup takes the next one's value). The fields are
    pickled by name instead, and _copy_manifest builds a Manifest from them."""
    fields = {
        item.name: getattr(manifest, item.name)
        for item in dataclasses.fields(manifest)
        if item.init and item.name not in _MANIFEST_RUNTIME_FIELDS
    }
    return pickle.dumps((type(manifest), fields), protocol=pickle.HIGHEST_PROTOCOL)


def _copy_manifest(frozen: bytes) -> object:
    """A manifest of its own for one dbt call, from _frozen_manifest's bytes
    (about 0.2 s for this project, against 0.35 s for a deepcopy)."""
    manifest_type, fields = pickle.loads(frozen)
    return manifest_type(**fields)


def _parse_key(args: list[str], settings: dict[str, str]) -> tuple:
    """What a parse of the project depends on besides the variables dbt
    records: the parse options of the command (first), DBT_TARGET and
    DBT_PROFILE, the warehouse name and the project files."""
    options: list[str] = []
    for position, arg in enumerate(args):
        if arg.partition("=")[0] in _PARSE_OPTIONS and "=" in arg:
            options.append(arg)
        elif arg in _PARSE_OPTIONS and position + 1 < len(args):
            options += [arg, args[position + 1]]
    project = Path(args[args.index("--project-dir") + 1])
    return (
        tuple(options),
        tuple(os.environ.get(name) for name in _PARSE_ENVIRONMENT),
        # dbt-duckdb's database name: the file name without its extension.
        Path(settings["OLIST_WAREHOUSE"]).stem,
        _project_fingerprint(project),
    )


# How dbt records an environment variable the project read that was not set.
_DBT_UNSET = "DBT_DEFAULT_PLACEHOLDER"
_UNSET = object()


def _unset_or(value: str) -> object:
    return _UNSET if value == _DBT_UNSET else value


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


_COLOR = re.compile(r"\x1b\[[0-9;]*m")
_TIME = re.compile(r"^\d\d:\d\d:\d\d(\.\d+)?\s+")


def summarize_errors(output: str, limit: int = 12) -> str:
    """The lines of dbt's output that explain a failure, joined on one line.

    An error line and the message lines indented under it (dbt writes a
    compilation error's text there), without the `> in macro` trail."""
    kept: list[str] = []
    under_error = False
    for raw in output.splitlines():
        raw = _COLOR.sub("", raw)
        line = _TIME.sub("", raw).strip()
        if _ERROR_LINE.search(line):
            kept.append(line)
            under_error = True
        elif under_error and line and not line.startswith(">") and raw[:1].isspace():
            kept.append(line)
        else:
            under_error = under_error and bool(line) and line.startswith(">")
    return " | ".join(list(dict.fromkeys(kept))[:limit]) or output.strip()[-2000:]

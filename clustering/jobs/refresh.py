"""The daily cycle: build, score, record, check and publish one day's data.

One job: `refresh(input_dir, settings)` turns a folder of Olist CSV files
(the data as they stand at the end of a day) into a new published version of
the warehouse, while analysts keep querying the current one:

1. take the refresh lock and copy the published warehouse (clustering.ops.publishing);
2. `dbt build --selector daily` the copy from the input folder: every model
   and data test, so a day that fails a test is never published;
3. check that every integer key of the published version kept its number;
4. score every customer with the saved model (no refit) and fold the
   assignments into the membership history (clustering.storage.history);
   score them with the saved value model too, when one was fitted;
5. `dbt build --selector segments`: the segment tables' tests and views;
6. run the monitor when a maintenance contract exists (`clustering stability`
   wrote segments.stability_recommendation), and the value monitor when a
   value model exists;
7. log the run in segments.refresh_runs, then publish the copy atomically,
   keeping the version it replaces for `clustering rollback`, and rewrite
   the campaign exports.

Any failure before step 7 discards the copy and leaves the published
version untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pandas as pd

from clustering.errors import BuildError, RefreshError
from clustering.jobs.monitor import monitor
from clustering.jobs.score import score_segments
from clustering.jobs.steps import Step, StepTimer
from clustering.jobs.value import score_value
from clustering.jobs.value_monitor import monitor_value
from clustering.ops.compare import KEY_MAPS, changed_keys
from clustering.ops.dbt import run_dbt
from clustering.ops.publishing import (
    Versions,
    discard,
    publish,
    refresh_lock,
    stage,
    swap_with_previous,
)
from clustering.progress import Progress
from clustering.settings import Settings
from clustering.storage.connection import connect, table_exists
from clustering.storage.exports import EXPORTED_TABLES, export_tables
from clustering.storage.history import MembershipChange, latest_recorded_date
from clustering.storage.model_store import SavedModel, load_model
from clustering.storage.readers import read_features, read_load_summary
from clustering.storage.segment_tables import (
    SEGMENTS_SCHEMA,
    has_segment_table,
    write_segment_tables,
)
from clustering.storage.value_store import has_value_model, load_value_model


@dataclass(frozen=True)
class FileLoad:
    """One input file's rows: read, landed in staging, rejected (audit.audit_rejected_rows)."""

    source_file: str
    raw_rows: int
    staged_rows: int
    rejected_rows: int


@dataclass(frozen=True)
class RefreshOutcome:
    published: Path
    previous: Path | None
    as_of_date: date
    model_version: str
    loads: tuple[FileLoad, ...]
    membership: MembershipChange
    monitor_line: str | None
    seconds: dict[str, float]

    @property
    def rows_raw(self) -> int:
        return sum(load.raw_rows for load in self.loads)

    @property
    def rows_rejected(self) -> int:
        return sum(load.rejected_rows for load in self.loads)


def _latest_recorded_date(warehouse: Path) -> date | None:
    if not warehouse.is_file():
        return None
    with connect(warehouse) as con:
        if not table_exists(con, SEGMENTS_SCHEMA, "segment_size_history"):
            return None
        return latest_recorded_date(con)


def _check_inputs(input_dir: Path, settings: Settings, as_of_date: date | None) -> SavedModel:
    """Refuse, before building anything, what cannot succeed; the current
    model (the one the day is scored and monitored with)."""
    if not input_dir.is_dir():
        raise RefreshError(
            f"input folder {input_dir} not found (or not a folder); name the folder holding "
            "the day's nine Olist CSV files with --input"
        )
    saved = load_model(settings.models_path)  # ModelError: no saved model, says to fit
    latest = _latest_recorded_date(settings.warehouse)
    if as_of_date is not None and latest is not None and as_of_date < latest:
        raise RefreshError(
            f"the published warehouse {settings.warehouse} is already refreshed to {latest}; "
            f"refreshing {as_of_date} would rewrite the days after it. Refresh {latest} or "
            "later, or roll back first with `clustering rollback`"
        )
    return saved


def _loads(warehouse: Path) -> tuple[FileLoad, ...]:
    frame = read_load_summary(warehouse)
    return tuple(
        FileLoad(row.source_file, int(row.raw_rows), int(row.staged_rows), int(row.rejected_rows))
        for row in frame.itertuples()
    )


def _check_keys(staged: Path, published: Path) -> None:
    if not published.is_file():
        return
    with connect(published) as con:
        if not table_exists(con, "intermediate", next(iter(KEY_MAPS))):
            return  # published before the key maps existed
    changed = {table: count for table, count in changed_keys(staged, published).items() if count}
    if changed:
        detail = ", ".join(f"{table} {count:,}" for table, count in changed.items())
        raise RefreshError(
            f"integer keys changed against the published version ({detail} ids lost or "
            "renumbered); the membership history would no longer join. Was the input folder "
            "replaced by another dataset? Refresh from the same source, or start a new warehouse"
        )


def refresh(
    input_dir: Path,
    settings: Settings,
    *,
    as_of_date: date | None = None,
    run_tests: bool = True,
    step: Progress | None = None,
) -> RefreshOutcome:
    """Run one day's cycle from `input_dir` into the warehouse `settings.warehouse`.

    `as_of_date` fixes the marts' as-of date (default: the day of the last
    purchase in the files). `run_tests=False` leaves out the dbt data tests
    (for replaying or backfilling days whose files were tested before: a
    daily refresh keeps them, so a day that fails one is never published).
    Raises RefreshError, BuildError, ModelError,
    WarehouseError or a history error with nothing published."""
    started = time.perf_counter()
    input_dir = Path(input_dir)
    published = Path(settings.warehouse)
    saved = _check_inputs(input_dir, settings, as_of_date)
    # The value model, when one was fitted, scores and is monitored too (no refit).
    valued = (
        load_value_model(settings.value_models_path)
        if has_value_model(settings.value_models_path)
        else None
    )
    versions = Versions(published)
    tested = Step.SEGMENT_TESTS if run_tests else Step.SEGMENT_VIEWS
    phase = StepTimer(
        (Step.BUILD, Step.KEYS, Step.SCORE, tested, Step.MONITOR, Step.PUBLISH, Step.EXPORT), step
    )
    seconds = phase.seconds

    with refresh_lock(versions):
        staged = stage(versions)
        # The copy scores and records into itself; models, exports and
        # reports stay where the published warehouse has them.
        local = settings.with_(
            warehouse=staged,
            model_dir=settings.models_path,
            value_model_dir=settings.value_models_path,
            export_dir=settings.exports_path,
            report_path=settings.report_file,
            stability_report_path=settings.stability_report_file,
        )
        dbt = partial(
            run_dbt,
            input_dir=input_dir,
            warehouse=staged,
            # An environment variable, not a var: dbt parses the whole
            # project again when a var changes, and nothing when this does
            # (read only when dbt runs), so day after day the refresh
            # reuses one parse (clustering.ops.dbt).
            env={"OLIST_AS_OF_DATE": as_of_date.isoformat()} if as_of_date else None,
            # Kept across days (like the staged file's name): the first dbt
            # call of each refresh process parses only what changed since.
            work_dir=versions.work_dir / "dbt",
            # dbt dies with the refresh, and a process refreshing day after
            # day imports it once.
            in_process=True,
        )
        # Without tests: models only, and the segments views only when the
        # copy lacks them (they read the tables scoring replaces).
        command = "build" if run_tests else "run"
        try:
            with phase(Step.BUILD):
                try:
                    dbt([command, "--selector", "daily"])
                except BuildError as error:
                    raise RefreshError(
                        f"the build of {input_dir} failed, nothing was published: {error}"
                    ) from error
            loads = _loads(staged)
            with phase(Step.KEYS):
                _check_keys(staged, published)
            with phase(Step.SCORE):
                # Read once: scoring and the monitor judge the same features.
                table = read_features(staged)
                scored = score_segments(local, export=False, table=table, saved=saved)
                if valued is not None:
                    score_value(local, record=valued)
            if run_tests or not has_segment_table(staged, "dim_customer_segments"):
                with phase(tested):
                    dbt([command, "--selector", "segments"])
            lines = []
            contract = has_segment_table(staged, "stability_recommendation")
            if contract or valued is not None:
                with phase(Step.MONITOR):
                    if contract:
                        lines.append(monitor(local, saved=saved, table=table).line)
                    if valued is not None:
                        lines.append(monitor_value(local, record=valued).line)
            monitor_line = "\n".join(lines) if lines else None
            membership = scored.membership
            run = {
                "refreshed_at": datetime.now().replace(microsecond=0),
                "as_of_date": membership.as_of_date,
                "input_dir": str(input_dir.resolve()),
                "model_version": scored.model_version,
                "rows_raw": sum(load.raw_rows for load in loads),
                "rows_rejected": sum(load.rejected_rows for load in loads),
                "count_customers": membership.count_customers,
                "count_new_customers": membership.count_new,
                "count_changed_segment": membership.count_changed,
                "count_gone_customers": membership.count_gone,
                "is_rerun": membership.is_rerun,
                "build_seconds": seconds[Step.BUILD],
                "score_seconds": seconds[Step.SCORE],
                "total_seconds": time.perf_counter() - started,
                "monitor_line": monitor_line,
            }
            write_segment_tables(
                staged, {"refresh_runs": pd.DataFrame([run])}, model_version=scored.model_version
            )
            with phase(Step.PUBLISH):
                previous = publish(versions)
        except BaseException:
            # Killed by a signal Python sees, failed, or interrupted: the
            # published version was never touched; drop the half-built copy.
            discard(versions)
            raise
    with phase(Step.EXPORT):
        export_tables(published, EXPORTED_TABLES, settings.exports_path)
    seconds["total"] = time.perf_counter() - started
    return RefreshOutcome(
        published=published,
        previous=previous,
        as_of_date=membership.as_of_date,
        model_version=scored.model_version,
        loads=loads,
        membership=membership,
        monitor_line=monitor_line,
        seconds=seconds,
    )


def roll_back(settings: Settings) -> Path:
    """Publish the version before the last refresh again (swapping the two) and
    rewrite the campaign exports from it; returns where the other one is kept."""
    kept = swap_with_previous(Versions(Path(settings.warehouse)))
    export_tables(settings.warehouse, EXPORTED_TABLES, settings.exports_path)
    return kept

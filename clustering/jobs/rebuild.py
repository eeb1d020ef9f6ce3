"""A full rebuild of a refreshed warehouse's last day, beside it, and the
table-by-table comparison of the two: the proof that day after day of
`clustering refresh` leaves exactly what one build from nothing would.

The rebuild starts from an empty file holding only what no build recreates:
the key maps (persistent on purpose, never renumbered, so a rebuild of the
published warehouse keeps them too) and the record of the fitted segment
model (scoring reads it; a rebuild does not refit). It then builds the day's
files with the daily selection, scores every customer with the same saved
model and creates the segments views. Equal means equal in every table dbt
builds (clustering.ops.compare.COMPARED_SCHEMAS) and in the current segment
tables and view; the membership history, the run logs and the rejects of
earlier days (audit_rejected_rows_history) hold the days before, which a
rebuild of one day cannot have: of those, the rejects of the last day must
equal the rebuild's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import duckdb

from clustering.errors import WarehouseError
from clustering.jobs.score import score_segments
from clustering.jobs.value import score_value
from clustering.ops.compare import (
    COMPARED_SCHEMAS,
    KEY_MAPS,
    TableComparison,
    compare_relations,
    compare_warehouses,
    warehouse_tables,
)
from clustering.ops.dbt import run_dbt
from clustering.ops.publishing import Versions, refresh_lock
from clustering.settings import Settings
from clustering.storage.connection import connect
from clustering.storage.segment_tables import HISTORY_TABLES, SEGMENTS_SCHEMA
from clustering.storage.value_store import has_value_model, load_value_model

# The segment relations that hold the current state, each with the column
# that records when it was written (not compared), if any.
CURRENT_SEGMENT_RELATIONS: dict[str, str | None] = {
    "customer_segments": "scored_at",
    "segment_profiles": None,
    "segment_feature_contrasts": None,
    "dim_customer_segments": "scored_at",
    # Empty on both sides until a value model is fitted.
    "customer_value": "scored_at",
    "segment_audiences": None,
}
# Tables dbt builds that keep every day (a rebuild holds its one day of
# them, which must equal the refreshed warehouse's rows of that day).
DAILY_HISTORY_TABLES: dict[str, str] = {"audit": "audit_rejected_rows_history"}
# What the rebuild copies from the refreshed warehouse: (schema, table).
CARRIED_OVER: tuple[tuple[str, str], ...] = (
    *(("intermediate", table) for table in KEY_MAPS),
    *((SEGMENTS_SCHEMA, table) for table in ("model_selection", *HISTORY_TABLES)),
)


def rebuild_beside(
    settings: Settings, input_dir: Path, out: Path, as_of_date: date | None = None
) -> Path:
    """Build `input_dir` (the last refreshed day's files) from nothing into the
    new file `out`, with the key maps and model record of the warehouse
    `settings.warehouse`, and score it with the saved segment model and, when
    one was fitted, the saved value model; returns `out`. `as_of_date` None
    leaves the as-of date to the policy default, as a refresh without one does."""
    refreshed, out = Path(settings.warehouse), Path(out)
    if out.exists():
        raise WarehouseError(f"{out} exists; the rebuild needs a new file")
    con = duckdb.connect(str(out))
    try:
        con.execute("attach ? as refreshed (read_only)", [str(refreshed)])
        for schema in sorted({schema for schema, _ in CARRIED_OVER}):
            con.execute(f"create schema {schema}")
        for schema, table in CARRIED_OVER:
            con.execute(
                f"create table {schema}.{table} as select * from refreshed.{schema}.{table}"
            )
    finally:
        con.close()
    build = partial(
        run_dbt,
        input_dir=input_dir,
        warehouse=out,
        env={"OLIST_AS_OF_DATE": as_of_date.isoformat()} if as_of_date else None,
        in_process=True,
    )
    build(["build", "--selector", "daily"])
    local = settings.with_(
        warehouse=out,
        model_dir=settings.models_path,
        value_model_dir=settings.value_models_path,
    )
    score_segments(local, export=False)
    if has_value_model(settings.value_models_path):
        score_value(local, record=load_value_model(settings.value_models_path))
    build(["run", "--selector", "segments"])
    return out


def outside_the_daily_cycle(refreshed: Path, rebuilt: Path) -> tuple[str, ...]:
    """Tables of the refreshed warehouse that the rebuild does not build: those
    of other jobs (the stability snapshots of `dbt build --selector
    stability`), which a refresh leaves as they were."""
    tables = []
    for path in (refreshed, rebuilt):
        with connect(path) as con:
            tables.append(warehouse_tables(con, COMPARED_SCHEMAS))
    return tuple(f"{schema}.{table}" for schema, table in sorted(tables[0] - tables[1]))


def compare_with_rebuild(
    refreshed: Path, rebuilt: Path, not_rebuilt: tuple[str, ...] | None = None
) -> list[TableComparison]:
    """Every table the daily cycle builds and every current segment relation
    of the two warehouses, compared (the instants of scoring left out).
    `not_rebuilt`: outside_the_daily_cycle(refreshed, rebuilt), when the
    caller has it already."""
    if not_rebuilt is None:
        not_rebuilt = outside_the_daily_cycle(refreshed, rebuilt)
    leave_out = frozenset(
        (
            *(f"{schema}.{table}" for schema, table in DAILY_HISTORY_TABLES.items()),
            *not_rebuilt,
        )
    )
    outcomes = compare_warehouses(refreshed, rebuilt, COMPARED_SCHEMAS, leave_out=leave_out)
    with connect(refreshed) as con:
        con.execute("attach ? as rebuilt (read_only)", [str(rebuilt)])
        for schema, table in DAILY_HISTORY_TABLES.items():
            day = f"(select max(as_of_date) from rebuilt.{schema}.{table})"
            outcomes.append(
                compare_relations(
                    con,
                    schema,
                    table,
                    (
                        f"(select * from warehouse.{schema}.{table} where as_of_date = {day})",
                        f"(select * from rebuilt.{schema}.{table})",
                    ),
                    ("refreshed", "rebuilt"),
                )
            )
        for relation, instant in CURRENT_SEGMENT_RELATIONS.items():
            columns = f"* exclude ({instant})" if instant else "*"
            outcomes.append(
                compare_relations(
                    con,
                    SEGMENTS_SCHEMA,
                    relation,
                    tuple(
                        f"(select {columns} from {catalog}.{SEGMENTS_SCHEMA}.{relation})"
                        for catalog in ("warehouse", "rebuilt")
                    ),
                    ("refreshed", "rebuilt"),
                )
            )
    return outcomes


@dataclass(frozen=True)
class RebuildCheck:
    """The outcome of `check_refresh`."""

    as_of_date: date
    comparisons: tuple[TableComparison, ...]
    not_rebuilt: tuple[str, ...]  # tables of other jobs (outside_the_daily_cycle)
    seconds: float
    rebuilt: Path | None  # kept only when asked

    @property
    def differing(self) -> tuple[TableComparison, ...]:
        return tuple(table for table in self.comparisons if not table.equal)


def _as_of(warehouse: Path) -> tuple[date, bool]:
    """The warehouse's as-of date, and whether it was given (else the policy
    default, the day of the last purchase, chose it)."""
    with connect(warehouse) as con:
        ((day, source),) = con.execute(
            "select as_of_date, as_of_date_source from intermediate.int_as_of_date"
        ).fetchall()
    return day, source != "last purchase with items"


def check_refresh(
    input_dir: Path, settings: Settings, *, as_of_date: date | None = None, keep: bool = False
) -> RebuildCheck:
    """Rebuild the published warehouse's day from `input_dir` (the files its
    last refresh read) beside it and compare every table. The rebuild goes to
    the refresh's work folder and is removed afterwards unless `keep`. Holds
    the refresh lock throughout (PublishError when a refresh or another check
    holds it)."""
    started = time.perf_counter()
    published = Path(settings.warehouse)
    if not published.is_file():
        raise WarehouseError(f"no warehouse at {published}; nothing to check")
    versions = Versions(published)
    # The refresh lock: no refresh publishes a new version halfway through the
    # comparison, and two checks do not share one rebuilt file.
    with refresh_lock(versions):
        day, given = (as_of_date, True) if as_of_date else _as_of(published)
        rebuilt = versions.work_dir / "rebuilt.duckdb"
        for leftover in (rebuilt, rebuilt.with_name(rebuilt.name + ".wal")):
            leftover.unlink(missing_ok=True)
        try:
            rebuild_beside(settings, input_dir, rebuilt, day if given else None)
            not_rebuilt = outside_the_daily_cycle(published, rebuilt)
            comparisons = tuple(compare_with_rebuild(published, rebuilt, not_rebuilt))
        finally:
            if not keep:
                rebuilt.unlink(missing_ok=True)
    return RebuildCheck(
        as_of_date=day,
        comparisons=comparisons,
        not_rebuilt=not_rebuilt,
        seconds=time.perf_counter() - started,
        rebuilt=rebuilt if keep else None,
    )

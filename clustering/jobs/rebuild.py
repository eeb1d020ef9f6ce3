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
tables and view; the membership history and the run logs hold the days
before, which a rebuild of one day cannot have.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import duckdb

from clustering.errors import WarehouseError
from clustering.jobs.score import score_segments
from clustering.ops.compare import (
    COMPARED_SCHEMAS,
    KEY_MAPS,
    TableComparison,
    compare_relations,
    compare_warehouses,
)
from clustering.ops.dbt import run_dbt
from clustering.settings import Settings
from clustering.storage.connection import connect
from clustering.storage.segment_tables import HISTORY_TABLES, SEGMENTS_SCHEMA

# The segment relations that hold the current state, each with the column
# that records when it was written (not compared), if any.
CURRENT_SEGMENT_RELATIONS: dict[str, str | None] = {
    "customer_segments": "scored_at",
    "segment_profiles": None,
    "segment_feature_contrasts": None,
    "dim_customer_segments": "scored_at",
}
# What the rebuild copies from the refreshed warehouse: (schema, table).
CARRIED_OVER: tuple[tuple[str, str], ...] = (
    *(("intermediate", table) for table in KEY_MAPS),
    *((SEGMENTS_SCHEMA, table) for table in ("model_selection", *HISTORY_TABLES)),
)


def rebuild_beside(settings: Settings, input_dir: Path, out: Path, as_of_date: date) -> Path:
    """Build `input_dir` (the last refreshed day's files) from nothing into the
    new file `out`, with the key maps and model record of the warehouse
    `settings.warehouse`, and score it with the saved model; returns `out`."""
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
        env={"OLIST_AS_OF_DATE": as_of_date.isoformat()},
        in_process=True,
    )
    build(["build", "--selector", "daily"])
    score_segments(settings.with_(warehouse=out, model_dir=settings.models_path), export=False)
    build(["run", "--selector", "segments"])
    return out


def compare_with_rebuild(refreshed: Path, rebuilt: Path) -> list[TableComparison]:
    """Every table dbt builds and every current segment relation of the two
    warehouses, compared (the instants of scoring left out)."""
    outcomes = compare_warehouses(refreshed, rebuilt, COMPARED_SCHEMAS)
    with connect(refreshed) as con:
        con.execute("attach ? as rebuilt (read_only)", [str(rebuilt)])
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

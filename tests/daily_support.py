"""Helpers for the daily-operation tests: a published warehouse of one day,
the days after it, and reader processes that query it during a refresh.

Run as a module, it is one reader process:

    python -m tests.daily_support <warehouse> <stop-file> <out.json> <reconnect|session>
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from clustering.jobs.fit import fit_segments
from clustering.jobs.score import score_segments
from clustering.ops.dbt import run_dbt
from clustering.settings import Settings
from clustering.synth.days import cut_to_day

# A fixed structure (no model comparison) keeps the fit to a few seconds.
STRUCTURE = {"family": "kmeans", "n_segments": 4}


@dataclass(frozen=True)
class Published:
    """A warehouse published for `day` with its saved model, in `root`."""

    root: Path
    day: date

    @property
    def warehouse(self) -> Path:
        return self.root / "olist.duckdb"

    @property
    def settings(self) -> Settings:
        return Settings(warehouse=self.warehouse, **STRUCTURE)


def publish_first_day(complete: Path, root: Path, day: date) -> Published:
    """What `make run` leaves: the day built, a model fitted, everybody scored,
    the segments layer built."""
    inputs = root.parent / f"{root.name}-input"
    cut_to_day(complete, inputs, day)
    published = Published(root, day)

    def build(selector: str) -> None:
        run_dbt(
            ["build", "--selector", selector],
            input_dir=inputs,
            warehouse=published.warehouse,
            vars={"as_of_date": day.isoformat()},
            in_process=True,
        )

    build("daily")
    fit_segments(published.settings)
    score_segments(published.settings)
    build("segments")
    return published


def copy_published(published: Published, root: Path) -> Published:
    """An independent copy (warehouse, models, exports) for one test."""
    shutil.copytree(published.root, root, ignore=shutil.ignore_patterns(".*"))
    return Published(root, published.day)


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# What a reader checks on each query: one consistent version, whole.
VERSION_SQL = """
select
    (select max(as_of_date) from marts.fct_customer_features) as features_as_of,
    (select max(as_of_date) from segments.customer_segments) as segments_as_of,
    (select max(as_of_date) from segments.segment_size_history) as history_as_of,
    (select count(*) from marts.fct_customer_features) as count_features,
    (select count(*) from segments.customer_segments) as count_segments,
    (select count(*) from segments.dim_customer_segments) as count_dim,
    (select count(*) from segments.customer_segment_history where valid_to is null)
        as count_open_periods
"""


def read_version(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    (row,) = con.execute(VERSION_SQL).fetchall()
    as_of = {str(value) for value in row[:3]}
    counts = set(row[3:])
    return {"as_of": row[0].isoformat(), "complete": len(as_of) == 1 and len(counts) == 1}


def reader_loop(warehouse: Path, stop: Path, out: Path, mode: str) -> None:
    """Query `warehouse` until `stop` exists; write what was seen to `out`.

    `reconnect` opens a new read-only connection per query (a new analyst
    session each time); `session` keeps one open across the refresh."""
    seen: list[dict[str, object]] = []
    errors: list[str] = []
    con = duckdb.connect(str(warehouse), read_only=True) if mode == "session" else None
    while not stop.exists():
        try:
            if mode == "session":
                seen.append(read_version(con))
            else:
                fresh = duckdb.connect(str(warehouse), read_only=True)
                try:
                    seen.append(read_version(fresh))
                finally:
                    fresh.close()
        except Exception as error:  # every failure is the finding
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.01)
    if con is not None:
        con.close()
    out.write_text(json.dumps({"seen": seen, "errors": errors}), encoding="utf-8")


if __name__ == "__main__":
    reader_loop(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])

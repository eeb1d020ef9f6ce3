"""Campaign exports: segment tables copied to Parquet and CSV files that
campaign tools pick up, each replaced whole."""

from __future__ import annotations

from pathlib import Path

from clustering.storage.connection import connect
from clustering.storage.segment_tables import SEGMENT_TABLES, SEGMENTS_SCHEMA

# The tables campaign tools receive as files after every scoring.
EXPORTED_TABLES = ("customer_segments", "segment_profiles")


def export_tables(warehouse: Path, tables: tuple[str, ...], out_dir: Path) -> list[Path]:
    """Copy segment tables to Parquet and CSV files for campaign tools."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with connect(warehouse) as con:
        for table in tables:
            if table not in SEGMENT_TABLES:
                raise ValueError(f"unknown segment table {table!r}")
            for suffix, options in (("parquet", "format parquet"), ("csv", "format csv, header")):
                path = out_dir / f"{table}.{suffix}"
                # Written beside, then renamed over: a campaign tool reading
                # the export meanwhile gets the old file or the new, whole.
                partial = path.with_name(f".{path.name}.partial")
                # COPY takes no bound file name; the path is ours, quotes doubled.
                target = str(partial).replace("'", "''")
                con.execute(
                    f"copy (select * from {SEGMENTS_SCHEMA}.{table} order by all) "
                    f"to '{target}' ({options})"
                )
                partial.replace(path)
                written.append(path)
    return written

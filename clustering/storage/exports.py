"""Campaign exports: segment tables copied to Parquet and CSV files that
campaign tools pick up, each replaced whole."""

from __future__ import annotations

from pathlib import Path

from clustering.storage.connection import connect
from clustering.storage.segment_tables import SEGMENT_TABLES, SEGMENTS_SCHEMA

# The tables campaign tools receive as files after every scoring.
EXPORTED_TABLES = ("customer_segments", "segment_profiles", "segment_audiences")

# Campaign columns of customer_value carried by the customer_segments export:
# a campaign tool filters one file by segment, stage, band or P(alive).
CAMPAIGN_COLUMNS = (
    "p_alive",
    "expected_purchases_90d",
    "expected_purchases_180d",
    "expected_order_value_brl",
    "expected_value_6m_brl",
    "expected_value_6m_low_brl",
    "expected_value_6m_high_brl",
    "value_rank",
    "value_band",
    "lifecycle_stage",
)


def _export_query(table: str) -> str:
    if table != "customer_segments":
        return f"select * from {SEGMENTS_SCHEMA}.{table} order by all"
    # Value columns (null before a value model exists) and the audience's action.
    value = ", ".join(f"customer_value.{name}" for name in CAMPAIGN_COLUMNS)
    return f"""
        select
            customer_segments.*,
            {value},
            segment_audiences.marketing_action as audience_marketing_action
        from {SEGMENTS_SCHEMA}.customer_segments
        left join {SEGMENTS_SCHEMA}.customer_value
            on customer_segments.customer_unique_key = customer_value.customer_unique_key
                and customer_segments.as_of_date = customer_value.as_of_date
        left join {SEGMENTS_SCHEMA}.segment_audiences
            on customer_segments.model_version = segment_audiences.model_version
                and customer_segments.segment_id = segment_audiences.segment_id
                and customer_value.lifecycle_stage = segment_audiences.lifecycle_stage
        order by customer_segments.customer_unique_key
    """


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
                con.execute(f"copy ({_export_query(table)}) to '{target}' ({options})")
                partial.replace(path)
                written.append(path)
    return written

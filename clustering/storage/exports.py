"""Campaign exports: segment tables copied to Parquet and CSV files that
campaign tools pick up, each replaced whole. The customer_segments file adds
to each person what a campaign needs from the marts and the value scoring,
under the names of segments.dim_customer_segments."""

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

# What a campaign needs per person, by their names in
# segments.dim_customer_segments: who (and under which id the order system and
# the CRM know them), which segment and action, where they live, how recently
# and how much they bought, and what they are worth. The customer_segments
# export starts with these columns, and audiences downloaded from the view
# select them, so a file and a download mean the same thing.
AUDIENCE_COLUMNS: tuple[str, ...] = (
    "customer_unique_id",
    "latest_customer_id",
    "customer_unique_key",
    "segment_id",
    "segment_name",
    "segment_marketing_action",
    "audience_marketing_action",
    "lifecycle_stage",
    "customer_state",
    "customer_city",
    "customer_zip_code_prefix",
    "days_since_last_order",
    "last_order_at",
    "count_orders",
    "total_spend_brl",
    "rfm_group",
    "segment_confidence",
    "p_alive",
    "expected_purchases_180d",
    "expected_value_6m_brl",
    "value_band",
    "value_rank",
    "as_of_date",
)

# Every column of the customer_segments export and where it comes from: the
# expressions of models/segments/dim_customer_segments.sql, which the export
# cannot read (dbt builds the view after the scoring writes its tables, and
# on a first run it does not exist yet). The campaign columns first, then the
# rest of the assignment and of the value scoring.
_CUSTOMER_SEGMENTS_EXPORT: dict[str, str] = {
    "customer_unique_id": "customer_segments.customer_unique_id",
    "latest_customer_id": "dim_customers.latest_customer_id",
    "customer_unique_key": "customer_segments.customer_unique_key",
    "segment_id": "customer_segments.segment_id",
    "segment_name": "customer_segments.segment_name",
    "segment_marketing_action": "segment_profiles.marketing_action",
    "audience_marketing_action": "segment_audiences.marketing_action",
    "customer_state": "dim_customers.customer_state",
    "customer_city": "dim_customers.customer_city",
    "customer_zip_code_prefix": "dim_customers.customer_zip_code_prefix",
    "days_since_last_order": "fct_customer_features.days_since_last_order",
    "last_order_at": "fct_customer_rfm.last_order_at",
    "count_orders": "fct_customer_features.count_orders",
    "total_spend_brl": "fct_customer_features.total_spend_brl",
    "rfm_group": "fct_customer_features.rfm_group",
    "segment_confidence": "customer_segments.confidence",
    "as_of_date": "customer_segments.as_of_date",
    "distance_to_center": "customer_segments.distance_to_center",
    "top_trait_1": "customer_segments.top_trait_1",
    "top_trait_2": "customer_segments.top_trait_2",
    "top_trait_3": "customer_segments.top_trait_3",
    **{name: f"customer_value.{name}" for name in CAMPAIGN_COLUMNS},
    "model_version": "customer_segments.model_version",
    "scored_at": "customer_segments.scored_at",
}
CUSTOMER_SEGMENTS_EXPORT_COLUMNS: tuple[str, ...] = (
    *AUDIENCE_COLUMNS,
    *(name for name in _CUSTOMER_SEGMENTS_EXPORT if name not in AUDIENCE_COLUMNS),
)


def _export_query(table: str) -> str:
    if table != "customer_segments":
        return f"select * from {SEGMENTS_SCHEMA}.{table} order by all"
    columns = ",\n            ".join(
        f"{_CUSTOMER_SEGMENTS_EXPORT[name]} as {name}" for name in CUSTOMER_SEGMENTS_EXPORT_COLUMNS
    )
    # The view's joins and join keys, but all left joins: the export's grain is
    # customer_segments, one row per scored person, as campaign tools have
    # always received it. A person the view drops (scored at another as-of
    # date than the marts' after a rebuild, or missing from a mart) keeps a
    # row here with those columns null, rather than silently leaving the
    # campaign. Everyone the view keeps gets the view's values. Each table
    # joined is unique on its join keys (dbt tests), so nobody appears twice.
    # Value columns are null before a value model has scored, as in the view.
    return f"""
        select
            {columns}
        from {SEGMENTS_SCHEMA}.customer_segments
        left join {SEGMENTS_SCHEMA}.segment_profiles
            on customer_segments.model_version = segment_profiles.model_version
                and customer_segments.segment_id = segment_profiles.segment_id
        left join marts.fct_customer_features
            on customer_segments.customer_unique_key = fct_customer_features.customer_unique_key
                and customer_segments.as_of_date = fct_customer_features.as_of_date
        left join marts.dim_customers
            on customer_segments.customer_unique_key = dim_customers.customer_unique_key
        left join marts.fct_customer_rfm
            on customer_segments.customer_unique_key = fct_customer_rfm.customer_unique_key
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

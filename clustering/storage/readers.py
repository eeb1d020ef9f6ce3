"""Named readers of the marts and the audit tables: every query the jobs and
the reports run against the warehouse, each with an error that says how to
fix a missing table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from clustering.errors import WarehouseError
from clustering.ml.features import FEATURE_NAMES, schema_fingerprint
from clustering.storage.connection import Connection, opened, table_columns, table_exists
from clustering.storage.segment_tables import SEGMENTS_SCHEMA

Source = Path | Connection

FEATURES_SCHEMA = "marts"


FEATURES_TABLE = "fct_customer_features"


# Columns read besides the model features: identity, context for profiles.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "as_of_date",
    "customer_unique_key",
    "customer_unique_id",
    "customer_state",
    "rfm_group",
    "is_repeat_buyer",
)


@dataclass(frozen=True)
class FeatureTable:
    """The features mart as read for fitting or scoring."""

    frame: pd.DataFrame
    as_of_date: date
    fingerprint: str  # of the model feature columns' names and types

    @property
    def count_customers(self) -> int:
        return len(self.frame)


def read_features(warehouse: Source) -> FeatureTable:
    """Every person's row of marts.fct_customer_features: context and feature columns.

    Raises WarehouseError naming the missing table or columns and the fix."""
    wanted = CONTEXT_COLUMNS + FEATURE_NAMES
    with opened(warehouse) as con:
        columns = table_columns(con, FEATURES_SCHEMA, FEATURES_TABLE)
        if not columns:
            raise WarehouseError(
                f"table {FEATURES_SCHEMA}.{FEATURES_TABLE} not found in {warehouse}; "
                "run `dbt build` first"
            )
        missing = [name for name in wanted if name not in columns]
        if missing:
            raise WarehouseError(
                f"{FEATURES_SCHEMA}.{FEATURES_TABLE} in {warehouse} lacks column(s) "
                f"{', '.join(missing)}; the warehouse is older than this package: "
                "run `dbt build` first"
            )
        select_list = ", ".join(wanted)
        frame = con.execute(
            f"select {select_list} from {FEATURES_SCHEMA}.{FEATURES_TABLE} "
            "order by customer_unique_key"
        ).df()
    if frame.empty:
        raise WarehouseError(
            f"{FEATURES_SCHEMA}.{FEATURES_TABLE} in {warehouse} is empty; check the input "
            "files and audit.audit_load_summary, then run `dbt build`"
        )
    dates = frame["as_of_date"].unique()
    if len(dates) != 1:
        raise WarehouseError(
            f"{FEATURES_SCHEMA}.{FEATURES_TABLE} holds {len(dates)} as-of dates; expected one"
        )
    fingerprint = schema_fingerprint({name: columns[name] for name in FEATURE_NAMES})
    return FeatureTable(
        frame=frame,
        as_of_date=pd.Timestamp(dates[0]).date(),
        fingerprint=fingerprint,
    )


SNAPSHOTS_TABLE = "fct_customer_features_at_cutoffs"


def has_snapshots(warehouse: Source) -> bool:
    """Whether the monthly snapshots (`dbt build --selector stability`) are built."""
    with opened(warehouse) as con:
        return table_exists(con, FEATURES_SCHEMA, SNAPSHOTS_TABLE)


def read_snapshots(warehouse: Source) -> pd.DataFrame:
    """marts.fct_customer_features_at_cutoffs: every person at every cutoff."""
    wanted = CONTEXT_COLUMNS + FEATURE_NAMES
    with opened(warehouse) as con:
        columns = table_columns(con, FEATURES_SCHEMA, SNAPSHOTS_TABLE)
        missing = [name for name in wanted if name not in columns]
        if not columns or missing:
            what = "not found" if not columns else f"lacks column(s) {', '.join(missing)}"
            raise WarehouseError(
                f"table {FEATURES_SCHEMA}.{SNAPSHOTS_TABLE} {what} in {warehouse}; "
                "build the monthly snapshots first: `dbt build --selector stability` "
                "(after the daily build)"
            )
        frame = con.execute(
            f"select {', '.join(wanted)} from {FEATURES_SCHEMA}.{SNAPSHOTS_TABLE} "
            "order by as_of_date, customer_unique_key"
        ).df()
    if frame.empty:
        raise WarehouseError(
            f"{FEATURES_SCHEMA}.{SNAPSHOTS_TABLE} in {warehouse} is empty; check the dbt var "
            "stability_cutoffs against the data's dates"
        )
    return frame


def _read_mart(warehouse: Source, table: str, sql: str, fix: str) -> pd.DataFrame:
    """`sql` over marts.<table>, or an error naming the missing table and `fix`."""
    with opened(warehouse) as con:
        if not table_exists(con, FEATURES_SCHEMA, table):
            raise WarehouseError(f"table {FEATURES_SCHEMA}.{table} not found in {warehouse}; {fix}")
        return con.execute(sql).df()


def read_purchases(warehouse: Source) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Every purchase (person, time, value) and the instant the data end (the
    marts' cutoff: purchases after it are not in the warehouse)."""
    frame = _read_mart(
        warehouse,
        "fct_orders",
        "select customer_unique_key, purchased_at, cast(order_value_brl as double) "
        f"as order_value_brl from {FEATURES_SCHEMA}.fct_orders where is_purchase",
        "run `dbt build` first",
    )
    return frame, pd.Timestamp(read_as_of_date(warehouse)) + pd.Timedelta(days=1)


def read_as_of_reconciliation(warehouse: Source) -> dict[str, object] | None:
    """The one row of audit.audit_as_of_reconciliation (None when the warehouse
    predates it): what the as-of date leaves out of the marts."""
    with opened(warehouse) as con:
        if not table_exists(con, "audit", "audit_as_of_reconciliation"):
            return None
        frame = con.execute("select * from audit.audit_as_of_reconciliation").df()
    return frame.iloc[0].to_dict() if len(frame) else None


def read_model_features(warehouse: Source, model_version: str) -> pd.DataFrame:
    """segments.model_features of one model (empty for a model fitted before
    the coverage policy)."""
    with opened(warehouse) as con:
        if not table_exists(con, SEGMENTS_SCHEMA, "model_features"):
            return pd.DataFrame()
        return con.execute(
            f"select * from {SEGMENTS_SCHEMA}.model_features where model_version = ? "
            "order by feature_name",
            [model_version],
        ).df()


@dataclass(frozen=True)
class CutoffNote:
    """Staged orders the marts leave out because they were purchased after the as-of date."""

    as_of_date: str
    as_of_date_source: str
    count_orders: int
    payments_brl: float

    @property
    def line(self) -> str:
        one = self.count_orders == 1
        return (
            f"{self.count_orders:,} staged order{'' if one else 's'} (R$ "
            f"{self.payments_brl:,.2f} of payments) {'was' if one else 'were'} purchased after "
            f"the as-of date {self.as_of_date} ({self.as_of_date_source}) and "
            f"{'is' if one else 'are'} not in the marts: see audit.audit_as_of_reconciliation; "
            "set the dbt var as_of_date to move the cut"
        )


def cutoff_note(warehouse: Source) -> CutoffNote | None:
    """What the as-of date leaves out of the marts (None when nothing is)."""
    row = read_as_of_reconciliation(warehouse)
    if row is None or not row["count_orders_after_cutoff"]:
        return None
    return CutoffNote(
        as_of_date=str(pd.Timestamp(row["as_of_date"]).date()),
        as_of_date_source=str(row["as_of_date_source"]),
        count_orders=int(row["count_orders_after_cutoff"]),
        payments_brl=float(row["payments_after_cutoff_brl"] or 0.0),
    )


def read_load_summary(warehouse: Source) -> pd.DataFrame:
    """audit.audit_load_summary: raw, staged and rejected rows per input file."""
    with opened(warehouse) as con:
        return con.execute(
            "select source_file, raw_rows, staged_rows, rejected_rows "
            "from audit.audit_load_summary order by source_file"
        ).df()


def read_assignments(warehouse: Source) -> pd.DataFrame:
    """Every customer's segment id and name (segments.customer_segments)."""
    with opened(warehouse) as con:
        return con.execute(
            "select customer_unique_key, segment_id, segment_name "
            f"from {SEGMENTS_SCHEMA}.customer_segments"
        ).df()


def read_segment_rfm_crosstab(warehouse: Source) -> pd.DataFrame:
    """Customers per segment x rule-based RFM group."""
    with opened(warehouse) as con:
        return con.execute(
            "select segments.segment_id, segments.segment_name, features.rfm_group, "
            "count(*) as count_customers "
            f"from {SEGMENTS_SCHEMA}.customer_segments as segments "
            f"inner join {FEATURES_SCHEMA}.{FEATURES_TABLE} as features "
            "on segments.customer_unique_key = features.customer_unique_key "
            "group by all order by all"
        ).df()


def read_segment_matches(warehouse: Source, model_version: str) -> pd.DataFrame:
    """How one model's segments matched the previous model's (empty when no
    model was matched yet)."""
    with opened(warehouse) as con:
        if not table_exists(con, SEGMENTS_SCHEMA, "segment_matches"):
            return pd.DataFrame()
        return con.execute(
            "select segment_id, previous_segment_id, jaccard, is_carried_over "
            f"from {SEGMENTS_SCHEMA}.segment_matches where model_version = ? "
            "order by segment_id",
            [model_version],
        ).df()


# The purchase summary the value model reads (models/marts, docs block
# purchase_summary_policy), at the as-of date and at each monthly cutoff.
SUMMARY_TABLE = "fct_customer_purchase_summary"
SUMMARY_AT_CUTOFFS_TABLE = "fct_customer_purchase_summary_at_cutoffs"
OUTCOMES_TABLE = "fct_customer_purchases_after_cutoffs"
MONITOR_SUMMARY_TABLE = "fct_customer_purchase_summary_before_monitor_window"


_SUMMARY_COLUMNS = (
    "as_of_date, customer_unique_key, customer_unique_id, count_orders, count_purchase_days, "
    "count_repeat_purchases, recency_days, customer_age_days, days_since_last_purchase, "
    "cast(total_spend_brl as double) as total_spend_brl, "
    "cast(avg_repeat_value_brl as double) as avg_repeat_value_brl"
)


def read_purchase_summary(warehouse: Source, table: str = SUMMARY_TABLE) -> pd.DataFrame:
    """marts.fct_customer_purchase_summary (or, with MONITOR_SUMMARY_TABLE, the
    summary at the start of the value monitor's window): one row per person,
    ordered by key."""
    return _read_mart(
        warehouse,
        table,
        f"select {_SUMMARY_COLUMNS} from {FEATURES_SCHEMA}.{table} order by customer_unique_key",
        "run `dbt build` first",
    )


def read_holdout_inputs(warehouse: Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary at every monthly cutoff and what each person bought after it."""
    fix = "build the monthly snapshots first: `dbt build --selector stability`"
    summaries = _read_mart(
        warehouse,
        SUMMARY_AT_CUTOFFS_TABLE,
        f"select {_SUMMARY_COLUMNS} from {FEATURES_SCHEMA}.{SUMMARY_AT_CUTOFFS_TABLE} "
        "order by as_of_date, customer_unique_key",
        fix,
    )
    outcomes = _read_mart(
        warehouse,
        OUTCOMES_TABLE,
        "select as_of_date, customer_unique_key, days_observed_after_cutoff, "
        "count_purchases_next_90d, count_purchases_next_180d, "
        "cast(spend_next_90d_brl as double) as spend_next_90d_brl, "
        "cast(spend_next_180d_brl as double) as spend_next_180d_brl "
        f"from {FEATURES_SCHEMA}.{OUTCOMES_TABLE} order by as_of_date, customer_unique_key",
        fix,
    )
    for frame in (summaries, outcomes):
        frame["as_of_date"] = pd.to_datetime(frame["as_of_date"])
    return summaries, outcomes


def read_purchase_days_after(warehouse: Source, after: date) -> pd.DataFrame:
    """Per person, purchase days after `after` up to the marts' as-of date."""
    return _read_mart(
        warehouse,
        "fct_orders",
        "select customer_unique_key, count(distinct cast(purchased_at as date)) as purchases "
        f"from {FEATURES_SCHEMA}.fct_orders where is_purchase "
        f"and cast(purchased_at as date) > date '{after.isoformat()}' "
        "group by customer_unique_key",
        "run `dbt build` first",
    )


def read_as_of_date(warehouse: Source) -> date:
    """The marts' as-of date (as in marts.fct_orders)."""
    frame = _read_mart(
        warehouse,
        "fct_orders",
        f"select max(as_of_date) from {FEATURES_SCHEMA}.fct_orders",
        "run `dbt build` first",
    )
    return pd.Timestamp(frame.iloc[0, 0]).date()

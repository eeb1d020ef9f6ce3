"""The segment tables the Python jobs write (schema `segments`): their columns
declared once, and the writer that keeps them in that shape and stores the
data dictionary (clustering.storage.dictionary) as their DuckDB comments.

models/segments/_segments__sources.yml documents the same tables for dbt;
tests/test_segment_tables.py checks that both declare the same columns and
types, so neither can drift from the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from clustering.errors import WarehouseError
from clustering.ml.features import FEATURE_NAMES
from clustering.storage.connection import connect, opened, table_exists
from clustering.storage.dictionary import comment_statements

SEGMENTS_SCHEMA = "segments"

T = TypeVar("T")


# The segment tables: name -> column DDL. The writer casts every frame to these
# types, so the tables keep one shape whatever pandas inferred.
SEGMENT_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "customer_segments": (
        ("customer_unique_key", "uinteger"),
        ("customer_unique_id", "varchar"),
        ("segment_id", "integer"),
        ("segment_name", "varchar"),
        ("model_version", "varchar"),
        ("as_of_date", "date"),
        ("scored_at", "timestamp"),
        ("confidence", "double"),
        ("distance_to_center", "double"),
        ("top_trait_1", "varchar"),
        ("top_trait_2", "varchar"),
        ("top_trait_3", "varchar"),
    ),
    "segment_profiles": (
        ("model_version", "varchar"),
        ("as_of_date", "date"),
        ("segment_id", "integer"),
        ("segment_name", "varchar"),
        ("count_customers", "bigint"),
        ("share_customers", "double"),
        ("total_spend_brl", "double"),
        ("revenue_share", "double"),
        ("avg_spend_brl", "double"),
        ("share_repeat_buyers", "double"),
        *((f"{stat}_{name}", "double") for name in FEATURE_NAMES for stat in ("mean", "median")),
        ("description", "varchar"),
        ("differences", "varchar"),
        ("marketing_action", "varchar"),
        ("action_reason", "varchar"),
        ("dominant_rfm_group", "varchar"),
        # Filled by the value scoring (clustering.jobs.value), null before it.
        ("expected_value_6m_brl", "double"),
        ("avg_expected_value_6m_brl", "double"),
        ("share_likely_active", "double"),
        ("share_recent", "double"),
    ),
    "segment_feature_contrasts": (
        ("model_version", "varchar"),
        ("segment_id", "integer"),
        ("feature_name", "varchar"),
        ("count_with_value", "bigint"),
        ("segment_mean", "double"),
        ("segment_median", "double"),
        ("population_mean", "double"),
        ("population_median", "double"),
        ("standardized_difference", "double"),
    ),
    "model_selection": (
        ("model_version", "varchar"),
        ("candidate", "varchar"),
        ("family", "varchar"),
        ("n_segments", "integer"),
        ("silhouette", "double"),
        ("silhouette_without_review", "double"),
        ("davies_bouldin", "double"),
        ("calinski_harabasz", "double"),
        ("count_refits", "integer"),
        ("seed_ari_min", "double"),
        ("noise_edge", "double"),
        ("noise_edge_low", "double"),
        ("noise_edge_high", "double"),
        ("noise_mean", "double"),
        ("smallest_segment_share", "double"),
        ("largest_segment_share", "double"),
        ("fit_seconds", "double"),
        ("is_stable", "boolean"),
        ("is_eligible", "boolean"),
        ("is_chosen", "boolean"),
        ("features_left_out", "varchar"),
    ),
    "segment_models": (
        ("model_version", "varchar"),
        ("fitted_at", "timestamp"),
        ("as_of_date", "date"),
        ("family", "varchar"),
        ("n_segments", "integer"),
        ("count_customers", "bigint"),
        ("feature_fingerprint", "varchar"),
        ("random_state", "integer"),
        ("selection_reason", "varchar"),
        ("previous_model_version", "varchar"),
        ("features", "varchar"),
        ("features_left_out", "varchar"),
        ("caveats", "varchar"),
    ),
    # One row per declared feature per model: measured coverage and whether
    # the model uses it (clustering.ml.coverage).
    "model_features": (
        ("model_version", "varchar"),
        ("feature_name", "varchar"),
        ("count_customers", "bigint"),
        ("count_with_value", "bigint"),
        ("coverage", "double"),
        ("count_distinct_values", "bigint"),
        ("is_used", "boolean"),
        ("reason", "varchar"),
    ),
    "segment_matches": (
        ("model_version", "varchar"),
        ("previous_model_version", "varchar"),
        ("segment_id", "integer"),
        ("previous_segment_id", "integer"),
        ("jaccard", "double"),
        ("is_carried_over", "boolean"),
    ),
}


# A refit noise band (clustering.ml.resampling.NoiseBand), in the tables that carry one.
NOISE_BAND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("noise_edge", "double"),
    ("noise_edge_low", "double"),
    ("noise_edge_high", "double"),
    ("seed_ari_min", "double"),
    ("noise_min", "double"),
    ("noise_mean", "double"),
    ("noise_max", "double"),
    ("noise_std", "double"),
)


# The stability backtest's evidence (replaced by every `clustering stability`)
# and the monitor's log (appended by every `clustering monitor`).
SEGMENT_TABLES |= {
    "stability_points": (
        ("origin_date", "date"),
        ("horizon_months", "integer"),
        ("target_date", "date"),
        ("count_customers_origin", "bigint"),
        ("count_customers_target", "bigint"),
        ("ari_frozen_vs_refit", "double"),
        *NOISE_BAND_COLUMNS,
        ("noise_lower_edge", "double"),
        ("count_segments_carried", "integer"),
        ("share_stayed", "double"),
        ("share_stayed_ageing_only", "double"),
        ("max_core_psi", "double"),
        ("max_core_psi_feature", "varchar"),
        ("segment_share_psi", "double"),
        ("max_share_shift_points", "double"),
        ("is_stale", "boolean"),
        ("is_feature_drift", "boolean"),
        ("is_share_shift", "boolean"),
        ("is_retrain_due", "boolean"),
        ("reasons", "varchar"),
    ),
    "stability_noise": (
        ("target_date", "date"),
        ("refit_kind", "varchar"),
        ("refit_index", "integer"),
        ("ari", "double"),
    ),
    "stability_noise_band": (
        ("target_date", "date"),
        ("count_customers", "bigint"),
        ("count_refits", "integer"),
        ("noise_quantile", "double"),
        *NOISE_BAND_COLUMNS,
    ),
    "stability_migration": (
        ("origin_date", "date"),
        ("horizon_months", "integer"),
        ("customer_group", "varchar"),
        ("from_label", "integer"),
        ("to_label", "integer"),
        ("count_customers", "bigint"),
        ("share", "double"),
    ),
    "stability_feature_psi": (
        ("origin_date", "date"),
        ("horizon_months", "integer"),
        ("feature_name", "varchar"),
        ("psi", "double"),
        ("is_core", "boolean"),
    ),
    "stability_segment_jaccard": (
        ("origin_date", "date"),
        ("label", "integer"),
        ("segment_name", "varchar"),
        ("count_customers", "bigint"),
        ("bootstrap_jaccard", "double"),
        ("is_weak", "boolean"),
    ),
    "stability_future_behaviour": (
        ("origin_date", "date"),
        ("window_days", "integer"),
        ("label", "integer"),
        ("segment_name", "varchar"),
        ("count_customers", "bigint"),
        ("count_repurchased", "bigint"),
        ("repurchase_rate", "double"),
        ("repurchase_rate_low", "double"),
        ("repurchase_rate_high", "double"),
        ("future_spend_brl", "double"),
        ("future_spend_low", "double"),
        ("future_spend_high", "double"),
    ),
    "stability_future_tests": (
        ("origin_date", "date"),
        ("window_days", "integer"),
        ("chi_square", "double"),
        ("p_value", "double"),
        ("segments_differ", "boolean"),
    ),
    "stability_first_due": (
        ("origin_date", "date"),
        ("first_due_horizon_months", "integer"),
        ("observed_horizon_months", "integer"),
        ("is_censored", "boolean"),
        ("reasons", "varchar"),
    ),
    "stability_sensitivity": (
        ("band_edge", "varchar"),
        ("psi_threshold", "double"),
        ("share_shift_points", "double"),
        ("recommended_months", "integer"),
        ("range_low_months", "integer"),
        ("range_high_months", "integer"),
        ("count_censored", "integer"),
    ),
    "stability_recommendation": (
        ("measured_at", "timestamp"),
        ("family", "varchar"),
        ("n_segments", "integer"),
        ("first_cutoff", "date"),
        ("last_cutoff", "date"),
        ("count_origins", "integer"),
        ("recommended_months", "integer"),
        ("range_low_months", "integer"),
        ("range_high_months", "integer"),
        ("count_censored", "integer"),
        ("psi_threshold", "double"),
        ("share_shift_points", "double"),
        ("band_edge", "varchar"),
        ("noise_quantile", "double"),
        ("count_refits_per_cutoff", "integer"),
        ("recommendation", "varchar"),
        ("retrain_seconds", "double"),
        ("monitor_seconds", "double"),
        ("backtest_seconds", "double"),
    ),
    "monitoring_runs": (
        ("monitored_at", "timestamp"),
        ("model_version", "varchar"),
        ("fitted_as_of_date", "date"),
        ("as_of_date", "date"),
        ("model_age_months", "double"),
        ("recommended_months", "integer"),
        ("max_core_psi", "double"),
        ("max_core_psi_feature", "varchar"),
        ("segment_share_psi", "double"),
        ("max_share_shift_points", "double"),
        ("ari_with_refit", "double"),
        ("noise_lower_edge", "double"),
        ("noise_edge", "double"),
        ("noise_edge_high", "double"),
        ("seed_ari_min", "double"),
        ("count_refits", "integer"),
        ("retrain_due_date", "date"),
        ("is_retrain_recommended", "boolean"),
        ("reasons", "varchar"),
    ),
}


# Membership over time (clustering.storage.history keeps them; scoring never replaces
# them) and the log of daily refreshes (clustering.jobs.refresh appends to it).
SEGMENT_TABLES |= {
    "customer_segment_history": (
        ("customer_unique_key", "uinteger"),
        ("customer_unique_id", "varchar"),
        ("segment_id", "integer"),
        ("segment_name", "varchar"),
        ("model_version", "varchar"),
        ("valid_from", "date"),
        ("valid_to", "date"),
    ),
    "segment_size_history": (
        ("as_of_date", "date"),
        ("model_version", "varchar"),
        ("segment_id", "integer"),
        ("segment_name", "varchar"),
        ("count_customers", "bigint"),
        ("count_entered", "bigint"),
        ("count_left", "bigint"),
    ),
    "refresh_runs": (
        ("refreshed_at", "timestamp"),
        ("as_of_date", "date"),
        ("input_dir", "varchar"),
        ("model_version", "varchar"),
        ("rows_raw", "bigint"),
        ("rows_rejected", "bigint"),
        ("count_customers", "bigint"),
        ("count_new_customers", "bigint"),
        ("count_changed_segment", "bigint"),
        ("count_gone_customers", "bigint"),
        ("is_rerun", "boolean"),
        ("build_seconds", "double"),
        ("score_seconds", "double"),
        ("total_seconds", "double"),
        ("monitor_line", "varchar"),
    ),
}


# Memberships before the first scoring (clustering.jobs.backfill): the current
# model scored over the monthly snapshots, replaced whole by every backfill.
SEGMENT_TABLES |= {
    "customer_segment_backfill": (
        ("as_of_date", "date"),
        ("customer_unique_key", "uinteger"),
        ("segment_id", "integer"),
        ("model_version", "varchar"),
    ),
    "segment_size_backfill": (
        ("as_of_date", "date"),
        ("model_version", "varchar"),
        ("segment_id", "integer"),
        ("segment_name", "varchar"),
        ("count_customers", "bigint"),
        ("share_customers", "double"),
    ),
}


# Customer value (clustering.jobs.value): per-person predictions, the
# audiences they split each segment into, the holdout proof and the monitor.
SEGMENT_TABLES |= {
    "customer_value": (
        ("customer_unique_key", "uinteger"),
        ("customer_unique_id", "varchar"),
        ("as_of_date", "date"),
        ("value_model_version", "varchar"),
        ("scored_at", "timestamp"),
        ("p_alive", "double"),
        ("is_likely_active", "boolean"),
        ("expected_purchases_90d", "double"),
        ("expected_purchases_180d", "double"),
        ("expected_order_value_brl", "double"),
        ("expected_value_6m_brl", "double"),
        ("expected_value_6m_low_brl", "double"),
        ("expected_value_6m_high_brl", "double"),
        ("value_rank", "bigint"),
        ("value_band", "varchar"),
        ("days_since_last_purchase", "integer"),
        ("lifecycle_stage", "varchar"),
    ),
    "segment_audiences": (
        ("model_version", "varchar"),
        ("value_model_version", "varchar"),
        ("as_of_date", "date"),
        ("segment_id", "integer"),
        ("segment_name", "varchar"),
        ("lifecycle_stage", "varchar"),
        ("count_customers", "bigint"),
        ("share_of_segment", "double"),
        ("avg_p_alive", "double"),
        ("expected_purchases_180d", "double"),
        ("expected_value_6m_brl", "double"),
        ("avg_expected_value_6m_brl", "double"),
        ("action_key", "varchar"),
        ("marketing_action", "varchar"),
        ("action_reason", "varchar"),
    ),
    "value_models": (
        ("value_model_version", "varchar"),
        ("fitted_at", "timestamp"),
        ("as_of_date", "date"),
        ("variant", "varchar"),
        ("variant_reason", "varchar"),
        ("count_customers", "bigint"),
        ("count_repeat_buyers", "bigint"),
        ("share_one_time_buyers", "double"),
        ("parameters", "varchar"),
        ("fit_seconds", "double"),
        ("holdout_seconds", "double"),
        ("count_holdout_cutoffs", "integer"),
        ("beats_baseline", "boolean"),
        ("ranking", "varchar"),
        ("verdict", "varchar"),
    ),
    "value_holdout": (
        ("value_model_version", "varchar"),
        ("cutoff_date", "date"),
        ("horizon_days", "integer"),
        ("method", "varchar"),
        ("is_chosen_variant", "boolean"),
        ("count_customers", "bigint"),
        ("count_buyers", "bigint"),
        ("predicted_purchases", "double"),
        ("actual_purchases", "double"),
        ("predicted_value_brl", "double"),
        ("actual_value_brl", "double"),
        ("top_decile_capture", "double"),
        ("mean_absolute_error", "double"),
    ),
    "value_holdout_deciles": (
        ("value_model_version", "varchar"),
        ("cutoff_date", "date"),
        ("horizon_days", "integer"),
        ("method", "varchar"),
        ("decile", "integer"),
        ("count_customers", "bigint"),
        ("predicted_purchases", "double"),
        ("actual_purchases", "double"),
        ("predicted_value_brl", "double"),
        ("actual_value_brl", "double"),
        ("count_buyers", "bigint"),
    ),
    "value_monitoring_runs": (
        ("monitored_at", "timestamp"),
        ("value_model_version", "varchar"),
        ("fitted_as_of_date", "date"),
        ("as_of_date", "date"),
        ("window_start", "date"),
        ("count_customers", "bigint"),
        ("predicted_purchases", "double"),
        ("actual_purchases", "double"),
        ("actual_to_predicted", "double"),
        ("normal_low", "double"),
        ("normal_high", "double"),
        ("is_in_sample", "boolean"),
        ("is_drifting", "boolean"),
        ("line", "varchar"),
    ),
}


# segment_profiles' columns the value scoring fills (null until it runs).
VALUE_PROFILE_COLUMNS = (
    "expected_value_6m_brl",
    "avg_expected_value_6m_brl",
    "share_likely_active",
    "share_recent",
)


# The value tables dbt reads (dim_customer_segments, the source tests): they
# exist, empty, from the first write on, before any value model is fitted.
VALUE_TABLES = ("customer_value", "segment_audiences")


# The backfill tables the app and dbt read: they exist, empty, from the first
# write on, before any backfill has run.
BACKFILL_TABLES = ("customer_segment_backfill", "segment_size_backfill")


# Tables that keep history (rows of earlier models are kept, this model's replaced).
HISTORY_TABLES = ("segment_models", "segment_matches", "model_features")


# Tables that only grow: every run adds its rows.
APPEND_TABLES = ("monitoring_runs", "refresh_runs", "value_monitoring_runs")


# Tables written by clustering.storage.history through write_segment_tables' `then`.
MEMBERSHIP_TABLES = ("customer_segment_history", "segment_size_history")


# segment_profiles holds a mean_<f>, median_<f> pair per feature of the model
# only: these declared columns are written when the frame has them.
PER_MODEL_FEATURE_COLUMNS = {
    "segment_profiles": frozenset(
        f"{stat}_{name}" for name in FEATURE_NAMES for stat in ("mean", "median")
    )
}


def table_schema(table: str, frame: pd.DataFrame | None = None) -> tuple[tuple[str, str], ...]:
    """The columns of a segment table (for segment_profiles: those of `frame`'s model)."""
    optional = PER_MODEL_FEATURE_COLUMNS.get(table, frozenset())
    return tuple(
        (name, kind)
        for name, kind in SEGMENT_TABLES[table]
        if name not in optional or (frame is not None and name in frame.columns)
    )


def _create_table(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | None = None
) -> None:
    schema = table_schema(table, frame)
    columns = ", ".join(f"{name} {kind}" for name, kind in schema)
    con.execute(f"create table if not exists {SEGMENTS_SCHEMA}.{table} ({columns})")
    if table in HISTORY_TABLES + APPEND_TABLES:
        # Kept across versions of this package: a warehouse written before a
        # column was added gets it (null on the old rows).
        for name, kind in schema:
            con.execute(
                f"alter table {SEGMENTS_SCHEMA}.{table} add column if not exists {name} {kind}"
            )
    # On every write, not only on creation: a table made before the comments
    # existed (or before a text changed) gets the current ones. Cheap: all
    # 376 statements of every table take about 60 ms.
    for statement in comment_statements(SEGMENTS_SCHEMA, table, [name for name, _ in schema]):
        con.execute(statement)


def write_segment_tables(
    warehouse: Path,
    tables: dict[str, pd.DataFrame],
    *,
    model_version: str,
    then: Callable[[duckdb.DuckDBPyConnection], T] | None = None,
) -> T | None:
    """Write the given segment tables in one transaction.

    Current-state tables are replaced; history tables get this model's rows
    replaced and earlier models' rows kept. `then(con)`, when given, runs in
    the same transaction after the tables are written (the membership history
    folds the new assignments in) and its result is returned. Nothing is
    visible to readers until all of it is done."""
    unknown = sorted(set(tables) - set(SEGMENT_TABLES))
    if unknown:
        raise ValueError(f"unknown segment table(s) {', '.join(unknown)}")
    kept = sorted(set(tables) & set(MEMBERSHIP_TABLES))
    if kept:
        raise ValueError(
            f"segment table(s) {', '.join(kept)} are kept by clustering.storage.history when "
            "assignments are scored; they cannot be written directly"
        )
    outcome = None
    with connect(warehouse, read_only=False) as con:
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {SEGMENTS_SCHEMA}")
            # Every table the dbt sources declare exists after any write, also
            # in a warehouse written by an earlier version of this package.
            for table in MEMBERSHIP_TABLES + HISTORY_TABLES + VALUE_TABLES + BACKFILL_TABLES:
                _create_table(con, table)
            for table, frame in tables.items():
                columns = table_schema(table, frame)
                missing = [name for name, _ in columns if name not in frame.columns]
                if missing:
                    raise ValueError(f"{table} frame lacks column(s) {', '.join(missing)}")
                if table in APPEND_TABLES:
                    _create_table(con, table)
                elif table in HISTORY_TABLES:
                    _create_table(con, table)
                    con.execute(
                        f"delete from {SEGMENTS_SCHEMA}.{table} where model_version = ?",
                        [model_version],
                    )
                else:
                    con.execute(f"drop table if exists {SEGMENTS_SCHEMA}.{table}")
                    _create_table(con, table, frame)
                con.register("incoming_rows", frame)
                names = ", ".join(name for name, _ in columns)
                select_list = ", ".join(f"cast({name} as {kind})" for name, kind in columns)
                con.execute(
                    f"insert into {SEGMENTS_SCHEMA}.{table} ({names}) "
                    f"select {select_list} from incoming_rows"
                )
                con.unregister("incoming_rows")
            if then is not None:
                outcome = then(con)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return outcome


def read_segment_table(warehouse: Path | duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """One segment table as a frame; a clear error when scoring has not run."""
    if table not in SEGMENT_TABLES:
        raise ValueError(f"unknown segment table {table!r}")
    with opened(warehouse) as con:
        if not table_exists(con, SEGMENTS_SCHEMA, table):
            raise WarehouseError(
                f"table {SEGMENTS_SCHEMA}.{table} not found in {warehouse}; "
                "run `clustering fit` and `clustering score` first"
            )
        return con.execute(f"select * from {SEGMENTS_SCHEMA}.{table}").df()


def has_segment_table(warehouse: Path | duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether segments.<table> exists in the warehouse."""
    with opened(warehouse) as con:
        return table_exists(con, SEGMENTS_SCHEMA, table)

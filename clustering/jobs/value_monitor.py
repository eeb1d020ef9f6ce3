"""The value monitor (after each refresh): do the saved value model's
predictions still match what customers do?

From the purchase summary as it stood at the start of the last 90 days
(marts.fct_customer_purchase_summary_before_monitor_window) the saved model
predicts the purchases of those days; fct_orders says how many happened. The
ratio actual / predicted is drift when it leaves the range the holdout
measured, widened by settings.value.drift_margin on each side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from clustering.settings import Settings
from clustering.storage.readers import (
    MONITOR_SUMMARY_TABLE,
    read_as_of_date,
    read_purchase_days_after,
    read_purchase_summary,
)
from clustering.storage.segment_tables import write_segment_tables
from clustering.storage.value_store import ValueModelRecord, load_value_model


@dataclass(frozen=True)
class ValueDrift:
    row: dict[str, object]
    is_drifting: bool
    line: str


def assess_value(settings: Settings, *, record: ValueModelRecord | None = None) -> ValueDrift:
    """Predicted vs actual purchases over the monitor's window."""
    record = record or load_value_model(settings.value_models_path)
    summary = read_purchase_summary(settings.warehouse, MONITOR_SUMMARY_TABLE)
    as_of = read_as_of_date(settings.warehouse)
    window_start = pd.Timestamp(summary["as_of_date"].iloc[0]).date() if len(summary) else None
    predicted = 0.0
    actual = 0.0
    if window_start is not None:
        days = (as_of - window_start).days  # dbt var value_monitor_days
        predicted = float(record.model().expected_purchases(summary, days).sum())
        bought = read_purchase_days_after(settings.warehouse, window_start)
        known = bought[bought["customer_unique_key"].isin(summary["customer_unique_key"])]
        actual = float(known["purchases"].sum())
    ratio = actual / predicted if predicted > 0 else float("nan")
    normal = record.holdout_ratio_range_90d
    margin = settings.value.drift_margin
    low, high = (normal[0] / margin, normal[1] * margin) if normal else (None, None)
    in_sample = window_start is not None and window_start < pd.Timestamp(record.as_of_date).date()
    drifting = low is not None and ratio == ratio and not low <= ratio <= high
    if window_start is None:
        line = "value model: no customer before the monitor's window yet; nothing to compare"
    else:
        line = (
            f"value model {record.version}: predicted {predicted:,.0f} purchases since "
            f"{window_start:%Y-%m-%d}, {actual:,.0f} happened (actual/predicted {ratio:.2f}"
            + (f", normal {low:.2f}-{high:.2f}" if low is not None else ", no holdout range")
            + ")"
            + (": DRIFT, refit with `clustering value`" if drifting else ": no drift")
            + (" (in-sample: the model was fitted after the window started)" if in_sample else "")
        )
    row = {
        "monitored_at": datetime.now().replace(microsecond=0),
        "value_model_version": record.version,
        "fitted_as_of_date": record.as_of_date,
        "as_of_date": as_of,
        "window_start": window_start,
        "count_customers": len(summary),
        "predicted_purchases": predicted,
        "actual_purchases": actual,
        "actual_to_predicted": ratio,
        "normal_low": low,
        "normal_high": high,
        "is_in_sample": in_sample,
        "is_drifting": drifting,
        "line": line,
    }
    return ValueDrift(row=row, is_drifting=drifting, line=line)


def monitor_value(settings: Settings, *, record: ValueModelRecord | None = None) -> ValueDrift:
    """assess_value(), then append the finding to segments.value_monitoring_runs."""
    drift = assess_value(settings, record=record)
    write_segment_tables(
        settings.warehouse,
        {"value_monitoring_runs": pd.DataFrame([drift.row])},
        model_version=str(drift.row["value_model_version"]),
    )
    return drift

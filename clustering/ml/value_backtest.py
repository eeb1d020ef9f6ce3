"""Proof on holdout periods: fit the value model on what was known at a
cutoff, predict the next 90 and 180 days, compare with what happened.

Against a baseline that uses no model: each person buys again at their own
past rate (repeat purchases per day since their first purchase), ranked by
that rate, then by how recently they bought, then by what they spent (the
RFM order); a one-time buyer's rate is 0.

For each cutoff, horizon and method: total predicted vs actual purchases and
spend, the share of the actual buyers found in the top 10 % by prediction
(capture; 10 % by chance) and calibration by decile of the prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.ml.value import HORIZONS_DAYS, VALUE_HORIZON_DAYS, ValueModel

BASELINE = "baseline"
TOP_SHARE = 0.1
DECILES = 10


def baseline_predictions(summary: pd.DataFrame, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases and value in `days` at each person's own past rate."""
    rate = summary["count_repeat_purchases"].to_numpy(float) / np.maximum(
        summary["customer_age_days"].to_numpy(float), 1.0
    )
    purchases = rate * days
    spend_per_purchase = summary["total_spend_brl"].to_numpy(float) / summary[
        "count_purchase_days"
    ].to_numpy(float)
    return purchases, purchases * spend_per_purchase


def ranking(scores: np.ndarray, summary: pd.DataFrame | None = None) -> np.ndarray:
    """Positions from the highest score down; ties broken by recency (fewer
    days since the last purchase first), then by spend (more first)."""
    if summary is None:
        return np.argsort(-scores, kind="stable")
    return np.lexsort(
        (
            -summary["total_spend_brl"].to_numpy(float),
            summary["days_since_last_purchase"].to_numpy(float),
            -scores,
        )
    )


def deciles_of(order: np.ndarray) -> np.ndarray:
    """Decile 1 (highest predictions) to 10 of each row, from its ranking."""
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position * DECILES // max(len(order), 1) + 1


def top_capture(order: np.ndarray, bought: np.ndarray, share: float = TOP_SHARE) -> float:
    """Share of the people who bought that are in the top `share` of the ranking."""
    total = int(bought.sum())
    if total == 0:
        return float("nan")
    top = order[: max(1, round(len(order) * share))]
    return float(bought[top].sum() / total)


@dataclass(frozen=True)
class Prediction:
    """One method's predictions for one horizon at one cutoff."""

    method: str
    purchases: np.ndarray
    value: np.ndarray
    order: np.ndarray


def judge(
    prediction: Prediction,
    actual_purchases: np.ndarray,
    actual_value: np.ndarray,
    *,
    cutoff: pd.Timestamp,
    days: int,
) -> tuple[dict[str, object], pd.DataFrame]:
    """The metrics row and the decile table of one prediction against what happened."""
    bought = actual_purchases > 0
    metrics = {
        "cutoff_date": cutoff.date(),
        "horizon_days": days,
        "method": prediction.method,
        "count_customers": len(actual_purchases),
        "count_buyers": int(bought.sum()),
        "predicted_purchases": float(prediction.purchases.sum()),
        "actual_purchases": float(actual_purchases.sum()),
        "predicted_value_brl": float(prediction.value.sum()),
        "actual_value_brl": float(actual_value.sum()),
        "top_decile_capture": top_capture(prediction.order, bought),
        "mean_absolute_error": float(np.abs(prediction.purchases - actual_purchases).mean()),
    }
    decile = deciles_of(prediction.order)
    table = (
        pd.DataFrame(
            {
                "decile": decile,
                "predicted_purchases": prediction.purchases,
                "actual_purchases": actual_purchases,
                "predicted_value_brl": prediction.value,
                "actual_value_brl": actual_value,
                "count_buyers": bought.astype(int),
            }
        )
        .groupby("decile", as_index=False)
        .agg(
            count_customers=("predicted_purchases", "size"),
            predicted_purchases=("predicted_purchases", "sum"),
            actual_purchases=("actual_purchases", "sum"),
            predicted_value_brl=("predicted_value_brl", "sum"),
            actual_value_brl=("actual_value_brl", "sum"),
            count_buyers=("count_buyers", "sum"),
        )
    )
    table.insert(0, "method", prediction.method)
    table.insert(0, "horizon_days", days)
    table.insert(0, "cutoff_date", cutoff.date())
    return metrics, table


@dataclass(frozen=True)
class Holdout:
    """Every cutoff's metrics (one row per cutoff, horizon, method) and deciles."""

    metrics: pd.DataFrame
    deciles: pd.DataFrame
    fit_seconds: float

    def mean_capture(self, method: str, days: int) -> float:
        rows = self.metrics[
            (self.metrics["method"] == method) & (self.metrics["horizon_days"] == days)
        ]
        return float(rows["top_decile_capture"].mean())

    def beats_baseline(self, method: str) -> bool:
        """The model's top-decile capture is higher than the baseline's at every
        horizon, on average over the cutoffs."""
        return all(
            self.mean_capture(method, days) > self.mean_capture(BASELINE, days)
            for days in HORIZONS_DAYS
            if not np.isnan(self.mean_capture(method, days))
        )

    def value_ratios(self, method: str) -> pd.DataFrame:
        """Per decile of the 6-month prediction: the smallest and largest ratio of
        actual to predicted value over the cutoffs (the interval's multipliers)."""
        rows = self.deciles[
            (self.deciles["method"] == method)
            & (self.deciles["horizon_days"] == VALUE_HORIZON_DAYS)
        ]
        ratio = rows["actual_value_brl"] / rows["predicted_value_brl"].where(
            rows["predicted_value_brl"] > 0
        )
        return (
            rows.assign(ratio=ratio)
            .groupby("decile")["ratio"]
            .agg(low="min", high="max")
            .reset_index()
        )


def run_holdout(
    summaries: pd.DataFrame,
    outcomes: pd.DataFrame,
    cutoffs: Sequence[pd.Timestamp],
    variants: Sequence[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Holdout:
    """Fit each variant at each cutoff and judge it, with the baseline, on every
    horizon whose window the data cover (days_observed_after_cutoff)."""
    metrics: list[dict[str, object]] = []
    tables: list[pd.DataFrame] = []
    seconds = 0.0
    for index, cutoff in enumerate(cutoffs):
        summary = summaries[summaries["as_of_date"] == cutoff].reset_index(drop=True)
        after = outcomes[outcomes["as_of_date"] == cutoff].set_index("customer_unique_key")
        after = after.reindex(summary["customer_unique_key"])
        observed = int(after["days_observed_after_cutoff"].min())
        fitted = {variant: ValueModel(variant).fit(summary) for variant in variants}
        seconds += sum(sum(model.fit_seconds_.values()) for model in fitted.values())
        predicted = {variant: model.predict(summary) for variant, model in fitted.items()}
        for days in HORIZONS_DAYS:
            if observed < days:
                continue  # the window is not over yet
            actual_purchases = after[f"count_purchases_next_{days}d"].to_numpy(float)
            actual_value = after[f"spend_next_{days}d_brl"].to_numpy(float)
            candidates = [
                Prediction(
                    variant,
                    frame[f"expected_purchases_{days}d"].to_numpy(),
                    (
                        frame[f"expected_purchases_{days}d"] * frame["expected_order_value_brl"]
                    ).to_numpy(),
                    ranking(frame[f"expected_purchases_{days}d"].to_numpy()),
                )
                for variant, frame in predicted.items()
            ]
            purchases, value = baseline_predictions(summary, days)
            candidates.append(Prediction(BASELINE, purchases, value, ranking(purchases, summary)))
            for candidate in candidates:
                row, table = judge(
                    candidate, actual_purchases, actual_value, cutoff=cutoff, days=days
                )
                metrics.append(row)
                tables.append(table)
        if progress is not None:
            progress(index + 1, len(cutoffs))
    return Holdout(
        metrics=pd.DataFrame(metrics),
        deciles=pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(),
        fit_seconds=seconds,
    )


def holdout_cutoffs(
    outcomes: pd.DataFrame,
    summaries: pd.DataFrame,
    *,
    count: int,
    step_months: int,
    min_customers: int,
    min_repeat_buyers: int,
) -> list[pd.Timestamp]:
    """Up to `count` cutoffs `step_months` apart, the latest with a complete
    90-day window first, each with enough customers and repeat buyers to fit."""
    observed = outcomes.groupby("as_of_date")["days_observed_after_cutoff"].min()
    sizes = summaries.groupby("as_of_date").agg(
        customers=("customer_unique_key", "size"),
        repeat=("count_repeat_purchases", lambda s: int((s > 0).sum())),
    )
    usable = [
        pd.Timestamp(cutoff)
        for cutoff, days in observed.items()
        if days >= min(HORIZONS_DAYS)
        and sizes.loc[cutoff, "customers"] >= min_customers
        and sizes.loc[cutoff, "repeat"] >= min_repeat_buyers
    ]
    if not usable:
        return []
    chosen: list[pd.Timestamp] = []
    latest = max(usable)
    for back in range(0, 1000, step_months):
        target = (latest - pd.DateOffset(months=back)) + pd.offsets.MonthEnd(0)
        if target < min(usable) or len(chosen) == count:
            break
        if target in usable:
            chosen.append(target)
    return sorted(chosen)

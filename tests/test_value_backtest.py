"""The holdout measures (clustering.ml.value_backtest) and the value bands,
on small hand-made cases whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.jobs.value import value_bands
from clustering.ml.value_backtest import (
    BASELINE,
    Holdout,
    Prediction,
    baseline_predictions,
    deciles_of,
    holdout_cutoffs,
    judge,
    ranking,
    top_capture,
)


def test_capture_counts_the_buyers_in_the_top_tenth() -> None:
    scores = np.arange(20, 0, -1, dtype=float)  # row 0 ranks first
    order = ranking(scores)
    bought = np.zeros(20, dtype=bool)
    bought[[0, 5, 19]] = True
    assert top_capture(order, bought) == pytest.approx(1 / 3)  # top 2 rows hold one buyer
    assert np.isnan(top_capture(order, np.zeros(20, dtype=bool)))


def test_deciles_follow_the_ranking() -> None:
    order = ranking(np.arange(30, dtype=float))  # the last row ranks first
    decile = deciles_of(order)
    assert decile[29] == 1 and decile[0] == 10
    assert np.bincount(decile)[1:].tolist() == [3] * 10


def summary(rows: list[tuple[int, int, int, float]]) -> pd.DataFrame:
    repeat, age, since, spend = map(np.array, zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "count_repeat_purchases": repeat,
            "customer_age_days": age,
            "days_since_last_purchase": since,
            "total_spend_brl": spend,
            "count_purchase_days": repeat + 1,
        }
    )


def test_baseline_is_the_past_rate_and_ranks_ties_by_recency_then_spend() -> None:
    people = summary([(0, 100, 100, 50.0), (1, 100, 10, 300.0), (0, 50, 5, 40.0), (0, 50, 5, 90.0)])
    purchases, value = baseline_predictions(people, 200)
    assert purchases.tolist() == [0.0, 2.0, 0.0, 0.0]
    assert value[1] == pytest.approx(2.0 * 150.0)  # two purchases at their mean of 150
    # The repeater first; then the one-time buyers, recent before old, the
    # bigger spender first among equally recent ones.
    assert ranking(purchases, people).tolist() == [1, 3, 2, 0]


def test_judge_totals_and_deciles_add_up() -> None:
    predicted = np.linspace(1.0, 0.0, 20)
    actual = np.zeros(20)
    actual[[0, 1, 10]] = [2, 1, 1]
    prediction = Prediction("m", predicted, predicted * 10, ranking(predicted))
    row, table = judge(prediction, actual, actual * 12, cutoff=pd.Timestamp("2018-01-31"), days=90)
    assert row["predicted_purchases"] == pytest.approx(predicted.sum())
    assert row["actual_purchases"] == 4 and row["count_buyers"] == 3
    assert row["top_decile_capture"] == pytest.approx(2 / 3)
    assert table["count_customers"].sum() == 20
    assert table["actual_purchases"].sum() == 4
    assert table.loc[table["decile"] == 1, "actual_value_brl"].item() == 36


def holdout(captures: dict[str, tuple[float, float]]) -> Holdout:
    rows = [
        {"method": method, "horizon_days": days, "top_decile_capture": capture}
        for method, pair in captures.items()
        for days, capture in zip((90, 180), pair, strict=True)
    ]
    return Holdout(pd.DataFrame(rows), pd.DataFrame(), 0.0)


def test_the_model_beats_the_baseline_only_at_every_horizon() -> None:
    assert holdout({"m": (0.3, 0.25), BASELINE: (0.2, 0.2)}).beats_baseline("m")
    assert not holdout({"m": (0.3, 0.15), BASELINE: (0.2, 0.2)}).beats_baseline("m")
    assert not holdout({"m": (0.2, 0.2), BASELINE: (0.2, 0.2)}).beats_baseline("m")


def test_interval_multipliers_are_the_extreme_ratios_per_decile() -> None:
    deciles = pd.DataFrame(
        {
            "method": "m",
            "horizon_days": 180,
            "decile": [1, 1, 2, 2],
            "predicted_value_brl": [100.0, 200.0, 50.0, 0.0],
            "actual_value_brl": [80.0, 260.0, 0.0, 10.0],
        }
    )
    ratios = Holdout(pd.DataFrame(), deciles, 0.0).value_ratios("m").set_index("decile")
    assert ratios.loc[1].tolist() == [0.8, 1.3]
    assert ratios.loc[2].tolist() == [0.0, 0.0]  # nothing predicted: no ratio


def test_holdout_cutoffs_step_back_from_the_latest_complete_window() -> None:
    months = pd.date_range("2017-01-31", "2018-07-31", freq="ME")
    observed = [(pd.Timestamp("2018-08-29") - month).days for month in months]
    outcomes = pd.DataFrame({"as_of_date": months, "days_observed_after_cutoff": observed})
    summaries = pd.DataFrame(
        {
            "as_of_date": np.repeat(months, 3),
            "customer_unique_key": np.tile([1, 2, 3], len(months)),
            "count_repeat_purchases": np.tile([0, 1, 2], len(months)),
        }
    )
    chosen = holdout_cutoffs(
        outcomes, summaries, count=3, step_months=2, min_customers=3, min_repeat_buyers=2
    )
    # 2018-05-31 is the last month end with 90 days observed after it.
    assert [day.date().isoformat() for day in chosen] == ["2018-01-31", "2018-03-31", "2018-05-31"]
    assert (
        holdout_cutoffs(
            outcomes, summaries, count=3, step_months=2, min_customers=4, min_repeat_buyers=2
        )
        == []
    )


def test_value_bands_split_the_ranking_10_20_30_40() -> None:
    bands = value_bands(np.arange(1, 101), 100)
    counts = pd.Series(bands).value_counts().to_dict()
    assert counts == {"low": 40, "medium": 30, "high": 20, "top": 10}
    assert bands[0] == "top" and bands[10] == "high" and bands[-1] == "low"

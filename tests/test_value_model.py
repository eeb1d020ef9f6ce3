"""The value model (clustering.ml.value) on a generated purchase summary:
PyMC-Marketing fits by MAP, the saved parameters score exactly as the fitted
model, the predictions move the way the model says they must, and what the
models cannot read is refused with the fix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clustering.errors import ModelError
from clustering.ml.value import ValueModel, choose_variant
from clustering.storage.value_store import (
    ValueModelRecord,
    load_value_model,
    save_value_model,
)


def summary_of(
    repeat: np.ndarray, recency: np.ndarray, age: np.ndarray, value: np.ndarray
) -> pd.DataFrame:
    count = len(repeat)
    return pd.DataFrame(
        {
            "as_of_date": pd.Timestamp("2018-08-31"),
            "customer_unique_key": np.arange(1, count + 1),
            "customer_unique_id": [f"{key:032x}" for key in range(1, count + 1)],
            "count_orders": repeat + 1,
            "count_purchase_days": repeat + 1,
            "count_repeat_purchases": repeat,
            "recency_days": recency,
            "customer_age_days": age,
            "days_since_last_purchase": age - recency,
            "total_spend_brl": value * (repeat + 1),
            "avg_repeat_value_brl": np.where(repeat > 0, value, np.nan),
        }
    )


def generated_summary(count: int = 3_000, seed: int = 3) -> pd.DataFrame:
    """Mostly one-time buyers, a few repeaters at random points of their life."""
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 600, count)
    repeat = np.where(rng.random(count) < 0.06, rng.integers(1, 4, count), 0)
    recency = np.where(repeat > 0, (rng.random(count) * age).astype(int), 0)
    value = rng.gamma(3.0, 50.0, count) + 5
    return summary_of(repeat, recency, age, value)


@pytest.fixture(scope="module")
def fitted() -> tuple[ValueModel, pd.DataFrame]:
    summary = generated_summary()
    return ValueModel().fit(summary), summary


def test_auto_picks_the_modified_variant_when_one_time_buyers_dominate() -> None:
    mostly_once = generated_summary()
    assert choose_variant(mostly_once) == "modified_bg_nbd"
    repeaters = mostly_once.assign(count_repeat_purchases=1)
    assert choose_variant(repeaters) == "bg_nbd"


def test_the_fit_keeps_the_libraries_parameters(fitted) -> None:
    model, _ = fitted
    assert model.variant_ == "modified_bg_nbd"
    assert set(model.params_["purchase"]) == {"alpha", "r", "a", "b"}
    assert set(model.params_["spend"]) == {"p", "q", "v"}
    assert all(value > 0 for part in model.params_.values() for value in part.values())


def test_saved_parameters_score_exactly_as_the_fitted_model(fitted, tmp_path) -> None:
    model, summary = fitted
    record = ValueModelRecord(
        version="v1",
        variant=model.variant_,
        params=model.params_,
        as_of_date="2018-08-31",
        fitted_at="2018-09-01T00:00:00",
        count_customers=len(summary),
        count_repeat_buyers=int((summary["count_repeat_purchases"] > 0).sum()),
        fit_seconds=1.0,
        ranking="model",
        beats_baseline=True,
        interval_deciles={"1": (0.5, 1.5)},
        holdout_ratio_range_90d=(0.8, 1.2),
    )
    save_value_model(tmp_path, record)
    loaded = load_value_model(tmp_path)
    assert loaded == record
    pd.testing.assert_frame_equal(loaded.model().predict(summary), model.predict(summary))


def test_predictions_move_as_the_model_says(fitted) -> None:
    model, _ = fitted
    # Same age (300 days): more repeat purchases mean more expected; among
    # repeaters, one who bought lately is likelier alive than one silent since.
    probe = summary_of(
        repeat=np.array([0, 1, 3, 3]),
        recency=np.array([0, 280, 290, 20]),
        age=np.array([300, 300, 300, 300]),
        value=np.array([100.0, 100.0, 100.0, 100.0]),
    )
    predicted = model.predict(probe)
    purchases = predicted["expected_purchases_180d"].to_numpy()
    assert purchases[0] < purchases[1] < purchases[2]
    assert predicted["p_alive"].iloc[2] > predicted["p_alive"].iloc[3]
    assert (predicted["expected_purchases_90d"] < predicted["expected_purchases_180d"]).all()
    assert predicted["p_alive"].between(0, 1).all()
    np.testing.assert_allclose(
        predicted["expected_value_6m_brl"],
        predicted["expected_purchases_180d"] * predicted["expected_order_value_brl"],
    )
    # A one-time buyer's spend is the population mean whatever is in the column.
    assert predicted["expected_order_value_brl"].iloc[0] > 0


def test_a_summary_the_models_cannot_read_is_refused_with_the_fix() -> None:
    summary = generated_summary(200)
    with pytest.raises(ModelError, match="lacks column\\(s\\) recency_days; run `dbt build`"):
        ValueModel().fit(summary.drop(columns="recency_days"))
    broken = summary.copy()
    broken.loc[5, "recency_days"] = broken.loc[5, "customer_age_days"] + 1
    with pytest.raises(ModelError, match="first: customer_unique_key 6"):
        ValueModel().fit(broken)
    once = summary.assign(count_repeat_purchases=0, avg_repeat_value_brl=np.nan)
    with pytest.raises(ModelError, match="spend model needs at least two"):
        ValueModel().fit(once)
    with pytest.raises(ModelError, match="variant must be auto or one of"):
        ValueModel(variant="pareto")


def test_a_record_missing_its_parameters_asks_for_a_refit(tmp_path) -> None:
    folder = tmp_path / "v2"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"version": "v2"}), encoding="utf-8")
    with pytest.raises(ModelError, match="refit with `clustering value`"):
        load_value_model(tmp_path, "v2")
    with pytest.raises(ModelError, match="no saved value model"):
        load_value_model(tmp_path / "empty")

"""The feature coverage policy on hand-made frames: the threshold, constant
features, the order kept, and the error when too few features remain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.errors import CoverageError
from clustering.ml.coverage import assess_coverage, left_out_text, usable_features
from clustering.ml.features import FEATURE_NAMES


def frame(rows: int = 10) -> pd.DataFrame:
    """Every feature known and varying for every customer."""
    return pd.DataFrame({name: np.arange(rows, dtype=float) for name in FEATURE_NAMES})


def test_every_known_varying_feature_is_used_in_declared_order() -> None:
    coverage = assess_coverage(frame(), 0.5)
    assert [item.feature_name for item in coverage] == list(FEATURE_NAMES)
    assert usable_features(coverage) == FEATURE_NAMES
    assert left_out_text(coverage) == ""
    assert coverage[0].as_row()["coverage"] == 1.0


def test_coverage_below_the_threshold_is_left_out_and_at_it_is_used() -> None:
    data = frame()
    data.loc[5:, "avg_distance_km"] = np.nan  # 5 of 10: exactly the threshold
    data.loc[4:, "avg_review_score"] = np.nan  # 4 of 10: below it
    by_name = {item.feature_name: item for item in assess_coverage(data, 0.5)}
    assert by_name["avg_distance_km"].is_used
    review = by_name["avg_review_score"]
    assert not review.is_used
    assert (review.count_with_value, review.coverage) == (4, 0.4)
    assert review.reason == (
        "left out: only 40.0% of customers have a value for average review score (the policy "
        "needs 50%); the rest would all get one filled-in value"
    )
    assert "avg_review_score" not in usable_features(list(by_name.values()))
    assert left_out_text(list(by_name.values())).startswith(
        "avg_review_score (only 40.0% of customers"
    )


def test_one_value_for_everybody_is_left_out() -> None:
    data = frame().assign(count_orders=1.0)
    (count,) = [i for i in assess_coverage(data, 0.5) if i.feature_name == "count_orders"]
    assert not count.is_used
    assert count.count_distinct_values == 1
    assert "same number of orders" in count.reason


def test_too_few_usable_features_is_an_error_naming_every_feature() -> None:
    data = frame()
    for name in FEATURE_NAMES[2:]:
        data[name] = np.nan
    with pytest.raises(CoverageError) as raised:
        usable_features(assess_coverage(data, 0.5))
    message = str(raised.value)
    assert message.startswith("only 2 of 9 features are usable on these data")
    assert all(name in message for name in FEATURE_NAMES)


def test_the_threshold_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        assess_coverage(frame(), 1.5)

"""Segment profiles: the arithmetic against numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.ml.features import FEATURE_NAMES
from clustering.ml.profiling import contrasts_frame, population_stats, profile_segments, top_traits


def five_customers() -> pd.DataFrame:
    """Five customers; segments 7 = rows 0-2, 2 = rows 3-4 (see SEGMENTS)."""
    frame = pd.DataFrame({name: [1.0, 2.0, 3.0, 4.0, 5.0] for name in FEATURE_NAMES})
    frame["total_spend_brl"] = [100.0, 50.0, 150.0, 600.0, 100.0]
    frame["avg_review_score"] = [5.0, np.nan, 3.0, 1.0, 2.0]
    frame["is_repeat_buyer"] = [True, False, False, True, True]
    frame["rfm_group"] = ["loyal", "at_risk", "loyal", "new", "champions"]
    return frame


SEGMENTS = np.array([7, 7, 7, 2, 2])


def scaled_matrix() -> np.ndarray:
    """Scaled features: column j of row i is i * (j + 1) - 2 * (j + 1)."""
    rows = np.arange(5, dtype=float)[:, None] - 2.0
    return rows * np.arange(1, len(FEATURE_NAMES) + 1, dtype=float)[None, :]


def test_profiles_are_ordered_by_segment_id() -> None:
    profiles = profile_segments(five_customers(), scaled_matrix(), SEGMENTS)
    assert [p.segment_id for p in profiles] == [2, 7]


def test_profile_numbers_match_hand_computation() -> None:
    small, large = profile_segments(five_customers(), scaled_matrix(), SEGMENTS)
    # Segment 7: rows 0-2, spends 100 + 50 + 150 = 300 of 1000.
    assert large.count_customers == 3
    assert large.share_customers == pytest.approx(0.6)
    assert large.total_spend_brl == pytest.approx(300.0)
    assert large.revenue_share == pytest.approx(0.3)
    assert large.avg_spend_brl == pytest.approx(100.0)
    assert large.share_repeat_buyers == pytest.approx(1 / 3)
    assert large.means["days_since_last_order"] == pytest.approx(2.0)
    assert large.means["avg_review_score"] == pytest.approx(4.0)  # null skipped
    assert large.medians["avg_review_score"] == pytest.approx(4.0)
    assert large.medians["total_spend_brl"] == pytest.approx(100.0)
    # Scaled rows 0-2 have mean -1 * (j + 1); the population mean is 0.
    assert large.differences["days_since_last_order"] == pytest.approx(-1.0)
    assert large.differences["avg_installments"] == pytest.approx(-9.0)
    # "loyal" twice, "at_risk" once.
    assert large.dominant_rfm_group == "loyal"

    # Segment 2: rows 3-4, spends 600 + 100 = 700.
    assert small.count_customers == 2
    assert small.share_customers == pytest.approx(0.4)
    assert small.total_spend_brl == pytest.approx(700.0)
    assert small.revenue_share == pytest.approx(0.7)
    assert small.avg_spend_brl == pytest.approx(350.0)
    assert small.share_repeat_buyers == pytest.approx(1.0)
    assert small.means["avg_review_score"] == pytest.approx(1.5)
    assert small.medians["freight_share"] == pytest.approx(4.5)
    assert small.differences["count_orders"] == pytest.approx(1.5 * 2)
    # "new" and "champions" once each: the tie goes to the first name.
    assert small.dominant_rfm_group == "champions"


def test_shares_of_customers_and_revenue_sum_to_one() -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({name: rng.uniform(0, 10, 200) for name in FEATURE_NAMES})
    frame["total_spend_brl"] = rng.lognormal(4, 1, 200)
    frame["is_repeat_buyer"] = rng.uniform(size=200) < 0.1
    frame["rfm_group"] = "new"
    segments = rng.integers(0, 6, 200)
    profiles = profile_segments(frame, rng.normal(size=(200, len(FEATURE_NAMES))), segments)
    assert len(profiles) == 6
    assert sum(p.revenue_share for p in profiles) == pytest.approx(1.0)
    assert sum(p.share_customers for p in profiles) == pytest.approx(1.0)
    assert sum(p.count_customers for p in profiles) == 200
    assert sum(p.total_spend_brl for p in profiles) == pytest.approx(frame["total_spend_brl"].sum())
    # Differences are measured from the population mean: weighted, they cancel.
    weighted = sum(p.share_customers * np.array(list(p.differences.values())) for p in profiles)
    np.testing.assert_allclose(weighted, 0.0, atol=1e-12)


def test_zero_revenue_gives_zero_revenue_shares() -> None:
    frame = five_customers().assign(total_spend_brl=0.0)
    profiles = profile_segments(frame, scaled_matrix(), SEGMENTS)
    assert [p.revenue_share for p in profiles] == [0.0, 0.0]


def test_population_stats_skip_nulls() -> None:
    means, medians = population_stats(five_customers())
    assert means["total_spend_brl"] == pytest.approx(200.0)
    assert medians["total_spend_brl"] == pytest.approx(100.0)
    assert means["avg_review_score"] == pytest.approx(11 / 4)
    assert medians["avg_review_score"] == pytest.approx(2.5)
    assert set(means) == set(medians) == set(FEATURE_NAMES)


def test_contrasts_frame_has_one_row_per_segment_and_feature() -> None:
    frame = five_customers()
    profiles = profile_segments(frame, scaled_matrix(), SEGMENTS)
    contrasts = contrasts_frame(profiles, frame, "v1")
    assert contrasts.shape == (2 * len(FEATURE_NAMES), 9)
    assert list(contrasts.columns) == [
        "model_version",
        "segment_id",
        "feature_name",
        "count_with_value",
        "segment_mean",
        "segment_median",
        "population_mean",
        "population_median",
        "standardized_difference",
    ]
    assert (contrasts["model_version"] == "v1").all()
    assert contrasts["segment_id"].tolist() == [2] * 9 + [7] * 9
    assert contrasts["feature_name"].tolist() == list(FEATURE_NAMES) * 2
    spend = contrasts.set_index(["segment_id", "feature_name"]).loc[(2, "total_spend_brl")]
    assert spend["segment_mean"] == pytest.approx(350.0)
    assert spend["segment_median"] == pytest.approx(350.0)
    assert spend["population_mean"] == pytest.approx(200.0)
    assert spend["population_median"] == pytest.approx(100.0)
    assert spend["standardized_difference"] == pytest.approx(1.5 * 3)
    review = contrasts.set_index(["segment_id", "feature_name"])["count_with_value"]
    assert review.loc[(7, "avg_review_score")] == 2  # one member without a review
    assert review.loc[(2, "avg_review_score")] == 2


def test_a_feature_nobody_in_a_segment_has_gets_null_statistics_and_a_zero_count() -> None:
    frame = five_customers()
    frame["avg_distance_km"] = [np.nan, np.nan, np.nan, 10.0, 30.0]  # none in segment 7
    profiles = profile_segments(frame, scaled_matrix(), SEGMENTS)
    contrasts = contrasts_frame(profiles, frame, "v1").set_index(["segment_id", "feature_name"])
    none = contrasts.loc[(7, "avg_distance_km")]
    assert none["count_with_value"] == 0
    assert np.isnan(none["segment_mean"]) and np.isnan(none["segment_median"])
    assert none["population_mean"] == pytest.approx(20.0)  # from those who have one
    assert np.isfinite(none["standardized_difference"])  # in the model's filled-in space
    some = contrasts.loc[(2, "avg_distance_km")]
    assert (some["count_with_value"], some["segment_mean"]) == (2, pytest.approx(20.0))


def test_profiles_and_contrasts_follow_the_model_feature_list() -> None:
    frame = five_customers()
    features = ("days_since_last_order", "total_spend_brl", "freight_share")
    scaled = scaled_matrix()[:, :3]
    profiles = profile_segments(frame, scaled, SEGMENTS, features)
    assert all(profile.features == features for profile in profiles)
    assert set(profiles[0].means) == set(features)
    contrasts = contrasts_frame(profiles, frame, "v1")
    assert contrasts["feature_name"].tolist() == list(features) * 2
    with pytest.raises(ValueError, match="pass the model's feature list"):
        profile_segments(frame, scaled_matrix(), SEGMENTS, features)


def test_member_shares_count_members_on_each_side_of_the_population_median() -> None:
    frame = five_customers()  # total spend 100, 50, 150 | 600, 100; median 100
    small, large = profile_segments(frame, scaled_matrix(), SEGMENTS)
    assert large.share_above["total_spend_brl"] == pytest.approx(1 / 3)  # 150
    assert large.share_below["total_spend_brl"] == pytest.approx(1 / 3)  # 50
    assert small.share_above["total_spend_brl"] == pytest.approx(1 / 2)  # 600
    # Reviews 5, null, 3 | 1, 2: unhappy is 2 or less, satisfied 4 or more.
    assert (large.share_unhappy, large.share_satisfied) == (0.0, 0.5)
    assert (small.share_unhappy, small.share_satisfied) == (1.0, 0.0)


def test_top_traits_are_the_largest_absolute_differences_in_words() -> None:
    scaled = np.zeros((2, len(FEATURE_NAMES)))
    index = {name: position for position, name in enumerate(FEATURE_NAMES)}
    scaled[0, index["total_spend_brl"]] = 3.0
    scaled[0, index["avg_review_score"]] = -5.0
    scaled[0, index["avg_distance_km"]] = 1.0
    scaled[0, index["freight_share"]] = -0.5
    scaled[1, index["days_since_last_order"]] = -0.2
    scaled[1, index["count_orders"]] = 4.0
    scaled[1, index["avg_installments"]] = 2.0
    scaled[1, index["share_late_deliveries"]] = -2.0  # same size: the earlier feature first
    first, second, third = top_traits(scaled)
    assert first.tolist() == ["unhappy reviewer", "repeat buyer"]
    assert second.tolist() == ["big spender", "delivered on time"]
    assert third.tolist() == ["far from sellers", "pays in many instalments"]
    (only,) = top_traits(scaled, count=1)
    assert only.tolist() == first.tolist()

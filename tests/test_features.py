"""The declared features and the CustomerFeatures transformer: imputation,
log transforms, robust scaling, the repeat-buyer weight, errors, and the
schema fingerprint."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from clustering.ml.features import (
    FEATURE_NAMES,
    FEATURES,
    REPEAT_WEIGHT,
    REVIEW_FEATURES,
    CustomerFeatures,
    feature,
    schema_fingerprint,
    without_review,
)

E = math.e


def frame_of(**columns: list[float]) -> pd.DataFrame:
    """Five customers: every feature 1.0 unless given."""
    data = {name: [1.0] * 5 for name in FEATURE_NAMES}
    data.update(columns)
    return pd.DataFrame(data)


def column(matrix: np.ndarray, name: str, names: tuple[str, ...] = FEATURE_NAMES) -> np.ndarray:
    return matrix[:, names.index(name)]


def test_declared_feature_list() -> None:
    assert FEATURE_NAMES == (
        "days_since_last_order",
        "count_orders",
        "total_spend_brl",
        "avg_review_score",
        "share_late_deliveries",
        "avg_days_to_deliver",
        "avg_distance_km",
        "freight_share",
        "avg_installments",
    )
    assert REVIEW_FEATURES == ("avg_review_score",)
    assert {f.transform for f in FEATURES} <= {"identity", "log1p", "log2"}
    # Only the order count is weighted; every other axis is robust-scaled.
    assert [f.name for f in FEATURES if f.scaling == "weight"] == ["count_orders"]
    assert all(f.scaling == "robust" for f in FEATURES if f.name != "count_orders")
    assert {f.name: f.transform for f in FEATURES if f.transform != "identity"} == {
        "count_orders": "log2",
        "total_spend_brl": "log1p",
        "avg_days_to_deliver": "log1p",
        "avg_distance_km": "log1p",
        "avg_installments": "log1p",
    }
    # Every feature reads in words both ways, and the two ways differ.
    assert all(f.high_trait and f.low_trait and f.high_trait != f.low_trait for f in FEATURES)


def test_feature_lookup_names_the_declared_features_when_unknown() -> None:
    assert feature("freight_share").label == "freight share of spend"
    with pytest.raises(ValueError, match=r"unknown feature 'recency'.*days_since_last_order"):
        feature("recency")


def test_without_review_keeps_order_and_drops_only_review_features() -> None:
    assert without_review(FEATURE_NAMES) == tuple(
        name for name in FEATURE_NAMES if name != "avg_review_score"
    )
    assert without_review(["avg_review_score", "freight_share", "count_orders"]) == (
        "freight_share",
        "count_orders",
    )


def test_identity_feature_is_centred_on_median_and_divided_by_iqr() -> None:
    frame = frame_of(days_since_last_order=[10.0, 20.0, 30.0, 40.0, 50.0])
    model = CustomerFeatures().fit(frame)
    index = FEATURE_NAMES.index("days_since_last_order")
    assert model.center_[index] == 30.0
    assert model.scale_[index] == 20.0
    np.testing.assert_allclose(
        column(model.transform(frame), "days_since_last_order"), [-1.0, -0.5, 0.0, 0.5, 1.0]
    )


def test_log1p_feature_is_scaled_on_the_log_scale() -> None:
    # log1p of these spends is 0, 1, 2, 3, 4: median 2, interquartile range 2.
    spend = [0.0, E - 1, E**2 - 1, E**3 - 1, E**4 - 1]
    model = CustomerFeatures().fit(frame_of(total_spend_brl=spend))
    index = FEATURE_NAMES.index("total_spend_brl")
    assert model.center_[index] == pytest.approx(2.0)
    assert model.scale_[index] == pytest.approx(2.0)
    np.testing.assert_allclose(
        column(model.transform(frame_of(total_spend_brl=spend)), "total_spend_brl"),
        [-1.0, -0.5, 0.0, 0.5, 1.0],
    )
    # Negative values cannot be logged: they count as 0, like a zero spend.
    negative = frame_of(total_spend_brl=[-5.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(column(model.transform(negative), "total_spend_brl"), -1.0)


def test_order_count_is_log2_times_the_repeat_weight() -> None:
    frame = frame_of(count_orders=[1.0, 1.0, 2.0, 4.0, 1.0])
    model = CustomerFeatures().fit(frame)
    index = FEATURE_NAMES.index("count_orders")
    assert model.center_[index] == 0.0
    assert model.scale_[index] == 1.0 / REPEAT_WEIGHT
    # One order sits at 0, two orders one weight away, four orders two weights.
    np.testing.assert_allclose(
        column(model.transform(frame), "count_orders"),
        [0.0, 0.0, REPEAT_WEIGHT, 2 * REPEAT_WEIGHT, 0.0],
    )
    assert REPEAT_WEIGHT == 4.0


def test_column_constant_over_its_middle_half_keeps_its_natural_unit() -> None:
    frame = frame_of(share_late_deliveries=[0.0, 0.0, 0.0, 0.0, 0.5])
    model = CustomerFeatures().fit(frame)
    index = FEATURE_NAMES.index("share_late_deliveries")
    assert (model.center_[index], model.scale_[index]) == (0.0, 1.0)
    np.testing.assert_allclose(
        column(model.transform(frame), "share_late_deliveries"), [0, 0, 0, 0, 0.5]
    )


def test_nulls_are_filled_with_the_training_median_of_raw_values() -> None:
    reviews = [1.0, 3.0, np.nan, 5.0, 4.0]  # median of the known ones: 3.5
    frame = frame_of(avg_review_score=reviews)
    model = CustomerFeatures().fit(frame)
    assert model.medians_[FEATURE_NAMES.index("avg_review_score")] == 3.5
    filled = frame_of(avg_review_score=[1.0, 3.0, 3.5, 5.0, 4.0])
    np.testing.assert_allclose(model.transform(frame), model.transform(filled))
    # New customers without a review get the training median, not their own.
    new = frame_of(avg_review_score=[np.nan, 5.0, 5.0, 5.0, 5.0])
    scaled = column(model.transform(new), "avg_review_score")
    assert scaled[0] == pytest.approx(column(model.transform(filled), "avg_review_score")[2])
    assert not np.isnan(model.transform(new)).any()


# numpy warns about the all-null column; the fallback to 0 is what is tested.
@pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning")
def test_a_column_of_nulls_is_filled_with_zero() -> None:
    frame = frame_of(avg_distance_km=[np.nan] * 5)
    model = CustomerFeatures().fit(frame)
    assert model.medians_[FEATURE_NAMES.index("avg_distance_km")] == 0.0
    np.testing.assert_array_equal(column(model.transform(frame), "avg_distance_km"), 0.0)


def test_pandas_nullable_columns_with_na_are_imputed() -> None:
    frame = frame_of(avg_review_score=[1.0, 3.0, 5.0, 4.0, 2.0])
    frame["avg_review_score"] = pd.array([1.0, 3.0, None, 5.0, 4.0], dtype="Float64")
    frame["count_orders"] = pd.array([1, 1, 2, 1, 1], dtype="Int64")
    scaled = CustomerFeatures().fit(frame).transform(frame)
    assert not np.isnan(scaled).any()
    assert column(scaled, "count_orders")[2] == REPEAT_WEIGHT


def test_feature_subset_sets_the_output_columns_and_their_order() -> None:
    names = ("total_spend_brl", "days_since_last_order")
    frame = frame_of(days_since_last_order=[10.0, 20.0, 30.0, 40.0, 50.0])
    model = CustomerFeatures(features=names).fit(frame)
    assert list(model.feature_names_in_) == list(names)
    assert list(model.get_feature_names_out()) == list(names)
    assert model.n_features_in_ == 2
    scaled = model.transform(frame)
    assert scaled.shape == (5, 2)
    np.testing.assert_allclose(scaled[:, 1], [-1.0, -0.5, 0.0, 0.5, 1.0])
    # Only the chosen columns are needed to transform.
    np.testing.assert_allclose(model.transform(frame[list(names)]), scaled)


def test_extra_columns_and_column_order_of_the_frame_do_not_matter() -> None:
    frame = frame_of(days_since_last_order=[10.0, 20.0, 30.0, 40.0, 50.0])
    model = CustomerFeatures().fit(frame)
    shuffled = frame[list(reversed(FEATURE_NAMES))].assign(customer_state="SP")
    np.testing.assert_allclose(model.transform(shuffled), model.transform(frame))


def test_fit_returns_self_and_sets_only_underscored_attributes() -> None:
    model = CustomerFeatures()
    assert model.fit(frame_of()) is model
    learned = set(vars(model)) - {"features"}
    assert learned == {"feature_names_in_", "n_features_in_", "medians_", "center_", "scale_"}


def test_transform_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        CustomerFeatures().transform(frame_of())
    with pytest.raises(NotFittedError):
        CustomerFeatures().get_feature_names_out()


def test_non_dataframe_input_is_refused_with_the_type_received() -> None:
    with pytest.raises(TypeError, match=r"needs a pandas DataFrame.*got ndarray"):
        CustomerFeatures().fit(np.ones((5, len(FEATURE_NAMES))))
    model = CustomerFeatures().fit(frame_of())
    with pytest.raises(TypeError, match="got list"):
        model.transform([[1.0] * len(FEATURE_NAMES)])


def test_missing_columns_are_named_with_the_fix() -> None:
    frame = frame_of().drop(columns=["freight_share", "avg_installments"])
    with pytest.raises(
        ValueError,
        match=r"lacks feature column.*freight_share, avg_installments.*readers.read_features",
    ):
        CustomerFeatures().fit(frame)
    model = CustomerFeatures().fit(frame_of())
    with pytest.raises(ValueError, match=r"lacks feature column.*freight_share"):
        model.transform(frame)


def test_bad_feature_lists_and_empty_frames_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown feature 'recency'"):
        CustomerFeatures(features=["recency"]).fit(frame_of())
    with pytest.raises(ValueError, match="at least one declared feature"):
        CustomerFeatures(features=[]).fit(frame_of())
    with pytest.raises(ValueError, match="empty frame"):
        CustomerFeatures().fit(frame_of().iloc[:0])


def test_schema_fingerprint_ignores_column_order() -> None:
    columns = {"count_orders": "BIGINT", "total_spend_brl": "DOUBLE", "freight_share": "DOUBLE"}
    reordered = dict(reversed(list(columns.items())))
    assert list(reordered) != list(columns)
    assert schema_fingerprint(reordered) == schema_fingerprint(columns)
    # Type names are compared case-insensitively (DuckDB reports upper case).
    assert schema_fingerprint({k: v.lower() for k, v in columns.items()}) == schema_fingerprint(
        columns
    )
    assert len(schema_fingerprint(columns)) == 16
    int(schema_fingerprint(columns), 16)  # hexadecimal


def test_schema_fingerprint_changes_with_a_type_or_a_name() -> None:
    columns = {"count_orders": "BIGINT", "total_spend_brl": "DOUBLE"}
    fingerprint = schema_fingerprint(columns)
    assert schema_fingerprint({**columns, "count_orders": "DOUBLE"}) != fingerprint
    assert schema_fingerprint({"count_orders": "BIGINT", "total_spend": "DOUBLE"}) != fingerprint
    assert schema_fingerprint({**columns, "freight_share": "DOUBLE"}) != fingerprint

"""Segment profiles: what each segment looks like, in numbers.

Everything here is arithmetic on the mart frame and the model's scaled
features; the words (names, cards, actions) are made from these numbers in
`naming` and `cards`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clustering.ml.features import FEATURE_NAMES, feature

# Member-level thresholds behind the words a name may claim (clustering.ml.naming):
# a review average of 2 or less is an unhappy customer, 4 or more a satisfied one.
UNHAPPY_REVIEW = 2.0
SATISFIED_REVIEW = 4.0


@dataclass(frozen=True)
class SegmentProfile:
    """One segment's numbers, as the naming and card rules read them.

    The feature dictionaries hold the model's features only (a feature left
    out for coverage has no entry). A statistic is NaN when no member of the
    segment has a value for the feature (count_with_value 0): the documented
    policy, see docs block segment_feature_statistics."""

    segment_id: int
    count_customers: int
    share_customers: float
    total_spend_brl: float
    revenue_share: float
    avg_spend_brl: float
    share_repeat_buyers: float
    means: dict[str, float]  # raw feature means (nulls skipped)
    medians: dict[str, float]
    # Segment mean minus population mean of the scaled feature, in robust
    # spreads (IQR units): +1 means one typical spread above the average.
    differences: dict[str, float]
    dominant_rfm_group: str
    # Members with a value, and the shares of them above / below the
    # population median (strictly): what a name may claim of "most members".
    count_with_value: dict[str, int] = field(default_factory=dict)
    share_above: dict[str, float] = field(default_factory=dict)
    share_below: dict[str, float] = field(default_factory=dict)
    # Of the members with a value: a late delivery at least once; a review
    # average <= UNHAPPY_REVIEW; >= SATISFIED_REVIEW (NaN without values).
    share_with_late_delivery: float = float("nan")
    share_unhappy: float = float("nan")
    share_satisfied: float = float("nan")

    @property
    def features(self) -> tuple[str, ...]:
        """The model's features, in its column order."""
        return tuple(self.differences)


def population_stats(
    frame: pd.DataFrame, features: Sequence[str] = FEATURE_NAMES
) -> tuple[dict[str, float], dict[str, float]]:
    """Mean and median of every raw feature over all customers (nulls skipped;
    NaN when nobody has a value)."""
    means = {name: _mean(frame[name]) for name in features}
    medians = {name: _median(frame[name]) for name in features}
    return means, medians


def _values(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=float, na_value=np.nan)
    return values[~np.isnan(values)]


def _mean(column: pd.Series) -> float:
    values = _values(column)
    return float(values.mean()) if len(values) else float("nan")


def _median(column: pd.Series) -> float:
    values = _values(column)
    return float(np.median(values)) if len(values) else float("nan")


def _share(condition: np.ndarray, values: np.ndarray) -> float:
    return float(condition.mean()) if len(values) else float("nan")


def profile_segments(
    frame: pd.DataFrame,
    scaled: np.ndarray,
    segment_ids: np.ndarray,
    features: Sequence[str] = FEATURE_NAMES,
) -> list[SegmentProfile]:
    """One profile per segment id present in `segment_ids`, ordered by id.

    `frame` holds the mart columns, `scaled` the model's transformed features
    of the same rows, in the order of `features` (the model's feature list)."""
    features = tuple(features)
    if scaled.shape[1] != len(features):
        raise ValueError(
            f"scaled has {scaled.shape[1]} columns for {len(features)} features; pass the "
            "model's feature list"
        )
    spend = frame["total_spend_brl"].astype(float).to_numpy()
    total_spend = spend.sum()
    population_scaled = scaled.mean(axis=0)
    _, population_medians = population_stats(frame, features)
    profiles = []
    for segment_id in np.unique(segment_ids):
        members = segment_ids == segment_id
        rows = frame.loc[members]
        groups = rows["rfm_group"].value_counts()
        segment_scaled = scaled[members].mean(axis=0)
        known = {name: _values(rows[name]) for name in features}
        late = known.get("share_late_deliveries", np.array([]))
        review = known.get("avg_review_score", np.array([]))
        profiles.append(
            SegmentProfile(
                segment_id=int(segment_id),
                count_customers=int(members.sum()),
                share_customers=float(members.mean()),
                total_spend_brl=float(spend[members].sum()),
                revenue_share=float(spend[members].sum() / total_spend) if total_spend else 0.0,
                avg_spend_brl=float(spend[members].mean()),
                share_repeat_buyers=float(rows["is_repeat_buyer"].astype(float).mean()),
                means={name: _mean(rows[name]) for name in features},
                medians={name: _median(rows[name]) for name in features},
                differences={
                    name: float(segment_scaled[index] - population_scaled[index])
                    for index, name in enumerate(features)
                },
                # Ties broken by name so the same data give the same text.
                dominant_rfm_group=str(
                    sorted(groups[groups == groups.max()].index)[0] if len(groups) else "none"
                ),
                count_with_value={name: len(values) for name, values in known.items()},
                share_above={
                    name: _share(values > population_medians[name], values)
                    for name, values in known.items()
                },
                share_below={
                    name: _share(values < population_medians[name], values)
                    for name, values in known.items()
                },
                share_with_late_delivery=_share(late > 0, late),
                share_unhappy=_share(review <= UNHAPPY_REVIEW, review),
                share_satisfied=_share(review >= SATISFIED_REVIEW, review),
            )
        )
    return profiles


def contrasts_frame(
    profiles: list[SegmentProfile], frame: pd.DataFrame, model_version: str
) -> pd.DataFrame:
    """segments.segment_feature_contrasts: one row per segment per model feature."""
    features = profiles[0].features if profiles else ()
    means, medians = population_stats(frame, features)
    return pd.DataFrame(
        [
            {
                "model_version": model_version,
                "segment_id": profile.segment_id,
                "feature_name": name,
                "count_with_value": profile.count_with_value[name],
                "segment_mean": profile.means[name],
                "segment_median": profile.medians[name],
                "population_mean": means[name],
                "population_median": medians[name],
                "standardized_difference": profile.differences[name],
            }
            for profile in profiles
            for name in features
        ]
    )


def top_traits(
    scaled: np.ndarray, count: int = 3, features: Sequence[str] = FEATURE_NAMES
) -> list[np.ndarray]:
    """For each customer, the `count` features furthest from the typical
    customer (the median, 0 in scaled units), as words ("big spender").

    Returns `count` arrays of strings, the strongest trait first."""
    if scaled.shape[1] != len(features):
        raise ValueError(
            f"scaled has {scaled.shape[1]} columns for {len(features)} features; pass the "
            "model's feature list"
        )
    order = np.argsort(-np.abs(scaled), axis=1, kind="stable")[:, :count]
    high = np.array([feature(name).high_trait for name in features], dtype=object)
    low = np.array([feature(name).low_trait for name in features], dtype=object)
    rows = np.arange(len(scaled))
    traits = []
    for rank in range(count):
        columns = order[:, rank]
        is_high = scaled[rows, columns] >= 0
        traits.append(np.where(is_high, high[columns], low[columns]))
    return traits

"""Segment profiles: what each segment looks like, in numbers.

Everything here is arithmetic on the mart frame and the model's scaled
features; the words (names, cards, actions) are made from these numbers in
`naming` and `cards`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.features import FEATURE_NAMES, feature


@dataclass(frozen=True)
class SegmentProfile:
    """One segment's numbers, as the naming and card rules read them."""

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


def population_stats(frame: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """Mean and median of every raw feature over all customers (nulls skipped)."""
    means = {name: float(frame[name].mean()) for name in FEATURE_NAMES}
    medians = {name: float(frame[name].median()) for name in FEATURE_NAMES}
    return means, medians


def profile_segments(
    frame: pd.DataFrame, scaled: np.ndarray, segment_ids: np.ndarray
) -> list[SegmentProfile]:
    """One profile per segment id present in `segment_ids`, ordered by id.

    `frame` holds the mart columns, `scaled` the model's transformed features
    of the same rows, in FEATURE_NAMES order."""
    spend = frame["total_spend_brl"].astype(float).to_numpy()
    total_spend = spend.sum()
    population_scaled = scaled.mean(axis=0)
    profiles = []
    for segment_id in np.unique(segment_ids):
        members = segment_ids == segment_id
        rows = frame.loc[members]
        groups = rows["rfm_group"].value_counts()
        segment_scaled = scaled[members].mean(axis=0)
        profiles.append(
            SegmentProfile(
                segment_id=int(segment_id),
                count_customers=int(members.sum()),
                share_customers=float(members.mean()),
                total_spend_brl=float(spend[members].sum()),
                revenue_share=float(spend[members].sum() / total_spend) if total_spend else 0.0,
                avg_spend_brl=float(spend[members].mean()),
                share_repeat_buyers=float(rows["is_repeat_buyer"].astype(float).mean()),
                means={name: float(rows[name].mean()) for name in FEATURE_NAMES},
                medians={name: float(rows[name].median()) for name in FEATURE_NAMES},
                differences={
                    name: float(segment_scaled[index] - population_scaled[index])
                    for index, name in enumerate(FEATURE_NAMES)
                },
                # Ties broken by name so the same data give the same text.
                dominant_rfm_group=str(
                    sorted(groups[groups == groups.max()].index)[0] if len(groups) else "none"
                ),
            )
        )
    return profiles


def contrasts_frame(
    profiles: list[SegmentProfile], frame: pd.DataFrame, model_version: str
) -> pd.DataFrame:
    """segments.segment_feature_contrasts: one row per segment per feature."""
    means, medians = population_stats(frame)
    return pd.DataFrame(
        [
            {
                "model_version": model_version,
                "segment_id": profile.segment_id,
                "feature_name": name,
                "segment_mean": profile.means[name],
                "segment_median": profile.medians[name],
                "population_mean": means[name],
                "population_median": medians[name],
                "standardized_difference": profile.differences[name],
            }
            for profile in profiles
            for name in FEATURE_NAMES
        ]
    )


def top_traits(scaled: np.ndarray, count: int = 3) -> list[np.ndarray]:
    """For each customer, the `count` features furthest from the typical
    customer (the median, 0 in scaled units), as words ("big spender").

    Returns `count` arrays of strings, the strongest trait first."""
    order = np.argsort(-np.abs(scaled), axis=1, kind="stable")[:, :count]
    high = np.array([feature(name).high_trait for name in FEATURE_NAMES], dtype=object)
    low = np.array([feature(name).low_trait for name in FEATURE_NAMES], dtype=object)
    rows = np.arange(len(scaled))
    traits = []
    for rank in range(count):
        columns = order[:, rank]
        is_high = scaled[rows, columns] >= 0
        traits.append(np.where(is_high, high[columns], low[columns]))
    return traits

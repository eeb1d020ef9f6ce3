"""Feature coverage: which declared features a model may use on these data.

One job: before anything is fitted, measure every declared feature over the
customers (the share with a value, and whether the values vary) and leave out
the features that would mislead a model. The policy (README, "Sparse and
partial extracts"):

- **coverage**: a feature known for fewer than `min_coverage` of the customers
  (default half) is left out. A null is filled with the median before
  scaling, so a feature known for 5 % of customers is, for the other 95 %, one
  made-up value: the model would separate "has a value" from "has none" and
  call it a segment. Typical causes on a real extract: no buyer or seller zip
  code located (distance), a reviews file covering part of the orders
  (review score), items covering part of the orders (delivery, freight).
- **variation**: a feature with one value for every customer who has one
  (every customer a one-time buyer: number of orders) cannot tell segments
  apart and is left out.

At least MIN_FEATURES features must remain, or nothing can be segmented.
The outcome is printed by `fit`, stored in the model's metadata, in
segments.model_selection (`features_left_out`) and segments.model_features,
and shown in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from clustering.errors import CoverageError
from clustering.ml.features import FEATURE_NAMES, feature

MIN_FEATURES = 3  # each customer gets three top traits


@dataclass(frozen=True)
class FeatureCoverage:
    """One declared feature measured over the customers to be segmented."""

    feature_name: str
    count_customers: int
    count_with_value: int
    count_distinct_values: int
    is_used: bool
    reason: str  # why it is used or left out, in a sentence

    @property
    def coverage(self) -> float:
        return self.count_with_value / self.count_customers if self.count_customers else 0.0

    def as_row(self) -> dict[str, object]:
        return {
            "feature_name": self.feature_name,
            "count_customers": self.count_customers,
            "count_with_value": self.count_with_value,
            "coverage": self.coverage,
            "count_distinct_values": self.count_distinct_values,
            "is_used": self.is_used,
            "reason": self.reason,
        }


def _measure(name: str, values: pd.Series, min_coverage: float) -> FeatureCoverage:
    known = values.dropna()
    count, with_value = len(values), len(known)
    # Distinct values up to 2 is all the rule needs; nunique on 100 k floats is cheap.
    distinct = int(known.nunique())
    share = with_value / count if count else 0.0
    label = feature(name).label
    if share < min_coverage:
        reason = (
            f"left out: only {share:.1%} of customers have a value for {label} "
            f"(the policy needs {min_coverage:.0%}); the rest would all get one filled-in value"
        )
        return FeatureCoverage(name, count, with_value, distinct, False, reason)
    if distinct < 2:
        reason = (
            f"left out: every customer with a value has the same {label}, "
            "so it cannot tell segments apart"
        )
        return FeatureCoverage(name, count, with_value, distinct, False, reason)
    reason = f"used: {share:.1%} of customers have a value"
    return FeatureCoverage(name, count, with_value, distinct, True, reason)


def assess_coverage(
    frame: pd.DataFrame,
    min_coverage: float,
    features: Sequence[str] = FEATURE_NAMES,
) -> list[FeatureCoverage]:
    """Measure every feature of `features` (in that order) over `frame`'s rows."""
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage must be between 0 and 1, got {min_coverage}")
    return [_measure(name, frame[name].astype(float), min_coverage) for name in features]


def usable_features(coverage: Sequence[FeatureCoverage]) -> tuple[str, ...]:
    """The features a model may use, in declared order; CoverageError when too few."""
    used = tuple(item.feature_name for item in coverage if item.is_used)
    if len(used) < MIN_FEATURES:
        left_out = "; ".join(f"{item.feature_name}: {item.reason}" for item in coverage)
        raise CoverageError(
            f"only {len(used)} of {len(coverage)} features are usable on these data, a "
            f"segmentation needs at least {MIN_FEATURES} ({left_out}); check the input files "
            "and audit.audit_load_summary"
        )
    return used


def left_out_text(coverage: Sequence[FeatureCoverage]) -> str:
    """One line for people: the left-out features and why ('' when none)."""
    return "; ".join(
        f"{item.feature_name} ({item.reason.removeprefix('left out: ')})"
        for item in coverage
        if not item.is_used
    )

"""Helpers shared by the segmentation library's unit tests: small synthetic
customer frames and hand-made segment profiles."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from clustering.ml.features import FEATURE_NAMES
from clustering.ml.profiling import SegmentProfile
from clustering.storage.readers import CONTEXT_COLUMNS

# Four customer groups that differ strongly in spend, review score and
# distance; every other feature is the same for everybody, so it carries no
# spread and only these three axes separate the groups.
GROUP_LEVELS: tuple[dict[str, float], ...] = (
    {"total_spend_brl": 20.0, "avg_review_score": 1.0, "avg_distance_km": 5.0},
    {"total_spend_brl": 150.0, "avg_review_score": 5.0, "avg_distance_km": 40.0},
    {"total_spend_brl": 1_000.0, "avg_review_score": 1.5, "avg_distance_km": 2_000.0},
    {"total_spend_brl": 8_000.0, "avg_review_score": 4.5, "avg_distance_km": 300.0},
)
CONSTANT_FEATURES: dict[str, float] = {
    "days_since_last_order": 200.0,
    "count_orders": 1.0,
    "share_late_deliveries": 0.0,
    "avg_days_to_deliver": 10.0,
    "freight_share": 0.15,
    "avg_installments": 2.0,
}


def grouped_customers(per_group: int = 50, seed: int = 0) -> pd.DataFrame:
    """A mart-shaped frame (context and feature columns) of len(GROUP_LEVELS)
    well-separated groups; column `group` holds each row's true group."""
    rng = np.random.default_rng(seed)
    parts = []
    for group, levels in enumerate(GROUP_LEVELS):
        part = pd.DataFrame({name: np.full(per_group, value) for name, value in levels.items()})
        # Multiplicative noise of a few percent: small against the gaps
        # between groups on the log and robust scales.
        for name in levels:
            part[name] *= rng.uniform(0.95, 1.05, per_group)
        part["avg_review_score"] = part["avg_review_score"].clip(1.0, 5.0)
        for name, value in CONSTANT_FEATURES.items():
            part[name] = value
        part["group"] = group
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    count = len(frame)
    frame["as_of_date"] = pd.Timestamp("2018-09-01")
    frame["customer_unique_key"] = np.arange(1, count + 1, dtype=np.uint32)
    frame["customer_unique_id"] = [f"person-{key:04d}" for key in range(1, count + 1)]
    frame["customer_state"] = np.where(frame["group"] % 2 == 0, "SP", "RJ")
    frame["rfm_group"] = "one_time_recent"
    frame["is_repeat_buyer"] = frame["count_orders"] > 1
    return frame[[*CONTEXT_COLUMNS, *FEATURE_NAMES, "group"]]


def make_profile(
    segment_id: int = 1,
    *,
    share_repeat_buyers: float = 0.0,
    differences: dict[str, float] | None = None,
    means: dict[str, float] | None = None,
    medians: dict[str, float] | None = None,
    count_customers: int = 1_000,
    share_customers: float = 0.25,
    revenue_share: float = 0.25,
    avg_spend_brl: float = 150.0,
    dominant_rfm_group: str = "one_time_recent",
    share_above: dict[str, float] | None = None,
    share_below: dict[str, float] | None = None,
    count_with_value: dict[str, int] | None = None,
    share_with_late_delivery: float | None = None,
    share_unhappy: float | None = None,
    share_satisfied: float | None = None,
    features: tuple[str, ...] = FEATURE_NAMES,
) -> SegmentProfile:
    """A profile of an average segment (every difference 0), with overrides.

    Unless given, the member shares agree with the differences: three in four
    members are on the side of the median the segment's average leans to (so
    a notable difference is also true of most members), the review shares
    follow the review difference and the late share is the mean share of
    late deliveries. `features` is the model's feature list."""
    base_means = {
        "days_since_last_order": 250.0,
        "count_orders": 1.0,
        "total_spend_brl": 150.0,
        "avg_review_score": 4.1,
        "share_late_deliveries": 0.08,
        "avg_days_to_deliver": 12.0,
        "avg_distance_km": 600.0,
        "freight_share": 0.18,
        "avg_installments": 2.9,
    }
    all_differences = {**dict.fromkeys(FEATURE_NAMES, 0.0), **(differences or {})}
    all_means = {**base_means, **(means or {})}

    def leaning(sign: int) -> dict[str, float]:
        return {
            name: 0.75 if sign * value > 0 else 0.25 if sign * value < 0 else 0.4
            for name, value in all_differences.items()
        }

    review = all_differences["avg_review_score"]
    keep = set(features)
    return SegmentProfile(
        segment_id=segment_id,
        count_customers=count_customers,
        share_customers=share_customers,
        total_spend_brl=avg_spend_brl * count_customers,
        revenue_share=revenue_share,
        avg_spend_brl=avg_spend_brl,
        share_repeat_buyers=share_repeat_buyers,
        means={k: v for k, v in all_means.items() if k in keep},
        medians={k: v for k, v in {**base_means, **(medians or {})}.items() if k in keep},
        differences={name: all_differences[name] for name in features},
        dominant_rfm_group=dominant_rfm_group,
        count_with_value={
            name: (count_with_value or {}).get(name, count_customers) for name in features
        },
        share_above={k: v for k, v in {**leaning(+1), **(share_above or {})}.items() if k in keep},
        share_below={k: v for k, v in {**leaning(-1), **(share_below or {})}.items() if k in keep},
        share_with_late_delivery=(
            all_means["share_late_deliveries"]
            if share_with_late_delivery is None
            else share_with_late_delivery
        ),
        share_unhappy=(0.8 if review < 0 else 0.05) if share_unhappy is None else share_unhappy,
        share_satisfied=(
            (0.9 if review >= 0 else 0.3) if share_satisfied is None else share_satisfied
        ),
    )


# Each word a name may claim, and the member-level fact that must hold for
# more than half of the segment's members with a value (docs in clustering.ml.naming).
CLAIMS = {
    "hit by late deliveries": "share_late_deliveries > 0",
    "unhappy": "avg_review_score <= 2",
    "satisfied": "avg_review_score >= 4",
    "big-spending": "total_spend_brl > (select median(total_spend_brl) from features)",
    "low-spending": "total_spend_brl < (select median(total_spend_brl) from features)",
    "recent": "days_since_last_order < (select median(days_since_last_order) from features)",
    "lapsed": "days_since_last_order > (select median(days_since_last_order) from features)",
    "slow deliveries": "avg_days_to_deliver > (select median(avg_days_to_deliver) from features)",
    "fast deliveries": "avg_days_to_deliver < (select median(avg_days_to_deliver) from features)",
    "far from sellers": "avg_distance_km > (select median(avg_distance_km) from features)",
    "near their sellers": "avg_distance_km < (select median(avg_distance_km) from features)",
    "freight-heavy": "freight_share > (select median(freight_share) from features)",
    "freight-light": "freight_share < (select median(freight_share) from features)",
    "instalment payers": "avg_installments > (select median(avg_installments) from features)",
    "pay upfront": "avg_installments < (select median(avg_installments) from features)",
}


def untrue_claims(warehouse: Path) -> list[str]:
    """Every (segment name, word) whose claim holds for half of the members or fewer."""
    shares = ",\n".join(
        f"avg(case when {fact} then 1.0 when {fact.split()[0]} is not null then 0.0 end) "
        f'as "{word}"'
        for word, fact in CLAIMS.items()
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"""
            with features as (select * from marts.fct_customer_features)
            select segments.segment_name, {shares}
            from segments.customer_segments as segments
            inner join features using (customer_unique_key)
            group by 1
            """
        ).fetchall()
    problems = []
    for name, *values in rows:
        for word, share in zip(CLAIMS, values, strict=True):
            # "more recent" and "less recent" compare two segments, they claim no majority.
            claimed = re.search(rf"(?<!more )(?<!less )\b{re.escape(word)}\b", name.lower())
            if claimed and not (share is not None and share > 0.5):
                problems.append(f"{name}: {word} holds for {share}")
    return problems

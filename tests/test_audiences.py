"""The audience rules (clustering.ml.audiences): each part of a segment gets
the action that fits its recency and P(alive), with the reason in numbers."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.ml.audiences import (
    RECENT_DAYS,
    Audience,
    audience_action,
    lifecycle_stage,
)
from clustering.ml.cards import ACTION_RULES

SEGMENT_ACTIONS = {rule.key: rule for rule in ACTION_RULES}


def audience(stage: str, segment_action: str, value: float = 1.0) -> Audience:
    rule = SEGMENT_ACTIONS[segment_action]
    return Audience(
        stage=stage,
        segment_action_key=rule.key,
        segment_action=rule.action,
        segment_reason=rule.reason,
        count_customers=1_234,
        share_of_segment=0.25,
        avg_p_alive=0.04,
        avg_days_since_last_purchase=200.0,
        avg_expected_value_6m_brl=value,
        population_avg_expected_value_6m_brl=1.0,
    )


def test_stage_comes_from_recency_then_p_alive() -> None:
    days = np.array([0, RECENT_DAYS, RECENT_DAYS + 1, 400])
    p_alive = np.array([0.01, 0.01, 0.6, 0.49])
    assert lifecycle_stage(days, p_alive).tolist() == [
        "recent",
        "recent",
        "likely_active",
        "lapsed",
    ]


@pytest.mark.parametrize(
    ("stage", "segment_action", "value", "expected_key", "keeps_segment_action"),
    [
        # Unhappy customers: fix the experience, whatever the stage.
        ("lapsed", "service_recovery", 5.0, "fix_experience", True),
        ("recent", "quality_follow_up", 1.0, "fix_experience", True),
        # The segment's own action where its moment fits the stage.
        ("recent", "premium_cross_sell", 1.0, "segment_action_now", True),
        ("lapsed", "big_spender_win_back", 1.0, "segment_win_back", True),
        # ... and replaced where it does not.
        ("recent", "repeat_win_back", 1.0, "cross_sell", False),
        ("likely_active", "premium_cross_sell", 1.0, "reminder", False),
        ("lapsed", "premium_cross_sell", 2.0, "paid_win_back", False),
        ("lapsed", "premium_cross_sell", 1.9, "low_cost_win_back", False),
    ],
)
def test_each_audience_gets_the_action_that_fits_it(
    stage: str, segment_action: str, value: float, expected_key: str, keeps_segment_action: bool
) -> None:
    part = audience(stage, segment_action, value)
    key, action, reason = audience_action(part)
    assert key == expected_key
    assert (action == part.segment_action) is keeps_segment_action
    # The reason carries the audience's numbers.
    assert "25% of the segment (1,234 customers)" in reason
    assert f"{value:.1f}x the average customer" in reason

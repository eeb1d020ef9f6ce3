"""Segment cards: every action rule is reachable, the rule order decides, and
the texts carry the segment's own numbers."""

from __future__ import annotations

import pytest

from clustering.ml.cards import ACTION_RULES, action_for, description_text, differences_text
from clustering.ml.features import FEATURE_NAMES
from clustering.ml.profiling import SegmentProfile
from tests.segment_support import make_profile

# One profile per rule that reaches it (and no earlier rule).
REACHING: dict[str, SegmentProfile] = {
    "service_recovery": make_profile(
        differences={"avg_review_score": -0.8}, means={"share_late_deliveries": 0.4}
    ),
    "quality_follow_up": make_profile(
        differences={"avg_review_score": -0.8}, means={"share_late_deliveries": 0.1}
    ),
    "loyalty": make_profile(share_repeat_buyers=0.7, differences={"days_since_last_order": 0.3}),
    "repeat_win_back": make_profile(
        share_repeat_buyers=0.7, differences={"days_since_last_order": 0.4}
    ),
    "big_spender_win_back": make_profile(
        differences={"total_spend_brl": 0.4, "days_since_last_order": 0.4}
    ),
    "premium_cross_sell": make_profile(differences={"total_spend_brl": 0.4}),
    "free_shipping": make_profile(differences={"freight_share": 0.6}),
    "low_cost_reactivation": make_profile(differences={"days_since_last_order": 0.4}),
    "second_purchase": make_profile(),
}


def test_every_rule_has_a_profile_that_reaches_it() -> None:
    assert list(REACHING) == [rule.key for rule in ACTION_RULES]


@pytest.mark.parametrize(
    "position", range(len(ACTION_RULES)), ids=[rule.key for rule in ACTION_RULES]
)
def test_rule_is_reached(position: int) -> None:
    rule = ACTION_RULES[position]
    profile = REACHING[rule.key]
    assert rule.applies(profile)
    assert not any(earlier.applies(profile) for earlier in ACTION_RULES[:position])
    assert action_for(profile) is rule


def test_unhappy_late_big_spenders_get_service_recovery_first() -> None:
    big_far = {"total_spend_brl": 2.0, "freight_share": 1.0}
    late = {"share_late_deliveries": 0.5}
    assert action_for(make_profile(differences=big_far, means=late)).key == "premium_cross_sell"
    unhappy = make_profile(differences={**big_far, "avg_review_score": -1.0}, means=late)
    applying = [rule.key for rule in ACTION_RULES if rule.applies(unhappy)]
    assert applying == ["service_recovery", "quality_follow_up", "free_shipping", "second_purchase"]
    assert action_for(unhappy).key == "service_recovery"
    # Repeat buyers too: fixing the experience comes before loyalty treatment.
    repeat = make_profile(
        share_repeat_buyers=0.9, differences={**big_far, "avg_review_score": -1.0}, means=late
    )
    assert action_for(repeat).key == "service_recovery"


def test_unhappy_big_spenders_without_late_deliveries_are_not_sold_to() -> None:
    profile = make_profile(differences={"avg_review_score": -0.7, "total_spend_brl": 1.5})
    assert action_for(profile).key == "quality_follow_up"


def test_big_spenders_with_mixed_reviews_get_no_cross_sell() -> None:
    # A review difference of -NOTABLE rules out cross-selling but is not unhappy.
    profile = make_profile(differences={"avg_review_score": -0.4, "total_spend_brl": 1.5})
    assert action_for(profile).key == "second_purchase"


def test_repeat_buyers_before_value_and_freight() -> None:
    profile = make_profile(
        share_repeat_buyers=0.5, differences={"total_spend_brl": 1.0, "freight_share": 1.0}
    )
    assert action_for(profile).key == "loyalty"


def test_far_lapsed_customers_get_free_shipping_before_reactivation() -> None:
    profile = make_profile(differences={"avg_distance_km": 0.6, "days_since_last_order": 1.0})
    assert action_for(profile).key == "free_shipping"


def test_a_lapsed_big_spending_segment_is_not_told_it_spent_little() -> None:
    # Lapsed, big-spending and mildly unhappy (too unhappy for a cross-sell,
    # not unhappy enough for a follow-up): the card must not contradict the
    # spend shown beside it.
    profile = make_profile(
        differences={"days_since_last_order": 1.0, "total_spend_brl": 1.0, "avg_review_score": -0.5}
    )
    assert "spent little" not in action_for(profile).reason


def test_the_last_rule_always_applies() -> None:
    last = ACTION_RULES[-1]
    extremes = [
        make_profile(),
        make_profile(differences=dict.fromkeys(FEATURE_NAMES, 5.0), share_repeat_buyers=1.0),
        make_profile(differences=dict.fromkeys(FEATURE_NAMES, -5.0)),
        make_profile(means={"share_late_deliveries": 1.0}),
    ]
    assert all(last.applies(profile) for profile in extremes)
    assert all(rule.action and rule.reason for rule in ACTION_RULES)
    assert len({rule.key for rule in ACTION_RULES}) == len(ACTION_RULES)


def test_description_carries_the_segment_numbers() -> None:
    profile = make_profile(
        count_customers=12_345,
        share_customers=0.1234,
        revenue_share=0.4567,
        avg_spend_brl=1_234.4,
        share_repeat_buyers=0.07,
        means={"avg_review_score": 4.26, "share_late_deliveries": 0.153},
        medians={"days_since_last_order": 120.4, "avg_distance_km": 1_450.2},
        dominant_rfm_group="at_risk_big_spenders",
    )
    assert description_text(profile) == (
        "12,345 customers (12.3% of all) bringing 45.7% of revenue, R$ 1,234 each on "
        "average; 7% ordered more than once. Median 120 days since the last order, "
        "average review 4.3 of 5, 15% of deliveries late, median 1,450 km from the "
        "seller. Most common RFM group: at risk big spenders."
    )


def test_differences_name_the_largest_three_with_both_values() -> None:
    profile = make_profile(
        differences={
            "total_spend_brl": 1.2,
            "freight_share": -0.3,
            "avg_review_score": -0.65,
            "avg_distance_km": 0.2,
        },
        means={"total_spend_brl": 1_520.0, "freight_share": 0.08, "avg_review_score": 2.14},
    )
    population = {**make_profile().means, "total_spend_brl": 160.0}
    assert differences_text(profile, population) == (
        "total spend (BRL) much higher than average (R$ 1,520 vs R$ 160); "
        "average review score much lower than average (2.1 vs 4.1); "
        "freight share of spend lower than average (8% vs 18%)"
    )
    assert differences_text(profile, population, count=1) == (
        "total spend (BRL) much higher than average (R$ 1,520 vs R$ 160)"
    )


def test_differences_below_a_tenth_are_left_out() -> None:
    profile = make_profile(
        differences={"avg_installments": 0.15, "avg_days_to_deliver": 0.09},
        means={"avg_installments": 3.44},
    )
    population = make_profile().means
    assert differences_text(profile, population) == (
        "payment instalments higher than average (3.4 vs 2.9)"
    )
    assert differences_text(make_profile(), population) == (
        "close to the average customer on every feature"
    )

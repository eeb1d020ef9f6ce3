"""Segment names from profile numbers, and carrying segments over a refit."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.ml.features import FEATURE_NAMES
from clustering.ml.naming import (
    NOTABLE,
    STRONG,
    base_name,
    match_segments,
    name_segments,
    qualifiers,
)
from tests.segment_support import make_profile


def name_of(**profile: object) -> str:
    return name_segments([make_profile(1, **profile)])[1]  # type: ignore[arg-type]


def test_an_average_segment_is_one_time_buyers() -> None:
    assert name_of() == "One-time buyers"


def test_buyer_type_turns_at_half_repeat_buyers() -> None:
    assert base_name(make_profile(share_repeat_buyers=0.5)) == "repeat buyers"
    assert base_name(make_profile(share_repeat_buyers=0.49)) == "one-time buyers"


@pytest.mark.parametrize(
    ("difference", "words"),
    [(-NOTABLE, "recent"), (-0.39, ""), (0.39, ""), (NOTABLE, "lapsed"), (2.0, "lapsed")],
)
def test_recency_words(difference: float, words: str) -> None:
    name = base_name(make_profile(differences={"days_since_last_order": difference}))
    assert name == f"{words} one-time buyers".strip()


@pytest.mark.parametrize(
    ("difference", "words"),
    [(NOTABLE, "big-spending"), (0.39, ""), (-0.39, ""), (-NOTABLE, "low-spending")],
)
def test_value_words(difference: float, words: str) -> None:
    name = base_name(make_profile(differences={"total_spend_brl": difference}))
    assert name == f"{words} one-time buyers".strip()


def test_full_name_reads_recency_value_buyer_type() -> None:
    name = name_of(
        share_repeat_buyers=0.8,
        differences={"days_since_last_order": -1.0, "total_spend_brl": 1.0},
    )
    assert name == "Recent big-spending repeat buyers"


def test_qualifiers_strongest_first_and_at_most_two_in_the_name() -> None:
    profile_numbers = {
        "differences": {
            "avg_installments": 0.7,  # instalment payers
            "avg_distance_km": 1.3,  # far from sellers
            "avg_review_score": -0.9,  # unhappy
            "freight_share": -0.6,  # freight-light, exactly STRONG
            "avg_days_to_deliver": 0.59,  # below STRONG: not a qualifier
        }
    }
    assert qualifiers(make_profile(**profile_numbers)) == [
        "far from sellers",
        "unhappy",
        "instalment payers",
        "freight-light",
    ]
    assert name_of(**profile_numbers) == "One-time buyers, far from sellers, unhappy"


def test_equal_differences_keep_the_rule_order() -> None:
    profile = make_profile(
        differences={"freight_share": 0.8, "avg_days_to_deliver": 0.8, "avg_distance_km": -0.8}
    )
    assert qualifiers(profile) == ["slow deliveries", "near their sellers", "freight-heavy"]


def test_late_deliveries_rank_by_how_far_past_half_of_the_members() -> None:
    # 55 % of members had a late delivery: ranks as STRONG + 0.55 = 1.15, after
    # unhappy at 1.2, before far at 0.9.
    profile = make_profile(
        share_with_late_delivery=0.55,
        differences={"avg_review_score": -1.2, "avg_distance_km": 0.9},
    )
    assert qualifiers(profile) == ["unhappy", "hit by late deliveries", "far from sellers"]


def test_late_deliveries_are_claimed_only_when_most_members_had_one() -> None:
    # The default data's unhappy segment: a late share of 0.35 on average, 35 %
    # of members with a late delivery. A third is not "hit by late deliveries".
    third = make_profile(
        means={"share_late_deliveries": 0.35},
        share_with_late_delivery=0.35,
        differences={"avg_review_score": -1.5},
    )
    assert qualifiers(third) == ["unhappy"]
    assert "hit by late deliveries" in qualifiers(make_profile(share_with_late_delivery=0.51))
    assert qualifiers(make_profile(share_with_late_delivery=0.5)) == []


def test_a_notable_difference_is_not_claimed_unless_most_members_share_it() -> None:
    # A few far-away customers pull the average up; most members are nearer
    # than the typical customer.
    skewed = make_profile(
        differences={"avg_distance_km": 1.5, "total_spend_brl": 0.9},
        share_above={"avg_distance_km": 0.3, "total_spend_brl": 0.45},
    )
    assert qualifiers(skewed) == []
    assert base_name(skewed) == "one-time buyers"
    # Unhappy needs most members at a review average of 2 or less.
    unhappy = make_profile(differences={"avg_review_score": -1.0}, share_unhappy=0.4)
    assert qualifiers(unhappy) == []
    satisfied = make_profile(differences={"avg_review_score": 0.6}, share_satisfied=0.5)
    assert qualifiers(satisfied) == []


def test_features_outside_the_model_or_unknown_for_most_members_make_no_claim() -> None:
    without_distance = tuple(f for f in FEATURE_NAMES if f != "avg_distance_km")
    far = {"avg_distance_km": 1.5}
    assert qualifiers(make_profile(differences=far)) == ["far from sellers"]
    assert qualifiers(make_profile(differences=far, features=without_distance)) == []
    # Known for 40 of 100 members: no claim either way.
    sparse = make_profile(
        count_customers=100,
        differences={"avg_review_score": -1.5},
        count_with_value={"avg_review_score": 40, "share_late_deliveries": 49},
        share_with_late_delivery=0.9,
    )
    assert qualifiers(sparse) == []


def test_satisfied_by_difference_or_by_a_high_mean_above_average() -> None:
    assert qualifiers(make_profile(differences={"avg_review_score": NOTABLE})) == ["satisfied"]
    assert qualifiers(make_profile(differences={"avg_review_score": 0.39})) == []
    high_mean = {"means": {"avg_review_score": 4.6}}
    assert qualifiers(make_profile(differences={"avg_review_score": 0.1}, **high_mean)) == [
        "satisfied"
    ]
    assert qualifiers(make_profile(differences={"avg_review_score": 0.0}, **high_mean)) == []
    # Ranked at NOTABLE at least, after stronger qualifiers.
    profile = make_profile(differences={"avg_review_score": 0.5, "freight_share": STRONG})
    assert qualifiers(profile) == ["freight-heavy", "satisfied"]


def test_clashing_names_take_the_next_qualifier() -> None:
    shared = {"avg_review_score": -1.5, "avg_distance_km": 1.0}
    first = make_profile(1, differences=shared)
    second = make_profile(2, differences={**shared, "avg_installments": 0.8})
    names = name_segments([first, second])
    assert names == {
        1: "One-time buyers, unhappy, far from sellers",
        2: "One-time buyers, unhappy, far from sellers, instalment payers",
    }


def test_segments_with_the_same_words_are_told_apart_by_the_feature_they_differ_most_on() -> None:
    # The extract: two "One-time buyers, satisfied" segments.
    profiles = [
        make_profile(1, differences={"avg_review_score": 0.5, "total_spend_brl": 0.3}),
        make_profile(2, differences={"avg_review_score": 0.5, "total_spend_brl": -0.2}),
        make_profile(3, share_repeat_buyers=0.9),
    ]
    assert name_segments(profiles) == {
        1: "One-time buyers, satisfied, higher spend",
        2: "One-time buyers, satisfied, lower spend",
        3: "Repeat buyers",
    }


def test_three_equally_named_segments_take_the_next_feature_for_the_middle_one() -> None:
    profiles = [
        make_profile(1, differences={"total_spend_brl": 0.3, "avg_installments": 0.1}),
        make_profile(2, differences={"total_spend_brl": 0.0, "avg_installments": 0.5}),
        make_profile(3, differences={"total_spend_brl": -0.3, "avg_installments": 0.2}),
    ]
    names = name_segments(profiles)
    assert names[1] == "One-time buyers, higher spend"
    assert names[3] == "One-time buyers, lower spend"
    assert names[2] == "One-time buyers"
    assert len(set(names.values())) == 3


def test_only_segments_identical_on_every_feature_fall_back_to_their_ids() -> None:
    profiles = [make_profile(3), make_profile(1), make_profile(2, share_repeat_buyers=0.9)]
    names = name_segments(profiles)
    assert names == {
        1: "One-time buyers (segment 1)",
        2: "Repeat buyers",
        3: "One-time buyers (segment 3)",
    }


def test_carried_over_names_are_kept_and_avoided() -> None:
    carried = {5: "Loyal fans", 6: "One-time buyers"}
    profiles = [
        make_profile(5, differences={"total_spend_brl": -1.0}),
        make_profile(6, differences={"avg_installments": 0.3}),
        make_profile(7),  # would be "One-time buyers", already taken by 6
        make_profile(8, differences={"avg_distance_km": 1.0}),
    ]
    names = name_segments(profiles, taken=carried)
    assert names == {
        5: "Loyal fans",
        6: "One-time buyers",
        7: "One-time buyers, fewer instalments",
        8: "One-time buyers, far from sellers",
    }
    assert len(set(names.values())) == len(names)


def test_a_clash_with_a_carried_name_takes_the_next_qualifier() -> None:
    carried = {1: "One-time buyers, unhappy, slow deliveries"}
    profile = make_profile(
        2,
        differences={"avg_review_score": -2.0, "avg_days_to_deliver": 1.5, "freight_share": 0.7},
    )
    names = name_segments([profile], taken=carried)
    assert names[2] == "One-time buyers, unhappy, slow deliveries, freight-heavy"


def test_names_are_unique_across_many_similar_segments() -> None:
    differences = [
        {},
        {"avg_distance_km": 1.0},
        {"avg_distance_km": 1.0, "freight_share": 0.9},
        {"avg_distance_km": 1.0, "freight_share": 0.9, "avg_installments": 0.7},
        {"avg_distance_km": 1.0, "freight_share": 0.9},
        {},
    ]
    profiles = [make_profile(sid, differences=d) for sid, d in enumerate(differences)]
    names = name_segments(profiles)
    assert sorted(names) == list(range(6))
    assert len(set(names.values())) == 6


def test_pure_relabelling_pairs_every_segment_with_jaccard_one() -> None:
    previous = np.array([10, 10, 20, 20, 20, 30])
    new = np.array([2, 2, 0, 0, 0, 1])
    matches = match_segments(new, previous, threshold=0.5)
    assert [m.label for m in matches] == [0, 1, 2]
    assert [(m.previous_segment_id, m.jaccard, m.is_carried_over) for m in matches] == [
        (20, 1.0, True),
        (30, 1.0, True),
        (10, 1.0, True),
    ]


def test_a_split_segment_leaves_one_half_below_the_threshold() -> None:
    # Old segment 1 (four people) splits: two stay alone in new 0, two join
    # all of old segment 2 in new 1.
    previous = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    new = np.array([0, 0, 1, 1, 1, 1, 1, 1])
    matches = match_segments(new, previous, threshold=0.6)
    assert [(m.label, m.previous_segment_id) for m in matches] == [(0, 1), (1, 2)]
    assert matches[0].jaccard == pytest.approx(2 / 4)
    assert matches[1].jaccard == pytest.approx(4 / 6)
    assert [m.is_carried_over for m in matches] == [False, True]
    # The threshold is inclusive.
    assert match_segments(new, previous, threshold=0.5)[0].is_carried_over


def test_more_new_than_old_segments_leaves_one_unmatched() -> None:
    # Old segment 1 (six people) splits into new 0 (four) and new 1 (two).
    previous = np.array([1, 1, 1, 1, 1, 1, 2, 2, 2, 2])
    new = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 2])
    matches = match_segments(new, previous, threshold=0.5)
    assert [(m.label, m.previous_segment_id, m.is_carried_over) for m in matches] == [
        (0, 1, True),
        (1, None, False),
        (2, 2, True),
    ]
    assert matches[0].jaccard == pytest.approx(4 / 6)
    assert matches[1].jaccard == 0.0
    assert matches[2].jaccard == 1.0


def test_fewer_new_than_old_segments_pairs_each_new_one() -> None:
    # Old segment 2 is shared out between the two new ones.
    previous = np.array([1, 1, 2, 2, 3, 3])
    new = np.array([0, 0, 0, 1, 1, 1])
    matches = match_segments(new, previous, threshold=0.5)
    assert [(m.label, m.previous_segment_id) for m in matches] == [(0, 1), (1, 3)]
    assert [m.jaccard for m in matches] == pytest.approx([2 / 3, 2 / 3])
    assert all(m.is_carried_over for m in matches)


def test_a_carried_name_is_kept_only_while_its_words_hold() -> None:
    # Named under the old rule (a late share of 0.3 was enough): a third of
    # the members had a late delivery, which is not "hit by late deliveries".
    late_third = make_profile(
        4, differences={"avg_review_score": -1.5}, share_with_late_delivery=0.35
    )
    carried = {4: "One-time buyers, unhappy, hit by late deliveries"}
    assert name_segments([late_third], taken=carried) == {4: "One-time buyers, unhappy"}
    # Still true: kept as it is, even if the rules would word it otherwise today.
    late_most = make_profile(
        4, differences={"avg_review_score": -1.5}, share_with_late_delivery=0.6
    )
    assert name_segments([late_most], taken=carried) == carried
    # A word from a feature the model no longer reads does not hold.
    without_review = tuple(f for f in FEATURE_NAMES if f != "avg_review_score")
    happy = make_profile(2, differences={"avg_review_score": 1.0}, features=without_review)
    assert name_segments([happy], taken={2: "One-time buyers, satisfied"}) == {2: "One-time buyers"}


def test_new_segments_equal_to_a_kept_name_are_told_apart_without_ids() -> None:
    carried = {1: "One-time buyers"}
    profiles = [
        make_profile(1, differences={"total_spend_brl": 0.3}),
        make_profile(2, differences={"total_spend_brl": 0.1}),
        make_profile(3, differences={"total_spend_brl": -0.3}),
    ]
    names = name_segments(profiles, taken=carried)
    assert names[1] == "One-time buyers"
    assert len(set(names.values())) == 3
    assert not any("(segment " in name for name in names.values())
    # One new segment against the kept one: the comparison is with it.
    names = name_segments(profiles[:2], taken=carried)
    assert names == {1: "One-time buyers", 2: "One-time buyers, lower spend"}

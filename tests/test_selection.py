"""Model selection: the documented choice rule on hand-made tables, and the
whole comparison on synthetic customers with a known number of groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.features import FEATURE_NAMES
from clustering.selection import PopulationError, candidate_name, choose, select_model
from clustering.settings import Settings
from tests.segment_support import GROUP_LEVELS, grouped_customers

# min_stability 0.75, segment shares 1 % to 50 %, silhouette tolerance 0.005.
RULE = Settings()


def candidate(n_segments: int, family: str = "kmeans", **measures: float) -> dict[str, object]:
    """A table row of a candidate that meets the rule, with overrides."""
    row: dict[str, object] = {
        "candidate": candidate_name(family, n_segments),
        "family": family,
        "n_segments": n_segments,
        "silhouette": 0.30,
        "silhouette_without_review": 0.25,
        "davies_bouldin": 1.1,
        "calinski_harabasz": 900.0,
        "bootstrap_ari_mean": 0.95,
        "bootstrap_ari_std": 0.02,
        "smallest_segment_share": 0.05,
        "largest_segment_share": 0.40,
        "fit_seconds": 0.1,
    }
    row.update(measures)
    return row


def chosen(table: pd.DataFrame) -> list[str]:
    return table.loc[table["is_chosen"], "candidate"].tolist()


def test_candidate_name() -> None:
    assert candidate_name("gaussian_mixture", 5) == "gaussian_mixture_k5"


def test_eligibility_needs_stability_and_segment_shares_in_range() -> None:
    table = pd.DataFrame(
        [
            candidate(2, bootstrap_ari_mean=0.80, bootstrap_ari_std=0.10),  # 0.70 < 0.75
            candidate(3, bootstrap_ari_mean=1.00, bootstrap_ari_std=0.25),  # exactly 0.75
            candidate(4, smallest_segment_share=0.005),
            candidate(5, smallest_segment_share=0.01),  # exactly the minimum
            candidate(6, largest_segment_share=0.51),
            candidate(7, largest_segment_share=0.50),  # exactly the maximum
            candidate(8, silhouette=float("nan")),
        ]
    )
    result, *_ = choose(table, RULE)
    assert result["is_eligible"].tolist() == [False, True, False, True, False, True, False]
    # The caller's table is left as it was.
    assert "is_eligible" not in table.columns


def test_highest_silhouette_among_eligible_wins() -> None:
    table = pd.DataFrame(
        [
            candidate(3, silhouette=0.31),
            candidate(4, silhouette=0.42),
            candidate(5, silhouette=0.60, largest_segment_share=0.70),  # not eligible
            candidate(6, silhouette=0.35),
        ]
    )
    result, family, n_segments, reason = choose(table, RULE)
    assert (family, n_segments) == ("kmeans", 4)
    assert chosen(result) == ["kmeans_k4"]
    assert reason.startswith("kmeans_k4: the highest silhouette (0.420; 0.250 without")
    assert "among 3 of 4 candidates" in reason
    assert "5.0% to 40.0%" in reason
    assert "fewer segments preferred" not in reason


def test_silhouettes_within_tolerance_are_a_tie_won_by_fewer_segments() -> None:
    table = pd.DataFrame(
        [
            candidate(6, silhouette=0.404),
            candidate(3, silhouette=0.300),
            candidate(4, silhouette=0.401),
            candidate(5, silhouette=0.399),  # 0.005 below the best: a tie too
        ]
    )
    result, _, n_segments, reason = choose(table, RULE)
    assert n_segments == 4
    assert chosen(result) == ["kmeans_k4"]
    assert "2 other candidate(s) within 0.005 silhouette, fewer segments preferred" in reason


def test_a_silhouette_just_beyond_tolerance_wins_with_more_segments() -> None:
    table = pd.DataFrame([candidate(3, silhouette=0.300), candidate(7, silhouette=0.306)])
    _, _, n_segments, reason = choose(table, RULE)
    assert n_segments == 7
    assert "fewer segments preferred" not in reason


def test_families_compete_on_the_same_rule() -> None:
    table = pd.DataFrame(
        [
            candidate(4, "kmeans", silhouette=0.30),
            candidate(4, "gaussian_mixture", silhouette=0.33),
        ]
    )
    result, family, n_segments, _ = choose(table, RULE)
    assert (family, n_segments) == ("gaussian_mixture", 4)
    assert chosen(result) == ["gaussian_mixture_k4"]


def test_without_an_eligible_candidate_the_most_stable_usable_one_is_chosen() -> None:
    table = pd.DataFrame(
        [
            candidate(3, bootstrap_ari_mean=0.60, bootstrap_ari_std=0.20, silhouette=0.5),
            candidate(4, bootstrap_ari_mean=0.70, bootstrap_ari_std=0.10),
            candidate(5, bootstrap_ari_mean=0.70, bootstrap_ari_std=0.05),
            candidate(6, bootstrap_ari_mean=0.99, bootstrap_ari_std=0.0, largest_segment_share=0.9),
        ]
    )
    # k=6 is the most stable but one segment holds 90 %: among the usable
    # sizes k=4 and k=5 are equally stable, and fewer segments win.
    result, _, n_segments, reason = choose(table, RULE)
    assert not result["is_eligible"].any()
    assert n_segments == 4
    assert chosen(result) == ["kmeans_k4"]
    assert reason.startswith("no candidate met the rule (bootstrap ARI - 1 sd >= 0.75")
    assert "smallest segment >= 1%, largest <= 50%" in reason
    assert "kmeans_k4 is the most stable candidate with usable segment sizes" in reason
    assert "(ARI 0.70 +/- 0.10)" in reason
    assert reason.endswith("treat its segments with caution")


def test_without_usable_segment_sizes_the_most_stable_overall_is_chosen() -> None:
    table = pd.DataFrame(
        [
            candidate(3, bootstrap_ari_mean=0.90, largest_segment_share=0.8),
            candidate(4, bootstrap_ari_mean=0.97, smallest_segment_share=0.001),
            candidate(5, bootstrap_ari_mean=0.95, largest_segment_share=0.6),
        ]
    )
    result, _, n_segments, reason = choose(table, RULE)
    assert n_segments == 4
    assert chosen(result) == ["kmeans_k4"]
    assert "kmeans_k4 is the most stable candidate (ARI 0.97 +/- 0.02)" in reason


def test_equally_stable_fallbacks_go_to_fewer_segments() -> None:
    table = pd.DataFrame(
        [
            candidate(5, bootstrap_ari_mean=0.70, bootstrap_ari_std=0.10),
            candidate(4, bootstrap_ari_mean=0.70, bootstrap_ari_std=0.20),
        ]
    )
    _, _, n_segments, reason = choose(table, RULE)
    assert n_segments == 4
    assert "kmeans_k4 is the most stable" in reason


# Small and serial so the comparison takes a second or two.
SMALL = Settings(
    # The 200 hand-made customers stand for a population large enough to compare.
    min_customers_to_select=100,
    families=("kmeans",),
    min_segments=2,
    max_segments=6,
    bootstrap_rounds=3,
    selection_sample=150,
    silhouette_sample=150,
    n_init=2,
    n_jobs=1,
)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return grouped_customers(per_group=50, seed=0)


def test_frame_has_every_feature_and_four_separated_groups(customers: pd.DataFrame) -> None:
    assert set(FEATURE_NAMES) <= set(customers.columns)
    assert customers["group"].nunique() == len(GROUP_LEVELS) == 4
    spend = customers.groupby("group")["total_spend_brl"].agg(["min", "max"])
    assert (spend["max"].iloc[:-1].to_numpy() < spend["min"].iloc[1:].to_numpy()).all()


def test_select_model_finds_the_four_groups(customers: pd.DataFrame) -> None:
    seen: list[str] = []
    selection = select_model(customers.drop(columns="group"), SMALL, progress=seen.append)
    assert (selection.family, selection.n_segments) == ("kmeans", 4)
    table = selection.table
    assert table["candidate"].tolist() == [f"kmeans_k{k}" for k in range(2, 7)]
    assert seen == table["candidate"].tolist()
    assert chosen(table) == ["kmeans_k4"]
    best = table.set_index("candidate").loc["kmeans_k4"]
    assert best["silhouette"] > 0.9
    assert best["bootstrap_ari_mean"] == pytest.approx(1.0)
    # Measured on the 150-customer sample: no segment share finer than 1/150.
    shares = table[["smallest_segment_share", "largest_segment_share"]].to_numpy() * 150
    np.testing.assert_allclose(shares, np.round(shares), atol=1e-9)
    assert best["largest_segment_share"] < 0.5
    assert selection.reason.startswith("kmeans_k4: the highest silhouette")


def test_fixed_family_and_segments_measure_only_that_candidate(customers: pd.DataFrame) -> None:
    fixed = SMALL.with_(family="gaussian_mixture", n_segments=3)
    seen: list[str] = []
    selection = select_model(customers.drop(columns="group"), fixed, progress=seen.append)
    assert (selection.family, selection.n_segments) == ("gaussian_mixture", 3)
    assert seen == ["gaussian_mixture_k3"]
    assert selection.table["candidate"].tolist() == ["gaussian_mixture_k3"]
    assert selection.table["is_chosen"].tolist() == [True]
    assert selection.reason.startswith(
        "gaussian_mixture_k3: fixed by the operator (family and number of segments given), "
        "not selected"
    )


def test_too_few_customers_to_compare_stops_with_the_count_the_need_and_the_way_out(
    customers: pd.DataFrame,
) -> None:
    few = customers.drop(columns="group").iloc[:150]
    with pytest.raises(PopulationError) as raised:
        select_model(few, SMALL.with_(min_customers_to_select=500))
    message = str(raised.value)
    assert message.startswith("150 customers are too few to choose a segmentation")
    assert "needs at least 500" in message
    assert "--family kmeans --segments 3" in message


def test_a_fixed_structure_fits_a_small_population_but_not_too_many_segments(
    customers: pd.DataFrame,
) -> None:
    few = customers.drop(columns="group").iloc[:150]
    fixed = SMALL.with_(min_customers_to_select=500, family="kmeans", n_segments=3)
    assert select_model(few, fixed).n_segments == 3
    with pytest.raises(PopulationError, match="150 customers are too few for 20 segments"):
        select_model(few, fixed.with_(n_segments=20))

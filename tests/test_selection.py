"""Model selection: the documented choice rule on hand-made tables, and the
whole comparison on synthetic customers with a known number of groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.errors import PopulationError, SelectionError
from clustering.ml.features import FEATURE_NAMES
from clustering.ml.selection import candidate_name, choose, select_model
from clustering.settings import Settings
from tests.segment_support import GROUP_LEVELS, grouped_customers

# Seed agreement 0.95, band edge 0.75, segment shares 1 % to 50 %, silhouette
# tolerance 0.005.
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
        "count_refits": 9,
        "seed_ari_min": 0.99,
        "noise_edge": 0.93,
        "noise_edge_low": 0.91,
        "noise_edge_high": 0.95,
        "noise_mean": 0.97,
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


def test_eligibility_needs_seed_agreement_a_band_and_segment_shares_in_range() -> None:
    table = pd.DataFrame(
        [
            candidate(2, seed_ari_min=0.949),  # seed-only refits disagree
            candidate(3, seed_ari_min=0.95),  # exactly the minimum
            candidate(4, noise_edge=0.74),  # the band is too low
            candidate(5, noise_edge=0.75),  # exactly min_stability
            candidate(6, smallest_segment_share=0.005),
            candidate(7, smallest_segment_share=0.01),  # exactly the minimum
            candidate(8, largest_segment_share=0.51),
            candidate(9, largest_segment_share=0.50),  # exactly the maximum
            candidate(10, silhouette=float("nan")),
        ]
    )
    result, *_ = choose(table, RULE)
    assert result["is_stable"].tolist() == [False, True, True, True, True, True, True, True, True]
    assert result["is_eligible"].tolist() == [
        False, True, False, True, False, True, False, True, False,
    ]  # fmt: skip
    # The caller's table is left as it was.
    assert "is_eligible" not in table.columns


def test_an_unstable_candidate_is_never_chosen_however_well_separated() -> None:
    table = pd.DataFrame(
        [
            candidate(3, silhouette=0.30),
            candidate(4, silhouette=0.60, seed_ari_min=0.62),
        ]
    )
    result, _, n_segments, reason = choose(table, RULE)
    assert n_segments == 3
    assert result["is_stable"].tolist() == [True, False]
    assert "1 candidate(s) rejected as unstable" in reason
    assert "seed-only refits agree at ARI >= 0.990" in reason


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
    assert "refit band from 0.93 (0.91-0.95)" in reason
    assert "5.0% to 40.0%" in reason
    assert "fewer segments preferred" not in reason
    assert "rejected as unstable" not in reason


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


def test_without_usable_sizes_the_most_stable_stable_candidate_is_chosen() -> None:
    table = pd.DataFrame(
        [
            candidate(3, noise_edge=0.99, seed_ari_min=0.5, largest_segment_share=0.9),
            candidate(4, noise_edge=0.90, largest_segment_share=0.8),
            candidate(5, noise_edge=0.97, smallest_segment_share=0.001),
            candidate(6, noise_edge=0.97, largest_segment_share=0.6),
            candidate(7, noise_edge=0.70),
        ]
    )
    # k=3 has the highest band but refits with other seeds disagree; k=7 has
    # usable sizes but does not hold up under resampling: the only usable
    # stable one, it is chosen before k=5 and k=6.
    result, _, n_segments, reason = choose(table, RULE)
    assert not result["is_eligible"].any()
    assert n_segments == 7
    assert reason.startswith("no stable candidate (refits differing only by seed agree")
    assert "kmeans_k7 is the most stable of the 4 stable candidate(s)" in reason
    assert reason.endswith("treat its segments with caution")
    # Without it, the highest band among the stable ones, fewer segments on a tie.
    result, _, n_segments, _ = choose(table.iloc[:4], RULE)
    assert n_segments == 5
    assert chosen(result) == ["kmeans_k5"]


def test_without_a_stable_candidate_selection_stops_and_names_the_worst() -> None:
    table = pd.DataFrame(
        [
            candidate(3, seed_ari_min=0.80),
            candidate(4, seed_ari_min=0.41, noise_edge=0.35),
        ]
    )
    with pytest.raises(SelectionError) as raised:
        choose(table, RULE)
    message = str(raised.value)
    assert message.startswith("none of the 2 candidate structures is stable")
    assert "kmeans_k4, has seed-only refits agree at ARI >= 0.410" in message
    assert "--family kmeans --segments 3" in message


# Small and serial so the comparison takes a second or two.
SMALL = Settings(
    # The 200 hand-made customers stand for a population large enough to compare.
    min_customers_to_select=100,
    families=("kmeans",),
    min_segments=2,
    max_segments=6,
    seed_rounds=2,
    bootstrap_rounds=2,
    selection_sample=150,
    silhouette_sample=150,
    n_init=4,
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
    selection = select_model(
        customers.drop(columns="group"),
        SMALL,
        progress=lambda label, _done, _total: seen.append(label),
    )
    assert (selection.family, selection.n_segments) == ("kmeans", 4)
    table = selection.table
    assert table["candidate"].tolist() == [f"kmeans_k{k}" for k in range(2, 7)]
    assert seen == table["candidate"].tolist()
    assert chosen(table) == ["kmeans_k4"]
    best = table.set_index("candidate").loc["kmeans_k4"]
    assert best["silhouette"] > 0.9
    assert best["seed_ari_min"] == pytest.approx(1.0)
    assert best["noise_edge"] == pytest.approx(1.0)
    assert best["count_refits"] == 1 + SMALL.seed_rounds + SMALL.bootstrap_rounds
    # Measured on the 150-customer sample: no segment share finer than 1/150.
    shares = table[["smallest_segment_share", "largest_segment_share"]].to_numpy() * 150
    np.testing.assert_allclose(shares, np.round(shares), atol=1e-9)
    assert best["largest_segment_share"] < 0.5
    assert selection.reason.startswith("kmeans_k4: the highest silhouette")


def test_fixed_family_and_segments_measure_only_that_candidate(customers: pd.DataFrame) -> None:
    fixed = SMALL.with_(family="gaussian_mixture", n_segments=3)
    seen: list[str] = []
    selection = select_model(
        customers.drop(columns="group"),
        fixed,
        progress=lambda label, _done, _total: seen.append(label),
    )
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

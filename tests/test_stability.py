"""The stability backtest and its decision rule: Wilson intervals, origins,
the rule on hand-made points, first triggers, the Kaplan-Meier curve and the
recommendation against hand-computed numbers; then run_backtest on
synthetic monthly snapshots of a stable world and of a world that changes."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from clustering.ml.backtest import (
    Backtest,
    choose_origins,
    run_backtest,
    wilson_interval,
)
from clustering.ml.estimators import Structure
from clustering.ml.features import FEATURE_NAMES
from clustering.ml.retrain import Rule, apply_rule, first_triggers, recommend, sensitivity, survival
from clustering.settings import StabilitySettings
from clustering.storage.readers import CONTEXT_COLUMNS
from tests.segment_support import CONSTANT_FEATURES, GROUP_LEVELS

CONFIG = StabilitySettings(
    noise_seeds=2,
    noise_bootstraps=1,
    jaccard_rounds=2,
    max_horizon_months=4,
    origin_step_months=1,
    min_customers=100,
)
# The production defaults of the rule: PSI above 0.25, shares moved over 5 points.
RULE = Rule(CONFIG.psi_threshold, CONFIG.share_shift_points)


def month_ends(count: int, first: str = "2017-01-31") -> list[pd.Timestamp]:
    return [pd.Timestamp(first) + pd.offsets.MonthEnd(index) for index in range(count)]


# ---------------------------------------------------------------- Wilson interval


def test_wilson_interval_of_half_of_a_hundred() -> None:
    # centre (0.5 + z^2/200) / (1 + z^2/100) = 0.5;
    # half-width z sqrt(0.0025 + z^2/40000) / (1 + z^2/100) = 0.09617.
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.40383, abs=1e-5)
    assert high == pytest.approx(0.59617, abs=1e-5)


def test_wilson_interval_is_asymmetric_near_zero_and_nan_without_trials() -> None:
    low, high = wilson_interval(1, 20)
    assert 0.0 < low < 0.05 < high
    assert 0.05 - low < high - 0.05
    assert all(np.isnan(wilson_interval(0, 0)))


def test_wilson_interval_contains_a_rate_of_zero_and_of_one() -> None:
    # With no successes the interval starts at 0, with all at 1 it ends at 1:
    # the observed rate is inside its own interval (the formula gives exactly
    # 0 and 1 there; rounding must not push the bound past the rate).
    bounds = {
        trials: (wilson_interval(0, trials)[0], wilson_interval(trials, trials)[1])
        for trials in (7, 10, 50, 100, 1_000)
    }
    assert bounds == {trials: (0.0, 1.0) for trials in bounds}


# ---------------------------------------------------------------- origins


def test_choose_origins_starts_at_min_customers_and_steps() -> None:
    cutoffs = month_ends(8)
    counts = dict(zip(cutoffs, [40, 90, 100, 150, 200, 250, 300, 350], strict=True))
    every_month = StabilitySettings(min_customers=100, origin_step_months=1)
    every_second = StabilitySettings(min_customers=100, origin_step_months=2)
    assert choose_origins(cutoffs, counts, every_month) == cutoffs[2:7]
    assert choose_origins(cutoffs, counts, every_second) == [cutoffs[2], cutoffs[4], cutoffs[6]]


def test_choose_origins_never_picks_the_last_cutoff() -> None:
    cutoffs = month_ends(5)
    counts = dict.fromkeys(cutoffs, 500)
    for step in (1, 2, 4):
        config = StabilitySettings(min_customers=100, origin_step_months=step)
        origins = choose_origins(cutoffs, counts, config)
        assert cutoffs[-1] not in origins
        assert origins[0] == cutoffs[0]
    # Only the last cutoff has enough people: nothing to follow it.
    late = dict(zip(cutoffs, [1, 1, 1, 1, 5_000], strict=True))
    assert choose_origins(cutoffs, late, CONFIG) == []


# ---------------------------------------------------------------- the rule


def point(horizon: int = 1, origin: str = "2017-01-31", **measures: object) -> dict[str, object]:
    """A row of Backtest.points that triggers nothing, with overrides."""
    row: dict[str, object] = {
        "origin_date": pd.Timestamp(origin),
        "horizon_months": horizon,
        "ari_frozen_vs_refit": 0.95,
        "noise_edge": 0.92,
        "noise_edge_low": 0.90,
        "noise_edge_high": 0.94,
        "noise_min": 0.88,
        "noise_mean": 0.96,
        "noise_std": 0.01,
        "max_core_psi": 0.05,
        "max_core_psi_feature": "total_spend_brl",
        "max_share_shift_points": 1.0,
    }
    row.update(measures)
    return row


def test_apply_rule_flags_each_trigger_and_writes_its_reason() -> None:
    points = pd.DataFrame(
        [
            point(1),
            point(2, ari_frozen_vs_refit=0.80),
            point(3, max_core_psi=0.31, max_core_psi_feature="avg_review_score"),
            point(4, max_share_shift_points=7.3),
            point(5, ari_frozen_vs_refit=0.5, max_core_psi=1.2, max_share_shift_points=12.0),
        ]
    )
    decided = apply_rule(points, RULE)
    assert decided["is_stale"].tolist() == [False, True, False, False, True]
    assert decided["is_feature_drift"].tolist() == [False, False, True, False, True]
    assert decided["is_share_shift"].tolist() == [False, False, False, True, True]
    assert decided["is_retrain_due"].tolist() == [False, True, True, True, True]
    assert decided["noise_lower_edge"].tolist() == [0.90] * 5
    assert decided["reasons"].tolist() == [
        "",
        "frozen-vs-refit ARI 0.80 below the noise band (0.90)",
        "PSI of avg_review_score 0.31",
        "a segment share moved 7.3 points",
        "frozen-vs-refit ARI 0.50 below the noise band (0.90); PSI of total_spend_brl 1.20; "
        "a segment share moved 12.0 points",
    ]
    assert "is_stale" not in points.columns  # the caller's frame is left as it was


def test_apply_rule_thresholds_are_strict() -> None:
    points = pd.DataFrame(
        [point(1, ari_frozen_vs_refit=0.90, max_core_psi=0.25, max_share_shift_points=5.0)]
    )
    decided = apply_rule(points, RULE)
    assert not decided["is_retrain_due"].iloc[0]
    assert decided["reasons"].iloc[0] == ""


def test_apply_rule_band_edges() -> None:
    # The contract's edge is the low end of the quantile's interval (0.92);
    # the quantile itself 0.93, the lowest pair 0.91, mean - 2 sd 0.96 - 0.04.
    points = pd.DataFrame(
        [
            point(
                1,
                ari_frozen_vs_refit=0.925,
                noise_edge_low=0.92,
                noise_edge=0.93,
                noise_min=0.91,
                noise_std=0.02,
            )
        ]
    )
    edges = {}
    for band_edge in ("interval", "quantile", "min", "mean-2sd"):
        decided = apply_rule(points, Rule(0.25, 5.0, band_edge=band_edge))
        edges[band_edge] = (decided["noise_lower_edge"].iloc[0], decided["is_stale"].iloc[0])
    assert edges == {
        "interval": (pytest.approx(0.92), False),
        "quantile": (pytest.approx(0.93), True),
        "min": (pytest.approx(0.91), False),
        "mean-2sd": (pytest.approx(0.92), False),
    }
    assert RULE.band_edge == "interval"
    with pytest.raises(ValueError, match="band_edge must be one of interval, quantile"):
        apply_rule(points, Rule(0.25, 5.0, band_edge="median"))


def test_apply_rule_on_no_points() -> None:
    decided = apply_rule(pd.DataFrame([point(1)]).iloc[:0], RULE)
    assert decided.empty
    assert "reasons" in decided.columns


# ---------------------------------------------------------------- triggers and survival


def origin_points(origin: str, observed: int, due_at: Sequence[int] = ()) -> list[dict]:
    """Points for horizons 1..observed of one origin, share shifts where due."""
    return [
        point(h, origin, max_share_shift_points=9.0 if h in due_at else 1.0)
        for h in range(1, observed + 1)
    ]


def triggers_of(*origins: list[dict]) -> pd.DataFrame:
    return first_triggers(apply_rule(pd.DataFrame([row for rows in origins for row in rows]), RULE))


def test_first_triggers_gives_the_first_due_horizon_and_censors_the_rest() -> None:
    triggers = triggers_of(
        origin_points("2017-03-31", 3, due_at=(1,)),
        origin_points("2017-01-31", 4, due_at=(2, 3)),
        origin_points("2017-02-28", 3),
    )
    assert triggers["origin_date"].tolist() == [
        pd.Timestamp("2017-01-31"),
        pd.Timestamp("2017-02-28"),
        pd.Timestamp("2017-03-31"),
    ]
    first = triggers["first_due_horizon_months"].tolist()
    assert first[0] == 2
    assert pd.isna(first[1])
    assert first[2] == 1
    assert triggers["observed_horizon_months"].tolist() == [4, 3, 3]
    assert triggers["is_censored"].tolist() == [False, True, False]
    assert triggers["reasons"].tolist() == [
        "a segment share moved 9.0 points",
        "",
        "a segment share moved 9.0 points",
    ]


# Five origins: due at 1, due at 2, never due (seen to 2), due at 3, never
# due (seen to 4). By hand, Kaplan-Meier:
#   h1: 5 at risk, 1 due -> 4/5            = 0.8
#   h2: 4 at risk, 1 due -> 0.8 * 3/4      = 0.6
#   h3: 2 at risk, 1 due -> 0.6 * 1/2      = 0.3  (the origin censored at 2 left)
#   h4: 1 at risk, 0 due -> 0.3
FIVE_ORIGINS = (
    origin_points("2017-01-31", 4, due_at=(1, 2, 3, 4)),
    origin_points("2017-02-28", 4, due_at=(2,)),
    origin_points("2017-03-31", 2),
    origin_points("2017-04-30", 4, due_at=(3, 4)),
    origin_points("2017-05-31", 4),
)


def test_survival_is_the_hand_computed_kaplan_meier_curve() -> None:
    curve = survival(triggers_of(*FIVE_ORIGINS))
    assert curve["horizon_months"].tolist() == [1, 2, 3, 4]
    assert curve["at_risk"].tolist() == [5, 4, 2, 1]
    assert curve["due"].tolist() == [1, 1, 1, 0]
    assert curve["survival"].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])


def test_survival_of_origins_never_due_stays_at_one() -> None:
    curve = survival(triggers_of(origin_points("2017-01-31", 3), origin_points("2017-02-28", 1)))
    assert curve["survival"].tolist() == [1.0, 1.0, 1.0]
    assert curve["at_risk"].tolist() == [2, 1, 1]


def test_recommend_reads_the_median_when_it_is_reached() -> None:
    rec = recommend(triggers_of(*FIVE_ORIGINS), max_horizon=4)
    assert rec.months == 3  # the first horizon with survival <= 0.5
    assert (rec.low, rec.high) == (1, 3)
    assert (rec.count_origins, rec.count_censored) == (5, 2)
    assert rec.text == (
        "retrain every 3 month(s): by then half of the 5 backtest origins needed a retrain "
        "(Kaplan-Meier median; origins were due after 1 to 3 months, 2 never due within "
        "the horizons seen)"
    )


def test_recommend_without_a_median_takes_the_longest_horizon_seen_by_half() -> None:
    # Four origins: one due at 2 (seen to 4), the others never due, seen to 4, 3 and 2.
    # Survival 1, 0.75, 0.75, 0.75: the median is not reached. At risk 4, 4, 2, 1:
    # horizon 3 is the longest still observed for at least half (2 of 4).
    triggers = triggers_of(
        origin_points("2017-01-31", 4, due_at=(2,)),
        origin_points("2017-02-28", 4),
        origin_points("2017-03-31", 3),
        origin_points("2017-04-30", 2),
    )
    rec = recommend(triggers, max_horizon=12)
    assert rec.months == 3
    assert (rec.low, rec.high) == (2, 3)
    assert (rec.count_origins, rec.count_censored) == (4, 3)
    assert "fewer than half of the 4 backtest origins ever needed a retrain" in rec.text
    assert (
        "3 months is the longest horizon at which at least half of them were still observed "
        "and not yet due" in rec.text
    )
    assert "1 of 4 origins were due earlier (after 2 to 2 months)" in rec.text
    assert rec.text.endswith("so run the monitor on every refresh")


def test_recommend_when_no_origin_was_ever_due() -> None:
    triggers = triggers_of(
        origin_points("2017-01-31", 4),
        origin_points("2017-02-28", 3),
        origin_points("2017-03-31", 1),
    )
    rec = recommend(triggers, max_horizon=12)
    assert rec.months == 3  # at risk 3, 2, 2, 1: half of 3 is 1.5
    assert (rec.low, rec.high) == (3, 3)
    assert rec.count_censored == 3
    assert "no origin was ever due" in rec.text
    # Never beyond the longest horizon the backtest looks at.
    assert recommend(triggers, max_horizon=2).months == 2


def test_recommend_needs_an_origin() -> None:
    with pytest.raises(ValueError, match="no origin"):
        recommend(pd.DataFrame(), max_horizon=4)


def test_sensitivity_replays_thirty_six_rules() -> None:
    points = pd.DataFrame(
        [row for rows in FIVE_ORIGINS for row in rows] + [point(1, "2017-06-30", max_core_psi=0.3)]
    )
    table = sensitivity(points, max_horizon=4)
    assert len(table) == 36
    rules = table[["band_edge", "psi_threshold", "share_shift_points"]]
    assert not rules.duplicated().any()
    assert set(table["band_edge"]) == {"interval", "quantile", "min", "mean-2sd"}
    assert set(table["psi_threshold"]) == {0.1, 0.25, 0.4}
    assert set(table["share_shift_points"]) == {3.0, 5.0, 10.0}
    # Share shifts of 9 points trigger under 3 and 5, not under 10.
    by_shift = table.groupby("share_shift_points")["count_censored"].max()
    assert by_shift[10.0] > by_shift[5.0]


# ---------------------------------------------------------------- run_backtest

CUTOFFS = month_ends(6)  # 2017-01-31 .. 2017-06-30
DATA_END = pd.Timestamp("2017-08-01")
# The production structure refitted at every cutoff.
STRUCTURE = Structure("kmeans", 4, n_init=4, random_state=42)
FIRST_PER_GROUP = 50
NEW_PER_GROUP = 10
CHANGE_AT = 4  # index of the first cutoff of the changed world


def snapshots(change_at: int | None = None, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly snapshots of accumulating customers in the four groups of
    tests.segment_support, and their repeat purchases.

    Every cutoff holds the earlier customers plus NEW_PER_GROUP new ones per
    group. Between two cutoffs one earlier customer (the lowest key that has
    not bought again yet) buys again on the 10th: a purchase of 50 BRL, and
    count_orders 1 -> 2 from the next cutoff on. From the cutoff `change_at`
    on, the world changes: every member of group 1 (modest spend, happy)
    spends 3 000 BRL and reviews 1.2, and every new customer comes from
    group 3."""
    rng = np.random.default_rng(seed)
    people: list[dict] = []

    def join(group: int) -> None:
        noise = {name: rng.uniform(0.95, 1.05) for name in GROUP_LEVELS[group]}
        people.append(
            {"key": len(people) + 1, "group": group, "noise": noise, "bought_again_at": None}
        )

    for group in range(len(GROUP_LEVELS)):
        for _ in range(FIRST_PER_GROUP):
            join(group)
    frames, purchases = [], []
    for index, cutoff in enumerate(CUTOFFS):
        changed = change_at is not None and index >= change_at
        if index > 0:
            newcomers = (
                [3] * (NEW_PER_GROUP * len(GROUP_LEVELS))
                if changed
                else [g for g in range(len(GROUP_LEVELS)) for _ in range(NEW_PER_GROUP)]
            )
            known = len(people)
            for group in newcomers:
                join(group)
            again = next(p for p in people[:known] if p["bought_again_at"] is None)
            again["bought_again_at"] = index
            purchases.append((again["key"], CUTOFFS[index - 1] + pd.Timedelta(days=10), 50.0))
        rows = []
        for person in people:
            levels = dict(GROUP_LEVELS[person["group"]])
            if changed and person["group"] == 1:
                levels |= {"total_spend_brl": 3_000.0, "avg_review_score": 1.2}
            row = {name: value * person["noise"][name] for name, value in levels.items()}
            row["avg_review_score"] = float(np.clip(row["avg_review_score"], 1.0, 5.0))
            row |= CONSTANT_FEATURES
            row["count_orders"] = 1.0 if person["bought_again_at"] is None else 2.0
            row |= {
                "as_of_date": cutoff,
                "customer_unique_key": person["key"],
                "customer_unique_id": f"person-{person['key']:04d}",
                "customer_state": "SP",
                "rfm_group": "one_time_recent",
                "is_repeat_buyer": row["count_orders"] > 1,
            }
            rows.append(row)
        frames.append(pd.DataFrame(rows))
    frame = pd.concat(frames, ignore_index=True)[[*CONTEXT_COLUMNS, *FEATURE_NAMES]]
    frame["customer_unique_key"] = frame["customer_unique_key"].astype(np.uint32)
    bought = pd.DataFrame(
        purchases, columns=["customer_unique_key", "purchased_at", "order_value_brl"]
    )
    bought["customer_unique_key"] = bought["customer_unique_key"].astype(np.uint32)
    return frame, bought


@pytest.fixture(scope="module")
def stable() -> Backtest:
    frame, purchases = snapshots()
    return run_backtest(frame, purchases, DATA_END, STRUCTURE, CONFIG)


@pytest.fixture(scope="module")
def changing() -> Backtest:
    frame, purchases = snapshots(change_at=CHANGE_AT)
    return run_backtest(frame, purchases, DATA_END, STRUCTURE, CONFIG)


def test_synthetic_snapshots_accumulate_customers() -> None:
    frame, purchases = snapshots()
    sizes = frame.groupby("as_of_date").size().tolist()
    assert sizes == [200, 240, 280, 320, 360, 400]
    keys = [set(part["customer_unique_key"]) for _, part in frame.groupby("as_of_date")]
    assert all(earlier < later for earlier, later in pairwise(keys))
    assert len(purchases) == len(CUTOFFS) - 1


def test_backtest_origins_and_horizons(stable: Backtest) -> None:
    assert stable.cutoffs == CUTOFFS
    assert stable.origins == CUTOFFS[:-1]  # every cutoff but the last has 100+ people
    horizons = stable.points.groupby("origin_date")["horizon_months"].max().tolist()
    assert horizons == [4, 4, 3, 2, 1]  # up to 4, and never past the last cutoff
    first = stable.points.iloc[0]
    assert (first["count_customers_origin"], first["count_customers_target"]) == (200, 240)


def test_a_stable_world_stays_within_the_noise_band(stable: Backtest) -> None:
    points = stable.points
    assert (points["ari_frozen_vs_refit"] >= points["noise_min"]).all()
    decided = apply_rule(points, RULE)
    assert not decided["is_stale"].any()
    # Nor does any other trigger fire: every origin is censored.
    assert not decided["is_retrain_due"].any()
    assert first_triggers(decided)["is_censored"].all()
    assert (points["max_core_psi"] < 0.1).all()
    assert (points["max_share_shift_points"] < 1.0).all()
    # The four groups are found at every cutoff and kept by the frozen model.
    assert (points["share_stayed"] == 1.0).all()
    assert (stable.segment_jaccard["bootstrap_jaccard"] > 0.9).all()
    assert not stable.segment_jaccard["is_weak"].any()


def test_the_noise_band_compares_every_pair_of_refits(stable: Backtest) -> None:
    # Reference, two seeds and one bootstrap: 4 refits, 6 pairs per cutoff.
    assert set(stable.noise["target_date"]) == set(CUTOFFS)
    assert (stable.noise.groupby("target_date").size() == 6).all()
    kinds = set(stable.noise["refit_kind"])
    assert {"reference-seed", "reference-bootstrap", "seed-seed", "seed-bootstrap"} == kinds


def test_every_cutoff_has_its_band_edge_interval_and_seed_agreement(stable: Backtest) -> None:
    bands = stable.noise_bands.set_index("target_date")
    assert list(bands.index) == CUTOFFS
    assert (bands["count_refits"] == 4).all()
    pairs = stable.noise.groupby("target_date")["ari"]
    np.testing.assert_allclose(bands["noise_min"], pairs.min())
    np.testing.assert_allclose(bands["noise_edge"], pairs.quantile(CONFIG.noise_quantile))
    assert (bands["noise_edge_low"] <= bands["noise_edge"]).all()
    assert (bands["noise_edge"] <= bands["noise_edge_high"]).all()
    # Four clear groups: refits that differ only by seed find the same ones.
    assert (bands["seed_ari_min"] == 1.0).all()
    # Each point is judged against the lower of its two ends' edges.
    points = stable.points
    ends = np.minimum(
        bands.loc[points["origin_date"], "noise_edge"].to_numpy(),
        bands.loc[points["target_date"], "noise_edge"].to_numpy(),
    )
    np.testing.assert_allclose(points["noise_edge"], ends)


def test_a_retrain_in_a_stable_world_keeps_every_segment(stable: Backtest) -> None:
    assert (stable.points["count_segments_carried"] == STRUCTURE.n_segments).all()


def test_a_changed_world_is_due_for_a_retrain_when_the_horizon_reaches_it(
    changing: Backtest,
) -> None:
    decided = apply_rule(changing.points, RULE)
    for origin in CUTOFFS[:CHANGE_AT]:
        rows = decided[decided["origin_date"] == origin]
        reaches_change = rows["target_date"] >= CUTOFFS[CHANGE_AT]
        assert rows.loc[reaches_change, "is_retrain_due"].all(), origin
        assert not rows.loc[~reaches_change, "is_retrain_due"].any(), origin
    triggers = first_triggers(decided).set_index("origin_date")
    for index, origin in enumerate(CUTOFFS[:CHANGE_AT]):
        assert triggers.loc[origin, "first_due_horizon_months"] == CHANGE_AT - index
        assert not triggers.loc[origin, "is_censored"]
    changed = decided[decided["target_date"] == CUTOFFS[CHANGE_AT]]
    # Group 1's spend and review moved far, and its customers left their segment.
    assert changed["is_feature_drift"].all()
    assert set(changed["max_core_psi_feature"]) <= {"total_spend_brl", "avg_review_score"}
    assert changed["is_share_shift"].all()
    assert changed["reasons"].str.contains("PSI of ").all()


def test_migration_groups_partition_the_origin_customers(stable: Backtest) -> None:
    migration = stable.migration
    keys = ["origin_date", "horizon_months", "from_label", "to_label"]
    counts = migration.pivot_table(
        index=keys, columns="customer_group", values="count_customers", aggfunc="sum"
    )
    assert (counts["ageing_only"] + counts["bought_again"] == counts["all"]).all()
    totals = migration.groupby(["origin_date", "horizon_months", "customer_group"])[
        "count_customers"
    ].sum()
    points = stable.points.set_index(["origin_date", "horizon_months"])
    for (origin, horizon), row in points.iterrows():
        assert totals[(origin, horizon, "all")] == row["count_customers_origin"]
        # One earlier customer buys again each month.
        assert totals[(origin, horizon, "bought_again")] == horizon
        assert totals[(origin, horizon, "ageing_only")] == row["count_customers_origin"] - horizon
    # Shares of a from-label add up to 1 within each group that has members.
    sums = migration.groupby([*keys[:3], "customer_group"])["share"].sum()
    assert np.allclose(sums[sums > 0], 1.0)


def test_future_behaviour_only_for_windows_observed_before_the_data_end(
    stable: Backtest,
) -> None:
    # A window starts the day after its origin; it counts only when it ends
    # by 2017-08-01: 90 days from Jan, Feb, Mar and Apr, 180 days from Jan.
    windows = set(
        stable.future[["origin_date", "window_days"]].drop_duplicates().itertuples(index=False)
    )
    expected = {(CUTOFFS[index], 90) for index in range(4)} | {(CUTOFFS[0], 180)}
    assert windows == expected
    assert set(stable.future_tests[["origin_date", "window_days"]].itertuples(index=False)) == (
        expected
    )
    # Every origin customer is in one segment's row; the repeat purchases of
    # the 10th of each month fall in the windows by hand.
    per_window = stable.future.groupby(["origin_date", "window_days"])[
        ["count_customers", "count_repurchased"]
    ].sum()
    origin_sizes = dict(zip(CUTOFFS, [200, 240, 280, 320, 360], strict=False))
    repurchased = {
        (CUTOFFS[0], 90): 3,  # Feb 10, Mar 10, Apr 10
        (CUTOFFS[0], 180): 5,  # ... and May 10, Jun 10
        (CUTOFFS[1], 90): 3,  # Mar 10, Apr 10, May 10
        (CUTOFFS[2], 90): 3,  # Apr 10, May 10, Jun 10
        (CUTOFFS[3], 90): 2,  # May 10, Jun 10
    }
    for key, count in repurchased.items():
        assert per_window.loc[key, "count_customers"] == origin_sizes[key[0]]
        assert per_window.loc[key, "count_repurchased"] == count
    assert np.allclose(
        stable.future["repurchase_rate"],
        stable.future["count_repurchased"] / stable.future["count_customers"],
    )


def test_future_repurchase_intervals_contain_the_rate(stable: Backtest) -> None:
    future = stable.future
    spend_outside = future[
        (future["future_spend_low"] > future["future_spend_brl"])
        | (future["future_spend_brl"] > future["future_spend_high"])
    ]
    assert spend_outside.empty
    # Most segments bought nothing again: a rate of 0 must lie in its interval.
    assert (future["repurchase_rate"] == 0).any()
    rate_outside = future[
        (future["repurchase_rate_low"] > future["repurchase_rate"])
        | (future["repurchase_rate"] > future["repurchase_rate_high"])
    ]
    columns = ["origin_date", "window_days", "label", "repurchase_rate", "repurchase_rate_low"]
    assert rate_outside.empty, rate_outside[columns].to_string()


def test_run_backtest_refuses_snapshots_without_an_origin() -> None:
    frame, purchases = snapshots()
    small = frame[frame["customer_unique_key"] <= 50]  # 50 people, below min_customers
    with pytest.raises(ValueError, match="none with at least 100 customers"):
        run_backtest(small, purchases, DATA_END, STRUCTURE, CONFIG)

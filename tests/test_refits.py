"""The refit noise band on hand-made labelings (edge, interval, seed-only
agreement, the pair table) and the refits themselves on synthetic customers."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from clustering.ml.estimators import make_segmenter
from clustering.ml.resampling import (
    Refit,
    agreement,
    bootstrap_counts,
    fit_refit,
    noise_band,
    noise_refits,
)
from tests.segment_support import grouped_customers

BASE = np.repeat(np.arange(4), 25)


def moved(count: int, seed: int) -> np.ndarray:
    """BASE with `count` customers moved to another segment."""
    labels = BASE.copy()
    rows = np.random.default_rng(seed).choice(len(labels), size=count, replace=False)
    labels[rows] = (labels[rows] + 1) % 4
    return labels


def test_the_edge_is_the_quantile_of_every_pair_and_the_interval_holds_it() -> None:
    refits = [
        Refit("reference", BASE),
        *(Refit("seed", moved(count, seed)) for seed, count in enumerate((1, 2, 3))),
        *(Refit("bootstrap", moved(count, 10 + seed)) for seed, count in enumerate((4, 6, 9))),
    ]
    band = noise_band(refits, quantile=0.05, rounds=300, seed=1)
    pairs = [adjusted_rand_score(a.labels, b.labels) for a, b in combinations(refits, 2)]
    assert band.count_refits == 7
    assert band.pairs["ari"].tolist() == pytest.approx(pairs)
    assert band.pairs["refit_index"].tolist() == list(range(21))
    assert band.pairs["refit_kind"].iloc[0] == "reference-seed"
    assert band.pairs["refit_kind"].iloc[-1] == "bootstrap-bootstrap"
    assert band.edge == pytest.approx(np.quantile(pairs, 0.05))
    assert band.minimum == pytest.approx(min(pairs))
    assert band.maximum == pytest.approx(max(pairs))
    assert band.mean == pytest.approx(np.mean(pairs))
    assert band.minimum <= band.edge_low <= band.edge <= band.edge_high <= band.maximum
    # Seed-only agreement: the reference and the three seed refits, not the resamples.
    seed_pairs = [adjusted_rand_score(a.labels, b.labels) for a, b in combinations(refits[:4], 2)]
    assert band.seed_min == pytest.approx(min(seed_pairs))
    assert band.seed_min > band.minimum
    # The same refits and seed give the same interval.
    again = noise_band(refits, quantile=0.05, rounds=300, seed=1)
    assert (again.edge_low, again.edge_high) == (band.edge_low, band.edge_high)
    assert set(band.row()) >= {"noise_edge", "noise_edge_low", "noise_edge_high", "seed_ari_min"}


def test_identical_refits_have_no_noise() -> None:
    band = noise_band([Refit("reference", BASE), Refit("seed", BASE)], quantile=0.05)
    assert (band.edge, band.edge_low, band.edge_high, band.seed_min) == (1.0, 1.0, 1.0, 1.0)


def test_one_refit_is_not_a_band() -> None:
    with pytest.raises(ValueError, match="at least 2 refits, got 1"):
        noise_band([Refit("reference", BASE)], quantile=0.05)


def test_without_two_seed_only_refits_seed_agreement_is_unknown() -> None:
    band = noise_band([Refit("reference", BASE), Refit("bootstrap", moved(3, 0))], 0.05)
    assert np.isnan(band.seed_min)


def test_agreement_is_the_mean_ari_with_every_refit() -> None:
    refits = [Refit("reference", BASE), Refit("seed", moved(5, 1))]
    expected = np.mean([1.0, adjusted_rand_score(moved(5, 1), BASE)])
    assert agreement(refits, BASE) == pytest.approx(expected)


def test_refits_use_every_customer_or_a_resample_of_them() -> None:
    frame = grouped_customers(per_group=30, seed=2)

    def make(seed: int):
        return make_segmenter(4, "kmeans", random_state=seed, n_init=4)

    plain = fit_refit(make, frame, seed=5)
    assert plain.named_steps["segments"].labels_.shape == (len(frame),)
    resampled = fit_refit(make, frame, seed=5, bootstrap=True)
    # Each customer drawn a Poisson(1) number of times: about as many rows.
    counts = bootstrap_counts(frame, seed=5)
    assert resampled.named_steps["segments"].labels_.shape == (counts.sum(),)
    assert 0.7 * len(frame) < counts.sum() < 1.3 * len(frame)
    scale_plain = plain.named_steps["features"].center_
    scale_resampled = resampled.named_steps["features"].center_
    assert not np.array_equal(scale_plain, scale_resampled)
    refits = noise_refits(make, frame, seed=5, seeds=2, bootstraps=3)
    assert [refit.kind for refit in refits] == [
        "seed",
        "seed",
        "bootstrap",
        "bootstrap",
        "bootstrap",
    ]
    # Four clear groups: every refit finds them.
    assert all(adjusted_rand_score(frame["group"], refit.labels) == 1.0 for refit in refits)


def test_a_resample_of_tomorrow_is_todays_plus_the_new_customers() -> None:
    today = grouped_customers(per_group=200, seed=4)
    tomorrow = pd.concat(
        [
            today,
            grouped_customers(per_group=5, seed=5).assign(
                customer_unique_key=lambda f: f["customer_unique_key"] + 10_000
            ),
        ]
    )
    for seed in (2000, 2001):
        counts_today = bootstrap_counts(today, seed)
        counts_tomorrow = bootstrap_counts(tomorrow, seed)
        np.testing.assert_array_equal(counts_tomorrow[: len(today)], counts_today)
        assert counts_today.mean() == pytest.approx(1.0, abs=0.1)
    # Another seed draws another resample.
    assert (bootstrap_counts(today, 2000) != bootstrap_counts(today, 2001)).mean() > 0.5

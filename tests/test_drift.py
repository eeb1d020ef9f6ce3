"""Drift measures: PSI against hand-computed values, reference bins with ties
and nulls, feature PSI of a sample against itself and a shifted copy, and
the clusterboot best-Jaccard of relabelled and split partitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clustering.ml.drift import (
    PSI_FLOOR,
    best_jaccard,
    bin_edges,
    bin_shares,
    feature_psi,
    label_shares,
    psi,
)


def test_psi_of_identical_shares_is_zero() -> None:
    assert psi([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]) == 0.0


def test_psi_of_a_hand_computed_pair_is_the_same_both_ways() -> None:
    # (0.6 - 0.5) ln(0.6 / 0.5) + (0.4 - 0.5) ln(0.4 / 0.5)
    # = 0.1 ln 1.2 + 0.1 ln 1.25 = 0.1 ln 1.5 = 0.0405465...
    expected = 0.1 * math.log(1.5)
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(expected, abs=1e-12)
    assert psi([0.6, 0.4], [0.5, 0.5]) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.0405465, abs=1e-7)


def test_psi_grows_with_the_shift() -> None:
    values = [psi([0.5, 0.5], [0.5 + shift, 0.5 - shift]) for shift in (0.05, 0.1, 0.2, 0.3)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert values[0] < 0.1 < values[-1]


def test_the_floor_keeps_psi_finite_with_empty_bins() -> None:
    # The reference's third bin is empty: floored to 1e-4.
    value = psi([0.5, 0.5, 0.0], [0.5, 0.25, 0.25])
    second = (0.25 - 0.5) * math.log(0.25 / 0.5)
    third = (0.25 - PSI_FLOOR) * math.log(0.25 / PSI_FLOOR)
    expected = second + third  # about 0.173 + 1.955
    assert math.isfinite(value)
    assert value == pytest.approx(expected, abs=1e-12)
    # Empty on both sides: floored alike, no contribution.
    assert psi([0.0, 1.0], [0.0, 1.0]) == 0.0


def test_bin_edges_are_nine_deciles_of_distinct_values() -> None:
    edges = bin_edges(np.arange(1.0, 101.0))
    assert len(edges) == 9
    assert np.all(np.diff(edges) > 0)
    assert edges[0] == pytest.approx(10.9)  # linear interpolation at 99 * 0.1 = 9.9


def test_bin_edges_merge_ties_of_a_column_that_is_mostly_zero() -> None:
    # 90 zeros and 1..10: eight of the nine deciles are 0, the ninth lies
    # between the last 0 and the first 1.
    values = np.concatenate([np.zeros(90), np.arange(1.0, 11.0)])
    edges = bin_edges(values)
    assert len(edges) == 2
    assert edges[0] == 0.0
    assert edges[1] == pytest.approx(0.1)


def test_bin_edges_ignore_nulls_and_are_empty_for_an_all_null_column() -> None:
    with_nulls = np.concatenate([np.arange(1.0, 101.0), np.full(50, np.nan)])
    assert np.array_equal(bin_edges(with_nulls), bin_edges(np.arange(1.0, 101.0)))
    assert len(bin_edges(np.full(5, np.nan))) == 0


def test_bin_shares_sum_to_one_and_put_nulls_in_the_last_bin() -> None:
    values = np.array([0.5, 1.0, 1.5, 2.0, 3.0, np.nan, np.nan, np.nan])
    shares = bin_shares(values, np.array([1.0, 2.0]))
    # Right-closed bins: (-inf, 1], (1, 2], (2, inf), then the nulls.
    assert shares.tolist() == [2 / 8, 2 / 8, 1 / 8, 3 / 8]
    assert shares.sum() == pytest.approx(1.0)


def test_bin_shares_without_edges_has_one_bin_and_the_null_bin() -> None:
    shares = bin_shares(np.array([4.0, 4.0, np.nan, 4.0]), np.array([]))
    assert shares.tolist() == [0.75, 0.25]


def test_feature_psi_of_a_sample_against_itself_is_zero() -> None:
    sample = np.random.default_rng(0).lognormal(5.0, 1.0, 2_000)
    assert feature_psi(sample, sample) == 0.0
    assert feature_psi(sample, sample[::-1].copy()) == 0.0  # order does not matter


def test_feature_psi_against_a_shifted_copy_is_a_real_shift() -> None:
    rng = np.random.default_rng(1)
    sample = rng.normal(100.0, 10.0, 2_000)
    assert feature_psi(sample, sample + 10.0) > 0.25  # one standard deviation
    # Another draw of the same distribution reads as stable.
    assert feature_psi(sample, rng.normal(100.0, 10.0, 2_000)) < 0.1


def test_feature_psi_sees_a_column_becoming_null() -> None:
    sample = np.random.default_rng(2).normal(0.0, 1.0, 1_000)
    half_null = sample.copy()
    half_null[::2] = np.nan
    assert feature_psi(sample, half_null) > 0.25


def test_label_shares_count_every_label_including_empty_ones() -> None:
    assert label_shares(np.array([0, 0, 2, 2]), 4).tolist() == [0.5, 0.0, 0.5, 0.0]


def test_best_jaccard_is_one_for_a_relabelled_partition() -> None:
    original = np.repeat([0, 1, 2], 10)
    members = np.arange(len(original))
    relabelled = 2 - original
    assert best_jaccard(original, members, relabelled).tolist() == [1.0, 1.0, 1.0]


def test_best_jaccard_drops_for_a_segment_that_is_split() -> None:
    original = np.repeat([0, 1, 2], 10)
    members = np.arange(len(original))
    other = original.copy()
    other[5:10] = 3  # the second half of segment 0 becomes a segment of its own
    scores = best_jaccard(original, members, other)
    # Segment 0's best match keeps 5 of its 10: Jaccard 5 / 10.
    assert scores.tolist() == [0.5, 1.0, 1.0]


def test_best_jaccard_reads_the_original_labels_of_the_resampled_rows() -> None:
    original = np.repeat([0, 1], 5)
    # A bootstrap draw: rows 0, 0, 1, 5, 6, 7; the refit labels these rows.
    members = np.array([0, 0, 1, 5, 6, 7])
    other = np.array([1, 1, 1, 0, 0, 1])  # row 7 lands with segment 0's rows
    scores = best_jaccard(original, members, other)
    # Segment 0 (3 rows) against label 1 (4 rows): 3 shared of 4.
    # Segment 1 (3 rows) against label 0 (2 rows): 2 shared of 3.
    assert scores == pytest.approx([3 / 4, 2 / 3])

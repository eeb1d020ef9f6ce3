"""SegmentModel and the segmenter pipeline against the scikit-learn estimator
contract, seeding, and the confidence of each assignment."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from clustering.ml.estimators import FAMILIES, SegmentModel, make_segmenter
from clustering.ml.features import FEATURE_NAMES, CustomerFeatures
from tests.segment_support import grouped_customers

# Small models keep the estimator checks fast; the checks' own data are tiny.
CHECKED_MODELS = [SegmentModel(n_segments=3, family=family, n_init=1) for family in FAMILIES]


def _check_name(check: Callable[..., None]) -> str:
    return getattr(check, "func", check).__name__


def _estimator_checks(estimators: list[SegmentModel]) -> pytest.MarkDecorator:
    """parametrize_with_checks without the array-API checks: those are for
    estimators that declare array-API support (SegmentModel does not), and
    scikit-learn skips them unless SCIPY_ARRAY_API is set."""
    generated = parametrize_with_checks(estimators)
    names, cases = generated.args
    applicable = [case for case in cases if "array_api" not in _check_name(case[1])]
    ids = [
        f"{type(case[0]).__name__}-{case[0].family}-{_check_name(case[1])}" for case in applicable
    ]
    return pytest.mark.parametrize(names, applicable, ids=ids)


@_estimator_checks(CHECKED_MODELS)
def test_segment_model_passes_sklearn_estimator_checks(
    estimator: SegmentModel, check: Callable[[SegmentModel], None]
) -> None:
    check(estimator)


def test_segment_model_with_transform_declares_transformer_tags() -> None:
    """SegmentModel has `transform` (distances to centres), so scikit-learn
    requires transformer tags (TransformerMixin, as KMeans has); without them
    check_estimator refuses to run at all."""
    tags = SegmentModel().__sklearn_tags__()
    assert tags.transformer_tags is not None


# API-contract checks that need no fit on a bare numeric array (CustomerFeatures
# reads named DataFrame columns, so the fitting checks do not apply to it).
CUSTOMER_FEATURES_CHECKS = (
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimators_unfitted",
)


@pytest.mark.parametrize("check_name", CUSTOMER_FEATURES_CHECKS)
@pytest.mark.parametrize(
    "estimator",
    [CustomerFeatures(), CustomerFeatures(features=("total_spend_brl", "count_orders"))],
    ids=["all_features", "two_features"],
)
def test_customer_features_api_contract(estimator: CustomerFeatures, check_name: str) -> None:
    getattr(estimator_checks, check_name)("CustomerFeatures", estimator)


def test_clone_round_trip_keeps_parameters_and_drops_fitted_state() -> None:
    frame = grouped_customers(per_group=10)
    features = CustomerFeatures(features=("total_spend_brl", "avg_distance_km")).fit(frame)
    copy = clone(features)
    assert copy.get_params() == {"features": ("total_spend_brl", "avg_distance_km")}
    assert not hasattr(copy, "scale_")

    model = SegmentModel(n_segments=4, family="gaussian_mixture", n_init=2, random_state=9)
    model.fit(features.transform(frame))
    copy = clone(model)
    assert copy.get_params() == {
        "n_segments": 4,
        "family": "gaussian_mixture",
        "n_init": 2,
        "init_sample": 10_000,
        "n_refine": 3,
        "random_state": 9,
    }
    assert not hasattr(copy, "estimator_")


def blobs(seed: int = 0, per_blob: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Three tight, far-apart blobs in two dimensions, and their true labels."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = np.vstack([centre + rng.normal(0, 0.3, (per_blob, 2)) for centre in centres])
    return X, np.repeat(np.arange(3), per_blob)


@pytest.mark.parametrize("family", FAMILIES)
def test_fit_returns_self_and_sets_only_underscored_attributes(family: str) -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3, family=family)
    params = set(model.get_params())
    assert set(vars(model)) == params
    assert model.fit(X) is model
    learned = set(vars(model)) - params
    assert {"cluster_centers_", "labels_", "n_features_in_", "estimator_"} <= learned
    assert all(name.endswith("_") for name in learned)
    assert model.cluster_centers_.shape == (3, 2)
    assert model.labels_.shape == (90,)
    assert model.n_features_in_ == 2


@pytest.mark.parametrize("family", FAMILIES)
def test_model_finds_well_separated_blobs(family: str) -> None:
    X, truth = blobs()
    model = SegmentModel(n_segments=3, family=family).fit(X)
    # One label per blob, whatever the numbering.
    pairs = set(zip(truth.tolist(), model.labels_.tolist(), strict=True))
    assert len(pairs) == 3
    np.testing.assert_array_equal(model.predict(X), model.labels_)


@pytest.mark.parametrize("method", ["predict", "transform", "predict_confidence"])
def test_scoring_before_fit_raises_not_fitted(method: str) -> None:
    X, _ = blobs()
    with pytest.raises(NotFittedError):
        getattr(SegmentModel(), method)(X)


def test_invalid_parameters_are_refused_at_fit() -> None:
    X, _ = blobs()
    with pytest.raises(ValueError, match=r"family must be one of .*got 'dbscan'"):
        SegmentModel(family="dbscan").fit(X)
    with pytest.raises(ValueError, match="n_segments must be a positive integer, got 0"):
        SegmentModel(n_segments=0).fit(X)
    with pytest.raises(ValueError, match=r"n_segments must be a positive integer, got 2\.5"):
        SegmentModel(n_segments=2.5).fit(X)
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_segments=4"):
        SegmentModel(n_segments=4).fit(X[:3])


def test_scoring_data_of_another_width_is_refused() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3).fit(X)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((2, 3)))


@pytest.mark.parametrize("family", FAMILIES)
def test_random_state_is_passed_through(family: str) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))  # no structure: results depend on the seed
    first = SegmentModel(n_segments=5, family=family, n_init=1, random_state=7).fit(X)
    second = SegmentModel(n_segments=5, family=family, n_init=1, random_state=7).fit(X)
    other = SegmentModel(n_segments=5, family=family, n_init=1, random_state=8).fit(X)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.cluster_centers_, second.cluster_centers_)
    assert not np.array_equal(first.cluster_centers_, other.cluster_centers_)


def test_make_segmenter_chains_features_and_model_with_the_given_parameters() -> None:
    pipeline = make_segmenter(
        5, "gaussian_mixture", features=("total_spend_brl",), random_state=3, n_init=2
    )
    assert list(pipeline.named_steps) == ["features", "segments"]
    assert pipeline.named_steps["features"].features == ("total_spend_brl",)
    assert pipeline.named_steps["segments"].get_params() == {
        "n_segments": 5,
        "family": "gaussian_mixture",
        "n_init": 2,
        "init_sample": 10_000,
        "n_refine": 3,
        "random_state": 3,
    }


@pytest.mark.parametrize("family", FAMILIES)
def test_seeded_pipelines_give_identical_segments(family: str) -> None:
    frame = grouped_customers(per_group=25, seed=3)
    first = make_segmenter(6, family, random_state=11, n_init=1).fit(frame)
    second = make_segmenter(6, family, random_state=11, n_init=1).fit(frame)
    np.testing.assert_array_equal(
        first.named_steps["segments"].labels_, second.named_steps["segments"].labels_
    )
    np.testing.assert_array_equal(
        first.named_steps["segments"].cluster_centers_,
        second.named_steps["segments"].cluster_centers_,
    )
    np.testing.assert_array_equal(first.predict(frame), second.predict(frame))
    assert first.named_steps["segments"].n_features_in_ == len(FEATURE_NAMES)


def test_transform_is_the_euclidean_distance_to_each_centre() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3).fit(X)
    points = np.array([[1.0, 2.0], [-3.0, 4.0], [10.0, 10.0]])
    np.testing.assert_allclose(
        model.transform(points), cdist(points, model.cluster_centers_), atol=1e-9
    )


def test_kmeans_confidence_is_one_at_a_centre_and_zero_on_a_border() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3, family="kmeans").fit(X)
    centres = model.cluster_centers_
    labels, distance, confidence = model.predict_confidence(centres)
    np.testing.assert_array_equal(labels, [0, 1, 2])
    np.testing.assert_allclose(distance, 0.0, atol=1e-6)
    np.testing.assert_allclose(confidence, 1.0, atol=1e-6)

    # Halfway between two centres and no nearer to the third: a border point.
    two = SegmentModel(n_segments=2, family="kmeans").fit(X[:60])
    midpoint = two.cluster_centers_.mean(axis=0, keepdims=True)
    _, distance, confidence = two.predict_confidence(midpoint)
    half = np.linalg.norm(two.cluster_centers_[0] - two.cluster_centers_[1]) / 2
    assert distance[0] == pytest.approx(half)
    assert confidence[0] == pytest.approx(0.0, abs=1e-6)


def test_kmeans_confidence_is_one_minus_the_distance_ratio() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3, family="kmeans").fit(X)
    points = np.random.default_rng(5).uniform(-5, 15, size=(200, 2))
    labels, distance, confidence = model.predict_confidence(points)
    distances = np.sort(cdist(points, model.cluster_centers_), axis=1)
    np.testing.assert_array_equal(labels, model.predict(points))
    np.testing.assert_allclose(distance, distances[:, 0], atol=1e-9)
    np.testing.assert_allclose(confidence, 1 - distances[:, 0] / distances[:, 1], atol=1e-9)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    assert confidence.min() < 0.2 and confidence.max() > 0.8


def test_kmeans_confidence_with_one_segment_is_one() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=1, family="kmeans").fit(X)
    labels, distance, confidence = model.predict_confidence(X[:5])
    np.testing.assert_array_equal(labels, 0)
    np.testing.assert_allclose(distance, np.linalg.norm(X[:5] - model.cluster_centers_[0], axis=1))
    np.testing.assert_array_equal(confidence, 1.0)


def test_gaussian_mixture_confidence_is_the_largest_posterior() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3, family="gaussian_mixture").fit(X)
    points = np.vstack([X[::10], [[5.0, 0.0], [5.0, 5.0]]])
    labels, distance, confidence = model.predict_confidence(points)
    posterior = model.estimator_.predict_proba(points)
    np.testing.assert_array_equal(labels, posterior.argmax(axis=1))
    np.testing.assert_array_equal(labels, model.predict(points))
    np.testing.assert_allclose(confidence, posterior.max(axis=1))
    own = cdist(points, model.cluster_centers_)[np.arange(len(points)), labels]
    np.testing.assert_allclose(distance, own, atol=1e-9)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    assert confidence[:-2].min() > 0.99  # members of a tight blob


def test_gaussian_mixture_confidence_is_one_half_on_the_border_of_two_components() -> None:
    X, _ = blobs()
    model = SegmentModel(n_segments=3, family="gaussian_mixture").fit(X)
    start, end = model.cluster_centers_[0], model.cluster_centers_[1]
    first = model.predict(start[None, :])[0]
    # Bisect the segment between two means for the point where the label flips.
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if model.predict((start + middle * (end - start))[None, :])[0] == first:
            low = middle
        else:
            high = middle
    border = (start + low * (end - start))[None, :]
    _, _, confidence = model.predict_confidence(border)
    assert confidence[0] == pytest.approx(0.5, abs=1e-3)


def many_optima(seed: int = 0) -> np.ndarray:
    """Twelve blobs of unequal size and spread in four dimensions, some close
    together: k-means with one start lands in a different local optimum
    from one seed to the next."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-6, 6, size=(12, 4))
    sizes = rng.integers(40, 400, size=12)
    spreads = rng.uniform(0.5, 1.6, size=12)
    return np.vstack(
        [
            centre + rng.normal(0, spread, (size, 4))
            for centre, size, spread in zip(centres, sizes, spreads, strict=True)
        ]
    )


def _worst_pair(labelings: list[np.ndarray]) -> float:
    return min(adjusted_rand_score(a, b) for a, b in combinations(labelings, 2))


@pytest.mark.parametrize("family", FAMILIES)
def test_refits_that_differ_only_by_seed_find_the_same_segmentation(family: str) -> None:
    X = many_optima()
    # The landscape is hard: single starts on all rows disagree between seeds.
    single = [
        SegmentModel(12, family, n_init=1, init_sample=None, n_refine=1, random_state=seed)
        .fit(X)
        .labels_
        for seed in range(6)
    ]
    assert _worst_pair(single) < 0.9
    # Many starts on a sample, the best distinct ones refined on every row.
    refits = [
        SegmentModel(12, family, init_sample=500, random_state=seed).fit(X).labels_
        for seed in range(6)
    ]
    assert _worst_pair(refits) >= 0.99


def test_only_distinct_starts_are_refined_and_the_best_is_kept() -> None:
    X = many_optima(seed=1)
    model = SegmentModel(12, "kmeans", n_init=20, init_sample=500, random_state=0).fit(X)
    assert 1 < model.n_distinct_starts_ <= 20
    # No start refined on every row beats the kept solution.
    for seed in range(5):
        start = KMeans(12, n_init=1, random_state=seed).fit(X[:500])
        refined = KMeans(12, init=start.cluster_centers_, n_init=1, tol=1e-6).fit(X)
        assert model.estimator_.inertia_ <= refined.inertia_ * 1.02
    # The refinement ran to tight convergence on every row.
    assert model.estimator_.tol == 1e-6
    assert len(model.labels_) == len(X)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_init": 0}, "n_init must be a positive integer"),
        ({"n_refine": 0}, "n_refine must be a positive integer"),
        ({"init_sample": 2}, "init_sample must be None or at least n_segments=3"),
    ],
)
def test_bad_start_settings_are_refused(options: dict[str, int], message: str) -> None:
    X, _ = blobs()
    with pytest.raises(ValueError, match=message):
        SegmentModel(n_segments=3, **options).fit(X)

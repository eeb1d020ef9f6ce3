"""Segment models: the clustering estimator and the full pipeline.

`SegmentModel` clusters an already-scaled numeric matrix with one of two
families and also says how sure it is of each assignment. `make_segmenter`
chains the feature transformer and the model in one scikit-learn Pipeline, so
the scaler is fitted with the model and saved with it.

Two verbs, never mixed: `fit` learns segments (a refit); `predict` assigns
customers to the segments already learned (scoring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from clustering.ml.features import CustomerFeatures
from clustering.settings import FAMILIES, Settings

# Variance floor of the mixture components (on standardised features).
REG_COVAR = 1e-4


class SegmentModel(TransformerMixin, ClusterMixin, BaseEstimator):
    """k-means or a Gaussian mixture, with a confidence for each assignment.

    Fitting is built so that refits differing only by seed land in the same
    segmentation. k-means on customer features has competing local optima: a
    few restarts on all rows miss the best one often enough that two refits
    can partition the same customers differently (ARI 0.3 on the default
    data). So many cheap starts run on a seeded sample, the `n_refine` best
    distinct ones are refined on every row to tight convergence, and the best
    refined solution is kept.

    Parameters
    ----------
    n_segments : int, default 6
    family : {"kmeans", "gaussian_mixture"}, default "kmeans"
    n_init : int, default 30
        Starts (k-means++ or k-means initialised components) on the sample.
    init_sample : int or None, default 10000
        Rows the starts run on; None = all rows.
    n_refine : int, default 3
        Best distinct starts refined on all rows; the lowest inertia (highest
        likelihood) of those is kept.
    random_state : int or None, default 0

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_segments, n_features)
    labels_ : ndarray of shape (n_samples,)
    n_features_in_ : int
    estimator_ : the fitted KMeans or GaussianMixture
    n_distinct_starts_ : int
        Distinct solutions among the starts (1 = every start found the same).
    """

    def __init__(
        self,
        n_segments: int = 6,
        family: str = "kmeans",
        n_init: int = 30,
        init_sample: int | None = 10_000,
        n_refine: int = 3,
        random_state: int | None = 0,
    ) -> None:
        self.n_segments = n_segments
        self.family = family
        self.n_init = n_init
        self.init_sample = init_sample
        self.n_refine = n_refine
        self.random_state = random_state

    def _check_params(self, n_samples: int) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}, got {self.family!r}")
        if not isinstance(self.n_segments, int | np.integer) or self.n_segments < 1:
            raise ValueError(f"n_segments must be a positive integer, got {self.n_segments!r}")
        for name in ("n_init", "n_refine"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.init_sample is not None and self.init_sample < self.n_segments:
            raise ValueError(
                f"init_sample must be None or at least n_segments={self.n_segments}, "
                f"got {self.init_sample!r}"
            )
        if n_samples < self.n_segments:
            raise ValueError(
                f"n_samples={n_samples} should be >= n_segments={self.n_segments}; "
                "lower n_segments or score more customers"
            )

    def _start(self, seed: int) -> KMeans | GaussianMixture:
        if self.family == "kmeans":
            return KMeans(n_clusters=self.n_segments, n_init=1, random_state=seed)
        # Diagonal covariances: interpretable per-feature spreads and stable
        # fits on binary-like axes where full covariances become singular.
        return GaussianMixture(
            n_components=self.n_segments,
            covariance_type="diag",
            n_init=1,
            reg_covar=REG_COVAR,
            random_state=seed,
        )

    def _refine(self, start: KMeans | GaussianMixture) -> KMeans | GaussianMixture:
        """An estimator that continues from a start's solution on all rows."""
        if self.family == "kmeans":
            # Tight tolerance: two refits from the same optimum must end on the
            # same centres, not on two stopping points a hair apart.
            return KMeans(
                n_clusters=self.n_segments,
                init=start.cluster_centers_,
                n_init=1,
                tol=1e-6,
                max_iter=1_000,
            )
        return GaussianMixture(
            n_components=self.n_segments,
            covariance_type="diag",
            reg_covar=REG_COVAR,
            weights_init=start.weights_,
            means_init=start.means_,
            precisions_init=start.precisions_,
            tol=1e-5,
            max_iter=1_000,
        )

    def _cost(self, estimator: KMeans | GaussianMixture) -> float:
        """Lower is better: inertia, or minus the likelihood bound per row."""
        if self.family == "kmeans":
            return float(estimator.inertia_)
        return -float(estimator.lower_bound_)

    def fit(self, X: np.ndarray, y: object = None) -> SegmentModel:
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        self._check_params(X.shape[0])
        rng = check_random_state(self.random_state)
        size = X.shape[0] if self.init_sample is None else min(self.init_sample, X.shape[0])
        rows = np.sort(rng.choice(X.shape[0], size=size, replace=False))
        sample = X[rows]
        with threadpool_limits(limits=1):
            estimator, count_distinct = self._search(X, sample, rng)
        self.estimator_ = estimator
        self.n_distinct_starts_ = count_distinct
        self.cluster_centers_ = _centres(estimator)
        self.labels_ = estimator.predict(X)
        return self

    def _search(
        self, X: np.ndarray, sample: np.ndarray, rng: np.random.RandomState
    ) -> tuple[KMeans | GaussianMixture, int]:
        """The starts on the sample, and the best refined solution.

        One thread: each start is a few milliseconds of work, and OpenMP's
        thread start-up and spinning cost ten times that when the cores are
        shared (the selection runs two processes; the test suite two workers)."""
        # The same optimum reached from several starts refines to the same
        # place: only distinct solutions are kept, by their centres, not their
        # cost (two different segmentations can be almost equally good, and
        # both must reach the final comparison for every seed to pick the
        # same one).
        distinct: list[KMeans | GaussianMixture] = []
        for _ in range(self.n_init):
            start = self._start(int(rng.randint(np.iinfo(np.int32).max))).fit(sample)
            for index, kept in enumerate(distinct):
                if _same_centres(start, kept):
                    distinct[index] = min(kept, start, key=self._cost)
                    break
            else:
                distinct.append(start)
        distinct.sort(key=self._cost)
        estimator = min(
            (self._refine(start).fit(X) for start in distinct[: self.n_refine]),
            key=self._cost,
        )
        return estimator, len(distinct)

    def predict(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.estimator_.predict(X)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Euclidean distance from each row to each segment centre."""
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        squared = (
            (X**2).sum(axis=1)[:, None]
            - 2 * X @ self.cluster_centers_.T
            + (self.cluster_centers_**2).sum(axis=1)[None, :]
        )
        return np.sqrt(np.clip(squared, 0.0, None))

    def predict_confidence(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Labels, distance to the own segment centre, and a confidence in [0, 1].

        k-means: 1 - d_nearest / d_second_nearest (0 on a border, 1 at a centre).
        Gaussian mixture: the posterior probability of the assigned component.
        """
        distances = self.transform(X)
        if self.family == "kmeans":
            labels = np.argmin(distances, axis=1)
            if distances.shape[1] == 1:
                return labels, distances[:, 0], np.ones(len(labels))
            two = np.partition(distances, 1, axis=1)[:, :2]
            with np.errstate(divide="ignore", invalid="ignore"):
                confidence = np.where(two[:, 1] > 0, 1.0 - two[:, 0] / two[:, 1], 1.0)
        else:
            X = validate_data(self, X, dtype=np.float64, reset=False)
            probabilities = self.estimator_.predict_proba(X)
            labels = np.argmax(probabilities, axis=1)
            confidence = probabilities[np.arange(len(labels)), labels]
        own = distances[np.arange(len(labels)), labels]
        return labels, own, np.clip(confidence, 0.0, 1.0)


def _centres(estimator: KMeans | GaussianMixture) -> np.ndarray:
    return estimator.cluster_centers_ if isinstance(estimator, KMeans) else estimator.means_


# Centres closer than this (in scaled feature units, after pairing them up)
# are one solution reached twice; starts stop within about this of their optimum.
SAME_CENTRES = 0.05


def _same_centres(a: KMeans | GaussianMixture, b: KMeans | GaussianMixture) -> bool:
    """Whether two solutions have the same centres, up to their order."""
    first, second = _centres(a), _centres(b)
    distances = np.linalg.norm(first[:, None, :] - second[None, :, :], axis=2)
    rows, columns = linear_sum_assignment(distances)
    return bool(distances[rows, columns].max() < SAME_CENTRES)


def make_segmenter(
    n_segments: int = 6,
    family: str = "kmeans",
    features: Sequence[str] | None = None,
    random_state: int | None = 0,
    n_init: int = 30,
    init_sample: int | None = 10_000,
) -> Pipeline:
    """Features and model in one Pipeline: `fit` on a mart frame learns both."""
    return Pipeline(
        [
            ("features", CustomerFeatures(features=features)),
            (
                "segments",
                SegmentModel(
                    n_segments=n_segments,
                    family=family,
                    n_init=n_init,
                    init_sample=init_sample,
                    random_state=random_state,
                ),
            ),
        ]
    )


@dataclass(frozen=True)
class Structure:
    """A segmentation's shape and how it is fitted: family, number of segments,
    features and starts. Selection, the backtest, the monitor and the
    benchmarks all build their models from one of these."""

    family: str
    n_segments: int
    n_init: int
    random_state: int
    # The model's features (None: every declared feature).
    features: tuple[str, ...] | None = None
    init_sample: int | None = 10_000

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        family: str,
        n_segments: int,
        features: Sequence[str] | None = None,
    ) -> Structure:
        """This family and size, fitted as the settings say (seed, starts, sample)."""
        return cls(
            family,
            n_segments,
            settings.n_init,
            settings.random_state,
            None if features is None else tuple(features),
            settings.init_sample,
        )

    def make(self, seed: int | None = None) -> Pipeline:
        """An unfitted pipeline of this structure (seed: default its own)."""
        return make_segmenter(
            self.n_segments,
            self.family,
            features=self.features,
            random_state=self.random_state if seed is None else seed,
            n_init=self.n_init,
            init_sample=self.init_sample,
        )

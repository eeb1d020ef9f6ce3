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

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted, validate_data

from clustering.features import CustomerFeatures

FAMILIES = ("kmeans", "gaussian_mixture")


class SegmentModel(TransformerMixin, ClusterMixin, BaseEstimator):
    """k-means or a Gaussian mixture, with a confidence for each assignment.

    Parameters
    ----------
    n_segments : int, default 6
    family : {"kmeans", "gaussian_mixture"}, default "kmeans"
    n_init : int, default 4
        Restarts; the best (lowest inertia / highest likelihood) is kept.
    random_state : int or None, default 0

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_segments, n_features)
    labels_ : ndarray of shape (n_samples,)
    n_features_in_ : int
    estimator_ : the fitted KMeans or GaussianMixture
    """

    def __init__(
        self,
        n_segments: int = 6,
        family: str = "kmeans",
        n_init: int = 4,
        random_state: int | None = 0,
    ) -> None:
        self.n_segments = n_segments
        self.family = family
        self.n_init = n_init
        self.random_state = random_state

    def _make_estimator(self) -> KMeans | GaussianMixture:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}, got {self.family!r}")
        if not isinstance(self.n_segments, int | np.integer) or self.n_segments < 1:
            raise ValueError(f"n_segments must be a positive integer, got {self.n_segments!r}")
        if self.family == "kmeans":
            return KMeans(
                n_clusters=self.n_segments, n_init=self.n_init, random_state=self.random_state
            )
        # Diagonal covariances: interpretable per-feature spreads and stable
        # fits on binary-like axes where full covariances become singular.
        return GaussianMixture(
            n_components=self.n_segments,
            covariance_type="diag",
            n_init=self.n_init,
            reg_covar=1e-4,
            random_state=self.random_state,
        )

    def fit(self, X: np.ndarray, y: object = None) -> SegmentModel:
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        estimator = self._make_estimator()
        if X.shape[0] < self.n_segments:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_segments={self.n_segments}; "
                "lower n_segments or score more customers"
            )
        estimator.fit(X)
        self.estimator_ = estimator
        self.cluster_centers_ = (
            estimator.cluster_centers_ if self.family == "kmeans" else estimator.means_
        )
        self.labels_ = estimator.predict(X)
        return self

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


def make_segmenter(
    n_segments: int = 6,
    family: str = "kmeans",
    features: Sequence[str] | None = None,
    random_state: int | None = 0,
    n_init: int = 4,
) -> Pipeline:
    """Features and model in one Pipeline: `fit` on a mart frame learns both."""
    return Pipeline(
        [
            ("features", CustomerFeatures(features=features)),
            (
                "segments",
                SegmentModel(
                    n_segments=n_segments, family=family, n_init=n_init, random_state=random_state
                ),
            ),
        ]
    )

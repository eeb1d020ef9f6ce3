"""The model's features: one declared list, and the transformer that turns mart
rows into the matrix the segment models are fitted on.

Why these features: every one is a thing marketing can act on or explain
(recency, repeat behaviour, value, satisfaction, delivery experience,
distance, freight, instalments). Skewed money, distance and delivery times are
log-scaled; everything is then centred on the median and divided by the
interquartile range (robust to the long tails of Olist spend), so one unit on
any axis means "one typical spread away from the typical customer".

How the 97 % one-order customers are handled: order count is one axis of its
own, log2(count_orders), which is 0 for every one-order person and 1 for two
orders. Its interquartile range is 0, so it is not robust-scaled but weighted
(REPEAT_WEIGHT): a repeat buyer sits four spreads away from the one-order
mass, so the few repeat buyers form their own segment instead of being
absorbed by the value and satisfaction axes, which describe everybody.
(Measured on the default data: with weight 2, k-means for k = 4..8 spread the
repeat buyers over all segments; with 4 they form one segment, and the
silhouette does not drop.)
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

REPEAT_WEIGHT = 4.0


@dataclass(frozen=True)
class Feature:
    """One model input, read from one column of marts.fct_customer_features."""

    name: str
    label: str  # how a marketer reads it: "days since last order"
    transform: str  # "identity", "log1p" or "log2"
    scaling: str  # "robust" (median/IQR) or "weight" (fixed REPEAT_WEIGHT)
    missing: str  # why it can be null and what is used then
    high_trait: str  # a customer far above the typical value, in words
    low_trait: str  # ... far below it
    is_review: bool = False


FEATURES: tuple[Feature, ...] = (
    Feature(
        "days_since_last_order", "days since last order", "identity", "robust",
        "never null", "bought long ago", "bought recently",
    ),
    Feature(
        "count_orders", "number of orders", "log2", "weight",
        "never null", "repeat buyer", "single order",
    ),
    Feature(
        "total_spend_brl", "total spend (BRL)", "log1p", "robust",
        "never null", "big spender", "small spender",
    ),
    Feature(
        "avg_review_score", "average review score", "identity", "robust",
        "null without a review: the median score is used",
        "happy reviewer", "unhappy reviewer", is_review=True,
    ),
    Feature(
        "share_late_deliveries", "share of late deliveries", "identity", "robust",
        "null without a delivered order: the median (0) is used",
        "delivered late", "delivered on time",
    ),
    Feature(
        "avg_days_to_deliver", "days to deliver", "log1p", "robust",
        "null without a delivered order: the median is used",
        "slow deliveries", "fast deliveries",
    ),
    Feature(
        "avg_distance_km", "distance to seller (km)", "log1p", "robust",
        "null without a located zip code: the median is used",
        "far from sellers", "close to sellers",
    ),
    Feature(
        "freight_share", "freight share of spend", "identity", "robust",
        "never null", "high freight share", "low freight share",
    ),
    Feature(
        "avg_installments", "payment instalments", "log1p", "robust",
        "never null", "pays in many instalments", "pays upfront",
    ),
)  # fmt: skip

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
REVIEW_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURES if f.is_review)
_BY_NAME = {feature.name: feature for feature in FEATURES}


def feature(name: str) -> Feature:
    """The declared feature called `name`."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown feature {name!r}; declared features are {', '.join(FEATURE_NAMES)}"
        ) from None


def without_review(names: Sequence[str]) -> tuple[str, ...]:
    """The same feature list minus the review features."""
    return tuple(name for name in names if name not in REVIEW_FEATURES)


def schema_fingerprint(columns: dict[str, str]) -> str:
    """A short hash of column names and types, order-independent.

    Two tables with the same fingerprint can be scored by the same model."""
    text = "\n".join(f"{name}:{columns[name].upper()}" for name in sorted(columns))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _apply(transform: str, values: np.ndarray) -> np.ndarray:
    if transform == "identity":
        return values
    if transform == "log1p":
        # Negative inputs cannot occur in the declared columns; clip guards the log.
        return np.log1p(np.clip(values, 0.0, None))
    if transform == "log2":
        return np.log2(np.clip(values, 1.0, None))
    raise ValueError(f"unknown transform {transform!r}")


class CustomerFeatures(TransformerMixin, BaseEstimator):
    """Impute, log-scale and robust-scale the declared features of a mart frame.

    Parameters
    ----------
    features : sequence of str, optional
        Names from FEATURES to use, in this order; all of them when None.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        The features used, in column order of the output.
    n_features_in_ : int
    medians_ : ndarray
        Raw-value medians used to fill nulls.
    center_, scale_ : ndarray
        Median and spread (IQR, or 1 / weight) of the transformed values.
    """

    def __init__(self, features: Sequence[str] | None = None) -> None:
        self.features = features

    def _names(self) -> tuple[str, ...]:
        names = FEATURE_NAMES if self.features is None else tuple(self.features)
        if not names:
            raise ValueError("features must name at least one declared feature")
        for name in names:
            feature(name)
        return names

    def _raw(self, frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                "CustomerFeatures needs a pandas DataFrame with the mart's named columns, "
                f"got {type(frame).__name__}"
            )
        missing = [name for name in names if name not in frame.columns]
        if missing:
            raise ValueError(
                f"the frame lacks feature column(s) {', '.join(missing)}; read it with "
                "clustering.storage.readers.read_features"
            )
        return frame.loc[:, list(names)].to_numpy(dtype=float, na_value=np.nan)

    def fit(self, X: pd.DataFrame, y: object = None) -> CustomerFeatures:
        names = self._names()
        raw = self._raw(X, names)
        if len(raw) == 0:
            raise ValueError("cannot fit features on an empty frame")
        with warnings.catch_warnings():
            # An all-null column has no median; it is filled with 0 below.
            warnings.simplefilter("ignore", RuntimeWarning)
            medians = np.nanmedian(raw, axis=0)
        medians = np.where(np.isnan(medians), 0.0, medians)
        transformed = self._transform_raw(raw, names, medians)
        center = np.empty(len(names))
        scale = np.empty(len(names))
        for index, name in enumerate(names):
            spec = feature(name)
            column = transformed[:, index]
            if spec.scaling == "weight":
                center[index] = 0.0
                scale[index] = 1.0 / REPEAT_WEIGHT
                continue
            q25, q50, q75 = np.percentile(column, [25, 50, 75])
            spread = q75 - q25
            if not spread > 0:
                # A column constant over its middle half (share of late
                # deliveries: mostly 0) keeps its natural unit: late = 1.
                spread = 1.0
            center[index] = q50
            scale[index] = spread
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.medians_ = medians
        self.center_ = center
        self.scale_ = scale
        return self

    @staticmethod
    def _transform_raw(raw: np.ndarray, names: Sequence[str], medians: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(raw), medians, raw)
        out = np.empty_like(filled)
        for index, name in enumerate(names):
            out[:, index] = _apply(feature(name).transform, filled[:, index])
        return out

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "scale_")
        names = tuple(self.feature_names_in_)
        raw = self._raw(X, names)
        return (self._transform_raw(raw, names, self.medians_) - self.center_) / self.scale_

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "scale_")
        return np.asarray(self.feature_names_in_, dtype=object)

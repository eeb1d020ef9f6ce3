"""Drift measures shared by the backtest and the monitor: population
stability index (PSI) of a feature or of segment shares, and clusterboot-style
per-segment bootstrap Jaccard.

PSI = sum over bins of (p_now - p_ref) * ln(p_now / p_ref), bins fixed on the
reference (its deciles). Common reading: < 0.1 stable, 0.1-0.25 moderate,
> 0.25 a real shift. Empty bins get a floor of 1e-4 so the log stays finite.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.ml.features import FEATURE_NAMES
from clustering.settings import Settings

PSI_FLOOR = 1e-4


def bin_edges(reference: np.ndarray, bins: int = 10) -> np.ndarray:
    """Inner edges of the reference's quantile bins (ties merged)."""
    values = reference[~np.isnan(reference)]
    if len(values) == 0:
        return np.array([])
    quantiles = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(quantiles)


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of values in each bin (right-closed); nulls form a last bin."""
    missing = np.isnan(values)
    counts = np.bincount(
        np.searchsorted(edges, values[~missing], side="left"), minlength=len(edges) + 1
    ).astype(float)
    counts = np.append(counts, missing.sum())
    return counts / max(counts.sum(), 1.0)


def psi(reference_shares: Sequence[float], current_shares: Sequence[float]) -> float:
    """Population stability index between two share vectors over the same bins."""
    ref = np.clip(np.asarray(reference_shares, dtype=float), PSI_FLOOR, None)
    now = np.clip(np.asarray(current_shares, dtype=float), PSI_FLOOR, None)
    return float(np.sum((now - ref) * np.log(now / ref)))


def feature_psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """PSI of one feature, bins fixed on the reference's deciles."""
    edges = bin_edges(reference, bins)
    return psi(bin_shares(reference, edges), bin_shares(current, edges))


def label_shares(labels: np.ndarray, n_labels: int) -> np.ndarray:
    return np.bincount(labels, minlength=n_labels) / max(len(labels), 1)


def best_jaccard(original: np.ndarray, members: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each label of `original` (restricted to the rows `members`), the
    highest Jaccard index with any label of `other` on those rows."""
    sub = original[members]
    labels = np.unique(original)
    scores = np.zeros(len(labels))
    for index, label in enumerate(labels):
        mine = sub == label
        if not mine.any():
            continue
        best = 0.0
        for candidate in np.unique(other):
            theirs = other == candidate
            union = np.logical_or(mine, theirs).sum()
            best = max(best, np.logical_and(mine, theirs).sum() / union if union else 0.0)
        scores[index] = best
    return scores


def drift_reference(
    frame: pd.DataFrame,
    labels: np.ndarray,
    n_segments: int,
    settings: Settings,
    model_features: tuple[str, ...] = FEATURE_NAMES,
) -> dict[str, object]:
    """Decile bins and shares of every core feature the model uses, and the
    segment shares, of the data a model is fitted on."""
    features = {}
    for name in settings.stability.core_features:
        if name not in model_features:
            continue
        values = frame[name].to_numpy(float, na_value=np.nan)
        edges = bin_edges(values)
        features[name] = {"edges": edges.tolist(), "shares": bin_shares(values, edges).tolist()}
    return {
        "features": features,
        "label_shares": label_shares(labels, n_segments).tolist(),
    }

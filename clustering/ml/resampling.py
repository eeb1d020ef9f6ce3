"""Refit noise: how much a segmentation moves when only the seed or the sample
changes, measured one way for model selection, the backtest and the monitor.

A refit is the same structure (family, number of segments, features) fitted
again on the same customers with another seed, or on a bootstrap resample of
them (each customer drawn a Poisson(1) number of times, keyed on the
customer so that the resample of tomorrow's data is today's plus the new
customers); every refit then labels all the customers. The adjusted Rand
index (ARI) between every pair of refits is the noise: a frozen model is
only worse than a refit when its agreement with the refits falls clearly
below it.

The band's lower edge is a low quantile of the pairwise ARIs, not their
minimum: one refit spoils all its pairs, so the minimum is set by the single
unluckiest draw and swings from one run to the next. Its 95 % interval comes
from resampling the refits (not the pairs, which share refits), and the
retrain rule fires only below that interval, so a verdict does not hinge on
which refits were drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

# Seeds of the noise refits, offset from the production seed so that no
# noise refit repeats the reference.
SEED_OFFSET = 1_000
BOOTSTRAP_OFFSET = 2_000
KEY = "customer_unique_key"
# Kinds whose refits differ from the reference only by seed.
SEED_KINDS = frozenset({"reference", "seed"})


@dataclass(frozen=True)
class Refit:
    """One refit's labels of every customer, and how it differs from the reference."""

    kind: str  # "reference", "seed" (another seed) or "bootstrap" (a resample)
    labels: np.ndarray


# Cumulative Poisson(1) probabilities: a customer is drawn 0, 1, 2, ... times.
_POISSON_CDF = np.cumsum([np.exp(-1.0) / factorial(count) for count in range(12)])


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: well-spread 64-bit hashes of 64-bit integers."""
    values = values.copy()
    with np.errstate(over="ignore"):
        values ^= values >> np.uint64(30)
        values *= np.uint64(0xBF58476D1CE4E5B9)
        values ^= values >> np.uint64(27)
        values *= np.uint64(0x94D049BB133111EB)
        values ^= values >> np.uint64(31)
    return values


def bootstrap_counts(frame: pd.DataFrame, seed: int) -> np.ndarray:
    """How many times each row is drawn into a bootstrap resample (Poisson(1)).

    The draw of a customer depends only on their key and the seed, not on who
    else is in the frame: tomorrow's resample is today's plus the new
    customers, so the noise band moves with the data, not with the luck of
    the draw. Rows without a key column are drawn by position."""
    if KEY in frame.columns:
        keys = frame[KEY].to_numpy(dtype=np.uint64)
    else:
        keys = np.arange(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        hashed = _mix(keys ^ _mix(np.array([seed], dtype=np.uint64))[0])
    uniform = (hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return np.searchsorted(_POISSON_CDF, uniform, side="right")


def fit_refit(
    make: Callable[[int], Pipeline], frame: pd.DataFrame, seed: int, bootstrap: bool = False
) -> Pipeline:
    """`make(seed)` fitted on every row of `frame`, or on a bootstrap resample
    of them (bootstrap_counts)."""
    if not bootstrap:
        return make(seed).fit(frame)
    rows = np.repeat(np.arange(len(frame)), bootstrap_counts(frame, seed))
    return make(seed).fit(frame.iloc[rows])


def noise_refits(
    make: Callable[[int], Pipeline],
    frame: pd.DataFrame,
    seed: int,
    seeds: int,
    bootstraps: int,
) -> list[Refit]:
    """`seeds` refits with other seeds and `bootstraps` on resamples, each
    labelling every row of `frame`."""
    found = []
    for index in range(seeds):
        found.append(
            Refit("seed", fit_refit(make, frame, seed + SEED_OFFSET + index).predict(frame))
        )
    for index in range(bootstraps):
        model = fit_refit(make, frame, seed + BOOTSTRAP_OFFSET + index, bootstrap=True)
        found.append(Refit("bootstrap", model.predict(frame)))
    return found


def refit_set(
    make: Callable[[int], Pipeline],
    frame: pd.DataFrame,
    reference: np.ndarray,
    seed: int,
    seeds: int,
    bootstraps: int,
) -> list[Refit]:
    """The refits a noise band is measured on: the reference fit's labels
    (the model under judgement, or the production-seed refit), then
    noise_refits. Model selection, the backtest and the monitor all measure
    refit noise on this set."""
    return [Refit("reference", reference), *noise_refits(make, frame, seed, seeds, bootstraps)]


@dataclass(frozen=True)
class NoiseBand:
    """The pairwise agreement of a set of refits of the same customers."""

    pairs: pd.DataFrame  # refit_kind ("seed-bootstrap", ...), refit_index, ari
    count_refits: int
    quantile: float
    # The band's lower edge (the `quantile` of the pairwise ARIs) and its 95 % interval.
    edge: float
    edge_low: float
    edge_high: float
    # The lowest ARI between refits that differ only by seed (NaN with fewer than two).
    seed_min: float
    minimum: float
    mean: float
    maximum: float
    std: float

    def row(self) -> dict[str, float | int]:
        """The band as one row of a table (without the pairs)."""
        return {
            "count_refits": self.count_refits,
            "noise_quantile": self.quantile,
            "noise_edge": self.edge,
            "noise_edge_low": self.edge_low,
            "noise_edge_high": self.edge_high,
            "seed_ari_min": self.seed_min,
            "noise_min": self.minimum,
            "noise_mean": self.mean,
            "noise_max": self.maximum,
            "noise_std": self.std,
        }


def noise_band(
    refits: Sequence[Refit], quantile: float, rounds: int = 200, seed: int = 0
) -> NoiseBand:
    """Pairwise ARIs of the refits, the band's lower edge and its interval."""
    if len(refits) < 2:
        raise ValueError(f"a noise band needs at least 2 refits, got {len(refits)}")
    count = len(refits)
    matrix = np.ones((count, count))
    rows = []
    for index, (a, b) in enumerate(combinations(range(count), 2)):
        ari = float(adjusted_rand_score(refits[a].labels, refits[b].labels))
        matrix[a, b] = matrix[b, a] = ari
        rows.append(
            {
                "refit_kind": f"{refits[a].kind}-{refits[b].kind}",
                "refit_index": index,
                "ari": ari,
            }
        )
    upper = np.triu_indices(count, k=1)
    values = matrix[upper]
    # The interval: draw the refits again with replacement and take the same
    # quantile over the pairs of distinct draws.
    rng = np.random.default_rng(seed)
    edges = []
    for _ in range(rounds):
        drawn = rng.integers(0, count, size=count)
        a, b = drawn[upper[0]], drawn[upper[1]]
        distinct = a != b
        if distinct.any():
            edges.append(np.quantile(matrix[a[distinct], b[distinct]], quantile))
    low, high = np.quantile(edges, [0.025, 0.975]) if edges else (np.nan, np.nan)
    seed_only = [index for index, refit in enumerate(refits) if refit.kind in SEED_KINDS]
    seed_pairs = [matrix[a, b] for a, b in combinations(seed_only, 2)]
    return NoiseBand(
        pairs=pd.DataFrame(rows, columns=["refit_kind", "refit_index", "ari"]),
        count_refits=count,
        quantile=quantile,
        edge=float(np.quantile(values, quantile)),
        edge_low=float(low),
        edge_high=float(high),
        seed_min=float(min(seed_pairs)) if seed_pairs else float("nan"),
        minimum=float(values.min()),
        mean=float(values.mean()),
        maximum=float(values.max()),
        std=float(values.std()),
    )


def agreement(refits: Sequence[Refit], labels: np.ndarray) -> float:
    """Mean ARI between some labels (a frozen model's) and every refit."""
    return float(np.mean([adjusted_rand_score(refit.labels, labels) for refit in refits]))

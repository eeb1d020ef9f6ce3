"""Model selection: compare candidate segmentations and choose one, with reasons.

Every candidate (family x number of segments) is fitted on the same seeded
sample of customers and measured four ways:

- silhouette on a fixed-size seeded sub-sample (separation; higher is better),
  and again with the review features left out, because review scores are
  known to dominate Olist clusterings;
- Davies-Bouldin (lower is better) and Calinski-Harabasz (higher is better);
- bootstrap stability: the candidate is refitted on `bootstrap_rounds`
  resamples drawn with replacement, each refit labels the whole sample, and
  the adjusted Rand index between every pair of refits gives a mean and a
  spread. Segments that change when the data are resampled cannot be trusted
  in a campaign.

The rule (documented in the report and README): a candidate is eligible when
its bootstrap ARI minus one standard deviation reaches `min_stability`, its
smallest segment holds at least `min_segment_share` of customers (smaller
groups are too small to run a campaign on) and its largest at most
`max_segment_share` (a segment holding most customers does not segment them). Among the
eligible, the highest silhouette wins; silhouettes within
`silhouette_tolerance` of the best are a tie, won by fewer segments (simpler
to run as campaigns). If no candidate is eligible, the most stable one among
those with usable segment sizes is chosen and the reason says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

from clustering.features import FEATURE_NAMES, without_review
from clustering.models import make_segmenter
from clustering.settings import Settings

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Selection:
    """The comparison table (one row per candidate) and the choice."""

    table: pd.DataFrame
    family: str
    n_segments: int
    reason: str


def candidate_name(family: str, n_segments: int) -> str:
    return f"{family}_k{n_segments}"


def _silhouette(X: np.ndarray, labels: np.ndarray, settings: Settings) -> float:
    if len(np.unique(labels)) < 2:
        return float("nan")
    size = min(settings.silhouette_sample, len(X))
    return float(silhouette_score(X, labels, sample_size=size, random_state=settings.random_state))


def _bootstrap_ari(
    frame: pd.DataFrame,
    family: str,
    n_segments: int,
    settings: Settings,
    features: Sequence[str] | None = None,
) -> tuple[float, float]:
    rng = np.random.default_rng(settings.random_state)
    labelings = []
    for round_ in range(settings.bootstrap_rounds):
        rows = rng.integers(0, len(frame), size=len(frame))
        model = make_segmenter(
            n_segments,
            family,
            features=features,
            random_state=settings.random_state + 1 + round_,
            n_init=settings.n_init,
        ).fit(frame.iloc[rows])
        labelings.append(model.predict(frame))
    scores = [adjusted_rand_score(a, b) for a, b in combinations(labelings, 2)]
    return float(np.mean(scores)), float(np.std(scores))


def evaluate_candidate(
    frame: pd.DataFrame,
    family: str,
    n_segments: int,
    settings: Settings,
    features: Sequence[str] | None = None,
) -> dict[str, object]:
    """Fit one candidate on `frame` with `features` (default: all declared) and
    measure it (one row of the table)."""
    features = tuple(features or FEATURE_NAMES)
    started = time.perf_counter()
    model = make_segmenter(
        n_segments,
        family,
        features=features,
        random_state=settings.random_state,
        n_init=settings.n_init,
    ).fit(frame)
    fit_seconds = time.perf_counter() - started
    X = model.named_steps["features"].transform(frame)
    labels = model.named_steps["segments"].labels_
    counts = np.bincount(labels, minlength=n_segments)

    # Without the review features; the same model when it has none (left out
    # for coverage).
    no_review = without_review(features) or features
    plain = make_segmenter(
        n_segments,
        family,
        features=no_review,
        random_state=settings.random_state,
        n_init=settings.n_init,
    ).fit(frame)
    X_plain = plain.named_steps["features"].transform(frame)

    ari_mean, ari_std = _bootstrap_ari(frame, family, n_segments, settings, features)
    distinct = len(np.unique(labels)) >= 2
    return {
        "candidate": candidate_name(family, n_segments),
        "family": family,
        "n_segments": n_segments,
        "silhouette": _silhouette(X, labels, settings),
        "silhouette_without_review": _silhouette(
            X_plain, plain.named_steps["segments"].labels_, settings
        ),
        "davies_bouldin": float(davies_bouldin_score(X, labels)) if distinct else float("nan"),
        "calinski_harabasz": (
            float(calinski_harabasz_score(X, labels)) if distinct else float("nan")
        ),
        "bootstrap_ari_mean": ari_mean,
        "bootstrap_ari_std": ari_std,
        "smallest_segment_share": float(counts.min() / counts.sum()),
        "largest_segment_share": float(counts.max() / counts.sum()),
        "fit_seconds": fit_seconds,
    }


def choose(table: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, str, int, str]:
    """Apply the documented rule to a measured table.

    Returns the table with is_eligible / is_chosen, the chosen family and
    number of segments, and the reason in one sentence."""
    table = table.copy()
    table["is_eligible"] = (
        (table["bootstrap_ari_mean"] - table["bootstrap_ari_std"] >= settings.min_stability)
        & (table["smallest_segment_share"] >= settings.min_segment_share)
        & (table["largest_segment_share"] <= settings.max_segment_share)
        & table["silhouette"].notna()
    )
    eligible = table[table["is_eligible"]]
    if eligible.empty:
        # Prefer candidates whose segment sizes are usable, then stability.
        sized = (table["smallest_segment_share"] >= settings.min_segment_share) & (
            table["largest_segment_share"] <= settings.max_segment_share
        )
        pool = table[sized] if sized.any() else table
        ranked = pool.sort_values(
            ["bootstrap_ari_mean", "n_segments"], ascending=[False, True], kind="stable"
        )
        chosen = ranked.index[0]
        row = table.loc[chosen]
        among = "candidate with usable segment sizes" if sized.any() else "candidate"
        reason = (
            f"no candidate met the rule (bootstrap ARI - 1 sd >= "
            f"{settings.min_stability:.2f}, smallest segment >= "
            f"{settings.min_segment_share:.0%}, largest <= {settings.max_segment_share:.0%}); "
            f"{row['candidate']} is the most stable {among} "
            f"(ARI {row['bootstrap_ari_mean']:.2f} +/- {row['bootstrap_ari_std']:.2f}): "
            "treat its segments with caution"
        )
    else:
        best = eligible["silhouette"].max()
        tied = eligible[eligible["silhouette"] >= best - settings.silhouette_tolerance]
        chosen = tied.sort_values(
            ["n_segments", "silhouette"], ascending=[True, False], kind="stable"
        ).index[0]
        row = table.loc[chosen]
        reason = (
            f"{row['candidate']}: the highest silhouette ({row['silhouette']:.3f}; "
            f"{row['silhouette_without_review']:.3f} without the review score) among "
            f"{len(eligible)} of {len(table)} candidates that are stable under resampling "
            f"(bootstrap ARI - 1 sd >= {settings.min_stability:.2f}; this one "
            f"{row['bootstrap_ari_mean']:.2f} +/- {row['bootstrap_ari_std']:.2f}) and whose "
            f"segments each hold {settings.min_segment_share:.0%} to "
            f"{settings.max_segment_share:.0%} of customers (this one "
            f"{row['smallest_segment_share']:.1%} to {row['largest_segment_share']:.1%}); "
            "Davies-Bouldin "
            f"{row['davies_bouldin']:.2f}, Calinski-Harabasz {row['calinski_harabasz']:.0f}"
        )
        if len(tied) > 1:
            reason += (
                f"; {len(tied) - 1} other candidate(s) within "
                f"{settings.silhouette_tolerance} silhouette, fewer segments preferred"
            )
    table["is_chosen"] = table.index == chosen
    return table, str(row["family"]), int(row["n_segments"]), reason


class PopulationError(ValueError):
    """Too few customers for what was asked; says how many are needed and what to do."""


# The options are the same on `clustering segments` and `clustering fit`.
FIXED_STRUCTURE_HINT = (
    "the same command with --family kmeans --segments 3 (with make: "
    "make run FIT_ARGS='--family kmeans --segments 3')"
)


def check_population(count_customers: int, settings: Settings) -> None:
    """Refuse, before anything is fitted or written, a population too small for
    the comparison (or for the fixed structure) to mean anything."""
    fixed = settings.family is not None and settings.n_segments is not None
    if fixed:
        assert settings.n_segments is not None
        needed = settings.n_segments * settings.min_customers_per_segment
        if count_customers < needed:
            raise PopulationError(
                f"{count_customers:,} customers are too few for {settings.n_segments} "
                f"segments: a fixed structure needs at least {needed:,} "
                f"({settings.min_customers_per_segment} per segment); ask for fewer segments "
                "(--segments) or run on a longer extract"
            )
        return
    if count_customers < settings.min_customers_to_select:
        raise PopulationError(
            f"{count_customers:,} customers are too few to choose a segmentation: comparing "
            f"candidates needs at least {settings.min_customers_to_select:,} (below that a 1 % "
            "segment is a handful of people and resamples repeat each other). To segment them "
            f"anyway with a fixed structure, run {FIXED_STRUCTURE_HINT}, or run on a longer "
            "extract"
        )


def select_model(
    frame: pd.DataFrame,
    settings: Settings,
    progress: Progress | None = None,
    features: Sequence[str] | None = None,
) -> Selection:
    """Measure every candidate on a seeded sample of `frame` with `features`
    (default: all declared) and choose one.

    With settings.family and settings.n_segments both set, only that candidate
    is measured and it is chosen (a refit that keeps the structure)."""
    check_population(len(frame), settings)
    if len(frame) > settings.selection_sample:
        frame = frame.sample(n=settings.selection_sample, random_state=settings.random_state)
    if settings.family is not None and settings.n_segments is not None:
        row = evaluate_candidate(frame, settings.family, settings.n_segments, settings, features)
        if progress:
            progress(str(row["candidate"]))
        table, family, n_segments, _ = choose(pd.DataFrame([row]), settings)
        table["is_chosen"] = True
        reason = (
            f"{row['candidate']}: fixed by the operator (family and number of segments "
            f"given), not selected; silhouette {row['silhouette']:.3f}, bootstrap ARI "
            f"{row['bootstrap_ari_mean']:.2f} +/- {row['bootstrap_ari_std']:.2f}"
        )
        return Selection(table=table, family=family, n_segments=n_segments, reason=reason)
    largest = settings.max_segments
    grid = [
        (family, n_segments)
        for family in settings.families
        for n_segments in range(settings.min_segments, largest + 1)
    ]
    # Candidates are independent: one process per core (joblib limits each
    # worker's own threads so the cores are not oversubscribed).
    jobs = Parallel(n_jobs=settings.n_jobs, return_as="generator")(
        delayed(evaluate_candidate)(frame, family, n_segments, settings, features)
        for family, n_segments in grid
    )
    rows = []
    for row in jobs:
        rows.append(row)
        if progress:
            progress(str(row["candidate"]))
    table, family, n_segments, reason = choose(pd.DataFrame(rows), settings)
    return Selection(table=table, family=family, n_segments=n_segments, reason=reason)

"""Model selection: compare candidate segmentations and choose one, with reasons.

Every candidate (family x number of segments) is fitted on the same seeded
sample of customers and measured four ways:

- silhouette on a fixed-size seeded sub-sample (separation; higher is better),
  and again with the review features left out, because review scores are
  known to dominate Olist clusterings;
- Davies-Bouldin (lower is better) and Calinski-Harabasz (higher is better);
- refit stability, measured as the maintenance contract measures it
  (clustering.ml.resampling): the candidate is refitted with `seed_rounds` other
  seeds and on `bootstrap_rounds` resamples drawn with replacement, each
  refit labels the whole sample, and the adjusted Rand index (ARI) between
  every pair of refits gives the noise band. Segments that change when only
  the seed changes cannot be trusted in a campaign, and a band that is low
  makes the contract's staleness test blind.

The rule (documented in the report and README): a candidate is stable when
refits that differ only by seed agree at ARI >= `min_seed_agreement`;
unstable candidates are reported and never chosen. A stable candidate is
eligible when the band's low quantile reaches `min_stability` (it holds up
under resampling), its smallest segment holds at least `min_segment_share`
of customers (smaller groups are too small to run a campaign on) and its
largest at most `max_segment_share` (a segment holding most customers does
not segment them). Among the eligible, the
highest silhouette wins; silhouettes within `silhouette_tolerance` of the
best are a tie, won by fewer segments (simpler to run as campaigns). If no
stable candidate is eligible, the one with the highest band among the stable
ones (usable sizes first) is chosen and the reason says so; if none is
stable, selection stops with SelectionError.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.pipeline import Pipeline

from clustering.errors import PopulationError, SelectionError
from clustering.ml.estimators import Structure
from clustering.ml.features import FEATURE_NAMES, without_review
from clustering.ml.resampling import NoiseBand, noise_band, refit_set
from clustering.progress import Progress
from clustering.settings import Settings


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


def _refit_band(
    frame: pd.DataFrame,
    model: Pipeline,
    family: str,
    n_segments: int,
    settings: Settings,
    features: Sequence[str],
) -> NoiseBand:
    """The candidate's refit noise on `frame`, measured as the contract measures
    it: the fitted model, refits with other seeds and on bootstrap resamples,
    each labelling every row."""

    def make(seed: int) -> Pipeline:
        return segmenter(family, n_segments, settings, features, seed)

    refits = refit_set(
        make,
        frame,
        model.named_steps["segments"].labels_,
        settings.random_state,
        settings.seed_rounds,
        settings.bootstrap_rounds,
    )
    return noise_band(refits, settings.stability.noise_quantile, seed=settings.random_state)


def segmenter(
    family: str, n_segments: int, settings: Settings, features: Sequence[str], seed: int
) -> Pipeline:
    return Structure.from_settings(settings, family, n_segments, features).make(seed)


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
    model = segmenter(family, n_segments, settings, features, settings.random_state).fit(frame)
    fit_seconds = time.perf_counter() - started
    X = model.named_steps["features"].transform(frame)
    labels = model.named_steps["segments"].labels_
    counts = np.bincount(labels, minlength=n_segments)

    # Without the review features; the same model when it has none (left out
    # for coverage).
    no_review = without_review(features) or features
    plain = segmenter(family, n_segments, settings, no_review, settings.random_state).fit(frame)
    X_plain = plain.named_steps["features"].transform(frame)

    band = _refit_band(frame, model, family, n_segments, settings, features)
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
        "count_refits": band.count_refits,
        "seed_ari_min": band.seed_min,
        "noise_edge": band.edge,
        "noise_edge_low": band.edge_low,
        "noise_edge_high": band.edge_high,
        "noise_mean": band.mean,
        "smallest_segment_share": float(counts.min() / counts.sum()),
        "largest_segment_share": float(counts.max() / counts.sum()),
        "fit_seconds": fit_seconds,
    }


def _is_stable(table: pd.DataFrame, settings: Settings) -> pd.Series:
    """Refits that differ only by seed agree: the one condition for being chosen."""
    return table["seed_ari_min"] >= settings.min_seed_agreement


def _stability_text(row: pd.Series) -> str:
    return (
        f"seed-only refits agree at ARI >= {row['seed_ari_min']:.3f}, refit band from "
        f"{row['noise_edge']:.2f} ({row['noise_edge_low']:.2f}-{row['noise_edge_high']:.2f})"
    )


def choose(table: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, str, int, str]:
    """Apply the documented rule to a measured table.

    Returns the table with is_stable / is_eligible / is_chosen, the chosen
    family and number of segments, and the reason in one sentence. Raises
    SelectionError when no candidate is stable."""
    table = table.copy()
    table["is_stable"] = _is_stable(table, settings)
    sized = (table["smallest_segment_share"] >= settings.min_segment_share) & (
        table["largest_segment_share"] <= settings.max_segment_share
    )
    table["is_eligible"] = (
        table["is_stable"]
        & (table["noise_edge"] >= settings.min_stability)
        & sized
        & table["silhouette"].notna()
    )
    rule = f"refits differing only by seed agree at ARI >= {settings.min_seed_agreement:.2f}"
    eligible = table[table["is_eligible"]]
    if eligible.empty:
        stable = table[table["is_stable"]]
        if stable.empty:
            worst = table.sort_values("seed_ari_min", kind="stable").iloc[0]
            raise SelectionError(
                f"none of the {len(table)} candidate structures is stable ({rule}); the most "
                f"erratic, {worst['candidate']}, has {_stability_text(worst)}. Segments that "
                "change between refits of the same data cannot carry a campaign: check the "
                "features mart for a feature that is nearly constant or duplicated, or fix a "
                f"structure with {FIXED_STRUCTURE_HINT}"
            )
        # Stable, but no band or sizes good enough: prefer usable sizes,
        # then the band.
        pool = stable[sized[stable.index]] if sized[stable.index].any() else stable
        ranked = pool.sort_values(
            ["noise_edge", "n_segments"], ascending=[False, True], kind="stable"
        )
        chosen = ranked.index[0]
        row = table.loc[chosen]
        reason = (
            f"no stable candidate ({rule}) also holds up under resampling (refit band's "
            f"{settings.stability.noise_quantile:.0%} quantile >= {settings.min_stability:.2f}) "
            f"with usable segment sizes (smallest segment >= {settings.min_segment_share:.0%}, "
            f"largest <= {settings.max_segment_share:.0%}); {row['candidate']} is the most "
            f"stable of the {len(stable)} stable candidate(s) ({_stability_text(row)}; "
            f"segments {row['smallest_segment_share']:.1%} to "
            f"{row['largest_segment_share']:.1%}): treat its segments with caution"
        )
    else:
        best = eligible["silhouette"].max()
        tied = eligible[eligible["silhouette"] >= best - settings.silhouette_tolerance]
        chosen = tied.sort_values(
            ["n_segments", "silhouette"], ascending=[True, False], kind="stable"
        ).index[0]
        row = table.loc[chosen]
        unstable = int((~table["is_stable"]).sum())
        reason = (
            f"{row['candidate']}: the highest silhouette ({row['silhouette']:.3f}; "
            f"{row['silhouette_without_review']:.3f} without the review score) among "
            f"{len(eligible)} of {len(table)} candidates that are stable ({rule}), hold up "
            f"under resampling (refit band's {settings.stability.noise_quantile:.0%} quantile "
            f">= {settings.min_stability:.2f}; this one: {_stability_text(row)}) and whose "
            "segments each hold "
            f"{settings.min_segment_share:.0%} to {settings.max_segment_share:.0%} of customers "
            f"(this one {row['smallest_segment_share']:.1%} to "
            f"{row['largest_segment_share']:.1%}); Davies-Bouldin "
            f"{row['davies_bouldin']:.2f}, Calinski-Harabasz {row['calinski_harabasz']:.0f}"
        )
        if unstable:
            reason += f"; {unstable} candidate(s) rejected as unstable"
        if len(tied) > 1:
            reason += (
                f"; {len(tied) - 1} other candidate(s) within "
                f"{settings.silhouette_tolerance} silhouette, fewer segments preferred"
            )
    table["is_chosen"] = table.index == chosen
    return table, str(row["family"]), int(row["n_segments"]), reason


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


def _fixed(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The one-row table of an operator-fixed structure: measured and flagged
    like a candidate, chosen whatever the rule says."""
    table = table.assign(is_stable=_is_stable(table, settings))
    return table.assign(is_eligible=table["is_stable"], is_chosen=True)


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
            progress(str(row["candidate"]), 1, 1)
        table = _fixed(pd.DataFrame([row]), settings)
        family, n_segments = str(row["family"]), int(row["n_segments"])
        reason = (
            f"{row['candidate']}: fixed by the operator (family and number of segments "
            f"given), not selected; silhouette {row['silhouette']:.3f}, "
            f"{_stability_text(table.iloc[0])}"
            + ("" if table["is_stable"].iloc[0] else " (not stable by the selection rule)")
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
            progress(str(row["candidate"]), len(rows), len(grid))
    table, family, n_segments, reason = choose(pd.DataFrame(rows), settings)
    return Selection(table=table, family=family, n_segments=n_segments, reason=reason)

"""The maintenance contract's two jobs: `run_stability` (backtest the
segmentation over the history and recommend a retrain period) and `monitor`
(after each refresh: is a retrain due now?).

Both use the production structure (family and number of segments of the
saved model) and the same rule: frozen-vs-refit agreement below the noise
band, a core feature's PSI above the threshold, or a segment share moved by
more than the set number of points. The monitor adds the model's age against
the recommended period.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.coverage import assess_coverage, usable_features
from clustering.drift import bin_shares, label_shares, psi
from clustering.naming import name_segments
from clustering.profiles import profile_segments
from clustering.refits import NoiseBand
from clustering.settings import Settings
from clustering.stability import (
    Backtest,
    Recommendation,
    Rule,
    Structure,
    _Cutoffs,
    apply_rule,
    first_triggers,
    recommend,
    run_backtest,
    sensitivity,
)
from clustering.store import ModelError, SavedModel, load_model
from clustering.warehouse import (
    SEGMENTS_SCHEMA,
    connect,
    read_features,
    read_purchases,
    read_snapshots,
    table_columns,
    write_segment_tables,
)

Progress = Callable[[str], None]
DAYS_PER_MONTH = 30.4375


def production_structure(settings: Settings) -> Structure:
    """The structure under contract: --family/--segments, else the saved model's."""
    if settings.family is not None and settings.n_segments is not None:
        family, n_segments = settings.family, settings.n_segments
    else:
        try:
            saved = load_model(settings.models_path)
        except ModelError as error:
            raise ModelError(
                f"{error} (the backtest refits the production model's structure), or give "
                "--family and --segments"
            ) from None
        return saved_structure(saved, settings)
    return Structure(
        family, n_segments, settings.n_init, settings.random_state, None, settings.init_sample
    )


def saved_structure(saved: SavedModel, settings: Settings) -> Structure:
    """The saved model's structure, refitted with these settings' seed and starts."""
    return Structure(
        saved.metadata["family"],
        int(saved.metadata["n_segments"]),
        settings.n_init,
        settings.random_state,
        model_features(saved),
        settings.init_sample,
    )


def model_features(saved: SavedModel) -> tuple[str, ...]:
    """The features the saved model was fitted on, in its column order."""
    return tuple(str(name) for name in saved.pipeline.named_steps["features"].feature_names_in_)


@dataclass(frozen=True)
class StabilityOutcome:
    recommendation: Recommendation
    structure: Structure
    backtest: Backtest
    decided: pd.DataFrame
    triggers: pd.DataFrame
    sensitivity: pd.DataFrame
    names: dict[tuple, str]
    seconds: dict[str, float]
    report: Path | None
    # The monitor's verdict on the saved model today (None: no saved model).
    monitor_line: str | None = None


def _name_origins(backtest: Backtest, cache: _Cutoffs) -> dict[tuple, str]:
    names: dict[tuple, str] = {}
    for origin in backtest.origins:
        frame = cache.frames[origin]
        model, labels = cache.reference(origin)
        scaled = model.named_steps["features"].transform(frame)
        features = tuple(model.named_steps["features"].feature_names_in_)
        profiles = profile_segments(frame, scaled, labels + 1, features)
        for segment_id, name in name_segments(profiles).items():
            names[(origin, segment_id - 1)] = name
    return names


def run_stability(
    settings: Settings, progress: Progress | None = None, report: bool = True
) -> StabilityOutcome:
    """Backtest, decide, write the evidence to the warehouse and the report."""
    config = settings.stability
    structure = production_structure(settings)
    snapshots = read_snapshots(settings.warehouse)
    if structure.features is None:
        # A structure given by the operator: the features the coverage policy
        # allows on the latest snapshot, as a fit on those data would use.
        latest = snapshots[snapshots["as_of_date"] == snapshots["as_of_date"].max()]
        features = usable_features(assess_coverage(latest, settings.min_feature_coverage))
        structure = replace(structure, features=features)
    purchases, data_end = read_purchases(settings.warehouse)
    # One cache of fits: the backtest's reference refits also name the segments.
    cache = _Cutoffs(snapshots, structure, config)
    backtest = run_backtest(
        snapshots,
        purchases,
        data_end,
        structure,
        config,
        progress,
        cache,
        carry_over_jaccard=settings.carry_over_jaccard,
    )
    rule = Rule(config.psi_threshold, config.share_shift_points)
    decided = apply_rule(backtest.points, rule)
    triggers = first_triggers(decided)
    recommendation = recommend(triggers, config.max_horizon_months)
    replayed = sensitivity(backtest.points, config.max_horizon_months)

    names = _name_origins(backtest, cache)
    last = max(cache.frames)
    started = time.perf_counter()
    cache.make(structure.random_state).fit(cache.frames[last])
    retrain_seconds = time.perf_counter() - started
    started = time.perf_counter()
    monitor_seconds = float("nan")
    monitor_line = None
    try:
        # The contract just derived, not the one the warehouse holds until
        # the tables below are written.
        monitor_line = assess(settings, recommended_months=recommendation.months).line
        monitor_seconds = time.perf_counter() - started
    except (ModelError, ValueError):
        pass  # no saved model of this schema: nothing to monitor yet
    seconds = {
        "backtest": backtest.seconds["backtest"],
        "retrain": retrain_seconds,
        "monitor": monitor_seconds,
    }

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        keys = zip(frame["origin_date"], frame["label"], strict=True)
        return frame.assign(segment_name=[names.get(key, "") for key in keys])

    tables = {
        "stability_points": decided,
        "stability_noise": backtest.noise,
        "stability_noise_band": backtest.noise_bands,
        "stability_migration": backtest.migration,
        "stability_feature_psi": backtest.feature_psi,
        "stability_segment_jaccard": named(backtest.segment_jaccard),
        "stability_future_behaviour": named(backtest.future),
        "stability_future_tests": backtest.future_tests,
        "stability_first_due": triggers,
        "stability_sensitivity": replayed,
        "stability_recommendation": pd.DataFrame(
            [
                {
                    "measured_at": datetime.now().replace(microsecond=0),
                    "family": structure.family,
                    "n_segments": structure.n_segments,
                    "first_cutoff": min(backtest.cutoffs),
                    "last_cutoff": last,
                    "count_origins": recommendation.count_origins,
                    "recommended_months": recommendation.months,
                    "range_low_months": recommendation.low,
                    "range_high_months": recommendation.high,
                    "count_censored": recommendation.count_censored,
                    "psi_threshold": config.psi_threshold,
                    "share_shift_points": config.share_shift_points,
                    "band_edge": rule.band_edge,
                    "noise_quantile": config.noise_quantile,
                    "count_refits_per_cutoff": 1 + config.noise_seeds + config.noise_bootstraps,
                    "recommendation": recommendation.text,
                    "retrain_seconds": retrain_seconds,
                    "monitor_seconds": monitor_seconds,
                    "backtest_seconds": seconds["backtest"],
                }
            ]
        ),
    }
    if backtest.future.empty:
        tables["stability_future_behaviour"] = pd.DataFrame(
            columns=[*backtest.future.columns, "segment_name"]
        )
    write_segment_tables(settings.warehouse, tables, model_version="stability")
    outcome = StabilityOutcome(
        recommendation,
        structure,
        backtest,
        decided,
        triggers,
        replayed,
        names,
        seconds,
        None,
        monitor_line,
    )
    if report:
        from clustering.report.stability import render_stability_report

        outcome = replace(outcome, report=render_stability_report(settings, outcome))
    return outcome


@dataclass(frozen=True)
class Assessment:
    """One monitoring run's findings."""

    row: dict[str, object]
    is_retrain_recommended: bool
    line: str


def _recommended_months(warehouse: Path) -> int | None:
    with connect(warehouse) as con:
        if not table_columns(con, SEGMENTS_SCHEMA, "stability_recommendation"):
            return None
        rows = con.execute(
            f"select recommended_months from {SEGMENTS_SCHEMA}.stability_recommendation"
        ).fetchall()
    return int(rows[0][0]) if rows else None


def staleness(
    saved: SavedModel, frame: pd.DataFrame, settings: Settings
) -> tuple[float, NoiseBand]:
    """Agreement of the saved model with refits on today's data, and today's
    refit-noise band (the backtest's refits, on one date)."""
    date = pd.Timestamp(frame["as_of_date"].iloc[0])
    cache = _Cutoffs(
        frame.assign(as_of_date=date), saved_structure(saved, settings), settings.stability
    )
    frozen = saved.pipeline.predict(cache.frames[date])
    return cache.agreement(date, frozen), cache.noise(date)


def assess(settings: Settings, recommended_months: int | None = None) -> Assessment:
    """Compare today's features with the saved model's fit-time reference.

    The contract period is `recommended_months`, else the one in
    segments.stability_recommendation (none: age is not judged)."""
    config = settings.stability
    saved = load_model(settings.models_path)
    table = read_features(settings.warehouse)
    saved.check_schema(table.fingerprint, f"marts.fct_customer_features in {settings.warehouse}")
    reference = saved.metadata.get("reference")
    if reference is None:
        raise ModelError(
            f"model {saved.version} has no drift reference (saved by an older version); "
            "refit with `clustering fit`"
        )
    frame = table.frame
    psis = {}
    # The reference holds the core features the model uses (all of them
    # unless some were left out for coverage).
    for name in config.core_features:
        if name not in reference["features"]:
            continue
        spec = reference["features"][name]
        values = frame[name].to_numpy(float, na_value=np.nan)
        psis[name] = psi(spec["shares"], bin_shares(values, np.asarray(spec["edges"])))
    worst = max(psis, key=psis.get)
    labels = saved.pipeline.predict(frame)
    n_segments = int(saved.metadata["n_segments"])
    shares = label_shares(labels, n_segments)
    shares_fit = np.asarray(reference["label_shares"])
    shift = float(np.abs(shares - shares_fit).max() * 100)
    agreement, band = staleness(saved, frame, settings)
    # The contract's rule (stability.BAND_EDGES["interval"]): below the whole
    # interval of the band's edge, so that the verdict does not hinge on
    # which refits were drawn today.
    lower_edge = band.edge_low
    fitted_on = pd.Timestamp(saved.metadata["as_of_date"])
    age = (pd.Timestamp(table.as_of_date) - fitted_on).days / DAYS_PER_MONTH
    recommended = recommended_months or _recommended_months(settings.warehouse)
    due_date = (
        (fitted_on + pd.DateOffset(months=recommended)).date() if recommended is not None else None
    )

    reasons = []
    if agreement < lower_edge:
        reasons.append(
            f"the saved model agrees with refits at ARI {agreement:.3f}, below the refit-noise "
            f"band (edge {band.edge:.3f}, 95 % interval {band.edge_low:.3f}-{band.edge_high:.3f})"
        )
    if psis[worst] > config.psi_threshold:
        reasons.append(f"{worst} drifted (PSI {psis[worst]:.2f} > {config.psi_threshold})")
    if shift > config.share_shift_points:
        reasons.append(f"a segment's share moved {shift:.1f} points")
    if recommended is not None and age >= recommended:
        reasons.append(f"the model is {age:.1f} months old (contract: {recommended})")
    due = bool(reasons)
    if due:
        line = "retrain recommended: yes, because " + "; ".join(reasons)
    else:
        line = (
            f"retrain recommended: no, because agreement with refits is {agreement:.3f} "
            f"(noise band from {band.edge:.3f}, 95 % interval {band.edge_low:.3f}-"
            f"{band.edge_high:.3f}), the largest core PSI is {psis[worst]:.2f} "
            f"({worst}), segment shares moved at most {shift:.1f} points and the model is "
            f"{age:.1f} months old"
            + (
                f" of {recommended} (next retrain due {due_date:%Y-%m-%d})"
                if due_date is not None
                else " (no contract period yet)"
            )
        )
    row = {
        "monitored_at": datetime.now().replace(microsecond=0),
        "model_version": saved.version,
        "fitted_as_of_date": fitted_on.date(),
        "as_of_date": table.as_of_date,
        "model_age_months": age,
        "recommended_months": recommended,
        "max_core_psi": psis[worst],
        "max_core_psi_feature": worst,
        "segment_share_psi": psi(shares_fit, shares),
        "max_share_shift_points": shift,
        "ari_with_refit": agreement,
        "noise_lower_edge": lower_edge,
        "noise_edge": band.edge,
        "noise_edge_high": band.edge_high,
        "seed_ari_min": band.seed_min,
        "count_refits": band.count_refits,
        "retrain_due_date": due_date,
        "is_retrain_recommended": due,
        "reasons": "; ".join(reasons),
    }
    return Assessment(row=row, is_retrain_recommended=due, line=line)


def monitor(settings: Settings) -> Assessment:
    """assess(), then append the finding to segments.monitoring_runs."""
    assessment = assess(settings)
    write_segment_tables(
        settings.warehouse,
        {"monitoring_runs": pd.DataFrame([assessment.row])},
        model_version=str(assessment.row["model_version"]),
    )
    return assessment

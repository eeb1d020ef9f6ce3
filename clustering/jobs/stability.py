"""The stability job: backtest the production structure (family and number
of segments of the saved model) over the monthly snapshots, judge every
origin x horizon with the retrain rule (clustering.ml.retrain), recommend a
retrain period and write the evidence to the warehouse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from clustering.errors import ModelError
from clustering.jobs.monitor import assess
from clustering.ml.backtest import Backtest, _Cutoffs, run_backtest
from clustering.ml.coverage import assess_coverage, usable_features
from clustering.ml.estimators import Structure
from clustering.ml.naming import name_segments
from clustering.ml.profiling import profile_segments
from clustering.ml.retrain import (
    Recommendation,
    Rule,
    apply_rule,
    first_triggers,
    recommend,
    sensitivity,
)
from clustering.progress import Progress
from clustering.settings import Settings
from clustering.storage.model_store import SavedModel, load_model
from clustering.storage.readers import read_purchases, read_snapshots
from clustering.storage.segment_tables import write_segment_tables


def production_structure(settings: Settings) -> tuple[Structure, SavedModel | None]:
    """The structure under contract (--family/--segments, else the saved
    model's) and the saved model, loaded once (None: none saved, allowed only
    when the structure is given)."""
    fixed = settings.family is not None and settings.n_segments is not None
    try:
        saved = load_model(settings.models_path)
    except ModelError as error:
        if not fixed:
            raise ModelError(
                f"{error} (the backtest refits the production model's structure), or give "
                "--family and --segments"
            ) from None
        saved = None
    if fixed:
        return Structure.from_settings(settings, settings.family, settings.n_segments), saved
    assert saved is not None  # loaded above, or raised
    return saved.structure(settings), saved


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


def run_stability(settings: Settings, progress: Progress | None = None) -> StabilityOutcome:
    """Backtest, decide and write the evidence to the warehouse (the CLI then
    draws the report from it: clustering.report.stability)."""
    config = settings.stability
    structure, saved = production_structure(settings)
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
    if saved is not None:
        try:
            # The contract just derived, not the one the warehouse holds until
            # the tables below are written.
            monitor_line = assess(
                settings, recommended_months=recommendation.months, saved=saved
            ).line
            monitor_seconds = time.perf_counter() - started
        except (ModelError, ValueError):
            pass  # a model of another feature schema: nothing to monitor yet
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
        monitor_line,
    )
    return outcome

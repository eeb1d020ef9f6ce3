"""The monitor job (after each refresh): is a retrain of the saved model due
today? The same retrain rule as the backtest (clustering.ml.retrain), on
today's features against the model's fit-time reference, plus the model's age
against the contract period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.errors import ModelError
from clustering.ml.backtest import _Cutoffs
from clustering.ml.drift import bin_shares, label_shares, psi
from clustering.ml.resampling import NoiseBand
from clustering.ml.retrain import DAYS_PER_MONTH, Rule, noise_lower_edge, retrain_reasons
from clustering.settings import Settings
from clustering.storage.connection import connect, table_exists
from clustering.storage.model_store import SavedModel, load_model
from clustering.storage.readers import FeatureTable, read_features
from clustering.storage.segment_tables import SEGMENTS_SCHEMA, write_segment_tables


@dataclass(frozen=True)
class Assessment:
    """One monitoring run's findings."""

    row: dict[str, object]
    is_retrain_recommended: bool
    line: str


def _recommended_months(warehouse: Path) -> int | None:
    with connect(warehouse) as con:
        if not table_exists(con, SEGMENTS_SCHEMA, "stability_recommendation"):
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
    cache = _Cutoffs(frame.assign(as_of_date=date), saved.structure(settings), settings.stability)
    frozen = saved.pipeline.predict(cache.frames[date])
    return cache.agreement(date, frozen), cache.noise(date)


def assess(
    settings: Settings,
    recommended_months: int | None = None,
    *,
    saved: SavedModel | None = None,
    table: FeatureTable | None = None,
) -> Assessment:
    """Compare today's features with the saved model's fit-time reference.

    The contract period is `recommended_months`, else the one in
    segments.stability_recommendation (none: age is not judged). `saved` and
    `table` are the current model and the features mart when the calling job
    has them already (default: read from settings)."""
    config = settings.stability
    saved = saved or load_model(settings.models_path)
    table = table or read_features(settings.warehouse)
    saved.check_schema(table.fingerprint, f"marts.fct_customer_features in {settings.warehouse}")
    reference = saved.info.reference
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
    n_segments = saved.structure(settings).n_segments
    shares = label_shares(labels, n_segments)
    shares_fit = np.asarray(reference["label_shares"])
    shift = float(np.abs(shares - shares_fit).max() * 100)
    agreement, band = staleness(saved, frame, settings)
    fitted_on = pd.Timestamp(saved.info.as_of_date)
    age = (pd.Timestamp(table.as_of_date) - fitted_on).days / DAYS_PER_MONTH
    recommended = recommended_months or _recommended_months(settings.warehouse)
    due_date = (
        (fitted_on + pd.DateOffset(months=recommended)).date() if recommended is not None else None
    )
    rule = Rule(config.psi_threshold, config.share_shift_points)
    measured = {
        "ari_frozen_vs_refit": agreement,
        **band.row(),
        "max_core_psi": psis[worst],
        "max_core_psi_feature": worst,
        "max_share_shift_points": shift,
        "model_age_months": age,
        "recommended_months": recommended,
    }
    lower_edge = noise_lower_edge(measured, rule)
    reasons = retrain_reasons(measured, rule)
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


def monitor(
    settings: Settings,
    *,
    saved: SavedModel | None = None,
    table: FeatureTable | None = None,
) -> Assessment:
    """assess(), then append the finding to segments.monitoring_runs."""
    assessment = assess(settings, saved=saved, table=table)
    write_segment_tables(
        settings.warehouse,
        {"monitoring_runs": pd.DataFrame([assessment.row])},
        model_version=str(assessment.row["model_version"]),
    )
    return assessment

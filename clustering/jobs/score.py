"""The score job: assign every customer with the saved model (no refit), write
assignments, profiles and contrasts in one transaction with the membership
history, then export them for campaign tools."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from clustering.ml.cards import action_for, description_text, differences_text
from clustering.ml.profiling import (
    SegmentProfile,
    contrasts_frame,
    population_stats,
    profile_segments,
    top_traits,
)
from clustering.settings import Settings
from clustering.storage.exports import EXPORTED_TABLES, export_tables
from clustering.storage.history import MembershipChange, record_membership
from clustering.storage.model_export import export_model
from clustering.storage.model_store import SavedModel, load_model
from clustering.storage.readers import FeatureTable, read_features
from clustering.storage.segment_tables import VALUE_PROFILE_COLUMNS, write_segment_tables


@dataclass(frozen=True)
class ScoreOutcome:
    model_version: str
    as_of_date: str
    count_customers: int
    sizes: dict[str, int]
    membership: MembershipChange
    exports: list[Path]
    seconds: float
    # The scoring model as plain data for SQL scoring (empty without `export`).
    model_export: list[Path] = field(default_factory=list)


def _profiles_frame(
    profiles: list[SegmentProfile],
    names: dict[int, str],
    population_means: dict[str, float],
    model_version: str,
    as_of_date: object,
) -> pd.DataFrame:
    rows = []
    for profile in profiles:
        rule = action_for(profile)
        row: dict[str, object] = {
            "model_version": model_version,
            "as_of_date": as_of_date,
            "segment_id": profile.segment_id,
            "segment_name": names[profile.segment_id],
            "count_customers": profile.count_customers,
            "share_customers": profile.share_customers,
            "total_spend_brl": profile.total_spend_brl,
            "revenue_share": profile.revenue_share,
            "avg_spend_brl": profile.avg_spend_brl,
            "share_repeat_buyers": profile.share_repeat_buyers,
        }
        for name in profile.features:
            row[f"mean_{name}"] = profile.means[name]
            row[f"median_{name}"] = profile.medians[name]
        row |= {
            "description": description_text(profile),
            "differences": differences_text(profile, population_means),
            "marketing_action": rule.action,
            "action_reason": rule.reason,
            "dominant_rfm_group": profile.dominant_rfm_group,
            # Filled by the value scoring when a value model exists.
            **dict.fromkeys(VALUE_PROFILE_COLUMNS),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def score_segments(
    settings: Settings,
    *,
    export: bool = True,
    version: str | None = None,
    table: FeatureTable | None = None,
    saved: SavedModel | None = None,
) -> ScoreOutcome:
    """Assign every customer to a segment of the saved model (`version`, default
    the current one), fold the assignments into the membership history and
    write them (and, with `export`, their Parquet and CSV copies and the
    model's plain-data export). `table` is the features mart and `saved` the
    model, when the calling job has them already (default: read from
    settings.warehouse and settings.models_path)."""
    started = time.perf_counter()
    saved = saved or load_model(settings.models_path, version)
    table = table or read_features(settings.warehouse)
    saved.check_schema(table.fingerprint, f"marts.fct_customer_features in {settings.warehouse}")
    frame = table.frame
    pipeline = saved.pipeline
    scaled = pipeline.named_steps["features"].transform(frame)
    labels, distance, confidence = pipeline.named_steps["segments"].predict_confidence(scaled)
    segment_ids = saved.label_to_id(labels)
    names = saved.segment_names
    features = tuple(str(name) for name in pipeline.named_steps["features"].feature_names_in_)
    traits = top_traits(scaled, features=features)
    scored_at = datetime.now().replace(microsecond=0)
    name_lookup = pd.Series(names)
    assignments = pd.DataFrame(
        {
            "customer_unique_key": frame["customer_unique_key"].to_numpy(),
            "customer_unique_id": frame["customer_unique_id"].to_numpy(),
            "segment_id": segment_ids,
            "segment_name": name_lookup.reindex(segment_ids).to_numpy(),
            "model_version": saved.version,
            "as_of_date": table.as_of_date,
            "scored_at": scored_at,
            "confidence": confidence,
            "distance_to_center": distance,
            "top_trait_1": traits[0],
            "top_trait_2": traits[1],
            "top_trait_3": traits[2],
        }
    )
    profiles = profile_segments(frame, scaled, segment_ids, features)
    population_means, _ = population_stats(frame, features)
    tables = {
        "customer_segments": assignments,
        "segment_profiles": _profiles_frame(
            profiles, names, population_means, saved.version, table.as_of_date
        ),
        "segment_feature_contrasts": contrasts_frame(profiles, frame, saved.version),
    }
    membership = write_segment_tables(
        settings.warehouse,
        tables,
        model_version=saved.version,
        then=lambda con: record_membership(con, table.as_of_date),
    )
    assert membership is not None  # `then` was given
    exports = (
        export_tables(settings.warehouse, EXPORTED_TABLES, settings.exports_path) if export else []
    )
    # The model that made these assignments, for dbt's fct_customer_segment_scores.
    model_export = export_model(saved, settings.model_export_path) if export else []
    sizes = assignments["segment_name"].value_counts().to_dict()
    return ScoreOutcome(
        model_version=saved.version,
        as_of_date=table.as_of_date.isoformat(),
        count_customers=len(assignments),
        sizes={str(k): int(v) for k, v in sizes.items()},
        membership=membership,
        exports=exports,
        seconds=time.perf_counter() - started,
        model_export=model_export,
    )

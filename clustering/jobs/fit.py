"""The library API behind the CLI: fit, score and report.

- `fit_segments` compares candidates, fits the chosen one on every customer,
  carries ids and names over from the previous model, saves the model and
  records the selection in the warehouse.
- `score_segments` assigns every customer with the saved model (no refit)
  and writes assignments, profiles and contrasts in one transaction, then
  exports them for campaign tools.
- `render_report` (in clustering.report.segments) draws the HTML report.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cards import action_for, description_text, differences_text
from clustering.coverage import FeatureCoverage, assess_coverage, left_out_text, usable_features
from clustering.drift import bin_edges, bin_shares, label_shares
from clustering.export import export_model
from clustering.features import FEATURE_NAMES
from clustering.history import MembershipChange, record_membership
from clustering.naming import SegmentMatch, match_segments, name_segments
from clustering.profiles import (
    SegmentProfile,
    contrasts_frame,
    population_stats,
    profile_segments,
    top_traits,
)
from clustering.selection import check_population, segmenter, select_model
from clustering.settings import Settings
from clustering.store import ModelError, SavedModel, library_versions, load_model, save_model
from clustering.warehouse import (
    SEGMENT_TABLES,
    FeatureTable,
    export_tables,
    read_features,
    write_segment_tables,
)

Progress = Callable[[str], None]

EXPORTED_TABLES = ("customer_segments", "segment_profiles")


@dataclass(frozen=True)
class FitOutcome:
    model_version: str
    family: str
    n_segments: int
    reason: str
    selection: pd.DataFrame
    segment_names: dict[int, str]
    sizes: dict[int, int]
    matches: list[SegmentMatch] | None
    previous_model_version: str | None
    seconds: float
    features: tuple[str, ...] = ()
    coverage: tuple[FeatureCoverage, ...] = ()
    # Guarantees this fit could not give (small population, fixed structure, ...).
    caveats: tuple[str, ...] = ()

    @property
    def features_left_out(self) -> tuple[FeatureCoverage, ...]:
        return tuple(item for item in self.coverage if not item.is_used)


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


def _model_version(table: FeatureTable, family: str, n_segments: int, centers: np.ndarray) -> str:
    # Deterministic: same data, settings and seed give the same version.
    digest = hashlib.sha256()
    digest.update(table.fingerprint.encode())
    digest.update(str(table.count_customers).encode())
    digest.update(np.round(centers, 6).tobytes())
    return f"{table.as_of_date:%Y%m%d}-{family}-k{n_segments}-{digest.hexdigest()[:8]}"


def _previous_model(settings: Settings, table: FeatureTable) -> SavedModel | None:
    """The current saved model when it can score these data, else None."""
    try:
        previous = load_model(settings.models_path)
        previous.check_schema(table.fingerprint, str(settings.warehouse))
    except ModelError:
        return None
    return previous


def _assign_ids(
    labels: np.ndarray,
    previous: SavedModel | None,
    previous_ids: np.ndarray | None,
    settings: Settings,
) -> tuple[dict[int, int], list[SegmentMatch] | None]:
    """Stable segment id for each new label, and the matches behind them."""
    counts = np.bincount(labels)
    by_size = sorted(range(len(counts)), key=lambda label: (-counts[label], label))
    if previous is None or previous_ids is None:
        return {label: index + 1 for index, label in enumerate(by_size)}, None
    matches = match_segments(labels, previous_ids, settings.carry_over_jaccard)
    ids = {m.label: m.previous_segment_id for m in matches if m.is_carried_over}
    used = set(previous.metadata.get("all_segment_ids", [])) | set(previous.segment_names)
    next_id = max(used, default=0) + 1
    for label in by_size:
        if label not in ids:
            ids[label] = next_id
            next_id += 1
    return {int(k): int(v) for k, v in ids.items()}, matches


def fit_caveats(
    settings: Settings,
    count_customers: int,
    selection_table: pd.DataFrame,
    sizes: dict[int, int],
    names: dict[int, str],
) -> list[str]:
    """The guarantees this fit could not give, in sentences for the user."""
    caveats = []
    chosen = selection_table[selection_table["is_chosen"]].iloc[0]
    if settings.family is not None:
        caveats.append(
            "the structure was fixed by the operator, not chosen: no other candidate was compared"
        )
        if not chosen["is_stable"]:
            caveats.append(
                f"refits of this structure disagree (seed-only ARI down to "
                f"{chosen['seed_ari_min']:.2f}, refit band from {chosen['noise_edge']:.2f}): "
                "the segments may change on a refit and the monitor's staleness test is "
                "weak; treat them with caution"
            )
    elif not chosen["is_eligible"]:
        caveats.append(
            "no stable candidate held up under resampling with usable segment sizes (refit "
            f"band from {chosen['noise_edge']:.2f}, segments "
            f"{chosen['smallest_segment_share']:.1%} to {chosen['largest_segment_share']:.1%}): "
            "the segments may change with the data; treat them with caution"
        )
    small = {sid: count for sid, count in sizes.items() if count < settings.min_campaign_customers}
    for sid, count in sorted(small.items()):
        caveats.append(
            f"segment {sid} ({names[sid]}) has {count:,} customers, fewer than "
            f"{settings.min_campaign_customers}: campaign results on it are mostly noise"
        )
    if count_customers < settings.stability.min_customers:
        caveats.append(
            f"{count_customers:,} customers, fewer than the "
            f"{settings.stability.min_customers:,} the stability backtest needs at a cutoff: "
            "how long these segments hold (and so the retrain period) cannot be measured"
        )
    return caveats


def check_fit_inputs(frame: pd.DataFrame, settings: Settings) -> list[FeatureCoverage]:
    """Refuse, before anything is fitted or written, a population too small
    (PopulationError) or too few usable features (CoverageError); the measured
    coverage of every feature otherwise."""
    check_population(len(frame), settings)
    coverage = assess_coverage(frame, settings.min_feature_coverage)
    usable_features(coverage)
    return coverage


def fit_segments(
    settings: Settings,
    progress: Progress | None = None,
    *,
    save_to: Path | None = None,
    recorded: Settings | None = None,
    table: FeatureTable | None = None,
) -> FitOutcome:
    """Select, fit, name and save a segmentation of the features mart.

    The previous model is read from settings.models_path. The new one is
    saved there and made current, unless `save_to` names another folder (the
    segment job's scratch folder: it is installed only once checked), and its
    metadata records `recorded` (default: `settings`), the published paths
    when the job works in a copy. `table` is the features mart already read
    (default: read from settings.warehouse). Stops before fitting or writing
    anything when the population is too small (PopulationError) or too few
    features are usable (CoverageError)."""
    started = time.perf_counter()
    table = table or read_features(settings.warehouse)
    frame = table.frame
    coverage = check_fit_inputs(frame, settings)
    features = usable_features(coverage)
    left_out = left_out_text(coverage)
    selection = select_model(frame, settings, progress, features)
    pipeline = segmenter(
        selection.family, selection.n_segments, settings, features, settings.random_state
    ).fit(frame)
    model = pipeline.named_steps["segments"]
    scaled = pipeline.named_steps["features"].transform(frame)
    labels = model.labels_
    version = _model_version(table, selection.family, selection.n_segments, model.cluster_centers_)

    previous = _previous_model(settings, table)
    reproduced = previous is not None and previous.version == version
    if reproduced:
        # The refit reproduced the current model: keep its ids and lineage, and
        # the names whose words still hold (a name made under earlier rules
        # that claims what most members do not share is made anew).
        ids = previous.segment_ids
        matches = None
        previous_version = previous.metadata.get("previous_model_version")
        segment_ids = np.array([ids[label] for label in labels])
        profiles = profile_segments(frame, scaled, segment_ids, features)
        names = name_segments(profiles, taken=previous.segment_names)
    else:
        previous_ids = None
        if previous is not None:
            old = previous.pipeline
            old_labels = old.named_steps["segments"].predict(
                old.named_steps["features"].transform(frame)
            )
            previous_ids = previous.label_to_id(old_labels)
        ids, matches = _assign_ids(labels, previous, previous_ids, settings)
        previous_version = previous.version if previous is not None else None
        segment_ids = np.array([ids[label] for label in labels])
        profiles = profile_segments(frame, scaled, segment_ids, features)
        carried = {}
        if previous is not None and matches is not None:
            old_names = previous.segment_names
            carried = {
                ids[m.label]: old_names[m.previous_segment_id]
                for m in matches
                if m.is_carried_over and m.previous_segment_id in old_names
            }
        names = name_segments(profiles, taken=carried)

    sizes = {ids[label]: int(count) for label, count in enumerate(np.bincount(labels))}
    caveats = fit_caveats(settings, table.count_customers, selection.table, sizes, names)
    fitted_at = datetime.now().replace(microsecond=0)
    all_ids = sorted(
        set(ids.values()) | set(previous.metadata.get("all_segment_ids", []) if previous else [])
    )
    metadata = {
        "model_version": version,
        "fitted_at": fitted_at.isoformat(),
        "as_of_date": table.as_of_date.isoformat(),
        "count_customers": table.count_customers,
        "family": selection.family,
        "n_segments": selection.n_segments,
        "features": list(features),
        "feature_coverage": [item.as_row() for item in coverage],
        "features_left_out": left_out,
        "caveats": caveats,
        "feature_fingerprint": table.fingerprint,
        "settings": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in asdict(recorded or settings).items()
        },
        "library_versions": library_versions(),
        "segment_ids": {str(label): sid for label, sid in sorted(ids.items())},
        "segment_names": {str(sid): name for sid, name in sorted(names.items())},
        "all_segment_ids": all_ids,
        "selection_reason": selection.reason,
        "previous_model_version": previous_version,
        # What `clustering monitor` compares each refresh with.
        "reference": drift_reference(frame, labels, selection.n_segments, settings, features),
    }
    if save_to is None:
        save_model(settings.models_path, pipeline, metadata)
    else:
        save_model(save_to, pipeline, metadata, make_current=False)

    tables = {
        "model_selection": selection.table.assign(
            model_version=version, features_left_out=left_out or None
        ),
        "segment_models": pd.DataFrame(
            [
                {
                    "model_version": version,
                    "fitted_at": fitted_at,
                    "as_of_date": table.as_of_date,
                    "family": selection.family,
                    "n_segments": selection.n_segments,
                    "count_customers": table.count_customers,
                    "feature_fingerprint": table.fingerprint,
                    "random_state": settings.random_state,
                    "selection_reason": selection.reason,
                    "previous_model_version": previous_version,
                    "features": ", ".join(features),
                    "features_left_out": left_out or None,
                    "caveats": "; ".join(caveats) or None,
                }
            ]
        ),
        "model_features": pd.DataFrame([item.as_row() for item in coverage]).assign(
            model_version=version
        ),
    }
    # Written (empty without a previous model) unless the current model was
    # reproduced: a version refitted from scratch must not keep matches from
    # an earlier lineage, a reproduced one keeps its own.
    if not reproduced:
        tables["segment_matches"] = pd.DataFrame(
            [
                {
                    "model_version": version,
                    "previous_model_version": previous_version,
                    "segment_id": ids[m.label],
                    "previous_segment_id": m.previous_segment_id if m.is_carried_over else None,
                    "jaccard": m.jaccard,
                    "is_carried_over": m.is_carried_over,
                }
                for m in matches or []
            ],
            columns=[name for name, _ in SEGMENT_TABLES["segment_matches"]],
        )
    write_segment_tables(settings.warehouse, tables, model_version=version)
    return FitOutcome(
        model_version=version,
        family=selection.family,
        n_segments=selection.n_segments,
        reason=selection.reason,
        selection=selection.table,
        segment_names=names,
        sizes=sizes,
        matches=matches,
        previous_model_version=previous_version,
        seconds=time.perf_counter() - started,
        features=features,
        coverage=tuple(coverage),
        caveats=tuple(caveats),
    )


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
        }
        rows.append(row)
    return pd.DataFrame(rows)


def score_segments(
    settings: Settings,
    *,
    export: bool = True,
    version: str | None = None,
    table: FeatureTable | None = None,
) -> ScoreOutcome:
    """Assign every customer to a segment of the saved model (`version`, default
    the current one), fold the assignments into the membership history and
    write them (and, with `export`, their Parquet and CSV copies and the
    model's plain-data export). `table` is the features mart already read
    (default: read from settings.warehouse)."""
    started = time.perf_counter()
    saved = load_model(settings.models_path, version)
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

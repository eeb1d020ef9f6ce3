"""The fit job: compare candidates, fit the chosen one on every customer,
carry ids and names over from the previous model, save the model and record
the selection in the warehouse."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.errors import ModelError
from clustering.ml.coverage import FeatureCoverage, assess_coverage, left_out_text, usable_features
from clustering.ml.drift import drift_reference
from clustering.ml.naming import SegmentMatch, match_segments, name_segments
from clustering.ml.profiling import (
    profile_segments,
)
from clustering.ml.selection import check_population, segmenter, select_model
from clustering.progress import Progress
from clustering.settings import Settings
from clustering.storage.model_store import (
    ModelMetadata,
    SavedModel,
    library_versions,
    load_model,
    save_model,
)
from clustering.storage.readers import FeatureTable, read_features
from clustering.storage.segment_tables import SEGMENT_TABLES, write_segment_tables


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
    used = set(previous.info.all_segment_ids) | set(previous.segment_names)
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
        previous_version = previous.info.previous_model_version
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
    all_ids = sorted(set(ids.values()) | set(previous.info.all_segment_ids if previous else ()))
    metadata = ModelMetadata(
        model_version=version,
        fitted_at=fitted_at.isoformat(),
        as_of_date=table.as_of_date.isoformat(),
        count_customers=table.count_customers,
        family=selection.family,
        n_segments=selection.n_segments,
        features=tuple(features),
        feature_coverage=tuple(item.as_row() for item in coverage),
        features_left_out=left_out,
        caveats=tuple(caveats),
        feature_fingerprint=table.fingerprint,
        settings={
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in asdict(recorded or settings).items()
        },
        library_versions=library_versions(),
        segment_ids=dict(sorted(ids.items())),
        segment_names=dict(sorted(names.items())),
        all_segment_ids=tuple(all_ids),
        selection_reason=selection.reason,
        previous_model_version=previous_version,
        # What `clustering monitor` compares each refresh with.
        reference=drift_reference(frame, labels, selection.n_segments, settings, features),
    )
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

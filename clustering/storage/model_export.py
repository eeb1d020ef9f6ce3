"""Export a saved segment model as plain data, for scoring inside the warehouse.

One job: write the numbers of a fitted pipeline (per feature: transform, null
fill, centre and scale; per segment: its id, name, mixture weight, centre and
variances) as three CSV files that SQL can read. The dbt model
`fct_customer_segment_scores` joins them with the features mart and assigns
every customer as `SegmentModel.predict_confidence` does, on any engine that
reads CSV, without Python or a pickled estimator.

Floats are written with `repr`, the shortest text that parses back to the
same double, so SQL scores with exactly the fitted numbers.

    segment_model_features.csv  one row per feature, in the model's column order
    segment_model_segments.csv  one row per segment (model label -> segment id)
    segment_model_centres.csv   one row per segment and feature
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clustering.errors import ModelError
from clustering.ml.estimators import SegmentModel
from clustering.ml.features import CustomerFeatures, feature
from clustering.storage.model_store import SavedModel

FEATURES_FILE = "segment_model_features.csv"
SEGMENTS_FILE = "segment_model_segments.csv"
CENTRES_FILE = "segment_model_centres.csv"

# The header of each file, in column order (models/segments/_segment_model__sources.yml).
COLUMNS: dict[str, tuple[str, ...]] = {
    FEATURES_FILE: (
        "model_version",
        "feature_position",
        "feature_name",
        "transform",
        "fill_value",
        "center",
        "scale",
    ),
    SEGMENTS_FILE: ("model_version", "family", "label", "segment_id", "segment_name", "log_weight"),
    CENTRES_FILE: ("model_version", "segment_id", "feature_name", "centre", "variance"),
}

Cell = str | int | float | None


def _number(value: float, what: str) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ModelError(
            f"cannot export {what} = {number}: the saved model holds a non-finite number; "
            "refit with `clustering fit`"
        )
    return repr(number)


def _rows(saved: SavedModel) -> dict[str, list[list[Cell]]]:
    features: CustomerFeatures = saved.pipeline.named_steps["features"]
    model: SegmentModel = saved.pipeline.named_steps["segments"]
    version = saved.version
    names = [str(name) for name in features.feature_names_in_]
    centres = np.asarray(model.cluster_centers_, dtype=float)
    is_mixture = model.family == "gaussian_mixture"
    label_ids = saved.segment_ids
    if sorted(label_ids) != list(range(len(centres))) or len(set(label_ids.values())) != len(
        label_ids
    ):
        raise ModelError(
            f"model {version} maps labels {sorted(label_ids)} to segment ids "
            f"{sorted(label_ids.values())}, expected one distinct id for each of its "
            f"{len(centres)} labels; refit with `clustering fit`"
        )
    segment_names = saved.segment_names
    feature_rows: list[list[Cell]] = [
        [
            version,
            position,
            name,
            feature(name).transform,
            _number(features.medians_[position], f"the fill value of {name}"),
            _number(features.center_[position], f"the center of {name}"),
            _number(features.scale_[position], f"the scale of {name}"),
        ]
        for position, name in enumerate(names)
    ]
    segment_rows: list[list[Cell]] = []
    centre_rows: list[list[Cell]] = []
    for label in range(len(centres)):
        segment_id = label_ids[label]
        # sklearn's GaussianMixture adds log(weights_) to each component's log
        # density before taking the argmax; k-means has no weights.
        log_weight = (
            _number(np.log(model.estimator_.weights_[label]), f"the weight of label {label}")
            if is_mixture
            else None
        )
        segment_rows.append(
            [version, model.family, label, segment_id, segment_names[segment_id], log_weight]
        )
        for position, name in enumerate(names):
            variance = (
                _number(model.estimator_.covariances_[label, position], f"a variance of {name}")
                if is_mixture
                else None
            )
            centre = _number(centres[label, position], f"a centre of {name}")
            centre_rows.append([version, segment_id, name, centre, variance])
    return {FEATURES_FILE: feature_rows, SEGMENTS_FILE: segment_rows, CENTRES_FILE: centre_rows}


def _write_csv(path: Path, header: Sequence[str], rows: list[list[Cell]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        # None is written as an empty field, which the readers take as null.
        writer.writerows(rows)


def export_model(saved: SavedModel, out_dir: Path) -> list[Path]:
    """Write the three CSV files of `saved` into `out_dir` and return their paths.

    Every file is written beside its target and then renamed over it, all three
    renames after all three writes: a reader sees whole files, old or new.
    The SQL joins the files on model_version, so a reader caught between two
    renames finds no matching rows rather than mixed numbers."""
    family = saved.pipeline.named_steps["segments"].family
    if family not in ("kmeans", "gaussian_mixture"):
        raise ModelError(f"cannot export model {saved.version} of family {family!r}")
    tables = _rows(saved)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []
    try:
        for name, rows in tables.items():
            path = out_dir / name
            partial = path.with_name(f".{name}.partial")
            written.append((partial, path))
            _write_csv(partial, COLUMNS[name], rows)
    except BaseException:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        raise
    for partial, path in written:
        partial.replace(path)
    return [path for _, path in written]

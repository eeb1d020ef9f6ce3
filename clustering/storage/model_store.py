"""Saved models: the fitted pipeline plus the metadata needed to trust it.

Layout of the model folder (default: `models/` beside the warehouse):

    <model_version>/model.joblib    the fitted scikit-learn Pipeline
    <model_version>/metadata.json   settings, features, schema fingerprint,
                                    as-of date, row count, library versions,
                                    segment ids and names, selection reason
    CURRENT                         the version `score` uses

A model is refused, with the fix in the message, when the data to score have
another feature schema or the installed scikit-learn differs from the one it
was saved with (pickled estimators are not portable across versions).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import duckdb
import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline

from clustering.errors import ModelError
from clustering.ml.estimators import Structure
from clustering.settings import Settings


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
    }


@dataclass(frozen=True)
class ModelMetadata:
    """What a saved model records about its fit (metadata.json), typed.

    Every module reads a model's facts through this record, never by key from
    the file's JSON. Fields after the segment names are optional: a model
    saved by an earlier version of the package may lack them, and the readers
    that need one say so (the monitor refuses a model without `reference`)."""

    model_version: str
    # Model label -> stable segment id, and stable segment id -> name.
    segment_ids: Mapping[int, int]
    segment_names: Mapping[int, str]
    library_versions: Mapping[str, str] = field(default_factory=dict)
    fitted_at: str | None = None
    as_of_date: str | None = None
    count_customers: int | None = None
    family: str | None = None
    n_segments: int | None = None
    features: tuple[str, ...] = ()
    feature_coverage: tuple[Mapping[str, Any], ...] = ()
    features_left_out: str | None = None
    # Guarantees the fit could not give, in sentences for the user.
    caveats: tuple[str, ...] = ()
    feature_fingerprint: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    # Every segment id the lineage ever used (new segments get unused ids).
    all_segment_ids: tuple[int, ...] = ()
    selection_reason: str | None = None
    previous_model_version: str | None = None
    # The fit-time drift reference the monitor compares each refresh with.
    reference: Mapping[str, Any] | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ModelMetadata:
        """The record of a metadata.json's content."""
        names = {item.name for item in fields(cls)}
        values = {key: value for key, value in raw.items() if key in names}
        values["segment_ids"] = {
            int(label): int(sid) for label, sid in raw.get("segment_ids", {}).items()
        }
        values["segment_names"] = {
            int(sid): str(name) for sid, name in raw.get("segment_names", {}).items()
        }
        for key in ("features", "feature_coverage", "caveats", "all_segment_ids"):
            if key in values:
                values[key] = tuple(values[key])
        if "n_segments" in values:
            values["n_segments"] = int(values["n_segments"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The content of metadata.json (ids as strings: JSON keys)."""
        raw = asdict(self)
        raw["segment_ids"] = {str(label): sid for label, sid in sorted(self.segment_ids.items())}
        raw["segment_names"] = {str(sid): name for sid, name in sorted(self.segment_names.items())}
        for key in ("features", "feature_coverage", "caveats", "all_segment_ids"):
            raw[key] = list(raw[key])
        raw["settings"] = dict(self.settings)
        raw["library_versions"] = dict(self.library_versions)
        return raw


@dataclass(frozen=True)
class SavedModel:
    """A fitted pipeline with its metadata (`metadata` as saved in the JSON
    file; `info` the same, typed)."""

    pipeline: Pipeline
    metadata: dict[str, Any]

    @property
    def info(self) -> ModelMetadata:
        return ModelMetadata.from_json(self.metadata)

    @property
    def version(self) -> str:
        return self.info.model_version

    @property
    def segment_ids(self) -> dict[int, int]:
        """Model label -> stable segment id."""
        return dict(self.info.segment_ids)

    @property
    def segment_names(self) -> dict[int, str]:
        """Stable segment id -> name."""
        return dict(self.info.segment_names)

    @property
    def features(self) -> tuple[str, ...]:
        """The features the model was fitted on, in its column order."""
        return tuple(str(name) for name in self.pipeline.named_steps["features"].feature_names_in_)

    def structure(self, settings: Settings) -> Structure:
        """This model's family, size and features, refitted with these
        settings' seed and starts (what the backtest and the monitor refit)."""
        info = self.info
        if info.family is None or info.n_segments is None:
            raise ModelError(
                f"model {info.model_version} does not record its family and number of "
                "segments (saved by an older version); refit with `clustering fit`"
            )
        return Structure.from_settings(settings, info.family, info.n_segments, self.features)

    def label_to_id(self, labels: np.ndarray) -> np.ndarray:
        mapping = self.segment_ids
        lookup = np.zeros(max(mapping) + 1, dtype=np.int64)
        for label, sid in mapping.items():
            lookup[label] = sid
        return lookup[labels]

    def check_schema(self, fingerprint: str, where: str) -> None:
        info = self.info
        if fingerprint != info.feature_fingerprint:
            raise ModelError(
                f"model {self.version} was fitted on features with schema "
                f"{info.feature_fingerprint}, but {where} has schema {fingerprint} (columns or "
                f"types of {', '.join(info.features)} changed); refit with `clustering fit`"
            )


def save_model(
    models_dir: Path,
    pipeline: Pipeline,
    metadata: ModelMetadata | Mapping[str, Any],
    *,
    make_current: bool = True,
) -> Path:
    """Write the model and its metadata, then (unless `make_current` is False,
    for a model not yet published) point CURRENT at it."""
    if isinstance(metadata, ModelMetadata):
        metadata = metadata.to_json()
    version = str(metadata["model_version"])
    folder = Path(models_dir) / version
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, folder / "model.joblib")
    (folder / "metadata.json").write_text(
        json.dumps(metadata, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    if make_current:
        set_current(models_dir, version)
    return folder


def set_current(models_dir: Path, version: str) -> None:
    """Point CURRENT at a saved version (the one `score` and `refresh` use)."""
    if not (Path(models_dir) / version / "metadata.json").is_file():
        raise ModelError(f"model {version} is not saved in {models_dir}; run `clustering fit`")
    point_current(models_dir, version)


def point_current(folder: Path, version: str) -> None:
    """Write folder/CURRENT naming `version` (segment and value model stores)."""
    pointer = Path(folder) / "CURRENT"
    temporary = pointer.with_suffix(".tmp")
    temporary.write_text(version + "\n", encoding="utf-8")
    temporary.replace(pointer)  # atomic: a reader sees the old or the new version


def current_version(models_dir: Path) -> str | None:
    pointer = Path(models_dir) / "CURRENT"
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def load_model(models_dir: Path, version: str | None = None) -> SavedModel:
    """The saved model `version` (default: CURRENT)."""
    version = version or current_version(models_dir)
    if version is None:
        raise ModelError(f"no saved model in {models_dir}; run `clustering fit` first")
    folder = Path(models_dir) / version
    if not (folder / "model.joblib").is_file() or not (folder / "metadata.json").is_file():
        raise ModelError(
            f"model {version} is incomplete or missing in {models_dir}; "
            "run `clustering fit` to save a new one"
        )
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    saved_with = ModelMetadata.from_json(metadata).library_versions.get("scikit-learn")
    if saved_with != sklearn.__version__:
        raise ModelError(
            f"model {version} was saved with scikit-learn {saved_with}, this environment "
            f"has {sklearn.__version__}; refit with `clustering fit`"
        )
    try:
        pipeline = joblib.load(folder / "model.joblib")
    except (ImportError, AttributeError) as error:
        # Pickles name the classes' modules: a model saved before the package
        # moved them cannot be read back.
        raise ModelError(
            f"model {version} was saved by an older version of this package and cannot be "
            f"read ({error}); refit with `clustering fit`"
        ) from error
    return SavedModel(pipeline=pipeline, metadata=metadata)

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline


class ModelError(RuntimeError):
    """No usable saved model; the message says why and how to fix it."""


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
    }


@dataclass(frozen=True)
class SavedModel:
    """A fitted pipeline with its metadata."""

    pipeline: Pipeline
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata["model_version"])

    @property
    def segment_ids(self) -> dict[int, int]:
        """Model label -> stable segment id."""
        return {int(label): int(sid) for label, sid in self.metadata["segment_ids"].items()}

    @property
    def segment_names(self) -> dict[int, str]:
        """Stable segment id -> name."""
        return {int(sid): str(name) for sid, name in self.metadata["segment_names"].items()}

    def label_to_id(self, labels: np.ndarray) -> np.ndarray:
        mapping = self.segment_ids
        lookup = np.zeros(max(mapping) + 1, dtype=np.int64)
        for label, sid in mapping.items():
            lookup[label] = sid
        return lookup[labels]

    def check_schema(self, fingerprint: str, where: str) -> None:
        expected = self.metadata["feature_fingerprint"]
        if fingerprint != expected:
            raise ModelError(
                f"model {self.version} was fitted on features with schema {expected}, but "
                f"{where} has schema {fingerprint} (columns or types of "
                f"{', '.join(self.metadata['features'])} changed); refit with `clustering fit`"
            )


def save_model(
    models_dir: Path, pipeline: Pipeline, metadata: dict[str, Any], *, make_current: bool = True
) -> Path:
    """Write the model and its metadata, then (unless `make_current` is False,
    for a model not yet published) point CURRENT at it."""
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
    pointer = Path(models_dir) / "CURRENT"
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
    saved_with = metadata.get("library_versions", {}).get("scikit-learn")
    if saved_with != sklearn.__version__:
        raise ModelError(
            f"model {version} was saved with scikit-learn {saved_with}, this environment "
            f"has {sklearn.__version__}; refit with `clustering fit`"
        )
    return SavedModel(pipeline=joblib.load(folder / "model.joblib"), metadata=metadata)

"""Saved models: round trip, the CURRENT pointer, and refusals with the fix."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.pipeline import Pipeline

from clustering.errors import ModelError
from clustering.ml.estimators import make_segmenter
from clustering.ml.features import FEATURE_NAMES
from clustering.storage.model_store import (
    SavedModel,
    current_version,
    library_versions,
    load_model,
    save_model,
)
from tests.segment_support import grouped_customers


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return grouped_customers(per_group=20, seed=2)


@pytest.fixture(scope="module")
def pipeline(customers: pd.DataFrame) -> Pipeline:
    return make_segmenter(4, "kmeans", random_state=5, n_init=1).fit(customers)


def metadata(version: str, **extra: Any) -> dict[str, Any]:
    return {
        "model_version": version,
        "as_of_date": "2018-09-01",
        "features": list(FEATURE_NAMES),
        "feature_fingerprint": "0123456789abcdef",
        "library_versions": library_versions(),
        "segment_ids": {"0": 11, "1": 12, "2": 14, "3": 13},
        "segment_names": {"11": "Recent buyers", "12": "Lapsed buyers", "13": "A", "14": "B"},
        **extra,
    }


def test_save_and_load_give_identical_predictions(
    tmp_path: Path, pipeline: Pipeline, customers: pd.DataFrame
) -> None:
    folder = save_model(tmp_path, pipeline, metadata("v1", settings={"random_state": 5}))
    assert folder == tmp_path / "v1"
    assert (folder / "model.joblib").is_file()
    assert json.loads((folder / "metadata.json").read_text())["model_version"] == "v1"

    saved = load_model(tmp_path)
    assert saved.version == "v1"
    assert saved.metadata == metadata("v1", settings={"random_state": 5})
    np.testing.assert_array_equal(saved.pipeline.predict(customers), pipeline.predict(customers))
    np.testing.assert_array_equal(
        saved.pipeline.named_steps["segments"].cluster_centers_,
        pipeline.named_steps["segments"].cluster_centers_,
    )


def test_current_points_at_the_latest_save(tmp_path: Path, pipeline: Pipeline) -> None:
    assert current_version(tmp_path) is None
    save_model(tmp_path, pipeline, metadata("v1"))
    assert (tmp_path / "CURRENT").read_text() == "v1\n"
    save_model(tmp_path, pipeline, metadata("v2"))
    assert current_version(tmp_path) == "v2"
    assert load_model(tmp_path).version == "v2"
    # An earlier version stays loadable by name.
    assert load_model(tmp_path, "v1").version == "v1"
    assert not (tmp_path / "CURRENT.tmp").exists()


def test_an_empty_pointer_means_no_current_model(tmp_path: Path) -> None:
    (tmp_path / "CURRENT").write_text("\n")
    assert current_version(tmp_path) is None


def test_segment_ids_and_names_come_back_as_integers(tmp_path: Path, pipeline: Pipeline) -> None:
    save_model(tmp_path, pipeline, metadata("v1"))
    saved = load_model(tmp_path)
    assert saved.segment_ids == {0: 11, 1: 12, 2: 14, 3: 13}
    assert saved.segment_names == {11: "Recent buyers", 12: "Lapsed buyers", 13: "A", 14: "B"}
    np.testing.assert_array_equal(
        saved.label_to_id(np.array([3, 0, 2, 2, 1])), [13, 11, 14, 14, 12]
    )


def test_loading_without_a_model_names_the_folder_and_the_fix(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert str(folder) in str(error.value)
    assert "run `clustering fit` first" in str(error.value)


def test_a_pointer_to_a_missing_model_is_refused(tmp_path: Path, pipeline: Pipeline) -> None:
    save_model(tmp_path, pipeline, metadata("v1"))
    (tmp_path / "v1" / "model.joblib").unlink()
    with pytest.raises(ModelError, match="model v1 is incomplete or missing") as error:
        load_model(tmp_path)
    assert str(tmp_path) in str(error.value)
    assert "`clustering fit`" in str(error.value)
    with pytest.raises(ModelError, match="model v9 is incomplete or missing"):
        load_model(tmp_path, "v9")


def test_a_model_saved_with_another_scikit_learn_is_refused(
    tmp_path: Path, pipeline: Pipeline
) -> None:
    versions = {**library_versions(), "scikit-learn": "0.24.2"}
    save_model(tmp_path, pipeline, metadata("v1", library_versions=versions))
    with pytest.raises(ModelError) as error:
        load_model(tmp_path)
    message = str(error.value)
    assert "model v1 was saved with scikit-learn 0.24.2" in message
    assert f"this environment has {sklearn.__version__}" in message
    assert "refit with `clustering fit`" in message


def test_a_model_without_recorded_versions_is_refused(tmp_path: Path, pipeline: Pipeline) -> None:
    old = metadata("v1")
    del old["library_versions"]
    save_model(tmp_path, pipeline, old)
    with pytest.raises(ModelError, match="saved with scikit-learn None"):
        load_model(tmp_path)


def test_library_versions_record_the_installed_scikit_learn() -> None:
    versions = library_versions()
    assert versions["scikit-learn"] == sklearn.__version__
    assert set(versions) == {"python", "scikit-learn", "numpy", "pandas", "duckdb"}


def test_check_schema_accepts_the_same_fingerprint_and_refuses_another(pipeline: Pipeline) -> None:
    saved = SavedModel(pipeline=pipeline, metadata=metadata("v1"))
    saved.check_schema("0123456789abcdef", "marts.fct_customer_features")
    with pytest.raises(ModelError) as error:
        saved.check_schema("fedcba9876543210", "marts.fct_customer_features in w.duckdb")
    message = str(error.value)
    assert message.startswith(
        "model v1 was fitted on features with schema 0123456789abcdef, but "
        "marts.fct_customer_features in w.duckdb has schema fedcba9876543210"
    )
    assert "days_since_last_order, count_orders" in message
    assert message.endswith("refit with `clustering fit`")


def test_a_model_pickled_by_an_older_package_layout_asks_for_a_refit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A class whose module is gone by the time the model is loaded, as
    # clustering.features was after the package took its layers.
    module = tmp_path / "gone_module.py"
    module.write_text("class Step:\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import gone_module

    save_model(tmp_path / "models", gone_module.Step(), metadata("old"))
    monkeypatch.delitem(sys.modules, "gone_module")
    module.unlink()
    with pytest.raises(ModelError) as error:
        load_model(tmp_path / "models")
    assert str(error.value).startswith(
        "model old was saved by an older version of this package and cannot be read"
    )
    assert str(error.value).endswith("refit with `clustering fit`")

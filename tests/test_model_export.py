"""The plain-data export of a saved model (clustering.storage.model_export): every number
parses back to the fitted double, through Python and through DuckDB's CSV
reader as dbt reads it; labels map to ids and names; broken models are refused;
the CLI command and the settings default."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.errors import ModelError
from clustering.ml.estimators import make_segmenter
from clustering.ml.features import FEATURE_NAMES, without_review
from clustering.settings import Settings
from clustering.storage.model_export import (
    CENTRES_FILE,
    COLUMNS,
    FEATURES_FILE,
    SEGMENTS_FILE,
    export_model,
)
from clustering.storage.model_store import SavedModel, library_versions, save_model
from tests.segment_support import grouped_customers

# The column types of models/segments/_segment_model__sources.yml, as dbt's
# read_csv gets them on DuckDB.
DUCKDB_TYPES = {
    "model_version": "string",
    "feature_position": "integer",
    "feature_name": "string",
    "transform": "string",
    "fill_value": "double",
    "center": "double",
    "scale": "double",
    "family": "string",
    "label": "integer",
    "segment_id": "integer",
    "segment_name": "string",
    "log_weight": "double",
    "centre": "double",
    "variance": "double",
}


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return grouped_customers(per_group=25, seed=3)


def saved_model(
    customers: pd.DataFrame, family: str, features: tuple[str, ...] = FEATURE_NAMES
) -> SavedModel:
    pipeline = make_segmenter(4, family, features=features, random_state=1, n_init=1)
    pipeline.fit(customers)
    # Labels map to ids in another order, and names need CSV quoting.
    ids = {0: 12, 1: 10, 2: 13, 3: 11}
    names = {10: 'Big "spenders", far away', 11: "Happy, close", 12: "Small", 13: "Late"}
    return SavedModel(
        pipeline=pipeline,
        metadata={
            "model_version": f"test-{family}",
            "segment_ids": {str(label): sid for label, sid in ids.items()},
            "segment_names": {str(sid): name for sid, name in names.items()},
            "library_versions": library_versions(),
        },
    )


def read_python(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_duckdb(path: Path) -> pd.DataFrame:
    header = COLUMNS[path.name]
    columns = ", ".join(f"'{name}': '{DUCKDB_TYPES[name]}'" for name in header)
    with duckdb.connect() as con:
        return con.sql(
            f"select * from read_csv('{path}', header = true, auto_detect = false, "
            f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', "
            "strict_mode = true)"
        ).df()


def same_bits(left: float, right: float) -> bool:
    return np.float64(left).tobytes() == np.float64(right).tobytes()


@pytest.mark.parametrize("family", ["kmeans", "gaussian_mixture"])
def test_export_round_trips_every_number_exactly(customers, family, tmp_path):
    saved = saved_model(customers, family)
    paths = export_model(saved, tmp_path)
    assert sorted(path.name for path in paths) == sorted(COLUMNS)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(COLUMNS)  # no leftovers
    features = saved.pipeline.named_steps["features"]
    model = saved.pipeline.named_steps["segments"]

    for reader in (read_python, read_duckdb):
        rows = pd.DataFrame(reader(tmp_path / FEATURES_FILE))
        assert list(rows.columns) == list(COLUMNS[FEATURES_FILE])
        assert rows["feature_name"].tolist() == list(FEATURE_NAMES)
        assert [int(value) for value in rows["feature_position"]] == list(range(9))
        for column, fitted in (
            ("fill_value", features.medians_),
            ("center", features.center_),
            ("scale", features.scale_),
        ):
            exported = [float(value) for value in rows[column]]
            assert all(map(same_bits, exported, fitted)), column
        assert rows.loc[rows["feature_name"] == "count_orders", "transform"].item() == "log2"
        assert rows.loc[rows["feature_name"] == "total_spend_brl", "transform"].item() == "log1p"

        segments = pd.DataFrame(reader(tmp_path / SEGMENTS_FILE))
        labels = [int(value) for value in segments["label"]]
        ids = [int(value) for value in segments["segment_id"]]
        assert labels == [0, 1, 2, 3]
        assert ids == [saved.segment_ids[label] for label in labels]
        assert segments["segment_name"].tolist() == [saved.segment_names[sid] for sid in ids]
        assert set(segments["family"]) == {family}

        centres = pd.DataFrame(reader(tmp_path / CENTRES_FILE))
        assert len(centres) == 4 * 9
        label_of = {sid: label for label, sid in saved.segment_ids.items()}
        position = {name: index for index, name in enumerate(FEATURE_NAMES)}
        for row in centres.itertuples():
            label = label_of[int(row.segment_id)]
            index = position[row.feature_name]
            assert same_bits(float(row.centre), model.cluster_centers_[label, index])
            if family == "gaussian_mixture":
                assert same_bits(float(row.variance), model.estimator_.covariances_[label, index])
        if family == "gaussian_mixture":
            weights = [float(value) for value in segments["log_weight"]]
            assert all(map(same_bits, weights, np.log(model.estimator_.weights_)))
        else:
            # Empty fields: null to SQL.
            for column in (segments["log_weight"], centres["variance"]):
                assert all(value in ("", None) or pd.isna(value) for value in column)


def test_a_model_fitted_on_fewer_features_exports_only_those(customers, tmp_path):
    subset = without_review(FEATURE_NAMES)
    export_model(saved_model(customers, "kmeans", features=subset), tmp_path)
    features = read_python(tmp_path / FEATURES_FILE)
    assert [row["feature_name"] for row in features] == list(subset)
    assert {row["feature_name"] for row in read_python(tmp_path / CENTRES_FILE)} == set(subset)


def test_a_new_export_replaces_the_old_one_whole(customers, tmp_path):
    export_model(saved_model(customers, "gaussian_mixture"), tmp_path)
    export_model(saved_model(customers, "kmeans"), tmp_path)
    for name in COLUMNS:
        versions = {row["model_version"] for row in read_python(tmp_path / name)}
        assert versions == {"test-kmeans"}
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(COLUMNS)


def test_non_finite_numbers_are_refused_and_nothing_is_written(customers, tmp_path):
    saved = saved_model(customers, "kmeans")
    saved.pipeline.named_steps["features"].scale_[2] = math.inf
    with pytest.raises(ModelError, match=r"scale of total_spend_brl = inf.*clustering fit"):
        export_model(saved, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_label_without_a_segment_id_is_refused(customers, tmp_path):
    saved = saved_model(customers, "kmeans")
    del saved.metadata["segment_ids"]["3"]
    with pytest.raises(ModelError, match="expected one distinct id for each of its 4 labels"):
        export_model(saved, tmp_path)


def test_model_export_path_defaults_beside_the_warehouse(monkeypatch, tmp_path):
    monkeypatch.delenv("OLIST_MODEL_EXPORT_DIR", raising=False)
    monkeypatch.setenv("OLIST_WAREHOUSE", str(tmp_path / "wh" / "olist.duckdb"))
    assert Settings.from_environment().model_export_path == tmp_path / "wh" / "model_export"
    monkeypatch.setenv("OLIST_MODEL_EXPORT_DIR", str(tmp_path / "elsewhere"))
    assert Settings.from_environment().model_export_path == tmp_path / "elsewhere"
    chosen = Settings.from_environment(model_export_dir=tmp_path / "chosen")
    assert chosen.model_export_path == tmp_path / "chosen"


def test_cli_exports_the_current_model(customers, monkeypatch, tmp_path):
    monkeypatch.delenv("OLIST_MODEL_EXPORT_DIR", raising=False)
    saved = saved_model(customers, "gaussian_mixture")
    save_model(tmp_path / "models", saved.pipeline, saved.metadata)
    warehouse = tmp_path / "olist.duckdb"
    result = CliRunner().invoke(
        app, ["export-model", "--warehouse", str(warehouse), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.stderr
    assert "exported model test-gaussian_mixture" in result.stdout
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(COLUMNS)

    # Without --out: model_export/ beside the warehouse.
    result = CliRunner().invoke(app, ["export-model", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "model_export" / FEATURES_FILE).is_file()


def test_cli_without_a_saved_model_says_to_fit(monkeypatch, tmp_path):
    monkeypatch.delenv("OLIST_MODEL_EXPORT_DIR", raising=False)
    result = CliRunner().invoke(
        app, ["export-model", "--warehouse", str(tmp_path / "olist.duckdb")]
    )
    assert result.exit_code == 2
    assert "run `clustering fit` first" in result.stderr
    assert "Traceback" not in result.stderr

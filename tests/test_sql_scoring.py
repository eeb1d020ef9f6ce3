"""Scoring inside the warehouse: fct_customer_segment_scores (dbt, selector
sql_scoring) assigns every customer from the model export exactly as Python
does.

- On a hand-made export over a hand-made features mart (no segments schema,
  no other model): k-means and Gaussian mixture assignments worked out by
  hand, ties to the lowest model label, nulls filled, transforms clipped.
- On generated data: a k-means model fitted and scored through the CLI and a
  Gaussian mixture fitted without the review feature, both exported; every
  customer's segment equals Python's predict and the distance its
  SegmentModel.transform; the dbt comparison test passes, and fails when one
  assignment is changed.
- A missing export stops the build with the folder and the fix; the
  sql_scoring selector leaves out everything that reads the segments tables.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.mixture import GaussianMixture
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.ml.estimators import make_segmenter
from clustering.ml.features import FEATURE_NAMES, without_review
from clustering.ops.dbt import run_dbt
from clustering.storage.model_export import (
    CENTRES_FILE,
    COLUMNS,
    FEATURES_FILE,
    SEGMENTS_FILE,
    export_model,
)
from clustering.storage.model_store import SavedModel, library_versions, load_model
from clustering.storage.readers import read_features

SCORES = "segments.fct_customer_segment_scores"
COMPARISON_TEST = "assert_segment_scores_match_python_scoring"


def scores(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {SCORES} order by customer_unique_key").df()


def sql_scoring(warehouse: Path, input_dir: Path, export_dir: Path | None = None, **options):
    vars = {"model_export_dir": str(export_dir)} if export_dir else None
    return run_dbt(
        ["build", "--selector", "sql_scoring"],
        input_dir=input_dir,
        warehouse=warehouse,
        vars=vars,
        **options,
    )


# --- a hand-made export over a hand-made mart -------------------------------


def write_export(
    folder: Path,
    version: str,
    family: str,
    features: list[tuple[str, str, float, float, float]],
    segments: list[tuple[int, str, float | None]],
    centres: dict[int, list[tuple[float, float | None]]],
) -> None:
    """features: (name, transform, fill, center, scale) in model order;
    segments: (segment_id, name, log_weight) in label order; centres: per
    segment id, (centre, variance) per feature."""
    rows = {
        FEATURES_FILE: [[version, position, *feature] for position, feature in enumerate(features)],
        SEGMENTS_FILE: [
            [version, family, label, sid, name, "" if weight is None else repr(weight)]
            for label, (sid, name, weight) in enumerate(segments)
        ],
        CENTRES_FILE: [
            [version, sid, features[index][0], centre, "" if variance is None else variance]
            for sid, values in centres.items()
            for index, (centre, variance) in enumerate(values)
        ],
    }
    folder.mkdir(parents=True)
    for name, records in rows.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS[name])
            writer.writerows(records)


# customer_unique_key -> days_since_last_order, count_orders, avg_review_score,
# total_spend_brl (None = null).
HAND_MADE_MART: dict[int, tuple[int | None, int | None, float | None, float | None]] = {
    1: (100, 1, 4.0, 0.0),
    2: (150, 1, 4.0, 0.0),
    3: (200, 2, None, 0.0),
    4: (100, 0, 2.0, -5.0),
    5: (250, 1, 4.0, 6.39),
    6: (None, None, 5.0, None),
    7: (300, 1, 4.0, 0.0),
    8: (-50, 1, None, 0.0),
    9: (175, 1, 4.0, 0.0),
}


@pytest.fixture(scope="module")
def hand_made_mart(tmp_path_factory) -> Path:
    """A warehouse holding only marts.fct_customer_features with HAND_MADE_MART."""
    warehouse = tmp_path_factory.mktemp("hand-made") / "mart.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_customer_features (customer_unique_key uinteger, "
            "as_of_date date, days_since_last_order integer, count_orders integer, "
            "avg_review_score double, total_spend_brl decimal(18, 2))"
        )
        for key, values in HAND_MADE_MART.items():
            con.execute(
                "insert into marts.fct_customer_features values (?, date '2018-09-01', ?, ?, ?, ?)",
                [key, *values],
            )
    return warehouse


def copy_of(warehouse: Path, folder: Path) -> Path:
    target = folder / "warehouse.duckdb"
    shutil.copy(warehouse, target)
    return target


def test_kmeans_by_hand(hand_made_mart, tiny_dataset, tmp_path):
    # Scaled axes: count_orders log2 / 0.25, days (x - 100) / 50, review x - 4,
    # spend ln(1 + x). Label 0 = segment 7 at the origin, label 1 = segment 3
    # two days-spreads out, label 2 = segment 5 four count-units out.
    write_export(
        tmp_path / "export",
        "hand-kmeans",
        "kmeans",
        [
            ("count_orders", "log2", 1.0, 0.0, 0.25),
            ("days_since_last_order", "identity", 100.0, 100.0, 50.0),
            ("avg_review_score", "identity", 4.0, 4.0, 1.0),
            ("total_spend_brl", "log1p", 0.0, 0.0, 1.0),
        ],
        [(7, "Typical", None), (3, "Lapsed", None), (5, "Repeat", None)],
        {
            7: [(0.0, None), (0.0, None), (0.0, None), (0.0, None)],
            3: [(0.0, None), (2.0, None), (0.0, None), (0.0, None)],
            5: [(4.0, None), (0.0, None), (0.0, None), (0.0, None)],
        },
    )
    warehouse = copy_of(hand_made_mart, tmp_path)
    sql_scoring(warehouse, tiny_dataset, tmp_path / "export")
    spend = math.log1p(6.39)
    expected = {
        1: (7, 0.0),  # at the origin
        2: (7, 1.0),  # (0, 1, 0, 0): as near to segment 3; the lower label wins, not the lower id
        3: (5, 2.0),  # (4, 2, 0, 0): review null -> median 4 -> 0
        4: (7, 2.0),  # (0, 0, -2, 0): 0 orders clipped to 1, spend -5 clipped to 0
        5: (3, math.sqrt(1.0 + spend**2)),  # (0, 3, 0, ln 7.39)
        6: (7, 1.0),  # (0, 0, 1, 0): nulls take the fill values
        7: (3, 2.0),  # (0, 4, 0, 0)
        8: (7, 3.0),  # (0, -3, 0, 0): days below the median
        9: (3, 0.5),  # (0, 1.5, 0, 0)
    }
    result = scores(warehouse).set_index("customer_unique_key")
    assert sorted(result.index) == sorted(expected)
    for key, (segment_id, distance) in expected.items():
        assert result.loc[key, "segment_id"] == segment_id, key
        assert result.loc[key, "distance_to_center"] == pytest.approx(
            distance, rel=1e-12, abs=1e-12
        )
    names = {7: "Typical", 3: "Lapsed", 5: "Repeat"}
    assert (result["segment_name"] == result["segment_id"].map(names)).all()
    assert set(result["model_version"]) == {"hand-kmeans"}
    assert set(result["as_of_date"].astype(str)) == {"2018-09-01"}


def test_gaussian_mixture_by_hand_and_as_sklearn(hand_made_mart, tiny_dataset, tmp_path):
    # Two features only (days, review): the mart's other columns are not read.
    # Label 0 = segment 2 narrow at the origin; label 1 = segment 1 wide at the
    # origin; label 2 = segment 4 narrow three days-spreads out; label 3 =
    # segment 0, a twin of label 0, which loses every tie to it.
    weights = np.array([0.3, 0.2, 0.2, 0.3])
    means = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 0.0], [0.0, 0.0]])
    variances = np.array([[1.0, 1.0], [4.0, 4.0], [1.0, 1.0], [1.0, 1.0]])
    segment_ids = [2, 1, 4, 0]
    write_export(
        tmp_path / "export",
        "hand-mixture",
        "gaussian_mixture",
        [
            ("days_since_last_order", "identity", 100.0, 100.0, 50.0),
            ("avg_review_score", "identity", 4.0, 4.0, 1.0),
        ],
        [
            (sid, f"Segment {sid}", float(np.log(weight)))
            for sid, weight in zip(segment_ids, weights, strict=True)
        ],
        {
            sid: list(zip(means[label], variances[label], strict=True))
            for label, sid in enumerate(segment_ids)
        },
    )
    warehouse = copy_of(hand_made_mart, tmp_path)
    sql_scoring(warehouse, tiny_dataset, tmp_path / "export")
    expected = {
        1: (2, 0.0),  # the origin: narrow beats wide, and label 0 its twin
        7: (4, 1.0),  # days z = 4: nearest the shifted component
        8: (1, 3.0),  # z = -3: both origin components equally near, the wide one fits
        9: (2, 1.5),  # z = 1.5: halfway to the shifted component; the heavier weight wins
        6: (2, 1.0),  # (0, 1): days null -> fill
        3: (4, 1.0),  # z = 2, review null: one spread from the shifted component
    }
    result = scores(warehouse).set_index("customer_unique_key")
    assert len(result) == len(HAND_MADE_MART)
    for key, (segment_id, distance) in expected.items():
        assert result.loc[key, "segment_id"] == segment_id, key
        assert result.loc[key, "distance_to_center"] == pytest.approx(
            distance, rel=1e-12, abs=1e-12
        )

    # sklearn's own predict with the same parameters agrees on everybody.
    mixture = GaussianMixture(n_components=4, covariance_type="diag")
    mixture.weights_, mixture.means_, mixture.covariances_ = weights, means, variances
    mixture.precisions_cholesky_ = 1.0 / np.sqrt(variances)
    scaled = np.array(
        [
            [((100 if days is None else days) - 100) / 50, (4.0 if review is None else review) - 4]
            for days, _, review, _ in (HAND_MADE_MART[key] for key in result.index)
        ]
    )
    predicted = np.array(segment_ids)[mixture.predict(scaled)]
    assert result["segment_id"].tolist() == predicted.tolist()


def test_missing_export_names_the_folder_and_the_fix(
    hand_made_mart, tiny_dataset, tmp_path, monkeypatch
):
    # No var: dbt looks in model_export/ beside the warehouse of OLIST_WAREHOUSE,
    # where `clustering score` writes by default.
    monkeypatch.delenv("OLIST_MODEL_EXPORT_DIR", raising=False)
    warehouse = copy_of(hand_made_mart, tmp_path)
    result = sql_scoring(warehouse, tiny_dataset, check=False)
    assert not result.ok
    assert f"no segment model export in '{tmp_path / 'model_export'}'" in result.output
    assert "clustering export-model" in result.output


def test_sql_scoring_selects_nothing_that_reads_the_python_tables(tiny_dataset, tmp_path):
    # (The default selectors leave it out: the session's clean build is a plain
    # `dbt build` with no export, which the model would fail without.)
    result = run_dbt(
        ["ls", "--selector", "sql_scoring", "--output", "name", "--quiet"],
        input_dir=tiny_dataset,
        warehouse=tmp_path / "unused.duckdb",
    )
    listed = set(result.output.split())
    assert "fct_customer_segment_scores" in listed
    assert "assert_segment_scores_cover_every_person" in listed
    assert "assert_segment_model_export_is_complete" in listed
    assert COMPARISON_TEST not in listed
    assert not {name for name in listed if "source_" in name or "dim_customer_segments" in name}


# --- generated data, real models ---------------------------------------------


def invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stderr


def python_assignments(saved: SavedModel, warehouse: Path) -> pd.DataFrame:
    frame = read_features(warehouse).frame
    features = saved.pipeline.named_steps["features"]
    model = saved.pipeline.named_steps["segments"]
    labels = saved.pipeline.predict(frame)
    distances = model.transform(features.transform(frame))
    return pd.DataFrame(
        {
            "customer_unique_key": frame["customer_unique_key"].to_numpy(),
            "segment_id": saved.label_to_id(labels),
            "distance_to_center": distances[np.arange(len(labels)), labels],
        }
    ).sort_values("customer_unique_key", ignore_index=True)


def assert_same_as_python(sql: pd.DataFrame, python: pd.DataFrame) -> None:
    assert len(python) > 1000
    assert sql["customer_unique_key"].tolist() == python["customer_unique_key"].tolist()
    assert (sql["segment_id"].to_numpy() == python["segment_id"].to_numpy()).all()
    np.testing.assert_allclose(
        sql["distance_to_center"], python["distance_to_center"], rtol=1e-9, atol=0
    )


@pytest.fixture(scope="module")
def kmeans_scored(clean_build, tmp_path_factory) -> SimpleNamespace:
    """The clean warehouse after `clustering fit --family kmeans`, `clustering
    score` (which writes the export beside the warehouse) and the SQL scoring."""
    folder = tmp_path_factory.mktemp("sql-kmeans")
    warehouse = copy_of(clean_build.warehouse, folder)
    with pytest.MonkeyPatch.context() as patch:
        # Both sides use their default: model_export/ beside the warehouse.
        patch.delenv("OLIST_MODEL_EXPORT_DIR", raising=False)
        invoke("fit", "--warehouse", str(warehouse), "--family", "kmeans", "--segments", "5")
        invoke("score", "--warehouse", str(warehouse))
        sql_scoring(warehouse, clean_build.data)
    assert (folder / "model_export" / FEATURES_FILE).is_file()
    return SimpleNamespace(
        warehouse=warehouse, data=clean_build.data, saved=load_model(folder / "models")
    )


def test_kmeans_scored_in_sql_equals_python(kmeans_scored):
    sql = scores(kmeans_scored.warehouse)
    assert_same_as_python(sql, python_assignments(kmeans_scored.saved, kmeans_scored.warehouse))
    assert set(sql["model_version"]) == {kmeans_scored.saved.version}
    # ... and what `clustering score` wrote, names included.
    with duckdb.connect(str(kmeans_scored.warehouse), read_only=True) as con:
        written = con.execute(
            "select customer_unique_key, segment_id, segment_name from segments.customer_segments "
            "order by customer_unique_key"
        ).df()
    pd.testing.assert_frame_equal(
        sql[["customer_unique_key", "segment_id", "segment_name"]], written, check_dtype=False
    )


def test_dbt_comparison_with_python_passes_and_can_fail(kmeans_scored, tmp_path):
    compare = ["test", "--select", COMPARISON_TEST]
    passed = run_dbt(compare, input_dir=kmeans_scored.data, warehouse=kmeans_scored.warehouse)
    assert re.search(rf"PASS {COMPARISON_TEST}\b", passed.output), passed.output[-2000:]

    broken = copy_of(kmeans_scored.warehouse, tmp_path)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            f"update {SCORES} set segment_id = segment_id + 100 where customer_unique_key = "
            f"(select min(customer_unique_key) from {SCORES})"
        )
    failed = run_dbt(compare, input_dir=kmeans_scored.data, warehouse=broken, check=False)
    assert not failed.ok
    assert re.search(rf"FAIL 1 {COMPARISON_TEST}\b", failed.output), failed.output[-2000:]


def test_gaussian_mixture_without_review_scored_in_sql_equals_python(clean_build, tmp_path):
    warehouse = copy_of(clean_build.warehouse, tmp_path)
    features = without_review(FEATURE_NAMES)
    pipeline = make_segmenter(5, "gaussian_mixture", features=features, random_state=3, n_init=2)
    pipeline.fit(read_features(warehouse).frame)
    ids = {0: 14, 1: 10, 2: 13, 3: 11, 4: 12}  # labels map to ids in another order
    saved = SavedModel(
        pipeline=pipeline,
        metadata={
            "model_version": "mixture-without-review",
            "segment_ids": {str(label): sid for label, sid in ids.items()},
            "segment_names": {str(sid): f"Segment {sid}" for sid in ids.values()},
            "library_versions": library_versions(),
        },
    )
    export_model(saved, tmp_path / "export")
    sql_scoring(warehouse, clean_build.data, tmp_path / "export")
    sql = scores(warehouse)
    assert_same_as_python(sql, python_assignments(saved, warehouse))
    assert sql["segment_id"].nunique() > 1

"""The monitor on a small real DuckDB warehouse: a model fitted on four
synthetic groups is not due on the same data, is due with the drifted
feature named after spend and reviews shift, or when it is older than the
contract period; every run appends one row to segments.monitoring_runs; a
model without a drift reference is refused with the fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from clustering.errors import ModelError
from clustering.jobs.fit import fit_segments
from clustering.jobs.monitor import monitor
from clustering.ml.features import FEATURE_NAMES
from clustering.settings import Settings, StabilitySettings
from clustering.storage.model_store import current_version
from clustering.storage.readers import CONTEXT_COLUMNS
from clustering.storage.segment_tables import write_segment_tables
from tests.segment_support import grouped_customers

# The contracted types of marts.fct_customer_features (models/marts) for the
# columns read_features reads.
MART_TYPES: dict[str, str] = {
    "as_of_date": "date",
    "customer_unique_key": "uinteger",
    "customer_unique_id": "varchar",
    "customer_state": "varchar",
    "rfm_group": "varchar",
    "is_repeat_buyer": "boolean",
    "days_since_last_order": "integer",
    "count_orders": "integer",
    "total_spend_brl": "decimal(18,2)",
    "avg_review_score": "double",
    "share_late_deliveries": "double",
    "avg_days_to_deliver": "double",
    "avg_distance_km": "double",
    "freight_share": "double",
    "avg_installments": "double",
}
AS_OF = pd.Timestamp("2018-09-01")


def write_features(warehouse: Path, frame: pd.DataFrame) -> None:
    """Create or replace marts.fct_customer_features from a mart-shaped frame."""
    assert set(MART_TYPES) == {*CONTEXT_COLUMNS, *FEATURE_NAMES}
    columns = ", ".join(f"{name} {kind}" for name, kind in MART_TYPES.items())
    casts = ", ".join(f"cast({name} as {kind})" for name, kind in MART_TYPES.items())
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.fct_customer_features ({columns})")
        con.register("incoming_rows", frame[list(MART_TYPES)])
        con.execute(f"insert into marts.fct_customer_features select {casts} from incoming_rows")


def settings_for(warehouse: Path) -> Settings:
    return Settings(
        warehouse=warehouse,
        # 400 hand-made customers in four clear groups stand for a real population.
        min_customers_to_select=100,
        families=("kmeans",),
        min_segments=2,
        max_segments=4,
        bootstrap_rounds=2,
        n_jobs=1,
        selection_sample=2_000,
        stability=StabilitySettings(noise_seeds=2, noise_bootstraps=1),
    )


def customers() -> pd.DataFrame:
    return grouped_customers(per_group=100, seed=3).assign(as_of_date=AS_OF)


def monitoring_rows(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select * from segments.monitoring_runs order by monitored_at, as_of_date"
        ).df()


def recommendation_row(months: int) -> pd.DataFrame:
    """segments.stability_recommendation as `clustering stability` writes it."""
    return pd.DataFrame(
        [
            {
                "measured_at": pd.Timestamp("2018-09-02 08:00"),
                "family": "kmeans",
                "n_segments": 4,
                "first_cutoff": pd.Timestamp("2017-01-31"),
                "last_cutoff": pd.Timestamp("2018-08-31"),
                "count_origins": 5,
                "recommended_months": months,
                "range_low_months": months,
                "range_high_months": months,
                "count_censored": 0,
                "psi_threshold": 0.25,
                "share_shift_points": 5.0,
                "band_edge": "interval",
                "noise_quantile": 0.05,
                "count_refits_per_cutoff": 4,
                "recommendation": f"retrain every {months} month(s)",
                "retrain_seconds": 0.1,
                "monitor_seconds": 0.1,
                "backtest_seconds": 1.0,
            }
        ]
    )


@pytest.fixture(scope="module")
def fitted_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with warehouse.duckdb (the features mart) and models/ after a fit."""
    root = tmp_path_factory.mktemp("monitor")
    write_features(root / "warehouse.duckdb", customers())
    fit_segments(settings_for(root / "warehouse.duckdb"))
    return root


@pytest.fixture
def settings(fitted_template: Path, tmp_path: Path) -> Settings:
    """A private copy of the fitted warehouse and its models."""
    shutil.copytree(fitted_template, tmp_path / "copy")
    return settings_for(tmp_path / "copy" / "warehouse.duckdb")


def test_the_same_data_needs_no_retrain(settings: Settings) -> None:
    assessment = monitor(settings)
    assert not assessment.is_retrain_recommended
    assert assessment.line.startswith("retrain recommended: no, because")
    assert assessment.line.endswith("(no contract period yet)")
    row = assessment.row
    assert row["max_core_psi"] == 0.0
    assert row["max_share_shift_points"] == 0.0
    assert row["ari_with_refit"] >= row["noise_lower_edge"]
    assert row["model_age_months"] == 0.0
    assert row["recommended_months"] is None
    assert row["reasons"] == ""
    assert row["model_version"] == current_version(settings.models_path)


def test_shifted_spend_and_reviews_need_a_retrain_naming_the_feature(
    settings: Settings,
) -> None:
    shifted = customers()
    shifted["total_spend_brl"] *= 5
    shifted["avg_review_score"] = 1.0
    write_features(settings.warehouse, shifted)
    assessment = monitor(settings)
    assert assessment.is_retrain_recommended
    assert assessment.line.startswith("retrain recommended: yes, because ")
    feature = assessment.row["max_core_psi_feature"]
    assert feature in {"total_spend_brl", "avg_review_score"}
    assert f"PSI of {feature} " in assessment.line
    assert assessment.row["max_core_psi"] > settings.stability.psi_threshold
    assert f"PSI of {feature}" in assessment.row["reasons"]


def test_a_model_older_than_the_contract_period_needs_a_retrain(settings: Settings) -> None:
    write_segment_tables(
        settings.warehouse,
        {"stability_recommendation": recommendation_row(months=1)},
        model_version="stability",
    )
    # The same customers, 61 days later: nothing drifted, the model aged.
    write_features(settings.warehouse, customers().assign(as_of_date=AS_OF + pd.Timedelta(days=61)))
    assessment = monitor(settings)
    assert assessment.is_retrain_recommended
    assert assessment.line == (
        "retrain recommended: yes, because the model is 2.0 months old (contract: 1)"
    )
    assert assessment.row["recommended_months"] == 1


def test_every_monitor_run_appends_one_row(settings: Settings) -> None:
    first = monitor(settings)
    assert len(monitoring_rows(settings.warehouse)) == 1
    shifted = customers()
    shifted["total_spend_brl"] *= 5
    shifted["avg_review_score"] = 1.0
    write_features(settings.warehouse, shifted)
    second = monitor(settings)
    rows = monitoring_rows(settings.warehouse)
    assert len(rows) == 2
    assert rows["is_retrain_recommended"].tolist() == [
        first.is_retrain_recommended,
        second.is_retrain_recommended,
    ]
    assert rows["reasons"].tolist() == [first.row["reasons"], second.row["reasons"]]
    assert rows["model_version"].nunique() == 1
    assert str(rows["as_of_date"].iloc[0].date()) == "2018-09-01"


def test_a_model_without_a_drift_reference_is_refused_with_the_fix(settings: Settings) -> None:
    version = current_version(settings.models_path)
    path = settings.models_path / str(version) / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    del metadata["reference"]
    path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ModelError) as error:
        monitor(settings)
    message = str(error.value)
    assert f"model {version} has no drift reference" in message
    assert "refit with `clustering fit`" in message
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (count,) = con.execute(
            "select count(*) from information_schema.tables where table_name = 'monitoring_runs'"
        ).fetchone()
    assert count == 0  # nothing was logged

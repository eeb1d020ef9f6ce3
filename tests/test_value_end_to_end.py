"""End to end on generated data: the real `dbt build` of the monthly
snapshots, segments fitted and scored, then the value model proven on
holdout periods, fitted and scored, its tables tested by dbt, read by
analysts in dim_customer_segments, carried by the campaign exports, drawn in
the report, watched by the monitor and rescored by the daily refresh without
a refit."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from clustering.jobs.refresh import refresh
from clustering.jobs.value_monitor import monitor_value
from clustering.ml.value_backtest import BASELINE
from clustering.report.segments import render_report
from clustering.settings import Settings
from clustering.storage.exports import AUDIENCE_COLUMNS, CAMPAIGN_COLUMNS, EXPORTED_TABLES
from clustering.storage.value_store import load_value_model
from tests.value_support import invoke


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_customer_is_scored_and_every_segment_test_passes(valued) -> None:
    assert valued.checks.ok, valued.checks.output[-3000:]
    ((summary, scored, versions),) = query(
        valued.warehouse,
        "select (select count(*) from marts.fct_customer_purchase_summary), count(*), "
        "count(distinct value_model_version) from segments.customer_value",
    )
    assert scored == summary > 0 and versions == 1
    assert load_value_model(valued.settings.value_models_path).version == (
        valued.outcome.record.version
    )


def test_the_proof_compares_both_variants_with_the_baseline_at_each_cutoff(valued) -> None:
    holdout = valued.outcome.holdout
    assert len(valued.outcome.cutoffs) >= 2
    methods = set(holdout.metrics["method"])
    assert methods == {"bg_nbd", "modified_bg_nbd", BASELINE}
    per_cutoff = holdout.metrics.groupby(["cutoff_date", "horizon_days"])["method"].nunique()
    assert (per_cutoff == 3).all()
    # The deciles add up to the totals they split.
    totals = holdout.deciles.groupby(["cutoff_date", "horizon_days", "method"])[
        ["predicted_purchases", "actual_purchases"]
    ].sum()
    merged = holdout.metrics.set_index(["cutoff_date", "horizon_days", "method"])
    pd.testing.assert_frame_equal(
        totals.sort_index(),
        merged[["predicted_purchases", "actual_purchases"]].sort_index(),
        check_dtype=False,
    )
    ((verdict, ranking),) = query(
        valued.warehouse, "select verdict, ranking from segments.value_models"
    )
    beats = valued.outcome.record.beats_baseline
    assert ("does NOT beat" in verdict) is not beats
    assert ranking == ("model" if beats else "baseline")


def test_an_analyst_filters_a_segment_by_p_alive_and_sorts_by_value(valued) -> None:
    rows = query(
        valued.warehouse,
        "select segment_name, p_alive, expected_value_6m_brl, value_band, lifecycle_stage, "
        "audience_marketing_action from segments.dim_customer_segments "
        "where segment_id = (select min(segment_id) from segments.customer_segments) "
        "and p_alive > 0 order by expected_value_6m_brl desc",
    )
    assert rows
    assert all(None not in row for row in rows)
    values = [row[2] for row in rows]
    assert values == sorted(values, reverse=True)


def test_profiles_and_audiences_carry_value_and_recency(valued) -> None:
    profiles = query(
        valued.warehouse,
        "select count_customers, expected_value_6m_brl, share_likely_active, share_recent "
        "from segments.segment_profiles",
    )
    assert all(None not in row for row in profiles)
    ((audience_total, members, value_total, expected),) = query(
        valued.warehouse,
        "select (select sum(count_customers) from segments.segment_audiences), "
        "(select count(*) from segments.customer_segments), "
        "(select sum(expected_value_6m_brl) from segments.segment_profiles), "
        "(select sum(expected_value_6m_brl) from segments.customer_value)",
    )
    assert audience_total == members
    assert value_total == pytest.approx(expected)


def test_campaign_exports_carry_the_value_columns(valued) -> None:
    # Written by the value job itself: campaign tools need no other step.
    folder = valued.settings.exports_path
    for table in EXPORTED_TABLES:
        assert (folder / f"{table}.csv").is_file() and (folder / f"{table}.parquet").is_file()
    assert len(pd.read_csv(folder / "segment_audiences.csv")) > 0
    exported = pd.read_parquet(folder / "customer_segments.parquet")
    for column in (*CAMPAIGN_COLUMNS, "audience_marketing_action"):
        assert column in exported.columns
        assert exported[column].notna().all(), column


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates, timestamps and decimals as one type whichever reader made them
    (pyarrow gives dates as objects and decimals as Decimal)."""
    frame = frame.sort_values("customer_unique_key", ignore_index=True)
    for name in ("as_of_date", "last_order_at"):
        frame[name] = pd.to_datetime(frame[name])
    frame["total_spend_brl"] = frame["total_spend_brl"].astype(float)
    return frame


def test_the_campaign_export_gives_each_person_the_views_audience_columns(valued) -> None:
    # The export joins the marts itself (the view may not exist when it is
    # written): each person must get what an audience download from the view
    # gives, under the same names.
    folder = valued.settings.exports_path
    exported = pd.read_parquet(folder / "customer_segments.parquet")
    header = pd.read_csv(folder / "customer_segments.csv", nrows=0).columns
    assert list(exported.columns[: len(AUDIENCE_COLUMNS)]) == list(AUDIENCE_COLUMNS)
    assert list(header) == list(exported.columns)
    with duckdb.connect(str(valued.warehouse), read_only=True) as con:
        view = con.execute(
            f"select {', '.join(AUDIENCE_COLUMNS)} from segments.dim_customer_segments"
        ).df()
        ((scored,),) = con.execute("select count(*) from segments.customer_segments").fetchall()
        # The latest customer id is one of the person's own customer ids.
        ((foreign,),) = con.execute(
            "select count(*) from read_parquet(?) as exported "
            "anti join staging.stg_olist__customers as customers "
            "on exported.latest_customer_id = customers.customer_id "
            "and exported.customer_unique_id = customers.customer_unique_id",
            [str(folder / "customer_segments.parquet")],
        ).fetchall()
    assert exported["customer_unique_key"].is_unique
    assert len(exported) == scored == len(view) > 0
    assert foreign == 0
    # Filled for everybody here: all marts built, the value model scored.
    assert exported[list(AUDIENCE_COLUMNS)].notna().all().all()
    pd.testing.assert_frame_equal(
        comparable(exported[list(AUDIENCE_COLUMNS)]),
        comparable(view),
        check_dtype=False,
        check_exact=False,
        rtol=1e-9,
    )


def test_the_report_shows_value_audiences_and_the_proof(valued) -> None:
    html = render_report(valued.settings).read_text(encoding="utf-8")
    for text in (
        "What each segment is worth over the next 6 months",
        "Audiences: each segment by recency and P(alive)",
        "How well the value predictions held",
        valued.outcome.verdict.split(":")[0],
        "Expected 6-month value",
    ):
        assert text in html


def test_the_monitor_compares_predicted_and_actual_purchases(valued) -> None:
    drift = monitor_value(valued.settings)
    row = drift.row
    assert row["predicted_purchases"] > 0
    assert drift.line.startswith(f"value model {valued.outcome.record.version}: predicted")
    # The model was fitted at the as-of date, after the window started.
    assert row["is_in_sample"] is True
    ((logged,),) = query(valued.warehouse, "select count(*) from segments.value_monitoring_runs")
    assert logged >= 1


def test_without_a_proof_the_ranking_stays_the_baselines(valued, tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(valued.warehouse, warehouse)
    shutil.copytree(valued.warehouse.parent / "models", tmp_path / "models")
    # No holdout cutoff (as on an extract too short or too small for one):
    # the CLI fits and scores, and says plainly that nothing is proven.
    result = invoke("value", "--warehouse", str(warehouse), "--cutoffs", "0")
    assert result.code == 0, result.err
    assert "Not proven: no holdout period could be judged" in result.out
    ((ranking,),) = query(warehouse, "select ranking from segments.value_models")
    assert ranking == "baseline"


def test_the_daily_refresh_rescores_value_without_refitting(valued, tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(valued.warehouse, warehouse)
    for folder in ("models", "value_models"):
        shutil.copytree(valued.warehouse.parent / folder, tmp_path / folder)
    settings = Settings(warehouse=warehouse)
    before = load_value_model(settings.value_models_path).version
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from segments.customer_value")
    outcome = refresh(valued.data, settings, run_tests=False)
    assert "value model " in (outcome.monitor_line or "")
    ((count, version),) = query(
        warehouse, "select count(*), any_value(value_model_version) from segments.customer_value"
    )
    assert count > 0 and version == before
    assert load_value_model(settings.value_models_path).version == before
    # The operator's proof of the day on the warehouse `make run` leaves: every
    # table and the value-scored relations equal a rebuild from nothing; the
    # monthly snapshots, which another job builds, are named and left out.
    checked = invoke("check-refresh", "--input", str(valued.data), "--warehouse", str(warehouse))
    assert checked.code == 0, checked.out + checked.err
    outside, verdict = checked.out.splitlines()
    assert outside.startswith("not compared: ") and "fct_customer_features_at_cutoffs" in outside
    assert verdict.startswith("all ") and " equal a rebuild of " in verdict

"""End to end on generated data: the real `dbt build`, then `clustering fit`,
`score`, the dbt tests of the segment tables, and `report` in a real browser.

Everything runs through the CLI an operator uses, on a copy of the session's
clean warehouse (the job writes into it).
"""

from __future__ import annotations

import json
import shutil
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.jobs.monitor import assess
from clustering.ml.estimators import make_segmenter
from clustering.ml.features import FEATURE_NAMES
from clustering.ops.dbt import run_dbt
from clustering.settings import Settings
from clustering.storage.model_store import load_model
from clustering.storage.readers import read_features
from tests.browser_support import check_in_browser
from tests.segment_support import untrue_claims

SEGMENT_TABLES = (
    "customer_segments",
    "segment_profiles",
    "segment_feature_contrasts",
    "model_selection",
    "segment_models",
)


def invoke(*args: str) -> SimpleNamespace:
    result = CliRunner().invoke(app, list(args))
    return SimpleNamespace(code=result.exit_code, out=result.stdout, err=result.stderr)


def fit_score(warehouse: Path, *extra: str) -> tuple[SimpleNamespace, SimpleNamespace]:
    fitted = invoke("fit", "--warehouse", str(warehouse), *extra)
    assert fitted.code == 0, fitted.err
    scored = invoke("score", "--warehouse", str(warehouse))
    assert scored.code == 0, scored.err
    return fitted, scored


def copy_warehouse(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copy(source, target)
    return target


def query(warehouse: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


@pytest.fixture(scope="module")
def segmented(clean_build, tmp_path_factory):
    """The clean warehouse after fit, score, the segments dbt build and the report."""
    warehouse = copy_warehouse(clean_build.warehouse, tmp_path_factory.mktemp("segmented"))
    fitted, scored = fit_score(warehouse, "--seed", "42")
    dbt = run_dbt(
        ["build", "--selector", "segments"],
        input_dir=clean_build.data,
        warehouse=warehouse,
        check=False,
    )
    reported = invoke("report", "--warehouse", str(warehouse))
    assert reported.code == 0, reported.err
    return SimpleNamespace(
        warehouse=warehouse,
        data=clean_build.data,
        fitted=fitted,
        scored=scored,
        dbt=dbt,
        report=warehouse.parent / "reports" / "segments.html",
        models=warehouse.parent / "models",
        exports=warehouse.parent / "exports",
    )


def test_fit_says_what_it_chose_and_why(segmented):
    out = segmented.fitted.out
    assert "saved in" in out
    assert "the highest silhouette" in out or "no candidate met the rule" in out
    assert "segment 1:" in out


def test_refits_of_the_chosen_structure_that_differ_only_by_seed_agree(segmented):
    """The chosen structure is one whose optimum every seed finds: refitted on
    all customers with seeds the selection never used, it lands in the same
    segmentation (k-means with a few restarts did not: ARI down to 0.3)."""
    saved = load_model(segmented.models)
    chosen = query(segmented.warehouse, "select * from segments.model_selection where is_chosen")
    assert chosen["is_stable"].all()
    assert chosen["seed_ari_min"].iloc[0] >= 0.95
    frame = read_features(segmented.warehouse).frame
    settings = Settings()
    labelings = [
        make_segmenter(
            saved.info.n_segments,
            saved.info.family,
            features=saved.features,
            random_state=seed,
            n_init=settings.n_init,
            init_sample=settings.init_sample,
        )
        .fit(frame)
        .predict(frame)
        for seed in (7, 77, 777, 7777)
    ]
    worst = min(adjusted_rand_score(a, b) for a, b in combinations(labelings, 2))
    assert worst >= 0.95


def test_saved_model_records_what_it_was_fitted_on(segmented, clean_build):
    version = (segmented.models / "CURRENT").read_text().strip()
    metadata = json.loads((segmented.models / version / "metadata.json").read_text())
    features = query(segmented.warehouse, "select * from marts.fct_customer_features")
    assert metadata["model_version"] == version
    assert metadata["features"] == list(FEATURE_NAMES)
    assert metadata["count_customers"] == len(features)
    assert metadata["as_of_date"] == str(features["as_of_date"].iloc[0].date())
    assert metadata["settings"]["random_state"] == 42
    assert {"scikit-learn", "numpy", "pandas", "duckdb", "python"} <= set(
        metadata["library_versions"]
    )
    assert len(metadata["feature_fingerprint"]) == 16
    assert metadata["selection_reason"]


def test_every_person_gets_exactly_one_segment(segmented):
    rows = query(
        segmented.warehouse,
        "select features.customer_unique_key, count(segments.segment_id) as n "
        "from marts.fct_customer_features as features "
        "left join segments.customer_segments as segments using (customer_unique_key) "
        "group by all",
    )
    assert len(rows) > 1000
    assert set(rows["n"]) == {1}
    total = query(segmented.warehouse, "select count(*) as n from segments.customer_segments")
    assert total["n"].iloc[0] == len(rows)


def test_assignments_carry_names_confidence_and_traits(segmented):
    assignments = query(segmented.warehouse, "select * from segments.customer_segments")
    profiles = query(segmented.warehouse, "select * from segments.segment_profiles")
    names = dict(zip(profiles["segment_id"], profiles["segment_name"], strict=True))
    assert assignments["segment_name"].tolist() == assignments["segment_id"].map(names).tolist()
    assert assignments["confidence"].between(0, 1).all()
    assert (assignments["distance_to_center"] >= 0).all()
    traits = assignments[["top_trait_1", "top_trait_2", "top_trait_3"]]
    assert traits.notna().all().all()
    assert (traits.nunique(axis=1) == 3).all()
    assert profiles["count_customers"].sum() == len(assignments)
    assert profiles["revenue_share"].sum() == pytest.approx(1.0)
    assert profiles["marketing_action"].str.len().min() > 20


def test_segment_tables_pass_their_dbt_tests(segmented):
    assert segmented.dbt.ok, segmented.dbt.output[-3000:]
    assert "PASS=" in segmented.dbt.output
    assert "dim_customer_segments" in segmented.dbt.output


def test_dbt_tests_of_segment_tables_can_fail(segmented, tmp_path):
    broken = copy_warehouse(segmented.warehouse, tmp_path)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            "insert into segments.customer_segments "
            "select * from segments.customer_segments limit 1"
        )
    result = run_dbt(
        ["build", "--selector", "segments"],
        input_dir=segmented.data,
        warehouse=broken,
        check=False,
    )
    assert not result.ok
    assert "customer_unique_key" in result.output


def test_analyst_question_in_plain_sql(segmented):
    """Which customers in segment X live in SP and bought in the last 90 days?"""
    profiles = query(segmented.warehouse, "select * from segments.segment_profiles")
    name = profiles.sort_values("count_customers").iloc[-1]["segment_name"]
    answer = query(
        segmented.warehouse,
        "select customer_unique_id from segments.dim_customer_segments "
        "where segment_name = ? and customer_state = 'SP' and days_since_last_order <= 90 "
        "order by 1",
        [name],
    )
    expected = query(
        segmented.warehouse,
        "select features.customer_unique_id "
        "from marts.fct_customer_features as features "
        "inner join segments.customer_segments as segments using (customer_unique_key) "
        "where segments.segment_name = ? and features.customer_state = 'SP' "
        "and features.days_since_last_order <= 90 order by 1",
        [name],
    )
    assert len(answer) > 0
    assert answer["customer_unique_id"].tolist() == expected["customer_unique_id"].tolist()


def test_exports_for_campaign_tools(segmented):
    assignments = query(segmented.warehouse, "select * from segments.customer_segments")
    from_csv = pd.read_csv(segmented.exports / "customer_segments.csv")
    from_parquet = pd.read_parquet(segmented.exports / "customer_segments.parquet")
    assert len(from_csv) == len(from_parquet) == len(assignments)
    assert sorted(from_csv["customer_unique_id"]) == sorted(assignments["customer_unique_id"])
    assert (segmented.exports / "segment_profiles.parquet").is_file()


def test_report_renders_in_a_real_browser(segmented, tmp_path):
    html = segmented.report.read_text(encoding="utf-8")
    profiles = query(segmented.warehouse, "select * from segments.segment_profiles")
    for name in profiles["segment_name"]:
        assert name in html
    assert "<script src=" not in html
    screenshot = tmp_path / "segments.png"
    check = check_in_browser(segmented.report, screenshot)
    assert check.console_errors == ()
    assert check.count_plots == 5
    assert check.count_rendered_plots == 5
    assert screenshot.stat().st_size > 10_000


def test_same_data_and_seed_give_the_same_model_and_assignments(segmented, tmp_path):
    again = copy_warehouse(segmented.warehouse, tmp_path)
    shutil.rmtree(tmp_path / "models", ignore_errors=True)
    fit_score(again, "--seed", "42")
    first = query(
        segmented.warehouse,
        "select * exclude (scored_at) from segments.customer_segments order by 1",
    )
    second = query(again, "select * exclude (scored_at) from segments.customer_segments order by 1")
    pd.testing.assert_frame_equal(first, second)


def test_names_survive_a_refit(segmented, tmp_path):
    """Refitting the same structure with another seed keeps every id and name."""
    refit = copy_warehouse(segmented.warehouse, tmp_path)
    shutil.copytree(segmented.models, tmp_path / "models")
    before = query(
        refit, "select segment_id, segment_name from segments.segment_profiles order by 1"
    )
    model = query(refit, "select family, n_segments from segments.segment_models")
    fitted, _ = fit_score(
        refit,
        "--seed",
        "7",
        "--family",
        str(model["family"].iloc[0]),
        "--segments",
        str(int(model["n_segments"].iloc[0])),
    )
    after = query(
        refit, "select segment_id, segment_name from segments.segment_profiles order by 1"
    )
    matches = query(refit, "select * from segments.segment_matches")
    assert "kept their id and name" in fitted.out
    assert matches["is_carried_over"].all(), matches
    assert matches["jaccard"].min() >= 0.5
    pd.testing.assert_frame_equal(before, after)


def test_scoring_refuses_data_of_another_schema(segmented, tmp_path):
    changed = copy_warehouse(segmented.warehouse, tmp_path)
    shutil.copytree(segmented.models, tmp_path / "models")
    with duckdb.connect(str(changed)) as con:
        con.execute("alter table marts.fct_customer_features alter avg_distance_km type float")
    result = invoke("score", "--warehouse", str(changed))
    assert result.code == 2
    assert "refit with `clustering fit`" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("command", ["fit", "score", "report"])
def test_missing_warehouse_is_one_line_and_exit_2(command, tmp_path):
    result = invoke(command, "--warehouse", str(tmp_path / "absent.duckdb"))
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1
    assert "Traceback" not in result.err


def test_score_before_fit_says_to_fit(clean_build, tmp_path):
    warehouse = copy_warehouse(clean_build.warehouse, tmp_path)
    result = invoke("score", "--warehouse", str(warehouse))
    assert result.code == 2
    assert "run `clustering fit` first" in result.err


@pytest.fixture(scope="module")
def backtested(segmented, tmp_path_factory):
    """A copy of the segmented warehouse after `clustering stability` (small
    settings: the test data hold about 2,000 customers) and two monitor runs."""
    folder = tmp_path_factory.mktemp("backtested")
    warehouse = copy_warehouse(segmented.warehouse, folder)
    shutil.copytree(segmented.models, folder / "models")
    stability = invoke(
        "stability",
        "--warehouse",
        str(warehouse),
        "--min-customers",
        "200",
        "--origin-step",
        "2",
        "--max-horizon",
        "6",
    )
    monitors = [invoke("monitor", "--warehouse", str(warehouse)) for _ in range(2)]
    return SimpleNamespace(
        warehouse=warehouse,
        stability=stability,
        monitors=monitors,
        report=folder / "reports" / "stability.html",
    )


def test_stability_recommends_a_period_and_writes_its_evidence(backtested):
    assert backtested.stability.code == 0, backtested.stability.err
    assert backtested.stability.out.startswith("Retrain every")
    recommendation = query(backtested.warehouse, "select * from segments.stability_recommendation")
    points = query(backtested.warehouse, "select * from segments.stability_points")
    noise = query(backtested.warehouse, "select * from segments.stability_noise")
    assert len(recommendation) == 1
    row = recommendation.iloc[0]
    assert row["range_low_months"] <= row["recommended_months"] <= row["range_high_months"]
    assert len(points) > 0
    assert points["horizon_months"].min() == 1
    bands = query(backtested.warehouse, "select * from segments.stability_noise_band")
    # Every point's noise band comes from 11 refits (55 pairs) at each end.
    assert (noise.groupby("target_date").size() == 55).all()
    assert (bands["count_refits"] == 11).all()
    assert set(bands["target_date"]) == set(noise["target_date"])
    assert (points["noise_min"] <= points["noise_max"]).all()
    assert (points["noise_edge_low"] <= points["noise_edge"]).all()
    # The rule's edge is the low end of the band edge's interval.
    assert (points["noise_lower_edge"] == points["noise_edge_low"]).all()
    stale = points["ari_frozen_vs_refit"] < points["noise_lower_edge"]
    assert (points["is_stale"] == stale).all()
    assert row["band_edge"] == "interval"
    assert row["count_refits_per_cutoff"] == 11


def test_stability_report_renders_in_a_real_browser(backtested, tmp_path):
    check = check_in_browser(backtested.report, tmp_path / "stability.png")
    assert check.console_errors == ()
    assert check.count_plots >= 3
    assert check.count_rendered_plots == check.count_plots


def test_monitor_answers_in_one_line_and_logs_every_run(backtested):
    for result in backtested.monitors:
        assert result.code == 0, result.err
        lines = result.out.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("retrain recommended: ")
    runs = query(backtested.warehouse, "select * from segments.monitoring_runs")
    assert len(runs) == 2
    # The monitor reads the contract period the backtest wrote.
    recommended = query(
        backtested.warehouse, "select recommended_months from segments.stability_recommendation"
    )
    assert (runs["recommended_months"] == recommended.iloc[0, 0]).all()


def test_the_monitor_gives_the_same_verdict_with_another_random_state(backtested):
    """The verdict depends on the customers, not on which refits were drawn:
    the same warehouse assessed with other seeds says the same."""
    settings = Settings(warehouse=backtested.warehouse)
    assessments = [assess(settings.with_(random_state=seed)) for seed in (42, 1, 2, 3)]
    verdicts = {a.is_retrain_recommended for a in assessments}
    assert len(verdicts) == 1, [a.line for a in assessments]
    # On 2,000 customers the band itself is wide (resamples of a small
    # population split it differently): the verdict, not the edge, is what
    # must not depend on the seed here (benchmarks/CONTRACT.md: on the
    # default data the edge moves by 0.01 between seeds).
    for a in assessments:
        assert a.row["noise_lower_edge"] <= a.row["noise_edge"] <= a.row["noise_edge_high"]
        assert a.row["retrain_due_date"] is not None


def test_the_stability_report_speaks_to_marketing_first(backtested):
    html = backtested.report.read_text(encoding="utf-8")
    # Section headings (the table of contents lists them first).
    first = html.index(">In short, for marketing</h2>")
    evidence = html.index(">Recommendation</h2>")
    assert first < evidence < html.index(">Frozen model versus refit</h2>")
    section = html[first:evidence]
    recommendation = query(backtested.warehouse, "select * from segments.stability_recommendation")
    months = int(recommendation["recommended_months"].iloc[0])
    assert f"rebuilt (retrained) every {months} month(s)" in section
    assert "Next scheduled retrain: " in section
    assert "An earlier retrain is recommended" in section
    assert "keeps its number and its name" in section
    assert "kept " in section and " of the " in section


def test_names_are_distinct_and_claim_only_what_most_members_share(segmented) -> None:
    names = query(segmented.warehouse, "select segment_name from segments.segment_profiles")
    names = names["segment_name"].tolist()
    assert len(names) == len(set(names))
    assert not any("(segment " in name for name in names)
    assert untrue_claims(segmented.warehouse) == []

"""The whole main job on every shape of real extract users bring (issue: sparse
features, small populations and partial files never break `make run`).

Each shape (clustering.synth.shapes) is cut from one small generated dataset
and run through what `make run` runs, through the CLI an operator uses: the
daily dbt build, `clustering segments` (fit, score, SQL scoring, segment tests,
publish), `report`, the stability build, `stability` and `monitor`. Each must
end with exit 0 and its caveats printed, or stop with one `error:` line before
anything is published; what the user reads is asserted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.ops.dbt import run_dbt
from clustering.synth import generate
from clustering.synth.shapes import SHAPES, write_shape
from tests.segment_support import untrue_claims

# Words a name may only use when the model reads the feature behind them.
REVIEW_WORDS = ("unhappy", "satisfied")
DISTANCE_WORDS = ("far from sellers", "near their sellers", "nearer their sellers")


@dataclass(frozen=True)
class Expected:
    """What the user must see on one shape."""

    left_out: tuple[str, ...] = ()
    # Too few customers to compare candidates: the default job stops, and the
    # fixed structure the message proposes runs.
    too_small: bool = False
    banned_words: tuple[str, ...] = field(default=())
    # Options of `clustering segments`: both families compared on 3 and 4
    # segments with one bootstrap round, enough to show the job's handling of
    # each shape in seconds (the end-to-end test compares the whole default
    # grid); () runs the production selection.
    fit_args: tuple[str, ...] = ("--max-segments", "4", "--bootstrap-rounds", "1")


DELIVERY_WORDS = ("hit by late deliveries", "slow deliveries", "fast deliveries")

EXPECTED = {
    # Cut at the end of the month's last purchase: most orders are not yet
    # delivered or reviewed at the as-of date, so the delivery and review
    # features are known for too few customers.
    "one_month": Expected(
        left_out=("avg_review_score", "share_late_deliveries", "avg_days_to_deliver"),
        too_small=True,
        banned_words=REVIEW_WORDS + DELIVERY_WORDS,
    ),
    # Only the orders with items are purchases: about 100 people, none of
    # whom bought twice.
    "sparse_coverage": Expected(left_out=("count_orders",), too_small=True),
    # The population stays whole and two features become sparse.
    "sparse_reviews_and_locations": Expected(
        left_out=("avg_review_score", "avg_distance_km"),
        banned_words=REVIEW_WORDS + DISTANCE_WORDS,
    ),
    "reviews_header_only": Expected(left_out=("avg_review_score",), banned_words=REVIEW_WORDS),
    "geolocation_no_match": Expected(left_out=("avg_distance_km",), banned_words=DISTANCE_WORDS),
    "population_150": Expected(too_small=True),
    # The production selection: its best candidate fails the eligibility rule
    # here, so the "treat with caution" path is exercised.
    "single_state": Expected(fit_args=()),
    "one_time_buyers": Expected(left_out=("count_orders",)),
}
FIXED = ("--family", "kmeans", "--segments", "3")


def test_every_shape_has_expectations() -> None:
    assert set(EXPECTED) == set(SHAPES)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """One small complete dataset the shapes are cut from (about 2,000 orders)."""
    folder = tmp_path_factory.mktemp("complete")
    generate(folder, scale=0.02, seed=7)
    return folder


def invoke(*args: str) -> SimpleNamespace:
    result = CliRunner().invoke(app, list(args))
    return SimpleNamespace(code=result.exit_code, out=result.stdout, err=result.stderr)


def dbt(selector: str, data: Path, warehouse: Path) -> None:
    run_dbt(
        ["build", "--selector", selector],
        input_dir=data,
        warehouse=warehouse,
        work_dir=warehouse.parent / "dbt",
        in_process=True,
    )


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def segment_tables(warehouse: Path) -> list[str]:
    return [
        name
        for (name,) in query(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'segments'",
        )
    ]


def run_after_segments(data: Path, warehouse: Path) -> dict[str, SimpleNamespace]:
    """report, the stability build, stability and monitor, as make run does."""
    steps = {"report": invoke("report", "--warehouse", str(warehouse))}
    dbt("stability", data, warehouse)
    steps["stability"] = invoke("stability", "--warehouse", str(warehouse))
    steps["monitor"] = invoke("monitor", "--warehouse", str(warehouse))
    return steps


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(EXPECTED))
def test_the_main_job_runs_or_stops_cleanly_on_each_real_extract_shape(
    shape: str, source: Path, tmp_path: Path
) -> None:
    expected = EXPECTED[shape]
    data = tmp_path / "data"
    write_shape(shape, source, data)
    warehouse = tmp_path / "warehouse" / "olist.duckdb"
    warehouse.parent.mkdir()
    # The daily build passes its data tests, the as-of reconciliation among them.
    dbt("daily", data, warehouse)
    ((staged, marts, after),) = query(
        warehouse,
        "select count_orders_staged, count_orders_in_marts, count_orders_after_cutoff "
        "from audit.audit_as_of_reconciliation",
    )
    assert staged == marts + after

    job = ("segments", "--warehouse", str(warehouse), "--input", str(data), *expected.fit_args)
    first = invoke(*job)
    if expected.too_small:
        # One error line, nothing published, and the way forward in it.
        assert first.code == 2, first.out + first.err
        lines = [line for line in first.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), first.err
        assert "too few to choose a segmentation" in lines[0]
        assert "--family kmeans --segments 3" in lines[0]
        assert segment_tables(warehouse) == []
        assert not (warehouse.parent / "models" / "CURRENT").exists()
        assert not (warehouse.parent / "exports").exists()
        ran = invoke(*job, *FIXED)
    else:
        ran = first
    assert ran.code == 0, ran.out + ran.err
    out = ran.out

    # Features left out are said, with the reason, and the model does without them.
    for name in expected.left_out:
        assert f"feature {name} left out: " in out
    left_out = {
        name for (name,) in query(warehouse, "select feature_name from segments.model_features "
                                             "where not is_used")
    }  # fmt: skip
    assert left_out == set(expected.left_out)
    (features,) = query(warehouse, "select features from segments.segment_models")[0]
    assert not set(features.split(", ")) & left_out

    # Distinct names, and none claims a trait of a feature the model does not read.
    names = [
        name for (name,) in query(warehouse, "select segment_name from segments.segment_profiles")
    ]
    assert len(names) == len(set(names)) >= 2
    assert not any("(segment " in name for name in names)
    for name in names:
        assert not any(word in name.lower() for word in expected.banned_words), name
    assert untrue_claims(warehouse) == []

    # The caveats the user must read.
    assert "caveat: " in out
    if expected.too_small:
        assert "caveat: the structure was fixed by the operator" in out
    assert "fewer than the 2,000 the stability backtest needs" in out
    assert "published model" in out and "segment tests passed" in out

    steps = run_after_segments(data, warehouse)
    for step, result in steps.items():
        assert result.code == 0, f"{step}: {result.out}{result.err}"
    assert steps["stability"].out.startswith("caveat: no maintenance contract could be derived")
    assert steps["monitor"].out.startswith("retrain recommended: ")
    html = (warehouse.parent / "reports" / "segments.html").read_text(encoding="utf-8")
    assert "What these data could not support" in html
    for name in expected.left_out:
        assert f"({name}) is left out" in html
    if shape == "reviews_header_only":
        the_model_without_a_feature_runs_the_backtest_and_a_refresh(data, warehouse)


def the_model_without_a_feature_runs_the_backtest_and_a_refresh(
    data: Path, warehouse: Path
) -> None:
    """The backtest (with origins, allowed down to 300 customers) and a day's
    refresh with a model fitted without the review score."""
    backtest = invoke(
        "stability", "--warehouse", str(warehouse), "--min-customers", "300", "--max-horizon", "3"
    )
    assert backtest.code == 0, backtest.out + backtest.err
    assert backtest.out.startswith("Retrain every "), backtest.out
    psi = query(
        warehouse,
        "select distinct feature_name from segments.stability_feature_psi where is_core",
    )
    assert "avg_review_score" not in {name for (name,) in psi}
    refreshed = invoke("refresh", "--warehouse", str(warehouse), "--input", str(data))
    assert refreshed.code == 0, refreshed.out + refreshed.err
    assert "retrain recommended: " in refreshed.out

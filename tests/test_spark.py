"""The same dbt project on Spark: a local Spark (dbt-spark, `session` method)
and DuckDB build the same generated data, with every fault kind injected, and
every table (staging, intermediate, marts, audit, reference) must come out the
same. The Spark build runs every data test of the daily selection, so they
pass on Spark too. (Spark reading the same files as Parquet is checked by
the Spark benchmark at scale 1, to keep this suite under a quarter of an
hour; tests/test_parquet_input.py checks Parquet input on DuckDB.)

Segments fitted and scored by Python on DuckDB are scored again in SQL on
Spark from the model export, and must be the same for every customer.

One Spark build of a small dataset, the daily selection and the SQL scoring
in one session, costs about a minute and a half, mostly Spark starting and
running some 240 small jobs one after the other; every test here reads the
builds of one module fixture."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.ops.compare import compare_engines
from clustering.ops.dbt import build_warehouse, run_dbt
from clustering.synth import generate

pytestmark = pytest.mark.slow

SCALE = 0.01
FAULTS_PER_KIND = 3


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    # A quote in the path: Spark escapes string literals with backslashes,
    # DuckDB by doubling quotes; both must read the same folder.
    data = root / "olist's data"
    generate(data, scale=SCALE, seed=11, faults=FAULTS_PER_KIND)
    duck = build_warehouse(data, root / "duck.duckdb", extra_args=["--selector", "daily"])
    # Segments: fitted and scored by Python on DuckDB (`clustering score` also
    # writes the model export), then scored in SQL on Spark from the export.
    for command in (["fit", "--family", "kmeans", "--segments", "5"], ["score"]):
        result = CliRunner().invoke(app, [*command, "--warehouse", str(root / "duck.duckdb")])
        assert result.exit_code == 0, result.output
    spark_dir = root / "spark"
    spark_env = {
        "OLIST_SPARK_DIR": str(spark_dir),
        "OLIST_SPARK_MEMORY": "2g",
        # A few thousand rows: one shuffle partition, and a JVM that starts
        # fast (no optimising JIT tier, a serial collector) build it about
        # a sixth faster than the profile's defaults, which suit real data.
        "OLIST_SPARK_SHUFFLE_PARTITIONS": "1",
        "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }
    # The daily build and the SQL scoring in one Spark session.
    spark = run_dbt(
        ["build", "--target", "spark", "--selector", "daily_and_sql_scoring"],
        input_dir=data,
        warehouse=root / "spark-run",
        vars={"model_export_dir": str(root / "model_export")},
        env=spark_env,
        # A command of its own: Spark's JVM ends with it, not with the worker.
        in_process=False,
    )
    return {
        "root": root,
        "duck": duck,
        "spark": spark,
        "spark_dir": spark_dir,
        "comparisons": compare_engines(root / "duck.duckdb", spark_dir),
    }


def test_every_table_is_the_same_on_both_engines(engines):
    comparisons = engines["comparisons"]
    differing = {c.name: c.problems for c in comparisons if not c.equal}
    assert not differing
    names = {c.name for c in comparisons}
    for mart in ("fct_orders", "dim_customers", "fct_customer_rfm", "fct_customer_features"):
        assert f"marts.{mart}" in names


def test_the_comparison_saw_rejected_rows_and_customers(engines):
    rows = {c.name: c.rows_right for c in engines["comparisons"]}
    # Every fault kind is injected, so the rejects (and the file positions they
    # name) are compared too, not only clean rows.
    assert rows["audit.audit_rejected_rows"] >= 20
    assert rows["marts.fct_customer_features"] > 500


def test_keys_are_bigint_on_spark_and_unsigned_on_duckdb(engines):
    by_name = {c.name: c for c in engines["comparisons"]}
    assert by_name["marts.fct_orders"].type_differences["order_key"] == ("UINTEGER", "BIGINT")


def test_every_data_test_passed_on_spark(engines):
    summary = re.search(r"PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", engines["spark"].output)
    assert summary, engines["spark"].output[-2000:]
    _, _, errors, skipped = (int(group) for group in summary.groups())
    assert errors == 0 and skipped == 0
    # Every data test of DuckDB's daily build passed on Spark too (the Spark
    # run adds the SQL scoring's).
    passed = re.compile(r"\d+ of \d+ PASS (\S+)")
    on_duckdb = set(passed.findall(engines["duck"].output))
    on_spark = set(passed.findall(engines["spark"].output))
    assert len(on_duckdb) > 100
    assert on_duckdb <= on_spark, sorted(on_duckdb - on_spark)


def test_spark_scores_every_customer_as_python_does(engines):
    scores = engines["spark_dir"] / "tables" / "segments.db" / "fct_customer_segment_scores"
    with duckdb.connect(str(engines["root"] / "duck.duckdb"), read_only=True) as con:
        compared = con.execute(
            "select p.customer_unique_key, p.segment_id, s.segment_id, p.distance_to_center, "
            "s.distance_to_center, s.model_version = p.model_version "
            "from segments.customer_segments as p "
            f"full join read_parquet('{scores.as_posix()}/*.parquet') as s "
            "using (customer_unique_key)"
        ).fetchall()
    assert len(compared) > 500
    python_ids, spark_ids = [row[1] for row in compared], [row[2] for row in compared]
    assert python_ids == spark_ids
    assert all(row[5] for row in compared)
    spark_distances = [row[4] for row in compared]
    np.testing.assert_allclose(spark_distances, [row[3] for row in compared], rtol=1e-9)
    assert len(set(spark_ids)) == 5

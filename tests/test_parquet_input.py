"""The nine tables from Parquet files instead of the Kaggle CSVs
(OLIST_INPUT_FORMAT=parquet): the same warehouse, row for row, with the same
file positions in the rejects, and the same named errors for a missing file or
a wrong column."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from clustering.ops.compare import compare_warehouses
from clustering.ops.dbt import build_warehouse, run_dbt
from clustering.synth.parquet import write_parquet_copy

pytestmark = pytest.mark.slow

PARQUET = {"OLIST_INPUT_FORMAT": "parquet"}


@pytest.fixture(scope="module")
def parquet_build(faulty_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("parquet")
    data = write_parquet_copy(faulty_build.data, root / "data")
    warehouse = root / "warehouse.duckdb"
    build_warehouse(data, warehouse, env=PARQUET)
    return {"data": data, "warehouse": warehouse}


def test_parquet_input_builds_the_same_warehouse_as_csv(faulty_build, parquet_build):
    comparisons = compare_warehouses(faulty_build.warehouse, parquet_build["warehouse"])
    assert len(comparisons) > 20
    # A rejected value is the reader's text of it: -10.00 in a CSV is the double
    # -10.0 in a typed Parquet column; and the file is named as it is.
    problems = [problem for c in comparisons for problem in c.problems]
    assert all(problem.startswith(("reject_value:", "source_file:")) for problem in problems), (
        problems
    )
    with duckdb.connect() as con:
        con.execute(f"attach '{faulty_build.warehouse}' as from_csv (read_only)")
        con.execute(f"attach '{parquet_build['warehouse']}' as from_parquet (read_only)")
        normalized = {
            database: con.execute(
                "select replace(source_file, '.parquet', '.csv'), source_row_number, "
                "reject_column, reject_reason, "
                "coalesce(cast(try_cast(reject_value as double) as varchar), reject_value) "
                f"from {database}.audit.audit_rejected_rows order by all"
            ).fetchall()
            for database in ("from_csv", "from_parquet")
        }
        files = con.execute(
            "select distinct source_file from from_parquet.audit.audit_load_summary"
        ).fetchall()
    assert len(normalized["from_csv"]) >= 20
    assert normalized["from_csv"] == normalized["from_parquet"]
    assert sorted(name for (name,) in files)[0].endswith(".parquet") and len(files) == 9


def test_a_missing_parquet_file_and_a_wrong_column_are_named(parquet_build, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(parquet_build["data"], broken)
    (broken / "olist_sellers_dataset.parquet").unlink()
    items = (broken / "olist_order_items_dataset.parquet").as_posix()
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * rename (price as item_price) from read_parquet('{items}')) "
            f"to '{items}.tmp' (format parquet)"
        )
    shutil.move(f"{items}.tmp", items)
    result = run_dbt(
        ["build"], input_dir=broken, warehouse=tmp_path / "wh.duckdb", env=PARQUET, check=False
    )
    assert not result.ok
    (message,) = [line for line in result.output.splitlines() if "input check failed" in line]
    assert "missing file" in message and "olist_sellers_dataset.parquet" in message
    assert "wrong columns in" in message and "item_price" in message
    assert "nine Olist Parquet files" in message


def test_an_unknown_input_format_is_an_error(parquet_build, tmp_path):
    result = run_dbt(
        ["build"],
        input_dir=parquet_build["data"],
        warehouse=tmp_path / "wh.duckdb",
        env={"OLIST_INPUT_FORMAT": "xlsx"},
        check=False,
    )
    assert not result.ok
    assert "olist_input_format is 'xlsx'" in result.output

"""Structural problems stop the build before any model runs, with one message
that names the file and what was expected."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from clustering.ops.dbt import run_dbt
from tests.warehouse_support import query, read_records, write_records

pytestmark = pytest.mark.slow


@pytest.fixture
def broken_copy(tiny_dataset, tmp_path):
    target = tmp_path / "input dir with 'quotes' and spaces"
    shutil.copytree(tiny_dataset, target)
    return target


def _build(input_dir, tmp_path, **kwargs):
    return run_dbt(
        ["build"], input_dir=input_dir, warehouse=tmp_path / "wh.duckdb", check=False, **kwargs
    )


def test_every_structural_problem_is_named_in_one_message(broken_copy, tmp_path):
    """A missing file, a missing column and another delimiter, in three files:
    the check before any model runs names all three at once."""
    (broken_copy / "olist_sellers_dataset.csv").unlink()
    items = broken_copy / "olist_order_items_dataset.csv"
    header, records = read_records(items)
    index = header.index("freight_value")
    write_records(
        items, header[:index] + header[index + 1 :], [r[:index] + r[index + 1 :] for r in records]
    )
    customers = broken_copy / "olist_customers_dataset.csv"
    customers.write_text(customers.read_text(encoding="utf-8").replace(",", ";"), "utf-8")
    result = _build(broken_copy, tmp_path)
    assert not result.ok
    (message,) = [line for line in result.output.splitlines() if "input check failed" in line]
    problems = message.split(" | ")
    assert len(problems) == 3, message
    missing = next(p for p in problems if "missing file" in p)
    assert "olist_sellers_dataset.csv" in missing
    header_problem = next(p for p in problems if "olist_order_items_dataset.csv" in p)
    assert "wrong header in" in header_problem
    assert "shipping_limit_date,price,freight_value" in header_problem
    delimiter = next(p for p in problems if "olist_customers_dataset.csv" in p)
    assert "another delimiter" in delimiter


def test_a_hostile_as_of_date_is_an_error_not_sql(broken_copy, tmp_path):
    result = _build(
        broken_copy, tmp_path, vars={"as_of_date": "2018-01-01'; drop schema marts; --"}
    )
    assert not result.ok
    assert "as_of_date must be a date written YYYY-MM-DD" in result.output


def test_a_malformed_as_of_variable_stops_the_run_before_any_model(broken_copy, tmp_path):
    """OLIST_AS_OF_DATE is read when dbt runs, not while it parses: the check
    before the models still stops the run with the variable named."""
    result = _build(broken_copy, tmp_path, env={"OLIST_AS_OF_DATE": "30/06/2018"})
    assert not result.ok
    assert "OLIST_AS_OF_DATE must be a date written YYYY-MM-DD" in result.output
    assert "30/06/2018" in result.output
    assert query(tmp_path / "wh.duckdb", "select table_name from duckdb_tables()") == []


def test_an_impossible_as_of_date_is_an_error(broken_copy, tmp_path):
    result = _build(broken_copy, tmp_path, vars={"as_of_date": "2018-02-30"})
    assert not result.ok
    assert "2018-02-30" in result.output


def test_a_record_with_too_many_fields_names_file_and_line(broken_copy, tmp_path):
    path = broken_copy / "olist_sellers_dataset.csv"
    lines = path.read_text(encoding="utf-8").count("\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('"' + "a" * 31 + 'b",12345,extra city,SP,surplus\n')
    result = _build(broken_copy, tmp_path)
    assert not result.ok
    assert "olist_sellers_dataset.csv" in result.output
    assert f"Line: {lines + 1}" in result.output
    assert "Expected Number of Columns: 4 Found: 5" in result.output


def test_rows_that_once_failed_the_build_now_load(broken_copy, tmp_path):
    # A file holding only its header (a day without reviews yet) is 0 rows:
    # its summary once summed to null and failed the NOT NULL contract.
    reviews = broken_copy / "olist_order_reviews_dataset.csv"
    write_records(reviews, read_records(reviews)[0], [])
    # Lateness needs the promise: without a reject rule an order delivered
    # without a promised date reached the marts with a delivery but no
    # lateness, and the feature null-policy test failed.
    path = broken_copy / "olist_orders_dataset.csv"
    header, records = read_records(path)
    status = header.index("order_status")
    estimate = header.index("order_estimated_delivery_date")
    row = next(i for i, record in enumerate(records) if record[status] == "delivered")
    records[row][estimate] = ""
    write_records(path, header, records)
    result = _build(broken_copy, tmp_path)
    assert result.ok, result.output
    rejects = query(
        tmp_path / "wh.duckdb",
        "select source_row_number, reject_column, reject_reason from audit.audit_rejected_rows "
        "where source_file = 'olist_orders_dataset.csv'",
    )
    assert rejects == [(row + 1, "order_estimated_delivery_date", "missing_required_value")]
    summary = query(
        tmp_path / "wh.duckdb",
        "select raw_rows, staged_rows, rejected_rows, blank_rows from audit.audit_load_summary "
        "where source_file = 'olist_order_reviews_dataset.csv'",
    )
    assert summary == [(0, 0, 0, 0)]
    # The next day the source fixes the row: it is staged, and the day it was
    # rejected on keeps its reject (and its lines' orphans in the other files).
    ((first_day,),) = query(
        tmp_path / "wh.duckdb", "select as_of_date from intermediate.int_as_of_date"
    )
    rejected = "select source_file, source_row_number, reject_reason from audit.{} order by all"
    first_rejects = query(tmp_path / "wh.duckdb", rejected.format("audit_rejected_rows"))
    assert ("olist_orders_dataset.csv", row + 1, "missing_required_value") in first_rejects
    records[row][estimate] = records[row][header.index("order_purchase_timestamp")]
    write_records(path, header, records)
    next_day = first_day + timedelta(days=1)
    result = run_dbt(
        ["run"],
        input_dir=broken_copy,
        warehouse=tmp_path / "wh.duckdb",
        env={"OLIST_AS_OF_DATE": next_day.isoformat()},
    )
    assert result.ok, result.output
    assert query(tmp_path / "wh.duckdb", rejected.format("audit_rejected_rows")) == []
    assert query(
        tmp_path / "wh.duckdb",
        "select as_of_date, source_file, source_row_number, reject_reason "
        "from audit.audit_rejected_rows_history order by all",
    ) == [(first_day, *reject) for reject in first_rejects]

"""End to end: generated data -> the real `dbt build` -> a queryable warehouse."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest

from tests.warehouse_support import KEY_MAPS, MARTS, OLIST_FILES, query, read_records

pytestmark = pytest.mark.slow

PURCHASE_STATUSES = {"delivered", "shipped", "invoiced", "processing", "approved"}


def test_dbt_build_runs_every_model_and_test(clean_build):
    output = clean_build.result.output
    assert clean_build.result.ok
    assert "ERROR=0" in output and "WARN=0" in output
    # Every selected node passed, and the selection was the whole project.
    passed = int(output.split("PASS=")[-1].split()[0])
    total = int(output.split("TOTAL=")[-1].split()[0])
    assert passed == total > 150
    assert "unit_test fct_customer_rfm::rfm_scores_and_groups_follow_the_written_binning" in output


def test_every_mart_and_column_is_documented_in_the_warehouse(clean_build):
    tables = query(
        clean_build.warehouse,
        "select schema_name, table_name, comment from duckdb_tables() "
        "where schema_name in ('marts', 'audit')",
    )
    assert {name for schema, name, _ in tables if schema == "marts"} == set(MARTS)
    assert all(comment for _, _, comment in tables), tables
    undocumented = query(
        clean_build.warehouse,
        "select table_name, column_name from duckdb_columns() "
        "where schema_name in ('marts', 'audit') and (comment is null or comment = '')",
    )
    assert undocumented == []


def test_marts_carry_integer_keys_beside_hex_ids(clean_build):
    columns = dict(
        ((table, column), dtype)
        for table, column, dtype in query(
            clean_build.warehouse,
            "select table_name, column_name, data_type from duckdb_columns() "
            "where schema_name = 'marts'",
        )
    )
    for table, key, hex_id in [
        ("fct_orders", "order_key", "order_id"),
        ("fct_orders", "customer_unique_key", "customer_unique_id"),
        ("dim_customers", "customer_unique_key", "customer_unique_id"),
        ("fct_customer_rfm", "customer_unique_key", "customer_unique_id"),
        ("fct_customer_features", "customer_unique_key", "customer_unique_id"),
    ]:
        assert columns[(table, key)] == "UINTEGER"
        assert columns[(table, hex_id)] == "VARCHAR"


def test_key_maps_are_one_to_one_and_dense(clean_build):
    for table, (hex_column, key_column) in KEY_MAPS.items():
        rows, hexes, keys, low, high = query(
            clean_build.warehouse,
            f"select count(*), count(distinct {hex_column}), count(distinct {key_column}), "
            f"min({key_column}), max({key_column}) from intermediate.{table}",
        )[0]
        assert rows == hexes == keys == high and low == 1, table


def test_every_raw_row_is_staged_or_rejected(clean_build):
    summary = dict(
        (file, (raw, staged, rejected))
        for file, raw, staged, rejected in query(
            clean_build.warehouse,
            "select source_file, raw_rows, staged_rows, rejected_rows "
            "from audit.audit_load_summary",
        )
    )
    assert set(summary) == set(OLIST_FILES)
    for name in OLIST_FILES:
        raw, staged, rejected = summary[name]
        # Counted independently: by the generator and by Python's csv module.
        assert raw == clean_build.summary.rows[name]
        assert raw == len(read_records(clean_build.data / name)[1])
        assert (staged, rejected) == (raw, 0), name


def test_payments_reach_the_marts_without_loss_or_fan_out(clean_build):
    _, payments = read_records(clean_build.data / "olist_order_payments_dataset.csv")
    csv_total = sum(Decimal(record[4]) for record in payments)
    staged_total, mart_total, as_of_total = query(
        clean_build.warehouse,
        "select (select sum(payment_value_brl) from staging.stg_olist__order_payments), "
        "(select sum(payment_total_brl) from marts.fct_orders), "
        "(select sum(p.payment_value_brl) from staging.stg_olist__order_payments as p "
        " join staging.stg_olist__orders as o using (order_id), intermediate.int_as_of_date as d "
        " where o.purchased_at < d.cutoff_at)",
    )[0]
    assert staged_total == csv_total
    assert mart_total == as_of_total


def _purchases_by_person(data_dir):
    """Independent re-computation (csv module, no SQL) of purchases per person."""
    _, customers = read_records(data_dir / "olist_customers_dataset.csv")
    person_of = {record[0]: record[1] for record in customers}
    _, items = read_records(data_dir / "olist_order_items_dataset.csv")
    value = defaultdict(Decimal)
    for record in items:
        value[record[0]] += Decimal(record[5]) + Decimal(record[6])
    _, orders = read_records(data_dir / "olist_orders_dataset.csv")
    purchases = [
        (person_of[o[1]], datetime.fromisoformat(o[3]), value[o[0]])
        for o in orders
        if o[2] in PURCHASE_STATUSES and o[0] in value
    ]
    return purchases


def test_as_of_date_defaults_to_the_last_real_purchase(clean_build):
    purchases = _purchases_by_person(clean_build.data)
    expected = max(when for _, when, _ in purchases).date()
    (as_of,) = query(clean_build.warehouse, "select as_of_date from intermediate.int_as_of_date")[0]
    assert as_of == expected


def test_rfm_matches_an_independent_computation(clean_build):
    (as_of,) = query(clean_build.warehouse, "select as_of_date from intermediate.int_as_of_date")[0]
    per_person: dict[str, list] = defaultdict(list)
    for person, when, value in _purchases_by_person(clean_build.data):
        if when.date() <= as_of:
            per_person[person].append((when, value))
    rows = query(
        clean_build.warehouse,
        "select customer_unique_id, count_orders, total_spend_brl, days_since_last_order "
        "from marts.fct_customer_rfm",
    )
    assert len(rows) == len(per_person)
    for person, count_orders, spend, days in rows:
        orders = per_person[person]
        assert count_orders == len(orders)
        assert spend == sum(value for _, value in orders)
        assert days == (as_of - max(when for when, _ in orders).date()).days


def test_rfm_groups_and_scores_are_populated(clean_build):
    groups = dict(
        query(
            clean_build.warehouse,
            "select rfm_group, count(*) from marts.fct_customer_rfm group by 1",
        )
    )
    assert {"new", "hibernating", "promising"} <= set(groups)
    r_scores = dict(
        query(
            clean_build.warehouse, "select r_score, count(*) from marts.fct_customer_rfm group by 1"
        )
    )
    assert set(r_scores) == {1, 2, 3, 4, 5}


def test_an_analyst_query_in_plain_sql(clean_build):
    rows = query(
        clean_build.warehouse,
        "select d.customer_unique_id, f.rfm_group "
        "from marts.fct_customer_features as f "
        "join marts.dim_customers as d using (customer_unique_key) "
        "where d.customer_state = ? and f.days_since_last_order <= ?",
        ["SP", 90],
    )
    assert rows, "expected recent buyers in SP"


def test_distances_are_plausible(clean_build):
    median_km, located_share = query(
        clean_build.warehouse,
        "select median(distance_km), avg(case when has_distance then 1 else 0 end) "
        "from marts.fct_orders where count_item_lines > 0",
    )[0]
    assert 100 < median_km < 1500
    assert located_share > 0.95


def test_csv_module_reads_what_duckdb_reads(clean_build):
    # Review comments hold commas, quotes and line breaks: both readers agree
    # on the number of records, so no record was split or merged.
    path = clean_build.data / "olist_order_reviews_dataset.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        records = sum(1 for _ in csv.reader(handle)) - 1
    (staged,) = query(
        clean_build.warehouse, "select count(*) from staging.stg_olist__order_reviews"
    )[0]
    assert staged == records


def test_each_input_file_is_readable_by_name_as_it_was_read(clean_build):
    """The run's views over the input files (raw.<file>, the `olist` source
    in dbt) hold every record of each file, every field as the file has it."""
    for file_name in OLIST_FILES:
        name = file_name.removesuffix(".csv")
        header, records = read_records(clean_build.data / file_name)
        columns = [
            row[0]
            for row in query(
                clean_build.warehouse,
                "select column_name from duckdb_columns() "
                "where schema_name = 'raw' and table_name = ? order by column_index",
                [name],
            )
        ]
        assert columns == header, name
        # DuckDB reads an empty field as null.
        rows = [
            tuple("" if value is None else value for value in row)
            for row in query(clean_build.warehouse, f'select * from raw."{name}"')
        ]
        assert sorted(rows) == sorted(tuple(record) for record in records), name

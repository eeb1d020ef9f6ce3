"""Keys are stable: the same data in any row order gives the same keys and the
same marts; more data keeps every existing key, even with --full-refresh."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import duckdb
import pytest

from clustering.ops.dbt import build_warehouse, run_dbt
from tests.warehouse_support import (
    KEY_MAPS,
    MARTS,
    connect,
    query,
    read_records,
    rewrite_dataset,
    shuffled,
)

pytestmark = pytest.mark.slow

# Models without data tests. An explicit --exclude switches off the default
# selector (selectors.yml), so the segments layer, which needs the clustering
# job's tables, and the SQL scoring, which needs a model export, are excluded
# by hand.
WAREHOUSE_MODELS_ONLY = ["--exclude", "test_type:data", "source:segments+", "tag:sql_scoring"]


def _key_map(warehouse, table):
    hex_column, key_column = KEY_MAPS[table]
    return dict(query(warehouse, f"select {hex_column}, {key_column} from intermediate.{table}"))


def _tables_equal(left, right, schema, table):
    """Same rows in both warehouses. Doubles are compared to 1e-9: sums of
    floating-point numbers may differ in the last bit when rows arrive in
    another order."""
    with connect(left) as con:
        con.execute("attach ? as other (read_only)", [str(right)])
        columns = [
            f"round({name}, 9)" if dtype == "DOUBLE" else name
            for name, dtype in con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = current_database() and schema_name = ? and table_name = ? "
                "order by column_index",
                [schema, table],
            ).fetchall()
        ]
        select = ", ".join(columns)
        mine, theirs = f"{schema}.{table}", f"other.{schema}.{table}"
        only_left, only_right = con.execute(
            f"select (select count(*) from (select {select} from {mine} "
            f"except all select {select} from {theirs})), "
            f"(select count(*) from (select {select} from {theirs} "
            f"except all select {select} from {mine}))"
        ).fetchall()[0]
    return bool(columns) and only_left == 0 and only_right == 0


def test_row_order_changes_nothing(clean_build, tmp_path):
    shuffled_dir = tmp_path / "shuffled"
    rewrite_dataset(clean_build.data, shuffled_dir, shuffled(seed=3))
    warehouse = tmp_path / "shuffled.duckdb"
    build_warehouse(shuffled_dir, warehouse, extra_args=WAREHOUSE_MODELS_ONLY)
    for table in KEY_MAPS:
        assert _key_map(warehouse, table) == _key_map(clean_build.warehouse, table), table
    # Two builds of the same data (here even in another row order) give
    # identical marts, row for row.
    for mart in MARTS:
        assert _tables_equal(warehouse, clean_build.warehouse, "marts", mart), mart


def _dataset_before(source, target, cutoff):
    """Copy of the dataset with only the orders purchased before `cutoff` and
    the customer aliases, items, payments and reviews that belong to them."""
    _, orders = read_records(source / "olist_orders_dataset.csv")
    kept_orders = {r[0] for r in orders if r[3] < cutoff}
    kept_customers = {r[1] for r in orders if r[3] < cutoff}

    def transform(name, header, records):
        if name == "olist_orders_dataset.csv":
            return [r for r in records if r[0] in kept_orders]
        if name == "olist_customers_dataset.csv":
            return [r for r in records if r[0] in kept_customers]
        if "order_id" in header:
            column = header.index("order_id")
            return [r for r in records if r[column] in kept_orders]
        return records

    rewrite_dataset(source, target, transform)


@pytest.fixture(scope="module")
def early_build(clean_build, tmp_path_factory):
    """The orders before September 2017 (and what belongs to them), built once,
    models only: the growth and key-space tests each change their own copy."""
    root = tmp_path_factory.mktemp("early")
    data = root / "early"
    _dataset_before(clean_build.data, data, "2017-09-01")
    warehouse = root / "early.duckdb"
    build_warehouse(data, warehouse, extra_args=WAREHOUSE_MODELS_ONLY)
    return SimpleNamespace(data=data, warehouse=warehouse)


def _copy_of(early_build, folder):
    """A copy of the early warehouse under the same file name (dbt-duckdb
    names the database after the file, and its views name the database)."""
    warehouse = folder / early_build.warehouse.name
    shutil.copyfile(early_build.warehouse, warehouse)
    return warehouse


def test_growth_keeps_every_existing_key(clean_build, early_build, tmp_path):
    warehouse = _copy_of(early_build, tmp_path)
    fast = WAREHOUSE_MODELS_ONLY
    early_maps = {table: _key_map(warehouse, table) for table in KEY_MAPS}
    assert early_maps["int_order_id_keys"], "the early data must hold orders"

    build_warehouse(clean_build.data, warehouse, extra_args=fast)
    grown_maps = {table: _key_map(warehouse, table) for table in KEY_MAPS}
    for table in KEY_MAPS:
        early_map, grown = early_maps[table], grown_maps[table]
        assert {k: grown[k] for k in early_map} == early_map, table
        new_keys = [grown[k] for k in grown.keys() - early_map.keys()]
        if new_keys:
            assert min(new_keys) == max(early_map.values(), default=0) + 1, table
        assert sorted(grown.values()) == list(range(1, len(grown) + 1)), table

    build_warehouse(clean_build.data, warehouse, full_refresh=True, extra_args=fast)
    for table in KEY_MAPS:
        assert _key_map(warehouse, table) == grown_maps[table], f"{table} renumbered"


def test_running_out_of_32_bit_keys_fails_the_build(clean_build, early_build, tmp_path):
    warehouse = _copy_of(early_build, tmp_path)
    con = duckdb.connect(str(warehouse))
    try:
        # Pretend the map already holds 2^32 - 1 orders.
        con.execute(
            "update intermediate.int_order_id_keys set order_key = 4294967295 "
            "where order_key = (select max(order_key) from intermediate.int_order_id_keys)"
        )
    finally:
        con.close()
    result = run_dbt(
        ["build", "--select", "+int_order_id_keys", "--exclude", "test_type:data"],
        input_dir=clean_build.data,
        warehouse=warehouse,
        check=False,
    )
    assert not result.ok
    assert "unsigned 32-bit key space is exhausted" in result.output
    assert query(warehouse, "select max(order_key) from intermediate.int_order_id_keys") == [
        (4294967295,)
    ]

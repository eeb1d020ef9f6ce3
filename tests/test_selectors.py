"""The named selections (selectors.yml) do what the Makefile relies on: the
daily build leaves the monthly stability snapshots out, and the stability
selection builds and tests them over a daily warehouse."""

from __future__ import annotations

from clustering.ops.dbt import run_dbt
from tests.warehouse_support import query

SNAPSHOT_TABLES = {
    "intermediate.int_stability_cutoffs",
    "intermediate.int_orders_at_cutoffs",
    "intermediate.int_customer_rfm_at_cutoffs",
    "marts.fct_customer_features_at_cutoffs",
}


def _tables(warehouse) -> set[str]:
    return {
        f"{schema}.{table}"
        for schema, table in query(warehouse, "select schema_name, table_name from duckdb_tables()")
    }


def test_daily_leaves_the_snapshots_to_the_stability_selection(tiny_dataset, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run_dbt(["build", "--selector", "daily"], input_dir=tiny_dataset, warehouse=warehouse)
    daily = _tables(warehouse)
    assert "marts.fct_customer_features" in daily
    assert not daily & SNAPSHOT_TABLES

    result = run_dbt(
        ["build", "--selector", "stability"], input_dir=tiny_dataset, warehouse=warehouse
    )
    assert _tables(warehouse) >= SNAPSHOT_TABLES
    # Their data tests ran with them, the singular no-leakage tests included.
    assert "assert_nothing_after_each_cutoff" in result.output
    assert "assert_purchases_counted_before_each_cutoff" in result.output
    ((cutoffs, people),) = query(
        warehouse,
        "select count(distinct as_of_date), count(*) from marts.fct_customer_features_at_cutoffs",
    )
    assert cutoffs > 1 and people > 0

"""The dbt data tests are not decorative: damage a built warehouse the way a
bug would, and the matching test fails."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from clustering.ops.dbt import run_dbt

pytestmark = pytest.mark.slow


@pytest.fixture
def damaged(clean_build, tmp_path):
    warehouse = tmp_path / "damaged.duckdb"
    shutil.copy(clean_build.warehouse, warehouse)

    def damage(sql: str) -> None:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute(sql)
        finally:
            con.close()

    return warehouse, damage


def _test(clean_build, warehouse, selector):
    return run_dbt(
        ["test", "--select", selector],
        input_dir=clean_build.data,
        warehouse=warehouse,
        check=False,
    )


def test_fanned_out_payments_fail_the_money_reconciliation(clean_build, damaged):
    warehouse, damage = damaged
    damage(
        "update marts.fct_orders set payment_total_brl = payment_total_brl * 2 "
        "where order_key = "
        "(select min(order_key) from marts.fct_orders where payment_total_brl > 0)"
    )
    result = _test(clean_build, warehouse, "assert_money_preserved_to_marts")
    assert not result.ok and "FAIL 1" in result.output


def test_a_duplicated_order_fails_the_grain_test(clean_build, damaged):
    warehouse, damage = damaged
    damage("insert into marts.fct_orders select * from marts.fct_orders limit 1")
    result = _test(clean_build, warehouse, "fct_orders,test_name:unique")
    assert not result.ok and "FAIL" in result.output


def test_a_leaked_future_delivery_fails_the_cutoff_test(clean_build, damaged):
    warehouse, damage = damaged
    damage(
        "update marts.fct_orders set delivered_to_customer_at = timestamp '2030-01-01' "
        "where order_key = (select min(order_key) from marts.fct_orders where is_delivered)"
    )
    result = _test(clean_build, warehouse, "assert_nothing_after_cutoff_in_marts")
    assert not result.ok and "FAIL 1" in result.output


def test_a_lost_row_fails_the_raw_equals_staged_plus_rejected_test(clean_build, damaged):
    warehouse, damage = damaged
    damage(
        "delete from staging.base_olist__sellers "
        "where source_row_number = (select max(source_row_number) from staging.base_olist__sellers)"
    )
    result = _test(clean_build, warehouse, "assert_raw_rows_equal_staged_plus_rejected")
    assert not result.ok and "FAIL 1" in result.output


def test_a_key_given_to_two_ids_fails_the_key_map_test(clean_build, damaged):
    warehouse, damage = damaged
    damage(
        "update intermediate.int_seller_id_keys set seller_key = 1 "
        "where seller_key = (select max(seller_key) from intermediate.int_seller_id_keys)"
    )
    result = _test(clean_build, warehouse, "int_seller_id_keys")
    assert not result.ok and "one_to_one_key_map" in result.output

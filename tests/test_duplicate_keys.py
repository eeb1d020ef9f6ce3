"""Which copy of a repeated key is staged: the first good row by file
position holds the key, later good rows are duplicate_primary_key, and a
row that fails a row check holds nothing (the next good copy is staged).

The base models rank only the keys that more than one good row holds
(macros/loading/olist_base_model.sql); these cases pin the ranking down where
the generated faults do not reach: a bad first copy, three copies, a key
repeated far apart, a composite key."""

from __future__ import annotations

import shutil

import pytest

from clustering.ops.dbt import run_dbt
from tests.warehouse_support import query, read_records, write_records

pytestmark = pytest.mark.slow

NEW_SELLER = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def ranked(tiny_dataset, tmp_path_factory):
    root = tmp_path_factory.mktemp("duplicate-keys")
    data = root / "data"
    shutil.copytree(tiny_dataset, data)

    sellers = data / "olist_sellers_dataset.csv"
    header, records = read_records(sellers)
    first = records[0]
    appended = [
        [NEW_SELLER, "01001", "sao paulo", "ZZ"],  # unknown state: holds nothing
        [NEW_SELLER, "01001", "sao paulo", "SP"],  # first good copy: staged
        [NEW_SELLER, "01002", "sao paulo", "SP"],  # duplicate
        first,  # the file's first seller again, far from its first copy: duplicate
        first,  # and a third time: duplicate
    ]
    write_records(sellers, header, [*records, *appended])

    items = data / "olist_order_items_dataset.csv"
    items_header, item_records = read_records(items)
    write_records(items, items_header, [*item_records, item_records[0]])

    warehouse = root / "warehouse.duckdb"
    run_dbt(["seed"], input_dir=data, warehouse=warehouse)
    run_dbt(
        ["run", "--select", "base_olist__sellers", "base_olist__order_items"],
        input_dir=data,
        warehouse=warehouse,
    )
    return warehouse, len(records), len(item_records), first[0], item_records[0]


def _reasons(warehouse, table, first_row):
    return query(
        warehouse,
        f"select source_row_number, reject_reason, reject_column, reject_value "
        f"from staging.{table} where source_row_number >= ? order by source_row_number",
        [first_row],
    )


def test_a_bad_first_copy_holds_nothing_and_later_good_copies_are_duplicates(ranked):
    warehouse, count, _, first_seller, _ = ranked
    assert _reasons(warehouse, "base_olist__sellers", count + 1) == [
        (count + 1, "unknown_state", "seller_state", "ZZ"),
        (count + 2, None, None, None),
        (count + 3, "duplicate_primary_key", "seller_id", NEW_SELLER),
        (count + 4, "duplicate_primary_key", "seller_id", first_seller),
        (count + 5, "duplicate_primary_key", "seller_id", first_seller),
    ]
    # The key's first copy, at the top of the file, keeps it.
    assert _reasons(warehouse, "base_olist__sellers", 1)[0] == (1, None, None, None)


def test_a_repeated_composite_key_names_both_columns(ranked):
    warehouse, _, count, _, first_item = ranked
    order_id, order_item_id = first_item[0], first_item[1]
    assert _reasons(warehouse, "base_olist__order_items", count + 1) == [
        (
            count + 1,
            "duplicate_primary_key",
            "order_id,order_item_id",
            f"{order_id},{order_item_id}",
        ),
    ]
    assert _reasons(warehouse, "base_olist__order_items", 1)[0] == (1, None, None, None)

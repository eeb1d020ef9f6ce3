"""Smoke run of the re-keying benchmark (benchmarks/rekeying.py) on a tiny
dataset, without timing assertions: the seed notebook's method and the
project's SQL both number every id one-to-one and agree on which rows share
an id, so the benchmark compares two ways of doing the same work."""

from __future__ import annotations

import pandas as pd
import pytest

from clustering.ops.dbt import run_dbt
from tests.benchmark_support import load_benchmark

rekeying = load_benchmark("rekeying")


@pytest.fixture(scope="module")
def keyed(tiny_dataset, tmp_path_factory):
    """The seed method's tables and the SQL's rewritten tables for one dataset."""
    root = tmp_path_factory.mktemp("rekey")
    warehouse = root / "wh.duckdb"
    run_dbt(
        # Staging and the key maps (seeds included), without tests.
        [
            "build",
            "--select",
            "+path:models/staging",
            "+path:models/intermediate/keys",
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
        ],
        input_dir=tiny_dataset,
        warehouse=warehouse,
        work_dir=root / "dbt",
    )
    seed_tables = rekeying.read_tables(tiny_dataset)
    rekeying.seed_rekey(seed_tables)
    sql_tables: dict[str, pd.DataFrame] = {}
    maps, total = rekeying.sql_rekey(warehouse, root / "dbt" / "target" / "compiled", sql_tables)
    assert 0 < maps <= total
    return seed_tables, sql_tables


@pytest.mark.parametrize("table", sorted(rekeying.ID_COLUMNS))
def test_both_methods_number_every_id_one_to_one(keyed, table):
    seed_tables, sql_tables = keyed
    seed = seed_tables[table].reset_index(drop=True)
    # Staging numbers records from 1 in file order; pandas keeps file order.
    seed["source_row_number"] = seed.index + 1
    sql = sql_tables[table]
    assert len(sql) == len(seed)
    both = seed.merge(sql, on="source_row_number", suffixes=("_seed", "_sql"))
    assert len(both) == len(seed)
    for column in rekeying.ID_COLUMNS[table]:
        key = column.removesuffix("_id") + "_key"
        pairs = both[[column, key]].drop_duplicates()
        assert pairs[column].is_unique, f"{table}.{column}: one seed number, several keys"
        assert pairs[key].is_unique, f"{table}.{column}: one key, several seed numbers"
        assert both[key].notna().all()


def test_a_wrong_compiled_folder_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="six key maps"):
        rekeying.key_map_sql(tmp_path)


def test_the_power_law_recovers_its_exponent():
    orders = [1_000, 2_000, 4_000]
    law = rekeying.PowerLaw.fit(orders, [3e-7 * n**2 for n in orders])
    assert law.exponent == pytest.approx(2)
    assert law(99_441) == pytest.approx(3e-7 * 99_441**2)

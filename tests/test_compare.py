"""The table-by-table comparison behind the engine, Parquet and rebuild checks
reports each kind of difference, and nothing when the tables agree."""

from __future__ import annotations

from pathlib import Path

import duckdb

from clustering.ops.compare import compare_warehouses


def _warehouse(path: Path, tables: dict[str, list[tuple]]) -> Path:
    con = duckdb.connect(str(path))
    try:
        for name, rows in tables.items():
            schema = name.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {name} (id integer, name varchar, amount double)")
            con.executemany(f"insert into {name} values (?, ?, ?)", rows)
    finally:
        con.close()
    return path


def test_a_changed_value_a_lost_row_and_a_missing_table_are_each_reported(tmp_path):
    rows = [(1, "a", 1.0), (2, "b", 2.0)]
    left = _warehouse(
        tmp_path / "left.duckdb",
        {
            "staging.same": rows,
            # Stored in another order, and a double off in its last bits.
            "staging.reordered": [(2, "b", 2.0), (1, "a", 1.0 + 1e-15)],
            "staging.changed": rows,
            "staging.shorter": rows,
            "marts.only_left": rows,
        },
    )
    right = _warehouse(
        tmp_path / "right.duckdb",
        {
            "staging.same": rows,
            "staging.reordered": rows,
            "staging.changed": [(1, "a", 1.0), (2, "B", 2.0)],
            "staging.shorter": rows[:1],
        },
    )
    outcomes = {table.name: table for table in compare_warehouses(left, right)}
    assert outcomes["staging.same"].equal and outcomes["staging.reordered"].equal
    assert outcomes["staging.changed"].problems == (
        "name: 1 row(s) differ, first at sorted row 1: left 'b', right 'B'",
    )
    assert outcomes["staging.shorter"].problems == ("row counts differ: left 2, right 1",)
    assert outcomes["marts.only_left"].problems == ("missing on right",)
    left_out = compare_warehouses(left, right, leave_out=frozenset({"marts.only_left"}))
    assert "marts.only_left" not in {table.name for table in left_out}

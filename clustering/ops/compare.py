"""Compare two builds: what the two engines built (the DuckDB warehouse file
against the tables a local Spark, `dbt build --target spark`, wrote), and the
integer key maps of two versions of one warehouse (the daily refresh refuses
a day that would renumber a key).

The Spark side is read from its Parquet files with DuckDB, not through Spark:
an independent reader, and no second JVM. The session profile keeps every
table at <OLIST_SPARK_DIR>/tables/<schema>.db/<table>/ (Spark's layout for a
managed table under spark.sql.warehouse.dir).

Equal means: the same columns in the same order, the same number of rows,
and, after sorting both sides on every column, the same values; doubles may
differ in the last bits (Spark and DuckDB add up averages in another order),
so they are compared with a relative tolerance. Types are reported, not
compared: keys are UINTEGER on DuckDB and BIGINT on Spark by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from clustering.errors import WarehouseError
from clustering.storage.connection import CATALOG, connect

# The schemas dbt builds tables in on both engines (views are not compared:
# every view feeds a table that is).
COMPARED_SCHEMAS: tuple[str, ...] = ("staging", "intermediate", "marts", "audit", "reference")
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TableComparison:
    """The outcome for one table; `problems` is empty when the engines agree."""

    schema: str
    table: str
    rows_left: int  # DuckDB in compare_engines
    rows_right: int  # Spark in compare_engines
    type_differences: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def equal(self) -> bool:
        return not self.problems


def spark_table_dirs(
    spark_dir: Path, schemas: tuple[str, ...] = COMPARED_SCHEMAS
) -> dict[tuple[str, str], Path]:
    """(schema, table) -> folder of its Parquet files, for `schemas`."""
    tables_root = Path(spark_dir) / "tables"
    if not tables_root.is_dir():
        raise WarehouseError(
            f"no Spark tables under {tables_root}; run `dbt build --target spark` with "
            f"OLIST_SPARK_DIR={spark_dir} first"
        )
    found = {}
    for schema in schemas:
        for folder in sorted((tables_root / f"{schema}.db").glob("*")):
            if folder.is_dir():
                found[(schema, folder.name)] = folder
    return found


def warehouse_tables(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]
) -> set[tuple[str, str]]:
    """(schema, table) of the base tables of `schemas` in the connection's current database."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_catalog = current_database() "
        "and table_schema in "
        f"({', '.join('?' for _ in schemas)})",
        list(schemas),
    ).fetchall()
    return {(schema, table) for schema, table in rows}


def _column_types(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    rows = con.execute(f"describe select * from {relation}").fetchall()
    return [(row[0], row[1]) for row in rows]


def _sorted_frame(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]
) -> pd.DataFrame:
    frame = con.execute(f"select * from {relation}").df()
    # Exact columns first, so a last-bit difference in a double cannot reorder rows.
    exact = [c for c in columns if not pd.api.types.is_float_dtype(frame[c])]
    inexact = [c for c in columns if c not in exact]
    return frame.sort_values(exact + inexact, na_position="first", kind="stable").reset_index(
        drop=True
    )


def _differences(
    left_frame: pd.DataFrame, right_frame: pd.DataFrame, columns: list[str], names: tuple[str, str]
) -> list[str]:
    problems = []
    for column in columns:
        left, right = left_frame[column], right_frame[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            a = left.to_numpy(dtype=float, na_value=np.nan)
            b = right.to_numpy(dtype=float, na_value=np.nan)
            same = np.isclose(a, b, rtol=RELATIVE_TOLERANCE, atol=0.0, equal_nan=True)
        else:
            # Text form: a UINTEGER and a BIGINT key, or two timestamps, are
            # equal when they print the same.
            a = left.astype("string").fillna("<null>")
            b = right.astype("string").fillna("<null>")
            same = (a == b).to_numpy()
        if not same.all():
            first = int(np.argmin(same))
            problems.append(
                f"{column}: {int((~same).sum())} row(s) differ, first at sorted row {first}: "
                f"{names[0]} {left.iloc[first]!r}, {names[1]} {right.iloc[first]!r}"
            )
    return problems


def compare_relations(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    relations: tuple[str, str],
    names: tuple[str, str] = ("duckdb", "spark"),
) -> TableComparison:
    """One table as two relations readable by `con`, compared."""
    types_left, types_right = (_column_types(con, relation) for relation in relations)
    columns_left = [name for name, _ in types_left]
    columns_right = [name for name, _ in types_right]
    types = {
        name: (left, right)
        for (name, left), (_, right) in zip(types_left, types_right, strict=False)
        if left != right
    }
    if columns_left != columns_right:
        problem = f"columns differ: {names[0]} {columns_left}, {names[1]} {columns_right}"
        return TableComparison(schema, table, 0, 0, types, (problem,))
    left, right = (_sorted_frame(con, relation, columns_left) for relation in relations)
    if len(left) != len(right):
        problems = [f"row counts differ: {names[0]} {len(left)}, {names[1]} {len(right)}"]
    else:
        problems = _differences(left, right, columns_left, names)
    return TableComparison(schema, table, len(left), len(right), types, tuple(problems))


def _missing(schema: str, table: str, where: str) -> TableComparison:
    return TableComparison(schema, table, 0, 0, problems=(f"missing on {where}",))


def compare_engines(
    warehouse: Path, spark_dir: Path, schemas: tuple[str, ...] = COMPARED_SCHEMAS
) -> list[TableComparison]:
    """Every table of `schemas` (by default all that dbt builds tables in), on
    both engines, compared."""
    spark_tables = spark_table_dirs(spark_dir, schemas)
    outcomes = []
    with connect(warehouse) as con:
        duck_tables = warehouse_tables(con, schemas)
        for schema, table in sorted(duck_tables | set(spark_tables)):
            if (schema, table) not in spark_tables or (schema, table) not in duck_tables:
                where = "spark" if (schema, table) not in spark_tables else "duckdb"
                outcomes.append(_missing(schema, table, where))
                continue
            folder = spark_tables[(schema, table)].as_posix().replace("'", "''")
            relations = (f'"{schema}"."{table}"', f"read_parquet('{folder}/*.parquet')")
            outcomes.append(compare_relations(con, schema, table, relations))
    return outcomes


def compare_warehouses(
    left: Path,
    right: Path,
    schemas: tuple[str, ...] = COMPARED_SCHEMAS,
    leave_out: frozenset[str] = frozenset(),
) -> list[TableComparison]:
    """Every table of `schemas` in two DuckDB warehouse files, compared (the
    same data read from CSV and from Parquet, for example), but those named
    `schema.table` in `leave_out`."""
    names = ("left", "right")
    outcomes = []
    with connect(left) as con:
        if not Path(right).is_file():
            raise WarehouseError(f"warehouse file {right} not found")
        con.execute("attach ? as other (read_only)", [str(right)])
        left_tables = warehouse_tables(con, schemas)
        con.execute("use other")
        right_tables = warehouse_tables(con, schemas)
        for schema, table in sorted(left_tables | right_tables):
            if f"{schema}.{table}" in leave_out:
                continue
            if (schema, table) not in left_tables or (schema, table) not in right_tables:
                where = "left" if (schema, table) not in left_tables else "right"
                outcomes.append(_missing(schema, table, where))
                continue
            relations = (f'warehouse."{schema}"."{table}"', f'other."{schema}"."{table}"')
            outcomes.append(compare_relations(con, schema, table, relations, names))
    return outcomes


# The persistent key maps (models/intermediate/keys): table -> (id, key) columns.
KEY_MAPS: dict[str, tuple[str, str]] = {
    "int_customer_id_keys": ("customer_id", "customer_key"),
    "int_customer_unique_id_keys": ("customer_unique_id", "customer_unique_key"),
    "int_order_id_keys": ("order_id", "order_key"),
    "int_product_id_keys": ("product_id", "product_key"),
    "int_review_id_keys": ("review_id", "review_key"),
    "int_seller_id_keys": ("seller_id", "seller_key"),
}


def changed_keys(warehouse: Path, reference: Path) -> dict[str, int]:
    """Per key map: ids of `reference` that `warehouse` lost or numbers otherwise.

    Every count is 0 when the keys stayed stable from one version to the next."""
    counts: dict[str, int] = {}
    with connect(warehouse) as con:
        con.execute("attach ? as reference (read_only)", [str(reference)])
        for table, (id_column, key_column) in KEY_MAPS.items():
            ((changed,),) = con.execute(
                f"""
                select count(*)
                from reference.intermediate.{table} as before
                left join {CATALOG}.intermediate.{table} as after
                    on before.{id_column} = after.{id_column}
                where after.{key_column} is distinct from before.{key_column}
                """
            ).fetchall()
            counts[table] = int(changed)
    return counts

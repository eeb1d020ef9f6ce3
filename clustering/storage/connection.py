"""The warehouse connection: the one place that opens the DuckDB file.

Reads open the file read-only; writes happen in one transaction each. Values
are bound as parameters; identifiers (schemas, tables, columns) come only from
the package's fixed lists, never from user input. A job opens one connection
and hands it down; the readers also accept a path for a one-off read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from clustering.errors import WarehouseError

Connection = duckdb.DuckDBPyConnection

# Name the warehouse file is attached under, whatever the file is called.
CATALOG = "warehouse"


@contextmanager
def connect(warehouse: Path, *, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """An open connection to the warehouse file, closed on exit."""
    path = Path(warehouse)
    if not path.is_file():
        raise WarehouseError(
            f"warehouse file {path} not found; run `dbt build` first (or `make run`)"
        )
    # DuckDB names a database after its file, so a warehouse saved as
    # segments.duckdb or marts.duckdb would make `segments.x` ambiguous
    # between that catalog and the schema. Attaching it under a fixed alias
    # keeps every schema-qualified name meaning the schema, whatever the file.
    con = duckdb.connect()
    try:
        con.execute(
            f"attach ? as {CATALOG} ({'read_only' if read_only else 'read_write'})", [str(path)]
        )
        con.execute(f"use {CATALOG}")
    except (duckdb.IOException, duckdb.BinderException) as error:
        con.close()
        if "lock" in str(error).lower():
            # DuckDB lets one process write a file, and none while others read it.
            raise WarehouseError(
                f"cannot open {path}{' read-only' if read_only else ''}: another process holds "
                f"it ({error}). A job that writes in place waits for readers to close it: stop "
                "the marketing app (`clustering app`) or the SQL client that has it open, or use "
                "`clustering refresh` / `clustering segments`, which publish a new version "
                "beside it while readers keep the old one"
            ) from error
        raise WarehouseError(
            f"cannot open {path}{' read-only' if read_only else ''}: {error}; check "
            "that it is a warehouse built by `dbt build` and no other process is writing it"
        ) from error
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether schema.table (a table or a view) exists in the warehouse."""
    return bool(table_columns(con, schema, table))


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of schema.table ({} when it does not exist)."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [CATALOG, schema, table],
    ).fetchall()
    return dict(rows)


def read_sql(warehouse: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    """A read-only query written in this package (never user SQL)."""
    with connect(warehouse) as con:
        return con.execute(sql, params or []).df()


@contextmanager
def opened(source: Path | Connection, *, read_only: bool = True) -> Iterator[Connection]:
    """`source` itself when it is an open connection (left open), else a new
    connection to the file (closed on exit)."""
    if isinstance(source, Connection):
        yield source
        return
    with connect(source, read_only=read_only) as con:
        yield con


def checkpoint(warehouse: Path) -> None:
    """Fold the write-ahead log into the warehouse file, then check that the
    file opens read-only (what readers of a published version do)."""
    with connect(warehouse, read_only=False) as con:
        con.execute(f"checkpoint {CATALOG}")
    with connect(warehouse):
        pass

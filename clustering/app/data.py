"""What the app reads: the published warehouse, read-only, one version at a time.

The daily refresh never writes the published file: it builds the next version
beside it and renames it over (clustering.ops.publishing). A DuckDB
connection that attached the old file keeps reading the old inode, so:

- a `Snapshot` is one published version, attached read-only, with the
  campaign view (segments.dim_customer_segments) copied into memory once:
  the builder's counts then scan one in-memory table instead of re-running
  the view's five joins for every slider move;
- `PublishedWarehouse.current()` compares the file's identity (inode, size,
  modification time) with the snapshot's on every request and opens the new
  version when the path now names another file. Requests already running
  finish on the old one; nothing is ever written to either.

While a new version loads, other requests keep the old one; if the file
cannot be opened (a job writing it in place), the old version stays and the
app says so.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from clustering.errors import AppError

T = TypeVar("T")

LOG = logging.getLogger("clustering.app")

CATALOG = "warehouse"
# The in-memory copy of the campaign view (catalog memory, schema main).
AUDIENCE_TABLE = "memory.main.audience"


@dataclass(frozen=True)
class FileIdentity:
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(stat.st_ino, stat.st_size, stat.st_mtime_ns)


class Snapshot:
    """One published version of the warehouse, open read-only for the app's life
    of it. Thread-safe: every query runs on its own cursor."""

    def __init__(self, path: Path, identity: FileIdentity) -> None:
        self.path = path
        self.identity = identity
        self._con = duckdb.connect()
        self._cache: dict[object, object] = {}
        self._lock = threading.Lock()
        try:
            self._load(path)
        except duckdb.Error as error:
            self._con.close()
            # The details go to the log; people see what it means for them.
            LOG.warning("cannot load %s read-only: %s", path, error)
            raise AppError(
                "the warehouse cannot be read right now (a job may be writing it in place); "
                "the app tries again on the next page"
            ) from error

    def _load(self, path: Path) -> None:
        self._con.execute(f"attach ? as {CATALOG} (read_only)", [str(path)])
        rows = self._con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where database_name = ? "
            "union all select schema_name || '.' || view_name from duckdb_views() "
            "where database_name = ?",
            [CATALOG, CATALOG],
        ).fetchall()
        self.relations = frozenset(name for (name,) in rows)
        self.has_audience = "segments.dim_customer_segments" in self.relations
        if self.has_audience:
            with self._cursor() as cursor:
                cursor.execute(
                    f"create table {AUDIENCE_TABLE} as select * from segments.dim_customer_segments"
                )

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own (one per thread's query), on the warehouse, closed after."""
        cursor = self._con.cursor()
        try:
            cursor.execute(f"use {CATALOG}")
            yield cursor
        finally:
            cursor.close()

    def has(self, relation: str) -> bool:
        """Whether schema.name exists in this version."""
        return relation in self.relations

    def query(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """A query of this package's own text, values bound as parameters."""
        with self._cursor() as cursor:
            return cursor.execute(sql, params or []).df()

    def rows(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with self._cursor() as cursor:
            return cursor.execute(sql, params or []).fetchall()

    def arrow(self, sql: str, params: list[object] | None = None) -> pa.Table:
        """The rows as an Arrow table (for file downloads: no pandas copy)."""
        with self._cursor() as cursor:
            return cursor.sql(sql, params=params or []).to_arrow_table()

    def cached(self, key: object, compute: Callable[[], T]) -> T:
        """compute() once per version: a published version never changes."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._cache.setdefault(key, value)
            return self._cache[key]  # type: ignore[return-value]


class PublishedWarehouse:
    """The warehouse path the app serves, and the snapshot of its current version."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._snapshot: Snapshot | None = None
        self._loading = threading.Lock()
        self.notice: str | None = None  # why an older version is still shown

    def current(self) -> Snapshot:
        identity = FileIdentity.of(self.path)
        snapshot = self._snapshot
        if snapshot is not None and (identity is None or identity == snapshot.identity):
            return snapshot
        if identity is None:
            raise AppError(
                f"no warehouse at {self.path} yet: the data team builds it with `make run` (or "
                "`clustering refresh`); or start the app with --warehouse naming the published file"
            )
        # One request loads the new version; the others keep the old one meanwhile
        # (or wait for the first version when there is none yet).
        if not self._loading.acquire(blocking=snapshot is None):
            return snapshot  # type: ignore[return-value]
        try:
            if self._snapshot is not None and self._snapshot.identity == identity:
                return self._snapshot
            try:
                fresh = Snapshot(self.path, identity)
            except AppError as error:
                if self._snapshot is None:
                    raise
                self.notice = str(error)
                return self._snapshot
            self._snapshot, self.notice = fresh, None
            return fresh
        finally:
            self._loading.release()

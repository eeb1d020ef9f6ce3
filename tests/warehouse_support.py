"""Helpers shared by the warehouse tests: build, query and rewrite datasets."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from clustering.ops.compare import KEY_MAPS as WAREHOUSE_KEY_MAPS
from clustering.synth.tables import FILES

# The nine Kaggle file names, from the one place that defines the layout.
OLIST_FILES = FILES

MARTS = (
    "dim_customers",
    "fct_orders",
    "fct_customer_rfm",
    "fct_customer_features",
    "fct_customer_features_at_cutoffs",
    "fct_customer_purchase_summary",
    "fct_customer_purchase_summary_at_cutoffs",
    "fct_customer_purchases_after_cutoffs",
    "fct_customer_purchase_summary_before_monitor_window",
)
# The key maps (table -> hex id column, key column), as the package knows them.
KEY_MAPS = WAREHOUSE_KEY_MAPS


@contextmanager
def connect(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with connect(warehouse) as con:
        return con.execute(sql, params or []).fetchall()


def read_records(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and records of a CSV file, parsed by Python's csv module (an
    implementation independent of DuckDB's reader)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def write_records(path: Path, header: list[str], records: list[list[str]]) -> None:
    """Write a CSV the way the Kaggle files are quoted: header quoted, values
    quoted when they start with a digit or need it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(f'"{name}"' for name in header) + "\n")
        writer = csv.writer(handle, lineterminator="\n")
        for record in records:
            writer.writerow(record)


def rewrite_dataset(
    source: Path,
    target: Path,
    transform: Callable[[str, list[str], list[list[str]]], list[list[str]]],
) -> None:
    """Copy the nine files from source to target, passing each file's records
    through transform(file_name, header, records)."""
    for name in OLIST_FILES:
        header, records = read_records(source / name)
        write_records(target / name, header, transform(name, header, records))


def shuffled(seed: int) -> Callable[[str, list[str], list[list[str]]], list[list[str]]]:
    def transform(name: str, header: list[str], records: list[list[str]]) -> list[list[str]]:
        out = list(records)
        random.Random(f"{seed}-{name}").shuffle(out)
        return out

    return transform

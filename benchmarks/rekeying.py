"""Re-keying the 32-hex ids: the seed notebook's method against the project's SQL.

Seed method (the baseline, not product code): pandas reads the CSV files; for
each id type a dict {hex id: integer} numbers the ids in order of appearance,
and `Series.replace(dict)` rewrites every column holding that id, table by
table in file order. Its cost grows with ids times rows, so it is timed on
small scales where it finishes in seconds and a power law in the number of
orders extrapolates it to the real data's size (the notebook published
2,693 s there).

Project method: the compiled SQL of the six key-map models (their first-build
form, from a fresh `dbt build`) plus the same rewrite of every id column to
its key by joins, on the built warehouse's staging tables, in one DuckDB
connection with the build's two threads.

    .venv/bin/python benchmarks/rekeying.py --seed-scales 0.01 0.02 0.04
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# Id columns of each Kaggle file, in file order: what the notebook replaced.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "olist_customers_dataset": ("customer_id", "customer_unique_id"),
    "olist_orders_dataset": ("order_id", "customer_id"),
    "olist_order_items_dataset": ("order_id", "product_id", "seller_id"),
    "olist_order_payments_dataset": ("order_id",),
    "olist_order_reviews_dataset": ("review_id", "order_id"),
    "olist_products_dataset": ("product_id",),
    "olist_sellers_dataset": ("seller_id",),
}
ID_TYPES = ("customer_id", "customer_unique_id", "order_id", "product_id", "seller_id", "review_id")
# Staging model of each file, for the SQL side.
STAGING = {
    name: "stg_olist__" + name.removeprefix("olist_").removesuffix("_dataset")
    for name in ID_COLUMNS
}
# The real data's size (olist_orders_dataset.csv rows), where the notebook measured.
REAL_ORDERS = 99_441
SEED_PUBLISHED_SECONDS = 2_693.0


def read_tables(input_dir: Path) -> dict[str, pd.DataFrame]:
    """The seven files holding ids, as text, the way the notebook read them."""
    return {
        name: pd.read_csv(input_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ID_COLUMNS
    }


def seed_rekey(tables: dict[str, pd.DataFrame]) -> float:
    """The notebook's re-keying, in place: seconds spent (reading not counted)."""
    started = time.perf_counter()
    for id_type in ID_TYPES:
        holders = [(name, id_type) for name, columns in ID_COLUMNS.items() if id_type in columns]
        seen = pd.unique(pd.concat([tables[name][column] for name, column in holders]))
        mapping = {hex_id: number for number, hex_id in enumerate(seen)}
        for name, column in holders:
            tables[name][column] = tables[name][column].replace(mapping)
    return time.perf_counter() - started


@dataclass(frozen=True)
class PowerLaw:
    """seconds = coefficient * orders ** exponent, fitted in log-log space."""

    coefficient: float
    exponent: float

    @classmethod
    def fit(cls, orders: list[int], seconds: list[float]) -> PowerLaw:
        exponent, intercept = np.polyfit(np.log(orders), np.log(seconds), 1)
        return cls(math.exp(intercept), float(exponent))

    def __call__(self, orders: float) -> float:
        return self.coefficient * orders**self.exponent


def key_map_sql(compiled_dir: Path) -> dict[str, str]:
    """Compiled SQL of the six key maps from a fresh build's target/compiled."""
    folder = compiled_dir / "olist_segments" / "models" / "intermediate" / "keys"
    sqls = {path.stem: path.read_text() for path in sorted(folder.glob("int_*_id_keys.sql"))}
    if len(sqls) != len(ID_TYPES) or any("existing" in sql for sql in sqls.values()):
        raise SystemExit(
            f"{folder}: expected the six key maps compiled by a first build into a fresh "
            "warehouse; run the benchmark's dbt build first"
        )
    return sqls


def sql_rekey(
    warehouse: Path, compiled_dir: Path, keep: dict[str, pd.DataFrame] | None = None
) -> tuple[float, float]:
    """Seconds to build the six key maps, and to build them and rewrite every
    id column of the seven tables to keys, on the built warehouse. With
    `keep`, the rewritten tables are put in it (for checking, after timing)."""
    sqls = key_map_sql(compiled_dir)
    # Results go to an in-memory database; the warehouse is attached read-only
    # under its file's name, the catalog the compiled SQL refers to.
    catalog = warehouse.stem.replace('"', '""')
    con = duckdb.connect()
    try:
        con.execute("set threads = 2")
        con.execute(f'attach ? as "{catalog}" (read_only)', [str(warehouse)])
        started = time.perf_counter()
        for model, sql in sqls.items():
            con.execute(f"create table {model} as {sql}")
        maps_seconds = time.perf_counter() - started
        for name, columns in ID_COLUMNS.items():
            joins, selects = [], []
            for index, column in enumerate(columns):
                key = column.removesuffix("_id") + "_key"
                joins.append(
                    f"left join int_{column}_keys as k{index} on t.{column} = k{index}.{column}"
                )
                selects.append(f"k{index}.{key}")
            con.execute(
                f"create table {name} as select {', '.join(selects)}, "
                f"t.* exclude ({', '.join(columns)}) "
                f'from "{catalog}".staging.{STAGING[name]} as t ' + " ".join(joins)
            )
        total_seconds = time.perf_counter() - started
        if keep is not None:
            for name in ID_COLUMNS:
                keep[name] = con.execute(f"select * from {name}").df()
    finally:
        con.close()
    return maps_seconds, total_seconds


def main() -> None:
    from clustering.synth import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-scales", type=float, nargs="+", default=[0.01, 0.02, 0.04])
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work/rekeying"))
    args = parser.parse_args()
    orders, seconds = [], []
    for scale in args.seed_scales:
        data = args.work / f"data-{scale:g}"
        if not (data / "olist_orders_dataset.csv").is_file():
            generate(data, scale=scale, seed=42)
        tables = read_tables(data)
        count = len(tables["olist_orders_dataset"])
        took = seed_rekey(tables)
        orders.append(count)
        seconds.append(took)
        print(f"seed method, scale {scale:g} ({count:,} orders): {took:.2f} s", flush=True)
    law = PowerLaw.fit(orders, seconds)
    print(
        f"fitted seconds = {law.coefficient:.3g} * orders^{law.exponent:.2f}; "
        f"at {REAL_ORDERS:,} orders {law(REAL_ORDERS):,.0f} s "
        f"(published {SEED_PUBLISHED_SECONDS:,.0f} s)"
    )


if __name__ == "__main__":
    main()

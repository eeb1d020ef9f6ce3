"""The same dbt project on local Spark against DuckDB, at scales 1 and 10;
writes benchmarks/SPARK.md.

For each scale, from the complete generated dataset (benchmarks/work/data-<s>,
generated when missing), in one run so the ratio holds on a noisy machine:

1. DuckDB: `dbt build --selector daily` into an empty warehouse (every model
   and data test), the baseline;
2. Spark: `dbt build --target spark --selector daily` into an empty local
   Spark (dbt-spark `session` method: Spark in the dbt process, local[*],
   Parquet tables, Derby metastore), the same models and tests;
3. Spark start-up alone: `dbt debug --target spark`, which starts Spark and
   runs one query, the fixed cost every Spark invocation pays;
4. both results compared table by table (clustering.ops.compare), so the times
   are for the same output;
5. at the first scale only, the same files as Parquet (OLIST_INPUT_FORMAT=
   parquet) through Spark's staging models, compared with DuckDB's staging
   tables from the CSVs: the Parquet reading path on Spark, which the test
   suite leaves out to stay under a quarter of an hour.

Peak memory is the largest sum of resident memory over the process tree,
sampled every 0.2 s: Spark runs in a JVM that the dbt process starts but does
not reap, so the kernel's per-child peak would miss it.

    python benchmarks/spark.py [--scales 1 10] [--report benchmarks/SPARK.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import duckdb  # noqa: E402
from refresh import _complete  # noqa: E402
from warehouse_build import machine, versions  # noqa: E402

from clustering.ops.compare import compare_engines  # noqa: E402
from clustering.ops.dbt import dbt_executable, run_dbt  # noqa: E402
from clustering.synth.parquet import write_parquet_copy  # noqa: E402

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") / 1024


@dataclass(frozen=True)
class TreeMeasure:
    seconds: float
    peak_mib: float


def _tree_rss_kib(root: int) -> float:
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KIB
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


def measure_tree(command: list[str], env: dict[str, str]) -> TreeMeasure:
    """Wall time and peak resident memory of a command and everything it starts."""
    with tempfile.TemporaryFile(mode="w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            output.seek(0)
            raise SystemExit(f"benchmark step failed: {' '.join(command)}\n{output.read()[-3000:]}")
    return TreeMeasure(seconds, peak / 1024)


def _dbt(*args: str) -> list[str]:
    return [dbt_executable(), *args, "--project-dir", str(REPO), "--profiles-dir", str(REPO)]


def measure_scale(scale: float, work: Path, parquet_check: bool) -> dict[str, object]:
    data = _complete(scale, work)
    root = work / f"spark-{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    warehouse = root / "olist.duckdb"
    spark_dir = root / "spark"
    env = {
        "OLIST_INPUT_DIR": str(data),
        "OLIST_WAREHOUSE": str(warehouse),
        "OLIST_TEMP_DIR": str(root / "spill"),
        "OLIST_SPARK_DIR": str(spark_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    paths = ("--target-path", str(root / "target"), "--log-path", str(root / "logs"))
    run_dbt(["parse"], input_dir=data, warehouse=warehouse)  # parse outside the timing
    duck = measure_tree(_dbt("build", "--selector", "daily", *paths), env)
    spark = measure_tree(_dbt("build", "--target", "spark", "--selector", "daily", *paths), env)
    # `dbt debug` opens a connection: Spark starts and runs one query.
    start_up = measure_tree(_dbt("debug", "--target", "spark"), env)
    started = time.perf_counter()
    comparisons = compare_engines(warehouse, spark_dir)
    compare_seconds = time.perf_counter() - started
    parquet = None
    if parquet_check:
        parquet_dir = root / "spark-parquet"
        staging_only = ["--select", "+staging", "--exclude", "resource_type:test"]
        parquet_env = {
            **env,
            "OLIST_INPUT_DIR": str(write_parquet_copy(data, root / "parquet")),
            "OLIST_INPUT_FORMAT": "parquet",
            "OLIST_SPARK_DIR": str(parquet_dir),
        }
        measure_tree(_dbt("build", "--target", "spark", *staging_only, *paths), parquet_env)
        parquet = compare_engines(warehouse, parquet_dir, schemas=("staging",))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        orders = con.execute("select count(*) from marts.fct_orders").fetchall()[0][0]
        raw_rows = con.execute("select sum(raw_rows) from audit.audit_load_summary").fetchall()
    return {
        "scale": scale,
        "orders": orders,
        "raw_rows": raw_rows[0][0],
        "duck": duck,
        "spark": spark,
        "start_up": start_up,
        "tables": len(comparisons),
        "differing": [c.name for c in comparisons if not c.equal],
        "compare_seconds": compare_seconds,
        "parquet_tables": None if parquet is None else len(parquet),
        "parquet_differing": None if parquet is None else [c.name for c in parquet if not c.equal],
    }


def _per_million(rows: list[dict[str, object]], engine: str) -> tuple[float, float]:
    """Fixed seconds and seconds per million orders, from the two scales."""
    (small, large) = rows[0], rows[-1]
    slope = (large[engine].seconds - small[engine].seconds) / (
        (large["orders"] - small["orders"]) / 1e6
    )
    return small[engine].seconds - slope * small["orders"] / 1e6, slope


def section(rows: list[dict[str, object]]) -> tuple[str, list[str]]:
    lines = [
        "## Build time: local Spark against DuckDB",
        "",
        "`dbt build --selector daily` (seeds, every model, every data test) from the same "
        "CSV files into an empty warehouse; Spark is dbt-spark's `session` method, local[*] on "
        "this machine's cores, Parquet tables.",
        "",
        "| scale | orders | raw rows | DuckDB | peak memory | Spark (local) | peak memory | "
        "Spark / DuckDB | Spark start-up alone | tables compared | differing |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    targets = []
    for row in rows:
        duck, spark, start_up = row["duck"], row["spark"], row["start_up"]
        ratio = spark.seconds / duck.seconds
        differing = ", ".join(row["differing"]) or "none"
        lines.append(
            f"| {row['scale']:g} | {row['orders']:,} | {row['raw_rows']:,} | "
            f"{duck.seconds:.1f} s | {duck.peak_mib:,.0f} MiB | {spark.seconds:.1f} s | "
            f"{spark.peak_mib:,.0f} MiB | {ratio:.1f}x | {start_up.seconds:.1f} s | "
            f"{row['tables']} | {differing} |"
        )
        targets.append(
            f"Scale {row['scale']:g}: Spark builds and passes every data test in "
            f"{spark.seconds:.0f} s against DuckDB's {duck.seconds:.0f} s ({ratio:.1f}x); "
            + ("every table equal" if not row["differing"] else f"**differing: {differing}**")
        )
    for row in rows:
        if row["parquet_tables"] is not None:
            differing = ", ".join(row["parquet_differing"]) or "none"
            targets.append(
                f"Scale {row['scale']:g} from Parquet files on Spark: "
                f"{row['parquet_tables']} staging tables compared with DuckDB's from the CSVs, "
                + ("all equal" if not row["parquet_differing"] else f"**differing: {differing}**")
            )
    if len(rows) >= 2:
        duck_fixed, duck_slope = _per_million(rows, "duck")
        spark_fixed, spark_slope = _per_million(rows, "spark")
        lines += [
            "",
            "Fitted on the two scales as fixed cost plus cost per million orders: DuckDB "
            f"{duck_fixed:.0f} s + {duck_slope:.0f} s per million orders, local Spark "
            f"{spark_fixed:.0f} s + {spark_slope:.0f} s per million orders.",
        ]
    return "\n".join(lines), targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--report", type=Path, default=REPO / "benchmarks" / "SPARK.md")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = [
        measure_scale(scale, args.work, parquet_check=index == 0)
        for index, scale in enumerate(args.scales)
    ]
    for row in rows:
        printable = {k: getattr(v, "__dict__", v) for k, v in row.items()}
        print(json.dumps(printable))
    minutes = (time.perf_counter() - started) / 60
    text, targets = section(rows)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = [
        "# Spark benchmark",
        "",
        f"Measured {now} on {machine()}; {versions()}, pyspark {_pyspark_version()}. "
        f"The run took {minutes:.0f} minutes.",
        "",
        "Reproduce: `make benchmark-spark` (also part of `make benchmark`).",
        "",
        "## Figures",
        "",
        *[f"- {line}" for line in targets],
        "",
        text,
        "",
        reasoning(rows),
    ]
    args.report.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(json.dumps({"report": str(args.report), "minutes": round(minutes, 1)}))


def _pyspark_version() -> str:
    import pyspark

    return pyspark.__version__


def reasoning(rows: list[dict[str, object]]) -> str:
    """When Spark starts to pay, argued from the measured figures."""
    if len(rows) < 2:
        return ""
    duck_fixed, duck_slope = _per_million(rows, "duck")
    spark_fixed, spark_slope = _per_million(rows, "spark")
    cores = os.cpu_count() or 1
    largest = rows[-1]
    mib_per_million = largest["duck"].peak_mib / (largest["orders"] / 1e6)
    lines = [
        "## When Spark starts to pay",
        "",
        f"- **On one machine, never.** Local Spark ran the same build "
        f"{rows[0]['spark'].seconds / rows[0]['duck'].seconds:.1f}x slower than DuckDB at scale "
        f"{rows[0]['scale']:g} and {largest['spark'].seconds / largest['duck'].seconds:.1f}x at "
        f"scale {largest['scale']:g}, with "
        f"{largest['spark'].peak_mib / max(largest['duck'].peak_mib, 1):.1f}x the memory. Both "
        f"engines use the same {cores} cores; Spark adds a JVM "
        f"({rows[0]['start_up'].seconds:.0f} s to start and run one query), a scheduled job per "
        "model and per data test (about 180, mostly small), shuffles through local disk and "
        "Parquet writes. Its fixed cost is "
        f"about {spark_fixed:.0f} s against DuckDB's {duck_fixed:.0f} s, and each million "
        f"orders costs it about {spark_slope:.0f} s against DuckDB's {duck_slope:.0f} s.",
        "- **What Spark buys is more machines.** Its work per million orders spreads over "
        "executors: with the same per-core speed as here, a cluster with C cores needs "
        f"about {spark_slope:.0f} x {cores} / C s per million orders, plus the fixed "
        f"{spark_fixed:.0f} s (more on a real cluster: executors, object storage). Against "
        f"DuckDB on this machine ({duck_slope:.0f} s per million orders), a 16-core cluster "
        f"breaks even near "
        + _break_even(duck_fixed, duck_slope, spark_fixed, spark_slope * cores / 16)
        + " and a 64-core cluster near "
        + _break_even(duck_fixed, duck_slope, spark_fixed, spark_slope * cores / 64)
        + ". Shuffles grow faster than that, so read these as lower bounds.",
        "- **But DuckDB scales up before Spark scales out.** DuckDB's cost per order stays flat "
        "only while the joins fit in memory: with its 3 GB limit it spilled from scale 30 on, "
        "and scale 100 (9.8 million orders, 6 GB of CSV) took 17.5 minutes on this machine "
        f"(REPORT.md). Unspilled, DuckDB held about {mib_per_million:,.0f} MiB per million "
        f"orders at scale {largest['scale']:g}, so a 256 GB machine keeps about "
        f"{256 * 1024 / mib_per_million:,.0f} million orders in memory (and spills gracefully "
        "beyond). Move to Spark when one of these holds: the order history outgrows the "
        "largest machine you can run (memory for the joins, disk for the files); the daily "
        "build on that machine no longer fits its window; or the files already live in a data "
        "lake that Spark reads where they lie. Below that size (Olist has 0.1 million orders), "
        "DuckDB is faster, cheaper and simpler.",
        "- **Scoring follows the data.** On Spark the SQL scoring assigns every customer from "
        "the model export, so no Python process holds them; fitting stays in Python on a "
        "sample.",
    ]
    return "\n".join(lines)


def _break_even(duck_fixed: float, duck_slope: float, fixed: float, slope: float) -> str:
    """Orders at which a fixed + slope build matches DuckDB's, in words."""
    if slope >= duck_slope:
        return "no size (it stays slower per order)"
    millions = (fixed - duck_fixed) / (duck_slope - slope)
    return f"{max(millions, 0):,.0f} million orders"


if __name__ == "__main__":
    main()

"""The warehouse build at one scale: generation, the bare DuckDB floor, the
`dbt build` of the daily selection, and storage with integer keys versus hex
ids. Used by the suite driver, benchmarks/run.py.

Every step runs in its own process so its wall time and peak resident memory
(from wait4) are its own. The floor is a bare DuckDB load of the same CSV
files (every byte read, all columns as text, into a fresh database file),
measured in the same run, so the figures that matter are ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from clustering.synth.tables import FILES as KAGGLE_FILES

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The nine Kaggle files, without their .csv extension (DuckDB table names).
FILES = tuple(name.removesuffix(".csv") for name in KAGGLE_FILES)


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float


# Linux carries a process's peak resident memory into the children it forks
# (and through exec), so a step started by a driver that has grown (after the
# pandas comparison holds frames of millions of rows) would report the driver's
# peak, not its own. A small launcher, started fresh for each step, forks the
# step instead and reports the step's own wall time and peak memory.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - started
print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]))
"""


def measure(command: list[str], env: dict[str, str] | None = None) -> Measure:
    """Run a command to completion; its wall time and peak RSS (MiB)."""
    completed = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark launcher failed for: {' '.join(command)}")
    seconds, peak_kib, exit_code = json.loads(completed.stdout.strip().splitlines()[-1])
    if exit_code != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}")
    return Measure(seconds, peak_kib / 1024)


BARE_LOAD = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
for name in sys.argv[3:]:
    con.execute(
        f"create table {name} as select * from read_csv('{sys.argv[1]}/{name}.csv', "
        "header = true, all_varchar = true, delim = ',', quote = '\\"', escape = '\\"')"
    )
con.close()
"""


def storage_comparison(warehouse: Path, work: Path) -> dict[str, dict[str, int]]:
    """On-disk size of two fact tables keyed by UINTEGER keys versus by the
    32-hex ids, each written alone to a fresh DuckDB file."""
    shapes = {
        "order items (order, product, seller)": (
            "select k.order_key, i.order_item_id, p.product_key, s.seller_key, "
            "i.price_brl, i.freight_brl from staging.stg_olist__order_items as i "
            "join intermediate.int_order_id_keys as k using (order_id) "
            "join intermediate.int_product_id_keys as p using (product_id) "
            "join intermediate.int_seller_id_keys as s using (seller_id)",
            "select order_id, order_item_id, product_id, seller_id, price_brl, freight_brl "
            "from staging.stg_olist__order_items",
        ),
        "fct_orders": (
            "select * exclude (order_id, customer_id, customer_unique_id) from marts.fct_orders",
            "select * exclude (order_key, customer_key, customer_unique_key) from marts.fct_orders",
        ),
    }
    sizes: dict[str, dict[str, int]] = {}
    for label, (keyed_sql, hex_sql) in shapes.items():
        sizes[label] = {}
        for kind, sql in (("integer keys", keyed_sql), ("hex ids", hex_sql)):
            target = work / "storage.duckdb"
            target.unlink(missing_ok=True)
            con = duckdb.connect(str(target))
            con.execute("attach ? as wh (read_only)", [str(warehouse)])
            con.execute("use wh")
            con.execute(f"create table storage.main.measured as {sql}")
            con.close()
            sizes[label][kind] = target.stat().st_size
            target.unlink()
    return sizes


def run_scale(
    scale: float, work: Path, *, models_only: bool = True, storage: bool = True
) -> dict[str, object]:
    """Generate the data at `scale`, load it bare (the floor), build it with the
    daily selection (and, with `models_only`, once more without data tests),
    and measure storage; wall time and peak memory of each step."""
    data = work / f"data-{scale:g}"
    warehouse = work / f"warehouse-{scale:g}.duckdb"
    dbt_work = work / f"dbt-{scale:g}"
    shutil.rmtree(data, ignore_errors=True)
    generation = measure(
        [str(BIN / "clustering"), "generate", "--out", str(data), "--scale", str(scale)]
    )
    csv_mib = sum((data / f"{name}.csv").stat().st_size for name in FILES) / 2**20

    floor_file = work / "bare.duckdb"
    floor_file.unlink(missing_ok=True)
    floor = measure([sys.executable, "-c", BARE_LOAD, str(data), str(floor_file), *FILES])
    floor_file.unlink(missing_ok=True)

    env = {
        "OLIST_INPUT_DIR": str(data),
        "OLIST_WAREHOUSE": str(warehouse),
        "OLIST_TEMP_DIR": str(dbt_work / "spill"),
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    (dbt_work / "spill").mkdir(parents=True, exist_ok=True)
    dbt_paths = ["--target-path", str(dbt_work / "target"), "--log-path", str(dbt_work / "logs")]
    dbt = str(BIN / "dbt")
    # Parse once so both timed builds start from the same partial-parse state.
    measure([dbt, "parse", *dbt_paths], env)
    warehouse.unlink(missing_ok=True)
    # The build `make run` runs; models only: the same selection without its
    # data tests (dbt intersects --resource-type with the selector).
    daily = ["--selector", "daily"]
    models = None
    if models_only:
        only_models = ["--resource-type", "model", "--resource-type", "seed"]
        models = measure([dbt, "build", *daily, *only_models, *dbt_paths], env)
        warehouse.unlink(missing_ok=True)
    full = measure([dbt, "build", *daily, *dbt_paths], env)
    results = json.loads((dbt_work / "target" / "run_results.json").read_text())
    timings = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]}
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:6]
    tests = sum(
        r["execution_time"] for r in results["results"] if r["unique_id"].startswith("test.")
    )
    rekey = sum(t for name, t in timings.items() if name.endswith("_id_keys"))
    base = sum(t for name, t in timings.items() if name.startswith("base_olist__"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        orders = con.execute("select count(*) from staging.stg_olist__orders").fetchall()[0][0]
        people = con.execute("select count(*) from marts.dim_customers").fetchall()[0][0]
    sizes = storage_comparison(warehouse, work) if storage else {}
    return {
        "scale": scale,
        "csv_mib": csv_mib,
        "orders": orders,
        "people": people,
        "generation": generation,
        "floor": floor,
        "models_only": models,
        "full_build": full,
        "rekey_seconds": rekey,
        "base_seconds": base,
        "warehouse_mib": warehouse.stat().st_size / 2**20,
        "storage": sizes,
        "data": data,
        "warehouse": warehouse,
        "compiled": dbt_work / "target" / "compiled",
        "slowest": slowest,
        "test_seconds": tests,
    }


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}"


def versions() -> str:
    import dbt.version

    return (
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, "
        f"dbt-core {dbt.version.__version__}"
    )


def main() -> None:
    """One scale on its own: the build against the floor, measured in the same
    run, without writing the report (`make benchmark-build SCALE=10`)."""
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work" / "build")
    parser.add_argument("--models-only", action="store_true", help="also build without tests")
    args = parser.parse_args()
    os.environ.pop("OLIST_WAREHOUSE", None)
    args.work.mkdir(parents=True, exist_ok=True)
    result = run_scale(args.scale, args.work, models_only=args.models_only, storage=False)
    floor, build = result["floor"], result["full_build"]
    print(f"{machine()}; {versions()}")
    print(
        f"scale {args.scale:g}: {result['orders']:,} orders, {result['csv_mib']:,.0f} MiB of CSV; "
        f"floor {floor.seconds:.1f} s ({floor.peak_mib:,.0f} MiB), "
        f"dbt build --selector daily {build.seconds:.1f} s ({build.peak_mib:,.0f} MiB): "
        f"{build.seconds / floor.seconds:.1f}x the floor"
    )
    if result["models_only"] is not None:
        print(f"models only: {result['models_only'].seconds:.1f} s")
    print(f"data tests: {result['test_seconds']:.1f} s of node time; slowest nodes:")
    for name, seconds in result["slowest"]:
        print(f"  {seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main()

"""Cost of the daily refresh: one more day through `clustering refresh` against
a full rebuild of the same day, at scales 1 and 10; writes benchmarks/REFRESH.md.

For each scale, from the complete generated dataset (benchmarks/work/data-<s>,
generated when missing):

1. the files as they stood at the end of two consecutive days (cut_to_day);
2. the baseline, measured in the same run: a full rebuild of the second day,
   `dbt build --selector daily` into an empty warehouse (fresh key maps, every
   model and data test), which is what a cycle without refresh would run;
3. the first day published as `make run` leaves it (built, a fixed k-means
   structure fitted, scored, the segments layer built), not timed;
4. `clustering refresh` of the second day, with its data tests: the daily
   cycle (copy, build, key check, scoring, segment tests, publish, exports);
   then the same day again with `--skip-tests` (the replay path), which is a
   re-run and changes no history;
5. the floor of any refresh that starts from the day's whole files, in the
   same run: dbt's start on the project (a process running one trivial
   model), every row of the nine files read and fingerprinted (what finding
   the new and changed rows costs when the source sends snapshots, not
   changes), and the scoring of every customer (the refresh's own figure:
   days since the last order, a model input, moves for everybody each day).

Each step runs in a fresh launcher process for its own wall time and peak
memory (warehouse_build.measure); the phases come from segments.refresh_runs.

    python benchmarks/refresh.py [--scales 1 10] [--report benchmarks/REFRESH.md]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import duckdb  # noqa: E402
from warehouse_build import machine, measure, versions  # noqa: E402

from clustering.ops.dbt import run_dbt  # noqa: E402
from clustering.synth.tables import FILES as KAGGLE_FILES  # noqa: E402

BIN = Path(sys.executable).parent
DAY, NEXT_DAY = date(2018, 8, 20), date(2018, 8, 21)
# A daily cycle must finish well inside a night; a quarter of an hour at the
# largest scale a single machine serves daily is the budget used to decide
# whether the heavy models need to become incremental.
DAILY_BUDGET_SECONDS = 15 * 60
# Issue 20's target: at this scale a day's refresh, tests included, costs at
# most this share of a full rebuild measured in the same run.
TARGET_SCALE, TARGET_SHARE = 10.0, 0.25
# The fixed structure fitted on the first day (no model comparison).
SEGMENTS = 5
STRUCTURE = ("--family", "kmeans", "--segments", str(SEGMENTS))

# Every row of each file read as text and fingerprinted: the least any
# detection of new and changed rows in whole-file snapshots must do.
FINGERPRINT = """
import duckdb, sys
con = duckdb.connect()
for path in sys.argv[1:]:
    con.execute(
        f"select bit_xor(hash(rows)) from read_csv('{path}', header = true, all_varchar = true, "
        "delim = ',', quote = '\\"', escape = '\\"') as rows"
    ).fetchall()
"""

# One dbt command into a warehouse, as the product runs it (clustering.ops.dbt):
# argv = JSON list of dbt arguments, input folder, warehouse, as-of date.
DBT = """
import json, sys
from pathlib import Path
from clustering.ops.dbt import run_dbt
run_dbt(json.loads(sys.argv[1]), input_dir=Path(sys.argv[2]), warehouse=Path(sys.argv[3]),
        vars={"as_of_date": sys.argv[4]})
"""


def _complete(scale: float, work: Path) -> Path:
    """The complete dataset at `scale` (the suite's, seed 42; generated when missing)."""
    data = work / f"data-{scale:g}"
    if not all((data / name).is_file() for name in KAGGLE_FILES):
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(
            [BIN / "clustering", "generate", "--out", data, "--scale", str(scale), "--seed", "42"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return data


def _clustering(*args: object) -> str:
    completed = subprocess.run(
        [BIN / "clustering", *map(str, args)], check=True, capture_output=True, text=True
    )
    return completed.stdout


def _publish(input_dir: Path, published: Path, day: date) -> Path:
    """`day` published as `make run` leaves it: built, a fixed k-means
    structure fitted, everybody scored, the segments layer built."""
    published.parent.mkdir(parents=True)
    vars = {"as_of_date": day.isoformat()}
    run_dbt(["build", "--selector", "daily"], input_dir=input_dir, warehouse=published, vars=vars)
    _clustering("fit", "--warehouse", published, *STRUCTURE)
    _clustering("score", "--warehouse", published)
    run_dbt(
        ["build", "--selector", "segments"], input_dir=input_dir, warehouse=published, vars=vars
    )
    return published


def measure_scale(scale: float, work: Path) -> dict[str, object]:
    from clustering.synth.days import cut_to_day

    complete = _complete(scale, work)
    root = work / f"refresh-{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    days = {day: root / f"input-{day}" for day in (DAY, NEXT_DAY)}
    started = time.perf_counter()
    for day, folder in days.items():
        cut_to_day(complete, folder, day)
    cut_seconds = (time.perf_counter() - started) / 2

    # Baseline: the next day rebuilt from nothing.
    rebuilt = root / "rebuilt" / "olist.duckdb"
    rebuilt.parent.mkdir(parents=True)
    run_dbt(["parse"], input_dir=days[NEXT_DAY], warehouse=rebuilt)  # parse outside the timing
    next_day = (str(days[NEXT_DAY]), str(rebuilt), NEXT_DAY.isoformat())
    rebuild = measure(
        [sys.executable, "-c", DBT, json.dumps(["build", "--selector", "daily"]), *next_day]
    )

    # The first day published, as `make run` leaves it.
    published = _publish(days[DAY], root / "published" / "olist.duckdb", DAY)
    file_mib = published.stat().st_size / 2**20

    # The floor of a refresh from snapshots (step 5): dbt's start with one
    # trivial model, on the rebuilt file, launched as the rebuild was; every
    # row fingerprinted.
    start = measure(
        [sys.executable, "-c", DBT, json.dumps(["run", "--select", "int_as_of_date"]), *next_day]
    )
    fingerprint = measure(
        [sys.executable, "-c", FINGERPRINT, *sorted(map(str, days[NEXT_DAY].glob("*.csv")))]
    )

    refresh_args = [
        *(str(BIN / "clustering"), "refresh", "--input", str(days[NEXT_DAY])),
        *("--warehouse", str(published), "--as-of-date", NEXT_DAY.isoformat()),
    ]
    cycle = measure(refresh_args)
    replay = measure([*refresh_args, "--skip-tests"])
    with duckdb.connect(str(published), read_only=True) as con:
        runs = con.execute(
            "select is_rerun, build_seconds, score_seconds, total_seconds, count_customers, "
            "count_new_customers, count_changed_segment, rows_raw "
            "from segments.refresh_runs order by refreshed_at"
        ).fetchall()
        orders = con.execute("select count(*) from marts.fct_orders").fetchall()[0][0]
    (first, again) = runs
    return {
        "scale": scale,
        "orders": orders,
        "customers": first[4],
        "rows_raw": first[7],
        "file_mib": file_mib,
        "cut_seconds": cut_seconds,
        "rebuild": rebuild,
        "cycle": cycle,
        "cycle_build": first[1],
        "cycle_score": first[2],
        "cycle_total": first[3],
        "new_customers": first[5],
        "changed": first[6],
        "replay": replay,
        "start": start,
        "fingerprint": fingerprint,
        "replay_build": again[1],
        "replay_is_rerun": again[0],
    }


def measure_replay(scale: float, days: int, work: Path) -> dict[str, object]:
    """`days` consecutive days ending on NEXT_DAY: the first published, each
    next one refreshed from one drop folder (the data tests on the last day
    only, as the test suite's replay), then the last day rebuilt from nothing
    beside the warehouse and compared with it table by table."""
    from clustering.jobs.rebuild import compare_with_rebuild, rebuild_beside
    from clustering.jobs.refresh import refresh
    from clustering.ops.compare import changed_keys
    from clustering.settings import Settings
    from clustering.synth.days import cut_to_day

    complete = _complete(scale, work)
    root = work / f"replay-{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    every_day = [NEXT_DAY - timedelta(days=days - 1 - offset) for offset in range(days)]
    drop = root / "drop"
    cut_to_day(complete, drop, every_day[0])
    published = _publish(drop, root / "published" / "olist.duckdb", every_day[0])
    first_version = root / "first-day.duckdb"
    shutil.copyfile(published, first_version)
    settings = Settings(warehouse=published, family="kmeans", n_segments=SEGMENTS)
    seconds = []
    for day in every_day[1:]:
        cut_to_day(complete, drop, day)
        started = time.perf_counter()
        refresh(drop, settings, as_of_date=day, run_tests=day == every_day[-1])
        seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    rebuilt = rebuild_beside(settings, drop, root / "rebuilt.duckdb", every_day[-1])
    rebuild_seconds = time.perf_counter() - started
    compared = compare_with_rebuild(published, rebuilt)
    return {
        "scale": scale,
        "days": every_day,
        "seconds": seconds,
        "rebuild_seconds": rebuild_seconds,
        "compared": compared,
        "keys_changed": sum(changed_keys(published, first_version).values()),
    }


def replay_section(replay: dict[str, object]) -> tuple[str, str]:
    days, seconds, compared = replay["days"], replay["seconds"], replay["compared"]
    unequal = [table for table in compared if not table.equal]
    rows = sum(table.rows_left for table in compared)
    median = sorted(seconds)[len(seconds) // 2]
    lines = [
        f"## Equality after {len(days)} days of refreshes",
        "",
        f"Scale {replay['scale']:g}: {days[0]} published, then each day to {days[-1]} "
        "refreshed in one process from one drop folder (data tests on the last day only, "
        f"as the test suite's replay does at scale 0.01): median {median:.1f} s a day, "
        f"longest {max(seconds):.1f} s (the last, with its tests, or the first, which "
        "imports dbt). Then the last day rebuilt from nothing beside the warehouse "
        "(`clustering.jobs.rebuild`: the key maps and the model record carried over, "
        f"the daily selection built, scored by the same model; {replay['rebuild_seconds']:.0f} s) "
        "and every table compared.",
        "",
        "| tables compared | rows compared | tables that differ "
        "| keys renumbered since the first day |",
        "|---|---|---|---|",
        f"| {len(compared)} | {rows:,} | {len(unequal)} | {replay['keys_changed']:,} |",
        "",
    ]
    for table in unequal:
        lines.append(f"- {table.name}: {'; '.join(table.problems)}")
    verdict = (
        f"After {len(days)} days of refreshes at scale {replay['scale']:g}, every one of "
        f"{len(compared)} tables equals a full rebuild of the last day: "
        + ("**met**" if not unequal and not replay["keys_changed"] else "**missed**")
    )
    return "\n".join(lines), verdict


def _floor(row: dict[str, object]) -> float:
    """dbt's start, every row fingerprinted and every customer scored (seconds)."""
    return row["start"].seconds + row["fingerprint"].seconds + row["cycle_score"]


def floor_section(rows: list[dict[str, object]]) -> list[str]:
    """The least a refresh from the day's whole files costs, against the rebuild."""
    lines = [
        "### The floor of a refresh from whole-file snapshots",
        "",
        "The source sends each file whole every day, not a change list, and days since the "
        "last order, a model input, moves for every customer every day. So any refresh, "
        "however incremental its models, at least starts dbt on the project, reads and "
        "fingerprints every row to find the new and changed ones, and scores every customer. "
        "Each measured in the same run (dbt start: a process running the one-row model "
        "int_as_of_date; fingerprint: every row of the nine files read as text and hashed; "
        "scoring: the refresh's own figure above).",
        "",
        "| scale | dbt start | read and fingerprint every row | score every customer | "
        "floor | full rebuild | floor / rebuild |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        start, fingerprint, rebuild = row["start"], row["fingerprint"], row["rebuild"]
        floor = _floor(row)
        lines.append(
            f"| {row['scale']:g} | {start.seconds:.1f} s | {fingerprint.seconds:.1f} s | "
            f"{row['cycle_score']:.1f} s | {floor:.1f} s | {rebuild.seconds:.1f} s | "
            f"{floor / rebuild.seconds:.0%} |"
        )
    # Issue 20 sets the 25 % target at scale 10 (else the largest scale run).
    target = next((row for row in rows if row["scale"] == TARGET_SCALE), rows[-1])
    share = _floor(target) / target["rebuild"].seconds
    lines += [
        "",
        "Nothing else is counted: no model, no data test, no publication. "
        + (
            f"At scale {target['scale']:g} the floor alone is {share:.0%} of the rebuild, "
            "above the 25 % target: no refresh of whole-file snapshots can meet it on this stack."
            if share >= TARGET_SHARE
            else f"At scale {target['scale']:g} the floor is {share:.0%} of the rebuild: a "
            "refresh at 25 % would have to fit every model it recomputes, its data tests and "
            f"the publication into the remaining {TARGET_SHARE - share:.0%} "
            f"({(TARGET_SHARE - share) * target['rebuild'].seconds:.1f} s)."
        ),
    ]
    return lines


def section(rows: list[dict[str, object]]) -> tuple[str, list[str]]:
    lines = [
        "## Daily refresh",
        "",
        "One more day through `clustering refresh` (build into a copy of the published file, "
        "check keys, score, test the segment tables, publish atomically, write exports) "
        "against a full rebuild of the same day from an empty warehouse, measured in the "
        "same run. Day "
        f"{DAY} is published first; the refresh adds {NEXT_DAY}.",
        "",
        "| scale | orders | customers | full rebuild | refresh (daily, with tests) | "
        "of which dbt build | scoring | refresh / rebuild | peak memory | "
        "re-run with --skip-tests | new / changed customers |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    targets = []
    for row in rows:
        rebuild, cycle, replay = row["rebuild"], row["cycle"], row["replay"]
        ratio = cycle.seconds / rebuild.seconds
        lines.append(
            f"| {row['scale']:g} | {row['orders']:,} | {row['customers']:,} | "
            f"{rebuild.seconds:.1f} s | {cycle.seconds:.1f} s | {row['cycle_build']:.1f} s | "
            f"{row['cycle_score']:.1f} s | {ratio:.2f}x | {cycle.peak_mib:,.0f} MiB | "
            f"{replay.seconds:.1f} s | {row['new_customers']:,} / {row['changed']:,} |"
        )
        fits = cycle.seconds < DAILY_BUDGET_SECONDS
        targets.append(
            f"Daily refresh at scale {row['scale']:g}: {cycle.seconds:.0f} s against a full "
            f"rebuild of {rebuild.seconds:.0f} s ({ratio:.2f}x); "
            + ("within" if fits else "**over**")
            + f" the {DAILY_BUDGET_SECONDS // 60}-minute daily budget"
            + (
                f"; at most {TARGET_SHARE:.0%} of the rebuild: "
                + ("met" if ratio <= TARGET_SHARE else "**missed**")
                + f" (the floor of any refresh from whole files is "
                f"{_floor(row) / rebuild.seconds:.0%} of it)"
                if row["scale"] == TARGET_SCALE
                else ""
            )
        )
    largest = rows[-1]
    lines += [
        "",
        "A refresh rebuilds every model from the day's files, like the full rebuild, and adds "
        "the copy of the published file, scoring, the segment tables' tests and the "
        "publication; the key maps (so keys never change) and the rejects history are the "
        "only incremental models. The copy costs little: the published file is "
        f"{largest['file_mib']:,.0f} MiB at scale {largest['scale']:g}. "
        f"Cutting a day from the complete files took {largest['cut_seconds']:.0f} s at that "
        "scale (test and demo data only; a real export arrives cut).",
        "",
        "**Not incremental.** Every model but the key maps (and "
        "audit_rejected_rows_history, which appends each day's rejects) is rebuilt from "
        "the whole of the day's files, so a day costs what the history costs. What was "
        "measured on the way (issue 20): reusing yesterday's parse inside a model that "
        "still writes every row does not pay (the row hash, its join and the rewrite cost "
        "as much as parsing); nor does updating the base tables in place from a row "
        "fingerprint (branch `experiment/incremental-base-rows`, equal to a full build: the "
        "nine base models at scale 10 took 27.8 / 27.6 s against 25.5 / 26.7 s parsing "
        "everything, same run, 2026-12-02), because reading and fingerprinting every row "
        "and pairing the rows cost what DuckDB's parse costs. The floor below bounds what "
        "any incremental cycle over these inputs can reach.",
        "",
    ]
    lines += floor_section(rows)
    lines += [
        "",
        "`--skip-tests` leaves out the dbt data tests (for replays and backfills of days "
        "tested before; the test suite replays 30 days that way and runs the tests on the "
        "last one). The daily schedule keeps them: a day that fails one is not published.",
    ]
    return "\n".join(lines), targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--report", type=Path, default=REPO / "benchmarks" / "REFRESH.md")
    parser.add_argument("--replay-scale", type=float, default=1.0)
    parser.add_argument(
        "--replay-days", type=int, default=30, help="0 leaves the equality replay out"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    rows = [measure_scale(scale, args.work) for scale in args.scales]
    text, targets = section(rows)
    if args.replay_days:
        replay_text, verdict = replay_section(
            measure_replay(args.replay_scale, args.replay_days, args.work)
        )
        text += "\n\n" + replay_text
        targets.append(verdict)
    minutes = (time.perf_counter() - started) / 60
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = [
        "# Daily refresh benchmark",
        "",
        f"Measured {now} on {machine()}; {versions()}. The run took {minutes:.0f} minutes.",
        "",
        "Reproduce: `make benchmark-refresh` (also part of `make benchmark`).",
        "",
        "## Targets",
        "",
        *[f"- {line}" for line in targets],
        "",
        text,
    ]
    args.report.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(json.dumps({"report": str(args.report), "minutes": round(minutes, 1)}))


if __name__ == "__main__":
    main()

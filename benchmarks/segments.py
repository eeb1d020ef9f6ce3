"""The segmentation jobs: the whole `clustering fit` (model selection
included) and the stability backtest at the fit scale, and scoring throughput
at the score scale; the report's segmentation section. Used by the suite
driver, benchmarks/run.py.

Warehouses come from benchmarks/work/scale-<s>/ (generated when missing,
built with the daily dbt selection). Baselines are measured in the same run:
- fit: one fit of the chosen structure on every customer, the least a refit
  must do; the whole fit compares 12 candidates with 9 refits each.
- score: reading the features mart into memory, the least a scoring run must
  do; assignment is the transform, nearest centre, confidence and traits.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import duckdb  # noqa: E402
from warehouse_build import Measure, measure  # noqa: E402

from clustering.ml.estimators import make_segmenter  # noqa: E402
from clustering.ml.profiling import top_traits  # noqa: E402
from clustering.ops.dbt import run_dbt  # noqa: E402
from clustering.storage.model_store import load_model  # noqa: E402
from clustering.storage.readers import read_features  # noqa: E402

BIN = Path(sys.executable).parent


def warehouse_for(scale: float, work: Path) -> Path:
    """A built warehouse at this scale (generated and built when missing)."""
    folder = work / f"scale-{scale:g}"
    warehouse = folder / "warehouse.duckdb"
    data = folder / "data"
    if not (data / ".complete").is_file():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(
            [BIN / "clustering", "generate", "--out", data, "--scale", str(scale), "--seed", "42"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (data / ".complete").touch()
    if warehouse.exists():
        warehouse.unlink()
    shutil.rmtree(folder / "models", ignore_errors=True)
    run_dbt(["build", "--selector", "daily"], input_dir=data, warehouse=warehouse)
    return warehouse


def best_of(repeats: int, step) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        timings.append(time.perf_counter() - started)
    return min(timings)


def fit_figures(warehouse: Path) -> dict[str, object]:
    fit = measure([str(BIN / "clustering"), "fit", "--warehouse", str(warehouse)])
    saved = load_model(warehouse.parent / "models")
    frame = read_features(warehouse).frame
    meta = saved.info
    single = best_of(
        3,
        lambda: make_segmenter(meta.n_segments, meta.family, random_state=42).fit(frame),
    )
    return {
        "customers": len(frame),
        "fit": fit,
        "single_fit_seconds": single,
        "chosen": f"{meta.family} k={meta.n_segments}",
        "reason": meta.selection_reason,
        "names": {str(sid): name for sid, name in meta.segment_names.items()},
    }


def stability_figures(warehouse: Path) -> dict[str, object]:
    """The monthly snapshots (`dbt build --selector stability`), the whole
    `clustering stability` (default settings) and one monitor run."""
    started = time.perf_counter()
    run_dbt(
        ["build", "--selector", "stability"],
        input_dir=warehouse.parent / "data",
        warehouse=warehouse,
    )
    snapshots_seconds = time.perf_counter() - started
    backtest = measure([str(BIN / "clustering"), "stability", "--warehouse", str(warehouse)])
    monitor = measure([str(BIN / "clustering"), "monitor", "--warehouse", str(warehouse)])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((origins, points, cutoffs, noise_refits, recommendation),) = con.execute(
            "select (select count(distinct origin_date) from segments.stability_points), "
            "(select count(*) from segments.stability_points), "
            "(select count(distinct as_of_date) from marts.fct_customer_features_at_cutoffs), "
            "(select min(n) from (select count(*) as n from segments.stability_noise "
            "group by target_date)), "
            "(select recommendation from segments.stability_recommendation)"
        ).fetchall()
    return {
        "snapshots_seconds": snapshots_seconds,
        "backtest": backtest,
        "monitor": monitor,
        "origins": origins,
        "points": points,
        "cutoffs": cutoffs,
        "noise_pairs": noise_refits,
        "recommendation": recommendation,
    }


def score_figures(warehouse: Path, model_dir: Path) -> dict[str, object]:
    target = warehouse.parent / "models"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(model_dir, target)
    score = measure([str(BIN / "clustering"), "score", "--warehouse", str(warehouse)])
    saved = load_model(target)
    read_seconds = best_of(3, lambda: read_features(warehouse))
    frame = read_features(warehouse).frame
    pipeline = saved.pipeline

    def assign() -> None:
        scaled = pipeline.named_steps["features"].transform(frame)
        pipeline.named_steps["segments"].predict_confidence(scaled)
        top_traits(scaled)

    assign_seconds = best_of(3, assign)
    return {
        "customers": len(frame),
        "score": score,
        "read_seconds": read_seconds,
        "assign_seconds": assign_seconds,
        "per_second": len(frame) / assign_seconds,
    }


def table_row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def section(
    fit: dict[str, object],
    score: dict[str, object],
    stability: dict[str, object],
    scales: tuple[float, float],
) -> tuple[str, list[str]]:
    """The report's segmentation section and its target lines."""
    fit_measure: Measure = fit["fit"]  # type: ignore[assignment]
    score_measure: Measure = score["score"]  # type: ignore[assignment]
    fit_ratio = fit_measure.seconds / float(fit["single_fit_seconds"])
    per_second = float(score["per_second"])
    assign_over_read = float(score["assign_seconds"]) / float(score["read_seconds"])
    named = sorted(fit["names"].items(), key=lambda item: int(item[0]))  # type: ignore[union-attr]
    names = "\n".join(f"- segment {sid}: {name}" for sid, name in named)
    fit_table = "\n".join(
        [
            table_row("customers", "whole fit s", "peak MiB", "one final fit s", "whole / one"),
            table_row(*["---"] * 5),
            table_row(
                f"{fit['customers']:,}",
                f"{fit_measure.seconds:.1f}",
                f"{fit_measure.peak_mib:.0f}",
                f"{fit['single_fit_seconds']:.2f}",
                f"{fit_ratio:.0f}x",
            ),
        ]
    )
    score_table = "\n".join(
        [
            table_row(
                "customers", "score job s", "peak MiB", "read mart s", "assign s",
                "customers / s (assign)", "assign / read",
            ),
            table_row(*["---"] * 7),
            table_row(
                f"{score['customers']:,}",
                f"{score_measure.seconds:.1f}",
                f"{score_measure.peak_mib:.0f}",
                f"{score['read_seconds']:.2f}",
                f"{score['assign_seconds']:.2f}",
                f"{per_second:,.0f}",
                f"{assign_over_read:.2f}x",
            ),
        ]
    )  # fmt: skip
    stability_backtest: Measure = stability["backtest"]  # type: ignore[assignment]
    stability_monitor: Measure = stability["monitor"]  # type: ignore[assignment]
    stability_table = "\n".join(
        [
            table_row("snapshots s", "backtest s", "peak MiB", "monitor s", "monitor peak MiB"),
            table_row(*["---"] * 5),
            table_row(
                f"{stability['snapshots_seconds']:.1f}",
                f"{stability_backtest.seconds:.1f}",
                f"{stability_backtest.peak_mib:.0f}",
                f"{stability_monitor.seconds:.1f}",
                f"{stability_monitor.peak_mib:.0f}",
            ),
        ]
    )
    backtest_seconds = stability_backtest.seconds
    targets = [
        f"Whole `clustering fit` at scale {scales[0]:g} under 2 minutes: "
        f"{fit_measure.seconds:.1f} s, "
        + ("**met**" if fit_measure.seconds < 120 else "**missed**"),
        f"Scoring at scale {scales[1]:g}, 1 M customers per second or better: "
        f"{per_second / 1e6:.2f} M/s, " + ("**met**" if per_second >= 1e6 else "**missed**"),
        f"Stability backtest at scale {scales[0]:g} under 5 minutes: {backtest_seconds:.0f} s, "
        + ("**met**" if backtest_seconds < 300 else "**missed**"),
    ]
    text = f"""## Segmentation

### Fit (scale {scales[0]:g})

`clustering fit` as an operator runs it, in its own process (start-up, reading the
mart, comparing 12 candidates on a 20,000-customer sample with 4 refits with
other seeds and 4 on bootstrap resamples each and a silhouette without reviews,
the final fit on everybody, matching, saving). Every fit runs 30 starts on a
10,000-customer sample and refines the 3 best on every row. Baseline, same run:
one fit of the chosen structure on every customer (best of 3).

{fit_table}

Chosen: {fit["chosen"]}. {fit["reason"]}.

{names}

### Scoring (scale {scales[1]:g})

`clustering score` with the scale-{scales[0]:g} model (same feature schema): read the
mart, assign, write the three tables in one transaction, export Parquet and CSV.
*Assign*: transform, nearest centre, confidence and top traits on the frame in
memory (best of 3). Baseline, same run: reading the features mart into memory.

{score_table}

Assignment runs at {per_second / 1e6:.2f} M customers per second; the whole job, I/O
included, handles {float(score["customers"]) / score_measure.seconds:,.0f} customers per second.

### Stability backtest (scale {scales[0]:g})

*Snapshots*: `dbt build --selector stability`, the monthly feature snapshots and
their data tests over the daily warehouse (not part of the daily build).
*Backtest*: `clustering stability` with its default settings, in its own process: reads the
{stability["cutoffs"]} monthly snapshots of marts.fct_customer_features_at_cutoffs, fits
the production structure at every cutoff on every customer with 5 other seeds and
5 bootstrap resamples (11 refits, {stability["noise_pairs"]} refit pairs per noise band),
{stability["origins"]} origins x up to 12 horizons ({stability["points"]} points),
clusterboot Jaccard and future behaviour per origin, writes the tables and the
report. Then one `clustering monitor` run (reads the mart, PSI, shares, a refit
and its noise band against the saved model, appends a row).

{stability_table}

Result on this data: {stability["recommendation"]}.
"""
    return text, targets

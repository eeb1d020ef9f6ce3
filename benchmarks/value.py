"""The value model: its fit at scale 1 and its scoring throughput at scale 10;
writes benchmarks/VALUE.md.

Targets (issue 18): the value fit at scale 1 under 60 s; scoring at 1 M
customers per second or better at scale 10. Baselines measured in the same run:
- fit: a scikit-learn k-means (5 clusters, 10 starts) on the same customers'
  three summary numbers, the cheapest fit a segmentation job does;
- scoring: reading the purchase summary from DuckDB (what any scoring must
  do) and the no-model baseline's predictions (past rate x horizon).

    python benchmarks/value.py [--fit-scale 1] [--score-scale 10] [--report benchmarks/VALUE.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from segments import best_of, table_row, warehouse_for  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from warehouse_build import machine  # noqa: E402

from clustering.jobs.value import fit_value, predict_customers  # noqa: E402
from clustering.ml.value import ValueModel  # noqa: E402
from clustering.ml.value_backtest import baseline_predictions  # noqa: E402
from clustering.ops.dbt import run_dbt  # noqa: E402
from clustering.settings import Settings  # noqa: E402
from clustering.storage.readers import read_purchase_summary  # noqa: E402
from clustering.storage.value_store import load_value_model  # noqa: E402

FIT_TARGET_SECONDS = 60
SCORE_TARGET_PER_SECOND = 1_000_000


def fit_figures(warehouse: Path, data: Path) -> dict[str, object]:
    run_dbt(["build", "--selector", "stability"], input_dir=data, warehouse=warehouse)
    summary = read_purchase_summary(warehouse)
    model = ValueModel()
    fit_seconds = best_of(2, lambda: model.fit(summary))
    numbers = summary[["count_repeat_purchases", "recency_days", "customer_age_days"]].to_numpy(
        float
    )
    kmeans_seconds = best_of(
        2, lambda: KMeans(n_clusters=5, n_init=10, random_state=0).fit(numbers)
    )
    started = time.perf_counter()
    outcome = fit_value(Settings(warehouse=warehouse))
    job_seconds = time.perf_counter() - started
    return {
        "customers": len(summary),
        "variant": model.variant_,
        "fit_seconds": fit_seconds,
        "purchase_seconds": model.fit_seconds_["purchase"],
        "spend_seconds": model.fit_seconds_["spend"],
        "kmeans_seconds": kmeans_seconds,
        "job_seconds": job_seconds,
        "holdout_seconds": outcome.holdout.fit_seconds if outcome.holdout else 0.0,
        "cutoffs": len(outcome.cutoffs),
        "record": outcome.record,
        "verdict": outcome.verdict,
        "metrics": outcome.holdout.metrics if outcome.holdout else None,
    }


def score_figures(warehouse: Path, model_dir: Path) -> dict[str, object]:
    record = load_value_model(model_dir)
    read_seconds = best_of(3, lambda: read_purchase_summary(warehouse))
    summary = read_purchase_summary(warehouse)
    score_seconds = best_of(3, lambda: predict_customers(record, summary))
    baseline_seconds = best_of(3, lambda: baseline_predictions(summary, 180))
    return {
        "customers": len(summary),
        "read_seconds": read_seconds,
        "score_seconds": score_seconds,
        "baseline_seconds": baseline_seconds,
        "per_second": len(summary) / score_seconds,
    }


def report(fit: dict[str, object], score: dict[str, object], scales: tuple[float, float]) -> str:
    fit_ok = fit["fit_seconds"] < FIT_TARGET_SECONDS
    score_ok = score["per_second"] >= SCORE_TARGET_PER_SECOND
    metrics = fit["metrics"]
    rows = []
    if metrics is not None:
        for row in metrics.sort_values(["horizon_days", "cutoff_date", "method"]).itertuples():
            rows.append(
                f"| {row.cutoff_date} | {row.horizon_days} | {row.method} | "
                f"{row.predicted_purchases:,.0f} | {row.actual_purchases:,.0f} | "
                f"{row.top_decile_capture:.1%} |"
            )
    record = fit["record"]
    kmeans = fit["kmeans_seconds"]
    read = score["read_seconds"]
    count = score["customers"]
    fit_rows = [
        table_row(
            f"{fit['variant']} purchases + Gamma-Gamma spend, MAP (best of 2)",
            f"{fit['fit_seconds']:.1f}",
            f"{fit['fit_seconds'] / kmeans:.1f}",
        ),
        table_row("of which purchases", f"{fit['purchase_seconds']:.1f}", ""),
        table_row("of which spend", f"{fit['spend_seconds']:.1f}", ""),
        table_row(
            "baseline: k-means, 5 clusters, 10 starts, same customers", f"{kmeans:.2f}", "1.0"
        ),
        table_row(
            f"whole `clustering value` (holdout at {fit['cutoffs']} cutoffs x 2 variants, "
            "fit, score, write)",
            f"{fit['job_seconds']:.1f}",
            f"{fit['job_seconds'] / kmeans:.1f}",
        ),
    ]
    score_rows = [
        table_row(
            "read the purchase summary from DuckDB (baseline)",
            f"{read:.2f}",
            f"{count / read:,.0f}",
            "1.0",
        ),
        table_row(
            "no-model baseline prediction (past rate)",
            f"{score['baseline_seconds']:.3f}",
            f"{count / score['baseline_seconds']:,.0f}",
            f"{score['baseline_seconds'] / read:.2f}",
        ),
        table_row(
            "value scoring: P(alive), 90/180-day purchases, spend, value, rank, band, "
            "interval, stage (best of 3)",
            f"{score['score_seconds']:.2f}",
            f"{score['per_second']:,.0f}",
            f"{score['score_seconds'] / read:.2f}",
        ),
    ]
    return f"""# Value model benchmark

Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python benchmarks/value.py`
(`make benchmark-value`) on {machine()}.

## Targets

- Value fit at scale {scales[0]:g} under {FIT_TARGET_SECONDS} s: **{fit["fit_seconds"]:.1f} s**
  ({"met" if fit_ok else "NOT met"}).
- Scoring at scale {scales[1]:g}, 1 M customers per second or better:
  **{score["per_second"] / 1e6:.2f} M/s** ({"met" if score_ok else "NOT met"}).

## Fit (scale {scales[0]:g}, {fit["customers"]:,} customers)

| step | seconds | ratio to the k-means baseline |
|---|---:|---:|
{chr(10).join(fit_rows)}

Model {record.version}: {fit["verdict"]}

| cutoff | horizon (days) | method | predicted purchases | actual | top-10 % capture |
|---|---:|---|---:|---:|---:|
{chr(10).join(rows)}

## Scoring (scale {scales[1]:g}, {count:,} customers)

| step | seconds | customers per second | ratio to the read |
|---|---:|---:|---:|
{chr(10).join(score_rows)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fit-scale", type=float, default=1)
    parser.add_argument("--score-scale", type=float, default=10)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--report", type=Path, default=REPO / "benchmarks" / "VALUE.md")
    args = parser.parse_args()
    fit_warehouse = warehouse_for(args.fit_scale, args.work)
    fit = fit_figures(fit_warehouse, fit_warehouse.parent / "data")
    print(
        f"value fit at scale {args.fit_scale:g}: {fit['fit_seconds']:.1f} s "
        f"(k-means baseline {fit['kmeans_seconds']:.2f} s); whole job {fit['job_seconds']:.1f} s"
    )
    score_warehouse = warehouse_for(args.score_scale, args.work)
    score = score_figures(score_warehouse, fit_warehouse.parent / "value_models")
    print(
        f"value scoring at scale {args.score_scale:g}: {score['customers']:,} customers, "
        f"{score['per_second'] / 1e6:.2f} M/s (read {score['read_seconds']:.2f} s)"
    )
    args.report.write_text(report(fit, score, (args.fit_scale, args.score_scale)), encoding="utf-8")
    print(f"report written to {args.report}")


if __name__ == "__main__":
    main()

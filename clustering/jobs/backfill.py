"""Trends from the first day: the current model scored over the monthly snapshots.

The membership history (clustering.storage.history) starts on the first
scoring, so on day one it holds one date and every customer reads as having
"entered" a segment. The monthly snapshots of the features
(marts.fct_customer_features_at_cutoffs, built by `dbt build --selector
stability`) go back over the whole data: scoring each with today's model
gives the segment sizes and memberships the customers would have had, by the
same rules, at every month end. The app draws them as an estimate beside the
scored history and reads movements between any two of them.

Replaced whole on every run: after a retrain, run it again so the trend is
drawn with the new model's segments (the app says when it is not).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from clustering.settings import Settings
from clustering.storage.model_store import SavedModel, load_model
from clustering.storage.readers import read_snapshots
from clustering.storage.segment_tables import write_segment_tables


@dataclass(frozen=True)
class BackfillOutcome:
    model_version: str
    count_cutoffs: int
    count_rows: int
    first_cutoff: str
    last_cutoff: str
    seconds: float


def backfill_membership(settings: Settings, saved: SavedModel | None = None) -> BackfillOutcome:
    """Score every monthly snapshot with the current (or given) model and write
    segments.customer_segment_backfill and segments.segment_size_backfill."""
    started = time.perf_counter()
    saved = saved or load_model(settings.models_path)
    snapshots = read_snapshots(settings.warehouse)
    pipeline = saved.pipeline
    # One transform of every snapshot at once: the scaler and the centres are
    # the model's, so a row's segment does not depend on the rows beside it.
    scaled = pipeline.named_steps["features"].transform(snapshots)
    labels = pipeline.named_steps["segments"].predict(scaled)
    members = pd.DataFrame(
        {
            "as_of_date": snapshots["as_of_date"].to_numpy(),
            "customer_unique_key": snapshots["customer_unique_key"].to_numpy(),
            "segment_id": saved.label_to_id(labels),
            "model_version": saved.version,
        }
    )
    names = pd.Series(saved.segment_names, name="segment_name")
    sizes = (
        members.groupby(["as_of_date", "segment_id"], as_index=False)
        .size()
        .rename(columns={"size": "count_customers"})
    )
    sizes["share_customers"] = sizes["count_customers"] / sizes.groupby("as_of_date")[
        "count_customers"
    ].transform("sum")
    sizes["segment_name"] = names.reindex(sizes["segment_id"]).to_numpy()
    sizes["model_version"] = saved.version
    write_segment_tables(
        settings.warehouse,
        {"customer_segment_backfill": members, "segment_size_backfill": sizes},
        model_version=saved.version,
    )
    cutoffs = sorted(pd.to_datetime(members["as_of_date"].unique()))
    return BackfillOutcome(
        model_version=saved.version,
        count_cutoffs=len(cutoffs),
        count_rows=len(members),
        first_cutoff=cutoffs[0].date().isoformat(),
        last_cutoff=cutoffs[-1].date().isoformat(),
        seconds=time.perf_counter() - started,
    )

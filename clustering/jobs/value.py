"""The value job: prove the value model on holdout periods, fit it, score everyone.

`fit_value(settings)`:
1. reads the purchase summary at the as-of date and at the monthly cutoffs,
   with what each person bought after each cutoff (dbt marts);
2. at each holdout cutoff fits both BG/NBD variants and judges them, with the
   no-model baseline, on the next 90 and 180 days (clustering.ml.value_backtest);
3. fits the chosen variant on the as-of summary, saves it with its metadata
   and the holdout's interval multipliers (clustering.storage.value_store);
4. scores every customer (`score_value`) and rewrites the campaign exports.

`score_value(settings)` (also run by the segment job and the daily refresh,
without refitting): per-person predictions, value rank and band, interval and
lifecycle stage into segments.customer_value; per (segment, stage) the
audience and its action into segments.segment_audiences; the segment
profiles' value columns.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from clustering.errors import ModelError
from clustering.ml.audiences import STAGES, Audience, audience_action, lifecycle_stage
from clustering.ml.cards import ACTION_RULES
from clustering.ml.value import (
    LIKELY_ACTIVE,
    VALUE_HORIZON_DAYS,
    VARIANT_NAMES,
    VARIANTS,
    ValueModel,
    choose_variant,
)
from clustering.ml.value_backtest import (
    BASELINE,
    Holdout,
    baseline_predictions,
    deciles_of,
    holdout_cutoffs,
    ranking,
    run_holdout,
)
from clustering.progress import Progress
from clustering.settings import Settings
from clustering.storage.connection import connect, table_exists
from clustering.storage.exports import EXPORTED_TABLES, export_tables
from clustering.storage.readers import read_holdout_inputs, read_purchase_summary
from clustering.storage.segment_tables import (
    SEGMENT_TABLES,
    SEGMENTS_SCHEMA,
    VALUE_PROFILE_COLUMNS,
    write_segment_tables,
)
from clustering.storage.value_store import (
    ValueModelRecord,
    load_value_model,
    save_value_model,
    value_library_versions,
)

# Value bands by rank: the top 10 %, the next 20 %, the next 30 %, the rest.
BANDS: tuple[tuple[str, float], ...] = (("top", 0.1), ("high", 0.3), ("medium", 0.6), ("low", 1.0))


@dataclass(frozen=True)
class ValueScoreOutcome:
    value_model_version: str
    count_customers: int
    count_likely_active: int
    total_expected_value_6m_brl: float
    count_audiences: int
    seconds: float


@dataclass(frozen=True)
class ValueFitOutcome:
    record: ValueModelRecord
    holdout: Holdout | None
    cutoffs: tuple[pd.Timestamp, ...]
    verdict: str
    score: ValueScoreOutcome


def value_bands(rank: np.ndarray, count: int) -> pd.Categorical:
    """The band of each 1-based rank among `count` customers."""
    share = rank / max(count, 1)
    edges = np.array([edge for _, edge in BANDS])
    codes = np.minimum(np.searchsorted(edges, share, side="left"), len(BANDS) - 1)
    return pd.Categorical.from_codes(codes, categories=[name for name, _ in BANDS])


def predict_customers(record: ValueModelRecord, summary: pd.DataFrame) -> pd.DataFrame:
    """Per person: the model's predictions, the rank and band (by the model's
    expected value, or by the baseline's when the model did not beat it), the
    interval from the holdout deciles and the lifecycle stage."""
    predicted = record.model().predict(summary)
    value = predicted["expected_value_6m_brl"].to_numpy()
    by_value = ranking(value)
    if record.ranking == "model":
        order = by_value
    else:
        order = ranking(baseline_predictions(summary, VALUE_HORIZON_DAYS)[1], summary)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    decile = deciles_of(by_value)
    low = np.full(len(value), np.nan)
    high = np.full(len(value), np.nan)
    for key, (ratio_low, ratio_high) in record.interval_deciles.items():
        rows = decile == int(key)
        if ratio_low is not None:
            low[rows] = value[rows] * ratio_low
        if ratio_high is not None:
            high[rows] = value[rows] * ratio_high
    days = summary["days_since_last_purchase"].to_numpy()
    return pd.DataFrame(
        {
            "customer_unique_key": summary["customer_unique_key"].to_numpy(),
            # Kept as the reader's arrays: no million-string copies.
            "customer_unique_id": summary["customer_unique_id"].array,
            "as_of_date": summary["as_of_date"].array,
            "value_model_version": pd.Categorical.from_codes(
                np.zeros(len(value), dtype=np.int8), categories=[record.version]
            ),
            "scored_at": datetime.now().replace(microsecond=0),
            "p_alive": predicted["p_alive"].to_numpy(),
            "is_likely_active": predicted["p_alive"].to_numpy() >= LIKELY_ACTIVE,
            "expected_purchases_90d": predicted["expected_purchases_90d"].to_numpy(),
            "expected_purchases_180d": predicted["expected_purchases_180d"].to_numpy(),
            "expected_order_value_brl": predicted["expected_order_value_brl"].to_numpy(),
            "expected_value_6m_brl": value,
            "expected_value_6m_low_brl": low,
            "expected_value_6m_high_brl": high,
            "value_rank": rank,
            "value_band": value_bands(rank, len(rank)),
            "days_since_last_purchase": days,
            "lifecycle_stage": lifecycle_stage(days, predicted["p_alive"].to_numpy()),
        }
    )


def _segments_of(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    if not table_exists(con, SEGMENTS_SCHEMA, "customer_segments"):
        return None
    members = con.execute(
        f"select customer_unique_key, segment_id, model_version, as_of_date "
        f"from {SEGMENTS_SCHEMA}.customer_segments"
    ).df()
    profiles = con.execute(
        f"select model_version, segment_id, segment_name, marketing_action, action_reason "
        f"from {SEGMENTS_SCHEMA}.segment_profiles"
    ).df()
    return members, profiles


def audiences_frame(
    customers: pd.DataFrame, members: pd.DataFrame, profiles: pd.DataFrame
) -> pd.DataFrame:
    """One row per (segment, stage) with members: sizes, value and the action."""
    rule_keys = {rule.action: rule.key for rule in ACTION_RULES}
    joined = members.merge(
        customers[
            [
                "customer_unique_key",
                "p_alive",
                "expected_purchases_180d",
                "expected_value_6m_brl",
                "days_since_last_purchase",
                "lifecycle_stage",
            ]
        ],
        on="customer_unique_key",
        how="inner",
    )
    population_avg = float(customers["expected_value_6m_brl"].mean())
    sizes = joined.groupby("segment_id").size()
    rows = []
    for profile in profiles.itertuples():
        segment = joined[joined["segment_id"] == profile.segment_id]
        for stage in STAGES:
            part = segment[segment["lifecycle_stage"] == stage]
            if part.empty:
                continue
            audience = Audience(
                stage=stage,
                segment_action_key=rule_keys.get(profile.marketing_action, ""),
                segment_action=profile.marketing_action,
                segment_reason=profile.action_reason,
                count_customers=len(part),
                share_of_segment=len(part) / int(sizes[profile.segment_id]),
                avg_p_alive=float(part["p_alive"].mean()),
                avg_days_since_last_purchase=float(part["days_since_last_purchase"].mean()),
                avg_expected_value_6m_brl=float(part["expected_value_6m_brl"].mean()),
                population_avg_expected_value_6m_brl=population_avg,
            )
            key, action, reason = audience_action(audience)
            rows.append(
                {
                    "model_version": profile.model_version,
                    "segment_id": profile.segment_id,
                    "segment_name": profile.segment_name,
                    "lifecycle_stage": stage,
                    "count_customers": audience.count_customers,
                    "share_of_segment": audience.share_of_segment,
                    "avg_p_alive": audience.avg_p_alive,
                    "expected_purchases_180d": float(part["expected_purchases_180d"].sum()),
                    "expected_value_6m_brl": float(part["expected_value_6m_brl"].sum()),
                    "avg_expected_value_6m_brl": audience.avg_expected_value_6m_brl,
                    "action_key": key,
                    "marketing_action": action,
                    "action_reason": reason,
                }
            )
    return pd.DataFrame(rows)


def _update_profiles(con: duckdb.DuckDBPyConnection) -> None:
    """The segment profiles' value columns, from the members' values just written."""
    for name in VALUE_PROFILE_COLUMNS:
        # Profiles written before these columns existed get them.
        con.execute(
            f"alter table {SEGMENTS_SCHEMA}.segment_profiles add column if not exists {name} double"
        )
    con.execute(
        f"""
        update {SEGMENTS_SCHEMA}.segment_profiles as profiles
        set expected_value_6m_brl = members.expected_value_6m_brl,
            avg_expected_value_6m_brl = members.avg_expected_value_6m_brl,
            share_likely_active = members.share_likely_active,
            share_recent = members.share_recent
        from (
            select
                segments.model_version,
                segments.segment_id,
                sum(value.expected_value_6m_brl) as expected_value_6m_brl,
                avg(value.expected_value_6m_brl) as avg_expected_value_6m_brl,
                -- Likely active whatever the stage (a recent buyer may be too).
                avg(case when value.is_likely_active then 1.0 else 0.0 end)
                    as share_likely_active,
                avg(case when value.lifecycle_stage = 'recent' then 1.0 else 0.0 end)
                    as share_recent
            from {SEGMENTS_SCHEMA}.customer_segments as segments
            inner join {SEGMENTS_SCHEMA}.customer_value as value
                on segments.customer_unique_key = value.customer_unique_key
                    and segments.as_of_date = value.as_of_date
            group by segments.model_version, segments.segment_id
        ) as members
        where profiles.model_version = members.model_version
            and profiles.segment_id = members.segment_id
        """
    )


def score_value(
    settings: Settings,
    *,
    record: ValueModelRecord | None = None,
    summary: pd.DataFrame | None = None,
) -> ValueScoreOutcome:
    """Score every customer with the saved value model (no refit) and write
    customer_value, segment_audiences and the profiles' value columns."""
    started = time.perf_counter()
    record = record or load_value_model(settings.value_models_path)
    summary = summary if summary is not None else read_purchase_summary(settings.warehouse)
    customers = predict_customers(record, summary)
    with connect(settings.warehouse) as con:
        segments = _segments_of(con)
    audiences = pd.DataFrame(columns=[name for name, _ in SEGMENT_TABLES["segment_audiences"]])
    if segments is not None:
        members, profiles = segments
        members = members[members["as_of_date"] == summary["as_of_date"].iloc[0]]
        if not members.empty:
            audiences = audiences_frame(customers, members, profiles)
            audiences.insert(1, "value_model_version", record.version)
            audiences.insert(2, "as_of_date", summary["as_of_date"].iloc[0])
    write_segment_tables(
        settings.warehouse,
        {"customer_value": customers, "segment_audiences": audiences},
        model_version=record.version,
        then=_update_profiles if segments is not None else None,
    )
    return ValueScoreOutcome(
        value_model_version=record.version,
        count_customers=len(customers),
        count_likely_active=int(customers["is_likely_active"].sum()),
        total_expected_value_6m_brl=float(customers["expected_value_6m_brl"].sum()),
        count_audiences=len(audiences),
        seconds=time.perf_counter() - started,
    )


def _version(as_of: object, variant: str, params: object) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:8]
    return f"{pd.Timestamp(as_of):%Y%m%d}-{variant.replace('_', '-')}-{digest}"


def verdict_text(holdout: Holdout | None, variant: str, cutoffs: int) -> str:
    """Plain words: does the model beat the baseline on the holdout periods?"""
    if holdout is None or holdout.metrics.empty:
        return (
            "Not proven: no holdout period could be judged (no cutoff with a complete "
            "90-day window and enough customers), so the ranking follows the baseline "
            "(past purchase rate, then recency)."
        )
    parts = []
    for days in sorted(set(holdout.metrics["horizon_days"])):
        model = holdout.mean_capture(variant, days)
        base = holdout.mean_capture(BASELINE, days)
        parts.append(
            f"{model:.1%} of the buyers of the next {days} days in its top 10 % vs "
            f"{base:.1%} for the baseline"
        )
    beats = holdout.beats_baseline(variant)
    head = (
        f"The {VARIANT_NAMES[variant]} model beats the baseline"
        if beats
        else f"The {VARIANT_NAMES[variant]} model does NOT beat the baseline"
    )
    tail = (
        "; the value rank and band follow the model."
        if beats
        else "; the value rank and band keep the baseline's ranking."
    )
    return f"{head} over {cutoffs} holdout cutoff(s): " + "; ".join(parts) + tail


Multipliers = dict[str, tuple[float | None, float | None]]


def _interval(holdout: Holdout | None, variant: str) -> Multipliers:
    if holdout is None or holdout.deciles.empty:
        return {}
    ratios = holdout.value_ratios(variant)
    return {
        str(int(row.decile)): (
            None if np.isnan(row.low) else float(row.low),
            None if np.isnan(row.high) else float(row.high),
        )
        for row in ratios.itertuples()
    }


def _ratio_range(holdout: Holdout | None, variant: str) -> tuple[float, float] | None:
    if holdout is None or holdout.metrics.empty:
        return None
    rows = holdout.metrics[
        (holdout.metrics["method"] == variant) & (holdout.metrics["horizon_days"] == 90)
    ]
    rows = rows[rows["predicted_purchases"] > 0]
    if rows.empty:
        return None
    ratio = rows["actual_purchases"] / rows["predicted_purchases"]
    return float(ratio.min()), float(ratio.max())


def fit_value(settings: Settings, *, progress: Progress | None = None) -> ValueFitOutcome:
    """Prove, fit, save and score the value model (see the module's doc)."""
    config = settings.value
    summary = read_purchase_summary(settings.warehouse)
    if summary.empty:
        raise ModelError(
            f"marts.fct_customer_purchase_summary in {settings.warehouse} is empty; nothing to fit"
        )
    variant = choose_variant(summary) if config.variant == "auto" else config.variant
    summaries, outcomes = read_holdout_inputs(settings.warehouse)
    cutoffs = holdout_cutoffs(
        outcomes,
        summaries,
        count=config.holdout_cutoffs,
        step_months=config.holdout_step_months,
        min_customers=config.min_customers,
        min_repeat_buyers=config.min_repeat_buyers,
    )
    holdout = None
    if cutoffs:
        holdout = run_holdout(
            summaries,
            outcomes,
            cutoffs,
            VARIANTS,
            progress=(lambda done, total: progress("holdout cutoffs", done, total))
            if progress
            else None,
        )
    model = ValueModel(variant).fit(summary)
    beats = holdout is not None and not holdout.metrics.empty and holdout.beats_baseline(variant)
    assert model.params_ is not None and model.variant_ is not None
    one_time = float((summary["count_repeat_purchases"] == 0).mean())
    as_of = pd.Timestamp(summary["as_of_date"].iloc[0])
    record = ValueModelRecord(
        version=_version(as_of, variant, model.params_),
        variant=variant,
        params=model.params_,
        as_of_date=as_of.date().isoformat(),
        fitted_at=datetime.now().replace(microsecond=0).isoformat(),
        count_customers=len(summary),
        count_repeat_buyers=int((summary["count_repeat_purchases"] > 0).sum()),
        fit_seconds=sum(model.fit_seconds_.values()),
        ranking="model" if beats else "baseline",
        beats_baseline=beats,
        interval_deciles=_interval(holdout, variant),
        holdout_ratio_range_90d=_ratio_range(holdout, variant),
        library_versions=value_library_versions(),
    )
    verdict = verdict_text(holdout, variant, len(cutoffs))
    save_value_model(settings.value_models_path, record)
    reason = (
        f"{one_time:.1%} of customers bought once"
        + (
            " (one-time buyers dominate: the modified variant lets them drop out after "
            "their first purchase)"
            if variant == "modified_bg_nbd" and config.variant == "auto"
            else ""
        )
        + ("" if config.variant == "auto" else f"; variant set to {variant}")
    )
    tables = {
        "value_models": pd.DataFrame(
            [
                {
                    "value_model_version": record.version,
                    "fitted_at": record.fitted_at,
                    "as_of_date": record.as_of_date,
                    "variant": variant,
                    "variant_reason": reason,
                    "count_customers": record.count_customers,
                    "count_repeat_buyers": record.count_repeat_buyers,
                    "share_one_time_buyers": one_time,
                    "parameters": json.dumps(model.params_, sort_keys=True),
                    "fit_seconds": record.fit_seconds,
                    "holdout_seconds": holdout.fit_seconds if holdout else 0.0,
                    "count_holdout_cutoffs": len(cutoffs),
                    "beats_baseline": beats,
                    "ranking": record.ranking,
                    "verdict": verdict,
                }
            ]
        )
    }
    if holdout is not None and not holdout.metrics.empty:
        tables["value_holdout"] = holdout.metrics.assign(
            value_model_version=record.version,
            is_chosen_variant=holdout.metrics["method"] == variant,
        )
        tables["value_holdout_deciles"] = holdout.deciles.assign(value_model_version=record.version)
    write_segment_tables(settings.warehouse, tables, model_version=record.version)
    scored = score_value(settings, record=record, summary=summary)
    # Campaign tools get the value columns now, not at the next scoring.
    export_tables(settings.warehouse, EXPORTED_TABLES, settings.exports_path)
    return ValueFitOutcome(
        record=record,
        holdout=holdout,
        cutoffs=tuple(cutoffs),
        verdict=verdict,
        score=scored,
    )

"""The customer-value part of the segment report: what each segment is worth
over the next 6 months, its audiences and their actions, and how well the
value predictions held on past periods against the no-model baseline."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clustering.ml.value import VARIANT_NAMES
from clustering.ml.value_backtest import BASELINE
from clustering.report.page import ReportPage
from clustering.storage.connection import Connection, table_exists
from clustering.storage.segment_tables import SEGMENTS_SCHEMA, read_segment_table

STAGE_LABELS = {
    "recent": "bought in the last 45 days",
    "likely_active": "older, likely still active",
    "lapsed": "older, probably lapsed",
}


def read_value_tables(con: Connection) -> dict[str, pd.DataFrame] | None:
    """The value tables the report reads, or None before any value model."""
    if not table_exists(con, SEGMENTS_SCHEMA, "value_models"):
        return None
    models = read_segment_table(con, "value_models")
    if models.empty:
        return None
    tables = {"value_models": models}
    for name in ("segment_audiences", "value_holdout", "value_holdout_deciles"):
        tables[name] = (
            read_segment_table(con, name)
            if table_exists(con, SEGMENTS_SCHEMA, name)
            else pd.DataFrame()
        )
    return tables


def audience_lines(audiences: pd.DataFrame, segment_id: int) -> list[str]:
    """One card paragraph per audience of a segment."""
    if audiences.empty:
        return []
    rows = audiences[audiences["segment_id"] == segment_id]
    order = {stage: rank for rank, stage in enumerate(STAGE_LABELS)}
    rows = rows.sort_values("lifecycle_stage", key=lambda s: s.map(order))
    return [
        f"Audience {STAGE_LABELS[row.lifecycle_stage]} ({row.share_of_segment:.0%}, "
        f"{row.count_customers:,}): {row.marketing_action}"
        for row in rows.itertuples()
    ]


def _value_figure(profiles: pd.DataFrame) -> go.Figure:
    shown = profiles.sort_values("expected_value_6m_brl", ascending=True)
    figure = go.Figure(
        go.Bar(
            x=shown["expected_value_6m_brl"],
            y=shown["segment_name"],
            orientation="h",
            text=[
                f"R$ {total:,.0f} (R$ {each:,.2f} each)"
                for total, each in zip(
                    shown["expected_value_6m_brl"], shown["avg_expected_value_6m_brl"], strict=True
                )
            ],
            textposition="auto",
            marker_color="#1f77b4",
        )
    )
    figure.update_layout(
        xaxis_title="Expected spend over the next 6 months (R$)",
        yaxis_title=None,
        height=120 + 45 * len(shown),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure


def _calibration_figure(deciles: pd.DataFrame, variant: str) -> go.Figure:
    """Predicted vs actual purchases per decile of the prediction, summed over
    the cutoffs, for the model and the baseline (180 days, else 90)."""
    days = 180 if (deciles["horizon_days"] == 180).any() else 90
    rows = deciles[deciles["horizon_days"] == days]
    figure = go.Figure()
    for method, colour in ((variant, "#1f77b4"), (BASELINE, "#ff7f0e")):
        part = (
            rows[rows["method"] == method].groupby("decile", as_index=False).sum(numeric_only=True)
        )
        label = "model" if method != BASELINE else "baseline"
        figure.add_trace(
            go.Bar(
                x=part["decile"],
                y=part["actual_purchases"],
                name=f"actual ({label}'s deciles)",
                marker_color=colour,
                opacity=0.55,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=part["decile"],
                y=part["predicted_purchases"],
                name=f"predicted by the {label}",
                mode="lines+markers",
                line={"color": colour},
            )
        )
    figure.update_layout(
        barmode="group",
        xaxis_title=f"Decile of the prediction (1 = highest), next {days} days",
        yaxis_title="Purchases, all holdout cutoffs",
        height=420,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def add_value_sections(page: ReportPage, profiles: pd.DataFrame, tables: dict) -> None:
    """The value sections, after the segment cards."""
    model = tables["value_models"].iloc[0]
    variant = str(model["variant"])
    page.add_heading("What each segment is worth over the next 6 months")
    page.add_paragraph(
        f"Value model {model['value_model_version']} ({VARIANT_NAMES[variant]}, "
        f"PyMC-Marketing, fitted on {model['count_customers']:,} customers as of "
        f"{pd.Timestamp(model['as_of_date']):%d %B %Y}): {model['variant_reason']}. Expected "
        "spend = expected purchases in the next 180 days x expected spend per purchase. "
        "P(alive) is the probability that a customer has not left for good; it is low for "
        "most one-time buyers because most Olist customers never come back."
    )
    if profiles["expected_value_6m_brl"].notna().any():
        page.add_figure(_value_figure(profiles), "Expected 6-month value per segment.")
        page.add_table(
            profiles[
                [
                    "segment_name",
                    "count_customers",
                    "expected_value_6m_brl",
                    "avg_expected_value_6m_brl",
                    "share_likely_active",
                    "share_recent",
                ]
            ],
            "Expected value, share likely active (P(alive) >= 0.5) and share that bought in "
            "the last 45 days, per segment.",
            float_format="{:,.2f}",
            formats={
                "expected_value_6m_brl": "R$ {:,.0f}",
                "avg_expected_value_6m_brl": "R$ {:,.2f}",
                "share_likely_active": "{:.1%}",
                "share_recent": "{:.1%}",
            },
        )
    audiences = tables["segment_audiences"]
    if not audiences.empty:
        page.add_heading("Audiences: each segment by recency and P(alive)")
        page.add_paragraph(
            "A segment's card action reads the segment as a whole, but most members bought "
            "months ago. Each segment is split into the customers who bought in the last 45 "
            "days, older ones still likely active, and the probably lapsed, each with the "
            "action that fits it and why (rules in clustering/ml/audiences.py). Every "
            "customer's audience is in segments.dim_customer_segments and the "
            "customer_segments export."
        )
        page.add_table(
            audiences[
                [
                    "segment_name",
                    "lifecycle_stage",
                    "count_customers",
                    "share_of_segment",
                    "avg_p_alive",
                    "avg_expected_value_6m_brl",
                    "marketing_action",
                    "action_reason",
                ]
            ].sort_values(["segment_name", "lifecycle_stage"]),
            "Audiences, their action and the reason in numbers.",
            float_format="{:,.2f}",
            formats={
                "share_of_segment": "{:.0%}",
                "avg_p_alive": "{:.3f}",
                "avg_expected_value_6m_brl": "R$ {:,.2f}",
            },
        )
    page.add_heading("How well the value predictions held")
    page.add_paragraph(str(model["verdict"]))
    holdout = tables["value_holdout"]
    if holdout.empty:
        return
    page.add_paragraph(
        "At each holdout cutoff the model was fitted on what was known then and asked for "
        "the next 90 and 180 days; the baseline uses no model (each customer buys again at "
        "their own past rate, ranked by that rate, then recency, then spend). Capture: the "
        "share of the customers who did buy again that are in the top 10 % of the "
        "prediction (10 % by chance)."
    )
    deciles = tables["value_holdout_deciles"]
    if not deciles.empty:
        page.add_figure(
            _calibration_figure(deciles, variant),
            "Calibration by decile: predicted vs actual purchases.",
        )
    page.add_table(
        holdout[
            [
                "cutoff_date",
                "horizon_days",
                "method",
                "count_customers",
                "count_buyers",
                "predicted_purchases",
                "actual_purchases",
                "predicted_value_brl",
                "actual_value_brl",
                "top_decile_capture",
                "is_chosen_variant",
            ]
        ].sort_values(["horizon_days", "cutoff_date", "method"]),
        "Every cutoff, horizon and method; the chosen variant is highlighted.",
        float_format="{:,.1f}",
        formats={
            "predicted_value_brl": "R$ {:,.0f}",
            "actual_value_brl": "R$ {:,.0f}",
            "top_decile_capture": "{:.1%}",
        },
        highlight="is_chosen_variant",
    )

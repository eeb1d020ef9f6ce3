"""Overview: every segment with its size, revenue, expected value and action,
and how the sizes moved over time."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from dash import dcc, html

from clustering.app import queries
from clustering.app.components import PLOT_CONFIG, brl, count, notice, share
from clustering.app.data import Snapshot


def _segment_card(row: pd.Series) -> html.Div:
    value = (
        f"expected 6-month value {brl(row.expected_value_6m_brl)} "
        f"({brl(row.avg_expected_value_6m_brl)} per customer)"
        if pd.notna(row.expected_value_6m_brl)
        else "expected value: fit the value model (`clustering value`)"
    )
    return html.Div(
        [
            html.H3(dcc.Link(row.segment_name, href=f"/segment?id={int(row.segment_id)}")),
            html.P(
                f"{count(row.count_customers)} customers ({share(row.share_customers)}) · "
                f"{share(row.revenue_share)} of revenue · {value}",
                className="figures",
            ),
            html.P([html.Strong("Do: "), row.marketing_action]),
        ],
        className="card segment-card",
    )


def size_figure(trend: pd.DataFrame) -> go.Figure:
    """One colour per segment: dashed over the estimated month ends, solid with
    markers over the scored days."""
    fig = go.Figure()
    palette = px.colors.qualitative.Plotly
    for index, (name, rows) in enumerate(trend.groupby("segment_name", sort=False)):
        colour = palette[index % len(palette)]
        for kind, part in rows.groupby("kind", sort=False):
            scored = kind == "scored"
            fig.add_trace(
                go.Scatter(
                    x=part["as_of_date"],
                    y=part["count_customers"],
                    name=name,
                    legendgroup=name,
                    showlegend=scored or "scored" not in set(rows["kind"]),
                    mode="lines+markers",
                    line={"color": colour, "dash": "solid" if scored else "dash"},
                    marker={"size": 8 if scored else 5},
                    hovertemplate=f"{name}<br>%{{x|%d %b %Y}}: %{{y:,}} customers ({kind})"
                    "<extra></extra>",
                )
            )
    fig.update_layout(
        height=420,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 20},
        yaxis_title="customers",
    )
    return fig


def layout(s: Snapshot) -> list:
    profiles = queries.profiles(s)
    if profiles.empty:
        return [notice("No segments yet: run `make run` to build the warehouse and the segments.")]
    trend = queries.size_trend(s)
    children: list = [
        html.H2("Segments today"),
        html.P(
            "Every scored customer belongs to one segment. Sizes, revenue share and the "
            "expected value of the next six months; open a segment for who they are and "
            "what to do."
        ),
        html.Div(
            [_segment_card(row) for row in profiles.itertuples(index=False)], className="cards"
        ),
        html.H2("Size over time"),
    ]
    if trend.empty:
        children.append(notice("No size history yet."))
    else:
        current = profiles["model_version"].iloc[0]
        estimated = trend[trend["kind"] != "scored"]
        if not estimated.empty and (estimated["model_version"] != current).any():
            children.append(
                notice(
                    "The month-end estimates were drawn with an earlier model; run "
                    "`clustering backfill` to redraw them with the current one.",
                    "warning",
                )
            )
        children += [
            html.P(
                "Dashed: month ends before the first scoring, estimated by scoring the monthly "
                "snapshots with today's model (so trends exist from the first run). Solid: the "
                "days the segments were actually scored."
            ),
            dcc.Graph(id="overview-sizes", figure=size_figure(trend), config=PLOT_CONFIG),
        ]
    return children

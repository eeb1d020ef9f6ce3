"""Segment: one segment's card (who, how they differ, what to do and why), its
members by recency and by state, the audiences it splits into and a sample."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode

import plotly.express as px
from dash import dcc, html

from clustering.app import queries
from clustering.app.components import PLOT_CONFIG, brl, count, notice, share, table
from clustering.app.data import Snapshot
from clustering.app.queries import LAPSING_DAYS, RECENCY_BANDS, RECENT_DAYS
from clustering.app.tiles import state_tile_map
from clustering.ml.value import LIKELY_ACTIVE


def chosen_segment(search: str | None, ids: list[int]) -> int | None:
    """The ?id= of the URL when it names a segment of today's model."""
    raw = parse_qs((search or "").lstrip("?")).get("id", [""])[0]
    if re.fullmatch(r"[0-9]{1,6}", raw) and int(raw) in ids:
        return int(raw)
    return None


def layout(s: Snapshot, search: str | None) -> list:
    profiles = queries.profiles(s)
    if profiles.empty:
        return [notice("No segments yet: run `make run`.")]
    ids = [int(sid) for sid in profiles["segment_id"]]
    picker = html.Div(
        [
            dcc.Link(name, href=f"/segment?id={int(sid)}", className="pill")
            for sid, name in zip(profiles["segment_id"], profiles["segment_name"], strict=True)
        ],
        className="pills",
    )
    segment_id = chosen_segment(search, ids)
    if segment_id is None:
        message = (
            "Choose a segment:"
            if not search
            else "That segment is not in today's model; choose one:"
        )
        return [html.H2("Segment"), html.P(message), picker]
    row = profiles[profiles["segment_id"] == segment_id].iloc[0]
    recency = queries.segment_recency(s, segment_id)
    states = queries.segment_states(s, segment_id)
    audiences = queries.segment_audiences(s, segment_id)
    sample = queries.segment_sample(s, segment_id)
    recency_fig = px.bar(
        recency,
        x="recency",
        y="count_customers",
        text="count_customers",
        labels={"recency": "", "count_customers": "customers"},
        color="recency",
        color_discrete_map=dict(zip(RECENCY_BANDS, ("#2a9d8f", "#e9c46a", "#b56576"), strict=True)),
    )
    recency_fig.update_layout(height=320, showlegend=False, margin={"t": 20})
    value_line = (
        f" · expected 6-month value {brl(row.expected_value_6m_brl)}, "
        f"{share(row.share_likely_active)} likely active"
        if row.expected_value_6m_brl == row.expected_value_6m_brl  # not NaN
        else ""
    )
    children: list = [
        picker,
        html.H2(row.segment_name, id="segment-name"),
        html.Div(
            [
                html.P(
                    f"{count(row.count_customers)} customers ({share(row.share_customers)}) · "
                    f"{share(row.revenue_share)} of revenue · average spend "
                    f"{brl(row.avg_spend_brl)}{value_line}",
                    className="figures",
                ),
                html.H4("Who they are"),
                html.P(row.description),
                html.H4("How they differ from everybody else"),
                html.P(row.differences),
                html.H4("What to do"),
                html.P(html.Strong(row.marketing_action)),
                html.H4("Why"),
                html.P(row.action_reason),
            ],
            className="card",
        ),
        html.Div(
            [
                html.Div(
                    [
                        html.H3("Members by recency"),
                        html.P(
                            f"Recent: last order within {RECENT_DAYS} days; lapsing: "
                            f"{RECENT_DAYS + 1}-{LAPSING_DAYS} days; lapsed: longer ago."
                        ),
                        dcc.Graph(id="segment-recency", figure=recency_fig, config=PLOT_CONFIG),
                    ],
                    className="half",
                ),
                html.Div(
                    [
                        html.H3("Members by state"),
                        html.P("Share of the segment's members living in each state."),
                        dcc.Graph(
                            id="segment-map",
                            figure=state_tile_map(states),
                            config=PLOT_CONFIG,
                        ),
                    ],
                    className="half",
                ),
            ],
            className="row",
        ),
    ]
    if not audiences.empty:
        children += [
            html.H3("Audiences in this segment"),
            html.P(
                f"The segment split by lifecycle stage, each with the action that fits it. "
                f"Recent: last order within {RECENT_DAYS} days; likely active: older, but the "
                f"value model gives them a chance of at least {LIKELY_ACTIVE:.0%} that they still "
                "buy here (P(alive)); lapsed: older and below that (so not the same as the "
                "chart's days-based bands above)."
            ),
            table(
                audiences,
                table_id="segment-audiences",
                formats={
                    "count_customers": "count",
                    "share_of_segment": "share",
                    "avg_p_alive": "2f",
                    "avg_expected_value_6m_brl": "brl",
                },
            ),
        ]
    children += [
        html.H3("A sample of members"),
        html.P(
            [
                "Twenty members picked at random (the same on every visit of a day). ",
                dcc.Link(
                    "Build an audience from this segment",
                    href="/audiences?" + urlencode({"segment": row.segment_name}),
                ),
                ".",
            ]
        ),
        table(
            sample,
            table_id="segment-sample",
            formats={"total_spend_brl": "brl", "segment_confidence": "2f", "p_alive": "2f"},
        ),
    ]
    return children

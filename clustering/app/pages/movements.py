"""Movements: who entered, left and moved between segments over a period, as a
matrix, with the customers behind any cell downloadable."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html, no_update

from clustering.app import queries
from clustering.app.components import PLOT_CONFIG, count, notice, table
from clustering.app.data import PublishedWarehouse, Snapshot
from clustering.app.queries import NEW_CUSTOMER
from clustering.errors import AudienceError

NOT_YET = "not yet a customer"


def _name(names: dict[int, str], sid: int) -> str:
    return NOT_YET if sid == NEW_CUSTOMER else names.get(sid, f"segment {sid}")


def matrix_figure(moves: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    ids = sorted(set(moves["from_segment_id"]) | set(moves["to_segment_id"]))
    order = [i for i in ids if i != NEW_CUSTOMER] + ([NEW_CUSTOMER] if NEW_CUSTOMER in ids else [])
    grid = np.zeros((len(order), len(order)), dtype=np.int64)
    where = {sid: k for k, sid in enumerate(order)}
    for row in moves.itertuples(index=False):
        grid[where[row.from_segment_id], where[row.to_segment_id]] = row.count_customers
    labels = [_name(names, sid) for sid in order]
    # Diagonal (stayed) cells dwarf the moves: colour by the share of the row
    # that moved there, text shows the count.
    shares = grid / np.maximum(grid.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=labels,
            y=labels,
            text=[[f"{v:,}" for v in row] for row in grid],
            texttemplate="%{text}",
            customdata=[
                [[order[r], order[c]] for c in range(len(order))] for r in range(len(order))
            ],
            hovertemplate="from %{y}<br>to %{x}<br>%{text} customers<extra></extra>",
            colorscale="Blues",
            showscale=False,
        )
    )
    fig.update_xaxes(title="segment at the end", tickangle=-25)
    fig.update_yaxes(title="segment at the start", autorange="reversed")
    fig.update_layout(height=180 + 60 * len(order), margin={"t": 20, "l": 10, "r": 10})
    return fig


def summary(moves: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Per segment: members at start and end, stayed, entered, left."""
    rows = []
    segment_ids = sorted(
        (set(moves["from_segment_id"]) | set(moves["to_segment_id"])) - {NEW_CUSTOMER}
    )
    for sid in segment_ids:
        start = moves.loc[moves["from_segment_id"] == sid, "count_customers"].sum()
        end = moves.loc[moves["to_segment_id"] == sid, "count_customers"].sum()
        stayed = moves.loc[
            (moves["from_segment_id"] == sid) & (moves["to_segment_id"] == sid), "count_customers"
        ].sum()
        new = moves.loc[
            (moves["from_segment_id"] == NEW_CUSTOMER) & (moves["to_segment_id"] == sid),
            "count_customers",
        ].sum()
        rows.append(
            {
                "segment": _name(names, sid),
                "at start": int(start),
                "at end": int(end),
                "stayed": int(stayed),
                "new customers": int(new),
                "came from other segments": int(end - stayed - new),
                "left for other segments": int(start - stayed),
            }
        )
    return pd.DataFrame(rows)


def layout(s: Snapshot) -> list:
    dates = queries.membership_dates(s)
    if len(dates) < 2:
        return [
            html.H2("Movements"),
            notice(
                "Movements need memberships on two dates: build the monthly snapshots and "
                "run `clustering backfill` (part of `make run`), or wait for the next scoring."
            ),
        ]
    options = [{"label": d.label, "value": d.day.isoformat()} for d in dates]
    # Default: the last twelve month ends up to today.
    start = dates[max(0, len(dates) - 13)].day.isoformat()
    end = dates[-1].day.isoformat()
    names = queries.segment_names(s)
    cell_options = [{"label": NOT_YET, "value": NEW_CUSTOMER}] + [
        {"label": name, "value": sid} for sid, name in sorted(names.items())
    ]
    return [
        html.H2("Movements between segments"),
        html.P(
            "Where the customers of each segment were at the start of a period and where they "
            "are at its end. Month ends before the first scoring are estimated with today's "
            "model; scored days come from the membership history. Click a cell to get its "
            "customers."
        ),
        html.Div(
            [
                html.Label(
                    [
                        "From",
                        dcc.Dropdown(
                            id="moves-start", options=options, value=start, clearable=False
                        ),
                    ]
                ),
                html.Label(
                    [
                        "To",
                        dcc.Dropdown(id="moves-end", options=options, value=end, clearable=False),
                    ]
                ),
            ],
            className="row pickers",
        ),
        html.Div(id="moves-error", className="error", role="alert"),
        dcc.Graph(id="moves-matrix", config=PLOT_CONFIG),
        html.Div(id="moves-summary"),
        html.H3("Customers behind a cell"),
        html.Div(
            [
                html.Label(
                    [
                        "From segment",
                        dcc.Dropdown(id="moves-from", options=cell_options, clearable=False),
                    ]
                ),
                html.Label(
                    [
                        "To segment",
                        dcc.Dropdown(id="moves-to", options=cell_options, clearable=False),
                    ]
                ),
            ],
            className="row pickers",
        ),
        html.Div(id="moves-cell"),
    ]


def register(app: Dash, warehouse: PublishedWarehouse) -> None:
    @app.callback(
        Output("moves-matrix", "figure"),
        Output("moves-summary", "children"),
        Output("moves-error", "children"),
        Input("moves-start", "value"),
        Input("moves-end", "value"),
    )
    def update(start_raw, end_raw):
        s = warehouse.current()
        try:
            start, end = queries.find_date(s, start_raw), queries.find_date(s, end_raw)
            if start.day >= end.day:
                raise AudienceError("the start date must come before the end date")
        except AudienceError as error:
            return no_update, no_update, str(error)
        moves = queries.movements(s, start, end)
        names = queries.segment_names(s)
        return (
            matrix_figure(moves, names),
            table(summary(moves, names), table_id="moves-table", formats={}),
            "",
        )

    @app.callback(
        Output("moves-from", "value"),
        Output("moves-to", "value"),
        Input("moves-matrix", "clickData"),
        prevent_initial_call=True,
    )
    def pick_cell(click):
        try:
            from_id, to_id = click["points"][0]["customdata"]
            return int(from_id), int(to_id)
        except (TypeError, KeyError, IndexError, ValueError):
            return no_update, no_update

    @app.callback(
        Output("moves-cell", "children"),
        Input("moves-start", "value"),
        Input("moves-end", "value"),
        Input("moves-from", "value"),
        Input("moves-to", "value"),
    )
    def cell(start_raw, end_raw, from_id, to_id):
        if from_id is None or to_id is None:
            return html.P("Pick a cell of the matrix (or both segments above).")
        s = warehouse.current()
        names = queries.segment_names(s)
        valid = set(names) | {NEW_CUSTOMER}
        try:
            start, end = queries.find_date(s, start_raw), queries.find_date(s, end_raw)
            if (
                not isinstance(from_id, int)
                or not isinstance(to_id, int)
                or {from_id, to_id} - valid
            ):
                raise AudienceError("choose both segments from the lists")
        except AudienceError as error:
            return notice(str(error), "error")
        members = queries.movement_members(s, start, end, from_id, to_id)
        query = urlencode(
            {
                "start": start.day.isoformat(),
                "end": end.day.isoformat(),
                "from": from_id,
                "to": to_id,
            }
        )
        return html.Div(
            [
                html.P(
                    f"{count(len(members))} customers from {_name(names, from_id)} "
                    f"to {_name(names, to_id)} between {start.label} and {end.label}.",
                    id="moves-cell-count",
                ),
                html.A(
                    "Download CSV",
                    href=f"/download/movement.csv?{query}",
                    className="button",
                    id="moves-csv",
                ),
                html.A(
                    "Download Parquet",
                    href=f"/download/movement.parquet?{query}",
                    className="button",
                ),
                table(members.head(15), table_id="moves-members", formats={}),
            ]
        )

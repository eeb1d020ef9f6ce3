"""Movements: who entered, left and moved between segments over a period, as a
matrix, with the customers behind any cell downloadable."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html, no_update

from clustering.app import queries
from clustering.app.components import PLOT_CONFIG, count, notice, table
from clustering.app.data import PublishedWarehouse, Snapshot
from clustering.app.queries import GONE, NEW_CUSTOMER
from clustering.errors import AudienceError

NOT_YET = "not yet a customer"
NO_LONGER = "no longer scored"
PREVIEW_ROWS = 15
SUMMARY_COUNTS = (
    "at start",
    "at end",
    "stayed",
    "new customers",
    "came from other segments",
    "left for other segments",
    "no longer scored",
)


def _name(names: dict[int, str], sid: int) -> str:
    if sid == NEW_CUSTOMER:
        return NOT_YET
    if sid == GONE:
        return NO_LONGER
    return names.get(sid, f"segment {sid}")


def matrix_figure(moves: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """Rows: the segment at the start (then "not yet a customer"); columns: the
    segment at the end (then "no longer scored", when anybody is)."""
    segments = sorted(
        (set(moves["from_segment_id"]) | set(moves["to_segment_id"])) - {NEW_CUSTOMER, GONE}
    )
    rows = segments + ([NEW_CUSTOMER] if (moves["from_segment_id"] == NEW_CUSTOMER).any() else [])
    columns = segments + ([GONE] if (moves["to_segment_id"] == GONE).any() else [])
    grid = np.zeros((len(rows), len(columns)), dtype=np.int64)
    row_of = {sid: k for k, sid in enumerate(rows)}
    column_of = {sid: k for k, sid in enumerate(columns)}
    for move in moves.itertuples(index=False):
        grid[row_of[move.from_segment_id], column_of[move.to_segment_id]] = move.count_customers
    # The diagonal (stayed) dwarfs the moves: each cell is coloured by its share
    # of the row (where that start segment's customers went); the text is the count.
    shares = grid / np.maximum(grid.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=[_name(names, sid) for sid in columns],
            y=[_name(names, sid) for sid in rows],
            text=[[f"{v:,}" for v in line] for line in grid],
            texttemplate="%{text}",
            customdata=[[[r, c] for c in columns] for r in rows],
            hovertemplate="from %{y}<br>to %{x}<br>%{text} customers<extra></extra>",
            colorscale="Blues",
            showscale=False,
        )
    )
    fig.update_xaxes(title="segment at the end", tickangle=-25)
    fig.update_yaxes(title="segment at the start", autorange="reversed")
    fig.update_layout(height=180 + 60 * len(rows), margin={"t": 20, "l": 10, "r": 10})
    return fig


def summary(moves: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Per segment: members at start and end, stayed, entered (new or from
    another segment) and left (for another segment or the data)."""

    def total(mask: pd.Series) -> int:
        return int(moves.loc[mask, "count_customers"].sum())

    source, target = moves["from_segment_id"], moves["to_segment_id"]
    rows = []
    for sid in sorted((set(source) | set(target)) - {NEW_CUSTOMER, GONE}):
        stayed = total((source == sid) & (target == sid))
        rows.append(
            {
                "segment": _name(names, sid),
                "at start": total(source == sid),
                "at end": total(target == sid),
                "stayed": stayed,
                "new customers": total((source == NEW_CUSTOMER) & (target == sid)),
                "came from other segments": total(
                    (target == sid) & (source != sid) & (source != NEW_CUSTOMER)
                ),
                "left for other segments": total(
                    (source == sid) & (target != sid) & (target != GONE)
                ),
                "no longer scored": total((source == sid) & (target == GONE)),
            }
        )
    return pd.DataFrame(rows)


def default_period(dates: list[queries.MembershipDate]) -> tuple[str, str]:
    """The last year: the latest date, and the latest date a year or more before it."""
    end = dates[-1].day
    earlier = [d.day for d in dates if d.day <= end - timedelta(days=365)]
    start = earlier[-1] if earlier else dates[0].day
    return start.isoformat(), end.isoformat()


def layout(s: Snapshot) -> list:
    dates = queries.membership_dates(s)
    if len(dates) < 2:
        return [
            html.H2("Movements"),
            notice(
                "Movements need memberships on two dates: they appear after the next scoring, "
                "or once the data team has run `clustering backfill` (part of `make run`)."
            ),
        ]
    options = [{"label": d.label, "value": d.day.isoformat()} for d in dates]
    start, end = default_period(dates)
    names = queries.segment_names(s)
    segment_options = [{"label": name, "value": sid} for sid, name in sorted(names.items())]
    return [
        html.H2("Movements between segments"),
        html.P(
            "Where the customers of each segment were at the start of a period and where they "
            "are at its end. Month ends before the first scoring are estimated with today's "
            "model; scored days come from the membership history. Each row's colours show "
            "where that segment's customers went (darker: a larger share of the row); the "
            "numbers are customers. Click a cell to get its customers."
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
                        dcc.Dropdown(
                            id="moves-from",
                            options=[{"label": NOT_YET, "value": NEW_CUSTOMER}, *segment_options],
                            clearable=False,
                        ),
                    ]
                ),
                html.Label(
                    [
                        "To segment",
                        dcc.Dropdown(
                            id="moves-to",
                            options=[*segment_options, {"label": NO_LONGER, "value": GONE}],
                            clearable=False,
                        ),
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
            return {}, "", str(error)
        moves = queries.movements(s, start, end)
        names = queries.segment_names(s)
        return (
            matrix_figure(moves, names),
            table(
                summary(moves, names),
                table_id="moves-table",
                formats=dict.fromkeys(SUMMARY_COUNTS, "count"),
            ),
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
    def cell(start_raw, end_raw, from_raw, to_raw):
        if from_raw is None or to_raw is None:
            return html.P("Pick a cell of the matrix (or both segments above).")
        s = warehouse.current()
        try:
            start, end = queries.find_date(s, start_raw), queries.find_date(s, end_raw)
            from_id = queries.check_cell_id(s, from_raw)
            to_id = queries.check_cell_id(s, to_raw)
        except AudienceError as error:
            return notice(str(error), "error")
        names = queries.segment_names(s)
        total = queries.movement_count(s, start, end, from_id, to_id)
        preview = queries.movement_members(s, start, end, from_id, to_id, limit=PREVIEW_ROWS)
        link = urlencode(
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
                    f"{count(total)} customers from {_name(names, from_id)} "
                    f"to {_name(names, to_id)} between {start.label} and {end.label}.",
                    id="moves-cell-count",
                ),
                html.A(
                    "Download CSV",
                    href=f"/download/movement.csv?{link}",
                    className="button",
                    id="moves-csv",
                ),
                html.A(
                    "Download Parquet",
                    href=f"/download/movement.parquet?{link}",
                    className="button",
                ),
                table(preview, table_id="moves-members", formats={}, wrap=False),
            ]
        )

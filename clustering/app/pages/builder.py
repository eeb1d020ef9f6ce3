"""Audience builder: filters, a live count and revenue, the equivalent SQL,
CSV and Parquet downloads with the campaign columns, saved audiences."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

from dash import Dash, Input, Output, State, dcc, html, no_update

from clustering.app import queries
from clustering.app.audience import (
    LIST_FILTERS,
    NUMBER_FILTERS,
    AudienceFilter,
    check_filter,
    describe,
    display_sql,
)
from clustering.app.components import brl, dictionary_links, notice, share, table
from clustering.app.data import PublishedWarehouse, Snapshot
from clustering.app.saved import AudienceStore, rerun
from clustering.errors import AudienceError
from clustering.storage.exports import AUDIENCE_COLUMNS

PREVIEW_ROWS = 15

# What one change of the filters redraws ("component.property"), in the order
# the update callback returns them.
UPDATE_OUTPUTS = (
    "audience-count.children",
    "audience-share.children",
    "audience-revenue.children",
    "audience-value.children",
    "audience-sql.children",
    "download-csv.href",
    "download-parquet.href",
    "audience-preview.children",
    "audience-error.children",
)

# Control id -> AudienceFilter field.
LIST_CONTROLS = {f"filter-{name}": name for name in LIST_FILTERS}
NUMBER_CONTROLS = {f"filter-{name}": name for name in NUMBER_FILTERS}
CONTROLS = {**LIST_CONTROLS, **NUMBER_CONTROLS}

_LIST_LABELS = {
    "segments": "Segment",
    "states": "State",
    "rfm_groups": "RFM group (recency, frequency, spend: champions, loyal, at_risk...)",
    "value_bands": "Value band (top: the 10 % worth most over the next 6 months)",
    "lifecycle_stages": "Lifecycle stage (recent, likely active, lapsed)",
}
# Number filters, as the builder shows them: one label per range or bound.
_NUMBER_ROWS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("Days since last order (from, to)", ("min_recency_days", "max_recency_days"), 1),
    ("Spend so far in R$ (from, to)", ("min_spend_brl", "max_spend_brl"), 1),
    (
        "Segment confidence at least (0-1: how clearly the customer belongs to the segment)",
        ("min_confidence",),
        0.05,
    ),
    (
        "P(alive) at least (0-1: the chance the customer still buys here at all)",
        ("min_p_alive",),
        0.05,
    ),
)


def download_href(kind: str, audience: AudienceFilter, version: str) -> str:
    query = {"filters": json.dumps(audience.to_json()), "version": version}
    return f"/download/audience.{kind}?" + urlencode(query)


def layout(s: Snapshot, store: AudienceStore, search: str | None = None) -> list:
    if not s.has_audience:
        return [notice("No segments yet: the data team builds them with `make run`.")]
    choices = queries.choices(s)
    # "Build an audience from this segment" (the segment page) preselects it.
    wanted = parse_qs((search or "").lstrip("?")).get("segment", [""])[0]
    preset = {"segments": [wanted]} if wanted in choices.segments else {}
    lists = []
    for name, label in _LIST_LABELS.items():
        options = getattr(choices, name)
        lists.append(
            html.Label(
                [
                    label,
                    dcc.Dropdown(
                        id=f"filter-{name}",
                        options=[{"label": o, "value": o} for o in options],
                        value=preset.get(name),
                        multi=True,
                        placeholder="any" if options else "not available yet",
                        disabled=not options,
                    ),
                ]
            )
        )
    numbers = [
        html.Label(
            [
                label,
                html.Div(
                    [
                        dcc.Input(
                            id=f"filter-{name}",
                            type="number",
                            step=step,
                            debounce=0.4,
                            placeholder="from" if name.startswith("min") else "to",
                        )
                        for name in names
                    ],
                    className="range",
                ),
            ]
        )
        for label, names, step in _NUMBER_ROWS
    ]
    saved = store.list()
    return [
        html.H2("Audience builder"),
        html.P(
            "Pick any filters: the count and revenue update as you go. Download the audience "
            "with its campaign columns, copy the SQL for the warehouse, or save it by name "
            "and run it again on a later day (with that day's customers)."
        ),
        html.Div(
            [
                html.Div(lists + numbers, className="filters"),
                html.Div(
                    [
                        html.Div(id="audience-error", className="error", role="alert"),
                        html.Div(
                            [
                                html.Div(
                                    [html.Span("-", id="audience-count"), " customers"],
                                    className="big",
                                ),
                                html.Div(id="audience-share"),
                                html.Div(id="audience-revenue"),
                                html.Div(id="audience-value"),
                            ],
                            className="card counts",
                        ),
                        html.Div(
                            [
                                html.A(
                                    "Download CSV", id="download-csv", href="#", className="button"
                                ),
                                html.A(
                                    "Download Parquet",
                                    id="download-parquet",
                                    href="#",
                                    className="button",
                                ),
                            ],
                            className="downloads",
                        ),
                        html.Div(
                            [
                                dcc.Input(
                                    id="audience-name",
                                    type="text",
                                    placeholder="Audience name",
                                    maxLength=80,
                                ),
                                html.Button("Save audience", id="audience-save"),
                                dcc.Dropdown(
                                    id="audience-saved",
                                    options=[{"label": a.name, "value": a.name} for a in saved],
                                    placeholder="Open a saved audience"
                                    if saved
                                    else "No saved audiences yet",
                                ),
                                html.Div(id="audience-save-message"),
                            ],
                            className="card save",
                        ),
                        html.H4("The same audience in SQL"),
                        html.Pre(id="audience-sql", className="sql"),
                    ],
                    className="results",
                ),
            ],
            className="builder",
        ),
        html.H3("First rows"),
        html.Div(id="audience-preview"),
        dictionary_links("segments", "dim_customer_segments", AUDIENCE_COLUMNS),
    ]


def _raw_filter(values: tuple) -> dict[str, object]:
    return dict(zip(CONTROLS.values(), values, strict=True))


def register(app: Dash, warehouse: PublishedWarehouse, store: AudienceStore) -> None:
    control_inputs = [Input(cid, "value") for cid in CONTROLS]

    @app.callback(
        *[Output(*output.split(".")) for output in UPDATE_OUTPUTS],
        *control_inputs,
    )
    def update(*values):
        s = warehouse.current()
        try:
            audience = check_filter(_raw_filter(values), queries.choices(s))
            size = queries.audience_size(s, audience)
        except AudienceError as error:
            # Nothing from the filters before may stay on screen: a count or a
            # download link of other filters would be taken for this one's.
            return ("-", "", "", "", "", None, None, "", str(error))
        preview = queries.audience_rows(s, audience, limit=PREVIEW_ROWS)
        comments = queries.column_comments(s, "segments", "dim_customer_segments")
        value = (
            f"expected value next 6 months {brl(size.expected_value_6m_brl)}"
            if size.expected_value_6m_brl is not None
            else "expected value: not scored yet"
        )
        return (
            f"{size.count_customers:,}",
            f"{share(size.share_of_customers)} of the {queries.header(s).count_customers:,} "
            f"customers scored as of {queries.header(s).as_of_date:%d %b %Y} · "
            f"{describe(audience)}",
            f"spent so far {brl(size.total_spend_brl)}",
            value,
            display_sql(audience),
            download_href("csv", audience, queries.version(s)),
            download_href("parquet", audience, queries.version(s)),
            table(
                preview,
                table_id="audience-preview-table",
                page_size=PREVIEW_ROWS,
                tooltips={c: comments.get(c, "") for c in preview.columns},
                wrap=False,
            ),
            "",
        )

    @app.callback(
        Output("audience-save-message", "children"),
        Output("audience-saved", "options"),
        Input("audience-save", "n_clicks"),
        State("audience-name", "value"),
        *[State(cid, "value") for cid in CONTROLS],
        prevent_initial_call=True,
    )
    def save(_clicks, name, *values):
        s = warehouse.current()
        try:
            audience = check_filter(_raw_filter(values), queries.choices(s))
            saved = store.save(name, audience)
        except AudienceError as error:
            return notice(str(error), "error"), no_update
        options = [{"label": a.name, "value": a.name} for a in store.list()]
        return notice(f"Saved {saved.name!r}: {describe(audience)}.", "info"), options

    @app.callback(
        *[Output(cid, "value") for cid in CONTROLS],
        Output("audience-save-message", "children", allow_duplicate=True),
        Output("audience-name", "value"),
        Input("audience-saved", "value"),
        prevent_initial_call=True,
    )
    def open_saved(name):
        if not isinstance(name, str):
            return (*[no_update] * len(CONTROLS), no_update, no_update)
        saved = store.get(name)
        if saved is None:
            return (
                *[no_update] * len(CONTROLS),
                notice("No such saved audience.", "error"),
                no_update,
            )
        s = warehouse.current()
        try:
            audience = rerun(saved, queries.choices(s))
        except AudienceError as error:
            return (
                *[no_update] * len(CONTROLS),
                notice(f"{saved.name!r} no longer fits today's data: {error}", "error"),
                no_update,
            )
        values = []
        for field in CONTROLS.values():
            value = getattr(audience, field)
            values.append(list(value) if isinstance(value, tuple) else value)
        message = notice(f"Opened {saved.name!r} (saved {saved.saved_at}), with today's customers.")
        return (*values, message, saved.name)

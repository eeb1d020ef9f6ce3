"""Pieces every page uses: the navigation, number formats, tables, notices."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping

import pandas as pd
from dash import dash_table, dcc, html

from clustering.app.queries import Header

# Dash 4 announces that DataTable leaves the built-in components in a future
# major version; pyproject.toml pins Dash below 5, so it is here for as long
# as this code runs (moving to dash-ag-grid is a change of its own).
warnings.filterwarnings(
    "ignore", message="\nThe dash_table.DataTable will be removed", category=DeprecationWarning
)

PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/segment", "Segment"),
    ("/audiences", "Audience builder"),
    ("/movements", "Movements"),
    ("/maintenance", "Maintenance"),
    ("/customer", "Customer"),
    ("/dictionary", "Data dictionary"),
)

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def brl(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    # Cents only where they matter: small per-customer expectations.
    return f"R$ {float(value):,.2f}" if abs(float(value)) < 100 else f"R$ {float(value):,.0f}"


def share(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):.1%}"


def count(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{int(value):,}"


def navigation(pathname: str) -> html.Nav:
    return html.Nav(
        [
            dcc.Link(label, href=href, className="active" if href == pathname else "")
            for href, label in PAGES
        ],
        className="nav",
    )


def status_line(header: Header, notice: str | None) -> html.Div:
    if header.as_of_date is None:
        parts = ["No segments scored yet: run `make run`."]
    else:
        parts = [
            f"Data as of {header.as_of_date:%d %b %Y}",
            f"{header.count_customers:,} customers",
            f"scored {header.scored_at:%d %b %Y %H:%M}",
            f"model {header.model_version}",
        ]
        if header.last_refresh is not None:
            parts.append(f"last refresh {header.last_refresh:%d %b %Y %H:%M}")
    children: list = [html.Span(" · ".join(parts), id="data-status")]
    if notice:
        children.append(html.Div(f"Showing the previous version: {notice}", className="warning"))
    return html.Div(children, className="status")


def notice(text: str, kind: str = "info") -> html.Div:
    return html.Div(text, className=f"notice {kind}")


def table(
    frame: pd.DataFrame,
    *,
    table_id: str | None = None,
    formats: Mapping[str, str] | None = None,
    page_size: int = 20,
    tooltips: Mapping[str, str] | None = None,
    wrap: bool = True,
) -> dash_table.DataTable:
    """A read-only table; `formats`: column -> "brl" | "share" | "count" | "2f"."""
    shown = frame.copy()
    for column, kind in (formats or {}).items():
        if column not in shown:
            continue
        if kind == "brl":
            shown[column] = shown[column].map(brl)
        elif kind == "share":
            shown[column] = shown[column].map(share)
        elif kind == "count":
            shown[column] = shown[column].map(count)
        elif kind == "2f":
            shown[column] = shown[column].map(lambda v: "-" if pd.isna(v) else f"{v:.2f}")
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    options = {"id": table_id} if table_id else {}
    return dash_table.DataTable(
        data=shown.astype(object).where(shown.notna(), None).to_dict("records"),
        columns=[{"name": str(c), "id": str(c)} for c in shown.columns],
        page_size=page_size,
        sort_action="native",
        style_table={"overflowX": "auto"},
        style_cell={
            "textAlign": "left",
            "padding": "4px 8px",
            "fontSize": "13px",
            "whiteSpace": "normal" if wrap else "nowrap",
            "height": "auto",
            "maxWidth": "420px" if wrap else "260px",
            "overflow": "hidden",
            "textOverflow": "ellipsis",
        },
        style_header={"fontWeight": "600", "backgroundColor": "#f1f3f6"},
        tooltip_header=dict(tooltips or {}),
        tooltip_delay=0,
        **options,
    )


def dictionary_links(schema: str, relation: str, columns: Iterable[str]) -> html.Details:
    """Each column linked to its entry in the data dictionary."""
    return html.Details(
        [
            html.Summary("What each column means"),
            html.Ul(
                [
                    html.Li(
                        dcc.Link(
                            name,
                            href=f"/dictionary?table={schema}.{relation}#{schema}.{relation}.{name}",
                        )
                    )
                    for name in columns
                ],
                className="columns",
            ),
        ]
    )

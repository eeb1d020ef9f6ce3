"""Data dictionary: every table and view of the analysts' schemas with its
meaning, and one table's columns at a time (?table=schema.name), as the
warehouse's own comments hold them; each column row has an anchor
(#schema.table.column) the other pages link to."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import dcc, html

from clustering.app import queries
from clustering.app.data import Snapshot


def layout(s: Snapshot, search: str | None) -> list:
    tables, columns = queries.dictionary(s)
    names = [f"{t.schema_name}.{t.table_name}" for t in tables.itertuples(index=False)]
    chosen = parse_qs((search or "").lstrip("?")).get("table", [""])[0]
    index = html.Table(
        [
            html.Tr([html.Th("table or view"), html.Th("what it holds")]),
            *[
                html.Tr(
                    [
                        html.Td(dcc.Link(html.Code(name), href=f"/dictionary?table={name}")),
                        html.Td(t.comment or ""),
                    ]
                )
                for name, t in zip(names, tables.itertuples(index=False), strict=True)
            ],
        ],
        className="dictionary",
    )
    intro = [
        html.H2("Data dictionary"),
        html.P(
            "Tables and views analysts query (schemas segments and marts), with each column's "
            "meaning. The same descriptions are in the warehouse: "
            "select * from duckdb_columns() where schema_name = 'segments'."
        ),
    ]
    if chosen not in names:
        return [*intro, index]
    row = tables.iloc[names.index(chosen)]
    schema, table = chosen.split(".", 1)
    mine = columns[(columns["schema_name"] == schema) & (columns["table_name"] == table)]
    return [
        *intro,
        dcc.Link("All tables", href="/dictionary"),
        html.H3(f"{chosen} ({row['kind']})", id=chosen),
        html.P(row["comment"] or "(no description)"),
        html.Table(
            [
                html.Tr([html.Th("column"), html.Th("type"), html.Th("meaning")]),
                *[
                    html.Tr(
                        [
                            html.Td(html.Code(c.column_name), id=f"{chosen}.{c.column_name}"),
                            html.Td(c.data_type),
                            html.Td(c.comment or ""),
                        ]
                    )
                    for c in mine.itertuples(index=False)
                ],
            ],
            className="dictionary",
        ),
    ]

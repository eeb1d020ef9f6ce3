"""Data dictionary: every table and column of the analysts' schemas with its
meaning, as the warehouse's own comments hold it; each column has an anchor
(#schema.table.column) the other pages link to."""

from __future__ import annotations

from dash import html

from clustering.app import queries
from clustering.app.data import Snapshot


def layout(s: Snapshot) -> list:
    tables, columns = queries.dictionary(s)
    sections = []
    for row in tables.itertuples(index=False):
        mine = columns[
            (columns["schema_name"] == row.schema_name) & (columns["table_name"] == row.table_name)
        ]
        anchor = f"{row.schema_name}.{row.table_name}"
        sections.append(
            html.Section(
                [
                    html.H3(f"{anchor} ({row.kind})", id=anchor),
                    html.P(row.comment or "(no description)"),
                    html.Table(
                        [
                            html.Tr([html.Th("column"), html.Th("type"), html.Th("meaning")]),
                            *[
                                html.Tr(
                                    [
                                        html.Td(
                                            html.Code(c.column_name), id=f"{anchor}.{c.column_name}"
                                        ),
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
            )
        )
    return [
        html.H2("Data dictionary"),
        html.P(
            "Tables and views analysts query (schemas segments and marts), with each column's "
            "meaning. The same descriptions are in the warehouse: "
            "select * from duckdb_columns() where schema_name = 'segments'."
        ),
        html.Ul(
            [
                html.Li(
                    html.A(
                        f"{t.schema_name}.{t.table_name}", href=f"#{t.schema_name}.{t.table_name}"
                    )
                )
                for t in tables.itertuples(index=False)
            ],
            className="columns",
        ),
        *sections,
    ]

"""Customer: one person by id: today's segment and action, the segments they
were in before, and their orders."""

from __future__ import annotations

import pandas as pd
from dash import Dash, Input, Output, State, dcc, html

from clustering.app import queries
from clustering.app.components import brl, notice, table
from clustering.app.data import PublishedWarehouse
from clustering.errors import AudienceError


def layout() -> list:
    return [
        html.H2("Look up a customer"),
        html.P(
            "Enter the person id (customer_unique_id), an order's customer id or the "
            "integer customer key."
        ),
        html.Div(
            [
                dcc.Input(
                    id="customer-id",
                    type="text",
                    placeholder="32 hex characters",
                    maxLength=64,
                    debounce=True,
                ),
                html.Button("Look up", id="customer-go"),
            ],
            className="row",
        ),
        html.Div(id="customer-result"),
    ]


def register(app: Dash, warehouse: PublishedWarehouse) -> None:
    @app.callback(
        Output("customer-result", "children"),
        Input("customer-go", "n_clicks"),
        Input("customer-id", "value"),
        State("customer-id", "value"),
        prevent_initial_call=True,
    )
    def look_up(_clicks, _typed, text):
        if not text:
            return ""
        s = warehouse.current()
        try:
            found = queries.find_customer(s, text)
        except AudienceError as error:
            return notice(str(error), "error")
        if found is None:
            return notice("No scored customer has that id.", "warning")
        row = found["current"].iloc[0]
        action = row["audience_marketing_action"] or row["segment_marketing_action"]
        value = ""
        if pd.notna(row["p_alive"]):
            expected = brl(row["expected_value_6m_brl"])
            value = f" · P(alive) {row['p_alive']:.2f} · expected 6-month value {expected}"
        return html.Div(
            [
                html.Div(
                    [
                        html.H3(
                            dcc.Link(
                                row["segment_name"], href=f"/segment?id={int(row['segment_id'])}"
                            ),
                            id="customer-segment",
                        ),
                        html.P(
                            f"{row['customer_city']} ({row['customer_state']}) · "
                            f"{int(row['count_orders'])} order(s), {brl(row['total_spend_brl'])} · "
                            f"last order {int(row['days_since_last_order'])} days ago · "
                            f"RFM group {row['rfm_group']}{value}"
                        ),
                        html.P([html.Strong("Do: "), action]),
                        html.P(
                            f"Person id {row['customer_unique_id']}, latest customer id "
                            f"{row['latest_customer_id']}, key {int(row['customer_unique_key'])}."
                        ),
                    ],
                    className="card",
                ),
                html.H3("Segments over time"),
                table(found["history"], table_id="customer-history", formats={})
                if not found["history"].empty
                else notice("No history recorded."),
                html.H3("Orders"),
                table(
                    found["orders"], table_id="customer-orders", formats={"order_value_brl": "brl"}
                )
                if not found["orders"].empty
                else notice("No orders found in marts.fct_orders."),
            ]
        )

"""Brazil's 27 states as a tile map: one square per state, roughly where it lies.

Plotly's geographic traces fetch their map shapes from a CDN when drawn, and
this product must work offline. A tile map needs no shapes at all: every state
gets the same square, so a small state (DF, SE) is as readable as a large one
(AM), which suits counts of customers better than area would. Drawn as a
plain scatter of square markers, with plotly.js served by the app itself.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# (column, row) of each state's tile; row 0 at the top (north).
TILES: dict[str, tuple[int, int]] = {
    "RR": (1, 0), "AP": (3, 0),
    "AM": (1, 1), "PA": (2, 1), "MA": (3, 1), "CE": (4, 1), "RN": (5, 1),
    "AC": (0, 2), "RO": (1, 2), "TO": (2, 2), "PI": (3, 2), "PE": (4, 2), "PB": (5, 2),
    "MT": (1, 3), "GO": (2, 3), "BA": (3, 3), "SE": (4, 3), "AL": (5, 3),
    "MS": (1, 4), "DF": (2, 4), "MG": (3, 4), "ES": (4, 4),
    "SP": (2, 5), "RJ": (3, 5),
    "PR": (2, 6),
    "SC": (2, 7),
    "RS": (2, 8),
}  # fmt: skip

STATE_NAMES: dict[str, str] = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia",
    "CE": "Ceará", "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás",
    "MA": "Maranhão", "MT": "Mato Grosso", "MS": "Mato Grosso do Sul",
    "MG": "Minas Gerais", "PA": "Pará", "PB": "Paraíba", "PR": "Paraná",
    "PE": "Pernambuco", "PI": "Piauí", "RJ": "Rio de Janeiro",
    "RN": "Rio Grande do Norte", "RS": "Rio Grande do Sul", "RO": "Rondônia",
    "RR": "Roraima", "SC": "Santa Catarina", "SP": "São Paulo", "SE": "Sergipe",
    "TO": "Tocantins",
}  # fmt: skip


def state_tile_map(counts: pd.DataFrame, *, title: str = "", height: int = 460) -> go.Figure:
    """`counts`: customer_state, count_customers, share. States absent get a grey
    tile with 0, so a gap in the data shows as a gap, not as a missing state."""
    by_state = counts.set_index("customer_state") if not counts.empty else pd.DataFrame()
    states = list(TILES)
    values = [
        int(by_state["count_customers"].get(state, 0)) if not by_state.empty else 0
        for state in states
    ]
    shares = [
        float(by_state["share"].get(state, 0.0)) if not by_state.empty else 0.0 for state in states
    ]
    hover = [
        f"{STATE_NAMES[state]} ({state})<br>{value:,} customers<br>{share:.1%} of the segment"
        for state, value, share in zip(states, values, shares, strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=[TILES[state][0] for state in states],
            y=[TILES[state][1] for state in states],
            mode="markers+text",
            text=states,
            # Dark letters on pale tiles, white on dark ones.
            textfont={
                "color": ["white" if v > 0.6 * max([*shares, 1e-9]) else "#1d2330" for v in shares],
                "size": 13,
            },
            hovertext=hover,
            hoverinfo="text",
            marker={
                "symbol": "square",
                "size": 46,
                "color": shares,
                "colorscale": "Blues",
                "cmin": 0,
                "showscale": True,
                "colorbar": {"title": {"text": "share"}, "tickformat": ".0%"},
                "line": {"color": "white", "width": 1},
            },
        )
    )
    fig.update_xaxes(visible=False, range=[-0.7, 5.7])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        plot_bgcolor="white",
        showlegend=False,
    )
    return fig

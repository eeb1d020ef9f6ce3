"""The segment report for marketing: one offline HTML file.

Reads what `clustering fit` and `clustering score` wrote to the warehouse
(profiles, contrasts, model selection, assignments) and the saved model (for
the 2-D projection), and lays it out: sizes and revenue, one card per
segment, the profile heat map, a projection of a sample, learned segments
against the rule-based RFM groups, how the model was chosen, and how the
segments are built and named.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from sklearn.decomposition import PCA

from clustering.ml.features import FEATURES, REPEAT_WEIGHT, feature
from clustering.report.page import Card, ReportPage
from clustering.report.value import add_value_sections, audience_lines, read_value_tables
from clustering.settings import Settings
from clustering.storage.connection import Connection, connect
from clustering.storage.model_store import SavedModel, load_model
from clustering.storage.readers import (
    cutoff_note,
    read_assignments,
    read_features,
    read_model_features,
    read_segment_matches,
    read_segment_rfm_crosstab,
)
from clustering.storage.segment_tables import read_segment_table

PROJECTION_SAMPLE = 3_000
PALETTE = px.colors.qualitative.D3  # hex colours, readable on white


def _colour(segment_id: int) -> str:
    return PALETTE[(segment_id - 1) % len(PALETTE)]


def _statistic(row: pd.Series, column: str, template: str) -> str | None:
    """A profile statistic as text; None when the model leaves the feature out
    (no column) and 'no value' when nobody in the segment has one (null)."""
    if column not in row.index:
        return None
    value = row[column]
    return "no value in this segment" if pd.isna(value) else template.format(value)


def _cards(profiles: pd.DataFrame, audiences: pd.DataFrame) -> list[Card]:
    cards = []
    for _, row in profiles.iterrows():
        optional = (
            ("Average review", _statistic(row, "mean_avg_review_score", "{:.1f} / 5")),
            ("Late deliveries", _statistic(row, "mean_share_late_deliveries", "{:.0%}")),
            (
                "Expected 6-month value",
                _statistic(row, "avg_expected_value_6m_brl", "R$ {:,.2f} per customer"),
            ),
            ("Likely active (P(alive) >= 0.5)", _statistic(row, "share_likely_active", "{:.1%}")),
            ("Bought in the last 45 days", _statistic(row, "share_recent", "{:.0%}")),
        )
        if pd.isna(row.get("avg_expected_value_6m_brl")):
            optional = optional[:2]  # no value model yet
        cards.append(
            Card(
                title=row.segment_name,
                subtitle=f"Segment {row.segment_id}",
                facts=(
                    ("Customers", f"{row.count_customers:,} ({row.share_customers:.1%})"),
                    ("Revenue share", f"{row.revenue_share:.1%}"),
                    ("Average spend", f"R$ {row.avg_spend_brl:,.0f}"),
                    ("Repeat buyers", f"{row.share_repeat_buyers:.0%}"),
                    *((label, text) for label, text in optional if text is not None),
                    ("Most common RFM group", row.dominant_rfm_group.replace("_", " ")),
                ),
                paragraphs=(
                    f"Who they are: {row.description}",
                    f"How they differ: {row.differences}.",
                    f"What to do: {row.marketing_action}",
                    f"Why: {row.action_reason}",
                    *audience_lines(audiences, int(row.segment_id)),
                ),
                accent=_colour(int(row.segment_id)),
            )
        )
    return cards


def _sizes_figure(profiles: pd.DataFrame) -> go.Figure:
    labels = [f"{r.segment_id}. {r.segment_name}" for r in profiles.itertuples()]
    figure = go.Figure(
        [
            go.Bar(name="share of customers", y=labels, x=profiles["share_customers"],
                   orientation="h", marker_color="#9fb3c8"),
            go.Bar(name="share of revenue", y=labels, x=profiles["revenue_share"],
                   orientation="h", marker_color="#2f6fb0"),
        ]
    )  # fmt: skip
    figure.update_layout(
        barmode="group",
        xaxis_tickformat=".0%",
        yaxis_autorange="reversed",
        height=120 + 70 * len(profiles),
        margin={"l": 20, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.08},
    )
    return figure


def _heatmap_figure(contrasts: pd.DataFrame, profiles: pd.DataFrame) -> go.Figure:
    names = dict(zip(profiles["segment_id"], profiles["segment_name"], strict=True))
    # The model's features, in declared order.
    order = [f.name for f in FEATURES if f.name in set(contrasts["feature_name"])]
    grid = contrasts.pivot(
        index="segment_id", columns="feature_name", values="standardized_difference"
    )
    means = contrasts.pivot(index="segment_id", columns="feature_name", values="segment_mean")
    grid, means = grid[order], means[order]
    text = [
        ["no value" if np.isnan(value) else f"{value:,.2f}" for value in row]
        for row in means.to_numpy(dtype=float, na_value=np.nan)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[feature(name).label for name in order],
            y=[f"{sid}. {names[sid]}" for sid in grid.index],
            text=text,
            texttemplate="%{text}",
            colorscale="RdBu",
            zmid=0,
            zmin=-2,
            zmax=2,
            colorbar={"title": "spreads from<br>average"},
            hovertemplate="%{y}<br>%{x}: segment mean %{text}<br>"
            "%{z:.2f} spreads from the average customer<extra></extra>",
        )
    )
    figure.update_layout(
        height=160 + 60 * len(grid),
        margin={"l": 20, "r": 20, "t": 20, "b": 120},
        yaxis_autorange="reversed",
    )
    return figure


def _projection_figure(
    settings: Settings, saved: SavedModel, frame: pd.DataFrame, assignments: pd.DataFrame
) -> go.Figure:
    sample = frame.sample(
        n=min(PROJECTION_SAMPLE, len(frame)), random_state=settings.random_state
    ).sort_values("customer_unique_key")
    scaled = saved.pipeline.named_steps["features"].transform(sample)
    points = PCA(n_components=2, random_state=settings.random_state).fit_transform(scaled)
    joined = sample[["customer_unique_key"]].merge(
        assignments[["customer_unique_key", "segment_id", "segment_name"]],
        on="customer_unique_key",
        how="left",
    )
    figure = go.Figure()
    for segment_id, members in joined.groupby("segment_id", sort=True):
        mask = (joined["segment_id"] == segment_id).to_numpy()
        figure.add_trace(
            go.Scattergl(
                x=points[mask, 0],
                y=points[mask, 1],
                mode="markers",
                name=f"{segment_id}. {members['segment_name'].iloc[0]}",
                marker={"size": 5, "opacity": 0.6, "color": _colour(int(segment_id))},
            )
        )
    figure.update_layout(
        height=520,
        xaxis_title="first principal component",
        yaxis_title="second principal component",
        margin={"l": 20, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def _crosstab_figure(crosstab: pd.DataFrame) -> go.Figure:
    table = crosstab.pivot_table(
        index=["segment_id", "segment_name"],
        columns="rfm_group",
        values="count_customers",
        fill_value=0,
    )
    shares = table.div(table.sum(axis=1), axis=0)
    figure = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=[str(group).replace("_", " ") for group in shares.columns],
            y=[f"{sid}. {name}" for sid, name in shares.index],
            text=table.to_numpy(),
            texttemplate="%{z:.0%}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            hovertemplate="%{y}<br>%{x}: %{text:,} customers (%{z:.1%} of the segment)"
            "<extra></extra>",
            colorbar={"title": "share of<br>segment"},
        )
    )
    figure.update_layout(
        height=160 + 60 * len(shares),
        margin={"l": 20, "r": 20, "t": 20, "b": 80},
        yaxis_autorange="reversed",
    )
    return figure


def _selection_figure(selection: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for family, rows in selection.groupby("family", sort=True):
        rows = rows.sort_values("n_segments")
        figure.add_trace(
            go.Scatter(
                x=rows["n_segments"],
                y=rows["silhouette"],
                mode="lines+markers",
                name=f"{family}: silhouette",
            )
        )
        figure.add_trace(
            go.Scatter(x=rows["n_segments"], y=rows["noise_edge"],
                       error_y={"type": "data", "symmetric": False,
                                "array": rows["noise_edge_high"] - rows["noise_edge"],
                                "arrayminus": rows["noise_edge"] - rows["noise_edge_low"]},
                       mode="lines+markers", line={"dash": "dot"},
                       name=f"{family}: refit agreement (band edge)")
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(x=rows["n_segments"], y=rows["seed_ari_min"],
                       mode="markers", marker={"symbol": "diamond-open", "size": 9},
                       name=f"{family}: seed-only refits (lowest)")
        )  # fmt: skip
    chosen = selection[selection["is_chosen"]].iloc[0]
    figure.add_vline(x=int(chosen["n_segments"]), line_dash="dash", line_color="#888")
    figure.update_layout(
        height=420,
        xaxis_title="number of segments",
        yaxis_title="score",
        margin={"l": 20, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def _features_table(coverage: pd.DataFrame) -> pd.DataFrame:
    scaling = {
        "robust": "minus median, divided by interquartile range",
        "weight": f"times {REPEAT_WEIGHT:g} (no spread to divide by)",
    }
    known = coverage.set_index("feature_name") if not coverage.empty else None
    rows = []
    for spec in FEATURES:
        row = {
            "feature": spec.label,
            "column": spec.name,
            "transform": {"identity": "none", "log1p": "log(1 + x)", "log2": "log2(x)"}[
                spec.transform
            ],
            "scaling": scaling[spec.scaling],
            "when missing": spec.missing,
        }
        if known is not None and spec.name in known.index:
            row["customers with a value"] = f"{known.loc[spec.name, 'coverage']:.1%}"
            row["in the model"] = known.loc[spec.name, "reason"]
        rows.append(row)
    return pd.DataFrame(rows)


def render_report(settings: Settings) -> Path:
    """Write the segment report to settings.report_file and return its path."""
    with connect(settings.warehouse) as con:
        return _render(settings, con)


def _render(settings: Settings, con: Connection) -> Path:
    profiles = read_segment_table(con, "segment_profiles").sort_values("segment_id")
    contrasts = read_segment_table(con, "segment_feature_contrasts")
    selection = read_segment_table(con, "model_selection")
    models = read_segment_table(con, "segment_models")
    assignments = read_assignments(con)
    version = str(profiles["model_version"].iloc[0])
    # The model that scored these tables, loaded once for the caveats its
    # fit recorded and for the projection.
    saved = load_model(settings.models_path, version)
    model_row = models[models["model_version"] == version].iloc[0]
    as_of = pd.Timestamp(profiles["as_of_date"].iloc[0]).date()
    total = int(profiles["count_customers"].sum())

    page = ReportPage(
        "Customer segments",
        f"{total:,} customers as of {as_of:%d %B %Y} - model {version}",
    )
    page.add_heading("Segments at a glance")
    page.add_paragraph(
        f"{len(profiles)} segments learned from the customers' behaviour "
        f"({model_row['family'].replace('_', ' ')}). Bars compare each segment's share of "
        "customers with its share of revenue."
    )
    page.add_figure(_sizes_figure(profiles), "Share of customers and of revenue per segment.")

    coverage = read_model_features(con, version)
    left_out = coverage[~coverage["is_used"]] if not coverage.empty else coverage
    # The list as the fit made it (the table joins them into one text).
    caveats = list(saved.info.caveats)
    cutoff = cutoff_note(con)
    if cutoff is not None:
        caveats.append(cutoff.line)
    if len(left_out) or caveats:
        page.add_heading("What these data could not support")
        for item in left_out.itertuples():
            page.add_paragraph(
                f"Feature {feature(item.feature_name).label} ({item.feature_name}) is "
                f"{item.reason}. The model, the names and the cards do not use it."
            )
        for caveat in caveats:
            page.add_paragraph(f"Caveat: {caveat[0].upper()}{caveat[1:]}.")

    value_tables = read_value_tables(con)
    audiences = value_tables["segment_audiences"] if value_tables else pd.DataFrame()
    if not audiences.empty:
        audiences = audiences[audiences["model_version"] == version]
    page.add_heading("What each segment is and what to do")
    page.add_cards(_cards(profiles, audiences))
    if value_tables is not None:
        add_value_sections(page, profiles, value_tables | {"segment_audiences": audiences})

    page.add_heading("How the segments differ from the average customer")
    page.add_paragraph(
        "Colour: how far the segment's average lies from the average customer, in typical "
        "spreads (interquartile ranges after log-scaling); red is below, blue above. The "
        "number in each cell is the segment's average in the feature's own unit."
    )
    page.add_figure(_heatmap_figure(contrasts, profiles), "Profile heat map.")

    page.add_heading("A map of customers")
    page.add_paragraph(
        f"A seeded sample of {min(PROJECTION_SAMPLE, total):,} customers projected on the "
        "two directions of largest variation of the model's scaled features (PCA). Overlap "
        f"here does not mean the segments overlap in all {len(contrasts['feature_name'].unique())} "
        "dimensions."
    )
    projection = _projection_figure(settings, saved, read_features(con).frame, assignments)
    page.add_figure(projection, "2-D projection of a sample.")

    page.add_heading("Learned segments and the RFM groups")
    page.add_paragraph(
        "The warehouse also assigns every customer a rule-based RFM group (recency, "
        "frequency and monetary scores, seed rfm_segment_rules). Each row shows how a "
        "learned segment spreads over those groups: the two views answer different "
        "questions (lifecycle stage versus experience and value) and can be combined in a "
        "campaign."
    )
    crosstab = read_segment_rfm_crosstab(con)
    page.add_figure(_crosstab_figure(crosstab), "Share of each segment in each RFM group.")

    page.add_heading("How the model was chosen")
    page.add_paragraph(f"Chosen: {model_row['selection_reason']}.")
    page.add_figure(
        _selection_figure(selection),
        "Silhouette (separation) and refit agreement per number of segments: the lower "
        "edge of the refit noise band (ARI between refits with other seeds and on "
        "resamples, with its 95 % interval) and the lowest ARI between refits that "
        "differ only by seed; a stable candidate keeps the latter at 0.95 or more.",
    )
    shown = selection[
        [
            "candidate", "family", "n_segments", "silhouette", "silhouette_without_review",
            "davies_bouldin", "calinski_harabasz", "seed_ari_min", "noise_edge",
            "noise_edge_low", "noise_edge_high", "smallest_segment_share",
            "largest_segment_share", "fit_seconds", "is_stable", "is_eligible", "is_chosen",
        ]
    ].sort_values(["family", "n_segments"])  # fmt: skip
    page.add_table(
        shown,
        "Every candidate; the chosen one is highlighted.",
        float_format="{:,.3f}",
        formats={
            "calinski_harabasz": "{:,.0f}",
            "smallest_segment_share": "{:.1%}",
            "largest_segment_share": "{:.1%}",
        },
        highlight="is_chosen",
    )
    page.add_note(
        "Silhouette is measured on a seeded sample and again without the review score, "
        "because review scores are known to dominate Olist clusterings: compare the two "
        "columns to see how much of the separation the reviews carry."
    )

    page.add_heading("How the segments are built")
    page.add_paragraph(
        "97 % of customers have a single order, so order count cannot separate most of them. "
        "The model uses it as one axis of its own (log2 of the order count, weighted so the "
        "repeat buyers can form a segment) and describes everybody by value, satisfaction, "
        "delivery experience, distance, freight and instalments."
    )
    page.add_table(_features_table(coverage), "Model features.")
    page.add_paragraph(
        "Names are made from each segment's numbers by fixed rules (clustering/ml/naming.py): "
        "recency and value words, 'repeat' or 'one-time buyers', then up to two qualifiers "
        "such as 'unhappy' or 'freight-heavy'. When the model is refitted, new segments are "
        "matched to the previous ones by their members (Hungarian matching on the Jaccard "
        "index) and keep id and name when the overlap is high enough."
    )
    matches = read_segment_matches(con, version)
    if not matches.empty:
        page.add_table(
            matches,
            f"Matches with the previous model {model_row['previous_model_version']}.",
        )
    return page.write(settings.report_file)

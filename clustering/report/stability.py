"""The maintenance report: the recommended retrain period with its range, the
contract proposal, and the evidence (stability curves against the noise band,
the decision table, drift, migration, weak segments, future behaviour, the
sensitivity of the answer to the thresholds, run times)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from clustering.errors import ModelError
from clustering.ml.features import feature
from clustering.report.page import ReportPage
from clustering.settings import Settings
from clustering.storage.model_store import load_model

if TYPE_CHECKING:
    from clustering.jobs.stability import StabilityOutcome

PALETTE = px.colors.qualitative.D3


def _curves(outcome: StabilityOutcome) -> go.Figure:
    points = outcome.decided
    band = outcome.backtest.noise_bands.sort_values("target_date")
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=band["target_date"], y=band["noise_max"], mode="lines",
                   line={"width": 0}, showlegend=False, hoverinfo="skip")
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=band["target_date"],
            y=band["noise_edge"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(120,120,120,0.25)",
            name="noise band (refits with other seeds and resamples, from its 5th percentile)",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=band["target_date"],
            y=band["noise_edge_low"],
            mode="lines",
            line={"color": "#555", "dash": "dash", "width": 1},
            name="stale below this line (low end of the band edge's 95 % interval)",
        )
    )
    for index, (origin, rows) in enumerate(points.groupby("origin_date", sort=True)):
        figure.add_trace(
            go.Scatter(
                x=rows["target_date"],
                y=rows["ari_frozen_vs_refit"],
                mode="lines+markers",
                name=f"frozen at {pd.Timestamp(origin):%Y-%m}",
                line={"color": PALETTE[index % len(PALETTE)]},
            )
        )
    figure.update_layout(
        height=460,
        yaxis_title="adjusted Rand index, frozen model vs refit",
        xaxis_title="cutoff",
        margin={"l": 20, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def _psi_heatmap(outcome: StabilityOutcome) -> go.Figure:
    table = outcome.backtest.feature_psi.pivot_table(
        index="feature_name", columns="horizon_months", values="psi", aggfunc="mean"
    )
    figure = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[f"{h} mo" for h in table.columns],
            y=[feature(name).label for name in table.index],
            colorscale="OrRd",
            zmin=0,
            zmax=max(0.3, float(table.to_numpy().max())),
            texttemplate="%{z:.2f}",
            colorbar={"title": "PSI"},
        )
    )
    figure.update_layout(height=420, margin={"l": 20, "r": 20, "t": 20, "b": 40})
    return figure


def _migration_heatmap(outcome: StabilityOutcome, origin: object, horizon: int) -> go.Figure:
    migration = outcome.backtest.migration
    names = outcome.names
    rows = migration[
        (migration["origin_date"] == origin) & (migration["horizon_months"] == horizon)
    ]
    groups = ("ageing_only", "bought_again")
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("no purchase in between (ageing)", "bought again in between"),
        horizontal_spacing=0.12,
    )
    for column, group in enumerate(groups, start=1):
        part = rows[rows["customer_group"] == group]
        grid = part.pivot(index="from_label", columns="to_label", values="share")
        labels = [names.get((origin, label), str(label))[:28] for label in grid.index]
        figure.add_trace(
            go.Heatmap(
                z=grid.to_numpy(),
                x=labels,
                y=labels,
                zmin=0,
                zmax=1,
                colorscale="Blues",
                texttemplate="%{z:.0%}",
                showscale=column == 2,
            ),
            row=1,
            col=column,
        )
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=480, margin={"l": 20, "r": 20, "t": 40, "b": 120})
    return figure


def _future_figure(outcome: StabilityOutcome) -> go.Figure | None:
    future = outcome.backtest.future
    if future.empty:
        return None
    window = int(future["window_days"].max())
    rows = future[future["window_days"] == window]
    figure = go.Figure()
    for index, (origin, part) in enumerate(rows.groupby("origin_date", sort=True)):
        figure.add_trace(
            go.Bar(
                x=[outcome.names.get((origin, label), str(label)) for label in part["label"]],
                y=part["repurchase_rate"],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part["repurchase_rate_high"] - part["repurchase_rate"],
                    "arrayminus": part["repurchase_rate"] - part["repurchase_rate_low"],
                },
                name=f"segments at {pd.Timestamp(origin):%Y-%m}",
                marker_color=PALETTE[index % len(PALETTE)],
            )
        )
    figure.update_layout(
        barmode="group",
        height=460,
        yaxis_title=f"repurchase within {window} days",
        yaxis_tickformat=".1%",
        margin={"l": 20, "r": 20, "t": 20, "b": 160},
    )
    return figure


def _kept_segments(outcome: StabilityOutcome, months: int) -> str:
    """What a retrain after `months` kept in the backtest, in words."""
    points = outcome.decided
    if points.empty:
        return ""
    horizon = min(points["horizon_months"].unique(), key=lambda h: (abs(h - months), h))
    kept = points.loc[points["horizon_months"] == horizon, "count_segments_carried"]
    k = outcome.structure.n_segments
    spread = (
        f" (from {kept.min()} to {kept.max()} over {len(kept)} origins)" if len(kept) > 1 else ""
    )
    return (
        f"In the backtest, a retrain after {horizon} month(s) kept {kept.median():.0f} of the "
        f"{k} segments{spread}."
    )


def _for_marketing(page: ReportPage, settings: Settings, outcome: StabilityOutcome) -> None:
    """The contract in plain words, before the evidence."""
    rec = outcome.recommendation
    config = settings.stability
    page.add_heading("In short, for marketing")
    page.add_paragraph(
        f"The segments are rebuilt (retrained) every {rec.months} month(s). Looking back over "
        f"the history, a rebuild became necessary after {rec.low} to {rec.high} months; "
        f"this rests on {rec.count_origins} starting points"
        + (
            f", {rec.count_censored} of which never needed one within the months seen."
            if rec.count_censored
            else "."
        )
    )
    try:
        saved = load_model(settings.models_path)
    except ModelError:
        saved = None
    if saved is not None and saved.info.family == outcome.structure.family:
        fitted = pd.Timestamp(saved.info.as_of_date)
        due = fitted + pd.DateOffset(months=rec.months)
        page.add_paragraph(
            f"Next scheduled retrain: {due:%d %B %Y} ({rec.months} month(s) after "
            f"{fitted:%d %B %Y}, the data of the segments in use today)."
        )
    else:
        page.add_paragraph(
            f"Next scheduled retrain: {rec.months} month(s) after the next `clustering fit`."
        )
    traits = ", ".join(feature(name).label.lower() for name in config.core_features)
    page.add_paragraph(
        "An earlier retrain is recommended by the daily check (`clustering monitor`, run on "
        "every refresh) as soon as one of these happens: customers have changed so much that "
        "a fresh fit would group them differently from today's segments, by more than "
        "refitting alone ever does; a key customer trait has shifted (one of: "
        f"{traits}; population stability index above {config.psi_threshold}); or a segment "
        f"has grown or shrunk by more than {config.share_shift_points:g} points of all "
        "customers." + (f" Today's check: {outcome.monitor_line}." if outcome.monitor_line else "")
    )
    page.add_paragraph(
        "What a retrain changes for running campaigns: a segment whose customers mostly stay "
        f"together (overlap of at least {settings.carry_over_jaccard:.0%} by the Jaccard "
        "index) keeps its number and its name, so audiences and exports built on it keep "
        "working; its name is re-checked and changed only if its description is no longer "
        "true. A segment without such a match gets a new number and name: campaigns aimed at "
        "the old one must be pointed at the new segments (segments.segment_matches lists "
        "which old segment each new one came from). " + _kept_segments(outcome, rec.months)
    )
    seed = outcome.backtest.noise_bands["seed_ari_min"]
    if seed.notna().any():
        page.add_paragraph(
            "Refitting the same customers again gives the same segments (the lowest "
            f"agreement between refits that differ only by their random start is "
            f"{seed.min():.3f} over all {len(seed)} monthly cutoffs, where 1 is identical), "
            "so a retrain moves customers only as far as their behaviour changed."
        )


def render_stability_report(settings: Settings, outcome: StabilityOutcome) -> Path:
    rec = outcome.recommendation
    config = settings.stability
    backtest = outcome.backtest
    page = ReportPage(
        "Segmentation maintenance",
        f"{outcome.structure.family.replace('_', ' ')} with {outcome.structure.n_segments} "
        f"segments, backtested on {len(backtest.cutoffs)} monthly cutoffs "
        f"({min(backtest.cutoffs):%Y-%m} to {max(backtest.cutoffs):%Y-%m})",
    )
    _for_marketing(page, settings, outcome)
    page.add_heading("Recommendation")
    page.add_paragraph(f"{rec.text[0].upper()}{rec.text[1:]}.")
    bands = backtest.noise_bands
    page.add_paragraph(
        f"Noise band: {1 + config.noise_seeds + config.noise_bootstraps} refits at every "
        f"cutoff (the production seed, {config.noise_seeds} other seeds, "
        f"{config.noise_bootstraps} bootstrap resamples, each on every customer). Their "
        f"pairwise adjusted Rand index has its {config.noise_quantile:.0%} quantile between "
        f"{bands['noise_edge'].min():.3f} and {bands['noise_edge'].max():.3f} across "
        f"cutoffs; refits that differ only by seed agree at {bands['seed_ari_min'].min():.3f} "
        "or more. The frozen model counts as stale only below the whole 95 % interval of "
        "that quantile (refits resampled), so the verdict does not depend on which refits "
        "were drawn."
    )
    page.add_table(
        bands,
        "The noise band at every cutoff: its lower edge with the 95 % interval, the lowest "
        "seed-only agreement and the spread of all pairs.",
        float_format="{:,.3f}",
    )

    page.add_heading("Proposed contract")
    monitor_time = (
        f"{outcome.seconds['monitor']:.1f} s"
        if outcome.seconds["monitor"] == outcome.seconds["monitor"]
        else "(not measured: no saved model)"
    )
    page.add_paragraph(
        f"1. Scheduled retrain every {rec.months} month(s) (range seen over the history: "
        f"{rec.low} to {rec.high}), with `clustering fit`; a refit of the production "
        f"structure on the latest customers took {outcome.seconds['retrain']:.1f} s on this "
        "machine, model selection included it takes about a minute (benchmarks/SEGMENTS.md)."
    )
    page.add_paragraph(
        "2. On every refresh, after `dbt build` and `clustering score`, run `clustering "
        f"monitor` ({monitor_time} here). It checks the saved model's agreement with "
        f"{1 + config.noise_seeds + config.noise_bootstraps} refits on the day's customers "
        "against that day's noise band, the population stability index of the core features "
        f"({', '.join(config.core_features)}) and each segment's share."
    )
    page.add_paragraph(
        "3. Unscheduled retrain when the monitor says so: agreement below the noise band, a "
        f"core feature's PSI above {config.psi_threshold}, or a segment's share moved by more "
        f"than {config.share_shift_points:g} points since the fit."
    )
    page.add_paragraph(
        "4. Names carry over: a refit matches its segments to the previous model's by their "
        "members (Hungarian matching on the Jaccard index); a segment with Jaccard of at "
        f"least {settings.carry_over_jaccard} keeps its id and name, others get new ones "
        "and are announced to marketing (segments.segment_matches)."
    )

    page.add_heading("Frozen model versus refit")
    page.add_paragraph(
        "Each line is a model fitted at one origin and frozen; each point compares its "
        "assignments with a refit at a later cutoff. The grey band is the agreement between "
        "refits at that cutoff that differ only by seed or resample, from its 5th percentile "
        "up: the noise of refitting. Below the dashed line the frozen model is stale."
    )
    page.add_figure(_curves(outcome), "Agreement of frozen models with refits, and the noise band.")
    page.add_table(
        outcome.triggers.rename(columns={"first_due_horizon_months": "first due (months)"}),
        "First horizon at which a retrain was due, per origin.",
    )
    shown = outcome.decided[
        [
            "origin_date", "horizon_months", "ari_frozen_vs_refit", "noise_lower_edge",
            "max_core_psi", "max_core_psi_feature", "max_share_shift_points",
            "share_stayed_ageing_only", "count_segments_carried", "is_retrain_due", "reasons",
        ]
    ]  # fmt: skip
    page.add_table(shown, "Every origin and horizon.", float_format="{:,.3f}")

    page.add_heading("Drift")
    page.add_paragraph(
        "Population stability index of each feature between the origin and the cutoff, "
        "averaged over origins. Days since the last order grows as customers age: that is "
        "expected and not part of the rule."
    )
    page.add_figure(_psi_heatmap(outcome), "Mean PSI per feature and horizon.")

    page.add_heading("Migration")
    origin = backtest.origins[0]
    horizons = sorted(
        backtest.migration[backtest.migration["origin_date"] == origin]["horizon_months"].unique()
    )
    horizon = min(horizons, key=lambda h: abs(h - rec.months)) if horizons else None
    if horizon is not None:
        page.add_paragraph(
            f"Where the members of each segment at {pd.Timestamp(origin):%Y-%m} are "
            f"{horizon} month(s) later by the frozen model (rows sum to 100 %). Customers who "
            "did not buy again only aged; moves among them are the expected drift of recency."
        )
        page.add_figure(_migration_heatmap(outcome, origin, int(horizon)), "Migration matrices.")

    page.add_heading("Segment strength at fit time")
    page.add_paragraph(
        f"Bootstrap Jaccard per segment (clusterboot, {config.jaccard_rounds} resamples): "
        f"below {config.weak_jaccard} a segment dissolves under resampling and should not "
        "carry a campaign on its own."
    )
    jaccard = backtest.segment_jaccard.assign(
        segment_name=[outcome.names.get(key, "") for key in
                      zip(backtest.segment_jaccard["origin_date"],
                          backtest.segment_jaccard["label"], strict=True)]
    )  # fmt: skip
    page.add_table(jaccard, "Per-segment stability.", highlight="is_weak")

    page.add_heading("Do segments predict behaviour?")
    figure = _future_figure(outcome)
    if figure is None:
        page.add_paragraph("No origin has a fully observed future window in these data.")
    else:
        page.add_figure(figure, "Repurchase rate after each origin, with 95 % Wilson intervals.")
        page.add_table(
            backtest.future_tests,
            "Chi-square test per origin and window: do the segments' repurchase rates differ?",
            float_format="{:,.4f}",
        )

    page.add_heading("How sensitive is the answer?")
    page.add_table(
        outcome.sensitivity,
        "The recommendation replayed with other thresholds. band_edge: interval (the "
        "contract: below the whole 95 % interval of the band's 5th percentile), quantile "
        "(below the 5th percentile itself), min (below every pair of refits), mean-2sd.",
        float_format="{:,.2f}",
    )
    path = settings.stability_report_file
    return page.write(path)

"""Maintenance, for a manager: how old the segmentation is, when it is due
again, what the last check said and what a retrain changes. The figures
behind it are one click away."""

from __future__ import annotations

from datetime import date

import pandas as pd
from dash import html

from clustering.app import queries
from clustering.app.components import notice, table
from clustering.app.data import Snapshot

RETRAIN_EFFECTS = (
    "A retrain learns the segments again from the latest data. A new segment that holds "
    "mostly the same customers as an old one keeps the old one's name and number, so saved "
    "audiences and running campaigns that filter on it keep working. A segment with no "
    "match gets a new name; one that disappears leaves the audiences that named it without "
    "members: the audience builder says so when such an audience is opened. Customers' "
    "previous segments stay in the history, so movements across a retrain can still be read."
)


def _date(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def plain_words(frames: dict[str, pd.DataFrame]) -> list[str]:
    """The state of the segmentation in sentences a manager can act on."""
    model, monitor, contract = frames["model"], frames["monitor"], frames["contract"]
    lines: list[str] = []
    if model.empty:
        return ["No segment model has been fitted yet: run `make run`."]
    fitted = model.iloc[0]
    fitted_on = _date(fitted["as_of_date"])
    lines.append(
        f"The segments were learned from {int(fitted['count_customers']):,} customers' data "
        f"up to {fitted_on:%d %B %Y} ({int(fitted['n_segments'])} segments)."
    )
    months = int(contract.iloc[0]["recommended_months"]) if not contract.empty else None
    if monitor.empty:
        if months is not None:
            lines.append(
                f"The stability study recommends learning them again every {months} months."
            )
        lines.append(
            "No daily check has run yet: `clustering monitor` runs it (the daily refresh does)."
        )
        return lines
    last = monitor.iloc[0]
    age = float(last["model_age_months"])
    due = _date(last["retrain_due_date"])
    lines.append(
        f"At the last check the model was {age:.1f} months old"
        + (f"; the next planned retrain is due on {due:%d %B %Y}" if due else "")
        + (f" (every {months} months, as measured by the stability study)." if months else ".")
    )
    checked = pd.Timestamp(last["monitored_at"])
    if bool(last["is_retrain_recommended"]):
        lines.append(
            f"The last check ({checked:%d %b %Y %H:%M}) recommends retraining now: "
            f"{last['reasons'] or 'the segments no longer describe the customers as they did'}."
        )
    else:
        lines.append(
            f"The last check ({checked:%d %b %Y %H:%M}) found no reason to retrain early: "
            "customers' behaviour and the segments' sizes are still within what normal "
            "day-to-day variation produces."
        )
    return lines


def value_words(runs: pd.DataFrame) -> list[str]:
    """The value model's last check in a sentence (nothing without one)."""
    if runs.empty:
        return []
    last = runs.iloc[0]
    since = _date(last["window_start"])
    verdict = (
        "further from its prediction than normal: the value predictions need a refit "
        "(the data team runs `clustering value`)"
        if bool(last["is_drifting"])
        else "within the normal range of its prediction"
    )
    return [
        f"The value model expected {float(last['predicted_purchases']):,.0f} purchases since "
        f"{since:%d %B %Y}; {float(last['actual_purchases']):,.0f} happened, {verdict}."
    ]


def layout(s: Snapshot) -> list:
    frames = queries.maintenance(s)
    technical = []
    for key, title in (
        ("monitor", "The monitor's last checks (segments.monitoring_runs)"),
        ("contract", "The retraining contract (segments.stability_recommendation)"),
        ("model", "The current model (segments.segment_models)"),
        ("value_model", "The value model (segments.value_models)"),
        ("value_monitor", "The value model's last check (segments.value_monitoring_runs)"),
    ):
        frame = frames[key]
        if not frame.empty:
            shown = frame.T.reset_index() if len(frame) == 1 else frame
            if len(frame) == 1:
                shown.columns = ["figure", "value"]
                shown["value"] = shown["value"].astype(str)
            technical += [html.H4(title), table(shown, formats={}, page_size=40)]
    value_line = [html.Li(line) for line in value_words(frames["value_monitor"])]
    return [
        html.H2("Maintenance"),
        html.Div(
            html.Ul(
                [html.Li(line) for line in plain_words(frames)] + value_line,
                id="maintenance-summary",
            ),
            className="card",
        ),
        html.H3("What a retrain does to segment names and running audiences"),
        html.P(RETRAIN_EFFECTS),
        html.Details(
            [
                html.Summary("Technical figures", id="technical-link"),
                html.P(
                    [
                        "The stability study's full report: ",
                        html.A("stability report", href="/reports/stability.html", target="_blank"),
                        "; the segment report: ",
                        html.A("segments report", href="/reports/segments.html", target="_blank"),
                        ".",
                    ]
                ),
                *technical,
            ]
            if technical
            else [html.Summary("Technical figures"), notice("No figures yet.")]
        ),
    ]

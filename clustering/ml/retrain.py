"""The retrain rule and the retrain period derived from it.

One rule judges both the backtest's history (every origin x horizon) and the
monitor's today: a retrain is due when the frozen model agrees with refits
less than refitting alone explains (below the noise band), a core feature's
PSI exceeds the threshold, a segment's share moved by more than the set
points, or (monitor only) the model is older than the contract period. The
first due horizon of every backtest origin, read as survival times, gives the
recommended period and its range; the sensitivity table replays other
thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Average month length in days, for a model's age in months.
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Rule:
    """The retrain rule's thresholds (one replay of the history)."""

    psi_threshold: float
    share_shift_points: float
    band_edge: str = "interval"


# Where "below the noise band" starts, by Rule.band_edge: the contract's rule
# is "interval" (below the whole 95 % interval of the band's low quantile);
# the others are replayed in the sensitivity table.
BAND_EDGES: dict[str, Callable[[Mapping[str, Any]], float]] = {
    "interval": lambda band: band["noise_edge_low"],
    "quantile": lambda band: band["noise_edge"],
    "min": lambda band: band["noise_min"],
    "mean-2sd": lambda band: band["noise_mean"] - 2 * band["noise_std"],
}


def retrain_reasons(measured: Mapping[str, Any], rule: Rule) -> list[str]:
    """Why a retrain is due, one sentence per trigger (none: not due).

    `measured` holds one judgement's measures under the names of
    segments.stability_points: ari_frozen_vs_refit and the noise band's
    columns, max_core_psi(_feature), max_share_shift_points, and for the
    monitor model_age_months with recommended_months (the contract period;
    None: age is not judged). The backtest judges every origin x horizon with
    it, the monitor judges today with it: one rule, one wording."""
    found = []
    edge = noise_lower_edge(measured, rule)
    if measured["ari_frozen_vs_refit"] < edge:
        found.append(
            f"frozen-vs-refit ARI {measured['ari_frozen_vs_refit']:.2f} below the noise band "
            f"({edge:.2f})"
        )
    if measured["max_core_psi"] > rule.psi_threshold:
        found.append(f"PSI of {measured['max_core_psi_feature']} {measured['max_core_psi']:.2f}")
    if measured["max_share_shift_points"] > rule.share_shift_points:
        found.append(f"a segment share moved {measured['max_share_shift_points']:.1f} points")
    recommended = measured.get("recommended_months")
    age = measured.get("model_age_months")
    if recommended is not None and age is not None and age >= recommended:
        found.append(f"the model is {age:.1f} months old (contract: {recommended})")
    return found


def noise_lower_edge(measured: Mapping[str, Any], rule: Rule) -> float:
    """Where "below the noise band" starts under this rule."""
    return float(BAND_EDGES[rule.band_edge](measured))


def apply_rule(points: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """points with is_stale, the triggers and their reasons for one rule
    (retrain_reasons on every row)."""
    if rule.band_edge not in BAND_EDGES:
        raise ValueError(f"band_edge must be one of {', '.join(BAND_EDGES)}, got {rule.band_edge}")
    out = points.copy()
    # The same edge as noise_lower_edge, on every row at once (BAND_EDGES
    # read columns of a frame as they read fields of a row).
    out["noise_lower_edge"] = BAND_EDGES[rule.band_edge](out).astype(float)
    out["is_stale"] = out["ari_frozen_vs_refit"] < out["noise_lower_edge"]
    out["is_feature_drift"] = out["max_core_psi"] > rule.psi_threshold
    out["is_share_shift"] = out["max_share_shift_points"] > rule.share_shift_points
    out["is_retrain_due"] = out["is_stale"] | out["is_feature_drift"] | out["is_share_shift"]
    reasons = ["; ".join(retrain_reasons(row, rule)) for _, row in out.iterrows()]
    out["reasons"] = pd.Series(reasons, index=out.index, dtype=object) if len(out) else ""
    return out


def first_triggers(decided: pd.DataFrame) -> pd.DataFrame:
    """Per origin: the first horizon a retrain was due, or censored at the last seen."""
    rows = []
    for origin, group in decided.groupby("origin_date", sort=True):
        due = group[group["is_retrain_due"]].sort_values("horizon_months")
        observed = int(group["horizon_months"].max())
        if due.empty:
            rows.append(
                {
                    "origin_date": origin,
                    "first_due_horizon_months": None,
                    "observed_horizon_months": observed,
                    "is_censored": True,
                    "reasons": "",
                }
            )
        else:
            first = due.iloc[0]
            rows.append(
                {
                    "origin_date": origin,
                    "first_due_horizon_months": int(first["horizon_months"]),
                    "observed_horizon_months": observed,
                    "is_censored": False,
                    "reasons": first["reasons"],
                }
            )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Recommendation:
    """The retrain period in months, its range over origins and how it was read."""

    months: int
    low: int
    high: int
    count_origins: int
    count_censored: int
    text: str


def survival(triggers: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier estimate of 'still no retrain due' by horizon: origins that
    were never due are censored at the last horizon seen, not counted as due."""
    times = np.where(
        triggers["is_censored"],
        triggers["observed_horizon_months"],
        triggers["first_due_horizon_months"].fillna(0),
    ).astype(int)
    due = ~triggers["is_censored"].to_numpy(bool)
    rows, still = [], 1.0
    for horizon in range(1, int(times.max()) + 1):
        at_risk = int((times >= horizon).sum())
        events = int(((times == horizon) & due).sum())
        if at_risk:
            still *= 1 - events / at_risk
        rows.append(
            {"horizon_months": horizon, "at_risk": at_risk, "due": events, "survival": still}
        )
    return pd.DataFrame(rows)


def recommend(triggers: pd.DataFrame, max_horizon: int) -> Recommendation:
    """The retrain period from the first-due horizons of all origins.

    Recommended: the Kaplan-Meier median time until a retrain is due (half of
    the origins needed one by then). When fewer than half were ever due, the
    median is not reached: the longest horizon still observed for at least
    half of the origins is recommended (the evidence goes no further) and
    the monitor is relied on for earlier triggers. Range: the earliest and
    the latest horizon at which an origin was due (or the median when none)."""
    if triggers.empty:
        raise ValueError("no origin to recommend from")
    curve = survival(triggers)
    count = len(triggers)
    censored = int(triggers["is_censored"].sum())
    due_at = triggers.loc[~triggers["is_censored"], "first_due_horizon_months"].astype(int)
    reached = curve[curve["survival"] <= 0.5]
    if not reached.empty:
        months = int(reached["horizon_months"].iloc[0])
        text = (
            f"retrain every {months} month(s): by then half of the {count} backtest origins "
            f"needed a retrain (Kaplan-Meier median; origins were due after "
            f"{due_at.min()} to {due_at.max()} months"
            + (f", {censored} never due within the horizons seen" if censored else "")
            + ")"
        )
    else:
        supported = curve[curve["at_risk"] >= count / 2]
        months = int(supported["horizon_months"].max()) if not supported.empty else 1
        months = min(months, max_horizon)
        early = (
            f"{len(due_at)} of {count} origins were due earlier (after "
            f"{due_at.min()} to {due_at.max()} months)"
            if len(due_at)
            else "no origin was ever due"
        )
        text = (
            f"retrain every {months} month(s): fewer than half of the {count} backtest origins "
            f"ever needed a retrain, and {months} months is the longest horizon at which at "
            f"least half of them were still observed and not yet due; {early}, so run the "
            "monitor on every refresh"
        )
    low = int(due_at.min()) if len(due_at) else months
    high = int(due_at.max()) if len(due_at) else months
    return Recommendation(months, min(low, months), max(high, months), count, censored, text)


def sensitivity(points: pd.DataFrame, max_horizon: int) -> pd.DataFrame:
    """The recommendation replayed under other thresholds."""
    rows = []
    for band_edge in BAND_EDGES:
        for psi_threshold in (0.1, 0.25, 0.4):
            for shift in (3.0, 5.0, 10.0):
                rule = Rule(psi_threshold, shift, band_edge)
                rec = recommend(first_triggers(apply_rule(points, rule)), max_horizon)
                rows.append(
                    {
                        "band_edge": band_edge,
                        "psi_threshold": psi_threshold,
                        "share_shift_points": shift,
                        "recommended_months": rec.months,
                        "range_low_months": rec.low,
                        "range_high_months": rec.high,
                        "count_censored": rec.count_censored,
                    }
                )
    return pd.DataFrame(rows)

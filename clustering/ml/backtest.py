"""Backtest of the segmentation over the data's history: how long does a
frozen model stay as good as a refit, measured against the noise of refitting.

Data: marts.fct_customer_features_at_cutoffs, the features of every customer
as known at each monthly cutoff (built by dbt with the same macros as the
single-date marts, so nothing after a cutoff leaks in).

For every origin T0 and horizon h (T = T0 + h months):

- frozen versus refit: the model fitted at T0 (M0, frozen: scaler, centres)
  assigns the customers known at T; models refitted at T with the same
  settings (the production seed, other seeds, bootstrap resamples) assign
  them too; the mean adjusted Rand index (ARI) of M0 with those refits is
  the agreement;
- noise band (clustering.refits): the ARI between every pair of refits at
  T0 and, separately, at T (M0 is itself one draw of the refits at T0).
  Refitting alone moves the ARI this much, so the frozen model is stale only
  when its agreement falls below the band, not below a fixed number: below
  the whole 95 % interval of the band's low quantile, at the end (T0 or T)
  where that edge is lower. Every refit uses every customer of the cutoff
  (the bootstrap ones a resample of them), so the band measures refitting,
  not which sample was drawn;
- carry-over: how many segments a retrain at T would keep (refit segments
  whose members match a frozen segment's at Jaccard >= carry_over_jaccard);
- migration: where M0's segments at T0 are at T (by M0), separately for
  customers with no purchase in between (their change is expected ageing:
  days since last order grew) and customers who bought again;
- drift: population stability index (PSI) of every feature between T0 and T,
  and of M0's segment shares;
- at T0: clusterboot per-segment bootstrap Jaccard, and each segment's
  repurchase rate and spend over the next 90 and 180 days with 95 % intervals.

The decision rule (thresholds in StabilitySettings): a retrain was due at the
first horizon where the frozen-vs-refit ARI is below the noise band, or a
core feature's PSI exceeds `psi_threshold`, or a segment's share moved by
more than `share_shift_points` points. The first such horizon of every
origin, replayed over the history, gives the recommended period and range.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency
from sklearn.pipeline import Pipeline

from clustering.drift import best_jaccard, feature_psi, label_shares, psi
from clustering.features import FEATURE_NAMES
from clustering.models import make_segmenter
from clustering.naming import match_segments
from clustering.refits import NoiseBand, Refit, agreement, fit_refit, noise_band, noise_refits
from clustering.settings import StabilitySettings

Progress = Callable[[str], None]
Z95 = 1.959963984540054


class NoOriginError(ValueError):
    """The history is too short or too small for a single backtest origin."""


@dataclass(frozen=True)
class Structure:
    """What is refitted: the production model's family and size."""

    family: str
    n_segments: int
    n_init: int
    random_state: int
    # The model's features (None: every declared feature).
    features: tuple[str, ...] | None = None
    init_sample: int | None = 10_000


@dataclass
class Backtest:
    """Every measure of one backtest, as frames ready for the warehouse."""

    structure: Structure
    cutoffs: list[pd.Timestamp]
    origins: list[pd.Timestamp]
    points: pd.DataFrame  # one row per origin x horizon
    noise: pd.DataFrame  # one row per cutoff x pair of refits
    noise_bands: pd.DataFrame  # one row per cutoff: the band's edge, interval, seed agreement
    migration: pd.DataFrame  # one row per origin x horizon x group x from x to
    feature_psi: pd.DataFrame  # one row per origin x horizon x feature
    segment_jaccard: pd.DataFrame  # one row per origin x segment
    future: pd.DataFrame  # one row per origin x window x segment
    future_tests: pd.DataFrame  # one row per origin x window: do segments differ?
    seconds: dict[str, float] = field(default_factory=dict)


def wilson_interval(successes: int, trials: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if trials == 0:
        return float("nan"), float("nan")
    p = successes / trials
    denominator = 1 + Z95**2 / trials
    centre = (p + Z95**2 / (2 * trials)) / denominator
    half = Z95 * np.sqrt(p * (1 - p) / trials + Z95**2 / (4 * trials**2)) / denominator
    # Exact at the ends: rounding must not put 0 or 1 outside its own interval.
    return float(min(max(centre - half, 0.0), p)), float(max(min(centre + half, 1.0), p))


class _Cutoffs:
    """The snapshot frame split by cutoff, with fits and noise bands cached per cutoff."""

    def __init__(
        self, snapshots: pd.DataFrame, structure: Structure, config: StabilitySettings
    ) -> None:
        self.structure = structure
        self.config = config
        self.frames = {
            pd.Timestamp(date): frame.sort_values("customer_unique_key").reset_index(drop=True)
            for date, frame in snapshots.groupby("as_of_date", sort=True)
        }
        self._reference: dict[pd.Timestamp, tuple[Pipeline, np.ndarray]] = {}
        self._refits: dict[pd.Timestamp, list[Refit]] = {}
        self._bands: dict[pd.Timestamp, NoiseBand] = {}

    def make(self, seed: int) -> Pipeline:
        """An unfitted model of the structure under contract."""
        return make_segmenter(
            self.structure.n_segments,
            self.structure.family,
            features=self.structure.features,
            random_state=seed,
            n_init=self.structure.n_init,
            init_sample=self.structure.init_sample,
        )

    def reference(self, date: pd.Timestamp) -> tuple[Pipeline, np.ndarray]:
        """The refit at this cutoff (production seed, every customer) and its labels."""
        if date not in self._reference:
            model = fit_refit(self.make, self.frames[date], self.structure.random_state)
            self._reference[date] = (model, model.predict(self.frames[date]))
        return self._reference[date]

    def refits(self, date: pd.Timestamp) -> list[Refit]:
        """The reference refit and every noise refit at this cutoff: other
        seeds (other starts) and bootstrap resamples."""
        if date not in self._refits:
            _, labels = self.reference(date)
            self._refits[date] = [
                Refit("reference", labels),
                *noise_refits(
                    self.make,
                    self.frames[date],
                    self.structure.random_state,
                    self.config.noise_seeds,
                    self.config.noise_bootstraps,
                ),
            ]
        return self._refits[date]

    def noise(self, date: pd.Timestamp) -> NoiseBand:
        """The noise band of the refits at this cutoff."""
        if date not in self._bands:
            self._bands[date] = noise_band(
                self.refits(date), self.config.noise_quantile, seed=self.structure.random_state
            )
        return self._bands[date]

    def measured_bands(self) -> list[pd.Timestamp]:
        return list(self._bands)

    def agreement(self, date: pd.Timestamp, frozen: np.ndarray) -> float:
        """Mean ARI between a frozen model's labels and every refit at this cutoff."""
        return agreement(self.refits(date), frozen)


def choose_origins(cutoffs: list[pd.Timestamp], counts: dict, config: StabilitySettings) -> list:
    """Every origin_step_months-th cutoff with enough people and a later cutoff."""
    usable = [date for date in cutoffs if counts[date] >= config.min_customers]
    if len(usable) < 2:
        return []
    first = cutoffs.index(usable[0])
    return [
        date
        for date in cutoffs[first : -1 : config.origin_step_months]
        if counts[date] >= config.min_customers
    ]


def _migration_rows(
    origin: pd.Timestamp,
    horizon: int,
    before: pd.DataFrame,
    after_labels: np.ndarray,
    n_segments: int,
) -> list[dict[str, object]]:
    rows = []
    groups = {
        "all": np.ones(len(before), dtype=bool),
        "ageing_only": ~before["bought_again"].to_numpy(),
        "bought_again": before["bought_again"].to_numpy(),
    }
    for group, mask in groups.items():
        table = np.zeros((n_segments, n_segments))
        np.add.at(table, (before["label"].to_numpy()[mask], after_labels[mask]), 1)
        totals = table.sum(axis=1)
        for source in range(n_segments):
            for target in range(n_segments):
                rows.append(
                    {
                        "origin_date": origin,
                        "horizon_months": horizon,
                        "customer_group": group,
                        "from_label": source,
                        "to_label": target,
                        "count_customers": int(table[source, target]),
                        "share": float(table[source, target] / totals[source])
                        if totals[source]
                        else 0.0,
                    }
                )
    return rows


def _segment_jaccard(
    cache: _Cutoffs, origin: pd.Timestamp, frame: pd.DataFrame, labels: np.ndarray
) -> list[dict[str, object]]:
    config = cache.config
    rounds = []
    rng = np.random.default_rng(cache.structure.random_state + 3000)
    for round_ in range(config.jaccard_rounds):
        rows = rng.integers(0, len(frame), size=len(frame))
        model = cache.make(cache.structure.random_state + 3000 + round_).fit(frame.iloc[rows])
        rounds.append(best_jaccard(labels, rows, model.predict(frame.iloc[rows])))
    scores = np.mean(rounds, axis=0)
    present = np.unique(labels)
    return [
        {
            "origin_date": origin,
            "label": int(label),
            "count_customers": int((labels == label).sum()),
            "bootstrap_jaccard": float(score),
            "is_weak": bool(score < config.weak_jaccard),
        }
        for label, score in zip(present, scores, strict=True)
    ]


def _future_rows(
    origin: pd.Timestamp,
    frame: pd.DataFrame,
    labels: np.ndarray,
    purchases: pd.DataFrame,
    data_end: pd.Timestamp,
    windows: tuple[int, ...],
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    start = origin + pd.Timedelta(days=1)  # cutoff_at: the end of the origin day
    rows, tests = [], []
    for window in windows:
        end = start + pd.Timedelta(days=window)
        if end > data_end:
            continue  # the window is not fully observed: no figure rather than a biased one
        bought = purchases[(purchases["purchased_at"] >= start) & (purchases["purchased_at"] < end)]
        per_customer = bought.groupby("customer_unique_key")["order_value_brl"].sum()
        spend = frame["customer_unique_key"].map(per_customer).fillna(0.0).to_numpy(float)
        repurchased = spend > 0
        table = []
        for label in np.unique(labels):
            members = labels == label
            n = int(members.sum())
            hits = int(repurchased[members].sum())
            low, high = wilson_interval(hits, n)
            spent = spend[members]
            half = Z95 * spent.std(ddof=1) / np.sqrt(n) if n > 1 else float("nan")
            rows.append(
                {
                    "origin_date": origin,
                    "window_days": window,
                    "label": int(label),
                    "count_customers": n,
                    "count_repurchased": hits,
                    "repurchase_rate": hits / n,
                    "repurchase_rate_low": low,
                    "repurchase_rate_high": high,
                    "future_spend_brl": float(spent.mean()),
                    # Spend cannot be negative: the normal interval is cut at 0.
                    "future_spend_low": float(max(spent.mean() - half, 0.0)),
                    "future_spend_high": float(spent.mean() + half),
                }
            )
            table.append([hits, n - hits])
        contingency = np.array(table)
        if contingency[:, 0].sum() > 0 and len(contingency) > 1:
            chi2, p_value, _, _ = chi2_contingency(contingency)
        else:
            chi2, p_value = 0.0, 1.0
        tests.append(
            {
                "origin_date": origin,
                "window_days": window,
                "chi_square": float(chi2),
                "p_value": float(p_value),
                "segments_differ": bool(p_value < 0.05),
            }
        )
    return rows, tests


def run_backtest(
    snapshots: pd.DataFrame,
    purchases: pd.DataFrame,
    data_end: pd.Timestamp,
    structure: Structure,
    config: StabilitySettings,
    progress: Progress | None = None,
    cache: _Cutoffs | None = None,
    carry_over_jaccard: float = 0.5,
) -> Backtest:
    """Measure frozen-vs-refit agreement, noise, migration, drift and future
    behaviour for every origin and horizon (see the module docstring).

    `cache` (built from the same snapshots) lets the caller reuse the fits."""
    started = time.perf_counter()
    cache = cache or _Cutoffs(snapshots, structure, config)
    cutoffs = sorted(cache.frames)
    counts = {date: len(frame) for date, frame in cache.frames.items()}
    origins = choose_origins(cutoffs, counts, config)
    if not origins:
        raise NoOriginError(
            f"the snapshots have {len(cutoffs)} cutoff(s) and none with at least "
            f"{config.min_customers} customers followed by another cutoff; widen the dbt var "
            "stability_cutoffs or lower min_customers"
        )
    points, noise_rows, migration, psi_rows, jaccard, future, tests = [], [], [], [], [], [], []
    for origin in origins:
        if progress:
            progress(f"origin {origin:%Y-%m}")
        frame0 = cache.frames[origin]
        model0, labels0 = cache.reference(origin)
        shares0 = label_shares(labels0, structure.n_segments)
        jaccard += _segment_jaccard(cache, origin, frame0, labels0)
        rows, test_rows = _future_rows(
            origin, frame0, labels0, purchases, data_end, config.future_windows_days
        )
        future += rows
        tests += test_rows
        start = cutoffs.index(origin)
        for horizon in range(1, config.max_horizon_months + 1):
            if start + horizon >= len(cutoffs):
                break
            target = cutoffs[start + horizon]
            frame = cache.frames[target]
            frozen = model0.predict(frame)
            # M0 is itself one draw of the refit distribution at T0: its
            # agreement with refits at T is judged against the refit noise at
            # both ends, the wider (lower-edged) of the two.
            ends = [cache.noise(origin), cache.noise(target)]
            weaker = min(ends, key=lambda band: band.edge)
            pooled = np.concatenate([band.pairs["ari"].to_numpy() for band in ends])
            agreement = cache.agreement(target, frozen)
            # What a retrain at T would keep: refit segments at T that match a
            # frozen segment (Jaccard on today's customers) keep its id.
            carried = sum(
                match.is_carried_over
                for match in match_segments(cache.reference(target)[1], frozen, carry_over_jaccard)
            )

            before = frame0[["customer_unique_key", "count_orders"]].assign(label=labels0)
            after = frame[["customer_unique_key", "count_orders"]].assign(frozen=frozen)
            joined = before.merge(after, on="customer_unique_key", suffixes=("", "_after"))
            joined["bought_again"] = joined["count_orders_after"] > joined["count_orders"]
            migration += _migration_rows(
                origin, horizon, joined, joined["frozen"].to_numpy(), structure.n_segments
            )
            stayed = float((joined["label"] == joined["frozen"]).mean())
            ageing = joined[~joined["bought_again"]]
            stayed_ageing = float((ageing["label"] == ageing["frozen"]).mean())

            feature_values = {
                name: feature_psi(
                    frame0[name].to_numpy(float, na_value=np.nan),
                    frame[name].to_numpy(float, na_value=np.nan),
                )
                for name in FEATURE_NAMES
            }
            psi_rows += [
                {
                    "origin_date": origin,
                    "horizon_months": horizon,
                    "feature_name": name,
                    "psi": value,
                    # A core feature the model leaves out does not count in the rule.
                    "is_core": name in config.core_features
                    and (structure.features is None or name in structure.features),
                }
                for name, value in feature_values.items()
            ]
            core = {
                name: feature_values[name]
                for name in config.core_features
                if structure.features is None or name in structure.features
            }
            worst_feature = max(core, key=core.get)
            shares = label_shares(frozen, structure.n_segments)
            points.append(
                {
                    "origin_date": origin,
                    "horizon_months": horizon,
                    "target_date": target,
                    "count_customers_origin": len(frame0),
                    "count_customers_target": len(frame),
                    "ari_frozen_vs_refit": float(agreement),
                    "noise_edge": weaker.edge,
                    "noise_edge_low": weaker.edge_low,
                    "noise_edge_high": weaker.edge_high,
                    "seed_ari_min": float(min(band.seed_min for band in ends)),
                    "noise_min": float(pooled.min()),
                    "noise_mean": float(pooled.mean()),
                    "noise_max": float(pooled.max()),
                    "noise_std": float(pooled.std()),
                    "count_segments_carried": int(carried),
                    "share_stayed": stayed,
                    "share_stayed_ageing_only": stayed_ageing,
                    "max_core_psi": float(core[worst_feature]),
                    "max_core_psi_feature": worst_feature,
                    "segment_share_psi": psi(shares0, shares),
                    "max_share_shift_points": float(np.abs(shares - shares0).max() * 100),
                }
            )
    bands = []
    for target in sorted(cache.measured_bands()):
        band = cache.noise(target)
        noise_rows.append(band.pairs.assign(target_date=target))
        bands.append({"target_date": target, "count_customers": counts[target], **band.row()})
    return Backtest(
        structure=structure,
        cutoffs=cutoffs,
        origins=origins,
        points=pd.DataFrame(points),
        noise=pd.concat(noise_rows, ignore_index=True)[
            ["target_date", "refit_kind", "refit_index", "ari"]
        ],
        noise_bands=pd.DataFrame(bands),
        migration=pd.DataFrame(migration),
        feature_psi=pd.DataFrame(psi_rows),
        segment_jaccard=pd.DataFrame(jaccard),
        future=pd.DataFrame(future),
        future_tests=pd.DataFrame(tests),
        seconds={"backtest": time.perf_counter() - started},
    )


@dataclass(frozen=True)
class Rule:
    """The retrain rule's thresholds (one replay of the history)."""

    psi_threshold: float
    share_shift_points: float
    band_edge: str = "interval"


# Where "below the noise band" starts, by Rule.band_edge: the contract's rule
# is "interval" (below the whole 95 % interval of the band's low quantile);
# the others are replayed in the sensitivity table.
BAND_EDGES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "interval": lambda points: points["noise_edge_low"],
    "quantile": lambda points: points["noise_edge"],
    "min": lambda points: points["noise_min"],
    "mean-2sd": lambda points: points["noise_mean"] - 2 * points["noise_std"],
}


def apply_rule(points: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """points with is_stale, the triggers and their reasons for one rule."""
    out = points.copy()
    if rule.band_edge not in BAND_EDGES:
        raise ValueError(f"band_edge must be one of {', '.join(BAND_EDGES)}, got {rule.band_edge}")
    edge = BAND_EDGES[rule.band_edge](out)
    out["noise_lower_edge"] = edge
    out["is_stale"] = out["ari_frozen_vs_refit"] < edge
    out["is_feature_drift"] = out["max_core_psi"] > rule.psi_threshold
    out["is_share_shift"] = out["max_share_shift_points"] > rule.share_shift_points
    out["is_retrain_due"] = out["is_stale"] | out["is_feature_drift"] | out["is_share_shift"]

    def reasons(row: pd.Series) -> str:
        found = []
        if row["is_stale"]:
            found.append(
                f"frozen-vs-refit ARI {row['ari_frozen_vs_refit']:.2f} below the noise band "
                f"({row['noise_lower_edge']:.2f})"
            )
        if row["is_feature_drift"]:
            found.append(f"PSI of {row['max_core_psi_feature']} {row['max_core_psi']:.2f}")
        if row["is_share_shift"]:
            found.append(f"a segment share moved {row['max_share_shift_points']:.1f} points")
        return "; ".join(found)

    out["reasons"] = out.apply(reasons, axis=1) if len(out) else ""
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

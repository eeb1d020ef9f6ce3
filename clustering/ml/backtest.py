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
- noise band (clustering.ml.resampling): the ARI between every pair of refits at
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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency
from sklearn.pipeline import Pipeline

from clustering.errors import NoOriginError
from clustering.ml.drift import best_jaccard, feature_psi, label_shares, psi
from clustering.ml.estimators import Structure
from clustering.ml.features import FEATURE_NAMES
from clustering.ml.naming import match_segments
from clustering.ml.resampling import (
    NoiseBand,
    Refit,
    agreement,
    fit_refit,
    noise_band,
    refit_set,
)
from clustering.progress import Progress
from clustering.settings import StabilitySettings

Z95 = 1.959963984540054


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
        return self.structure.make(seed)

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
            self._refits[date] = refit_set(
                self.make,
                self.frames[date],
                labels,
                self.structure.random_state,
                self.config.noise_seeds,
                self.config.noise_bootstraps,
            )
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
    for index, origin in enumerate(origins):
        if progress:
            progress(f"origin {origin:%Y-%m}", index, len(origins))
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

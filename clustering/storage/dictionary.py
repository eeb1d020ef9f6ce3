"""The data dictionary of the segment tables: one or two sentences per table
and one short sentence per column, stored in the warehouse as DuckDB comments
(clustering.storage.segment_tables applies them on every write), so
`duckdb_tables()` and `duckdb_columns()` explain each table to an analyst or
the web app without the repository.

models/segments/_segments__sources.yml documents the tables dbt tests at
length, with the policy doc blocks; these are the short form, with the unit
where there is one. dbt does not persist a source's descriptions, so these
are the only comments the tables carry. tests/test_dictionary.py checks that
every table and declared column of segment_tables.SEGMENT_TABLES has one.
"""

# One sentence per line reads and greps better than sentences cut at 100 columns.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Sequence

from clustering.ml.audiences import RECENT_DAYS, STAGES
from clustering.ml.features import FEATURES
from clustering.ml.retrain import BAND_EDGES
from clustering.ml.value import HORIZONS_DAYS, LIKELY_ACTIVE, VARIANTS
from clustering.ml.value_backtest import BASELINE, DECILES, TOP_SHARE
from clustering.settings import FAMILIES

# Limits the tests hold every text to: a comment is read in a tooltip or a
# table cell, not as documentation.
MAX_COLUMN_COMMENT = 160
MAX_TABLE_COMMENT = 320


def _either(words: Sequence[object]) -> str:
    """'a, b or c': the allowed values of a column, from the constant that defines them."""
    items = [str(word) for word in words]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


# Columns that mean the same in every table that has them, written once.
# A table whose column means something narrower says so in its own mapping.
SHARED_COLUMNS: dict[str, str] = {
    "customer_unique_key": "Integer key of the person, the same as in the marts and stable across days.",
    "customer_unique_id": "32-hex id of the person, for joining back to the source files and the CRM.",
    "model_version": "Version of the segment model the row belongs to (segments.segment_models).",
    "value_model_version": "Version of the value model (segments.value_models).",
    "as_of_date": "As-of date of the data: the business as known at the end of that day.",
    "segment_id": "Id of the segment (0, 1, ...); a segment a refit carries over keeps its id.",
    "segment_name": "Short name of the segment, for people (as in segments.segment_profiles).",
    "feature_name": "A model feature, named as its column in marts.fct_customer_features.",
    "family": f"Model family: {_either(FAMILIES)}.",
    "n_segments": "Number of segments (k for k-means, components for a Gaussian mixture).",
    "fitted_as_of_date": "As-of date of the data the model was fitted on.",
    "monitored_at": "When the monitor ran (local time of the machine).",
    "lifecycle_stage": (
        f"{STAGES[0]} (bought in the last {RECENT_DAYS} days), {STAGES[1]} (older, P(alive) >= "
        f"{LIKELY_ACTIVE}) or {STAGES[2]} (older, P(alive) < {LIKELY_ACTIVE})."
    ),
    # The stability backtest's grid.
    "origin_date": "Backtest origin: the monthly cutoff whose fitted model is then frozen.",
    "horizon_months": "Months from the origin to the cutoff the frozen model is judged at.",
    "target_date": "Cutoff the frozen model is judged at (origin plus horizon_months).",
    "label": "Segment label of the model fitted at the origin (0-based model label, not a segment_id).",
    "window_days": "Length of the window after the origin, days (setting future_windows_days).",
    # A refit noise band (clustering.ml.resampling.NoiseBand).
    "count_refits": "Refits the noise band was measured on: the fit itself, other seeds and bootstrap resamples.",
    "noise_quantile": "Quantile of the pairwise ARIs taken as the noise band's lower edge, 0-1.",
    "noise_edge": "Lower edge of the refit noise band: a low quantile of the ARI between pairs of refits, -1 to 1.",
    "noise_edge_low": "Low end of the 95 % interval of noise_edge (the refits resampled).",
    "noise_edge_high": "High end of the 95 % interval of noise_edge (the refits resampled).",
    "seed_ari_min": "Lowest ARI between refits that differ only by seed, -1 to 1 (1 = the same segments every time).",
    "noise_min": "Lowest adjusted Rand index (ARI) between any pair of refits, -1 to 1.",
    "noise_mean": "Mean adjusted Rand index (ARI) over every pair of refits, -1 to 1.",
    "noise_max": "Highest adjusted Rand index (ARI) between any pair of refits, -1 to 1.",
    "noise_std": "Standard deviation of the adjusted Rand index over every pair of refits.",
    # The retrain rule's measures and thresholds (clustering.ml.retrain).
    "noise_lower_edge": "Where 'below the noise band' starts under the retrain rule's band_edge, ARI.",
    "max_core_psi": "Largest population stability index (PSI) of a core feature against the reference.",
    "max_core_psi_feature": "The core feature with that largest PSI.",
    "segment_share_psi": "Population stability index (PSI) of the segment shares against the reference.",
    "max_share_shift_points": "Largest change of one segment's share of customers, percentage points.",
    "band_edge": f"Which edge of the noise band the rule uses: {_either(list(BAND_EDGES))}.",
    "psi_threshold": "PSI of a core feature above which a retrain is due.",
    "share_shift_points": "Change of a segment's share, percentage points, above which a retrain is due.",
    "recommended_months": "Recommended retrain period, months, read from the first due horizon of every backtest origin.",
    "range_low_months": "Low end of the period's range: the earliest horizon an origin needed a retrain, months.",
    "range_high_months": "High end of the period's range: the latest horizon an origin needed a retrain, months.",
    "count_censored": "Backtest origins never due within the horizons seen.",
    # The value model's holdout (clustering.ml.value_backtest).
    "cutoff_date": "Holdout cutoff: the model was fitted on what was known that day.",
    "horizon_days": f"Days after the cutoff that were predicted and compared ({_either(HORIZONS_DAYS)}).",
    "method": f"Who predicted: {', '.join(VARIANTS)}, or {BASELINE} (each person's past purchase rate).",
    "count_buyers": "Of these customers, those who bought within the horizon.",
    "predicted_purchases": "Purchases (purchase days) predicted for these customers within the horizon, sum.",
    "actual_purchases": "Purchases (purchase days) these customers made within the horizon, sum.",
    "predicted_value_brl": "Spend (items + freight) predicted for these customers within the horizon, BRL.",
    "actual_value_brl": "Spend (items + freight) of these customers within the horizon, BRL.",
}


def _shared(*names: str) -> dict[str, str]:
    return {name: SHARED_COLUMNS[name] for name in names}


NOISE_BAND = _shared(
    "noise_edge",
    "noise_edge_low",
    "noise_edge_high",
    "seed_ari_min",
    "noise_min",
    "noise_mean",
    "noise_max",
    "noise_std",
)


def _feature_statistics() -> dict[str, str]:
    """segment_profiles' mean_<f>, median_<f> pair of every declared feature,
    worded from the feature's own label (clustering.ml.features)."""
    return {
        f"{stat}_{feature.name}": (
            f"{stat.capitalize()} of {feature.label} over the segment's members with a value "
            f"(marts.fct_customer_features.{feature.name})."
        )
        for feature in FEATURES
        for stat in ("mean", "median")
    }


TABLE_COMMENTS: dict[str, str] = {
    "customer_segments": (
        "One row per person scored at the as-of date: the segment the current model assigns, "
        "how sure it is and the three traits that set the person apart."
    ),
    "segment_profiles": (
        "One row per segment of the current model: size, spend, the mean and median of every "
        "model feature, and the words marketing reads (description, action)."
    ),
    "segment_feature_contrasts": (
        "One row per segment of the current model per model feature: the segment's mean and "
        "median beside the population's, and how far the feature sets the segment apart."
    ),
    "model_selection": (
        "One row per candidate model compared at the last fit: quality and stability scores, "
        "segment sizes, eligibility and which one was chosen."
    ),
    "segment_models": (
        "One row per fitted segment model ever saved (kept across fits): when and on which data "
        "it was fitted, its structure, features and the model it replaced."
    ),
    "model_features": (
        "One row per declared feature per fitted model: how many customers had a value and "
        "whether the model reads the feature, with the reason."
    ),
    "segment_matches": (
        "One row per segment of each refitted model: the previous model's segment it is paired "
        "with by the Jaccard index of their people, and whether it carries it over."
    ),
    "stability_points": (
        "One row per backtest origin and horizon: the frozen model's agreement with refits, "
        "the weaker noise band of the two cutoffs, drift, and whether a retrain was due."
    ),
    "stability_noise": (
        "One row per backtest cutoff per pair of refits: the adjusted Rand index between the "
        "two, the raw material of the noise bands."
    ),
    "stability_noise_band": (
        "One row per backtest cutoff: the refit noise band measured there (how much refitting "
        "alone moves the segmentation)."
    ),
    "stability_migration": (
        "One row per backtest origin, horizon, customer group and pair of segment labels: how "
        "many of a segment's people the frozen model puts in each segment later."
    ),
    "stability_feature_psi": (
        "One row per backtest origin, horizon and feature: the population stability index of "
        "the feature between the two cutoffs."
    ),
    "stability_segment_jaccard": (
        "One row per backtest origin per segment: its mean bootstrap Jaccard index, how well the "
        "segment survives refits on resampled customers."
    ),
    "stability_future_behaviour": (
        "One row per backtest origin, window and segment: how many of the segment's people "
        "bought again within the window and what they spent, with 95 % intervals."
    ),
    "stability_future_tests": (
        "One row per backtest origin and window: a chi-square test of whether the segments' "
        "repurchase rates differ."
    ),
    "stability_first_due": (
        "One row per backtest origin: the first horizon at which a retrain was due, or the last "
        "horizon seen when none was (censored)."
    ),
    "stability_sensitivity": (
        "One row per replayed retrain rule (band edge, PSI threshold, share shift): the retrain "
        "period the backtest would recommend under it."
    ),
    "stability_recommendation": (
        "One row: the retrain period the last `clustering stability` run recommends for the "
        "production structure, with the rule and the evidence it rests on."
    ),
    "monitoring_runs": (
        "One row per `clustering monitor` run (appended): the saved segment model judged on "
        "the day's features by the retrain rule, and whether a retrain is recommended."
    ),
    "customer_segment_history": (
        "One row per customer per segment period: the segment a person was in from valid_from "
        "until valid_to (null while current), kept by every scoring."
    ),
    "segment_size_history": (
        "One row per segment per scored as-of date: members on that date, and how many entered "
        "and left since the scoring before."
    ),
    "customer_segment_backfill": (
        "One row per customer per monthly snapshot: the segment today's model gives the "
        "person's features at that month end (`clustering backfill`), for trends before day one."
    ),
    "segment_size_backfill": (
        "One row per segment per monthly snapshot: members today's model puts in it at that "
        "month end, an estimate drawn beside the scored size history."
    ),
    "refresh_runs": (
        "One row per daily `clustering refresh` (appended): the input, rows read and rejected, "
        "customers scored and moved, and the time each step took."
    ),
    "customer_value": (
        "One row per person scored by the saved value model: P(alive), expected purchases and "
        "6-month value with its interval, value rank and band, lifecycle stage."
    ),
    "segment_audiences": (
        "One row per segment and lifecycle stage with members: the audience's size, likelihood "
        "to be active and expected value, and the action to run for it."
    ),
    "value_models": (
        "One row: the value model of the last `clustering value` fit, its variant, parameters, "
        "timing and whether it beat the no-model baseline on the holdout periods."
    ),
    "value_holdout": (
        "One row per holdout cutoff, horizon and method: predicted against actual purchases and "
        f"spend, and how many actual buyers the top {TOP_SHARE:.0%} by prediction held."
    ),
    "value_holdout_deciles": (
        "One row per holdout cutoff, horizon, method and decile of the prediction: predicted "
        "against actual purchases and spend (calibration)."
    ),
    "value_monitoring_runs": (
        "One row per value monitor run (appended): purchases the saved value model predicted "
        "for the monitor's window against those that happened, and whether that is drift."
    ),
}


COLUMN_COMMENTS: dict[str, dict[str, str]] = {
    "customer_segments": {
        **_shared("customer_unique_key", "customer_unique_id", "segment_id", "segment_name"),
        "model_version": "Version of the segment model that assigned the segment (segments.segment_models).",
        "as_of_date": "As-of date of the features the person was scored on.",
        "scored_at": "When the assignment was written (local time of the scoring machine).",
        "confidence": "How sure the assignment is, 0-1: k-means 1 - nearest/second-nearest distance; a mixture its top probability.",
        "distance_to_center": "Distance from the person to the centre of their segment in the model's scaled feature space (no unit).",
        "top_trait_1": "The feature that most sets the person apart from the population, with its direction.",
        "top_trait_2": "The second most distinctive feature, with its direction.",
        "top_trait_3": "The third most distinctive feature, with its direction.",
    },
    "segment_profiles": {
        **_shared("model_version"),
        "as_of_date": "As-of date of the scored people the profile describes.",
        **_shared("segment_id"),
        "segment_name": "Short name of the segment, for people (unique).",
        "count_customers": "People in the segment.",
        "share_customers": "Share of the people scored who are in the segment, 0-1.",
        "total_spend_brl": "Total spend (items + freight) of the segment's people up to the as-of date, BRL.",
        "revenue_share": "The segment's share of the total spend of everyone scored, 0-1.",
        "avg_spend_brl": "Spend per person of the segment, BRL (total_spend_brl / count_customers).",
        "share_repeat_buyers": "Share of the segment's people with more than one purchase, 0-1.",
        **_feature_statistics(),
        "description": "Who is in the segment, in one or two sentences.",
        "differences": "How the segment differs from the population (its strongest feature contrasts), in words.",
        "marketing_action": "The campaign to run for the segment.",
        "action_reason": "Why that campaign fits the segment.",
        "dominant_rfm_group": "The rule-based RFM group (marts.fct_customer_rfm.rfm_group) most common among the segment's people.",
        "expected_value_6m_brl": "Expected spend of the segment's members over the next 6 months, BRL; null until a value model exists.",
        "avg_expected_value_6m_brl": "Expected 6-month spend per member, BRL; null until a value model exists.",
        "share_likely_active": f"Share of members with P(alive) >= {LIKELY_ACTIVE}, 0-1; null until a value model exists.",
        "share_recent": f"Share of members who bought in the last {RECENT_DAYS} days, 0-1; null until a value model exists.",
    },
    "segment_feature_contrasts": {
        **_shared("model_version", "segment_id", "feature_name"),
        "count_with_value": "People of the segment with a value for the feature (those without a review, delivery or located zip have none).",
        "segment_mean": "Mean of the feature over the segment's people with a value, in the mart's unit; null when none has one.",
        "segment_median": "Median of the feature over the segment's people with a value, in the mart's unit; null when none has one.",
        "population_mean": "Mean of the feature over everyone scored, in the mart's unit.",
        "population_median": "Median of the feature over everyone scored, in the mart's unit.",
        "standardized_difference": "Segment mean minus population mean in the model's scaled space, in typical spreads (+1 = one above).",
    },
    "model_selection": {
        "model_version": "Version of the model the chosen candidate became (segments.segment_models).",
        "candidate": "Name of the candidate: family and size (for example kmeans_k6).",
        **_shared("family", "n_segments"),
        "silhouette": "Mean silhouette in the scaled feature space, -1 to 1 (higher = better separated).",
        "silhouette_without_review": "Silhouette computed without the review features, -1 to 1 (does the split survive without them?).",
        "davies_bouldin": "Davies-Bouldin index, >= 0 (lower = better separated).",
        "calinski_harabasz": "Calinski-Harabasz index, >= 0 (higher = better separated).",
        **_shared(
            "count_refits",
            "seed_ari_min",
            "noise_edge",
            "noise_edge_low",
            "noise_edge_high",
            "noise_mean",
        ),
        "smallest_segment_share": "Share of the customers in the candidate's smallest segment, 0-1.",
        "largest_segment_share": "Share of the customers in the candidate's largest segment, 0-1.",
        "fit_seconds": "Wall-clock time to fit the candidate, seconds.",
        "is_stable": "Refits agree: seed_ari_min and noise_edge reach their settings. An unstable candidate is never chosen.",
        "is_eligible": "The candidate passed the eligibility rules (stable, no segment too small or too large).",
        "is_chosen": "The candidate that became the model (exactly one row).",
        "features_left_out": "Declared features no candidate was fitted on, each with the reason; null when every feature was used.",
    },
    "segment_models": {
        "model_version": "Version of the model (its folder in the model directory).",
        "fitted_at": "When the model was fitted (local time).",
        "as_of_date": "As-of date of the marts the model was fitted on.",
        **_shared("family", "n_segments"),
        "count_customers": "People the model was fitted on.",
        "feature_fingerprint": "Hash of the feature schema the model reads; scoring refuses data of another fingerprint.",
        "random_state": "Seed of the fit.",
        "selection_reason": "Why this candidate was chosen, in words.",
        "previous_model_version": "The model this one replaced; null for the first, or when the previous one could not score these data.",
        "features": "The features the model reads, comma-separated, in its column order.",
        "features_left_out": "Declared features the model does not read, with the reason; null when it reads all.",
        "caveats": "Guarantees the fit could not give (fixed structure, unstable, small segments), separated by semicolons; null when none.",
    },
    "model_features": {
        "model_version": "Version of the fitted model (segments.segment_models).",
        "feature_name": "A declared feature, named as its column in marts.fct_customer_features.",
        "count_customers": "People the model was fitted on.",
        "count_with_value": "Of those, people with a value for the feature.",
        "coverage": "Share of the people with a value for the feature, 0-1 (count_with_value / count_customers).",
        "count_distinct_values": "Distinct values among the people with one (a feature with one value cannot tell segments apart).",
        "is_used": "The model reads the feature.",
        "reason": "Why the feature is used or left out, in a sentence.",
    },
    "segment_matches": {
        "model_version": "The refitted model (segments.segment_models).",
        "previous_model_version": "The model it replaced.",
        "segment_id": "Segment of the refitted model.",
        "previous_segment_id": "The previous model's segment this one continues; null when the segment is new.",
        "jaccard": "Jaccard index between the segment's people and those of the previous segment it is paired with, 0-1.",
        "is_carried_over": "The segment continues the previous one: it keeps its id and name.",
    },
    "stability_points": {
        **_shared("origin_date", "horizon_months", "target_date"),
        "count_customers_origin": "Customers known at the origin cutoff.",
        "count_customers_target": "Customers known at the target cutoff.",
        "ari_frozen_vs_refit": "Mean adjusted Rand index between the frozen model's labels and every refit at the target, -1 to 1.",
        **NOISE_BAND,
        **_shared("noise_lower_edge"),
        "count_segments_carried": "Segments a retrain at the target would keep (refit segments matching a frozen one by Jaccard).",
        "share_stayed": "Share of the people known at both cutoffs whom the frozen model keeps in their segment, 0-1.",
        "share_stayed_ageing_only": "The same share among people who did not buy again between the cutoffs, 0-1.",
        **_shared(
            "max_core_psi", "max_core_psi_feature", "segment_share_psi", "max_share_shift_points"
        ),
        "is_stale": "The frozen model's agreement with refits is below the noise band (ari_frozen_vs_refit < noise_lower_edge).",
        "is_feature_drift": "A core feature's PSI exceeds the rule's threshold.",
        "is_share_shift": "A segment's share moved by more than the rule's points.",
        "is_retrain_due": "A retrain was due at this horizon: stale, feature drift or share shift.",
        "reasons": "Why a retrain was due, one clause per trigger separated by semicolons; empty when not due.",
    },
    "stability_noise": {
        "target_date": "Cutoff the refits were fitted at.",
        "refit_kind": "Kinds of the two refits compared, such as seed-bootstrap (reference, seed or bootstrap).",
        "refit_index": "Number of the pair of refits at the cutoff (0, 1, ...).",
        "ari": "Adjusted Rand index between the two refits' labels of every customer, -1 to 1.",
    },
    "stability_noise_band": {
        "target_date": "Cutoff the refits were fitted at.",
        "count_customers": "Customers known at the cutoff, every one labelled by every refit.",
        **_shared("count_refits", "noise_quantile"),
        **NOISE_BAND,
    },
    "stability_migration": {
        **_shared("origin_date", "horizon_months"),
        "customer_group": "all, ageing_only (no purchase between the cutoffs) or bought_again.",
        "from_label": "The person's segment label at the origin.",
        "to_label": "The label the frozen model gives the person at the later cutoff.",
        "count_customers": "People of the group moving from from_label to to_label.",
        "share": "Those people as a share of the group's people in from_label, 0-1.",
    },
    "stability_feature_psi": {
        **_shared("origin_date", "horizon_months", "feature_name"),
        "psi": "Population stability index of the feature between the two cutoffs (< 0.1 stable, > 0.25 a real shift).",
        "is_core": "A core feature the model uses: its PSI counts in the retrain rule.",
    },
    "stability_segment_jaccard": {
        **_shared("origin_date", "label"),
        "segment_name": "Name the segment gets at the origin, as a fit would name it.",
        "count_customers": "People in the segment at the origin.",
        "bootstrap_jaccard": "Mean over bootstrap refits of the segment's best Jaccard index with a refit segment, 0-1.",
        "is_weak": "The bootstrap Jaccard is below the weak_jaccard setting: the segment does not survive resampling.",
    },
    "stability_future_behaviour": {
        **_shared("origin_date", "window_days", "label"),
        "segment_name": "Name the segment gets at the origin, as a fit would name it.",
        "count_customers": "People in the segment at the origin.",
        "count_repurchased": "Of those, people who bought again within the window.",
        "repurchase_rate": "Share of the segment's people who bought again within the window, 0-1.",
        "repurchase_rate_low": "Low end of the 95 % Wilson interval of the repurchase rate, 0-1.",
        "repurchase_rate_high": "High end of the 95 % Wilson interval of the repurchase rate, 0-1.",
        "future_spend_brl": "Mean spend per person of the segment within the window, BRL.",
        "future_spend_low": "Low end of the 95 % interval of that mean spend, BRL (cut at 0).",
        "future_spend_high": "High end of the 95 % interval of that mean spend, BRL.",
    },
    "stability_future_tests": {
        **_shared("origin_date", "window_days"),
        "chi_square": "Chi-square statistic of repurchased vs not across the segments.",
        "p_value": "p-value of that test, 0-1.",
        "segments_differ": "The segments' repurchase rates differ at the 5 % level (p_value < 0.05).",
    },
    "stability_first_due": {
        **_shared("origin_date"),
        "first_due_horizon_months": "First horizon at which a retrain was due, months; null when none was (censored).",
        "observed_horizon_months": "Longest horizon observed for the origin, months.",
        "is_censored": "No retrain was due within the horizons observed.",
        "reasons": "Why the retrain was due at that first horizon; empty when censored.",
    },
    "stability_sensitivity": _shared(
        "band_edge",
        "psi_threshold",
        "share_shift_points",
        "recommended_months",
        "range_low_months",
        "range_high_months",
        "count_censored",
    ),
    "stability_recommendation": {
        "measured_at": "When the backtest ran (local time).",
        **_shared("family", "n_segments"),
        "first_cutoff": "First monthly cutoff of the backtest.",
        "last_cutoff": "Last monthly cutoff of the backtest.",
        "count_origins": "Backtest origins the recommendation rests on.",
        **_shared("recommended_months", "range_low_months", "range_high_months", "count_censored"),
        **_shared("psi_threshold", "share_shift_points", "band_edge", "noise_quantile"),
        "count_refits_per_cutoff": "Refits per cutoff in each noise band: the reference, other seeds and bootstrap resamples.",
        "recommendation": "The recommendation and its reading, in words.",
        "retrain_seconds": "Time to refit the structure on the last cutoff, seconds.",
        "monitor_seconds": "Time of one monitor run, seconds; null without a saved model to monitor.",
        "backtest_seconds": "Time of the whole backtest, seconds.",
    },
    "monitoring_runs": {
        **_shared("monitored_at"),
        "model_version": "The saved segment model judged (segments.segment_models).",
        **_shared("fitted_as_of_date"),
        "as_of_date": "As-of date of the features judged.",
        "model_age_months": "Months from the fit's as-of date to this as-of date.",
        "recommended_months": "The contract's retrain period, months (segments.stability_recommendation); null before one exists.",
        **_shared(
            "max_core_psi", "max_core_psi_feature", "segment_share_psi", "max_share_shift_points"
        ),
        "ari_with_refit": "Mean adjusted Rand index between the saved model's labels and refits on the day's data, -1 to 1.",
        **_shared(
            "noise_lower_edge", "noise_edge", "noise_edge_high", "seed_ari_min", "count_refits"
        ),
        "retrain_due_date": "Fit's as-of date plus the contract period; null without a contract.",
        "is_retrain_recommended": "The retrain rule fired: a retrain is recommended now.",
        "reasons": "Why a retrain is recommended, separated by semicolons; empty when it is not.",
    },
    "customer_segment_history": {
        **_shared("customer_unique_key", "customer_unique_id"),
        "segment_id": "Segment of the person during the period.",
        "segment_name": "Name of the segment during the period.",
        "model_version": "Segment model that assigned the segment (a new model version starts a new period).",
        "valid_from": "As-of date of the scoring that started the period (included).",
        "valid_to": "As-of date of the scoring that ended the period (excluded); null while current.",
    },
    "segment_size_history": {
        "as_of_date": "As-of date of the scoring.",
        "model_version": "Segment model that scored that day.",
        **_shared("segment_id", "segment_name"),
        "count_customers": "Members of the segment on that date.",
        "count_entered": "Members not in the segment at the scoring before (new customers included); null on the first scored date.",
        "count_left": "Members at the scoring before who are not in the segment now; null on the first scored date.",
    },
    "customer_segment_backfill": {
        "as_of_date": "Month end (cutoff) of the snapshot the person was scored on.",
        **_shared("customer_unique_key"),
        "segment_id": "Segment today's model gives the person's features at that month end.",
        "model_version": "Segment model that scored the snapshot (the current one when it ran).",
    },
    "segment_size_backfill": {
        "as_of_date": "Month end (cutoff) of the snapshot.",
        "model_version": "Segment model that scored the snapshot.",
        **_shared("segment_id", "segment_name"),
        "count_customers": "Customers of the snapshot the model puts in the segment.",
        "share_customers": "Those customers as a share of the snapshot's customers (0-1).",
    },
    "refresh_runs": {
        "refreshed_at": "When the refresh wrote its log row (local time).",
        "as_of_date": "As-of date of the refreshed data.",
        "input_dir": "Absolute path of the folder of CSV files refreshed from.",
        "model_version": "Segment model that scored the day.",
        "rows_raw": "Rows read from the input files.",
        "rows_rejected": "Of those, rows set aside in audit.audit_rejected_rows.",
        "count_customers": "Customers scored.",
        "count_new_customers": "Customers scored for the first time.",
        "count_changed_segment": "Customers in another segment than at the scoring before.",
        "count_gone_customers": "Customers scored before and no longer.",
        "is_rerun": "This as-of date had been scored before; its changes were replaced.",
        "build_seconds": "Time of the dbt build, seconds.",
        "score_seconds": "Time of the scoring (segments and value), seconds.",
        "total_seconds": "Time of the refresh up to this log row, seconds (publishing and exports come after).",
        "monitor_line": "The monitors' verdicts, one line each; null when no monitor ran.",
    },
    "customer_value": {
        **_shared("customer_unique_key", "customer_unique_id"),
        "as_of_date": "As-of date of the purchase summary scored.",
        **_shared("value_model_version"),
        "scored_at": "When the scoring ran (local time).",
        "p_alive": "Probability that the person is still a customer (has not dropped out), 0-1.",
        "is_likely_active": f"P(alive) >= {LIKELY_ACTIVE}.",
        "expected_purchases_90d": "Expected purchases (purchase days) in the next 90 days.",
        "expected_purchases_180d": "Expected purchases (purchase days) in the next 180 days.",
        "expected_order_value_brl": "Expected items + freight per future purchase, BRL.",
        "expected_value_6m_brl": "Expected spend over the next 6 months, BRL, not discounted (purchases in 180 days x order value).",
        "expected_value_6m_low_brl": "Low end of the value's interval from the holdout deciles, BRL; null without a holdout.",
        "expected_value_6m_high_brl": "High end of the value's interval from the holdout deciles, BRL; null without a holdout.",
        "value_rank": "1 = most valuable over the next 6 months, by the model, or by the baseline when the model did not beat it.",
        "value_band": "top (first 10 % by value_rank), high (next 20 %), medium (next 30 %) or low (the rest).",
        "days_since_last_purchase": "Days from the last purchase day to the as-of date.",
        **_shared("lifecycle_stage"),
    },
    "segment_audiences": {
        **_shared("model_version", "value_model_version"),
        "as_of_date": "As-of date of the scoring.",
        **_shared("segment_id", "segment_name", "lifecycle_stage"),
        "count_customers": "Members of the segment in this stage.",
        "share_of_segment": "Those members as a share of the segment's members, 0-1.",
        "avg_p_alive": "Mean P(alive) of the audience, 0-1.",
        "expected_purchases_180d": "Expected purchases of the audience in the next 180 days, sum.",
        "expected_value_6m_brl": "Expected 6-month spend of the audience, BRL, sum.",
        "avg_expected_value_6m_brl": "Expected 6-month spend per member, BRL.",
        "action_key": "Key of the audience rule that chose the action (clustering.ml.audiences).",
        "marketing_action": "The campaign to run for this audience.",
        "action_reason": "Why that campaign, in numbers.",
    },
    "value_models": {
        "value_model_version": "Version of the value model (its folder in the value model directory).",
        "fitted_at": "When the model was fitted (local time).",
        "as_of_date": "As-of date of the purchase summary the model was fitted on.",
        "variant": f"Purchase model variant: {_either(VARIANTS)} (modified when one-time buyers dominate).",
        "variant_reason": "Why that variant, in words.",
        "count_customers": "People the model was fitted on.",
        "count_repeat_buyers": "Of those, people with more than one purchase day.",
        "share_one_time_buyers": "Share of the people with a single purchase day, 0-1.",
        "parameters": "The fitted parameters, as JSON.",
        "fit_seconds": "Time to fit the model, seconds.",
        "holdout_seconds": "Time to fit the models at the holdout cutoffs, seconds.",
        "count_holdout_cutoffs": "Holdout cutoffs the model was proven on.",
        "beats_baseline": "Its top-decile capture beat the baseline's at every horizon, on average over the cutoffs.",
        "ranking": "What value_rank follows: model, or baseline when the model did not beat it.",
        "verdict": "The holdout's verdict, in words.",
    },
    "value_holdout": {
        **_shared("value_model_version", "cutoff_date", "horizon_days", "method"),
        "is_chosen_variant": "The method is the variant the value model uses.",
        "count_customers": "Customers known at the cutoff.",
        **_shared("count_buyers", "predicted_purchases", "actual_purchases"),
        **_shared("predicted_value_brl", "actual_value_brl"),
        "top_decile_capture": f"Share of the actual buyers in the top {TOP_SHARE:.0%} by prediction, 0-1 ({TOP_SHARE} by chance).",
        "mean_absolute_error": "Mean absolute difference of predicted and actual purchases per customer.",
    },
    "value_holdout_deciles": {
        **_shared("value_model_version", "cutoff_date", "horizon_days", "method"),
        "decile": f"Decile of the prediction: 1 = the highest predictions, {DECILES} = the lowest.",
        "count_customers": "Customers in the decile.",
        **_shared("predicted_purchases", "actual_purchases"),
        **_shared("predicted_value_brl", "actual_value_brl", "count_buyers"),
    },
    "value_monitoring_runs": {
        **_shared("monitored_at", "value_model_version", "fitted_as_of_date"),
        "as_of_date": "As-of date of the data checked.",
        "window_start": "Start of the monitor's window (dbt var value_monitor_days before the as-of date); null without customers then.",
        "count_customers": "Customers known at the window's start.",
        "predicted_purchases": "Purchases (purchase days) the model predicted for them in the window, sum.",
        "actual_purchases": "Purchases (purchase days) they made in the window, sum.",
        "actual_to_predicted": "actual_purchases / predicted_purchases.",
        "normal_low": "Low end of the normal ratio: the holdout's lowest, widened by the drift margin.",
        "normal_high": "High end of the normal ratio: the holdout's highest, widened by the drift margin.",
        "is_in_sample": "The model was fitted after the window started, so the check is in-sample.",
        "is_drifting": "The ratio left the normal range: refit with `clustering value`.",
        "line": "The monitor's verdict, in one line.",
    },
}


def quote_literal(text: str) -> str:
    """`text` as a SQL string literal. COMMENT ON takes no bound parameters
    (DuckDB's parser refuses `?` there), and the texts are this module's own."""
    return "'" + text.replace("'", "''") + "'"


def comment_statements(schema: str, table: str, columns: Sequence[str]) -> list[str]:
    """The COMMENT ON statements that describe `schema.table` and the given
    columns of it (those the table has: a segment_profiles table holds the
    feature columns of its model only)."""
    comments = COLUMN_COMMENTS[table]
    missing = [name for name in columns if name not in comments]
    if missing:
        raise ValueError(
            f"no comment for column(s) {', '.join(missing)} of {schema}.{table}; add them to "
            "COLUMN_COMMENTS in clustering/storage/dictionary.py"
        )
    return [
        f"comment on table {schema}.{table} is {quote_literal(TABLE_COMMENTS[table])}",
        *(
            f"comment on column {schema}.{table}.{name} is {quote_literal(comments[name])}"
            for name in columns
        ),
    ]

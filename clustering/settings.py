"""Run settings: one frozen dataclass, built once at the CLI boundary.

Every job of the library takes a `Settings`; defaults are the documented
production values. Paths default to folders beside the warehouse file so a
test's warehouse in a temporary directory keeps its models and reports there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from clustering.errors import SettingsError

# The clustering families a model may be fitted with (clustering.ml.estimators).
FAMILIES: tuple[str, ...] = ("kmeans", "gaussian_mixture")

DEFAULT_WAREHOUSE = Path("warehouse/olist.duckdb")


# Features whose drift counts in the retrain rule. Days since the last order
# grows by construction as customers age and order count moves with it: that
# is expected ageing, measured separately in the migration matrices.
CORE_FEATURES: tuple[str, ...] = (
    "total_spend_brl",
    "avg_review_score",
    "share_late_deliveries",
    "avg_days_to_deliver",
    "avg_distance_km",
    "freight_share",
    "avg_installments",
)


@dataclass(frozen=True)
class StabilitySettings:
    """How the backtest is run and how its decision rule reads the evidence."""

    # An origin (T0) every this many monthly cutoffs, from the first cutoff
    # with at least min_customers people; horizons 1..max_horizon_months.
    origin_step_months: int = 3
    max_horizon_months: int = 12
    min_customers: int = 2_000
    # Noise band at each cutoff and in the monitor (clustering.ml.resampling):
    # refits on every customer with other seeds and on bootstrap resamples;
    # its lower edge is this quantile of their pairwise ARIs (11 refits, 55
    # pairs: about the third lowest), with a 95 % interval over the refits.
    noise_seeds: int = 5
    noise_bootstraps: int = 5
    noise_quantile: float = 0.05
    # Per-segment bootstrap Jaccard at fit time (clusterboot): rounds, and the
    # mean below which a segment is flagged weak (Hennig: < 0.6 dissolved).
    jaccard_rounds: int = 5
    weak_jaccard: float = 0.6
    # The retrain rule: any of these at a horizon means a retrain was due.
    psi_threshold: float = 0.25
    share_shift_points: float = 5.0
    core_features: tuple[str, ...] = CORE_FEATURES
    future_windows_days: tuple[int, ...] = (90, 180)

    def __post_init__(self) -> None:
        if self.noise_seeds + self.noise_bootstraps < 2:
            raise SettingsError("the noise band needs at least 2 refits per cutoff")
        if not 0 <= self.noise_quantile <= 0.5:
            raise SettingsError(f"noise_quantile must be in [0, 0.5], got {self.noise_quantile}")
        if self.origin_step_months < 1 or self.max_horizon_months < 1:
            raise SettingsError("origin_step_months and max_horizon_months must be at least 1")


@dataclass(frozen=True)
class ValueSettings:
    """How the value model is chosen, proven on holdout periods and monitored."""

    # bg_nbd, modified_bg_nbd or auto (modified when one-time buyers dominate).
    variant: str = "auto"
    # Holdout: up to this many monthly cutoffs, this many months apart, the
    # latest with a complete 90-day window; each needs enough people to fit.
    holdout_cutoffs: int = 4
    holdout_step_months: int = 2
    min_customers: int = 1_000
    min_repeat_buyers: int = 20
    # The monitor's normal range of actual / predicted purchases over 90 days:
    # the holdout's range widened by this factor on each side (a few cutoffs
    # are a small sample of how far a good model can be off).
    drift_margin: float = 1.25

    def __post_init__(self) -> None:
        if self.variant not in ("auto", "bg_nbd", "modified_bg_nbd"):
            raise SettingsError(
                f"value variant must be auto, bg_nbd or modified_bg_nbd, got {self.variant}"
            )
        if self.holdout_cutoffs < 0 or self.holdout_step_months < 1:
            raise SettingsError("holdout_cutoffs must be >= 0 and holdout_step_months >= 1")
        if self.drift_margin < 1:
            raise SettingsError(f"drift_margin must be at least 1, got {self.drift_margin}")


@dataclass(frozen=True)
class Settings:
    """Where things are and how segments are selected, fitted and named."""

    warehouse: Path = DEFAULT_WAREHOUSE
    # Saved models, exports and the report; None = beside the warehouse file.
    model_dir: Path | None = None
    export_dir: Path | None = None
    # The saved model as plain data for SQL scoring (clustering.storage.model_export); None =
    # model_export/ beside the warehouse, where dbt looks by default too.
    model_export_dir: Path | None = None
    report_path: Path | None = None
    stability_report_path: Path | None = None
    random_state: int = 42
    families: tuple[str, ...] = FAMILIES
    # Both set: skip the comparison and refit this structure (keeps segments
    # comparable across refits, e.g. for scheduled retraining).
    family: str | None = None
    n_segments: int | None = None
    min_segments: int = 3
    max_segments: int = 8
    # Candidates are compared on a seeded sample of this many customers; the
    # chosen one is then refitted on everybody.
    selection_sample: int = 20_000
    # Features known for fewer than this share of customers are left out of
    # the model (clustering.ml.coverage).
    min_feature_coverage: float = 0.5
    # Below this many customers, comparing candidates means nothing (a 1 %
    # segment is a handful of people, bootstrap resamples share most rows):
    # `fit` stops unless the structure is fixed with family and n_segments.
    min_customers_to_select: int = 500
    # A fixed structure still needs this many customers per segment.
    min_customers_per_segment: int = 10
    # A segment smaller than this is named and scored, with a caveat that
    # campaign results on it are mostly noise.
    min_campaign_customers: int = 100
    silhouette_sample: int = 5_000
    # Each candidate is refitted with seed_rounds other seeds and on
    # bootstrap_rounds resamples of the selection sample, and measured as the
    # contract measures refits (clustering.ml.resampling): a candidate is stable when
    # refits differing only by seed agree at ARI >= min_seed_agreement (never
    # chosen otherwise). Eligible: stable, the band's low quantile reaches
    # min_stability (it holds up under resampling), and every segment holds
    # between min_segment_share and max_segment_share of the customers.
    seed_rounds: int = 4
    bootstrap_rounds: int = 4
    min_seed_agreement: float = 0.95
    min_stability: float = 0.75
    min_segment_share: float = 0.01
    max_segment_share: float = 0.5
    # Silhouettes closer than this are a tie, won by fewer segments.
    silhouette_tolerance: float = 0.005
    # A refitted segment keeps its predecessor's id and name when their
    # members' Jaccard index reaches this.
    carry_over_jaccard: float = 0.5
    # Starts of every fit, on a seeded sample of init_sample customers; the
    # best few are refined on everybody (clustering.ml.estimators.SegmentModel).
    n_init: int = 30
    init_sample: int = 10_000
    stability: StabilitySettings = StabilitySettings()
    value: ValueSettings = ValueSettings()
    # Saved value models; None = value_models/ beside the warehouse.
    value_model_dir: Path | None = None
    # Processes comparing candidates (this machine has 2 cores).
    n_jobs: int = 2

    def __post_init__(self) -> None:
        unknown = [family for family in self.families if family not in FAMILIES]
        if unknown or not self.families:
            raise SettingsError(
                f"families must be among {', '.join(FAMILIES)}, got {', '.join(self.families)}"
            )
        if (self.family is None) != (self.n_segments is None):
            raise SettingsError("give both family and n_segments to fix the structure, or neither")
        if self.family is not None and self.family not in FAMILIES:
            raise SettingsError(f"family must be one of {', '.join(FAMILIES)}, got {self.family}")
        if self.n_segments is not None and self.n_segments < 2:
            raise SettingsError(f"n_segments must be at least 2, got {self.n_segments}")
        if not 2 <= self.min_segments <= self.max_segments:
            raise SettingsError(
                "need 2 <= min_segments <= max_segments, got "
                f"{self.min_segments} and {self.max_segments}"
            )
        if self.bootstrap_rounds < 1 or self.seed_rounds < 1:
            raise SettingsError(
                "seed_rounds and bootstrap_rounds must be at least 1, got "
                f"{self.seed_rounds} and {self.bootstrap_rounds}"
            )
        if not 0 < self.min_seed_agreement <= 1:
            raise SettingsError(
                f"min_seed_agreement must be in (0, 1], got {self.min_seed_agreement}"
            )
        if not 0 <= self.min_feature_coverage <= 1:
            raise SettingsError(
                f"min_feature_coverage must be between 0 and 1, got {self.min_feature_coverage}"
            )
        if not 0 < self.carry_over_jaccard <= 1:
            raise SettingsError(
                f"carry_over_jaccard must be in (0, 1], got {self.carry_over_jaccard}"
            )

    @classmethod
    def from_environment(cls, **overrides: object) -> Settings:
        """Defaults, the warehouse from OLIST_WAREHOUSE and the model export folder
        from OLIST_MODEL_EXPORT_DIR, then explicit overrides."""
        values: dict[str, object] = {}
        if os.environ.get("OLIST_WAREHOUSE"):
            values["warehouse"] = Path(os.environ["OLIST_WAREHOUSE"])
        # The same variable moves dbt's default (var model_export_dir).
        if os.environ.get("OLIST_MODEL_EXPORT_DIR"):
            values["model_export_dir"] = Path(os.environ["OLIST_MODEL_EXPORT_DIR"])
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def models_path(self) -> Path:
        return self.model_dir or self.warehouse.parent / "models"

    @property
    def value_models_path(self) -> Path:
        return self.value_model_dir or self.warehouse.parent / "value_models"

    @property
    def exports_path(self) -> Path:
        return self.export_dir or self.warehouse.parent / "exports"

    @property
    def model_export_path(self) -> Path:
        return self.model_export_dir or self.warehouse.parent / "model_export"

    @property
    def report_file(self) -> Path:
        return self.report_path or self.warehouse.parent / "reports" / "segments.html"

    @property
    def stability_report_file(self) -> Path:
        return self.stability_report_path or self.report_file.with_name("stability.html")

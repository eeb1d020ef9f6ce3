"""Saved value models: a few parameters plus the metadata needed to trust them.

Layout of the value model folder (default: `value_models/` beside the warehouse):

    <version>/model.json   variant, parameters (purchase and spend), the
                           as-of date and counts it was fitted on, the
                           ranking kept (model or baseline), the holdout
                           interval multipliers and drift range, library versions
    CURRENT                the version the daily cycle scores with

Plain JSON, not a pickle: the parameters are numbers the library's formulas
read, so a model saved with one PyMC-Marketing release scores with another.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from clustering.errors import ModelError
from clustering.ml.value import ValueModel
from clustering.storage.model_store import current_version, library_versions, point_current


@dataclass(frozen=True)
class ValueModelRecord:
    """Everything model.json holds, typed."""

    version: str
    variant: str
    params: Mapping[str, Mapping[str, float]]
    as_of_date: str
    fitted_at: str
    count_customers: int
    count_repeat_buyers: int
    fit_seconds: float
    # "model" when it beat the baseline on the holdout, else "baseline":
    # the ranking (value_rank, value_band) then follows the baseline.
    ranking: str
    beats_baseline: bool
    # Per decile of the 6-month prediction (1 = highest): smallest and largest
    # ratio of actual to predicted value over the holdout cutoffs.
    interval_deciles: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # Actual / predicted purchases over 90 days the holdout saw (min, max):
    # the monitor's normal range.
    holdout_ratio_range_90d: tuple[float, float] | None = None
    library_versions: Mapping[str, str] = field(default_factory=dict)

    def model(self) -> ValueModel:
        return ValueModel.from_params(self.variant, self.params)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ValueModelRecord:
        names = {spec.name for spec in fields(cls)}
        missing = sorted(
            spec.name
            for spec in fields(cls)
            if spec.name not in raw and spec.default is MISSING and spec.default_factory is MISSING
        )
        if missing:
            raise ModelError(
                f"value model record lacks {', '.join(missing)}; refit with `clustering value`"
            )
        values = {key: value for key, value in raw.items() if key in names}
        # JSON has lists where the record has pairs.
        if values.get("holdout_ratio_range_90d") is not None:
            values["holdout_ratio_range_90d"] = tuple(values["holdout_ratio_range_90d"])
        if "interval_deciles" in values:
            values["interval_deciles"] = {
                key: tuple(pair) for key, pair in values["interval_deciles"].items()
            }
        return cls(**values)


def value_library_versions() -> dict[str, str]:
    """The libraries a value model's numbers depend on, recorded with it."""
    from importlib.metadata import version

    return library_versions() | {name: version(name) for name in ("pymc-marketing", "pymc")}


def save_value_model(folder: Path, record: ValueModelRecord) -> Path:
    """Write model.json under folder/<version> and point CURRENT at it."""
    target = Path(folder) / record.version
    target.mkdir(parents=True, exist_ok=True)
    (target / "model.json").write_text(
        json.dumps(record.to_json(), indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    point_current(folder, record.version)
    return target


def has_value_model(folder: Path) -> bool:
    return current_version(folder) is not None


def load_value_model(folder: Path, version: str | None = None) -> ValueModelRecord:
    """The saved value model `version` (default: CURRENT)."""
    version = version or current_version(folder)
    if version is None:
        raise ModelError(
            f"no saved value model in {folder}; fit one with `clustering value` "
            "(after `dbt build --selector stability`)"
        )
    path = Path(folder) / version / "model.json"
    if not path.is_file():
        raise ModelError(
            f"value model {version} is missing in {folder}; fit one with `clustering value`"
        )
    return ValueModelRecord.from_json(json.loads(path.read_text(encoding="utf-8")))

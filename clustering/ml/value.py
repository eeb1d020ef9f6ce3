"""Customer value: who buys again, how often, and for how much.

`ValueModel` is a scikit-learn-style estimator over the purchase summary
(marts.fct_customer_purchase_summary: one row per person). It wraps two
models of PyMC-Marketing's CLV module, both fitted by maximum a posteriori
(one optimisation each, seconds on 100 k people), never hand-written:

- purchases: the BG/NBD model (`bg_nbd`) or its modified variant
  (`modified_bg_nbd`), which lets a customer drop out right after the first
  purchase. With nine in ten customers buying once, plain BG/NBD calls every
  one-time buyer certainly alive (P(alive) = 1 whatever their age), which
  tells marketing nothing; the modified variant does not.
- spend per purchase: Gamma-Gamma, fitted on the repeat buyers' mean repeat
  value; a one-time buyer gets the population mean.

The parameters are a handful of numbers (`params`), saved as JSON with the
model's metadata (clustering.storage.value_store); `from_params` rebuilds a
model that scores without refitting.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clustering.errors import ModelError

VARIANTS: tuple[str, ...] = ("bg_nbd", "modified_bg_nbd")
VARIANT_NAMES = {"bg_nbd": "BG/NBD", "modified_bg_nbd": "modified BG/NBD"}

# Share of one-time buyers above which `auto` picks the modified variant.
ONE_TIME_DOMINANT = 0.5

# Horizons scored for every customer, in days; the value horizon is 6 months.
HORIZONS_DAYS: tuple[int, ...] = (90, 180)
VALUE_HORIZON_DAYS = 180

# P(alive) from which a customer counts as likely active.
LIKELY_ACTIVE = 0.5

SUMMARY_COLUMNS: tuple[str, ...] = (
    "customer_unique_key",
    "count_repeat_purchases",
    "recency_days",
    "customer_age_days",
    "days_since_last_purchase",
    "avg_repeat_value_brl",
)

_PURCHASE_PARAMS = ("alpha", "r", "a", "b")
_SPEND_PARAMS = ("p", "q", "v")


@contextmanager
def _quiet() -> Any:
    """PyMC-Marketing warns about experimental APIs and BLAS on every call and
    logs each optimisation; none of it is actionable here."""
    loggers = [logging.getLogger(name) for name in ("pymc", "pytensor", "pymc_marketing")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _clv() -> Any:
    with _quiet():
        from pymc_marketing import clv  # slow import (pymc, pytensor): only when used
    return clv


def _purchase_model(clv: Any, variant: str) -> Any:
    """The library's purchase model class of a variant."""
    return clv.ModifiedBetaGeoModel if variant == "modified_bg_nbd" else clv.BetaGeoModel


def choose_variant(summary: pd.DataFrame) -> str:
    """`modified_bg_nbd` when one-time buyers dominate, else `bg_nbd`."""
    one_time = float((summary["count_repeat_purchases"] == 0).mean())
    return "modified_bg_nbd" if one_time >= ONE_TIME_DOMINANT else "bg_nbd"


def check_summary(summary: pd.DataFrame, where: str) -> None:
    """Refuse a summary the models cannot read, naming the fix."""
    missing = [name for name in SUMMARY_COLUMNS if name not in summary.columns]
    if missing:
        raise ModelError(f"{where} lacks column(s) {', '.join(missing)}; run `dbt build` first")
    if summary.empty:
        raise ModelError(f"{where} has no customers; nothing to fit or score")
    broken = summary["recency_days"] > summary["customer_age_days"]
    if broken.any():
        key = summary.loc[broken, "customer_unique_key"].iloc[0]
        raise ModelError(
            f"{where}: {int(broken.sum())} customer(s) with recency_days > customer_age_days "
            f"(first: customer_unique_key {key}); the summary mart's tests should have "
            "caught this, run `dbt build` and read its failures"
        )


def _purchase_frame(summary: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": np.arange(len(summary)),
            "frequency": summary["count_repeat_purchases"].to_numpy(float),
            "recency": summary["recency_days"].to_numpy(float),
            "T": summary["customer_age_days"].to_numpy(float),
        }
    )


def _spend_frame(summary: pd.DataFrame) -> pd.DataFrame:
    frequency = summary["count_repeat_purchases"].to_numpy(float)
    # A one-time buyer's mean repeat value is unknown (null): its weight in
    # the Gamma-Gamma expectation is 0, so any finite number gives the
    # population mean; 0 keeps NaN out of the product.
    value = summary["avg_repeat_value_brl"].to_numpy(float, na_value=np.nan)
    return pd.DataFrame(
        {
            "customer_id": np.arange(len(summary)),
            "frequency": frequency,
            "monetary_value": np.where(frequency > 0, np.nan_to_num(value), 0.0),
        }
    )


def _posterior(values: Mapping[str, float]) -> Any:
    """A one-draw posterior (what a MAP fit holds) from saved parameters."""
    import arviz as az
    import xarray as xr

    data = {
        name: xr.DataArray(np.array([[value]]), dims=("chain", "draw"))
        for name, value in values.items()
    }
    with _quiet():
        return az.InferenceData(posterior=xr.Dataset(data))


@dataclass
class ValueModel:
    """Purchases (BG/NBD family) and spend (Gamma-Gamma) per customer.

    `variant` is one of VARIANTS or `auto` (chosen from the data at fit by
    choose_variant). After fit: `variant_` (the one used), `params_`
    (purchase and spend parameters) and `fit_seconds_`."""

    variant: str = "auto"
    variant_: str | None = field(default=None, init=False)
    params_: dict[str, dict[str, float]] | None = field(default=None, init=False)
    fit_seconds_: dict[str, float] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.variant not in (*VARIANTS, "auto"):
            raise ModelError(
                f"value model variant must be auto or one of {', '.join(VARIANTS)}, "
                f"got {self.variant}"
            )

    def fit(self, summary: pd.DataFrame) -> ValueModel:
        """Fit both models by MAP on the purchase summary (one row per person)."""
        check_summary(summary, "the purchase summary")
        variant = choose_variant(summary) if self.variant == "auto" else self.variant
        repeat = summary[summary["count_repeat_purchases"] > 0]
        repeat = repeat[repeat["avg_repeat_value_brl"].astype(float) > 0]
        if len(repeat) < 2:
            raise ModelError(
                f"only {len(repeat)} repeat buyer(s) with a repeat value: the spend model "
                "needs at least two; a longer extract (more months of orders) is needed"
            )
        clv = _clv()
        with _quiet():
            started = time.perf_counter()
            purchases = _purchase_model(clv, variant)(data=_purchase_frame(summary))
            purchases.fit(method="map", progressbar=False)
            middle = time.perf_counter()
            spend = clv.GammaGammaModel(data=_spend_frame(repeat))
            spend.fit(method="map", progressbar=False)
            ended = time.perf_counter()
        self.variant_ = variant
        self.params_ = {
            "purchase": {
                name: float(purchases.fit_result[name].values.ravel()[0])
                for name in _PURCHASE_PARAMS
            },
            "spend": {
                name: float(spend.fit_result[name].values.ravel()[0]) for name in _SPEND_PARAMS
            },
        }
        self.fit_seconds_ = {"purchase": middle - started, "spend": ended - middle}
        return self

    @classmethod
    def from_params(cls, variant: str, params: Mapping[str, Mapping[str, float]]) -> ValueModel:
        """A fitted model from saved parameters (no refit)."""
        if variant not in VARIANTS:
            raise ModelError(f"saved value model has unknown variant {variant!r}")
        missing = [name for name in _PURCHASE_PARAMS if name not in params.get("purchase", {})]
        missing += [name for name in _SPEND_PARAMS if name not in params.get("spend", {})]
        if missing:
            raise ModelError(
                f"saved value model lacks parameter(s) {', '.join(missing)}; refit it with "
                "`clustering value`"
            )
        model = cls(variant=variant)
        model.variant_ = variant
        model.params_ = {part: dict(values) for part, values in params.items()}
        return model

    def _fitted(self) -> tuple[Any, Any]:
        if self.params_ is None or self.variant_ is None:
            raise ModelError("the value model is not fitted; call fit() or from_params()")
        clv = _clv()
        with _quiet():
            # The library's expectations read the parameters from the fit's
            # posterior; a one-draw posterior is exactly what MAP leaves.
            purchases = _purchase_model(clv, self.variant_)(data=_purchase_frame(_EMPTY))
            purchases.build_model()  # its coordinates name the parameters
            purchases.idata = _posterior(self.params_["purchase"])
            spend = clv.GammaGammaModel(data=_spend_frame(_EMPTY))
            spend.idata = _posterior(self.params_["spend"])
        return purchases, spend

    def expected_purchases(self, summary: pd.DataFrame, days: int) -> np.ndarray:
        """Expected purchases of each customer in the next `days` days."""
        check_summary(summary, "the purchase summary")
        purchases, _ = self._fitted()
        with _quiet():
            return purchases.expected_purchases(
                data=_purchase_frame(summary), future_t=days
            ).values.ravel()

    def predict(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Per customer (in the summary's order): p_alive, expected purchases in
        each of HORIZONS_DAYS, expected spend per purchase and expected value
        over VALUE_HORIZON_DAYS (purchases x spend, in R$, not discounted:
        six months at Brazilian rates move it by a few percent)."""
        check_summary(summary, "the purchase summary")
        purchases, spend = self._fitted()
        data = _purchase_frame(summary)
        with _quiet():
            out = {
                "p_alive": purchases.expected_probability_alive(data=data).values.ravel(),
            }
            for days in HORIZONS_DAYS:
                out[f"expected_purchases_{days}d"] = purchases.expected_purchases(
                    data=data, future_t=days
                ).values.ravel()
            out["expected_order_value_brl"] = spend.expected_customer_spend(
                data=_spend_frame(summary)
            ).values.ravel()
        frame = pd.DataFrame(out, index=summary.index)
        frame["expected_value_6m_brl"] = (
            frame[f"expected_purchases_{VALUE_HORIZON_DAYS}d"] * frame["expected_order_value_brl"]
        )
        return frame


_EMPTY = pd.DataFrame(
    {
        "customer_unique_key": [0],
        "count_repeat_purchases": [0],
        "recency_days": [0],
        "customer_age_days": [1],
        "days_since_last_purchase": [1],
        "avg_repeat_value_brl": [np.nan],
    }
)

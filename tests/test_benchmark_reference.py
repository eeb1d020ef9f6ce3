"""The benchmark's pandas reference computes the warehouse's marts: the same rows
and values as a real `dbt build` of the same data, and its comparison notices
a difference. A smoke run of the benchmark code, without timing."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from tests.benchmark_support import load_benchmark

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return load_benchmark("pandas_reference")


@pytest.fixture(scope="module")
def clean_marts(reference, clean_build) -> dict[str, pd.DataFrame]:
    return reference.build_marts(clean_build.data)


def test_pandas_marts_equal_the_warehouse(reference, clean_build, clean_marts):
    assert set(clean_marts) == set(reference.MARTS)
    assert all(len(frame) for frame in clean_marts.values())
    assert reference.compare(clean_marts, clean_build.warehouse) == []


def test_marts_written_to_parquet_compare_the_same(reference, clean_build, clean_marts, tmp_path):
    reference.write_parquet(clean_marts, tmp_path)
    assert reference.compare(reference.read_marts(tmp_path), clean_build.warehouse) == []


def test_pandas_rejects_the_rows_staging_rejects(reference, faulty_build):
    marts = reference.build_marts(faulty_build.data)
    assert reference.compare(marts, faulty_build.warehouse) == []


def _first_with(frame: pd.DataFrame, condition: pd.Series) -> int:
    return int(np.flatnonzero(condition.to_numpy())[0])


def _more_spend(marts: dict[str, pd.DataFrame]) -> tuple[str, str, str]:
    frame = marts["fct_customer_rfm"]
    frame.loc[0, "total_spend_brl"] += 0.01
    return "fct_customer_rfm", frame.loc[0, "customer_unique_id"], "total_spend_brl"


def _lost_review(marts: dict[str, pd.DataFrame]) -> tuple[str, str, str]:
    frame = marts["fct_customer_features"]
    row = _first_with(frame, frame["has_review"])
    frame.loc[row, "avg_review_score"] = np.nan
    return "fct_customer_features", frame.loc[row, "customer_unique_id"], "avg_review_score"


def _dropped_customer(marts: dict[str, pd.DataFrame]) -> tuple[str, str, str]:
    frame = marts["fct_customer_features"]
    customer = frame.loc[0, "customer_unique_id"]
    marts["fct_customer_features"] = frame.drop(index=0)
    return "fct_customer_features", customer, "only in the warehouse"


def _undelivered_order(marts: dict[str, pd.DataFrame]) -> tuple[str, str, str]:
    frame = marts["fct_orders"]
    row = _first_with(frame, frame["is_delivered"])
    frame.loc[row, "delivered_to_customer_at"] = pd.NaT
    return "fct_orders", frame.loc[row, "order_id"], "delivered_to_customer_at"


@pytest.mark.parametrize(
    "perturb", [_more_spend, _lost_review, _dropped_customer, _undelivered_order]
)
def test_comparison_names_a_difference(
    reference,
    clean_build,
    clean_marts,
    perturb: Callable[[dict[str, pd.DataFrame]], tuple[str, str, str]],
):
    marts = {name: frame.copy() for name, frame in clean_marts.items()}
    table, row_id, what = perturb(marts)
    problems = reference.compare(marts, clean_build.warehouse)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{table}:")
    assert row_id in problems[0]
    assert what in problems[0]

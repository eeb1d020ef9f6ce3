"""Shared fixtures: generated datasets and real `dbt build`s, made once per session."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from clustering.ops.dbt import build_warehouse
from clustering.synth import generate
from tests.value_support import build_valued

# The suite runs dbt a hundred times: inside the test process, dbt's import
# and the interpreter's start are paid once per worker, not per build
# (clustering.ops.dbt.run_dbt; the Spark build keeps its own process).
os.environ.setdefault("OLIST_DBT_IN_PROCESS", "1")
# dbt writes manifest.json (3 MB) twice and run_results.json on every call; no
# test reads them (compiled SQL and the partial-parse file are still written).
# Measured on a day of the replayed month: 6.4 s of CPU down to 5.4.
os.environ.setdefault("DBT_WRITE_JSON", "False")

# Small enough for a quick build, large enough that every status, payment type,
# RFM group and fault kind occurs.
BUILD_SCALE = 0.02
FAULT_SCALE = 0.01
FAULTS_PER_KIND = 3


def _generated_build(root, **generate_options):
    """Generate a dataset under root/data and `dbt build` it into root/warehouse.duckdb."""
    summary = generate(root / "data", **generate_options)
    result = build_warehouse(root / "data", root / "warehouse.duckdb")
    return SimpleNamespace(
        data=root / "data", summary=summary, warehouse=root / "warehouse.duckdb", result=result
    )


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory):
    """Clean generated data and a full `dbt build` (models + every test) of it."""
    return _generated_build(tmp_path_factory.mktemp("clean"), scale=BUILD_SCALE, seed=7)


@pytest.fixture(scope="session")
def faulty_build(tmp_path_factory):
    """Generated data with every fault kind injected, and its `dbt build`."""
    return _generated_build(
        tmp_path_factory.mktemp("faulty"), scale=FAULT_SCALE, seed=11, faults=FAULTS_PER_KIND
    )


@pytest.fixture(scope="session")
def valued(clean_build, tmp_path_factory):
    """The clean build with segments and the value model fitted, scored and
    tested (tests/value_support.py)."""
    return build_valued(clean_build, tmp_path_factory.mktemp("value"))


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """A very small clean dataset for tests that only need the build to start."""
    root = tmp_path_factory.mktemp("tiny")
    generate(root, scale=0.003, seed=5)
    return root


# How the suite shares two workers (make test: pytest-xdist, --dist loadgroup
# in this order: --no-loadscope-reorder, else xdist starts the files with the
# most tests first).
# A file's tests stay together on one worker (they share module fixtures
# that are costly to build twice), except in SPREAD files, whose tests are
# independent and long: they go one by one to whichever worker is free, so
# neither worker idles at the end. Longest first (measured): the Spark build,
# the month replayed day by day, the real-extract shapes, the end-to-end
# job.
FIRST_FILES = (
    "test_spark.py",
    "test_replay.py",
    "test_real_extracts.py",
    "test_segments_end_to_end.py",
    "test_value_end_to_end.py",
    "test_app.py",
    "test_sql_scoring.py",
    "test_segment_job.py",
    "test_input_errors.py",
    "test_dbt_tests_catch_bad_data.py",
    "test_refresh.py",
    "test_key_stability.py",
)
SPREAD = ("test_real_extracts.py",)
# Files that share a costly session fixture run in one group, on one worker:
# the app's tests read the valued warehouse the value tests build.
SHARED_GROUPS = {"test_app.py": "test_value_end_to_end"}


# First: the marks must be on the items before pytest-xdist's worker reads
# them in its own pytest_collection_modifyitems.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    order = {name: rank for rank, name in enumerate(FIRST_FILES)}
    items.sort(key=lambda item: order.get(item.path.name, len(order)))
    for item in items:
        if item.path.name not in SPREAD:
            group = SHARED_GROUPS.get(item.path.name, item.path.stem)
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    """In a pytest-xdist worker under --dist loadgroup, refuse to run when the
    groups were not applied: each worker would then build every file's
    module fixtures (the Spark build, the replayed month) a second time, a
    silent doubling of the suite's time. pytest-xdist 3.8 marks a group in
    the test's id the way pytest 8 keeps it, not pytest 9 (pyproject.toml
    pins pytest below 9)."""
    # Set only in a pytest-xdist worker (xdist.remote.setup_config).
    if not getattr(session.config.option, "loadgroup", False):
        return
    grouped = [item for item in session.items if item.path.name not in SPREAD]
    if grouped and not all("@" in item.nodeid for item in grouped):
        raise pytest.UsageError(
            "pytest-xdist did not apply the xdist_group marks (test ids without @group): "
            "install the pytest the project pins (`make install` after a pyproject.toml change)"
        )

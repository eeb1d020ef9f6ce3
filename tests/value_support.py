"""The valued warehouse: generated data built by dbt, segments fitted and
scored, the value model fitted and scored, the segments layer built and
tested. Shared by the value end-to-end tests and the app's tests (one build
per worker: conftest puts both files in one pytest-xdist group)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.jobs.value import fit_value
from clustering.ops.dbt import run_dbt
from clustering.settings import Settings, ValueSettings

# The small test population: cutoffs with a few hundred customers and a
# handful of repeat buyers are enough to exercise the proof.
SMALL = ValueSettings(min_customers=200, min_repeat_buyers=5, holdout_cutoffs=3)


def invoke(*args: str) -> SimpleNamespace:
    result = CliRunner().invoke(app, list(args))
    return SimpleNamespace(code=result.exit_code, out=result.stdout, err=result.stderr)


def build_valued(clean_build: SimpleNamespace, folder: Path) -> SimpleNamespace:
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(clean_build.warehouse, warehouse)
    run_dbt(["build", "--selector", "stability"], input_dir=clean_build.data, warehouse=warehouse)
    # A fixed structure: these tests check value and the app, not segment selection.
    for args in (("fit", "--family", "kmeans", "--segments", "3"), ("score",)):
        result = invoke(*args, "--warehouse", str(warehouse))
        assert result.code == 0, result.err
    settings = Settings(warehouse=warehouse, value=SMALL)
    outcome = fit_value(settings)
    checks = run_dbt(
        ["build", "--selector", "segments"],
        input_dir=clean_build.data,
        warehouse=warehouse,
        check=False,
    )
    return SimpleNamespace(
        warehouse=warehouse,
        settings=settings,
        outcome=outcome,
        checks=checks,
        data=clean_build.data,
    )

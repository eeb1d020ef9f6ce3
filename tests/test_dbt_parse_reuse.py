"""A process that runs dbt many times parses the project once
(clustering.ops.dbt._parsed_project), and only when dbt itself would have
reused the parse: other input folders and as-of dates share it; a changed
project file, var or variable read while parsing is parsed again."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from clustering.ops import dbt as dbt_module
from clustering.ops.dbt import _parse_key, find_project_dir, run_dbt
from clustering.synth import generate
from tests.warehouse_support import query, read_records

PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "analysis", "data-tests")


@pytest.fixture
def parses(monkeypatch) -> list:
    """The parses this test's dbt calls made, from none."""
    parsed: list = []
    monkeypatch.setattr(dbt_module, "_PARSED", parsed)
    return parsed


def _shape(manifest) -> dict[str, tuple[type, tuple]]:
    """Each field of a parsed manifest: its type, and its keys if a mapping."""
    return {
        item.name: (type(value), tuple(value) if isinstance(value, dict) else ())
        for item in dataclasses.fields(manifest)
        if item.name not in dbt_module._MANIFEST_RUNTIME_FIELDS
        for value in [getattr(manifest, item.name)]
    }


def _staged_orders_and_as_of(warehouse: Path) -> tuple[set[str], str]:
    orders = query(warehouse, "select order_id from staging.stg_olist__orders")
    ((as_of,),) = query(
        warehouse, "select cast(as_of_date as varchar) from intermediate.int_as_of_date"
    )
    return {order_id for (order_id,) in orders}, as_of


def test_one_parse_serves_other_input_folders_and_as_of_dates(
    tiny_dataset, tmp_path, parses, monkeypatch
):
    # The shape of each parse as it was kept: per field, its type and keys
    # (the first build then runs on the parse itself and writes into it).
    parsed_shapes = []
    freeze = dbt_module._frozen_manifest
    monkeypatch.setattr(
        dbt_module,
        "_frozen_manifest",
        lambda manifest: parsed_shapes.append(_shape(manifest)) or freeze(manifest),
    )
    other = tmp_path / "other input"
    generate(other, scale=0.003, seed=6)
    built = {}
    for name, data, as_of in (
        ("first", tiny_dataset, "2018-03-01"),
        ("second", other, "2018-04-15"),
    ):
        warehouse = tmp_path / name / "warehouse.duckdb"
        run_dbt(
            [
                "build",
                "--select",
                "+int_as_of_date",
                "--resource-type",
                "seed",
                "--resource-type",
                "model",
            ],
            input_dir=data,
            warehouse=warehouse,
            env={"OLIST_AS_OF_DATE": as_of},
            in_process=True,
        )
        orders, built_as_of = _staged_orders_and_as_of(warehouse)
        # This build read its own folder and its own date.
        _, records = read_records(data / "olist_orders_dataset.csv")
        assert orders == {record[0] for record in records}, name
        assert built_as_of == as_of
        built[name] = orders
    assert len(parses) == 1
    assert built["first"] != built["second"]
    # The second build ran on a copy of the first's parse, whole: every field
    # in its place (a deepcopy of a dbt 1.11 Manifest shifts the fields after
    # `fixtures` one place).
    (parsed,) = parsed_shapes
    copied = _shape(dbt_module._copy_manifest(parses[0][2]))
    assert copied == parsed
    assert parsed["nodes"][1] and parsed["macros"][1]


def test_a_changed_file_var_or_parse_time_variable_is_parsed_again(tiny_dataset, tmp_path, parses):
    project = tmp_path / "project"
    source = find_project_dir()
    project.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(source / name, project / name)
    for name in PROJECT_DIRS:
        shutil.copytree(source / name, project / name)

    def models(**options) -> str:
        return run_dbt(
            ["ls", "--resource-type", "model", "--output", "name"],
            input_dir=tiny_dataset,
            warehouse=tmp_path / "warehouse.duckdb",
            project_dir=project,
            in_process=True,
            **options,
        ).output

    assert "int_as_of_date" in models()
    models()
    assert len(parses) == 1
    (project / "models" / "marts" / "zz_parse_probe.sql").write_text("select 1 as one\n")
    assert "zz_parse_probe" in models()
    assert len(parses) == 2
    # Read while parsing (the audit models name the files by it).
    models(env={"OLIST_INPUT_FORMAT": "parquet"})
    assert len(parses) == 3
    models(vars={"as_of_date": "2018-05-01"})
    assert len(parses) == 4
    # Back to the first settings and files: parsed before, not again.
    (project / "models" / "marts" / "zz_parse_probe.sql").unlink()
    assert "zz_parse_probe" not in models()
    assert len(parses) == 4


def test_the_target_and_profile_count_however_they_are_given(monkeypatch):
    project = str(find_project_dir())
    settings = {"OLIST_WAREHOUSE": "/somewhere/warehouse.duckdb"}

    def key(*args: str) -> tuple:
        return _parse_key(["build", *args, "--project-dir", project], settings)

    plain = key("--selector", "daily")
    # What to build is no reason to parse again; where to build from is.
    assert key("--select", "fct_orders", "--full-refresh") == plain
    other_targets = [
        key("--target", "spark"),
        key("-t", "spark"),
        key("--target=spark"),
        key("--profile=other"),
        key("--vars", '{"as_of_date": "2018-05-01"}'),
    ]
    assert all(other != plain for other in other_targets)
    assert len(set(other_targets)) == len(other_targets)
    monkeypatch.setenv("DBT_TARGET", "spark")
    assert key("--selector", "daily") != plain
    monkeypatch.delenv("DBT_TARGET")
    assert (
        _parse_key(
            ["build", "--project-dir", project], {"OLIST_WAREHOUSE": "/elsewhere/warehouse.duckdb"}
        )
        == key()
    )
    assert (
        _parse_key(
            ["build", "--project-dir", project], {"OLIST_WAREHOUSE": "/somewhere/staged.duckdb"}
        )
        != key()
    )

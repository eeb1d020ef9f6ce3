"""The segment job publishes tables, model and exports together, or nothing.

A first job publishes; a second one, with a check made to fail on purpose
(one customer's segment name tampered with in the copy before the dbt
tests), must stop with one `error:` line naming the failed test and leave the
published tables, the current model, the model export and the campaign
exports exactly as they were.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from typer.testing import CliRunner

import clustering.jobs.segments as segment_job
from clustering.cli.commands import app
from clustering.jobs.segments import failed_checks
from clustering.ops.dbt import run_dbt

TABLES = ("customer_segments", "segment_profiles", "segment_feature_contrasts", "segment_models")

# What these tests check is the job's all-or-nothing publishing, not model
# selection (the end-to-end test compares the candidates): a fixed structure
# keeps each job to seconds.
FIXED = ("--family", "kmeans", "--segments", "4")


def invoke(*args: str) -> SimpleNamespace:
    result = CliRunner().invoke(app, list(args))
    return SimpleNamespace(code=result.exit_code, out=result.stdout, err=result.stderr)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file below `folder` (relative name -> sha256 of its bytes)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def published_state(warehouse: Path) -> dict[str, object]:
    """Every segment table's rows and every file of the models, exports and
    model export folders."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'segments' order by 1"
            ).fetchall()
        ]
        assert set(TABLES) <= set(names)
        tables = {
            table: con.execute(f"select * from segments.{table} order by all").fetchall()
            for table in names
        }
    root = warehouse.parent
    return {
        "tables": tables,
        "current": (root / "models" / "CURRENT").read_text(),
        "models": fingerprint(root / "models"),
        "exports": fingerprint(root / "exports"),
        "model_export": fingerprint(root / "model_export"),
    }


@pytest.fixture(scope="module")
def published(clean_build, tmp_path_factory) -> Path:
    """A copy of the session's clean warehouse after one successful segment job."""
    folder = tmp_path_factory.mktemp("segment-job")
    warehouse = folder / "olist.duckdb"
    shutil.copy(clean_build.warehouse, warehouse)
    ran = invoke(
        "segments", "--warehouse", str(warehouse), "--input", str(clean_build.data), "--seed", "1",
        *FIXED,
    )  # fmt: skip
    assert ran.code == 0, ran.out + ran.err
    assert "segment tests passed" in ran.out
    return warehouse


# A change made to the copy between scoring and the dbt checks, and the check
# that must catch it.
TAMPERINGS = {
    "a customer's segment name": (
        "update segments.customer_segments set segment_name = 'tampered' "
        "where customer_unique_key = (select min(customer_unique_key) "
        "from segments.customer_segments)",
        "assert_segment_profile_names_match_assignments",
    ),
    "a model feature's contrasts": (
        "delete from segments.segment_feature_contrasts where feature_name = 'freight_share'",
        "assert_segment_contrasts_follow_model_features",
    ),
}


@pytest.mark.parametrize(
    ("tampering", "seed"),
    # Seed 1 refits the published model itself (the same version): its saved
    # files must not change either.
    [("a customer's segment name", "1"), ("a model feature's contrasts", "2")],
)
def test_a_failed_check_publishes_nothing(
    published, clean_build, monkeypatch, tampering: str, seed: str
) -> None:
    sql, check = TAMPERINGS[tampering]
    before = published_state(published)
    real_score = segment_job.score_segments

    def score_then_tamper(settings, **options):
        outcome = real_score(settings, **options)
        with duckdb.connect(str(settings.warehouse)) as con:  # the copy only
            con.execute(sql)
        return outcome

    monkeypatch.setattr(segment_job, "score_segments", score_then_tamper)
    failed = invoke(
        "segments", "--warehouse", str(published), "--input", str(clean_build.data), "--seed", seed,
        *FIXED,
    )  # fmt: skip
    assert failed.code == 2
    lines = [line for line in failed.err.splitlines() if line.strip()]
    assert len(lines) == 1, failed.err
    assert lines[0].startswith("error: the segment checks failed, nothing was published: ")
    assert check in lines[0]
    assert published_state(published) == before
    work = published.parent / ".refresh"
    assert not (work / "next_version.duckdb").exists()
    assert not (work / "model_export").exists()
    assert not (work / "models").exists()


def test_a_population_too_small_stops_before_anything_is_written(published, clean_build) -> None:
    before = published_state(published)
    stopped = invoke(
        "segments",
        "--warehouse",
        str(published),
        "--input",
        str(clean_build.data),
        "--family",
        "kmeans",
        "--segments",
        "1000",
    )
    assert stopped.code == 2
    assert stopped.err.startswith("error: ") and stopped.err.count("\n") == 1
    assert "too few for 1000 segments" in stopped.err
    assert published_state(published) == before


def test_failed_checks_name_each_failed_test_with_its_rows() -> None:
    output = "\n".join(
        [
            "Failure in test assert_segment_statistics_match_features (data-tests/a.sql)",
            "  Got 16 results, configured to fail if != 0",
            "Failure in test not_null_x_y (models/segments/_segments__sources.yml)",
            "  Got 1 result, configured to fail if != 0",
        ]
    )
    assert failed_checks(output) == (
        "2 failed: assert_segment_statistics_match_features (16 rows), not_null_x_y (1 rows)"
    )
    assert failed_checks("Compilation Error in model x\n  bad thing") == (
        "Compilation Error in model x | bad thing"
    )


def test_a_warehouse_written_before_the_coverage_policy_still_scores_and_passes_its_tests(
    published, clean_build, tmp_path
) -> None:
    # As an earlier version left it: no model_features table, segment_models
    # without the new columns, and a model whose metadata has no coverage.
    folder = tmp_path / "older"
    shutil.copytree(published.parent, folder, ignore=shutil.ignore_patterns(".refresh"))
    warehouse = folder / published.name
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table segments.model_features")
        for column in ("features", "features_left_out", "caveats"):
            con.execute(f"alter table segments.segment_models drop column {column}")
    scored = invoke("score", "--warehouse", str(warehouse))
    assert scored.code == 0, scored.err
    result = run_dbt(
        ["build", "--selector", "segments"],
        input_dir=clean_build.data,
        warehouse=warehouse,
        env={"OLIST_MODEL_EXPORT_DIR": str(folder / "model_export")},
        check=False,
    )
    assert result.ok, result.output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = {row[0] for row in con.execute("describe segments.segment_models").fetchall()}
    assert {"features", "features_left_out", "caveats"} <= columns

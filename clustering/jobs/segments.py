"""The segment job: fit, score, check and publish segments all together, or nothing.

One job: `run_segment_job(settings, input_dir)` turns the built warehouse into
a published segmentation while analysts keep querying the current one:

1. take the refresh lock and copy the published warehouse (clustering.ops.publishing);
2. fit (compare candidates, fit the chosen one, carry names over) into the
   copy, saving the model without making it current;
3. score every customer into the copy with that model (and, when the monthly
   snapshots are built, every month end: clustering.jobs.backfill) and write
   the model export (for SQL scoring) into a scratch folder;
4. `dbt build --selector segment_job` on the copy: the SQL scoring and every
   test of the segment tables (the two scorings must agree);
5. only when all of that passed: publish the copy atomically, make the model
   current, move the model export into place and rewrite the campaign exports.

A failure at any step before 5 discards the copy, the unpublished model and
the scratch export, and raises SegmentJobError with one line naming the failed
check: the published tables, the current model and the exports stay exactly
as they were.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from clustering.errors import (
    SegmentJobError,
)
from clustering.jobs.backfill import backfill_membership
from clustering.jobs.fit import FitOutcome, check_fit_inputs, fit_segments
from clustering.jobs.score import ScoreOutcome, score_segments
from clustering.jobs.steps import Step, StepTimer
from clustering.jobs.value import score_value
from clustering.ops.dbt import run_dbt, summarize_errors
from clustering.ops.publishing import Versions, discard, publish, refresh_lock, stage
from clustering.progress import Progress
from clustering.settings import Settings
from clustering.storage.exports import EXPORTED_TABLES, export_tables
from clustering.storage.model_export import export_model
from clustering.storage.model_store import load_model, set_current
from clustering.storage.readers import CutoffNote, cutoff_note, has_snapshots, read_features
from clustering.storage.value_store import has_value_model


@dataclass(frozen=True)
class SegmentJobOutcome:
    fit: FitOutcome
    score: ScoreOutcome
    published: Path
    previous: Path | None
    cutoff: CutoffNote | None
    seconds: dict[str, float]


_FAILED_TEST = re.compile(r"Failure in test (\S+)")
_RESULTS = re.compile(r"Got (\d+) results?")


def failed_checks(output: str) -> str:
    """The failed dbt tests and their row counts, on one line."""
    failures = []
    lines = output.splitlines()
    for index, line in enumerate(lines):
        match = _FAILED_TEST.search(line)
        if not match:
            continue
        rows = next(
            (m.group(1) for later in lines[index + 1 : index + 4] if (m := _RESULTS.search(later))),
            None,
        )
        failures.append(f"{match.group(1)}" + (f" ({rows} rows)" if rows else ""))
    if failures:
        unique = list(dict.fromkeys(failures))
        return f"{len(unique)} failed: " + ", ".join(unique)
    return summarize_errors(output)


def _install_model(scratch: Path, models: Path, version: str) -> None:
    """The checked model folder into the model store, replacing a folder of the
    same version (a refit that reproduced it), then made current."""
    models.mkdir(parents=True, exist_ok=True)
    target = models / version
    if target.exists():
        replaced = models / f".{version}.replaced"
        shutil.rmtree(replaced, ignore_errors=True)
        target.replace(replaced)
        (scratch / version).replace(target)
        shutil.rmtree(replaced, ignore_errors=True)
    else:
        (scratch / version).replace(target)
    set_current(models, version)


def _move_export(scratch: Path, target: Path) -> None:
    """The model export files into their folder, each replaced whole."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(scratch.iterdir()):
        path.replace(target / path.name)
    scratch.rmdir()


def run_segment_job(
    settings: Settings,
    input_dir: Path,
    *,
    progress: Progress | None = None,
    step: Progress | None = None,
) -> SegmentJobOutcome:
    """Fit, score and check segments in a copy of the warehouse; publish all or nothing.

    `input_dir` is the folder the warehouse was built from (dbt's input check
    reads it). `progress` is called per candidate compared, `step` per step.
    Raises SegmentJobError (a failed check), PopulationError, CoverageError,
    WarehouseError, ModelError or BuildError with nothing published."""
    published = Path(settings.warehouse)
    if not published.is_file():
        raise SegmentJobError(
            f"warehouse file {published} not found; build it first with `dbt build "
            "--selector daily` (or `make run`)"
        )
    versions = Versions(published)
    timer = StepTimer((Step.FIT, Step.SCORE, Step.SEGMENT_CHECKS, Step.PUBLISH), step)
    started = time.perf_counter()
    models = settings.models_path
    with refresh_lock(versions):
        # Read once, under the lock (nothing publishes meanwhile), and checked
        # before the warehouse is copied: the copy holds the same features.
        table = read_features(published)
        check_fit_inputs(table.frame, settings)
        staged = stage(versions)
        scratch_models = versions.work_dir / "models"
        scratch_export = versions.work_dir / "model_export"
        for scratch in (scratch_models, scratch_export):
            shutil.rmtree(scratch, ignore_errors=True)
        # The copy is fitted and scored; the previous model is read from the
        # model store, the new one saved beside the copy until it is checked.
        local = settings.with_(
            warehouse=staged,
            model_dir=models,
            value_model_dir=settings.value_models_path,
            export_dir=settings.exports_path,
            model_export_dir=scratch_export,
            report_path=settings.report_file,
            stability_report_path=settings.stability_report_file,
        )
        try:
            with timer(Step.FIT):
                fitted = fit_segments(
                    local, progress, save_to=scratch_models, recorded=settings, table=table
                )
            with timer(Step.SCORE):
                # The model as saved (and as it will be installed), loaded once.
                model = load_model(scratch_models, fitted.model_version)
                checked = local.with_(model_dir=scratch_models)
                scored = score_segments(checked, export=False, table=table, saved=model)
                export_model(model, scratch_export)
                if has_snapshots(staged):
                    # Trends before the first scoring, redrawn with the new model.
                    backfill_membership(local, saved=model)
                if has_value_model(settings.value_models_path):
                    # The saved value model (no refit) splits the new segments
                    # into audiences before their tests run.
                    score_value(local)
            with timer(Step.SEGMENT_CHECKS):
                result = run_dbt(
                    ["build", "--selector", "segment_job"],
                    input_dir=input_dir,
                    warehouse=staged,
                    env={"OLIST_MODEL_EXPORT_DIR": str(scratch_export.resolve())},
                    work_dir=versions.work_dir / "dbt",
                    in_process=True,
                    check=False,
                )
                if not result.ok:
                    raise SegmentJobError(
                        f"the segment checks failed, nothing was published: "
                        f"{failed_checks(result.output)} (dbt build --selector segment_job; "
                        "the tests are described in models/segments/)"
                    )
            cutoff = cutoff_note(staged)
            with timer(Step.PUBLISH):
                previous = publish(versions)
        except BaseException:
            discard(versions)
            for scratch in (scratch_models, scratch_export):
                shutil.rmtree(scratch, ignore_errors=True)
            raise
        # The tables are published: the model and the exports follow. These
        # are file moves; should one fail, say exactly what is left to do.
        try:
            _install_model(scratch_models, models, fitted.model_version)
            _move_export(scratch_export, settings.model_export_path)
            export_tables(published, EXPORTED_TABLES, settings.exports_path)
        except OSError as error:
            raise SegmentJobError(
                f"the segment tables of model {fitted.model_version} were published, but "
                f"installing the model or writing the exports failed: {error}; fix the cause "
                "(disk space, permissions) and run `clustering segments` again"
            ) from error
        finally:
            for scratch in (scratch_models, scratch_export):
                shutil.rmtree(scratch, ignore_errors=True)
    seconds = timer.seconds | {"total": time.perf_counter() - started}
    return SegmentJobOutcome(
        fit=fitted,
        score=scored,
        published=published,
        previous=previous,
        cutoff=cutoff,
        seconds=seconds,
    )

"""Command-line interface: a thin shell over the library API.

Every command validates its arguments, calls one library function and prints a
short summary. Errors are printed as one line on stderr with exit code 2; no
traceback reaches the user.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from clustering.cli.progress import watch
from clustering.errors import (
    ClusteringError,
    NoOriginError,
)
from clustering.jobs.backfill import backfill_membership as run_backfill
from clustering.jobs.fit import FitOutcome, fit_segments
from clustering.jobs.monitor import monitor as run_monitor
from clustering.jobs.rebuild import check_refresh
from clustering.jobs.refresh import refresh as run_refresh
from clustering.jobs.refresh import roll_back
from clustering.jobs.score import score_segments
from clustering.jobs.segments import run_segment_job
from clustering.jobs.stability import run_stability
from clustering.jobs.value import fit_value
from clustering.jobs.value_monitor import monitor_value
from clustering.ml.value import VARIANT_NAMES
from clustering.progress import Progress
from clustering.report.segments import render_report
from clustering.report.stability import render_stability_report
from clustering.settings import Settings
from clustering.storage.history import MembershipChange
from clustering.storage.model_export import export_model
from clustering.storage.model_store import load_model
from clustering.storage.value_store import has_value_model

T = TypeVar("T")

app = typer.Typer(
    name="clustering",
    help="Customer segments for the Olist warehouse: fit, score, report; generate data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


Command = Callable[..., None]


def command(*args: object, **kwargs: object) -> Callable[[Command], Command]:
    """`app.command`, with what the library raises for something the user can
    fix (ClusteringError) turned into one `error:` line and exit code 2; any
    other exception is a bug and keeps its traceback."""

    def register(function: Command) -> Command:
        @functools.wraps(function)
        def run(*call_args: object, **call_kwargs: object) -> None:
            try:
                function(*call_args, **call_kwargs)
            except ClusteringError as error:
                _fail(str(error))

        return app.command(*args, **kwargs)(run)  # type: ignore[arg-type]

    return register


def _fail(message: str) -> NoReturn:
    # One line, whatever the library's message holds (dbt's output has several).
    typer.echo(f"error: {' '.join(message.splitlines())}", err=True)
    raise typer.Exit(code=2)


@app.callback()
def _root() -> None:
    """Customer segments for the Olist warehouse."""


OUT_HELP = "Directory to write the nine Olist CSV files into."
SCALE_HELP = "1 reproduces the real row counts; 0.01 for tests, 10 or 100 for benchmarks."
SEED_HELP = "Random seed; the same seed gives byte-identical files."
FAULTS_HELP = "Inject this many rows of each fault kind (0 = clean data), for loader tests."
MANIFEST_HELP = "Also write the generation summary as JSON to this file."
AS_OF_DAY_HELP = (
    "Write the dataset as it stood at the end of this day (YYYY-MM-DD): only orders "
    "purchased by then, with the deliveries and reviews known by then."
)


@command()
def generate(
    out: Annotated[Path, typer.Option(help=OUT_HELP)] = Path("data/olist"),
    scale: Annotated[float, typer.Option(help=SCALE_HELP)] = 1.0,
    seed: Annotated[int, typer.Option(help=SEED_HELP)] = 42,
    faults: Annotated[int, typer.Option(help=FAULTS_HELP)] = 0,
    manifest: Annotated[Path | None, typer.Option(help=MANIFEST_HELP)] = None,
    as_of_day: Annotated[str | None, typer.Option(help=AS_OF_DAY_HELP)] = None,
) -> None:
    """Write a deterministic synthetic Olist dataset in the exact Kaggle CSV layout."""
    from clustering.synth import generate as generate_dataset

    if scale <= 0:
        _fail(f"--scale must be positive, got {scale}; use 1 for the real row counts")
    if as_of_day is not None:
        _generate_day(out, scale=scale, seed=seed, as_of_day=as_of_day)
        return
    if faults < 0:
        _fail(f"--faults must be 0 or more, got {faults}")
    try:
        with watch("generating") as watching:
            summary = generate_dataset(
                out, scale=scale, seed=seed, faults=faults, progress=watching.units
            )
    except ClusteringError as error:
        _fail(f"could not generate the dataset in {out}: {error}")
    if manifest is not None:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(summary.to_json(), encoding="utf-8")
    rows = ", ".join(f"{name} {count:,}" for name, count in summary.rows.items())
    typer.echo(f"wrote {out} (scale {scale}, seed {seed}, faults {faults}): {rows}")


def _generate_day(out: Path, *, scale: float, seed: int, as_of_day: str) -> None:
    """The complete dataset in a scratch folder, cut to the end of one day."""
    import tempfile

    from clustering.synth import generate as generate_dataset
    from clustering.synth.days import cut_to_day

    try:
        day = date.fromisoformat(as_of_day)
    except ValueError:
        _fail(f"--as-of-day must be a date as YYYY-MM-DD, got {as_of_day!r}")
    try:
        with tempfile.TemporaryDirectory(prefix="olist-complete-") as scratch:
            generate_dataset(Path(scratch), scale=scale, seed=seed)
            rows = cut_to_day(Path(scratch), out, day)
    except ClusteringError as error:
        _fail(f"could not generate the dataset in {out}: {error}")
    counts = ", ".join(f"{name} {count:,}" for name, count in rows.items())
    typer.echo(f"wrote {out} as of the end of {day} (scale {scale}, seed {seed}): {counts}")


WAREHOUSE_HELP = (
    "The DuckDB warehouse built by `dbt build` "
    "(default: $OLIST_WAREHOUSE, else warehouse/olist.duckdb)."
)
MODEL_DIR_HELP = "Folder of saved models (default: models/ beside the warehouse)."
SEED_MODEL_HELP = "Random seed of every fit; the same data and seed give the same model."


def _settings(**overrides: object) -> Settings:
    return Settings.from_environment(**overrides)


C = TypeVar("C")


def _overridden(config: C, **options: object) -> C:
    """A settings section with the options the user gave (not None) replaced."""
    given = {key: value for key, value in options.items() if value is not None}
    return replace(config, **given)  # type: ignore[type-var]


SeedOption = Annotated[int | None, typer.Option("--seed", help=SEED_MODEL_HELP)]
MinSegmentsOption = Annotated[
    int | None, typer.Option("--min-segments", help="Fewest segments compared.")
]
MaxSegmentsOption = Annotated[
    int | None, typer.Option("--max-segments", help="Most segments compared.")
]
BootstrapOption = Annotated[
    int | None,
    typer.Option("--bootstrap-rounds", help="Refits on resamples per candidate (stability)."),
]
FamilyOption = Annotated[
    str | None,
    typer.Option("--family", help="With --segments: fit this family (kmeans, gaussian_mixture)."),
]
SegmentsOption = Annotated[
    int | None,
    typer.Option(
        "--segments", help="With --family: fit this many segments, skipping the comparison."
    ),
]


def _fit_settings(
    warehouse: Path | None,
    model_dir: Path | None,
    seed: int | None,
    min_segments: int | None,
    max_segments: int | None,
    bootstrap_rounds: int | None,
    family: str | None,
    segments: int | None,
) -> Settings:
    """Settings from the options `fit` and `segments` share."""
    return _settings(
        warehouse=warehouse,
        model_dir=model_dir,
        random_state=seed,
        min_segments=min_segments,
        max_segments=max_segments,
        bootstrap_rounds=bootstrap_rounds,
        family=family,
        n_segments=segments,
    )


def _comparing(settings: Settings, title: str, run: Callable[[Progress, Progress], T]) -> T:
    """Run a fit (alone or inside the segment job) under a progress bar of its
    steps and of the candidates compared."""
    with watch(title) as watching:
        return run(watching.units, watching.steps)


@command()
def fit(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    seed: SeedOption = None,
    min_segments: MinSegmentsOption = None,
    max_segments: MaxSegmentsOption = None,
    bootstrap_rounds: BootstrapOption = None,
    family: FamilyOption = None,
    segments: SegmentsOption = None,
) -> None:
    """Compare candidate segmentations, fit the chosen one on every customer and save it.

    Segments that match the previous saved model keep their ids and names. Writes the
    warehouse directly; `clustering segments` checks before it publishes."""
    settings = _fit_settings(
        warehouse, model_dir, seed, min_segments, max_segments, bootstrap_rounds, family, segments
    )
    outcome = _comparing(
        settings, "fit", lambda units, _steps: fit_segments(settings, progress=units)
    )
    typer.echo(f"model {outcome.model_version} saved in {settings.models_path}")
    _echo_fit(outcome)


def _echo_fit(outcome: FitOutcome) -> None:
    """What a fit chose, on which features, and what it could not guarantee."""
    for item in outcome.features_left_out:
        typer.echo(f"feature {item.feature_name} {item.reason}")
    typer.echo(f"chose {outcome.reason}")
    for segment_id, name in sorted(outcome.segment_names.items()):
        typer.echo(f"  segment {segment_id}: {name} ({outcome.sizes[segment_id]:,} customers)")
    for caveat in outcome.caveats:
        typer.echo(f"caveat: {caveat}")
    if outcome.matches is not None:
        carried = sum(match.is_carried_over for match in outcome.matches)
        typer.echo(
            f"matched to {outcome.previous_model_version}: {carried} of "
            f"{len(outcome.matches)} segments kept their id and name (Jaccard "
            + ", ".join(f"{match.jaccard:.2f}" for match in outcome.matches)
            + ")"
        )


INPUT_DIR_HELP = (
    "Folder of the Olist CSV files the warehouse was built from (default: $OLIST_INPUT_DIR, "
    "else data/olist); dbt's input check reads it."
)


@command()
def segments(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    input: Annotated[Path | None, typer.Option(help=INPUT_DIR_HELP)] = None,
    seed: SeedOption = None,
    min_segments: MinSegmentsOption = None,
    max_segments: MaxSegmentsOption = None,
    bootstrap_rounds: BootstrapOption = None,
    family: FamilyOption = None,
    segments: SegmentsOption = None,
) -> None:
    """The segment job: fit, score, SQL scoring and every segment test in a copy of the
    warehouse, then publish tables, model and exports together (or nothing).

    A failed step or check leaves the published segments exactly as they were and
    exits 2 with one `error:` line naming it."""
    settings = _fit_settings(
        warehouse, model_dir, seed, min_segments, max_segments, bootstrap_rounds, family, segments
    )
    input_dir = input or Path(os.environ.get("OLIST_INPUT_DIR") or "data/olist")
    outcome = _comparing(
        settings,
        "segment job",
        lambda units, steps: run_segment_job(settings, input_dir, progress=units, step=steps),
    )
    _echo_fit(outcome.fit)
    scored = outcome.score
    typer.echo(
        f"published model {outcome.fit.model_version}: {scored.count_customers:,} customers "
        f"scored as of {scored.as_of_date}, SQL scoring and segment tests passed, in "
        f"{outcome.seconds['total']:.0f} s"
    )
    typer.echo(_membership_line(scored.membership))
    if outcome.cutoff is not None:
        typer.echo(f"caveat: {outcome.cutoff.line}")
    typer.echo(
        f"tables in {settings.warehouse} (schema segments); exports in {settings.exports_path}; "
        f"model export in {settings.model_export_path}"
    )


@command()
def score(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for Parquet and CSV exports (default: exports/ beside the warehouse)."
        ),
    ] = None,
) -> None:
    """Assign every customer to a segment of the saved model (no refit) and publish the tables."""
    settings = _settings(warehouse=warehouse, model_dir=model_dir, export_dir=export_dir)
    outcome = score_segments(settings)
    typer.echo(
        f"scored {outcome.count_customers:,} customers as of {outcome.as_of_date} with model "
        f"{outcome.model_version} in {outcome.seconds:.1f} s: segments.customer_segments, "
        "segments.segment_profiles, segments.segment_feature_contrasts"
    )
    typer.echo(_membership_line(outcome.membership))
    typer.echo(f"exports in {settings.exports_path}")
    typer.echo(
        f"model export in {settings.model_export_path} "
        "(SQL scoring: `dbt build --selector sql_scoring`)"
    )


MODEL_EXPORT_HELP = (
    "Folder for the model's CSV files (default: $OLIST_MODEL_EXPORT_DIR, else "
    "model_export/ beside the warehouse, where dbt reads them)."
)


@command("export-model")
def export_model_command(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help=MODEL_EXPORT_HELP)] = None,
) -> None:
    """Write the saved model as plain CSV data (features, segments, centres) for scoring
    inside the warehouse: `dbt build --selector sql_scoring`."""
    settings = _settings(warehouse=warehouse, model_dir=model_dir, model_export_dir=out)
    saved = load_model(settings.models_path)
    paths = export_model(saved, settings.model_export_path)
    typer.echo(
        f"exported model {saved.version} to {settings.model_export_path}: "
        + ", ".join(path.name for path in paths)
    )


def _membership_line(change: MembershipChange) -> str:
    rerun = f"; {change.as_of_date} was recorded before and has been replaced" * change.is_rerun
    if change.previous_as_of_date is None:
        # Not "everybody entered": there is nothing before to move from.
        return (
            f"membership history starts on {change.as_of_date} with {change.count_customers:,} "
            f"customers (movements need a second scoring; `clustering backfill` estimates the "
            f"month ends before){rerun}"
        )
    return (
        f"membership history since {change.previous_as_of_date}: {change.count_new:,} new, "
        f"{change.count_changed:,} changed segment, {change.count_gone:,} no longer "
        f"scored{rerun}"
    )


INPUT_HELP = "Folder holding the day's nine Olist CSV files (the Kaggle layout)."
AS_OF_DATE_HELP = (
    "As-of date of the marts, YYYY-MM-DD (default: the day of the last purchase in the files)."
)


def _as_of_day(as_of_date: str | None) -> date | None:
    if as_of_date is None:
        return None
    try:
        return date.fromisoformat(as_of_date)
    except ValueError:
        _fail(f"--as-of-date must be a date as YYYY-MM-DD, got {as_of_date!r}")


@command()
def refresh(
    input: Annotated[Path, typer.Option(help=INPUT_HELP)],
    as_of_date: Annotated[str | None, typer.Option(help=AS_OF_DATE_HELP)] = None,
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    skip_tests: Annotated[
        bool,
        typer.Option(
            help="Leave out the dbt data tests, for replaying or backfilling days tested "
            "before; a daily schedule keeps them (a day failing one is not published)."
        ),
    ] = False,
) -> None:
    """The daily cycle: build, score with the saved model, record membership changes,
    monitor, and publish atomically while analysts keep querying.

    Analysts' queries see the previous version until the new one is complete; a
    failure publishes nothing; `clustering rollback` restores the version before."""
    day = _as_of_day(as_of_date)
    settings = _settings(warehouse=warehouse, model_dir=model_dir)
    with watch("refresh", log_steps=True) as watching:
        outcome = run_refresh(
            input, settings, as_of_date=day, run_tests=not skip_tests, step=watching.steps
        )
    seconds = outcome.seconds
    phases = ", ".join(
        f"{name} {value:.1f} s" for name, value in seconds.items() if name != "total"
    )
    typer.echo(
        f"published {outcome.published} as of {outcome.as_of_date} in {seconds['total']:.1f} s "
        f"({phases})"
    )
    loads = "; ".join(
        f"{load.source_file} {load.staged_rows:,}"
        + (f" ({load.rejected_rows:,} rejected)" if load.rejected_rows else "")
        for load in outcome.loads
    )
    typer.echo(
        f"loaded {outcome.rows_raw - outcome.rows_rejected:,} rows, rejected "
        f"{outcome.rows_rejected:,} (audit.audit_rejected_rows): {loads}"
    )
    change = outcome.membership
    typer.echo(
        f"scored {change.count_customers:,} customers with model {outcome.model_version}; "
        + _membership_line(change)
    )
    if outcome.monitor_line is not None:
        typer.echo(outcome.monitor_line)
    if outcome.previous is not None:
        typer.echo(f"previous version kept as {outcome.previous} (`clustering rollback`)")


@command("check-refresh")
def check_refresh_command(
    input: Annotated[Path, typer.Option(help="Folder holding the files the last refresh read.")],
    as_of_date: Annotated[
        str | None,
        typer.Option(help="As-of date to rebuild, YYYY-MM-DD (default: the warehouse's)."),
    ] = None,
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    keep: Annotated[
        bool, typer.Option(help="Keep the rebuilt file (.refresh/rebuilt.duckdb) to inspect.")
    ] = False,
) -> None:
    """Prove the published warehouse equals a build from nothing: rebuild its day
    from the same files beside it (key maps and model record carried over, scored
    by the same model) and compare every table. Exit code 1 names the tables
    that differ."""
    day = _as_of_day(as_of_date)
    settings = _settings(warehouse=warehouse, model_dir=model_dir)
    outcome = check_refresh(input, settings, as_of_date=day, keep=keep)
    compared = len(outcome.comparisons)
    rows = sum(table.rows_left for table in outcome.comparisons)
    for table in outcome.differing:
        typer.echo(f"differs: {table.name}: {'; '.join(table.problems)}", err=True)
    kept = f"; rebuild kept at {outcome.rebuilt}" if outcome.rebuilt else ""
    if outcome.not_rebuilt:
        typer.echo(
            f"not compared: {len(outcome.not_rebuilt)} tables other jobs build and a refresh "
            f"leaves as they were ({', '.join(outcome.not_rebuilt)})"
        )
    if outcome.differing:
        typer.echo(
            f"{len(outcome.differing)} of {compared} tables differ from a rebuild of "
            f"{outcome.as_of_date} ({outcome.seconds:.0f} s){kept}",
            err=True,
        )
        raise typer.Exit(code=1)
    typer.echo(
        f"all {compared} tables ({rows:,} rows) equal a rebuild of {outcome.as_of_date} from "
        f"{input} ({outcome.seconds:.0f} s); the key maps, membership history, run logs and "
        f"earlier days' rejects are kept on purpose{kept}"
    )


@command()
def rollback(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
) -> None:
    """Publish the version before the last refresh again (run twice to undo) and
    rewrite the campaign exports from it."""
    settings = _settings(warehouse=warehouse)
    kept = roll_back(settings)
    typer.echo(
        f"published the previous version of {settings.warehouse} again; the rolled-back one is "
        f"kept as {kept}"
    )


@command()
def report(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="HTML file to write (default: reports/segments.html beside the warehouse)."
        ),
    ] = None,
) -> None:
    """Write the offline HTML segment report for marketing."""
    settings = _settings(warehouse=warehouse, model_dir=model_dir, report_path=out)
    path = render_report(settings)
    typer.echo(f"report written to {path}")


@command()
def stability(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
    family: Annotated[
        str | None, typer.Option(help="With --segments: backtest this structure instead.")
    ] = None,
    segments: Annotated[
        int | None, typer.Option(help="With --family: backtest this many segments instead.")
    ] = None,
    origin_step: Annotated[
        int | None, typer.Option(help="Months between backtest origins (default 3).")
    ] = None,
    max_horizon: Annotated[
        int | None, typer.Option(help="Longest horizon in months (default 12).")
    ] = None,
    min_customers: Annotated[
        int | None,
        typer.Option(help="Fewest customers a cutoff needs to be an origin (default 2000)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="HTML report (default: reports/stability.html beside the warehouse)."),
    ] = None,
) -> None:
    """Backtest the segmentation over the history and recommend how often to retrain it.

    Needs marts.fct_customer_features_at_cutoffs (`dbt build --selector stability`) and a
    saved model (clustering fit) or --family and --segments. Writes the segments.stability_*
    tables and the report."""
    base = _settings(
        warehouse=warehouse,
        model_dir=model_dir,
        family=family,
        n_segments=segments,
        stability_report_path=out,
    )
    config = _overridden(
        base.stability,
        origin_step_months=origin_step,
        max_horizon_months=max_horizon,
        min_customers=min_customers,
    )
    settings = base.with_(stability=config)
    with watch("backtest") as watching:
        try:
            outcome = run_stability(settings, progress=watching.units)
        except NoOriginError as error:
            # Not a failure of the run: these data cannot support a contract yet.
            typer.echo(
                f"caveat: no maintenance contract could be derived: {error}. The segments "
                "stay published; `clustering monitor` still watches drift and agreement with "
                "a refit on every refresh, without a retrain period"
            )
            return
    report = render_stability_report(settings, outcome)
    rec = outcome.recommendation
    typer.echo(f"{rec.text[0].upper()}{rec.text[1:]}.")
    typer.echo(
        f"backtest {outcome.seconds['backtest']:.0f} s over {rec.count_origins} origins; "
        f"one retrain {outcome.seconds['retrain']:.1f} s; tables segments.stability_*; "
        f"report {report}"
    )


@command()
def monitor(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
) -> None:
    """After a refresh: is a retrain due? One line, and a row in segments.monitoring_runs.

    Exit code 0 either way (the answer is in the line and the table)."""
    settings = _settings(warehouse=warehouse, model_dir=model_dir)
    assessment = run_monitor(settings)
    typer.echo(assessment.line)
    if has_value_model(settings.value_models_path):
        typer.echo(monitor_value(settings).line)


@command()
def value(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    variant: Annotated[
        str | None,
        typer.Option(
            help="bg_nbd, modified_bg_nbd or auto (default: modified when one-time buyers "
            "dominate)."
        ),
    ] = None,
    cutoffs: Annotated[
        int | None,
        typer.Option(help="Holdout cutoffs to prove the model on (default 4; 0 skips the proof)."),
    ] = None,
) -> None:
    """Fit the customer value model (P(alive), expected purchases and 6-month value per
    person), prove it on holdout periods against a no-model baseline, and score everyone.

    Needs the monthly snapshots (`dbt build --selector stability`). Writes
    segments.customer_value, segment_audiences, value_models and value_holdout*."""
    base = _settings(warehouse=warehouse)
    config = _overridden(base.value, variant=variant, holdout_cutoffs=cutoffs)
    settings = base.with_(value=config)
    with watch("value model") as watching:
        outcome = fit_value(settings, progress=watching.units)
    record = outcome.record
    scored = outcome.score
    typer.echo(
        f"value model {record.version} ({VARIANT_NAMES[record.variant]}) fitted on "
        f"{record.count_customers:,} customers as of {record.as_of_date} in "
        f"{record.fit_seconds:.1f} s"
    )
    typer.echo(outcome.verdict)
    typer.echo(
        f"scored {scored.count_customers:,} customers: "
        f"R$ {scored.total_expected_value_6m_brl:,.0f} expected over 6 months, "
        f"{scored.count_likely_active:,} likely active (P(alive) >= 0.5); "
        f"{scored.count_audiences} segment audiences in segments.segment_audiences"
    )


@command()
def backfill(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    model_dir: Annotated[Path | None, typer.Option(help=MODEL_DIR_HELP)] = None,
) -> None:
    """Score the monthly snapshots with the current model, so segment sizes and
    movements exist before the first scoring (the app's trends and movements).

    Needs the monthly snapshots (`dbt build --selector stability`). Replaces
    segments.customer_segment_backfill and segment_size_backfill; run it again
    after a retrain."""
    settings = _settings(warehouse=warehouse, model_dir=model_dir)
    outcome = run_backfill(settings)
    typer.echo(
        f"scored {outcome.count_cutoffs} month ends ({outcome.first_cutoff} to "
        f"{outcome.last_cutoff}, {outcome.count_rows:,} memberships) with model "
        f"{outcome.model_version} in {outcome.seconds:.1f} s"
    )


@command("app")
def serve_app(
    warehouse: Annotated[Path | None, typer.Option(help=WAREHOUSE_HELP)] = None,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Anything but 127.0.0.1/localhost needs a password in "
            "the environment variable OLIST_APP_PASSWORD."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    audiences: Annotated[
        Path | None,
        typer.Option(
            help="File of saved audiences (default: app/audiences.json beside the warehouse)."
        ),
    ] = None,
) -> None:
    """Serve the marketing app on the published warehouse (read-only): segments,
    audience builder, movements, maintenance, customer look-up."""
    # Imported here: Dash and Flask take a second to import, which every
    # other command would pay for nothing.
    from clustering.app.server import AppConfig, check_binding, password_from_environment, serve

    settings = _settings(warehouse=warehouse)
    config = AppConfig(
        warehouse=settings.warehouse,
        audiences_path=audiences or settings.warehouse.parent / "app" / "audiences.json",
        reports_dir=settings.report_file.parent,
        password=password_from_environment(),
    )
    check_binding(host, config.password)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"serving {settings.warehouse} on http://{shown}:{port}/ (Ctrl+C stops)")
    serve(config, host=host, port=port)


if __name__ == "__main__":  # pragma: no cover
    app()

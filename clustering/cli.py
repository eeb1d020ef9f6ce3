"""Command-line interface: a thin shell over the library API.

Every command validates its arguments, calls one library function and prints a
short summary. Errors are printed as one line on stderr with exit code 2; no
traceback reaches the user.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="clustering",
    help="Customer segments for the Olist warehouse: synthetic data and (later) segment jobs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@app.callback()
def main() -> None:
    """Customer segments for the Olist warehouse."""


OUT_HELP = "Directory to write the nine Olist CSV files into."
SCALE_HELP = "1 reproduces the real row counts; 0.01 for tests, 10 or 100 for benchmarks."
SEED_HELP = "Random seed; the same seed gives byte-identical files."
FAULTS_HELP = "Inject this many rows of each fault kind (0 = clean data), for loader tests."
MANIFEST_HELP = "Also write the generation summary as JSON to this file."


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help=OUT_HELP)] = Path("data/olist"),
    scale: Annotated[float, typer.Option(help=SCALE_HELP)] = 1.0,
    seed: Annotated[int, typer.Option(help=SEED_HELP)] = 42,
    faults: Annotated[int, typer.Option(help=FAULTS_HELP)] = 0,
    manifest: Annotated[Path | None, typer.Option(help=MANIFEST_HELP)] = None,
) -> None:
    """Write a deterministic synthetic Olist dataset in the exact Kaggle CSV layout."""
    from clustering.synth import generate as generate_dataset

    if scale <= 0:
        _fail(f"--scale must be positive, got {scale}; use 1 for the real row counts")
    if faults < 0:
        _fail(f"--faults must be 0 or more, got {faults}")
    try:
        summary = generate_dataset(out, scale=scale, seed=seed, faults=faults)
    except (OSError, ValueError) as error:
        _fail(f"could not generate the dataset in {out}: {error}")
    if manifest is not None:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(summary.to_json(), encoding="utf-8")
    rows = ", ".join(f"{name} {count:,}" for name, count in summary.rows.items())
    typer.echo(f"wrote {out} (scale {scale}, seed {seed}, faults {faults}): {rows}")


if __name__ == "__main__":  # pragma: no cover
    app()

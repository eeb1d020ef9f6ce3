"""The `clustering` command: a thin shell over the jobs (also `python -m clustering`)."""

from clustering.cli.commands import app

__all__ = ["app"]

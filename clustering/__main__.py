"""`python -m clustering`: the same command as `clustering`."""

from clustering.cli import app

app(prog_name="clustering")

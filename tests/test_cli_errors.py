"""The CLI turns a ClusteringError into one `error:` line (exit 2) and lets
every other exception keep its traceback: a bug must not look like a user
mistake."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import clustering.cli.commands as cli
from clustering.cli import app
from clustering.errors import ClusteringError, ModelError, SettingsError, WarehouseError


def test_every_library_error_shares_the_base() -> None:
    for error in (ModelError, SettingsError, WarehouseError):
        assert issubclass(error, ClusteringError)


def test_a_library_error_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def fails(settings):
        raise ModelError("no saved model in x;\nrun `clustering fit` first")

    monkeypatch.setattr(cli, "run_monitor", fails)
    result = CliRunner().invoke(app, ["monitor", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert result.output.strip() == "error: no saved model in x; run `clustering fit` first"


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def crashes(settings):
        raise KeyError("segment_ids")

    monkeypatch.setattr(cli, "run_monitor", crashes)
    result = CliRunner().invoke(app, ["monitor", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    assert isinstance(result.exception, KeyError)
    assert "error:" not in result.output


def test_a_bad_option_is_a_settings_error(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["fit", "--warehouse", str(tmp_path / "w.duckdb"), "--min-segments", "1"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: ")

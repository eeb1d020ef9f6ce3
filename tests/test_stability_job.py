"""The stability job's structure under contract: the saved model's, or the
one the operator gives, which needs no saved model."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustering.errors import ModelError
from clustering.jobs.stability import production_structure
from clustering.settings import Settings


def test_without_a_saved_model_the_backtest_asks_for_one_or_a_structure(tmp_path: Path) -> None:
    settings = Settings(warehouse=tmp_path / "olist.duckdb")
    with pytest.raises(ModelError) as error:
        production_structure(settings)
    message = str(error.value)
    assert message.startswith(f"no saved model in {tmp_path / 'models'}")
    assert message.endswith(
        "(the backtest refits the production model's structure), or give --family and --segments"
    )


def test_a_given_structure_needs_no_saved_model(tmp_path: Path) -> None:
    settings = Settings(warehouse=tmp_path / "olist.duckdb", family="kmeans", n_segments=4)
    structure, saved = production_structure(settings)
    assert saved is None
    assert (structure.family, structure.n_segments) == ("kmeans", 4)
    assert structure.n_init == settings.n_init and structure.features is None

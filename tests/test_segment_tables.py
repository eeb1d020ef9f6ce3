"""The segment tables are declared once in Python (clustering.storage.segment_tables)
and documented for dbt in models/segments/_segments__sources.yml: both must
name the same columns, in the same order, with the same types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clustering.storage.segment_tables import PER_MODEL_FEATURE_COLUMNS, SEGMENT_TABLES

SOURCES = Path(__file__).resolve().parents[1] / "models" / "segments" / "_segments__sources.yml"


def documented_tables() -> dict[str, list[tuple[str, str | None]]]:
    document = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    (source,) = [item for item in document["sources"] if item["name"] == "segments"]
    return {
        table["name"]: [(column["name"], column.get("data_type")) for column in table["columns"]]
        for table in source["tables"]
    }


def test_every_documented_table_is_declared_in_python() -> None:
    assert set(documented_tables()) <= set(SEGMENT_TABLES)


@pytest.mark.parametrize("table", sorted(documented_tables()))
def test_documented_columns_are_the_declared_ones(table: str) -> None:
    declared = list(SEGMENT_TABLES[table])
    documented = documented_tables()[table]
    assert [name for name, _ in documented] == [name for name, _ in declared]
    per_model = PER_MODEL_FEATURE_COLUMNS.get(table, frozenset())
    for (name, kind), (_, documented_kind) in zip(declared, documented, strict=True):
        # A model's per-feature columns exist only for the features it uses,
        # so dbt's type test leaves them undeclared; every other column has
        # its type in both places.
        if name in per_model and documented_kind is None:
            continue
        assert documented_kind == kind, f"{table}.{name}: YAML {documented_kind}, Python {kind}"


def test_the_check_fails_on_a_drifted_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    drifted = dict(SEGMENT_TABLES)
    drifted["customer_segments"] = (*SEGMENT_TABLES["customer_segments"], ("extra", "double"))
    monkeypatch.setattr("tests.test_segment_tables.SEGMENT_TABLES", drifted)
    with pytest.raises(AssertionError):
        test_documented_columns_are_the_declared_ones("customer_segments")

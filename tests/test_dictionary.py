"""The data dictionary (clustering.storage.dictionary) covers exactly the
declared segment tables and columns, in short single-line texts, and every
write leaves them in the warehouse as DuckDB comments."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from clustering.ml.features import FEATURE_NAMES
from clustering.storage.dictionary import (
    COLUMN_COMMENTS,
    MAX_COLUMN_COMMENT,
    MAX_TABLE_COMMENT,
    TABLE_COMMENTS,
    comment_statements,
    quote_literal,
)
from clustering.storage.segment_tables import (
    APPEND_TABLES,
    HISTORY_TABLES,
    MEMBERSHIP_TABLES,
    PER_MODEL_FEATURE_COLUMNS,
    SEGMENT_TABLES,
    SEGMENTS_SCHEMA,
    VALUE_TABLES,
    write_segment_tables,
)


def test_every_segment_table_has_a_table_comment_and_nothing_else_has() -> None:
    assert sorted(TABLE_COMMENTS) == sorted(SEGMENT_TABLES)
    assert sorted(COLUMN_COMMENTS) == sorted(SEGMENT_TABLES)


@pytest.mark.parametrize("table", sorted(SEGMENT_TABLES))
def test_every_declared_column_has_a_comment_and_nothing_else_has(table: str) -> None:
    declared = [name for name, _ in SEGMENT_TABLES[table]]
    # The same order too: the dictionary reads like the table.
    assert list(COLUMN_COMMENTS[table]) == declared


def test_every_feature_of_the_profiles_has_a_mean_and_a_median_comment() -> None:
    comments = COLUMN_COMMENTS["segment_profiles"]
    assert PER_MODEL_FEATURE_COLUMNS["segment_profiles"] <= set(comments)
    for name in FEATURE_NAMES:
        assert comments[f"mean_{name}"].startswith("Mean of ")
        assert comments[f"median_{name}"].startswith("Median of ")
        assert name in comments[f"mean_{name}"]


def long_or_broken(texts: dict[str, str], limit: int) -> list[str]:
    """The texts that are empty, padded, more than one line or over `limit`."""
    return [
        f"{where} ({len(text)} characters): {text!r}"
        for where, text in texts.items()
        if not text or text.strip() != text or "\n" in text or "\r" in text or len(text) > limit
    ]


def test_every_comment_is_one_short_line() -> None:
    columns = {
        f"{table}.{column}": text
        for table, comments in COLUMN_COMMENTS.items()
        for column, text in comments.items()
    }
    assert long_or_broken(TABLE_COMMENTS, MAX_TABLE_COMMENT) == []
    assert long_or_broken(columns, MAX_COLUMN_COMMENT) == []


def test_the_value_bands_read_as_the_job_cuts_them() -> None:
    # The bands live in clustering.jobs.value, above the storage layer, so the
    # comment cannot be built from them; this keeps the two in step.
    from clustering.jobs.value import BANDS

    text = COLUMN_COMMENTS["customer_value"]["value_band"]
    previous = 0.0
    for name, edge in BANDS[:-1]:
        share = round((edge - previous) * 100)
        assert re.search(rf"\b{name} \((first|next) {share} %", text), (name, share, text)
        previous = edge
    assert f"{BANDS[-1][0]} (the rest)" in text


def test_the_checks_fail_on_a_drifted_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    module = "tests.test_dictionary"
    extra = {**TABLE_COMMENTS, "old_table": "One row per nothing."}
    monkeypatch.setattr(f"{module}.TABLE_COMMENTS", extra)
    with pytest.raises(AssertionError):
        test_every_segment_table_has_a_table_comment_and_nothing_else_has()
    monkeypatch.undo()

    fewer = {table: dict(columns) for table, columns in COLUMN_COMMENTS.items()}
    del fewer["segment_profiles"][f"median_{FEATURE_NAMES[-1]}"]
    monkeypatch.setattr(f"{module}.COLUMN_COMMENTS", fewer)
    with pytest.raises(AssertionError):
        test_every_declared_column_has_a_comment_and_nothing_else_has("segment_profiles")
    monkeypatch.undo()

    bad = {"a": "", "b": " padded", "c": "two\nlines", "d": "x" * (MAX_COLUMN_COMMENT + 1)}
    assert len(long_or_broken(bad, MAX_COLUMN_COMMENT)) == len(bad)
    assert long_or_broken({"e": "x" * MAX_COLUMN_COMMENT}, MAX_COLUMN_COMMENT) == []


def test_a_column_without_a_comment_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match=r"no comment for column\(s\) extra of segments\.refresh"):
        comment_statements(SEGMENTS_SCHEMA, "refresh_runs", ["refreshed_at", "extra"])


def test_quoted_texts_come_back_exactly() -> None:
    text = r"the segment's 'best' customers, 50 % \n not a line break"
    con = duckdb.connect()
    con.execute("create table t (a integer)")
    con.execute(f"comment on table t is {quote_literal(text)}")
    assert con.execute("select comment from duckdb_tables()").fetchone() == (text,)
    con.close()


# -- in the warehouse --------------------------------------------------------


def _empty(table: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(columns=[name for name, _ in SEGMENT_TABLES[table] if name not in drop])


def _stored_comments(warehouse: Path) -> tuple[dict[str, str | None], dict[str, dict]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = ?",
                [SEGMENTS_SCHEMA],
            ).fetchall()
        )
        columns: dict[str, dict[str, str | None]] = {}
        for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = ? order by table_name, column_index",
            [SEGMENTS_SCHEMA],
        ).fetchall():
            columns.setdefault(table, {})[column] = comment
    return tables, columns


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    return path


def test_a_write_stores_every_comment_of_every_table(warehouse: Path) -> None:
    # A model that left two features out: its profiles hold only the others.
    left_out = tuple(f"{stat}_{name}" for name in FEATURE_NAMES[-2:] for stat in ("mean", "median"))
    tables = {
        table: _empty(table, left_out if table == "segment_profiles" else ())
        for table in SEGMENT_TABLES
        if table not in MEMBERSHIP_TABLES
    }
    write_segment_tables(warehouse, tables, model_version="v1")

    stored_tables, stored_columns = _stored_comments(warehouse)
    assert stored_tables == TABLE_COMMENTS
    for table, comments in COLUMN_COMMENTS.items():
        expected = {name: text for name, text in comments.items() if name not in left_out}
        assert stored_columns[table] == expected, table


def test_tables_of_an_older_warehouse_get_their_comments(warehouse: Path) -> None:
    # Written before the dictionary existed: kept tables with no comment.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create schema {SEGMENTS_SCHEMA}")
        for table in (*HISTORY_TABLES, *MEMBERSHIP_TABLES, "monitoring_runs"):
            columns = ", ".join(f"{name} {kind}" for name, kind in SEGMENT_TABLES[table])
            con.execute(f"create table {SEGMENTS_SCHEMA}.{table} ({columns})")
    assert "monitoring_runs" in APPEND_TABLES

    write_segment_tables(
        warehouse, {"monitoring_runs": _empty("monitoring_runs")}, model_version="v1"
    )

    stored_tables, stored_columns = _stored_comments(warehouse)
    # The written table and every table each write keeps in place.
    for table in ("monitoring_runs", *HISTORY_TABLES, *MEMBERSHIP_TABLES, *VALUE_TABLES):
        assert stored_tables[table] == TABLE_COMMENTS[table]
        assert stored_columns[table] == COLUMN_COMMENTS[table]


def test_a_replaced_table_keeps_its_comments(warehouse: Path) -> None:
    frame = pd.DataFrame([{name: None for name, _ in SEGMENT_TABLES["customer_segments"]}])
    frame = frame.assign(customer_unique_key=1, segment_id=0, as_of_date=date(2018, 9, 1))
    for _ in range(2):
        write_segment_tables(warehouse, {"customer_segments": frame}, model_version="v1")
    stored_tables, stored_columns = _stored_comments(warehouse)
    assert stored_tables["customer_segments"] == TABLE_COMMENTS["customer_segments"]
    assert stored_columns["customer_segments"] == COLUMN_COMMENTS["customer_segments"]

"""Membership history on small hand-made assignments: periods open and close
where the segment or the model changes, sizes count entries and exits, a
re-run of the same day changes nothing, an earlier day is refused."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from clustering.errors import HistoryError
from clustering.storage.history import record_membership
from clustering.storage.segment_tables import SEGMENT_TABLES, write_segment_tables

NAMES = {1: "Loyal", 2: "Lost", 3: "New"}


def _score(con: duckdb.DuckDBPyConnection, day: date, members: dict[int, int], model="m1"):
    """Replace segments.customer_segments with `members` (key -> segment) and record."""
    frame = pd.DataFrame(
        [
            {"key": key, "id": f"id-{key}", "segment": segment, "name": NAMES[segment]}
            for key, segment in members.items()
        ],
        columns=["key", "id", "segment", "name"],
    )
    con.execute("delete from segments.customer_segments")
    con.register("incoming", frame)
    con.execute(
        "insert into segments.customer_segments (customer_unique_key, customer_unique_id, "
        "segment_id, segment_name, model_version, as_of_date) "
        "select key, id, segment, name, ?, ? from incoming",
        [model, day],
    )
    con.unregister("incoming")
    return record_membership(con, day)


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("create schema segments")
    for table in ("customer_segments", "customer_segment_history", "segment_size_history"):
        columns = ", ".join(f"{name} {kind}" for name, kind in SEGMENT_TABLES[table])
        connection.execute(f"create table segments.{table} ({columns})")
    yield connection
    connection.close()


def _history(con) -> list[tuple]:
    return con.execute(
        "select customer_unique_key, segment_id, model_version, valid_from, valid_to "
        "from segments.customer_segment_history order by all"
    ).fetchall()


def _sizes(con, day) -> dict[int, tuple[int, int, int]]:
    rows = con.execute(
        "select segment_id, count_customers, count_entered, count_left "
        "from segments.segment_size_history where as_of_date = ?",
        [day],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


D1, D2, D3 = date(2018, 3, 1), date(2018, 3, 2), date(2018, 3, 3)


def test_the_first_scoring_opens_a_period_for_everybody(con):
    change = _score(con, D1, {1: 1, 2: 1, 3: 2})
    assert (change.count_new, change.count_changed, change.count_gone) == (3, 0, 0)
    assert change.previous_as_of_date is None and not change.is_rerun
    assert _history(con) == [
        (1, 1, "m1", D1, None),
        (2, 1, "m1", D1, None),
        (3, 2, "m1", D1, None),
    ]
    # Nothing was scored before: no entries or exits, rather than "everybody entered".
    assert _sizes(con, D1) == {1: (2, None, None), 2: (1, None, None)}


def test_a_move_closes_one_period_and_opens_the_next(con):
    _score(con, D1, {1: 1, 2: 1, 3: 2})
    change = _score(con, D2, {1: 1, 2: 2, 3: 2, 4: 3})
    assert (change.count_new, change.count_changed, change.count_gone) == (1, 1, 0)
    assert change.previous_as_of_date == D1
    assert _history(con) == [
        (1, 1, "m1", D1, None),
        (2, 1, "m1", D1, D2),
        (2, 2, "m1", D2, None),
        (3, 2, "m1", D1, None),
        (4, 3, "m1", D2, None),
    ]
    # Segment 1 lost customer 2 to segment 2; customer 4 is new in segment 3.
    assert _sizes(con, D2) == {1: (1, 0, 1), 2: (2, 1, 0), 3: (1, 1, 0)}


def test_a_customer_no_longer_scored_leaves_and_an_emptied_segment_keeps_its_row(con):
    _score(con, D1, {1: 1, 2: 2})
    change = _score(con, D2, {1: 1})
    assert (change.count_new, change.count_changed, change.count_gone) == (0, 0, 1)
    assert (2, 2, "m1", D1, D2) in _history(con)
    assert _sizes(con, D2) == {1: (1, 0, 0), 2: (0, 0, 1)}
    ((name,),) = con.execute(
        "select segment_name from segments.segment_size_history "
        "where as_of_date = ? and segment_id = 2",
        [D2],
    ).fetchall()
    assert name == "Lost"


def test_a_new_model_version_opens_new_periods_without_counting_moves(con):
    _score(con, D1, {1: 1, 2: 2})
    change = _score(con, D2, {1: 1, 2: 2}, model="m2")
    assert (change.count_new, change.count_changed, change.count_gone) == (0, 0, 0)
    assert _history(con) == [
        (1, 1, "m1", D1, D2),
        (1, 1, "m2", D2, None),
        (2, 2, "m1", D1, D2),
        (2, 2, "m2", D2, None),
    ]
    assert _sizes(con, D2) == {1: (1, 0, 0), 2: (1, 0, 0)}


def test_re_running_a_day_changes_nothing(con):
    _score(con, D1, {1: 1, 2: 1, 3: 2})
    _score(con, D2, {1: 2, 2: 1, 4: 3})
    history, sizes = _history(con), _sizes(con, D2)
    again = _score(con, D2, {1: 2, 2: 1, 4: 3})
    assert again.is_rerun and again.previous_as_of_date == D1
    assert (again.count_new, again.count_changed, again.count_gone) == (1, 1, 1)
    assert _history(con) == history
    assert _sizes(con, D2) == sizes
    # A corrected re-run of the day replaces what the day recorded.
    _score(con, D2, {1: 1, 2: 1, 3: 2})
    assert _history(con) == [
        (1, 1, "m1", D1, None),
        (2, 1, "m1", D1, None),
        (3, 2, "m1", D1, None),
    ]


def test_an_earlier_day_is_refused_and_changes_nothing(con):
    _score(con, D1, {1: 1})
    _score(con, D3, {1: 2})
    history = _history(con)
    with pytest.raises(HistoryError, match=r"already runs to 2018-03-03.*as of 2018-03-02"):
        _score(con, D2, {1: 3})
    assert _history(con) == history


def test_scoring_writes_history_in_the_same_transaction(tmp_path):
    """A failure inside the transaction leaves neither assignments nor history."""
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    columns = [name for name, _ in SEGMENT_TABLES["customer_segments"]]
    frame = pd.DataFrame([{name: None for name in columns}])
    frame = frame.assign(
        customer_unique_key=1, customer_unique_id="a", segment_id=1, segment_name="x",
        model_version="m1", as_of_date=D2,
    )  # fmt: skip
    write_segment_tables(
        warehouse, {"customer_segments": frame}, model_version="m1",
        then=lambda con: record_membership(con, D2),
    )  # fmt: skip
    with pytest.raises(HistoryError):
        write_segment_tables(
            warehouse,
            {"customer_segments": frame.assign(segment_id=2, as_of_date=D1)},
            model_version="m1",
            then=lambda con: record_membership(con, D1),
        )
    check = duckdb.connect(str(warehouse), read_only=True)
    assert check.execute("select segment_id from segments.customer_segments").fetchall() == [(1,)]
    assert check.execute(
        "select segment_id, valid_from from segments.customer_segment_history"
    ).fetchall() == [(1, D2)]
    check.close()


def test_history_tables_cannot_be_overwritten_by_a_plain_write(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(ValueError, match="customer_segment_history are kept by clustering"):
        write_segment_tables(
            warehouse, {"customer_segment_history": pd.DataFrame()}, model_version="m1"
        )

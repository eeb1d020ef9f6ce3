"""Thirty consecutive days replayed through the daily refresh: the membership
history tables are checked, day by day and customer by customer, against the
assignments each day actually published; the warehouse the month left equals,
table by table, a full rebuild of the last day; a re-run of the last day
changes nothing; the integer keys stay stable; the analyses answer the daily
questions from the history."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from clustering.cli.commands import app
from clustering.jobs.monitor import staleness
from clustering.jobs.rebuild import compare_with_rebuild
from clustering.jobs.refresh import refresh
from clustering.ops.compare import COMPARED_SCHEMAS, changed_keys
from clustering.ops.dbt import run_dbt
from clustering.ops.publishing import Versions
from clustering.storage.model_store import load_model
from clustering.storage.readers import read_features
from clustering.synth import generate
from clustering.synth.days import cut_to_day
from tests.daily_support import copy_published, publish_first_day, query

SCALE = 0.01
FIRST_DAY = date(2018, 2, 1)
DAYS = 30  # the first day, published by the setup, and 29 refreshes
ALL_DAYS = [FIRST_DAY + timedelta(days=offset) for offset in range(DAYS)]
HOSTILE = 'it\'s; drop table x; --"quoted" dir'

# Members of one published version: customer key -> (hex id, segment id).
Members = dict[int, tuple[str, int]]


def _members(warehouse: Path) -> Members:
    rows = query(
        warehouse,
        "select customer_unique_key, customer_unique_id, segment_id "
        "from segments.customer_segments",
    )
    return {key: (hex_id, segment) for key, hex_id, segment in rows}


def _history_table(warehouse: Path) -> list[tuple]:
    return query(warehouse, "select * from segments.customer_segment_history order by all")


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    """Publish the first day, then refresh each next day from one drop folder
    (the day's files replace the day before's, as a scheduled export would)."""
    root = tmp_path_factory.mktemp("replay")
    complete = root / "complete"
    generate(complete, scale=SCALE, seed=3)
    # Folders named to break any SQL they were pasted into: they must reach
    # dbt, DuckDB and the history as data, every day.
    published = publish_first_day(complete, root / HOSTILE / "published", FIRST_DAY)
    first_copy = root / "first-day.duckdb"
    shutil.copyfile(published.warehouse, first_copy)
    drop = root / f"drop {HOSTILE}"
    published_members = {FIRST_DAY: _members(published.warehouse)}
    features = {FIRST_DAY: read_features(published.warehouse).frame}
    outcomes = {}
    for day in ALL_DAYS[1:]:
        cut_to_day(complete, drop, day)
        # The data tests run on the last day (below), over the whole history.
        outcomes[day] = refresh(drop, published.settings, as_of_date=day, run_tests=False)
        published_members[day] = _members(published.warehouse)
        features[day] = read_features(published.warehouse).frame
    return {
        "published": published,
        "members": published_members,
        "outcomes": outcomes,
        "first_copy": first_copy,
        "drop": drop,
        "features": features,
    }


def _moves(before: Members, after: Members) -> tuple[Counter, Counter, int, int, int]:
    """Entries and exits per segment, and new, changed and gone customers."""
    entered, left = Counter(), Counter()
    new = changed = gone = 0
    for key in before.keys() | after.keys():
        was = before[key][1] if key in before else None
        now = after[key][1] if key in after else None
        if was == now:
            continue
        if now is not None:
            entered[now] += 1
        if was is not None:
            left[was] += 1
        new += was is None
        gone += now is None
        changed += was is not None and now is not None
    return entered, left, new, changed, gone


def test_every_day_is_published_and_customers_really_moved(replay):
    members = replay["members"]
    assert list(members) == ALL_DAYS
    assert [outcome.as_of_date for outcome in replay["outcomes"].values()] == ALL_DAYS[1:]
    totals = [_moves(members[a], members[b])[2:] for a, b in pairwise(ALL_DAYS)]
    assert sum(new for new, _, _ in totals) > 10
    assert sum(changed for _, changed, _ in totals) > 0, "no customer changed segment in 30 days"


def test_the_history_says_which_segment_everybody_was_in_on_every_day(replay):
    warehouse = replay["published"].warehouse
    for day, members in replay["members"].items():
        rows = query(
            warehouse,
            "select customer_unique_key, customer_unique_id, segment_id "
            "from segments.customer_segment_history "
            "where valid_from <= ? and (valid_to is null or valid_to > ?)",
            [day, day],
        )
        assert {key: (hex_id, segment) for key, hex_id, segment in rows} == members, day
        assert len(rows) == len(members), f"{day}: a customer is in two periods"


def test_sizes_entries_and_exits_match_what_changed_each_day(replay):
    warehouse = replay["published"].warehouse
    members = replay["members"]
    for index, day in enumerate(ALL_DAYS):
        rows = query(
            warehouse,
            "select segment_id, count_customers, count_entered, count_left "
            "from segments.segment_size_history where as_of_date = ?",
            [day],
        )
        before = members[ALL_DAYS[index - 1]] if index else {}
        entered, left, new, changed, gone = _moves(before, members[day])
        sizes = Counter(segment for _, segment in members[day].values())
        # The first day has no day before it: entries and exits are null.
        expected = {
            segment: (
                sizes[segment],
                *((entered[segment], left[segment]) if index else (None, None)),
            )
            for segment in sizes.keys() | left.keys()
        }
        assert {row[0]: row[1:] for row in rows} == expected, day
        if index:
            change = replay["outcomes"][day].membership
            assert (change.count_new, change.count_changed, change.count_gone) == (
                new,
                changed,
                gone,
            ), day
            assert change.previous_as_of_date == ALL_DAYS[index - 1]
    runs = query(
        warehouse,
        "select as_of_date, is_rerun, rows_rejected, input_dir from segments.refresh_runs "
        "order by refreshed_at, as_of_date",
    )
    assert [row[0] for row in runs] == ALL_DAYS[1:]
    assert not any(row[1] for row in runs)
    # Every day's files load without a reject, from the folder named as it is.
    assert {row[2:] for row in runs} == {(0, str(replay["drop"].resolve()))}


def test_the_monitor_says_the_same_day_after_day_and_seed_after_seed(replay):
    """The first day's model judged on each of the last ten days' customers,
    with the production seed and another: the verdict on staleness does not flip
    from one day to the next nor with the seed (with the minimum over a
    handful of refits it did: one refit stuck in another optimum set the
    band), and with the same seed the band's resamples are yesterday's plus
    the new customers."""
    saved = load_model(replay["published"].settings.models_path)
    verdicts, edges = {}, {}
    for seed in (42, 7):
        settings = replay["published"].settings.with_(random_state=seed)
        for day in ALL_DAYS[-10:]:
            agreement, band = staleness(saved, replay["features"][day], settings)
            verdicts[seed, day] = agreement < band.edge_low
            edges[seed, day] = (band.edge_low, band.edge, band.edge_high)
    assert set(verdicts.values()) == {False}, [key for key, stale in verdicts.items() if stale]
    for low, edge, high in edges.values():
        assert low <= edge <= high


def test_keys_stay_stable_across_the_month(replay):
    ids = {}
    for day, members in replay["members"].items():
        for key, (hex_id, _) in members.items():
            assert ids.setdefault(hex_id, key) == key, f"{hex_id} renumbered on {day}"
    changed = changed_keys(replay["published"].warehouse, replay["first_copy"])
    assert changed == dict.fromkeys(changed, 0)


def test_the_month_of_refreshes_equals_a_full_rebuild_of_the_last_day(replay):
    """What an operator runs to prove it (`clustering check-refresh`), then the
    kept rebuild compared again here: every schema dbt builds, and the
    current segment tables, covered and filled."""
    warehouse = replay["published"].warehouse
    result = CliRunner().invoke(
        app,
        ["check-refresh", "--input", str(replay["drop"]), "--warehouse", str(warehouse), "--keep"],
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    said = re.search(
        r"^all (\d+) tables \(([\d,]+) rows\) equal a rebuild of (\S+) ", result.stdout
    )
    assert said and said[3] == ALL_DAYS[-1].isoformat(), result.stdout
    compared = compare_with_rebuild(warehouse, Versions(warehouse).work_dir / "rebuilt.duckdb")
    assert int(said[1]) == len(compared) > 30
    assert {table.schema for table in compared} == {*COMPARED_SCHEMAS, "segments"}
    assert [(table.name, table.problems) for table in compared if not table.equal] == []
    # No value model in this month: its two tables are empty on both sides.
    unvalued = ("segments.customer_value", "segments.segment_audiences")
    nonempty = ("intermediate", "marts", "segments")
    assert all(
        table.rows_left
        for table in compared
        if table.schema in nonempty and table.name not in unvalued
    )


def test_check_refresh_names_the_table_that_differs_and_fails(replay, tmp_path):
    """The proof can fail: one value changed in a copy of the month's
    warehouse, and `clustering check-refresh` exits 1 naming that table and
    only that one."""
    copy = copy_published(replay["published"], tmp_path / "tampered")
    with duckdb.connect(str(copy.warehouse)) as con:
        con.execute(
            "update marts.fct_customer_rfm set total_spend_brl = total_spend_brl + 1 where "
            "customer_unique_key = (select min(customer_unique_key) from marts.fct_customer_rfm)"
        )
    result = CliRunner().invoke(
        app, ["check-refresh", "--input", str(replay["drop"]), "--warehouse", str(copy.warehouse)]
    )
    assert result.exit_code == 1, result.stdout + result.stderr
    differing = re.findall(r"^differs: (\S+): ", result.stderr, flags=re.MULTILINE)
    assert differing == ["marts.fct_customer_rfm"], result.stderr
    assert re.search(r"^1 of \d+ tables differ from a rebuild of ", result.stderr, re.MULTILINE)


def test_re_running_the_last_day_with_its_tests_changes_no_history(replay):
    published = replay["published"]
    last = ALL_DAYS[-1]
    history = _history_table(published.warehouse)
    sizes = query(published.warehouse, "select * from segments.segment_size_history order by all")
    # With the data tests this time: the segments layer's tests of the history
    # tables (dbt) run over the whole month.
    outcome = refresh(replay["drop"], published.settings, as_of_date=last)
    assert outcome.membership.is_rerun
    assert _history_table(published.warehouse) == history
    assert (
        query(published.warehouse, "select * from segments.segment_size_history order by all")
        == sizes
    )
    ((reruns,),) = query(
        published.warehouse, "select count(*) from segments.refresh_runs where is_rerun"
    )
    assert reruns == 1
    assert Versions(published.warehouse).previous.is_file()


def _compile_analyses(published, names: list[str], vars: dict[str, object]) -> dict[str, str]:
    """The analyses' SQL as `dbt compile` renders it with these vars."""
    work = published.root / ".analysis-dbt"
    shutil.rmtree(work / "target" / "compiled", ignore_errors=True)
    # Compiled against the warehouse it will query: dbt names its catalog.
    run_dbt(
        ["compile", "--select", *names],
        input_dir=published.root,
        warehouse=published.warehouse,
        vars=vars,
        work_dir=work,
    )
    compiled = work / "target" / "compiled"
    return {name: next(compiled.rglob(f"{name}.sql")).read_text("utf-8") for name in names}


def _expected_moves(members, segment: int, since: date) -> list[tuple[str, str, date]]:
    """(hex id, entered or left, day) of `segment` on each day after `since`."""
    expected = []
    for a, b in pairwise(ALL_DAYS):
        if b <= since:
            continue
        for key in members[a].keys() | members[b].keys():
            was = members[a].get(key, (None, None))[1]
            now = members[b].get(key, (None, None))[1]
            if was != now and segment in (was, now):
                hex_id = (members[b].get(key) or members[a][key])[0]
                expected.append((hex_id, "entered" if now == segment else "left", b))
    return sorted(expected)


def test_the_analyses_answer_the_daily_questions(replay):
    published = replay["published"]
    warehouse = published.warehouse
    members = replay["members"]
    # The segment with the most movement over the month.
    moved = Counter()
    for a, b in pairwise(ALL_DAYS):
        entered, left, *_ = _moves(members[a], members[b])
        moved.update(entered + left)
    segment = moved.most_common(1)[0][0]
    names = dict(query(warehouse, "select distinct segment_id, segment_name from "
                                  "segments.customer_segment_history"))  # fmt: skip
    since, past = ALL_DAYS[10], ALL_DAYS[-2]
    key, (hex_id, _) = next(iter(members[ALL_DAYS[0]].items()))
    sql = _compile_analyses(
        published,
        ["segment_entries_and_exits", "segment_sizes_by_day", "customer_segment_on_date"],
        {
            "segment_name": names[segment],
            "since": since.isoformat(),
            "customer_unique_id": hex_id,
            "on_date": past.isoformat(),
        },
    )
    # Who entered or left the segment since a day.
    rows = query(warehouse, sql["segment_entries_and_exits"])
    expected = _expected_moves(members, segment, since)
    assert expected, "pick a segment with movement after `since`"
    assert sorted(row[:3] for row in rows) == expected
    # How big each segment was on every refresh day.
    sizes = {(row[0], row[1]): row[2] for row in query(warehouse, sql["segment_sizes_by_day"])}
    assert sizes == {
        (day, names[segment_id]): count
        for day, day_members in members.items()
        for segment_id, count in Counter(s for _, s in day_members.values()).items()
    } | {key: 0 for key, count in sizes.items() if count == 0}
    # Which segment a customer was in on a past date.
    ((found_id, found_segment, *_),) = query(warehouse, sql["customer_segment_on_date"])
    assert (found_id, found_segment) == (hex_id, members[past][key][1])


def test_an_analysis_parameter_is_a_value_not_sql(replay):
    published = replay["published"]
    hostile = "x'; drop table segments.customer_segments; --"
    sql = _compile_analyses(
        published,
        ["customer_segment_on_date"],
        {"customer_unique_id": hostile, "on_date": ALL_DAYS[-1].isoformat()},
    )["customer_segment_on_date"]
    assert query(published.warehouse, sql) == []
    assert query(published.warehouse, "select count(*) from segments.customer_segments")[0][0] > 0

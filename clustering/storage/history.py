"""Segment membership over time: who was in which segment, from when to when.

One job: fold each scoring's assignments (segments.customer_segments) into two
history tables, on the connection and inside the transaction that writes the
assignments, so readers never see assignments without their history.

- segments.customer_segment_history: one row per customer per segment period.
  A period opens on the as-of date a customer is first scored into a segment
  (or under a new model version) and closes, `valid_to`, on the as-of date of
  the first scoring that puts them elsewhere or no longer scores them;
  `valid_to` is null for the current period. A customer was in segment X on
  day d when valid_from <= d and (valid_to is null or d < valid_to).
- segments.segment_size_history: one row per segment per scored as-of date:
  members, and how many entered and left since the scoring before (null on
  the first scored date, which has no scoring before it).

Scoring the same as-of date again first undoes that date's changes, so a
re-run changes nothing; an as-of date before the latest recorded one is
refused (it would rewrite history that later days built on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from clustering.errors import HistoryError
from clustering.storage.segment_tables import SEGMENTS_SCHEMA

HISTORY = f"{SEGMENTS_SCHEMA}.customer_segment_history"
SIZES = f"{SEGMENTS_SCHEMA}.segment_size_history"
ASSIGNMENTS = f"{SEGMENTS_SCHEMA}.customer_segments"


@dataclass(frozen=True)
class MembershipChange:
    """What one scoring changed against the scoring before it."""

    as_of_date: date
    previous_as_of_date: date | None
    count_customers: int
    count_new: int  # scored for the first time
    count_changed: int  # in another segment than at the scoring before
    count_gone: int  # scored before, not scored now
    is_rerun: bool  # this as-of date was recorded before and has been replaced


def latest_recorded_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last as-of date folded into the history (None before the first)."""
    ((latest,),) = con.execute(f"select max(as_of_date) from {SIZES}").fetchall()
    return latest


def _undo(con: duckdb.DuckDBPyConnection, as_of_date: date) -> None:
    # `as_of_date` is the latest recorded date, so every period it opened is
    # still open and every period it closed was open before it.
    con.execute(f"delete from {HISTORY} where valid_from = ?", [as_of_date])
    con.execute(f"update {HISTORY} set valid_to = null where valid_to = ?", [as_of_date])
    con.execute(f"delete from {SIZES} where as_of_date = ?", [as_of_date])


def record_membership(con: duckdb.DuckDBPyConnection, as_of_date: date) -> MembershipChange:
    """Fold segments.customer_segments, scored as of `as_of_date`, into the history.

    Expects both history tables to exist (warehouse.write_segment_tables
    creates them) and runs in the caller's transaction."""
    latest = latest_recorded_date(con)
    if latest is not None and as_of_date < latest:
        raise HistoryError(
            f"{HISTORY} already runs to {latest} and these data are as of {as_of_date}: "
            "scoring an earlier day would rewrite the days recorded after it; score data "
            "as of the latest day or later, or go back to an earlier published version "
            "with `clustering rollback`"
        )
    is_rerun = latest == as_of_date
    if is_rerun:
        _undo(con, as_of_date)
    previous = latest_recorded_date(con) if is_rerun else latest

    con.execute(
        f"""
        create or replace temp table membership_changes as
        with

        before as (
            select customer_unique_key, segment_id, model_version
            from {HISTORY}
            where valid_to is null
        ),

        now as (
            select customer_unique_key, segment_id, model_version
            from {ASSIGNMENTS}
        )

        select
            coalesce(now.customer_unique_key, before.customer_unique_key) as customer_unique_key,
            before.segment_id as from_segment_id,
            now.segment_id as to_segment_id
        from before
        full outer join now
            on before.customer_unique_key = now.customer_unique_key
        -- A new model version opens a new period even when the segment id
        -- carried over, so every period has exactly one model version.
        where before.customer_unique_key is null
            or now.customer_unique_key is null
            or before.segment_id != now.segment_id
            or before.model_version != now.model_version
        """
    )
    con.execute(
        f"""
        update {HISTORY} set valid_to = ?
        where valid_to is null
            and customer_unique_key in (
                select customer_unique_key from membership_changes
                where from_segment_id is not null
            )
        """,
        [as_of_date],
    )
    con.execute(
        f"""
        insert into {HISTORY}
        select
            assignments.customer_unique_key,
            assignments.customer_unique_id,
            assignments.segment_id,
            assignments.segment_name,
            assignments.model_version,
            cast(? as date) as valid_from,
            cast(null as date) as valid_to
        from {ASSIGNMENTS} as assignments
        inner join membership_changes
            on assignments.customer_unique_key = membership_changes.customer_unique_key
        """,
        [as_of_date],
    )
    con.execute(
        f"""
        insert into {SIZES}
        with

        members as (
            select
                segment_id,
                any_value(segment_name) as segment_name,
                any_value(model_version) as model_version,
                count(*) as count_customers
            from {ASSIGNMENTS}
            group by segment_id
        ),

        entered as (
            select to_segment_id as segment_id, count(*) as count_entered
            from membership_changes
            where to_segment_id is not null and to_segment_id is distinct from from_segment_id
            group by to_segment_id
        ),

        exited as (
            select from_segment_id as segment_id, count(*) as count_left
            from membership_changes
            where from_segment_id is not null and from_segment_id is distinct from to_segment_id
            group by from_segment_id
        ),

        -- A segment everybody left has no member to name it: its last period does.
        last_names as (
            select segment_id, arg_max(segment_name, valid_from) as segment_name
            from {HISTORY}
            group by segment_id
        ),

        segment_ids as (
            select segment_id from members
            union
            select segment_id from exited
        )

        select
            cast(? as date) as as_of_date,
            coalesce(members.model_version, (select any_value(model_version) from members))
                as model_version,
            segment_ids.segment_id,
            coalesce(members.segment_name, last_names.segment_name) as segment_name,
            coalesce(members.count_customers, 0) as count_customers,
            -- The first scoring has nothing before it to enter from or leave
            -- for: null, not "everybody entered".
            case when ? then coalesce(entered.count_entered, 0) end as count_entered,
            case when ? then coalesce(exited.count_left, 0) end as count_left
        from segment_ids
        left join members on segment_ids.segment_id = members.segment_id
        left join entered on segment_ids.segment_id = entered.segment_id
        left join exited on segment_ids.segment_id = exited.segment_id
        left join last_names on segment_ids.segment_id = last_names.segment_id
        """,
        [as_of_date, previous is not None, previous is not None],
    )
    ((customers, new, changed, gone),) = con.execute(
        f"""
        select
            (select count(*) from {ASSIGNMENTS}),
            count(*) filter (where from_segment_id is null),
            count(*) filter (
                where from_segment_id is not null and to_segment_id is not null
                    and from_segment_id != to_segment_id
            ),
            count(*) filter (where to_segment_id is null)
        from membership_changes
        """
    ).fetchall()
    con.execute("drop table membership_changes")
    return MembershipChange(
        as_of_date=as_of_date,
        previous_as_of_date=previous,
        count_customers=int(customers),
        count_new=int(new),
        count_changed=int(changed),
        count_gone=int(gone),
        is_rerun=is_rerun,
    )

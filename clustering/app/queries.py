"""Every query the app runs, one function each, over one published Snapshot.

Page-level reads (profiles, trends, the dictionary) are computed once per
published version (a version never changes); the builder's and the
movements' queries depend on the user's choices and run each time, on the
in-memory copy of the campaign view. Values are bound as parameters;
identifiers come from this module or from clustering.app.audience's fixed
tables, never from a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from clustering.app.audience import AudienceFilter, Choices, where_clause
from clustering.app.data import AUDIENCE_TABLE, Snapshot
from clustering.errors import AudienceError
from clustering.ml.audiences import RECENT_DAYS
from clustering.storage.exports import AUDIENCE_COLUMNS

# Recency bands of a segment's members (days since the last order): recent as
# the lifecycle stages count it, lapsing within about two repeat cycles of
# this marketplace (median gap between orders ~ 3 months), lapsed beyond.
LAPSING_DAYS = 180
# Labelled with their days: the lifecycle stages (clustering.ml.audiences) also
# say "lapsed", by P(alive) rather than by days.
RECENCY_BANDS = (
    f"recent (0-{RECENT_DAYS} days)",
    f"lapsing ({RECENT_DAYS + 1}-{LAPSING_DAYS} days)",
    f"lapsed (over {LAPSING_DAYS} days)",
)
# In a movement matrix: a customer absent at the start (not yet a customer)
# or at the end (no longer scored: left the data, e.g. after a correction).
NEW_CUSTOMER = -1
GONE = -2


def _recency_case(column: str = "days_since_last_order") -> str:
    recent, lapsing, lapsed = RECENCY_BANDS
    return (
        f"case when {column} <= {RECENT_DAYS} then '{recent}' "
        f"when {column} <= {LAPSING_DAYS} then '{lapsing}' else '{lapsed}' end"
    )


@dataclass(frozen=True)
class Header:
    as_of_date: date | None
    model_version: str | None
    scored_at: object
    count_customers: int
    last_refresh: object


def version(s: Snapshot) -> str:
    """Names the published version a page was drawn from (its scoring time):
    a download of an older version's filters is refused, not silently changed."""
    stamp = header(s).scored_at
    return "" if stamp is None else str(stamp)


def header(s: Snapshot) -> Header:
    def compute() -> Header:
        if not s.has("segments.customer_segments"):
            return Header(None, None, None, 0, None)
        ((as_of, version, scored_at, count),) = s.rows(
            "select max(as_of_date), any_value(model_version), max(scored_at), count(*) "
            "from segments.customer_segments"
        )
        last = None
        if s.has("segments.refresh_runs"):
            ((last,),) = s.rows("select max(refreshed_at) from segments.refresh_runs")
        return Header(as_of, version, scored_at, int(count), last)

    return s.cached("header", compute)


def profiles(s: Snapshot) -> pd.DataFrame:
    """segment_profiles of the current model, largest segment first."""

    def compute() -> pd.DataFrame:
        if not s.has("segments.segment_profiles"):
            return pd.DataFrame()
        return s.query(
            "select segment_id, segment_name, count_customers, share_customers, "
            "total_spend_brl, revenue_share, avg_spend_brl, share_repeat_buyers, "
            "expected_value_6m_brl, avg_expected_value_6m_brl, share_likely_active, share_recent, "
            "description, differences, marketing_action, action_reason, dominant_rfm_group, "
            "model_version, as_of_date from segments.segment_profiles "
            "order by count_customers desc, segment_id"
        )

    return s.cached("profiles", compute)


def size_trend(s: Snapshot) -> pd.DataFrame:
    """Segment sizes over time: month ends estimated with the current model
    (the backfill) and the scored days of the membership history."""

    def compute() -> pd.DataFrame:
        parts = []
        if s.has("segments.segment_size_backfill"):
            parts.append(
                s.query(
                    "select as_of_date, segment_id, segment_name, count_customers, "
                    "model_version, 'month end, estimated with the current model' as kind "
                    "from segments.segment_size_backfill"
                )
            )
        if s.has("segments.segment_size_history"):
            parts.append(
                s.query(
                    "select as_of_date, segment_id, segment_name, count_customers, "
                    "model_version, 'scored' as kind from segments.segment_size_history"
                )
            )
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True)
        frame["as_of_date"] = pd.to_datetime(frame["as_of_date"])
        return frame.sort_values(["as_of_date", "segment_id"]).reset_index(drop=True)

    return s.cached("size_trend", compute)


def choices(s: Snapshot) -> Choices:
    def distinct(column: str) -> tuple[str, ...]:
        rows = s.rows(
            f"select distinct {column} from {AUDIENCE_TABLE} where {column} is not null order by 1"
        )
        return tuple(str(value) for (value,) in rows)

    def compute() -> Choices:
        if not s.has_audience:
            return Choices()
        return Choices(
            segments=distinct("segment_name"),
            states=distinct("customer_state"),
            rfm_groups=distinct("rfm_group"),
            value_bands=distinct("value_band"),
            lifecycle_stages=distinct("lifecycle_stage"),
        )

    return s.cached("choices", compute)


@dataclass(frozen=True)
class AudienceSize:
    count_customers: int
    total_spend_brl: float
    expected_value_6m_brl: float | None
    share_of_customers: float


def _need_audience(s: Snapshot) -> None:
    if not s.has_audience:
        raise AudienceError(
            "segments.dim_customer_segments is not in the warehouse yet: run `make run` "
            "(or `clustering segments`), then reload"
        )


def audience_size(s: Snapshot, audience: AudienceFilter) -> AudienceSize:
    _need_audience(s)
    where, params = where_clause(audience)
    ((count, spend, value),) = s.rows(
        f"select count(*), coalesce(sum(total_spend_brl), 0), sum(expected_value_6m_brl) "
        f"from {AUDIENCE_TABLE} {where}",
        params,
    )
    total = header(s).count_customers or 1
    return AudienceSize(
        int(count), float(spend), None if value is None else float(value), count / total
    )


def audience_rows_sql(
    audience: AudienceFilter, limit: int | None = None
) -> tuple[str, list[object]]:
    """The audience's campaign columns, in the order of the shown SQL."""
    where, params = where_clause(audience)
    limit_sql = "" if limit is None else f" limit {int(limit)}"
    return (
        f"select {', '.join(AUDIENCE_COLUMNS)} from {AUDIENCE_TABLE} {where} "
        f"order by customer_unique_key{limit_sql}",
        params,
    )


def audience_rows(s: Snapshot, audience: AudienceFilter, limit: int | None = None) -> pd.DataFrame:
    _need_audience(s)
    return s.query(*audience_rows_sql(audience, limit))


def segment_recency(s: Snapshot, segment_id: int) -> pd.DataFrame:
    _need_audience(s)
    frame = s.query(
        f"select {_recency_case()} as recency, count(*) as count_customers, "
        "sum(total_spend_brl) as total_spend_brl "
        f"from {AUDIENCE_TABLE} where segment_id = ? group by 1",
        [segment_id],
    )
    frame["recency"] = pd.Categorical(frame["recency"], categories=RECENCY_BANDS, ordered=True)
    return frame.sort_values("recency").reset_index(drop=True)


def segment_states(s: Snapshot, segment_id: int) -> pd.DataFrame:
    _need_audience(s)
    return s.query(
        "select customer_state, count(*) as count_customers, "
        "count(*) / sum(count(*)) over () as share "
        f"from {AUDIENCE_TABLE} where segment_id = ? and customer_state is not null "
        "group by 1 order by 2 desc",
        [segment_id],
    )


def segment_sample(s: Snapshot, segment_id: int, size: int = 20) -> pd.DataFrame:
    """A fixed sample of members (the same on every load of a version)."""
    _need_audience(s)
    return s.query(
        "select customer_unique_id, customer_state, customer_city, days_since_last_order, "
        "count_orders, total_spend_brl, rfm_group, segment_confidence, p_alive, value_band "
        f"from {AUDIENCE_TABLE} where segment_id = ? order by hash(customer_unique_key) limit ?",
        [segment_id, size],
    )


def segment_audiences(s: Snapshot, segment_id: int) -> pd.DataFrame:
    if not s.has("segments.segment_audiences"):
        return pd.DataFrame()
    return s.query(
        "select lifecycle_stage, count_customers, share_of_segment, avg_p_alive, "
        "avg_expected_value_6m_brl, marketing_action, action_reason "
        "from segments.segment_audiences where segment_id = ? order by lifecycle_stage",
        [segment_id],
    )


# Movements -------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipDate:
    day: date
    source: str  # "scored" or "estimated"

    @property
    def label(self) -> str:
        kind = "scored" if self.source == "scored" else "month end, estimated"
        return f"{self.day.isoformat()} ({kind})"


def membership_dates(s: Snapshot) -> list[MembershipDate]:
    """Every date memberships are known on: scored days win over estimates."""

    def compute() -> list[MembershipDate]:
        found: dict[date, str] = {}
        if s.has("segments.customer_segment_backfill"):
            for (day,) in s.rows("select distinct as_of_date from segments.segment_size_backfill"):
                found[day] = "estimated"
        if s.has("segments.segment_size_history"):
            for (day,) in s.rows("select distinct as_of_date from segments.segment_size_history"):
                found[day] = "scored"
        return [MembershipDate(day, source) for day, source in sorted(found.items())]

    return s.cached("membership_dates", compute)


def _membership_sql(when: MembershipDate) -> tuple[str, list[object]]:
    if when.source == "scored":
        return (
            "select customer_unique_key, segment_id from segments.customer_segment_history "
            "where valid_from <= ? and (valid_to is null or ? < valid_to)",
            [when.day, when.day],
        )
    return (
        "select customer_unique_key, segment_id from segments.customer_segment_backfill "
        "where as_of_date = ?",
        [when.day],
    )


def find_date(s: Snapshot, raw: object) -> MembershipDate:
    """A date of the movements' list, from its ISO text; anything else refused."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise AudienceError("choose a date from the list")
    for when in membership_dates(s):
        if when.day.isoformat() == raw:
            return when
    raise AudienceError(f"no memberships are known on {raw[:40]!r}: choose a date from the list")


def _movement_join(start: MembershipDate, end: MembershipDate) -> tuple[str, list[object]]:
    start_sql, start_params = _membership_sql(start)
    end_sql, end_params = _membership_sql(end)
    return (
        f"with start_members as ({start_sql}), end_members as ({end_sql}) "
        "select coalesce(start_members.customer_unique_key, end_members.customer_unique_key) "
        "as customer_unique_key, "
        f"coalesce(start_members.segment_id, {NEW_CUSTOMER}) as from_segment_id, "
        f"coalesce(end_members.segment_id, {GONE}) as to_segment_id "
        "from start_members full outer join end_members "
        "on start_members.customer_unique_key = end_members.customer_unique_key",
        start_params + end_params,
    )


def movements(s: Snapshot, start: MembershipDate, end: MembershipDate) -> pd.DataFrame:
    """from_segment_id x to_segment_id -> customers (-1: not yet a customer)."""
    joined, params = _movement_join(start, end)
    return s.query(
        f"select from_segment_id, to_segment_id, count(*) as count_customers from ({joined}) "
        "group by all order by all",
        params,
    )


def movement_members_sql(
    start: MembershipDate, end: MembershipDate, from_id: int, to_id: int, limit: int | None = None
) -> tuple[str, list[object]]:
    """The people behind one cell of the matrix, with their campaign columns."""
    joined, params = _movement_join(start, end)
    columns = ", ".join(
        f"audience.{name}" for name in AUDIENCE_COLUMNS if name != "customer_unique_key"
    )
    limit_sql = "" if limit is None else f" limit {int(limit)}"
    return (
        f"select moved.customer_unique_key, moved.from_segment_id, moved.to_segment_id, {columns} "
        f"from ({joined}) as moved left join {AUDIENCE_TABLE} as audience "
        "on moved.customer_unique_key = audience.customer_unique_key "
        "where moved.from_segment_id = ? and moved.to_segment_id = ? "
        f"order by moved.customer_unique_key{limit_sql}",
        [*params, int(from_id), int(to_id)],
    )


def movement_members(
    s: Snapshot,
    start: MembershipDate,
    end: MembershipDate,
    from_id: int,
    to_id: int,
    limit: int | None = None,
) -> pd.DataFrame:
    _need_audience(s)
    return s.query(*movement_members_sql(start, end, from_id, to_id, limit))


def movement_count(
    s: Snapshot, start: MembershipDate, end: MembershipDate, from_id: int, to_id: int
) -> int:
    joined, params = _movement_join(start, end)
    ((count,),) = s.rows(
        f"select count(*) from ({joined}) where from_segment_id = ? and to_segment_id = ?",
        [*params, int(from_id), int(to_id)],
    )
    return int(count)


def check_cell_id(s: Snapshot, raw: object) -> int:
    """A segment id of the matrix (or NEW_CUSTOMER / GONE), from a request."""
    text = str(raw) if isinstance(raw, int | str) else ""
    if not re.fullmatch(r"-?[0-9]{1,6}", text) or int(text) not in (
        set(segment_names(s)) | {NEW_CUSTOMER, GONE}
    ):
        raise AudienceError("choose both segments from the lists")
    return int(text)


def segment_names(s: Snapshot) -> dict[int, str]:
    """Segment id -> name: the current profiles, then the history's and the backfill's."""

    def compute() -> dict[int, str]:
        names: dict[int, str] = {}
        for table in ("segment_size_history", "segment_size_backfill", "segment_profiles"):
            if s.has(f"segments.{table}"):
                for sid, name in s.rows(
                    f"select segment_id, any_value(segment_name) from segments.{table} group by 1"
                ):
                    names[int(sid)] = str(name)
        return names

    return s.cached("segment_names", compute)


# Maintenance -----------------------------------------------------------------


def maintenance(s: Snapshot) -> dict[str, pd.DataFrame]:
    """The current model, the monitor's last runs and the contract, as frames."""

    def compute() -> dict[str, pd.DataFrame]:
        current = "(select any_value(model_version) from segments.customer_segments)"
        # key -> (table, the query of it), read when the table exists.
        reads = {
            "model": (
                "segments.segment_models",
                f"select * from segments.segment_models where model_version = {current}",
            ),
            # The current model's checks only: after a retrain, the old model's
            # age and verdicts no longer apply.
            "monitor": (
                "segments.monitoring_runs",
                f"select * from segments.monitoring_runs where model_version = {current} "
                "order by monitored_at desc limit 10",
            ),
            "contract": (
                "segments.stability_recommendation",
                "select * from segments.stability_recommendation order by measured_at desc limit 1",
            ),
            "value_model": (
                "segments.value_models",
                "select * from segments.value_models order by fitted_at desc limit 1",
            ),
            "value_monitor": (
                "segments.value_monitoring_runs",
                "select * from segments.value_monitoring_runs order by monitored_at desc limit 1",
            ),
        }
        return {
            key: s.query(sql) if s.has(table) else pd.DataFrame()
            for key, (table, sql) in reads.items()
        }

    return s.cached("maintenance", compute)


# Customer --------------------------------------------------------------------

_HEX_ID = re.compile(r"[0-9a-f]{32}")
_KEY = re.compile(r"[0-9]{1,10}")


def find_customer(s: Snapshot, text: object) -> dict[str, pd.DataFrame] | None:
    """A person by their 32-hex person id, any of their order-level customer ids
    or their integer key: current segment, history and orders (None: unknown)."""
    _need_audience(s)
    if not isinstance(text, str) or len(text) > 64:
        raise AudienceError("enter a person id (32 hex characters) or a customer key")
    needle = text.strip().lower()
    if _HEX_ID.fullmatch(needle):
        rows = s.rows(
            f"select customer_unique_key from {AUDIENCE_TABLE} "
            "where customer_unique_id = ? or latest_customer_id = ?",
            [needle, needle],
        )
        if not rows and s.has("marts.fct_orders"):
            rows = s.rows(
                "select any_value(customer_unique_key) from marts.fct_orders where customer_id = ? "
                "having count(*) > 0",
                [needle],
            )
    elif _KEY.fullmatch(needle) and int(needle) < 2**32:
        rows = [(int(needle),)]
    else:
        raise AudienceError(
            f"{text.strip()[:40]!r} is neither a person id (32 hex characters) nor a customer key"
        )
    if not rows:
        return None
    key = int(rows[0][0])
    current = s.query(f"select * from {AUDIENCE_TABLE} where customer_unique_key = ?", [key])
    if current.empty:
        return None
    history = []
    if s.has("segments.customer_segment_backfill"):
        history.append(
            s.query(
                "select backfill.as_of_date as valid_from, null::date as valid_to, "
                "backfill.segment_id, 'month end, estimated' as source "
                "from segments.customer_segment_backfill as backfill "
                "where customer_unique_key = ?",
                [key],
            )
        )
    if s.has("segments.customer_segment_history"):
        history.append(
            s.query(
                "select valid_from, valid_to, segment_id, 'scored' as source "
                "from segments.customer_segment_history where customer_unique_key = ?",
                [key],
            )
        )
    periods = pd.concat(history, ignore_index=True) if history else pd.DataFrame()
    if not periods.empty:
        names = segment_names(s)
        periods["segment_name"] = periods["segment_id"].map(names)
        periods = periods.sort_values("valid_from", ascending=False).reset_index(drop=True)
    orders = pd.DataFrame()
    if s.has("marts.fct_orders"):
        orders = s.query(
            "select order_id, customer_id, purchased_at, order_status, order_value_brl, "
            "main_category_name, review_score, is_late, customer_state "
            "from marts.fct_orders where customer_unique_key = ? "
            "order by purchased_at desc limit 100",
            [key],
        )
    return {"current": current, "history": periods, "orders": orders}


# Data dictionary ---------------------------------------------------------------

DICTIONARY_SCHEMAS = ("segments", "marts")


def dictionary(s: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tables, columns) of the analysts' schemas with their comments."""

    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        marks = ", ".join("?" for _ in DICTIONARY_SCHEMAS)
        tables = s.query(
            "select schema_name, table_name, 'table' as kind, comment from duckdb_tables() "
            f"where database_name = 'warehouse' and schema_name in ({marks}) "
            "union all select schema_name, view_name, 'view', comment from duckdb_views() "
            f"where database_name = 'warehouse' and schema_name in ({marks}) order by 1, 2",
            [*DICTIONARY_SCHEMAS, *DICTIONARY_SCHEMAS],
        )
        columns = s.query(
            "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
            f"where database_name = 'warehouse' and schema_name in ({marks}) "
            "order by schema_name, table_name, column_index",
            list(DICTIONARY_SCHEMAS),
        )
        return tables, columns

    return s.cached("dictionary", compute)


def column_comments(s: Snapshot, schema: str, table: str) -> dict[str, str]:
    """Column -> comment of one table (once per version: the builder asks on every update)."""

    def compute() -> dict[str, str]:
        _, columns = dictionary(s)
        mine = columns[(columns["schema_name"] == schema) & (columns["table_name"] == table)]
        return {
            str(row.column_name): str(row.comment or "") for row in mine.itertuples(index=False)
        }

    return s.cached(("column_comments", schema, table), compute)

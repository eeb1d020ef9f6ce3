"""Audiences: a marketer's filter set, checked, and the SQL it stands for.

The builder's controls become an `AudienceFilter`; `check_filter` refuses
anything the controls could not have produced (an unknown segment, a state
that is not a UF, a negative or absurd number, a field of megabytes) with a
message that says what is wrong, before any SQL runs. A checked filter becomes
one WHERE clause over segments.dim_customer_segments, in two forms from the
same clauses:

- `where_clause`: column names from the fixed FILTERS table, every value a
  bound parameter. What the app runs.
- `display_sql`: the same with the values written as SQL literals, for an
  analyst to paste into any SQL client. Shown, never run by the app.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from clustering.errors import AudienceError
from clustering.storage.exports import AUDIENCE_COLUMNS

AUDIENCE_VIEW = "segments.dim_customer_segments"

# Longest text a filter value may have, and most values in one list: far
# beyond any real segment, state or band name, far below a pasted file.
MAX_TEXT = 200
MAX_CHOICES = 100
# Bounds of the number filters (days, BRL, probabilities).
MAX_DAYS = 100_000
MAX_BRL = 1e9


@dataclass(frozen=True)
class Choices:
    """The values each list filter accepts: those present in today's data."""

    segments: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    rfm_groups: tuple[str, ...] = ()
    value_bands: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class AudienceFilter:
    """What the builder's controls say; empty lists and None mean "any"."""

    segments: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    rfm_groups: tuple[str, ...] = ()
    value_bands: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    min_recency_days: int | None = None
    max_recency_days: int | None = None
    min_spend_brl: float | None = None
    max_spend_brl: float | None = None
    min_confidence: float | None = None
    min_p_alive: float | None = None

    def to_json(self) -> dict[str, Any]:
        raw = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}

    @property
    def is_empty(self) -> bool:
        return self == AudienceFilter()


# The list filters: field -> (column, Choices attribute, label for messages).
LIST_FILTERS: dict[str, tuple[str, str]] = {
    "segments": ("segment_name", "segment"),
    "states": ("customer_state", "state"),
    "rfm_groups": ("rfm_group", "RFM group"),
    "value_bands": ("value_band", "value band"),
    "lifecycle_stages": ("lifecycle_stage", "lifecycle stage"),
}

# The number filters: field -> (column, operator, lowest, highest, integer?, label).
NUMBER_FILTERS: dict[str, tuple[str, str, float, float, bool, str]] = {
    "min_recency_days": ("days_since_last_order", ">=", 0, MAX_DAYS, True, "days since last order"),
    "max_recency_days": ("days_since_last_order", "<=", 0, MAX_DAYS, True, "days since last order"),
    "min_spend_brl": ("total_spend_brl", ">=", 0, MAX_BRL, False, "spend (BRL)"),
    "max_spend_brl": ("total_spend_brl", "<=", 0, MAX_BRL, False, "spend (BRL)"),
    "min_confidence": ("segment_confidence", ">=", 0, 1, False, "confidence"),
    "min_p_alive": ("p_alive", ">=", 0, 1, False, "P(alive)"),
}


def _check_list(name: str, raw: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    _, label = LIST_FILTERS[name]
    if raw is None or raw == "":
        return ()
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list | tuple):
        raise AudienceError(f"{label}: expected a list of names, got {type(raw).__name__}")
    if len(values) > MAX_CHOICES:
        raise AudienceError(f"{label}: {len(values)} values chosen; at most {MAX_CHOICES}")
    checked: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise AudienceError(f"{label}: {value!r} is not a name")
        if len(value) > MAX_TEXT:
            raise AudienceError(
                f"{label}: a value of {len(value):,} characters; names are at most {MAX_TEXT}"
            )
        if value not in allowed:
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise AudienceError(
                f"unknown {label} {shown!r}: choose from the list ({len(allowed)} in today's data)"
            )
        if value not in checked:
            checked.append(value)
    return tuple(checked)


def _check_number(name: str, raw: object) -> int | float | None:
    _, _, lowest, highest, integer, label = NUMBER_FILTERS[name]
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise AudienceError(f"{label}: {raw!r} is not a number")
    if isinstance(raw, str):
        if len(raw) > 40:
            raise AudienceError(f"{label}: a value of {len(raw):,} characters is not a number")
        try:
            raw = float(raw)
        except ValueError:
            raise AudienceError(f"{label}: {raw!r} is not a number") from None
    try:
        value = float(raw)
    except OverflowError:  # an integer beyond any float
        raise AudienceError(f"{label}: a number outside {lowest:g} to {highest:,.0f}") from None
    if not math.isfinite(value) or not lowest <= value <= highest:
        raise AudienceError(f"{label}: {raw!r} is outside {lowest:g} to {highest:,.0f}")
    if integer:
        if value != int(value):
            raise AudienceError(f"{label}: {raw!r} must be a whole number of days")
        return int(value)
    return value


def check_filter(raw: Mapping[str, object], choices: Choices) -> AudienceFilter:
    """The filter the builder's controls describe, or AudienceError saying
    which control holds what and why it is refused."""
    if not isinstance(raw, Mapping):
        raise AudienceError("an audience is a set of named filters")
    known = {f.name for f in fields(AudienceFilter)}
    unknown = sorted(str(key)[:40] for key in raw if key not in known)
    if unknown:
        raise AudienceError(f"unknown filter(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name in LIST_FILTERS:
        values[name] = _check_list(name, raw.get(name), getattr(choices, name))
    for name in NUMBER_FILTERS:
        values[name] = _check_number(name, raw.get(name))
    for low, high in (("min_recency_days", "max_recency_days"), ("min_spend_brl", "max_spend_brl")):
        if values[low] is not None and values[high] is not None and values[low] > values[high]:
            label = NUMBER_FILTERS[low][5]
            raise AudienceError(
                f"{label}: the minimum {values[low]} is above the maximum {values[high]}"
            )
    return AudienceFilter(**values)


@dataclass(frozen=True)
class Clause:
    column: str
    operator: str  # "in", ">=", "<="
    values: tuple[object, ...] = field(default_factory=tuple)


def clauses(audience: AudienceFilter) -> list[Clause]:
    """The filter's conditions, in the builder's order; columns from the fixed tables."""
    out: list[Clause] = []
    for name, (column, _) in LIST_FILTERS.items():
        chosen = getattr(audience, name)
        if chosen:
            out.append(Clause(column, "in", tuple(chosen)))
    for name, (column, operator, *_rest) in NUMBER_FILTERS.items():
        value = getattr(audience, name)
        if value is not None:
            out.append(Clause(column, operator, (value,)))
    return out


def where_clause(audience: AudienceFilter) -> tuple[str, list[object]]:
    """`where ...` with ? placeholders (or "" for everybody) and its parameters."""
    parts: list[str] = []
    params: list[object] = []
    for clause in clauses(audience):
        if clause.operator == "in":
            parts.append(f"{clause.column} in ({', '.join('?' for _ in clause.values)})")
        else:
            parts.append(f"{clause.column} {clause.operator} ?")
        params.extend(clause.values)
    return ("where " + "\n  and ".join(parts) if parts else ""), params


def sql_literal(value: object) -> str:
    """A value as a SQL literal (display only: the app binds parameters)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"no SQL literal for {value!r}")
    return repr(value)


def display_sql(audience: AudienceFilter, columns: Iterable[str] = AUDIENCE_COLUMNS) -> str:
    """The audience as a query an analyst can run on the warehouse as it is."""
    parts = []
    for clause in clauses(audience):
        if clause.operator == "in":
            parts.append(f"{clause.column} in ({', '.join(sql_literal(v) for v in clause.values)})")
        else:
            parts.append(f"{clause.column} {clause.operator} {sql_literal(clause.values[0])}")
    where = ("\nwhere " + "\n  and ".join(parts)) if parts else ""
    select_list = ",\n    ".join(columns)
    return f"select\n    {select_list}\nfrom {AUDIENCE_VIEW}{where}\norder by customer_unique_key"


def describe(audience: AudienceFilter) -> str:
    """The filter in words, for saved-audience lists and file names' companions."""
    if audience.is_empty:
        return "every scored customer"
    words = []
    for clause in clauses(audience):
        if clause.operator == "in":
            words.append(f"{clause.column} in {', '.join(map(str, clause.values))}")
        else:
            words.append(f"{clause.column} {clause.operator} {clause.values[0]:,}")
    return "; ".join(words)

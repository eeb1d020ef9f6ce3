{#
    Row check for the base_olist__* models (see olist_base_model.sql): returns a
    list of checks, each a dict with `when` (SQL condition meaning the row is
    bad), `reason` (code from the docs block reject_reasons), `column` (the CSV
    column blamed) and `value` (the raw text kept in the rejects table).
    `raw_<column>` is the trimmed text as read; parsed columns carry their
    staging names.

    `reason` when the boolean column `known` (set by a lookup join of the base
    model, for example the status found in the status policy seed) is false.
#}
{% macro lookup_check(raw, known, reason) -%}
    {{ return([{'when': raw ~ ' is not null and not ' ~ known, 'reason': reason, 'column': raw[4:], 'value': raw}]) }}
{%- endmacro %}

{#
    Row check for the base_olist__* models (see olist_base_model.sql): returns a
    list of checks, each a dict with `when` (SQL condition meaning the row is
    bad), `reason` (code from the docs block reject_reasons), `column` (the CSV
    column blamed) and `value` (the raw text kept in the rejects table).
    `raw_<column>` is the trimmed text as read; parsed columns carry their
    staging names.

    missing_required_value when the raw text is empty.
#}
{% macro required_check(raw) -%}
    {{ return([{'when': raw ~ ' is null', 'reason': 'missing_required_value', 'column': raw[4:], 'value': raw}]) }}
{%- endmacro %}

{#
    Row check for the base_olist__* models (see olist_base_model.sql): returns a
    list of checks, each a dict with `when` (SQL condition meaning the row is
    bad), `reason` (code from the docs block reject_reasons), `column` (the CSV
    column blamed) and `value` (the raw text kept in the rejects table).
    `raw_<column>` is the trimmed text as read; parsed columns carry their
    staging names.

    A zip prefix: required, invalid_zip_prefix unless 1-5 digits.
#}
{% macro zip_prefix_checks(raw, parsed) -%}
    {%- set checks = required_check(raw) -%}
    {%- do checks.append({
        'when': parsed ~ ' is null', 'reason': 'invalid_zip_prefix', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{#
    Row check for the base_olist__* models (see olist_base_model.sql): returns a
    list of checks, each a dict with `when` (SQL condition meaning the row is
    bad), `reason` (code from the docs block reject_reasons), `column` (the CSV
    column blamed) and `value` (the raw text kept in the rejects table).
    `raw_<column>` is the trimmed text as read; parsed columns carry their
    staging names.

    An id: required (unless required=false), then malformed_hex_id unless it
    is 32 lowercase hexadecimal characters.
#}
{% macro hex_id_checks(raw, required=true) -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and not ' ~ is_hex_id(raw),
        'reason': 'malformed_hex_id', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{#
    Row check for the base_olist__* models (see olist_base_model.sql): returns a
    list of checks, each a dict with `when` (SQL condition meaning the row is
    bad), `reason` (code from the docs block reject_reasons), `column` (the CSV
    column blamed) and `value` (the raw text kept in the rejects table).
    `raw_<column>` is the trimmed text as read; parsed columns carry their
    staging names.

    A timestamp: required (when required=true), unparsable_timestamp when the
    text does not parse, timestamp_out_of_range outside the vars
    timestamp_valid_from / timestamp_valid_until.
#}
{% macro timestamp_checks(raw, parsed, required=false) -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and ' ~ parsed ~ ' is null',
        'reason': 'unparsable_timestamp', 'column': raw[4:], 'value': raw}) -%}
    {%- do checks.append({
        'when': parsed ~ ' < cast(' ~ sql_string_literal(var('timestamp_valid_from')) ~ ' as timestamp)'
            ~ ' or ' ~ parsed ~ ' >= cast(' ~ sql_string_literal(var('timestamp_valid_until')) ~ ' as timestamp)',
        'reason': 'timestamp_out_of_range', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{#
    Row check (the shape of a check: README.md in this folder).
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

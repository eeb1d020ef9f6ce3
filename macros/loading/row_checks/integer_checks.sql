{#
    Row check (the shape of a check: README.md in this folder).
    A whole number in [min_value, max_value]: `reason` (invalid_integer by
    default) when it does not parse or is out of range.
#}
{% macro integer_checks(raw, parsed, min_value, max_value=none, required=true, reason='invalid_integer') -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- set out_of_range = parsed ~ ' < ' ~ min_value ~ (' or ' ~ parsed ~ ' > ' ~ max_value if max_value is not none else '') -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and (' ~ parsed ~ ' is null or ' ~ out_of_range ~ ')',
        'reason': reason, 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

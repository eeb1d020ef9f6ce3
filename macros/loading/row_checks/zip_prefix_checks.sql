{#
    Row check (the shape of a check: README.md in this folder).
    A zip prefix: required, invalid_zip_prefix unless 1-5 digits.
#}
{% macro zip_prefix_checks(raw, parsed) -%}
    {%- set checks = required_check(raw) -%}
    {%- do checks.append({
        'when': parsed ~ ' is null', 'reason': 'invalid_zip_prefix', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

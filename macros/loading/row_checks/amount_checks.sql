{#
    Row check (the shape of a check: README.md in this folder).
    Money: required, non_numeric_amount when it does not parse, negative_amount
    below zero.
#}
{% macro amount_checks(raw, parsed) -%}
    {%- set checks = required_check(raw) -%}
    {%- do checks.append({
        'when': parsed ~ ' is null', 'reason': 'non_numeric_amount', 'column': raw[4:], 'value': raw}) -%}
    {%- do checks.append({
        'when': parsed ~ ' < 0', 'reason': 'negative_amount', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

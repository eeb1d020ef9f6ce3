{#
    Row check (the shape of a check: README.md in this folder).
    missing_required_value when the raw text is empty.
#}
{% macro required_check(raw) -%}
    {{ return([{'when': raw ~ ' is null', 'reason': 'missing_required_value', 'column': raw[4:], 'value': raw}]) }}
{%- endmacro %}

{#
    Row check (the shape of a check: README.md in this folder).
    `reason` when the boolean column `known` (set by a lookup join of the base
    model, for example the status found in the status policy seed) is false.
#}
{% macro lookup_check(raw, known, reason) -%}
    {{ return([{'when': raw ~ ' is not null and not ' ~ known, 'reason': reason, 'column': raw[4:], 'value': raw}]) }}
{%- endmacro %}

{#
    Decimal text (coordinates, measurements) as double, or null when it is
    not a number.
#}
{% macro parse_double(column) -%}
    try_cast({{ column }} as double)
{%- endmacro %}

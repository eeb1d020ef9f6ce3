{#
    Money text in R$ as decimal(18, 2), or null when it is not a number
    (`12,50` with a comma decimal is not), so a bad value becomes a counted
    reject rather than a failed build.
#}
{% macro parse_amount(column) -%}
    try_cast({{ column }} as decimal(18, 2))
{%- endmacro %}

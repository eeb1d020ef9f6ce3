{#
    Typed parsing that returns null instead of failing, so a bad value becomes a
    counted reject rather than a failed build.
    - parse_amount: money in R$, decimal(18, 2); `12,50` (comma decimal) is not a number.
    - parse_integer: whole numbers that fit a 32-bit integer (`1.5`, `five` and
      `9999999999` give null).
    - parse_double: coordinates and other measurements.
#}
{% macro parse_amount(column) -%}
    try_cast({{ column }} as decimal(18, 2))
{%- endmacro %}

{% macro parse_integer(column) -%}
    {{ return(adapter.dispatch('parse_integer', 'olist_segments')(column)) }}
{%- endmacro %}

{% macro default__parse_integer(column) -%}
    case when {{ column }} rlike '^-?[0-9]+$' then try_cast({{ column }} as integer) end
{%- endmacro %}

{% macro duckdb__parse_integer(column) -%}
    case when regexp_full_match({{ column }}, '-?[0-9]+') then try_cast({{ column }} as integer) end
{%- endmacro %}

{% macro parse_double(column) -%}
    try_cast({{ column }} as double)
{%- endmacro %}

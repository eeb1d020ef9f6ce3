{#
    Whole-number text as a 32-bit integer, or null for anything else
    (`1.5`, `five`, `9999999999`), so a bad value becomes a counted reject.
#}
{% macro parse_integer(column) -%}
    {{ return(adapter.dispatch('parse_integer', 'olist_segments')(column)) }}
{%- endmacro %}

{% macro default__parse_integer(column) -%}
    case when {{ column }} rlike '^-?[0-9]+$' then try_cast({{ column }} as integer) end
{%- endmacro %}

{% macro duckdb__parse_integer(column) -%}
    case when regexp_full_match({{ column }}, '-?[0-9]+') then try_cast({{ column }} as integer) end
{%- endmacro %}

{#
    True when `value` is among relation.column, false otherwise (a null value
    included): a membership flag for the select list. `column` must hold no
    nulls (a primary key), so `in` never yields null for a non-null value.
    DuckDB plans `in (subquery)` as a mark join that hashes the subquery side.
#}
{% macro has_match(value, relation, column) -%}
    {{ return(adapter.dispatch('has_match', 'olist_segments')(value, relation, column)) }}
{%- endmacro %}

{% macro default__has_match(value, relation, column) -%}
    coalesce({{ value }} in (select {{ column }} from {{ relation }}), false)
{%- endmacro %}

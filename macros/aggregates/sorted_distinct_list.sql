{#
    Aggregate: the distinct non-null values of a text expression, sorted and
    joined with commas ('boleto,voucher'), so the result is deterministic.
#}
{% macro sorted_distinct_list(expression) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'olist_segments')(expression)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(expression) -%}
    array_join(array_sort(collect_set({{ expression }})), ',')
{%- endmacro %}

{% macro duckdb__sorted_distinct_list(expression) -%}
    string_agg(distinct {{ expression }}, ',' order by {{ expression }})
{%- endmacro %}

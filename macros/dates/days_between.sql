{#
    Fractional days from `start_at` to `end_at` (timestamps), negative when
    end_at is earlier: 1 day 6 hours -> 1.25. Null when either side is null.
#}
{% macro days_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('days_between', 'olist_segments')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__days_between(start_at, end_at) -%}
    {#- A double, as on DuckDB: Spark types x / 86400.0 as a decimal. -#}
    (cast(unix_timestamp({{ end_at }}) - unix_timestamp({{ start_at }}) as double) / 86400)
{%- endmacro %}

{% macro duckdb__days_between(start_at, end_at) -%}
    (date_diff('second', {{ start_at }}, {{ end_at }}) / 86400.0)
{%- endmacro %}

{#
    Whole calendar days from date `start_date` to date `end_date`
    (2018-08-01 -> 2018-08-29 is 28). Null when either side is null.
#}
{% macro days_between_dates(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between_dates', 'olist_segments')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between_dates(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}

{% macro duckdb__days_between_dates(start_date, end_date) -%}
    date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

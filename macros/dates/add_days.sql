{#
    The date `days` whole days after date `start_date` (before it when
    negative): 2018-08-29 plus -90 is 2018-05-31.
#}
{% macro add_days(start_date, days) -%}
    {{ return(adapter.dispatch('add_days', 'olist_segments')(start_date, days)) }}
{%- endmacro %}

{% macro default__add_days(start_date, days) -%}
    date_add(cast({{ start_date }} as date), {{ days }})
{%- endmacro %}

{% macro duckdb__add_days(start_date, days) -%}
    cast(cast({{ start_date }} as date) + cast({{ days }} as integer) as date)
{%- endmacro %}

{#
    Parse an Olist timestamp text. Accepts the Kaggle form `YYYY-MM-DD HH:MM:SS`,
    a bare date `YYYY-MM-DD`, and the spreadsheet re-save form `m/d/yyyy h:mm`
    (seconds lost). Returns null when the text is none of these or names an
    impossible calendar time (2017-02-30, 25:61), so the caller can reject it.
#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'olist_segments')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    coalesce(
        try_cast(to_timestamp({{ column }}, 'yyyy-MM-dd HH:mm:ss') as timestamp),
        try_cast(to_timestamp({{ column }}, 'M/d/yyyy H:mm') as timestamp),
        try_cast(to_timestamp({{ column }}, 'yyyy-MM-dd') as timestamp)
    )
{%- endmacro %}

{% macro spark__parse_timestamp(column) -%}
    {#- try_to_timestamp returns null where to_timestamp would raise (ANSI mode,
        or the legacy-parser check when spark.sql.legacy.timeParserPolicy is
        not CORRECTED). -#}
    coalesce(
        try_to_timestamp({{ column }}, 'yyyy-MM-dd HH:mm:ss'),
        try_to_timestamp({{ column }}, 'M/d/yyyy H:mm'),
        try_to_timestamp({{ column }}, 'yyyy-MM-dd')
    )
{%- endmacro %}

{% macro duckdb__parse_timestamp(column) -%}
    try_strptime({{ column }}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d', '%m/%d/%Y %H:%M'])
{%- endmacro %}

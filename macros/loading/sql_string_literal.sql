{#
    Render a Python/Jinja string as a SQL string literal, so values from vars or
    the environment (paths, dates) can never close the literal and inject SQL.
    Engines disagree on escaping: DuckDB doubles a single quote and reads a
    backslash as itself; Spark reads '' as two adjacent literals (it's -> its)
    and treats a backslash as an escape, so it needs both escaped.
#}
{% macro sql_string_literal(value) -%}
    {%- if value is none -%}
        {{ exceptions.raise_compiler_error("sql_string_literal: value is none; pass a string") }}
    {%- endif -%}
    {{ return(adapter.dispatch('sql_string_literal', 'olist_segments')(value | string)) }}
{%- endmacro %}

{% macro default__sql_string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#
    Render a Python/Jinja string as a SQL string literal, doubling single quotes,
    so values from vars or the environment (paths, dates) can never close the
    literal and inject SQL.
#}
{% macro sql_string_literal(value) -%}
    {%- if value is none -%}
        {{ exceptions.raise_compiler_error("sql_string_literal: value is none; pass a string") }}
    {%- endif -%}
    '{{ (value | string) | replace("'", "''") }}'
{%- endmacro %}

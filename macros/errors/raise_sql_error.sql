{#
    An expression that fails the running query with `message` when evaluated.
    Used inside `case when <impossible> then ... end` guards (for example a key
    that would pass 2^32 - 1), so a violated invariant stops the build instead
    of producing wrong data.
#}
{% macro raise_sql_error(message) -%}
    {{ return(adapter.dispatch('raise_sql_error', 'olist_segments')(message)) }}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}
    raise_error({{ sql_string_literal(message) }})
{%- endmacro %}

{% macro duckdb__raise_sql_error(message) -%}
    error({{ sql_string_literal(message) }})
{%- endmacro %}

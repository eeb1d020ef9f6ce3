{#
    Aggregate: `value` from the row with the greatest ordering key, the key
    being the tuple of `order_by` expressions compared left to right (later
    ones break ties), so the choice is deterministic. One pass, no window.
    Example: arg_max_by('customer_state', ['purchased_at', 'order_id']) is the
    state of the latest order, ties broken by the greatest order id.
#}
{% macro arg_max_by(value, order_by) -%}
    {%- if order_by is string or order_by | length == 0 -%}
        {{ exceptions.raise_compiler_error("arg_max_by: order_by must be a non-empty list of expressions, got " ~ order_by) }}
    {%- endif -%}
    {{ return(adapter.dispatch('arg_max_by', 'olist_segments')(value, order_by)) }}
{%- endmacro %}

{% macro default__arg_max_by(value, order_by) -%}
    {#- Spark's max_by returns the top row's value even when it is null; DuckDB's
        arg_max skips rows whose value is null. Nulling the key of those rows
        gives DuckDB's meaning everywhere. -#}
    max_by({{ value }}, case when {{ value }} is not null then struct({{ order_by | join(', ') }}) end)
{%- endmacro %}

{% macro duckdb__arg_max_by(value, order_by) -%}
    arg_max({{ value }}, ({{ order_by | join(', ') }}{{ ',' if order_by | length == 1 }}))
{%- endmacro %}

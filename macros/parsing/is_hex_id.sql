{#
    True when the text is an Olist id: exactly 32 lowercase hexadecimal
    characters. Uppercase is rejected rather than folded: Olist never writes it,
    so it signals a damaged export.
#}
{% macro is_hex_id(column) -%}
    {{ return(adapter.dispatch('is_hex_id', 'olist_segments')(column)) }}
{%- endmacro %}

{% macro default__is_hex_id(column) -%}
    ({{ column }} rlike '^[0-9a-f]{32}$')
{%- endmacro %}

{% macro duckdb__is_hex_id(column) -%}
    regexp_full_match({{ column }}, '[0-9a-f]{32}')
{%- endmacro %}

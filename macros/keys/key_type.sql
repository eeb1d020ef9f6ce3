{#
    SQL type of the surrogate keys: unsigned 32-bit where the engine has it
    (DuckDB UINTEGER, 4 bytes); elsewhere bigint holding the same values,
    range-checked by key_map.
#}
{% macro key_type() -%}
    {{ return(adapter.dispatch('key_type', 'olist_segments')()) }}
{%- endmacro %}

{% macro default__key_type() -%}
    bigint
{%- endmacro %}

{% macro duckdb__key_type() -%}
    uinteger
{%- endmacro %}

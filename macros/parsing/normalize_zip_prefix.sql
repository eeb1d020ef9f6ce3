{#
    Brazilian zip (CEP) prefix as 5-character text. Exports that treated the
    prefix as a number dropped leading zeros (`1037` for `01037`): pad them
    back. Anything that is not 1-5 digits gives null (a reject).
#}
{% macro normalize_zip_prefix(column) -%}
    {{ return(adapter.dispatch('normalize_zip_prefix', 'olist_segments')(column)) }}
{%- endmacro %}

{% macro default__normalize_zip_prefix(column) -%}
    case when {{ column }} rlike '^[0-9]{1,5}$' then lpad({{ column }}, 5, '0') end
{%- endmacro %}

{% macro duckdb__normalize_zip_prefix(column) -%}
    case when regexp_full_match({{ column }}, '[0-9]{1,5}') then lpad({{ column }}, 5, '0') end
{%- endmacro %}

{#
    The rows of a source relation numbered by their position in the file
    (source_row_number 1 = first record after the header), so a reject can
    name its record.
    DuckDB: WITH ORDINALITY on the read_csv table function numbers rows as the
    reader produces them, in file order even when the file is read in parallel
    and without preserve_insertion_order (checked by
    tests/test_engine_assumptions.py on a file large enough to be split).
    Elsewhere: row_number() over the scan, which relies on the engine keeping
    file order.
#}
{% macro number_source_rows(relation) -%}
    {{ return(adapter.dispatch('number_source_rows', 'olist_segments')(relation)) }}
{%- endmacro %}

{% macro default__number_source_rows(relation) -%}
    select
        row_number() over () as source_row_number,
        *
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__number_source_rows(relation) -%}
    select
        ordinality as source_row_number,
        *
    from {{ relation }} with ordinality
{%- endmacro %}

{#
    The rows of a source relation numbered by their position in the file
    (source_row_number 1 = first record after the header), so a reject can
    name its record.
    DuckDB: WITH ORDINALITY on the read_csv table function numbers rows as the
    reader produces them, in file order even when the file is read in parallel
    and without preserve_insertion_order (checked by
    tests/test_engine_assumptions.py on a file large enough to be split).
    Spark: the CSV tables are read with multiLine (macros/loading/
    register_csv_tables.sql), which makes a file one unsplittable
    partition read front to back, so monotonically_increasing_id() grows in
    file order; row_number() over it turns that into 1, 2, 3, ...
    Elsewhere: row_number() over the scan, which relies on the engine keeping
    file order.
    Parquet input, either engine: the position the reader reports.
#}
{% macro number_source_rows(relation) -%}
    {%- if olist_input_format() == 'parquet' -%}
        {#- Parquet readers give each record's position (olist_input_relation). -#}
        select
            cast(file_row_number + 1 as bigint) as source_row_number,
            *
        from {{ relation }} as scanned
    {%- else -%}
        {{ return(adapter.dispatch('number_source_rows', 'olist_segments')(relation)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__number_source_rows(relation) -%}
    select
        row_number() over () as source_row_number,
        *
    from {{ relation }}
{%- endmacro %}

{% macro spark__number_source_rows(relation) -%}
    select
        cast(row_number() over (order by file_position) as bigint) as source_row_number,
        *
    from (
        select
            monotonically_increasing_id() as file_position,
            *
        from {{ relation }}
    ) as scanned
{%- endmacro %}

{% macro duckdb__number_source_rows(relation) -%}
    select
        ordinality as source_row_number,
        *
    from {{ relation }} with ordinality
{%- endmacro %}

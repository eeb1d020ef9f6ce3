{#
    The relation a base model reads one Olist file from, every column as text
    under its Kaggle name (so no row can fail at read time; the base models
    parse and check each value).
    CSV, DuckDB: read_csv with the header and an explicit all-text column list
    taken from the `olist` source in _olist__sources.yml, no auto-detection,
    strict quoting. A record with too many or too few fields then stops the
    build with DuckDB's message naming the file, the line and the original
    text, instead of confusing the dialect sniffer (which with auto-detection
    could rename columns); nothing is skipped. The view each run makes per
    file (register_csv_tables) reads through this macro too.
    CSV, Spark: the external CSV table register_csv_tables made for the file.
    Parquet, either engine: the file read directly, each column cast to text,
    plus file_row_number, the record's position in the file from 0 (DuckDB's
    file_row_number, Spark's _metadata.row_index), for number_source_rows.
#}
{% macro olist_input_relation(table_name) -%}
    {%- if olist_input_format() == 'parquet' and execute -%}
        {%- set node = olist_source_node(table_name) -%}
        {%- set columns = [] -%}
        {%- for column in node.columns.keys() -%}
            {%- do columns.append('cast(' ~ adapter.quote(column) ~ ' as string) as ' ~ adapter.quote(column)) -%}
        {%- endfor -%}
        (select {{ columns | join(', ') }}, {{ parquet_file_row_number() }} as file_row_number
        from {{ parquet_file_relation(olist_input_path(node.identifier)) }})
    {%- else -%}
        {{ return(adapter.dispatch('olist_input_relation', 'olist_segments')(table_name)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__olist_input_relation(table_name) -%}
    {{ source('olist', table_name) }}
{%- endmacro %}

{% macro duckdb__olist_input_relation(table_name) -%}
    {%- set relation = source('olist', table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = olist_source_node(table_name) -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.keys() -%}
        {%- do columns.append(sql_string_literal(column) ~ ': \'VARCHAR\'') -%}
    {%- endfor -%}
    read_csv(
        {{ sql_string_literal(olist_input_path(node.identifier)) }},
        header = true, auto_detect = false, columns = { {{- columns | join(', ') -}} },
        delim = ',', quote = '"', escape = '"', strict_mode = true
    )
{%- endmacro %}

{# A Parquet file read in place. #}
{% macro parquet_file_relation(path) -%}
    {{ return(adapter.dispatch('parquet_file_relation', 'olist_segments')(path)) }}
{%- endmacro %}

{% macro default__parquet_file_relation(path) -%}
    parquet.{{ spark_path_identifier(path) }}
{%- endmacro %}

{% macro duckdb__parquet_file_relation(path) -%}
    read_parquet({{ sql_string_literal(path) }}, file_row_number = true)
{%- endmacro %}

{# The position of a record in its Parquet file, from 0. #}
{% macro parquet_file_row_number() -%}
    {{ return(adapter.dispatch('parquet_file_row_number', 'olist_segments')()) }}
{%- endmacro %}

{% macro default__parquet_file_row_number() -%}
    _metadata.row_index
{%- endmacro %}

{% macro duckdb__parquet_file_row_number() -%}
    file_row_number
{%- endmacro %}

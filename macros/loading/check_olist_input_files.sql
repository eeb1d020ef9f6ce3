{#
    on-run-start preflight: every source table of the `olist` source must exist
    as <olist_input_dir>/<identifier>.csv (or .parquet, olist_input_format)
    with exactly the header (Parquet: the columns) declared in
    models/staging/olist/_olist__sources.yml (names and order). A missing file,
    a missing or renamed column, or another delimiter stops the build here with
    one message naming the file and what was expected, before any model reads it.
    Reads only the first line of each CSV file, the schema of each Parquet file.
#}
{% macro check_olist_input_files() %}
    {%- if not execute or flags.WHICH not in ('run', 'build', 'test', 'seed') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- set format = olist_input_format() -%}
    {%- set kind = 'CSV' if format == 'csv' else 'Parquet' -%}
    {%- set present = olist_input_file_names(olist_input_dir(), format) -%}
    {%- for node in graph.sources.values() if node.source_name == 'olist' -%}
        {%- set path = olist_input_path(node.identifier) -%}
        {%- set expected = node.columns.keys() | list -%}
        {%- if node.identifier ~ '.' ~ format not in present -%}
            {%- do problems.append("missing file " ~ path ~ " (expected the Kaggle file " ~ node.identifier ~ "." ~ format ~ " in the input directory)") -%}
        {%- elif format == 'parquet' -%}
            {%- set found_columns = olist_input_parquet_columns(path) -%}
            {%- if found_columns != expected -%}
                {%- do problems.append(
                    "wrong columns in " ~ path ~ ": expected " ~ expected | join(',') ~ " but found " ~ found_columns | join(',')
                ) -%}
            {%- endif -%}
        {%- else -%}
            {%- set header_line = olist_input_first_line(path) -%}
            {%- set header = [] -%}
            {%- for name in header_line.split(',') -%}
                {%- do header.append(name.strip().strip('"')) -%}
            {%- endfor -%}
            {%- if header != expected -%}
                {%- set hint = '' -%}
                {%- if header | length == 1 and (';' in header_line or '\t' in header_line or '|' in header_line) -%}
                    {%- set hint = '; the file seems to use another delimiter: the Kaggle layout is comma-separated' -%}
                {%- endif -%}
                {%- do problems.append(
                    "wrong header in " ~ path ~ ": expected the comma-separated columns "
                    ~ expected | join(',') ~ " but found " ~ header_line[:300] ~ hint
                ) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for problem in problems if problem.startswith('missing file') -%}
        {%- do missing.append(problem) -%}
    {%- endfor -%}
    {%- if missing | length > 1 and missing | length == graph.sources.values() | selectattr('source_name', 'equalto', 'olist') | list | length -%}
        {%- set problems = ["none of the nine Olist " ~ kind ~ " files is there (does the directory exist?)"] -%}
    {%- endif -%}
    {%- if problems | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Olist input check failed for directory '" ~ olist_input_dir() ~ "': "
            ~ problems | join(' | ')
            ~ ". Point OLIST_INPUT_DIR (or --vars '{olist_input_dir: <dir>}') at a folder with the nine Olist " ~ kind ~ " files."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{# The names of the .<extension> files in `input_dir` (no directories). #}
{% macro olist_input_file_names(input_dir, extension='csv') -%}
    {{ return(adapter.dispatch('olist_input_file_names', 'olist_segments')(input_dir, extension)) }}
{%- endmacro %}

{% macro duckdb__olist_input_file_names(input_dir, extension) -%}
    {%- set listed = run_query(
        "select parse_filename(file) from glob(" ~ sql_string_literal(input_dir.rstrip('/') ~ '/*.' ~ extension) ~ ")"
    ) -%}
    {{ return(listed.columns[0].values() | list) }}
{%- endmacro %}

{% macro spark__olist_input_file_names(input_dir, extension) -%}
    {#- binaryFile lists the files and reads no content unless asked for it. A
        directory that does not exist fails here with Spark's PATH_NOT_FOUND,
        which names it. -#}
    {%- set listed = run_query(
        "select regexp_extract(path, '([^/]*)$', 1) from binaryFile." ~ spark_path_identifier(input_dir)
        ~ " where path like " ~ sql_string_literal('%.' ~ extension)
    ) -%}
    {{ return(listed.columns[0].values() | list) }}
{%- endmacro %}

{# The first line of a text file as it is, '' for an empty file. #}
{% macro olist_input_first_line(path) -%}
    {{ return(adapter.dispatch('olist_input_first_line', 'olist_segments')(path)) }}
{%- endmacro %}

{% macro duckdb__olist_input_first_line(path) -%}
    {%- set first_line = run_query(
        "select line from read_csv(" ~ sql_string_literal(path)
        ~ ", header = false, auto_detect = false, columns = {'line': 'VARCHAR'}"
        ~ ", delim = chr(1), quote = '', escape = '', strict_mode = false, parallel = false) limit 1"
    ).columns[0].values() -%}
    {{ return((first_line[0] if first_line | length > 0 else none) or '') }}
{%- endmacro %}

{% macro spark__olist_input_first_line(path) -%}
    {%- set first_line = run_query(
        "select value from text." ~ spark_path_identifier(path) ~ " limit 1"
    ).columns[0].values() -%}
    {#- Spark keeps a UTF-8 byte-order mark in the text; DuckDB strips it. -#}
    {{ return(((first_line[0] if first_line | length > 0 else none) or '').lstrip('\ufeff')) }}
{%- endmacro %}

{# A file path as a Spark `format`.`path` identifier: backticks doubled. #}
{% macro spark_path_identifier(path) -%}
    {{ return('`' ~ (path | string | replace('`', '``')) ~ '`') }}
{%- endmacro %}

{# The column names of a Parquet file, in order. #}
{% macro olist_input_parquet_columns(path) -%}
    {%- set columns = run_query("select * from " ~ parquet_file_relation(path) ~ " limit 0").column_names | list -%}
    {#- DuckDB's reader adds its own file_row_number column. -#}
    {{ return(columns | reject('equalto', 'file_row_number') | list) }}
{%- endmacro %}

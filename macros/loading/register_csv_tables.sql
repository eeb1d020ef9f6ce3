{#
    on-run-start, after check_olist_input_files: make the files the project
    reads readable by name, re-created on every run so they always point at
    the current folder. The `olist` source has no location of its own in
    _olist__sources.yml: a location there would be fixed when dbt parses the
    project, so every new input folder would mean parsing it again.
    - DuckDB: each of the nine input files becomes a view in the source's
      schema (`raw.olist_orders_dataset`) over the reader the base models use
      (olist_input_relation: every column text, the same options), for
      analysts and `dbt show`. The base models and the model export
      (segment_model_relation) read the files where they lie.
    - Spark (dbt-spark has no file reader in SQL): each file becomes an
      external CSV table over its path, in its source's schema (dropping an
      external table leaves the file alone). Two sources are files:
      - `olist`, the nine input files (olist_input_dir), every column text;
      - `segment_model`, the model export (segment_model_export_dir), with the
        declared column types, only when the run selected a node reading it.
      Options match the DuckDB reader: header row, comma, double quote escaped
      by doubling, FAILFAST so a record with too many fields stops the build
      instead of being nulled. multiLine lets review comments hold line breaks
      and makes each file one partition read front to back, which
      number_source_rows relies on for file positions.
#}
{% macro register_csv_tables() %}
    {{ return(adapter.dispatch('register_csv_tables', 'olist_segments')()) }}
{% endmacro %}

{% macro default__register_csv_tables() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__register_csv_tables() %}
    {%- if not execute or flags.WHICH not in ('run', 'build', 'test', 'seed') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in graph.sources.values() if node.source_name == 'olist' -%}
        {%- if node.schema not in schemas -%}
            {%- do run_query('create schema if not exists ' ~ api.Relation.create(database=node.database, schema=node.schema).without_identifier()) -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier) -%}
        {%- do run_query(
            'create or replace view ' ~ relation ~ ' as select * from ' ~ olist_input_relation(node.name)
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{% macro spark__register_csv_tables() %}
    {%- if not execute or flags.WHICH not in ('run', 'build', 'test', 'seed') -%}
        {{ return('') }}
    {%- endif -%}
    {%- if olist_input_format() == 'csv' -%}
        {%- do spark__register_csv_source('olist', olist_input_dir(), typed=false) -%}
    {%- endif -%}
    {%- if selection_reads_source('segment_model') -%}
        {%- for node in graph.sources.values() if node.source_name == 'segment_model' -%}
            {%- do require_segment_model_file(node.identifier) -%}
        {%- endfor -%}
        {%- do spark__register_csv_source('segment_model', segment_model_export_dir(), typed=true) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro spark__register_csv_source(source_name, directory, typed) %}
    {%- set schemas = [] -%}
    {%- for node in graph.sources.values() if node.source_name == source_name -%}
        {%- if node.schema not in schemas -%}
            {%- do run_query('create schema if not exists ' ~ node.schema) -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
        {%- set relation = node.schema ~ '.' ~ node.identifier -%}
        {%- set columns = [] -%}
        {%- for column in node.columns.values() -%}
            {%- do columns.append(adapter.quote(column.name) ~ ' ' ~ ((column.data_type if typed else none) or 'string')) -%}
        {%- endfor -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query(
            'create table ' ~ relation ~ ' (' ~ columns | join(', ') ~ ') using csv options ('
            ~ 'path ' ~ sql_string_literal(directory.rstrip('/') ~ '/' ~ node.identifier ~ '.csv')
            ~ ", header 'true', sep ',', quote '\"', escape '\"', multiLine 'true'"
            ~ ", mode 'FAILFAST', encoding 'UTF-8')"
        ) -%}
    {%- endfor -%}
{% endmacro %}

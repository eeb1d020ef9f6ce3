{#
    on-run-end: write the YAML descriptions of a source's tables and columns
    into the warehouse as table and column comments, as `persist_docs` does for
    models (dbt does not do it for sources), so analysts read them with
    duckdb_tables() / duckdb_columns(). Only after a `run` or `build` that
    selected a node reading the source (the segments build), and only for the
    tables that exist, so a plain `dbt build` never touches them.
#}
{% macro persist_source_docs(source_name) %}
    {%- if not execute or flags.WHICH not in ('run', 'build') or not selection_reads_source(source_name) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set commented = namespace(count=0) -%}
    {%- for table in graph.sources.values() if table.source_name == source_name -%}
        {%- set relation = adapter.get_relation(
            database=table.database, schema=table.schema, identifier=table.identifier
        ) -%}
        {%- if relation is not none -%}
            {%- do run_query(alter_relation_comment(relation, table.description)) -%}
            {%- do run_query(alter_column_comment(relation, table.columns)) -%}
            {%- set commented.count = commented.count + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {#- Reading the columns opened a transaction, which dbt would roll back after the hook. -#}
    {%- if commented.count > 0 -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#
    on-run-start preflight for a source written outside dbt (the segments
    tables `clustering score` writes): when the invocation selected a node that
    reads the source, every table of it must exist, else the run stops here
    with one message naming the missing tables and `fix`, instead of one
    catalog error per test.
#}
{% macro check_source_tables_exist(source_name, fix) %}
    {%- if not execute or flags.WHICH not in ('run', 'build', 'test') or not selection_reads_source(source_name) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set missing = [] -%}
    {%- for table in graph.sources.values() if table.source_name == source_name -%}
        {%- set relation = adapter.get_relation(
            database=table.database, schema=table.schema, identifier=table.identifier
        ) -%}
        {%- if relation is none -%}
            {%- do missing.append(table.schema ~ '.' ~ table.identifier) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "missing table(s) " ~ missing | join(', ') ~ " in " ~ target.path ~ ": " ~ fix
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

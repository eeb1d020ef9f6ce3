{#
    The relation one table of the segment model export is read from (source
    `segment_model`: segment_model_features, segment_model_segments or
    segment_model_centres), the file <model_export_dir>/<table>.csv.
    DuckDB: read_csv with the header and the explicit column types declared in
    models/segments/_segment_model__sources.yml, no auto-detection; a missing
    file stops the compilation with one message naming the folder and the fix.
    Other engines read the dbt source as configured for them.
    The engine-specific reading of the export is here and nowhere else.
#}
{% macro segment_model_relation(table_name) -%}
    {%- if execute -%}
        {%- set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'segment_model')
            | map(attribute='name') | list -%}
        {%- if table_name not in tables -%}
            {{ exceptions.raise_compiler_error(
                "segment_model_relation: unknown table '" ~ table_name ~ "'; the export has " ~ tables | join(', ')
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(adapter.dispatch('segment_model_relation', 'olist_segments')(table_name)) }}
{%- endmacro %}

{% macro default__segment_model_relation(table_name) -%}
    {{ return(source('segment_model', table_name)) }}
{%- endmacro %}

{% macro duckdb__segment_model_relation(table_name) -%}
    {#- The source call records the dependency for lineage and selection. -#}
    {%- set relation = source('segment_model', table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', 'segment_model')
        | selectattr('name', 'equalto', table_name) | first -%}
    {%- set path = segment_model_export_dir() ~ '/' ~ node.identifier ~ '.csv' -%}
    {%- do require_segment_model_file(node.identifier) -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append(sql_string_literal(column.name) ~ ': ' ~ sql_string_literal(column.data_type)) -%}
    {%- endfor -%}
    read_csv(
        {{ sql_string_literal(path) }},
        header = true, auto_detect = false, columns = { {{- columns | join(', ') -}} },
        delim = ',', quote = '"', escape = '"', strict_mode = true
    )
{%- endmacro %}

{#
    The relation a base model reads one Olist file from.
    DuckDB: read_csv with the header and an explicit all-text column list
    taken from the `olist` source in _olist__sources.yml, no auto-detection,
    strict quoting. A record with too many or too few fields then stops the
    build with DuckDB's message naming the file, the line and the original
    text, instead of confusing the dialect sniffer (which with auto-detection
    could rename columns); nothing is skipped. Other engines read the dbt
    source as configured for them.
    The source's own external_location (used by `dbt show` and lineage) keeps
    the same options except the column list, which YAML cannot compute.
#}
{% macro olist_csv_relation(table_name) -%}
    {{ return(adapter.dispatch('olist_csv_relation', 'olist_segments')(table_name)) }}
{%- endmacro %}

{% macro default__olist_csv_relation(table_name) -%}
    {{ source('olist', table_name) }}
{%- endmacro %}

{% macro duckdb__olist_csv_relation(table_name) -%}
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

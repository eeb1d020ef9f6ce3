{#
    The parsed node of one table of the `olist` source (its identifier and
    declared columns, from _olist__sources.yml). Only valid while executing.
#}
{% macro olist_source_node(table_name) -%}
    {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', 'olist') | selectattr('name', 'equalto', table_name) | first -%}
    {%- if node is not defined or node is none -%}
        {{ exceptions.raise_compiler_error("no table '" ~ table_name ~ "' in source olist (models/staging/olist/_olist__sources.yml)") }}
    {%- endif -%}
    {{ return(node) }}
{%- endmacro %}

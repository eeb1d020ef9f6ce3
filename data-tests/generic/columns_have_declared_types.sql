{#
    A contract for a table dbt does not build (a source written by Python):
    every column declared with a `data_type` in the YAML exists with that type
    in the warehouse (compared case-insensitively, spaces ignored, as the
    adapter reports it: uinteger, varchar, timestamp, ...). Columns declared
    without a data_type, and extra columns, are not checked. Returns one row
    per declared column that is missing or has another type.
#}
{% test columns_have_declared_types(model) %}
{%- set problems = [] -%}
{%- if execute -%}
    {%- set found = namespace(columns=none) -%}
    {%- for node in graph.sources.values() | list + graph.nodes.values() | list -%}
        {%- if found.columns is none
            and (node.schema | lower) == (model.schema | lower)
            and ((node.identifier or node.alias or node.name) | lower) == (model.identifier | lower) -%}
            {%- set found.columns = node.columns -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set declared = found.columns -%}
    {%- if declared is none -%}
        {{ exceptions.raise_compiler_error("columns_have_declared_types: no source or model found for " ~ model) }}
    {%- endif -%}
    {%- set actual = {} -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do actual.update({column.name | lower: column.dtype | lower | replace(' ', '')}) -%}
    {%- endfor -%}
    {%- for name, column in declared.items() if column.data_type -%}
        {%- set expected = column.data_type | lower | replace(' ', '') -%}
        {%- if actual.get(name | lower) != expected -%}
            {%- do problems.append([name, expected, actual.get(name | lower, 'missing')]) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
{% if problems | length > 0 -%}
    select *
    from (
        values
        {% for name, expected, found in problems -%}
            ({{ sql_string_literal(name) }}, {{ sql_string_literal(expected) }}, {{ sql_string_literal(found) }})
            {%- if not loop.last %},{% endif %}
        {% endfor -%}
    ) as problems (column_name, declared_type, warehouse_type)
{%- else -%}
    select
        cast(null as string) as column_name,
        cast(null as string) as declared_type,
        cast(null as string) as warehouse_type
    from {{ model }}
    where false
{%- endif %}
{% endtest %}

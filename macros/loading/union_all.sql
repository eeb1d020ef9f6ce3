{#
    `select * from <prefix><name>` for each name, joined by union all: one
    relation from CTEs of the same shape (for example one per Olist file).
#}
{% macro union_all(names, prefix='') -%}
    {%- if names | length == 0 -%}
        {{ exceptions.raise_compiler_error("union_all needs at least one relation or CTE name") }}
    {%- endif -%}
    {%- for name in names %}
    select * from {{ prefix ~ name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

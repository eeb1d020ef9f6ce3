{#- The rows each base model rejects, and the rows it accepted whose parent is
    not staged (stg_olist__orphaned_<table>, for the files with foreign keys). -#}
{%- set foreign_keys = olist_foreign_keys() -%}
{%- set parts = [] -%}
with

{% for table_name in olist_tables() -%}
{%- set source_file = source('olist', table_name).identifier ~ '.' ~ olist_input_format() -%}
{%- do parts.append('base_olist__' ~ table_name) -%}
base_olist__{{ table_name }} as (
    select
        {{ sql_string_literal(source_file) }} as source_file,
        source_row_number,
        reject_column,
        reject_value,
        reject_reason
    from {{ ref('base_olist__' ~ table_name) }}
    where reject_reason is not null
),

{% if table_name in foreign_keys -%}
{%- do parts.append('stg_olist__orphaned_' ~ table_name) -%}
stg_olist__orphaned_{{ table_name }} as (
    select
        {{ sql_string_literal(source_file) }} as source_file,
        source_row_number,
        reject_column,
        reject_value,
        reject_reason
    from {{ ref('stg_olist__orphaned_' ~ table_name) }}
),

{% endif -%}
{% endfor -%}
unioned as (
    {{ union_all(parts) }}
)

select * from unioned

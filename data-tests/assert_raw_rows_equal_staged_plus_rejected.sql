-- Every raw row of every file is either staged or rejected, counted from the
-- file itself (not from the base models), so a row lost anywhere fails here.
with

{% for table_name in olist_tables() -%}
{%- set source_file = source('olist', table_name).identifier ~ '.' ~ olist_input_format() -%}
counts_{{ table_name }} as (
    select
        {{ sql_string_literal(source_file) }} as source_file,
        (select count(*) from {{ olist_input_relation(table_name) }}) as raw_rows,
        (select count(*) from {{ ref('stg_olist__' ~ table_name) }}) as staged_rows,
        (
            select count(*) from {{ ref('audit_rejected_rows') }}
            where source_file = {{ sql_string_literal(source_file) }}
        ) as rejected_rows
),

{% endfor -%}
unioned as (
    {{ union_all(olist_tables(), prefix='counts_') }}
)

select *
from unioned
where raw_rows != staged_rows + rejected_rows

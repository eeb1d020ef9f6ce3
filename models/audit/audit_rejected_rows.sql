with

{% for table_name in olist_tables() -%}
base_olist__{{ table_name }} as (
    select
        {{ sql_string_literal(source('olist', table_name).identifier ~ '.' ~ olist_input_format()) }} as source_file,
        source_row_number,
        reject_column,
        reject_value,
        reject_reason
    from {{ ref('base_olist__' ~ table_name) }}
    where reject_reason is not null
),

{% endfor -%}
unioned as (
    {{ union_all(olist_tables(), prefix='base_olist__') }}
)

select * from unioned

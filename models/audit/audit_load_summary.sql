with

{% for table_name in olist_tables() -%}
base_olist__{{ table_name }} as (
    select
        {{ sql_string_literal(source('olist', table_name).identifier ~ '.' ~ olist_input_format()) }} as source_file,
        cast(count(*) as bigint) as raw_rows,
        cast(count(*) filter (where reject_reason is null) as bigint) as staged_rows,
        cast(count(*) filter (where reject_reason is not null) as bigint) as rejected_rows,
        cast(count(*) filter (where reject_reason = 'blank_row') as bigint) as blank_rows,
        {%- if table_name == 'geolocation' %}
        cast(count(*) filter (where reject_reason is null and not is_in_brazil) as bigint)
            as staged_rows_outside_brazil
        {%- else %}
        cast(0 as bigint) as staged_rows_outside_brazil
        {%- endif %}
    from {{ ref('base_olist__' ~ table_name) }}
),

{% endfor -%}
unioned as (
    {{ union_all(olist_tables(), prefix='base_olist__') }}
)

select * from unioned

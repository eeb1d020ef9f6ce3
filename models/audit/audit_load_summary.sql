{#- Per file: rows read, staged and rejected. A row is rejected when the base
    model gives it a reason or, for the files with foreign keys, when
    stg_olist__orphaned_<table> lists it (its parent is not staged). -#}
{%- set foreign_keys = olist_foreign_keys() -%}
with

{% for table_name in olist_tables() -%}
base_olist__{{ table_name }} as (
    select
        source_row_number,
        {%- if table_name == 'geolocation' %}
        is_in_brazil,
        {%- endif %}
        reject_reason
    from {{ ref('base_olist__' ~ table_name) }}
),

{% if table_name in foreign_keys -%}
stg_olist__orphaned_{{ table_name }} as (
    select
        source_row_number,
        reject_reason
    from {{ ref('stg_olist__orphaned_' ~ table_name) }}
),

rows_{{ table_name }} as (
    -- Each raw row with its reason: the base model's, else the orphan check's.
    select
        coalesce(base_olist__{{ table_name }}.reject_reason, stg_olist__orphaned_{{ table_name }}.reject_reason)
            as reject_reason
    from base_olist__{{ table_name }}
    left join stg_olist__orphaned_{{ table_name }}
        on base_olist__{{ table_name }}.source_row_number = stg_olist__orphaned_{{ table_name }}.source_row_number
),

{% else -%}
rows_{{ table_name }} as (
    select * from base_olist__{{ table_name }}
),

{% endif -%}
summary_{{ table_name }} as (
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
    from rows_{{ table_name }}
),

{% endfor -%}
unioned as (
    {{ union_all(olist_tables(), prefix='summary_') }}
)

select * from unioned

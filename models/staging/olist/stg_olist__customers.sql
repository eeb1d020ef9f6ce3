with

base_olist__customers as (
    select * from {{ ref('base_olist__customers') }}
),

accepted as (
    select
        source_row_number,
        customer_id,
        customer_unique_id,
        customer_zip_code_prefix,
        customer_city,
        customer_state
    from base_olist__customers
    where reject_reason is null
)

select * from accepted

with

base_olist__sellers as (
    select * from {{ ref('base_olist__sellers') }}
),

accepted as (
    select
        source_row_number,
        seller_id,
        seller_zip_code_prefix,
        seller_city,
        seller_state
    from base_olist__sellers
    where reject_reason is null
)

select * from accepted

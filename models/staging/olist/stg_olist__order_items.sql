with

base_olist__order_items as (
    select * from {{ ref('base_olist__order_items') }}
),

accepted as (
    select
        source_row_number,
        order_id,
        order_item_id,
        product_id,
        seller_id,
        shipping_limit_at,
        price_brl,
        freight_brl
    from base_olist__order_items
    where reject_reason is null
)

select * from accepted

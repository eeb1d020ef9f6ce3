with

base_olist__order_items as (
    select
        source_row_number,
        order_id,
        order_item_id,
        product_id,
        seller_id,
        shipping_limit_at,
        price_brl,
        freight_brl,
        reject_reason
    from {{ ref('base_olist__order_items') }}
),

stg_olist__orphaned_order_items as (
    select source_row_number
    from {{ ref('stg_olist__orphaned_order_items') }}
),

accepted as (
    -- Rows without a reason in the base model, less those whose parent is
    -- not staged (stg_olist__orphaned_order_items).
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
    where
        reject_reason is null
        and source_row_number not in (
            select stg_olist__orphaned_order_items.source_row_number
            from stg_olist__orphaned_order_items
        )
)

select * from accepted

with

base_olist__orders as (
    select
        source_row_number,
        order_id,
        customer_id,
        order_status,
        purchased_at,
        approved_at,
        delivered_to_carrier_at,
        delivered_to_customer_at,
        estimated_delivery_at,
        reject_reason
    from {{ ref('base_olist__orders') }}
),

stg_olist__orphaned_orders as (
    select source_row_number
    from {{ ref('stg_olist__orphaned_orders') }}
),

accepted as (
    -- Rows without a reason in the base model, less those whose parent is
    -- not staged (stg_olist__orphaned_orders).
    select
        source_row_number,
        order_id,
        customer_id,
        order_status,
        purchased_at,
        approved_at,
        delivered_to_carrier_at,
        delivered_to_customer_at,
        estimated_delivery_at
    from base_olist__orders
    where
        reject_reason is null
        and source_row_number not in (
            select stg_olist__orphaned_orders.source_row_number
            from stg_olist__orphaned_orders
        )
)

select * from accepted

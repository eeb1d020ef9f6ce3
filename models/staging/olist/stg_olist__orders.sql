with

base_olist__orders as (
    select * from {{ ref('base_olist__orders') }}
),

accepted as (
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
    where reject_reason is null
)

select * from accepted

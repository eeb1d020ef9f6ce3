with

base_olist__order_payments as (
    select
        source_row_number,
        order_id,
        payment_sequential,
        payment_type,
        payment_installments,
        payment_value_brl,
        reject_reason
    from {{ ref('base_olist__order_payments') }}
),

stg_olist__orphaned_order_payments as (
    select source_row_number
    from {{ ref('stg_olist__orphaned_order_payments') }}
),

accepted as (
    -- Rows without a reason in the base model, less those whose parent is
    -- not staged (stg_olist__orphaned_order_payments).
    select
        source_row_number,
        order_id,
        payment_sequential,
        payment_type,
        payment_installments,
        payment_value_brl
    from base_olist__order_payments
    where
        reject_reason is null
        and source_row_number not in (
            select stg_olist__orphaned_order_payments.source_row_number
            from stg_olist__orphaned_order_payments
        )
)

select * from accepted

with

base_olist__order_payments as (
    select * from {{ ref('base_olist__order_payments') }}
),

accepted as (
    select
        source_row_number,
        order_id,
        payment_sequential,
        payment_type,
        payment_installments,
        payment_value_brl
    from base_olist__order_payments
    where reject_reason is null
)

select * from accepted

-- Money is neither lost nor multiplied between staging and fct_orders:
-- for the orders purchased before the cutoff, Σ payment_value of staging
-- equals Σ payment_total_brl, and Σ price / Σ freight of staging equal
-- Σ items_value_brl / Σ freight_brl (a fan-out between payments and items
-- would inflate them).
with

cutoff as (
    select cutoff_at from {{ ref('int_as_of_date') }}
),

orders_in_scope as (
    select stg_olist__orders.order_id
    from {{ ref('stg_olist__orders') }} as stg_olist__orders
    cross join cutoff
    where stg_olist__orders.purchased_at < cutoff.cutoff_at
),

staged as (
    select
        (
            select coalesce(sum(payments.payment_value_brl), 0)
            from {{ ref('stg_olist__order_payments') }} as payments
            inner join orders_in_scope on payments.order_id = orders_in_scope.order_id
        ) as payments_brl,
        (
            select coalesce(sum(items.price_brl), 0)
            from {{ ref('stg_olist__order_items') }} as items
            inner join orders_in_scope on items.order_id = orders_in_scope.order_id
        ) as price_brl,
        (
            select coalesce(sum(items.freight_brl), 0)
            from {{ ref('stg_olist__order_items') }} as items
            inner join orders_in_scope on items.order_id = orders_in_scope.order_id
        ) as freight_brl
),

marts as (
    select
        coalesce(sum(payment_total_brl), 0) as payments_brl,
        coalesce(sum(items_value_brl), 0) as price_brl,
        coalesce(sum(freight_brl), 0) as freight_brl
    from {{ ref('fct_orders') }}
)

select
    staged.*,
    marts.payments_brl as mart_payments_brl,
    marts.price_brl as mart_price_brl,
    marts.freight_brl as mart_freight_brl
from staged
cross join marts
where staged.payments_brl != marts.payments_brl
    or staged.price_brl != marts.price_brl
    or staged.freight_brl != marts.freight_brl

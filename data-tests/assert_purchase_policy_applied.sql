-- is_purchase follows the written policy exactly: a purchase status in the
-- seed order_status_policy and at least one item line.
with

fct_orders as (
    select
        order_id,
        order_status,
        count_item_lines,
        is_purchase
    from {{ ref('fct_orders') }}
),

order_status_policy as (
    select
        order_status,
        is_purchase
    from {{ ref('order_status_policy') }}
)

select fct_orders.*
from fct_orders
inner join order_status_policy
    on fct_orders.order_status = order_status_policy.order_status
where fct_orders.is_purchase
    != (order_status_policy.is_purchase and fct_orders.count_item_lines > 0)

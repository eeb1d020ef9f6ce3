-- Orders per status up to the cutoff are the same in staging and fct_orders.
with

cutoff as (
    select cutoff_at from {{ ref('int_as_of_date') }}
),

staged as (
    select
        stg_olist__orders.order_status,
        count(*) as count_orders
    from {{ ref('stg_olist__orders') }} as stg_olist__orders
    cross join cutoff
    where stg_olist__orders.purchased_at < cutoff.cutoff_at
    group by stg_olist__orders.order_status
),

marts as (
    select
        order_status,
        count(*) as count_orders
    from {{ ref('fct_orders') }}
    group by order_status
)

select
    coalesce(staged.order_status, marts.order_status) as order_status,
    staged.count_orders as staged_orders,
    marts.count_orders as mart_orders
from staged
full outer join marts
    on staged.order_status = marts.order_status
where staged.count_orders is distinct from marts.count_orders

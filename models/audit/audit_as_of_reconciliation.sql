with

int_as_of_date as (
    select
        as_of_date,
        as_of_date_source,
        cutoff_at
    from {{ ref('int_as_of_date') }}
),

stg_olist__orders as (
    select
        order_id,
        customer_id,
        purchased_at
    from {{ ref('stg_olist__orders') }}
),

stg_olist__customers as (
    select
        customer_id,
        customer_unique_id
    from {{ ref('stg_olist__customers') }}
),

stg_olist__order_payments as (
    select
        order_id,
        payment_value_brl
    from {{ ref('stg_olist__order_payments') }}
),

fct_orders as (
    select
        order_id,
        payment_total_brl
    from {{ ref('fct_orders') }}
),

dim_customers as (
    select customer_unique_key
    from {{ ref('dim_customers') }}
),

orders_against_cutoff as (
    -- Every staged order, its person, and whether the as-of date leaves it
    -- out of the marts (the marts keep orders purchased before cutoff_at).
    select
        stg_olist__orders.order_id,
        stg_olist__customers.customer_unique_id,
        stg_olist__orders.purchased_at >= int_as_of_date.cutoff_at as is_after_cutoff
    from stg_olist__orders
    cross join int_as_of_date
    left join stg_olist__customers
        on stg_olist__orders.customer_id = stg_olist__customers.customer_id
),

staged_orders as (
    select
        cast(count(*) as bigint) as count_orders_staged,
        cast(count(*) filter (where is_after_cutoff) as bigint) as count_orders_after_cutoff
    from orders_against_cutoff
),

payments_against_cutoff as (
    -- A payment of an order missing from staging counts as staged but not as
    -- after the cutoff, so the balance test would show it.
    select
        stg_olist__order_payments.payment_value_brl,
        coalesce(orders_against_cutoff.is_after_cutoff, false) as is_after_cutoff
    from stg_olist__order_payments
    left join orders_against_cutoff
        on stg_olist__order_payments.order_id = orders_against_cutoff.order_id
),

staged_payments as (
    select
        cast(coalesce(sum(payment_value_brl), 0) as decimal(18, 2)) as payments_staged_brl,
        cast(coalesce(sum(payment_value_brl) filter (where is_after_cutoff), 0) as decimal(18, 2))
            as payments_after_cutoff_brl
    from payments_against_cutoff
),

people_against_cutoff as (
    select
        customer_unique_id,
        min(case when is_after_cutoff then 1 else 0 end) = 1 as has_only_orders_after_cutoff
    from orders_against_cutoff
    where customer_unique_id is not null
    group by customer_unique_id
),

staged_people as (
    select
        cast(count(*) as bigint) as count_customers_staged,
        cast(count(*) filter (where has_only_orders_after_cutoff) as bigint)
            as count_customers_only_after_cutoff
    from people_against_cutoff
),

mart_orders as (
    select
        cast(count(*) as bigint) as count_orders_in_marts,
        cast(coalesce(sum(payment_total_brl), 0) as decimal(18, 2)) as payments_in_marts_brl
    from fct_orders
),

mart_people as (
    select cast(count(*) as bigint) as count_customers_in_marts
    from dim_customers
),

final as (
    select
        int_as_of_date.as_of_date,
        int_as_of_date.as_of_date_source,
        int_as_of_date.cutoff_at,
        staged_orders.count_orders_staged,
        mart_orders.count_orders_in_marts,
        staged_orders.count_orders_after_cutoff,
        staged_payments.payments_staged_brl,
        mart_orders.payments_in_marts_brl,
        staged_payments.payments_after_cutoff_brl,
        staged_people.count_customers_staged,
        mart_people.count_customers_in_marts,
        staged_people.count_customers_only_after_cutoff
    from int_as_of_date
    cross join staged_orders
    cross join staged_payments
    cross join staged_people
    cross join mart_orders
    cross join mart_people
)

select * from final

-- No mart row carries an event at or after the cutoff instant.
with

cutoff as (
    select cutoff_at from {{ ref('int_as_of_date') }}
),

late_orders as (
    select
        'fct_orders' as model_name,
        fct_orders.order_id as row_id
    from {{ ref('fct_orders') }} as fct_orders
    cross join cutoff
    where fct_orders.purchased_at >= cutoff.cutoff_at
        or fct_orders.approved_at >= cutoff.cutoff_at
        or fct_orders.delivered_to_carrier_at >= cutoff.cutoff_at
        or fct_orders.delivered_to_customer_at >= cutoff.cutoff_at
),

late_customers as (
    select
        'fct_customer_rfm' as model_name,
        fct_customer_rfm.customer_unique_id as row_id
    from {{ ref('fct_customer_rfm') }} as fct_customer_rfm
    cross join cutoff
    where fct_customer_rfm.last_order_at >= cutoff.cutoff_at
),

late_people as (
    select
        'dim_customers' as model_name,
        dim_customers.customer_unique_id as row_id
    from {{ ref('dim_customers') }} as dim_customers
    cross join cutoff
    where dim_customers.last_order_at >= cutoff.cutoff_at
)

select * from late_orders
union all
select * from late_customers
union all
select * from late_people

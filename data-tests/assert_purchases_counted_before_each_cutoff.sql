-- At every cutoff, each person's count_orders, total_spend_brl and
-- days_since_last_order in fct_customer_features_at_cutoffs equal what the
-- staged files give when only purchases before the cutoff instant count,
-- computed here without the as-of macros: no order purchased at or after a
-- cutoff contributes, none before it is missing, and nobody is left out or
-- added. Returns the (cutoff, person) pairs that differ.
with

int_stability_cutoffs as (
    select
        as_of_date,
        cutoff_at
    from {{ ref('int_stability_cutoffs') }}
),

stg_olist__orders as (
    select
        order_id,
        customer_id,
        order_status,
        purchased_at
    from {{ ref('stg_olist__orders') }}
),

stg_olist__customers as (
    select
        customer_id,
        customer_unique_id
    from {{ ref('stg_olist__customers') }}
),

stg_olist__order_items as (
    select
        order_id,
        price_brl,
        freight_brl
    from {{ ref('stg_olist__order_items') }}
),

order_status_policy as (
    select
        order_status,
        is_purchase
    from {{ ref('order_status_policy') }}
),

fct_customer_features_at_cutoffs as (
    select
        as_of_date,
        customer_unique_id,
        count_orders,
        total_spend_brl,
        days_since_last_order
    from {{ ref('fct_customer_features_at_cutoffs') }}
),

order_values as (
    select
        order_id,
        sum(price_brl + freight_brl) as order_value_brl
    from stg_olist__order_items
    group by order_id
),

-- Purchases (docs block `purchase_policy`): a purchase status and at least
-- one item line, which the inner join with order_values requires.
purchases as (
    select
        stg_olist__customers.customer_unique_id,
        stg_olist__orders.purchased_at,
        order_values.order_value_brl
    from stg_olist__orders
    inner join order_status_policy
        on stg_olist__orders.order_status = order_status_policy.order_status
    inner join order_values
        on stg_olist__orders.order_id = order_values.order_id
    inner join stg_olist__customers
        on stg_olist__orders.customer_id = stg_olist__customers.customer_id
    where order_status_policy.is_purchase
),

expected as (
    select
        int_stability_cutoffs.as_of_date,
        purchases.customer_unique_id,
        count(*) as count_orders,
        sum(purchases.order_value_brl) as total_spend_brl,
        {{ days_between_dates('max(purchases.purchased_at)', 'int_stability_cutoffs.as_of_date') }}
            as days_since_last_order
    from purchases
    inner join int_stability_cutoffs
        on purchases.purchased_at < int_stability_cutoffs.cutoff_at
    group by int_stability_cutoffs.as_of_date, purchases.customer_unique_id
),

compared as (
    select
        coalesce(expected.as_of_date, fct_customer_features_at_cutoffs.as_of_date) as as_of_date,
        coalesce(expected.customer_unique_id, fct_customer_features_at_cutoffs.customer_unique_id)
            as customer_unique_id,
        expected.count_orders as expected_count_orders,
        fct_customer_features_at_cutoffs.count_orders,
        expected.total_spend_brl as expected_total_spend_brl,
        fct_customer_features_at_cutoffs.total_spend_brl,
        expected.days_since_last_order as expected_days_since_last_order,
        fct_customer_features_at_cutoffs.days_since_last_order
    from expected
    full outer join fct_customer_features_at_cutoffs
        on expected.as_of_date = fct_customer_features_at_cutoffs.as_of_date
            and expected.customer_unique_id = fct_customer_features_at_cutoffs.customer_unique_id
)

select * from compared
where expected_count_orders is distinct from count_orders
    or expected_total_spend_brl is distinct from total_spend_brl
    or expected_days_since_last_order is distinct from days_since_last_order
